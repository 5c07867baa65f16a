/* tests/analyze/test_detect_threshold.c: sustained threshold alone. */
#include "detect_helper.h"

#define N 60

static int fire(const char *params, double *y, size_t n, struct hit *h)
{
	struct rulepack p;
	struct rowset rs;
	double *x = time_axis(n, 1);
	int rc;

	load_rule(&p, "threshold", params);
	make_rowset(&rs, "wall_us,y", n, x, y);
	rc = run_detector(&p, &rs, h);
	rowset_release(&rs);
	rulepack_release(&p);
	free(x);
	return rc;
}

static void test_detect_threshold__sustained_fires(void **state)
{
	double y[N];
	struct hit h;
	int i;

	(void)state;
	for (i = 0; i < N; i++)
		y[i] = i >= 20 ? 0.4 + 0.01 * (i % 5) : 0.0;
	assert_int_equal(fire("{y: y, above: 0.1, min_share: 0.5, min_duration: 10}", y, N, &h), 1);
	assert_int_equal((int)out_num(&h, "samples_above"), 40);
	assert_true(fabs(out_num(&h, "peak") - 0.44) < 1e-9);
	assert_true(out_num(&h, "longest") >= 39);
}

static void test_detect_threshold__single_spike_is_silent(void **state)
{
	double y[N];
	struct hit h;
	int i;

	(void)state;
	for (i = 0; i < N; i++)
		y[i] = 0.01;
	y[30] = 0.9;
	assert_int_equal(fire("{y: y, above: 0.1, min_share: 0.01}", y, N, &h), 0);
}

static void test_detect_threshold__scattered_below_duration_is_silent(void **state)
{
	double y[N];
	struct hit h;
	int i;

	(void)state;
	for (i = 0; i < N; i++)
		y[i] = i % 2 ? 0.5 : 0.0;   /* half the samples, never two in a row */
	assert_int_equal(fire("{y: y, above: 0.1, min_share: 0.3, min_duration: 3}", y, N, &h), 0);
	assert_int_equal(fire("{y: y, above: 0.1, min_share: 0.3}", y, N, &h), 1);
}

static void test_detect_threshold__noise_below_level_is_silent(void **state)
{
	double y[N];
	unsigned seed = 3;
	struct hit h;
	int i;

	(void)state;
	for (i = 0; i < N; i++)
		y[i] = 0.05 + 0.04 * noise(&seed);
	assert_int_equal(fire("{y: y, above: 0.1}", y, N, &h), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect_threshold__sustained_fires),
		cmocka_unit_test(test_detect_threshold__single_spike_is_silent),
		cmocka_unit_test(test_detect_threshold__scattered_below_duration_is_silent),
		cmocka_unit_test(test_detect_threshold__noise_below_level_is_silent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
