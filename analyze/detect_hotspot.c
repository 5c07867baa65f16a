/* hotspot: the code that dominates the on-CPU samples while the CPU is the
 * bottleneck. Rows are per tick and code key (a function's own samples, or a
 * script's samples anywhere on the stack), each carrying the tick's CPU
 * state; the detector keeps the hot ticks (a thread near a whole core, or
 * the cgroup throttled), sums each key over them and fires when one script
 * or one function takes a large share of all samples of those ticks.
 *
 * Both conditions are needed: a busy healthy server saturates a core too,
 * but its samples spread over many functions (and the kernel's); and one
 * function on top of an idle process is no finding. */
#include "demangle.h"
#include "detector.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	P_TICK, P_KIND, P_CODE, P_MODULE, P_SAMPLES, P_DEPTH, P_TICK_SAMPLES, P_THREAD_PCT, P_THROTTLED,
	P_MIN_THREAD_PCT, P_MIN_THROTTLED, P_MIN_HOT_TICKS, P_MIN_HOT_SHARE, P_MIN_SAMPLES,
	P_MIN_FUNCTION_SHARE, P_MIN_SCRIPT_SHARE, P_N,
};

static const struct param_spec params[] = {
	[P_TICK] = { "tick", PARAM_COLUMN, "tick", 0, "the tick (rows in tick order)" },
	[P_KIND] = { "kind", PARAM_COLUMN, "kind", 0, "'function' (self samples) or 'script' (samples under it)" },
	[P_CODE] = { "code", PARAM_COLUMN, "code", 0, "the function or script" },
	[P_MODULE] = { "module", PARAM_COLUMN, "module", 0, "the function's module (shared object, executable, script)" },
	[P_SAMPLES] = { "samples", PARAM_COLUMN, "samples", 0, "the key's samples in the tick" },
	[P_DEPTH] = { "depth", PARAM_COLUMN, NULL, 0, "scripts: their innermost frame's depth summed over their samples (breaks ties)" },
	[P_TICK_SAMPLES] = { "tick_samples", PARAM_COLUMN, "tick_samples", 0, "all samples of the tick" },
	[P_THREAD_PCT] = { "thread_pct", PARAM_COLUMN, "thread_pct", 0, "the busiest thread's CPU, % of a core" },
	[P_THROTTLED] = { "throttled", PARAM_COLUMN, "throttled_share", 0, "share of CFS periods throttled" },
	[P_MIN_THREAD_PCT] = { "min_thread_pct", PARAM_NUMBER, "90", 0, "a tick is hot when a thread ran at least this % of a core" },
	[P_MIN_THROTTLED] = { "min_throttled", PARAM_NUMBER, "0.1", 0, "... or the cgroup throttled at least this share of periods" },
	[P_MIN_HOT_TICKS] = { "min_hot_ticks", PARAM_NUMBER, "5", 0, "hot ticks needed" },
	[P_MIN_HOT_SHARE] = { "min_hot_share", PARAM_NUMBER, "0.25", 0, "share of the ticks with samples that must be hot" },
	[P_MIN_SAMPLES] = { "min_samples", PARAM_NUMBER, "50", 0, "samples in the hot ticks needed" },
	[P_MIN_FUNCTION_SHARE] = { "min_function_share", PARAM_NUMBER, "0.3", 0, "share of the hot samples one function must take (self)" },
	[P_MIN_SCRIPT_SHARE] = { "min_script_share", PARAM_NUMBER, "0.5", 0, "share of the hot samples under one script" },
	[P_N] = { "n", PARAM_NUMBER, "5", 0, "functions listed" },
};

/* kind: 'function' or 'script' (the key named); code: the function or
 * script; module, module_name: its module's path and last component; cause:
 * 'throttled' (every hot tick), 'saturated' (none throttled) or 'both';
 * throttled_pct: the mean throttled share of the throttled ticks; functions: the first n functions by self
 * samples; scripts: the first n scripts. */
