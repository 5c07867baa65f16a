/* Unit tests of capture/proc/process.c on a fixture /proc under a temporary root:
 * a row the writer refuses (size cap, disk full, here a trigger) fails the
 * sample, so the tick is rolled back instead of committed without it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "error.h"
#include "targets.h"
#include "writer.h"

extern const struct source process_source;

static char dir[256];

static void quiet(const char *level, const char *msg)
{
	(void)level;
	(void)msg;
}

static void put(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static const char stat_line[] =
	"4242 (w) S 1 4242 4242 0 -1 0 0 0 0 0 1 1 0 0 20 0 2 0 123456 1000 10 "
	"0 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
static const char thread_line[] =
	"4243 (w) S 1 4242 4242 0 -1 0 0 0 0 0 1 1 0 0 20 0 2 0 123460 1000 10 "
	"0 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";

static int setup(void **state)
{
	char cmd[1024];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/casefile-test-process.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/proc/4242/task/4242' '%s/proc/4242/task/4243' '%s/proc/4242/fd'",
		 dir, dir, dir);
	if (system(cmd))
		return -1;
	put("proc/stat", "cpu 1 2 3 4\nbtime 1700000000\n");
	put("proc/4242/stat", stat_line);
	put("proc/4242/task/4242/stat", stat_line);
	put("proc/4242/task/4243/stat", thread_line);
	put("proc/4242/status", "Name:\tw\nPPid:\t1\nUid:\t0\t0\t0\t0\nThreads:\t2\n");
	put("proc/4242/cmdline", "w");
	put("proc/4242/limits", "Limit                     Soft Limit           Hard Limit           Units     \n"
	    "Max open files            1024                 4096                 files     \n");
	error_set_hook(quiet);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void start(struct capture *cap, struct capture_opts *o, const char *name, void **st)
{
	char db_path[300];

	capture_opts_init(o);
	o->root = dir;
	o->pids[0] = 4242;
	o->npids = 1;
	memset(cap, 0, sizeof(*cap));
	cap->opts = o;
	snprintf(db_path, sizeof(db_path), "%s/%s", dir, name);
	cap->w = writer_create(db_path, 1);
	assert_non_null(cap->w);
	assert_int_equal(targets_init(cap), 1);
	assert_int_equal(process_source.open(cap, st), 0);
}

static int sample_tick(struct capture *cap, void *st, int64_t n)
{
	int rc;

	cap->tick = n;
	cap->tick_mono_us = 1000000LL * n;
	assert_int_equal(writer_begin_tick(cap->w, n, 1000000LL * n, 1000000LL * n), 0);
	assert_int_equal(targets_refresh(cap), 1);
	rc = process_source.sample(cap, st, n);
	if (rc)
		assert_int_equal(writer_rollback(cap->w), 0);
	else
		assert_int_equal(writer_commit_tick(cap->w), 0);
	return rc;
}

static void finish(struct capture *cap, void *st)
{
	process_source.close(cap, st);
	assert_int_equal(writer_close(cap->w, 0), 0);
	targets_release(&cap->targets);
}

static void test_process__refused_limits_row_fails_the_sample(void **state)
{
	struct capture_opts o;
	struct capture cap;
	void *st;

	(void)state;
	start(&cap, &o, "limits.db", &st);
	assert_int_equal(writer_exec(cap.w, "CREATE TEMP TRIGGER no_limits BEFORE INSERT ON main.process_limits"
				     " BEGIN SELECT RAISE(ABORT, 'refused'); END"), 0);
	assert_int_equal(sample_tick(&cap, st, 1), -1);
	finish(&cap, st);
}

static void test_process__refused_thread_exit_fails_the_sample(void **state)
{
	struct capture_opts o;
	struct capture cap;
	char path[512];
	void *st;

	(void)state;
	start(&cap, &o, "threads.db", &st);
	assert_int_equal(sample_tick(&cap, st, 1), 0);
	assert_int_equal(writer_exec(cap.w, "CREATE TEMP TRIGGER no_exit BEFORE UPDATE ON main.threads"
				     " BEGIN SELECT RAISE(ABORT, 'refused'); END"), 0);
	snprintf(path, sizeof(path), "%s/proc/4242/task/4243/stat", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(sample_tick(&cap, st, 2), -1);
	finish(&cap, st);
	put("proc/4242/task/4243/stat", thread_line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_process__refused_limits_row_fails_the_sample),
		cmocka_unit_test(test_process__refused_thread_exit_fails_the_sample),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
