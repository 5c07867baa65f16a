/* Unit tests of lib/jsonparse.c, the bounded JSON reader: navigation of a
 * real document, escapes and surrogates decoded, and hostile input: deep
 * nesting, too many values, huge numbers, truncation at every byte, bad
 * UTF-8, control characters, bad escapes, trailing text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "jsonparse.h"

static int parse(struct jsonp *p, const char *s)
{
	jsonp_init(p, 10000, 64);
	return jsonp_parse(p, s, strlen(s));
}

static void test_jsonparse__navigate(void **state)
{
	const char *doc = "{\"id\": 4, \"result\": {\"profile\": {\"nodes\": [1, 2, {\"x\": null}], \"e\": []}},"
			  " \"t\": true, \"f\": false, \"s\": \"a\\\"b\"}";
	struct jsonp p;
	int r, prof, nodes, i, n = 0;
	int64_t v;
	char buf[16];

	(void)state;
	assert_int_equal(parse(&p, doc), 0);
	assert_int_equal(jsonp_type(&p, 0), JSONP_OBJECT);
	assert_int_equal(jsonp_int(&p, jsonp_get(&p, 0, "id"), &v), 0);
	assert_int_equal(v, 4);
	r = jsonp_get(&p, 0, "result");
	prof = jsonp_get(&p, r, "profile");
	assert_int_equal(jsonp_type(&p, prof), JSONP_OBJECT);
	/* The object's text is exactly its slice of the buffer. */
	assert_int_equal(strncmp(doc + p.t[prof].start, "{\"nodes\"", 8), 0);
	assert_int_equal(doc[p.t[prof].start + p.t[prof].len - 1], '}');
	nodes = jsonp_get(&p, prof, "nodes");
	for (i = jsonp_first(&p, nodes); i >= 0; i = jsonp_next(&p, i))
		n++;
	assert_int_equal(n, 3);
	assert_int_equal(jsonp_first(&p, jsonp_get(&p, prof, "e")), -1);
	assert_int_equal(jsonp_type(&p, jsonp_get(&p, 0, "t")), JSONP_TRUE);
	assert_int_equal(jsonp_type(&p, jsonp_get(&p, 0, "f")), JSONP_FALSE);
	assert_int_equal(jsonp_str(&p, jsonp_get(&p, 0, "s"), buf, sizeof(buf)), 3);
	assert_string_equal(buf, "a\"b");
	assert_true(jsonp_streq(&p, jsonp_get(&p, 0, "s"), "a\"b"));
	assert_int_equal(jsonp_get(&p, 0, "missing"), -1);
	assert_int_equal(jsonp_get(&p, -1, "id"), -1);
	assert_int_equal(jsonp_type(&p, -1), -1);
	jsonp_release(&p);
}

static void test_jsonparse__escapes_and_surrogates(void **state)
{
	struct jsonp p;
	char buf[32];

	(void)state;
	assert_int_equal(parse(&p, "\"\\u00e9\\ud83d\\ude00\\n\\u0000\\ud800x\""), 0);
	assert_int_equal(jsonp_str(&p, 0, buf, sizeof(buf)), 2 + 4 + 1 + 3 + 3 + 1);
	/* é, U+1F600, newline, NUL and a lone surrogate as U+FFFD, x */
	assert_memory_equal(buf, "\303\251\360\237\230\200\n\357\277\275\357\277\275x", 14);
	/* Cut to fit, never inside a character. */
	assert_int_equal(jsonp_str(&p, 0, buf, 4), 14);
	assert_string_equal(buf, "\303\251");
	jsonp_release(&p);
}

static void test_jsonparse__deep_nesting(void **state)
{
	struct jsonp p;
	char *s = malloc(200001);

	(void)state;
	memset(s, '[', 100000);
	memset(s + 100000, ']', 100000);
	s[200000] = '\0';
	assert_int_equal(parse(&p, s), -1);
	assert_non_null(strstr(p.err, "nested too deep"));
	/* 64 levels are fine. */
	s[64] = '\0';
	memset(s + 64, ']', 64);
	s[128] = '\0';
	assert_int_equal(parse(&p, s), 0);
	jsonp_release(&p);
	free(s);
}

