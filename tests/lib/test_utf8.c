/* Unit tests of lib/utf8.c, the one UTF-8 validator: valid sequences of each
 * length, and every kind of invalid one (overlong, surrogate, past U+10FFFF,
 * stray continuation, cut short by the buffer or by a NUL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "utf8.h"

#define U(s) ((const unsigned char *)(s))

static void test_utf8__valid_lengths(void **state)
{
	(void)state;
	assert_int_equal(utf8_seq_len(U("a"), 1), 1);
	assert_int_equal(utf8_seq_len(U(""), 1), 1);              /* NUL */
	assert_int_equal(utf8_seq_len(U("\303\251"), 2), 2);      /* é */
	assert_int_equal(utf8_seq_len(U("\342\202\254"), 3), 3);  /* € */
	assert_int_equal(utf8_seq_len(U("\360\237\230\200"), 4), 4);
	assert_int_equal(utf8_seq_len(U("\364\217\277\277"), 4), 4); /* U+10FFFF */
	assert_int_equal(utf8_seq_len(U("\357\277\277"), 3), 3);  /* U+FFFF */
}

static void test_utf8__invalid(void **state)
{
	(void)state;
	assert_int_equal(utf8_seq_len(U("\200"), 1), 0);          /* stray continuation */
	assert_int_equal(utf8_seq_len(U("\300\200"), 2), 0);      /* overlong NUL */
	assert_int_equal(utf8_seq_len(U("\301\277"), 2), 0);
	assert_int_equal(utf8_seq_len(U("\340\200\200"), 3), 0);  /* overlong 3-byte */
	assert_int_equal(utf8_seq_len(U("\355\240\200"), 3), 0);  /* surrogate U+D800 */
	assert_int_equal(utf8_seq_len(U("\360\200\200\200"), 4), 0);
	assert_int_equal(utf8_seq_len(U("\364\220\200\200"), 4), 0); /* past U+10FFFF */
	assert_int_equal(utf8_seq_len(U("\370\210\200\200\200"), 5), 0);
	assert_int_equal(utf8_seq_len(U("\377"), 1), 0);
	assert_int_equal(utf8_seq_len(U("\303a"), 2), 0);         /* not a continuation */
	assert_int_equal(utf8_seq_len(U("a"), 0), 0);
}

static void test_utf8__cut_by_buffer_or_nul(void **state)
{
	(void)state;
	assert_int_equal(utf8_seq_len(U("\342\202\254"), 2), 0);
	assert_int_equal(utf8_seq_len(U("\360\237\230\200"), 3), 0);
	/* A NUL-terminated string cut inside a sequence: stops at the NUL. */
	assert_int_equal(utf8_seq_len(U("\342\202"), 4), 0);
}

static void test_utf8__c1_and_cut(void **state)
{
	const char *s = "ab\342\202\254c";

	(void)state;
	assert_true(utf8_is_c1(U("\302\233"), 2));
	assert_false(utf8_is_c1(U("\302\240"), 2));
	assert_false(utf8_is_c1(U("\303\251"), 2));
	assert_int_equal(utf8_cut(s, 4), 2);  /* inside the euro sign */
	assert_int_equal(utf8_cut(s, 3), 2);
	assert_int_equal(utf8_cut(s, 5), 5);
	assert_int_equal(utf8_cut(s, 2), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8__valid_lengths),
		cmocka_unit_test(test_utf8__invalid),
		cmocka_unit_test(test_utf8__cut_by_buffer_or_nul),
		cmocka_unit_test(test_utf8__c1_and_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
