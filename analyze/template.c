/* Message templates of rules: the words of every finding.
 *
 *   {name} {name:fmt}       a value: a detector output, a query column of the
 *                           row the detector names, or rule/from/to/symptom
 *   {@name}                 the rule's phrase (its phrases: map) whose id is
 *                           the identifier NAME holds: "{@cap_reason}"
 *   [[ ... ]]               optional: left out when a value inside has none
 *   [[*list "sep": ...]]    the body once per item of a list output, joined
 *                           by sep; inside, a name is the item's field first
 *   {{ and }}               literal braces
 *
 * Segments nest (at most TEMPLATE_MAX_NEST deep); a phrase may use all of
 * it, other phrases too (at most TEMPLATE_MAX_NEST deep). */
#include "rulepack.h"

#include "strbuf.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 64
#define FMT_MAX_LEN 16
#define SEP_MAX_LEN FMT_MAX_LEN

static int valid_fmt(const char *f)
{
	if (!*f || !strcmp(f, "int") || !strcmp(f, "pct") || !strcmp(f, "bytes") ||
	    !strcmp(f, "dur") || !strcmp(f, "num"))
		return 1;
	return f[0] == '.' && f[1] >= '0' && f[1] <= '6' && !f[2];
}

static size_t parse_name(const char *s, char *name)
{
	size_t n = 0;

	while (isalnum((unsigned char)s[n]) || s[n] == '_') {
		if (n + 1 >= NAME_MAX_LEN)
			return 0;
		name[n] = s[n];
		n++;
	}
	name[n] = '\0';
	return n;
}

/* Parses "{name:fmt}" or "{@name}" at s (s[0] == '{'). Returns its length,
 * or 0 when malformed (with *why set). */
static size_t parse_placeholder(const char *s, char *name, char *fmt, int *phrase, const char **why)
{
	size_t i = 1, n, f = 0;

	*phrase = s[i] == '@';
	i += (size_t)*phrase;
	if (!(n = parse_name(s + i, name))) {
		*why = isalnum((unsigned char)s[i]) || s[i] == '_' ? "placeholder name too long" :
			"empty or invalid placeholder name (use {name}, or {{ for a brace)";
		return 0;
	}
	i += n;
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
	if (*phrase && f) {
		*why = "a phrase {@name} takes no format";
		return 0;
	}
	if (!valid_fmt(fmt)) {
		*why = "unknown placeholder format (use int, pct, bytes, dur, num or .N)";
		return 0;
	}
	return i + 1;
}

/* Parses the head of a list segment, '[[*name "sep":' at s. Returns its
 * length, or 0 when malformed (with *why set). */
static size_t parse_list_head(const char *s, char *name, char *sep, const char **why)
{
	size_t i = 3, n, k = 0;

	if (!(n = parse_name(s + i, name))) {
		*why = "a list segment needs a list name: [[*name \"sep\": ...]]";
		return 0;
	}
	i += n;
	sep[0] = '\0';
	while (s[i] == ' ')
		i++;
	if (s[i] == '"') {
		for (i++; s[i] && s[i] != '"'; i++) {
			if (k + 1 >= SEP_MAX_LEN) {
				*why = "list separator too long";
				return 0;
			}
			sep[k++] = s[i];
		}
		sep[k] = '\0';
		if (s[i] != '"') {
			*why = "unclosed list separator";
			return 0;
		}
		i++;
	}
	if (s[i] != ':') {
		*why = "a list segment's head ends with ':': [[*name \"sep\": ...]]";
		return 0;
	}
	return i + 1;
}

const char *template_check(const char *t, size_t *at)
{
	char name[NAME_MAX_LEN], fmt[FMT_MAX_LEN], sep[SEP_MAX_LEN];
	const char *why = NULL;
	int depth = 0, phrase;
	size_t i = 0, len;

	while (t[i]) {
		*at = i;
		if ((t[i] == '{' && t[i + 1] == '{') || (t[i] == '}' && t[i + 1] == '}')) {
			i += 2;
		} else if (t[i] == '{') {
			if (!(len = parse_placeholder(t + i, name, fmt, &phrase, &why)))
				return why;
			i += len;
		} else if (t[i] == '}') {
			return "stray '}' (write }} for a brace)";
		} else if (t[i] == '[' && t[i + 1] == '[') {
			if (++depth > TEMPLATE_MAX_NEST)
				return "[[ ]] segments nested too deep";
			if (t[i + 2] == '*') {
				if (!(len = parse_list_head(t + i, name, sep, &why)))
					return why;
				i += len;
			} else {
				i += 2;
			}
		} else if (t[i] == ']' && t[i + 1] == ']' && depth) {
			depth--;
			i += 2;
		} else {
			i++;
		}
	}
	*at = i;
	return depth ? "unclosed [[ segment" : NULL;
}

