/* Rule packs: YAML files of rules. Rules are data: a SQL query over the
 * bundle, the detector that judges its rows, and the words of the finding.
 *
 *   rules:
 *     - id: fd-growth
 *       title: File descriptors keep growing
 *       severity: medium              # info | low | medium | high | critical
 *       description: ...
 *       requires: [process_samples]   # tables/views; absent -> "not evaluated"
 *       sources: [process]            # capture sources whose gaps weaken it
 *       query: |
 *         SELECT ...
 *       group_by: [process_id]        # one series per group (optional)
 *       max_findings: 3               # optional
 *       detector: trend
 *       params: { y: fds, limit: fd_limit }
 *       message: "fds grew from {first} to {last}[[; the limit of {limit} in {time_to_limit:dur}]]"
 *       phrases:                      # optional: words of identifier outputs, {@shape}
 *         steady: steady growth
 *       next_step: ...
 *       kind: observation             # optional: finding (default) | observation
 *       symptom: |                    # observation only: SQL whose first row's first
 *         SELECT ...                  # column, when non-empty, names the symptom
 *
 * Message placeholders are detector outputs or query columns (of the row the
 * detector names), with an optional format: {name:int|pct|bytes|dur|.N}.
 * A [[...]] segment is left out when a placeholder inside it has no value;
 * segments nest. {@name} is the rule's phrase (phrases: id -> template)
 * named by the identifier output NAME; [[*list "sep": ...]] repeats its body
 * per item of a list output (items' fields by name inside).
 * Full reference: analyze/rules/README.md. */
#ifndef CASEFILE_RULEPACK_H
#define CASEFILE_RULEPACK_H

/* Deepest YAML nesting a pack may use (a pack needs about five levels). */
#define RULEPACK_MAX_DEPTH 32
/* rules check runs each query on an empty bundle for at most this long. */
#define RULEPACK_PROBE_S 2

#include "detector.h"

#include <stddef.h>

enum severity { SEV_INFO, SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL };

const char *severity_name(enum severity s);
/* Returns 0 and stores it, or -1 for an unknown name. */
int severity_parse(const char *s, enum severity *out);

struct rule {
	char *id, *title, *description, *query, *message, *next_step;
	/* phrases: the words of identifier outputs ({@cap_reason} picks the
	 * phrase whose id is cap_reason's value): ids and templates, in order. */
	char **phrase_ids, **phrase_texts;
	int nphrases;
	int phrases_line;
	enum severity severity;
	char **requires;
	int nrequires;
	char **sources;
	int nsources;
	char **group_by;
	int ngroup;
	int max_findings;            /* 0: no limit */
	const struct detector *detector;
	struct arg *args;            /* detector->nparams of them */
	const char *file;            /* the pack's name, owned by the pack */
	int line, col;               /* 1-based, of the rule */
	int query_line;              /* line of the query's first character */
	int message_line, message_col;
	/* kind: observation. A rule that describes rather than diagnoses: what it
	 * finds is a finding only when the symptom query finds a symptom in the
	 * bundle; otherwise it is an observation (reported apart, no verdict). */
	int observation;
	char *symptom;               /* SQL: first row's first column, non-empty = the symptom */
	int symptom_line;
};

struct rulepack {
	char *file;
	struct rule *rules;
	int nrules;
	char **errors;               /* "file:line:col: rule 'id': problem" */
	int nerrors;
};

/* Loads a pack from a buffer; NAME is used in messages. Rules with errors are
 * left out and their errors recorded in p->errors; returns the number of
 * errors (0 = all rules loaded). Returns -1 only when out of memory. */
int rulepack_load_buffer(struct rulepack *p, const char *name, const char *buf, size_t len);
/* Reads PATH (at most 4 MiB) and loads it; an unreadable file is one error. */
int rulepack_load_file(struct rulepack *p, const char *path);
/* The pack compiled into the binary (analyze/rules/builtin.yaml). */
int rulepack_load_builtin(struct rulepack *p);

/* Checks each rule against the bundle schema this casefile writes: required
 * tables exist, the query compiles and is read-only, and the columns named by
 * group_by, column parameters and message placeholders exist. Appends errors
 * to p->errors; returns the number of new errors. */
int rulepack_check(struct rulepack *p);

void rulepack_release(struct rulepack *p);

/* Message templates. template_check() returns NULL when TMPL is well formed,
 * else a static description of the problem, with the byte offset in *at. */
const char *template_check(const char *tmpl, size_t *at);

/* The template of phrase ID of rule R, or NULL. */
const char *rule_phrase(const struct rule *r, const char *id);

/* Calls fn for each placeholder name in TMPL (NUL-terminated copies): LIST
 * is the innermost list segment it sits in (NULL outside any), PHRASE is set
 * for {@name}; a list segment's own name is reported too, with PHRASE 0. */
typedef void (*template_name_fn)(const char *name, const char *list, int phrase, void *ctx);
void template_names(const char *tmpl, template_name_fn fn, void *ctx);

/* Looks up a placeholder's value: returns 1 and fills *num or text (is_text
 * set), 0 when it has no value. */
typedef int (*template_lookup_fn)(const char *name, void *ctx, double *num, char *text,
				  size_t textlen, int *is_text);

#define TEMPLATE_MAX_NEST 8

/* Where a template's values come from. list_len, item and phrase may be
 * NULL (no lists, no phrases). */
struct template_env {
	template_lookup_fn lookup;
	void *ctx;
	/* Items of the list output NAME, or -1 when there is no such list. */
	int (*list_len)(const char *name, void *ctx);
	/* Field FIELD of item I of list LIST: like lookup. */
	int (*item)(const char *list, int i, const char *field, void *ctx, double *num, char *text,
		    size_t textlen, int *is_text);
	/* The template of the phrase ID, or NULL. */
	const char *(*phrase)(const char *id, void *ctx);
};

/* Expands TMPL into a new string (caller frees; NULL when out of memory); a
 * missing value outside an optional [[...]] segment becomes "?" and sets
 * *missing to its name (static buffer, may be NULL). */
char *template_expand_env(const char *tmpl, const struct template_env *env, const char **missing);
/* The same with values only (no lists, no phrases). */
char *template_expand(const char *tmpl, template_lookup_fn lookup, void *ctx,
		      const char **missing);

/* Formats a number the way messages show it, in FMT ("", int, pct, bytes,
 * dur, .N). Returns buf. */
char *format_number(double v, const char *fmt, char *buf, size_t len);

#endif
