/* growth_to_cap: a count that grows step by step and then stops dead at one
 * exact value and stays there is held by a limit somewhere (a client pool's
 * maxSockets, a semaphore, a thread pool), whatever the number. A configured
 * known default or a round number only raises confidence. Optionally reports
 * growth still under way, with the time to the next likely cap.
 *
 * The cap is the value the count holds at the end (the mode of the last
 * samples), not its maximum: a refused attempt seen for one tick (a SYN_SENT
 * socket beside a full pool) is a transient extra, tolerated when it lasts
 * at most max_transient samples. A cap held and then left before the capture
 * ended (timeouts closing the connections that waited too long) counts too:
 * the highest value held for a plateau, with fell_to the count at the end.
 * Demand while at the cap is any of several
 * columns (queued bytes, requests in flight, failures, busy connections):
 * each that shows is an item of the list output "demand" (its column and
 * numbers), which the rule's phrases word, one phrase per column. */
#include "detector.h"
#include "rulepack.h"
#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { P_X, P_Y, P_DEMAND, P_KNOWN_CAPS, P_MIN_SAMPLES, P_MIN_PLATEAU_SAMPLES,
       P_MIN_PLATEAU_SHARE, P_PLATEAU_TOLERANCE, P_MIN_RISE, P_MIN_RISE_STEPS,
       P_MIN_DEMAND_SHARE, P_REPORT_GROWING, P_MIN_GROWTH_R2, P_FLAT_KNOWN, P_X_SCALE,
       P_DEMAND_ANY, P_MAX_TRANSIENT, P_MIN_EVIDENCE_SHARE, P_ONSET, P_MIN_ONSET_RATIO, P_SUPPORTING };

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
	[P_DEMAND_ANY] = { "demand_any", PARAM_STRINGS, NULL, 0, "columns of which any > 0 at a sample is demand (with demand: one more)" },
	[P_MAX_TRANSIENT] = { "max_transient", PARAM_NUMBER, "2", 0, "longest run of samples above the cap that is still a transient extra" },
	[P_ONSET] = { "onset", PARAM_STRINGS, NULL, 0, "demand_any columns that count only when they came with the cap: mean at the plateau >= min_onset_ratio x mean during the rise (errors the cap causes, not errors there all along)" },
	[P_SUPPORTING] = { "supporting", PARAM_STRINGS, NULL, 0, "demand_any columns listed in demand when they show, but not demand by themselves" },
	[P_MIN_ONSET_RATIO] = { "min_onset_ratio", PARAM_NUMBER, "2", 0, "see onset" },
	[P_MIN_EVIDENCE_SHARE] = { "min_evidence_share", PARAM_NUMBER, "0.25", 0, "share of plateau samples a demand_any column needs to be listed in demand" },
};

/* Identifiers: mode is capped or growing; confidence high, medium or low;
 * cap_reason known_default, round_number or exact_stop. */
static const char *const outputs[] = {
	"mode", "cap", "start", "rise", "reached_after", "held_from_start", "plateau_duration", "plateau_samples", "fell_to",
	"at_cap_share", "confidence", "cap_reason", "known", "round", "demand_share",
	"demand_mean", "demand_max", "samples", "duration", "slope", "slope_per_min",
	"next_cap", "time_to_next_cap", "last", "demand", "demand.column", "demand.share",
	"demand.mean", "demand.max", "demand.mean_when", "demand_kinds", "transient_samples", NULL,
};

static int is_known(double v, const struct arg *k)
{
	int i;

	for (i = 0; i < k->nnums; i++)
		if (k->nums[i] == v)
			return 1;
	return 0;
}

/* Demand over rows idx[from..n): the demand column and every demand_any
 * column; a sample has demand when any of them is > 0. Fills demand_share
 * (of samples with any), demand_mean/max (of the demand column, or of the
 * first demand_any one) and the list demand (each column that showed, in
 * the rule's order). Returns 1 when demand held in at least
 * min_demand_share of the samples, 0 when not, -1 when a named column is not
 * in the query (message in h). */
