/* casefile-analyze compare BEFORE AFTER (see compare.h): computes the
 * comparison; each report format writes it beside its analysis writer
 * (analyze/report_{text,md,json,html}.c). */
#include "compare.h"

#include "bundle.h"
#include "demangle.h"
#include "error.h"
#include "escape.h"
#include "report.h"
#include "stats.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *series_unit_name(enum series_unit u)
{
	switch (u) {
	case UNIT_BYTES: return "bytes";
	case UNIT_PERCENT: return "percent";
	case UNIT_RATE: return "per_second";
	case UNIT_BYTES_RATE: return "bytes_per_second";
	case UNIT_SHARE: return "share";
	case UNIT_MS: return "ms";
	default: return "count";
	}
}

const char *match_status_name(enum match_status s)
{
	switch (s) {
	case MATCH_RESOLVED: return "resolved";
	case MATCH_NEW: return "new";
	default: return "unchanged";
	}
}

static int has_tables(sqlite3 *db, const char *list)
{
	char buf[256], *save = NULL, *t;

	snprintf(buf, sizeof(buf), "%s", list);
	for (t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ')
			t++;
		if (!bundle_has_table(db, t))
			return 0;
	}
	return 1;
}

const struct set_def set_catalog[] = {
	{ "processes", "Processes by command", "peak threads", "processes,process_samples",
	  "SELECT p.comm, max(s.num_threads) FROM processes p JOIN process_samples s ON s.process_id = p.id "
	  "GROUP BY p.comm", 0 },
	{ "peers", "Connections made per remote peer", "connections", "sockets",
	  "SELECT remote_addr || ':' || remote_port, COUNT(*) FROM sockets "
	  "WHERE direction = 'out' AND remote_port <> 0 GROUP BY remote_addr, remote_port", 0 },
	{ "remote_ports", "Connections made per remote port", "connections", "sockets",
	  "SELECT proto || '/' || remote_port, COUNT(*) FROM sockets "
	  "WHERE direction = 'out' AND remote_port <> 0 GROUP BY proto, remote_port", 0 },
	{ "syscalls", "Syscalls", "calls per second", "syscall_counts,syscall_names",
	  "SELECT COALESCE(n.name, 'syscall_' || c.nr), SUM(c.calls) / "
	  "  MAX((SELECT (MAX(mono_us) - MIN(mono_us)) / 1e6 FROM ticks), 1e-3) "
	  "FROM syscall_counts c LEFT JOIN syscall_names n ON n.nr = c.nr GROUP BY 1", 0 },
	{ "error_fingerprints", "Error log messages (fingerprints)", "lines", "fingerprints,fingerprint_counts",
	  "SELECT f.level || ': ' || f.text, SUM(c.records) FROM fingerprints f "
	  "JOIN fingerprint_counts c ON c.fingerprint_id = f.id "
	  "WHERE f.level IN ('error', 'fatal') GROUP BY f.id", 0 },
	/* The CPU profile: each function's share of the on-CPU samples (self:
	 * innermost frame), named with its module's last path component. */
	{ "cpu_functions", "On-CPU functions (self)", "% of on-CPU samples",
	  "profile_samples,profile_stacks,profile_frames,profile_modules",
	  "SELECT function || ' (' || substr(module, length(rtrim(module, replace(module, '/', ''))) + 1) || ')', "
	  "SUM(self_pct) FROM profile_top GROUP BY 1 HAVING SUM(self_samples) > 0", 1 },
	/* ==== sets of later sources ==== */
	{ NULL, NULL, NULL, NULL, NULL, 0 },
};

struct point {
	int64_t t;
	double v;
};

static int cmp_point(const void *x, const void *y)
{
	const struct point *a = x, *b = y;

	return a->t < b->t ? -1 : a->t > b->t;
}

