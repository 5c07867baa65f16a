#include "series.h"

#include "hash.h"

#include "bundle.h"
#include "error.h"
#include "findings.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Series over socket spans yield span edges, (label, tick, delta) rows, and
 * series_load adds them up over the ticks table. A span runs from its
 * sample's tick to the socket's next sample, its close_tick, its last_tick +
 * 1, or past the last tick (as in the socket_ticks view), and counts at every
 * tick it covers: +v at its start and -v at its end.
 *
 * The spans come from socket_spans, the TEMP table the socket rules share
 * (analyze/shared.c), already built when the rules ran: re-deriving them
 * from socket_samples here (a window over every row, then per label a join
 * of ticks against the edges) cost ~1 s per chart on a 1-hour bundle.
 * socket_spans leaves LISTEN rows out, which is what the charts of
 * connections (state <> 'LISTEN') ask for anyway; for the charts that count
 * every row (by state, accepted), sockets with a LISTEN row
 * (socket_listeners, rare) are spanned from socket_samples as before.
 *
 * A socket's spans meet, so a value fixed per socket (a count of 1) needs
 * only its first row's start and its last row's end, and recv-q each row's
 * change over the previous row: rows that change nothing drop out (as in the
 * pool-cap rule). The sums per tick are the same. The count by state keeps
 * both edges of every span (socket_spans has no previous state: adding one
 * cost its build ~0.1 s at 1 hour, more than it saves here). The edges come
 * in no order: series_load adds them up per label and tick in C, cheaper
 * than sorting ~0.5M edges (by state at 1 hour) for a GROUP BY. */
#define SPANS_COUNT(label, where) \
	" SELECT " label " AS label, s.tick AS t, 1 AS d FROM socket_spans s WHERE s.first_row AND " where \
	" UNION ALL SELECT " label ", s.until_tick, -1 FROM socket_spans s WHERE s.last_row AND " where
/* Spans of the sockets with a LISTEN row, over all their rows WHERE keeps. */
#define LISTENER_SPANS(label, where) \
	"WITH raw AS MATERIALIZED (SELECT " label " AS label, s.tick AS t0," \
	" COALESCE(LEAD(s.tick) OVER (PARTITION BY s.socket_id ORDER BY s.tick), k.close_tick, k.last_tick + 1," \
	" (SELECT MAX(id) FROM ticks) + 1) AS t1" \
	" FROM socket_samples s JOIN sockets k ON k.id = s.socket_id" \
	" WHERE s.socket_id IN (SELECT socket_id FROM socket_listeners) AND " where ")"
#define RAW_COUNT " UNION ALL SELECT label, t0, 1 FROM raw UNION ALL SELECT label, t1, -1 FROM raw"
#define NOT_LISTENER " s.socket_id NOT IN (SELECT socket_id FROM socket_listeners)"
#define EDGES(edges) "SELECT label, t, d FROM (" edges ")"
#define CONNECTED "s.remote_port <> 0 AND s.direction IS NOT 'in'"

