/* Detectors: the few pieces of statistics written in C that judge the rows a
 * rule's query yields. Each lives in its own analyze/detect_*.c and is listed
 * once in the table of analyze/detectors.c; a rule names one and passes it
 * parameters, which are checked against the detector's parameter specs when
 * the pack is loaded.
 *
 * A detector sees one group of rows at a time (the rule's group_by splits the
 * query result) and either fires, filling a struct hit with named outputs the
 * message template can use, or stays silent. Detectors never format output. */
#ifndef CASEFILE_DETECTOR_H
#define CASEFILE_DETECTOR_H

#include "rowset.h"

#include <stdint.h>

enum param_type {
	PARAM_COLUMN,   /* the name of a query column */
	PARAM_NUMBER,
	PARAM_NUMBERS,  /* a YAML list of numbers */
	PARAM_STRINGS,  /* a YAML list of strings (a single string is a list of one) */
	PARAM_BOOL,
};

struct param_spec {
	const char *name;
	enum param_type type;
	const char *dflt;     /* default as YAML text; NULL = optional with no value */
	int required;
	const char *help;
};

/* A parameter's value after loading (one per param_spec, same order). */
struct arg {
	int set;              /* given in the rule or by a default */
	double num;           /* PARAM_NUMBER, PARAM_BOOL (0/1) */
	double *nums;         /* PARAM_NUMBERS */
	int nnums;
	char **strs;          /* PARAM_STRINGS, and PARAM_COLUMN (strs[0]) */
	int nstrs;
	int line, col;        /* where it was given, for errors */
};

#define HIT_MAX_OUTPUTS 40
#define HIT_MAX_EVIDENCE 12
#define HIT_MAX_ITEMS 32
#define HIT_ITEM_FIELDS 6
#define HIT_IDENT_MAX 256

/* What a detector returns: numbers, booleans, identifiers (a syscall, a
 * model's name, a reason's id) and lists of items made of those. Never
 * words: the rule's message template and phrases word them. */
enum hit_type { HIT_NUM, HIT_BOOL, HIT_IDENT, HIT_LIST };

struct hit_output {
	const char *name;     /* a string literal of the detector */
	enum hit_type type;
	double num;           /* HIT_NUM; HIT_BOOL 0 or 1 */
	char text[HIT_IDENT_MAX]; /* HIT_IDENT */
};

/* One item of a list output: named fields (numbers and identifiers). */
struct hit_item {
	const char *list;     /* the list output it belongs to */
	struct hit_field {
		const char *name;
		enum hit_type type;   /* HIT_NUM, HIT_BOOL or HIT_IDENT */
		double num;
		char text[128];
	} f[HIT_ITEM_FIELDS];
	int nf;
};

struct hit {
	struct hit_output out[HIT_MAX_OUTPUTS];
	int nout;
	struct hit_item items[HIT_MAX_ITEMS];  /* of every list, in order */
	int nitems;
	char error[256];      /* why run() returned -1 */
	size_t evidence[HIT_MAX_EVIDENCE];  /* row indices into the rowset, in order */
	int nevidence;
	size_t rep_row;       /* row whose columns fill {column} placeholders */
	/* The rows that bound the finding's time range (their wall_us); when
	 * has_range is 0 the range is the whole group's. */
	size_t from_row, to_row;
	int has_range;
	double score;         /* orders findings of the same severity (higher first) */
	/* Set when what fired describes rather than diagnoses (a growth that
	 * stopped): reported under observations, not findings. */
	int observation;
};

struct detector_input {
	const struct rowset *rs;
	const size_t *rows;   /* the group's rows, in query order */
	size_t n;
	const struct arg *args;
	const int *cols;      /* resolved column index per PARAM_COLUMN arg, -1 if unset */
};

struct detector {
	const char *name;
	const char *summary;
	const struct param_spec *params;
	int nparams;
	/* NULL-terminated: names a message may use. A list output's item
	 * fields are listed as "list.field" ("ranked.key"). */
	const char *const *outputs;
	/* Returns 1 when it fires (hit filled), 0 when silent, -1 on a problem
	 * with the data (hit_error: the reason in hit->error). */
	int (*run)(const struct detector_input *in, struct hit *hit);
};

extern const struct detector *const detectors[];

const struct detector *detector_find(const char *name);
/* Index of the parameter NAME in d->params, or -1. */
int detector_param_index(const struct detector *d, const char *name);
int detector_has_output(const struct detector *d, const char *name);

/* Whether NAME is the field of some list output ("ranked.key" has "key"). */
int detector_has_item_field(const struct detector *d, const char *name);

/* Helpers for detectors. A name is a string literal; setting it again
 * replaces its value. */
void hit_num(struct hit *h, const char *name, double v);
void hit_bool(struct hit *h, const char *name, int v);
/* An identifier: a key from the data (a syscall, a port), or one of the
 * detector's documented ids (a mode, a reason) that phrases word. */
void hit_ident(struct hit *h, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int hit_error(struct hit *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const struct hit_output *hit_get(const struct hit *h, const char *name);
/* Appends an item to the list output LIST (created, empty, on first use);
 * returns it, or NULL when the hit holds HIT_MAX_ITEMS already. */
struct hit_item *hit_item_add(struct hit *h, const char *list);
void hit_item_num(struct hit_item *it, const char *field, double v);
void hit_item_ident(struct hit_item *it, const char *field, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Items of LIST: their count, and the i-th (NULL past the end). */
int hit_list_len(const struct hit *h, const char *list);
const struct hit_item *hit_list_item(const struct hit *h, const char *list, int i);
const struct hit_field *hit_item_get(const struct hit_item *it, const char *field);
/* The finding's time range: from the row from_row to the row to_row. */
void hit_range(struct hit *h, size_t from_row, size_t to_row);
/* Adds up to k rows evenly spread over rows[0..n) plus the ones in must[]
 * (kept in row order, duplicates dropped). */
void hit_evidence_spread(struct hit *h, const size_t *rows, size_t n, int k,
			 const size_t *must, int nmust);

/* Reads a numeric column of the group's rows into a new array (caller frees);
 * rows where it is NULL or not numeric are skipped, and their positions
 * dropped from *idx (new array, caller frees) so x and y stay paired when
 * read through the same idx. Returns the count, or -1 on ENOMEM. */
long detector_series(const struct detector_input *in, int col_x, int col_y,
		     double **x, double **y, size_t **idx);

#endif
