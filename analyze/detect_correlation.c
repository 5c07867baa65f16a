/* correlation: whether series b follows series a (Pearson r, searching a lag
 * of a few samples either way), and what b costs per unit of a (sum b / sum a:
 * e.g. bytes to a port per error line). Optionally sums consecutive samples
 * into windows first, so jitter between two per-second counts that follow each
 * other does not hide the relation.
 *
 * Two models of "b follows a": per unit (b tracks a sample by sample: a log
 * shipper sending each line), and, with accumulated, b tracks the running
 * sum of a (a shipper retrying a buffer that only grows: each sample resends
 * every line so far). The direction is measured, not assumed, and with
 * min_lag set a best lag below it (b leads a: the errors follow the traffic)
 * keeps it silent.
 *
 * For the accumulated model the lag search alone cannot tell direction: a
 * running sum of a steady rate is a straight line, and a line shifted a few
 * samples either way correlates with b almost equally, so which lag wins is
 * noise. So lags whose r is within lag_tolerance of the best count as equally
 * good and the smallest shift among them is taken (0 for a steady ramp), and
 * the direction comes from evidence that is not symmetric for a monotonic
 * series: the changes of b against a (b ~ sum a means its change ~ a) when
 * they correlate by themselves (a rate that varies), else the onset - b must
 * not have risen (reached onset_fraction of its peak) before a did. */
#include "detector.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { P_X, P_A, P_B, P_MAX_LAG, P_MIN_R, P_MIN_SAMPLES, P_MIN_MEAN_A, P_MIN_MEAN_B,
       P_WINDOW, P_X_SCALE, P_MIN_LAG, P_ACCUMULATED, P_MIN_RATIO,
       P_LAG_TOLERANCE, P_ONSET_FRACTION };

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
	[P_MIN_LAG] = { "min_lag", PARAM_NUMBER, NULL, 0, "smallest best lag that fires (0: b must not lead a); unset: any" },
	[P_ACCUMULATED] = { "accumulated", PARAM_BOOL, "false", 0, "also try b against the running sum of a" },
	[P_MIN_RATIO] = { "min_ratio", PARAM_NUMBER, "0", 0, "b per unit of a needed (per unit of the running sum for the accumulated model)" },
	[P_LAG_TOLERANCE] = { "lag_tolerance", PARAM_NUMBER, "0.02", 0, "accumulated model: lags with r this close to the best are as good; the smallest shift wins" },
	[P_ONSET_FRACTION] = { "onset_fraction", PARAM_NUMBER, "0.1", 0, "accumulated model: a series' onset is its first sample at this share of its peak" },
};

static const char *const outputs[] = {
	"r", "lag", "lag_s", "mean_a", "mean_b", "peak_a", "peak_b", "sum_a", "sum_b",
	"ratio", "samples", "model", "r_per_unit", "r_accumulated", "lag_per_unit", "ratio_unit", "ratio_accumulated",
	"direction_from", "onset_lead_s", "r_changes", NULL,
};

/* Best Pearson r of a against b over lags -max_lag..max_lag; -2 when no lag
 * could be computed. *lag_out is the smallest shift whose r is within tol of
 * the best (the better r when -k and k both are). */
static double best_lag(const double *a, const double *b, size_t m, int max_lag, double tol, int *lag_out)
{
	double best_r = -2, r = 0, rs[2 * 64 + 1];
	int lag, ok[2 * 64 + 1], k;

	*lag_out = 0;
	if (max_lag > 64)
		max_lag = 64;
	for (lag = -max_lag; lag <= max_lag; lag++) {
		ok[lag + max_lag] = stats_pearson_lag(a, b, m, lag, &r) == 0;
		rs[lag + max_lag] = r;
		if (ok[lag + max_lag] && r > best_r)
			best_r = r;
	}
	if (best_r < -1.5)
		return best_r;
	if (tol < 1e-9)
		tol = 1e-9;
	for (k = 0; k <= max_lag; k++) {
		int neg = ok[max_lag - k] && rs[max_lag - k] >= best_r - tol;
		int pos = ok[max_lag + k] && rs[max_lag + k] >= best_r - tol;

		if (neg && pos)
			*lag_out = rs[max_lag - k] > rs[max_lag + k] ? -k : k;
		else if (neg || pos)
			*lag_out = neg ? -k : k;
		else
			continue;
		break;
	}
	return best_r;
}

/* First sample at frac of the series' peak (its onset); n when never. */
static size_t onset(const double *v, size_t n, double peak, double frac)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] > 0 && v[i] >= frac * peak)
			return i;
	return n;
}

