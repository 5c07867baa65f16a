/* The bundle writer (see writer.h). One file over 700 lines on purpose: it
 * is the only code that writes SQLite, and the size cap, WAL, the exclusive
 * create and lock, and finalizing share one connection's state; kept
 * together, every path that can grow or replace the bundle is read in one
 * place. */
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
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define WRITER_MAX_STMTS 128
/* How many writer_step() calls between two size checks: a check (PRAGMA
 * page_count) costs about two inserts, so checking every 128 costs ~1.5%,
 * and a tick overshoots its check by at most 128 rows, all rolled back. */
#define WRITER_CHECK_EVERY 128
/* Kept free under --max-size for the end of the capture: final sources and
 * manifest rows, the size_cap and capture_stop events, and their WAL frames. */
#define WRITER_RESERVE_PAGES 16
/* Guess of old pages the first tick rewrites (one per table it writes to). */
#define WRITER_FIRST_REWRITE 24
/* Old pages the index build rewrites (the schema's), as WAL frames. */
#define WRITER_INDEX_REWRITE 8
#define WAL_HEADER 32
#define WAL_FRAME_HEADER 24

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
	/* The bundle file, held open with flock(LOCK_EX) for the whole capture
	 * so a second capture (--force) refuses it. Closed only after SQLite's
	 * connection: closing any descriptor of a file drops the process's
	 * POSIX locks on it, SQLite's included. */
	int lock_fd;
	dev_t dev;
	ino_t ino;

	/* --max-size (see writer_set_max_size). The projection of what a
	 * commit would leave on disk needs the WAL's state, which SQLite only
	 * tells through the WAL hook: frames after each commit. */
	uint64_t max_size;               /* 0: no cap */
	int64_t page_size;
	sqlite3_stmt *pages_st;          /* PRAGMA page_count (includes uncommitted pages) */
	int steps;                       /* writer_step calls since the last check */
	int checking;                    /* checks armed: from the first tick on */
	int capped;                      /* the cap was reached: writer_step refuses */
	int final;                       /* end transaction: bookkeeping may use the reserve */
	int64_t txn_pages;               /* page_count when the open transaction began */
	int64_t commit_pages;            /* page_count just before the last COMMIT */
	uint64_t txn_wal_file;           /* -wal file size when it began */
	int64_t wal_frames;              /* frames in the WAL after the last commit */
	int wal_restart;                 /* last checkpoint was complete: the next commit restarts the WAL */
	int64_t rewritten;               /* old pages a commit rewrites besides new ones: max seen */
	int64_t ckpt_frames;             /* checkpoint when the WAL holds this many frames */
	uint64_t wal_limit;              /* journal_size_limit: the WAL shrinks back to this */
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

static uint64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* The database size in pages as the writer's connection sees it: inside a
 * transaction this includes the pages it added and has not committed yet. */
static int64_t page_count(struct writer *w)
{
	int64_t n = -1;

	if (!w->pages_st)
		return -1;
	if (sqlite3_step(w->pages_st) == SQLITE_ROW)
		n = sqlite3_column_int64(w->pages_st, 0);
	sqlite3_reset(w->pages_st);
	return n;
}

/* Bytes on disk right after the open transaction commits with PAGES pages
 * and a checkpoint copies it into the database: the database at its new size
 * plus the WAL still holding this commit's frames (it shrinks back to
 * wal_limit only when the next commit restarts it). That is the peak, so it
 * is what --max-size is held against. The frames a commit writes are its new
 * pages plus the old pages it changes (the last leaf and interior pages of
 * each table it touched); SQLite does not say how many of those a
 * transaction holds, so the writer uses the most it has seen a commit write. */
static uint64_t project(const struct writer *w, int64_t pages)
{
	uint64_t frame = (uint64_t)w->page_size + WAL_FRAME_HEADER;
	int64_t frames = pages - w->txn_pages + w->rewritten;
	uint64_t file = w->txn_wal_file, wal;

	if (frames < 0 || w->txn_pages < 0)
		frames = w->rewritten;
	if (w->wal_restart) {
		if (file > w->wal_limit)
			file = w->wal_limit;
		wal = WAL_HEADER + (uint64_t)frames * frame;
	} else {
		wal = WAL_HEADER + (uint64_t)(w->wal_frames + frames) * frame;
	}
	if (wal < file)
		wal = file;
	return (uint64_t)pages * (uint64_t)w->page_size + wal;
}

