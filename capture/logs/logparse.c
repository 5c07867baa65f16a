#include "logparse.h"

#include "parse.h"
#include "utf8.h"

#include <string.h>
#include <strings.h>

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static int is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static int is_alnum(unsigned char c) { return is_digit(c) || is_alpha(c); }
static int is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

static const char *const level_names[LOG_LEVEL_COUNT] = {
	"unknown", "trace", "debug", "info", "warn", "error", "fatal",
};

const char *log_level_name(enum log_level l)
{
	return (unsigned)l < LOG_LEVEL_COUNT ? level_names[l] : "unknown";
}

const char *log_format_name(enum log_format f)
{
	switch (f) {
	case LOG_FORMAT_JSON: return "json";
	case LOG_FORMAT_DOCKER: return "docker";
	case LOG_FORMAT_CRI: return "cri";
	case LOG_FORMAT_PLAIN: return "plain";
	default: return "auto";
	}
}

int log_format_parse(const char *s)
{
	static const char *const names[] = { "auto", "json", "docker", "cri", "plain" };
	int i;

	for (i = 0; i < 5; i++)
		if (s && !strcmp(s, names[i]))
			return i;
	return -1;
}

enum log_level log_level_from_name(const char *s, size_t len)
{
	static const struct { const char *name; enum log_level level; } names[] = {
		{ "trace", LOG_LEVEL_TRACE }, { "trc", LOG_LEVEL_TRACE }, { "t", LOG_LEVEL_TRACE },
		{ "finest", LOG_LEVEL_TRACE }, { "finer", LOG_LEVEL_TRACE },
		{ "debug", LOG_LEVEL_DEBUG }, { "dbg", LOG_LEVEL_DEBUG }, { "d", LOG_LEVEL_DEBUG },
		{ "verbose", LOG_LEVEL_DEBUG }, { "v", LOG_LEVEL_DEBUG }, { "fine", LOG_LEVEL_DEBUG },
		{ "info", LOG_LEVEL_INFO }, { "inf", LOG_LEVEL_INFO }, { "i", LOG_LEVEL_INFO },
		{ "information", LOG_LEVEL_INFO }, { "informational", LOG_LEVEL_INFO },
		{ "notice", LOG_LEVEL_INFO }, { "config", LOG_LEVEL_INFO }, { "n", LOG_LEVEL_INFO },
		{ "warn", LOG_LEVEL_WARN }, { "warning", LOG_LEVEL_WARN }, { "wrn", LOG_LEVEL_WARN },
		{ "w", LOG_LEVEL_WARN },
		{ "error", LOG_LEVEL_ERROR }, { "err", LOG_LEVEL_ERROR }, { "eror", LOG_LEVEL_ERROR },
		{ "e", LOG_LEVEL_ERROR }, { "severe", LOG_LEVEL_ERROR },
		{ "fatal", LOG_LEVEL_FATAL }, { "critical", LOG_LEVEL_FATAL }, { "crit", LOG_LEVEL_FATAL },
		{ "panic", LOG_LEVEL_FATAL }, { "alert", LOG_LEVEL_FATAL }, { "emerg", LOG_LEVEL_FATAL },
		{ "emergency", LOG_LEVEL_FATAL }, { "f", LOG_LEVEL_FATAL }, { "c", LOG_LEVEL_FATAL },
		{ "dpanic", LOG_LEVEL_FATAL },
	};
	size_t i;

	if (!len || len > 13)
		return LOG_LEVEL_UNKNOWN;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == len && !strncasecmp(s, names[i].name, len))
			return names[i].level;
	return LOG_LEVEL_UNKNOWN;
}

/* pino/bunyan use 10..60; syslog severities 0..7 run the other way. */
static enum log_level level_from_number(double v)
{
	if (v < 0)
		return LOG_LEVEL_UNKNOWN;
	if (v < 8) {
		static const enum log_level sys[8] = {
			LOG_LEVEL_FATAL, LOG_LEVEL_FATAL, LOG_LEVEL_FATAL, LOG_LEVEL_ERROR,
			LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG,
		};
		return sys[(int)v];
	}
	if (v >= 60) return LOG_LEVEL_FATAL;
	if (v >= 50) return LOG_LEVEL_ERROR;
	if (v >= 40) return LOG_LEVEL_WARN;
	if (v >= 30) return LOG_LEVEL_INFO;
	if (v >= 20) return LOG_LEVEL_DEBUG;
	if (v >= 10) return LOG_LEVEL_TRACE;
	return LOG_LEVEL_UNKNOWN;
}

