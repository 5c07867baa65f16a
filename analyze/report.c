/* The table of report writers and their shared helpers. */
#include "report.h"

#include "parse.h"

#include <math.h>
#include <string.h>

extern const struct report_format report_text, report_json;

const struct report_format *const report_formats[] = {
	&report_text,
	&report_json,
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

/* Length of a valid UTF-8 sequence at s, or 0. */
static int utf8_len(const unsigned char *s)
{
	int n, i;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void json_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	while (*p) {
		int n;

		if (*p == '"' || *p == '\\') {
			fputc('\\', f);
			fputc(*p++, f);
		} else if (*p == '\n') {
			fputs("\\n", f);
			p++;
		} else if (*p == '\t') {
			fputs("\\t", f);
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p++);
		} else if ((n = utf8_len(p)) > 0) {
			/* U+2028/2029 break JavaScript string literals. */
			if (n == 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
				fprintf(f, "\\u%04x", p[2] == 0xa8 ? 0x2028 : 0x2029);
			else
				fwrite(p, 1, (size_t)n, f);
			p += n;
		} else {
			/* Bundle text is untrusted: invalid UTF-8 becomes U+FFFD. */
			fputs("\\ufffd", f);
			p++;
		}
	}
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
