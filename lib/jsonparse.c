/* A bounded JSON reader for text another process wrote. Non-recursive: the
 * open containers are a small stack of token indexes (max_depth), so deep
 * nesting is an error, not a deep C stack. See jsonparse.h. */
#include "jsonparse.h"

#include "utf8.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSONP_MAX_LEN 0xffffffffu

void jsonp_init(struct jsonp *p, uint32_t max_tokens, int max_depth)
{
	memset(p, 0, sizeof(*p));
	p->max_tokens = max_tokens ? max_tokens : 1;
	p->max_depth = max_depth < 1 ? 1 : max_depth > 1024 ? 1024 : max_depth;
}

void jsonp_release(struct jsonp *p)
{
	free(p->t);
	p->t = NULL;
	p->n = p->alloc = 0;
}

static int fail(struct jsonp *p, size_t off, const char *what)
{
	if (!p->err[0]) {
		snprintf(p->err, sizeof(p->err), "%s at byte %zu", what, off);
		p->err_off = off;
	}
	return -1;
}

static int add(struct jsonp *p, size_t off, int type, size_t start)
{
	struct jsonp_tok *t;

	if (p->n >= p->max_tokens)
		return fail(p, off, "too many values");
	if (p->n == p->alloc) {
		uint32_t na = p->alloc ? p->alloc * 2 : 64;

		if (na > p->max_tokens || na < p->alloc)
			na = p->max_tokens;
		t = realloc(p->t, (size_t)na * sizeof(*t));
		if (!t)
			return fail(p, off, "out of memory");
		p->t = t;
		p->alloc = na;
	}
	t = &p->t[p->n];
	memset(t, 0, sizeof(*t));
	t->type = (uint8_t)type;
	t->start = (uint32_t)start;
	return (int)p->n++;
}

