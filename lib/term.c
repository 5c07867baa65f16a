#include "term.h"

#include "utf8.h"

/* The next piece of s to show: *n bytes of s to copy as they are, or 0 with
 * one byte (or one C1 sequence) to replace by '?'; *skip is what it spans. */
static int next_piece(const unsigned char *s, size_t *skip)
{
	int n = (int)utf8_seq_len(s, 4);

	if (n == 0) {
		*skip = 1;
		return 0;
	}
	*skip = (size_t)n;
	if (n == 1 && (s[0] < 0x20 || s[0] == 0x7f))
		return 0;
	/* U+0080-U+009F: a C1 control (CSI, OSC, ...) that some terminals obey. */
	if (utf8_is_c1(s, (size_t)n))
		return 0;
	return n;
}

int term_write(FILE *f, const char *str, size_t max)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, skip;

	if (!s)
		return 0;
	while (s[i]) {
		int n;

		if (max && i >= max) {
			fputs("...", f);
			break;
		}
		n = next_piece(s + i, &skip);
		if (n)
			fwrite(s + i, 1, (size_t)n, f);
		else
			fputc('?', f);
		i += skip;
	}
	return ferror(f) ? -1 : 0;
}

static char *escape(char *buf, size_t len, const char *str, int keep_newlines)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, o = 0, skip;

	if (!len)
		return buf;
	while (s && s[i]) {
		int n = keep_newlines && s[i] == '\n' ? (skip = 1, 1) : next_piece(s + i, &skip);
		size_t want = n ? (size_t)n : 1;

		if (o + want >= len)
			break;
		if (n) {
			for (int k = 0; k < n; k++)
				buf[o++] = (char)s[i + k];
		} else {
			buf[o++] = '?';
		}
		i += skip;
	}
	buf[o] = '\0';
	return buf;
}

char *term_escape(char *buf, size_t len, const char *s)
{
	return escape(buf, len, s, 0);
}

char *term_escape_lines(char *buf, size_t len, const char *s)
{
	return escape(buf, len, s, 1);
}
