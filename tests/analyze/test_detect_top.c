/* tests/analyze/test_detect_top.c: top contributors alone. */
#include "detect_helper.h"

static int fire(const char *params, const char *const *keys, const double *values, size_t n, struct hit *h)
{
	struct rulepack p;
	struct rowset rs;
	double *v = calloc(n, sizeof(double));
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		v[i] = values[i];
	load_rule(&p, "top", params);
	make_rowset(&rs, "key,value", n, v, v);
	for (i = 0; i < n; i++) {
		rs.cells[i * 2].type = CELL_TEXT;
		rs.cells[i * 2].u.s = strdup(keys[i]);
	}
	rc = run_detector(&p, &rs, h);
	rowset_release(&rs);
	rulepack_release(&p);
	free(v);
	return rc;
}

/* strace -c of the seed incident */
static const char *const seed_keys[] = { "clock_gettime", "write", "gettimeofday", "epoll_wait",
					 "read", "futex", "epoll_ctl", "getpid" };
static const double seed_calls[] = { 39518, 5481, 9968, 624, 5162, 3280, 4616, 3810 };

static void test_detect_top__named_keys_share_fires(void **state)
{
	struct hit h;

	(void)state;
	assert_int_equal(fire("{key: key, value: value, keys: [clock_gettime, gettimeofday], min_share: 0.4}",
			      seed_keys, seed_calls, 8, &h), 1);
	assert_string_equal(out_text(&h, "top"), "clock_gettime");
	assert_true(out_num(&h, "share") > 0.6);
	/* The ranked list: keys and shares, largest first (words come from the rule). */
	assert_string_equal(item_field(&h, "ranked", 0, "key")->text, "clock_gettime");
	assert_int_equal((int)(item_field(&h, "ranked", 0, "pct")->num + 0.5), 55);
	assert_true(item_field(&h, "ranked", 1, "value")->num <= item_field(&h, "ranked", 0, "value")->num);
	assert_int_equal(h.nevidence, 5);
}

static void test_detect_top__dominant_top_fires(void **state)
{
	struct hit h;

	(void)state;
	assert_int_equal(fire("{key: key, value: value, min_share: 0.5}", seed_keys, seed_calls, 8, &h), 1);
	assert_int_equal((int)out_num(&h, "top_value"), 39518);
}

static void test_detect_top__balanced_is_silent(void **state)
{
	static const char *const k[] = { "read", "write", "epoll_wait", "futex" };
	static const double v[] = { 100, 110, 90, 105 };
	struct hit h;

	(void)state;
	assert_int_equal(fire("{key: key, value: value, min_share: 0.5}", k, v, 4, &h), 0);
	assert_int_equal(fire("{key: key, value: value, keys: [clock_gettime], min_share: 0.1}", k, v, 4, &h), 0);
}

static void test_detect_top__repeated_keys_are_summed(void **state)
{
	static const char *const k[] = { "a", "b", "a", "a" };
	static const double v[] = { 10, 25, 10, 10 };
	struct hit h;

	(void)state;
	assert_int_equal(fire("{key: key, value: value, min_share: 0.5}", k, v, 4, &h), 1);
	assert_string_equal(out_text(&h, "top"), "a");
	assert_int_equal((int)out_num(&h, "top_value"), 30);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect_top__named_keys_share_fires),
		cmocka_unit_test(test_detect_top__dominant_top_fires),
		cmocka_unit_test(test_detect_top__balanced_is_silent),
		cmocka_unit_test(test_detect_top__repeated_keys_are_summed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