/* Called by SQLite after each commit with the number of frames in the WAL.
 * It replaces wal_autocheckpoint (same PASSIVE checkpoint, our threshold)
 * and learns how many old pages a commit rewrites. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct writer *w = arg;
	int64_t written = w->wal_restart || frames < w->wal_frames ? frames : frames - w->wal_frames;

	if (w->txn_pages >= 0 && w->commit_pages >= w->txn_pages &&
	    written - (w->commit_pages - w->txn_pages) > w->rewritten)
		w->rewritten = written - (w->commit_pages - w->txn_pages);
	w->wal_frames = frames;
	w->wal_restart = 0;
	if (frames >= w->ckpt_frames) {
		int log = -1, done = -1;

		/* Only a complete checkpoint lets the next commit restart the WAL
		 * from its beginning (a reader holding an old snapshot prevents it). */
		if (sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, &log, &done) == SQLITE_OK &&
		    log >= 0 && log == done)
			w->wal_restart = 1;
	}
	return SQLITE_OK;
}

static const char *file_kind(mode_t m)
{
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

/* Stale SQLite side files of a bundle that no longer exists would be
 * replayed onto the new one (a -wal), or written through (a planted link). */
static void remove_side_files(const char *path)
{
	static const char *const ext[] = { "-wal", "-shm", "-journal" };
	char side[4200];
	size_t i;

	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(side, sizeof(side), "%s%s", path, ext[i]);
		unlink(side);
	}
}

static int lock_or_refuse(int fd, const char *path)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno == EWOULDBLOCK)
		return error("bundle '%s' is being written by another casefile-capture; "
			     "choose another -o", path);
	return error_errno("cannot lock bundle '%s'", path);
}

/* Creates the bundle file, mode 0600, never through a link.
 *
 * Without force: PATH itself, exclusively. With force and an existing
 * regular file at PATH: a temp file beside it is created exclusively and
 * renamed over PATH, so the old file is never opened for writing (a link,
 * device or FIFO at PATH is refused before anything is written, and the
 * rename replaces whatever name is there, never what it points to). A file
 * another capture holds (its flock) is refused. Returns the locked fd, or -1
 * after error(). */
static int create_file(struct writer *w, const char *path, int force)
{
	struct stat st;
	char *tmp = NULL;
	int fd = -1, old = -1;

	if (force && lstat(path, &st) == 0) {
		struct stat ost;

		if (!S_ISREG(st.st_mode))
			return error("refusing to replace '%s': it is %s (--force replaces only a regular file)",
				     path, file_kind(st.st_mode));
		old = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (old < 0)
			return error_errno("cannot replace '%s'", path);
		if (fstat(old, &ost) < 0 || ost.st_dev != st.st_dev || ost.st_ino != st.st_ino) {
			close(old);
			return error("refusing to replace '%s': it changed while being checked", path);
		}
		if (lock_or_refuse(old, path)) {
			close(old);
			return -1;
		}
		if (asprintf(&tmp, "%s.tmp-XXXXXX", path) < 0) {
			close(old);
			return error("out of memory");
		}
		/* mkostemp: O_CREAT | O_EXCL, mode 0600. */
		fd = mkostemp(tmp, O_CLOEXEC);
		if (fd < 0) {
			error_errno("cannot create a temporary bundle beside '%s'", path);
			goto out;
		}
		if (lock_or_refuse(fd, tmp))
			goto fail;
		/* Renamed at once, not at the end: a capture killed later still
		 * leaves its bundle under the name asked for. */
		if (rename(tmp, path) < 0) {
			error_errno("cannot replace '%s'", path);
			goto fail;
		}
		remove_side_files(path);
		goto out;
	}
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			error("bundle '%s' already exists (choose another -o, or --force)", path);
		else
			error_errno("cannot create bundle '%s'", path);
		return -1;
	}
	if (lock_or_refuse(fd, path)) {
		close(fd);
		unlink(path);
		return -1;
	}
	remove_side_files(path);
	goto out;
fail:
	close(fd);
	fd = -1;
	unlink(tmp);
out:
	if (fd >= 0 && fstat(fd, &st) == 0) {
		w->dev = st.st_dev;
		w->ino = st.st_ino;
		/* Whatever umask or a pre-existing name said. */
		fchmod(fd, 0600);
	}
	if (old >= 0)
		close(old);
	free(tmp);
	return fd;
}

/* Removes the bundle file when it is still the one this writer created
 * (setup failed: no empty bundle may block a re-run). */
static void remove_created(struct writer *w)
{
	struct stat st;

	if (w->lock_fd >= 0 && lstat(w->path, &st) == 0 && st.st_dev == w->dev && st.st_ino == w->ino) {
		unlink(w->path);
		remove_side_files(w->path);
	}
}

