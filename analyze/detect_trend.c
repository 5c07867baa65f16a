/* trend: a least-squares line through a series, with its fit quality and the
 * time left before a limit. Fires on sustained, well-fitted growth. Growth
 * that stopped (a ramp, then flat) also fits a line well over the whole
 * window; so the last part of the window (tail_share of the samples) gets its
 * own line, and when its slope is under min_tail_ratio of the head's (the
 * same share at the start) or the whole's, whichever is faster, the growth
 * is "a ramp that stopped": an observation, not a finding. */
#include "detector.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>

enum { P_X, P_Y, P_LIMIT, P_LIMIT_VALUE, P_MIN_SAMPLES, P_MIN_R2, P_MIN_SLOPE,
       P_MIN_GROWTH, P_MIN_INCREASE, P_X_SCALE, P_TAIL_SHARE, P_MIN_TAIL_RATIO };

static const struct param_spec params[] = {
	[P_X] = { "x", PARAM_COLUMN, "wall_us", 0, "time column" },
	[P_Y] = { "y", PARAM_COLUMN, NULL, 1, "the series" },
	[P_LIMIT] = { "limit", PARAM_COLUMN, NULL, 0, "column holding the limit (last non-NULL value is used)" },
	[P_LIMIT_VALUE] = { "limit_value", PARAM_NUMBER, NULL, 0, "a fixed limit" },
	[P_MIN_SAMPLES] = { "min_samples", PARAM_NUMBER, "10", 0, "fewer points never fire" },
	[P_MIN_R2] = { "min_r2", PARAM_NUMBER, "0.8", 0, "fit quality needed" },
	[P_MIN_SLOPE] = { "min_slope", PARAM_NUMBER, "0", 0, "growth per second needed" },
	[P_MIN_GROWTH] = { "min_growth", PARAM_NUMBER, "0.1", 0, "relative growth of the fitted line over the window" },
	[P_MIN_INCREASE] = { "min_increase", PARAM_NUMBER, "0", 0, "absolute growth of the fitted line over the window" },
	[P_X_SCALE] = { "x_scale", PARAM_NUMBER, "1e-6", 0, "x units to seconds" },
	[P_TAIL_SHARE] = { "tail_share", PARAM_NUMBER, "0", 0, "last share of the samples fitted alone to tell steady growth from a ramp that stopped (0: not checked)" },
	[P_MIN_TAIL_RATIO] = { "min_tail_ratio", PARAM_NUMBER, "0.3", 0, "tail slope / the faster of head and whole slope below which growth has stopped" },
};

/* shape (with tail_share): steady or ramp_stopped. */
static const char *const outputs[] = {
	"slope", "slope_per_min", "slope_per_hour", "r2", "first", "last", "min", "max",
	"increase", "growth", "growth_pct", "samples", "duration", "limit", "limit_used",
	"time_to_limit", "shape", "tail_slope", "tail_slope_per_min", "tail_ratio", "tail_duration", NULL,
};

