#include "json.h"

#include "error.h"
#include "utf8.h"

#include <math.h>
#include <string.h>

void json_init(struct json *j, FILE *f, int pretty_depth)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty_depth = pretty_depth;
}

static int misuse(struct json *j, const char *why)
{
	if (!j->misuse)
		j->misuse = why;
	return -1;
}

static void newline(struct json *j, int depth)
{
	int i;

	fputc('\n', j->f);
	for (i = 0; i < depth; i++)
		fputs("  ", j->f);
}

/* Before any value: checks that a value may come here and writes the comma
 * and line break of an array member. Returns 0, or -1 on misuse. */
static int before_value(struct json *j)
{
	if (j->misuse)
		return -1;
	if (j->done)
		return misuse(j, "a second top-level value");
	if (!j->depth)
		return 0;
	if (j->kind[j->depth - 1] == 'o') {
		if (!j->has_key)
			return misuse(j, "an object member without a key");
		j->has_key = 0;
		return 0;
	}
	if (j->count[j->depth - 1]++)
		fputc(',', j->f);
	if (j->depth <= j->pretty_depth)
		newline(j, j->depth);
	else if (j->count[j->depth - 1] > 1)
		fputc(' ', j->f);
	return 0;
}

static void after_value(struct json *j)
{
	if (!j->depth)
		j->done = 1;
}

static void begin(struct json *j, char kind)
{
	if (before_value(j) < 0)
		return;
	if (j->depth == JSON_MAX_DEPTH) {
		misuse(j, "nested too deep");
		return;
	}
	fputc(kind == 'o' ? '{' : '[', j->f);
	j->kind[j->depth] = kind;
	j->count[j->depth] = 0;
	j->depth++;
}

static void end(struct json *j, char kind)
{
	if (j->misuse)
		return;
	if (!j->depth || j->kind[j->depth - 1] != kind) {
		misuse(j, kind == 'o' ? "end_object without its begin" : "end_array without its begin");
		return;
	}
	if (j->has_key) {
		misuse(j, "a key without a value");
		return;
	}
	j->depth--;
	if (j->count[j->depth] && j->depth < j->pretty_depth)
		newline(j, j->depth);
	fputc(kind == 'o' ? '}' : ']', j->f);
	after_value(j);
}

void json_begin_object(struct json *j) { begin(j, 'o'); }
void json_end_object(struct json *j) { end(j, 'o'); }
void json_begin_array(struct json *j) { begin(j, 'a'); }
void json_end_array(struct json *j) { end(j, 'a'); }

void json_key(struct json *j, const char *key)
{
	if (j->misuse)
		return;
	if (!j->depth || j->kind[j->depth - 1] != 'o') {
		misuse(j, "a key outside an object");
		return;
	}
	if (j->has_key) {
		misuse(j, "two keys in a row");
		return;
	}
	if (!key) {
		misuse(j, "a NULL key");
		return;
	}
	if (j->count[j->depth - 1]++)
		fputc(',', j->f);
	if (j->depth <= j->pretty_depth)
		newline(j, j->depth);
	else if (j->count[j->depth - 1] > 1)
		fputc(' ', j->f);
	fputc('"', j->f);
	json_escape(j->f, key);
	fputs("\": ", j->f);
	j->has_key = 1;
}

void json_escape(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	if (!s)
		return;
	while (*s) {
		size_t n;

		if (*s == '"' || *s == '\\') {
			fputc('\\', f);
			fputc(*s++, f);
		} else if (*s < 0x20 || *s == 0x7f) {
			switch (*s) {
			case '\n': fputs("\\n", f); break;
			case '\t': fputs("\\t", f); break;
			case '\r': fputs("\\r", f); break;
			default: fprintf(f, "\\u%04x", *s);
			}
			s++;
		} else if (*s == '<') {
			/* Keeps "</script>" inert if the JSON is embedded in HTML. */
			fputs("\\u003c", f);
			s++;
		} else if ((n = utf8_seq_len(s, 4)) > 0) {
			/* A C1 control (CSI, OSC): escaped, JSON on stdout reaches terminals. */
			if (utf8_is_c1(s, n))
				fprintf(f, "\\u%04x", s[1]);
			else
				fwrite(s, 1, n, f);
			s += n;
		} else {
			fputs("\\ufffd", f);
			s++;
		}
	}
}

void json_str(struct json *j, const char *s)
{
	if (!s) {
		json_null(j);
		return;
	}
	if (before_value(j) < 0)
		return;
	fputc('"', j->f);
	json_escape(j->f, s);
	fputc('"', j->f);
	after_value(j);
}

void json_num(struct json *j, double v)
{
	if (before_value(j) < 0)
		return;
	if (!isfinite(v))
		fputs("null", j->f);
	else if (v == floor(v) && fabs(v) < 1e15)
		fprintf(j->f, "%.0f", v);
	else
		fprintf(j->f, "%.10g", v);
	after_value(j);
}

void json_int(struct json *j, long long v)
{
	if (before_value(j) < 0)
		return;
	fprintf(j->f, "%lld", v);
	after_value(j);
}

void json_bool(struct json *j, int v)
{
	if (before_value(j) < 0)
		return;
	fputs(v ? "true" : "false", j->f);
	after_value(j);
}

void json_null(struct json *j)
{
	if (before_value(j) < 0)
		return;
	fputs("null", j->f);
	after_value(j);
}

int json_finish(struct json *j)
{
	if (j->misuse)
		return error("json writer misused: %s", j->misuse);
	if (!j->done)
		return error("json writer: document ends inside an open %s",
			     j->depth && j->kind[j->depth - 1] == 'a' ? "array" : "object");
	fputc('\n', j->f);
	return ferror(j->f) ? error("json writer: write failed") : 0;
}
