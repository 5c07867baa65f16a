/* Unit tests of lib/strbuf.c: appends grow the buffer, the content stays
 * NUL-terminated, setlen cuts, detach hands over the content. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

static void test_strbuf__appends_and_grows(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;
	int i;

	(void)state;
	assert_string_equal(strbuf_str(&sb), "");
	assert_int_equal(strbuf_addstr(&sb, "ab"), 0);
	assert_int_equal(strbuf_addch(&sb, 'c'), 0);
	assert_int_equal(strbuf_add(&sb, "dexyz", 2), 0);
	assert_int_equal(strbuf_addf(&sb, "%d-%s", 42, "x"), 0);
	assert_string_equal(strbuf_str(&sb), "abcde42-x");
	for (i = 0; i < 1000; i++)
		assert_int_equal(strbuf_addstr(&sb, "0123456789"), 0);
	assert_int_equal(sb.len, 9 + 10000);
	assert_int_equal(strlen(sb.s), sb.len);
	strbuf_setlen(&sb, 3);
	assert_string_equal(strbuf_str(&sb), "abc");
	strbuf_setlen(&sb, 100);  /* longer than the content: ignored */
	assert_int_equal(sb.len, 3);
	s = strbuf_detach(&sb);
	assert_string_equal(s, "abc");
	assert_null(sb.s);
	assert_int_equal(sb.len, 0);
	free(s);
}

static void test_strbuf__detach_empty(void **state)
{
	struct strbuf sb;
	char *s;

	(void)state;
	strbuf_init(&sb);
	s = strbuf_detach(&sb);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	strbuf_release(&sb);
}

static void test_strbuf__failure_is_sticky(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_int_equal(strbuf_addstr(&sb, "a"), 0);
	/* A length no allocation can hold fails and stays failed. */
	assert_int_equal(strbuf_add(&sb, "", (size_t)-1 / 2), -1);
	assert_true(sb.failed);
	assert_int_equal(strbuf_addstr(&sb, "b"), -1);
	assert_null(strbuf_detach(&sb));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strbuf__appends_and_grows),
		cmocka_unit_test(test_strbuf__detach_empty),
		cmocka_unit_test(test_strbuf__failure_is_sticky),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
