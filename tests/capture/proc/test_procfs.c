/* Unit tests of capture/proc/procfs.c: /proc text parsers on awkward inputs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc/procfs.h"

#define P(s) s, sizeof(s) - 1

static void test_procfs__stat_comm_with_parens_and_spaces(void **state)
{
	struct proc_stat ps;
	static const char line[] =
		"4242 (my (evil) proc) S 1 4242 4242 0 -1 4194560 1500 0 7 0 250 130 0 0 20 0 2 0 "
		"123456 104857600 2560 18446744073709551615 1 1 0\n";

	(void)state;
	assert_int_equal(procfs_parse_stat(P(line), &ps), 0);
	assert_int_equal(ps.pid, 4242);
	assert_string_equal(ps.comm, "my (evil) proc");
	assert_int_equal(ps.state, 'S');
	assert_int_equal(ps.ppid, 1);
	assert_int_equal(ps.minflt, 1500);
	assert_int_equal(ps.majflt, 7);
	assert_int_equal(ps.utime, 250);
	assert_int_equal(ps.stime, 130);
	assert_int_equal(ps.num_threads, 2);
	assert_int_equal(ps.starttime, 123456);
	assert_int_equal(ps.vsize, 104857600);
	assert_int_equal(ps.rss_pages, 2560);
}

static void test_procfs__stat_comm_with_close_paren_then_fields(void **state)
{
	struct proc_stat ps;
	/* A name crafted to look like the end of comm followed by fields. */
	static const char line[] =
		"77 (x) R 9 9 9 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 5 100 1) S 1 1 1 0 -1 0 3 0 4 0 11 12 0 0 "
		"20 0 3 0 999 4096 7 0\n";

	(void)state;
	assert_int_equal(procfs_parse_stat(P(line), &ps), 0);
	assert_int_equal(ps.utime, 11);
	assert_int_equal(ps.num_threads, 3);
	assert_int_equal(ps.starttime, 999);
}

static void test_procfs__stat_rejects_truncated_and_garbage(void **state)
{
	struct proc_stat ps;
	static const char full[] =
		"4242 (a) S 1 4242 4242 0 -1 4194560 1500 0 7 0 250 130 0 0 20 0 2 0 123456 104857600 2560\n";
	size_t cut;

	(void)state;
	assert_int_equal(procfs_parse_stat(P("garbage"), &ps), -1);
	assert_int_equal(procfs_parse_stat(P(""), &ps), -1);
	assert_int_equal(procfs_parse_stat(P("12 (unterminated S 1 2 3"), &ps), -1);
	assert_int_equal(procfs_parse_stat(P(") 12 (x"), &ps), -1);
	/* Every truncation of a valid line is rejected, never read past. */
	for (cut = 0; cut < sizeof(full) - 6; cut++)
		assert_int_equal(procfs_parse_stat(full, cut, &ps), -1);
	assert_int_equal(procfs_parse_stat(P(full), &ps), 0);
}

static void test_procfs__status_fields_and_kernel_thread(void **state)
{
	struct proc_status st;
	static const char text[] =
		"Name:\tnode\nPPid:\t1\nUid:\t1000\t1000\t1000\t1000\nVmSize:\t  102400 kB\n"
		"VmRSS:\t   10240 kB\nVmSwap:\t 12 kB\nThreads:\t11\nvoluntary_ctxt_switches:\t77\n"
		"nonvoluntary_ctxt_switches:\t5\n";
	static const char kthread[] = "Name:\tkworker/0:1\nPPid:\t2\nThreads:\t1\n";

	(void)state;
	assert_int_equal(procfs_parse_status(P(text), &st), 0);
	assert_string_equal(st.name, "node");
	assert_int_equal(st.uid, 1000);
	assert_int_equal(st.vm_rss_kb, 10240);
	assert_int_equal(st.vm_swap_kb, 12);
	assert_int_equal(st.threads, 11);
	assert_int_equal(st.vol_ctxt, 77);
	assert_int_equal(st.invol_ctxt, 5);
	assert_int_equal(procfs_parse_status(P(kthread), &st), 0);
	assert_int_equal(st.vm_rss_kb, -1);
	assert_int_equal(procfs_parse_status(P("no colon at all"), &st), -1);
}

