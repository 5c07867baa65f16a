/* The CPU profile of a bundle (the profile source's tables): top functions
 * and modules by self and total samples, how complete the stacks are, for
 * the report writers (one call each); and folded stacks for flame-graph
 * tools (casefile-analyze export-folded, analyze/profile.c). */
#ifndef CASEFILE_ANALYZE_PROFILE_H
#define CASEFILE_ANALYZE_PROFILE_H

#include <sqlite3.h>
#include <stdio.h>

struct analysis;
struct json;

#define PROFILE_TOP_FUNCTIONS 15
#define PROFILE_TOP_MODULES 10

struct profile_row {
	char *name;                      /* function, or module path */
	char *module;                    /* functions: their module */
	long long self, total;           /* samples innermost / anywhere on the stack */
};

/* One box of the flame graph: a call-tree node with its samples. */
struct profile_flame {
	char *name;
	int kernel, depth;               /* depth 0: outermost */
	long long total;                 /* samples at or under this node */
	long long x;                     /* samples left of it on its row */
};

#define PROFILE_FLAME_MAX 600            /* boxes drawn at most */

/* The profile over one finding's time range (findings sharing a range
 * share it): its own top functions and flame graph. */
#define PROFILE_RANGES_MAX 4             /* ranges shown at most (the worst findings') */
#define PROFILE_RANGE_FUNCTIONS 8
#define PROFILE_RANGE_RULES 3            /* rule ids named per range */

struct profile_range {
	long long from_us, to_us;        /* the finding's time range (tick wall times) */
	const char *rules[PROFILE_RANGE_RULES]; /* the findings' rule ids (the analysis's strings) */
	int nrules, more_rules;          /* more_rules: findings past PROFILE_RANGE_RULES */
	long long samples;
	struct profile_row functions[PROFILE_RANGE_FUNCTIONS];
	int nfunctions;
	struct profile_flame *flame;
	int nflame, flame_depth;
};

struct profile_summary {
	long long samples, lost, truncated, leaf_only, stray, unnamed;
	int hz;
	long long from_us, to_us;        /* wall time of the first and last tick with samples */
	struct profile_row functions[PROFILE_TOP_FUNCTIONS];
	int nfunctions;
	struct profile_row modules[PROFILE_TOP_MODULES];
	int nmodules;
	char *unnamed_modules;           /* modules without symbols that samples fell in, or NULL */
	struct profile_flame *flame;     /* the call tree's larger nodes, parents before children */
	int nflame, flame_depth;
	/* The findings' time ranges, worst finding first; a range holding no
	 * samples, or every sample, is left out. */
	struct profile_range ranges[PROFILE_RANGES_MAX];
	int nranges;

	/* The runtime's own profiles (--runtime-profile: runtime_profiles,
	 * runtime_profile_top): V8's samples, functions and script URLs. */
	int rt_profiles;                 /* profiles asked for (0: none) */
	long long rt_samples;
	char *rt_outcome;                /* the first profile's outcome */
	struct profile_row rt_functions[PROFILE_TOP_FUNCTIONS];
	int nrt_functions;
	struct profile_row rt_scripts[PROFILE_TOP_MODULES];
	int nrt_scripts;
};

/* Reads the profile of DB into a->profile (left NULL when the bundle has no
 * profile tables, or neither perf samples nor a runtime profile; samples 0
 * when only the runtime profile is there), with one range per distinct time
 * range of a->findings (call after the findings are sorted). Returns 0, or -1
 * after error() when a query fails (the analysis goes on without a profile). */
int profile_summary_load(struct analysis *a, sqlite3 *db);
void profile_summary_free(struct profile_summary *p);

/* The profile section of each report (nothing when a->profile is NULL). */
void profile_report_text(FILE *f, const struct analysis *a);
void profile_report_md(FILE *f, const struct analysis *a);
/* The flame graph: an inline SVG, one box per call-tree node of at least
 * 0.2% of the samples, named in its <title> and, when wide enough, in text.
 * With finding ranges, one graph per range besides the whole capture's,
 * switched by radio buttons and CSS alone (the report runs no script), each
 * range with its top functions. */
void profile_report_html(FILE *f, const struct analysis *a);
/* The CSS the flame graphs' switch needs, for the report's <style> when
 * a->profile has ranges (else the report's CSS is left as it was). */
extern const char profile_html_css[];
/* Writes the member "profile": {...} (nothing without a profile): call
 * inside the analysis object. */
void profile_report_json(struct json *j, const struct analysis *a);

#endif