/* --- time ----------------------------------------------------------------- */

static int digits(const char *s, size_t len, size_t at, int n, int *v)
{
	int i;

	*v = 0;
	if (at + (size_t)n > len)
		return 0;
	for (i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[at + i]))
			return 0;
		*v = *v * 10 + (s[at + i] - '0');
	}
	return 1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil), so no timegm() and no TZ dependency. */
static int64_t days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

size_t log_parse_time(const char *s, size_t len, int64_t *us)
{
	int Y, M, D, h, mi, sec, oh, om;
	size_t n = 19;
	int64_t frac = 0, scale = 1000000, t;

	if (len < 19 || !digits(s, len, 0, 4, &Y) || s[4] != '-' || !digits(s, len, 5, 2, &M) || s[7] != '-' ||
	    !digits(s, len, 8, 2, &D) || (s[10] != 'T' && s[10] != ' ' && s[10] != 't') ||
	    !digits(s, len, 11, 2, &h) || s[13] != ':' || !digits(s, len, 14, 2, &mi) ||
	    s[16] != ':' || !digits(s, len, 17, 2, &sec))
		return 0;
	if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || mi > 59 || sec > 60)
		return 0;
	if (n < len && (s[n] == '.' || s[n] == ',')) {
		n++;
		while (n < len && is_digit((unsigned char)s[n])) {
			if (scale > 1) {
				scale /= 10;
				frac += (s[n] - '0') * scale;
			}
			n++;
		}
	}
	t = (days_from_civil(Y, M, D) * 86400 + h * 3600 + mi * 60 + sec) * 1000000 + frac;
	if (n < len && (s[n] == 'Z' || s[n] == 'z')) {
		n++;
	} else if (n < len && (s[n] == '+' || s[n] == '-') && digits(s, len, n + 1, 2, &oh)) {
		int sign = s[n] == '-' ? -1 : 1;
		size_t k = n + 3;

		if (k < len && s[k] == ':')
			k++;
		if (!digits(s, len, k, 2, &om))
			return 0;
		t -= sign * (int64_t)(oh * 3600 + om * 60) * 1000000;
		n = k + 2;
	}
	*us = t;
	return n;
}

/* --- a small JSON scanner --------------------------------------------------- */

enum { J_NONE = 0, J_STRING, J_NUMBER, J_OBJECT, J_ARRAY, J_LITERAL };

struct jspan {
	int type;
	const char *p;     /* string: contents without quotes; else the value */
	size_t n;
};

static size_t json_ws(const char *s, size_t len, size_t i)
{
	while (i < len && is_space((unsigned char)s[i]))
		i++;
	return i;
}

/* Parses the value at s[i]; returns the index after it, or 0 when invalid.
 * Containers are skipped by counting brackets outside strings, which needs
 * no recursion and so no depth bound. */
static size_t json_value(const char *s, size_t len, size_t i, struct jspan *v)
{
	size_t st = i;

	v->type = J_NONE;
	if (i >= len)
		return 0;
	if (s[i] == '"') {
		for (i++; i < len; i++) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				break;
		}
		if (i >= len)
			return 0;
		v->type = J_STRING;
		v->p = s + st + 1;
		v->n = i - st - 1;
		return i + 1;
	}
	if (s[i] == '{' || s[i] == '[') {
		long depth = 0;

		for (; i < len; i++) {
			char c = s[i];

			if (c == '"') {
				for (i++; i < len && s[i] != '"'; i++)
					if (s[i] == '\\')
						i++;
				if (i >= len)
					return 0;
			} else if (c == '{' || c == '[') {
				depth++;
			} else if (c == '}' || c == ']') {
				if (--depth == 0)
					break;
			}
		}
		if (i >= len)
			return 0;
		v->type = s[st] == '{' ? J_OBJECT : J_ARRAY;
		v->p = s + st;
		v->n = i + 1 - st;
		return i + 1;
	}
	if (s[i] == '-' || is_digit((unsigned char)s[i])) {
		i++;
		while (i < len && (is_digit((unsigned char)s[i]) || s[i] == '.' || s[i] == 'e' ||
				   s[i] == 'E' || s[i] == '+' || s[i] == '-'))
			i++;
		v->type = J_NUMBER;
	} else if (is_alpha((unsigned char)s[i])) {
		while (i < len && is_alpha((unsigned char)s[i]))
			i++;
		v->type = J_LITERAL;
	} else {
		return 0;
	}
	v->p = s + st;
	v->n = i - st;
	return i;
}