static int demand_ok(const struct detector_input *in, const size_t *idx, size_t from, size_t n,
		     struct hit *h)
{
	const struct arg *any = &in->args[P_DEMAND_ANY];
	int cols[17], nc = 0, c, kinds = 0;
	size_t i, seen = 0, pos = 0;
	double sum[17] = { 0 }, mx[17] = { 0 }, cnt[17] = { 0 };
	int off[17] = { 0 }, support[17] = { 0 };

	if (in->cols[P_DEMAND] >= 0)
		cols[nc++] = in->cols[P_DEMAND];
	for (c = 0; any->set && c < any->nstrs && nc < 17; c++) {
		int k = rowset_col(in->rs, any->strs[c]);

		if (k < 0)
			return hit_error(h, "demand_any names column '%s', which the query does not return", any->strs[c]);
		cols[nc++] = k;
	}
	if (!nc)
		return 1;
	/* Onset columns: off unless they rose with the cap (none seen rising:
	 * off, there is nothing to compare with). */
	for (c = in->cols[P_DEMAND] >= 0; c < nc; c++) {
		const struct arg *on = &in->args[P_ONSET];
		const char *name = any->strs[c - (in->cols[P_DEMAND] >= 0)];
		double pre = 0, at = 0, v;
		size_t npre = 0, nat = 0;
		int k, gated = 0;

		for (k = 0; in->args[P_SUPPORTING].set && k < in->args[P_SUPPORTING].nstrs; k++)
			support[c] |= !strcmp(in->args[P_SUPPORTING].strs[k], name);
		for (k = 0; on->set && k < on->nstrs; k++)
			gated |= !strcmp(on->strs[k], name);
		if (!gated)
			continue;
		for (i = 0; i < n; i++) {
			if (cell_num(rowset_cell(in->rs, idx[i], cols[c]), &v) < 0)
				continue;
			if (i < from) {
				pre += v;
				npre++;
			} else {
				at += v;
				nat++;
			}
		}
		if (!npre || !nat || at <= 0 ||
		    at / (double)nat < in->args[P_MIN_ONSET_RATIO].num * pre / (double)npre)
			off[c] = 1;
	}
	for (i = from; i < n; i++) {
		int got = 0, valid = 0;

		for (c = 0; c < nc; c++) {
			double v;

			if (off[c] || cell_num(rowset_cell(in->rs, idx[i], cols[c]), &v) < 0)
				continue;
			valid = 1;
			sum[c] += v;
			if (v > mx[c])
				mx[c] = v;
			if (v > 0) {
				cnt[c]++;
				got |= !support[c];
			}
		}
		seen += valid;
		pos += got;
	}
	if (!seen || (double)pos < in->args[P_MIN_DEMAND_SHARE].num * (double)seen)
		return 0;
	hit_num(h, "demand_share", (double)pos / (double)seen);
	hit_num(h, "demand_mean", sum[0] / (double)seen);
	hit_num(h, "demand_max", mx[0]);
	/* Each demand_any column that showed at all, in the rule's order. */
	for (c = in->cols[P_DEMAND] >= 0; c < nc; c++) {
		int w = c - (in->cols[P_DEMAND] >= 0);
		struct hit_item *it;

		if (cnt[c] <= 0 || cnt[c] < in->args[P_MIN_EVIDENCE_SHARE].num * (double)seen)
			continue;
		kinds++;
		if (!(it = hit_item_add(h, "demand")))
			continue;
		hit_item_ident(it, "column", "%s", any->strs[w]);
		hit_item_num(it, "share", cnt[c] / (double)seen);
		hit_item_num(it, "mean", sum[c] / (double)seen);
		hit_item_num(it, "max", mx[c]);
		hit_item_num(it, "mean_when", sum[c] / cnt[c]);
	}
	if (in->cols[P_DEMAND] >= 0 && cnt[0] >= in->args[P_MIN_EVIDENCE_SHARE].num * (double)seen && cnt[0] > 0)
		kinds++;
	hit_num(h, "demand_kinds", kinds);
	return 1;
}

