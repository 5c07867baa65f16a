/* Running the rules over a bundle: requirements, the query, the detector per
 * group, and the findings and notes that come out. The bundle's own facts are
 * read by bundleinfo.c, the rows grouped (and a group's evidence SQL made) by
 * groups.c, the notes written and linked by notes.c. */
#include "findings.h"
#include "groups.h"
#include "profile.h"

#include "bundle.h"
#include "error.h"
#include "parse.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Rows a rule's query may yield; rules aggregate in SQL, so more means a
 * query that should have. */
#define RULE_MAX_ROWS 2000000

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

/* ---- one rule ---- */

struct lookup_ctx {
	const struct hit *hit;
	const struct rowset *rs;
	const struct rule *rule;
	long long from_us, to_us;
	const char *symptom;   /* kind: observation with a symptom found, else NULL */
};

/* A detector's value for a template: numbers as numbers, identifiers and
 * booleans as text ("true"/"false": a message words a flag with a phrase). */
static int put_value(enum hit_type type, double v, const char *t, double *num, char *text,
		     size_t textlen, int *is_text)
{
	switch (type) {
	case HIT_NUM:
		*num = v;
		return isfinite(v);
	case HIT_BOOL:
		*is_text = 1;
		snprintf(text, textlen, "%s", v ? "true" : "false");
		return 1;
	case HIT_IDENT:
		*is_text = 1;
		snprintf(text, textlen, "%s", t);
		return 1;
	default:
		return 0;  /* a list is no scalar */
	}
}

static int lookup(const char *name, void *vctx, double *num, char *text, size_t textlen, int *is_text)
{
	struct lookup_ctx *c = vctx;
	const struct hit_output *o = hit_get(c->hit, name);
	int col;

	if (o)
		return put_value(o->type, o->num, o->text, num, text, textlen, is_text);
	col = rowset_col(c->rs, name);
	if (col >= 0) {
		const struct cell *cl = rowset_cell(c->rs, c->hit->rep_row, col);

		if (cl->type == CELL_NULL)
			return 0;
		if (cl->type == CELL_TEXT) {
			*is_text = 1;
			snprintf(text, textlen, "%s", cl->u.s);
		} else {
			cell_num(cl, num);
		}
		return 1;
	}
	if (!strcmp(name, "symptom")) {
		if (!c->symptom)
			return 0;
		*is_text = 1;
		snprintf(text, textlen, "%s", c->symptom);
		return 1;
	}
	if (!strcmp(name, "rule")) {
		*is_text = 1;
		snprintf(text, textlen, "%s", c->rule->id);
		return 1;
	}
	if ((!strcmp(name, "from") && c->from_us) || (!strcmp(name, "to") && c->to_us)) {
		*is_text = 1;
		format_time_us(!strcmp(name, "from") ? c->from_us : c->to_us, text, (int)textlen);
		return 1;
	}
	return 0;
}

static int lookup_list_len(const char *name, void *vctx)
{
	struct lookup_ctx *c = vctx;
	const struct hit_output *o = hit_get(c->hit, name);

	return o && o->type == HIT_LIST ? hit_list_len(c->hit, name) : -1;
}

static int lookup_item(const char *list, int i, const char *field, void *vctx, double *num, char *text,
		       size_t textlen, int *is_text)
{
	struct lookup_ctx *c = vctx;
	const struct hit_field *f = hit_item_get(hit_list_item(c->hit, list, i), field);

	return f ? put_value(f->type, f->num, f->text, num, text, textlen, is_text) : 0;
}

static const char *lookup_phrase(const char *id, void *vctx)
{
	struct lookup_ctx *c = vctx;

	return rule_phrase(c->rule, id);
}

static void values_free(struct finding_value *v, int n)
{
	int i, k;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].text);
		for (k = 0; k < v[i].nitems; k++)
			values_free(v[i].items[k].fields, v[i].items[k].nfields);
		free(v[i].items);
	}
	free(v);
}

