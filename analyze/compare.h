/* casefile-analyze compare BEFORE AFTER: the "did the fix work" question.
 * This computes the comparison (struct comparison); the report formats
 * write it, each beside its analysis writer (report_format.compare).
 * Both bundles are analyzed with the same packs; series from the catalog are
 * summarized on both sides, keyed sets (peers, syscalls, error fingerprints)
 * joined by key, and findings matched by their key. */
#ifndef CASEFILE_COMPARE_H
#define CASEFILE_COMPARE_H

#include "findings.h"
#include "series.h"

#include <stdio.h>

struct series_stat {
	int present;
	long n;
	double mean, peak, last, slope_per_min;
};

/* A keyed set to compare (connections per remote peer, calls per syscall,
 * error lines per fingerprint): rows (key TEXT, value REAL), one per key. */
struct set_def {
	const char *name;      /* "peers" */
	const char *title;     /* "Connections per remote peer" */
	const char *value;     /* what the value is: "peak connections" */
	const char *requires;  /* comma-separated tables */
	const char *sql;
	/* Values are shares of a whole (% of on-CPU samples): a key missing on
	 * a side that has the set counts 0 there, a change reads "gained" or
	 * "lost", and items go by the size of the change alone. */
	int share;
};

extern const struct set_def set_catalog[];

struct series_cmp {
	const struct series_def *def;
	struct series_stat before, after;
};

struct set_item {
	char *key;
	int in_before, in_after;
	double before, after;
	int share;             /* of a share set (set_def.share) */
};

struct set_cmp {
	const struct set_def *def;
	int present_before, present_after;
	struct set_item *items;   /* appeared, vanished, then changed most first */
	int nitems;
};

enum match_status { MATCH_RESOLVED, MATCH_NEW, MATCH_UNCHANGED };

struct finding_match {
	enum match_status status;
	const struct finding *before, *after;  /* NULL on the side it is absent */
};

struct comparison {
	struct analysis before, after;
	struct series_cmp *series;
	int nseries;
	struct set_cmp *sets;
	int nsets;
	struct finding_match *matches;  /* new, then resolved, then unchanged */
	int nmatches;
};

/* Fills C from two bundles opened read-only. Returns 0 or -1 (ENOMEM). */
int comparison_run(struct comparison *c, sqlite3 *before, const char *before_path,
		   sqlite3 *after, const char *after_path, struct rulepack *packs, int npacks);
void comparison_release(struct comparison *c);

/* "better", "worse" or "same" (within 10% of before) for a catalog series,
 * "" when one side lacks it; every report format words a change this way. */
const char *series_cmp_verdict(const struct series_cmp *s);

/* Reads one catalog series into a summary: all its labels (processes,
 * interfaces) combined per timestamp (summed; the largest for shares).
 * present = 0 when its table is absent or it has no rows. */
int series_summarize(sqlite3 *db, const struct series_def *d, struct series_stat *out);

/* Identifiers every writer uses: "resolved", "new", "unchanged"; a set
 * item's "appeared", "vanished", "same", "changed" (a share set's "gained"
 * or "lost"); a unit's "bytes", ... */
const char *match_status_name(enum match_status s);
const char *set_item_change(const struct set_item *it);
const char *series_unit_name(enum series_unit u);

#endif
