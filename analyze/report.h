/* Report writers: one descriptor per output format, listed in one table
 * (analyze/report.c). Writers turn an analysis (findings.c) or a comparison
 * (compare.c) into text; they never query the bundle and never judge. One
 * file per format holds both of its writers (report_NAME.c); adding a format
 * is that one new file and one line in the table. */
#ifndef CASEFILE_REPORT_H
#define CASEFILE_REPORT_H

#include "findings.h"

#include <stdio.h>

struct comparison;

struct report_format {
	const char *name;        /* --format NAME */
	const char *ext;         /* file extension that selects it for -o FILE */
	/* Each returns 0, or -1 when writing failed (the caller checks ferror). */
	int (*analysis)(FILE *out, const struct analysis *a);
	int (*compare)(FILE *out, const struct comparison *c);  /* NULL: not supported */
	int needs_series;        /* draws charts: the caller runs analysis_load_series first */
};

extern const struct report_format *const report_formats[];

const struct report_format *report_format_find(const char *name);
/* The table's names ("text, json, md, html") or, with EXTS, extensions
 * (".txt .json .md .html"), for help and errors. Returns buf. */
char *report_format_list(char *buf, size_t len, int exts);
/* The format whose extension ends PATH, or NULL. */
const struct report_format *report_format_for_path(const char *path);

/* The version of the JSON report's shape (docs: analyze/report-json.md). */
#define REPORT_JSON_VERSION 2

/* Helpers shared by writers. */
char *report_time(long long wall_us, char *buf, int len);       /* ISO 8601 UTC, or "?" */
char *report_span(long long from_us, long long to_us, char *buf, int len); /* "2m30s" */
/* A finding's value as report text (malloc'd, NULL when out of memory): a
 * number formatted, true/false, an identifier, or a list's items as
 * "field=value ..." joined by "; ". */
char *report_value_text(const struct finding_value *v);

/* Writes S as inline Markdown text (a table cell, a sentence), at most MAX
 * bytes (0: all) cut on a UTF-8 boundary, "…" marking the cut; every
 * Markdown character escaped, controls replaced (report_md.c). */
void report_md_text(FILE *f, const char *s, size_t max);

#endif