/* The value the count holds at the end: the most frequent value of the last
 * samples (the larger on a tie). */
static double held_value(const double *y, size_t n, size_t last)
{
	double best = y[n - 1];
	size_t i, j, best_n = 0;

	if (last > n)
		last = n;
	for (i = n - last; i < n; i++) {
		size_t k = 0;

		for (j = n - last; j < n; j++)
			k += y[j] == y[i];
		if (k > best_n || (k == best_n && y[i] > best)) {
			best_n = k;
			best = y[i];
		}
	}
	return best;
}

static void confidence(struct hit *h, double cap, const struct arg *known, int whole)
{
	int k = is_known(cap, known), r = stats_is_round(cap);

	hit_bool(h, "known", k);
	hit_bool(h, "round", r);
	if (k) {
		hit_ident(h, "confidence", "high");
		hit_ident(h, "cap_reason", "known_default");
	} else if (r) {
		hit_ident(h, "confidence", whole ? "medium" : "high");
		hit_ident(h, "cap_reason", "round_number");
	} else {
		hit_ident(h, "confidence", whole ? "low" : "medium");
		hit_ident(h, "cap_reason", "exact_stop");
	}
	h->score = 0.5 + 0.25 * r + 0.25 * k;
}

/* The growth before sample p: the lowest value before it (into *start) and
 * how many separate increases led up to it. */
static size_t rise_before(const double *y, size_t p, double *start)
{
	size_t i, steps = 0;

	*start = y[0];
	for (i = 1; i < p; i++) {
		if (y[i] < *start)
			*start = y[i];
		if (y[i] > y[i - 1])
			steps++;
	}
	if (p > 0 && y[p] > y[p - 1])
		steps++;
	return steps;
}

/* The longest stretch of y at exactly v, brief dips of at most gap samples
 * tolerated: runs of v joined across such dips. Sets [*a, *b] (its first and
 * last samples, both at v) and *at (samples at v in it); returns its length,
 * 0 when v never shows. */
static size_t longest_at(const double *y, size_t n, double v, size_t gap, size_t *a, size_t *b, size_t *at)
{
	size_t i = 0, best = 0;

	while (i < n) {
		size_t s, e, k = 0, j;

		if (y[i] != v) {
			i++;
			continue;
		}
		s = e = i;
		for (j = i; j < n; j++) {
			if (y[j] == v) {
				e = j;
				k++;
			} else if (j - e > gap) {
				break;
			}
		}
		if (e - s + 1 > best) {
			best = e - s + 1;
			*a = s;
			*b = e;
			*at = k;
		}
		i = e + 1;
	}
	return best;
}

