/* The JSON report: a documented, stable shape for automation (see
 * analyze/report-json.md). Keys never change meaning within a version; new
 * keys may be added. Numbers are numbers; absent values are null. */
#include "report.h"
#include "profile.h"

#include "compare.h"

static void cell_json(FILE *f, const struct cell *c)
{
	switch (c->type) {
	case CELL_INT:
		fprintf(f, "%lld", c->u.i);
		break;
	case CELL_REAL:
		json_number(f, c->u.d);
		break;
	case CELL_TEXT:
		json_string(f, c->u.s);
		break;
	default:
		fputs("null", f);
	}
}

static void time_range(FILE *f, long long from_us, long long to_us)
{
	char t0[40], t1[40];

	if (!from_us) {
		fputs("null", f);
		return;
	}
	fprintf(f, "{\"from_us\": %lld, \"to_us\": %lld, \"from\": ", from_us, to_us);
	json_string(f, report_time(from_us, t0, sizeof(t0)));
	fputs(", \"to\": ", f);
	json_string(f, report_time(to_us, t1, sizeof(t1)));
	fputc('}', f);
}

void report_json_bundle(FILE *f, const struct bundle_info *b)
{
	int i;

	fputs("{\"path\": ", f);
	json_string(f, b->path);
	fprintf(f, ", \"schema_version\": %d, \"ticks\": %lld, \"time_range\": ", b->schema_version, b->ticks);
	time_range(f, b->from_us, b->to_us);
	fputs(",\n    \"manifest\": {", f);
	for (i = 0; i < b->nmanifest; i++) {
		fputs(i ? ", " : "", f);
		json_string(f, b->manifest[i].key);
		fputs(": ", f);
		json_string(f, b->manifest[i].value);
	}
	fputs("},\n    \"targets\": [", f);
	for (i = 0; i < b->ntargets; i++) {
		fprintf(f, "%s{\"pid\": %lld, \"comm\": ", i ? ", " : "", b->targets[i].pid);
		json_string(f, b->targets[i].comm);
		fputs(", \"role\": ", f);
		json_string(f, b->targets[i].role);
		fputc('}', f);
	}
	fputs("],\n    \"sources\": [", f);
	for (i = 0; i < b->nsources; i++) {
		fputs(i ? ", " : "", f);
		fputs("{\"name\": ", f);
		json_string(f, b->sources[i].name);
		fputs(", \"status\": ", f);
		json_string(f, b->sources[i].status);
		fputs(", \"backend\": ", f);
		json_string(f, b->sources[i].backend);
		fputs(", \"reason\": ", f);
		json_string(f, b->sources[i].reason);
		fputc('}', f);
	}
	fputs("]}", f);
}

void report_json_finding(FILE *f, const struct finding *fd)
{
	size_t r;
	int i, c;

	fputs("{\"rule\": ", f);
	json_string(f, fd->rule->id);
	fputs(", \"severity\": ", f);
	json_string(f, severity_name(fd->severity));
	fputs(", \"title\": ", f);
	json_string(f, fd->rule->title);
	fputs(",\n     \"message\": ", f);
	json_string(f, fd->message);
	fputs(",\n     \"key\": ", f);
	json_string(f, fd->key);
	fputs(", \"group\": ", f);
	json_string(f, fd->group);
	fputs(", \"score\": ", f);
	json_number(f, fd->score);
	fputs(", \"time_range\": ", f);
	time_range(f, fd->from_us, fd->to_us);
	fputs(",\n     \"values\": {", f);
	for (i = 0; i < fd->nvalues; i++) {
		fputs(i ? ", " : "", f);
		json_string(f, fd->values[i].name);
		fputs(": ", f);
		if (fd->values[i].is_text)
			json_string(f, fd->values[i].text);
		else
			json_number(f, fd->values[i].num);
	}
	fputs("},\n     \"evidence\": {\"columns\": [", f);
	for (c = 0; c < fd->evidence.ncols; c++) {
		fputs(c ? ", " : "", f);
		json_string(f, fd->evidence.cols[c]);
	}
	fputs("], \"rows\": [", f);
	for (r = 0; r < fd->evidence.nrows; r++) {
		fputs(r ? ", [" : "[", f);
		for (c = 0; c < fd->evidence.ncols; c++) {
			fputs(c ? ", " : "", f);
			cell_json(f, rowset_cell(&fd->evidence, r, c));
		}
		fputc(']', f);
	}
	fputs("]},\n     \"next_step\": ", f);
	json_string(f, fd->rule->next_step);
	fputs(",\n     \"sql\": ", f);
	json_string(f, fd->sql);
	fputs(",\n     \"pack\": ", f);
	json_string(f, fd->rule->file);
	fputs(", \"notes\": [", f);
	for (i = 0; i < fd->nnotes; i++)
		fprintf(f, "%s%d", i ? ", " : "", fd->notes[i]);
	fputs("]}", f);
}

static void note_json(FILE *f, const struct note *n)
{
	fputs("{\"kind\": ", f);
	json_string(f, n->kind);
	fputs(", \"source\": ", f);
	json_string(f, n->source);
	fputs(", \"rule\": ", f);
	json_string(f, n->rule);
	fputs(", \"message\": ", f);
	json_string(f, n->message);
	fputc('}', f);
}

static int json_analysis(FILE *f, const struct analysis *a)
{
	int i;

	fprintf(f, "{\"casefile_report\": %d, \"kind\": \"analysis\",\n \"bundle\": ", REPORT_JSON_VERSION);
	report_json_bundle(f, &a->bundle);
	fprintf(f, ",\n \"rules\": {\"total\": %d, \"evaluated\": %d, \"not_evaluated\": %d, \"failed\": %d},\n",
		a->rules_total, a->rules_evaluated, a->rules_not_evaluated, a->rules_failed);
	fputs(" \"findings\": [", f);
	for (i = 0; i < a->nfindings; i++) {
		fputs(i ? ",\n    " : "\n    ", f);
		report_json_finding(f, &a->findings[i]);
	}
	fputs("],\n \"observations\": [", f);
	for (i = 0; i < a->nobservations; i++) {
		fputs(i ? ",\n    " : "\n    ", f);
		report_json_finding(f, &a->observations[i]);
	}
	fputs("],\n \"notes\": [", f);
	for (i = 0; i < a->nnotes; i++) {
		fputs(i ? ",\n    " : "\n    ", f);
		note_json(f, &a->notes[i]);
	}
	fputs("]", f);
	profile_report_json(f, a);
	fputs("}\n", f);
	return ferror(f) ? -1 : 0;
}

const struct report_format report_json = {
	.name = "json",
	.ext = "json",
	.analysis = json_analysis,
	.compare = compare_write_json,
};
