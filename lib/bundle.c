#include "bundle.h"

#include "error.h"
#include "exitcodes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define FINALIZE_MARKER "-- @finalize"

const char *bundle_schema_finalize_sql(void)
{
	const char *p = strstr(bundle_schema_sql, FINALIZE_MARKER);

	return p ? p : "";
}

char *bundle_schema_create_sql(void)
{
	const char *p = strstr(bundle_schema_sql, FINALIZE_MARKER);
	size_t n = p ? (size_t)(p - bundle_schema_sql) : strlen(bundle_schema_sql);
	char *s = malloc(n + 1);

	if (!s)
		return NULL;
	memcpy(s, bundle_schema_sql, n);
	s[n] = '\0';
	return s;
}

long long bundle_query_int(sqlite3 *db, const char *sql, long long dflt)
{
	sqlite3_stmt *st;
	long long v = dflt;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return dflt;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

char *bundle_manifest_get(sqlite3 *db, const char *key, char *buf, int len)
{
	sqlite3_stmt *st;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT value FROM manifest WHERE key = ?", -1, &st, NULL) != SQLITE_OK)
		return buf;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return buf;
}

int bundle_has_table(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	int found = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE name = ? AND type IN ('table','view')",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int bundle_status_exit_code(int status)
{
	switch (status) {
	case BUNDLE_OK: return CF_EXIT_OK;
	case BUNDLE_NEWER: return CF_EXIT_NEWER_BUNDLE;
	default: return CF_EXIT_BAD_BUNDLE;
	}
}

/* SQLite files start with this 16-byte header string. Checking it ourselves
 * gives a precise message for the common mistakes (a text file, an empty file)
 * before SQLite says something vaguer. */
static int check_header(const char *path)
{
	static const char magic[16] = "SQLite format 3";
	char head[100];
	struct stat stbuf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error_errno("cannot open bundle '%s'", path);
		return BUNDLE_NOT_FOUND;
	}
	if (fstat(fd, &stbuf) == 0 && S_ISDIR(stbuf.st_mode)) {
		close(fd);
		error("'%s' is a directory, not a bundle", path);
		return BUNDLE_NOT_SQLITE;
	}
	n = read(fd, head, sizeof(head));
	close(fd);
	if (n < 0) {
		error_errno("cannot read bundle '%s'", path);
		return BUNDLE_NOT_FOUND;
	}
	if (n == 0) {
		error("'%s' is empty, not a casefile bundle", path);
		return BUNDLE_NOT_SQLITE;
	}
	if (n < (ssize_t)sizeof(head) || memcmp(head, magic, sizeof(magic))) {
		error("'%s' is not a casefile bundle (not an SQLite database)", path);
		return BUNDLE_NOT_SQLITE;
	}
	/* Page size and page count from the header tell whether the file was cut short. */
	{
		unsigned page = ((unsigned char)head[16] << 8) | (unsigned char)head[17];
		unsigned long long pages = ((unsigned long long)(unsigned char)head[28] << 24) |
			((unsigned char)head[29] << 16) | ((unsigned char)head[30] << 8) |
			(unsigned char)head[31];

		if (page == 1)
			page = 65536;
		if (stat(path, &stbuf) == 0 && pages && page &&
		    (unsigned long long)stbuf.st_size < pages * page) {
			/* A WAL file beside it may still hold the rest (bundle of a killed capture). */
			char wal[4096];
			struct stat wst;

			snprintf(wal, sizeof(wal), "%s-wal", path);
			if (stat(wal, &wst) != 0) {
				error("'%s' is truncated: %lld bytes, header says %llu pages of %u",
				      path, (long long)stbuf.st_size, pages, page);
				return BUNDLE_CORRUPT;
			}
		}
	}
	return BUNDLE_OK;
}

/* A bundle is untrusted: someone could plant a view or trigger that makes a
 * reader do expensive or surprising work. Every view and trigger must be
 * exactly the embedded schema's. (Bundles of older versions will be checked
 * against the schema of their version, kept in schema/history/.) */
static int check_schema_objects(sqlite3 *db, const char *path)
{
	sqlite3 *ref = NULL;
	sqlite3_stmt *st = NULL, *rs = NULL;
	char *sql = NULL;
	int rc = BUNDLE_FOREIGN;

	sql = bundle_schema_create_sql();
	if (!sql || sqlite3_open_v2(":memory:", &ref, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_exec(ref, sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(ref, bundle_schema_finalize_sql(), NULL, NULL, NULL) != SQLITE_OK) {
		error("internal error: the embedded schema does not load");
		rc = BUNDLE_CORRUPT;
		goto out;
	}
	if (sqlite3_prepare_v2(db, "SELECT type, name, coalesce(sql, '') FROM sqlite_schema"
			       " WHERE type IN ('view', 'trigger')", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ref, "SELECT sql FROM sqlite_schema WHERE type = ? AND name = ?",
			       -1, &rs, NULL) != SQLITE_OK) {
		error("cannot read the schema of '%s': %s", path, sqlite3_errmsg(db));
		rc = BUNDLE_CORRUPT;
		goto out;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		const char *text = (const char *)sqlite3_column_text(st, 2);
		int same;

		sqlite3_reset(rs);
		sqlite3_bind_text(rs, 1, type, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(rs, 2, name, -1, SQLITE_TRANSIENT);
		same = sqlite3_step(rs) == SQLITE_ROW && text &&
		       !strcmp(text, (const char *)sqlite3_column_text(rs, 0));
		if (!same) {
			error("'%s' has a %s '%s' that casefile did not write: refusing a tampered bundle",
			      path, type, name ? name : "?");
			goto out;
		}
	}
	rc = BUNDLE_OK;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(rs);
	sqlite3_close(ref);
	free(sql);
	return rc;
}

/* The last line of defence, for statements prepared on a reader connection:
 * the bundle's schema is checked at open and rule-pack SQL comes from a YAML
 * file that may be someone else's, so whatever SQL reaches this connection
 * may read the bundle and build TEMP tables, and nothing else: no ATTACH
 * (it creates files), no writes or schema changes to the bundle, no pragma
 * that sets anything but temp_store, no extension loading or file
 * functions even if a later SQLite or shell build provides them. */
static int reader_authorizer(void *unused, int action, const char *a1, const char *a2,
			     const char *dbname, const char *accessor)
{
	static const char *const denied_functions[] = {
		"load_extension", "writefile", "readfile", "edit", "fts3_tokenizer", NULL
	};
	int i;

	(void)unused;
	(void)accessor;
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_READ:
	case SQLITE_RECURSIVE:
	case SQLITE_TRANSACTION:
	case SQLITE_SAVEPOINT:
	case SQLITE_CREATE_TEMP_TABLE:
	case SQLITE_CREATE_TEMP_INDEX:
	case SQLITE_CREATE_TEMP_VIEW:
	case SQLITE_DROP_TEMP_TABLE:
	case SQLITE_DROP_TEMP_INDEX:
	case SQLITE_DROP_TEMP_VIEW:
		return SQLITE_OK;
	case SQLITE_INSERT:
	case SQLITE_UPDATE:
	case SQLITE_DELETE:
		/* Filling our own TEMP tables; the bundle itself stays as it came. */
		return dbname && !strcmp(dbname, "temp") ? SQLITE_OK : SQLITE_DENY;
	case SQLITE_FUNCTION:
		for (i = 0; a2 && denied_functions[i]; i++)
			if (!strcasecmp(a2, denied_functions[i]))
				return SQLITE_DENY;
		return SQLITE_OK;
	case SQLITE_PRAGMA:
		/* Reading a pragma passes no argument; setting one does. */
		if (!a2)
			return SQLITE_OK;
		return a1 && !strcasecmp(a1, "temp_store") ? SQLITE_OK : SQLITE_DENY;
	default:
		/* ATTACH, DETACH, CREATE/DROP/ALTER of bundle objects, triggers,
		 * virtual tables, ANALYZE, REINDEX and anything SQLite adds later. */
		return SQLITE_DENY;
	}
}

void bundle_guard_reader(sqlite3 *db)
{
	sqlite3_set_authorizer(db, reader_authorizer, NULL);
}

int bundle_open_readonly(const char *path, sqlite3 **out, int *version)
{
	sqlite3 *db = NULL;
	long long appid, ver, ok;
	int rc;

	*out = NULL;
	rc = check_header(path);
	if (rc)
		return rc;

	/* A bundle from someone else's machine is untrusted input: read-only,
	 * defensive mode, no extension loading, and no trust in functions or
	 * virtual tables named by its schema. */
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		error("cannot open bundle '%s': %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return BUNDLE_NOT_FOUND;
	}
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	sqlite3_busy_timeout(db, 2000);

	appid = bundle_query_int(db, "PRAGMA application_id", -1);
	ver = bundle_query_int(db, "PRAGMA user_version", -1);
	if (appid == -1 || ver == -1) {
		error("cannot read bundle '%s': %s", path, sqlite3_errmsg(db));
		rc = BUNDLE_CORRUPT;
		goto fail;
	}
	if (appid != BUNDLE_APPLICATION_ID) {
		error("'%s' is an SQLite database but not a casefile bundle (application_id %lld)",
		      path, appid);
		rc = BUNDLE_FOREIGN;
		goto fail;
	}
	if (ver > bundle_schema_version) {
		error("'%s' was written with bundle schema version %lld; this casefile reads up to %d (upgrade casefile)",
		      path, ver, bundle_schema_version);
		rc = BUNDLE_NEWER;
		goto fail;
	}
	if (ver < 1) {
		error("'%s' has no bundle schema version", path);
		rc = BUNDLE_FOREIGN;
		goto fail;
	}
	/* quick_check walks every page: it catches truncation and torn pages that
	 * the header check could not see. */
	ok = bundle_query_int(db, "SELECT count(*) FROM pragma_quick_check WHERE quick_check != 'ok'", -1);
	if (ok != 0) {
		error("'%s' is damaged or truncated (integrity check failed)", path);
		rc = BUNDLE_CORRUPT;
		goto fail;
	}
	if (ver == bundle_schema_version) {
		rc = check_schema_objects(db, path);
		if (rc)
			goto fail;
	}
	if (!bundle_has_table(db, "manifest") || !bundle_has_table(db, "ticks")) {
		error("'%s' lacks the manifest or ticks table: not a complete casefile bundle", path);
		rc = BUNDLE_FOREIGN;
		goto fail;
	}
	bundle_guard_reader(db);
	if (version)
		*version = (int)ver;
	*out = db;
	return BUNDLE_OK;
fail:
	sqlite3_close(db);
	return rc;
}
