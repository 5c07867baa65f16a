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

/* Creates PATH (refusing to overwrite an existing file unless force) with the
 * embedded schema. Returns NULL after printing why. */
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
/* Commits the open tick. Returns 0, or -1 with errno ENOSPC on a full disk. */
int writer_commit_tick(struct writer *w);

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

/* Bytes on disk now: database plus WAL. */
uint64_t writer_size(struct writer *w);

/* Finishes the bundle: finalize indexes (when complete), checkpoint, switch
 * out of WAL so one file remains, close. Frees w. Returns 0 or -1. */
int writer_close(struct writer *w, int complete);

/* Binding helpers: bind an int64 or NULL when value is negative. */
void writer_bind_opt(sqlite3_stmt *st, int idx, int64_t value);

#endif