typedef void (*json_member_fn)(void *ctx, const struct jspan *key, const struct jspan *val);

/* Calls fn for each member of the object at s[0..len). Stops at the first
 * syntax error, keeping what came before: a truncated line still yields its
 * leading fields. Returns 0 when the object was complete, -1 otherwise. */
static int json_object_each(const char *s, size_t len, json_member_fn fn, void *ctx)
{
	struct jspan k, v;
	size_t i = json_ws(s, len, 0);

	if (i >= len || s[i] != '{')
		return -1;
	i = json_ws(s, len, i + 1);
	if (i < len && s[i] == '}')
		return 0;
	for (;;) {
		i = json_ws(s, len, i);
		if (!(i = json_value(s, len, i, &k)) || k.type != J_STRING)
			return -1;
		i = json_ws(s, len, i);
		if (i >= len || s[i] != ':')
			return -1;
		i = json_ws(s, len, i + 1);
		if (!(i = json_value(s, len, i, &v)))
			return -1;
		fn(ctx, &k, &v);
		i = json_ws(s, len, i);
		if (i < len && s[i] == ',') {
			i++;
			continue;
		}
		return i < len && s[i] == '}' ? 0 : -1;
	}
}

static int u4(const char *p, size_t n, size_t i, unsigned *cp)
{
	int k, h;

	if (i + 4 > n)
		return 0;
	*cp = 0;
	for (k = 0; k < 4; k++) {
		if ((h = parse_hexdigit((unsigned char)p[i + k])) < 0)
			return 0;
		*cp = *cp << 4 | (unsigned)h;
	}
	return 1;
}

/* Unescapes a JSON string body into out (always NUL-terminated). Bad escapes
 * are kept literally; the result may be cut in the middle of a character
 * (log_sanitize_utf8 cleans up before anything is stored). */
static size_t json_unescape(const char *p, size_t n, char *out, size_t outsz)
{
	size_t i, o = 0, cap = outsz - 1;

	for (i = 0; i < n && o < cap; i++) {
		unsigned cp, lo;
		char c = p[i];

		if (c != '\\' || i + 1 >= n) {
			out[o++] = c;
			continue;
		}
		c = p[++i];
		switch (c) {
		case 'n': out[o++] = '\n'; break;
		case 't': out[o++] = '\t'; break;
		case 'r': out[o++] = '\r'; break;
		case 'b': out[o++] = '\b'; break;
		case 'f': out[o++] = '\f'; break;
		case 'u':
			if (!u4(p, n, i + 1, &cp)) {
				out[o++] = 'u';
				break;
			}
			i += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && i + 2 < n && p[i + 1] == '\\' &&
			    p[i + 2] == 'u' && u4(p, n, i + 3, &lo) && lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			} else if (cp >= 0xd800 && cp < 0xe000) {
				cp = 0xfffd;
			}
			if (cp < 0x80) {
				out[o++] = (char)cp;
			} else if (cp < 0x800) {
				if (o + 2 > cap) goto done;
				out[o++] = (char)(0xc0 | cp >> 6);
				out[o++] = (char)(0x80 | (cp & 0x3f));
			} else if (cp < 0x10000) {
				if (o + 3 > cap) goto done;
				out[o++] = (char)(0xe0 | cp >> 12);
				out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
				out[o++] = (char)(0x80 | (cp & 0x3f));
			} else {
				if (o + 4 > cap) goto done;
				out[o++] = (char)(0xf0 | cp >> 18);
				out[o++] = (char)(0x80 | ((cp >> 12) & 0x3f));
				out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
				out[o++] = (char)(0x80 | (cp & 0x3f));
			}
			break;
		default: out[o++] = c; break;   /* \" \\ \/ and unknown escapes */
		}
	}
done:
	out[o] = 0;
	return o;
}

