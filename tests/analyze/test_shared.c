/* tests/analyze/test_shared.c: shared TEMP tables (socket_spans) and their
 * inlined CTE form, which must run alone and give the rows the analyzer sees. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "findings.h"

static sqlite3 *schema_db(void)
{
	sqlite3 *db = NULL;
	char *schema = bundle_schema_create_sql();

	assert_non_null(schema);
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, schema, NULL, NULL, NULL), SQLITE_OK);
	free(schema);
	return db;
}

/* All rows of a query as one text, for comparing two queries' results. */
static char *rows_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	size_t len = 0, cap = 4096;
	char *out = malloc(cap);
	int i;

	assert_non_null(out);
	out[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		for (i = 0; i < sqlite3_column_count(st); i++) {
			const char *t = (const char *)sqlite3_column_text(st, i);
			size_t n = strlen(t ? t : "NULL") + 2;

			if (len + n + 1 > cap) {
				cap = (len + n + 1) * 2;
				out = realloc(out, cap);
				assert_non_null(out);
			}
			len += (size_t)snprintf(out + len, cap - len, "%s%c", t ? t : "NULL",
						i + 1 < sqlite3_column_count(st) ? '|' : '\n');
		}
	}
	sqlite3_finalize(st);
	return out;
}

static void test_shared__inline_forms(void **state)
{
	char *s;

	(void)state;
	/* no shared table named: unchanged */
	s = shared_inline("SELECT 1 FROM ticks");
	assert_string_equal(s, "SELECT 1 FROM ticks");
	free(s);
	/* a word that only contains the name does not count */
	s = shared_inline("SELECT my_socket_spans_x FROM ticks");
	assert_null(strstr(s, "MATERIALIZED"));
	free(s);
	/* no WITH: one is opened after the leading comment */
	s = shared_inline("-- spans\nSELECT * FROM socket_spans");
	assert_non_null(strstr(s, "-- spans\nWITH socket_spans AS MATERIALIZED ("));
	assert_non_null(strstr(s, ")\nSELECT * FROM socket_spans"));
	free(s);
	/* the query's own WITH takes it as its first CTE */
	s = shared_inline("WITH r AS (SELECT * FROM socket_spans) SELECT * FROM r");
	assert_true(!strncmp(s, "WITH\nsocket_spans AS MATERIALIZED (", 35));
	assert_non_null(strstr(s, "),\nr AS (SELECT * FROM socket_spans) SELECT * FROM r"));
	free(s);
	s = shared_inline("with recursive r(n) AS (SELECT 1) SELECT * FROM r, socket_spans");
	assert_true(!strncmp(s, "with recursive\nsocket_spans AS", 30));
	free(s);
}

/* The inlined SQL runs on a connection without the TEMP table and returns
 * what the query returns against the TEMP table. */
static void test_shared__inline_matches_temp_table(void **state)
{
	const char *q = "WITH r AS NOT MATERIALIZED (SELECT * FROM socket_spans WHERE proto = 'tcp')\n"
			"SELECT socket_id, tick, until_tick, port, recv_q, prev_q, first_row, last_row FROM r "
			"ORDER BY socket_id, tick";
	sqlite3 *db = schema_db();
	char err[256], *inl, *a, *b;

	(void)state;
	assert_int_equal(sqlite3_exec(db,
		"INSERT INTO ticks VALUES (1, 1000000, 1, 0), (2, 2000000, 2, 0), (3, 3000000, 3, 0), (4, 4000000, 4, 0);"
		"INSERT INTO sockets (id, proto, family, local_addr, local_port, remote_addr, remote_port, direction, inode, first_tick, last_tick, close_tick) VALUES"
		" (1, 'tcp', 4, '127.0.0.1', 40000, '127.0.0.1', 9200, 'out', 11, 1, 2, 3),"
		" (2, 'tcp', 4, '127.0.0.1', 8080, '127.0.0.1', 50000, 'in', 12, 1, NULL, NULL),"
		" (3, 'tcp', 4, '0.0.0.0', 8080, '0.0.0.0', 0, 'listen', 13, 1, NULL, NULL);"
		"INSERT INTO socket_samples (tick, socket_id, keyframe, state, recv_q, send_q) VALUES"
		" (1, 1, 1, 'ESTABLISHED', 0, 0), (2, 1, 0, 'ESTABLISHED', 5, 0),"
		" (1, 2, 1, 'ESTABLISHED', NULL, 3), (3, 2, 0, 'CLOSE_WAIT', 7, 0),"
		" (1, 3, 1, 'LISTEN', 0, 128);", NULL, NULL, NULL), SQLITE_OK);
	inl = shared_inline(q);
	assert_non_null(inl);
	a = rows_text(db, inl);  /* before the TEMP table exists */
	assert_int_equal(shared_prepare(db, q, err, sizeof(err)), 0);
	assert_int_equal(shared_prepare(db, q, err, sizeof(err)), 0);  /* built once */
	b = rows_text(db, q);
	assert_string_equal(a, b);
	/* spans meet; the last ends at close (3) or after the end (5); LISTEN is left out */
	assert_string_equal(b, "1|1|2|9200|0|NULL|1|0\n"
			       "1|2|3|9200|5|0|0|1\n"
			       "2|1|3|8080|0|NULL|1|0\n"
			       "2|3|5|8080|7|NULL|0|1\n");
	free(a);
	free(b);
	free(inl);
	sqlite3_close(db);
}

