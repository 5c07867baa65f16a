/* Unit tests of capture/profile/elfsym.c: function symbols, load segments
 * and build-id of the ELF fixtures (tests/fixtures/profile/tiny.c says how
 * they were built), then the same bytes cut and corrupted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile/elfsym.h"

static unsigned char *load_fixture(const char *name, size_t *len)
{
	const char *dir = getenv("CASEFILE_FIXTURES");
	char path[4096];
	unsigned char *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/profile/%s", dir ? dir : "tests/fixtures", name);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void test_elfsym__names_and_build_id(void **state)
{
	struct elfsym e;
	char why[128];
	size_t len;
	unsigned char *buf = load_fixture("tiny.elf", &len);
	uint64_t off = 99, vaddr;

	(void)state;
	assert_int_equal(elfsym_load_buf(buf, len, &e, why, sizeof(why)), 0);
	assert_int_equal(e.table, ELFSYM_SYMTAB);
	assert_string_equal(e.build_id, "f7840635fc0fafdebf6e96ea6c28af41dff6acf8");
	/* alpha 0x401000 (5 bytes), beta 0x401005 (local: only in .symtab),
	 * _start 0x40100e. */
	assert_string_equal(elfsym_lookup(&e, 0x401000, &off), "alpha");
	assert_int_equal(off, 0);
	assert_string_equal(elfsym_lookup(&e, 0x401004, &off), "alpha");
	assert_string_equal(elfsym_lookup(&e, 0x401007, &off), "beta");
	assert_int_equal(off, 2);
	assert_string_equal(elfsym_lookup(&e, 0x401010, NULL), "_start");
	/* Between and past symbols, before the first: no name. */
	assert_null(elfsym_lookup(&e, 0x401026, NULL));
	assert_null(elfsym_lookup(&e, 0x400fff, NULL));
	/* File offset 0x1007 is in the executable segment at 0x401000. */
	assert_int_equal(elfsym_file_to_vaddr(&e, 0x1007, &vaddr), 0);
	assert_int_equal(vaddr, 0x401007);
	assert_int_equal(elfsym_file_to_vaddr(&e, 0x9000, &vaddr), -1);
	elfsym_release(&e);
	free(buf);
}

static void test_elfsym__stripped(void **state)
{
	struct elfsym e;
	char why[128];
	size_t len;
	unsigned char *buf = load_fixture("tiny-stripped.elf", &len);

	(void)state;
	/* No .symtab and (static) no .dynsym: loads, with no names, and
	 * keeps its build-id and segments. */
	assert_int_equal(elfsym_load_buf(buf, len, &e, why, sizeof(why)), 0);
	assert_int_equal(e.table, ELFSYM_NONE);
	assert_int_equal(e.nsyms, 0);
	assert_null(elfsym_lookup(&e, 0x401000, NULL));
	assert_string_equal(e.build_id, "f7840635fc0fafdebf6e96ea6c28af41dff6acf8");
	assert_true(e.nload >= 2);
	elfsym_release(&e);
	free(buf);
}

static void test_elfsym__not_elf(void **state)
{
	struct elfsym e;
	char why[128];
	unsigned char junk[128];

	(void)state;
	memset(junk, 'A', sizeof(junk));
	assert_int_equal(elfsym_load_buf(junk, sizeof(junk), &e, why, sizeof(why)), -1);
	assert_string_equal(why, "not an ELF file");
	elfsym_release(&e);
	assert_int_equal(elfsym_load_buf(junk, 10, &e, why, sizeof(why)), -1);
	assert_string_equal(why, "too short for an ELF header");
	elfsym_release(&e);
	memcpy(junk, ELFMAG, SELFMAG);
	junk[EI_CLASS] = ELFCLASS32;
	assert_int_equal(elfsym_load_buf(junk, sizeof(junk), &e, why, sizeof(why)), -1);
	assert_string_equal(why, "not a 64-bit little-endian ELF file");
	elfsym_release(&e);
}

/* Every cut of the file either loads or says why, never reads past the
 * buffer (the sanitizer build checks that) and never names an address with
 * a name that is not in the file. */
static void test_elfsym__every_truncation(void **state)
{
	size_t len, cut;
	unsigned char *buf = load_fixture("tiny.elf", &len);

	(void)state;
	for (cut = 0; cut < len; cut += 7) {
		unsigned char *c = malloc(cut ? cut : 1);
		struct elfsym e;
		char why[128];
		const char *n;

		memcpy(c, buf, cut);
		if (elfsym_load_buf(c, cut, &e, why, sizeof(why)) == 0) {
			n = elfsym_lookup(&e, 0x401000, NULL);
			assert_true(n == NULL || !strcmp(n, "alpha"));
		} else {
			assert_true(why[0] != '\0');
		}
		elfsym_release(&e);
		free(c);
	}
	free(buf);
}

/* Header fields pointing anywhere: bounded, no crash. */
static void test_elfsym__hostile_headers(void **state)
{
	size_t len, i;
	unsigned char *buf = load_fixture("tiny.elf", &len);
	static const size_t fields[] = {
		offsetof(Elf64_Ehdr, e_phoff), offsetof(Elf64_Ehdr, e_shoff),
		offsetof(Elf64_Ehdr, e_phnum), offsetof(Elf64_Ehdr, e_shnum),
	};
	static const uint64_t values[] = { 0, 1, 0x7fffffff, 0xffffffffffffffffULL, 0xffff, 64 };

	(void)state;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		size_t k;

		for (k = 0; k < sizeof(values) / sizeof(values[0]); k++) {
			unsigned char *c = malloc(len);
			struct elfsym e;
			char why[128];
			size_t w = fields[i] == offsetof(Elf64_Ehdr, e_phnum) ||
				   fields[i] == offsetof(Elf64_Ehdr, e_shnum) ? 2 : 8;

			memcpy(c, buf, len);
			memcpy(c + fields[i], &values[k], w);
			(void)elfsym_load_buf(c, len, &e, why, sizeof(why));
			elfsym_release(&e);
			free(c);
		}
	}
	/* A symbol table whose size claims the whole address space, and a
	 * name offset past its strings: cut to the file, names checked. */
	{
		const Elf64_Ehdr *eh = (const Elf64_Ehdr *)buf;
		unsigned char *c = malloc(len);
		struct elfsym e;
		char why[128];

		memcpy(c, buf, len);
		for (i = 0; i < eh->e_shnum; i++) {
			Elf64_Shdr sh;

			memcpy(&sh, c + eh->e_shoff + i * sizeof(sh), sizeof(sh));
			if (sh.sh_type == SHT_SYMTAB) {
				sh.sh_size = 0xffffffffffff0000ULL;
				memcpy(c + eh->e_shoff + i * sizeof(sh), &sh, sizeof(sh));
			}
		}
		assert_int_equal(elfsym_load_buf(c, len, &e, why, sizeof(why)), -1);
		assert_string_equal(why, "truncated or oversized .symtab");
		elfsym_release(&e);
		free(c);
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elfsym__names_and_build_id),
		cmocka_unit_test(test_elfsym__stripped),
		cmocka_unit_test(test_elfsym__not_elf),
		cmocka_unit_test(test_elfsym__every_truncation),
		cmocka_unit_test(test_elfsym__hostile_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
