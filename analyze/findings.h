/* Findings and data-quality notes: what running the rules over one bundle
 * produces, and all a report writer needs (writers never query the bundle). */
#ifndef CASEFILE_FINDINGS_H
#define CASEFILE_FINDINGS_H

#include "rulepack.h"
#include "rowset.h"

#include <sqlite3.h>

/* Something that limits what the bundle can tell: a skipped source, dropped
 * packets, lost events, a rule that could not run. Not a finding. */
struct note {
	char *kind;      /* source_skipped, source_failed, source_off, source_fallback, drops,
	                  * lost_events, size_cap, backoff, target_exited, warning,
	                  * not_evaluated, no_data, rule_failed, rule_pack, truncated */
	char *source;    /* the capture source it concerns, or NULL */
	char *rule;      /* the rule it concerns, or NULL */
	char *message;
};

/* A detector's output as a finding keeps it: numbers, booleans,
 * identifiers and lists of items made of those (never words). */
enum value_type { VALUE_NUM, VALUE_BOOL, VALUE_IDENT, VALUE_LIST };

struct finding_value {
	char *name;
	enum value_type type;
	double num;                   /* VALUE_NUM; VALUE_BOOL 0 or 1 */
	char *text;                   /* VALUE_IDENT */
	struct finding_item *items;   /* VALUE_LIST */
	int nitems;
};

struct finding_item {
	struct finding_value *fields; /* VALUE_NUM, VALUE_BOOL or VALUE_IDENT */
	int nfields;
};

struct finding {
	const struct rule *rule;
	enum severity severity;
	char *message;
	char *key;                    /* rule id and group values: matches a finding across bundles */
	char *group;                  /* "remote_port=9243" or "" */
	double score;
	long long from_us, to_us;     /* wall-clock time range; 0 when unknown */
	struct rowset evidence;       /* the rows behind it (a few) */
	struct finding_value *values; /* the detector's outputs */
	int nvalues;
	char *sql;                    /* re-runnable with sqlite3 on the bundle */
	int *notes;                   /* indices into analysis.notes that weaken it */
	int nnotes;
};

struct kv {
	char *key, *value;
};

struct source_info {
	char *name, *status, *backend, *reason;
};

struct target_info {
	long long pid;
	char *comm, *cmdline, *role;
};

/* What a report says about the bundle itself. */
struct bundle_info {
	char *path;
	int schema_version;
	struct kv *manifest;
	int nmanifest;
	struct source_info *sources;
	int nsources;
	struct target_info *targets;
	int ntargets;
	long long from_us, to_us, ticks;
};

struct analysis {
	struct bundle_info bundle;
	struct finding *findings;     /* worst first */
	int nfindings;
	/* What rules of kind: observation found without a symptom in the
	 * bundle: described, not diagnosed; no verdict, no exit status. */
	struct finding *observations; /* worst first */
	int nobservations;
	struct note *notes;
	int nnotes;
	int rules_total, rules_evaluated, rules_not_evaluated, rules_failed;
	double elapsed_s;
	struct series_set *series;    /* chart data (analysis_load_series), or NULL */
	struct profile_summary *profile; /* CPU profile (analyze/profile.c), or NULL */
	int nseries;
};

struct series_set;
struct profile_summary;

/* Each rule's statements are interrupted after this long (a note "rule X
 * stopped after N s"; the other rules still run). 0: no bound. */
#define ANALYSIS_DEFAULT_RULE_TIMEOUT_US 30000000LL
void analysis_set_rule_timeout(long long us);

/* Runs every rule of the packs over DB (opened by bundle_open_readonly from
 * PATH) and fills A: bundle facts, data-quality notes, findings sorted worst
 * first. A rule that cannot run becomes a note; the others still run. Errors
 * recorded in the packs (rules left out) become notes too. Returns 0, or -1
 * when out of memory. A is released by analysis_release. */
int analysis_run(struct analysis *a, sqlite3 *db, const char *path,
		 struct rulepack *packs, int npacks);
void analysis_release(struct analysis *a);

/* Loads every series of series_table present in DB into a->series, for the
 * writers that draw charts (analyze/report_charts.c). Returns 0 or -1 (ENOMEM);
 * a series whose query fails is left out. Freed by analysis_release. */
int analysis_load_series(struct analysis *a, sqlite3 *db);
void analysis_release_series(struct analysis *a);

/* Reads manifest, sources, targets and time range. */
int bundle_info_read(struct bundle_info *b, sqlite3 *db, const char *path);
void bundle_info_release(struct bundle_info *b);
const char *bundle_info_get(const struct bundle_info *b, const char *key);
const struct source_info *bundle_info_source(const struct bundle_info *b, const char *name);

/* Registers casefile's SQL functions on DB (analyze/sqlfuncs.c). */
int sqlfuncs_register(sqlite3 *db);

/* Builds, once per connection, the shared TEMP tables (analyze/shared.c) the
 * query names, e.g. socket_spans. Returns 0, or -1 with the reason in err. */
int shared_prepare(sqlite3 *db, const char *query, char *err, size_t errlen);

/* The query with the definitions of the shared tables it names inlined as
 * MATERIALIZED CTEs, so it runs alone in the sqlite3 shell (malloc'd; NULL
 * when out of memory). */
char *shared_inline(const char *query);

/* The noun for a source's data in "not evaluated: no socket data". */
const char *source_noun(const char *source);

/* Number of findings at or above SEV. */
int analysis_count_at_least(const struct analysis *a, enum severity sev);

/* Notes (notes.c): one more note on A, its message from FMT; the notes the
 * bundle itself calls for (sources, truncation, drops); and each finding's
 * link to the notes about the sources its rule reads. */
int analysis_add_note(struct analysis *a, const char *kind, const char *source, const char *rule,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void analysis_quality_notes(struct analysis *a, sqlite3 *db);
void analysis_link_notes(struct analysis *a);

#endif
