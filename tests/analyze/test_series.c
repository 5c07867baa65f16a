/* tests/analyze/test_series.c: the socket chart series, summed in C from the
 * span edges of socket_spans, give at every tick the counts and bytes the
 * socket_ticks view gives (every socket expanded at every tick). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "series.h"

static sqlite3 *socket_db(void)
{
	sqlite3 *db = NULL;
	char *schema = bundle_schema_create_sql();

	assert_non_null(schema);
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, schema, NULL, NULL, NULL), SQLITE_OK);
	free(schema);
	/* 1: out, queue changes, closes at 5; 2: out, open past the end;
	 * 3: accepted, ESTABLISHED -> CLOSE_WAIT; 4: a listener;
	 * 5: CLOSE, then LISTEN (spans over all its rows for the state chart);
	 * 6: accepted with a LISTEN row (bad data, still spanned over all rows);
	 * 7: udp; 8: out, same port as 1, seen once and gone at its last_tick. */
	assert_int_equal(sqlite3_exec(db,
		"INSERT INTO ticks VALUES (1, 1000000, 1, 0), (2, 2000000, 2, 0), (3, 3000000, 3, 0),"
		" (4, 4000000, 4, 0), (5, 5000000, 5, 0), (6, 6000000, 6, 0);"
		"INSERT INTO sockets (id, proto, family, local_addr, local_port, remote_addr, remote_port,"
		" direction, inode, first_tick, last_tick, close_tick) VALUES"
		" (1, 'tcp', 4, '127.0.0.1', 40000, '127.0.0.1', 9200, 'out', 11, 1, 4, 5),"
		" (2, 'tcp', 4, '127.0.0.1', 40001, '127.0.0.1', 9243, 'out', 12, 2, NULL, NULL),"
		" (3, 'tcp', 4, '127.0.0.1', 8080, '127.0.0.1', 50000, 'in', 13, 1, 5, NULL),"
		" (4, 'tcp', 4, '0.0.0.0', 8080, '0.0.0.0', 0, 'listen', 14, 1, NULL, NULL),"
		" (5, 'tcp', 4, '0.0.0.0', 9090, '0.0.0.0', 0, 'out', 15, 2, NULL, NULL),"
		" (6, 'tcp', 4, '127.0.0.1', 8080, '127.0.0.1', 50001, 'in', 16, 1, 3, 4),"
		" (7, 'udp', 4, '127.0.0.1', 5353, '127.0.0.1', 53, NULL, 17, 1, NULL, NULL),"
		" (8, 'tcp', 4, '127.0.0.1', 40002, '127.0.0.1', 9200, 'out', 18, 3, 3, NULL);"
		"INSERT INTO socket_samples (tick, socket_id, keyframe, state, recv_q, send_q) VALUES"
		" (1, 1, 1, 'ESTABLISHED', 0, 0), (2, 1, 0, 'ESTABLISHED', 1101, 0), (4, 1, 0, 'ESTABLISHED', NULL, 0),"
		" (2, 2, 1, 'SYN_SENT', NULL, 1), (3, 2, 0, 'ESTABLISHED', 7, 0), (5, 2, 0, 'ESTABLISHED', 7, 0),"
		" (1, 3, 1, 'ESTABLISHED', 0, 0), (4, 3, 0, 'CLOSE_WAIT', 3, 0),"
		" (1, 4, 1, 'LISTEN', 0, 128), (3, 4, 1, 'LISTEN', 2, 128),"
		" (2, 5, 1, 'CLOSE', 0, 0), (4, 5, 0, 'LISTEN', 0, 128),"
		" (1, 6, 1, 'ESTABLISHED', 0, 0), (2, 6, 0, 'LISTEN', 0, 0),"
		" (1, 7, 1, 'UNCONN', 0, 0), (6, 7, 0, 'UNCONN', 9, 0),"
		" (3, 8, 1, 'ESTABLISHED', 40, 0);", NULL, NULL, NULL), SQLITE_OK);
	return db;
}

