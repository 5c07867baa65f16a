/* The terminal reports. Analysis: findings first, worst first, each with its
 * numbers, time range, evidence, next step and SQL; then the notes that
 * weaken it. Compare: findings resolved/new/unchanged, series, keyed sets. */
#include "report.h"

#include "compare.h"
#include "escape.h"
#include "profile.h"

#include <stdlib.h>
#include <string.h>

/* Bundle text is attacker-controlled: escaped for the terminal (escape.c). */
static void put_clean(FILE *f, const char *s)
{
	fput_term(f, s ? s : "", 0);
}

/* The query on one line: white space runs become one space, the rest goes
 * through the terminal escaping (C1 and invalid UTF-8 included). */
static void put_sql_line(FILE *f, const char *sql)
{
	char *line = malloc(strlen(sql) + 1), *o = line;
	int space = 0;

	if (!line)
		return;
	for (; *sql; sql++) {
		if (*sql == '\n' || *sql == '\t' || *sql == ' ') {
			space = 1;
			continue;
		}
		if (space)
			*o++ = ' ';
		space = 0;
		*o++ = *sql;
	}
	*o = '\0';
	fput_term(f, line, 0);
	free(line);
}

static void evidence_table(FILE *f, const struct rowset *rs)
{
	int widths[32], c, nc = rs->ncols < 32 ? rs->ncols : 32;
	char buf[64];
	size_t r;

	if (!rs->nrows)
		return;
	for (c = 0; c < nc; c++) {
		widths[c] = (int)strlen(rs->cols[c]);
		for (r = 0; r < rs->nrows; r++) {
			int w = (int)strlen(cell_text(rowset_cell(rs, r, c), buf, sizeof(buf)));

			if (w > widths[c])
				widths[c] = w;
		}
		if (widths[c] > 40)
			widths[c] = 40;
	}
	fputs("        ", f);
	for (c = 0; c < nc; c++) {
		fputs(c ? "  " : "", f);
		put_clean(f, rs->cols[c]);
		fprintf(f, "%*s", widths[c] - (int)strlen(rs->cols[c]) > 0 ? widths[c] - (int)strlen(rs->cols[c]) : 0, "");
	}
	fputc('\n', f);
	for (r = 0; r < rs->nrows; r++) {
		fputs("        ", f);
		for (c = 0; c < nc; c++) {
			const char *t = cell_text(rowset_cell(rs, r, c), buf, sizeof(buf));
			int len = (int)strlen(t);

			fputs(c ? "  " : "", f);
			if (len > widths[c]) {
				char cut[48];

				snprintf(cut, sizeof(cut), "%.*s", widths[c], t);
				put_clean(f, cut);
				len = widths[c];
			} else {
				put_clean(f, t);
			}
			fprintf(f, "%*s", widths[c] - len > 0 ? widths[c] - len : 0, "");
		}
		fputc('\n', f);
	}
}

