#include "symtext.h"

#include "parse.h"

#include <string.h>

/* A hex number at *P (before END): at most 16 digits. Advances *P. */
static int hex(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	int n = 0, d;

	*v = 0;
	while (s < end && (d = parse_hexdigit((unsigned char)*s)) >= 0) {
		if (++n > 16)
			return -1;
		*v = (*v << 4) | (uint64_t)d;
		s++;
	}
	if (!n)
		return -1;
	*p = s;
	return 0;
}

static int dec(const char **p, const char *end, uint64_t *v)
{
	const char *s = *p;
	int n = 0;

	*v = 0;
	while (s < end && *s >= '0' && *s <= '9') {
		if (++n > 19)
			return -1;
		*v = *v * 10 + (uint64_t)(*s - '0');
		s++;
	}
	if (!n)
		return -1;
	*p = s;
	return 0;
}

static int expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return -1;
	(*p)++;
	return 0;
}

static void spaces(const char **p, const char *end)
{
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
}

static size_t trim_end(const char *s, size_t len)
{
	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' || s[len - 1] == ' '))
		len--;
	return len;
}

int symtext_maps_line(const char *buf, size_t len, struct maps_line *out)
{
	const char *p = buf, *end = buf + trim_end(buf, len);
	uint64_t maj, min;

	memset(out, 0, sizeof(*out));
	if (hex(&p, end, &out->start) || expect(&p, end, '-') || hex(&p, end, &out->end) ||
	    expect(&p, end, ' ') || out->end < out->start)
		return -1;
	if (end - p < 5)
		return -1;
	out->exec = p[2] == 'x';
	p += 4;
	if (expect(&p, end, ' ') || hex(&p, end, &out->pgoff) || expect(&p, end, ' ') ||
	    hex(&p, end, &maj) || expect(&p, end, ':') || hex(&p, end, &min) ||
	    expect(&p, end, ' ') || dec(&p, end, &out->inode) || maj > 0xffffffffu || min > 0xffffffffu)
		return -1;
	out->dev_major = (unsigned)maj;
	out->dev_minor = (unsigned)min;
	spaces(&p, end);
	out->path = p;
	out->pathlen = (size_t)(end - p);
	return 0;
}

int symtext_kallsyms_line(const char *buf, size_t len, struct kallsyms_line *out)
{
	const char *p = buf, *end = buf + trim_end(buf, len), *n;
	char type;

	memset(out, 0, sizeof(*out));
	if (hex(&p, end, &out->addr) || expect(&p, end, ' ') || p >= end)
		return -1;
	type = *p++;
	if (expect(&p, end, ' ') || p >= end)
		return -1;
	n = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	out->name = n;
	out->namelen = (size_t)(p - n);
	spaces(&p, end);
	if (p < end && *p == '[') {
		const char *m = ++p;

		while (p < end && *p != ']')
			p++;
		if (p >= end)
			return -1;
		out->module = m;
		out->modlen = (size_t)(p - m);
	}
	if (type != 't' && type != 'T' && type != 'w' && type != 'W')
		return 1;
	return 0;
}

int symtext_perfmap_line(const char *buf, size_t len, struct perfmap_line *out)
{
	const char *p = buf, *end = buf + trim_end(buf, len);

	memset(out, 0, sizeof(*out));
	if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (hex(&p, end, &out->start) || expect(&p, end, ' '))
		return -1;
	spaces(&p, end);
	if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	if (hex(&p, end, &out->size) || expect(&p, end, ' '))
		return -1;
	spaces(&p, end);
	if (p >= end || out->size == 0 || out->start + out->size < out->start)
		return -1;
	out->name = p;
	out->namelen = (size_t)(end - p);
	return 0;
}

size_t symtext_lines(const char *buf, size_t len, void (*fn)(const char *line, size_t len, void *arg),
		     void *arg)
{
	size_t off = 0;

	while (off < len) {
		const char *nl = memchr(buf + off, '\n', len - off);

		if (!nl)
			break;
		fn(buf + off, (size_t)(nl - (buf + off)), arg);
		off = (size_t)(nl - buf) + 1;
	}
	return off;
}
