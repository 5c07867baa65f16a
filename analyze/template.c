/* Message templates of rules: "{name}", "{name:fmt}", optional "[[...]]"
 * segments, "{{" and "}}" for literal braces. */
#include "rulepack.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 64
#define FMT_MAX_LEN 16

static int valid_fmt(const char *f)
{
	if (!*f || !strcmp(f, "int") || !strcmp(f, "pct") || !strcmp(f, "bytes") ||
	    !strcmp(f, "dur") || !strcmp(f, "num"))
		return 1;
	return f[0] == '.' && f[1] >= '0' && f[1] <= '6' && !f[2];
}

/* Parses "{name:fmt}" at s (s[0] == '{'). Returns its length, or 0 when
 * malformed (with *why set). */
static size_t parse_placeholder(const char *s, char *name, char *fmt, const char **why)
{
	size_t i = 1, n = 0, f = 0;

	while (isalnum((unsigned char)s[i]) || s[i] == '_') {
		if (n + 1 >= NAME_MAX_LEN) {
			*why = "placeholder name too long";
			return 0;
		}
		name[n++] = s[i++];
	}
	name[n] = '\0';
	if (!n) {
		*why = "empty or invalid placeholder name (use {name}, or {{ for a brace)";
		return 0;
	}
	if (s[i] == ':') {
		i++;
		while (s[i] && s[i] != '}') {
			if (f + 1 >= FMT_MAX_LEN) {
				*why = "placeholder format too long";
				return 0;
			}
			fmt[f++] = s[i++];
		}
	}
	fmt[f] = '\0';
	if (s[i] != '}') {
		*why = "unclosed placeholder";
		return 0;
	}
	if (!valid_fmt(fmt)) {
		*why = "unknown placeholder format (use int, pct, bytes, dur, num or .N)";
		return 0;
	}
	return i + 1;
}

const char *template_check(const char *t, size_t *at)
{
	char name[NAME_MAX_LEN], fmt[FMT_MAX_LEN];
	const char *why = NULL;
	int in_opt = 0;
	size_t i = 0, len;

	while (t[i]) {
		*at = i;
		if (t[i] == '{' && t[i + 1] == '{') {
			i += 2;
		} else if (t[i] == '}' && t[i + 1] == '}') {
			i += 2;
		} else if (t[i] == '{') {
			if (!(len = parse_placeholder(t + i, name, fmt, &why)))
				return why;
			i += len;
		} else if (t[i] == '}') {
			return "stray '}' (write }} for a brace)";
		} else if (t[i] == '[' && t[i + 1] == '[') {
			if (in_opt)
				return "nested [[ ]] segment";
			in_opt = 1;
			i += 2;
		} else if (t[i] == ']' && t[i + 1] == ']' && in_opt) {
			in_opt = 0;
			i += 2;
		} else {
			i++;
		}
	}
	*at = i;
	return in_opt ? "unclosed [[ segment" : NULL;
}

void template_names(const char *t, void (*fn)(const char *name, void *ctx), void *ctx)
{
	char name[NAME_MAX_LEN], fmt[FMT_MAX_LEN];
	const char *why;
	size_t i = 0, len;

	while (t[i]) {
		if ((t[i] == '{' && t[i + 1] == '{') || (t[i] == '}' && t[i + 1] == '}')) {
			i += 2;
		} else if (t[i] == '{' && (len = parse_placeholder(t + i, name, fmt, &why))) {
			fn(name, ctx);
			i += len;
		} else {
			i++;
		}
	}
}