const struct series_def series_table[] = {
	{ "process.cpu_pct", "CPU % of one core", UNIT_PERCENT, "process_samples",
	  "SELECT 'pid ' || pid || ' ' || comm, tick, wall_us, cpu_pct FROM process_cpu ORDER BY process_id, tick" },
	{ "process.sys_pct", "system CPU %", UNIT_PERCENT, "process_samples",
	  "SELECT 'pid ' || pid || ' ' || comm, tick, wall_us, sys_pct FROM process_cpu ORDER BY process_id, tick" },
	{ "process.user_pct", "user CPU %", UNIT_PERCENT, "process_samples",
	  "SELECT 'pid ' || pid || ' ' || comm, tick, wall_us, user_pct FROM process_cpu ORDER BY process_id, tick" },
	{ "process.rss", "resident memory", UNIT_BYTES, "process_samples",
	  "SELECT 'pid ' || pid || ' ' || comm, tick, wall_us, rss_bytes FROM process_memory ORDER BY process_id, tick" },
	{ "process.fds", "open fds", UNIT_COUNT, "process_samples",
	  "SELECT 'pid ' || pid || ' ' || comm, tick, wall_us, fds FROM process_memory WHERE fds IS NOT NULL ORDER BY process_id, tick" },
	{ "process.threads", "threads", UNIT_COUNT, "process_samples",
	  "SELECT 'pid ' || pid || ' ' || comm, tick, wall_us, num_threads FROM process_memory ORDER BY process_id, tick" },
	{ "cgroup.cpu_pct", "cgroup CPU % of one core", UNIT_PERCENT, "cgroup_samples",
	  "SELECT path, tick, wall_us, cpu_pct FROM cgroup_throttling WHERE cpu_pct IS NOT NULL ORDER BY cgroup_id, tick" },
	{ "cgroup.throttled_share", "share of CFS periods throttled", UNIT_SHARE, "cgroup_samples",
	  "SELECT path, tick, wall_us, throttled_share FROM cgroup_throttling WHERE throttled_share IS NOT NULL ORDER BY cgroup_id, tick" },
	{ "cgroup.mem_usage", "cgroup memory", UNIT_BYTES, "cgroup_samples",
	  "SELECT c.path, s.tick, t.wall_us, s.mem_usage_bytes FROM cgroup_samples s JOIN cgroups c ON c.id = s.cgroup_id"
	  " JOIN ticks t ON t.id = s.tick WHERE s.mem_usage_bytes IS NOT NULL ORDER BY s.cgroup_id, s.tick" },
	{ "netdev.rx_bytes", "received bytes/s", UNIT_BYTES_RATE, "netdev_samples",
	  "SELECT name, tick, wall_us, rx_bytes_per_s FROM netdev_rates ORDER BY iface_id, tick" },
	{ "netdev.tx_bytes", "sent bytes/s", UNIT_BYTES_RATE, "netdev_samples",
	  "SELECT name, tick, wall_us, tx_bytes_per_s FROM netdev_rates ORDER BY iface_id, tick" },
	{ "netdev.packets", "packets/s (in+out)", UNIT_RATE, "netdev_samples",
	  "SELECT name, tick, wall_us, rx_packets_per_s + tx_packets_per_s FROM netdev_rates ORDER BY iface_id, tick" },
	{ "netdev.rx_packets", "received packets/s", UNIT_RATE, "netdev_samples",
	  "SELECT name, tick, wall_us, rx_packets_per_s FROM netdev_rates ORDER BY iface_id, tick" },
	{ "netdev.tx_packets", "sent packets/s", UNIT_RATE, "netdev_samples",
	  "SELECT name, tick, wall_us, tx_packets_per_s FROM netdev_rates ORDER BY iface_id, tick" },
	/* ==== series of later sources ==== */
	/* logs: records per second by level, zero where a tick has none of a level. */
	{ "logs.level_rate", "log lines/s by level", UNIT_RATE, "log_counts",
	  "SELECT l.level, t.id, t.wall_us, 1e6 * COALESCE(SUM(c.records), 0) / (t.mono_us - p.mono_us)"
	  " FROM (SELECT DISTINCT level FROM log_counts) l CROSS JOIN ticks t JOIN ticks p ON p.id = t.id - 1"
	  " LEFT JOIN log_counts c ON c.tick = t.id AND c.level = l.level"
	  " WHERE t.mono_us > p.mono_us GROUP BY l.level, t.id ORDER BY l.level, t.id" },
	/* syscalls source */
	{ "syscalls.rate", "syscalls/s", UNIT_RATE, "syscall_counts",
	  "SELECT 'pid ' || pid, tick, wall_us, calls_per_s FROM syscall_rate"
	  " WHERE calls_per_s IS NOT NULL ORDER BY pid, tick" },
	{ "syscalls.top", "calls/s of the top syscalls", UNIT_RATE, "syscall_counts",
	  "WITH iv AS (SELECT id, wall_us, mono_us - LAG(mono_us) OVER (ORDER BY id) AS d FROM ticks),"
	  " top AS (SELECT nr FROM syscall_counts GROUP BY nr ORDER BY SUM(calls) DESC LIMIT 5)"
	  " SELECT COALESCE(n.name, 'syscall_' || c.nr), c.tick, iv.wall_us, 1e6 * SUM(c.calls) / iv.d"
	  " FROM syscall_counts c JOIN top ON top.nr = c.nr JOIN iv ON iv.id = c.tick"
	  " LEFT JOIN syscall_names n ON n.nr = c.nr WHERE iv.d > 0"
	  " GROUP BY c.nr, c.tick ORDER BY 1, c.tick" },
	{ "syscalls.sampled", "threads sitting in a syscall (sampled)", UNIT_COUNT, "syscall_samples",
	  "SELECT CASE WHEN s.state = 'syscall' THEN COALESCE(n.name, 'syscall_' || s.nr) ELSE s.state END,"
	  " s.tick, t.wall_us, 1.0 * SUM(s.samples) / MAX(s.rounds)"
	  " FROM syscall_samples s JOIN ticks t ON t.id = s.tick LEFT JOIN syscall_names n ON n.nr = s.nr"
	  " WHERE s.rounds > 0 GROUP BY 1, s.tick ORDER BY 1, s.tick" },
	/* logs: error and fatal records per second, over all followed files. */
	{ "logs.error_rate", "error log lines/s", UNIT_RATE, "log_counts",
	  "SELECT 'error+fatal', t.id, t.wall_us, 1e6 * COALESCE(SUM(c.records), 0) / (t.mono_us - p.mono_us)"
	  " FROM ticks t JOIN ticks p ON p.id = t.id - 1"
	  " LEFT JOIN log_counts c ON c.tick = t.id AND c.level IN ('error', 'fatal')"
	  " WHERE t.mono_us > p.mono_us AND EXISTS (SELECT 1 FROM log_files) GROUP BY t.id ORDER BY t.id" },
	{ "logs.line_rate", "log lines/s (all levels)", UNIT_RATE, "log_counts",
	  "SELECT 'all', t.id, t.wall_us, 1e6 * COALESCE(SUM(c.records), 0) / (t.mono_us - p.mono_us)"
	  " FROM ticks t JOIN ticks p ON p.id = t.id - 1 LEFT JOIN log_counts c ON c.tick = t.id"
	  " WHERE t.mono_us > p.mono_us AND EXISTS (SELECT 1 FROM log_files) GROUP BY t.id ORDER BY t.id" },
	/* Sockets by port and state, from the spans of socket_samples (rows are
	 * written only on change) with a running sum of the edges above at
	 * every tick: the same counts as socket_by_remote_port and friends, with 0
	 * where none is open, without expanding every socket at every tick
	 * (1,000 idle sockets over an hour are 3.6M rows of socket_ticks). */
	{ "sockets.connections", "connections by remote port", UNIT_COUNT, "socket_samples",
	  EDGES(SPANS_COUNT("s.proto || ' to port ' || s.remote_port", CONNECTED)) },
	{ "sockets.recv_q", "unread bytes (recv-q) by remote port", UNIT_BYTES, "socket_samples",
	  EDGES(" SELECT s.proto || ' to port ' || s.remote_port AS label, s.tick AS t,"
		    " s.recv_q - CASE WHEN s.first_row THEN 0 ELSE COALESCE(s.prev_q, 0) END AS d"
		    " FROM socket_spans s WHERE " CONNECTED " AND (s.first_row OR s.recv_q <> COALESCE(s.prev_q, 0))"
		    " UNION ALL SELECT s.proto || ' to port ' || s.remote_port, s.until_tick, -s.recv_q"
		    " FROM socket_spans s WHERE " CONNECTED " AND s.last_row") },
	{ "sockets.accepted", "accepted connections by local port", UNIT_COUNT, "socket_samples",
	  LISTENER_SPANS("k.proto || ' on port ' || k.local_port", "k.direction = 'in'")
	  EDGES(SPANS_COUNT("s.proto || ' on port ' || s.port", "s.direction = 'in' AND" NOT_LISTENER) RAW_COUNT) },
	{ "sockets.state", "target sockets by state", UNIT_COUNT, "socket_samples",
	  LISTENER_SPANS("k.proto || ' ' || s.state", "1")
	  EDGES(" SELECT s.proto || ' ' || s.state AS label, s.tick AS t, 1 AS d FROM socket_spans s WHERE" NOT_LISTENER
		    " UNION ALL SELECT s.proto || ' ' || s.state, s.until_tick, -1 FROM socket_spans s WHERE" NOT_LISTENER
		    RAW_COUNT) },
	{ "sockets.time_wait", "TIME_WAIT sockets in the namespace", UNIT_COUNT, "socket_totals",
	  "SELECT 'netns ' || COALESCE(s.netns, '?'), s.tick, t.wall_us, s.sockets FROM socket_totals s"
	  " JOIN ticks t ON t.id = s.tick WHERE s.proto = 'tcp' AND s.state = 'TIME_WAIT' ORDER BY s.netns, s.tick" },
	{ NULL, NULL, 0, NULL, NULL },
};