static int key_is(const struct jspan *k, const char *name)
{
	size_t n = strlen(name);

	return k->n == n && !memcmp(k->p, name, n);
}

/* Number at p (JSON or plain); only the integer part and a fraction. */
static int span_number(const char *p, size_t n, double *v)
{
	size_t i = 0;
	double x = 0, f = 0.1;
	int neg = 0, any = 0;

	if (i < n && p[i] == '-')
		neg = 1, i++;
	for (; i < n && is_digit((unsigned char)p[i]); i++, any = 1)
		x = x * 10 + (p[i] - '0');
	if (i < n && p[i] == '.')
		for (i++; i < n && is_digit((unsigned char)p[i]); i++, f /= 10)
			x += (p[i] - '0') * f;
	if (!any)
		return 0;
	*v = neg ? -x : x;
	return 1;
}

static enum log_level span_level(const struct jspan *v);

static void level_member(void *ctx, const struct jspan *k, const struct jspan *v)
{
	enum log_level *l = ctx;

	if (*l == LOG_LEVEL_UNKNOWN &&
	    (key_is(k, "name") || key_is(k, "label") || key_is(k, "value") ||
	     key_is(k, "level") || key_is(k, "severity")) && v->type != J_OBJECT)
		*l = span_level(v);
}

static enum log_level span_level(const struct jspan *v)
{
	enum log_level l = LOG_LEVEL_UNKNOWN;
	double num;

	switch (v->type) {
	case J_STRING:
		l = log_level_from_name(v->p, v->n);
		if (l == LOG_LEVEL_UNKNOWN && span_number(v->p, v->n, &num))
			l = level_from_number(num);
		return l;
	case J_NUMBER:
		return span_number(v->p, v->n, &num) ? level_from_number(num) : LOG_LEVEL_UNKNOWN;
	case J_OBJECT:
		/* {"level":{"name":"error","value":50}}: one level down only. */
		json_object_each(v->p, v->n, level_member, &l);
		return l;
	default:
		return LOG_LEVEL_UNKNOWN;   /* arrays, true/false/null */
	}
}

static int64_t time_from_number(double v)
{
	if (v <= 0)
		return -1;
	if (v > 1e17) return (int64_t)(v / 1000);     /* ns */
	if (v > 1e14) return (int64_t)v;              /* µs */
	if (v > 1e11) return (int64_t)(v * 1000);     /* ms (pino) */
	return (int64_t)(v * 1e6);                    /* s (python, zap) */
}

static int64_t span_time(const struct jspan *v)
{
	int64_t us;
	double num;

	if (v->type == J_STRING && log_parse_time(v->p, v->n, &us))
		return us;
	if (v->type == J_NUMBER && span_number(v->p, v->n, &num))
		return time_from_number(num);
	return -1;
}

struct json_fields {
	struct jspan level, msg, time, stream, log, logobj;
	int have_level_prio;    /* rank of the key that gave level */
};

static void collect_member(void *ctx, const struct jspan *k, const struct jspan *v)
{
	struct json_fields *f = ctx;

	if (key_is(k, "level") || key_is(k, "severity") || key_is(k, "lvl") ||
	    key_is(k, "loglevel") || key_is(k, "log.level") || key_is(k, "levelname") ||
	    key_is(k, "@l") || key_is(k, "level_name") || key_is(k, "PRIORITY")) {
		if (f->level.type == J_NONE)
			f->level = *v;
	} else if (key_is(k, "msg") || key_is(k, "message") || key_is(k, "@m") ||
		   key_is(k, "@mt") || key_is(k, "MESSAGE") || key_is(k, "short_message")) {
		if (f->msg.type == J_NONE)
			f->msg = *v;
	} else if (key_is(k, "time") || key_is(k, "timestamp") || key_is(k, "ts") ||
		   key_is(k, "@timestamp") || key_is(k, "@t") || key_is(k, "t")) {
		if (f->time.type == J_NONE)
			f->time = *v;
	} else if (key_is(k, "stream")) {
		f->stream = *v;
	} else if (key_is(k, "log")) {
		if (v->type == J_STRING)
			f->log = *v;
		else if (v->type == J_OBJECT)
			f->logobj = *v;
	}
}

static void logobj_member(void *ctx, const struct jspan *k, const struct jspan *v)
{
	struct jspan *level = ctx;

	if (key_is(k, "level") && level->type == J_NONE)
		*level = *v;
}

