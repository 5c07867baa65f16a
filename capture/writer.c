#include "writer.h"

#include "bundle.h"
#include "error.h"
#include "parse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WRITER_MAX_STMTS 128

struct cached_stmt {
	const char *sql;                 /* pointer identity: callers pass literals */
	sqlite3_stmt *st;
};

struct writer {
	sqlite3 *db;
	char *path;
	char *wal_path;
	struct cached_stmt stmts[WRITER_MAX_STMTS];
	int nstmts;
	int in_txn;
	int disk_full;
};

static int sql_error(struct writer *w, const char *what)
{
	int code = sqlite3_extended_errcode(w->db);

	if ((code & 0xff) == SQLITE_FULL) {
		w->disk_full = 1;
		errno = ENOSPC;
		return error("cannot write bundle '%s': disk full (%s)", w->path, what);
	}
	return error("cannot write bundle '%s' (%s): %s", w->path, what, sqlite3_errmsg(w->db));
}

int writer_exec(struct writer *w, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(w->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int rc;

		rc = sql_error(w, msg ? msg : "exec");
		sqlite3_free(msg);
		return rc;
	}
	return 0;
}

struct writer *writer_create(const char *path, int force)
{
	struct writer *w;
	char *schema = NULL;
	int fd;

	w = calloc(1, sizeof(*w));
	if (!w) {
		error("out of memory");
		return NULL;
	}
	w->path = strdup(path);
	if (!w->path || asprintf(&w->wal_path, "%s-wal", path) < 0) {
		error("out of memory");
		goto fail;
	}
	/* O_EXCL: never overwrite someone's earlier bundle by accident. */
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), 0644);
	if (fd < 0) {
		if (errno == EEXIST)
			error("bundle '%s' already exists (choose another -o, or --force)", path);
		else
			error_errno("cannot create bundle '%s'", path);
		goto fail;
	}
	close(fd);
	if (force) {
		unlink(w->wal_path);
	}

	if (sqlite3_open_v2(path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		error("cannot open bundle '%s': %s", path, w->db ? sqlite3_errmsg(w->db) : "out of memory");
		goto fail;
	}
	sqlite3_db_config(w->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	/* Someone may open the bundle with sqlite3 while we write it; wait for
	 * their lock rather than losing a tick. */
	sqlite3_busy_timeout(w->db, 2000);
	/* WAL + synchronous=NORMAL: each tick's commit is durable against a crash
	 * of this process (SIGKILL loses at most the open tick) and cheap. */
	if (writer_exec(w, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
			   "PRAGMA temp_store=MEMORY; PRAGMA cache_size=-4096;"))
		goto fail;
	schema = bundle_schema_create_sql();
	if (!schema) {
		error("out of memory");
		goto fail;
	}
	if (writer_exec(w, "BEGIN") || writer_exec(w, schema) || writer_exec(w, "COMMIT"))
		goto fail;
	free(schema);
	return w;
fail:
	free(schema);
	if (w->db)
		sqlite3_close(w->db);
	free(w->path);
	free(w->wal_path);
	free(w);
	return NULL;
}

sqlite3_stmt *writer_stmt(struct writer *w, const char *sql)
{
	int i;
	sqlite3_stmt *st;

	for (i = 0; i < w->nstmts; i++) {
		if (w->stmts[i].sql == sql) {
			sqlite3_reset(w->stmts[i].st);
			sqlite3_clear_bindings(w->stmts[i].st);
			return w->stmts[i].st;
		}
	}
	if (sqlite3_prepare_v3(w->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		error("bad SQL in writer: %s: %s", sqlite3_errmsg(w->db), sql);
		return NULL;
	}
	if (w->nstmts == WRITER_MAX_STMTS) {
		/* Still usable, just not cached: finalize the oldest slot. */
		sqlite3_finalize(w->stmts[0].st);
		memmove(w->stmts, w->stmts + 1, sizeof(w->stmts[0]) * (WRITER_MAX_STMTS - 1));
		w->nstmts--;
	}
	w->stmts[w->nstmts].sql = sql;
	w->stmts[w->nstmts].st = st;
	w->nstmts++;
	return st;
}

int writer_step(struct writer *w, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		rc = sql_error(w, "insert");
		sqlite3_reset(st);
		return rc;
	}
	sqlite3_reset(st);
	return 0;
}

int64_t writer_last_id(struct writer *w)
{
	return sqlite3_last_insert_rowid(w->db);
}

void writer_bind_opt(sqlite3_stmt *st, int idx, int64_t value)
{
	if (value < 0)
		sqlite3_bind_null(st, idx);
	else
		sqlite3_bind_int64(st, idx, value);
}

int writer_begin(struct writer *w)
{
	if (w->in_txn)
		return 0;
	if (writer_exec(w, "BEGIN"))
		return -1;
	w->in_txn = 1;
	return 0;
}

int writer_commit(struct writer *w)
{
	if (!w->in_txn)
		return 0;
	w->in_txn = 0;
	if (writer_exec(w, "COMMIT")) {
		/* A failed COMMIT (disk full) leaves the transaction open: roll it
		 * back so what was committed before stays intact and usable. */
		sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
		if (w->disk_full)
			errno = ENOSPC;
		return -1;
	}
	return 0;
}

int writer_begin_tick(struct writer *w, int64_t tick, int64_t wall_us, int64_t mono_us)
{
	static const char sql[] = "INSERT INTO ticks (id, wall_us, mono_us) VALUES (?, ?, ?)";
	sqlite3_stmt *st;

	if (writer_begin(w))
		return -1;
	st = writer_stmt(w, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, tick);
	sqlite3_bind_int64(st, 2, wall_us);
	sqlite3_bind_int64(st, 3, mono_us);
	return writer_step(w, st);
}

int writer_tick_cost(struct writer *w, int64_t tick, int64_t sample_us)
{
	static const char sql[] = "UPDATE ticks SET sample_us = ? WHERE id = ?";
	sqlite3_stmt *st = writer_stmt(w, sql);

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, sample_us);
	sqlite3_bind_int64(st, 2, tick);
	return writer_step(w, st);
}

