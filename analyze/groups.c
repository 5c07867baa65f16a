/* A rule's rows split into groups by its group_by columns, and the SQL that
 * selects one group's rows again (a finding's evidence). */
#include "groups.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct keyed_row {
	char *key;
	size_t row;
};

static int cmp_keyed(const void *x, const void *y)
{
	const struct keyed_row *a = x, *b = y;
	int c = strcmp(a->key, b->key);

	if (c)
		return c;
	return a->row < b->row ? -1 : a->row > b->row;
}

/* A cell as a group key, exact: two rows share a group only when their values
 * are equal, however long the text (a cut merged groups whose values shared
 * a prefix) or close the reals (%.6g unless that does not read back). */
static void key_cell(FILE *f, const struct cell *c)
{
	char buf[64];

	switch (c->type) {
	case CELL_TEXT:
		fputs(c->u.s, f);
		return;
	case CELL_REAL:
		snprintf(buf, sizeof(buf), "%.6g", c->u.d);
		if (strtod(buf, NULL) != c->u.d)
			snprintf(buf, sizeof(buf), "%.17g", c->u.d);
		fputs(buf, f);
		return;
	default:
		fputs(cell_text(c, buf, sizeof(buf)), f);
	}
}

static char *group_key(const struct rowset *rs, size_t row, const int *gcols, int ngroup)
{
	char *key = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&key, &len);
	int k;

	if (!f)
		return NULL;
	for (k = 0; k < ngroup; k++) {
		fprintf(f, "%s%s=", k ? ", " : "", rs->cols[gcols[k]]);
		key_cell(f, rowset_cell(rs, row, gcols[k]));
	}
	if (fclose(f)) {
		free(key);
		return NULL;
	}
	return key;
}

int groups_make(const struct rowset *rs, const int *gcols, int ngroup,
		struct group **out, size_t *nout)
{
	struct keyed_row *kr;
	struct group *g = NULL;
	size_t i, ng = 0;

	*out = NULL;
	*nout = 0;
	if (!rs->nrows)
		return 0;
	kr = calloc(rs->nrows, sizeof(*kr));
	if (!kr)
		return -1;
	for (i = 0; i < rs->nrows; i++) {
		kr[i].key = group_key(rs, i, gcols, ngroup);
		kr[i].row = i;
		if (!kr[i].key)
			goto nomem;
	}
	qsort(kr, rs->nrows, sizeof(*kr), cmp_keyed);
	for (i = 0; i < rs->nrows; i++) {
		if (!ng || strcmp(g[ng - 1].key, kr[i].key)) {
			struct group *ng2 = realloc(g, (ng + 1) * sizeof(*g));

			if (!ng2)
				goto nomem;
			g = ng2;
			memset(&g[ng], 0, sizeof(g[ng]));
			g[ng].key = kr[i].key;
			kr[i].key = NULL;
			ng++;
		}
		if (g[ng - 1].n == g[ng - 1].alloc) {
			size_t na = g[ng - 1].alloc ? g[ng - 1].alloc * 2 : 64;
			size_t *r = realloc(g[ng - 1].rows, na * sizeof(*r));

			if (!r)
				goto nomem;
			g[ng - 1].rows = r;
			g[ng - 1].alloc = na;
		}
		g[ng - 1].rows[g[ng - 1].n++] = kr[i].row;
	}
	for (i = 0; i < rs->nrows; i++)
		free(kr[i].key);
	free(kr);
	*out = g;
	*nout = ng;
	return 0;
nomem:
	for (i = 0; i < rs->nrows; i++)
		free(kr[i].key);
	free(kr);
	groups_free(g, ng);
	return -1;
}

void groups_free(struct group *g, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(g[i].key);
		free(g[i].rows);
	}
	free(g);
}

/* Writes an SQL literal for a cell, whole: the SQL must select the group's
 * rows again however long its text. Reals print with 17 digits, which read
 * back to the same double; infinities as out-of-range literals (SQLite reads
 * 9e999 as Inf). */
static void sql_literal(FILE *f, const struct cell *c)
{
	const char *s;

	switch (c->type) {
	case CELL_INT:
		fprintf(f, "%lld", c->u.i);
		return;
	case CELL_REAL:
		if (isinf(c->u.d))
			fputs(c->u.d > 0 ? "9e999" : "-9e999", f);
		else if (isnan(c->u.d))
			fputs("NULL", f);
		else
			fprintf(f, "%.17g", c->u.d);
		return;
	case CELL_NULL:
		fputs("NULL", f);
		return;
	default:
		break;
	}
	fputc('\'', f);
	for (s = c->u.s; *s; s++) {
		if (*s == '\'')
			fputc('\'', f);
		fputc(*s, f);
	}
	fputc('\'', f);
}

/* A column name as an SQL identifier: "name" with '"' doubled, so names
 * with spaces, keywords or quotes still select the column. */
static void sql_ident(FILE *f, const char *name)
{
	fputc('"', f);
	for (; *name; name++) {
		if (*name == '"')
			fputc('"', f);
		fputc(*name, f);
	}
	fputc('"', f);
}

/* The rule's query narrowed to one group, so the evidence can be re-run. */
char *group_sql(const struct rule *r, const struct rowset *rs, const int *gcols, size_t row)
{
	char *q = shared_inline(r->query), *out = NULL;
	size_t len, outlen = 0;
	FILE *f;
	int k;

	if (!q)
		return NULL;
	len = strlen(q);
	while (len && (isspace((unsigned char)q[len - 1]) || q[len - 1] == ';'))
		q[--len] = '\0';
	if (!r->ngroup) {
		if (asprintf(&out, "%s;", q) < 0)
			out = NULL;
		free(q);
		return out;
	}
	f = open_memstream(&out, &outlen);
	if (!f) {
		free(q);
		return NULL;
	}
	fprintf(f, "SELECT * FROM (\n%s\n) WHERE ", q);
	for (k = 0; k < r->ngroup; k++) {
		const struct cell *c = rowset_cell(rs, row, gcols[k]);

		if (k)
			fputs(" AND ", f);
		sql_ident(f, rs->cols[gcols[k]]);
		fputs(c->type == CELL_NULL ? " IS " : " = ", f);
		sql_literal(f, c);
	}
	fputc(';', f);
	if (fclose(f)) {
		free(out);
		out = NULL;
	}
	free(q);
	return out;
}
