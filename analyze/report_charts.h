/* The charts of the HTML report: which series go on which chart, which
 * findings link to which chart, and the series data an analysis carries for
 * them (loaded from series_table by analysis_load_series, so writers never
 * query the bundle). */
#ifndef CASEFILE_REPORT_CHARTS_H
#define CASEFILE_REPORT_CHARTS_H

#include "chart.h"
#include "findings.h"
#include "series.h"

/* One series of series_table as loaded from a bundle: one line per label. */
struct series_set {
	const struct series_def *def;
	struct series *lines;
	int nlines;
};

#define CHART_SPEC_PARTS 4
#define CHART_MAX_LINES 8    /* lines drawn per chart: the largest by peak */

struct chart_part {
	const char *series;      /* series_table id */
	const char *prefix;      /* legend prefix when a chart mixes series, or NULL */
	double scale;            /* 0 = 1 */
};

struct chart_spec {
	const char *id;          /* HTML anchor, "chart-cpu" */
	const char *title;
	enum series_unit unit;
	struct chart_part parts[CHART_SPEC_PARTS];
	const char *rules;       /* space-separated rule ids whose findings link here */
	const char *sources;     /* space-separated sources: findings of other rules that
	                          * name one of them first link here */
};

/* The report's charts, in display order; terminated by id NULL. Series of
 * series_table named by no spec get a chart of their own (chart_series_orphan). */
extern const struct chart_spec chart_specs[];

/* The loaded set of series ID, or NULL when absent or empty. */
const struct series_set *analysis_series(const struct analysis *a, const char *id);

/* 1 when any series of SPEC has data in A. */
int chart_spec_present(const struct analysis *a, const struct chart_spec *spec);

/* 1 when series ID is drawn by no chart spec. */
int chart_series_orphan(const char *id);

/* The chart a finding links to: by its rule id, else by the first of its
 * rule's sources that a chart names; only charts with data in A. NULL: none. */
const struct chart_spec *chart_for_finding(const struct analysis *a, const struct finding *fd);

/* The lines of one chart, built from loaded series, with their legend labels. */
struct chart_lines {
	struct chart_line *lines;
	char **labels;           /* owned, one per line */
	int nlines;
	int omitted;             /* lines left out (beyond CHART_MAX_LINES) */
	int zero;                /* lines left out for being zero throughout */
};

/* Adds up to CHART_MAX_LINES lines of SET (the largest by peak first) to L,
 * labelled PREFIX + label. Returns 0 or -1 (ENOMEM). */
int chart_lines_add(struct chart_lines *l, const struct series_set *set, const char *prefix,
		    double scale, int after, int64_t base_us);
void chart_lines_release(struct chart_lines *l);

/* Combines every label of SET into one series (summed per timestamp; the
 * largest for percentages and shares) in OUT, which the caller frees with
 * series_free(out, 1). Returns 0 or -1. */
int series_set_combine(const struct series_set *set, struct series **out);

/* The time range the charts of A share: the bundle's, else the series'. */
void analysis_time_axis(const struct analysis *a, int64_t *x0, int64_t *x1);

#endif