void template_names(const char *t, template_name_fn fn, void *ctx)
{
	char name[NAME_MAX_LEN], fmt[FMT_MAX_LEN], sep[SEP_MAX_LEN];
	char lists[TEMPLATE_MAX_NEST + 1][NAME_MAX_LEN];
	const char *why;
	int depth = 0, phrase;
	size_t i = 0, len;

	lists[0][0] = '\0';
	while (t[i]) {
		if ((t[i] == '{' && t[i + 1] == '{') || (t[i] == '}' && t[i + 1] == '}')) {
			i += 2;
		} else if (t[i] == '{' && (len = parse_placeholder(t + i, name, fmt, &phrase, &why))) {
			fn(name, lists[depth][0] ? lists[depth] : NULL, phrase, ctx);
			i += len;
		} else if (t[i] == '[' && t[i + 1] == '[' && depth < TEMPLATE_MAX_NEST) {
			depth++;
			if (t[i + 2] == '*' && (len = parse_list_head(t + i, name, sep, &why))) {
				fn(name, lists[depth - 1][0] ? lists[depth - 1] : NULL, 0, ctx);
				snprintf(lists[depth], sizeof(lists[depth]), "%s", name);
				i += len;
			} else {
				memcpy(lists[depth], lists[depth - 1], sizeof(lists[depth]));
				i += 2;
			}
		} else if (t[i] == ']' && t[i + 1] == ']' && depth) {
			depth--;
			i += 2;
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

/* One expansion: the environment, the output, the items being iterated
 * (innermost last) and the missing name outside any optional segment. */
struct expansion {
	const struct template_env *env;
	struct strbuf out;
	struct {
		const char *list;
		int item;
	} scope[TEMPLATE_MAX_NEST];
	int nscope;
	int phrases;              /* phrase expansions open */
	char missing[NAME_MAX_LEN];
};

/* The value of NAME: the fields of the items being iterated first
 * (innermost first), then the environment's values. */
static int value(struct expansion *x, const char *name, double *num, char *text, size_t textlen,
		 int *is_text)
{
	int k;

	*is_text = 0;
	text[0] = '\0';
	for (k = x->nscope; k-- > 0;)
		if (x->env->item && x->env->item(x->scope[k].list, x->scope[k].item, name, x->env->ctx,
						  num, text, textlen, is_text))
			return 1;
	return x->env->lookup(name, x->env->ctx, num, text, textlen, is_text);
}

static int expand_at(struct expansion *x, const char *t, size_t *pos, int optional, int in_seg);

/* A placeholder; returns 1 when it has no value. */
static int put_placeholder(struct expansion *x, const char *name, const char *fmt, int phrase,
			   int optional)
{
	char text[512], num[64];
	double v = 0;
	int is_text = 0;

	if (!value(x, name, &v, text, sizeof(text), &is_text))
		return 1;
	if (phrase) {
		const char *p = is_text && x->env->phrase ? x->env->phrase(text, x->env->ctx) : NULL;
		size_t at = 0;
		int dead;

		if (!p || x->phrases >= TEMPLATE_MAX_NEST)
			return 1;
		x->phrases++;
		dead = expand_at(x, p, &at, optional, 0);
		x->phrases--;
		return dead;
	}
	if (is_text)
		strbuf_addstr(&x->out, text);
	else
		strbuf_addstr(&x->out, format_number(v, fmt, num, sizeof(num)));
	return 0;
}

/* A list segment whose head is at t + *pos; *pos ends after its "]]".
 * Items whose body misses a value are left out with their separator.
 * Returns 1 when no item was written (a missing value for what encloses it). */
static int put_list(struct expansion *x, const char *t, size_t *pos)
{
	char name[NAME_MAX_LEN], sep[SEP_MAX_LEN];
	const char *why;
	size_t head = parse_list_head(t + *pos, name, sep, &why), body, end = 0;
	int n = -1, i, written = 0;

	body = *pos + head;
	if (x->env->list_len)
		n = x->env->list_len(name, x->env->ctx);
	if (n <= 0 || x->nscope >= TEMPLATE_MAX_NEST) {
		size_t start = x->out.len;

		/* Walked once to find its end; what it wrote is dropped. */
		end = body;
		expand_at(x, t, &end, 1, 1);
		strbuf_setlen(&x->out, start);
		*pos = end;
		return 1;
	}
	for (i = 0; i < n; i++) {
		size_t start = x->out.len, at = body;
		int dead;

		if (written)
			strbuf_addstr(&x->out, sep);
		x->scope[x->nscope].list = name;
		x->scope[x->nscope].item = i;
		x->nscope++;
		dead = expand_at(x, t, &at, 1, 1);
		x->nscope--;
		end = at;
		if (dead)
			strbuf_setlen(&x->out, start);
		else
			written = 1;
	}
	*pos = end;
	return !written;
}

/* Expands t from *pos to its end, or (in_seg) to the "]]" that closes the
 * segment, leaving *pos after it. OPTIONAL: inside an optional segment, a
 * missing value makes it dead instead of writing "?". Returns 1 when a
 * value was missing. */
static int expand_at(struct expansion *x, const char *t, size_t *pos, int optional, int in_seg)
{
	char name[NAME_MAX_LEN], fmt[FMT_MAX_LEN];
	const char *why;
	size_t i = *pos, len;
	int dead = 0, phrase;

	while (t[i] && !x->out.failed) {
		if (t[i] == '{' && t[i + 1] == '{') {
			strbuf_addch(&x->out, '{');
			i += 2;
		} else if (t[i] == '}' && t[i + 1] == '}') {
			strbuf_addch(&x->out, '}');
			i += 2;
		} else if (t[i] == '[' && t[i + 1] == '[' && t[i + 2] == '*' &&
			   parse_list_head(t + i, name, fmt, &why)) {
			/* (fmt holds the separator here: both are 16 bytes.) */
			*pos = i;
			if (put_list(x, t, pos)) {
				if (optional) {
					dead = 1;
				} else if (!x->missing[0]) {
					snprintf(x->missing, sizeof(x->missing), "%s", name);
				}
			}
			i = *pos;
		} else if (t[i] == '[' && t[i + 1] == '[') {
			size_t start = x->out.len;

			*pos = i + 2;
			if (expand_at(x, t, pos, 1, 1))
				strbuf_setlen(&x->out, start);
			i = *pos;
		} else if (t[i] == ']' && t[i + 1] == ']' && in_seg) {
			*pos = i + 2;
			return dead;
		} else if (t[i] == '{' && (len = parse_placeholder(t + i, name, fmt, &phrase, &why))) {
			if (put_placeholder(x, name, fmt, phrase, optional)) {
				if (optional) {
					dead = 1;
				} else {
					strbuf_addch(&x->out, '?');
					if (!x->missing[0])
						snprintf(x->missing, sizeof(x->missing), "%s", name);
				}
			}
			i += len;
		} else {
			strbuf_addch(&x->out, t[i]);
			i++;
		}
	}
	*pos = i;
	return dead;
}

char *template_expand_env(const char *t, const struct template_env *env, const char **missing)
{
	static char missing_name[NAME_MAX_LEN];
	struct expansion x;
	size_t pos = 0;

	memset(&x, 0, sizeof(x));
	x.env = env;
	if (missing)
		*missing = NULL;
	strbuf_addstr(&x.out, "");
	expand_at(&x, t, &pos, 0, 0);
	if (missing && x.missing[0]) {
		snprintf(missing_name, sizeof(missing_name), "%s", x.missing);
		*missing = missing_name;
	}
	return strbuf_detach(&x.out);
}

char *template_expand(const char *t, template_lookup_fn lookup, void *ctx, const char **missing)
{
	struct template_env env = { lookup, ctx, NULL, NULL, NULL };

	return template_expand_env(t, &env, missing);
}
