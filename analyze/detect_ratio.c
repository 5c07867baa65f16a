/* ratio: sum(num) / sum(den) over the group, e.g. throttled periods over all
 * periods, or one syscall's share of all syscalls. */
#include "detector.h"

enum { P_NUM, P_DEN, P_MIN_RATIO, P_MIN_DEN, P_MIN_NUM };

static const struct param_spec params[] = {
	[P_NUM] = { "num", PARAM_COLUMN, NULL, 1, "numerator column (summed)" },
	[P_DEN] = { "den", PARAM_COLUMN, NULL, 1, "denominator column (summed)" },
	[P_MIN_RATIO] = { "min_ratio", PARAM_NUMBER, NULL, 1, "fires at or above this ratio" },
	[P_MIN_DEN] = { "min_den", PARAM_NUMBER, "1", 0, "a smaller denominator says too little" },
	[P_MIN_NUM] = { "min_num", PARAM_NUMBER, "0", 0, "numerator needed" },
};

static const char *const outputs[] = { "ratio", "pct", "num", "den", "samples", NULL };

static int run(const struct detector_input *in, struct hit *h)
{
	const struct arg *a = in->args;
	double num = 0, den = 0, best = -1;
	size_t i, used = 0, best_row = 0;

	for (i = 0; i < in->n; i++) {
		double v, w;

		if (cell_num(rowset_cell(in->rs, in->rows[i], in->cols[P_NUM]), &v) < 0 ||
		    cell_num(rowset_cell(in->rs, in->rows[i], in->cols[P_DEN]), &w) < 0)
			continue;
		num += v;
		den += w;
		used++;
		if (v > best) {
			best = v;
			best_row = in->rows[i];
		}
	}
	if (!used || den <= 0 || den < a[P_MIN_DEN].num || num < a[P_MIN_NUM].num ||
	    num / den < a[P_MIN_RATIO].num)
		return 0;
	hit_num(h, "ratio", num / den);
	hit_num(h, "pct", 100 * num / den);
	hit_num(h, "num", num);
	hit_num(h, "den", den);
	hit_num(h, "samples", (double)used);
	h->score = num / den;
	h->rep_row = best_row;
	{
		size_t must[1] = { best_row };

		hit_evidence_spread(h, in->rows, in->n, 8, must, 1);
	}
	return 1;
}

const struct detector detect_ratio = {
	.name = "ratio",
	.summary = "ratio or share: sum(num) / sum(den) at or above a level",
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.outputs = outputs,
	.run = run,
};
