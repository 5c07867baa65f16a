#include "bundle.h"

#include "error.h"
#include "exitcodes.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FINALIZE_MARKER "-- @finalize"

const char *bundle_schema_finalize_sql(void)
{
	const char *p = strstr(bundle_schema_sql, FINALIZE_MARKER);

	return p ? p : "";
}

/* The part of SCHEMA before its finalize marker, malloc'd. */
static char *create_part(const char *schema)
{
	const char *p = strstr(schema, FINALIZE_MARKER);
	size_t n = p ? (size_t)(p - schema) : strlen(schema);
	char *s = malloc(n + 1);

	if (!s)
		return NULL;
	memcpy(s, schema, n);
	s[n] = '\0';
	return s;
}

char *bundle_schema_create_sql(void)
{
	return create_part(bundle_schema_sql);
}

const char *bundle_schema_of_version(int version)
{
	const struct bundle_schema_entry *e;

	/* The current version is bundle.sql itself; its history file must be
	 * the same text (tests/lib/test_bundle.c checks it). */
	if (version == bundle_schema_version)
		return bundle_schema_sql;
	for (e = bundle_schema_history; e->sql; e++)
		if (e->version == version)
			return e->sql;
	return NULL;
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
 * before SQLite says something vaguer. FD is the bundle, open; *wal is set
 * when the header says WAL mode. */
static int check_header(const char *path, int fd, int *wal)
{
	static const char magic[16] = "SQLite format 3";
	unsigned char head[100];
	struct stat stbuf;
	ssize_t n;

	if (fstat(fd, &stbuf) != 0) {
		error_errno("cannot read bundle '%s'", path);
		return BUNDLE_NOT_FOUND;
	}
	if (S_ISDIR(stbuf.st_mode)) {
		error("'%s' is a directory, not a bundle", path);
		return BUNDLE_NOT_SQLITE;
	}
	if (!S_ISREG(stbuf.st_mode)) {
		error("'%s' is not a regular file (a FIFO, socket or device), not a bundle", path);
		return BUNDLE_NOT_SQLITE;
	}
	n = pread(fd, head, sizeof(head), 0);
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
	/* Bytes 18 and 19: file format versions, 2 for WAL. */
	*wal = head[18] == 2 || head[19] == 2;
	/* Page size and page count from the header tell whether the file was cut short. */
	{
		unsigned page = ((unsigned)head[16] << 8) | head[17];
		unsigned long long pages = ((unsigned long long)head[28] << 24) |
			((unsigned)head[29] << 16) | ((unsigned)head[30] << 8) | head[31];

		if (page == 1)
			page = 65536;
		if (pages && page && (unsigned long long)stbuf.st_size < pages * page) {
			/* A WAL file beside it may still hold the rest (bundle of a killed capture). */
			char walpath[4096];
			struct stat wst;

			snprintf(walpath, sizeof(walpath), "%s-wal", path);
			if (stat(walpath, &wst) != 0) {
				error("'%s' is truncated: %lld bytes, header says %llu pages of %u",
				      path, (long long)stbuf.st_size, pages, page);
				return BUNDLE_CORRUPT;
			}
		}
	}
	return BUNDLE_OK;
}

/* SQL text without comments and with every run of white space made one
 * space (outside quotes), malloc'd: comments in bundle.sql change between
 * releases of one schema version, the statement does not. */
static char *sql_normalize(const char *s)
{
	char *o = malloc(strlen(s) + 1), *p = o;
	int space = 0;

	if (!o)
		return NULL;
	while (*s) {
		if (*s == '-' && s[1] == '-') {
			while (*s && *s != '\n')
				s++;
			space = 1;
		} else if (*s == '/' && s[1] == '*') {
			const char *e = strstr(s + 2, "*/");

			s = e ? e + 2 : s + strlen(s);
			space = 1;
		} else if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' || *s == '\v') {
			s++;
			space = 1;
		} else if (*s == '\'' || *s == '"' || *s == '`' || *s == '[') {
			char close = *s == '[' ? ']' : *s;

			if (space && p != o)
				*p++ = ' ';
			space = 0;
			*p++ = *s++;
			while (*s) {
				if (*s == close) {
					*p++ = *s++;
					if (*s != close || close == ']')
						break;
				}
				*p++ = *s++;
			}
		} else {
			if (space && p != o)
				*p++ = ' ';
			space = 0;
			*p++ = *s++;
		}
	}
	*p = '\0';
	return o;
}