char *format_number(double v, const char *fmt, char *buf, size_t len)
{
	if (!isfinite(v)) {
		snprintf(buf, len, "%s", isnan(v) ? "n/a" : (v > 0 ? "never" : "-inf"));
		return buf;
	}
	if (!strcmp(fmt, "int")) {
		snprintf(buf, len, "%.0f", v);
	} else if (!strcmp(fmt, "pct")) {
		double p = v * 100;

		snprintf(buf, len, fabs(p) >= 10 || p == floor(p) ? "%.0f%%" : "%.1f%%", p);
	} else if (!strcmp(fmt, "bytes")) {
		static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
		double b = v;
		int u = -1;

		if (fabs(b) < 1024) {
			snprintf(buf, len, "%.0f B", b);
			return buf;
		}
		while (fabs(b) >= 1024 && u < 3) {
			b /= 1024;
			u++;
		}
		snprintf(buf, len, "%.1f %s", b, units[u]);
	} else if (!strcmp(fmt, "dur")) {
		double s = v < 0 ? 0 : v;

		if (s < 1)
			snprintf(buf, len, "%.0fms", s * 1000);
		else if (s < 60)
			snprintf(buf, len, "%.0fs", s);
		else if (s < 3600)
			snprintf(buf, len, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
		else if (s < 86400 * 3)
			snprintf(buf, len, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
		else if (s < 86400.0 * 3650)
			snprintf(buf, len, "%.0f days", s / 86400);
		else
			snprintf(buf, len, "years");
	} else if (fmt[0] == '.') {
		snprintf(buf, len, "%.*f", fmt[1] - '0', v);
	} else if (fabs(v - round(v)) < 1e-9 && fabs(v) < 1e15) {
		snprintf(buf, len, "%.0f", v);
	} else if (fabs(v) >= 100) {
		snprintf(buf, len, "%.0f", v);
	} else if (fabs(v) >= 10) {
		snprintf(buf, len, "%.1f", v);
	} else if (fabs(v) >= 1) {
		snprintf(buf, len, "%.2f", v);
	} else {
		snprintf(buf, len, "%.3g", v);
	}
	return buf;
}

struct sbuf {
	char *s;
	size_t len, cap;
};

static int sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t nc = (b->cap ? b->cap * 2 : 128);
		char *p;

		while (nc < b->len + n + 1)
			nc *= 2;
		if (!(p = realloc(b->s, nc)))
			return -1;
		b->s = p;
		b->cap = nc;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
	return 0;
}

char *template_expand(const char *t, template_lookup_fn lookup, void *ctx, const char **missing)
{
	static char missing_name[NAME_MAX_LEN];
	char name[NAME_MAX_LEN], fmt[FMT_MAX_LEN], text[512], num[64];
	struct sbuf out = { NULL, 0, 0 };
	size_t i = 0, len, opt_start = 0;
	int in_opt = 0, opt_dead = 0;
	const char *why;

	if (missing)
		*missing = NULL;
	if (sb_add(&out, "", 0) < 0)
		return NULL;
	while (t[i]) {
		if (t[i] == '{' && t[i + 1] == '{') {
			sb_add(&out, "{", 1);
			i += 2;
		} else if (t[i] == '}' && t[i + 1] == '}') {
			sb_add(&out, "}", 1);
			i += 2;
		} else if (t[i] == '[' && t[i + 1] == '[' && !in_opt) {
			in_opt = 1;
			opt_dead = 0;
			opt_start = out.len;
			i += 2;
		} else if (t[i] == ']' && t[i + 1] == ']' && in_opt) {
			if (opt_dead) {
				out.len = opt_start;
				out.s[out.len] = '\0';
			}
			in_opt = 0;
			i += 2;
		} else if (t[i] == '{' && (len = parse_placeholder(t + i, name, fmt, &why))) {
			double v = 0;
			int is_text = 0;

			text[0] = '\0';
			if (lookup(name, ctx, &v, text, sizeof(text), &is_text)) {
				const char *s = is_text ? text : format_number(v, fmt, num, sizeof(num));

				sb_add(&out, s, strlen(s));
			} else if (in_opt) {
				opt_dead = 1;
			} else {
				sb_add(&out, "?", 1);
				if (missing) {
					snprintf(missing_name, sizeof(missing_name), "%s", name);
					*missing = missing_name;
				}
			}
			i += len;
		} else {
			if (sb_add(&out, t + i, 1) < 0)
				break;
			i++;
		}
	}
	return out.s;
}