static enum value_type value_type_of(enum hit_type t)
{
	return t == HIT_BOOL ? VALUE_BOOL : t == HIT_IDENT ? VALUE_IDENT : t == HIT_LIST ? VALUE_LIST : VALUE_NUM;
}

/* Copies one scalar (name, type, number, identifier). Returns 0 or -1. */
static int value_set(struct finding_value *v, const char *name, enum hit_type type, double num,
		     const char *text)
{
	v->name = strdup(name);
	v->type = value_type_of(type);
	v->num = num;
	if (type == HIT_IDENT && !(v->text = strdup(text)))
		return -1;
	return v->name ? 0 : -1;
}

/* The hit's outputs as the finding's values, lists with their items. */
static int values_from_hit(struct finding *f, const struct hit *h)
{
	int i, k, j;

	f->values = calloc((size_t)h->nout + 1, sizeof(*f->values));
	if (!f->values)
		return -1;
	for (i = 0; i < h->nout; i++) {
		struct finding_value *v = &f->values[i];
		const struct hit_output *o = &h->out[i];

		f->nvalues = i + 1;
		if (value_set(v, o->name, o->type, o->num, o->text) < 0)
			return -1;
		if (o->type != HIT_LIST)
			continue;
		v->items = calloc((size_t)hit_list_len(h, o->name) + 1, sizeof(*v->items));
		if (!v->items)
			return -1;
		for (k = 0; k < hit_list_len(h, o->name); k++) {
			const struct hit_item *it = hit_list_item(h, o->name, k);
			struct finding_item *fi = &v->items[k];

			v->nitems = k + 1;
			if (!(fi->fields = calloc((size_t)it->nf + 1, sizeof(*fi->fields))))
				return -1;
			for (j = 0; j < it->nf; j++) {
				fi->nfields = j + 1;
				if (value_set(&fi->fields[j], it->f[j].name, it->f[j].type, it->f[j].num,
					      it->f[j].text) < 0)
					return -1;
			}
		}
	}
	return 0;
}

static void finding_release(struct finding *f)
{
	free(f->message);
	free(f->key);
	free(f->group);
	free(f->sql);
	free(f->notes);
	rowset_release(&f->evidence);
	values_free(f->values, f->nvalues);
	memset(f, 0, sizeof(*f));
}

static int make_finding(struct analysis *a, const struct rule *r, const struct rowset *rs,
			const struct group *g, const int *gcols, const struct hit *h, const char *symptom)
{
	struct finding f;
	struct lookup_ctx ctx = { h, rs, r, 0, 0, symptom };
	struct template_env env = { lookup, &ctx, lookup_list_len, lookup_item, lookup_phrase };
	const char *missing = NULL;
	int tcol = rowset_col(rs, "wall_us"), i;
	struct finding *nf;


	memset(&f, 0, sizeof(f));
	f.rule = r;
	f.severity = r->severity;
	f.score = h->score;
	if (tcol >= 0) {
		double v;

		if (h->has_range) {
			if (cell_num(rowset_cell(rs, h->from_row, tcol), &v) == 0)
				f.from_us = (long long)v;
			if (cell_num(rowset_cell(rs, h->to_row, tcol), &v) == 0)
				f.to_us = (long long)v;
		} else {
			size_t k;

			for (k = 0; k < g->n; k++) {
				if (cell_num(rowset_cell(rs, g->rows[k], tcol), &v) < 0)
					continue;
				if (!f.from_us || (long long)v < f.from_us)
					f.from_us = (long long)v;
				if ((long long)v > f.to_us)
					f.to_us = (long long)v;
			}
		}
	}
	ctx.from_us = f.from_us;
	ctx.to_us = f.to_us;
	f.message = template_expand_env(r->message, &env, &missing);
	if (missing)
		analysis_add_note(a, "rule_failed", NULL, r->id,
			 "rule '%s' (%s:%d): message placeholder '{%s}' has no value", r->id, r->file, r->message_line,
			 missing);
	f.group = strdup(g->key);
	f.key = g->key[0] ? xprintf("%s[%s]", r->id, g->key) : strdup(r->id);
	f.sql = group_sql(r, rs, gcols, g->rows[0]);
	if (rowset_copy_columns(&f.evidence, rs) < 0)
		goto nomem;
	for (i = 0; i < h->nevidence; i++)
		if (rowset_append_row(&f.evidence, rs, h->evidence[i]) < 0)
			goto nomem;
	if (values_from_hit(&f, h) < 0)
		goto nomem;
	if (!f.message || !f.group || !f.key || !f.sql)
		goto nomem;
	nf = realloc(a->findings, (size_t)(a->nfindings + 1) * sizeof(*nf));
	if (!nf)
		goto nomem;
	a->findings = nf;
	a->findings[a->nfindings++] = f;
	return 0;
nomem:
	finding_release(&f);
	return -1;
}

