/* Unit tests of the bpf backend: tracepoint format parsing (tracefs.c), the
 * loader (bpf.c) with the programs of syscalls.bpf.c counting the test's own
 * syscalls (root only), and the merging of kernel-aggregated counters into a
 * sysagg (sysagg_add). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "syscalls/syscalls.h"
#include "syscalls/tracefs.h"

static const char exit_format[] =
	"name: sys_exit\n"
	"ID: 21\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield:long ret;\toffset:16;\tsize:8;\tsigned:1;\n"
	"\n"
	"print fmt: \"NR %ld = %ld\", REC->id, REC->ret\n";

static void test_tracefs__parses_fields(void **state)
{
	struct tracefs_field f;
	static const char fork_format[] =
		"\tfield:char parent_comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
		"\tfield:pid_t parent_pid;\toffset:24;\tsize:4;\tsigned:1;\n"
		"\tfield:char child_comm[16];\toffset:28;\tsize:16;\tsigned:0;\n"
		"\tfield:pid_t child_pid;\toffset:44;\tsize:4;\tsigned:1;\n";

	(void)state;
	assert_int_equal(tracefs_parse_field(exit_format, strlen(exit_format), "id", &f), 0);
	assert_int_equal(f.offset, 8);
	assert_int_equal(f.size, 8);
	assert_int_equal(f.is_signed, 1);
	assert_int_equal(tracefs_parse_field(exit_format, strlen(exit_format), "ret", &f), 0);
	assert_int_equal(f.offset, 16);
	assert_int_equal(tracefs_parse_field(exit_format, strlen(exit_format), "common_pid", &f), 0);
	assert_int_equal(f.offset, 4);
	assert_int_equal(f.size, 4);
	/* A name that is only a suffix of a field's is not that field. */
	assert_int_equal(tracefs_parse_field(exit_format, strlen(exit_format), "pid", &f), -1);
	assert_int_equal(tracefs_parse_field(exit_format, strlen(exit_format), "args", &f), -1);
	assert_int_equal(tracefs_parse_field(fork_format, strlen(fork_format), "child_pid", &f), 0);
	assert_int_equal(f.offset, 44);
	assert_int_equal(tracefs_parse_field(fork_format, strlen(fork_format), "child_comm", &f), 0);
	assert_int_equal(f.offset, 28);
	assert_int_equal(f.size, 16);
}

static void test_tracefs__rejects_garbage(void **state)
{
	struct tracefs_field f;
	static const char *const bad[] = {
		"\tfield:long ret;\toffset:;\tsize:8;\tsigned:1;\n",
		"\tfield:long ret;\toffset:16\tsize:8;\n",
		"\tfield:long ret;\toffset:16;\tsize:0;\tsigned:1;\n",
		"\tfield:long ret;\toffset:99999999999;\tsize:8;\tsigned:1;\n",
		"\tfield:long ret\n",
		"\tfield:[16];\toffset:8;\tsize:16;\n",
		"field:",
		"",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tracefs_parse_field(bad[i], strlen(bad[i]), "ret", &f), -1);
	/* Cut anywhere: never reads past the length. */
	for (i = 0; i < strlen(exit_format); i++)
		(void)tracefs_parse_field(exit_format, i, "ret", &f);
	assert_int_equal(tracefs_parse_field(exit_format, strlen(exit_format) - 40, "ret", &f), 0);
}

/* ---- the loader and the programs, for real (root) ---- */

struct tally {
	uint64_t calls, errors, timed, other_threads;
};

/* What table T holds for process PID and syscall NR; calls by threads other
 * than PID itself go to other_threads too. */
static struct tally tally(const struct systable *t, int32_t pid, int32_t nr)
{
	struct tally r = { 0, 0, 0, 0 };
	size_t i;

	for (i = 0; i < t->cap; i++) {
		const struct sysagg_entry *e = &t->v[i];

		if (!e->tid || e->pid != pid || e->nr != nr)
			continue;
		r.calls += e->calls;
		r.errors += e->errors;
		r.timed += e->timed;
		if (e->tid != pid)
			r.other_threads += e->calls;
	}
	return r;
}


static void getppid_times(int n)
{
	while (n-- > 0)
		syscall(SYS_getppid);
}

static void *thread_main(void *arg)
{
	getppid_times(*(int *)arg);
	return NULL;
}

/* Loads the programs onto our own process (the test is the target), makes
 * known syscalls from the main thread, a second thread and a child forked
 * after the attach, and finds exactly those counts: per generation (the
 * tick's refresh), at the final collection (close), errors with their errno,
 * children followed through the fork program. ENV selects the variant. */
