/* threshold: a value above a level for a sustained share of the samples (and
 * optionally a minimum unbroken duration), so one spike never fires. */
#include "detector.h"

#include <stdlib.h>

enum { P_X, P_Y, P_ABOVE, P_MIN_SHARE, P_MIN_DURATION, P_MIN_SAMPLES, P_MIN_ABOVE, P_X_SCALE,
       P_AMONG, P_AMONG_ABOVE };

static const struct param_spec params[] = {
	[P_X] = { "x", PARAM_COLUMN, "wall_us", 0, "time column" },
	[P_Y] = { "y", PARAM_COLUMN, NULL, 1, "the series" },
	[P_ABOVE] = { "above", PARAM_NUMBER, NULL, 1, "a sample counts when its value is above this" },
	[P_MIN_SHARE] = { "min_share", PARAM_NUMBER, "0.5", 0, "share of samples above needed" },
	[P_MIN_DURATION] = { "min_duration", PARAM_NUMBER, "0", 0, "seconds of the longest unbroken run above needed" },
	[P_MIN_SAMPLES] = { "min_samples", PARAM_NUMBER, "3", 0, "fewer points never fire" },
	[P_MIN_ABOVE] = { "min_above", PARAM_NUMBER, "2", 0, "samples above needed" },
	[P_X_SCALE] = { "x_scale", PARAM_NUMBER, "1e-6", 0, "x units to seconds" },
	[P_AMONG] = { "among", PARAM_COLUMN, NULL, 0,
		      "min_share counts only the samples where this column is above among_above" },
	[P_AMONG_ABOVE] = { "among_above", PARAM_NUMBER, NULL, 0, "level for among (default: above)" },
};

static const char *const outputs[] = {
	"share", "pct", "samples", "samples_above", "peak", "mean", "mean_above",
	"longest", "threshold", "last", "samples_among", NULL,
};

static int run(const struct detector_input *in, struct hit *h)
{
	const struct arg *a = in->args;
	double *x = NULL, *y = NULL, level = a[P_ABOVE].num, scale = a[P_X_SCALE].num;
	double sum = 0, sum_above = 0, peak, longest = 0, step = 0;
	size_t *idx = NULL, i, above = 0, among = 0, run_start = 0, first = 0, last = 0, peak_i = 0;
	int in_run = 0, fired = 0;
	long n;

	n = detector_series(in, in->cols[P_X], in->cols[P_Y], &x, &y, &idx);
	if (n < 0)
		return hit_error(h, "out of memory");
	if (n < 1 || (double)n < a[P_MIN_SAMPLES].num)
		goto out;
	if (n > 1)
		step = (x[n - 1] - x[0]) * scale / (double)(n - 1);
	peak = y[0];
	for (i = 0; i < (size_t)n; i++) {
		sum += y[i];
		if (y[i] > peak) {
			peak = y[i];
			peak_i = i;
		}
		if (y[i] > level) {
			if (!above)
				first = i;
			last = i;
			above++;
			sum_above += y[i];
			if (!in_run)
				run_start = i;
			in_run = 1;
			/* A run of one sample lasts one sampling interval. */
			if ((x[i] - x[run_start]) * scale + step > longest)
				longest = (x[i] - x[run_start]) * scale + step;
		} else {
			in_run = 0;
		}
	}
	/* The share's denominator: every sample, or with `among` only those
	 * where that column says the condition could show (a sample above
	 * counts whatever among says). */
	if (in->cols[P_AMONG] >= 0) {
		double al = a[P_AMONG_ABOVE].set ? a[P_AMONG_ABOVE].num : level, v;

		for (i = 0; i < (size_t)n; i++)
			if (y[i] > level ||
			    (cell_num(rowset_cell(in->rs, idx[i], in->cols[P_AMONG]), &v) == 0 && v > al))
				among++;
	} else {
		among = (size_t)n;
	}
	if ((double)above < a[P_MIN_ABOVE].num || !among ||
	    (double)above < a[P_MIN_SHARE].num * (double)among || longest < a[P_MIN_DURATION].num)
		goto out;
	hit_num(h, "share", (double)above / (double)among);
	hit_num(h, "pct", 100.0 * (double)above / (double)among);
	hit_num(h, "samples", (double)n);
	hit_num(h, "samples_among", (double)among);
	hit_num(h, "samples_above", (double)above);
	hit_num(h, "peak", peak);
	hit_num(h, "mean", sum / (double)n);
	hit_num(h, "mean_above", sum_above / (double)above);
	hit_num(h, "longest", longest);
	hit_num(h, "threshold", level);
	hit_num(h, "last", y[n - 1]);
	h->score = (double)above / (double)among;
	h->rep_row = idx[peak_i];
	hit_range(h, idx[first], idx[last]);
	{
		size_t must[1] = { idx[peak_i] };

		hit_evidence_spread(h, idx + first, last - first + 1, 7, must, 1);
	}
	fired = 1;
out:
	free(x);
	free(y);
	free(idx);
	return fired;
}

const struct detector detect_threshold = {
	.name = "threshold",
	.summary = "sustained threshold: value above a level for a share of samples and a minimum duration",
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.outputs = outputs,
	.run = run,
};