/* Whether the rule can run on this bundle; if not, says why in a note. */
static int rule_runnable(struct analysis *a, sqlite3 *db, const struct rule *r)
{
	int i, empty = 0;

	for (i = 0; i < r->nsources; i++) {
		const struct source_info *s = bundle_info_source(&a->bundle, r->sources[i]);

		if (s && (!strcmp(s->status, "skipped") || !strcmp(s->status, "failed") ||
			  !strcmp(s->status, "off"))) {
			analysis_add_note(a, "not_evaluated", s->name, r->id,
				 "rule '%s' not evaluated: no %s data (source '%s' %s%s%s)", r->id,
				 source_noun(s->name), s->name, s->status, s->reason ? ": " : "",
				 s->reason ? s->reason : "");
			return 0;
		}
	}
	for (i = 0; i < r->nrequires; i++) {
		const char *src = r->nsources ? r->sources[0] : NULL;

		if (!bundle_has_table(db, r->requires[i])) {
			analysis_add_note(a, "not_evaluated", src, r->id,
				 "rule '%s' not evaluated: no %s data (table '%s' is not in this bundle)", r->id,
				 src ? source_noun(src) : r->requires[i], r->requires[i]);
			return 0;
		}
	}
	/* Tables present but empty: the source may have run and seen nothing,
	 * which is not the same as "all clear". Views are not probed (costly). */
	for (i = 0; i < r->nrequires; i++) {
		char *sql = xprintf("SELECT EXISTS (SELECT 1 FROM \"%s\")", r->requires[i]);
		long long type_table = 0;
		sqlite3_stmt *st;

		if (sqlite3_prepare_v2(db, "SELECT type = 'table' FROM sqlite_schema WHERE name = ?", -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_text(st, 1, r->requires[i], -1, SQLITE_STATIC);
			if (sqlite3_step(st) == SQLITE_ROW)
				type_table = sqlite3_column_int64(st, 0);
			sqlite3_finalize(st);
		}
		if (sql && type_table && bundle_query_int(db, sql, 0) == 0) {
			const char *src = r->nsources ? r->sources[0] : NULL;
			const struct source_info *s = src ? bundle_info_source(&a->bundle, src) : NULL;

			/* A source that ran and saw nothing (a process without sockets)
			 * differs from a source that did not run. */
			if (s && !strcmp(s->status, "ran"))
				analysis_add_note(a, "no_data", src, r->id,
					 "rule '%s' had nothing to judge: source '%s' ran and recorded no rows in '%s'",
					 r->id, src, r->requires[i]);
			else
				analysis_add_note(a, "not_evaluated", src, r->id,
					 "rule '%s' not evaluated: no %s data (table '%s' is empty)", r->id,
					 src ? source_noun(src) : r->requires[i], r->requires[i]);
			empty = 1;
		}
		free(sql);
		if (empty)
			return 0;
	}
	return 1;
}

/* The symptom of a rule of kind: observation: the first column of the first
 * row of its symptom query, when non-NULL and non-empty (and not 0). Returns
 * 1 with it in BUF, 0 when there is none; a query that fails is a note and
 * counts as no symptom (the rule then only observes). */
static int symptom_find(struct analysis *a, sqlite3 *db, const struct rule *r, char *buf, size_t len)
{
	sqlite3_stmt *st = NULL;
	char err[512];
	int found = 0;

	buf[0] = '\0';
	if (!r->symptom)
		return 0;
	if (shared_prepare(db, r->symptom, err, sizeof(err)) < 0 ||
	    sqlite3_prepare_v2(db, r->symptom, -1, &st, NULL) != SQLITE_OK || !st ||
	    !sqlite3_stmt_readonly(st)) {
		analysis_add_note(a, "rule_failed", NULL, r->id, "rule '%s' (%s:%d): symptom query failed: %s", r->id,
			 r->file, r->symptom_line, st ? sqlite3_errmsg(db) : err);
		sqlite3_finalize(st);
		return 0;
	}
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_count(st) > 0) {
		const unsigned char *t = sqlite3_column_text(st, 0);

		if (t && *t && strcmp((const char *)t, "0")) {
			snprintf(buf, len, "%s", (const char *)t);
			found = 1;
		}
	}
	sqlite3_finalize(st);
	return found;
}

