/* The HTML report: one self-contained file for people. No script, no
 * external resource (fonts, images, styles): inline CSS and SVG charts drawn
 * by chart.c on one shared time axis. Each finding links to its chart, where
 * its time range is highlighted and labelled with its number; the chart
 * links back. Print CSS lays it out on paper.
 *
 * Everything from a bundle goes through fput_html (escape.c). A
 * Content-Security-Policy that allows no script at all backs that up: should
 * an escaping bug ever slip through, the browser still runs nothing.
 *
 * Why one file of ~750 lines: one file per format holds both its analysis
 * writer and its compare writer (ARCHITECTURE.md), and the two share the
 * page head, the CSS, the escaping helpers and the chart figures. */
#include "report.h"
#include "profile.h"

#include "compare.h"
#include "escape.h"
#include "utf8.h"
#include "report_charts.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HTML_CELL_MAX 400    /* bytes of bundle text per evidence cell */
#define HTML_EVIDENCE_ROWS 12

static const char css[] =
	":root{--fg:#1b1b1b;--muted:#5b5b5b;--line:#d9d9d9;--bg:#fff;--soft:#f5f5f3}\n"
	"*{box-sizing:border-box}\n"
	"body{margin:0 auto;max-width:1280px;padding:16px 20px 40px;font:14px/1.45 system-ui,-apple-system,"
	"'Segoe UI',Roboto,'DejaVu Sans',sans-serif;color:var(--fg);background:var(--bg)}\n"
	"h1{font-size:1.45em;margin:.2em 0 .3em}h2{font-size:1.2em;margin:1.6em 0 .5em;padding-bottom:.2em;"
	"border-bottom:1px solid var(--line)}h3{font-size:1.05em;margin:0 0 .4em}\n"
	"a{color:#0b5cad}code,pre{font:12px/1.4 ui-monospace,'DejaVu Sans Mono',monospace}\n"
	".verdict{font-size:1.1em;padding:.6em .8em;border-left:6px solid #777;background:var(--soft);margin:.4em 0}\n"
	".meta{color:var(--muted);margin:.3em 0}\n"
	"nav.toc a{margin-right:1em}\n"
	"table{border-collapse:collapse;width:100%;margin:.4em 0 .8em}\n"
	"th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}\n"
	"th{background:var(--soft);font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}\n"
	"td{overflow-wrap:anywhere}td.nw{white-space:nowrap;overflow-wrap:normal}\n"
	".sev{display:inline-block;min-width:5.5em;text-align:center;border-radius:3px;padding:0 .4em;"
	"color:#fff;font-weight:600;font-size:.85em;text-transform:uppercase}\n"
	".sev.sev-critical{background:#8b0000}.sev.sev-high{background:#c0392b}.sev.sev-medium{background:#d68910}"
	".sev.sev-low{background:#2471a3}.sev.sev-info{background:#717d7e}.sev.sev-none{background:#1e8449}\n"
	".verdict.sev-critical{border-left-color:#8b0000}.verdict.sev-high{border-left-color:#c0392b}"
	".verdict.sev-medium{border-left-color:#d68910}.verdict.sev-low{border-left-color:#2471a3}"
	".verdict.sev-none{border-left-color:#1e8449}\n"
	".charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:14px 18px}\n"
	"figure{margin:0;padding:8px 10px;border:1px solid var(--line);border-radius:4px;background:#fff}\n"
	"figure:target,article:target{outline:3px solid #f1c40f;outline-offset:2px}\n"
	"figcaption{font-weight:600;margin-bottom:4px}figcaption .links{font-weight:400;color:var(--muted);"
	"font-size:.9em;margin-left:.5em}\n"
	"svg.chart{display:block;width:100%;height:auto}\n"
	".legend{font-size:12px;color:var(--muted);margin-top:2px}.legend span{margin-right:12px;white-space:nowrap}"
	".legend i{display:inline-block;width:14px;height:3px;vertical-align:middle;margin-right:4px}\n"
	"article.finding{border:1px solid var(--line);border-left:6px solid #777;border-radius:4px;"
	"padding:10px 14px;margin:12px 0}\n"
	"article.finding.sev-critical{border-left-color:#8b0000}article.finding.sev-high{border-left-color:#c0392b}"
	"article.finding.sev-medium{border-left-color:#d68910}article.finding.sev-low{border-left-color:#2471a3}\n"
	".msg{font-size:1.05em;margin:.2em 0 .6em}\n"
	"dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:.2em 0 .6em}dt{font-weight:600}"
	"dd{margin:0;overflow-wrap:anywhere}\n"
	"pre.sql{background:var(--soft);padding:8px;overflow:auto;max-height:18em;white-space:pre-wrap}\n"
	".weak{color:#8a4b00}\n"
	".notes li{margin:.2em 0}\n"
	"footer{margin-top:2em;color:var(--muted);font-size:.85em}\n"
	"@media (max-width:700px){.charts{grid-template-columns:1fr}body{padding:10px}}\n"
	"@media print{body{max-width:none;padding:0;font-size:10pt}nav.toc{display:none}"
	".charts{display:block}figure{break-inside:avoid;page-break-inside:avoid;margin:0 0 10px;border:none;"
	"padding:0}article.finding{break-inside:avoid-page}pre.sql{max-height:none;overflow:visible}"
	"a{color:inherit;text-decoration:none}h2{break-after:avoid}"
	".sev,.verdict{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

