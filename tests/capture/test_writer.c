/* Unit tests of capture/writer.c and lib/bundle.c: a bundle written by the
 * writer reads back; files that are not (complete, known) bundles are refused
 * with a message naming the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle.h"
#include "error.h"
#include "writer.h"

static char dir[256];
static char last_msg[2048];

static void hook(const char *level, const char *msg)
{
	(void)level;
	snprintf(last_msg, sizeof(last_msg), "%s", msg);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/casefile-test-writer.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	error_set_hook(hook);
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void path_in(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static void write_small_bundle(const char *path, int ticks)
{
	struct writer *w = writer_create(path, 1);
	int i;

	assert_non_null(w);
	assert_int_equal(writer_begin(w), 0);
	assert_int_equal(writer_manifest_set(w, "host", "test-host"), 0);
	assert_int_equal(writer_source_status(w, "process", 1, "running", "procfs", NULL, 0, 0), 0);
	assert_int_equal(writer_commit(w), 0);
	for (i = 1; i <= ticks; i++) {
		assert_int_equal(writer_begin_tick(w, i, 1000000LL * i, 5000000LL * i), 0);
		assert_int_equal(writer_event(w, i, "warning", "process", "tick %d", i), 0);
		assert_int_equal(writer_commit_tick(w), 0);
	}
	assert_int_equal(writer_close(w, 1), 0);
}

static void test_writer__round_trip_single_file(void **state)
{
	char path[300], wal[320], buf[64];
	struct stat st;
	sqlite3 *db;
	int version;

	(void)state;
	path_in(path, sizeof(path), "a.db");
	write_small_bundle(path, 5);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	assert_int_not_equal(stat(wal, &st), 0); /* a clean stop leaves one file */
	assert_int_equal(bundle_open_readonly(path, &db, &version), BUNDLE_OK);
	assert_int_equal(version, bundle_schema_version);
	assert_int_equal(bundle_query_int(db, "SELECT count(*) FROM ticks", -1), 5);
	assert_int_equal(bundle_query_int(db, "SELECT mono_us FROM ticks WHERE id = 3", -1), 15000000);
	assert_int_equal(bundle_query_int(db, "SELECT count(*) FROM events WHERE kind = 'warning'", -1), 5);
	assert_string_equal(bundle_manifest_get(db, "host", buf, sizeof(buf)), "test-host");
	assert_int_equal(bundle_query_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'index'"
					  " AND name = 'process_samples_by_process'", -1), 1);
	sqlite3_close(db);
}