static const char *const outputs[] = {
	"kind", "code", "module", "module_name", "share", "pct", "samples", "hot_samples",
	"hot_ticks", "ticks", "hot_share", "cause", "thread_pct", "throttled_ticks", "throttled_pct",
	"functions", "functions.code", "functions.module_name", "functions.pct",
	"scripts", "scripts.code", "scripts.pct", NULL,
};

struct key {
	int script;           /* 1: a script, 0: a function */
	const char *code, *module;
	double samples, depth;
	size_t first_row;     /* the key's first row in a hot tick */
};

static int cmp_name(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	int c;

	if (x->script != y->script)
		return x->script - y->script;
	if ((c = strcmp(x->code, y->code)))
		return c;
	return strcmp(x->module, y->module);
}

static int cmp_samples(const void *a, const void *b)
{
	const struct key *x = a, *y = b;

	if (x->samples != y->samples)
		return x->samples > y->samples ? -1 : 1;
	return cmp_name(a, b);
}

static const char *text_of(const struct detector_input *in, size_t r, int p)
{
	const struct cell *c = rowset_cell(in->rs, r, in->cols[p]);

	return c->type == CELL_TEXT ? c->u.s : "";
}

static double num_of(const struct detector_input *in, size_t r, int p, double dflt)
{
	double v;

	if (in->cols[p] < 0 || cell_num(rowset_cell(in->rs, r, in->cols[p]), &v) < 0)
		return dflt;
	return v;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s && s[1] ? s + 1 : path;
}

/* A function's name as the reports show it (C++ demangled). */
static const char *shown(const struct key *k, char *buf, size_t len)
{
	return !k->script && demangle(k->code, buf, len) == 0 ? buf : k->code;
}

static void list_add(struct hit *h, const char *list, const struct key *k, double total, int with_module)
{
	struct hit_item *it = hit_item_add(h, list);
	char buf[DEMANGLE_OUT_MAX];

	hit_item_ident(it, "code", "%s", shown(k, buf, sizeof(buf)));
	if (with_module)
		hit_item_ident(it, "module_name", "%s", base_name(k->module));
	hit_item_num(it, "pct", 100 * k->samples / total);
}

