/* The Markdown report, for pasting into a ticket: a one-line verdict, a
 * findings table, each finding with its evidence, SQL and next step, the
 * data-quality notes, and the capture manifest last.
 *
 * Bundle text (process names, paths, log lines, addresses) is
 * attacker-controlled: it only ever appears inline after fixed text (never
 * at the start of a line, where it could open a heading or a list), with
 * Markdown's punctuation backslash-escaped, newlines flattened and pipes
 * escaped so it cannot break a table, a code span or inject HTML. SQL goes in
 * a fenced block whose fence is longer than any backtick run inside it. */
#include "report.h"

#include "compare.h"
#include "profile.h"
#include "report_charts.h"
#include "term.h"
#include "utf8.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MD_CELL_MAX 160      /* bytes of bundle text per table cell */
#define MD_TEXT_MAX 2000     /* bytes of a message or a note */
#define MD_EVIDENCE_ROWS 10

/* Writes the non-ASCII character at S, or '?' for invalid UTF-8 or a C1
 * control (U+0080-U+009F: a report on stdout reaches a terminal), at most
 * AVAIL bytes. Returns the bytes of S it stood for. */
static size_t md_put_utf8(FILE *f, const char *s, size_t avail)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = utf8_seq_len(u, avail);

	if (n > 1 && !utf8_is_c1(u, n))
		fwrite(s, 1, n, f);
	else
		fputc('?', f);
	return n ? n : 1;
}

/* Writes S as inline Markdown text, at most MAX bytes (cut on a UTF-8
 * boundary, "…" marks the cut). */
void report_md_text(FILE *f, const char *s, size_t max)
{
	size_t i, n;

	if (!s)
		return;
	n = strlen(s);
	if (max && n > max) {
		n = utf8_cut(s, max);
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x80)
			i += md_put_utf8(f, s + i, n - i) - 1;
		else if (c == '\n' || c == '\r' || c == '\t')
			fputc(' ', f);
		else if (c < 0x20 || c == 0x7f)
			fputc('?', f);
		else if (strchr("\\`*_[]<>|~&@$#!{}", c))
			fprintf(f, "\\%c", c);
		else
			fputc(c, f);
	}
	if (n < strlen(s))
		fputs("…", f);
}

/* A fenced code block holding S: the fence outgrows any backtick run in S,
 * so nothing in S can close it. */
static void md_code_block(FILE *f, const char *lang, const char *s)
{
	int run = 0, longest = 0, i;
	const char *p;

	for (p = s ? s : ""; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	longest = longest < 3 ? 3 : longest + 1;
	for (i = 0; i < longest; i++)
		fputc('`', f);
	fprintf(f, "%s\n", lang);
	for (p = s ? s : ""; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c >= 0x80) {
			p += md_put_utf8(f, p, 4) - 1; /* stops at the NUL */
			continue;
		}
		fputc((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ? '?' : c, f);
	}
	if (s && *s && s[strlen(s) - 1] != '\n')
		fputc('\n', f);
	for (i = 0; i < longest; i++)
		fputc('`', f);
	fputs("\n\n", f);
}

static void upper(char *d, const char *s, size_t len)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < len; i++)
		d[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
	d[i] = '\0';
}

static const char *clock_of(long long us, char *buf, int len)
{
	/* "2026-11-27T08:46:52Z" -> "08:46:52" for table cells. */
	report_time(us, buf, len);
	if (strlen(buf) >= 19 && buf[10] == 'T')
		return buf + 11;
	return buf;
}

static void when_short(FILE *f, long long from, long long to)
{
	char a[40], b[40];

	if (!from) {
		fputs("–", f);
		return;
	}
	fprintf(f, "%s–%s", clock_of(from, a, sizeof(a)), clock_of(to, b, sizeof(b)));
}