/* Moves the findings a rule of kind: observation made from FIRST on to the
 * observations: it found no symptom that would make them a diagnosis. */
static int move_to_observations(struct analysis *a, int first)
{
	int n = a->nfindings - first;
	struct finding *o;

	if (n <= 0)
		return 0;
	o = realloc(a->observations, (size_t)(a->nobservations + n) * sizeof(*o));
	if (!o)
		return -1;
	a->observations = o;
	memcpy(o + a->nobservations, a->findings + first, (size_t)n * sizeof(*o));
	a->nobservations += n;
	a->nfindings = first;
	return 0;
}

static int cmp_score(const void *x, const void *y)
{
	const struct finding *a = x, *b = y;

	return a->score < b->score ? 1 : a->score > b->score ? -1 : 0;
}

static int rule_run(struct analysis *a, sqlite3 *db, const struct rule *r)
{
	struct rowset rs = ROWSET_INIT;
	sqlite3_stmt *st = NULL;
	struct group *groups = NULL;
	size_t ngroups = 0, gi;
	const char *err = NULL;
	int cols[64], gcols[32], k, rc = 0, first_finding = a->nfindings, has_symptom = 0;
	char errbuf[512], symptom[512] = "";

	if (!rule_runnable(a, db, r)) {
		a->rules_not_evaluated++;
		return 0;
	}
	if (shared_prepare(db, r->query, errbuf, sizeof(errbuf)) < 0) {
		analysis_add_note(a, "rule_failed", NULL, r->id, "rule '%s' (%s:%d) failed: %s", r->id, r->file,
			 r->query_line, errbuf);
		goto failed;
	}
	if (sqlite3_prepare_v2(db, r->query, -1, &st, NULL) != SQLITE_OK) {
		analysis_add_note(a, "rule_failed", NULL, r->id, "rule '%s' (%s:%d) failed: %s", r->id, r->file,
			 r->query_line, sqlite3_errmsg(db));
		goto failed;
	}
	if (!st || !sqlite3_stmt_readonly(st)) {
		analysis_add_note(a, "rule_failed", NULL, r->id, "rule '%s' (%s:%d) failed: query must be one read-only statement",
			 r->id, r->file, r->query_line);
		goto failed;
	}
	if (rowset_load(&rs, st, RULE_MAX_ROWS, &err) < 0) {
		analysis_add_note(a, "rule_failed", NULL, r->id, "rule '%s' (%s:%d) failed: %s", r->id, r->file,
			 r->query_line, err);
		goto failed;
	}
	if (rs.truncated)
		analysis_add_note(a, "truncated", NULL, r->id, "rule '%s': query yielded more than %d rows; judged the first ones",
			 r->id, RULE_MAX_ROWS);
	for (k = 0; k < r->detector->nparams && k < 64; k++) {
		cols[k] = -1;
		if (r->detector->params[k].type == PARAM_COLUMN && r->args[k].set) {
			cols[k] = rowset_col(&rs, r->args[k].strs[0]);
			if (cols[k] < 0) {
				analysis_add_note(a, "rule_failed", NULL, r->id,
					 "rule '%s' (%s:%d) failed: parameter '%s' names column '%s', which the query does not return",
					 r->id, r->file, r->line, r->detector->params[k].name, r->args[k].strs[0]);
				goto failed;
			}
		}
	}
	for (k = 0; k < r->ngroup && k < 32; k++) {
		gcols[k] = rowset_col(&rs, r->group_by[k]);
		if (gcols[k] < 0) {
			analysis_add_note(a, "rule_failed", NULL, r->id,
				 "rule '%s' (%s:%d) failed: group_by column '%s' is not returned by the query",
				 r->id, r->file, r->line, r->group_by[k]);
			goto failed;
		}
	}
	if (r->observation)
		has_symptom = symptom_find(a, db, r, symptom, sizeof(symptom));
	if (groups_make(&rs, gcols, r->ngroup < 32 ? r->ngroup : 32, &groups, &ngroups) < 0) {
		rc = -1;
		goto out;
	}
	for (gi = 0; gi < ngroups; gi++) {
		struct detector_input in = { &rs, groups[gi].rows, groups[gi].n, r->args, cols };
		struct hit h;
		int fired;

		memset(&h, 0, sizeof(h));
		h.rep_row = groups[gi].rows[groups[gi].n - 1];
		fired = r->detector->run(&in, &h);
		if (fired < 0) {
			analysis_add_note(a, "rule_failed", NULL, r->id, "rule '%s' (%s:%d): detector '%s': %s", r->id, r->file,
				 r->line, r->detector->name, h.error[0] ? h.error : "failed");
			continue;
		}
		if (fired && make_finding(a, r, &rs, &groups[gi], gcols, &h, has_symptom ? symptom : NULL) < 0) {
			rc = -1;
			goto out;
		}
		if (fired && h.observation && move_to_observations(a, a->nfindings - 1) < 0) {
			rc = -1;
			goto out;
		}
	}
	/* Keep the strongest max_findings of this rule. */
	if (r->max_findings && a->nfindings - first_finding > r->max_findings) {
		qsort(a->findings + first_finding, (size_t)(a->nfindings - first_finding),
		      sizeof(*a->findings), cmp_score);
		while (a->nfindings - first_finding > r->max_findings)
			finding_release(&a->findings[--a->nfindings]);
	}
	if (r->observation && !has_symptom && move_to_observations(a, first_finding) < 0) {
		rc = -1;
		goto out;
	}
	a->rules_evaluated++;
	goto out;
failed:
	a->rules_failed++;
out:
	groups_free(groups, ngroups);
	sqlite3_finalize(st);
	rowset_release(&rs);
	return rc;
}

