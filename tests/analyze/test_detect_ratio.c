/* tests/analyze/test_detect_ratio.c: ratio/share alone. */
#include "detect_helper.h"

static int fire(const char *params, double *num, double *den, size_t n, struct hit *h)
{
	struct rulepack p;
	struct rowset rs;
	int rc;

	load_rule(&p, "ratio", params);
	make_rowset(&rs, "num,den", n, num, den);
	rc = run_detector(&p, &rs, h);
	rowset_release(&rs);
	rulepack_release(&p);
	return rc;
}

static void test_detect_ratio__high_share_fires(void **state)
{
	double num[4] = { 30, 40, 50, 60 }, den[4] = { 100, 100, 100, 100 };
	struct hit h;

	(void)state;
	assert_int_equal(fire("{num: num, den: den, min_ratio: 0.3}", num, den, 4, &h), 1);
	assert_true(fabs(out_num(&h, "ratio") - 0.45) < 1e-9);
	assert_true(fabs(out_num(&h, "pct") - 45) < 1e-9);
}

static void test_detect_ratio__low_share_and_tiny_denominator_are_silent(void **state)
{
	double num[4] = { 1, 2, 1, 0 }, den[4] = { 100, 100, 100, 100 };
	double n2[2] = { 1, 1 }, d2[2] = { 1, 1 };
	struct hit h;

	(void)state;
	assert_int_equal(fire("{num: num, den: den, min_ratio: 0.3}", num, den, 4, &h), 0);
	assert_int_equal(fire("{num: num, den: den, min_ratio: 0.3, min_den: 100}", n2, d2, 2, &h), 0);
	assert_int_equal(fire("{num: num, den: den, min_ratio: 0.3}", n2, d2, 2, &h), 1);
}

static void test_detect_ratio__nulls_are_skipped(void **state)
{
	double den[3] = { 10, 10, 10 };
	struct hit h;

	(void)state;
	assert_int_equal(fire("{num: num, den: den, min_ratio: 0}", NULL, den, 3, &h), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect_ratio__high_share_fires),
		cmocka_unit_test(test_detect_ratio__low_share_and_tiny_denominator_are_silent),
		cmocka_unit_test(test_detect_ratio__nulls_are_skipped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
