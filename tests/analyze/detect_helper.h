/* Test helpers for detectors: a rule built through the real pack loader (so
 * parameters go through the same parsing), and synthetic series as rowsets. */
#ifndef TEST_DETECT_HELPER_H
#define TEST_DETECT_HELPER_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detector.h"
#include "rulepack.h"
#include "rowset.h"

/* Deterministic noise in [-1, 1]. */
static inline double noise(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return ((double)((*seed >> 16) & 0x7fff) / 16383.5) - 1.0;
}

/* Loads a one-rule pack with DETECTOR and PARAMS (a YAML flow mapping). */
static inline void load_rule(struct rulepack *p, const char *detector, const char *params)
{
	char yaml[2048];

	memset(p, 0, sizeof(*p));
	snprintf(yaml, sizeof(yaml),
		 "rules:\n"
		 "  - id: t\n    title: t\n    severity: low\n    requires: [ticks]\n"
		 "    query: SELECT 1\n    detector: %s\n    params: %s\n"
		 "    message: m\n    next_step: n\n", detector, params);
	assert_int_equal(rulepack_load_buffer(p, "test.yaml", yaml, strlen(yaml)), 0);
	assert_int_equal(p->nrules, 1);
}

/* A rowset with numeric columns NAMES (comma-separated) and N rows from
 * arrays (NULL array: column of NULLs). */
static inline void make_rowset(struct rowset *rs, const char *names, size_t n, ...)
{
	char buf[256], *save = NULL, *t;
	double *cols[16];
	int nc = 0, c;
	size_t r;
	va_list ap;

	memset(rs, 0, sizeof(*rs));
	snprintf(buf, sizeof(buf), "%s", names);
	rs->cols = calloc(16, sizeof(char *));
	for (t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		rs->cols[nc++] = strdup(t);
	rs->ncols = nc;
	va_start(ap, n);
	for (c = 0; c < nc; c++)
		cols[c] = va_arg(ap, double *);
	va_end(ap);
	rs->cells = calloc(n * (size_t)nc + 1, sizeof(struct cell));
	rs->nrows = rs->alloc = n;
	for (r = 0; r < n; r++)
		for (c = 0; c < nc; c++) {
			struct cell *cl = &rs->cells[r * (size_t)nc + (size_t)c];

			if (!cols[c]) {
				cl->type = CELL_NULL;
			} else if (cols[c][r] == floor(cols[c][r]) && fabs(cols[c][r]) < 9e15) {
				cl->type = CELL_INT;
				cl->u.i = (long long)cols[c][r];
			} else {
				cl->type = CELL_REAL;
				cl->u.d = cols[c][r];
			}
		}
}

/* Runs the pack's one rule's detector over all rows of RS as one group. */
static inline int run_detector(const struct rulepack *p, const struct rowset *rs, struct hit *h)
{
	const struct rule *r = &p->rules[0];
	size_t *rows = calloc(rs->nrows + 1, sizeof(size_t)), i;
	int cols[64], k, rc;
	struct detector_input in;

	for (i = 0; i < rs->nrows; i++)
		rows[i] = i;
	for (k = 0; k < r->detector->nparams; k++) {
		cols[k] = -1;
		if (r->detector->params[k].type == PARAM_COLUMN && r->args[k].set)
			cols[k] = rowset_col(rs, r->args[k].strs[0]);
	}
	in.rs = rs;
	in.rows = rows;
	in.n = rs->nrows;
	in.args = r->args;
	in.cols = cols;
	memset(h, 0, sizeof(*h));
	rc = r->detector->run(&in, h);
	free(rows);
	return rc;
}

static inline double out_num(const struct hit *h, const char *name)
{
	const struct hit_output *o = hit_get(h, name);

	assert_non_null(o);
	return o->num;
}

static inline const char *out_text(const struct hit *h, const char *name)
{
	const struct hit_output *o = hit_get(h, name);

	assert_non_null(o);
	return o->text;
}

/* Field FIELD of item I of the list output LIST (asserted present). */
static inline const struct hit_field *item_field(const struct hit *h, const char *list, int i,
						  const char *field)
{
	const struct hit_field *f = hit_item_get(hit_list_item(h, list, i), field);

	assert_non_null(f);
	return f;
}

/* Seconds 0..n-1 as wall_us from a fixed epoch. */
static inline double *time_axis(size_t n, double step_s)
{
	double *x = calloc(n, sizeof(double));
	size_t i;

	for (i = 0; i < n; i++)
		x[i] = 1.8e15 + (double)i * step_s * 1e6;
	return x;
}

#endif