static size_t skip_ws(const char *b, size_t len, size_t i)
{
	while (i < len && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r'))
		i++;
	return i;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static long hex4(const char *b, size_t len, size_t i)
{
	long v = 0;
	int k, h;

	if (i > len || len - i < 4)
		return -1;
	for (k = 0; k < 4; k++) {
		if ((h = hexval((unsigned char)b[i + (size_t)k])) < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* A string starting after its opening quote at i; returns the index of the
 * closing quote, or fails. */
static int scan_string(struct jsonp *p, size_t i, size_t *end, int *escaped)
{
	const char *b = p->buf;
	size_t len = p->len;

	*escaped = 0;
	while (i < len) {
		unsigned char c = (unsigned char)b[i];

		if (c == '"') {
			*end = i;
			return 0;
		}
		if (c < 0x20)
			return fail(p, i, "control character in a string");
		if (c == '\\') {
			*escaped = 1;
			if (++i >= len)
				break;
			switch (b[i]) {
			case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
				i++;
				continue;
			case 'u':
				if (hex4(b, len, i + 1) < 0)
					return fail(p, i, "bad \\u escape");
				i += 5;
				continue;
			default:
				return fail(p, i, "bad escape");
			}
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		{
			size_t n = utf8_seq_len((const unsigned char *)b + i, len - i);

			if (!n)
				return fail(p, i, "invalid UTF-8 in a string");
			i += n;
		}
	}
	return fail(p, len, "unterminated string");
}

static int scan_number(struct jsonp *p, size_t i, size_t *end)
{
	const char *b = p->buf;
	size_t len = p->len, s = i;

	if (i < len && b[i] == '-')
		i++;
	if (i >= len)
		return fail(p, s, "bad number");
	if (b[i] == '0') {
		i++;
	} else if (b[i] >= '1' && b[i] <= '9') {
		while (i < len && b[i] >= '0' && b[i] <= '9')
			i++;
	} else {
		return fail(p, s, "bad number");
	}
	if (i < len && b[i] == '.') {
		i++;
		if (i >= len || b[i] < '0' || b[i] > '9')
			return fail(p, s, "bad number");
		while (i < len && b[i] >= '0' && b[i] <= '9')
			i++;
	}
	if (i < len && (b[i] == 'e' || b[i] == 'E')) {
		i++;
		if (i < len && (b[i] == '+' || b[i] == '-'))
			i++;
		if (i >= len || b[i] < '0' || b[i] > '9')
			return fail(p, s, "bad number");
		while (i < len && b[i] >= '0' && b[i] <= '9')
			i++;
	}
	*end = i;
	return 0;
}

int jsonp_parse(struct jsonp *p, const char *buf, size_t len)
{
	uint32_t *stack = NULL;         /* open containers */
	uint32_t *last = NULL;          /* the last member of each, 0 none */
	int depth = 0, want_key = 0, ret = -1;
	size_t i = 0;

	p->buf = buf;
	p->len = len;
	p->n = 0;
	p->err[0] = '\0';
	p->err_off = 0;
	if (len >= JSONP_MAX_LEN)
		return fail(p, 0, "document too large");
	stack = malloc((size_t)p->max_depth * sizeof(*stack));
	last = malloc((size_t)p->max_depth * sizeof(*last));
	if (!stack || !last) {
		fail(p, 0, "out of memory");
		goto out;
	}
	for (;;) {
		int tok, type;
		size_t end;

		i = skip_ws(buf, len, i);
		if (i >= len) {
			fail(p, len, "unexpected end");
			goto out;
		}
		/* At a member's start: a key in an object, a value anywhere. */
		if (depth > 0 && want_key) {
			int esc;

			if (buf[i] != '"') {
				fail(p, i, "expected a key");
				goto out;
			}
			if (scan_string(p, i + 1, &end, &esc) < 0 || (tok = add(p, i, JSONP_STRING, i + 1)) < 0)
				goto out;
			p->t[tok].len = (uint32_t)(end - i - 1);
			p->t[tok].escaped = (uint8_t)esc;
			if (last[depth - 1])
				p->t[last[depth - 1]].next = (uint32_t)tok;
			last[depth - 1] = 0;
			i = skip_ws(buf, len, end + 1);
			if (i >= len || buf[i] != ':') {
				fail(p, i, "expected ':'");
				goto out;
			}
			i = skip_ws(buf, len, i + 1);
			if (i >= len) {
				fail(p, len, "unexpected end");
				goto out;
			}
			p->t[stack[depth - 1]].count++;
			/* The value's link: from the key. */
			last[depth - 1] = (uint32_t)tok;
		}
		switch (buf[i]) {
		case '{': type = JSONP_OBJECT; break;
		case '[': type = JSONP_ARRAY; break;
		case '"': type = JSONP_STRING; break;
		case 't': case 'f': case 'n': type = JSONP_NULL; break;
		default: type = JSONP_NUMBER; break;
		}
		if (type == JSONP_NULL) {
			static const struct { const char *w; int t; } lit[] = {
				{ "true", JSONP_TRUE }, { "false", JSONP_FALSE }, { "null", JSONP_NULL },
			};
			size_t k, l = 0;

			for (k = 0; k < 3; k++) {
				l = strlen(lit[k].w);
				if (len - i >= l && memcmp(buf + i, lit[k].w, l) == 0)
					break;
			}
			if (k == 3) {
				fail(p, i, "unexpected character");
				goto out;
			}
			type = lit[k].t;
			end = i + l;
		} else if (type == JSONP_STRING) {
			int esc;

			if (scan_string(p, i + 1, &end, &esc) < 0)
				goto out;
			end++;
		} else if (type == JSONP_NUMBER) {
			if (scan_number(p, i, &end) < 0)
				goto out;
		} else {
			end = i + 1;
		}
		if ((tok = add(p, i, type, type == JSONP_STRING ? i + 1 : i)) < 0)
			goto out;
		if (type == JSONP_STRING) {
			int esc;

			scan_string(p, i + 1, &end, &esc);
			p->t[tok].len = (uint32_t)(end - i - 1);
			p->t[tok].escaped = (uint8_t)esc;
			end++;
		} else {
			p->t[tok].len = (uint32_t)(end - i);
		}
		if (depth > 0) {
			if (!want_key) {
				/* An array member. */
				if (last[depth - 1])
					p->t[last[depth - 1]].next = (uint32_t)tok;
				p->t[stack[depth - 1]].count++;
			} else {
				p->t[last[depth - 1]].next = (uint32_t)tok;
			}
			last[depth - 1] = (uint32_t)tok;
		}
		i = end;
		if (type == JSONP_OBJECT || type == JSONP_ARRAY) {
			if (depth == p->max_depth) {
				fail(p, i - 1, "nested too deep");
				goto out;
			}
			stack[depth] = (uint32_t)tok;
			last[depth] = 0;
			depth++;
			want_key = type == JSONP_OBJECT;
			i = skip_ws(buf, len, i);
			if (i < len && buf[i] == (type == JSONP_OBJECT ? '}' : ']')) {
				i++;
				goto closed;
			}
			continue;
		}
		/* After a value: a comma, the end of containers, or the end. */
		for (;;) {
			struct jsonp_tok *c;

			i = skip_ws(buf, len, i);
			if (depth == 0) {
				if (i != len) {
					fail(p, i, "text after the value");
					goto out;
				}
				ret = 0;
				goto out;
			}
			c = &p->t[stack[depth - 1]];
			if (i >= len) {
				fail(p, len, "unexpected end");
				goto out;
			}
			if (buf[i] == ',') {
				i++;
				want_key = c->type == JSONP_OBJECT;
				break;
			}
			if (buf[i] != (c->type == JSONP_OBJECT ? '}' : ']')) {
				fail(p, i, c->type == JSONP_OBJECT ? "expected ',' or '}'" : "expected ',' or ']'");
				goto out;
			}
			i++;
closed:
			c = &p->t[stack[depth - 1]];
			c->len = (uint32_t)(i - c->start);
			depth--;
			if (depth > 0) {
				c = &p->t[stack[depth - 1]];
				want_key = 0;
			}
		}
	}
out:
	free(stack);
	free(last);
	if (ret < 0)
		jsonp_release(p);
	return ret;
}

int jsonp_type(const struct jsonp *p, int i)
{
	if (i < 0 || (uint32_t)i >= p->n)
		return -1;
	return p->t[i].type;
}

int jsonp_first(const struct jsonp *p, int i)
{
	int t = jsonp_type(p, i);

	if ((t != JSONP_ARRAY && t != JSONP_OBJECT) || !p->t[i].count)
		return -1;
	return i + 1;
}

int jsonp_next(const struct jsonp *p, int i)
{
	if (jsonp_type(p, i) < 0 || !p->t[i].next)
		return -1;
	return (int)p->t[i].next;
}

int jsonp_get(const struct jsonp *p, int i, const char *key)
{
	int k;

	if (jsonp_type(p, i) != JSONP_OBJECT)
		return -1;
	for (k = jsonp_first(p, i); k >= 0; k = jsonp_next(p, jsonp_next(p, k)))
		if (jsonp_streq(p, k, key))
			return jsonp_next(p, k);
	return -1;
}

int jsonp_int(const struct jsonp *p, int i, int64_t *v)
{
	char tmp[40], *end;
	const struct jsonp_tok *t;
	long long n;
	double d;

	if (jsonp_type(p, i) != JSONP_NUMBER)
		return -1;
	t = &p->t[i];
	if (t->len < sizeof(tmp) && !memchr(p->buf + t->start, '.', t->len) &&
	    !memchr(p->buf + t->start, 'e', t->len) && !memchr(p->buf + t->start, 'E', t->len)) {
		memcpy(tmp, p->buf + t->start, t->len);
		tmp[t->len] = '\0';
		errno = 0;
		n = strtoll(tmp, &end, 10);
		if (errno || *end)
			return -1;
		*v = n;
		return 0;
	}
	if (jsonp_double(p, i, &d) < 0 || d != floor(d) || d < -9.2e18 || d > 9.2e18)
		return -1;
	*v = (int64_t)d;
	return 0;
}

int jsonp_double(const struct jsonp *p, int i, double *v)
{
	char tmp[64];
	const struct jsonp_tok *t;

	if (jsonp_type(p, i) != JSONP_NUMBER)
		return -1;
	t = &p->t[i];
	if (t->len >= sizeof(tmp)) {
		/* A number this long is valid JSON: its size is what matters.
		 * Digits before the point or exponent decide; keep it simple
		 * and bounded: refuse it. */
		return -1;
	}
	memcpy(tmp, p->buf + t->start, t->len);
	tmp[t->len] = '\0';
	*v = strtod(tmp, NULL);
	return isnan(*v) ? -1 : 0;
}

/* Puts code point cp as UTF-8 into out at *o if it fits below size - 1
 * (whole characters only); always counts it in *total. */
static void put_cp(char *out, size_t size, size_t *o, size_t *total, int *cut, unsigned long cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (!*cut && size && *o + n < size) {
		memcpy(out + *o, u, n);
		*o += n;
	} else {
		*cut = 1;
	}
	*total += n;
}

long jsonp_str(const struct jsonp *p, int i, char *out, size_t size)
{
	const struct jsonp_tok *t;
	const char *s;
	size_t k, o = 0, total = 0;
	int cut = 0;

	if (jsonp_type(p, i) != JSONP_STRING)
		return -1;
	t = &p->t[i];
	s = p->buf + t->start;
	for (k = 0; k < t->len; ) {
		unsigned char c = (unsigned char)s[k];
		unsigned long cp;

		if (c != '\\') {
			/* Copied as it stands: the parser checked it is UTF-8. */
			size_t n = c < 0x80 ? 1 : utf8_seq_len((const unsigned char *)s + k, t->len - k);

			if (!n)
				n = 1;
			if (!cut && size && o + n < size) {
				memcpy(out + o, s + k, n);
				o += n;
			} else {
				cut = 1;
			}
			total += n;
			k += n;
			continue;
		}
		k++;
		switch (s[k]) {
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			cp = (unsigned long)hex4(s, t->len, k + 1);
			k += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && k + 2 < t->len && s[k + 1] == '\\' && s[k + 2] == 'u') {
				long lo = hex4(s, t->len, k + 3);

				if (lo >= 0xdc00 && lo < 0xe000) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + ((unsigned long)lo - 0xdc00);
					k += 6;
				}
			}
			/* A lone surrogate or NUL would be invalid text for us. */
			if ((cp >= 0xd800 && cp < 0xe000) || cp == 0)
				cp = 0xfffd;
			break;
		default: cp = (unsigned char)s[k]; break;
		}
		k++;
		put_cp(out, size, &o, &total, &cut, cp);
	}
	if (size)
		out[o] = '\0';
	return (long)total;
}

int jsonp_streq(const struct jsonp *p, int i, const char *s)
{
	const struct jsonp_tok *t;
	size_t n = strlen(s);
	char tmp[256];
	long l;

	if (jsonp_type(p, i) != JSONP_STRING)
		return 0;
	t = &p->t[i];
	if (!t->escaped)
		return t->len == n && memcmp(p->buf + t->start, s, n) == 0;
	if (n >= sizeof(tmp))
		return 0;
	l = jsonp_str(p, i, tmp, sizeof(tmp));
	return l >= 0 && (size_t)l == n && memcmp(tmp, s, n) == 0;
}