static enum log_stream span_stream(const struct jspan *v)
{
	if (v->type != J_STRING)
		return LOG_STREAM_NONE;
	if (v->n == 6 && !memcmp(v->p, "stdout", 6))
		return LOG_STREAM_STDOUT;
	if (v->n == 6 && !memcmp(v->p, "stderr", 6))
		return LOG_STREAM_STDERR;
	return LOG_STREAM_NONE;
}

/* --- plain text --------------------------------------------------------- */

static int starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(s, prefix, n);
}

static size_t skip_separators(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == ':' || s[i] == ']' ||
			   s[i] == ')' || s[i] == '|' || s[i] == '-' || s[i] == '>'))
		i++;
	return i;
}

/* logfmt "level=error" (or lvl=, severity=) at a word start. */
static enum log_level logfmt_level(const char *s, size_t len)
{
	static const char *const keys[] = { "level=", "lvl=", "severity=" };
	size_t scan = len < 512 ? len : 512, i, k;

	for (i = 0; i < scan; i++) {
		if (i && is_alnum((unsigned char)s[i - 1]))
			continue;
		for (k = 0; k < 3; k++) {
			size_t kn = strlen(keys[k]), v, e;

			if (!starts(s + i, len - i, keys[k]))
				continue;
			v = i + kn;
			if (v < len && s[v] == '"')
				v++;
			for (e = v; e < len && is_alpha((unsigned char)s[e]); e++)
				;
			return log_level_from_name(s + v, e - v);
		}
	}
	return LOG_LEVEL_UNKNOWN;
}

/* The level of a plain line, and where its message starts. */
static enum log_level plain_level(const char *s, size_t len, size_t *msg_off)
{
	size_t i, scan, words = 0;
	enum log_level l;
	int pri = 0;

	*msg_off = 0;
	/* syslog/systemd priority prefix "<3>" (facility * 8 + severity). */
	if (len >= 3 && s[0] == '<' && is_digit((unsigned char)s[1])) {
		for (i = 1; i < len && i < 5 && is_digit((unsigned char)s[i]); i++)
			pri = pri * 10 + (s[i] - '0');
		if (i < len && s[i] == '>' && pri < 192) {
			*msg_off = i + 1;
			return level_from_number(pri & 7);
		}
	}
	/* glog/klog: "E1127 08:09:34.123456   12345 file.go:12] message". */
	if (len >= 6 && (s[0] == 'I' || s[0] == 'W' || s[0] == 'E' || s[0] == 'F') &&
	    is_digit((unsigned char)s[1]) && is_digit((unsigned char)s[2]) &&
	    is_digit((unsigned char)s[3]) && is_digit((unsigned char)s[4]) && s[5] == ' ') {
		for (i = 6; i + 1 < len && i < 160; i++)
			if (s[i] == ']' && s[i + 1] == ' ') {
				*msg_off = i + 2;
				break;
			}
		return log_level_from_name(s, 1);
	}
	if ((l = logfmt_level(s, len)) != LOG_LEVEL_UNKNOWN) {
		for (i = 0; i + 4 < len && i < 512; i++)
			if ((!i || s[i - 1] == ' ') && starts(s + i, len - i, "msg=")) {
				*msg_off = i + 4;
				break;
			}
		return l;
	}
	/* A level word near the start: upper case ("ERROR", "WARN"), or any
	 * case when framed like a level ("[error]", "<warn>", "error:" first). */
	scan = len < 160 ? len : 160;
	for (i = 0; i < scan && words < 12;) {
		size_t w = i, n;
		int upper = 1, framed;
		unsigned char before, after;

		if (!is_alpha((unsigned char)s[i])) {
			i++;
			continue;
		}
		while (w < len && is_alpha((unsigned char)s[w])) {
			upper &= is_upper((unsigned char)s[w]);
			w++;
		}
		n = w - i;
		words++;
		before = i ? (unsigned char)s[i - 1] : ' ';
		after = w < len ? (unsigned char)s[w] : ' ';
		if (is_digit(before) || is_digit(after) || after == '_' || before == '_' ||
		    before == '.' || before == '/' || before == '-' || after == '.' ||
		    n < 3 || n > 9) {
			i = w;
			continue;
		}
		framed = ((before == '[' || before == '<' || before == '(' || before == '|') &&
			  (after == ']' || after == '>' || after == ')' || after == '|')) ||
			 (i == 0 && after == ':');
		if (upper || framed) {
			l = log_level_from_name(s + i, n);
			if (l != LOG_LEVEL_UNKNOWN) {
				*msg_off = skip_separators(s, len, w);
				return l;
			}
		}
		i = w;
	}
	return LOG_LEVEL_UNKNOWN;
}