int series_summarize(sqlite3 *db, const struct series_def *d, struct series_stat *out)
{
	struct series *s = NULL, comb;
	struct series_stats st;
	struct point *pt;
	int n = 0, i, j, total = 0, m = 0;

	memset(out, 0, sizeof(*out));
	if (series_load(db, d, &s, &n) < 0 || n == 0) {
		series_free(s, n);
		return 0;
	}
	for (i = 0; i < n; i++)
		total += s[i].n;
	pt = calloc((size_t)total + 1, sizeof(*pt));
	memset(&comb, 0, sizeof(comb));
	comb.wall_us = calloc((size_t)total + 1, sizeof(*comb.wall_us));
	comb.value = calloc((size_t)total + 1, sizeof(*comb.value));
	if (!pt || !comb.wall_us || !comb.value)
		goto out;
	for (i = 0, m = 0; i < n; i++)
		for (j = 0; j < s[i].n; j++) {
			pt[m].t = s[i].wall_us[j];
			pt[m++].v = s[i].value[j];
		}
	qsort(pt, (size_t)m, sizeof(*pt), cmp_point);
	for (i = 0; i < m; i++) {
		if (comb.n && comb.wall_us[comb.n - 1] == pt[i].t) {
			double *v = &comb.value[comb.n - 1];

			*v = d->unit == UNIT_SHARE ? (pt[i].v > *v ? pt[i].v : *v) : *v + pt[i].v;
		} else {
			comb.wall_us[comb.n] = pt[i].t;
			comb.value[comb.n++] = pt[i].v;
		}
	}
	series_compute_stats(&comb, &st);
	if (st.n) {
		out->present = 1;
		out->n = st.n;
		out->mean = st.mean;
		out->peak = st.max;
		out->last = st.last;
		out->slope_per_min = st.slope_per_min;
	}
out:
	free(pt);
	free(comb.wall_us);
	free(comb.value);
	series_free(s, n);
	return 0;
}

struct kvd {
	char *key;
	double v;
};

/* A profile function's key, "FUNCTION (MODULE)", with FUNCTION demangled. */
static char *share_key(const char *k)
{
	const char *paren = strrchr(k, '(');
	char buf[DEMANGLE_OUT_MAX], *fn, *out = NULL;

	if (!paren || paren < k + 1 || paren[-1] != ' ' || !(fn = strndup(k, (size_t)(paren - 1 - k))))
		return strdup(k);
	if (demangle(fn, buf, sizeof(buf)) < 0 || asprintf(&out, "%s %s", buf, paren - 1 + 1) < 0)
		out = strdup(k);
	free(fn);
	return out;
}

static int load_set(sqlite3 *db, const struct set_def *d, struct kvd **out, int *n, int *present)
{
	sqlite3_stmt *st;

	*out = NULL;
	*n = 0;
	*present = 0;
	if (!has_tables(db, d->requires) || sqlite3_prepare_v2(db, d->sql, -1, &st, NULL) != SQLITE_OK)
		return 0;
	*present = 1;
	while (sqlite3_step(st) == SQLITE_ROW && *n < 100000) {
		const unsigned char *k = sqlite3_column_text(st, 0);
		struct kvd *nk;

		if (!k)
			continue;
		if (!(nk = realloc(*out, (size_t)(*n + 1) * sizeof(*nk))))
			break;
		*out = nk;
		if (!(nk[*n].key = d->share ? share_key((const char *)k) : strdup((const char *)k)))
			break;
		nk[*n].v = sqlite3_column_double(st, 1);
		(*n)++;
	}
	sqlite3_finalize(st);
	return 0;
}

static int item_rank(const struct set_item *i)
{
	return i->in_after && !i->in_before ? 0 : (!i->in_after ? 1 : 2);
}

static int cmp_items(const void *x, const void *y)
{
	const struct set_item *a = x, *b = y;
	double da, db;

	if (!a->share && item_rank(a) != item_rank(b))
		return item_rank(a) - item_rank(b);
	da = fabs(a->after - a->before);
	db = fabs(b->after - b->before);
	if (da != db)
		return da > db ? -1 : 1;
	return strcmp(a->key, b->key);
}

static int compare_set(struct set_cmp *sc, sqlite3 *b, sqlite3 *a)
{
	struct kvd *kb, *ka;
	int nb, na, i, j;

	load_set(b, sc->def, &kb, &nb, &sc->present_before);
	load_set(a, sc->def, &ka, &na, &sc->present_after);
	sc->items = calloc((size_t)(nb + na) + 1, sizeof(*sc->items));
	if (!sc->items)
		goto out;
	for (i = 0; i < nb; i++) {
		struct set_item *it = &sc->items[sc->nitems++];

		it->key = kb[i].key;
		kb[i].key = NULL;
		it->in_before = 1;
		it->before = kb[i].v;
	}
	for (j = 0; j < na; j++) {
		struct set_item *it = NULL;

		for (i = 0; i < nb; i++)
			if (!strcmp(sc->items[i].key, ka[j].key)) {
				it = &sc->items[i];
				break;
			}
		if (!it) {
			it = &sc->items[sc->nitems++];
			it->key = ka[j].key;
			ka[j].key = NULL;
		}
		it->in_after = 1;
		it->after = ka[j].v;
	}
	for (i = 0; i < sc->nitems && sc->def->share; i++) {
		struct set_item *it = &sc->items[i];

		it->share = 1;
		it->in_before |= sc->present_before;
		it->in_after |= sc->present_after;
	}
	qsort(sc->items, (size_t)sc->nitems, sizeof(*sc->items), cmp_items);
out:
	for (i = 0; i < nb; i++)
		free(kb[i].key);
	for (i = 0; i < na; i++)
		free(ka[i].key);
	free(kb);
	free(ka);
	return 0;
}

