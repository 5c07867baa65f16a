/* Running the rules over a bundle: requirements, the query, the detector per
 * group, and the findings and notes that come out. */
#include "findings.h"
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

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

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

static int add_note(struct analysis *a, const char *kind, const char *source, const char *rule,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int add_note(struct analysis *a, const char *kind, const char *source, const char *rule,
		    const char *fmt, ...)
{
	struct note *n = realloc(a->notes, (size_t)(a->nnotes + 1) * sizeof(*n));
	va_list ap;
	char *msg = NULL;

	if (!n)
		return -1;
	a->notes = n;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	n = &a->notes[a->nnotes];
	n->kind = xstrdup(kind);
	n->source = xstrdup(source);
	n->rule = xstrdup(rule);
	n->message = msg;
	if (!n->kind || !n->message)
		return -1;
	a->nnotes++;
	return 0;
}

const char *source_noun(const char *s)
{
	static const char *const map[][2] = {
		{ "sockets", "socket" }, { "syscalls", "syscall" }, { "packets", "packet" },
		{ "logs", "log" }, { "process", "process" }, { "cgroup", "cgroup" },
		{ "netdev", "interface" }, { "attachments", "attachment" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i][0], s))
			return map[i][1];
	return s;
}

/* ---- bundle facts ---- */

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? strdup((const char *)t) : NULL;
}

int bundle_info_read(struct bundle_info *b, sqlite3 *db, const char *path)
{
	sqlite3_stmt *st;

	memset(b, 0, sizeof(*b));
	b->path = xstrdup(path);
	b->schema_version = (int)bundle_query_int(db, "PRAGMA user_version", 0);
	if (sqlite3_prepare_v2(db, "SELECT key, value FROM manifest ORDER BY key LIMIT 1000", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			struct kv *m = realloc(b->manifest, (size_t)(b->nmanifest + 1) * sizeof(*m));

			if (!m)
				break;
			b->manifest = m;
			m[b->nmanifest].key = col_dup(st, 0);
			m[b->nmanifest].value = col_dup(st, 1);
			if (m[b->nmanifest].key)
				b->nmanifest++;
			else
				free(m[b->nmanifest].value);
		}
		sqlite3_finalize(st);
	}
	if (bundle_has_table(db, "sources") &&
	    sqlite3_prepare_v2(db, "SELECT name, status, backend, reason FROM sources ORDER BY name LIMIT 100",
			       -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			struct source_info *s = realloc(b->sources, (size_t)(b->nsources + 1) * sizeof(*s));

			if (!s)
				break;
			b->sources = s;
			s += b->nsources;
			s->name = col_dup(st, 0);
			s->status = col_dup(st, 1);
			s->backend = col_dup(st, 2);
			s->reason = col_dup(st, 3);
			if (s->name && s->status) {
				b->nsources++;
			} else {
				free(s->name);
				free(s->status);
				free(s->backend);
				free(s->reason);
			}
		}
		sqlite3_finalize(st);
	}
	if (bundle_has_table(db, "processes") &&
	    sqlite3_prepare_v2(db, "SELECT pid, comm, cmdline, role FROM processes "
			       "ORDER BY role != 'target', id LIMIT 20", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			struct target_info *t = realloc(b->targets, (size_t)(b->ntargets + 1) * sizeof(*t));

			if (!t)
				break;
			b->targets = t;
			t += b->ntargets++;
			t->pid = sqlite3_column_int64(st, 0);
			t->comm = col_dup(st, 1);
			t->cmdline = col_dup(st, 2);
			t->role = col_dup(st, 3);
		}
		sqlite3_finalize(st);
	}
	b->from_us = bundle_query_int(db, "SELECT min(wall_us) FROM ticks", 0);
	b->to_us = bundle_query_int(db, "SELECT max(wall_us) FROM ticks", 0);
	b->ticks = bundle_query_int(db, "SELECT count(*) FROM ticks", 0);
	return 0;
}