/* "java.lang.IllegalStateException: ..." after a log4j message line. Only
 * dotted names: a bare "TypeError: x" is how Node starts a new record. */
static int qualified_exception(const char *s, size_t len)
{
	static const char *const ends[] = { "Exception", "Error", "Throwable" };
	size_t n = 0, k;
	int dots = 0;

	while (n < len && n < 256 && (is_alnum((unsigned char)s[n]) || s[n] == '_' ||
				      s[n] == '$' || s[n] == '.'))
		dots += s[n++] == '.';
	if (!dots || (n < len && s[n] != ':'))
		return 0;
	for (k = 0; k < 3; k++) {
		size_t e = strlen(ends[k]);

		if (n > e && !memcmp(s + n - e, ends[k], e))
			return 1;
	}
	return 0;
}

static int is_continuation(const char *s, size_t len, int *traceback)
{
	size_t i;

	*traceback = 0;
	if (!len)
		return 0;
	if (s[0] == ' ' || s[0] == '\t') {
		for (i = 0; i < len; i++)
			if (!is_space((unsigned char)s[i]))
				return 1;
		return 0;
	}
	if (starts(s, len, "Traceback (most recent call last)")) {
		*traceback = 1;
		return 1;
	}
	if (qualified_exception(s, len))
		return 1;
	return starts(s, len, "at ") || starts(s, len, "Caused by:") ||
	       starts(s, len, "... ") || starts(s, len, "Suppressed: ") ||
	       starts(s, len, "During handling of the above exception") ||
	       starts(s, len, "The above exception was the direct cause");
}

/* Level, message and continuation of a payload: a whole line of a json or
 * plain file, or the text inside a Docker or CRI frame. */
static void parse_payload(const char *s, size_t len, struct log_line *out, int allow_json)
{
	struct json_fields f;
	size_t off, i;

	out->msg = s;
	out->msg_len = len;
	i = json_ws(s, len, 0);
	if (allow_json && i < len && s[i] == '{') {
		memset(&f, 0, sizeof(f));
		json_object_each(s + i, len - i, collect_member, &f);
		if (f.level.type == J_NONE && f.logobj.type == J_OBJECT)
			json_object_each(f.logobj.p, f.logobj.n, logobj_member, &f.level);
		if (f.level.type != J_NONE || f.msg.type != J_NONE || f.time.type != J_NONE) {
			if (out->format == LOG_FORMAT_PLAIN || out->format == LOG_FORMAT_AUTO)
				out->format = LOG_FORMAT_JSON;
			out->json = 1;
			out->level = span_level(&f.level);
			if (f.time.type != J_NONE && out->ts_us < 0)
				out->ts_us = span_time(&f.time);
			if (f.msg.type == J_STRING) {
				out->msg = out->buf;
				out->msg_len = json_unescape(f.msg.p, f.msg.n, out->buf, sizeof(out->buf));
			} else if (f.msg.type != J_NONE) {
				out->msg = f.msg.p;
				out->msg_len = f.msg.n;
			}
			if (out->level == LOG_LEVEL_UNKNOWN && out->msg != s) {
				out->level = plain_level(out->msg, out->msg_len, &off);
			}
			return;
		}
		/* An object without any known field: treat it as text. */
	}
	if (out->format == LOG_FORMAT_AUTO || out->format == LOG_FORMAT_JSON)
		out->format = LOG_FORMAT_PLAIN;
	out->continuation = is_continuation(s, len, &out->traceback);
	if (out->continuation)
		return;
	out->level = plain_level(s, len, &off);
	if (out->level != LOG_LEVEL_UNKNOWN && off < len) {
		out->msg = s + off;
		out->msg_len = len - off;
	}
}

