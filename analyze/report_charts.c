/* Chart specs of the HTML report and the series an analysis carries for
 * them (see report_charts.h). */
#include "report_charts.h"

#include "error.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Order: what the incident write-up showed first (CPU, memory), then the
 * process's resources, then the network, then syscalls and logs. */
const struct chart_spec chart_specs[] = {
	{ "chart-cpu", "CPU: user and system (% of one core), cgroup throttling (% of periods)", UNIT_PERCENT,
	  { { "process.user_pct", "user", 0 }, { "process.sys_pct", "system", 0 },
	    { "cgroup.throttled_share", "throttled", 100 }, { "cgroup.cpu_pct", "cgroup CPU", 0 } },
	  "cpu-throttling", "cgroup" },
	/* RSS and the cgroup's usage differ by orders of magnitude (2 -> 27 MiB
	 * beside 1.4 GiB in the seed incident): on one axis the growth that
	 * memory-growth reports is a flat line at zero, so each has its own. */
	{ "chart-memory", "Memory: resident set (RSS)", UNIT_BYTES,
	  { { "process.rss", "RSS", 0 } },
	  "memory-growth", NULL },
	{ "chart-memory-cgroup", "Memory: cgroup usage", UNIT_BYTES,
	  { { "cgroup.mem_usage", "cgroup", 0 } },
	  NULL, NULL },
	{ "chart-fds", "Open file descriptors", UNIT_COUNT,
	  { { "process.fds", NULL, 0 } }, "fd-growth", NULL },
	{ "chart-threads", "Threads", UNIT_COUNT,
	  { { "process.threads", NULL, 0 } }, "thread-growth", "process" },
	{ "chart-sockets-remote", "Connections by remote port", UNIT_COUNT,
	  { { "sockets.connections", NULL, 0 } }, "pool-cap send-queue-backlog", "sockets" },
	{ "chart-recv-q", "Unread bytes (recv-q) by remote port", UNIT_BYTES,
	  { { "sockets.recv_q", NULL, 0 } }, "stuck-receive-queues", NULL },
	{ "chart-sockets-state", "Sockets by state", UNIT_COUNT,
	  { { "sockets.state", NULL, 0 }, { "sockets.time_wait", "TIME_WAIT (namespace)", 0 } },
	  "close-wait-leak connection-churn", NULL },
	{ "chart-sockets-local", "Accepted connections by local port", UNIT_COUNT,
	  { { "sockets.accepted", NULL, 0 } }, NULL, NULL },
	{ "chart-traffic-bytes", "Traffic: bytes per second in and out", UNIT_BYTES_RATE,
	  { { "netdev.rx_bytes", "in", 0 }, { "netdev.tx_bytes", "out", 0 } }, NULL, "netdev packets" },
	{ "chart-traffic-packets", "Traffic: packets per second in and out", UNIT_RATE,
	  { { "netdev.rx_packets", "in", 0 }, { "netdev.tx_packets", "out", 0 } }, "retransmits", NULL },
	{ "chart-syscalls", "Top syscalls over time (calls/s)", UNIT_RATE,
	  { { "syscalls.top", NULL, 0 } }, "timer-syscall-storm syscall-hotspot", "syscalls" },
	{ "chart-syscalls-sampled", "Threads sitting in a syscall (sampled)", UNIT_COUNT,
	  { { "syscalls.sampled", NULL, 0 } }, NULL, NULL },
	{ "chart-logs", "Log lines per second by level", UNIT_RATE,
	  { { "logs.level_rate", NULL, 0 } }, "error-log-amplification", "logs" },
	{ NULL, NULL, 0, { { NULL, NULL, 0 } }, NULL, NULL },
};

/* Series already summarised by a chart spec's series (not orphans). */
static const char *const covered[] = { "process.cpu_pct", "netdev.packets", "logs.error_rate",
				      "logs.line_rate", "syscalls.rate", NULL };

const struct series_set *analysis_series(const struct analysis *a, const char *id)
{
	int i;

	for (i = 0; i < a->nseries; i++)
		if (!strcmp(a->series[i].def->id, id))
			return a->series[i].nlines ? &a->series[i] : NULL;
	return NULL;
}

