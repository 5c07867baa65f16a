/* The logs source: follows log files (--log FILE|GLOB, the target's own
 * stdout/stderr when they are regular files, its container log) and records,
 * per tick, counts by level and by message fingerprint, plus the first few
 * examples of each fingerprint. No other raw line is stored.
 *
 * Following: files that exist at start are read from their end (or, with
 * --log-since, from a history window: see history_start()); files that
 * appear later, and the new file after a rotation, from their start. Globs
 * are evaluated again every tick. Each tick reads at most a byte budget;
 * what is left is recorded as backlog and read in the next ticks.
 *
 * Rotation, each line counted once. A file is known by (dev, inode) and
 * offset, never by name alone:
 * - rename ("app.log" -> "app.log.1", a new "app.log"): a new inode at the
 *   path. The old file is read to its end, then kept open as a *retired*
 *   file (late writes to it are still read) until it is deleted; a glob that
 *   matches it under its new name finds a known inode and skips it.
 * - copytruncate: the file shrinks, or its first bytes change (its head, the
 *   first LOGS_HEAD bytes as read, is kept; compared at every look, and once
 *   more when its name has just gone away, as the cut may fall between the
 *   look and the stat). What had been read is remembered with
 *   that head; a copy that a glob finds later ("app.log.1", same head) is
 *   read from that offset on, so only what the truncation took before we
 *   read it is counted from the copy. A new file whose head matches a live
 *   file's is a copy not truncated yet: left for the next tick (a live file
 *   that has read nothing yet, such as the original found in the same tick,
 *   is compared by what it holds).
 * - delete (and recreate): a file whose link count dropped to 0 is read to
 *   its end, then its fd and slot are released.
 * Retired files are bounded (LOGS_MAX_RETIRED); past the bound the oldest is
 * closed and only its identity kept, and an event says so.
 */
#include "capture.h"

#include "error.h"
#include "fingerprint.h"
#include "hash.h"
#include "logparse.h"
#include "logs.h"
#include "parse.h"
#include "proc/cgroupfs.h"
#include "proc/procfs.h"
#include "redact.h"
#include "safeopen.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOGS_MAX_FILES 256
#define LOGS_LINE_MAX (64 << 10)          /* longer lines: cut, counted, rest skipped */
#define LOGS_CHUNK (256 << 10)
#define LOGS_BUDGET_PER_S (64ULL << 20)   /* bytes read per second of interval */
#define LOGS_BUDGET_MIN (8ULL << 20)
#define LOGS_HISTORY_MAX (16 << 20)       /* --log-since looks back at most this far */
#define LOGS_MAX_FINGERPRINTS 20000
#define LOGS_EXAMPLES 3                   /* examples kept per fingerprint */
#define LOGS_EXAMPLE_MAX 1024             /* bytes of each example before redaction */
#define LOGS_DISCOVER_EVERY 10
#define LOGS_MAX_REFUSED 256              /* refused paths remembered (said once each) */
#define LOGS_MAX_RETIRED 1024             /* rotated files still open (read for late writes) */
#define LOGS_MAX_FORGOTTEN 4096           /* identities of retired files closed at that bound */
#define LOGS_HEAD 4096                    /* first bytes of a file: copies and truncation */
#define LOGS_TRUNC_MEMORY 16              /* truncations remembered for their copies */
#define LOGS_PENDING 256                  /* new files waiting a tick before they are judged */            /* ticks between looks at the targets' fds */

struct level_count {
	uint64_t records, bytes;
};

struct log_file {
	char *path;
	const char *origin;
	int64_t id;                      /* log_files.id */
	int64_t process_id;              /* -1 for --log */
	int fd;
	dev_t dev;
	ino_t ino;
	off_t off;                       /* next byte to read */
	int format_stored;
	int history;                     /* reading --log-since history (tick 0) */
	int64_t cutoff_us;               /* history: records older than this are skipped */
	struct log_assembler *as;
	char *line;                      /* a line not yet ended by '\n' */
	size_t linelen;
	uint64_t linebytes;              /* its size in the file, cut part included */
	int rotated_pending;             /* a new file is at the path; drain the old one */
	int fd_only;                     /* no longer followed by path: a retired or copied file */
	int release;                     /* deleted and read to its end: free after this tick's rows */
	struct log_file *owner;          /* retired by a rotation of this file (same log_files row) */
	unsigned char head[LOGS_HEAD];   /* the file's first bytes as last seen */
	size_t headlen;
	off_t seen_size;                 /* size and mtime at the last look: head checks when changed */
	struct timespec seen_mtime;
	/* this tick */
	struct level_count lv[LOG_LEVEL_COUNT];
	uint64_t t_bytes, t_lines, t_records, t_trunc, t_rot;
	int touched;
};

struct fp_entry {
	uint64_t hash;                   /* 0 = free slot */
	int64_t id;
	int examples;
	int dirty;
	uint64_t t_records, t_bytes;
};

/* What a truncated file held when it was cut: a copy of it made before the
 * cut (copytruncate) is read from OFF on. */
struct trunc_memory {
	unsigned char head[LOGS_HEAD];
	size_t headlen;
	off_t off;
	int used;
};

struct logs {
	/* Followed by path (at most LOGS_MAX_FILES) and fd-only (retired and
	 * copies, at most LOGS_MAX_RETIRED), in one list. */
	struct log_file **files;
	int nfiles, alloc, npath, nfdonly;
	struct { dev_t dev; ino_t ino; } forgotten[LOGS_MAX_FORGOTTEN];
	int nforgotten, forgotten_next, warned_retired;
	struct trunc_memory trunc[LOGS_TRUNC_MEMORY];
	int trunc_next;
	struct { dev_t dev; ino_t ino; int64_t tick; } pending[LOGS_PENDING]; /* new files seen, not judged yet */
	int pending_next;
	enum log_format format;
	struct fp_entry *fps;            /* in first-seen order; an entry's number is its slot */
	size_t fps_alloc, nfps;
	struct hash_index fp_index;      /* hash -> slot */
	size_t *dirty;                   /* slots touched this tick */
	size_t ndirty, dirty_alloc;
	char *buf;                       /* read chunk */
	struct log_record *rec;
	struct fingerprint fp;
	int warned_files, warned_fps, warned_glob, warned_open;
	/* Whose access counts when opening a log (safeopen.h): the live
	 * targets' credentials, read again at each discovery. */
	struct safeopen_creds creds;
	/* Paths refused for safety, each said once (more: counted). */
	char *refused[LOGS_MAX_REFUSED];
	int nrefused, refused_more;
	uint64_t total_records, total_truncated;
	/* --log-max-size: what the per-message rows (fingerprints, examples,
	 * per-message counts) may take, estimated as text plus a row's
	 * overhead. Past it only per-file counts by level are stored. */
	uint64_t share, stored;
	int full;
	int64_t discover_tick;
};

static struct log_file *find_file(struct logs *s, const char *path, dev_t dev, ino_t ino)
{
	int i;