/* "2016-10-06T00:17:09.669794202Z stdout F message" */
static int parse_cri(const char *s, size_t len, struct log_line *out)
{
	size_t n, i;
	int64_t us;

	if (!(n = log_parse_time(s, len, &us)) || n >= len || s[n] != ' ')
		return 0;
	i = n + 1;
	if (starts(s + i, len - i, "stdout "))
		out->stream = LOG_STREAM_STDOUT;
	else if (starts(s + i, len - i, "stderr "))
		out->stream = LOG_STREAM_STDERR;
	else
		return 0;
	i += 7;
	if (i >= len || (s[i] != 'P' && s[i] != 'F'))
		return 0;
	out->partial = s[i] == 'P';
	i++;
	/* Tags may grow ("F:x" in newer runtimes): skip to the space. */
	while (i < len && s[i] != ' ')
		i++;
	if (i < len)
		i++;
	out->format = LOG_FORMAT_CRI;
	out->ts_us = us;
	out->text = s + i;
	out->text_len = len - i;
	return 1;
}

static int parse_docker(const char *s, size_t len, struct log_line *out)
{
	struct json_fields f;
	size_t n;

	memset(&f, 0, sizeof(f));
	json_object_each(s, len, collect_member, &f);
	if (f.log.type != J_STRING || f.stream.type == J_NONE || f.time.type == J_NONE)
		return 0;
	out->format = LOG_FORMAT_DOCKER;
	out->stream = span_stream(&f.stream);
	out->ts_us = f.time.type != J_NONE ? span_time(&f.time) : -1;
	n = json_unescape(f.log.p, f.log.n, out->inner, sizeof(out->inner));
	/* Docker splits lines over 16 KiB; only the last piece ends in '\n'. */
	if (n && out->inner[n - 1] == '\n')
		n--;
	else if (f.log.n < sizeof(out->inner) - 1)
		out->partial = 1;
	if (n && out->inner[n - 1] == '\r')
		n--;
	out->text = out->inner;
	out->text_len = n;
	return 1;
}

void log_parse_line(const char *line, size_t len, enum log_format hint, struct log_line *out)
{
	size_t i;

	out->format = hint;
	out->level = LOG_LEVEL_UNKNOWN;
	out->stream = LOG_STREAM_NONE;
	out->ts_us = -1;
	out->partial = out->continuation = out->traceback = out->json = 0;
	out->buf[0] = out->inner[0] = 0;
	if (len && line[len - 1] == '\r')
		len--;
	out->text = line;
	out->text_len = len;
	out->msg = line;
	out->msg_len = len;

	i = json_ws(line, len, 0);
	/* Only lines with a "log" key can be Docker frames: spares JSON lines
	 * a second scan. */
	if ((hint == LOG_FORMAT_AUTO || hint == LOG_FORMAT_DOCKER) && i < len && line[i] == '{' &&
	    memmem(line + i, len - i, "\"log\"", 5) && parse_docker(line + i, len - i, out)) {
		parse_payload(out->text, out->text_len, out, 1);
		return;
	}
	if ((hint == LOG_FORMAT_AUTO || hint == LOG_FORMAT_CRI) && len && is_digit((unsigned char)line[0]) &&
	    parse_cri(line, len, out)) {
		parse_payload(out->text, out->text_len, out, 1);
		return;
	}
	if (hint == LOG_FORMAT_DOCKER || hint == LOG_FORMAT_CRI)
		out->format = LOG_FORMAT_PLAIN;   /* not framed as promised */
	parse_payload(line, len, out, hint != LOG_FORMAT_PLAIN);
	if (out->format == LOG_FORMAT_PLAIN && out->ts_us < 0) {
		int64_t us;

		if (log_parse_time(line, len, &us))
			out->ts_us = us;
	}
}

/* --- UTF-8 ---------------------------------------------------------------- */

size_t log_sanitize_utf8(const char *src, size_t len, char *dst, size_t dstsz)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0, n;

	if (!dstsz)
		return 0;
	while (i < len) {
		n = utf8_seq_len(s + i, len - i);
		if (o + (n ? n : 1) > dstsz - 1)
			break;
		if (!n) {
			dst[o++] = '?';
			i++;
		} else if (n == 1 && (s[i] < 0x20 || s[i] == 0x7f) && s[i] != '\n' && s[i] != '\t') {
			dst[o++] = ' ';
			i++;
		} else {
			memcpy(dst + o, s + i, n);
			o += n;
			i += n;
		}
	}
	dst[o] = 0;
	return o;
}