static void when_long(FILE *f, long long from, long long to)
{
	char a[40], b[40], s[40];

	fprintf(f, "%s .. %s (%s)", report_time(from, a, sizeof(a)), report_time(to, b, sizeof(b)),
		report_span(from, to, s, sizeof(s)));
}

static void title_line(FILE *f, const struct bundle_info *b)
{
	const char *host = bundle_info_get(b, "host");

	fputs("# casefile report: ", f);
	if (b->ntargets) {
		report_md_text(f, b->targets[0].comm ? b->targets[0].comm : "?", MD_CELL_MAX);
		fprintf(f, " (pid %lld)", b->targets[0].pid);
		if (b->ntargets > 1)
			fprintf(f, " and %d more", b->ntargets - 1);
	} else {
		report_md_text(f, b->path, MD_CELL_MAX);
	}
	if (host) {
		fputs(" on ", f);
		report_md_text(f, host, MD_CELL_MAX);
	}
	fputs("\n\n", f);
}

static void verdict(FILE *f, const struct analysis *a)
{
	int counts[5] = { 0 }, i;
	const char *sep = "";
	char sev[16];

	for (i = 0; i < a->nfindings; i++)
		counts[a->findings[i].severity]++;
	if (!a->nfindings) {
		fprintf(f, "**Verdict: no finding** — the %d rule%s evaluated stayed silent", a->rules_evaluated,
			a->rules_evaluated == 1 ? "" : "s");
		if (a->rules_not_evaluated)
			fprintf(f, "; %d not evaluated for lack of data (see the notes)", a->rules_not_evaluated);
		fputs(".\n\n", f);
		return;
	}
	upper(sev, severity_name(a->findings[0].severity), sizeof(sev));
	fprintf(f, "**Verdict: %s** — %d finding%s (", sev, a->nfindings, a->nfindings == 1 ? "" : "s");
	for (i = SEV_CRITICAL; i >= SEV_INFO; i--)
		if (counts[i]) {
			fprintf(f, "%s%d %s", sep, counts[i], severity_name((enum severity)i));
			sep = ", ";
		}
	fputs("); worst: ", f);
	report_md_text(f, a->findings[0].rule->id, MD_CELL_MAX);
	fputs(", ", f);
	report_md_text(f, a->findings[0].message, MD_TEXT_MAX);
	fputs("\n\n", f);
}

static void about(FILE *f, const struct analysis *a)
{
	const struct bundle_info *b = &a->bundle;

	fputs("Bundle ", f);
	report_md_text(f, b->path, MD_CELL_MAX);
	fputs(", captured ", f);
	when_long(f, b->from_us, b->to_us);
	fprintf(f, ", %lld ticks. Rules: %d evaluated, %d not evaluated, %d failed. casefile %s.\n\n",
		b->ticks, a->rules_evaluated, a->rules_not_evaluated, a->rules_failed, CASEFILE_VERSION);
}

static void findings_table(FILE *f, const struct analysis *a)
{
	int i;

	if (!a->nfindings)
		return;
	fputs("## Findings\n\n| # | Severity | Rule | Finding | When (UTC) |\n|--:|---|---|---|---|\n", f);
	for (i = 0; i < a->nfindings; i++) {
		const struct finding *fd = &a->findings[i];

		fprintf(f, "| %d | **%s** | ", i + 1, severity_name(fd->severity));
		report_md_text(f, fd->rule->id, MD_CELL_MAX);
		fputs(" | ", f);
		report_md_text(f, fd->message, MD_TEXT_MAX);
		fputs(" | ", f);
		when_short(f, fd->from_us, fd->to_us);
		fputs(" |\n", f);
	}
	fputc('\n', f);
}