static void h(FILE *f, const char *s)
{
	fput_html(f, s ? s : "");
}

/* Escaped S, cut at MAX bytes on a UTF-8 boundary ("…" marks the cut). */
static void h_cut(FILE *f, const char *s, size_t max)
{
	size_t n;
	char *cut;

	if (!s)
		return;
	n = strlen(s);
	if (n <= max) {
		fput_html(f, s);
		return;
	}
	max = utf8_cut(s, max);
	cut = strndup(s, max);
	if (cut) {
		fput_html(f, cut);
		free(cut);
	}
	fputs("…", f);
}

static const char *sev_class(enum severity s)
{
	return severity_name(s);
}

static void when(FILE *f, long long from, long long to)
{
	char a[40], b[40], s[40];

	if (!from) {
		fputs("–", f);
		return;
	}
	fprintf(f, "%s .. %s (%s)", report_time(from, a, sizeof(a)), report_time(to, b, sizeof(b)),
		report_span(from, to, s, sizeof(s)));
}

static void head(FILE *f, const struct bundle_info *b, const char *kind, const char *more_css)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; img-src data:\">\n"
	      "<meta name=\"generator\" content=\"casefile-analyze " CASEFILE_VERSION "\">\n<title>", f);
	fprintf(f, "casefile %s: ", kind);
	if (b->ntargets) {
		h_cut(f, b->targets[0].comm, 64);
		fprintf(f, " (pid %lld)", b->targets[0].pid);
	} else {
		h_cut(f, b->path, 120);
	}
	fprintf(f, "</title>\n<style>\n%s%s</style>\n</head>\n<body>\n", css, more_css);
}

static void heading(FILE *f, const struct bundle_info *b)
{
	const char *host = bundle_info_get(b, "host");
	int i;

	fputs("<h1>casefile report: ", f);
	for (i = 0; i < b->ntargets && i < 3; i++) {
		fputs(i ? ", " : "", f);
		h_cut(f, b->targets[i].comm ? b->targets[i].comm : "?", 64);
		fprintf(f, " <small>(pid %lld)</small>", b->targets[i].pid);
	}
	if (b->ntargets > 3)
		fprintf(f, " and %d more", b->ntargets - 3);
	if (!b->ntargets)
		h_cut(f, b->path, 200);
	if (host) {
		fputs(" on ", f);
		h_cut(f, host, 120);
	}
	fputs("</h1>\n", f);
}