/* --- the assembler -------------------------------------------------------- */

void log_assembler_init(struct log_assembler *a, enum log_format hint)
{
	a->hint = hint;
	a->have = 0;
	a->in_traceback = 0;
	a->plen = 0;
	a->ptrunc = 0;
	a->pbytes = 0;
}

static void append(char *dst, size_t *dlen, size_t cap, const char *s, size_t n, int *trunc)
{
	if (n > cap - 1 - *dlen) {
		n = cap - 1 - *dlen;
		*trunc = 1;
	}
	memcpy(dst + *dlen, s, n);
	*dlen += n;
	dst[*dlen] = 0;
}

/* Copies only the used part: records are 6 KiB and most lines are short. */
static void record_copy(struct log_record *dst, const struct log_record *src)
{
	memcpy(dst, src, offsetof(struct log_record, msg));
	memcpy(dst->msg, src->msg, src->msg_len + 1);
	memcpy(dst->text, src->text, src->text_len + 1);
}

int log_assembler_push(struct log_assembler *a, const char *line, size_t len,
		       uint64_t bytes, int truncated, struct log_record *out)
{
	struct log_line *l = &a->line;
	struct log_record *r = &a->rec;
	int emitted = 0, trunc = 0;
	size_t k;

	log_parse_line(line, len, a->hint, l);
	if (l->partial || a->plen || a->pbytes) {
		/* A piece of a longer line: collect, parse the whole once the
		 * final piece arrives. */
		append(a->pbuf, &a->plen, sizeof(a->pbuf), l->text, l->text_len, &a->ptrunc);
		a->pbytes += bytes;
		a->ptrunc |= truncated;
		if (l->partial)
			return 0;
		/* The joined text replaces the last piece's, and keeps its frame. */
		l->continuation = l->traceback = l->json = 0;
		l->level = LOG_LEVEL_UNKNOWN;
		l->text = a->pbuf;
		l->text_len = a->plen;
		parse_payload(a->pbuf, a->plen, l, 1);
		bytes = a->pbytes;
		truncated = a->ptrunc;
		a->plen = 0;
		a->pbytes = 0;
		a->ptrunc = 0;
	}
	k = 0;
	while (k < l->text_len && is_space((unsigned char)l->text[k]))
		k++;
	if (k == l->text_len) {
		/* A blank line: part of the record being built, if any. */
		if (a->have)
			r->bytes += bytes;
		return 0;
	}
	if (a->have && (l->continuation || (a->in_traceback && !l->json))) {
		if (l->traceback)
			a->in_traceback = 1;
		else if (a->in_traceback && !l->continuation)
			a->in_traceback = 0;   /* "ValueError: x" closes a traceback */
		append(r->text, &r->text_len, sizeof(r->text), "\n", 1, &trunc);
		append(r->text, &r->text_len, sizeof(r->text), l->text, l->text_len, &trunc);
		r->lines++;
		r->bytes += bytes;
		r->truncated |= trunc | truncated;
		return 0;
	}
	if (a->have) {
		record_copy(out, r);
		emitted = 1;
	}
	r->level = l->level;
	r->stream = l->stream;
	r->format = l->format;
	r->ts_us = l->ts_us;
	r->lines = 1;
	r->bytes = bytes;
	r->truncated = truncated;
	r->msg_len = 0;
	r->text_len = 0;
	r->msg[0] = r->text[0] = 0;
	append(r->msg, &r->msg_len, sizeof(r->msg), l->msg, l->msg_len, &trunc);
	append(r->text, &r->text_len, sizeof(r->text), l->text, l->text_len, &trunc);
	a->have = 1;
	a->in_traceback = l->traceback;
	return emitted;
}

int log_assembler_flush(struct log_assembler *a, struct log_record *out)
{
	if (a->plen || a->pbytes) {
		/* Pieces whose final piece never came still make one line. */
		struct log_record tmp;

		if (log_assembler_push(a, "", 0, 0, 0, &tmp)) {
			record_copy(out, &tmp);
			return 1;
		}
	}
	if (!a->have)
		return 0;
	record_copy(out, &a->rec);
	a->have = 0;
	a->in_traceback = 0;
	return 1;
}