int chart_spec_present(const struct analysis *a, const struct chart_spec *spec)
{
	int k;

	for (k = 0; k < CHART_SPEC_PARTS && spec->parts[k].series; k++)
		if (analysis_series(a, spec->parts[k].series))
			return 1;
	return 0;
}

int chart_series_orphan(const char *id)
{
	int i, k;

	for (i = 0; covered[i]; i++)
		if (!strcmp(covered[i], id))
			return 0;
	for (i = 0; chart_specs[i].id; i++)
		for (k = 0; k < CHART_SPEC_PARTS && chart_specs[i].parts[k].series; k++)
			if (!strcmp(chart_specs[i].parts[k].series, id))
				return 0;
	return 1;
}

/* 1 when WORD is one of the space-separated words of LIST. */
static int in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	if (!list || !n)
		return 0;
	while ((p = strstr(p, word)) != NULL) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

const struct chart_spec *chart_for_finding(const struct analysis *a, const struct finding *fd)
{
	int i, k;

	for (i = 0; chart_specs[i].id; i++)
		if (in_list(chart_specs[i].rules, fd->rule->id) && chart_spec_present(a, &chart_specs[i]))
			return &chart_specs[i];
	for (k = 0; k < fd->rule->nsources; k++)
		for (i = 0; chart_specs[i].id; i++)
			if (in_list(chart_specs[i].sources, fd->rule->sources[k]) &&
			    chart_spec_present(a, &chart_specs[i]))
				return &chart_specs[i];
	return NULL;
}

static double peak(const struct series *s)
{
	double m = -INFINITY;
	int i;

	for (i = 0; i < s->n; i++)
		if (isfinite(s->value[i]) && s->value[i] > m)
			m = s->value[i];
	return m;
}

static int all_zero(const struct series *s)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (isfinite(s->value[i]) && s->value[i] != 0)
			return 0;
	return 1;
}