	for (i = 0; i < s->nfiles; i++) {
		struct log_file *f = s->files[i];

		if ((path && !f->fd_only && !strcmp(f->path, path)) ||
		    (!path && f->fd >= 0 && f->dev == dev && f->ino == ino))
			return f;
	}
	return NULL;
}

static int store_file(struct capture *cap, struct log_file *f, int64_t tick)
{
	static const char sql[] =
		"INSERT INTO log_files (path, origin, process_id, first_tick, start_offset)"
		" VALUES (?, ?, ?, ?, ?)";
	sqlite3_stmt *st = writer_stmt(cap->w, sql);

	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, f->path, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->origin, -1, SQLITE_STATIC);
	writer_bind_opt(st, 3, f->process_id);
	sqlite3_bind_int64(st, 4, tick);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)f->off);
	if (writer_step(cap->w, st))
		return -1;
	f->id = writer_last_id(cap->w);
	return 0;
}

static void file_free(struct log_file *f)
{
	if (!f)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f->path);
	free(f->as);
	free(f->line);
	free(f);
}

/* Whether (dev, ino) is a file we follow or followed (a retired file closed
 * at the bound): a glob match of it is not new. */
static int is_known(struct logs *s, dev_t dev, ino_t ino)
{
	int i;

	if (find_file(s, NULL, dev, ino))
		return 1;
	for (i = 0; i < s->nforgotten; i++)
		if (s->forgotten[i].dev == dev && s->forgotten[i].ino == ino)
			return 1;
	return 0;
}

static int list_add(struct logs *s, struct log_file *f)
{
	if (s->nfiles == s->alloc) {
		int n = s->alloc ? s->alloc * 2 : 16;
		struct log_file **v = realloc(s->files, (size_t)n * sizeof(*v));

		if (!v)
			return error("out of memory");
		s->files = v;
		s->alloc = n;
	}
	s->files[s->nfiles++] = f;
	if (f->fd_only)
		s->nfdonly++;
	else
		s->npath++;
	return 0;
}

