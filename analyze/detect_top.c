/* top: the contributors to a total (syscalls, remote endpoints, messages),
 * ranked; fires when the top one (or a named set of keys) takes a large share. */
#include "detector.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { P_KEY, P_VALUE, P_N, P_MIN_SHARE, P_MIN_TOTAL, P_KEYS, P_MIN_VALUE };

static const struct param_spec params[] = {
	[P_KEY] = { "key", PARAM_COLUMN, NULL, 1, "what contributes (name)" },
	[P_VALUE] = { "value", PARAM_COLUMN, NULL, 1, "how much (rows with the same key are summed)" },
	[P_N] = { "n", PARAM_NUMBER, "5", 0, "contributors listed" },
	[P_MIN_SHARE] = { "min_share", PARAM_NUMBER, "0.5", 0, "share of the total needed" },
	[P_MIN_TOTAL] = { "min_total", PARAM_NUMBER, "0", 0, "total needed" },
	[P_KEYS] = { "keys", PARAM_STRINGS, NULL, 0, "judge the share of these keys together instead of the top one" },
	[P_MIN_VALUE] = { "min_value", PARAM_NUMBER, "0", 0, "value of the judged keys needed" },
};

/* ranked: the first n contributors, largest first. */
static const char *const outputs[] = {
	"top", "top_value", "top_share", "top_pct", "share", "pct", "value", "total", "keys",
	"ranked", "ranked.key", "ranked.value", "ranked.share", "ranked.pct", NULL,
};

struct contrib {
	const char *key;
	double value;
	size_t row;
};

static int cmp_contrib(const void *a, const void *b)
{
	const struct contrib *x = a, *y = b;

	if (x->value != y->value)
		return x->value > y->value ? -1 : 1;
	return strcmp(x->key, y->key);
}

static int selected(const struct arg *keys, const char *key)
{
	int i;

	for (i = 0; i < keys->nstrs; i++)
		if (!strcmp(keys->strs[i], key))
			return 1;
	return 0;
}

static int run(const struct detector_input *in, struct hit *h)
{
	const struct arg *a = in->args;
	struct contrib *c;
	char keybuf[128];
	size_t i, j, nc = 0, top_n;
	double total = 0, judged = 0;
	int fired = 0;

	c = calloc(in->n ? in->n : 1, sizeof(*c));
	if (!c)
		return hit_error(h, "out of memory");
	for (i = 0; i < in->n; i++) {
		const struct cell *k = rowset_cell(in->rs, in->rows[i], in->cols[P_KEY]);
		double v;
		const char *key;

		if (cell_num(rowset_cell(in->rs, in->rows[i], in->cols[P_VALUE]), &v) < 0 || v < 0)
			continue;
		key = k->type == CELL_TEXT ? k->u.s : NULL;
		if (!key) {
			/* Numeric keys (ports) are compared as text. */
			key = strdup(cell_text(k, keybuf, sizeof(keybuf)));
			if (!key)
				goto out;
		}
		for (j = 0; j < nc; j++)
			if (!strcmp(c[j].key, key))
				break;
		if (j == nc) {
			c[nc].key = key;
			c[nc].row = in->rows[i];
			nc++;
		} else if (k->type != CELL_TEXT) {
			free((char *)key);
		}
		c[j].value += v;
		total += v;
	}
	if (!nc || total <= 0 || total < a[P_MIN_TOTAL].num)
		goto out;
	qsort(c, nc, sizeof(*c), cmp_contrib);
	if (a[P_KEYS].set) {
		for (j = 0; j < nc; j++)
			if (selected(&a[P_KEYS], c[j].key))
				judged += c[j].value;
	} else {
		judged = c[0].value;
	}
	if (judged / total < a[P_MIN_SHARE].num || judged < a[P_MIN_VALUE].num || judged <= 0)
		goto out;
	top_n = a[P_N].num >= 1 ? (size_t)a[P_N].num : 1;
	if (top_n > nc)
		top_n = nc;
	hit_ident(h, "top", "%s", c[0].key);
	hit_num(h, "top_value", c[0].value);
	hit_num(h, "top_share", c[0].value / total);
	hit_num(h, "top_pct", 100 * c[0].value / total);
	hit_num(h, "share", judged / total);
	hit_num(h, "pct", 100 * judged / total);
	hit_num(h, "value", judged);
	hit_num(h, "total", total);
	hit_num(h, "keys", (double)nc);
	for (j = 0; j < top_n; j++) {
		struct hit_item *it = hit_item_add(h, "ranked");

		hit_item_ident(it, "key", "%s", c[j].key);
		hit_item_num(it, "value", c[j].value);
		hit_item_num(it, "share", c[j].value / total);
		hit_item_num(it, "pct", 100 * c[j].value / total);
	}
	h->score = judged / total;
	h->rep_row = c[0].row;
	{
		size_t must[HIT_MAX_EVIDENCE];
		int nm = 0;

		for (j = 0; j < top_n && nm < HIT_MAX_EVIDENCE; j++)
			must[nm++] = c[j].row;
		hit_evidence_spread(h, must, 0, 0, must, nm);
	}
	fired = 1;
out:
	for (j = 0; j < nc; j++) {
		const struct cell *k = rowset_cell(in->rs, c[j].row, in->cols[P_KEY]);

		if (k->type != CELL_TEXT)
			free((char *)c[j].key);
	}
	free(c);
	return fired;
}

const struct detector detect_top = {
	.name = "top",
	.summary = "top contributors: ranks keys by value; fires when the top one (or named keys) dominate",
	.params = params,
	.nparams = sizeof(params) / sizeof(params[0]),
	.outputs = outputs,
	.run = run,
};