static void observations_section(FILE *f, const struct analysis *a)
{
	int i;

	if (!a->nobservations)
		return;
	fputs("## Observations\n\nNot findings: no symptom in this bundle (CPU saturated or throttled, "
	      "system time, latency) makes them a diagnosis.\n\n| Rule | Observation | When (UTC) |\n|---|---|---|\n", f);
	for (i = 0; i < a->nobservations; i++) {
		const struct finding *fd = &a->observations[i];

		fputs("| ", f);
		report_md_text(f, fd->rule->id, MD_CELL_MAX);
		fputs(" | ", f);
		report_md_text(f, fd->message, MD_TEXT_MAX);
		fputs(" | ", f);
		when_short(f, fd->from_us, fd->to_us);
		fputs(" |\n", f);
	}
	fputc('\n', f);
}

static void evidence_table(FILE *f, const struct rowset *rs)
{
	char buf[512];
	size_t r;
	int c, nc = rs->ncols < 12 ? rs->ncols : 12;

	if (!rs->nrows || !nc)
		return;
	fputs("\n| ", f);
	for (c = 0; c < nc; c++) {
		report_md_text(f, rs->cols[c], MD_CELL_MAX);
		fputs(" | ", f);
	}
	fputs("\n|", f);
	for (c = 0; c < nc; c++) {
		const struct cell *cl = rowset_cell(rs, 0, c);

		fputs(cl->type == CELL_INT || cl->type == CELL_REAL ? "--:|" : "---|", f);
	}
	fputc('\n', f);
	for (r = 0; r < rs->nrows && r < MD_EVIDENCE_ROWS; r++) {
		fputs("| ", f);
		for (c = 0; c < nc; c++) {
			report_md_text(f, cell_text(rowset_cell(rs, r, c), buf, sizeof(buf)), MD_CELL_MAX);
			fputs(" | ", f);
		}
		fputc('\n', f);
	}
	if (rs->nrows > MD_EVIDENCE_ROWS)
		fprintf(f, "\n%zu more rows: re-run the SQL below.\n", rs->nrows - MD_EVIDENCE_ROWS);
	fputc('\n', f);
}

static void finding_values(FILE *f, const struct finding *fd)
{
	int i;

	if (!fd->nvalues)
		return;
	fputs("- **Numbers:** ", f);
	for (i = 0; i < fd->nvalues; i++) {
		char *t = report_value_text(&fd->values[i]);

		fputs(i ? ", " : "", f);
		report_md_text(f, fd->values[i].name, MD_CELL_MAX);
		fputs(" = ", f);
		report_md_text(f, t ? t : "?", fd->values[i].type == VALUE_LIST ? MD_TEXT_MAX : MD_CELL_MAX);
		free(t);
	}
	fputc('\n', f);
}

static void finding_section(FILE *f, const struct analysis *a, int idx)
{
	const struct finding *fd = &a->findings[idx];
	char sev[16];
	int j;

	upper(sev, severity_name(fd->severity), sizeof(sev));
	fprintf(f, "### %d. %s ", idx + 1, sev);
	report_md_text(f, fd->rule->id, MD_CELL_MAX);
	fputs(": ", f);
	report_md_text(f, fd->rule->title, MD_CELL_MAX);
	fputs("\n\n- **What:** ", f);
	report_md_text(f, fd->message, MD_TEXT_MAX);
	fputc('\n', f);
	if (fd->from_us) {
		fputs("- **When:** ", f);
		when_long(f, fd->from_us, fd->to_us);
		fputc('\n', f);
	}
	if (fd->group && *fd->group) {
		fputs("- **Group:** ", f);
		report_md_text(f, fd->group, MD_CELL_MAX);
		fputc('\n', f);
	}
	finding_values(f, fd);
	fputs("- **Next step:** ", f);
	report_md_text(f, fd->rule->next_step, MD_TEXT_MAX);
	fputc('\n', f);
	for (j = 0; j < fd->nnotes; j++) {
		fputs("- **Weakened by:** ", f);
		report_md_text(f, a->notes[fd->notes[j]].message, MD_TEXT_MAX);
		fputc('\n', f);
	}
	if (fd->evidence.nrows) {
		fputs("\nEvidence (top rows):\n", f);
		evidence_table(f, &fd->evidence);
	} else {
		fputc('\n', f);
	}
	if (fd->sql) {
		fputs("SQL to re-run (`sqlite3 BUNDLE`):\n\n", f);
		md_code_block(f, "sql", fd->sql);
	}
}