static void test_shared__missing_tables_fail_cleanly(void **state)
{
	sqlite3 *db = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(shared_prepare(db, "SELECT * FROM socket_spans", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "socket_spans"));
	assert_int_equal(shared_prepare(db, "SELECT 1", err, sizeof(err)), 0);
	sqlite3_close(db);
}

/* cpu_profile: the perf profile, unless the bundle holds a runtime profile
 * (a newer schema's runtime_profile_samples with rows); the inlined form
 * follows the same choice. */
static void test_shared__cpu_profile_prefers_runtime(void **state)
{
	const char *q = "SELECT source, process_key, tick, stack_id, samples FROM cpu_profile ORDER BY tick";
	sqlite3 *db;
	char err[256], *rows, *shown, *inl;

	(void)state;
	db = schema_db();
	assert_int_equal(sqlite3_exec(db, "INSERT INTO profile_samples VALUES (1, 1, 7, 3)", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(shared_prepare(db, q, err, sizeof(err)), 0);
	rows = rows_text(db, q);
	assert_string_equal(rows, "perf|1|1|7|3\n");
	free(rows);
	sqlite3_close(db);

	/* An empty runtime table: still perf (IF NOT EXISTS: schema 3 has it). */
	db = schema_db();
	assert_int_equal(sqlite3_exec(db, "INSERT INTO profile_samples VALUES (1, 1, 7, 3);"
				      "CREATE TABLE IF NOT EXISTS runtime_profile_samples (profile_id, tick, stack_id, samples)",
				      NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(shared_prepare(db, q, err, sizeof(err)), 0);
	rows = rows_text(db, q);
	assert_string_equal(rows, "perf|1|1|7|3\n");
	free(rows);
	/* With rows: the runtime profile, in the TEMP table and inlined alike. */
	assert_int_equal(sqlite3_exec(db, "INSERT INTO runtime_profile_samples (profile_id, tick, stack_id, samples) VALUES (2, 4, 9, 11);"
				      "DROP TABLE temp.cpu_profile", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(shared_prepare(db, q, err, sizeof(err)), 0);
	rows = rows_text(db, q);
	assert_string_equal(rows, "runtime|2|4|9|11\n");
	shown = shared_inline(q);
	assert_non_null(shown);
	assert_non_null(strstr(shown, "runtime_profile_samples"));
	assert_int_equal(sqlite3_exec(db, "DROP TABLE temp.cpu_profile", NULL, NULL, NULL), SQLITE_OK);
	inl = rows_text(db, shown);
	assert_string_equal(inl, rows);
	free(inl);
	free(shown);
	free(rows);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared__inline_forms),
		cmocka_unit_test(test_shared__inline_matches_temp_table),
		cmocka_unit_test(test_shared__missing_tables_fail_cleanly),
		cmocka_unit_test(test_shared__cpu_profile_prefers_runtime),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
