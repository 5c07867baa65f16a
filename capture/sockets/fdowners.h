/* Socket owners without a readlink per fd (issue 19): a BPF iter/task_file
 * program lists the socket fds of one process, (fd, inode) pairs, in one
 * read. Hand-assembled (no libbpf, no CO-RE): its BTF id and six field
 * offsets come from one linear pass over /sys/kernel/btf/vmlinux, so
 * opening costs a few ms, not libbpf's ~95 ms vmlinux parse, which a
 * one-shot snapshot could not afford.
 *
 * Opened once per process, lazily, on the first owner scan of a real
 * /proc/PID/fd; when it cannot be (no CAP_BPF + CAP_PERFMON, Linux before
 * 6.1, no vmlinux BTF, a --root fixture tree, another pid namespace's
 * /proc), sockmap_add_dir() reads the links as before, and fdowners_why()
 * says why once. Every other failure (the process is gone, a record that
 * does not check out) falls back to the links for that call alone.
 * CASEFILE_FDOWNERS=off in the environment keeps it unloaded (benchmarks,
 * comparisons). */
#ifndef CASEFILE_FDOWNERS_H
#define CASEFILE_FDOWNERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sockmap;

/* What the program needs from the kernel's BTF. */
struct fdowners_btf {
	uint32_t func;           /* id of FUNC bpf_iter_task_file */
	/* byte offsets of file.f_inode, inode.i_sb, inode.i_ino,
	 * super_block.s_magic, task_struct.pid, task_struct.tgid */
	int32_t f_inode, i_sb, i_ino, s_magic, t_pid, t_tgid;
};

/* Parses a raw BTF blob (buf, len bytes: header, types, strings) into b.
 * Pure: no I/O. Returns 0, or -1 with a reason in why (size wlen) when the
 * blob is not BTF (magic, version, header or sections out of bounds, a
 * string section not NUL-terminated, a type running past its section, an
 * unknown kind, a name offset outside the strings) or lacks what is
 * needed (the FUNC, a struct, a member; a bitfield; an offset a BPF
 * instruction cannot hold). */
int fdowners_btf_parse(const void *buf, size_t len, struct fdowners_btf *b, char *why, size_t wlen);

/* One record the program writes: a header first (fd FDOWNERS_HEADER_FD,
 * inode 0: the process's first file was visited), then one per socket fd
 * in ascending fd order. tgid is the kernel's (initial pid namespace). */
struct fdowners_rec {
	uint32_t fd;
	uint32_t tgid;
	uint64_t ino;
};
#define FDOWNERS_HEADER_FD UINT32_MAX

/* Checks the bytes one read of the iterator gave (buf, len) and returns
 * the number of socket records after the header, or -1 when anything does
 * not check out: a length not a multiple of the record, no header or a
 * header anywhere but first, a tgid differing from the header's (or from
 * want_tgid when it is not 0), an fd above INT32_MAX or not above the one
 * before, an inode of 0. A socket inode above UINT32_MAX is counted but
 * the caller skips it, as the link parser does. Pure: no I/O. */
long fdowners_check(const void *buf, size_t len, uint32_t want_tgid);

/* Adds pid's socket fds to m (owner tag owner) when fd_dir is "/proc/PID/fd"
 * of that pid on the real /proc and the iterator is (or can now be) loaded.
 * Returns the number of socket fds added; -1 with errno ENOMEM when memory
 * ran out while adding; FDOWNERS_FALLBACK when the caller must read the
 * links instead (nothing was added). Thread-safe. */
#define FDOWNERS_FALLBACK (-2)
int fdowners_add_dir(struct sockmap *m, const char *fd_dir, pid_t pid, int owner);

/* Why the iterator is not used: NULL while it was not tried (no real
 * /proc/PID/fd scanned yet) or when it is loaded; else one line, e.g.
 * "cannot load the BPF iterator (Operation not permitted): needs CAP_BPF
 * and CAP_PERFMON". fdowners_open() tries now (for a source's note at
 * open). Returns 0 when loaded, -1 otherwise. */
int fdowners_open(void);
const char *fdowners_why(void);

/* Process-wide counts: pid scans done through the iterator, and those that
 * fell back to the links after it was loaded (the process was gone, or a
 * check failed). */
void fdowners_stats(uint64_t *used, uint64_t *fell_back);

/* Turns the iterator off (0) or back on (1) for this process: the links
 * are read, as in a --root capture. For tests and benchmarks. */
void fdowners_enable(int on);

/* Reads pid's records through the iterator (for tests and tools): *out
 * (malloc'd, the caller frees it) holds the *n socket records after the
 * header. Returns 0, or -1 with errno set when the iterator cannot run
 * (EOPNOTSUPP: not loaded) or the check failed (EBADMSG). */
int fdowners_read(pid_t pid, struct fdowners_rec **out, size_t *n);

#endif
