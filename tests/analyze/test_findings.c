/* tests/analyze/test_findings.c: what analysis_run makes of a bundle beyond
 * the detectors: data-quality notes that must all be said, and the SQL of a
 * finding, which must re-run to its rows however long its group key, and
 * whatever its column is called. */
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
#include "rulepack.h"

static sqlite3 *schema_db(void)
{
	sqlite3 *db = NULL;
	char *schema = bundle_schema_create_sql();

	assert_non_null(schema);
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, schema, NULL, NULL, NULL), SQLITE_OK);
	free(schema);
	assert_int_equal(sqlfuncs_register(db), 0);
	return db;
}

static int has_note(const struct analysis *a, const char *text)
{
	int i;

	for (i = 0; i < a->nnotes; i++)
		if (strstr(a->notes[i].message, text))
			return 1;
	return 0;
}

/* Kernel drops and packets counted but not stored are two losses: the second
 * was hidden whenever the first happened. */
static void test_findings__drops_and_not_stored_are_both_noted(void **state)
{
	struct analysis a;
	sqlite3 *db = schema_db();

	(void)state;
	assert_int_equal(sqlite3_exec(db,
		"INSERT INTO ticks (id, wall_us, mono_us) VALUES (1, 1000000, 1000000);"
		"INSERT INTO pcap_stats (tick, received, dropped_kernel, dropped_iface, captured, stored,"
		" not_stored_cap, not_stored_buffer) VALUES (1, 1000, 7, 0, 993, 900, 80, 13)",
		NULL, NULL, NULL), SQLITE_OK);
	memset(&a, 0, sizeof(a));
	assert_int_equal(analysis_run(&a, db, "mem.db", NULL, 0), 0);
	assert_true(has_note(&a, "7 packets dropped by the kernel or interface"));
	assert_true(has_note(&a, "93 packets counted but not stored"));
	analysis_release(&a);
	sqlite3_close(db);
}

/* Per-state socket_totals come every --socket-totals-every ticks: a tick
 * between two takes the last one taken, and the per-tick sockstat rows
 * (another kind of count) are not read as TIME_WAIT. */
static void test_findings__churn_time_wait_from_sampled_totals(void **state)
{
	struct analysis a;
	struct rulepack p;
	sqlite3 *db = schema_db();
	const struct finding *f = NULL;
	char sql[256];

	(void)state;
	assert_int_equal(sqlite3_exec(db,
		"INSERT INTO sources (name, requested, status, backend, first_tick, last_tick)"
		" VALUES ('sockets', 1, 'ran', 'netlink', 1, 30)", NULL, NULL, NULL), SQLITE_OK);
	for (int t = 1; t <= 30; t++) {
		/* 20 outbound connections a second, 40 at tick 25, the busiest */
		int opened = t == 25 ? 40 : 20;
		snprintf(sql, sizeof(sql), "INSERT INTO ticks (id, wall_us, mono_us) VALUES (%d, %d000000, %d000000)",
			 t, t, t);
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
		for (int i = 0; i < opened; i++) {
			snprintf(sql, sizeof(sql), "INSERT INTO sockets (proto, family, local_addr, local_port,"
				 " remote_addr, remote_port, direction, inode, first_tick, close_tick) VALUES"
				 " ('tcp', 4, '10.0.0.1', %d, '10.0.0.2', 443, 'out', %d, %d, %d)", 10000 + t * 50 + i, t * 100 + i, t, t + 1);
			assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
		}
		snprintf(sql, sizeof(sql), "INSERT INTO socket_totals VALUES (%d, 1, 'tcp', 'sockstat-tw', 999, 0, 0, 0);"
			 "INSERT INTO socket_totals VALUES (%d, 1, 'tcp', 'sockstat-inuse', 5, 0, 0, 0)", t, t);
		assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
		if ((t - 1) % 10 == 0) {    /* full dumps at ticks 1, 11, 21 */
			snprintf(sql, sizeof(sql), "INSERT INTO socket_totals VALUES (%d, 1, 'tcp', 'TIME_WAIT', %d, 0, 0, 0);"
				 "INSERT INTO socket_totals VALUES (%d, 1, 'tcp', 'ESTABLISHED', 3, 0, 0, 0)",
				 t, t * 10 + 90, t);
			assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
		}
	}
	assert_int_equal(sqlite3_exec(db,
		"INSERT INTO socket_samples (tick, socket_id, keyframe, state, recv_q, send_q)"
		" SELECT first_tick, id, 1, 'ESTABLISHED', 0, 0 FROM sockets", NULL, NULL, NULL), SQLITE_OK);
	memset(&p, 0, sizeof(p));
	assert_int_equal(rulepack_load_builtin(&p), 0);
	memset(&a, 0, sizeof(a));
	assert_int_equal(analysis_run(&a, db, "mem.db", &p, 1), 0);
	for (int i = 0; i < a.nfindings; i++)
		if (!strcmp(a.findings[i].rule->id, "connection-churn"))
			f = &a.findings[i];
	assert_non_null(f);
	/* tick 25 takes tick 21's count: 21 * 10 + 90 */
	if (!strstr(f->message, "300 sockets in TIME_WAIT"))
		fail_msg("message: %s", f->message);
	analysis_release(&a);
	rulepack_release(&p);
	sqlite3_close(db);
}

static const char pack[] =
	"pack: t\n"
	"version: 1\n"
	"rules:\n"
	"  - id: long-key\n"
	"    title: a group key of 3 KB with a quote, in a column named by a keyword\n"
	"    severity: high\n"
	"    description: d\n"
	"    requires: [ticks]\n"
	"    sources: [process]\n"
	"    query: |\n"
	"      SELECT id AS tick, wall_us, 1.0 AS v,\n"
	"             printf('%.*c', 3000 + (id % 2), 'k') || '''x' AS \"group\"\n"
	"      FROM ticks ORDER BY id\n"
	"    group_by: [group]\n"
	"    detector: threshold\n"
	"    params: { y: v, above: 0.5, min_share: 0.1, min_samples: 2, min_above: 2 }\n"
	"    message: m\n"
	"    next_step: n\n";

static int count_rows(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int n = 0;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		n++;
	sqlite3_finalize(st);
	return n;
}

static void test_findings__sql_reruns_long_keys_and_odd_columns(void **state)
{
	struct rulepack p;
	struct analysis a;
	sqlite3 *db = schema_db();
	int i;

	(void)state;
	assert_int_equal(sqlite3_exec(db,
		"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)"
		" INSERT INTO ticks (id, wall_us, mono_us) SELECT i, i * 1000000, i * 1000000 FROM n",
		NULL, NULL, NULL), SQLITE_OK);
	memset(&p, 0, sizeof(p));
	assert_int_equal(rulepack_load_buffer(&p, "t.yaml", pack, sizeof(pack) - 1), 0);
	memset(&a, 0, sizeof(a));
	assert_int_equal(analysis_run(&a, db, "mem.db", &p, 1), 0);
	assert_int_equal(a.nfindings, 2);
	for (i = 0; i < a.nfindings; i++) {
		assert_non_null(strstr(a.findings[i].sql, "\"group\" = 'kkk"));
		/* the group's five ticks, not none */
		assert_int_equal(count_rows(db, a.findings[i].sql), 5);
	}
	analysis_release(&a);
	rulepack_release(&p);
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_findings__drops_and_not_stored_are_both_noted),
		cmocka_unit_test(test_findings__churn_time_wait_from_sampled_totals),
		cmocka_unit_test(test_findings__sql_reruns_long_keys_and_odd_columns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