static void test_procfs__io_statm_smaps(void **state)
{
	struct proc_io io;
	struct proc_statm sm;
	struct proc_smaps_rollup sr;

	(void)state;
	assert_int_equal(procfs_parse_io(P("rchar: 1000\nwchar: 2000\nsyscr: 10\nsyscw: 20\n"
					   "read_bytes: 4096\nwrite_bytes: 8192\n"), &io), 0);
	assert_int_equal(io.wchar, 2000);
	assert_int_equal(io.write_bytes, 8192);
	assert_int_equal(procfs_parse_io(P(""), &io), -1);
	assert_int_equal(procfs_parse_statm(P("25600 2560 300 1 0 1000 0\n"), &sm), 0);
	assert_int_equal(sm.resident_pages, 2560);
	assert_int_equal(procfs_parse_statm(P("25600"), &sm), -1);
	assert_int_equal(procfs_parse_smaps_rollup(P("55d0-7fff ---p 0 00:00 0 [rollup]\nRss: 10 kB\n"
						     "Pss: 9 kB\nSwap: 1 kB\n"), &sr), 0);
	assert_int_equal(sr.pss_kb, 9);
	assert_int_equal(sr.swap_kb, 1);
	/* A kernel without Pss in rollup (or an empty file) is not an error
	 * the caller must crash on: it just yields no value. */
	assert_int_equal(procfs_parse_smaps_rollup(P("Rss: 10 kB\n"), &sr), -1);
}