int chart_lines_add(struct chart_lines *l, const struct series_set *set, const char *prefix,
		    double scale, int after, int64_t base_us)
{
	int *order, i, j, take, zero;

	if (!set || !set->nlines)
		return 0;
	order = malloc((size_t)set->nlines * sizeof(*order));
	if (!order)
		return -1;
	for (i = 0; i < set->nlines; i++)
		order[i] = i;
	/* Largest peak first (a stable insertion sort: label order breaks ties). */
	for (i = 1; i < set->nlines; i++)
		for (j = i; j > 0 && peak(&set->lines[order[j]]) > peak(&set->lines[order[j - 1]]); j--) {
			int t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	/* Lines at zero throughout (idle interfaces, say) only crowd the legend;
	 * they are counted, not drawn, unless nothing else would be. */
	take = set->nlines;
	while (take > 1 && all_zero(&set->lines[order[take - 1]]))
		take--;
	zero = set->nlines - take;
	l->zero += zero;
	if (take > CHART_MAX_LINES)
		take = CHART_MAX_LINES;
	if (l->nlines + take > CHART_MAX_LINES * CHART_SPEC_PARTS)
		take = CHART_MAX_LINES * CHART_SPEC_PARTS - l->nlines;
	l->omitted += set->nlines - zero - take;
	if (take <= 0) {
		free(order);
		return 0;
	}
	{
		struct chart_line *nl = realloc(l->lines, (size_t)(l->nlines + take) * sizeof(*nl));
		char **lb;

		if (!nl)
			goto oom;
		l->lines = nl;
		lb = realloc(l->labels, (size_t)(l->nlines + take) * sizeof(*lb));
		if (!lb)
			goto oom;
		l->labels = lb;
	}
	/* Keep the drawing order by label so colours stay put across reports. */
	for (i = 1; i < take; i++)
		for (j = i; j > 0 && order[j] < order[j - 1]; j--) {
			int t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (i = 0; i < take; i++) {
		const struct series *s = &set->lines[order[i]];
		struct chart_line *cl = &l->lines[l->nlines];
		char *label = NULL;

		if (prefix && asprintf(&label, "%s: %s", prefix, s->label) < 0)
			label = NULL;
		else if (!prefix)
			label = strdup(s->label);
		if (!label)
			goto oom;
		memset(cl, 0, sizeof(*cl));
		cl->s = s;
		cl->label = label;
		cl->base_us = base_us;
		cl->after = after;
		cl->scale = scale;
		l->labels[l->nlines++] = label;
	}
	free(order);
	return 0;
oom:
	free(order);
	return -1;
}

void chart_lines_release(struct chart_lines *l)
{
	int i;

	for (i = 0; i < l->nlines; i++)
		free(l->labels[i]);
	free(l->labels);
	free(l->lines);
	memset(l, 0, sizeof(*l));
}

struct tv {
	int64_t t;
	double v;
};

static int cmp_tv(const void *x, const void *y)
{
	const struct tv *a = x, *b = y;

	return a->t < b->t ? -1 : a->t > b->t;
}

int series_set_combine(const struct series_set *set, struct series **out)
{
	int use_max = set->def->unit == UNIT_SHARE || set->def->unit == UNIT_PERCENT;
	struct series *s;
	struct tv *pts;
	int i, j, n = 0, m = 0;

	*out = NULL;
	for (i = 0; i < set->nlines; i++)
		n += set->lines[i].n;
	s = calloc(1, sizeof(*s));
	pts = malloc((size_t)(n ? n : 1) * sizeof(*pts));
	if (!s || !pts)
		goto oom;
	for (i = 0; i < set->nlines; i++)
		for (j = 0; j < set->lines[i].n; j++) {
			pts[m].t = set->lines[i].wall_us[j];
			pts[m++].v = set->lines[i].value[j];
		}
	qsort(pts, (size_t)m, sizeof(*pts), cmp_tv);
	s->def = set->def;
	s->label = strdup("all");
	s->wall_us = malloc((size_t)(m ? m : 1) * sizeof(*s->wall_us));
	s->value = malloc((size_t)(m ? m : 1) * sizeof(*s->value));
	if (!s->label || !s->wall_us || !s->value)
		goto oom;
	for (i = 0; i < m; i++) {
		if (s->n && s->wall_us[s->n - 1] == pts[i].t) {
			double *v = &s->value[s->n - 1];

			*v = use_max ? fmax(*v, pts[i].v) : *v + pts[i].v;
			continue;
		}
		s->wall_us[s->n] = pts[i].t;
		s->value[s->n++] = pts[i].v;
	}
	s->alloc = m;
	free(pts);
	*out = s;
	return 0;
oom:
	free(pts);
	if (s)
		series_free(s, 1);
	return error("out of memory");
}

void analysis_time_axis(const struct analysis *a, int64_t *x0, int64_t *x1)
{
	int i, j, k;

	*x0 = a->bundle.from_us;
	*x1 = a->bundle.to_us;
	if (*x0 > 0 && *x1 > *x0)
		return;
	*x0 = *x1 = 0;
	for (i = 0; i < a->nseries; i++)
		for (j = 0; j < a->series[i].nlines; j++)
			for (k = 0; k < a->series[i].lines[j].n; k++) {
				int64_t t = a->series[i].lines[j].wall_us[k];

				if (!*x0 || t < *x0)
					*x0 = t;
				if (t > *x1)
					*x1 = t;
			}
	if (*x1 <= *x0)
		*x1 = *x0 < INT64_MAX - 1000000 ? *x0 + 1000000 : INT64_MAX;
}

int analysis_load_series(struct analysis *a, sqlite3 *db)
{
	int i, n = 0, timing = getenv("CASEFILE_ANALYZE_TIMING") != NULL;

	analysis_release_series(a);
	for (i = 0; series_table[i].id; i++)
		n++;
	a->series = calloc((size_t)(n ? n : 1), sizeof(*a->series));
	if (!a->series)
		return error("out of memory");
	for (i = 0; i < n; i++) {
		struct series_set *set = &a->series[a->nseries];
		struct timespec t0, t1;
		int rc;

		set->def = &series_table[i];
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rc = series_load(db, set->def, &set->lines, &set->nlines);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (timing)
			fprintf(stderr, "series %-26s %8.1f ms\n", set->def->id,
				(double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
		/* A series that fails (an old bundle's view, say) only loses its
		 * chart: series_load has said why on stderr. */
		if (rc < 0)
			continue;
		a->nseries++;
	}
	return 0;
}

void analysis_release_series(struct analysis *a)
{
	int i;

	for (i = 0; i < a->nseries; i++)
		series_free(a->series[i].lines, a->series[i].nlines);
	free(a->series);
	a->series = NULL;
	a->nseries = 0;
}
