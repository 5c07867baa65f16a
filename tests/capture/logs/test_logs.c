/* Unit tests of capture/logs/logs.c: the real source, driven tick by tick over
 * real files in a temporary directory (a new one per test), with rotations
 * placed exactly between (or several between) two ticks: what
 * logs-rotation-exact leaves to timing, here in a fixed order. Each line must
 * be counted exactly once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "capture.h"
#include "error.h"
#include "writer.h"

extern const struct source logs_source;

static char dir[256];

/* Fault injection: the source looks at a followed file's name with stat()
 * right after it checked the file for a cut. An action armed here runs
 * just before the next stat() of that name: the moment at which, in a real
 * capture, the writer's rotation races the check. (Defined here, stat()
 * takes the place of libc's for the whole test program.) */
static void (*before_stat)(void);
static char before_stat_path[512];

int stat(const char *restrict path, struct stat *restrict st)
{
	if (before_stat && !strcmp(path, before_stat_path)) {
		void (*fn)(void) = before_stat;

		before_stat = NULL;
		fn();
	}
	return fstatat(AT_FDCWD, path, st, 0);
}

static void quiet(const char *level, const char *msg)
{
	(void)level;
	(void)msg;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/casefile-test-logs.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	/* With no target, a log must be readable by an unprivileged user. */
	if (chmod(dir, 0755))
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

struct run {
	struct capture_opts o;
	struct capture cap;
	char glob[300], db[300];
	void *st;
	sqlite3 *ro;
	int64_t tick;
};

static void path_of(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static void start(struct run *r, const char *name)
{
	memset(r, 0, sizeof(*r));
	capture_opts_init(&r->o);
	r->o.interval_us = 20000;
	snprintf(r->glob, sizeof(r->glob), "%s/app.log*", dir);
	r->o.logs[0] = r->glob;
	r->o.nlogs = 1;
	r->cap.opts = &r->o;
	snprintf(r->db, sizeof(r->db), "%s/%s", dir, name);
	r->cap.w = writer_create(r->db, 1);
	assert_non_null(r->cap.w);
	r->cap.current = &logs_source;
	assert_int_equal(logs_source.open(&r->cap, &r->st), 0);
	assert_int_equal(sqlite3_open_v2(r->db, &r->ro, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
}

static void tick(struct run *r)
{
	r->tick++;
	r->cap.tick = r->tick;
	r->cap.tick_mono_us = 20000LL * r->tick;
	r->cap.tick_wall_us = 1700000000000000LL + 20000LL * r->tick;
	assert_int_equal(writer_begin_tick(r->cap.w, r->tick, r->cap.tick_wall_us, r->cap.tick_mono_us), 0);
	assert_int_equal(logs_source.sample(&r->cap, r->st, r->tick), 0);
	assert_int_equal(writer_commit_tick(r->cap.w), 0);
}

static int64_t query(struct run *r, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(r->ro, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int64_t counted(struct run *r)
{
	return query(r, "SELECT COALESCE(SUM(lines), 0) FROM log_file_samples");
}

/* Ends the capture (the last tick's rows, as logs_close writes them) and
 * checks every line was counted once: N lines in all, no message twice. */
static void finish(struct run *r, int64_t n)
{
	r->cap.tick = r->tick;
	logs_source.close(&r->cap, r->st);
	/* The writer's close checkpoints: no other connection open then. */
	sqlite3_close(r->ro);
	assert_int_equal(writer_close(r->cap.w, 0), 0);
	assert_int_equal(sqlite3_open_v2(r->db, &r->ro, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(counted(r), n);
	assert_int_equal(query(r, "SELECT COALESCE(SUM(records), 0) FROM log_counts"), n);
	assert_int_equal(query(r, "SELECT COALESCE(MAX(c), 0) FROM (SELECT SUM(records) AS c"
			       " FROM fingerprint_counts GROUP BY fingerprint_id)"), 1);
	assert_int_equal(query(r, "SELECT count(*) FROM fingerprints"), n);
	sqlite3_close(r->ro);
	unlink(r->db);
}

/* Three lines unique to batch N: letters, not digits, so that each line is
 * its own fingerprint. Batches of one width have one size. */
static size_t batch(char *buf, size_t len, int64_t n)
{
	char w[32];
	int k = snprintf(w, sizeof(w), "%lld", (long long)n), i;

	for (i = 0; i < k; i++)
		w[i] = (char)('a' + (w[i] - '0'));
	return (size_t)snprintf(buf, len, "INFO request %s served\nWARN slow request %s\nERROR request %s failed\n",
				w, w, w);
}

static void append(const char *name, int64_t n)
{
	char path[512], buf[256];
	size_t len = batch(buf, sizeof(buf), n);
	int fd;

	path_of(path, sizeof(path), name);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static void copy(const char *from, const char *to)
{
	char a[512], b[512], buf[8192];
	int in, out;
	ssize_t n;

	path_of(a, sizeof(a), from);
	path_of(b, sizeof(b), to);
	in = open(a, O_RDONLY);
	assert_true(in >= 0);
	out = open(b, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
}

static void cut(const char *name)
{
	char path[512];

	path_of(path, sizeof(path), name);
	assert_int_equal(truncate(path, 0), 0);
}

static void move(const char *from, const char *to)
{
	char a[512], b[512];

	path_of(a, sizeof(a), from);
	path_of(b, sizeof(b), to);
	if (access(a, F_OK) == 0)
		assert_int_equal(rename(a, b), 0);
}

static void drop(const char *name)
{
	char path[512];

	path_of(path, sizeof(path), name);
	unlink(path);
}

/* How many of our own fds lead to an app.log* file that was deleted. */
static int held_deleted(void)
{
	char prefix[300], fdp[300], link[700];
	struct dirent *e;
	DIR *d = opendir("/proc/self/fd");
	int k = 0;

	assert_non_null(d);
	snprintf(prefix, sizeof(prefix), "%s/app.log", dir);
	while ((e = readdir(d))) {
		ssize_t n;

		snprintf(fdp, sizeof(fdp), "/proc/self/fd/%s", e->d_name);
		n = readlink(fdp, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (!strncmp(link, prefix, strlen(prefix)) && strstr(link, " (deleted)"))
			k++;
	}
	closedir(d);
	return k;
}

/* A copytruncate's copy and its original, both new, found in the same tick
 * before the cut: the copied lines are the original's, counted once. */
static void test_logs__copy_and_original_found_in_one_tick(void **state)
{
	struct run r;
	int i;

	(void)state;
	start(&r, "one-tick.db");
	tick(&r);
	append("app.log", 100);
	copy("app.log", "app.log.1");
	tick(&r);                       /* both seen: judged a tick later */
	tick(&r);                       /* both judged, in one pass */
	cut("app.log");
	append("app.log", 101);         /* same size, other lines */
	for (i = 0; i < 4; i++)
		tick(&r);
	finish(&r, 6);
}

static void cut_rewrite_delete(void)
{
	cut("app.log");
	append("app.log", 301);         /* same size, other lines */
	drop("app.log");
}

/* The file is cut, written again to the same size and deleted between the
 * source's check for a cut and its stat() that finds the name gone: the cut
 * must still be seen (what was written after it read, its copy read from
 * where the cut file had been read). */
static void test_logs__cut_just_before_the_name_goes(void **state)
{
	struct run r;
	int i;

	(void)state;
	start(&r, "cut-race.db");
	tick(&r);
	append("app.log", 300);
	tick(&r);
	tick(&r);                       /* app.log judged and read */
	copy("app.log", "app.log.1");
	path_of(before_stat_path, sizeof(before_stat_path), "app.log");
	before_stat = cut_rewrite_delete;
	tick(&r);
	assert_null(before_stat);       /* the race did happen in that tick */
	for (i = 0; i < 4; i++)
		tick(&r);
	finish(&r, 6);
}

/* cp's first step: the copy exists, empty, before its data is written. */
static void create_empty(const char *name)
{
	char path[512];
	int fd;

	path_of(path, sizeof(path), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	close(fd);
}

/* A file followed by its name (app.log.1) is rotated away, and the name is
 * taken by a copytruncate's copy that cp has created but not yet written
 * when the source looks: the empty file must not be taken for the name's
 * next file (read from its start when the copied lines arrive, they were
 * counted twice: logs-rotation-exact under ASan, 3004 of 3001). */
static void test_logs__copy_still_empty_at_a_followed_name(void **state)
{
	struct run r;
	int i;

	(void)state;
	start(&r, "empty-copy.db");
	tick(&r);
	append("app.log.1", 399);
	append("app.log", 400);
	tick(&r);
	tick(&r);                       /* both judged and read */
	move("app.log.1", "app.log.2");
	create_empty("app.log.1");      /* cp app.log app.log.1, begun */
	tick(&r);
	copy("app.log", "app.log.1");   /* ... and done */
	cut("app.log");
	append("app.log", 401);         /* same size, other lines */
	for (i = 0; i < 5; i++)
		tick(&r);
	finish(&r, 9);
}

static uint64_t rng = 88172645463325252ULL;

static unsigned next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng >> 32);
}

/* Whether every line of file NAME was counted (absent: nothing to count).
 * Each batch's INFO line stands for its batch. */
static int all_counted(struct run *r, const char *name)
{
	char path[512], line[256];
	FILE *f;
	int ok = 1;

	path_of(path, sizeof(path), name);
	if (!(f = fopen(path, "r")))
		return 1;
	while (ok && fgets(line, sizeof(line), f)) {
		sqlite3_stmt *st;

		if (strncmp(line, "INFO ", 5))
			continue;
		line[strcspn(line, "\n")] = 0;
		assert_int_equal(sqlite3_prepare_v2(r->ro, "SELECT COALESCE(SUM(c.records), 0) FROM fingerprint_counts c"
						    " JOIN fingerprints f ON f.id = c.fingerprint_id WHERE f.text = ?",
						    -1, &st, NULL), SQLITE_OK);
		sqlite3_bind_text(st, 1, line + 5, -1, SQLITE_STATIC);
		ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0;
		sqlite3_finalize(st);
	}
	fclose(f);
	return ok;
}

/* Ticks until COND holds, at most 20: a line in a file about to be deleted
 * must have been read by then, by any reader. */
#define TICK_UNTIL(r, cond)                                                       \
	do {                                                                      \
		int k_ = 0;                                                       \
		while (!(cond)) {                                                 \
			assert_true(k_++ < 20);                                   \
			tick(r);                                                  \
		}                                                                 \
	} while (0)

/* After each step of a rotation, a tick with probability PCT/100: from
 * several rotations between two ticks to a tick between a copy and its cut. */
static void maybe_tick(struct run *r, unsigned pct)
{
	if (next_rand() % 100 < pct)
		tick(r);
}

/* 1,000 rotations as logs-rotation-exact makes them (rename with older
 * copies shifted, copytruncate, delete and recreate, all under one glob),
 * with ticks placed at random between their steps (fixed seeds). */
static void rotate_1000(unsigned pct, uint64_t seed)
{
	struct run r;
	int64_t n = 0;
	int i;

	rng = seed;
	start(&r, "rotations.db");
	tick(&r);
	for (i = 0; i < 1000; i++) {
		append("app.log", n);
		n += 3;
		maybe_tick(&r, pct);
		if (i % 3 == 2) {
			/* Lines deleted before they were read are lost to any
			 * reader: wait for them (logs-rotation-exact waits until
			 * the capture holds the file open). */
			TICK_UNTIL(&r, all_counted(&r, "app.log"));
			drop("app.log");
		} else {
			TICK_UNTIL(&r, all_counted(&r, "app.log.3"));
			drop("app.log.3");
			maybe_tick(&r, pct);
			move("app.log.2", "app.log.3");
			maybe_tick(&r, pct);
			move("app.log.1", "app.log.2");
			maybe_tick(&r, pct);
			if (i % 3 == 0) {
				move("app.log", "app.log.1");
			} else {
				copy("app.log", "app.log.1");
				maybe_tick(&r, pct);
				cut("app.log");
			}
		}
		maybe_tick(&r, pct);
	}
	append("app.log", n);
	n += 3;
	TICK_UNTIL(&r, counted(&r) >= n);
	tick(&r);
	tick(&r);
	tick(&r);
	/* Deleted files read to their end are closed. */
	assert_true(held_deleted() <= 2);
	finish(&r, n);
}

static void test_logs__rotations_several_between_ticks(void **state)
{
	(void)state;
	rotate_1000(15, 0x9e3779b97f4a7c15ULL);
}

static void test_logs__rotations_some_between_ticks(void **state)
{
	(void)state;
	rotate_1000(40, 0x2545f4914f6cdd1dULL);
}

static void test_logs__rotations_ticks_between_steps(void **state)
{
	(void)state;
	rotate_1000(80, 0xd1b54a32d192ed03ULL);
}

/* More distinct messages than the fingerprint table holds (20,000): the
 * first 20,000 keep their own fingerprint, each counted once; the rest go to
 * one '<other>' fingerprint per level; every line is counted. */
static void test_logs__fingerprint_table_full(void **state)
{
	enum { BATCHES = 7000, LINES = 3 * BATCHES, KEPT = 20000 };
	struct run r;
	char path[512], *buf = malloc(BATCHES * 96);
	size_t len = 0;
	int64_t n;
	int fd, i;

	(void)state;
	assert_non_null(buf);
	for (n = 0; n < BATCHES; n++)
		len += batch(buf + len, 96, 1000000 + n);
	start(&r, "full.db");
	tick(&r);
	path_of(path, sizeof(path), "app.log");
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
	free(buf);
	for (i = 0; i < 1000 && counted(&r) < LINES; i++)
		tick(&r);
	r.cap.tick = r.tick;
	logs_source.close(&r.cap, r.st);
	sqlite3_close(r.ro);
	assert_int_equal(writer_close(r.cap.w, 0), 0);
	assert_int_equal(sqlite3_open_v2(r.db, &r.ro, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(counted(&r), LINES);
	assert_int_equal(query(&r, "SELECT SUM(records) FROM fingerprint_counts"), LINES);
	assert_int_equal(query(&r, "SELECT count(*) FROM fingerprints WHERE text NOT LIKE '<other%'"), KEPT);
	assert_int_equal(query(&r, "SELECT count(*) FROM fingerprints WHERE text LIKE '<other%'"), 3);
	assert_int_equal(query(&r, "SELECT MAX(c) FROM (SELECT SUM(records) AS c FROM fingerprint_counts c"
			       " JOIN fingerprints f ON f.id = c.fingerprint_id"
			       " WHERE f.text NOT LIKE '<other%' GROUP BY fingerprint_id)"), 1);
	assert_int_equal(query(&r, "SELECT SUM(records) FROM fingerprint_counts c JOIN fingerprints f"
			       " ON f.id = c.fingerprint_id WHERE f.text LIKE '<other%'"), LINES - KEPT);
	sqlite3_close(r.ro);
	unlink(r.db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_logs__copy_and_original_found_in_one_tick, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logs__cut_just_before_the_name_goes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logs__copy_still_empty_at_a_followed_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logs__rotations_several_between_ticks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logs__rotations_some_between_ticks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logs__rotations_ticks_between_steps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_logs__fingerprint_table_full, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
