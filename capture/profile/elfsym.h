/* Function symbols of an ELF object, for naming the addresses of a profile
 * at capture time (the bundle must stay readable where the target's
 * binaries are not).
 *
 * The object is read through a callback (pread on the file, or a buffer in
 * tests and fuzzing), piece by piece: the ELF header, program and section
 * headers, the build-id note, and one symbol table with its strings. Only
 * those are read, each bounded, so a 200 MB binary costs its symbol table,
 * not its size. Every offset and length comes from the file, which the
 * target may control: each is checked against the file's size and our
 * bounds before it is read. ELF64 little-endian only (x86_64, aarch64).
 */
#ifndef CASEFILE_ELFSYM_H
#define CASEFILE_ELFSYM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ELFSYM_MAX_LOADS 32
#define ELFSYM_MAX_TABLE (64u << 20)     /* a symbol or string table at most */

struct elfsym_sym {
	uint64_t addr, size;
	uint32_t name;                   /* offset into elfsym.names */
	uint32_t pad;
};

struct elfsym_load {
	uint64_t off, vaddr, filesz;
};

enum elfsym_table { ELFSYM_NONE = 0, ELFSYM_SYMTAB, ELFSYM_DYNSYM };

struct elfsym {
	struct elfsym_sym *syms;         /* functions, sorted by addr */
	size_t nsyms;
	char *names;                     /* NUL-terminated names */
	size_t names_len;
	struct elfsym_load load[ELFSYM_MAX_LOADS];
	int nload;
	char build_id[129];              /* hex, "" when the object has none */
	enum elfsym_table table;         /* where the names came from */
};

/* Reads LEN bytes at OFF into BUF; returns the bytes read (short at the end
 * of the file) or -1. */
typedef ssize_t (*elfsym_read_fn)(void *ctx, void *buf, size_t len, uint64_t off);

/* Loads the function symbols of the object of FILE_SIZE bytes that RD reads.
 * Returns 0 with *E filled (possibly with no symbols: a stripped object,
 * e->table ELFSYM_NONE), or -1 with WHY (size WHYLEN) saying what is wrong
 * ("not an ELF file", "truncated section headers"). elfsym_release() frees
 * the contents in both cases. */
int elfsym_load(elfsym_read_fn rd, void *ctx, uint64_t file_size, struct elfsym *e,
		char *why, size_t whylen);
/* The same on a buffer of LEN bytes holding the whole object. */
int elfsym_load_buf(const void *buf, size_t len, struct elfsym *e, char *why, size_t whylen);
void elfsym_release(struct elfsym *e);

/* The virtual address (as in the symbol table) of the byte at FILE_OFF in
 * the file, through the PT_LOAD segment that maps it. Returns 0, or -1 when
 * no segment maps it. */
int elfsym_file_to_vaddr(const struct elfsym *e, uint64_t file_off, uint64_t *vaddr);
/* The function containing VADDR: its name, and *OFF the distance from its
 * start. A symbol of size 0 covers up to the next symbol. NULL when none. */
const char *elfsym_lookup(const struct elfsym *e, uint64_t vaddr, uint64_t *off);

#endif
