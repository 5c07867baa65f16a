/* Unit tests of capture/targets.c on a fixture /proc under a temporary root:
 * a target whose /proc/PID/ns/net changes inode between ticks is followed
 * (tg->netns) and recorded (a netns_changed event naming both inodes); an
 * unreadable namespace is neither an event nor forgotten. */
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

#include "bundle.h"
#include "capture.h"
#include "error.h"
#include "targets.h"
#include "writer.h"

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

/* A new file renamed over ns/net: a new inode (the old one still exists
 * while the new one is made, so the number cannot be reused). */
static unsigned long long new_netns(void)
{
	char from[512], to[512];
	struct stat sb;

	put("proc/4242/ns/net.new", "");
	snprintf(from, sizeof(from), "%s/proc/4242/ns/net.new", dir);
	snprintf(to, sizeof(to), "%s/proc/4242/ns/net", dir);
	assert_int_equal(rename(from, to), 0);
	assert_int_equal(stat(to, &sb), 0);
	return (unsigned long long)sb.st_ino;
}

static int setup(void **state)
{
	char path[512];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/casefile-test-targets.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "mkdir -p '%s/proc/4242/ns'", dir);
	if (system(path))
		return -1;
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

static void tick(struct capture *cap, int64_t n)
{
	cap->tick = n;
	assert_int_equal(writer_begin_tick(cap->w, n, 1000000LL * n, 1000000LL * n), 0);
	assert_int_equal(targets_refresh(cap), 1);
	assert_int_equal(writer_commit_tick(cap->w), 0);
}

static void test_targets__netns_change_is_followed(void **state)
{
	struct capture_opts o;
	struct capture cap;
	unsigned long long first, second;
	char path[512], msg[256], db_path[300];
	sqlite3 *db;
	int version;

	(void)state;
	put("proc/stat", "cpu 1 2 3 4\nbtime 1700000000\n");
	put("proc/4242/stat", "4242 (hop) S 1 4242 4242 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 123456 1000 10 "
	    "0 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n");
	put("proc/4242/cmdline", "hop");
	first = new_netns();

	capture_opts_init(&o);
	o.root = dir;
	o.pids[0] = 4242;
	o.npids = 1;
	memset(&cap, 0, sizeof(cap));
	cap.opts = &o;
	snprintf(db_path, sizeof(db_path), "%s/b.db", dir);
	cap.w = writer_create(db_path, 1);
	assert_non_null(cap.w);
	assert_int_equal(targets_init(&cap), 1);

	tick(&cap, 1);
	assert_true(cap.targets.v[0].netns == first);
	tick(&cap, 2);                    /* unchanged: nothing to say */

	second = new_netns();
	assert_true(second != first);
	tick(&cap, 3);
	assert_true(cap.targets.v[0].netns == second);

	snprintf(path, sizeof(path), "%s/proc/4242/ns/net", dir);
	assert_int_equal(unlink(path), 0);
	tick(&cap, 4);                    /* unreadable: kept, no event */
	assert_true(cap.targets.v[0].netns == second);

	assert_int_equal(targets_finish(&cap), 0);
	assert_int_equal(writer_close(cap.w, 1), 0);
	targets_release(&cap.targets);

	assert_int_equal(bundle_open_readonly(db_path, &db, &version), BUNDLE_OK);
	assert_int_equal(bundle_query_int(db, "SELECT count(*) FROM events WHERE kind = 'netns_changed'", -1), 1);
	assert_int_equal(bundle_query_int(db, "SELECT tick FROM events WHERE kind = 'netns_changed'", -1), 3);
	snprintf(msg, sizeof(msg), "SELECT count(*) FROM events WHERE kind = 'netns_changed' AND source IS NULL"
		 " AND message = 'pid 4242 moved from network namespace %llu to %llu'", first, second);
	assert_int_equal(bundle_query_int(db, msg, -1), 1);
	/* the processes row keeps the namespace the target was first seen in */
	snprintf(msg, sizeof(msg), "SELECT count(*) FROM processes WHERE netns = %llu", first);
	assert_int_equal(bundle_query_int(db, msg, -1), 1);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_targets__netns_change_is_followed),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