/* "label|wall_us|value" lines of a loaded series. */
static char *series_text(sqlite3 *db, const char *id)
{
	struct series *s = NULL;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int i, j, n = -1;

	assert_non_null(f);
	for (i = 0; series_table[i].id; i++)
		if (!strcmp(series_table[i].id, id))
			assert_int_equal(series_load(db, &series_table[i], &s, &n), 0);
	assert_true(n >= 0);
	for (i = 0; i < n; i++)
		for (j = 0; j < s[i].n; j++)
			fprintf(f, "%s|%lld|%g\n", s[i].label, (long long)s[i].wall_us[j], s[i].value[j]);
	series_free(s, n);
	fclose(f);
	return out;
}

/* The same lines from socket_ticks: LABEL and VALUE over its rows WHERE keeps,
 * every label at every tick (0 where none). */
static char *reference_text(sqlite3 *db, const char *label, const char *value, const char *where)
{
	char *sql = NULL, *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	sqlite3_stmt *st;

	assert_non_null(f);
	assert_true(asprintf(&sql,
		"WITH x AS (SELECT tick, %s AS label, %s AS v FROM socket_ticks WHERE %s)"
		" SELECT l.label, t.wall_us, (SELECT COALESCE(SUM(v), 0) FROM x WHERE x.label = l.label AND x.tick = t.id)"
		" FROM (SELECT DISTINCT label FROM x) l CROSS JOIN ticks t ORDER BY l.label, t.id",
		label, value, where) > 0);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		fprintf(f, "%s|%lld|%g\n", sqlite3_column_text(st, 0), (long long)sqlite3_column_int64(st, 1),
			sqlite3_column_double(st, 2));
	sqlite3_finalize(st);
	fclose(f);
	free(sql);
	return out;
}

static void check(sqlite3 *db, const char *id, const char *label, const char *value, const char *where)
{
	char *a = series_text(db, id), *b = reference_text(db, label, value, where);

	assert_true(a[0] != '\0');
	assert_string_equal(a, b);
	free(a);
	free(b);
}

static void test_series__socket_series_match_socket_ticks(void **state)
{
	sqlite3 *db = socket_db();

	(void)state;
	check(db, "sockets.state", "proto || ' ' || state", "1", "1");
	check(db, "sockets.accepted", "proto || ' on port ' || local_port", "1", "direction = 'in'");
	/* socket 5's CLOSE row (remote port 0) and the listeners stay out */
	check(db, "sockets.connections", "proto || ' to port ' || remote_port", "1",
	      "remote_port <> 0 AND state <> 'LISTEN' AND direction IS NOT 'in'");
	check(db, "sockets.recv_q", "proto || ' to port ' || remote_port", "COALESCE(recv_q, 0)",
	      "remote_port <> 0 AND state <> 'LISTEN' AND direction IS NOT 'in'");
	sqlite3_close(db);
}

static void test_series__socket_series_values(void **state)
{
	sqlite3 *db = socket_db();
	char *s;

	(void)state;
	s = series_text(db, "sockets.recv_q");
	/* port 9200: socket 1's 1101 bytes over ticks 2-3, socket 8's 40 at 3 */
	assert_non_null(strstr(s, "tcp to port 9200|1000000|0\ntcp to port 9200|2000000|1101\n"
				  "tcp to port 9200|3000000|1141\ntcp to port 9200|4000000|0\n"
				  "tcp to port 9200|5000000|0\ntcp to port 9200|6000000|0\n"));
	free(s);
	s = series_text(db, "sockets.state");
	/* listeners 4 (all along), 6 (ticks 2-3, closed at 4) and 5 (from 4) */
	assert_non_null(strstr(s, "tcp LISTEN|1000000|1\ntcp LISTEN|2000000|2\ntcp LISTEN|3000000|2\n"
				  "tcp LISTEN|4000000|2\ntcp LISTEN|5000000|2\ntcp LISTEN|6000000|2\n"));
	free(s);
	sqlite3_close(db);
}

static void test_series__no_ticks_no_lines(void **state)
{
	sqlite3 *db = socket_db();
	char *s;

	(void)state;
	/* No ticks: no points, so no lines (as the join against ticks gave). */
	assert_int_equal(sqlite3_exec(db, "DELETE FROM ticks", NULL, NULL, NULL), SQLITE_OK);
	s = series_text(db, "sockets.state");
	assert_string_equal(s, "");
	free(s);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_series__socket_series_match_socket_ticks),
		cmocka_unit_test(test_series__socket_series_values),
		cmocka_unit_test(test_series__no_ticks_no_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