static void verdict(FILE *f, const struct analysis *a)
{
	int counts[5] = { 0 }, i;
	const char *sep = "";

	for (i = 0; i < a->nfindings; i++)
		counts[a->findings[i].severity]++;
	if (!a->nfindings) {
		fprintf(f, "<p class=\"verdict sev-none\" id=\"verdict\"><span class=\"sev sev-none\">ok</span> "
			"No finding: the %d rule%s evaluated stayed silent", a->rules_evaluated,
			a->rules_evaluated == 1 ? "" : "s");
		if (a->rules_not_evaluated)
			fprintf(f, "; %d not evaluated for lack of data (see <a href=\"#notes\">notes</a>)",
				a->rules_not_evaluated);
		fputs(".</p>\n", f);
		return;
	}
	fprintf(f, "<p class=\"verdict sev-%s\" id=\"verdict\"><span class=\"sev sev-%s\">%s</span> %d finding%s (",
		sev_class(a->findings[0].severity), sev_class(a->findings[0].severity),
		severity_name(a->findings[0].severity), a->nfindings, a->nfindings == 1 ? "" : "s");
	for (i = SEV_CRITICAL; i >= SEV_INFO; i--)
		if (counts[i]) {
			fprintf(f, "%s%d %s", sep, counts[i], severity_name((enum severity)i));
			sep = ", ";
		}
	fputs("). Worst: <a href=\"#finding-1\"><b>", f);
	h(f, a->findings[0].rule->id);
	fputs("</b></a>, ", f);
	h_cut(f, a->findings[0].message, 2000);
	fputs("</p>\n", f);
}

static void meta(FILE *f, const struct analysis *a)
{
	const struct bundle_info *b = &a->bundle;

	fputs("<p class=\"meta\">Bundle <code>", f);
	h_cut(f, b->path, 300);
	fputs("</code>, captured ", f);
	when(f, b->from_us, b->to_us);
	fprintf(f, ", %lld ticks. Rules: %d evaluated, %d not evaluated, %d failed. Times are UTC.</p>\n",
		b->ticks, a->rules_evaluated, a->rules_not_evaluated, a->rules_failed);
	fputs("<nav class=\"toc\"><a href=\"#findings\">Findings</a><a href=\"#charts\">Charts</a>"
	      "<a href=\"#details\">Evidence</a><a href=\"#notes\">Data quality</a>"
	      "<a href=\"#manifest\">Manifest</a></nav>\n", f);
}