static int run(const struct detector_input *in, struct hit *h)
{
	const struct arg *a = in->args;
	struct key *keys, *pick = NULL;
	size_t i, nk = 0, nu = 0, first_hot = 0, last_hot = 0;
	double ticks = 0, hot_ticks = 0, throttled_ticks = 0, hot_samples = 0;
	double sum_thread = 0, sum_throttled = 0, prev_tick = -1;
	int hot = 0, fired = 0, listed;

	keys = calloc(in->n ? in->n : 1, sizeof(*keys));
	if (!keys)
		return hit_error(h, "out of memory");
	for (i = 0; i < in->n; i++) {
		size_t r = in->rows[i];
		double tick = num_of(in, r, P_TICK, -1), s;

		if (tick != prev_tick) {
			double thr = num_of(in, r, P_THROTTLED, 0), tp = num_of(in, r, P_THREAD_PCT, 0);
			int throttled = thr >= a[P_MIN_THROTTLED].num;

			prev_tick = tick;
			ticks++;
			hot = throttled || tp >= a[P_MIN_THREAD_PCT].num;
			if (hot) {
				if (!hot_ticks)
					first_hot = r;
				last_hot = r;
				hot_ticks++;
				throttled_ticks += throttled;
				hot_samples += num_of(in, r, P_TICK_SAMPLES, 0);
				sum_thread += tp;
				if (throttled)
					sum_throttled += thr;
			}
		}
		s = num_of(in, r, P_SAMPLES, 0);
		if (!hot || s <= 0)
			continue;
		keys[nk].script = !strcmp(text_of(in, r, P_KIND), "script");
		keys[nk].code = text_of(in, r, P_CODE);
		keys[nk].module = text_of(in, r, P_MODULE);
		keys[nk].samples = s;
		keys[nk].depth = num_of(in, r, P_DEPTH, 0);
		keys[nk].first_row = r;
		nk++;
	}
	if (hot_ticks < a[P_MIN_HOT_TICKS].num || hot_ticks < a[P_MIN_HOT_SHARE].num * ticks ||
	    hot_samples < a[P_MIN_SAMPLES].num || hot_samples <= 0 || !nk)
		goto out;
	/* One entry per key: rows of a key in several ticks summed. */
	qsort(keys, nk, sizeof(*keys), cmp_name);
	for (i = 0; i < nk; i++) {
		if (nu && !cmp_name(&keys[nu - 1], &keys[i])) {
			keys[nu - 1].samples += keys[i].samples;
			keys[nu - 1].depth += keys[i].depth;
			if (keys[i].first_row < keys[nu - 1].first_row)
				keys[nu - 1].first_row = keys[i].first_row;
		} else {
			keys[nu++] = keys[i];
		}
	}
	qsort(keys, nu, sizeof(*keys), cmp_samples);
	/* A script names the code better than a function in it: of the scripts
	 * over the line, the one with the fewest samples is the innermost (a
	 * file every stack passes through, the app's entry, holds more); of
	 * scripts on the very same samples, the one deeper on the stacks. */
	for (i = 0; i < nu; i++)
		if (keys[i].script && keys[i].samples >= a[P_MIN_SCRIPT_SHARE].num * hot_samples &&
		    (!pick || keys[i].samples < pick->samples ||
		     (keys[i].samples == pick->samples && keys[i].depth > pick->depth)))
			pick = &keys[i];
	if (!pick)
		for (i = 0; i < nu && !pick; i++)
			if (!keys[i].script && keys[i].samples >= a[P_MIN_FUNCTION_SHARE].num * hot_samples)
				pick = &keys[i];
	if (!pick)
		goto out;
	hit_ident(h, "kind", "%s", pick->script ? "script" : "function");
	{
		char buf[DEMANGLE_OUT_MAX];

		hit_ident(h, "code", "%s", shown(pick, buf, sizeof(buf)));
	}
	hit_ident(h, "module", "%s", pick->module);
	hit_ident(h, "module_name", "%s", base_name(pick->module));
	hit_num(h, "share", pick->samples / hot_samples);
	hit_num(h, "pct", 100 * pick->samples / hot_samples);
	hit_num(h, "samples", pick->samples);
	hit_num(h, "hot_samples", hot_samples);
	hit_num(h, "hot_ticks", hot_ticks);
	hit_num(h, "ticks", ticks);
	hit_num(h, "hot_share", hot_ticks / ticks);
	hit_ident(h, "cause", "%s", throttled_ticks == hot_ticks ? "throttled" : !throttled_ticks ? "saturated" : "both");
	hit_num(h, "thread_pct", sum_thread / hot_ticks);
	hit_num(h, "throttled_ticks", throttled_ticks);
	if (throttled_ticks)
		hit_num(h, "throttled_pct", 100 * sum_throttled / throttled_ticks);
	for (i = 0, listed = 0; i < nu && listed < a[P_N].num; i++)
		if (!keys[i].script) {
			list_add(h, "functions", &keys[i], hot_samples, 1);
			listed++;
		}
	for (i = 0, listed = 0; i < nu && listed < a[P_N].num; i++)
		if (keys[i].script) {
			list_add(h, "scripts", &keys[i], hot_samples, 0);
			listed++;
		}
	h->score = pick->samples / hot_samples;
	h->rep_row = pick->first_row;
	hit_range(h, first_hot, last_hot);
	{
		size_t must[3] = { first_hot, pick->first_row, last_hot };

		hit_evidence_spread(h, must, 0, 0, must, 3);
	}
	fired = 1;
out:
	free(keys);
	return fired;
}

const struct detector detect_hotspot = {
	.name = "hotspot",
	.summary = "CPU hotspot: over the ticks where the CPU is saturated or throttled, one script or function takes most samples",
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.outputs = outputs,
	.run = run,
};