/* A bundle is untrusted: a planted view, trigger, generated column or
 * virtual table makes a reader do expensive or surprising work the moment a
 * table is read (a VIRTUAL column computing printf('%.*c', 300000000, 'A')
 * costs minutes and gigabytes per row). So every object SQLite will parse
 * must be one the schema of the bundle's version creates, with the same SQL
 * text (comments and spacing aside): the text is what SQLite builds the
 * table from, so the same text is the same columns, types, constraints and
 * generated expressions. Runs before anything reads a row. */
static int sql_same(const char *a, const char *b)
{
	char *na = sql_normalize(a), *nb = sql_normalize(b);
	int same = na && nb && !strcmp(na, nb);

	free(na);
	free(nb);
	return same;
}

static int check_schema_objects(sqlite3 *db, const char *path, int version)
{
	const char *schema = bundle_schema_of_version(version);
	sqlite3 *ref = NULL;
	sqlite3_stmt *st = NULL, *rs = NULL, *missing = NULL;
	char *sql = NULL;
	int rc = BUNDLE_FOREIGN, step;

	if (!schema) {
		error("'%s' has bundle schema version %d, which this casefile does not know", path, version);
		return BUNDLE_FOREIGN;
	}
	sql = create_part(schema);
	if (!sql || sqlite3_open_v2(":memory:", &ref, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_exec(ref, sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(ref, strstr(schema, FINALIZE_MARKER) ? strstr(schema, FINALIZE_MARKER) : "",
			 NULL, NULL, NULL) != SQLITE_OK) {
		error("internal error: the embedded schema of version %d does not load", version);
		rc = BUNDLE_CORRUPT;
		goto out;
	}
	if (sqlite3_prepare_v2(db, "SELECT type, name, coalesce(tbl_name, ''), sql FROM sqlite_schema",
			       -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ref, "SELECT sql FROM sqlite_schema WHERE type = ?1 AND name = ?2 AND tbl_name = ?3",
			       -1, &rs, NULL) != SQLITE_OK) {
		error("cannot read the schema of '%s': %s", path, sqlite3_errmsg(db));
		rc = BUNDLE_CORRUPT;
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		const char *text = (const char *)sqlite3_column_text(st, 3);
		const char *want;
		int known;

		sqlite3_reset(rs);
		sqlite3_bind_text(rs, 1, type ? type : "", -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(rs, 2, name ? name : "", -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(rs, 3, (const char *)sqlite3_column_text(st, 2), -1, SQLITE_TRANSIENT);
		known = sqlite3_step(rs) == SQLITE_ROW;
		want = known ? (const char *)sqlite3_column_text(rs, 0) : NULL;
		if (!known) {
			error("'%s' has %s %s '%s' that casefile did not write: refusing a tampered bundle",
			      path, type && type[0] == 'i' ? "an" : "a", type ? type : "?", name ? name : "?");
			goto out;
		}
		/* Automatic indexes have no SQL; their table's SQL decides them. */
		if ((want || text) && (!want || !text || !sql_same(want, text))) {
			error("'%s' has %s %s '%s' that differs from casefile's schema version %d: refusing a tampered bundle",
			      path, type[0] == 'i' ? "an" : "a", type, name, version);
			goto out;
		}
	}
	if (step != SQLITE_DONE) {
		error("cannot read the schema of '%s': %s", path, sqlite3_errmsg(db));
		rc = BUNDLE_CORRUPT;
		goto out;
	}
	/* What the schema creates must be there: a table dropped from a bundle
	 * would turn into quiet "not evaluated" notes. Only the indexes built at
	 * a clean stop may be missing (a killed capture never built them). */
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(ref, "SELECT type, name FROM sqlite_schema WHERE type != 'index'",
			       -1, &missing, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_schema WHERE type = ?1 AND name = ?2",
			       -1, &st, NULL) != SQLITE_OK) {
		error("cannot read the schema of '%s': %s", path, sqlite3_errmsg(db));
		rc = BUNDLE_CORRUPT;
		goto out;
	}
	while (sqlite3_step(missing) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(missing, 0);
		const char *name = (const char *)sqlite3_column_text(missing, 1);

		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, type, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_ROW) {
			error("'%s' lacks the %s '%s' of schema version %d: not a complete casefile bundle",
			      path, type, name, version);
			goto out;
		}
	}
	rc = BUNDLE_OK;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(rs);
	sqlite3_finalize(missing);
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

/* ---- resource bounds ---- */

static struct timespec deadline;
static int deadline_armed, deadline_was_hit;
static long long heap_limit = 1024LL * 1024 * 1024;

void bundle_deadline_start(long long budget_us)
{
	deadline_was_hit = 0;
	deadline_armed = budget_us > 0;
	if (!deadline_armed)
		return;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)(budget_us / 1000000);
	deadline.tv_nsec += (long)(budget_us % 1000000) * 1000;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
}

int bundle_deadline_hit(void)
{
	return deadline_was_hit;
}

void bundle_set_heap_limit(long long bytes)
{
	heap_limit = bytes;
}

/* Called every few thousand VM instructions: a non-zero return interrupts
 * the statement (SQLITE_INTERRUPT), so a runaway recursive CTE ends. */
static int progress(void *unused)
{
	struct timespec now;

	(void)unused;
	if (!deadline_armed)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > deadline.tv_sec ||
	    (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec)) {
		deadline_was_hit = 1;
		return 1;
	}
	return 0;
}

/* printf()/format() fill a width or precision one character at a time, in
 * one call the progress handler cannot interrupt: printf('%.*c', 300000000,
 * 'A') costs seconds per row even past the length limit. Our printf checks
 * every width and precision first, then lets SQLite's own printf (on a
 * private connection) do the formatting. */
#define PRINTF_MAX_WIDTH 1000000
#define PRINTF_MAX_ARGS 32

static sqlite3 *printf_db;
static sqlite3_stmt *printf_st[PRINTF_MAX_ARGS + 1];

/* The number at *pp (digits, or '*' taking the next argument), advanced. */
static long long printf_number(const char **pp, int argc, sqlite3_value **argv, int *k)
{
	const char *p = *pp;
	long long n = 0;

	if (*p == '*') {
		n = *k < argc ? sqlite3_value_int64(argv[(*k)++]) : 0;
		*pp = p + 1;
		return n < 0 ? (n == LLONG_MIN ? LLONG_MAX : -n) : n;
	}
	while (*p >= '0' && *p <= '9') {
		if (n < 1000000000LL)
			n = n * 10 + (*p - '0');
		p++;
	}
	*pp = p;
	return n;
}

static int printf_too_wide(const char *fmt, int argc, sqlite3_value **argv)
{
	const char *p = fmt;
	int k = 1;

	while ((p = strchr(p, '%'))) {
		p++;
		if (*p == '%') {
			p++;
			continue;
		}
		while (*p && strchr("-+ #0!,", *p))
			p++;
		if (printf_number(&p, argc, argv, &k) > PRINTF_MAX_WIDTH)
			return 1;
		if (*p == '.') {
			p++;
			if (printf_number(&p, argc, argv, &k) > PRINTF_MAX_WIDTH)
				return 1;
		}
		while (*p == 'l')
			p++;
		if (!*p)
			break;
		p++;
		k++;
	}
	return 0;
}

static void bounded_printf(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const char *fmt = argc ? (const char *)sqlite3_value_text(argv[0]) : NULL;
	sqlite3_stmt *st;
	int i;

	if (!fmt)
		return; /* NULL, as SQLite's printf */
	if (argc > PRINTF_MAX_ARGS) {
		sqlite3_result_error(ctx, "printf: too many arguments", -1);
		return;
	}
	if (printf_too_wide(fmt, argc, argv)) {
		sqlite3_result_error(ctx, "printf: a width or precision above 1000000", -1);
		return;
	}
	if (!printf_db && sqlite3_open_v2(":memory:", &printf_db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	st = printf_st[argc];
	if (!st) {
		char sql[32 + 4 * PRINTF_MAX_ARGS];
		size_t o = (size_t)snprintf(sql, sizeof(sql), "SELECT printf(?1");

		for (i = 2; i <= argc; i++)
			o += (size_t)snprintf(sql + o, sizeof(sql) - o, ",?%d", i);
		snprintf(sql + o, sizeof(sql) - o, ")");
		sqlite3_limit(printf_db, SQLITE_LIMIT_LENGTH, 64 * 1024 * 1024);
		if (sqlite3_prepare_v2(printf_db, sql, -1, &printf_st[argc], NULL) != SQLITE_OK) {
			sqlite3_result_error(ctx, sqlite3_errmsg(printf_db), -1);
			return;
		}
		st = printf_st[argc];
	}
	for (i = 0; i < argc; i++)
		sqlite3_bind_value(st, i + 1, argv[i]);
	if (sqlite3_step(st) == SQLITE_ROW)
		sqlite3_result_value(ctx, sqlite3_column_value(st, 0));
	else
		sqlite3_result_error(ctx, sqlite3_errmsg(printf_db), -1);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

void bundle_bound_reader(sqlite3 *db)
{
	/* Our own queries and rule packs stay far below these; a hostile
	 * statement meets an error instead of exhausting the machine. Strings
	 * up to 64 MiB; extract reads attachments through the blob API,
	 * which reads in pieces. */
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 64 * 1024 * 1024);
	sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 1024 * 1024);
	sqlite3_limit(db, SQLITE_LIMIT_COLUMN, 500);
	sqlite3_limit(db, SQLITE_LIMIT_EXPR_DEPTH, 200);
	sqlite3_limit(db, SQLITE_LIMIT_COMPOUND_SELECT, 100);
	sqlite3_limit(db, SQLITE_LIMIT_FUNCTION_ARG, 32);
	sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
	sqlite3_limit(db, SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 1000);
	sqlite3_limit(db, SQLITE_LIMIT_VARIABLE_NUMBER, 100);
	sqlite3_limit(db, SQLITE_LIMIT_TRIGGER_DEPTH, 1);
	if (heap_limit > 0)
		sqlite3_hard_heap_limit64(heap_limit);
	sqlite3_progress_handler(db, 1000, progress, NULL);
	sqlite3_create_function(db, "printf", -1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
				NULL, bounded_printf, NULL, NULL);
	sqlite3_create_function(db, "format", -1, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
				NULL, bounded_printf, NULL, NULL);
}

/* ---- opening without changing or creating anything beside the bundle ---- */

/* "file:PATH?immutable=1" with PATH percent-encoded, malloc'd. immutable
 * tells SQLite the file cannot change: no locks, no -shm, no -journal. */
static char *immutable_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path), o = 0;
	char *u = malloc(3 * n + 32);

	if (!u)
		return NULL;
	o += (size_t)sprintf(u, "file:");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)path[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    strchr("/._-~", c)) {
			u[o++] = (char)c;
		} else {
			u[o++] = '%';
			u[o++] = hex[c >> 4];
			u[o++] = hex[c & 15];
		}
	}
	strcpy(u + o, "?immutable=1");
	return u;
}