static void test_procfs__limits(void **state)
{
	struct proc_limits l;
	static const char text[] =
		"Limit                     Soft Limit           Hard Limit           Units     \n"
		"Max cpu time              unlimited            unlimited            seconds   \n"
		"Max open files            1024                 524288               files     \n"
		"Max realtime timeout      unlimited            unlimited            us        \n";

	(void)state;
	assert_int_equal(procfs_parse_limits(P(text), &l), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(proc_limits_soft(&l, "Max open files"), 1024);
	assert_int_equal(l.v[1].hard, 524288);
	assert_string_equal(l.v[1].unit, "files");
	assert_int_equal(proc_limits_soft(&l, "Max cpu time"), -1);
	assert_int_equal(proc_limits_soft(&l, "Max nothing"), -1);
}

struct seen {
	int n;
	struct netdev_stats last;
};

static void on_dev(const struct netdev_stats *s, void *arg)
{
	struct seen *seen = arg;

	seen->n++;
	seen->last = *s;
}

static void test_procfs__netdev_with_bad_lines(void **state)
{
	static const char text[] =
		"Inter-|   Receive                                                |  Transmit\n"
		" face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
		"    lo:  123456     100    0    0    0     0          0         0   123456     100    0    0    0     0       0          0\n"
		"garbage line\n"
		"  eth0: 9876543    5000    1    2    0     0          0         0  1234567    4000    0    3    0     0       0          0\n"
		"  short: 1 2 3\n";
	struct seen seen = { 0 };
	int bad = 0;

	(void)state;
	assert_int_equal(procfs_parse_netdev(P(text), on_dev, &seen, &bad), 2);
	assert_int_equal(seen.n, 2);
	assert_int_equal(bad, 2);
	assert_string_equal(seen.last.name, "eth0");
	assert_int_equal(seen.last.rx_bytes, 9876543);
	assert_int_equal(seen.last.rx_drop, 2);
	assert_int_equal(seen.last.tx_packets, 4000);
	assert_int_equal(seen.last.tx_drop, 3);
	assert_int_equal(procfs_parse_netdev(P("not a netdev file\n"), on_dev, &seen, &bad), -1);
}

static void test_procfs__cmdline_clean(void **state)
{
	char buf[64];
	size_t n;

	(void)state;
	memcpy(buf, "node\0app.js\0--x\x1b[31m\0\0", 22);
	n = procfs_cmdline_clean(buf, 22);
	assert_int_equal(n, 20);
	assert_string_equal(buf, "node app.js --x?[31m");
}

/* u64 counters above INT64_MAX saturate instead of wrapping negative, and
 * INT64_MIN is read without negating it (undefined behaviour under UBSan). */
static void test_procfs__numbers_saturate_at_int64_edges(void **state)
{
	struct proc_statm m;
	struct proc_io io;
	static const char statm[] = "9223372036854775808 18446744073709551615 -9223372036854775808\n";
	static const char big[] = "99999999999999999999999 -99999999999999999999999 9223372036854775807\n";
	static const char iotext[] = "rchar: 18446744073709551615\nwchar: 5\n";

	(void)state;
	assert_int_equal(procfs_parse_statm(P(statm), &m), 0);
	assert_true(m.size_pages == INT64_MAX);
	assert_true(m.resident_pages == INT64_MAX);
	assert_true(m.shared_pages == INT64_MIN);
	assert_int_equal(procfs_parse_statm(P(big), &m), 0);
	assert_true(m.size_pages == INT64_MAX);
	assert_true(m.resident_pages == INT64_MIN);
	assert_true(m.shared_pages == INT64_MAX);
	assert_int_equal(procfs_parse_io(P(iotext), &io), 0);
	assert_true(io.rchar == INT64_MAX);
	assert_true(io.wchar == 5);
}

/* A file of unknown size is read whole up to the bound, and a longer one is
 * cut at the bound with the cut said, never silently. */
static void test_procfs__read_file_alloc_grows_and_says_when_cut(void **state)
{
	char path[] = "/tmp/casefile-test-procfs.XXXXXX";
	char *text, *got;
	int fd, cut;
	ssize_t n;

	(void)state;
	text = malloc(10001);
	assert_non_null(text);
	memset(text, 'x', 10000);
	memcpy(text + 9990, "btime 1234", 10);
	text[10000] = '\0';
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, 10000), 10000);
	close(fd);

	n = read_file_alloc(path, 1 << 20, &got, &cut);
	assert_int_equal(n, 10000);
	assert_int_equal(cut, 0);
	assert_string_equal(got, text);
	free(got);
	n = read_file_alloc(path, 10000, &got, &cut);
	assert_int_equal(n, 10000);
	assert_int_equal(cut, 0);
	free(got);
	n = read_file_alloc(path, 5000, &got, &cut);
	assert_int_equal(n, 5000);
	assert_int_equal(cut, 1);
	assert_int_equal(strlen(got), 5000);
	free(got);
	unlink(path);
	assert_int_equal(read_file_alloc(path, 100, &got, NULL), -1);
	assert_null(got);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_procfs__stat_comm_with_parens_and_spaces),
		cmocka_unit_test(test_procfs__stat_comm_with_close_paren_then_fields),
		cmocka_unit_test(test_procfs__stat_rejects_truncated_and_garbage),
		cmocka_unit_test(test_procfs__status_fields_and_kernel_thread),
		cmocka_unit_test(test_procfs__io_statm_smaps),
		cmocka_unit_test(test_procfs__limits),
		cmocka_unit_test(test_procfs__netdev_with_bad_lines),
		cmocka_unit_test(test_procfs__cmdline_clean),
		cmocka_unit_test(test_procfs__numbers_saturate_at_int64_edges),
		cmocka_unit_test(test_procfs__read_file_alloc_grows_and_says_when_cut),
	};

	return cmocka_run_group_tests_name("procfs", tests, NULL, NULL);
}