static void test_jsonparse__too_many_values(void **state)
{
	struct jsonp p;

	(void)state;
	jsonp_init(&p, 3, 8);
	assert_int_equal(jsonp_parse(&p, "[1,2,3]", 7), -1);
	assert_non_null(strstr(p.err, "too many values"));
	jsonp_release(&p);
}

static void test_jsonparse__numbers(void **state)
{
	struct jsonp p;
	int64_t v;
	double d;
	static const char *const bad[] = { "01", "-", "1.", ".5", "1e", "+1", "0x10", "1e+", "--1", "NaN", "Infinity" };
	size_t i;

	(void)state;
	assert_int_equal(parse(&p, "[99999999999999999999999, 1e400, -9223372036854775808, 1.5, 2e3, -0]"), 0);
	assert_int_equal(jsonp_int(&p, 1, &v), -1);       /* too big for int64 */
	assert_int_equal(jsonp_double(&p, 1, &d), 0);
	assert_int_equal(jsonp_int(&p, 2, &v), -1);       /* 1e400: huge */
	assert_int_equal(jsonp_int(&p, 3, &v), 0);
	assert_true(v == INT64_MIN);
	assert_int_equal(jsonp_int(&p, 4, &v), -1);       /* fractional */
	assert_int_equal(jsonp_int(&p, 5, &v), 0);
	assert_int_equal(v, 2000);
	assert_int_equal(jsonp_int(&p, 6, &v), 0);
	assert_int_equal(v, 0);
	jsonp_release(&p);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(&p, bad[i]), -1);
		jsonp_release(&p);
	}
}

static void test_jsonparse__truncated_everywhere(void **state)
{
	const char *doc = "{\"a\": [1, -2.5e3, \"x\\u00e9\\n\", {\"b\": null}], \"c\": true}";
	size_t n = strlen(doc), k;
	struct jsonp p;

	(void)state;
	for (k = 0; k < n; k++) {
		jsonp_init(&p, 100, 8);
		assert_int_equal(jsonp_parse(&p, doc, k), -1);
		assert_true(p.err[0] != '\0');
		jsonp_release(&p);
	}
	assert_int_equal(parse(&p, doc), 0);
	jsonp_release(&p);
}

static void test_jsonparse__bad_text(void **state)
{
	static const char *const bad[] = {
		"\"\377\"",                  /* not UTF-8 */
		"\"\300\257\"",              /* overlong */
		"\"\355\240\200\"",          /* encoded surrogate */
		"\"a\001b\"",                /* control character */
		"\"\\x\"", "\"\\u12g4\"",    /* bad escapes */
		"{\"a\" 1}", "{1: 2}", "[1 2]", "{\"a\":1,}", "[1,]", "[}", "{]",
		"1 2", "[] x", "", "   ", "tru", "nul", "\"abc",
	};
	struct jsonp p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		jsonp_init(&p, 100, 8);
		assert_int_equal(jsonp_parse(&p, bad[i], strlen(bad[i])), -1);
		assert_true(p.err[0] != '\0');
		jsonp_release(&p);
	}
	/* A NUL byte inside the length is not JSON white space. */
	jsonp_init(&p, 100, 8);
	assert_int_equal(jsonp_parse(&p, "[1]\0", 4), -1);
	jsonp_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonparse__navigate),
		cmocka_unit_test(test_jsonparse__escapes_and_surrogates),
		cmocka_unit_test(test_jsonparse__deep_nesting),
		cmocka_unit_test(test_jsonparse__too_many_values),
		cmocka_unit_test(test_jsonparse__numbers),
		cmocka_unit_test(test_jsonparse__truncated_everywhere),
		cmocka_unit_test(test_jsonparse__bad_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
