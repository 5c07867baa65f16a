/* Shared intermediates: tables several rules derive from the same bundle
 * rows, built once per analysis as TEMP tables on the reader connection (the
 * bundle itself stays read-only and untouched) instead of once per rule.
 *
 * A rule names one in its query like a bundle table (FROM socket_spans). The
 * analyzer runs the query against the TEMP table; the SQL shown in a finding
 * carries the same definition inlined as a MATERIALIZED CTE of that name, so
 * it runs alone in `sqlite3 BUNDLE` and gives the same rows (SQLite builds a
 * materialized CTE once per statement). Both come from the one definition
 * below, so they cannot drift apart. See analyze/rules/README.md. */
#include "findings.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct shared_table {
	const char *name;
	const char *sql;   /* one SELECT over bundle tables */
	/* A preferred definition, used when the bundle holds a table named
	 * prefer_if with at least one row (a newer schema's source); sql is
	 * the fallback, so older bundles work. */
	const char *prefer_if;
	const char *prefer_sql;
};

/* socket_spans: one row per socket_samples row (LISTEN rows left out: no rule
 * reads listeners, and their spans would only split nothing), holding from its
 * tick until the socket's next row, its close or the end of the capture:
 * [tick, until_tick). prev_* are the socket's previous row's raw values;
 * first_row and last_row mark the socket's first and last rows, so a rule can
 * count a value's changes at row edges instead of +v/-v at both ends of every
 * span (consecutive spans of one socket meet: row i ends where row i+1
 * starts). The
 * CASTs give until_tick and port INTEGER affinity, so joins of aggregates over
 * them against ticks.id and sockets' ports can use an (automatic) index; the
 * values are the same. NOT INDEXED: a sequential scan and one sort cost less
 * than the per-socket index's random lookups into the table (~0.4 s of
 * system time on a 1-hour bundle), and bundles of killed captures lack that
 * index anyway. The window sorts socket_samples' own columns only; the
 * socket's columns are joined after it (narrower rows to sort). */
static const struct shared_table shared_tables[] = {
	{ "socket_spans",
	  "SELECT w.socket_id, w.tick,\n"
	  "       CAST(COALESCE(w.next_tick, k.close_tick, k.last_tick + 1, (SELECT MAX(id) FROM ticks) + 1) AS INTEGER) AS until_tick,\n"
	  "       k.proto, k.direction, k.remote_addr, k.remote_port,\n"
	  "       CAST(CASE WHEN k.direction = 'in' THEN k.local_port ELSE k.remote_port END AS INTEGER) AS port,\n"
	  "       w.state, w.recv_q, w.send_q, w.prev_q, w.prev_sq,\n"
	  "       w.prev_tick IS NULL AS first_row, w.next_tick IS NULL AS last_row,\n"
	  "       w.total_retrans, w.bytes_sent, w.bytes_received, w.prev_bytes_sent, w.prev_bytes_received, w.unacked\n"
	  "FROM (\n"
	  "  SELECT s.socket_id, s.tick, LEAD(s.tick) OVER w AS next_tick, LAG(s.tick) OVER w AS prev_tick,\n"
	  "         s.state, COALESCE(s.recv_q, 0) AS recv_q, COALESCE(s.send_q, 0) AS send_q,\n"
	  "         LAG(s.recv_q) OVER w AS prev_q, LAG(s.send_q) OVER w AS prev_sq,\n"
	  "         s.total_retrans, s.bytes_sent, s.bytes_received, s.unacked,\n"
	  "         LAG(s.bytes_sent) OVER w AS prev_bytes_sent, LAG(s.bytes_received) OVER w AS prev_bytes_received\n"
	  "  FROM socket_samples s NOT INDEXED\n"
	  "  WHERE s.state <> 'LISTEN'\n"
	  "  WINDOW w AS (PARTITION BY s.socket_id ORDER BY s.tick)\n"
	  ") w JOIN sockets k ON k.id = w.socket_id", NULL, NULL },
	/* socket_listeners: the sockets with a LISTEN row. socket_spans leaves
	 * those rows out, so its spans are those of all a socket's rows only
	 * for a socket without one; a reader that counts LISTEN rows too (the
	 * sockets.state chart) spans these few sockets from socket_samples
	 * itself. One scan, no sort. */
	{ "socket_listeners",
	  "SELECT DISTINCT socket_id FROM socket_samples NOT INDEXED WHERE state = 'LISTEN'", NULL, NULL },
	/* cpu_profile: the on-CPU samples the cpu-hotspot rule ranks, from the
	 * runtime's own profile (--runtime-profile: JS functions and script
	 * URLs) when the bundle holds one, else from the perf profile. Both
	 * share profile_stacks, profile_frames and profile_modules; source
	 * says which one the rows came from. */
	{ "cpu_profile",
	  "SELECT 'perf' AS source, process_id AS process_key, tick, stack_id, samples FROM profile_samples",
	  "runtime_profile_samples",
	  "SELECT 'runtime' AS source, profile_id AS process_key, tick, stack_id, samples FROM runtime_profile_samples" },
};