int writer_commit_tick(struct writer *w)
{
	return writer_commit(w);
}

int writer_manifest_set(struct writer *w, const char *key, const char *value)
{
	static const char sql[] = "INSERT OR REPLACE INTO manifest (key, value) VALUES (?, ?)";
	sqlite3_stmt *st = writer_stmt(w, sql);

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
	return writer_step(w, st);
}

int writer_manifest_setf(struct writer *w, const char *key, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return writer_manifest_set(w, key, buf);
}

int writer_source_status(struct writer *w, const char *name, int requested,
			 const char *status, const char *backend, const char *reason,
			 int64_t first_tick, int64_t last_tick)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO sources (name, requested, status, backend, reason, first_tick, last_tick)"
		" VALUES (?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st = writer_stmt(w, sql);

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, requested);
	sqlite3_bind_text(st, 3, status, -1, SQLITE_TRANSIENT);
	if (backend && *backend)
		sqlite3_bind_text(st, 4, backend, -1, SQLITE_TRANSIENT);
	if (reason && *reason)
		sqlite3_bind_text(st, 5, reason, -1, SQLITE_TRANSIENT);
	writer_bind_opt(st, 6, first_tick > 0 ? first_tick : -1);
	writer_bind_opt(st, 7, last_tick > 0 ? last_tick : -1);
	return writer_step(w, st);
}

int writer_event(struct writer *w, int64_t tick, const char *kind, const char *source,
		 const char *fmt, ...)
{
	static const char sql[] =
		"INSERT INTO events (tick, wall_us, kind, source, message) VALUES (?, ?, ?, ?, ?)";
	sqlite3_stmt *st = writer_stmt(w, sql);
	char msg[2048];
	va_list ap;

	if (!st)
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	writer_bind_opt(st, 1, tick > 0 ? tick : -1);
	sqlite3_bind_int64(st, 2, now_wall_us());
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_TRANSIENT);
	if (source)
		sqlite3_bind_text(st, 4, source, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, msg, -1, SQLITE_TRANSIENT);
	return writer_step(w, st);
}

uint64_t writer_size(struct writer *w)
{
	struct stat st;
	uint64_t size = 0;

	if (stat(w->path, &st) == 0)
		size += st.st_size;
	if (stat(w->wal_path, &st) == 0)
		size += st.st_size;
	return size;
}

int writer_close(struct writer *w, int complete)
{
	int i, rc = 0;

	if (!w)
		return 0;
	if (w->in_txn && writer_commit(w))
		rc = -1;
	for (i = 0; i < w->nstmts; i++)
		sqlite3_finalize(w->stmts[i].st);
	w->nstmts = 0;
	/* Indexes are built once, here: building them during the capture would
	 * make every insert ~20x slower. A bundle cut short still reads fine
	 * without them, only slower. */
	if (complete && !w->disk_full) {
		/* CREATE INDEX sorts the whole table; with temp_store=MEMORY its
		 * sorter spills into memory, so the stop of a 285 MB bundle took
		 * 273 MB of RSS (12 MB with temp files, and half the time). Temp
		 * files first; memory only when no temp directory is writable. */
		char why[256] = "";
		int built = 0, pass;

		for (pass = 0; pass < 2 && !built; pass++) {
			sqlite3_exec(w->db, pass ? "PRAGMA temp_store=MEMORY" : "PRAGMA temp_store=FILE",
				     NULL, NULL, NULL);
			if (sqlite3_exec(w->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK &&
			    sqlite3_exec(w->db, bundle_schema_finalize_sql(), NULL, NULL, NULL) == SQLITE_OK &&
			    sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) {
				built = 1;
			} else {
				snprintf(why, sizeof(why), "%s", sqlite3_errmsg(w->db));
				sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
			}
		}
		if (!built)
			warning("indexes of '%s' not built (%s); the bundle is still complete", w->path, why);
	}
	/* Leaving WAL mode checkpoints everything into the main file and removes
	 * the -wal and -shm files: a clean stop leaves one file to attach. */
	if (sqlite3_exec(w->db, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;",
			 NULL, NULL, NULL) != SQLITE_OK) {
		warning("cannot checkpoint '%s': %s (the -wal file beside it holds the rest; keep both)",
			w->path, sqlite3_errmsg(w->db));
		rc = -1;
	}
	if (sqlite3_close(w->db) != SQLITE_OK) {
		error("cannot close bundle '%s'", w->path);
		rc = -1;
	}
	free(w->path);
	free(w->wal_path);
	free(w);
	return rc;
}