/* The first bytes of the file behind FD into BUF (up to LOGS_HEAD). */
static size_t read_head(int fd, unsigned char *buf, off_t size)
{
	size_t want = size < LOGS_HEAD ? (size_t)size : LOGS_HEAD, got = 0;

	while (got < want) {
		ssize_t n = pread(fd, buf + got, want - got, (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* Whether the first N bytes of a file, BUF, agree with a known head: equal
 * over the shorter of the two. */
static int head_agrees(const unsigned char *buf, size_t n, const unsigned char *head, size_t headlen)
{
	size_t l = n < headlen ? n : headlen;

	return l > 0 && !memcmp(buf, head, l);
}

/* Whether a new file has settled enough to be judged: seen already in an
 * earlier tick (one tick for cp to finish writing a copy), not empty, no
 * NUL bytes in its head (a copy sized before its data). */
static int settled(struct logs *s, int fd, const struct stat *st, int64_t tick)
{
	unsigned char buf[LOGS_HEAD];
	size_t n;
	int i;

	for (i = 0; i < LOGS_PENDING; i++)
		if (s->pending[i].dev == st->st_dev && s->pending[i].ino == st->st_ino &&
		    s->pending[i].tick < tick)
			break;
	if (i == LOGS_PENDING) {
		for (i = 0; i < LOGS_PENDING; i++)
			if (s->pending[i].dev == st->st_dev && s->pending[i].ino == st->st_ino)
				return 0;
		s->pending[s->pending_next].dev = st->st_dev;
		s->pending[s->pending_next].ino = st->st_ino;
		s->pending[s->pending_next].tick = tick;
		s->pending_next = (s->pending_next + 1) % LOGS_PENDING;
		return 0;
	}
	if (st->st_size == 0)
		return 0;
	n = read_head(fd, buf, st->st_size);
	return !memchr(buf, 0, n);
}

/* A new file found by a glob during the capture: 0 new (read from its
 * start), 1 a copy of a live file not truncated yet (skip it this tick),
 * 2 a copy made by a copytruncate we saw (read it from *start). */
static int classify_new(struct logs *s, int fd, off_t size, off_t *start, int consume)
{
	unsigned char buf[LOGS_HEAD], gbuf[LOGS_HEAD];
	size_t n = read_head(fd, buf, size);
	int i;

	if (!n)
		return 0;
	for (i = 0; i < s->nfiles; i++) {
		struct log_file *g = s->files[i];

		if (g->fd_only || g->release)
			continue;
		if (head_agrees(buf, n, g->head, g->headlen))
			return 1;
		/* A file that has read nothing yet (found this tick, reopened,
		 * cut) reads from its start what it holds now: that is its head
		 * to come. Without this, a copy and its original found in the
		 * same tick, before the cut, both looked new and the copied lines
		 * were counted twice. */
		if (!g->headlen && !g->off && g->fd >= 0) {
			size_t gn = read_head(g->fd, gbuf, LOGS_HEAD);

			if (head_agrees(buf, n, gbuf, gn))
				return 1;
		}
	}
	for (i = 0; i < LOGS_TRUNC_MEMORY; i++) {
		struct trunc_memory *m = &s->trunc[i];

		if (m->used && head_agrees(buf, n, m->head, m->headlen)) {
			*start = m->off < size ? m->off : size;
			if (consume)
				m->used = 0;
			return 2;
		}
	}
	return 0;
}

/* Says once per path why a file was not followed: an event in the bundle
 * and a warning on stderr. */
static void refuse_log(struct capture *cap, struct logs *s, const char *path, const char *why)
{
	int i;

	for (i = 0; i < s->nrefused; i++)
		if (!strcmp(s->refused[i], path))
			return;
	if (s->nrefused == LOGS_MAX_REFUSED) {
		if (!s->refused_more++)
			capture_event(cap, "log_refused", "more than %d log files refused; "
				      "further refusals are not listed", LOGS_MAX_REFUSED);
		return;
	}
	if (!(s->refused[s->nrefused] = strdup(path)))
		return;
	s->nrefused++;
	capture_event(cap, "log_refused", "not following log '%s': %s", path, why);
	warning("not following log '%s': %s", path, why);
}

/* Whether ST is one of the capture's own files: the bundle, its SQLite side
 * files, the redaction map. A --log glob that matches them must not feed
 * the bundle into itself, nor even open it (safeopen's veto: a close()
 * would drop SQLite's locks). */
static int own_file(const struct stat *st, void *arg)
{
	struct capture *cap = arg;
	static const char *const ext[] = { "", "-wal", "-shm", "-journal" };
	const char *bundle = writer_path(cap->w), *map = capture_redact_map_path();
	char path[4200];
	struct stat o;
	size_t i;

	for (i = 0; bundle && i < sizeof(ext) / sizeof(ext[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", bundle, ext[i]);
		if (stat(path, &o) == 0 && o.st_dev == st->st_dev && o.st_ino == st->st_ino)
			return 1;
	}
	if (map && stat(map, &o) == 0 && o.st_dev == st->st_dev && o.st_ino == st->st_ino)
		return 1;
	return 0;
}

/* Opens a log the target may control (safeopen.h): no symbolic link the
 * target's user could plant, a regular file, not on /proc, readable by the
 * target, not one of our own files. /proc/PID/fd/N (a target's own stdout)
 * is the one link followed, and the file behind it is checked the same way.
 * Returns the fd, or -1: errno ENOENT (absent: said by no one), else the
 * refusal was recorded. */
static int open_log(struct capture *cap, struct logs *s, const char *path, struct stat *st)
{
	char proc[512], why[256];
	size_t plen;
	int fd;

	capture_path(cap, proc, sizeof(proc), "/proc/");
	plen = strlen(proc);
	if (!strncmp(path, proc, plen) && strstr(path + plen, "/fd/"))
		fd = safeopen_open_fdlink(path, &s->creds, st, why, sizeof(why));
	else
		fd = safeopen_open(path, &s->creds, st, why, sizeof(why));
	if (fd < 0) {
		int e = errno;

		if (e != ENOENT && e != ENOTDIR) {
			if (why[0])
				refuse_log(cap, s, path, why);
			else if (s->warned_open++ < 8)
				capture_event(cap, "warning", "cannot follow log '%s': %s", path, strerror(e));
		}
		errno = e;
		return -1;
	}
	return fd;
}

/* The live targets' file-system credentials, for open_log(). */
static void refresh_creds(struct capture *cap, struct logs *s)
{
	int i;

	s->creds.n = 0;
	s->creds.veto = own_file;
	s->creds.veto_arg = cap;
	for (i = 0; i < cap->targets.n; i++) {
		const struct target *t = &cap->targets.v[i];
		struct safeopen_cred c;
		char path[512], buf[4096];
		ssize_t n;

		if (t->gone)
			continue;
		capture_path(cap, path, sizeof(path), "/proc/%d/status", (int)t->pid);
		n = read_file(path, buf, sizeof(buf));
		if (n > 0 && safeopen_parse_status(buf, (size_t)n, &c) == 0)
			safeopen_creds_add(&s->creds, &c);
	}
	/* No target readable: nobody's access counts, so every link is refused
	 * and only the owner/mode check against no one would pass; keep the
	 * strictest stand-in, an unprivileged user of no group. */
	if (!s->creds.n) {
		struct safeopen_cred none;

		memset(&none, 0, sizeof(none));
		none.uid = none.gid = 65534;
		safeopen_creds_add(&s->creds, &none);
	}
}

/* Where to start reading a file that existed before the capture (history
 * only with --log-since): at most LOGS_HISTORY_MAX bytes back from its end,
 * at a line start. Lines with a timestamp older than the --log-since cutoff
 * are then skipped; lines without one are all counted (the byte window is
 * the only bound for formats without timestamps). */
static off_t history_start(int fd, off_t size)
{
	char b[4096];
	off_t start = size > LOGS_HISTORY_MAX ? size - LOGS_HISTORY_MAX : 0, pos = start;
	ssize_t n;

	if (!start)
		return 0;
	while (pos < size && (n = pread(fd, b, sizeof(b), pos)) > 0) {
		char *nl = memchr(b, '\n', (size_t)n);

		if (nl)
			return pos + (nl - b) + 1;
		pos += n;
	}
	return size;
}

/* Starts following path. from_start: a file that appeared during the
 * capture (read all of it). Returns the file, or NULL when it cannot be
 * opened (recorded as an event the first time) or is already followed. */
static struct log_file *add_file(struct capture *cap, struct logs *s, const char *path,
				 const char *origin, int64_t process_id, int from_start, int64_t tick)
{
	struct log_file *f;
	struct stat st;
	off_t copy_start = 0;
	int fd, kind = 0;

	if (find_file(s, path, 0, 0))
		return NULL;
	fd = open_log(cap, s, path, &st);
	if (fd < 0)
		return NULL;
	if (is_known(s, st.st_dev, st.st_ino)) {
		close(fd);
		return NULL;
	}
	/* A new file is judged once it has settled (a tick after it was first
	 * seen, not empty, no NUL bytes in its head): it may be a copy cp is
	 * still writing. It is read from its start then, so nothing is lost. */
	if (from_start && (!settled(s, fd, &st, tick) ||
			   (kind = classify_new(s, fd, st.st_size, &copy_start, 1)) == 1)) {
		close(fd);
		return NULL;
	}
	if (s->npath == LOGS_MAX_FILES) {
		close(fd);
		if (!s->warned_files++)
			capture_event(cap, "warning", "more than %d log files; '%s' and later ones are not followed",
				      LOGS_MAX_FILES, path);
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f || !(f->path = strdup(path)) || !(f->as = malloc(sizeof(*f->as)))) {
		close(fd);
		file_free(f);
		error("out of memory");
		return NULL;
	}
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->origin = origin;
	f->process_id = process_id;
	log_assembler_init(f->as, s->format);
	f->seen_size = st.st_size;
	f->seen_mtime = st.st_mtim;
	if (kind == 2) {
		/* A copytruncate's copy: what we read before the cut is not new;
		 * the rest is what the cut took before we read it. */
		f->off = copy_start;
		f->fd_only = 1;
	} else if (from_start) {
		f->off = 0;
	} else if (cap->opts->log_since_us > 0) {
		f->off = history_start(fd, st.st_size);
		f->history = f->off < st.st_size;
		f->cutoff_us = cap->tick_wall_us - cap->opts->log_since_us;
	} else {
		f->off = st.st_size;
	}
	/* The head holds only bytes before our offset; reading adds the rest
	 * (read_file_budget), so it always shows what was counted. */
	f->headlen = read_head(fd, f->head, f->off);
	if (store_file(cap, f, tick) || list_add(s, f)) {
		file_free(f);
		return NULL;
	}
	info("following log '%s' (%s) from byte %lld", path, origin, (long long)f->off);
	return f;
}

/* --- fingerprints --------------------------------------------------------- */

#define LOGS_ROW_OVERHEAD 48               /* bytes a row costs beyond its text, roughly */

/* Charges ADD bytes to the logs' share; 1 when they do not fit (said once:
 * from then on the per-message rows stop). */
static int over_share(struct capture *cap, struct logs *s, uint64_t add)
{
	char sz[32];

	if (s->full)
		return 1;
	if (s->stored + add <= s->share) {
		s->stored += add;
		return 0;
	}
	s->full = 1;
	capture_event(cap, "size_cap", "log messages reached their share of the bundle, %s (--log-max-size): "
		      "new messages, examples and per-message counts are no longer stored; counts by file "
		      "and level go on", format_size(s->share, sz, sizeof(sz)));
	warning("log messages reached their share of the bundle (--log-max-size %s); "
		"only counts by file and level go on", sz);
	return 1;
}

static int grow_fps(struct logs *s)
{
	size_t n = s->fps_alloc ? s->fps_alloc * 2 : 1024;
	struct fp_entry *v = realloc(s->fps, n * sizeof(*v));

	if (!v)
		return error("out of memory");
	s->fps = v;
	s->fps_alloc = n;
	return 0;
}

static uint64_t fp_hash_of(uint32_t slot, void *ctx)
{
	const struct logs *s = ctx;

	return s->fps[slot].hash;
}

static int fp_eq(uint32_t slot, const void *key, void *ctx)
{
	const struct logs *s = ctx;

	return s->fps[slot].hash == *(const uint64_t *)key;
}

static int insert_fingerprint(struct capture *cap, const char *text, size_t len, uint64_t hash,
			      enum log_level level, int64_t file_id, int64_t tick, int64_t *id)
{
	static const char sql[] =
		"INSERT INTO fingerprints (hash, level, text, first_tick, file_id) VALUES (?, ?, ?, ?, ?)";
	char clean[FINGERPRINT_TEXT_MAX], red[2 * FINGERPRINT_TEXT_MAX];
	sqlite3_stmt *st = writer_stmt(cap->w, sql);
	size_t n;

	if (!st)
		return -1;
	n = log_sanitize_utf8(text, len, clean, sizeof(clean));
	/* Masking leaves host names and words; --redact covers them too. */
	capture_redact(cap, clean, n, red, sizeof(red));
	sqlite3_bind_int64(st, 1, (sqlite3_int64)hash);
	sqlite3_bind_text(st, 2, log_level_name(level), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, red, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, tick);
	sqlite3_bind_int64(st, 5, file_id);
	if (writer_step(cap->w, st))
		return -1;
	*id = writer_last_id(cap->w);
	return 0;
}

static int store_example(struct capture *cap, const struct log_record *r, int64_t fp_id,
			 int64_t file_id, int64_t tick)
{
	static const char sql[] =
		"INSERT INTO fingerprint_examples (fingerprint_id, tick, file_id, ts_us, text, truncated)"
		" VALUES (?, ?, ?, ?, ?, ?)";
	char clean[LOGS_EXAMPLE_MAX + 1], red[3 * LOGS_EXAMPLE_MAX];
	sqlite3_stmt *st = writer_stmt(cap->w, sql);
	size_t n;
	int cut = r->truncated || r->text_len > LOGS_EXAMPLE_MAX;

	if (!st)
		return -1;
	n = log_sanitize_utf8(r->text, r->text_len < LOGS_EXAMPLE_MAX ? r->text_len : LOGS_EXAMPLE_MAX,
			      clean, sizeof(clean));
	capture_redact(cap, clean, n, red, sizeof(red));
	sqlite3_bind_int64(st, 1, fp_id);
	sqlite3_bind_int64(st, 2, tick);
	sqlite3_bind_int64(st, 3, file_id);
	writer_bind_opt(st, 4, r->ts_us);
	sqlite3_bind_text(st, 5, red, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 6, cut);
	return writer_step(cap->w, st);
}

static int mark_dirty(struct logs *s, size_t slot)
{
	if (s->fps[slot].dirty)
		return 0;
	if (s->ndirty == s->dirty_alloc) {
		size_t n = s->dirty_alloc ? s->dirty_alloc * 2 : 256;
		size_t *d = realloc(s->dirty, n * sizeof(*d));

		if (!d)
			return error("out of memory");
		s->dirty = d;
		s->dirty_alloc = n;
	}
	s->fps[slot].dirty = 1;
	s->dirty[s->ndirty++] = slot;
	return 0;
}

/* Fingerprint hashes are already mixed (fingerprint_hash): the index takes
 * them as they are. */
static long fp_find(struct logs *s, uint64_t h)
{
	return hash_index_find(&s->fp_index, h, fp_eq, &h, s);
}

/* The slot of a fingerprint, creating it (and its row) when new. When the
 * table is full, new messages go to one "<other>" fingerprint per level. */
static long fingerprint_slot(struct capture *cap, struct logs *s, const struct fingerprint *fp,
			     enum log_level level, int64_t file_id, int64_t tick)
{
	static const char other[] = "<other: fingerprint table full>";
	struct fingerprint o;
	uint64_t h = fp->hash ? fp->hash : 1;
	size_t j = s->nfps;
	long found;

	if ((found = fp_find(s, h)) >= 0)
		return found;
	if (s->nfps >= LOGS_MAX_FINGERPRINTS) {
		if (!s->warned_fps++)
			capture_event(cap, "warning", "more than %d distinct log messages; "
				      "further ones are counted as '<other>'", LOGS_MAX_FINGERPRINTS);
		fingerprint_compute(&o, other, sizeof(other) - 1, level);
		fp = &o;
		h = o.hash ? o.hash : 1;
		if ((found = fp_find(s, h)) >= 0)
			return found;
	}
	if (over_share(cap, s, fp->len + LOGS_ROW_OVERHEAD))
		return -2;
	if (s->nfps == s->fps_alloc && grow_fps(s) < 0)
		return -1;
	s->fps[j].hash = h;
	s->fps[j].examples = 0;
	s->fps[j].dirty = 0;
	s->fps[j].t_records = s->fps[j].t_bytes = 0;
	if (insert_fingerprint(cap, fp->text, fp->len, fp->hash, level, file_id, tick, &s->fps[j].id))
		return -1;
	if (hash_index_add(&s->fp_index, h, (uint32_t)j, fp_hash_of, s) < 0)
		return error("out of memory");
	s->nfps++;
	return (long)j;
}

static int account(struct capture *cap, struct logs *s, struct log_file *f,
		   const struct log_record *r, int64_t tick)
{
	enum log_level lv = r->level < LOG_LEVEL_COUNT ? r->level : LOG_LEVEL_UNKNOWN;
	long slot;

	if (f->history && r->ts_us >= 0 && r->ts_us < f->cutoff_us)
		return 0;
	if (!f->format_stored) {
		static const char sql[] = "UPDATE log_files SET format = ? WHERE id = ?";
		sqlite3_stmt *st = writer_stmt(cap->w, sql);

		if (!st)
			return -1;
		sqlite3_bind_text(st, 1, log_format_name(r->format), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, f->id);
		if (writer_step(cap->w, st))
			return -1;
		f->format_stored = 1;
	}
	f->lv[lv].records++;
	f->lv[lv].bytes += r->bytes;
	f->t_records++;
	f->touched = 1;
	s->total_records++;
	if (s->full)
		return 0;
	fingerprint_compute(&s->fp, r->msg, r->msg_len, lv);
	slot = fingerprint_slot(cap, s, &s->fp, lv, f->id, tick);
	if (slot == -2)
		return 0;   /* over --log-max-size */
	if (slot < 0)
		return -1;
	if (mark_dirty(s, (size_t)slot))
		return -1;
	s->fps[slot].t_records++;
	s->fps[slot].t_bytes += r->bytes;
	if (s->fps[slot].examples < LOGS_EXAMPLES &&
	    !over_share(cap, s, (r->text_len < LOGS_EXAMPLE_MAX ? r->text_len : LOGS_EXAMPLE_MAX) +
			LOGS_ROW_OVERHEAD)) {
		s->fps[slot].examples++;
		if (store_example(cap, r, s->fps[slot].id, f->id, tick))
			return -1;
	}
	return 0;
}

/* --- reading -------------------------------------------------------------- */

static int push_line(struct capture *cap, struct logs *s, struct log_file *f, const char *line,
		     size_t len, uint64_t bytes, int64_t tick)
{
	int trunc = bytes > len + 1;

	f->t_lines++;
	if (trunc) {
		f->t_trunc++;
		s->total_truncated++;
	}
	if (log_assembler_push(f->as, line, len, bytes, trunc, s->rec))
		return account(cap, s, f, s->rec, tick);
	return 0;
}

static int flush_file(struct capture *cap, struct logs *s, struct log_file *f, int64_t tick)
{
	while (log_assembler_flush(f->as, s->rec))
		if (account(cap, s, f, s->rec, tick))
			return -1;
	return 0;
}

/* Ends the line being collected (rotation, end of capture): what was
 * written without a final newline still counts. */
static int flush_partial_line(struct capture *cap, struct logs *s, struct log_file *f, int64_t tick)
{
	if (f->linebytes) {
		int rc = push_line(cap, s, f, f->line, f->linelen, f->linebytes + 1, tick);

		f->linelen = 0;
		f->linebytes = 0;
		if (rc)
			return rc;
	}
	return flush_file(cap, s, f, tick);
}

static int carry(struct log_file *f, const char *p, size_t n)
{
	size_t room;

	if (!f->line && !(f->line = malloc(LOGS_LINE_MAX)))
		return error("out of memory");
	room = LOGS_LINE_MAX - f->linelen;
	memcpy(f->line + f->linelen, p, n < room ? n : room);
	f->linelen += n < room ? n : room;
	f->linebytes += n;
	return 0;
}

/* Splits a chunk into lines. Lines are parsed in place when whole in the
 * chunk; pieces are collected in f->line, bounded by LOGS_LINE_MAX. */
static int consume(struct capture *cap, struct logs *s, struct log_file *f, const char *p,
		   size_t n, int64_t tick)
{
	while (n) {
		const char *nl = memchr(p, '\n', n);
		size_t len = nl ? (size_t)(nl - p) : n;

		if (!nl)
			return carry(f, p, n);
		if (f->linebytes) {
			if (carry(f, p, len))
				return -1;
			if (push_line(cap, s, f, f->line, f->linelen, f->linebytes + 1, tick))
				return -1;
			f->linelen = 0;
			f->linebytes = 0;
		} else if (len > LOGS_LINE_MAX) {
			if (push_line(cap, s, f, p, LOGS_LINE_MAX, len + 1, tick))
				return -1;
		} else if (push_line(cap, s, f, p, len, len + 1, tick)) {
			return -1;
		}
		p += len + 1;
		n -= len + 1;
	}
	return 0;
}

/* Reads f from its offset until its end or until *budget is spent.
 * Returns 1 at end of file, 0 when the budget ran out, -1 on error. */
static int read_file_budget(struct capture *cap, struct logs *s, struct log_file *f,
			    uint64_t *budget, int64_t tick)
{
	while (*budget) {
		size_t want = *budget < LOGS_CHUNK ? (size_t)*budget : LOGS_CHUNK;
		ssize_t n = pread(f->fd, s->buf, want, f->off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			capture_event(cap, "warning", "cannot read log '%s': %s", f->path, strerror(errno));
			return 1;
		}
		if (n == 0)
			return 1;
		/* The head is what was read, not what the file holds a moment
		 * later: a file cut and written again to the same size between
		 * our stat and this read would otherwise leave a head that
		 * matches neither, and its copytruncate copy would count twice. */
		if (f->off < LOGS_HEAD && f->headlen == (size_t)f->off) {
			size_t h = LOGS_HEAD - (size_t)f->off < (size_t)n ? LOGS_HEAD - (size_t)f->off : (size_t)n;

			memcpy(f->head + f->off, s->buf, h);
			f->headlen += h;
		}
		f->off += n;
		f->t_bytes += (uint64_t)n;
		f->touched = 1;
		*budget -= (uint64_t)n;
		if (consume(cap, s, f, s->buf, (size_t)n, tick))
			return -1;
	}
	return 0;
}

static void make_fd_only(struct logs *s, struct log_file *f)
{
	if (f->fd_only)
		return;
	f->fd_only = 1;
	f->rotated_pending = 0;
	s->npath--;
	s->nfdonly++;
}

/* Keeps the file f reads now open as a retired file (same log_files row):
 * writers that have not reopened yet still append to it. */
static int retire(struct logs *s, struct log_file *f)
{
	struct log_file *r = calloc(1, sizeof(*r));

	if (!r || !(r->path = strdup(f->path)) || !(r->as = malloc(sizeof(*r->as)))) {
		file_free(r);
		return error("out of memory");
	}
	log_assembler_init(r->as, s->format);
	r->origin = f->origin;
	r->id = f->id;
	r->process_id = f->process_id;
	r->fd = f->fd;
	r->dev = f->dev;
	r->ino = f->ino;
	r->off = f->off;
	r->format_stored = f->format_stored;
	/* The same file: its head is what f read of it, kept so that a cut
	 * of it is still seen. */
	memcpy(r->head, f->head, f->headlen);
	r->headlen = f->headlen;
	r->seen_size = f->seen_size;
	r->seen_mtime = f->seen_mtime;
	r->line = f->line;
	r->linelen = f->linelen;
	r->linebytes = f->linebytes;
	r->fd_only = 1;
	r->owner = f;
	if (list_add(s, r)) {
		r->fd = -1;
		file_free(r);
		return -1;
	}
	f->fd = -1;
	f->line = NULL;
	f->linelen = f->linebytes = 0;
	return 0;
}

/* Switches f to the file now at its path (after a rename rotation); the old
 * one becomes a retired file. */
static int reopen(struct capture *cap, struct logs *s, struct log_file *f, int64_t tick)
{
	struct stat st;
	off_t unused;
	int fd;

	fd = open_log(cap, s, f->path, &st);
	if (fd < 0)
		return 0;   /* gone again, or refused: keep the old fd, try next tick */
	if (is_known(s, st.st_dev, st.st_ino)) {
		/* The name moved again between our stat and this open, onto a
		 * file read already (ours, or one a glob follows): as in follow(),
		 * ours was moved away, and what is at the path is read once. */
		close(fd);
		if (st.st_dev == f->dev && st.st_ino == f->ino)
			f->rotated_pending = 0;
		else
			make_fd_only(s, f);
		return 0;
	}
	/* Judged only once settled, as a glob's new match is: cp creates a
	 * copy empty (or sized before its data) and writes it a moment later.
	 * Taken for our path's next file while still empty, a copytruncate's
	 * copy moved onto our name was read from its start when its lines
	 * arrived, and counted twice. Until then the old file is still read. */
	if (!settled(s, fd, &st, tick)) {
		close(fd);
		return 0;
	}
	if (classify_new(s, fd, st.st_size, &unused, 0)) {
		/* The file now at our path is a copy of lines already seen (a
		 * rotated copy moved onto a name a glob matched): ours was moved
		 * away; the glob judges the new one on its own. */
		close(fd);
		make_fd_only(s, f);
		return 0;
	}
	/* Records being joined end here; a line without its newline yet goes
	 * with the old file (retire), where a writer that has not reopened
	 * yet will end it. */
	if (flush_file(cap, s, f, tick) || retire(s, f)) {
		close(fd);
		return -1;
	}
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->off = 0;
	f->headlen = 0;   /* filled as it is read */
	f->seen_size = st.st_size;
	f->seen_mtime = st.st_mtim;
	f->rotated_pending = 0;
	f->t_rot++;
	f->touched = 1;
	return 0;
}

static void remember_truncation(struct logs *s, const struct log_file *f)
{
	struct trunc_memory *m;

	if (f->off <= 0 || !f->headlen)
		return;
	m = &s->trunc[s->trunc_next++ % LOGS_TRUNC_MEMORY];
	memcpy(m->head, f->head, f->headlen);
	m->headlen = f->headlen;
	m->off = f->off;
	m->used = 1;
}

/* Whether a file followed by path was truncated since the last look: it is
 * shorter than what we read, or its first bytes changed (cut and written
 * again past our offset between two looks). FORCE: compare the first bytes
 * even of an fd-only file whose size and mtime did not change. */
static int was_truncated(struct log_file *f, const struct stat *st, int force)
{
	unsigned char buf[LOGS_HEAD];
	size_t n, l;

	if (st->st_size < f->off)
		return 1;
	/* Compared at every look, not only when size or mtime changed: a cut
	 * and a rewrite to the same size within one clock tick of the file
	 * system's coarse timestamps leave both unchanged. */
	if (!f->headlen)
		return 0;
	if (!force && f->fd_only && st->st_size == f->seen_size &&
	    st->st_mtim.tv_sec == f->seen_mtime.tv_sec && st->st_mtim.tv_nsec == f->seen_mtime.tv_nsec)
		return 0;   /* retired files rarely change: skip the read */
	n = read_head(f->fd, buf, st->st_size);
	l = n < f->headlen ? n : f->headlen;
	return l > 0 && memcmp(buf, f->head, l) != 0;
}

static int is_fd_link(const struct capture *cap, const char *path)
{
	char proc[512];
	size_t plen;

	capture_path(cap, proc, sizeof(proc), "/proc/");
	plen = strlen(proc);
	return !strncmp(path, proc, plen) && strstr(path + plen, "/fd/");
}

/* Truncated in place (copytruncate, "> file"): start over, and remember
 * what was read for the copy a glob may find. A line without its newline
 * yet is dropped, not counted: the cut took its end, or the copy holds it
 * whole and is read from its start. Returns 0, or -1 on error. */
static int check_cut(struct capture *cap, struct logs *s, struct log_file *f, const struct stat *st,
		     int force, int64_t tick)
{
	if (!was_truncated(f, st, force))
		return 0;
	f->off -= (off_t)f->linebytes;
	f->linelen = f->linebytes = 0;
	if (flush_file(cap, s, f, tick))
		return -1;
	remember_truncation(s, f);
	f->off = 0;
	f->headlen = 0;
	f->t_rot++;
	f->touched = 1;
	return 0;
}

/* One file's share of a tick: rotation checks, then reading. */
static int follow(struct capture *cap, struct logs *s, struct log_file *f, uint64_t *budget, int64_t tick)
{
	struct stat pst, fst;
	int rc;

	if (f->release || fstat(f->fd, &fst) < 0)
		return 0;
	/* First, while the file may still be ours by path: a cut seen only
	 * after its name went away (deleted, renamed) would be missed. */
	if (!f->rotated_pending && check_cut(cap, s, f, &fst, 0, tick))
		return -1;
	if (!f->fd_only && !f->rotated_pending) {
		if (stat(f->path, &pst) == 0) {
			if (pst.st_ino != f->ino || pst.st_dev != f->dev) {
				/* Another file we know took the name (rotated copies
				 * shifting): ours moved away. Else a new file there. */
				if (S_ISREG(pst.st_mode) && is_known(s, pst.st_dev, pst.st_ino))
					make_fd_only(s, f);
				else
					f->rotated_pending = 1;
			}
		} else if (errno == ENOENT && !is_fd_link(cap, f->path)) {
			/* Renamed away or deleted: read by fd from now on; a new
			 * file at the path is a new file (globs find it). */
			make_fd_only(s, f);
		}
		/* The name went away just now: it may have been cut (and written
		 * again to the same size) between the look above and our stat.
		 * Look once more, bytes compared: nothing cuts it by that name
		 * any more, and a cut missed here is missed for good (its copy
		 * counted twice, what was written after the cut never read). */
		if (f->fd_only || f->rotated_pending) {
			if (fstat(f->fd, &fst) < 0)
				return 0;
			if (check_cut(cap, s, f, &fst, 1, tick))
				return -1;
		}
	}
	if (f->headlen < LOGS_HEAD && f->off > (off_t)f->headlen)
		f->headlen = read_head(f->fd, f->head, f->off);
	rc = read_file_budget(cap, s, f, budget, tick);
	if (rc < 0)
		return -1;
	if (rc == 1 && f->rotated_pending) {
		/* The old file is read to its end: now the new one. */
		if (reopen(cap, s, f, tick))
			return -1;
		if (!f->rotated_pending && (rc = read_file_budget(cap, s, f, budget, tick)) < 0)
			return -1;
	} else if (rc == 1 && f->fd_only && fst.st_nlink == 0 && fst.st_size == f->seen_size &&
		   f->off >= fst.st_size) {
		/* Deleted, read to its end, and no longer growing since the last
		 * look: give back its fd and slot. */
		if (flush_partial_line(cap, s, f, tick))
			return -1;
		f->release = 1;
	}
	if (rc == 1 && flush_file(cap, s, f, tick))
		return -1;
	if (f->fd >= 0 && fstat(f->fd, &fst) == 0) {
		f->seen_size = fst.st_size;
		f->seen_mtime = fst.st_mtim;
	}
	return 0;
}

/* After a tick's rows: frees the files released this tick, and closes the
 * oldest retired files past LOGS_MAX_RETIRED (their identity is kept, so a
 * glob does not read them again). */
static void prune(struct capture *cap, struct logs *s)
{
	int i, j, k;

	for (i = 0; i < s->nfiles; i++) {
		struct log_file *f = s->files[i];

		if (!f->release && !(f->fd_only && s->nfdonly > LOGS_MAX_RETIRED))
			continue;
		if (!f->release) {
			if (!s->warned_retired++)
				capture_event(cap, "warning", "more than %d rotated log files still open: the oldest "
					      "are closed and late writes to them are not read", LOGS_MAX_RETIRED);
			s->forgotten[s->forgotten_next].dev = f->dev;
			s->forgotten[s->forgotten_next].ino = f->ino;
			s->forgotten_next = (s->forgotten_next + 1) % LOGS_MAX_FORGOTTEN;
			if (s->nforgotten < LOGS_MAX_FORGOTTEN)
				s->nforgotten++;
		}
		for (k = 0; k < s->nfiles; k++)
			if (s->files[k] && s->files[k]->owner == f)
				s->files[k]->owner = NULL;
		if (f->fd_only)
			s->nfdonly--;
		else
			s->npath--;
		file_free(f);
		s->files[i] = NULL;
	}
	for (i = j = 0; i < s->nfiles; i++)
		if (s->files[i])
			s->files[j++] = s->files[i];
	s->nfiles = j;
}

/* --- discovery ------------------------------------------------------------ */

static void expand_globs(struct capture *cap, struct logs *s, int from_start, int64_t tick)
{
	int i;

	for (i = 0; i < cap->opts->nlogs; i++) {
		glob_t g;
		size_t k;
		int rc = glob(cap->opts->logs[i], GLOB_NOSORT | GLOB_BRACE, NULL, &g);

		if (rc == 0) {
			for (k = 0; k < g.gl_pathc; k++)
				add_file(cap, s, g.gl_pathv[k], "option", -1, from_start, tick);
		} else if (rc != GLOB_NOMATCH && !s->warned_glob++) {
			capture_event(cap, "warning", "cannot expand --log '%s'", cap->opts->logs[i]);
		}
		globfree(&g);
	}
}

static void add_glob(struct capture *cap, struct logs *s, const char *pattern,
		     const char *origin, int64_t process_id, int64_t tick)
{
	glob_t g;
	size_t k;

	if (glob(pattern, GLOB_NOSORT, NULL, &g) == 0)
		for (k = 0; k < g.gl_pathc; k++)
			add_file(cap, s, g.gl_pathv[k], origin, process_id, 0, tick);
	globfree(&g);
}

/* Files found at start, before the process source stored the target,
 * get its processes.id on a later look. */
static void link_process(struct capture *cap, struct log_file *f, int64_t process_id)
{
	static const char sql[] = "UPDATE log_files SET process_id = ? WHERE id = ?";
	sqlite3_stmt *st;

	if (f->process_id > 0 || process_id <= 0 || !strcmp(f->origin, "option"))
		return;
	if (!(st = writer_stmt(cap->w, sql)))
		return;
	sqlite3_bind_int64(st, 1, process_id);
	sqlite3_bind_int64(st, 2, f->id);
	if (writer_step(cap->w, st) == 0)
		f->process_id = process_id;
}

/* The targets' stdout and stderr when they are regular files, and their
 * container logs. */
static void discover(struct capture *cap, struct logs *s, int64_t tick)
{
	int i, fd;

	refresh_creds(cap, s);
	for (i = 0; i < cap->targets.n; i++) {
		const struct target *t = &cap->targets.v[i];
		char path[512], link[4096], buf[8192], id[65];
		ssize_t n;
		int cg;

		if (t->gone || t->is_child)
			continue;
		for (fd = 1; fd <= 2; fd++) {
			struct log_file *known;
			struct stat st;

			capture_path(cap, path, sizeof(path), "/proc/%d/fd/%d", (int)t->pid, fd);
			n = readlink(path, link, sizeof(link) - 1);
			if (n <= 0 || link[0] != '/')
				continue;
			link[n] = 0;
			if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
				continue;
			if ((known = find_file(s, NULL, st.st_dev, st.st_ino))) {
				link_process(cap, known, t->process_id);
				continue;
			}
			/* Follow by name when the name leads to the same file, so
			 * rotation is seen; else (deleted, or another mount
			 * namespace) through the /proc link, which still opens it. */
			{
				struct stat ls;
				const char *origin = fd == 1 ? "stdout" : "stderr";

				if (stat(link, &ls) == 0 && ls.st_dev == st.st_dev && ls.st_ino == st.st_ino)
					add_file(cap, s, link, origin, t->process_id > 0 ? t->process_id : -1, 0, tick);
				else
					add_file(cap, s, path, origin, t->process_id > 0 ? t->process_id : -1, 0, tick);
			}
		}
		capture_path(cap, path, sizeof(path), "/proc/%d/cgroup", (int)t->pid);
		cg = open(path, O_RDONLY | O_CLOEXEC);
		if (cg < 0)
			continue;
		n = read(cg, buf, sizeof(buf));
		close(cg);
		if (n <= 0 || !cgroup_container_id(buf, (size_t)n, id))
			continue;
		capture_path(cap, path, sizeof(path), "/var/log/containers/*%s.log", id);
		add_glob(cap, s, path, "container", t->process_id > 0 ? t->process_id : -1, tick);
		capture_path(cap, path, sizeof(path), "/var/lib/docker/containers/%s/%s-json.log", id, id);
		add_glob(cap, s, path, "container", t->process_id > 0 ? t->process_id : -1, tick);
	}
}

/* --- rows ------------------------------------------------------------------ */

static int write_rows(struct capture *cap, struct logs *s, int64_t tick)
{
	static const char sql_file[] =
		"INSERT INTO log_file_samples (tick, file_id, bytes_read, lines, records, truncated,"
		" backlog_bytes, rotations) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
	static const char sql_count[] =
		"INSERT INTO log_counts (tick, file_id, level, records, bytes) VALUES (?, ?, ?, ?, ?)";
	static const char sql_fp[] =
		"INSERT INTO fingerprint_counts (tick, fingerprint_id, records, bytes) VALUES (?, ?, ?, ?)";
	sqlite3_stmt *st;
	size_t k;
	int i, l;

	/* A retired file's lines belong to the log it was rotated out of: one
	 * row per log and tick. */
	for (i = 0; i < s->nfiles; i++) {
		struct log_file *r = s->files[i], *o = r->owner;

		if (!o || !r->touched)
			continue;
		for (l = 0; l < LOG_LEVEL_COUNT; l++) {
			o->lv[l].records += r->lv[l].records;
			o->lv[l].bytes += r->lv[l].bytes;
		}
		o->t_bytes += r->t_bytes;
		o->t_lines += r->t_lines;
		o->t_records += r->t_records;
		o->t_trunc += r->t_trunc;
		o->t_rot += r->t_rot;
		o->touched = 1;
		memset(r->lv, 0, sizeof(r->lv));
		r->t_bytes = r->t_lines = r->t_records = r->t_trunc = r->t_rot = 0;
		r->touched = 0;
	}
	for (i = 0; i < s->nfiles; i++) {
		struct log_file *f = s->files[i];
		struct stat fst;
		int64_t backlog = 0;

		if (f->fd >= 0 && fstat(f->fd, &fst) == 0 && fst.st_size > f->off)
			backlog = fst.st_size - f->off;
		if (!f->touched && !backlog)
			continue;
		if (!(st = writer_stmt(cap->w, sql_file)))
			return -1;
		sqlite3_bind_int64(st, 1, tick);
		sqlite3_bind_int64(st, 2, f->id);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)f->t_bytes);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)f->t_lines);
		sqlite3_bind_int64(st, 5, (sqlite3_int64)f->t_records);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)f->t_trunc);
		sqlite3_bind_int64(st, 7, backlog);
		sqlite3_bind_int64(st, 8, (sqlite3_int64)f->t_rot);
		if (writer_step(cap->w, st))
			return -1;
		for (l = 0; l < LOG_LEVEL_COUNT; l++) {
			if (!f->lv[l].records)
				continue;
			if (!(st = writer_stmt(cap->w, sql_count)))
				return -1;
			sqlite3_bind_int64(st, 1, tick);
			sqlite3_bind_int64(st, 2, f->id);
			sqlite3_bind_text(st, 3, log_level_name((enum log_level)l), -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 4, (sqlite3_int64)f->lv[l].records);
			sqlite3_bind_int64(st, 5, (sqlite3_int64)f->lv[l].bytes);
			if (writer_step(cap->w, st))
				return -1;
		}
		memset(f->lv, 0, sizeof(f->lv));
		f->t_bytes = f->t_lines = f->t_records = f->t_trunc = f->t_rot = 0;
		f->touched = 0;
	}
	for (k = 0; k < s->ndirty; k++) {
		struct fp_entry *e = &s->fps[s->dirty[k]];

		if (e->t_records && !over_share(cap, s, LOGS_ROW_OVERHEAD)) {
			if (!(st = writer_stmt(cap->w, sql_fp)))
				return -1;
			sqlite3_bind_int64(st, 1, tick);
			sqlite3_bind_int64(st, 2, e->id);
			sqlite3_bind_int64(st, 3, (sqlite3_int64)e->t_records);
			sqlite3_bind_int64(st, 4, (sqlite3_int64)e->t_bytes);
			if (writer_step(cap->w, st))
				return -1;
		}
		e->t_records = e->t_bytes = 0;
		e->dirty = 0;
	}
	s->ndirty = 0;
	return 0;
}

