/* Unit tests of capture/syscalls/sample.c: parsing /proc/PID/task/TID/syscall. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "syscalls/syscalls.h"

#define P(s) s, sizeof(s) - 1

static void test_syssample__in_a_syscall(void **state)
{
	struct syssample_rec r;
	static const char line[] =
		"232 0x4 0x7ffd1c0b2a40 0x40 0xffffffff 0x0 0x8 0x7ffd1c0b2a18 0x7f3a5c2e6d4e\n";

	(void)state;
	assert_int_equal(syssample_parse(P(line), &r), 0);
	assert_int_equal(r.state, 232);                  /* epoll_wait */
	assert_int_equal(r.args[0], 4);
	assert_int_equal(r.args[2], 0x40);
	assert_int_equal(r.args[3], 0xffffffffL);
	assert_int_equal(r.sp, 0x7ffd1c0b2a18UL);
	assert_int_equal(r.pc, 0x7f3a5c2e6d4eUL);
}

static void test_syssample__running_and_outside(void **state)
{
	struct syssample_rec r;

	(void)state;
	assert_int_equal(syssample_parse(P("running\n"), &r), 0);
	assert_int_equal(r.state, SYSAGG_RUNNING);
	assert_int_equal(syssample_parse(P("running"), &r), 0);
	assert_int_equal(syssample_parse(P("-1 0x7ffe3a4c1f80 0x55d0c1a2b3c4\n"), &r), 0);
	assert_int_equal(r.state, SYSAGG_USER);
	assert_int_equal(r.pc, 0x55d0c1a2b3c4UL);
	/* Without the 0x prefix, as some kernels print. */
	assert_int_equal(syssample_parse(P("0 3 7ffd 10 0 0 0 7ffe 7f00\n"), &r), 0);
	assert_int_equal(r.state, 0);
	assert_int_equal(r.args[1], 0x7ffd);
}

static void test_syssample__rejects_garbage(void **state)
{
	struct syssample_rec r;
	static const char good[] = "232 0x4 0x1 0x40 0x1 0x0 0x8 0x7ffd 0x7f3a\n";
	static const char *const bad[] = {
		"", "\n", "runnin", "running extra", "-2 0x1 0x2", "-1 0x1", "-1 0x1 0x2 0x3",
		"232", "232 0x4 0x1", "232 0x4 0x1 0x40 0x1 0x0 0x8 0x7ffd 0x7f3a 0x9",
		"x32 0x1", "232  0x4 0x1 0x40 0x1 0x0 0x8 0x7ffd 0x7f3a",
		"232 0xg 0x1 0x40 0x1 0x0 0x8 0x7ffd 0x7f3a", "232 0x 0x1 0x40 0x1 0x0 0x8 0x7ffd 0x7f3a",
		"232 0x11111111111111111 0x1 0x40 0x1 0x0 0x8 0x7ffd 0x7f3a", "99999999999 0x1",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(syssample_parse(bad[i], strlen(bad[i]), &r), -1);
	/* Every truncation of a good line is rejected or parses cleanly,
	 * never reading past the given length. */
	for (i = 0; i < sizeof(good) - 1; i++) {
		char copy[sizeof(good)];

		memcpy(copy, good, i);
		syssample_parse(copy, i, &r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syssample__in_a_syscall),
		cmocka_unit_test(test_syssample__running_and_outside),
		cmocka_unit_test(test_syssample__rejects_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
