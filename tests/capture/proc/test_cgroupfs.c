/* Unit tests of capture/proc/cgroupfs.c: v1, v2 and hybrid layouts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "proc/cgroupfs.h"

#define P(s) s, sizeof(s) - 1

static void test_cgroupfs__membership_v1_hybrid(void **state)
{
	struct cgroup_membership m;
	static const char text[] =
		"12:pids:/kubepods/pod1/c1\n11:memory:/kubepods/pod1/c1\n4:cpu,cpuacct:/kubepods/pod1/c1\n"
		"1:name=systemd:/kubepods/pod1/c1\n0::/\n";

	(void)state;
	assert_int_equal(cgroup_parse_membership(P(text), &m), 0);
	assert_true(m.has_v1);
	assert_true(m.has_unified);
	assert_string_equal(m.cpu, "/kubepods/pod1/c1");
	assert_string_equal(m.cpuacct, "/kubepods/pod1/c1");
	assert_string_equal(m.memory, "/kubepods/pod1/c1");
	assert_string_equal(m.pids, "/kubepods/pod1/c1");
	assert_string_equal(m.unified, "/");
}

static void test_cgroupfs__membership_v2_and_garbage(void **state)
{
	struct cgroup_membership m;

	(void)state;
	assert_int_equal(cgroup_parse_membership(P("0::/app.slice/web.service\n"), &m), 0);
	assert_false(m.has_v1);
	assert_string_equal(m.unified, "/app.slice/web.service");
	assert_string_equal(m.cpu, "");
	/* "cpuset" must not be taken for "cpu". */
	assert_int_equal(cgroup_parse_membership(P("3:cpuset:/a\n"), &m), 0);
	assert_string_equal(m.cpu, "");
	assert_int_equal(cgroup_parse_membership(P("nonsense\n"), &m), -1);
	assert_int_equal(cgroup_parse_membership(P(""), &m), -1);
}

static void test_cgroupfs__cpu_stat_v1_v2(void **state)
{
	struct cgroup_cpu c;

	(void)state;
	memset(&c, 0xff, sizeof(c));
	assert_int_equal(cgroup_parse_cpu_stat(P("usage_usec 5000000\nuser_usec 3000000\nsystem_usec 2000000\n"
						 "nr_periods 400\nnr_throttled 100\nthrottled_usec 2500000\n"), &c), 0);
	assert_int_equal(c.usage_us, 5000000);
	assert_int_equal(c.nr_throttled, 100);
	assert_int_equal(c.throttled_us, 2500000);
	memset(&c, 0xff, sizeof(c));
	assert_int_equal(cgroup_parse_cpu_stat(P("nr_periods 1000\nnr_throttled 250\nthrottled_time 5000000000\n"), &c), 0);
	assert_int_equal(c.throttled_us, 5000000); /* ns -> us */
	assert_int_equal(c.usage_us, -1);
	assert_int_equal(cgroup_parse_cpuacct_stat(P("user 9000\nsystem 3000\n"), 100, &c), 0);
	assert_int_equal(c.user_us, 90000000);
	assert_int_equal(c.system_us, 30000000);
	assert_int_equal(cgroup_parse_cpu_stat(P("\n\n"), &c), -1);
}

static void test_cgroupfs__values_and_limits(void **state)
{
	int64_t q, p, v, oom, kill;

	(void)state;
	assert_int_equal(cgroup_parse_cpu_max(P("max 100000\n"), &q, &p), 0);
	assert_int_equal(q, -1);
	assert_int_equal(p, 100000);
	assert_int_equal(cgroup_parse_cpu_max(P("50000 100000\n"), &q, &p), 0);
	assert_int_equal(q, 50000);
	assert_int_equal(cgroup_parse_cpu_max(P("junk"), &q, &p), -1);
	assert_int_equal(cgroup_parse_value(P("max\n"), &v), 0);
	assert_int_equal(v, -1);
	assert_int_equal(cgroup_parse_value(P("9223372036854771712\n"), &v), 0);
	assert_int_equal(v, -1); /* v1's "no limit" */
	assert_int_equal(cgroup_parse_value(P("536870912\n"), &v), 0);
	assert_int_equal(v, 536870912);
	assert_int_equal(cgroup_parse_value(P("12abc"), &v), -1);
	assert_int_equal(cgroup_parse_value(P(""), &v), -1);
	assert_int_equal(cgroup_parse_memory_events(P("low 0\nhigh 0\nmax 5\noom 1\noom_kill 3\n"), &oom, &kill), 0);
	assert_int_equal(oom, 1);
	assert_int_equal(kill, 3);
	assert_int_equal(cgroup_parse_memory_events(P("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n"), &oom, &kill), 0);
	assert_int_equal(oom, 0);
	assert_int_equal(kill, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cgroupfs__membership_v1_hybrid),
		cmocka_unit_test(test_cgroupfs__membership_v2_and_garbage),
		cmocka_unit_test(test_cgroupfs__cpu_stat_v1_v2),
		cmocka_unit_test(test_cgroupfs__values_and_limits),
	};

	return cmocka_run_group_tests_name("cgroupfs", tests, NULL, NULL);
}
