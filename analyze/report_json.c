/* The JSON reports, analysis and compare: a documented, stable shape for
 * automation (see analyze/report-json.md). Keys never change meaning within
 * a version; new keys may be added. Numbers are numbers; absent values are
 * null. Every byte goes through the one JSON writer (lib/json.c), which
 * places commas and checks the nesting. */
#include "report.h"
#include "profile.h"

#include "compare.h"
#include "json.h"

/* Members of the document, of its arrays and of their objects (a finding)
 * go on their own lines; deeper (values, evidence rows) stay on one. */
#define JSON_PRETTY_DEPTH 3

static void cell_json(struct json *j, const struct cell *c)
{
	switch (c->type) {
	case CELL_INT:
		json_int(j, c->u.i);
		break;
	case CELL_REAL:
		json_num(j, c->u.d);
		break;
	case CELL_TEXT:
		json_str(j, c->u.s);
		break;
	default:
		json_null(j);
	}
}

static void time_range(struct json *j, long long from_us, long long to_us)
{
	char t0[40], t1[40];

	if (!from_us) {
		json_null(j);
		return;
	}
	json_begin_object(j);
	json_key(j, "from_us");
	json_int(j, from_us);
	json_key(j, "to_us");
	json_int(j, to_us);
	json_key(j, "from");
	json_str(j, report_time(from_us, t0, sizeof(t0)));
	json_key(j, "to");
	json_str(j, report_time(to_us, t1, sizeof(t1)));
	json_end_object(j);
}