static int copy_fd(int in, const char *to)
{
	char buf[65536];
	ssize_t n;
	int out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write(out, buf, (size_t)n) != n) {
			close(out);
			return -1;
		}
	}
	return close(out);
}

struct private_copy {
	char dir[4096], db[4096 + 16], wal[4096 + 32];
};

static void private_copy_remove(struct private_copy *pc)
{
	char shm[4096 + 48];

	if (!pc->dir[0])
		return;
	snprintf(shm, sizeof(shm), "%s-shm", pc->db);
	unlink(pc->db);
	unlink(pc->wal);
	unlink(shm);
	rmdir(pc->dir);
	pc->dir[0] = '\0';
}

/* A killed capture leaves PATH in WAL mode with its last commits in PATH-wal.
 * Reading it in place would create PATH-shm (or fail in a read-only
 * directory), so both go to a private directory, where SQLite folds the WAL
 * into the copy. Returns 0 with pc->db ready, or a bundle_status. */
static int private_copy_make(struct private_copy *pc, const char *path, int fd)
{
	const char *tmp = getenv("TMPDIR");
	char walpath[4200];
	struct stat st;
	sqlite3 *db = NULL;
	int wfd, rc;

	memset(pc, 0, sizeof(*pc));
	snprintf(walpath, sizeof(walpath), "%s-wal", path);
	wfd = open(walpath, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (wfd < 0) {
		if (errno == ENOENT)
			return 1;
		error_errno("cannot read '%s'", walpath);
		return BUNDLE_NOT_FOUND;
	}
	if (fstat(wfd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(wfd);
		error("'%s' is not a regular file: refusing the bundle '%s'", walpath, path);
		return BUNDLE_CORRUPT;
	}
	snprintf(pc->dir, sizeof(pc->dir), "%s/casefile-XXXXXX", tmp && *tmp == '/' ? tmp : "/tmp");
	if (!mkdtemp(pc->dir) && tmp && *tmp == '/') {
		/* A $TMPDIR this user cannot write (sudo keeps the caller's): /tmp. */
		tmp = NULL;
		snprintf(pc->dir, sizeof(pc->dir), "/tmp/casefile-XXXXXX");
		mkdtemp(pc->dir);
	}
	if (access(pc->dir, F_OK) != 0 || strstr(pc->dir, "XXXXXX")) {
		close(wfd);
		error_errno("cannot make a private copy of '%s' (mkdtemp in '%s')", path,
			    tmp && *tmp == '/' ? tmp : "/tmp");
		pc->dir[0] = '\0';
		return BUNDLE_NOT_FOUND;
	}
	snprintf(pc->db, sizeof(pc->db), "%s/bundle.db", pc->dir);
	snprintf(pc->wal, sizeof(pc->wal), "%s-wal", pc->db);
	if (lseek(fd, 0, SEEK_SET) != 0 || copy_fd(fd, pc->db) < 0 || copy_fd(wfd, pc->wal) < 0) {
		close(wfd);
		error_errno("cannot make a private copy of '%s' in '%s'", path, pc->dir);
		private_copy_remove(pc);
		return BUNDLE_NOT_FOUND;
	}
	close(wfd);
	/* Fold the WAL into the copy; no schema is parsed for this. */
	rc = sqlite3_open_v2(pc->db, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
		sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
		rc = sqlite3_exec(db, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		error("cannot read the WAL of '%s': %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		private_copy_remove(pc);
		return BUNDLE_CORRUPT;
	}
	sqlite3_close(db);
	return 0;
}

int bundle_open_readonly(const char *path, sqlite3 **out, int *version)
{
	struct private_copy pc;
	sqlite3 *db = NULL;
	long long appid, ver, ok;
	char *uri = NULL;
	int rc, fd, wal = 0;

	*out = NULL;
	memset(&pc, 0, sizeof(pc));
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		error_errno("cannot open bundle '%s'", path);
		return BUNDLE_NOT_FOUND;
	}
	rc = check_header(path, fd, &wal);
	if (rc == BUNDLE_OK && wal) {
		rc = private_copy_make(&pc, path, fd);
		if (rc == 1)
			rc = BUNDLE_OK; /* WAL mode but no WAL file: a clean read in place */
	}
	close(fd);
	if (rc)
		return rc;

	/* A bundle from someone else's machine is untrusted input: read-only,
	 * immutable, defensive mode, no extension loading, and no trust in
	 * functions or virtual tables named by its schema. */
	uri = immutable_uri(pc.dir[0] ? pc.db : path);
	rc = uri ? sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, NULL)
		 : SQLITE_NOMEM;
	free(uri);
	if (rc != SQLITE_OK) {
		error("cannot open bundle '%s': %s", path, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		private_copy_remove(&pc);
		return BUNDLE_NOT_FOUND;
	}
	/* The open handle keeps the copy readable; nothing is left in /tmp. */
	private_copy_remove(&pc);
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 1, NULL);
	bundle_bound_reader(db);

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
	/* The schema first: quick_check evaluates NOT NULL on every column,
	 * generated ones included, so a planted expression must never reach it. */
	rc = check_schema_objects(db, path, (int)ver);
	if (rc)
		goto fail;
	/* quick_check walks every page: it catches truncation and torn pages that
	 * the header check could not see. */
	ok = bundle_query_int(db, "SELECT count(*) FROM pragma_quick_check WHERE quick_check != 'ok'", -1);
	if (ok != 0) {
		error("'%s' is damaged or truncated (integrity check failed)", path);
		rc = BUNDLE_CORRUPT;
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
