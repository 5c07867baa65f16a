/* correlation: whether series b follows series a (Pearson r, searching a lag
 * of a few samples either way), and what b costs per unit of a (sum b / sum a:
 * e.g. bytes to a port per error line). Optionally sums consecutive samples
 * into windows first, so jitter between two per-second counts that follow each
 * other does not hide the relation. */
#include "detector.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>

enum { P_X, P_A, P_B, P_MAX_LAG, P_MIN_R, P_MIN_SAMPLES, P_MIN_MEAN_A, P_MIN_MEAN_B,
       P_WINDOW, P_X_SCALE };

static const struct param_spec params[] = {
	[P_X] = { "x", PARAM_COLUMN, "wall_us", 0, "time column (rows must be in time order)" },
	[P_A] = { "a", PARAM_COLUMN, NULL, 1, "the driving series (e.g. error lines per second)" },
	[P_B] = { "b", PARAM_COLUMN, NULL, 1, "the series that may follow it (e.g. bytes per second to a port)" },
	[P_MAX_LAG] = { "max_lag", PARAM_NUMBER, "3", 0, "largest shift tried, in samples (after windowing)" },
	[P_MIN_R] = { "min_r", PARAM_NUMBER, "0.6", 0, "correlation needed" },
	[P_MIN_SAMPLES] = { "min_samples", PARAM_NUMBER, "10", 0, "points needed (after windowing)" },
	[P_MIN_MEAN_A] = { "min_mean_a", PARAM_NUMBER, "0", 0, "mean of a per sample needed" },
	[P_MIN_MEAN_B] = { "min_mean_b", PARAM_NUMBER, "0", 0, "mean of b per sample needed" },
	[P_WINDOW] = { "window", PARAM_NUMBER, "1", 0, "samples summed into one point" },
	[P_X_SCALE] = { "x_scale", PARAM_NUMBER, "1e-6", 0, "x units to seconds" },
};

static const char *const outputs[] = {
	"r", "lag", "lag_s", "mean_a", "mean_b", "peak_a", "peak_b", "sum_a", "sum_b",
	"ratio", "samples", NULL,
};

static int run(const struct detector_input *in, struct hit *h)
{
	const struct arg *a = in->args;
	double *x = NULL, *va = NULL, *vb = NULL, *wa = NULL, *wb = NULL;
	double sa = 0, sb = 0, pa = 0, pb = 0, best_r = -2, r, step = 0;
	size_t *idx = NULL, *idx2 = NULL, i, m = 0, win;
	long n, n2;
	int lag, best_lag = 0, max_lag, fired = 0;
	double *x2 = NULL;

	n = detector_series(in, in->cols[P_X], in->cols[P_A], &x, &va, &idx);
	n2 = detector_series(in, in->cols[P_X], in->cols[P_B], &x2, &vb, &idx2);
	if (n < 0 || n2 < 0) {
		fired = hit_error(h, "out of memory");
		goto out;
	}
	/* Rows where either value is missing are dropped by detector_series; the
	 * two series pair up only when both kept the same rows. */
	if (n != n2) {
		fired = hit_error(h, "columns '%s' and '%s' have NULLs on different rows: fill gaps with COALESCE",
				  in->rs->cols[in->cols[P_A]], in->rs->cols[in->cols[P_B]]);
		goto out;
	}
	win = a[P_WINDOW].num >= 1 ? (size_t)a[P_WINDOW].num : 1;
	m = (size_t)n / win;
	if (m < 3 || (double)m < a[P_MIN_SAMPLES].num)
		goto out;
	wa = calloc(m, sizeof(double));
	wb = calloc(m, sizeof(double));
	if (!wa || !wb) {
		fired = hit_error(h, "out of memory");
		goto out;
	}
	for (i = 0; i < m * win; i++) {
		wa[i / win] += va[i];
		wb[i / win] += vb[i];
	}
	for (i = 0; i < (size_t)n; i++) {
		sa += va[i];
		sb += vb[i];
		if (va[i] > pa)
			pa = va[i];
		if (vb[i] > pb)
			pb = vb[i];
	}
	if (sa / (double)n < a[P_MIN_MEAN_A].num || sb / (double)n < a[P_MIN_MEAN_B].num || sa <= 0)
		goto out;
	max_lag = (int)a[P_MAX_LAG].num;
	if (max_lag < 0)
		max_lag = 0;
	if ((size_t)max_lag > m / 3)
		max_lag = (int)(m / 3);
	for (lag = -max_lag; lag <= max_lag; lag++) {
		if (stats_pearson_lag(wa, wb, m, lag, &r) < 0)
			continue;
		/* Prefer the smaller shift when two are as good. */
		if (r > best_r + 1e-9 || (fabs(r - best_r) <= 1e-9 && abs(lag) < abs(best_lag))) {
			best_r = r;
			best_lag = lag;
		}
	}
	if (best_r < a[P_MIN_R].num)
		goto out;
	if (n > 1)
		step = (x[n - 1] - x[0]) * a[P_X_SCALE].num / (double)(n - 1);
	hit_num(h, "r", best_r);
	hit_num(h, "lag", best_lag * (double)win);
	hit_num(h, "lag_s", best_lag * (double)win * step);
	hit_num(h, "mean_a", sa / (double)n);
	hit_num(h, "mean_b", sb / (double)n);
	hit_num(h, "peak_a", pa);
	hit_num(h, "peak_b", pb);
	hit_num(h, "sum_a", sa);
	hit_num(h, "sum_b", sb);
	hit_num(h, "ratio", sb / sa);
	hit_num(h, "samples", (double)n);
	h->score = best_r;
	h->rep_row = idx[n - 1];
	hit_range(h, idx[0], idx[n - 1]);
	hit_evidence_spread(h, idx, (size_t)n, 8, NULL, 0);
	fired = 1;
out:
	free(x);
	free(x2);
	free(va);
	free(vb);
	free(wa);
	free(wb);
	free(idx);
	free(idx2);
	return fired;
}

const struct detector detect_correlation = {
	.name = "correlation",
	.summary = "Pearson correlation of two series with a lag search, and b per unit of a",
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.outputs = outputs,
	.run = run,
};
