/* growth_to_cap: a count that grows step by step and then stops dead at one
 * exact value and stays there is held by a limit somewhere (a client pool's
 * maxSockets, a semaphore, a thread pool), whatever the number. A configured
 * known default or a round number only raises confidence. Optionally reports
 * growth still under way, with the time to the next likely cap. */
#include "detector.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>

enum { P_X, P_Y, P_DEMAND, P_KNOWN_CAPS, P_MIN_SAMPLES, P_MIN_PLATEAU_SAMPLES,
       P_MIN_PLATEAU_SHARE, P_PLATEAU_TOLERANCE, P_MIN_RISE, P_MIN_RISE_STEPS,
       P_MIN_DEMAND_SHARE, P_REPORT_GROWING, P_MIN_GROWTH_R2, P_FLAT_KNOWN, P_X_SCALE };

static const struct param_spec params[] = {
	[P_X] = { "x", PARAM_COLUMN, "wall_us", 0, "time column" },
	[P_Y] = { "y", PARAM_COLUMN, NULL, 1, "the count that may be capped" },
	[P_DEMAND] = { "demand", PARAM_COLUMN, NULL, 0, "evidence of demand (queued bytes, failures): must stay > 0 while capped" },
	[P_KNOWN_CAPS] = { "known_caps", PARAM_NUMBERS, NULL, 0, "known client defaults, e.g. [256, 128, 100, 50, 10]" },
	[P_MIN_SAMPLES] = { "min_samples", PARAM_NUMBER, "8", 0, "fewer points never fire" },
	[P_MIN_PLATEAU_SAMPLES] = { "min_plateau_samples", PARAM_NUMBER, "5", 0, "samples at the cap needed" },
	[P_MIN_PLATEAU_SHARE] = { "min_plateau_share", PARAM_NUMBER, "0.15", 0, "share of all samples at the cap needed" },
	[P_PLATEAU_TOLERANCE] = { "plateau_tolerance", PARAM_NUMBER, "0.9", 0, "share of plateau samples exactly at the cap" },
	[P_MIN_RISE] = { "min_rise", PARAM_NUMBER, "3", 0, "growth before the plateau needed" },
	[P_MIN_RISE_STEPS] = { "min_rise_steps", PARAM_NUMBER, "3", 0, "separate increases before the plateau (a single jump is not growth)" },
	[P_MIN_DEMAND_SHARE] = { "min_demand_share", PARAM_NUMBER, "0.5", 0, "share of plateau samples with demand > 0" },
	[P_REPORT_GROWING] = { "report_growing", PARAM_BOOL, "false", 0, "also fire on growth still under way" },
	[P_MIN_GROWTH_R2] = { "min_growth_r2", PARAM_NUMBER, "0.8", 0, "fit quality for growth still under way" },
	[P_FLAT_KNOWN] = { "flat_known", PARAM_BOOL, "true", 0, "fire when held at a known cap for the whole capture" },
	[P_X_SCALE] = { "x_scale", PARAM_NUMBER, "1e-6", 0, "x units to seconds" },
};

static const char *const outputs[] = {
	"mode", "cap", "start", "rise", "reached_after", "plateau_duration", "plateau_samples",
	"at_cap_share", "confidence", "cap_reason", "known", "round", "demand_share",
	"demand_mean", "demand_max", "samples", "duration", "slope", "slope_per_min",
	"next_cap", "time_to_next_cap", "last", NULL,
};

static int is_known(double v, const struct arg *k)
{
	int i;

	for (i = 0; i < k->nnums; i++)
		if (k->nums[i] == v)
			return 1;
	return 0;
}

/* Demand over rows idx[from..n): share of samples with demand > 0, mean, max. */
static int demand_ok(const struct detector_input *in, const size_t *idx, size_t from, size_t n,
		     struct hit *h)
{
	int col = in->cols[P_DEMAND];
	double sum = 0, mx = 0;
	size_t i, pos = 0, seen = 0;

	if (col < 0)
		return 1;
	for (i = from; i < n; i++) {
		double v;

		if (cell_num(rowset_cell(in->rs, idx[i], col), &v) < 0)
			continue;
		seen++;
		sum += v;
		if (v > mx)
			mx = v;
		if (v > 0)
			pos++;
	}
	if (!seen || (double)pos < in->args[P_MIN_DEMAND_SHARE].num * (double)seen)
		return 0;
	hit_num(h, "demand_share", (double)pos / (double)seen);
	hit_num(h, "demand_mean", sum / (double)seen);
	hit_num(h, "demand_max", mx);
	return 1;
}

static void confidence(struct hit *h, double cap, const struct arg *known, int whole)
{
	int k = is_known(cap, known), r = stats_is_round(cap);

	hit_num(h, "known", k);
	hit_num(h, "round", r);
	if (k) {
		hit_text(h, "confidence", "high");
		hit_text(h, "cap_reason", "%.0f is a known client default", cap);
	} else if (r) {
		hit_text(h, "confidence", whole ? "medium" : "high");
		hit_text(h, "cap_reason", "%.0f is a round number", cap);
	} else {
		hit_text(h, "confidence", whole ? "low" : "medium");
		hit_text(h, "cap_reason", "it stopped dead at exactly %.0f", cap);
	}
	h->score = 0.5 + 0.25 * r + 0.25 * k;
}

