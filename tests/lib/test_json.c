/* Unit tests of lib/json.c: the writer places commas and keys itself,
 * escapes strings, writes non-finite numbers as null, and refuses misuse
 * (reported by json_finish) instead of writing invalid JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "json.h"

struct doc {
	char *buf;
	size_t len;
	FILE *f;
	struct json j;
};

static void doc_open(struct doc *d, int pretty)
{
	d->buf = NULL;
	d->f = open_memstream(&d->buf, &d->len);
	assert_non_null(d->f);
	json_init(&d->j, d->f, pretty);
}

/* Finishes the document; returns json_finish's result, output in d->buf. */
static int doc_close(struct doc *d)
{
	int rc = json_finish(&d->j);

	fclose(d->f);
	return rc;
}

static void test_json__commas_and_nesting(void **state)
{
	struct doc d;

	(void)state;
	doc_open(&d, 0);
	json_begin_object(&d.j);
	json_key(&d.j, "a");
	json_int(&d.j, 1);
	json_key(&d.j, "b");
	json_begin_array(&d.j);
	json_num(&d.j, 2.5);
	json_bool(&d.j, 1);
	json_null(&d.j);
	json_begin_object(&d.j);
	json_end_object(&d.j);
	json_begin_array(&d.j);
	json_end_array(&d.j);
	json_end_array(&d.j);
	json_key(&d.j, "c");
	json_str(&d.j, NULL);
	json_end_object(&d.j);
	assert_int_equal(doc_close(&d), 0);
	assert_string_equal(d.buf, "{\"a\": 1, \"b\": [2.5, true, null, {}, []], \"c\": null}\n");
	free(d.buf);
}

static void test_json__pretty_breaks_lines_above_its_depth(void **state)
{
	struct doc d;

	(void)state;
	doc_open(&d, 1);
	json_begin_object(&d.j);
	json_key(&d.j, "x");
	json_begin_array(&d.j);
	json_int(&d.j, 1);
	json_int(&d.j, 2);
	json_end_array(&d.j);
	json_key(&d.j, "y");
	json_bool(&d.j, 0);
	json_end_object(&d.j);
	assert_int_equal(doc_close(&d), 0);
	assert_string_equal(d.buf, "{\n  \"x\": [1, 2],\n  \"y\": false\n}\n");
	free(d.buf);
}

static void test_json__numbers(void **state)
{
	struct doc d;

	(void)state;
	doc_open(&d, 0);
	json_begin_array(&d.j);
	json_num(&d.j, 48);
	json_num(&d.j, -0.25);
	json_num(&d.j, NAN);
	json_num(&d.j, INFINITY);
	json_num(&d.j, 1e20);
	json_int(&d.j, -9007199254740993LL);
	json_end_array(&d.j);
	assert_int_equal(doc_close(&d), 0);
	assert_string_equal(d.buf, "[48, -0.25, null, null, 1e+20, -9007199254740993]\n");
	free(d.buf);
}

static void test_json__escapes_strings(void **state)
{
	struct doc d;

	(void)state;
	doc_open(&d, 0);
	json_begin_object(&d.j);
	/* Quote, backslash, newline, tab, ESC, DEL, '<', a UTF-8 C1 (U+009B),
	 * an invalid byte, é kept. The key is escaped too. */
	json_key(&d.j, "k\"");
	json_str(&d.j, "q\"b\\n\nt\te\033d\177</x>c\302\233i\377\303\251");
	json_end_object(&d.j);
	assert_int_equal(doc_close(&d), 0);
	assert_string_equal(d.buf, "{\"k\\\"\": \"q\\\"b\\\\n\\nt\\te\\u001bd\\u007f\\u003c/x>c\\u009bi\\ufffd\303\251\"}\n");
	free(d.buf);
}

/* Each misuse: the writer stops and json_finish reports it. */
static void misuse_case(void (*fn)(struct json *j))
{
	struct doc d;

	doc_open(&d, 0);
	fn(&d.j);
	assert_int_equal(doc_close(&d), -1);
	assert_non_null(d.j.misuse ? d.j.misuse : "incomplete");
	free(d.buf);
}

static void value_without_key(struct json *j) { json_begin_object(j); json_int(j, 1); json_end_object(j); }
static void key_in_array(struct json *j) { json_begin_array(j); json_key(j, "a"); json_end_array(j); }
static void wrong_end(struct json *j) { json_begin_array(j); json_end_object(j); }
static void two_keys(struct json *j) { json_begin_object(j); json_key(j, "a"); json_key(j, "b"); }
static void key_no_value(struct json *j) { json_begin_object(j); json_key(j, "a"); json_end_object(j); }
static void two_top(struct json *j) { json_int(j, 1); json_int(j, 2); }
static void unclosed(struct json *j) { json_begin_object(j); }
static void too_deep(struct json *j)
{
	int i;

	for (i = 0; i <= JSON_MAX_DEPTH; i++)
		json_begin_array(j);
}

static void test_json__misuse_is_reported(void **state)
{
	(void)state;
	misuse_case(value_without_key);
	misuse_case(key_in_array);
	misuse_case(wrong_end);
	misuse_case(two_keys);
	misuse_case(key_no_value);
	misuse_case(two_top);
	misuse_case(unclosed);
	misuse_case(too_deep);
}

static void test_json__misuse_stops_output(void **state)
{
	struct doc d;

	(void)state;
	doc_open(&d, 0);
	json_begin_object(&d.j);
	json_int(&d.j, 1);          /* no key: refused */
	json_key(&d.j, "a");        /* ignored after the misuse */
	json_int(&d.j, 2);
	json_end_object(&d.j);
	assert_int_equal(doc_close(&d), -1);
	assert_string_equal(d.j.misuse, "an object member without a key");
	assert_string_equal(d.buf, "{");
	free(d.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json__commas_and_nesting),
		cmocka_unit_test(test_json__pretty_breaks_lines_above_its_depth),
		cmocka_unit_test(test_json__numbers),
		cmocka_unit_test(test_json__escapes_strings),
		cmocka_unit_test(test_json__misuse_is_reported),
		cmocka_unit_test(test_json__misuse_stops_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
