/* writer_bench: rows/s of the bundle writer beside raw SQLite inserts, the
 * same rows, the same settings (WAL, synchronous=NORMAL, prepared inserts,
 * 10k rows per transaction), as in bench-peers.md §4.
 *
 *   writer_bench [ROWS] [DIR]     default 1000000 rows in /tmp
 * Prints: "raw ROWS_PER_S", "writer ROWS_PER_S", "writer_ticks ROWS_PER_S",
 * "writer_ticks_capped ROWS_PER_S" (the same with --max-size checks on).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "writer.h"

#define PER_TXN 10000

static double raw(const char *path, long rows)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t t0, t1;
	long i;

	unlink(path);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
		     "CREATE TABLE ts(ts INTEGER, id INTEGER, a INTEGER, b INTEGER)", NULL, NULL, NULL);
	sqlite3_prepare_v2(db, "INSERT INTO ts VALUES (?,?,?,?)", -1, &st, NULL);
	t0 = now_mono_us();
	for (i = 0; i < rows; i++) {
		if (i % PER_TXN == 0)
			sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		sqlite3_bind_int64(st, 1, 1700000000000000000LL + i * 1000);
		sqlite3_bind_int64(st, 2, i % 1000 + 1);
		sqlite3_bind_int64(st, 3, random());
		sqlite3_bind_int64(st, 4, i);
		sqlite3_step(st);
		sqlite3_reset(st);
		if (i % PER_TXN == PER_TXN - 1)
			sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	t1 = now_mono_us();
	sqlite3_finalize(st);
	sqlite3_close(db);
	unlink(path);
	return rows * 1e6 / (double)(t1 - t0);
}

/* The writer's way: cached statement, one transaction per tick. With
 * per_tick = 10000 it is the same shape as raw; with 1000 it is a tick of
 * 1000 sockets or threads. */
static double writer(const char *path, long rows, int per_tick, uint64_t max_size)
{
	static const char sql[] =
		"INSERT INTO process_samples (tick, process_id, utime_us, stime_us, rss_bytes) VALUES (?,?,?,?,?)";
	struct writer *w;
	int64_t t0, t1, tick = 0;
	long i;

	unlink(path);
	w = writer_create(path, 1);
	if (!w)
		return -1;
	/* A cap never reached: what the size checks cost. */
	if (max_size && writer_set_max_size(w, max_size)) {
		writer_close(w, 0);
		return -1;
	}
	t0 = now_mono_us();
	for (i = 0; i < rows; i++) {
		sqlite3_stmt *st;

		if (i % per_tick == 0) {
			tick++;
			writer_begin_tick(w, tick, 1700000000000000LL + tick * 1000000, tick * 1000000);
		}
		st = writer_stmt(w, sql);
		sqlite3_bind_int64(st, 1, tick);
		sqlite3_bind_int64(st, 2, i % 1000 + 1);
		sqlite3_bind_int64(st, 3, random());
		sqlite3_bind_int64(st, 4, i);
		sqlite3_bind_int64(st, 5, i * 4096);
		writer_step(w, st);
		if (i % per_tick == per_tick - 1)
			writer_commit_tick(w);
	}
	writer_commit_tick(w);
	t1 = now_mono_us();
	writer_close(w, 0);
	unlink(path);
	return rows * 1e6 / (double)(t1 - t0);
}

int main(int argc, char **argv)
{
	long rows = argc > 1 ? atol(argv[1]) : 1000000;
	const char *dir = argc > 2 ? argv[2] : "/tmp";
	char path[4096];

	snprintf(path, sizeof(path), "%s/casefile-writer-bench-%d.db", dir, (int)getpid());
	printf("raw %.0f\n", raw(path, rows));
	printf("writer %.0f\n", writer(path, rows, PER_TXN, 0));
	printf("writer_ticks %.0f\n", writer(path, rows, 1000, 0));
	printf("writer_ticks_capped %.0f\n", writer(path, rows, 1000, 1ULL << 40));
	return 0;
}