static void bundle_json(struct json *j, const struct bundle_info *b)
{
	int i;

	json_begin_object(j);
	json_key(j, "path");
	json_str(j, b->path);
	json_key(j, "schema_version");
	json_int(j, b->schema_version);
	json_key(j, "ticks");
	json_int(j, b->ticks);
	json_key(j, "time_range");
	time_range(j, b->from_us, b->to_us);
	json_key(j, "manifest");
	json_begin_object(j);
	for (i = 0; i < b->nmanifest; i++) {
		json_key(j, b->manifest[i].key ? b->manifest[i].key : "");
		json_str(j, b->manifest[i].value);
	}
	json_end_object(j);
	json_key(j, "targets");
	json_begin_array(j);
	for (i = 0; i < b->ntargets; i++) {
		json_begin_object(j);
		json_key(j, "pid");
		json_int(j, b->targets[i].pid);
		json_key(j, "comm");
		json_str(j, b->targets[i].comm);
		json_key(j, "role");
		json_str(j, b->targets[i].role);
		json_end_object(j);
	}
	json_end_array(j);
	json_key(j, "sources");
	json_begin_array(j);
	for (i = 0; i < b->nsources; i++) {
		json_begin_object(j);
		json_key(j, "name");
		json_str(j, b->sources[i].name);
		json_key(j, "status");
		json_str(j, b->sources[i].status);
		json_key(j, "backend");
		json_str(j, b->sources[i].backend);
		json_key(j, "reason");
		json_str(j, b->sources[i].reason);
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
}

/* A value: a number, a boolean, an identifier, or a list of objects. */
static void value_json(struct json *j, const struct finding_value *v)
{
	int i, k;

	switch (v->type) {
	case VALUE_NUM:
		json_num(j, v->num);
		break;
	case VALUE_BOOL:
		json_bool(j, v->num != 0);
		break;
	case VALUE_IDENT:
		json_str(j, v->text);
		break;
	case VALUE_LIST:
		json_begin_array(j);
		for (i = 0; i < v->nitems; i++) {
			json_begin_object(j);
			for (k = 0; k < v->items[i].nfields; k++) {
				json_key(j, v->items[i].fields[k].name);
				value_json(j, &v->items[i].fields[k]);
			}
			json_end_object(j);
		}
		json_end_array(j);
		break;
	}
}

static void finding_json(struct json *j, const struct finding *fd)
{
	size_t r;
	int i, c;

	json_begin_object(j);
	json_key(j, "rule");
	json_str(j, fd->rule->id);
	json_key(j, "severity");
	json_str(j, severity_name(fd->severity));
	json_key(j, "title");
	json_str(j, fd->rule->title);
	json_key(j, "message");
	json_str(j, fd->message);
	json_key(j, "key");
	json_str(j, fd->key);
	json_key(j, "group");
	json_str(j, fd->group);
	json_key(j, "score");
	json_num(j, fd->score);
	json_key(j, "time_range");
	time_range(j, fd->from_us, fd->to_us);
	json_key(j, "values");
	json_begin_object(j);
	for (i = 0; i < fd->nvalues; i++) {
		json_key(j, fd->values[i].name);
		value_json(j, &fd->values[i]);
	}
	json_end_object(j);
	json_key(j, "evidence");
	json_begin_object(j);
	json_key(j, "columns");
	json_begin_array(j);
	for (c = 0; c < fd->evidence.ncols; c++)
		json_str(j, fd->evidence.cols[c]);
	json_end_array(j);
	json_key(j, "rows");
	json_begin_array(j);
	for (r = 0; r < fd->evidence.nrows; r++) {
		json_begin_array(j);
		for (c = 0; c < fd->evidence.ncols; c++)
			cell_json(j, rowset_cell(&fd->evidence, r, c));
		json_end_array(j);
	}
	json_end_array(j);
	json_end_object(j);
	json_key(j, "next_step");
	json_str(j, fd->rule->next_step);
	json_key(j, "sql");
	json_str(j, fd->sql);
	json_key(j, "pack");
	json_str(j, fd->rule->file);
	json_key(j, "notes");
	json_begin_array(j);
	for (i = 0; i < fd->nnotes; i++)
		json_int(j, fd->notes[i]);
	json_end_array(j);
	json_end_object(j);
}

static void note_json(struct json *j, const struct note *n)
{
	json_begin_object(j);
	json_key(j, "kind");
	json_str(j, n->kind);
	json_key(j, "source");
	json_str(j, n->source);
	json_key(j, "rule");
	json_str(j, n->rule);
	json_key(j, "message");
	json_str(j, n->message);
	json_end_object(j);
}

static void header(struct json *j, const char *kind)
{
	json_begin_object(j);
	json_key(j, "casefile_report");
	json_int(j, REPORT_JSON_VERSION);
	json_key(j, "kind");
	json_str(j, kind);
}

static int json_analysis(FILE *f, const struct analysis *a)
{
	struct json j;
	int i;

	json_init(&j, f, JSON_PRETTY_DEPTH);
	header(&j, "analysis");
	json_key(&j, "bundle");
	bundle_json(&j, &a->bundle);
	json_key(&j, "rules");
	json_begin_object(&j);
	json_key(&j, "total");
	json_int(&j, a->rules_total);
	json_key(&j, "evaluated");
	json_int(&j, a->rules_evaluated);
	json_key(&j, "not_evaluated");
	json_int(&j, a->rules_not_evaluated);
	json_key(&j, "failed");
	json_int(&j, a->rules_failed);
	json_end_object(&j);
	json_key(&j, "findings");
	json_begin_array(&j);
	for (i = 0; i < a->nfindings; i++)
		finding_json(&j, &a->findings[i]);
	json_end_array(&j);
	json_key(&j, "observations");
	json_begin_array(&j);
	for (i = 0; i < a->nobservations; i++)
		finding_json(&j, &a->observations[i]);
	json_end_array(&j);
	json_key(&j, "notes");
	json_begin_array(&j);
	for (i = 0; i < a->nnotes; i++)
		note_json(&j, &a->notes[i]);
	json_end_array(&j);
	profile_report_json(&j, a);
	json_end_object(&j);
	return json_finish(&j);
}

/* ---- the comparison ---- */

static void stat_json(struct json *j, const struct series_stat *s)
{
	if (!s->present) {
		json_null(j);
		return;
	}
	json_begin_object(j);
	json_key(j, "samples");
	json_int(j, s->n);
	json_key(j, "mean");
	json_num(j, s->mean);
	json_key(j, "peak");
	json_num(j, s->peak);
	json_key(j, "last");
	json_num(j, s->last);
	json_key(j, "slope_per_min");
	json_num(j, s->slope_per_min);
	json_end_object(j);
}

static void compare_findings(struct json *j, const struct comparison *c)
{
	int i;

	json_begin_array(j);
	for (i = 0; i < c->nmatches; i++) {
		const struct finding_match *m = &c->matches[i];
		const struct finding *fd = m->after ? m->after : m->before;

		json_begin_object(j);
		json_key(j, "status");
		json_str(j, match_status_name(m->status));
		json_key(j, "rule");
		json_str(j, fd->rule->id);
		json_key(j, "key");
		json_str(j, fd->key);
		json_key(j, "severity");
		json_str(j, severity_name(fd->severity));
		json_key(j, "before");
		json_str(j, m->before ? m->before->message : NULL);
		json_key(j, "after");
		json_str(j, m->after ? m->after->message : NULL);
		json_end_object(j);
	}
	json_end_array(j);
}

static void compare_series(struct json *j, const struct comparison *c)
{
	int i;

	json_begin_array(j);
	for (i = 0; i < c->nseries; i++) {
		const struct series_cmp *s = &c->series[i];

		if (!s->before.present && !s->after.present)
			continue;
		json_begin_object(j);
		json_key(j, "name");
		json_str(j, s->def->id);
		json_key(j, "title");
		json_str(j, s->def->title);
		json_key(j, "unit");
		json_str(j, series_unit_name(s->def->unit));
		json_key(j, "before");
		stat_json(j, &s->before);
		json_key(j, "after");
		stat_json(j, &s->after);
		json_key(j, "verdict");
		json_str(j, series_cmp_verdict(s));
		json_end_object(j);
	}
	json_end_array(j);
}

static void compare_sets(struct json *j, const struct comparison *c)
{
	int i, k;

	json_begin_array(j);
	for (i = 0; i < c->nsets; i++) {
		const struct set_cmp *s = &c->sets[i];

		json_begin_object(j);
		json_key(j, "name");
		json_str(j, s->def->name);
		json_key(j, "title");
		json_str(j, s->def->title);
		json_key(j, "value");
		json_str(j, s->def->value);
		json_key(j, "present_before");
		json_bool(j, s->present_before);
		json_key(j, "present_after");
		json_bool(j, s->present_after);
		json_key(j, "items");
		json_begin_array(j);
		for (k = 0; k < s->nitems; k++) {
			const struct set_item *it = &s->items[k];

			json_begin_object(j);
			json_key(j, "key");
			json_str(j, it->key);
			json_key(j, "before");
			if (it->in_before)
				json_num(j, it->before);
			else
				json_null(j);
			json_key(j, "after");
			if (it->in_after)
				json_num(j, it->after);
			else
				json_null(j);
			json_key(j, "change");
			json_str(j, set_item_change(it));
			json_end_object(j);
		}
		json_end_array(j);
		json_end_object(j);
	}
	json_end_array(j);
}

static int json_compare(FILE *f, const struct comparison *c)
{
	struct json j;

	json_init(&j, f, JSON_PRETTY_DEPTH);
	header(&j, "compare");
	json_key(&j, "before");
	bundle_json(&j, &c->before.bundle);
	json_key(&j, "after");
	bundle_json(&j, &c->after.bundle);
	json_key(&j, "findings");
	compare_findings(&j, c);
	json_key(&j, "series");
	compare_series(&j, c);
	json_key(&j, "sets");
	compare_sets(&j, c);
	json_end_object(&j);
	return json_finish(&j);
}

const struct report_format report_json = {
	.name = "json",
	.ext = "json",
	.analysis = json_analysis,
	.compare = json_compare,
};
