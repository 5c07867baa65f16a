/* tests/analyze/test_detect_trend.c: the trend detector alone. */
#include "detect_helper.h"

#define N 60

static int fire(const char *params, double *y, size_t n, struct hit *h)
{
	struct rulepack p;
	struct rowset rs;
	double *x = time_axis(n, 1);
	int rc;

	load_rule(&p, "trend", params);
	make_rowset(&rs, "wall_us,y", n, x, y);
	rc = run_detector(&p, &rs, h);
	rowset_release(&rs);
	rulepack_release(&p);
	free(x);
	return rc;
}

static void test_detect_trend__noisy_ramp_fires_with_time_to_limit(void **state)
{
	double y[N];
	unsigned seed = 1;
	struct hit h;
	int i;

	(void)state;
	for (i = 0; i < N; i++)
		y[i] = 100 + 2.0 * i + 3 * noise(&seed);
	assert_int_equal(fire("{y: y, limit_value: 1000}", y, N, &h), 1);
	assert_true(fabs(out_num(&h, "slope") - 2.0) < 0.1);
	assert_true(out_num(&h, "r2") > 0.95);
	/* (1000 - last) / 2 per second */
	assert_true(fabs(out_num(&h, "time_to_limit") - (1000 - y[N - 1]) / out_num(&h, "slope")) < 1e-6);
	assert_true(h.nevidence > 2 && h.nevidence <= HIT_MAX_EVIDENCE);
}

static void test_detect_trend__noise_is_silent(void **state)
{
	double y[N];
	unsigned seed = 7;
	struct hit h;
	int i;

	(void)state;
	for (i = 0; i < N; i++)
		y[i] = 500 + 50 * noise(&seed);
	assert_int_equal(fire("{y: y}", y, N, &h), 0);
}

static void test_detect_trend__single_spike_is_silent(void **state)
{
	double y[N];
	struct hit h;
	int i;

	(void)state;
	for (i = 0; i < N; i++)
		y[i] = 40;
	y[N / 2] = 4000;
	assert_int_equal(fire("{y: y}", y, N, &h), 0);
	y[N - 1] = 4000; /* a spike at the very end is no trend either */
	y[N / 2] = 40;
	assert_int_equal(fire("{y: y}", y, N, &h), 0);
}

static void test_detect_trend__flat_and_falling_are_silent(void **state)
{
	double y[N];
	struct hit h;
	int i;

	(void)state;
	for (i = 0; i < N; i++)
		y[i] = 12;
	assert_int_equal(fire("{y: y}", y, N, &h), 0);
	for (i = 0; i < N; i++)
		y[i] = 1000 - 5.0 * i;
	assert_int_equal(fire("{y: y}", y, N, &h), 0);
}

static void test_detect_trend__small_growth_below_min_increase_is_silent(void **state)
{
	double y[N];
	struct hit h;
	int i;

	(void)state;
	for (i = 0; i < N; i++)
		y[i] = 10 + i / 10; /* 10 -> 15: perfect fit, but 5 fds */
	assert_int_equal(fire("{y: y, min_increase: 20}", y, N, &h), 0);
	assert_int_equal(fire("{y: y, min_increase: 2}", y, N, &h), 1);
}

static void test_detect_trend__too_few_samples(void **state)
{
	double y[5] = { 1, 2, 3, 4, 5 };
	struct hit h;

	(void)state;
	assert_int_equal(fire("{y: y}", y, 5, &h), 0);
	assert_int_equal(fire("{y: y, min_samples: 3}", y, 5, &h), 1);
}

static void test_detect_trend__ramp_then_flat_is_an_observation(void **state)
{
	double y[N];
	unsigned seed = 3;
	struct hit h;
	int i;

	(void)state;
	/* Rises for the first 60% of the capture, then flat with noise. */
	for (i = 0; i < N; i++)
		y[i] = 1000 + 50.0 * (i < 36 ? i : 36) + 5 * noise(&seed);
	assert_int_equal(fire("{y: y, tail_share: 0.5, min_tail_ratio: 0.3, limit_value: 100000}", y, N, &h), 1);
	assert_int_equal(h.observation, 1);
	assert_string_equal(out_text(&h, "shape"), "ramp_stopped");
	assert_true(out_num(&h, "tail_ratio") < 0.3);
	/* no time to a limit at a rate that no longer holds */
	assert_null(hit_get(&h, "time_to_limit"));
	/* without the tail check it reads as growth, as it did before */
	assert_int_equal(fire("{y: y}", y, N, &h), 1);
	assert_int_equal(h.observation, 0);
}

static void test_detect_trend__steady_growth_is_a_finding(void **state)
{
	double y[N];
	unsigned seed = 5;
	struct hit h;
	int i;

	(void)state;
	/* Stepwise growth (a step every 6 samples) is steady too. */
	for (i = 0; i < N; i++)
		y[i] = 1000 + 300.0 * (i / 6) + 20 * noise(&seed);
	assert_int_equal(fire("{y: y, tail_share: 0.5, min_tail_ratio: 0.3, limit_value: 100000}", y, N, &h), 1);
	assert_int_equal(h.observation, 0);
	assert_string_equal(out_text(&h, "shape"), "steady");
	assert_true(out_num(&h, "tail_ratio") > 0.6);
	assert_non_null(hit_get(&h, "time_to_limit"));
}

static void test_detect_trend__settling_warm_up_is_an_observation(void **state)
{
	double y[N];
	struct hit h;
	int i;

	(void)state;
	/* Pages touched by a warm-up: fast at first, then ever slower toward a
	 * level (an exponential approach). A line fits it well enough, but the
	 * last half grows at a fraction of the first half's pace. */
	for (i = 0; i < N; i++)
		y[i] = 20e6 + 30e6 * (1 - exp(-i / 15.0));
	assert_int_equal(fire("{y: y, tail_share: 0.5, min_tail_ratio: 0.3, min_r2: 0.7}", y, N, &h), 1);
	assert_int_equal(h.observation, 1);
	assert_true(out_num(&h, "tail_ratio") < 0.3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect_trend__ramp_then_flat_is_an_observation),
		cmocka_unit_test(test_detect_trend__steady_growth_is_a_finding),
		cmocka_unit_test(test_detect_trend__settling_warm_up_is_an_observation),
		cmocka_unit_test(test_detect_trend__noisy_ramp_fires_with_time_to_limit),
		cmocka_unit_test(test_detect_trend__noise_is_silent),
		cmocka_unit_test(test_detect_trend__single_spike_is_silent),
		cmocka_unit_test(test_detect_trend__flat_and_falling_are_silent),
		cmocka_unit_test(test_detect_trend__small_growth_below_min_increase_is_silent),
		cmocka_unit_test(test_detect_trend__too_few_samples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