static void findings_table(FILE *f, const struct analysis *a)
{
	char t0[40], t1[40];
	int i;

	fputs("<section id=\"findings\">\n<h2>Findings</h2>\n", f);
	if (!a->nfindings) {
		fputs("<p>No finding.</p>\n</section>\n", f);
		return;
	}
	fputs("<table class=\"findings\">\n<thead><tr><th>#</th><th>Severity</th><th>Rule</th><th>Finding</th>"
	      "<th>When (UTC)</th><th>Chart</th></tr></thead>\n<tbody>\n", f);
	for (i = 0; i < a->nfindings; i++) {
		const struct finding *fd = &a->findings[i];
		const struct chart_spec *cs = chart_for_finding(a, fd);

		fprintf(f, "<tr class=\"finding-row\" data-rule=\"");
		h(f, fd->rule->id);
		fprintf(f, "\"><td><a href=\"#finding-%d\">%d</a></td><td class=\"nw\"><span class=\"sev sev-%s\">%s</span></td><td>",
			i + 1, i + 1, sev_class(fd->severity), severity_name(fd->severity));
		h(f, fd->rule->id);
		fputs("</td><td>", f);
		h_cut(f, fd->message, 2000);
		fputs("</td><td class=\"nw\">", f);
		if (fd->from_us) {
			/* "2026-11-27T08:51:13.120Z" -> "08:51:13": the day is in the header. */
			report_time(fd->from_us, t0, sizeof(t0));
			report_time(fd->to_us, t1, sizeof(t1));
			if (strlen(t0) >= 19 && strlen(t1) >= 19)
				fprintf(f, "%.8s–%.8s", t0 + 11, t1 + 11);
			else
				fprintf(f, "%s .. %s", t0, t1);
		} else {
			fputs("–", f);
		}
		fputs("</td><td>", f);
		if (cs)
			fprintf(f, "<a href=\"#%s\">chart</a>", cs->id);
		else
			fputs("–", f);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody>\n</table>\n</section>\n", f);
}

/* One <figure>: the chart and the findings it highlights, linked both ways. */
static void figure(FILE *f, const struct analysis *a, const char *id, const char *title, enum series_unit unit,
		   const struct chart_lines *l, int64_t x0, int64_t x1, const struct chart_spec *spec)
{
	struct chart c;
	char labels[CHART_MAX_HIGHLIGHTS][16];
	int i, linked = 0;

	memset(&c, 0, sizeof(c));
	c.id = id;
	c.title = title;
	c.unit = unit;
	c.x0_us = x0;
	c.x1_us = x1;
	c.lines = l->lines;
	c.nlines = l->nlines;
	fprintf(f, "<figure id=\"%s\">\n<figcaption>", id);
	h(f, title);
	for (i = 0; spec && i < a->nfindings; i++) {
		const struct finding *fd = &a->findings[i];

		if (chart_for_finding(a, fd) != spec)
			continue;
		fputs(linked++ ? ", " : "<span class=\"links\">highlighted: ", f);
		fprintf(f, "<a href=\"#finding-%d\">#%d ", i + 1, i + 1);
		h(f, fd->rule->id);
		fputs("</a>", f);
		if (fd->from_us && c.nhl < CHART_MAX_HIGHLIGHTS) {
			snprintf(labels[c.nhl], sizeof(labels[c.nhl]), "#%d", i + 1);
			c.hl_start[c.nhl] = fd->from_us;
			c.hl_end[c.nhl] = fd->to_us > fd->from_us ? fd->to_us : fd->from_us;
			c.hl_label[c.nhl] = labels[c.nhl];
			c.nhl++;
		}
	}
	if (linked)
		fputs("</span>", f);
	fputs("</figcaption>\n", f);
	chart_write_svg(f, &c);
	if (l->omitted || l->zero) {
		fputs("<div class=\"legend\">", f);
		if (l->omitted)
			fprintf(f, "%d smaller line%s not drawn. ", l->omitted, l->omitted == 1 ? "" : "s");
		if (l->zero)
			fprintf(f, "%d line%s at zero throughout not drawn.", l->zero, l->zero == 1 ? "" : "s");
		fputs("</div>\n", f);
	}
	fputs("</figure>\n", f);
}

static int charts_section(FILE *f, const struct analysis *a)
{
	int64_t x0, x1;
	int i, k, drawn = 0;

	fputs("<section id=\"charts\">\n<h2>Charts</h2>\n", f);
	if (!a->series) {
		fputs("<p>No series loaded.</p>\n</section>\n", f);
		return 0;
	}
	analysis_time_axis(a, &x0, &x1);
	fputs("<p class=\"meta\">All charts share one time axis (UTC); shaded bands are the time ranges of the "
	      "findings named above each chart.</p>\n<div class=\"charts\">\n", f);
	for (i = 0; chart_specs[i].id; i++) {
		const struct chart_spec *spec = &chart_specs[i];
		struct chart_lines l;

		if (!chart_spec_present(a, spec))
			continue;
		memset(&l, 0, sizeof(l));
		for (k = 0; k < CHART_SPEC_PARTS && spec->parts[k].series; k++)
			if (chart_lines_add(&l, analysis_series(a, spec->parts[k].series), spec->parts[k].prefix,
					    spec->parts[k].scale, 0, 0) < 0) {
				chart_lines_release(&l);
				return -1;
			}
		figure(f, a, spec->id, spec->title, spec->unit, &l, x0, x1, spec);
		chart_lines_release(&l);
		drawn++;
	}
	/* Series no spec knows yet (a new source's) still get a chart. */
	for (i = 0; i < a->nseries; i++) {
		const struct series_set *set = &a->series[i];
		struct chart_lines l;
		char id[96], *p;

		if (!set->nlines || !chart_series_orphan(set->def->id))
			continue;
		snprintf(id, sizeof(id), "chart-%s", set->def->id);
		for (p = id; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
				*p = '-';
		memset(&l, 0, sizeof(l));
		if (chart_lines_add(&l, set, NULL, 0, 0, 0) < 0) {
			chart_lines_release(&l);
			return -1;
		}
		figure(f, a, id, set->def->title, set->def->unit, &l, x0, x1, NULL);
		chart_lines_release(&l);
		drawn++;
	}
	fputs("</div>\n", f);
	if (!drawn)
		fputs("<p>The bundle has no series to chart.</p>\n", f);
	fputs("</section>\n", f);
	return 0;
}

static void evidence(FILE *f, const struct rowset *rs)
{
	char buf[1024];
	size_t r;
	int c;

	if (!rs->nrows)
		return;
	fputs("<table class=\"evidence\">\n<thead><tr>", f);
	for (c = 0; c < rs->ncols; c++) {
		fputs("<th>", f);
		h_cut(f, rs->cols[c], 80);
		fputs("</th>", f);
	}
	fputs("</tr></thead>\n<tbody>\n", f);
	for (r = 0; r < rs->nrows && r < HTML_EVIDENCE_ROWS; r++) {
		fputs("<tr>", f);
		for (c = 0; c < rs->ncols; c++) {
			const struct cell *cl = rowset_cell(rs, r, c);

			fputs(cl->type == CELL_INT || cl->type == CELL_REAL ? "<td class=\"num\">" : "<td>", f);
			h_cut(f, cell_text(cl, buf, sizeof(buf)), HTML_CELL_MAX);
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
	if (rs->nrows > HTML_EVIDENCE_ROWS)
		fprintf(f, "<p class=\"meta\">%zu more rows: re-run the SQL.</p>\n", rs->nrows - HTML_EVIDENCE_ROWS);
}

static void details_section(FILE *f, const struct analysis *a)
{

	int i, j;

	if (!a->nfindings)
		return;
	fputs("<section id=\"details\">\n<h2>Findings in detail</h2>\n", f);
	for (i = 0; i < a->nfindings; i++) {
		const struct finding *fd = &a->findings[i];
		const struct chart_spec *cs = chart_for_finding(a, fd);

		fprintf(f, "<article class=\"finding sev-%s\" id=\"finding-%d\">\n<h3>%d. <span class=\"sev sev-%s\">%s</span> ",
			sev_class(fd->severity), i + 1, i + 1, sev_class(fd->severity), severity_name(fd->severity));
		h(f, fd->rule->id);
		fputs(": ", f);
		h(f, fd->rule->title);
		fputs("</h3>\n<p class=\"msg\">", f);
		h_cut(f, fd->message, 4000);
		fputs("</p>\n<dl>\n", f);
		if (fd->from_us) {
			fputs("<dt>When</dt><dd>", f);
			when(f, fd->from_us, fd->to_us);
			fputs("</dd>\n", f);
		}
		if (cs) {
			fprintf(f, "<dt>Chart</dt><dd><a href=\"#%s\">", cs->id);
			h(f, cs->title);
			fprintf(f, "</a> (band #%d)</dd>\n", i + 1);
		}
		if (fd->group && *fd->group) {
			fputs("<dt>Group</dt><dd>", f);
			h_cut(f, fd->group, 400);
			fputs("</dd>\n", f);
		}
		if (fd->nvalues) {
			fputs("<dt>Numbers</dt><dd>", f);
			for (j = 0; j < fd->nvalues; j++) {
				char *t = report_value_text(&fd->values[j]);

				fputs(j ? ", " : "", f);
				h(f, fd->values[j].name);
				fputs(" = ", f);
				h_cut(f, t ? t : "?", fd->values[j].type == VALUE_LIST ? 1000 : 200);
				free(t);
			}
			fputs("</dd>\n", f);
		}
		fputs("<dt>Next step</dt><dd>", f);
		h(f, fd->rule->next_step);
		fputs("</dd>\n", f);
		for (j = 0; j < fd->nnotes; j++) {
			fputs("<dt class=\"weak\">Weakened by</dt><dd class=\"weak\">", f);
			h_cut(f, a->notes[fd->notes[j]].message, 2000);
			fputs("</dd>\n", f);
		}
		fputs("</dl>\n", f);
		evidence(f, &fd->evidence);
		if (fd->sql) {
			fputs("<p class=\"meta\">SQL to re-run with <code>sqlite3 BUNDLE</code>:</p>\n<pre class=\"sql\">", f);
			h(f, fd->sql);
			fputs("</pre>\n", f);
		}
		fputs("</article>\n", f);
	}
	fputs("</section>\n", f);
}

static void observations_section(FILE *f, const struct analysis *a)
{
	int i;

	if (!a->nobservations)
		return;
	fputs("<section id=\"observations\">\n<h2>Observations</h2>\n<p class=\"meta\">Not findings: no symptom "
	      "in this bundle (CPU saturated or throttled, system time, latency) makes them a diagnosis.</p>\n"
	      "<ul class=\"observations\">\n", f);
	for (i = 0; i < a->nobservations; i++) {
		fputs("<li><b>", f);
		h(f, a->observations[i].rule->id);
		fputs("</b>: ", f);
		h_cut(f, a->observations[i].message, 2000);
		fputs("</li>\n", f);
	}
	fputs("</ul>\n</section>\n", f);
}

static void notes_section(FILE *f, const struct analysis *a)
{
	int i;

	fputs("<section id=\"notes\">\n<h2>Data quality</h2>\n", f);
	if (!a->nnotes) {
		fputs("<p>No gap recorded: every source ran, nothing was dropped.</p>\n</section>\n", f);
		return;
	}
	fputs("<p class=\"meta\">Not findings: what limits what this bundle can tell.</p>\n<ul class=\"notes\">\n", f);
	for (i = 0; i < a->nnotes; i++) {
		fputs("<li><b>", f);
		h(f, a->notes[i].kind);
		fputs("</b>", f);
		if (a->notes[i].source) {
			fputs(" (", f);
			h(f, a->notes[i].source);
			fputs(")", f);
		}
		fputs(": ", f);
		h_cut(f, a->notes[i].message, 2000);
		fputs("</li>\n", f);
	}
	fputs("</ul>\n</section>\n", f);
}

static void manifest_tables(FILE *f, const struct bundle_info *b)
{
	int i;

	fputs("<table class=\"manifest\">\n<tbody>\n<tr><th>bundle</th><td>", f);
	h_cut(f, b->path, 400);
	fprintf(f, "</td></tr>\n<tr><th>schema version</th><td>%d</td></tr>\n", b->schema_version);
	for (i = 0; i < b->nmanifest; i++) {
		fputs("<tr><th>", f);
		h_cut(f, b->manifest[i].key, 100);
		fputs("</th><td>", f);
		h_cut(f, b->manifest[i].value, 1000);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody>\n</table>\n", f);
	if (b->ntargets) {
		fputs("<table class=\"targets\">\n<thead><tr><th>PID</th><th>Command</th><th>Role</th></tr></thead>\n<tbody>\n", f);
		for (i = 0; i < b->ntargets && i < 100; i++) {
			fprintf(f, "<tr><td class=\"num\">%lld</td><td>", b->targets[i].pid);
			h_cut(f, b->targets[i].comm, 100);
			fputs("</td><td>", f);
			h(f, b->targets[i].role);
			fputs("</td></tr>\n", f);
		}
		fputs("</tbody>\n</table>\n", f);
	}
	if (b->nsources) {
		fputs("<table class=\"sources\">\n<thead><tr><th>Source</th><th>Status</th><th>Backend</th>"
		      "<th>Reason</th></tr></thead>\n<tbody>\n", f);
		for (i = 0; i < b->nsources; i++) {
			fputs("<tr><td>", f);
			h(f, b->sources[i].name);
			fputs("</td><td>", f);
			h(f, b->sources[i].status);
			fputs("</td><td>", f);
			h(f, b->sources[i].backend);
			fputs("</td><td>", f);
			h_cut(f, b->sources[i].reason, 400);
			fputs("</td></tr>\n", f);
		}
		fputs("</tbody>\n</table>\n", f);
	}
}

static void foot(FILE *f)
{
	fputs("<footer>Written by casefile-analyze " CASEFILE_VERSION ". Self-contained: no script, no external "
	      "resource.</footer>\n</body>\n</html>\n", f);
}

static int html_analysis(FILE *f, const struct analysis *a)
{
	head(f, &a->bundle, "report", a->profile && a->profile->nranges ? profile_html_css : "");
	heading(f, &a->bundle);
	verdict(f, a);
	meta(f, a);
	findings_table(f, a);
	if (charts_section(f, a) < 0)
		return -1;
	details_section(f, a);
	observations_section(f, a);
	profile_report_html(f, a);
	notes_section(f, a);
	fputs("<section id=\"manifest\">\n<h2>Capture manifest</h2>\n", f);
	manifest_tables(f, &a->bundle);
	fputs("</section>\n", f);
	foot(f);
	return ferror(f) ? -1 : 0;
}

/* ---- compare: before and after on the same relative axis ---- */

static int64_t first_time(const struct analysis *a)
{
	int64_t x0, x1;

	analysis_time_axis(a, &x0, &x1);
	return x0;
}

static int64_t span_of(const struct analysis *a)
{
	int64_t x0, x1;

	analysis_time_axis(a, &x0, &x1);
	/* Bundle times may be anything: no signed overflow. */
	if (x0 < 0 && x1 > INT64_MAX + x0)
		return INT64_MAX;
	return x1 - x0;
}

static const struct series_set *set_of(const struct analysis *a, const struct series_def *d)
{
	return analysis_series(a, d->id);
}

static void stat_cells(FILE *f, const struct series_stat *st, enum series_unit unit)
{
	char m[48], p[48];

	if (!st->present) {
		fputs("<td>no data</td>", f);
		return;
	}
	fprintf(f, "<td class=\"num\">%s / %s</td>", series_format(unit, st->mean, m, sizeof(m)),
		series_format(unit, st->peak, p, sizeof(p)));
}

static int html_compare(FILE *f, const struct comparison *c)
{
	int64_t span = span_of(&c->before) > span_of(&c->after) ? span_of(&c->before) : span_of(&c->after);
	int64_t base_b = first_time(&c->before), base_a = first_time(&c->after);
	int i, j, counts[3] = { 0 };
	char num[48];

	for (i = 0; i < c->nmatches; i++)
		counts[c->matches[i].status]++;
	head(f, &c->after.bundle, "compare", "");
	fputs("<h1>casefile compare: before and after</h1>\n", f);
	fprintf(f, "<p class=\"verdict %s\" id=\"verdict\">%d finding%s resolved, %d new, %d unchanged.</p>\n",
		counts[MATCH_NEW] ? "sev-high" : "sev-none", counts[MATCH_RESOLVED],
		counts[MATCH_RESOLVED] == 1 ? "" : "s", counts[MATCH_NEW], counts[MATCH_UNCHANGED]);
	fputs("<p class=\"meta\"><b style=\"color:#0072B2\">Before</b>: <code>", f);
	h_cut(f, c->before.bundle.path, 300);
	fputs("</code>, ", f);
	when(f, c->before.bundle.from_us, c->before.bundle.to_us);
	fputs("<br><b style=\"color:#D55E00\">After</b> (dashed): <code>", f);
	h_cut(f, c->after.bundle.path, 300);
	fputs("</code>, ", f);
	when(f, c->after.bundle.from_us, c->after.bundle.to_us);
	fputs("</p>\n", f);
	fputs("<section id=\"findings\">\n<h2>Findings</h2>\n", f);
	if (c->nmatches) {
		fputs("<table class=\"findings\">\n<thead><tr><th>Status</th><th>Severity</th><th>Rule</th>"
		      "<th>Finding</th></tr></thead>\n<tbody>\n", f);
		for (i = 0; i < c->nmatches; i++) {
			const struct finding *fd = c->matches[i].after ? c->matches[i].after : c->matches[i].before;

			fprintf(f, "<tr class=\"match-%s\"><td class=\"nw\"><b>%s</b></td><td class=\"nw\"><span class=\"sev sev-%s\">%s</span></td><td>",
				match_status_name(c->matches[i].status), match_status_name(c->matches[i].status),
				sev_class(fd->severity), severity_name(fd->severity));
			h(f, fd->rule->id);
			fputs("</td><td>", f);
			h_cut(f, fd->message, 2000);
			fputs("</td></tr>\n", f);
		}
		fputs("</tbody>\n</table>\n", f);
	} else {
		fputs("<p>No finding on either side.</p>\n", f);
	}
	fputs("</section>\n<section id=\"charts\">\n<h2>Charts</h2>\n<p class=\"meta\">Before (solid) and after "
	      "(dashed) on one axis: seconds since each capture started; all labels of a series combined.</p>\n"
	      "<div class=\"charts\">\n", f);
	for (i = 0; series_table[i].id; i++) {
		const struct series_set *sb = set_of(&c->before, &series_table[i]);
		const struct series_set *sa = set_of(&c->after, &series_table[i]);
		struct series *cb = NULL, *ca = NULL;
		struct chart_line lines[2];
		struct chart ch;
		char id[96], *p;
		int n = 0;

		if (!sb && !sa)
			continue;
		if ((sb && series_set_combine(sb, &cb) < 0) || (sa && series_set_combine(sa, &ca) < 0)) {
			if (cb)
				series_free(cb, 1);
			return -1;
		}
		memset(lines, 0, sizeof(lines));
		if (cb) {
			lines[n].s = cb;
			lines[n].label = "before";
			lines[n++].base_us = base_b;
		}
		if (ca) {
			lines[n].s = ca;
			lines[n].label = "after";
			lines[n].after = 1;
			lines[n++].base_us = base_a;
		}
		memset(&ch, 0, sizeof(ch));
		snprintf(id, sizeof(id), "chart-%s", series_table[i].id);
		for (p = id; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
				*p = '-';
		ch.id = id;
		ch.title = series_table[i].title;
		ch.unit = series_table[i].unit;
		ch.x0_us = 0;
		ch.x1_us = span > 0 ? span : 1000000;
		ch.relative = 1;
		ch.lines = lines;
		ch.nlines = n;
		fprintf(f, "<figure id=\"%s\">\n<figcaption>", id);
		h(f, series_table[i].title);
		fputs("</figcaption>\n", f);
		chart_write_svg(f, &ch);
		fputs("</figure>\n", f);
		if (cb)
			series_free(cb, 1);
		if (ca)
			series_free(ca, 1);
	}
	fputs("</div>\n</section>\n", f);
	fputs("<section id=\"series\">\n<h2>Series (mean / peak)</h2>\n<table>\n<thead><tr><th>Series</th><th>Before</th>"
	      "<th>After</th><th>Change</th></tr></thead>\n<tbody>\n", f);
	for (i = 0; i < c->nseries; i++) {
		const struct series_cmp *s = &c->series[i];

		if (!s->before.present && !s->after.present)
			continue;
		fputs("<tr><td>", f);
		h(f, s->def->title);
		fputs("</td>", f);
		stat_cells(f, &s->before, s->def->unit);
		stat_cells(f, &s->after, s->def->unit);
		fprintf(f, "<td>%s</td></tr>\n", series_cmp_verdict(s));
	}
	fputs("</tbody>\n</table>\n</section>\n", f);
	for (i = 0; i < c->nsets; i++) {
		const struct set_cmp *s = &c->sets[i];

		if (!s->present_before && !s->present_after)
			continue;
		fputs("<section>\n<h2>", f);
		h(f, s->def->title);
		fputs("</h2>\n<table>\n<thead><tr><th>Key</th><th>Before</th><th>After</th>", f);
		fputs(s->def->share ? "<th>Change</th></tr></thead>\n<tbody>\n" : "</tr></thead>\n<tbody>\n", f);
		for (j = 0; j < s->nitems && j < 30; j++) {
			const struct set_item *it = &s->items[j];

			fputs("<tr><td>", f);
			h_cut(f, it->key, 300);
			fprintf(f, "</td><td class=\"num\">%s</td>",
				it->in_before ? format_number(it->before, "", num, sizeof(num)) : "absent");
			fprintf(f, "<td class=\"num\">%s</td>",
				it->in_after ? format_number(it->after, "", num, sizeof(num)) : "absent");
			if (s->def->share)
				fprintf(f, "<td>%s</td>", set_item_change(it));
			fputs("</tr>\n", f);
		}
		fputs("</tbody>\n</table>\n</section>\n", f);
	}
	fputs("<section id=\"manifest\">\n<h2>Capture manifest: before</h2>\n", f);
	manifest_tables(f, &c->before.bundle);
	fputs("<h2>Capture manifest: after</h2>\n", f);
	manifest_tables(f, &c->after.bundle);
	fputs("</section>\n", f);
	foot(f);
	return ferror(f) ? -1 : 0;
}

const struct report_format report_html = {
	.name = "html",
	.ext = "html",
	.analysis = html_analysis,
	.compare = html_compare,
	.needs_series = 1,
};