static int run(const struct detector_input *in, struct hit *h)
{
	const struct arg *a = in->args;
	double *x = NULL, *va = NULL, *vb = NULL, *wa = NULL, *wb = NULL;
	double sa = 0, sb = 0, pa = 0, pb = 0, best_r = -2, step = 0, r_unit, r_acc = -2, ratio;
	double *cum = NULL, *db = NULL;
	const char *model = "per_unit";
	size_t *idx = NULL, *idx2 = NULL, i, m = 0, win;
	long n, n2;
	int best_lag_ = 0, lag_unit, max_lag, fired = 0, b_rose_first = 0;
	double r_changes = -2, onset_lead = 0;
	const char *direction_from = "lag";
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
	best_r = best_lag(wa, wb, m, max_lag, 0, &best_lag_);
	r_unit = best_r;
	lag_unit = best_lag_;
	/* b leading a clearly is the reverse relation: silent whatever else fits. */
	if (a[P_MIN_LAG].set && r_unit >= a[P_MIN_R].num && lag_unit < a[P_MIN_LAG].num)
		goto out;
	ratio = sb / sa;
	if (a[P_ACCUMULATED].num > 0) {
		double acc_sum = 0;
		int dlag;

		cum = calloc(m, sizeof(double));
		db = calloc(m, sizeof(double));
		if (!cum || !db) {
			fired = hit_error(h, "out of memory");
			goto out;
		}
		for (i = 0; i < m; i++) {
			cum[i] = (i ? cum[i - 1] : 0) + wa[i];
			acc_sum += cum[i];
			db[i] = i ? wb[i] - wb[i - 1] : 0;
		}
		r_acc = best_lag(cum, wb, m, max_lag, a[P_LAG_TOLERANCE].num, &dlag);
		if (r_acc >= a[P_MIN_R].num && r_acc > r_unit) {
			model = "accumulated";
			best_r = r_acc;
			/* Direction from a against the change of b (the first sample has
			 * none) when those correlate by themselves... */
			r_changes = best_lag(wa + 1, db + 1, m - 1, max_lag, a[P_LAG_TOLERANCE].num, &best_lag_);
			if (r_changes >= a[P_MIN_R].num) {
				direction_from = "changes";
			} else {
				/* ... else a steady rate: the fit's smallest equally good
				 * shift, and b must not have risen before a began. */
				size_t oa = onset(va, (size_t)n, pa, a[P_ONSET_FRACTION].num);
				size_t ob = onset(vb, (size_t)n, pb, a[P_ONSET_FRACTION].num);

				direction_from = "onset";
				best_lag_ = dlag;
				b_rose_first = ob < oa;
				onset_lead = (double)ob - (double)oa;
			}
			ratio = acc_sum > 0 ? sb / ((double)win * acc_sum) : 0;
		}
	}
	if (best_r < a[P_MIN_R].num)
		goto out;
	if (a[P_MIN_LAG].set && (best_lag_ < a[P_MIN_LAG].num || b_rose_first))
		goto out;
	if (ratio < a[P_MIN_RATIO].num)
		goto out;
	if (n > 1)
		step = (x[n - 1] - x[0]) * a[P_X_SCALE].num / (double)(n - 1);
	hit_ident(h, "model", "%s", model);
	hit_num(h, "r_per_unit", r_unit);
	if (r_acc > -2)
		hit_num(h, "r_accumulated", r_acc);
	hit_num(h, "lag_per_unit", lag_unit * (double)win);
	hit_num(h, "r", best_r);
	hit_num(h, "lag", best_lag_ * (double)win);
	hit_num(h, "lag_s", best_lag_ * (double)win * step);
	hit_num(h, "mean_a", sa / (double)n);
	hit_num(h, "mean_b", sb / (double)n);
	hit_num(h, "peak_a", pa);
	hit_num(h, "peak_b", pb);
	hit_num(h, "sum_a", sa);
	hit_num(h, "sum_b", sb);
	hit_num(h, "ratio", ratio);
	/* Only the chosen model's, so a message can word each its own way. */
	hit_num(h, strcmp(model, "accumulated") ? "ratio_unit" : "ratio_accumulated", ratio);
	hit_num(h, "samples", (double)n);
	hit_ident(h, "direction_from", "%s", direction_from);
	if (r_changes > -2)
		hit_num(h, "r_changes", r_changes);
	if (!strcmp(direction_from, "onset"))
		hit_num(h, "onset_lead_s", onset_lead * step);
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
	free(cum);
	free(db);
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