static int push(struct series *s, int64_t t, double v)
{
	if (s->n == s->alloc) {
		int a = s->alloc ? s->alloc * 2 : 64;
		int64_t *tv = realloc(s->wall_us, (size_t)a * sizeof(*tv));
		double *vv;

		if (!tv)
			return -1;
		s->wall_us = tv;
		vv = realloc(s->value, (size_t)a * sizeof(*vv));
		if (!vv)
			return -1;
		s->value = vv;
		s->alloc = a;
	}
	s->wall_us[s->n] = t;
	s->value[s->n] = v;
	s->n++;
	return 0;
}

/* A new line labelled LABEL at the end of *V (n lines of alloc). */
static struct series *new_line(struct series **v, int *n, int *alloc, const struct series_def *def,
			       const char *label)
{
	if (*n == *alloc) {
		int a = *alloc ? *alloc * 2 : 4;
		struct series *nv = realloc(*v, (size_t)a * sizeof(*nv));

		if (!nv)
			return NULL;
		*v = nv;
		*alloc = a;
	}
	memset(&(*v)[*n], 0, sizeof((*v)[*n]));
	(*v)[*n].def = def;
	(*v)[*n].label = strdup(label);
	if (!(*v)[*n].label)
		return NULL;
	return &(*v)[(*n)++];
}