/* --- the source ------------------------------------------------------------ */

static uint64_t tick_budget(const struct capture *cap)
{
	uint64_t b = (uint64_t)((double)LOGS_BUDGET_PER_S * (double)cap->opts->interval_us / 1e6);

	return b < LOGS_BUDGET_MIN ? LOGS_BUDGET_MIN : b;
}

static void logs_close(struct capture *cap, void *state);

static int logs_open(struct capture *cap, void **state)
{
	struct logs *s = calloc(1, sizeof(*s));
	int fmt = log_format_parse(cap->opts->log_format ? cap->opts->log_format : "auto");
	int i;

	if (!s)
		return error("out of memory");
	*state = s;
	s->format = fmt < 0 ? LOG_FORMAT_AUTO : (enum log_format)fmt;
	s->share = cap->opts->log_max_size ? cap->opts->log_max_size : cap->opts->max_size / 8;
	s->buf = malloc(LOGS_CHUNK);
	s->rec = malloc(sizeof(*s->rec));
	if (!s->buf || !s->rec)
		return error("out of memory");
	if (cap->opts->redact && capture_redact_start(cap) < 0)
		return capture_source_skip(cap, "--redact is on but the redaction map cannot be written");
	capture_source_backend(cap, "tail", NULL);
	refresh_creds(cap, s);
	expand_globs(cap, s, 0, 0);
	discover(cap, s, 0);
	s->discover_tick = 0;
	for (i = 0; i < cap->opts->nlogs; i++) {
		glob_t g;

		/* Said once: a file named but absent is followed when it appears. */
		if (glob(cap->opts->logs[i], GLOB_NOSORT | GLOB_BRACE, NULL, &g) == GLOB_NOMATCH)
			capture_event(cap, "warning", "--log '%s' matches no file yet; it is followed when it appears",
				      cap->opts->logs[i]);
		globfree(&g);
	}
	/* History (--log-since) goes to tick 0, before the first tick. */
	for (i = 0; i < s->nfiles; i++) {
		struct log_file *f = s->files[i];
		struct stat st;
		uint64_t budget = LOGS_HISTORY_MAX;

		if (!f->history || fstat(f->fd, &st) < 0)
			continue;
		while (f->off < st.st_size && budget) {
			int rc = read_file_budget(cap, s, f, &budget, 0);

			if (rc < 0)
				return -1;
			if (rc)
				break;
		}
		if (flush_file(cap, s, f, 0))
			return -1;
		f->history = 0;
	}
	if (write_rows(cap, s, 0))
		return -1;
	return 0;
}