static void notes_section(FILE *f, const struct analysis *a)
{
	int i;

	if (!a->nnotes)
		return;
	fputs("## Data-quality notes\n\nNot findings: what limits what this bundle can tell.\n\n", f);
	for (i = 0; i < a->nnotes; i++) {
		fputs("- **", f);
		report_md_text(f, a->notes[i].kind, MD_CELL_MAX);
		fputs("**", f);
		if (a->notes[i].source) {
			fputs(" (", f);
			report_md_text(f, a->notes[i].source, MD_CELL_MAX);
			fputs(")", f);
		}
		fputs(": ", f);
		report_md_text(f, a->notes[i].message, MD_TEXT_MAX);
		fputc('\n', f);
	}
	fputc('\n', f);
}

static void manifest_section(FILE *f, const struct bundle_info *b, const char *heading)
{
	int i;

	fprintf(f, "%s\n\n| Key | Value |\n|---|---|\n", heading);
	fputs("| bundle | ", f);
	report_md_text(f, b->path, MD_CELL_MAX);
	fprintf(f, " |\n| schema version | %d |\n", b->schema_version);
	for (i = 0; i < b->nmanifest; i++) {
		fputs("| ", f);
		report_md_text(f, b->manifest[i].key, MD_CELL_MAX);
		fputs(" | ", f);
		report_md_text(f, b->manifest[i].value, MD_CELL_MAX * 2);
		fputs(" |\n", f);
	}
	if (b->ntargets) {
		fputs("\n| PID | Command | Role |\n|--:|---|---|\n", f);
		for (i = 0; i < b->ntargets && i < 50; i++) {
			fprintf(f, "| %lld | ", b->targets[i].pid);
			report_md_text(f, b->targets[i].comm, MD_CELL_MAX);
			fputs(" | ", f);
			report_md_text(f, b->targets[i].role, MD_CELL_MAX);
			fputs(" |\n", f);
		}
		if (b->ntargets > 50)
			fprintf(f, "\n%d more processes.\n", b->ntargets - 50);
	}
	if (b->nsources) {
		fputs("\n| Source | Status | Backend | Reason |\n|---|---|---|---|\n", f);
		for (i = 0; i < b->nsources; i++) {
			fputs("| ", f);
			report_md_text(f, b->sources[i].name, MD_CELL_MAX);
			fputs(" | ", f);
			report_md_text(f, b->sources[i].status, MD_CELL_MAX);
			fputs(" | ", f);
			report_md_text(f, b->sources[i].backend, MD_CELL_MAX);
			fputs(" | ", f);
			report_md_text(f, b->sources[i].reason, MD_CELL_MAX);
			fputs(" |\n", f);
		}
	}
	fputc('\n', f);
}

static int md_analysis(FILE *f, const struct analysis *a)
{
	int i;

	title_line(f, &a->bundle);
	verdict(f, a);
	about(f, a);
	findings_table(f, a);
	for (i = 0; i < a->nfindings; i++)
		finding_section(f, a, i);
	observations_section(f, a);
	notes_section(f, a);
	profile_report_md(f, a);
	manifest_section(f, &a->bundle, "## Capture manifest");
	return ferror(f) ? -1 : 0;
}

/* ---- compare ---- */

static void stat_cell(FILE *f, const struct series_stat *st, enum series_unit unit)
{
	char m[48], p[48];

	if (!st->present) {
		fputs("no data", f);
		return;
	}
	fprintf(f, "%s / %s", series_format(unit, st->mean, m, sizeof(m)), series_format(unit, st->peak, p, sizeof(p)));
}