struct tick {
	int64_t id, wall_us;
};

/* The ticks table in id order (*out malloc'd, NULL when empty). */
static int load_ticks(sqlite3 *db, struct tick **out, int *count)
{
	sqlite3_stmt *st;
	struct tick *v = NULL;
	int n = 0, alloc = 0, rc;

	*out = NULL;
	*count = 0;
	if (sqlite3_prepare_v2(db, "SELECT id, wall_us FROM ticks ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return error("ticks: %s", sqlite3_errmsg(db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == alloc) {
			struct tick *nv;

			alloc = alloc ? alloc * 2 : 1024;
			nv = realloc(v, (size_t)alloc * sizeof(*nv));
			if (!nv) {
				sqlite3_finalize(st);
				free(v);
				return error("out of memory");
			}
			v = nv;
		}
		v[n].id = sqlite3_column_int64(st, 0);
		v[n++].wall_us = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		free(v);
		return error("ticks: %s", sqlite3_errmsg(db));
	}
	*out = v;
	*count = n;
	return 0;
}

/* Index of tick id T in TICKS (sorted by id), or -1. */
static int tick_index(const struct tick *ticks, int n, int64_t t)
{
	int lo = 0, hi = n - 1;

	/* Ticks are numbered 1, 2, 3...: try the direct place first. */
	if (n && t >= ticks[0].id) {
		uint64_t d = (uint64_t)t - (uint64_t)ticks[0].id;   /* no signed overflow */

		if (d < (uint64_t)n && ticks[d].id == t)
			return (int)d;
	}
	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (ticks[mid].id == t)
			return mid;
		if (ticks[mid].id < t)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* Per-label sums of edge deltas at each tick, labels found by hash. */
struct edge_acc {
	struct edge_line {
		char *label;
		double *delta;   /* [nticks] */
	} *lines;
	int n, alloc, nticks;
	struct hash_index index;  /* label -> line */
};

static int line_is(uint32_t idx, const void *label, void *ctx)
{
	const struct edge_acc *e = ctx;

	return !strcmp(e->lines[idx].label, label);
}

static uint64_t line_hash(uint32_t idx, void *ctx)
{
	const struct edge_acc *e = ctx;

	return hash_str(e->lines[idx].label);
}

/* The line of LABEL, added (all zero) when new; NULL when out of memory. */
static struct edge_line *edge_acc_line(struct edge_acc *e, const char *label)
{
	uint64_t h = hash_str(label);
	long at = hash_index_find(&e->index, h, line_is, label, e);

	if (at >= 0)
		return &e->lines[at];
	if (e->n == e->alloc) {
		int a = e->alloc ? e->alloc * 2 : 16;
		struct edge_line *nl = realloc(e->lines, (size_t)a * sizeof(*nl));

		if (!nl)
			return NULL;
		e->lines = nl;
		e->alloc = a;
	}
	e->lines[e->n].label = strdup(label);
	e->lines[e->n].delta = calloc((size_t)(e->nticks ? e->nticks : 1), sizeof(double));
	if (!e->lines[e->n].label || !e->lines[e->n].delta ||
	    hash_index_add(&e->index, h, (uint32_t)e->n, line_hash, e) < 0) {
		free(e->lines[e->n].label);
		free(e->lines[e->n].delta);
		return NULL;
	}
	return &e->lines[e->n++];
}

static void edge_acc_release(struct edge_acc *e)
{
	int i;

	for (i = 0; i < e->n; i++) {
		free(e->lines[i].label);
		free(e->lines[i].delta);
	}
	free(e->lines);
	hash_index_release(&e->index);
	memset(e, 0, sizeof(*e));
}

static int cmp_edge_line(const void *x, const void *y)
{
	return strcmp(((const struct edge_line *)x)->label, ((const struct edge_line *)y)->label);
}

/* Lines of an edge series (see struct series_def) from ST's rows: a point
 * at every tick, the running sum of the label's deltas; a delta at a tick
 * the ticks table lacks is never drawn. Lines in label order (memcmp, as
 * SQLite's BINARY collation sorts). */
static int load_edges(sqlite3 *db, const struct series_def *def, sqlite3_stmt *st,
		      struct series **out, int *count)
{
	struct edge_acc e;
	struct tick *ticks = NULL;
	struct series *v = NULL;
	int nticks, rc, i, j;

	memset(&e, 0, sizeof(e));
	if (load_ticks(db, &ticks, &nticks) < 0)
		return -1;
	e.nticks = nticks;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *label = (const char *)sqlite3_column_text(st, 0);
		struct edge_line *l;
		int k;

		if (!label)
			continue;
		if (!(l = edge_acc_line(&e, label)))
			goto oom;
		k = tick_index(ticks, nticks, sqlite3_column_int64(st, 1));
		if (k >= 0)
			l->delta[k] += sqlite3_column_double(st, 2);
	}
	if (rc != SQLITE_DONE) {
		error("series '%s': %s", def->id, sqlite3_errmsg(db));
		goto fail;
	}
	if (nticks && e.n) {
		qsort(e.lines, (size_t)e.n, sizeof(*e.lines), cmp_edge_line);
		v = calloc((size_t)e.n, sizeof(*v));
		if (!v)
			goto oom;
		for (i = 0; i < e.n; i++) {
			double sum = 0;

			v[i].def = def;
			v[i].label = e.lines[i].label;
			e.lines[i].label = NULL;
			v[i].wall_us = malloc((size_t)nticks * sizeof(*v[i].wall_us));
			v[i].value = e.lines[i].delta;   /* summed in place */
			e.lines[i].delta = NULL;
			if (!v[i].wall_us) {
				series_free(v, i + 1);
				v = NULL;
				goto oom;
			}
			for (j = 0; j < nticks; j++) {
				sum += v[i].value[j];
				v[i].value[j] = sum;
				v[i].wall_us[j] = ticks[j].wall_us;
			}
			v[i].n = v[i].alloc = nticks;
		}
		*out = v;
		*count = e.n;
	}
	edge_acc_release(&e);
	free(ticks);
	return 0;
oom:
	error("out of memory");
fail:
	edge_acc_release(&e);
	free(ticks);
	return -1;
}