static int run(const struct detector_input *in, struct hit *h)
{
	const struct arg *a = in->args;
	double *x = NULL, *y = NULL, scale = a[P_X_SCALE].num;
	double mn, mx, fit0, fit1, increase, growth, dur, limit = NAN;
	size_t *idx = NULL, i;
	struct linfit f;
	long n;
	int fired = 0;

	n = detector_series(in, in->cols[P_X], in->cols[P_Y], &x, &y, &idx);
	if (n < 0)
		return hit_error(h, "out of memory");
	if (n < 2 || (double)n < a[P_MIN_SAMPLES].num)
		goto out;
	for (i = 0; i < (size_t)n; i++)
		x[i] *= scale;
	if (stats_linfit(x, y, (size_t)n, &f) < 0)
		goto out;
	mn = mx = y[0];
	for (i = 1; i < (size_t)n; i++) {
		if (y[i] < mn)
			mn = y[i];
		if (y[i] > mx)
			mx = y[i];
	}
	fit0 = f.intercept + f.slope * x[0];
	fit1 = f.intercept + f.slope * x[n - 1];
	increase = fit1 - fit0;
	growth = increase / (fabs(fit0) > 1 ? fabs(fit0) : 1);
	dur = x[n - 1] - x[0];
	if (f.slope <= 0 || f.r2 < a[P_MIN_R2].num || f.slope < a[P_MIN_SLOPE].num ||
	    growth < a[P_MIN_GROWTH].num || increase < a[P_MIN_INCREASE].num)
		goto out;

	if (a[P_TAIL_SHARE].num > 0) {
		size_t k = (size_t)ceil(a[P_TAIL_SHARE].num * (double)n), from;
		struct linfit t;

		if (k < 3)
			k = 3;
		if (k > (size_t)n)
			k = (size_t)n;
		from = (size_t)n - k;
		/* The tail's slope against the faster of the head's (the same
		 * share at the start) and the whole's: a leak keeps its pace (about
		 * 1), a warm-up that settles (a cache, shared buffers being touched)
		 * or a ramp that stopped slows to a fraction of its start, and
		 * growth that began late is measured against the whole. */
		if (stats_linfit(x + from, y + from, k, &t) == 0) {
			struct linfit hd;
			double ref = f.slope, ratio;

			if (stats_linfit(x, y, k, &hd) == 0 && hd.slope > ref)
				ref = hd.slope;
			ratio = t.slope / ref;

			hit_num(h, "tail_slope", t.slope);
			hit_num(h, "tail_slope_per_min", t.slope * 60);
			hit_num(h, "tail_ratio", ratio);
			hit_num(h, "tail_duration", x[n - 1] - x[from]);
			if (ratio < a[P_MIN_TAIL_RATIO].num) {
				hit_ident(h, "shape", "ramp_stopped");
				h->observation = 1;
			} else {
				hit_ident(h, "shape", "steady");
			}
		}
	}
	if (a[P_LIMIT_VALUE].set)
		limit = a[P_LIMIT_VALUE].num;
	if (in->cols[P_LIMIT] >= 0) {
		for (i = in->n; i-- > 0;) {
			double v;

			if (cell_num(rowset_cell(in->rs, in->rows[i], in->cols[P_LIMIT]), &v) == 0 && v > 0) {
				limit = v;
				break;
			}
		}
	}
	hit_num(h, "slope", f.slope);
	hit_num(h, "slope_per_min", f.slope * 60);
	hit_num(h, "slope_per_hour", f.slope * 3600);
	hit_num(h, "r2", f.r2);
	hit_num(h, "first", y[0]);
	hit_num(h, "last", y[n - 1]);
	hit_num(h, "min", mn);
	hit_num(h, "max", mx);
	hit_num(h, "increase", increase);
	hit_num(h, "growth", growth);
	hit_num(h, "growth_pct", growth * 100);
	hit_num(h, "samples", (double)n);
	hit_num(h, "duration", dur);
	if (isfinite(limit) && limit > 0) {
		hit_num(h, "limit", limit);
		hit_num(h, "limit_used", y[n - 1] / limit);
		/* A growth that stopped reaches no limit at the whole window's rate. */
		if (h->observation)
			;
		else if (y[n - 1] < limit)
			hit_num(h, "time_to_limit", (limit - y[n - 1]) / f.slope);
		else
			hit_num(h, "time_to_limit", 0);
	}
	h->score = f.r2 * (growth > 1 ? 1 : growth);
	h->rep_row = idx[n - 1];
	hit_range(h, idx[0], idx[n - 1]);
	hit_evidence_spread(h, idx, (size_t)n, 8, NULL, 0);
	fired = 1;
out:
	free(x);
	free(y);
	free(idx);
	return fired;
}

const struct detector detect_trend = {
	.name = "trend",
	.summary = "least-squares slope, fit quality (R²) and time to a limit; fires on sustained growth",
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.outputs = outputs,
	.run = run,
};
