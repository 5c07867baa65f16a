/* Unit tests of lib/term.c: what reaches a terminal has no C0, DEL, C1 (raw
 * or UTF-8) and no invalid UTF-8; printable UTF-8 is kept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "term.h"

static char *written(const char *s, size_t max)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(term_write(f, s, max), 0);
	fclose(f);
	return buf;
}

static void test_term__escapes_controls(void **state)
{
	/* ESC ] 0 ; BEL, DEL, raw C1 CSI (0x9b), UTF-8 CSI (U+009B) and OSC (U+009D). */
	char *out = written("a\033]0;t\007b\177c\233d\302\233e\302\235f\n", 0);

	(void)state;
	assert_string_equal(out, "a?]0;t?b?c?d?e?f?");
	free(out);
}

static void test_term__keeps_printable_utf8(void **state)
{
	/* U+00A0 (first after C1), é, €, and a 4-byte emoji. */
	char *out = written("\302\240 caf\303\251 \342\202\254 \360\237\230\200", 0);

	(void)state;
	assert_string_equal(out, "\302\240 caf\303\251 \342\202\254 \360\237\230\200");
	free(out);
}

static void test_term__invalid_utf8(void **state)
{
	/* Overlong '/', a lone continuation byte, a surrogate, a cut sequence. */
	char *out = written("\300\257x\200y\355\240\200z\342\202", 0);

	(void)state;
	assert_string_equal(out, "??x?y???z??");
	free(out);
}

static void test_term__cut_and_buffer(void **state)
{
	char buf[8], *out = written("abcdef", 3);

	(void)state;
	assert_string_equal(out, "abc...");
	free(out);
	assert_string_equal(term_escape(buf, sizeof(buf), "ab\302\233cdefgh"), "ab?cdef");
	assert_string_equal(term_escape(buf, sizeof(buf), NULL), "");
	/* A multibyte character that does not fit is left out whole. */
	assert_string_equal(term_escape(buf, 5, "abc\342\202\254"), "abc");
	/* Only the _lines form keeps newlines; everything else is escaped alike. */
	assert_string_equal(term_escape(buf, sizeof(buf), "a\nb\033"), "a?b?");
	assert_string_equal(term_escape_lines(buf, sizeof(buf), "a\nb\033\302\233"), "a\nb??");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_term__escapes_controls),
		cmocka_unit_test(test_term__keeps_printable_utf8),
		cmocka_unit_test(test_term__invalid_utf8),
		cmocka_unit_test(test_term__cut_and_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