int series_load(sqlite3 *db, const struct series_def *def, struct series **out, int *count)
{
	struct series *v = NULL;
	sqlite3_stmt *st;
	int n = 0, alloc = 0, rc;
	char err[512];

	*out = NULL;
	*count = 0;
	if (def->table && !bundle_has_table(db, def->table))
		return 0;
	if (shared_prepare(db, def->sql, err, sizeof(err)) < 0)
		return error("series '%s': %s", def->id, err);
	if (sqlite3_prepare_v2(db, def->sql, -1, &st, NULL) != SQLITE_OK)
		return error("series '%s': %s", def->id, sqlite3_errmsg(db));
	if (sqlite3_column_count(st) == 3) {
		rc = load_edges(db, def, st, out, count);
		sqlite3_finalize(st);
		return rc;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *label = (const char *)sqlite3_column_text(st, 0);

		if (sqlite3_column_type(st, 3) == SQLITE_NULL)
			continue;
		if (!label)
			label = "";
		if (!n || strcmp(v[n - 1].label, label)) {
			if (!new_line(&v, &n, &alloc, def, label))
				goto oom;
		}
		if (push(&v[n - 1], sqlite3_column_int64(st, 2), sqlite3_column_double(st, 3)))
			goto oom;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		series_free(v, n);
		return error("series '%s': %s", def->id, sqlite3_errmsg(db));
	}
	*out = v;
	*count = n;
	return 0;
oom:
	sqlite3_finalize(st);
	series_free(v, n);
	return error("out of memory");
}

