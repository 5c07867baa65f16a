/* The rows a rule's query yields, held in memory for the detectors and kept
 * (in part) as a finding's evidence. Values keep SQLite's types. */
#ifndef CASEFILE_ROWSET_H
#define CASEFILE_ROWSET_H

#include <sqlite3.h>
#include <stddef.h>

enum cell_type { CELL_NULL, CELL_INT, CELL_REAL, CELL_TEXT };

struct cell {
	enum cell_type type;
	union {
		long long i;
		double d;
		char *s;      /* owned by the rowset */
	} u;
};

struct rowset {
	int ncols;
	char **cols;          /* column names, owned */
	size_t nrows, alloc;
	struct cell *cells;   /* nrows * ncols, row-major */
	int truncated;        /* stopped at max_rows */
};

#define ROWSET_INIT { 0, NULL, 0, 0, NULL, 0 }

/* Sets the column names from a prepared statement (no rows). */
int rowset_init_columns(struct rowset *rs, sqlite3_stmt *st);

/* Steps ST to the end and stores up to max_rows rows (then sets truncated).
 * Returns 0, or -1 with the SQLite error message in *err (static/db-owned). */
int rowset_load(struct rowset *rs, sqlite3_stmt *st, size_t max_rows, const char **err);

/* Appends a copy of row ROW of SRC (same columns). Returns 0 or -1 (ENOMEM). */
int rowset_append_row(struct rowset *dst, const struct rowset *src, size_t row);

/* Copies the column names of SRC into an empty DST. */
int rowset_copy_columns(struct rowset *dst, const struct rowset *src);

/* Column index by name (case-insensitive), or -1. */
int rowset_col(const struct rowset *rs, const char *name);

static inline const struct cell *rowset_cell(const struct rowset *rs, size_t row, int col)
{
	return &rs->cells[row * (size_t)rs->ncols + (size_t)col];
}

/* The cell as a number: ints and reals, and text that is entirely a number.
 * Returns 0 and stores it, or -1 for NULL and non-numeric text. */
int cell_num(const struct cell *c, double *out);

/* The cell as text into buf ("" for NULL). Returns buf. */
char *cell_text(const struct cell *c, char *buf, size_t len);

void rowset_release(struct rowset *rs);

#endif
