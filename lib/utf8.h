/* The one UTF-8 validator: every writer that keeps, replaces or escapes
 * bundle text (terminal, JSON, Markdown, stored log lines) asks it where a
 * character ends. */
#ifndef CASEFILE_UTF8_H
#define CASEFILE_UTF8_H

#include <stddef.h>

/* Length (1-4) of the valid UTF-8 sequence at s, reading at most avail
 * bytes, or 0 when s does not start one (a stray continuation byte, an
 * overlong form, a surrogate, past U+10FFFF, or a sequence cut by avail).
 * avail 0 returns 0. A NUL byte is a valid one-byte sequence. */
size_t utf8_seq_len(const unsigned char *s, size_t avail);

/* Whether the sequence of length n at s is a C1 control (U+0080-U+009F: CSI,
 * OSC and friends, which some terminals obey). */
int utf8_is_c1(const unsigned char *s, size_t n);

/* Number of bytes of s[0..n) to keep so a cut at it does not split a
 * character: n moved back over continuation bytes (s[n] itself must be
 * readable when n < the string's length). */
size_t utf8_cut(const char *s, size_t n);

#endif