static int cmp_findings(const void *x, const void *y)
{
	const struct finding *a = x, *b = y;
	int c;

	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	if ((c = strcmp(a->rule->id, b->rule->id)))
		return c;
	return strcmp(a->key, b->key);
}

/* ---- a time bound per rule (a hostile or careless pack) ---- */

static long long rule_timeout_us = ANALYSIS_DEFAULT_RULE_TIMEOUT_US;

void analysis_set_rule_timeout(long long us)
{
	rule_timeout_us = us;
}

/* rule_run under the rule timeout: statements past it are interrupted (the
 * progress handler of bundle_bound_reader) and the rule's failure note says
 * so plainly; the other rules still run. */
static int rule_run_bounded(struct analysis *a, sqlite3 *db, const struct rule *r)
{
	int first = a->nnotes, said = 0, rc, i;
	char *msg;

	bundle_deadline_start(rule_timeout_us);
	rc = rule_run(a, db, r);
	if (bundle_deadline_hit() &&
	    (msg = xprintf("rule '%s' (%s:%d) stopped after %.3g s (--rule-timeout): its query did not finish",
			   r->id, r->file, r->query_line, (double)rule_timeout_us / 1e6))) {
		for (i = first; i < a->nnotes; i++)
			if (a->notes[i].rule && !strcmp(a->notes[i].rule, r->id) &&
			    !strcmp(a->notes[i].kind, "rule_failed") && !said) {
				free(a->notes[i].message);
				a->notes[i].message = msg;
				said = 1;
			}
		if (!said) {
			analysis_add_note(a, "rule_failed", NULL, r->id, "%s", msg);
			free(msg);
		}
	}
	bundle_deadline_start(0);
	return rc;
}

