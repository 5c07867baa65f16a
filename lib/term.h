/* Text for a terminal. Anything that came from a bundle, a rule pack or a
 * file name may hold escape sequences that retitle, recolour or rewrite a
 * terminal; this is the one function every byte of such text goes through
 * before it reaches stdout or stderr (error messages included). Where a
 * character ends is lib/utf8.h's to say. */
#ifndef CASEFILE_TERM_H
#define CASEFILE_TERM_H

#include <stddef.h>
#include <stdio.h>

/* Writes s to f with every C0 control (tab and newline included), DEL, C1
 * control (a raw byte 0x80-0x9F or its UTF-8 form U+0080-U+009F) and byte of
 * invalid UTF-8 shown as '?'; at most max bytes of s (0: no limit; "..."
 * marks a cut). Returns 0, or -1 when f reports an error. */
int term_write(FILE *f, const char *s, size_t max);

/* The same into buf (always NUL-terminated, cut to fit). Returns buf. */
char *term_escape(char *buf, size_t len, const char *s);
/* The same, keeping newlines (a multi-line message such as a verifier log). */
char *term_escape_lines(char *buf, size_t len, const char *s);

#endif