static void test_writer__refuses_to_overwrite(void **state)
{
	char path[300];

	(void)state;
	path_in(path, sizeof(path), "b.db");
	write_small_bundle(path, 1);
	assert_null(writer_create(path, 0));
	assert_non_null(strstr(last_msg, "already exists"));
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	if (len)
		assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void expect_refused(const char *path, int status, const char *words)
{
	sqlite3 *db = (sqlite3 *)1;

	last_msg[0] = '\0';
	assert_int_equal(bundle_open_readonly(path, &db, NULL), status);
	assert_null(db);
	assert_non_null(strstr(last_msg, path));
	if (!strstr(last_msg, words))
		fail_msg("message '%s' lacks '%s'", last_msg, words);
}

static void test_bundle__refuses_non_bundles(void **state)
{
	char path[300];
	sqlite3 *db;

	(void)state;
	path_in(path, sizeof(path), "missing.db");
	expect_refused(path, BUNDLE_NOT_FOUND, "cannot open");
	path_in(path, sizeof(path), "empty.db");
	write_bytes(path, "", 0);
	expect_refused(path, BUNDLE_NOT_SQLITE, "empty");
	path_in(path, sizeof(path), "passwd");
	write_bytes(path, "root:x:0:0:root:/root:/bin/bash\n", 32);
	expect_refused(path, BUNDLE_NOT_SQLITE, "not a casefile bundle");
	/* An SQLite file of another application. */
	path_in(path, sizeof(path), "foreign.db");
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES (1);", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	expect_refused(path, BUNDLE_FOREIGN, "not a casefile bundle");
}

static void test_bundle__refuses_newer_version(void **state)
{
	char path[300];
	sqlite3 *db;

	(void)state;
	path_in(path, sizeof(path), "newer.db");
	write_small_bundle(path, 1);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	expect_refused(path, BUNDLE_NEWER, "newer");
	assert_int_equal(bundle_status_exit_code(BUNDLE_NEWER), 4);
}

static void test_bundle__refuses_truncated(void **state)
{
	char path[300], cut[300];
	struct stat st;
	char *data;
	int fd;

	(void)state;
	path_in(path, sizeof(path), "full.db");
	write_small_bundle(path, 200);
	assert_int_equal(stat(path, &st), 0);
	data = malloc((size_t)st.st_size);
	assert_non_null(data);
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, data, (size_t)st.st_size), st.st_size);
	close(fd);
	path_in(cut, sizeof(cut), "cut.db");
	write_bytes(cut, data, (size_t)st.st_size / 2);
	expect_refused(cut, BUNDLE_CORRUPT, "truncated");
	/* Cut inside the first page: header incomplete. */
	write_bytes(cut, data, 50);
	expect_refused(cut, BUNDLE_NOT_SQLITE, "not a casefile bundle");
	free(data);
}

/* Inserts N thread_samples rows of tick T through the writer (indexed at the
 * end by thread_samples_by_thread, so they also give the indexes weight). */
static int insert_rows(struct writer *w, int64_t tick, int n)
{
	static const char sql[] =
		"INSERT INTO thread_samples (tick, thread_id, utime_us, stime_us) VALUES (?, ?, ?, ?)";
	int i;

	for (i = 0; i < n; i++) {
		sqlite3_stmt *st = writer_stmt(w, sql);

		assert_non_null(st);
		sqlite3_bind_int64(st, 1, tick);
		sqlite3_bind_int64(st, 2, i + 1);
		sqlite3_bind_int64(st, 3, tick * 1000 + i);
		sqlite3_bind_int64(st, 4, i * 7919);
		if (writer_step(w, st))
			return -1;
	}
	return 0;
}

static int64_t query_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void test_writer__max_size_too_small(void **state)
{
	char path[300];
	struct writer *w;

	(void)state;
	path_in(path, sizeof(path), "small.db");
	w = writer_create(path, 1);
	assert_non_null(w);
	assert_int_equal(writer_set_max_size(w, 64 * 1024), -1);
	assert_non_null(strstr(last_msg, "too small"));
	assert_non_null(strstr(last_msg, "use at least"));
	assert_int_equal(writer_set_max_size(w, 4 << 20), 0);
	assert_int_equal(writer_close(w, 1), 0);
}

/* The projection counts pages the open transaction added and has not
 * committed (PRAGMA page_count on the writer's own connection), plus their
 * WAL frames; a rollback takes them back. */
static void test_writer__projection_sees_uncommitted_pages(void **state)
{
	char path[300];
	struct writer *w;
	uint64_t before, during, after;

	(void)state;
	path_in(path, sizeof(path), "proj.db");
	w = writer_create(path, 1);
	assert_non_null(w);
	assert_int_equal(writer_set_max_size(w, 64 << 20), 0);
	assert_int_equal(writer_begin_tick(w, 1, 1000000, 1000000), 0);
	before = writer_projected_size(w);
	assert_int_equal(insert_rows(w, 1, 20000), 0);
	during = writer_projected_size(w);
	/* 20k rows of ~20 bytes: well over 300 KiB, counted twice (the
	 * database and the WAL frames), before anything is committed. */
	assert_true(during > before + 2 * 300 * 1024);
	assert_int_equal(writer_rollback(w), 0);
	after = writer_projected_size(w);
	assert_true(after < before + 100 * 1024);
	assert_int_equal(writer_close(w, 1), 0);
}

