#include "rowset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int rowset_init_columns(struct rowset *rs, sqlite3_stmt *st)
{
	int i, n = sqlite3_column_count(st);

	rs->cols = calloc(n ? (size_t)n : 1, sizeof(*rs->cols));
	if (!rs->cols)
		return -1;
	rs->ncols = n;
	for (i = 0; i < n; i++) {
		const char *name = sqlite3_column_name(st, i);

		rs->cols[i] = strdup(name ? name : "?");
		if (!rs->cols[i])
			return -1;
	}
	return 0;
}

int rowset_copy_columns(struct rowset *dst, const struct rowset *src)
{
	int i;

	dst->cols = calloc(src->ncols ? (size_t)src->ncols : 1, sizeof(*dst->cols));
	if (!dst->cols)
		return -1;
	dst->ncols = src->ncols;
	for (i = 0; i < src->ncols; i++)
		if (!(dst->cols[i] = strdup(src->cols[i])))
			return -1;
	return 0;
}

static struct cell *new_row(struct rowset *rs)
{
	struct cell *row;

	if (rs->nrows == rs->alloc) {
		size_t na = rs->alloc ? rs->alloc * 2 : 64;
		struct cell *c = realloc(rs->cells, na * (size_t)(rs->ncols ? rs->ncols : 1) * sizeof(*c));

		if (!c)
			return NULL;
		rs->cells = c;
		rs->alloc = na;
	}
	row = &rs->cells[rs->nrows * (size_t)rs->ncols];
	memset(row, 0, (size_t)rs->ncols * sizeof(*row));
	rs->nrows++;
	return row;
}

int rowset_load(struct rowset *rs, sqlite3_stmt *st, size_t max_rows, const char **err)
{
	int rc, i;

	*err = NULL;
	if (!rs->cols && rowset_init_columns(rs, st) < 0)
		goto nomem;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct cell *row;

		if (rs->nrows >= max_rows) {
			rs->truncated = 1;
			break;
		}
		if (!(row = new_row(rs)))
			goto nomem;
		for (i = 0; i < rs->ncols; i++) {
			switch (sqlite3_column_type(st, i)) {
			case SQLITE_INTEGER:
				row[i].type = CELL_INT;
				row[i].u.i = sqlite3_column_int64(st, i);
				break;
			case SQLITE_FLOAT:
				row[i].type = CELL_REAL;
				row[i].u.d = sqlite3_column_double(st, i);
				break;
			case SQLITE_NULL:
				row[i].type = CELL_NULL;
				break;
			default: {
				/* Blobs are shown as text; bundle text is untrusted but only ever printed escaped. */
				const unsigned char *t = sqlite3_column_text(st, i);
				int len = sqlite3_column_bytes(st, i);

				row[i].type = CELL_TEXT;
				row[i].u.s = malloc((size_t)len + 1);
				if (!row[i].u.s) {
					row[i].type = CELL_NULL;
					goto nomem;
				}
				if (len)
					memcpy(row[i].u.s, t, (size_t)len);
				row[i].u.s[len] = '\0';
			}
			}
		}
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		*err = sqlite3_errmsg(sqlite3_db_handle(st));
		return -1;
	}
	return 0;
nomem:
	*err = "out of memory";
	return -1;
}

int rowset_append_row(struct rowset *dst, const struct rowset *src, size_t r)
{
	struct cell *row = new_row(dst);
	int i;

	if (!row)
		return -1;
	for (i = 0; i < dst->ncols && i < src->ncols; i++) {
		const struct cell *c = rowset_cell(src, r, i);

		row[i] = *c;
		if (c->type == CELL_TEXT && !(row[i].u.s = strdup(c->u.s))) {
			row[i].type = CELL_NULL;
			return -1;
		}
	}
	return 0;
}

int rowset_col(const struct rowset *rs, const char *name)
{
	int i;

	for (i = 0; i < rs->ncols; i++)
		if (!strcasecmp(rs->cols[i], name))
			return i;
	return -1;
}

int cell_num(const struct cell *c, double *out)
{
	char *end;

	switch (c->type) {
	case CELL_INT:
		*out = (double)c->u.i;
		return 0;
	case CELL_REAL:
		*out = c->u.d;
		return 0;
	case CELL_TEXT:
		if (!c->u.s[0])
			return -1;
		*out = strtod(c->u.s, &end);
		return *end ? -1 : 0;
	default:
		return -1;
	}
}

char *cell_text(const struct cell *c, char *buf, size_t len)
{
	switch (c->type) {
	case CELL_INT:
		snprintf(buf, len, "%lld", c->u.i);
		break;
	case CELL_REAL:
		snprintf(buf, len, "%.6g", c->u.d);
		break;
	case CELL_TEXT:
		snprintf(buf, len, "%s", c->u.s);
		break;
	default:
		if (len)
			buf[0] = '\0';
	}
	return buf;
}

void rowset_release(struct rowset *rs)
{
	size_t i, n = rs->nrows * (size_t)rs->ncols;
	int c;

	for (i = 0; i < n; i++)
		if (rs->cells[i].type == CELL_TEXT)
			free(rs->cells[i].u.s);
	free(rs->cells);
	for (c = 0; c < rs->ncols; c++)
		free(rs->cols[c]);
	free(rs->cols);
	memset(rs, 0, sizeof(*rs));
}
