/* The table of report writers and their shared helpers. */
#include "report.h"

#include "escape.h"
#include "parse.h"

#include <math.h>
#include <string.h>

extern const struct report_format report_text, report_json, report_md, report_html;

const struct report_format *const report_formats[] = {
	&report_text,
	&report_json,
	&report_md,
	&report_html,
	NULL,
};

const struct report_format *report_format_find(const char *name)
{
	int i;

	for (i = 0; report_formats[i]; i++)
		if (!strcmp(report_formats[i]->name, name))
			return report_formats[i];
	return NULL;
}

const struct report_format *report_format_for_path(const char *path)
{
	const char *dot = strrchr(path, '.');
	int i;

	if (!dot)
		return NULL;
	for (i = 0; report_formats[i]; i++)
		if (!strcmp(dot + 1, report_formats[i]->ext))
			return report_formats[i];
	return NULL;
}

char *report_time(long long wall_us, char *buf, int len)
{
	if (wall_us <= 0) {
		snprintf(buf, (size_t)len, "?");
		return buf;
	}
	return format_time_us(wall_us, buf, len);
}

char *report_span(long long from_us, long long to_us, char *buf, int len)
{
	if (from_us <= 0 || to_us < from_us) {
		snprintf(buf, (size_t)len, "?");
		return buf;
	}
	return format_duration_us(to_us - from_us, buf, len);
}

void json_string(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	fput_json(f, s);
	fputc('"', f);
}

void json_number(FILE *f, double v)
{
	if (!isfinite(v))
		fputs("null", f);
	else if (v == floor(v) && fabs(v) < 1e15)
		fprintf(f, "%.0f", v);
	else
		fprintf(f, "%.10g", v);
}
