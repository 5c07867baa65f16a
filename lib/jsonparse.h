/* The one JSON reader: a bounded, non-recursive parser of text another
 * process wrote (a Node inspector's answers, a .cpuprofile). It checks the
 * whole grammar (RFC 8259), strings' escapes and UTF-8, and keeps the
 * document as a flat array of tokens pointing into the caller's buffer (no
 * copy of the text). Bounded: nesting at most max_depth, at most max_tokens
 * tokens; anything past them is an error, never a crash or a deep stack.
 *
 *   struct jsonp p;
 *   jsonp_init(&p, 1000000, 64);
 *   if (jsonp_parse(&p, buf, len) < 0) say(p.err);
 *   int nodes = jsonp_get(&p, 0, "nodes");          // member of the root object
 *   for (int i = jsonp_first(&p, nodes); i >= 0; i = jsonp_next(&p, i)) ...
 *   jsonp_release(&p);
 */
#ifndef CASEFILE_JSONPARSE_H
#define CASEFILE_JSONPARSE_H

#include <stddef.h>
#include <stdint.h>

enum jsonp_type { JSONP_NULL, JSONP_FALSE, JSONP_TRUE, JSONP_NUMBER, JSONP_STRING, JSONP_ARRAY, JSONP_OBJECT };

/* One value. Containers are followed by their members (an object's as key,
 * value, key, value...); next skips over the whole value. */
struct jsonp_tok {
	uint8_t type;                    /* enum jsonp_type */
	uint8_t escaped;                 /* string: holds a backslash escape */
	uint32_t start, len;             /* the value's text in the buffer (a string's without quotes) */
	uint32_t next;                   /* index of the next sibling, 0 when last */
	uint32_t count;                  /* container: members (an object's: pairs) */
};

struct jsonp {
	const char *buf;
	size_t len;
	struct jsonp_tok *t;
	uint32_t n, alloc;
	uint32_t max_tokens;
	int max_depth;
	size_t err_off;                  /* where the error is, in bytes */
	char err[128];                   /* the first problem, "" when none */
};

/* Limits: at most max_tokens values (>= 1), nesting at most max_depth
 * (1..1024). */
void jsonp_init(struct jsonp *p, uint32_t max_tokens, int max_depth);
/* Frees the tokens (the buffer is the caller's). */
void jsonp_release(struct jsonp *p);

/* Parses buf[0..len) (up to 4 GiB - 1) as one JSON value with only white
 * space around it; buf must outlive the tokens. Returns 0, or -1 with err
 * and err_off set (bad grammar, bad escape, invalid UTF-8, control
 * character in a string, too deep, too many tokens, out of memory); the
 * tokens are then freed already (jsonp_release() is harmless). */
int jsonp_parse(struct jsonp *p, const char *buf, size_t len);

/* Navigation. Indexes are token numbers (0 the root); -1 means none, and
 * every function takes -1 and returns -1 (or fails) for it. */
int jsonp_first(const struct jsonp *p, int i);     /* first member (object: first key) */
int jsonp_next(const struct jsonp *p, int i);      /* next sibling */
/* The value of member KEY of object I (the first, when repeated). */
int jsonp_get(const struct jsonp *p, int i, const char *key);
int jsonp_type(const struct jsonp *p, int i);      /* enum jsonp_type, -1 for -1 */

/* A number that is an integer within int64 (no fraction; an exponent is
 * allowed when the value is whole): 0, or -1 (not a number, fractional,
 * out of range). */
int jsonp_int(const struct jsonp *p, int i, int64_t *v);
/* Any number as a double (huge ones become +-HUGE_VAL): 0 or -1. */
int jsonp_double(const struct jsonp *p, int i, double *v);
/* String I decoded (escapes, surrogate pairs) into out, NUL-terminated,
 * cut at a character boundary to fit size. Returns the decoded length in
 * bytes (which may be >= size: it was cut), or -1 when I is not a string.
 * A \u0000 is written as U+FFFD, so out never holds an early NUL. */
long jsonp_str(const struct jsonp *p, int i, char *out, size_t size);
/* Whether string I decodes to exactly s. */
int jsonp_streq(const struct jsonp *p, int i, const char *s);

#endif