static int md_compare(FILE *f, const struct comparison *c)
{
	int i, j, counts[3] = { 0 };
	char num[48];

	for (i = 0; i < c->nmatches; i++)
		counts[c->matches[i].status]++;
	fputs("# casefile compare: before and after\n\n", f);
	fprintf(f, "**Verdict: %d finding%s resolved, %d new, %d unchanged.**\n\n", counts[MATCH_RESOLVED],
		counts[MATCH_RESOLVED] == 1 ? "" : "s", counts[MATCH_NEW], counts[MATCH_UNCHANGED]);
	fputs("- **Before:** ", f);
	report_md_text(f, c->before.bundle.path, MD_CELL_MAX);
	fputs(", ", f);
	when_long(f, c->before.bundle.from_us, c->before.bundle.to_us);
	fputs("\n- **After:** ", f);
	report_md_text(f, c->after.bundle.path, MD_CELL_MAX);
	fputs(", ", f);
	when_long(f, c->after.bundle.from_us, c->after.bundle.to_us);
	fputs("\n\n", f);
	if (c->nmatches) {
		fputs("## Findings\n\n| Status | Severity | Rule | Finding |\n|---|---|---|---|\n", f);
		for (i = 0; i < c->nmatches; i++) {
			const struct finding *fd = c->matches[i].after ? c->matches[i].after : c->matches[i].before;

			fprintf(f, "| **%s** | %s | ", match_status_name(c->matches[i].status), severity_name(fd->severity));
			report_md_text(f, fd->rule->id, MD_CELL_MAX);
			fputs(" | ", f);
			report_md_text(f, fd->message, MD_TEXT_MAX);
			fputs(" |\n", f);
		}
		fputc('\n', f);
	}
	fputs("## Series (mean / peak)\n\n| Series | Before | After | Change |\n|---|---|---|---|\n", f);
	for (i = 0; i < c->nseries; i++) {
		const struct series_cmp *s = &c->series[i];

		if (!s->before.present && !s->after.present)
			continue;
		fputs("| ", f);
		report_md_text(f, s->def->title, MD_CELL_MAX);
		fputs(" | ", f);
		stat_cell(f, &s->before, s->def->unit);
		fputs(" | ", f);
		stat_cell(f, &s->after, s->def->unit);
		fprintf(f, " | %s |\n", series_cmp_verdict(s));
	}
	fputc('\n', f);
	for (i = 0; i < c->nsets; i++) {
		const struct set_cmp *s = &c->sets[i];

		if (!s->present_before && !s->present_after)
			continue;
		fputs("## ", f);
		report_md_text(f, s->def->title, MD_CELL_MAX);
		fputs(s->def->share ? "\n\n| Key | Before | After | Change |\n|---|--:|--:|---|\n"
				    : "\n\n| Key | Before | After |\n|---|--:|--:|\n", f);
		for (j = 0; j < s->nitems && j < 20; j++) {
			const struct set_item *it = &s->items[j];

			fputs("| ", f);
			report_md_text(f, it->key, MD_CELL_MAX);
			fputs(" | ", f);
			report_md_text(f, it->in_before ? format_number(it->before, "", num, sizeof(num)) : "absent", 0);
			fputs(" | ", f);
			report_md_text(f, it->in_after ? format_number(it->after, "", num, sizeof(num)) : "absent", 0);
			if (s->def->share) {
				fputs(" | ", f);
				report_md_text(f, set_item_change(it), 0);
			}
			fputs(" |\n", f);
		}
		if (s->nitems > 20)
			fprintf(f, "\n%d more.\n", s->nitems - 20);
		fputc('\n', f);
	}
	manifest_section(f, &c->before.bundle, "## Capture manifest: before");
	manifest_section(f, &c->after.bundle, "## Capture manifest: after");
	return ferror(f) ? -1 : 0;
}

const struct report_format report_md = {
	.name = "md",
	.ext = "md",
	.analysis = md_analysis,
	.compare = md_compare,
};
