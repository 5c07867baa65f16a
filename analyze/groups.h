/* Grouping a rule's rows, and a group's evidence SQL (groups.c). */
#ifndef CASEFILE_GROUPS_H
#define CASEFILE_GROUPS_H

#include "findings.h"

#include <stddef.h>

struct group {
	char *key;     /* "col=value, col=value" */
	size_t *rows;
	size_t n, alloc;
};

/* Splits the rows of RS by the columns GCOLS (NGROUP of them); groups come
 * out in key order, rows in query order. Returns 0, or -1 out of memory. */
int groups_make(const struct rowset *rs, const int *gcols, int ngroup,
		struct group **out, size_t *nout);
void groups_free(struct group *g, size_t n);

/* The query of R narrowed to the group of ROW, so the evidence can be
 * re-run; NULL out of memory. */
char *group_sql(const struct rule *r, const struct rowset *rs, const int *gcols, size_t row);

#endif