/* The longest run of samples above v. */
static size_t longest_above(const double *y, size_t n, double v)
{
	size_t i, run = 0, best = 0;

	for (i = 0; i < n; i++) {
		run = y[i] > v ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

static int cmp_desc(const void *pa, const void *pb)
{
	double a = *(const double *)pa, b = *(const double *)pb;

	return (a < b) - (a > b);
}

/* A cap held and then left: the count stayed at one value (the highest that
 * nothing stayed above for longer than a transient) and then fell before the
 * capture ended (a client's timeouts closing connections that waited too
 * long, the incident passing). Tried only when the count does not hold its
 * cap at the end. Returns 1 fired, 0 not, -1 on error (message in h). */
static int held_then_fell(const struct detector_input *in, const double *x, const double *y,
			  const size_t *idx, size_t nn, struct hit *h)
{
	const struct arg *a = in->args;
	size_t gap = a[P_MAX_TRANSIENT].num > 0 ? (size_t)a[P_MAX_TRANSIENT].num : 0;
	size_t i, nv = 0, tries, from = 0, to = 0, at = 0, len = 0, steps = 0;
	double *v, cap = 0, start;
	int found = 0, fired;

	if (!(v = malloc(nn * sizeof(*v))))
		return hit_error(h, "out of memory");
	memcpy(v, y, nn * sizeof(*v));
	qsort(v, nn, sizeof(*v), cmp_desc);
	for (i = 0; i < nn; i++)
		if (!nv || v[i] != v[nv - 1])
			v[nv++] = v[i];
	/* From the highest value down, while nothing stayed above it for longer
	 * than a transient; a few tries (each a pass over the series). */
	for (i = 0, tries = 0; i < nv && tries < 16; i++, tries++) {
		if ((double)longest_above(y, nn, v[i]) > a[P_MAX_TRANSIENT].num)
			break;
		len = longest_at(y, nn, v[i], gap, &from, &to, &at);
		if ((double)len >= a[P_MIN_PLATEAU_SAMPLES].num && (double)len >= a[P_MIN_PLATEAU_SHARE].num * (double)nn &&
		    (double)at >= a[P_PLATEAU_TOLERANCE].num * (double)len) {
			cap = v[i];
			found = 1;
			break;
		}
	}
	free(v);
	if (!found || y[nn - 1] >= cap || cap < a[P_MIN_RISE].num)
		return 0;
	steps = rise_before(y, from, &start);
	if (from > 0 && cap - start >= a[P_MIN_RISE].num && (double)steps >= a[P_MIN_RISE_STEPS].num) {
		if ((fired = demand_ok(in, idx, from, to + 1, h)) <= 0)
			return fired;
		hit_num(h, "start", start);
		hit_num(h, "rise", cap - start);
		hit_num(h, "reached_after", x[from] - x[0]);
		confidence(h, cap, &a[P_KNOWN_CAPS], 0);
	} else if ((double)from <= a[P_MAX_TRANSIENT].num && a[P_FLAT_KNOWN].num > 0 && is_known(cap, &a[P_KNOWN_CAPS])) {
		/* Held from (about) the start: the capture began with the pool full. */
		if ((fired = demand_ok(in, idx, from, to + 1, h)) <= 0)
			return fired;
		hit_num(h, "held_from_start", x[to] - x[0]);
		confidence(h, cap, &a[P_KNOWN_CAPS], 1);
	} else {
		return 0;
	}
	{
		size_t must[4] = { idx[from], idx[to], idx[to + 1], idx[nn - 1] };

		hit_ident(h, "mode", "capped");
		hit_num(h, "cap", cap);
		hit_num(h, "plateau_duration", x[to] - x[from]);
		hit_num(h, "plateau_samples", (double)(to - from + 1));
		hit_num(h, "at_cap_share", (double)at / (double)(to - from + 1));
		hit_num(h, "fell_to", y[nn - 1]);
		h->from_row = idx[from];
		h->to_row = idx[to];
		hit_evidence_spread(h, idx, nn, 6, must, 4);
	}
	return 1;
}

static int run(const struct detector_input *in, struct hit *h)
{
	const struct arg *a = in->args;
	double *x = NULL, *y = NULL, scale = a[P_X_SCALE].num, cap, start, ymax = 0;
	size_t *idx = NULL, i, p, best_p, at, steps = 0, nn, transient = 0;
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
	{
		/* The cap is what the count holds at the end, over the shortest
		 * plateau that could fire; runs above it longer than max_transient
		 * mean it is no cap (the count went past it for real). */
		size_t last = (size_t)ceil(a[P_MIN_PLATEAU_SHARE].num * (double)nn), run = 0, over = 0;
		int real_over = 0;

		if ((double)last < a[P_MIN_PLATEAU_SAMPLES].num)
			last = (size_t)a[P_MIN_PLATEAU_SAMPLES].num;
		if (last < 1)
			last = 1;
		cap = held_value(y, nn, last);
		for (i = 0; i < nn; i++) {
			run = y[i] > cap ? run + 1 : 0;
			over += y[i] > cap;
			if ((double)run > a[P_MAX_TRANSIENT].num)
				real_over = 1;
		}
		if (real_over) {
			cap = y[0];
			for (i = 1; i < nn; i++)
				if (y[i] > cap)
					cap = y[i];
		} else {
			ymax = cap;
			for (i = 0; i < nn; i++)
				if (y[i] > cap) {
					ymax = y[i] > ymax ? y[i] : ymax;
					y[i] = cap;
				}
			transient = over;
		}
	}

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
		steps = rise_before(y, p, &start);
		if (p > 0 && (double)k >= a[P_MIN_PLATEAU_SAMPLES].num &&
		    (double)k >= a[P_MIN_PLATEAU_SHARE].num * (double)nn &&
		    cap - start >= a[P_MIN_RISE].num && (double)steps >= a[P_MIN_RISE_STEPS].num &&
		    (fired = demand_ok(in, idx, p, nn, h)) > 0) {
			size_t must[3] = { idx[p - 1], idx[p], idx[nn - 1] };

			hit_ident(h, "mode", "capped");
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
			   (fired = demand_ok(in, idx, 0, nn, h)) > 0) {
			/* Captured after the pool filled: no growth seen, but a known
			 * default held exactly while demand persisted.
			 * No start, rise or reached_after (nothing grew in the
			 * capture): held_from_start says how long it held instead. */
			hit_ident(h, "mode", "capped");
			hit_num(h, "cap", cap);
			hit_num(h, "held_from_start", x[nn - 1] - x[0]);
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
	if (fired < 0)
		goto out;
	if (!fired && (fired = held_then_fell(in, x, y, idx, nn, h)) < 0)
		goto out;
	if (!fired && a[P_REPORT_GROWING].num > 0) {
		struct linfit f;
		size_t held;

		/* Growth is judged on the counts as they were. */
		if (transient) {
			free(x);
			free(y);
			free(idx);
			n = detector_series(in, in->cols[P_X], in->cols[P_Y], &x, &y, &idx);
			if (n < 0)
				return hit_error(h, "out of memory");
			for (i = 0; i < nn; i++)
				x[i] *= scale;
			cap = ymax;
			transient = 0;
		}

		start = y[0];
		for (i = 1; i < nn; i++)
			if (y[i] < start)
				start = y[i];
		/* How long the last value has held: as long as a plateau, and the
		 * growth has stopped (a keep-alive pool at its high-water mark),
		 * whatever a line through the whole capture says. */
		for (held = 1; held < nn && y[nn - 1 - held] == y[nn - 1]; held++)
			;
		/* Still under way: a good line going up, the last samples at the
		 * top, and not holding there. */
		if (stats_linfit(x, y, nn, &f) == 0 && f.slope > 0 && f.r2 >= a[P_MIN_GROWTH_R2].num &&
		    cap - start >= a[P_MIN_RISE].num && y[nn - 1] >= cap - (cap - start) * 0.1 &&
		    (double)held < a[P_MIN_PLATEAU_SAMPLES].num &&
		    (fired = demand_ok(in, idx, nn / 2, nn, h)) > 0) {
			double next = stats_next_cap(y[nn - 1], a[P_KNOWN_CAPS].nums,
						     (size_t)a[P_KNOWN_CAPS].nnums);

			hit_ident(h, "mode", "growing");
			hit_num(h, "start", start);
			hit_num(h, "rise", y[nn - 1] - start);
			hit_num(h, "slope", f.slope);
			hit_num(h, "slope_per_min", f.slope * 60);
			hit_num(h, "next_cap", next);
			hit_num(h, "time_to_next_cap", (next - y[nn - 1]) / f.slope);
			hit_ident(h, "confidence", "low");
			h->score = 0.3 * f.r2;
			h->from_row = idx[0];
			h->to_row = idx[nn - 1];
			hit_evidence_spread(h, idx, nn, 8, NULL, 0);
			fired = 1;
		}
	}
	if (fired > 0) {
		hit_num(h, "transient_samples", (double)transient);
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
