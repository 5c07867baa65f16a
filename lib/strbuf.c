#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_init(struct strbuf *sb)
{
	memset(sb, 0, sizeof(*sb));
}

static int grow(struct strbuf *sb, size_t more)
{
	size_t want, nc;
	char *p;

	if (sb->failed)
		return -1;
	if (more > (size_t)-1 / 2 - sb->len)
		goto fail;
	want = sb->len + more + 1;
	if (want <= sb->cap)
		return 0;
	nc = sb->cap ? sb->cap : 64;
	while (nc < want)
		nc *= 2;
	if (!(p = realloc(sb->s, nc)))
		goto fail;
	sb->s = p;
	sb->cap = nc;
	return 0;
fail:
	sb->failed = 1;
	return -1;
}

int strbuf_add(struct strbuf *sb, const char *s, size_t n)
{
	if (grow(sb, n) < 0)
		return -1;
	if (n)
		memcpy(sb->s + sb->len, s, n);
	sb->len += n;
	sb->s[sb->len] = '\0';
	return 0;
}

int strbuf_addstr(struct strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}

int strbuf_addch(struct strbuf *sb, char c)
{
	return strbuf_add(sb, &c, 1);
}

int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || grow(sb, (size_t)n) < 0) {
		sb->failed = 1;
		return -1;
	}
	va_start(ap, fmt);
	vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
	return 0;
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
	if (!sb->s || len > sb->len)
		return;
	sb->len = len;
	sb->s[len] = '\0';
}

const char *strbuf_str(const struct strbuf *sb)
{
	return sb->s ? sb->s : "";
}

char *strbuf_detach(struct strbuf *sb)
{
	char *s = sb->s;

	if (sb->failed) {
		free(s);
		s = NULL;
	} else if (!s) {
		s = strdup("");
	}
	memset(sb, 0, sizeof(*sb));
	return s;
}

void strbuf_release(struct strbuf *sb)
{
	free(sb->s);
	memset(sb, 0, sizeof(*sb));
}