/* Ticks are written until one does not fit: it is refused (EFBIG) and rolled
 * back whole; the bundle keeps only complete ticks, the end bookkeeping still
 * goes in, and the final file is within the cap. */
static void test_writer__tick_past_cap_is_dropped_whole(void **state)
{
	const uint64_t cap = 1 << 20;
	char path[300];
	struct writer *w;
	struct stat st;
	int64_t tick, ok_ticks = 0;
	int rc = 0;

	(void)state;
	path_in(path, sizeof(path), "cap.db");
	w = writer_create(path, 1);
	assert_non_null(w);
	assert_int_equal(writer_set_max_size(w, cap), 0);
	for (tick = 1; tick < 1000; tick++) {
		assert_int_equal(writer_begin_tick(w, tick, tick * 1000000, tick * 1000000), 0);
		rc = insert_rows(w, tick, 1500);
		if (rc == 0)
			rc = writer_commit_tick(w);
		if (rc)
			break;
		ok_ticks++;
		assert_true(writer_size(w) <= cap);
	}
	assert_int_equal(rc, -1);
	assert_int_equal(errno, EFBIG);
	assert_true(writer_capped(w));
	assert_true(ok_ticks >= 3);
	writer_rollback(w);
	/* Refused while capped, accepted at the end (the reserve). */
	assert_int_equal(insert_rows(w, tick, 1), -1);
	assert_int_equal(writer_begin(w), 0);
	writer_final(w);
	assert_int_equal(writer_event(w, ok_ticks, "size_cap", NULL, "cap"), 0);
	assert_int_equal(writer_manifest_set(w, "stop_reason", "size cap reached"), 0);
	assert_int_equal(writer_commit(w), 0);
	assert_true(writer_size(w) <= cap);
	assert_int_equal(writer_close(w, 1), 0);

	assert_int_equal(stat(path, &st), 0);
	assert_true((uint64_t)st.st_size <= cap);
	assert_int_equal(query_int(path, "SELECT count(*) FROM ticks"), ok_ticks);
	assert_int_equal(query_int(path, "SELECT count(*) FROM thread_samples"), ok_ticks * 1500);
	assert_int_equal(query_int(path, "SELECT count(*) FROM events WHERE kind = 'size_cap'"), 1);
	/* Rows of 1500 threads a tick fill the cap; their index would not fit
	 * in what is left: skipped, and said so. */
	assert_int_equal(query_int(path, "SELECT count(*) FROM manifest WHERE key = 'indexes' AND value LIKE 'skipped%'"), 1);
	assert_int_equal(query_int(path, "SELECT count(*) FROM events WHERE kind = 'indexes_skipped'"), 1);
	assert_int_equal(query_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'"), 0);
}

/* Without a cap, or when they fit, the indexes are built and said so. */
static void test_writer__indexes_built_when_they_fit(void **state)
{
	char path[300];
	struct writer *w;

	(void)state;
	path_in(path, sizeof(path), "fit.db");
	w = writer_create(path, 1);
	assert_non_null(w);
	assert_int_equal(writer_set_max_size(w, 8 << 20), 0);
	assert_int_equal(writer_begin_tick(w, 1, 1000000, 1000000), 0);
	assert_int_equal(insert_rows(w, 1, 1000), 0);
	assert_int_equal(writer_commit_tick(w), 0);
	assert_int_equal(writer_close(w, 1), 0);
	assert_int_equal(query_int(path, "SELECT count(*) FROM manifest WHERE key = 'indexes' AND value = 'built'"), 1);
	assert_true(query_int(path, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%'") > 5);
}

/* Runs SQL on a reader connection; returns the sqlite3_exec result. */
static int reader_exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

/* Whatever SQL reaches a reader (rule packs, our own queries) can read the
 * bundle and build TEMP tables, and nothing else: a crafted rule pack or a
 * view that slipped past the schema check cannot create or write files. */
static void test_bundle__reader_cannot_write_or_attach(void **state)
{
	char path[300], other[300], cmd[400];
	struct stat st, before;
	sqlite3 *db;

	(void)state;
	path_in(path, sizeof(path), "guard.db");
	path_in(other, sizeof(other), "created-by-attach.db");
	write_small_bundle(path, 3);
	assert_int_equal(stat(path, &before), 0);
	assert_int_equal(bundle_open_readonly(path, &db, NULL), BUNDLE_OK);

	/* Reading and TEMP tables work: the analyzer needs both. */
	assert_int_equal(reader_exec(db, "PRAGMA temp_store = MEMORY"), SQLITE_OK);
	assert_int_equal(reader_exec(db, "CREATE TEMP TABLE t AS SELECT id, mono_us FROM ticks"), SQLITE_OK);
	assert_int_equal(reader_exec(db, "INSERT INTO temp.t VALUES (99, 1)"), SQLITE_OK);
	assert_int_equal(bundle_query_int(db, "SELECT count(*) FROM t", -1), 4);
	assert_int_equal(bundle_query_int(db, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
					  " WHERE i < 10) SELECT sum(i) FROM n", -1), 55);
	assert_int_equal(bundle_query_int(db, "PRAGMA user_version", -1), bundle_schema_version);
	assert_int_equal(reader_exec(db, "DROP TABLE temp.t"), SQLITE_OK);

	/* Nothing that reaches outside or changes the bundle. */
	snprintf(cmd, sizeof(cmd), "ATTACH '%s' AS x", other);
	assert_int_not_equal(reader_exec(db, cmd), SQLITE_OK);
	assert_int_not_equal(stat(other, &st), 0);
	snprintf(cmd, sizeof(cmd), "VACUUM INTO '%s'", other);
	assert_int_not_equal(reader_exec(db, cmd), SQLITE_OK);
	assert_int_not_equal(stat(other, &st), 0);
	assert_int_not_equal(reader_exec(db, "SELECT load_extension('/tmp/evil.so')"), SQLITE_OK);
	assert_int_not_equal(reader_exec(db, "PRAGMA writable_schema = 1"), SQLITE_OK);
	assert_int_not_equal(reader_exec(db, "PRAGMA journal_mode = DELETE"), SQLITE_OK);
	assert_int_not_equal(reader_exec(db, "DELETE FROM events"), SQLITE_OK);
	assert_int_not_equal(reader_exec(db, "CREATE VIEW v AS SELECT 1"), SQLITE_OK);
	assert_int_not_equal(reader_exec(db, "CREATE TEMP TRIGGER tt AFTER INSERT ON ticks BEGIN SELECT 1; END"),
			     SQLITE_OK);
	assert_int_equal(bundle_query_int(db, "SELECT count(*) FROM events", -1), 3);
	sqlite3_close(db);

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, before.st_size);
	assert_int_equal(st.st_mtime, before.st_mtime);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writer__round_trip_single_file),
		cmocka_unit_test(test_writer__refuses_to_overwrite),
		cmocka_unit_test(test_writer__max_size_too_small),
		cmocka_unit_test(test_writer__projection_sees_uncommitted_pages),
		cmocka_unit_test(test_writer__tick_past_cap_is_dropped_whole),
		cmocka_unit_test(test_writer__indexes_built_when_they_fit),
		cmocka_unit_test(test_bundle__refuses_non_bundles),
		cmocka_unit_test(test_bundle__reader_cannot_write_or_attach),
		cmocka_unit_test(test_bundle__refuses_newer_version),
		cmocka_unit_test(test_bundle__refuses_truncated),
	};

	return cmocka_run_group_tests_name("writer", tests, setup, teardown);
}
