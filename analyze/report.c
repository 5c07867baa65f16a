/* The table of report writers and their shared helpers. */
#include "report.h"

#include "escape.h"
#include "parse.h"
#include "strbuf.h"

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

char *report_format_list(char *buf, size_t len, int exts)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	for (i = 0; report_formats[i]; i++) {
		if (exts)
			strbuf_addf(&sb, "%s.%s", i ? " " : "", report_formats[i]->ext);
		else
			strbuf_addf(&sb, "%s%s", i ? ", " : "", report_formats[i]->name);
	}
	snprintf(buf, len, "%s", strbuf_str(&sb));
	strbuf_release(&sb);
	return buf;
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

static void value_scalar(struct strbuf *sb, const struct finding_value *v)
{
	char num[64];

	if (v->type == VALUE_IDENT)
		strbuf_addstr(sb, v->text ? v->text : "");
	else if (v->type == VALUE_BOOL)
		strbuf_addstr(sb, v->num ? "true" : "false");
	else
		strbuf_addstr(sb, format_number(v->num, "", num, sizeof(num)));
}

char *report_value_text(const struct finding_value *v)
{
	struct strbuf sb = STRBUF_INIT;
	int i, k;

	if (v->type != VALUE_LIST) {
		value_scalar(&sb, v);
		return strbuf_detach(&sb);
	}
	for (i = 0; i < v->nitems; i++) {
		strbuf_addstr(&sb, i ? "; " : "");
		for (k = 0; k < v->items[i].nfields; k++) {
			strbuf_addf(&sb, "%s%s=", k ? " " : "", v->items[i].fields[k].name);
			value_scalar(&sb, &v->items[i].fields[k]);
		}
	}
	return strbuf_detach(&sb);
}
