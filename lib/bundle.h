/* The bundle: one SQLite file with the schema of schema/bundle.sql.
 * Shared by the writer (capture) and the readers (analyze). */
#ifndef CASEFILE_BUNDLE_H
#define CASEFILE_BUNDLE_H

#include <sqlite3.h>

/* Generated from schema/bundle.sql (build/gen/schema.c). */
extern const char bundle_schema_sql[];
extern const int bundle_schema_version;

#define BUNDLE_APPLICATION_ID 1128354630 /* 'CASF' */

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
 * problem and returns a negative bundle_status. */
int bundle_open_readonly(const char *path, sqlite3 **out, int *version);

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
