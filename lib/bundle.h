/* The bundle: one SQLite file with the schema of schema/bundle.sql.
 * Shared by the writer (capture) and the readers (analyze). */
#ifndef CASEFILE_BUNDLE_H
#define CASEFILE_BUNDLE_H

#include <sqlite3.h>

/* Generated from schema/bundle.sql (build/gen/schema.c). */
extern const char bundle_schema_sql[];
extern const int bundle_schema_version;

#define BUNDLE_APPLICATION_ID 1128354630 /* 'CASF' */

/* Every released schema, schema/history/vN.sql (build/gen/schema_history.c),
 * ended by { 0, NULL }. A bundle of version N is checked against entry N. */
struct bundle_schema_entry {
	int version;
	const char *sql;
};
extern const struct bundle_schema_entry bundle_schema_history[];

/* The schema text of VERSION: bundle_schema_sql for the current version,
 * else its history file. NULL when this build does not know it. */
const char *bundle_schema_of_version(int version);

/* The part of the schema run when a capture stops cleanly (indexes), found
 * after the "-- @finalize" marker. Returns a pointer into bundle_schema_sql,
 * or "" when there is no marker. bundle_schema_create_sql() copies the part
 * before it into buf (malloc'd, caller frees). */
const char *bundle_schema_finalize_sql(void);
char *bundle_schema_create_sql(void);

enum bundle_status {
	BUNDLE_OK = 0,
	BUNDLE_NOT_FOUND = -1,   /* cannot open or read the file */
	BUNDLE_NOT_SQLITE = -2,  /* not an SQLite database (or empty) */
	BUNDLE_FOREIGN = -3,     /* SQLite, but not a casefile bundle */
	BUNDLE_CORRUPT = -4,     /* truncated or damaged */
	BUNDLE_NEWER = -5,       /* written by a newer schema version */
};

/* Opens PATH read-only for analysis, with SQLite's defensive settings, and
 * checks that it is a bundle this version understands. On success stores the
 * handle in *out (caller closes with sqlite3_close) and the schema version in
 * *version (may be NULL). On failure prints one line naming the file and the
 * problem and returns a negative bundle_status.
 *
 * A bundle is untrusted input and is never changed, nor anything created
 * beside it: PATH must be a regular file (a FIFO or device is refused without
 * blocking), it is opened immutable, and a bundle a killed capture left in
 * WAL mode (PATH-wal beside it) is copied with its WAL to a private temp
 * directory and read from there. Every object of its schema (tables, columns,
 * types, generated columns, virtual tables, indexes, views, triggers) must be
 * the schema of its version, byte for byte; only the indexes built when a
 * capture stops cleanly may be missing. Statements on the handle run under
 * sqlite3_limit()s, a heap limit and the deadline of bundle_deadline_start(). */
int bundle_open_readonly(const char *path, sqlite3 **out, int *version);

/* Applies the resource bounds of a reader connection to db: sqlite3_limit()s
 * (string and SQL length, columns, expression depth, compound selects,
 * function arguments, no ATTACH), the process's SQLite heap limit, and the
 * progress handler that enforces bundle_deadline_start(). */
void bundle_bound_reader(sqlite3 *db);

/* Statements on bounded connections are interrupted once BUDGET_US
 * microseconds have passed from now (0: no deadline). One deadline for the
 * process: the analyzer runs one statement at a time. */
void bundle_deadline_start(long long budget_us);
/* 1 when the current deadline interrupted a statement. */
int bundle_deadline_hit(void);

/* The SQLite heap limit of bounded connections (bytes; default 1 GiB). */
void bundle_set_heap_limit(long long bytes);

/* Lets statements prepared on db from now on only read and build TEMP
 * tables: no ATTACH, no writes or schema changes outside temp, no pragma
 * that sets anything but temp_store, no load_extension or file functions.
 * bundle_open_readonly() applies it; rule-pack checks apply it too, so a
 * rule that would be refused at analysis is refused by `rules check`. */
void bundle_guard_reader(sqlite3 *db);

/* The exit code (exitcodes.h) for a negative bundle_status. */
int bundle_status_exit_code(int status);

/* Runs SQL that yields one integer (or NULL -> dflt). */
long long bundle_query_int(sqlite3 *db, const char *sql, long long dflt);

/* Reads a manifest value into buf (empty string when absent). Returns buf. */
char *bundle_manifest_get(sqlite3 *db, const char *key, char *buf, int len);

/* Whether a table (or view) exists in the bundle. */
int bundle_has_table(sqlite3 *db, const char *name);

#endif