struct writer *writer_create(const char *path, int force)
{
	struct writer *w;
	char *schema = NULL;

	w = calloc(1, sizeof(*w));
	if (!w) {
		error("out of memory");
		return NULL;
	}
	w->lock_fd = -1;
	w->path = strdup(path);
	if (!w->path || asprintf(&w->wal_path, "%s-wal", path) < 0) {
		error("out of memory");
		goto fail;
	}
	w->lock_fd = create_file(w, path, force);
	if (w->lock_fd < 0)
		goto fail;

	if (sqlite3_open_v2(path, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
			    NULL) != SQLITE_OK) {
		error("cannot open bundle '%s': %s", path, w->db ? sqlite3_errmsg(w->db) : "out of memory");
		goto fail;
	}
	sqlite3_db_config(w->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	/* Someone may open the bundle with sqlite3 while we write it; wait for
	 * their lock rather than losing a tick. */
	sqlite3_busy_timeout(w->db, 2000);
	if (writer_exec(w, "PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-4096;"))
		goto fail;
	schema = bundle_schema_create_sql();
	if (!schema) {
		error("out of memory");
		goto fail;
	}
	/* The schema goes straight into the file (rollback journal) before the
	 * switch to WAL: written once, where through the WAL it would sit on
	 * disk twice at the first checkpoint, which a small --max-size or a
	 * small disk would pay for. */
	if (writer_exec(w, "BEGIN") || writer_exec(w, schema) || writer_exec(w, "COMMIT"))
		goto fail;
	free(schema);
	schema = NULL;
	/* WAL + synchronous=NORMAL: each tick's commit is durable against a crash
	 * of this process (SIGKILL loses at most the open tick) and cheap. */
	if (writer_exec(w, "PRAGMA journal_mode=WAL"))
		goto fail;
	/* The hook sees every commit from here on, so it knows how many frames
	 * the WAL holds. */
	w->txn_pages = w->commit_pages = -1;
	w->ckpt_frames = 1000;                   /* SQLite's default autocheckpoint */
	w->wal_limit = UINT64_MAX;
	/* Before any commit is seen, assume the first tick rewrites the root
	 * page of every table it fills; the hook learns the real figure. */
	w->rewritten = WRITER_FIRST_REWRITE;
	sqlite3_wal_hook(w->db, wal_hook, w);
	if (sqlite3_prepare_v3(w->db, "PRAGMA page_count", -1, SQLITE_PREPARE_PERSISTENT,
			       &w->pages_st, NULL) != SQLITE_OK) {
		sql_error(w, "page_count");
		goto fail;
	}
	{
		sqlite3_stmt *st;

		w->page_size = 4096;
		if (sqlite3_prepare_v2(w->db, "PRAGMA page_size", -1, &st, NULL) == SQLITE_OK) {
			if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) >= 512)
				w->page_size = sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
		}
	}
	return w;
fail:
	free(schema);
	if (w->pages_st)
		sqlite3_finalize(w->pages_st);
	if (w->db)
		sqlite3_close(w->db);
	remove_created(w);
	if (w->lock_fd >= 0)
		close(w->lock_fd);
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
	int rc;

	if (w->capped && !w->final) {
		/* Quietly: the tick loop rolls the tick back and says why once. */
		sqlite3_reset(st);
		errno = EFBIG;
		return -1;
	}
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		rc = sql_error(w, "insert");
		sqlite3_reset(st);
		return rc;
	}
	sqlite3_reset(st);
	if (w->checking && w->max_size && ++w->steps >= WRITER_CHECK_EVERY) {
		w->steps = 0;
		return writer_check_size(w);
	}
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
	w->txn_pages = page_count(w);
	w->txn_wal_file = file_size(w->wal_path);
	w->steps = 0;
	if (writer_exec(w, "BEGIN"))
		return -1;
	w->in_txn = 1;
	return 0;
}

