/* The one growable string: messages, SQL, filters and list texts are built
 * with it. The buffer is always NUL-terminated once anything was added; an
 * allocation failure is sticky (sb->failed), later calls do nothing, and
 * strbuf_detach() then returns NULL, so callers check once at the end. */
#ifndef CASEFILE_STRBUF_H
#define CASEFILE_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *s;        /* NULL until something is added */
	size_t len, cap;
	int failed;     /* an allocation failed: the content is incomplete */
};

#define STRBUF_INIT { NULL, 0, 0, 0 }

void strbuf_init(struct strbuf *sb);
/* Returns 0, or -1 (and sets failed) when out of memory. */
int strbuf_add(struct strbuf *sb, const char *s, size_t n);
int strbuf_addstr(struct strbuf *sb, const char *s);
int strbuf_addch(struct strbuf *sb, char c);
int strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Cuts the content back to len bytes (len <= sb->len). */
void strbuf_setlen(struct strbuf *sb, size_t len);
/* The content, never NULL ("" when empty); owned by sb. */
const char *strbuf_str(const struct strbuf *sb);
/* Hands the malloc'd content to the caller ("" when empty, NULL when an
 * allocation failed) and resets sb. */
char *strbuf_detach(struct strbuf *sb);
/* Frees the content. */
void strbuf_release(struct strbuf *sb);

#endif