int analysis_run(struct analysis *a, sqlite3 *db, const char *path, struct rulepack *packs, int npacks)
{
	int i, j, k, timing = getenv("CASEFILE_ANALYZE_TIMING") != NULL;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(a, 0, sizeof(*a));
	if (sqlfuncs_register(db) < 0)
		return -1;
	bundle_info_read(&a->bundle, db, path);
	analysis_quality_notes(a, db);
	for (i = 0; i < npacks; i++)
		for (j = 0; j < packs[i].nerrors; j++)
			analysis_add_note(a, "rule_pack", NULL, NULL, "%s", packs[i].errors[j]);
	for (i = 0; i < npacks; i++) {
		for (j = 0; j < packs[i].nrules; j++) {
			const struct rule *r = &packs[i].rules[j];
			int overridden = 0;

			/* A later pack's rule with the same id replaces an earlier one
			 * (how a user tunes a built-in rule). */
			for (k = i + 1; k < npacks && !overridden; k++) {
				int m;

				for (m = 0; m < packs[k].nrules; m++)
					if (!strcmp(packs[k].rules[m].id, r->id))
						overridden = 1;
			}
			if (overridden)
				continue;
			a->rules_total++;
			{
				struct timespec r0, r1;
				char err[512];

				/* Shared tables the rule reads are built (once) outside its
				 * time; a failure (a bundle without socket tables) is reported
				 * by rule_run, or the rule is not evaluated. */
				shared_prepare(db, r->query, err, sizeof(err));
				clock_gettime(CLOCK_MONOTONIC, &r0);
				if (rule_run_bounded(a, db, r) < 0)
					return -1;
				clock_gettime(CLOCK_MONOTONIC, &r1);
				/* Per-rule cost, for bench/bench-analyze.sh. */
				if (timing)
					fprintf(stderr, "rule %-26s %8.1f ms\n", r->id,
						(double)(r1.tv_sec - r0.tv_sec) * 1e3 + (double)(r1.tv_nsec - r0.tv_nsec) / 1e6);
			}
		}
	}
	if (a->nfindings)  /* qsort(NULL, 0) is undefined behaviour (UBSan stops there) */
		qsort(a->findings, (size_t)a->nfindings, sizeof(*a->findings), cmp_findings);
	if (a->nobservations)
		qsort(a->observations, (size_t)a->nobservations, sizeof(*a->observations), cmp_findings);
	analysis_link_notes(a);
	profile_summary_load(a, db);     /* the profile section of the reports */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	a->elapsed_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return 0;
}

int analysis_count_at_least(const struct analysis *a, enum severity sev)
{
	int i, n = 0;

	for (i = 0; i < a->nfindings; i++)
		n += a->findings[i].severity >= sev;
	return n;
}

void analysis_release(struct analysis *a)
{
	int i;

	for (i = 0; i < a->nfindings; i++)
		finding_release(&a->findings[i]);
	free(a->findings);
	for (i = 0; i < a->nobservations; i++)
		finding_release(&a->observations[i]);
	free(a->observations);
	for (i = 0; i < a->nnotes; i++) {
		free(a->notes[i].kind);
		free(a->notes[i].source);
		free(a->notes[i].rule);
		free(a->notes[i].message);
	}
	free(a->notes);
	bundle_info_release(&a->bundle);
	analysis_release_series(a);
	profile_summary_free(a->profile);
	memset(a, 0, sizeof(*a));
}