static int run(const struct detector_input *in, struct hit *h)
{
	const struct arg *a = in->args;
	double *x = NULL, *y = NULL, scale = a[P_X_SCALE].num, cap, start;
	size_t *idx = NULL, i, p, best_p, at, steps = 0, nn;
	long n;
	int fired = 0;

	n = detector_series(in, in->cols[P_X], in->cols[P_Y], &x, &y, &idx);
	if (n < 0)
		return hit_error(h, "out of memory");
	nn = (size_t)n;
	if (n < 2 || (double)n < a[P_MIN_SAMPLES].num)
		goto out;
	for (i = 0; i < nn; i++)
		x[i] *= scale;
	cap = y[0];
	for (i = 1; i < nn; i++)
		if (y[i] > cap)
			cap = y[i];

	/* The plateau is the longest tail that starts at the cap and is at the cap
	 * for at least plateau_tolerance of its samples. */
	best_p = nn;
	at = 0;
	for (p = nn; p-- > 0;) {
		if (y[p] == cap)
			at++;
		if (y[p] == cap && (double)at >= a[P_PLATEAU_TOLERANCE].num * (double)(nn - p))
			best_p = p;
	}
	p = best_p;
	if (p < nn) {
		size_t k = nn - p, at_cap = 0;

		for (i = p; i < nn; i++)
			at_cap += y[i] == cap;
		start = y[0];
		for (i = 1; i < p; i++) {
			if (y[i] < start)
				start = y[i];
			if (y[i] > y[i - 1])
				steps++;
		}
		if (p > 0 && y[p] > y[p - 1])
			steps++;
		if (p > 0 && (double)k >= a[P_MIN_PLATEAU_SAMPLES].num &&
		    (double)k >= a[P_MIN_PLATEAU_SHARE].num * (double)nn &&
		    cap - start >= a[P_MIN_RISE].num && (double)steps >= a[P_MIN_RISE_STEPS].num &&
		    demand_ok(in, idx, p, nn, h)) {
			size_t must[3] = { idx[p - 1], idx[p], idx[nn - 1] };

			hit_text(h, "mode", "capped");
			hit_num(h, "cap", cap);
			hit_num(h, "start", start);
			hit_num(h, "rise", cap - start);
			hit_num(h, "reached_after", x[p] - x[0]);
			hit_num(h, "plateau_duration", x[nn - 1] - x[p]);
			hit_num(h, "plateau_samples", (double)k);
			hit_num(h, "at_cap_share", (double)at_cap / (double)k);
			confidence(h, cap, &a[P_KNOWN_CAPS], 0);
			h->from_row = idx[p];
			h->to_row = idx[nn - 1];
			hit_evidence_spread(h, idx, nn, 6, must, 3);
			fired = 1;
		} else if (p == 0 && a[P_FLAT_KNOWN].num > 0 && is_known(cap, &a[P_KNOWN_CAPS]) &&
			   (double)k >= a[P_MIN_PLATEAU_SAMPLES].num && cap >= a[P_MIN_RISE].num &&
			   demand_ok(in, idx, 0, nn, h)) {
			/* Captured after the pool filled: no growth seen, but a known
			 * default held exactly while demand persisted. */
			hit_text(h, "mode", "capped");
			hit_num(h, "cap", cap);
			hit_num(h, "start", cap);
			hit_num(h, "rise", 0);
			hit_num(h, "reached_after", 0);
			hit_num(h, "plateau_duration", x[nn - 1] - x[0]);
			hit_num(h, "plateau_samples", (double)k);
			hit_num(h, "at_cap_share", (double)at_cap / (double)k);
			confidence(h, cap, &a[P_KNOWN_CAPS], 1);
			h->from_row = idx[0];
			h->to_row = idx[nn - 1];
			hit_evidence_spread(h, idx, nn, 6, NULL, 0);
			fired = 1;
		}
	}
	if (!fired && a[P_REPORT_GROWING].num > 0) {
		struct linfit f;

		start = y[0];
		for (i = 1; i < nn; i++)
			if (y[i] < start)
				start = y[i];
		/* Still under way: a good line going up, and the last samples at the top. */
		if (stats_linfit(x, y, nn, &f) == 0 && f.slope > 0 && f.r2 >= a[P_MIN_GROWTH_R2].num &&
		    cap - start >= a[P_MIN_RISE].num && y[nn - 1] >= cap - (cap - start) * 0.1 &&
		    demand_ok(in, idx, nn / 2, nn, h)) {
			double next = stats_next_cap(y[nn - 1], a[P_KNOWN_CAPS].nums,
						     (size_t)a[P_KNOWN_CAPS].nnums);

			hit_text(h, "mode", "growing");
			hit_num(h, "start", start);
			hit_num(h, "rise", y[nn - 1] - start);
			hit_num(h, "slope", f.slope);
			hit_num(h, "slope_per_min", f.slope * 60);
			hit_num(h, "next_cap", next);
			hit_num(h, "time_to_next_cap", (next - y[nn - 1]) / f.slope);
			hit_text(h, "confidence", "low");
			h->score = 0.3 * f.r2;
			h->from_row = idx[0];
			h->to_row = idx[nn - 1];
			hit_evidence_spread(h, idx, nn, 8, NULL, 0);
			fired = 1;
		}
	}
	if (fired) {
		hit_num(h, "samples", (double)nn);
		hit_num(h, "duration", x[nn - 1] - x[0]);
		hit_num(h, "last", y[nn - 1]);
		h->rep_row = idx[nn - 1];
		h->has_range = 1;
	}
out:
	free(x);
	free(y);
	free(idx);
	return fired;
}

const struct detector detect_growth_to_cap = {
	.name = "growth_to_cap",
	.summary = "steady growth that stops dead at one exact value (a cap, whatever the number), or growth still under way with the time to the next likely cap",
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.outputs = outputs,
	.run = run,
};