int writer_rollback(struct writer *w)
{
	if (!w->in_txn)
		return 0;
	w->in_txn = 0;
	w->txn_pages = -1;
	if (sqlite3_get_autocommit(w->db))
		return 0;        /* SQLite already rolled it back (SQLITE_FULL) */
	if (sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
		return error("cannot roll back in '%s': %s", w->path, sqlite3_errmsg(w->db));
	return 0;
}

int writer_commit(struct writer *w)
{
	int rc;

	if (!w->in_txn)
		return 0;
	w->commit_pages = page_count(w);
	w->in_txn = 0;
	rc = writer_exec(w, "COMMIT");
	w->txn_pages = w->commit_pages = -1;
	if (rc) {
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

	w->checking = 1;
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
	/* A tick is all or nothing: one that does not fit is rolled back
	 * whole, so the last tick in the bundle is as complete as the others
	 * (a half-written tick would read as sockets or threads vanishing). */
	if (w->max_size && writer_check_size(w)) {
		writer_rollback(w);
		errno = EFBIG;
		return -1;
	}
	return writer_commit(w);
}

int writer_set_max_size(struct writer *w, uint64_t max_size)
{
	uint64_t frame = (uint64_t)w->page_size + WAL_FRAME_HEADER, need;
	int64_t pages = page_count(w), ckpt;
	char sql[96], s1[32], s2[32];

	/* Checkpoint often enough that the WAL stays a small share of the cap
	 * (1/64, between 16 and SQLite's default 1000 frames), and shrink it
	 * back to that after each restart. */
	ckpt = (int64_t)(max_size / 64 / frame);
	if (ckpt < 16)
		ckpt = 16;
	if (ckpt > 1000)
		ckpt = 1000;
	w->ckpt_frames = ckpt;
	w->wal_limit = WAL_HEADER + (uint64_t)ckpt * frame;
	snprintf(sql, sizeof(sql), "PRAGMA journal_size_limit = %llu", (unsigned long long)w->wal_limit);
	if (writer_exec(w, sql))
		return -1;
	/* The empty bundle, a first tick that rewrites its tables' root pages,
	 * the reserve, and room for at least 16 pages of rows. */
	w->txn_pages = pages;
	w->txn_wal_file = file_size(w->wal_path);
	need = project(w, pages + 16) + (uint64_t)WRITER_RESERVE_PAGES * (uint64_t)w->page_size;
	w->txn_pages = -1;
	if (max_size < need) {
		need = (need + 65535) / 65536 * 65536;
		return error("--max-size %s is too small: the empty bundle and its working space need %s; "
			     "use at least %s", format_size(max_size, s1, sizeof(s1)),
			     format_size(need, s2, sizeof(s2)), s2);
	}
	w->max_size = max_size;
	return 0;
}

int writer_check_size(struct writer *w)
{
	int64_t pages;

	if (w->capped && !w->final)
		return -1;
	if (!w->max_size || !w->in_txn || w->final)
		return 0;
	pages = page_count(w);
	if (pages < 0)
		return 0;
	if (project(w, pages) + (uint64_t)WRITER_RESERVE_PAGES * (uint64_t)w->page_size > w->max_size) {
		w->capped = 1;
		errno = EFBIG;
		return -1;
	}
	return 0;
}

uint64_t writer_room(struct writer *w)
{
	uint64_t used, limit;
	int64_t pages;

	if (!w->max_size)
		return UINT64_MAX;
	if (w->capped)
		return 0;
	pages = page_count(w);
	if (pages < 0)
		return 0;
	used = project(w, pages);
	limit = w->max_size - (uint64_t)WRITER_RESERVE_PAGES * (uint64_t)w->page_size;
	if (used >= limit)
		return 0;
	/* A new page costs its place in the database and a frame in the WAL. */
	return (limit - used) / 2;
}

int writer_capped(const struct writer *w)
{
	return w->capped;
}

void writer_final(struct writer *w)
{
	char sql[64];

	w->final = 1;
	if (!w->max_size)
		return;
	/* From here on only small bookkeeping rows are written, into the
	 * reserve; SQLite itself refuses to grow the file past the cap. */
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %llu",
		 (unsigned long long)(w->max_size / (uint64_t)w->page_size));
	writer_exec(w, sql);
}

uint64_t writer_projected_size(struct writer *w)
{
	int64_t pages = page_count(w);

	return pages < 0 ? 0 : project(w, pages);
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

/* Builds the indexes in one transaction. Under --max-size, SQLite refuses
 * to grow the file past what fits (max_page_count) and the indexes are
 * rolled back: the bundle reads the same without them, only slower, and the
 * manifest and an event say so. They are built in WAL mode, where a SIGKILL
 * leaves a bundle the read-only analyzer still opens (a rollback journal
 * would leave a hot journal it cannot replay). So the WAL holds the new
 * pages too until the checkpoint after it has copied them: they must fit
 * twice for a moment, and max_page_count is set so that they do. */
static void build_indexes(struct writer *w)
{
	uint64_t frame = (uint64_t)w->page_size + WAL_FRAME_HEADER, used, room = 0;
	char sql[64], s1[32], why[256] = "", *msg = NULL;
	int64_t pages = page_count(w);
	int code = SQLITE_OK, pass;

	if (w->max_size && pages > 0) {
		used = (uint64_t)pages * (uint64_t)w->page_size + file_size(w->wal_path) + WAL_HEADER +
		       (uint64_t)WRITER_INDEX_REWRITE * frame;
		if (used < w->max_size)
			room = (w->max_size - used) / ((uint64_t)w->page_size + frame);
		snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %llu",
			 (unsigned long long)((uint64_t)pages + room));
		sqlite3_exec(w->db, sql, NULL, NULL, NULL);
	}
	if (w->max_size && !room)
		code = SQLITE_FULL;
	/* CREATE INDEX sorts the whole table; with temp_store=MEMORY its
	 * sorter spills into memory, so the stop of a 285 MB bundle took
	 * 273 MB of RSS (12 MB with temp files, and half the time). Temp
	 * files first; memory only when no temp directory is writable. */
	for (pass = 0; pass < 2 && code != SQLITE_FULL; pass++) {
		sqlite3_exec(w->db, pass ? "PRAGMA temp_store=MEMORY" : "PRAGMA temp_store=FILE",
			     NULL, NULL, NULL);
		if (sqlite3_exec(w->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK &&
		    sqlite3_exec(w->db, bundle_schema_finalize_sql(), NULL, NULL, NULL) == SQLITE_OK &&
		    sqlite3_exec(w->db, "INSERT OR REPLACE INTO manifest (key, value) VALUES ('indexes', 'built')",
				 NULL, NULL, NULL) == SQLITE_OK &&
		    sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
			return;
		code = sqlite3_extended_errcode(w->db) & 0xff;
		snprintf(why, sizeof(why), "%s", sqlite3_errmsg(w->db));
		if (!sqlite3_get_autocommit(w->db))
			sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
	}
	/* SQLITE_FULL here is the cap (max_page_count) or a full disk: no
	 * use trying again with the sorter in memory. */
	if (code != SQLITE_FULL || !w->max_size) {
		warning("indexes of '%s' not built (%s); the bundle is still complete", w->path, why);
		return;
	}
	format_size(w->max_size, s1, sizeof(s1));
	warning("indexes of '%s' not built: they would take it past --max-size %s; "
		"the bundle is complete, queries on it are slower", w->path, s1);
	/* The note takes a page or two of what the indexes did not. */
	snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %llu",
		 (unsigned long long)(w->max_size / (uint64_t)w->page_size));
	sqlite3_exec(w->db, sql, NULL, NULL, NULL);
	msg = sqlite3_mprintf(
		"BEGIN;"
		"INSERT OR REPLACE INTO manifest (key, value) VALUES ('indexes', 'skipped: --max-size %q');"
		"INSERT INTO events (tick, wall_us, kind, source, message) VALUES ("
		" (SELECT max(id) FROM ticks), %lld, 'indexes_skipped', NULL,"
		" 'indexes not built: they would take the bundle past --max-size %q; results are the same, queries slower');"
		"COMMIT;", s1, (long long)now_wall_us(), s1);
	if (!msg || sqlite3_exec(w->db, msg, NULL, NULL, NULL) != SQLITE_OK) {
		if (!sqlite3_get_autocommit(w->db))
			sqlite3_exec(w->db, "ROLLBACK", NULL, NULL, NULL);
	}
	sqlite3_free(msg);
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
	 * without them, only slower. An empty WAL first, so the indexes' frames
	 * are all it holds. */
	if (complete && !w->disk_full) {
		sqlite3_exec(w->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
		build_indexes(w);
	}
	sqlite3_finalize(w->pages_st);
	w->pages_st = NULL;
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
	if (w->lock_fd >= 0)
		close(w->lock_fd);
	free(w->path);
	free(w->wal_path);
	free(w);
	return rc;
}

void writer_discard(struct writer *w)
{
	int i;

	if (!w)
		return;
	for (i = 0; i < w->nstmts; i++)
		sqlite3_finalize(w->stmts[i].st);
	if (w->pages_st)
		sqlite3_finalize(w->pages_st);
	sqlite3_close(w->db);
	remove_created(w);
	if (w->lock_fd >= 0)
		close(w->lock_fd);
	free(w->path);
	free(w->wal_path);
	free(w);
}

const char *writer_path(const struct writer *w)
{
	return w ? w->path : NULL;
}