void series_free(struct series *s, int count)
{
	int i;

	for (i = 0; i < count; i++) {
		free(s[i].label);
		free(s[i].wall_us);
		free(s[i].value);
	}
	free(s);
}

void series_compute_stats(const struct series *s, struct series_stats *st)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, t0;
	int i;

	memset(st, 0, sizeof(*st));
	st->n = s->n;
	if (!s->n)
		return;
	st->min = st->max = st->first = s->value[0];
	st->last = s->value[s->n - 1];
	t0 = (double)s->wall_us[0];
	for (i = 0; i < s->n; i++) {
		double x = ((double)s->wall_us[i] - t0) / 60e6, y = s->value[i];

		if (y < st->min) st->min = y;
		if (y > st->max) st->max = y;
		sx += x; sy += y; sxx += x * x; sxy += x * y;
	}
	st->mean = sy / s->n;
	if (s->n > 1 && s->n * sxx - sx * sx > 0)
		st->slope_per_min = (s->n * sxy - sx * sy) / (s->n * sxx - sx * sx);
}

char *series_format(enum series_unit unit, double v, char *buf, int len)
{
	double a = fabs(v);

	switch (unit) {
	case UNIT_BYTES:
	case UNIT_BYTES_RATE: {
		const char *suffix = unit == UNIT_BYTES_RATE ? "/s" : "";

		if (a < 1024)
			snprintf(buf, len, "%.0f B%s", v, suffix);
		else if (a < 1048576)
			snprintf(buf, len, "%.1f KiB%s", v / 1024, suffix);
		else if (a < 1073741824.0)
			snprintf(buf, len, "%.1f MiB%s", v / 1048576, suffix);
		else
			snprintf(buf, len, "%.2f GiB%s", v / 1073741824.0, suffix);
		break;
	}
	case UNIT_PERCENT:
		snprintf(buf, len, "%.1f%%", v);
		break;
	case UNIT_SHARE:
		snprintf(buf, len, "%.1f%%", 100 * v);
		break;
	case UNIT_MS:
		snprintf(buf, len, "%.1f ms", v);
		break;
	case UNIT_RATE:
		if (a >= 1e6)
			snprintf(buf, len, "%.2fM/s", v / 1e6);
		else if (a >= 1e4)
			snprintf(buf, len, "%.1fk/s", v / 1e3);
		else
			snprintf(buf, len, "%.1f/s", v);
		break;
	default:
		if (a >= 1e6)
			snprintf(buf, len, "%.2fM", v / 1e6);
		else if (a == floor(a))
			snprintf(buf, len, "%.0f", v);
		else
			snprintf(buf, len, "%.2f", v);
	}
	return buf;
}