#define NSHARED (sizeof(shared_tables) / sizeof(shared_tables[0]))

/* Which definition the last shared_prepare() of each table chose, for
 * shared_inline() (analyses run one at a time). */
static int shared_preferred[NSHARED];

/* Whether DB holds the table NAME with at least one row. */
static int has_rows(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st;
	char *sql = NULL;
	int have = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM main.sqlite_schema WHERE type = 'table' AND name = ?", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	have = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!have || asprintf(&sql, "SELECT 1 FROM main.\"%s\" LIMIT 1", name) < 0)
		return 0;
	have = sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	free(sql);
	return have;
}

static const char *shared_sql(size_t i)
{
	return shared_preferred[i] ? shared_tables[i].prefer_sql : shared_tables[i].sql;
}

static int ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '$';
}

/* Whether the query names the table as a whole word (comments included:
 * harmless, it only builds a table that goes unread). */
static int mentions(const char *query, const char *name)
{
	size_t n = strlen(name);
	const char *p = query;

	while ((p = strcasestr(p, name))) {
		if ((p == query || !ident_char(p[-1])) && !ident_char(p[n]))
			return 1;
		p += n;
	}
	return 0;
}

int shared_prepare(sqlite3 *db, const char *query, char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < NSHARED; i++) {
		const struct shared_table *t = &shared_tables[i];
		struct timespec t0, t1;
		sqlite3_stmt *st;
		char *sql;
		int have = 0, rc;

		if (!mentions(query, t->name))
			continue;
		if (sqlite3_prepare_v2(db, "SELECT 1 FROM temp.sqlite_schema WHERE name = ?", -1, &st, NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s", sqlite3_errmsg(db));
			return -1;
		}
		sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
		have = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
		if (have)
			continue;
		shared_preferred[i] = t->prefer_if && has_rows(db, t->prefer_if);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		/* TEMP objects live in the connection's own temp database (the bundle
		 * stays read-only). Its default store, pages cached in memory that
		 * spill to a temp file, measured no slower than temp_store=MEMORY on
		 * a 1-hour bundle and keeps a day-long bundle's spans out of RAM;
		 * where no temp file can be made, memory it is. */
		sql = NULL;
		if (asprintf(&sql, "CREATE TEMP TABLE \"%s\" AS %s", t->name, shared_sql(i)) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_ERROR &&
		    sqlite3_exec(db, "PRAGMA temp_store = MEMORY", NULL, NULL, NULL) == SQLITE_OK)
			rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
		free(sql);
		if (rc != SQLITE_OK) {
			snprintf(err, errlen, "building shared table '%s': %s", t->name, sqlite3_errmsg(db));
			return -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (getenv("CASEFILE_ANALYZE_TIMING"))
			fprintf(stderr, "shared %-24s %8.1f ms\n", t->name,
				(double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	}
	return 0;
}

/* Start of the first token after blanks and comments. */
static const char *first_token(const char *q)
{
	for (;;) {
		while (*q && isspace((unsigned char)*q))
			q++;
		if (q[0] == '-' && q[1] == '-') {
			while (*q && *q != '\n')
				q++;
		} else if (q[0] == '/' && q[1] == '*') {
			const char *e = strstr(q + 2, "*/");

			q = e ? e + 2 : q + strlen(q);
		} else {
			return q;
		}
	}
}

static int keyword_at(const char *p, const char *kw)
{
	size_t n = strlen(kw);

	return !strncasecmp(p, kw, n) && !ident_char(p[n]);
}

char *shared_inline(const char *query)
{
	char *ctes = NULL, *out = NULL;
	const char *tok, *after;
	size_t i, head;

	for (i = 0; i < NSHARED; i++) {
		char *next;

		if (!mentions(query, shared_tables[i].name))
			continue;
		if (asprintf(&next, "%s%s%s AS MATERIALIZED (\n%s\n)", ctes ? ctes : "", ctes ? ",\n" : "",
			     shared_tables[i].name, shared_sql(i)) < 0) {
			free(ctes);
			return NULL;
		}
		free(ctes);
		ctes = next;
	}
	if (!ctes)
		return strdup(query);
	/* Merge into the query's own WITH (one WITH per SELECT), after its
	 * leading comments; otherwise open one. */
	tok = first_token(query);
	if (keyword_at(tok, "WITH")) {
		after = first_token(tok + 4);
		if (keyword_at(after, "RECURSIVE"))
			after += 9;
		else
			after = tok + 4;
		head = (size_t)(after - query);
		if (asprintf(&out, "%.*s\n%s,\n%s", (int)head, query, ctes, first_token(after)) < 0)
			out = NULL;
	} else {
		head = (size_t)(tok - query);
		if (asprintf(&out, "%.*sWITH %s\n%s", (int)head, query, ctes, tok) < 0)
			out = NULL;
	}
	free(ctes);
	return out;
}
