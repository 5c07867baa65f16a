/* Report writers: one descriptor per output format, listed in one table
 * (analyze/report.c). Writers turn an analysis (or a comparison) into text;
 * they never query the bundle and never judge. Adding a format (md, html) is
 * one new file and one line in the table. */
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
/* The format whose extension ends PATH, or NULL. */
const struct report_format *report_format_for_path(const char *path);

/* The version of the JSON report's shape (docs: analyze/report-json.md). */
#define REPORT_JSON_VERSION 1

/* Helpers shared by writers. */
char *report_time(long long wall_us, char *buf, int len);       /* ISO 8601 UTC, or "?" */
char *report_span(long long from_us, long long to_us, char *buf, int len); /* "2m30s" */
void json_string(FILE *f, const char *s);                     /* a JSON string literal, escaped */
void json_number(FILE *f, double v);                          /* null when not finite */
/* Pieces of the JSON report reused by the comparison's JSON. */
void report_json_bundle(FILE *f, const struct bundle_info *b);
void report_json_finding(FILE *f, const struct finding *fd);

#endif