static void run_loader(const char *env_name, const char *env_value)
{
	struct capture_opts o;
	struct capture cap;
	struct target self;
	struct sysagg agg;
	struct systable *t;
	struct sysbpf *b;
	struct tally r;
	char why[512] = "";
	pthread_t th;
	int n_thread = 200, i, status;
	pid_t me = getpid(), child;

	if (geteuid() != 0)
		skip();
	if (env_name)
		setenv(env_name, env_value, 1);
	memset(&o, 0, sizeof(o));
	o.root = "";
	memset(&cap, 0, sizeof(cap));
	cap.opts = &o;
	memset(&self, 0, sizeof(self));
	self.pid = me;
	cap.targets.v = &self;
	cap.targets.n = cap.targets.nalive = 1;
	assert_int_equal(sysagg_init(&agg, 1024), 0);
	b = sysbpf_open(&cap, &agg, why, sizeof(why));
	if (env_name)
		unsetenv(env_name);
	if (!b && strstr(why, "not permitted")) {
		print_message("bpf not permitted here: %s\n", why);
		sysagg_release(&agg);
		skip();
	}
	if (!b)
		fail_msg("sysbpf_open: %s", why);
	if (env_name && !strcmp(env_name, "CASEFILE_SYSBPF_RAW"))
		assert_non_null(strstr(sysbpf_describe(b), "on tracepoints raw_syscalls"));
	else
		assert_non_null(strstr(sysbpf_describe(b), "on raw tracepoints"));
	if (env_name && !strcmp(env_name, "CASEFILE_SYSBPF_START"))
		assert_non_null(strstr(sysbpf_describe(b), "an LRU hash by tid"));
	assert_non_null(strstr(sysbpf_describe(b), "children followed"));

	getppid_times(1000);
	for (i = 0; i < 37; i++)
		assert_int_equal(syscall(SYS_close, -1), -1);
	assert_int_equal(pthread_create(&th, NULL, thread_main, &n_thread), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		getppid_times(300);
		_exit(0);
	}
	assert_int_equal(waitpid(child, &status, 0), child);

	assert_int_equal(sysbpf_refresh(b, &cap), 0);
	t = sysagg_take(&agg);
	r = tally(t, me, SYS_getppid);
	assert_int_equal(r.calls, 1200);
	assert_int_equal(r.other_threads, 200);
	assert_int_equal(r.timed, 1200);
	assert_int_equal(r.errors, 0);
	/* The refresh's own reads of /proc close files too: only the failed
	 * closes are ours alone. */
	r = tally(t, me, SYS_close);
	assert_true(r.calls >= 37);
	assert_int_equal(r.errors, 37);
	assert_int_equal(systable_errno_count(t, me, SYS_close, EBADF), 37);
	assert_int_equal(tally(t, child, SYS_getppid).calls, 300);
	assert_int_equal(t->dropped, 0);
	sysagg_done(&agg, t);

	/* The next generation holds only what came after the refresh, and
	 * close collects it. */
	getppid_times(500);
	sysbpf_close(b);
	t = sysagg_take(&agg);
	assert_int_equal(tally(t, me, SYS_getppid).calls, 500);
	assert_int_equal(tally(t, me, SYS_close).errors, 0);
	assert_int_equal(tally(t, child, SYS_getppid).calls, 0);
	sysagg_done(&agg, t);
	sysagg_release(&agg);
}

static void test_sysbpf__counts_raw_tracepoints(void **state)
{
	(void)state;
	run_loader(NULL, NULL);
}

static void test_sysbpf__counts_classic_tracepoints(void **state)
{
	(void)state;
	run_loader("CASEFILE_SYSBPF_RAW", "no");
}

static void test_sysbpf__counts_with_start_hash(void **state)
{
	(void)state;
	run_loader("CASEFILE_SYSBPF_START", "hash");
}

static void test_sysagg__add(void **state)
{
	struct sysagg a;
	struct systable *t;
	struct sysagg_entry e = { .pid = 10, .tid = 11, .nr = 228, .calls = 5, .errors = 1,
				  .total_ns = 500, .max_ns = 300, .timed = 4 };
	size_t i;
	int seen = 0;

	(void)state;
	assert_int_equal(sysagg_init(&a, 256), 0);
	sysagg_add(&a, &e);
	e.calls = 2;
	e.max_ns = 900;
	e.total_ns = 1000;
	sysagg_add(&a, &e);
	sysagg_add_errno(&a, 10, 257, 2, 7);
	sysagg_add_errno(&a, 10, 257, 2, 3);
	sysagg_add_errno(&a, 10, 257, 0, 3);            /* no errno: ignored */
	t = sysagg_take(&a);
	assert_int_equal(t->events, 7);
	for (i = 0; i < t->cap; i++) {
		if (!t->v[i].tid)
			continue;
		seen++;
		assert_int_equal(t->v[i].calls, 7);
		assert_int_equal(t->v[i].errors, 2);
		assert_int_equal(t->v[i].total_ns, 1500);
		assert_int_equal(t->v[i].max_ns, 900);
		assert_int_equal(t->v[i].timed, 8);
	}
	assert_int_equal(seen, 1);
	seen = 0;
	for (i = 0; i < t->ecap; i++) {
		if (!t->e[i].err)
			continue;
		seen++;
		assert_int_equal(t->e[i].count, 10);
		assert_int_equal(t->e[i].err, 2);
	}
	assert_int_equal(seen, 1);
	sysagg_done(&a, t);
	sysagg_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tracefs__parses_fields),
		cmocka_unit_test(test_tracefs__rejects_garbage),
		cmocka_unit_test(test_sysbpf__counts_raw_tracepoints),
		cmocka_unit_test(test_sysbpf__counts_classic_tracepoints),
		cmocka_unit_test(test_sysbpf__counts_with_start_hash),
		cmocka_unit_test(test_sysagg__add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
