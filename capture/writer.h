/* The bundle writer: one SQLite connection owned by the tick loop.
 *
 * Only the main thread writes. Each tick is one transaction
 * (writer_begin_tick ... writer_commit_tick) in WAL mode with
 * synchronous=NORMAL, so a SIGKILL loses at most the tick in progress.
 * writer_close() builds the indexes, checkpoints and leaves a single file.
 */
#ifndef CASEFILE_WRITER_H
#define CASEFILE_WRITER_H

#include <sqlite3.h>
#include <stdint.h>

#include "error.h"

struct writer;

/* Creates PATH with the embedded schema: mode 0600, exclusively, never
 * through a symbolic link. With force, an existing regular file is replaced
 * by a temp file renamed over it (never opened for writing); a link, FIFO,
 * device or directory is refused, and so is a bundle another capture holds
 * (the writer keeps an flock on its file until writer_close). Returns NULL
 * after printing why, leaving no file behind. */
struct writer *writer_create(const char *path, int force);

/* Prepared statement cache: returns a statement for SQL that stays valid until
 * writer_close() (the writer finalizes it). The statement is reset and its
 * bindings cleared. Returns NULL (after error()) if SQL does not compile. */
sqlite3_stmt *writer_stmt(struct writer *w, const char *sql);

/* Steps a statement from writer_stmt() to completion; returns 0 or error(). */
int writer_step(struct writer *w, sqlite3_stmt *st);

/* sqlite3_last_insert_rowid of the writer's connection. */
int64_t writer_last_id(struct writer *w);

/* Runs literal SQL (no results). Returns 0 or error(). */
int writer_exec(struct writer *w, const char *sql);

/* Starts tick N: inserts its ticks row and opens the transaction. */
int writer_begin_tick(struct writer *w, int64_t tick, int64_t wall_us, int64_t mono_us);
/* Sets ticks.sample_us of the open tick. */
int writer_tick_cost(struct writer *w, int64_t tick, int64_t sample_us);
/* Commits the open tick. Returns 0, or -1 with errno ENOSPC on a full disk,
 * or -1 with errno EFBIG when the tick would take the bundle past its
 * --max-size (see writer_set_max_size): the tick is then rolled back whole. */
int writer_commit_tick(struct writer *w);
/* Rolls back the open transaction (a tick that did not fit). */
int writer_rollback(struct writer *w);

/* Opens/commits a transaction outside the tick schedule (start, end). */
int writer_begin(struct writer *w);
int writer_commit(struct writer *w);

int writer_manifest_set(struct writer *w, const char *key, const char *value);
int writer_manifest_setf(struct writer *w, const char *key, const char *fmt, ...) CF_PRINTF(3, 4);
int writer_source_status(struct writer *w, const char *name, int requested,
			 const char *status, const char *backend, const char *reason,
			 int64_t first_tick, int64_t last_tick);
int writer_event(struct writer *w, int64_t tick, const char *kind, const char *source,
		 const char *fmt, ...) CF_PRINTF(5, 6);

/* The bundle's path as given to writer_create. */
const char *writer_path(const struct writer *w);

/* Bytes on disk now: database plus WAL. */
uint64_t writer_size(struct writer *w);

/* --max-size: bounds the bundle and its WAL on disk at every moment, and the
 * final single file. Sets the WAL's checkpoint threshold and size limit to a
 * small share of MAX_SIZE. From the first tick on, writer_step checks every
 * 128 rows (and writer_commit_tick before committing) what the open
 * transaction would leave on disk once committed (database pages including
 * uncommitted ones, plus WAL frames), keeping a reserve of 16 pages for the
 * end of the capture. When it would not fit, the writer is "capped":
 * writer_step fails quietly (errno EFBIG) until writer_final(). Returns 0,
 * or error() when MAX_SIZE cannot hold the empty bundle, its working space
 * and a little data (the message gives the least that would). */
int writer_set_max_size(struct writer *w, uint64_t max_size);
/* Checks the open transaction against the cap now (callers that just wrote a
 * large blob call it). Returns 0, or -1 (errno EFBIG) and caps the writer. */
int writer_check_size(struct writer *w);
/* Whether the cap was reached. */
int writer_capped(const struct writer *w);
/* Bytes of new rows the open transaction can still take before the cap
 * (UINT64_MAX without one). */
uint64_t writer_room(struct writer *w);
/* What the database and its WAL would take on disk if the open transaction
 * committed now (for tests and progress). */
uint64_t writer_projected_size(struct writer *w);
/* Enters the end of the capture: bookkeeping rows (manifest, sources,
 * events) may use the reserve again, and SQLite refuses to grow the file past
 * --max-size at all. Call after the sources closed. */
void writer_final(struct writer *w);

/* Finishes the bundle: checkpoint, switch out of WAL so one file remains,
 * build the indexes (when complete; under --max-size only if they fit, else
 * the manifest says 'indexes' = 'skipped: ...' and an 'indexes_skipped'
 * event says why), close. Frees w. Returns 0 or -1. */
int writer_close(struct writer *w, int complete);

/* Closes without finishing and removes the bundle file (when it is still
 * the one writer_create made): for a setup that failed before anything was
 * recorded, so no empty bundle blocks a re-run. Frees w. */
void writer_discard(struct writer *w);

/* Binding helpers: bind an int64 or NULL when value is negative. */
void writer_bind_opt(sqlite3_stmt *st, int idx, int64_t value);

#endif