static void upper(char *d, const char *s, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		d[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
	d[i] = '\0';
}

static void header(FILE *f, const struct bundle_info *b)
{
	char t0[40], t1[40], span[40];
	const char *host = bundle_info_get(b, "host");
	int i;

	fputs("casefile-analyze: ", f);
	put_clean(f, b->path);
	fputc('\n', f);
	for (i = 0; i < b->ntargets && i < 3; i++) {
		fputs("  ", f);
		put_clean(f, b->targets[i].role ? b->targets[i].role : "process");
		fprintf(f, ": pid %lld (", b->targets[i].pid);
		put_clean(f, b->targets[i].comm ? b->targets[i].comm : "?");
		fputs(")", f);
		if (i == 0 && host) {
			fputs(" on ", f);
			put_clean(f, host);
		}
		fputc('\n', f);
	}
	if (b->ntargets > 3)
		fprintf(f, "  ... and %d more processes\n", b->ntargets - 3);
	fprintf(f, "  captured %s .. %s (%s, %lld ticks)\n", report_time(b->from_us, t0, sizeof(t0)),
		report_time(b->to_us, t1, sizeof(t1)), report_span(b->from_us, b->to_us, span, sizeof(span)),
		b->ticks);
}

static int text_analysis(FILE *f, const struct analysis *a)
{
	int i, j, counts[5] = { 0 };
	char t0[40], t1[40], sev[16];

	header(f, &a->bundle);
	for (i = 0; i < a->nfindings; i++)
		counts[a->findings[i].severity]++;
	fprintf(f, "\n%d finding%s", a->nfindings, a->nfindings == 1 ? "" : "s");
	if (a->nfindings) {
		const char *sep = " (";

		for (i = SEV_CRITICAL; i >= SEV_INFO; i--)
			if (counts[i]) {
				fprintf(f, "%s%d %s", sep, counts[i], severity_name((enum severity)i));
				sep = ", ";
			}
		fputc(')', f);
	}
	fprintf(f, "; %d rule%s evaluated, %d not evaluated, %d failed\n", a->rules_evaluated,
		a->rules_evaluated == 1 ? "" : "s", a->rules_not_evaluated, a->rules_failed);
	for (i = 0; i < a->nfindings; i++) {
		const struct finding *fd = &a->findings[i];

		upper(sev, severity_name(fd->severity), sizeof(sev));
		fprintf(f, "\n%-8s ", sev);
		put_clean(f, fd->rule->id);
		fputs(": ", f);
		put_clean(f, fd->rule->title);
		fputs("\n         ", f);
		put_clean(f, fd->message);
		fputc('\n', f);
		if (fd->from_us)
			fprintf(f, "  when:  %s .. %s\n", report_time(fd->from_us, t0, sizeof(t0)),
				report_time(fd->to_us, t1, sizeof(t1)));
		if (fd->evidence.nrows) {
			fputs("  evidence:\n", f);
			evidence_table(f, &fd->evidence);
		}
		fputs("  next:  ", f);
		put_clean(f, fd->rule->next_step);
		fputs("\n  sql:   ", f);
		put_sql_line(f, fd->sql);
		fputc('\n', f);
		for (j = 0; j < fd->nnotes; j++) {
			fputs("  ! weakened by: ", f);
			put_clean(f, a->notes[fd->notes[j]].message);
			fputc('\n', f);
		}
	}
	if (a->nobservations) {
		fputs("\nObservations (not findings: no symptom in this bundle makes them a diagnosis):\n", f);
		for (i = 0; i < a->nobservations; i++) {
			fputs("  - ", f);
			put_clean(f, a->observations[i].rule->id);
			fputs(": ", f);
			put_clean(f, a->observations[i].message);
			fputc('\n', f);
		}
	}
	if (a->nnotes) {
		fputs("\nData-quality notes (not findings):\n", f);
		for (i = 0; i < a->nnotes; i++) {
			fputs("  - ", f);
			put_clean(f, a->notes[i].message);
			fputc('\n', f);
		}
	}
	profile_report_text(f, a);
	if (!a->nfindings)
		fputs("\nNo finding: every evaluated rule stayed silent.\n", f);
	return ferror(f) ? -1 : 0;
}

/* ---- the comparison ---- */

static int text_compare(FILE *f, const struct comparison *c)
{
	char b1[48], b2[48], b3[48], a1[48], a2[48], a3[48];
	int i, j, counts[3] = { 0 };

	fputs("casefile-analyze compare\n  before: ", f);
	put_clean(f, c->before.bundle.path);
	fputs("\n  after:  ", f);
	put_clean(f, c->after.bundle.path);
	fputs("\n", f);
	for (i = 0; i < c->nmatches; i++)
		counts[c->matches[i].status]++;
	fprintf(f, "\nFindings: %d resolved, %d new, %d unchanged\n", counts[MATCH_RESOLVED],
		counts[MATCH_NEW], counts[MATCH_UNCHANGED]);
	for (i = 0; i < c->nmatches; i++) {
		const struct finding *fd = c->matches[i].after ? c->matches[i].after : c->matches[i].before;

		fprintf(f, "  %-9s %-8s %s: ", match_status_name(c->matches[i].status),
			severity_name(fd->severity), fd->rule->id);
		put_clean(f, fd->message);
		fputc('\n', f);
	}
	fputs("\nSeries (mean / peak / slope per minute):\n", f);
	for (i = 0; i < c->nseries; i++) {
		const struct series_cmp *s = &c->series[i];

		if (!s->before.present && !s->after.present)
			continue;
		fprintf(f, "  %-40s ", s->def->title);
		if (s->before.present) {
			series_format(s->def->unit, s->before.mean, b1, (int)sizeof(b1));
			series_format(s->def->unit, s->before.peak, b2, (int)sizeof(b2));
			series_format(s->def->unit, s->before.slope_per_min, b3, (int)sizeof(b3));
			fprintf(f, "%s / %s / %s", b1, b2, b3);
		} else {
			fputs("(no data)", f);
		}
		fputs("  ->  ", f);
		if (s->after.present) {
			series_format(s->def->unit, s->after.mean, a1, (int)sizeof(a1));
			series_format(s->def->unit, s->after.peak, a2, (int)sizeof(a2));
			series_format(s->def->unit, s->after.slope_per_min, a3, (int)sizeof(a3));
			fprintf(f, "%s / %s / %s", a1, a2, a3);
		} else {
			fputs("(no data)", f);
		}
		fprintf(f, "  %s\n", series_cmp_verdict(s));
	}
	for (i = 0; i < c->nsets; i++) {
		const struct set_cmp *s = &c->sets[i];
		int shown = 0;

		if (!s->present_before && !s->present_after) {
			fprintf(f, "\n%s: not compared (no data in either bundle)\n", s->def->title);
			continue;
		}
		fprintf(f, "\n%s (%s, before -> after):\n", s->def->title, s->def->value);
		for (j = 0; j < s->nitems && shown < 20; j++) {
			const struct set_item *it = &s->items[j];

			if (it->in_before && it->in_after && it->before == it->after)
				continue;
			fprintf(f, "  %-10s", set_item_change(it));
			put_clean(f, it->key);
			fprintf(f, ": %s -> %s\n", it->in_before ? format_number(it->before, "", b1, sizeof(b1)) : "-",
				it->in_after ? format_number(it->after, "", a1, sizeof(a1)) : "-");
			shown++;
		}
		if (!shown)
			fputs("  no change\n", f);
	}
	return ferror(f) ? -1 : 0;
}

const struct report_format report_text = {
	.name = "text",
	.ext = "txt",
	.analysis = text_analysis,
	.compare = text_compare,
};