void bundle_info_release(struct bundle_info *b)
{
	int i;

	for (i = 0; i < b->nmanifest; i++) {
		free(b->manifest[i].key);
		free(b->manifest[i].value);
	}
	for (i = 0; i < b->nsources; i++) {
		free(b->sources[i].name);
		free(b->sources[i].status);
		free(b->sources[i].backend);
		free(b->sources[i].reason);
	}
	for (i = 0; i < b->ntargets; i++) {
		free(b->targets[i].comm);
		free(b->targets[i].cmdline);
		free(b->targets[i].role);
	}
	free(b->manifest);
	free(b->sources);
	free(b->targets);
	free(b->path);
	memset(b, 0, sizeof(*b));
}

const char *bundle_info_get(const struct bundle_info *b, const char *key)
{
	int i;

	for (i = 0; i < b->nmanifest; i++)
		if (!strcmp(b->manifest[i].key, key))
			return b->manifest[i].value;
	return NULL;
}

static const struct source_info *find_source(const struct bundle_info *b, const char *name)
{
	int i;

	for (i = 0; i < b->nsources; i++)
		if (!strcmp(b->sources[i].name, name))
			return &b->sources[i];
	return NULL;
}

/* ---- data-quality notes ---- */

static void quality_notes(struct analysis *a, sqlite3 *db)
{
	const struct bundle_info *b = &a->bundle;
	sqlite3_stmt *st;
	int i;

	for (i = 0; i < b->nsources; i++) {
		const struct source_info *s = &b->sources[i];
		const char *why = s->reason ? s->reason : "no reason recorded";

		if (!strcmp(s->status, "skipped"))
			add_note(a, "source_skipped", s->name, NULL, "source '%s' was skipped: %s", s->name, why);
		else if (!strcmp(s->status, "failed"))
			add_note(a, "source_failed", s->name, NULL, "source '%s' failed: %s", s->name, why);
		else if (!strcmp(s->status, "off"))
			; /* said where it matters: by the rules it leaves "not evaluated" */
		else if (s->reason)
			add_note(a, "source_fallback", s->name, NULL, "source '%s' ran with %s: %s", s->name,
				 s->backend ? s->backend : "a fallback", s->reason);
	}
	/* Losses the sources count in their own tables. */
	{
		static const struct {
			const char *table, *source, *kind, *sql;
		} q[] = {
			{ "syscall_ticks", "syscalls", "lost_events",
			  "SELECT SUM(lost), SUM(dropped), SUM(events) FROM syscall_ticks" },
			{ "pcap_stats", "packets", "drops",
			  "SELECT MAX(dropped_kernel) + MAX(COALESCE(dropped_iface, 0)), "
			  "       MAX(not_stored_cap) + MAX(not_stored_buffer), MAX(received) FROM pcap_stats" },
			{ "log_file_samples", "logs", "truncated",
			  "SELECT SUM(truncated), MAX(backlog_bytes), SUM(lines) FROM log_file_samples" },
		};
		size_t k;

		for (k = 0; k < sizeof(q) / sizeof(q[0]); k++) {
			long long x = 0, y = 0, tot = 0;

			if (!bundle_has_table(db, q[k].table) ||
			    sqlite3_prepare_v2(db, q[k].sql, -1, &st, NULL) != SQLITE_OK)
				continue;
			if (sqlite3_step(st) == SQLITE_ROW) {
				x = sqlite3_column_int64(st, 0);
				y = sqlite3_column_int64(st, 1);
				tot = sqlite3_column_int64(st, 2);
			}
			sqlite3_finalize(st);
			if (k == 0 && (x > 0 || y > 0))
				add_note(a, q[k].kind, q[k].source, NULL,
					 "syscalls: %lld events lost by the kernel ring and %lld updates dropped (of %lld events): counts are low bounds",
					 x, y, tot);
			/* Drops and packets not stored are separate losses: both are said. */
			if (k == 1 && x > 0)
				add_note(a, q[k].kind, q[k].source, NULL,
					 "packets: %lld packets dropped by the kernel or interface (of %lld received): flow counts are low bounds",
					 x, tot);
			if (k == 1 && y > 0)
				add_note(a, "truncated", q[k].source, NULL,
					 "packets: %lld packets counted but not stored (size cap or buffer)", y);
			if (k == 2 && (x > 0 || y > (1 << 20)))
				add_note(a, q[k].kind, q[k].source, NULL,
					 "logs: %lld over-long lines cut; up to %lld bytes were left unread behind the writer",
					 x, y);
		}
	}
	/* Events about the capture's own health, one note per kind and source. */
	if (bundle_has_table(db, "events") &&
	    sqlite3_prepare_v2(db,
		"SELECT kind, source, count(*), "
		"       (SELECT message FROM events e2 WHERE e2.kind = e.kind AND e2.source IS e.source "
		"        ORDER BY id DESC LIMIT 1) "
		"FROM events e WHERE kind IN ('drops', 'size_cap', 'backoff', 'warning', 'target_exited', "
		"                             'lost_events', 'truncated', 'netns_changed', 'indexes_skipped') "
		"   OR kind LIKE '%drop%' OR kind LIKE '%lost%' OR kind LIKE '%trunc%' "
		"   OR kind LIKE '%fail%' OR kind LIKE '%error%' OR kind LIKE '%overflow%' "
		"GROUP BY kind, source ORDER BY min(id) LIMIT 100", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *kind = (const char *)sqlite3_column_text(st, 0);
			const char *src = (const char *)sqlite3_column_text(st, 1);
			long long n = sqlite3_column_int64(st, 2);
			const char *msg = (const char *)sqlite3_column_text(st, 3);

			if (!kind)
				continue;
			if (n > 1)
				add_note(a, kind, src, NULL, "%s%s%s (%lld times; last: %s)", src ? src : "",
					 src ? ": " : "", kind, n, msg ? msg : "");
			else
				add_note(a, kind, src, NULL, "%s%s%s", src ? src : "", src ? ": " : "",
					 msg ? msg : kind);
		}
		sqlite3_finalize(st);
	}
}

