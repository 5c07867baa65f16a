/* The one table of detectors, and the helpers they share. */
#include "detector.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const struct detector detect_trend, detect_growth_to_cap, detect_threshold,
	detect_ratio, detect_correlation, detect_top;
extern const struct detector detect_hotspot;

const struct detector *const detectors[] = {
	&detect_trend,
	&detect_growth_to_cap,
	&detect_threshold,
	&detect_ratio,
	&detect_correlation,
	&detect_top,
	&detect_hotspot,
	NULL,
};

const struct detector *detector_find(const char *name)
{
	int i;

	for (i = 0; detectors[i]; i++)
		if (!strcmp(detectors[i]->name, name))
			return detectors[i];
	return NULL;
}

int detector_param_index(const struct detector *d, const char *name)
{
	int i;

	for (i = 0; i < d->nparams; i++)
		if (!strcmp(d->params[i].name, name))
			return i;
	return -1;
}

int detector_has_output(const struct detector *d, const char *name)
{
	int i;

	for (i = 0; d->outputs[i]; i++)
		if (!strcmp(d->outputs[i], name))
			return 1;
	return 0;
}

int detector_has_item_field(const struct detector *d, const char *name)
{
	int i;

	for (i = 0; d->outputs[i]; i++) {
		const char *dot = strchr(d->outputs[i], '.');

		if (dot && !strcmp(dot + 1, name))
			return 1;
	}
	return 0;
}

static struct hit_output *slot(struct hit *h, const char *name)
{
	int i;

	for (i = 0; i < h->nout; i++)
		if (!strcmp(h->out[i].name, name))
			return &h->out[i];
	if (h->nout == HIT_MAX_OUTPUTS)
		return NULL;
	h->out[h->nout].name = name;
	return &h->out[h->nout++];
}

static void set(struct hit *h, const char *name, enum hit_type type, double v)
{
	struct hit_output *o = slot(h, name);

	if (!o)
		return;
	o->type = type;
	o->num = v;
	o->text[0] = '\0';
}

void hit_num(struct hit *h, const char *name, double v)
{
	set(h, name, HIT_NUM, v);
}

void hit_bool(struct hit *h, const char *name, int v)
{
	set(h, name, HIT_BOOL, v != 0);
}

void hit_ident(struct hit *h, const char *name, const char *fmt, ...)
{
	struct hit_output *o = slot(h, name);
	va_list ap;

	if (!o)
		return;
	o->type = HIT_IDENT;
	o->num = 0;
	va_start(ap, fmt);
	vsnprintf(o->text, sizeof(o->text), fmt, ap);
	va_end(ap);
}

int hit_error(struct hit *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->error, sizeof(h->error), fmt, ap);
	va_end(ap);
	return -1;
}

const struct hit_output *hit_get(const struct hit *h, const char *name)
{
	int i;

	for (i = 0; i < h->nout; i++)
		if (!strcmp(h->out[i].name, name))
			return &h->out[i];
	return NULL;
}

struct hit_item *hit_item_add(struct hit *h, const char *list)
{
	struct hit_item *it;

	set(h, list, HIT_LIST, 0);
	if (h->nitems == HIT_MAX_ITEMS)
		return NULL;
	it = &h->items[h->nitems++];
	memset(it, 0, sizeof(*it));
	it->list = list;
	return it;
}

static struct hit_field *field_slot(struct hit_item *it, const char *field)
{
	int i;

	for (i = 0; i < it->nf; i++)
		if (!strcmp(it->f[i].name, field))
			return &it->f[i];
	if (it->nf == HIT_ITEM_FIELDS)
		return NULL;
	it->f[it->nf].name = field;
	return &it->f[it->nf++];
}

void hit_item_num(struct hit_item *it, const char *field, double v)
{
	struct hit_field *f = it ? field_slot(it, field) : NULL;

	if (!f)
		return;
	f->type = HIT_NUM;
	f->num = v;
	f->text[0] = '\0';
}

void hit_item_ident(struct hit_item *it, const char *field, const char *fmt, ...)
{
	struct hit_field *f = it ? field_slot(it, field) : NULL;
	va_list ap;

	if (!f)
		return;
	f->type = HIT_IDENT;
	f->num = 0;
	va_start(ap, fmt);
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
}

int hit_list_len(const struct hit *h, const char *list)
{
	int i, n = 0;

	for (i = 0; i < h->nitems; i++)
		n += !strcmp(h->items[i].list, list);
	return n;
}

const struct hit_item *hit_list_item(const struct hit *h, const char *list, int k)
{
	int i;

	for (i = 0; i < h->nitems; i++)
		if (!strcmp(h->items[i].list, list) && k-- == 0)
			return &h->items[i];
	return NULL;
}

const struct hit_field *hit_item_get(const struct hit_item *it, const char *field)
{
	int i;

	for (i = 0; it && i < it->nf; i++)
		if (!strcmp(it->f[i].name, field))
			return &it->f[i];
	return NULL;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

void hit_range(struct hit *h, size_t from_row, size_t to_row)
{
	h->from_row = from_row;
	h->to_row = to_row;
	h->has_range = 1;
}

void hit_evidence_spread(struct hit *h, const size_t *rows, size_t n, int k,
			 const size_t *must, int nmust)
{
	size_t pick[HIT_MAX_EVIDENCE * 2];
	int np = 0, i;

	if (n == 0)
		k = 0;
	for (i = 0; i < nmust && np < HIT_MAX_EVIDENCE; i++)
		pick[np++] = must[i];
	if (k > HIT_MAX_EVIDENCE - np)
		k = HIT_MAX_EVIDENCE - np;
	for (i = 0; i < k; i++) {
		size_t at = k > 1 ? (size_t)((double)i * (double)(n - 1) / (double)(k - 1) + 0.5) : n - 1;

		pick[np++] = rows[at < n ? at : n - 1];
	}
	qsort(pick, (size_t)np, sizeof(pick[0]), cmp_size);
	h->nevidence = 0;
	for (i = 0; i < np && h->nevidence < HIT_MAX_EVIDENCE; i++)
		if (i == 0 || pick[i] != pick[i - 1])
			h->evidence[h->nevidence++] = pick[i];
}

long detector_series(const struct detector_input *in, int col_x, int col_y,
		     double **xs, double **ys, size_t **idx)
{
	size_t i, m = 0;

	*xs = malloc((in->n ? in->n : 1) * sizeof(double));
	*ys = malloc((in->n ? in->n : 1) * sizeof(double));
	*idx = malloc((in->n ? in->n : 1) * sizeof(size_t));
	if (!*xs || !*ys || !*idx) {
		free(*xs);
		free(*ys);
		free(*idx);
		*xs = *ys = NULL;
		*idx = NULL;
		return -1;
	}
	for (i = 0; i < in->n; i++) {
		size_t r = in->rows[i];
		double x, y;

		if (col_x >= 0) {
			if (cell_num(rowset_cell(in->rs, r, col_x), &x) < 0)
				continue;
		} else {
			x = (double)i;
		}
		if (cell_num(rowset_cell(in->rs, r, col_y), &y) < 0)
			continue;
		(*xs)[m] = x;
		(*ys)[m] = y;
		(*idx)[m] = r;
		m++;
	}
	return (long)m;
}
