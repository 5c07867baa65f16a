#include "series.h"

#include "bundle.h"
#include "error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A series over socket spans: LABEL and VALUE are expressions over s
 * (socket_samples) and k (sockets) for the rows WHERE selects. A span runs
 * from its sample's tick to the socket's next sample, its close_tick, its
 * last_tick + 1, or past the last tick (as in the socket_ticks view). */
#define SOCKET_SPAN_SERIES(label, value, where) \
	"WITH sel AS (SELECT " label " AS label, " value " AS v, s.tick AS t0," \
	" COALESCE(LEAD(s.tick) OVER (PARTITION BY s.socket_id ORDER BY s.tick), k.close_tick, k.last_tick + 1," \
	" (SELECT MAX(id) FROM ticks) + 1) AS t1" \
	" FROM socket_samples s JOIN sockets k ON k.id = s.socket_id WHERE " where ")," \
	" ev AS (SELECT label, t0 AS t, SUM(v) AS d FROM sel GROUP BY label, t0" \
	" UNION ALL SELECT label, t1, -SUM(v) FROM sel GROUP BY label, t1)," \
	" agg AS (SELECT label, t, SUM(d) AS d FROM ev GROUP BY label, t)," \
	" labels AS (SELECT DISTINCT label FROM sel WHERE label IS NOT NULL)" \
	" SELECT l.label, k.id, k.wall_us, SUM(COALESCE(a.d, 0)) OVER (PARTITION BY l.label ORDER BY k.id)" \
	" FROM labels l CROSS JOIN ticks k LEFT JOIN agg a ON a.label = l.label AND a.t = k.id" \
	" ORDER BY l.label, k.id"

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
	 * written only on change) with a running sum of +1/-1 at each span's
	 * ends: the same counts as socket_by_remote_port and friends, with 0
	 * where none is open, without expanding every socket at every tick
	 * (1,000 idle sockets over an hour are 3.6M rows of socket_ticks). */
	{ "sockets.connections", "connections by remote port", UNIT_COUNT, "socket_samples",
	  SOCKET_SPAN_SERIES("k.proto || ' to port ' || k.remote_port", "1",
			     "k.remote_port <> 0 AND s.state <> 'LISTEN' AND k.direction IS NOT 'in'") },
	{ "sockets.recv_q", "unread bytes (recv-q) by remote port", UNIT_BYTES, "socket_samples",
	  SOCKET_SPAN_SERIES("k.proto || ' to port ' || k.remote_port", "COALESCE(s.recv_q, 0)",
			     "k.remote_port <> 0 AND s.state <> 'LISTEN' AND k.direction IS NOT 'in'") },
	{ "sockets.accepted", "accepted connections by local port", UNIT_COUNT, "socket_samples",
	  SOCKET_SPAN_SERIES("k.proto || ' on port ' || k.local_port", "1", "k.direction = 'in'") },
	{ "sockets.state", "target sockets by state", UNIT_COUNT, "socket_samples",
	  SOCKET_SPAN_SERIES("k.proto || ' ' || s.state", "1", "1") },
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

int series_load(sqlite3 *db, const struct series_def *def, struct series **out, int *count)
{
	struct series *v = NULL;
	sqlite3_stmt *st;
	int n = 0, alloc = 0, rc;

	*out = NULL;
	*count = 0;
	if (def->table && !bundle_has_table(db, def->table))
		return 0;
	if (sqlite3_prepare_v2(db, def->sql, -1, &st, NULL) != SQLITE_OK)
		return error("series '%s': %s", def->id, sqlite3_errmsg(db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *label = (const char *)sqlite3_column_text(st, 0);

		if (sqlite3_column_type(st, 3) == SQLITE_NULL)
			continue;
		if (!label)
			label = "";
		if (!n || strcmp(v[n - 1].label, label)) {
			if (n == alloc) {
				struct series *nv;

				alloc = alloc ? alloc * 2 : 4;
				nv = realloc(v, (size_t)alloc * sizeof(*nv));
				if (!nv)
					goto oom;
				v = nv;
			}
			memset(&v[n], 0, sizeof(v[n]));
			v[n].def = def;
			v[n].label = strdup(label);
			if (!v[n].label)
				goto oom;
			n++;
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