/* ---- one rule ---- */

struct group {
	char *key;     /* "col=value, col=value" */
	size_t *rows;
	size_t n, alloc;
};

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

/* Splits the rows by the group_by columns; groups come out in key order, rows
 * in query order. */
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

static int make_groups(const struct rowset *rs, const int *gcols, int ngroup,
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
	for (i = 0; i < ng; i++) {
		free(g[i].key);
		free(g[i].rows);
	}
	free(g);
	return -1;
}

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
static char *group_sql(const struct rule *r, const struct rowset *rs, const int *gcols, size_t row)
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
		out = xprintf("%s;", q);
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
		add_note(a, "rule_failed", NULL, r->id,
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
		const struct source_info *s = find_source(&a->bundle, r->sources[i]);

		if (s && (!strcmp(s->status, "skipped") || !strcmp(s->status, "failed") ||
			  !strcmp(s->status, "off"))) {
			add_note(a, "not_evaluated", s->name, r->id,
				 "rule '%s' not evaluated: no %s data (source '%s' %s%s%s)", r->id,
				 source_noun(s->name), s->name, s->status, s->reason ? ": " : "",
				 s->reason ? s->reason : "");
			return 0;
		}
	}
	for (i = 0; i < r->nrequires; i++) {
		const char *src = r->nsources ? r->sources[0] : NULL;

		if (!bundle_has_table(db, r->requires[i])) {
			add_note(a, "not_evaluated", src, r->id,
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
			const struct source_info *s = src ? find_source(&a->bundle, src) : NULL;

			/* A source that ran and saw nothing (a process without sockets)
			 * differs from a source that did not run. */
			if (s && !strcmp(s->status, "ran"))
				add_note(a, "no_data", src, r->id,
					 "rule '%s' had nothing to judge: source '%s' ran and recorded no rows in '%s'",
					 r->id, src, r->requires[i]);
			else
				add_note(a, "not_evaluated", src, r->id,
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
		add_note(a, "rule_failed", NULL, r->id, "rule '%s' (%s:%d): symptom query failed: %s", r->id,
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
		add_note(a, "rule_failed", NULL, r->id, "rule '%s' (%s:%d) failed: %s", r->id, r->file,
			 r->query_line, errbuf);
		goto failed;
	}
	if (sqlite3_prepare_v2(db, r->query, -1, &st, NULL) != SQLITE_OK) {
		add_note(a, "rule_failed", NULL, r->id, "rule '%s' (%s:%d) failed: %s", r->id, r->file,
			 r->query_line, sqlite3_errmsg(db));
		goto failed;
	}
	if (!st || !sqlite3_stmt_readonly(st)) {
		add_note(a, "rule_failed", NULL, r->id, "rule '%s' (%s:%d) failed: query must be one read-only statement",
			 r->id, r->file, r->query_line);
		goto failed;
	}
	if (rowset_load(&rs, st, RULE_MAX_ROWS, &err) < 0) {
		add_note(a, "rule_failed", NULL, r->id, "rule '%s' (%s:%d) failed: %s", r->id, r->file,
			 r->query_line, err);
		goto failed;
	}
	if (rs.truncated)
		add_note(a, "truncated", NULL, r->id, "rule '%s': query yielded more than %d rows; judged the first ones",
			 r->id, RULE_MAX_ROWS);
	for (k = 0; k < r->detector->nparams && k < 64; k++) {
		cols[k] = -1;
		if (r->detector->params[k].type == PARAM_COLUMN && r->args[k].set) {
			cols[k] = rowset_col(&rs, r->args[k].strs[0]);
			if (cols[k] < 0) {
				add_note(a, "rule_failed", NULL, r->id,
					 "rule '%s' (%s:%d) failed: parameter '%s' names column '%s', which the query does not return",
					 r->id, r->file, r->line, r->detector->params[k].name, r->args[k].strs[0]);
				goto failed;
			}
		}
	}
	for (k = 0; k < r->ngroup && k < 32; k++) {
		gcols[k] = rowset_col(&rs, r->group_by[k]);
		if (gcols[k] < 0) {
			add_note(a, "rule_failed", NULL, r->id,
				 "rule '%s' (%s:%d) failed: group_by column '%s' is not returned by the query",
				 r->id, r->file, r->line, r->group_by[k]);
			goto failed;
		}
	}
	if (r->observation)
		has_symptom = symptom_find(a, db, r, symptom, sizeof(symptom));
	if (make_groups(&rs, gcols, r->ngroup < 32 ? r->ngroup : 32, &groups, &ngroups) < 0) {
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
			add_note(a, "rule_failed", NULL, r->id, "rule '%s' (%s:%d): detector '%s': %s", r->id, r->file,
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
	for (gi = 0; gi < ngroups; gi++) {
		free(groups[gi].key);
		free(groups[gi].rows);
	}
	free(groups);
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

/* A finding is weakened by the notes about the sources its rule reads. */
static void link_notes(struct analysis *a)
{
	int i, j, k;

	for (i = 0; i < a->nfindings; i++) {
		struct finding *f = &a->findings[i];

		for (j = 0; j < a->nnotes; j++) {
			const struct note *n = &a->notes[j];
			int *nn;

			if (!n->source || n->rule)
				continue;
			for (k = 0; k < f->rule->nsources; k++)
				if (!strcmp(f->rule->sources[k], n->source))
					break;
			if (k == f->rule->nsources)
				continue;
			nn = realloc(f->notes, (size_t)(f->nnotes + 1) * sizeof(*nn));
			if (!nn)
				return;
			f->notes = nn;
			f->notes[f->nnotes++] = j;
		}
	}
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
			add_note(a, "rule_failed", NULL, r->id, "%s", msg);
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
	quality_notes(a, db);
	for (i = 0; i < npacks; i++)
		for (j = 0; j < packs[i].nerrors; j++)
			add_note(a, "rule_pack", NULL, NULL, "%s", packs[i].errors[j]);
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
	link_notes(a);
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
