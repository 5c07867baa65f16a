/* Unit tests of capture/writer.c and lib/bundle.c: a bundle written by the
 * writer reads back; files that are not (complete, known) bundles are refused
 * with a message naming the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
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
		cmocka_unit_test(test_bundle__refuses_non_bundles),
		cmocka_unit_test(test_bundle__reader_cannot_write_or_attach),
		cmocka_unit_test(test_bundle__refuses_newer_version),
		cmocka_unit_test(test_bundle__refuses_truncated),
	};

	return cmocka_run_group_tests_name("writer", tests, setup, teardown);
}
