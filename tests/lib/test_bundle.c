/* Unit tests of lib/bundle.c's reader checks (issue 15): the schema of every
 * version is embedded; a bundle whose objects differ from its version's
 * schema is refused before any row is read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"

static char path[64];

/* A fresh empty bundle of the current schema, changed by EXTRA (SQL). */
static void make_bundle(const char *extra)
{
	sqlite3 *db;
	char *schema = bundle_schema_create_sql();
	int fd;

	snprintf(path, sizeof(path), "/tmp/test_bundle.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_non_null(schema);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, schema, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, bundle_schema_finalize_sql(), NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA application_id = 1128354630", NULL, NULL, NULL), SQLITE_OK);
	if (extra)
		assert_int_equal(sqlite3_exec(db, extra, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	free(schema);
}

static int open_status(void)
{
	sqlite3 *db = NULL;
	int rc = bundle_open_readonly(path, &db, NULL);

	sqlite3_close(db);
	unlink(path);
	return rc;
}

static void test_bundle__history_has_current_version(void **state)
{
	const struct bundle_schema_entry *e;
	int found = 0;

	(void)state;
	for (e = bundle_schema_history; e->sql; e++)
		if (e->version == bundle_schema_version) {
			/* schema/history/vN.sql of the current version is bundle.sql. */
			assert_string_equal(e->sql, bundle_schema_sql);
			found = 1;
		}
	assert_true(found);
	assert_non_null(bundle_schema_of_version(1));
	assert_null(bundle_schema_of_version(bundle_schema_version + 1));
}

static void test_bundle__accepts_its_schema(void **state)
{
	(void)state;
	make_bundle(NULL);
	assert_int_equal(open_status(), BUNDLE_OK);
	/* The indexes of a clean stop may be missing. */
	make_bundle("DROP INDEX process_samples_by_process");
	assert_int_equal(open_status(), BUNDLE_OK);
}

static void test_bundle__refuses_changed_objects(void **state)
{
	static const char *const attacks[] = {
		"ALTER TABLE processes ADD COLUMN boom TEXT GENERATED ALWAYS AS (printf('%.*c', 300000000, 'A')) VIRTUAL",
		"DROP TABLE flows; CREATE VIRTUAL TABLE flows USING fts4(a, b)",
		"DROP TABLE log_counts; CREATE VIRTUAL TABLE log_counts USING rtree(id, a, b)",
		"CREATE TRIGGER t AFTER INSERT ON ticks BEGIN SELECT 1; END",
		"CREATE VIEW extra AS SELECT 1",
		"CREATE INDEX extra ON ticks (mono_us)",
		"DROP TABLE syscall_errors",
		"DROP VIEW process_cpu; CREATE VIEW process_cpu AS SELECT 1 AS tick",
		"PRAGMA writable_schema = 1; UPDATE sqlite_schema SET sql = replace(sql, 'mono_us     INTEGER NOT NULL',"
		" 'mono_us     TEXT NOT NULL') WHERE name = 'ticks'",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		make_bundle(attacks[i]);
		if (open_status() == BUNDLE_OK)
			fail_msg("accepted a bundle changed by: %s", attacks[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundle__history_has_current_version),
		cmocka_unit_test(test_bundle__accepts_its_schema),
		cmocka_unit_test(test_bundle__refuses_changed_objects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