static int logs_sample(struct capture *cap, void *state, int64_t tick)
{
	struct logs *s = state;
	uint64_t budget = tick_budget(cap);
	int i, n, start;

	/* Files that appear later: globs every tick (cheap), fds less often. */
	expand_globs(cap, s, 1, tick);
	if (tick == 1 || tick - s->discover_tick >= LOGS_DISCOVER_EVERY) {
		discover(cap, s, tick);
		s->discover_tick = tick;
	}
	/* Rotate who reads first, so one busy file cannot starve the others. */
	/* Files retired during this loop are appended: followed from the next tick. */
	n = s->nfiles;
	start = n ? (int)(tick % n) : 0;
	for (i = 0; i < n; i++)
		if (follow(cap, s, s->files[(start + i) % n], &budget, tick))
			return -1;
	if (write_rows(cap, s, tick))
		return -1;
	prune(cap, s);
	return 0;
}

static void logs_close(struct capture *cap, void *state)
{
	struct logs *s = state;
	int i;

	if (!s)
		return;
	/* What is complete in the files now is counted in the last tick. */
	if (cap->tick > 0 && s->buf && s->rec) {
		for (i = 0; i < s->nfiles; i++)
			if (flush_partial_line(cap, s, s->files[i], cap->tick))
				break;
		write_rows(cap, s, cap->tick);
	}
	if (s->total_truncated)
		capture_event(cap, "warning", "%llu log line(s) longer than %d KiB were cut",
			      (unsigned long long)s->total_truncated, LOGS_LINE_MAX >> 10);
	for (i = 0; i < s->nfiles; i++)
		file_free(s->files[i]);
	free(s->files);
	for (i = 0; i < s->nrefused; i++)
		free(s->refused[i]);
	free(s->fps);
	hash_index_release(&s->fp_index);
	free(s->dirty);
	free(s->buf);
	free(s->rec);
	free(s);
}

const struct source logs_source = {
	.name = "logs",
	.summary = "log files (--log, the target's stdout/stderr files): rates by level, message fingerprints",
	.default_on = 1,
	.open = logs_open,
	.sample = logs_sample,
	.close = logs_close,
	.options = logs_options,
	.check_opts = logs_check_opts,
};