static int add_match(struct comparison *c, enum match_status s, const struct finding *b,
		     const struct finding *a)
{
	struct finding_match *m = realloc(c->matches, (size_t)(c->nmatches + 1) * sizeof(*m));

	if (!m)
		return -1;
	c->matches = m;
	m[c->nmatches].status = s;
	m[c->nmatches].before = b;
	m[c->nmatches].after = a;
	c->nmatches++;
	return 0;
}

int comparison_run(struct comparison *c, sqlite3 *before, const char *before_path,
		   sqlite3 *after, const char *after_path, struct rulepack *packs, int npacks)
{
	int i, j, n;

	memset(c, 0, sizeof(*c));
	if (analysis_run(&c->before, before, before_path, packs, npacks) < 0 ||
	    analysis_run(&c->after, after, after_path, packs, npacks) < 0)
		return -1;
	for (n = 0; series_table[n].id; n++)
		;
	c->series = calloc((size_t)n + 1, sizeof(*c->series));
	if (!c->series)
		return -1;
	for (i = 0; i < n; i++) {
		c->series[c->nseries].def = &series_table[i];
		series_summarize(before, &series_table[i], &c->series[c->nseries].before);
		series_summarize(after, &series_table[i], &c->series[c->nseries].after);
		c->nseries++;
	}
	for (n = 0; set_catalog[n].name; n++)
		;
	c->sets = calloc((size_t)n + 1, sizeof(*c->sets));
	if (!c->sets)
		return -1;
	for (i = 0; i < n; i++) {
		c->sets[c->nsets].def = &set_catalog[i];
		compare_set(&c->sets[c->nsets++], before, after);
	}
	/* Findings match by key (rule and group); the same rule firing for the
	 * same remote port before and after is "unchanged" even if its numbers moved. */
	for (j = 0; j < c->after.nfindings; j++) {
		const struct finding *fa = &c->after.findings[j];
		const struct finding *fb = NULL;

		for (i = 0; i < c->before.nfindings; i++)
			if (!strcmp(c->before.findings[i].key, fa->key))
				fb = &c->before.findings[i];
		if (!fb && add_match(c, MATCH_NEW, NULL, fa) < 0)
			return -1;
	}
	for (i = 0; i < c->before.nfindings; i++) {
		const struct finding *fb = &c->before.findings[i];
		const struct finding *fa = NULL;

		for (j = 0; j < c->after.nfindings; j++)
			if (!strcmp(c->after.findings[j].key, fb->key))
				fa = &c->after.findings[j];
		if (add_match(c, fa ? MATCH_UNCHANGED : MATCH_RESOLVED, fb, fa) < 0)
			return -1;
	}
	/* Order: new, resolved, unchanged (stable within each). */
	{
		struct finding_match *sorted = calloc((size_t)c->nmatches + 1, sizeof(*sorted));
		int k = 0, pass;
		static const enum match_status order[] = { MATCH_NEW, MATCH_RESOLVED, MATCH_UNCHANGED };

		if (!sorted)
			return -1;
		for (pass = 0; pass < 3; pass++)
			for (i = 0; i < c->nmatches; i++)
				if (c->matches[i].status == order[pass])
					sorted[k++] = c->matches[i];
		free(c->matches);
		c->matches = sorted;
	}
	return 0;
}

void comparison_release(struct comparison *c)
{
	int i, j;

	analysis_release(&c->before);
	analysis_release(&c->after);
	for (i = 0; i < c->nsets; i++) {
		for (j = 0; j < c->sets[i].nitems; j++)
			free(c->sets[i].items[j].key);
		free(c->sets[i].items);
	}
	free(c->sets);
	free(c->series);
	free(c->matches);
	memset(c, 0, sizeof(*c));
}

/* ---- writers ---- */

const char *series_cmp_verdict(const struct series_cmp *s)
{
	double b = s->before.mean, a = s->after.mean, scale = fabs(b) > 1e-9 ? fabs(b) : 1;

	if (!s->before.present || !s->after.present)
		return "";
	if (fabs(a - b) / scale < 0.1)
		return "same";
	/* Every series in the catalog is a cost (CPU, memory, fds, traffic):
	 * lower is better. */
	return a < b ? "better" : "worse";
}

const char *set_item_change(const struct set_item *it)
{
	return !it->in_before ? "appeared" : !it->in_after ? "vanished" :
	       it->before == it->after ? "same" : !it->share ? "changed" :
	       it->after > it->before ? "gained" : "lost";
}
