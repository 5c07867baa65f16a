/* SVG line charts drawn by casefile: no scripts, no external resources.
 * Every chart of one report shares its time axis, so charts line up. */
#ifndef CASEFILE_CHART_H
#define CASEFILE_CHART_H

#include <stdint.h>
#include <stdio.h>

#include "series.h"

#define CHART_MAX_HIGHLIGHTS 8

struct chart_line {
	const struct series *s;
	const char *label;       /* legend text (bundle text: escaped); NULL = s->label */
	int64_t base_us;         /* subtracted from s->wall_us: aligns bundles in compare */
	int after;               /* compare: 1 draws in the "after" colour, dashed */
	double scale;            /* values are multiplied by it (0 = 1): a share drawn as % */
};

struct chart {
	const char *id;          /* HTML id of the figure, for links from findings */
	const char *title;
	enum series_unit unit;
	int64_t x0_us, x1_us;    /* the shared axis, after base_us is subtracted */
	int relative;            /* axis labels as +seconds (compare) rather than UTC clock */
	const struct chart_line *lines;
	int nlines;
	int64_t hl_start[CHART_MAX_HIGHLIGHTS], hl_end[CHART_MAX_HIGHLIGHTS];
	int nhl;                 /* highlighted time ranges (a finding's evidence) */
	const char *hl_label[CHART_MAX_HIGHLIGHTS]; /* short text over each range ("#1"), or NULL */
};

/* Writes one <svg> element (width 100%, viewBox-scaled) to f. Lines with
 * more points than the chart has pixels are reduced to min/max per pixel
 * column, so spikes survive. */
void chart_write_svg(FILE *f, const struct chart *c);

#endif
