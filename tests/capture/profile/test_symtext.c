/* Unit tests of capture/profile/symtext.c: lines of /proc/PID/maps,
 * /proc/kallsyms and perf maps, well-formed and hostile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "profile/symtext.h"

#define L(s) s, sizeof(s) - 1

static void test_symtext__maps(void **state)
{
	struct maps_line m;

	(void)state;
	assert_int_equal(symtext_maps_line(L("7f1c2a600000-7f1c2a628000 r-xp 00028000 fd:01 1311765    "
					     "/usr/lib/x86_64-linux-gnu/libc.so.6"), &m), 0);
	assert_int_equal(m.start, 0x7f1c2a600000ULL);
	assert_int_equal(m.end, 0x7f1c2a628000ULL);
	assert_int_equal(m.pgoff, 0x28000);
	assert_int_equal(m.dev_major, 0xfd);
	assert_int_equal(m.dev_minor, 1);
	assert_int_equal(m.inode, 1311765);
	assert_true(m.exec);
	assert_int_equal(m.pathlen, strlen("/usr/lib/x86_64-linux-gnu/libc.so.6"));
	assert_memory_equal(m.path, "/usr/lib/x86_64-linux-gnu/libc.so.6", m.pathlen);
	/* Anonymous, named and deleted mappings; a path with spaces. */
	assert_int_equal(symtext_maps_line(L("3a1c0000-3a1e0000 rwxp 00000000 00:00 0 \n"), &m), 0);
	assert_int_equal(m.pathlen, 0);
	assert_int_equal(symtext_maps_line(L("7ffd1000-7ffd3000 r-xp 00000000 00:00 0                  [vdso]"), &m), 0);
	assert_memory_equal(m.path, "[vdso]", 6);
	assert_int_equal(symtext_maps_line(L("1000-2000 r--p 00000000 08:02 12 /tmp/my lib.so (deleted)"), &m), 0);
	assert_false(m.exec);
	assert_int_equal(m.pathlen, strlen("/tmp/my lib.so (deleted)"));
	/* Not lines of maps. */
	assert_int_equal(symtext_maps_line(L(""), &m), -1);
	assert_int_equal(symtext_maps_line(L("2000-1000 r-xp 0 00:00 0"), &m), -1);
	assert_int_equal(symtext_maps_line(L("12345678901234567-2 r-xp 0 00:00 0"), &m), -1);
	assert_int_equal(symtext_maps_line(L("1000-2000 r-x"), &m), -1);
	assert_int_equal(symtext_maps_line(L("1000-2000 r-xp zz 00:00 0 /x"), &m), -1);
	/* The length bounds the parse: no NUL needed. */
	assert_int_equal(symtext_maps_line("1000-2000 r-xp 00000000 00:00 0 /bin/x", 12, &m), -1);
}

static void test_symtext__kallsyms(void **state)
{
	struct kallsyms_line k;

	(void)state;
	assert_int_equal(symtext_kallsyms_line(L("ffffffff81000000 T _stext"), &k), 0);
	assert_int_equal(k.addr, 0xffffffff81000000ULL);
	assert_int_equal(k.namelen, 6);
	assert_memory_equal(k.name, "_stext", 6);
	assert_null(k.module);
	assert_int_equal(symtext_kallsyms_line(L("ffffffffc0a01000 t ext4_read\t[ext4]\n"), &k), 0);
	assert_memory_equal(k.module, "ext4", 4);
	assert_int_equal(k.modlen, 4);
	/* Data symbols are not functions. */
	assert_int_equal(symtext_kallsyms_line(L("ffffffff82000000 D jiffies"), &k), 1);
	/* Hidden addresses (kptr_restrict) still parse: 0. */
	assert_int_equal(symtext_kallsyms_line(L("0000000000000000 T _stext"), &k), 0);
	assert_int_equal(k.addr, 0);
	assert_int_equal(symtext_kallsyms_line(L("ffffffff81000000"), &k), -1);
	assert_int_equal(symtext_kallsyms_line(L("ffffffff81000000 T x [unterminated"), &k), -1);
}

static void test_symtext__perfmap(void **state)
{
	struct perfmap_line p;

	(void)state;
	/* Node --perf-basic-prof: names with spaces and paths. */
	assert_int_equal(symtext_perfmap_line(L("3ef0e4a0b0c0 1c0 LazyCompile:*emit node:events:517\n"), &p), 0);
	assert_int_equal(p.start, 0x3ef0e4a0b0c0ULL);
	assert_int_equal(p.size, 0x1c0);
	assert_int_equal(p.namelen, strlen("LazyCompile:*emit node:events:517"));
	/* JVM agents and Python write 0x prefixes. */
	assert_int_equal(symtext_perfmap_line(L("0x7f00aa000000 0x40 py::f:/app/x.py"), &p), 0);
	assert_int_equal(p.start, 0x7f00aa000000ULL);
	assert_int_equal(p.size, 0x40);
	/* Written by the target: garbage is refused, not guessed. */
	assert_int_equal(symtext_perfmap_line(L("zz 10 f"), &p), -1);
	assert_int_equal(symtext_perfmap_line(L("1000 0 f"), &p), -1);              /* empty */
	assert_int_equal(symtext_perfmap_line(L("1000 10"), &p), -1);               /* no name */
	assert_int_equal(symtext_perfmap_line(L("ffffffffffffffff 10 wrap"), &p), -1);
	assert_int_equal(symtext_perfmap_line(L("10000000000000000 10 long"), &p), -1);
}

struct count { int n; size_t total; };

static void on_line(const char *line, size_t len, void *arg)
{
	struct count *c = arg;

	(void)line;
	c->n++;
	c->total += len;
}

static void test_symtext__lines(void **state)
{
	struct count c = { 0, 0 };
	const char text[] = "a b\ncd\n\npartial";

	(void)state;
	/* A last line without its newline is left for the next read (a perf
	 * map the runtime is still writing). */
	assert_int_equal(symtext_lines(text, sizeof(text) - 1, on_line, &c), 8);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.total, 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symtext__maps),
		cmocka_unit_test(test_symtext__kallsyms),
		cmocka_unit_test(test_symtext__perfmap),
		cmocka_unit_test(test_symtext__lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
