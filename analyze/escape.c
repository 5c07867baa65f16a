#include "escape.h"

#include "term.h"

#include <string.h>

void fput_term(FILE *f, const char *s, size_t max)
{
	term_write(f, s, max);
}

void fput_json(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	if (!s)
		return;
	while (*s) {
		int n;

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
		} else if (*s == '<' ) {
			/* Keeps "</script>" inert if the JSON is embedded in HTML. */
			fputs("\\u003c", f);
			s++;
		} else if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] < 0xa0) {
			/* A C1 control (CSI, OSC): escaped, JSON on stdout reaches terminals. */
			fprintf(f, "\\u%04x", s[1]);
			s += 2;
		} else if ((n = term_utf8_len(s)) > 0) {
			fwrite(s, 1, (size_t)n, f);
			s += n;
		} else {
			fputs("\\ufffd", f);
			s++;
		}
	}
}

void fput_html(FILE *f, const char *s)
{
	if (!s)
		return;
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				fputc('?', f);
			else
				fputc(*s, f);
		}
	}
}
