/* tests/analyze/test_detect_correlation.c: correlation with lag alone. */
#include "detect_helper.h"

#define N 120

static int fire(const char *params, double *a, double *b, size_t n, struct hit *h)
{
	struct rulepack p;
	struct rowset rs;
	double *x = time_axis(n, 1);
	int rc;

	load_rule(&p, "correlation", params);
	make_rowset(&rs, "wall_us,a,b", n, x, a, b);
	rc = run_detector(&p, &rs, h);
	rowset_release(&rs);
	rulepack_release(&p);
	free(x);
	return rc;
}

static void test_detect_correlation__follower_with_lag_fires(void **state)
{
	double a[N], b[N];
	unsigned seed = 5;
	int i;
	struct hit h;

	(void)state;
	/* Error lines per second vary; traffic follows one second later at
	 * ~1400 bytes per line, plus unrelated background. */
	for (i = 0; i < N; i++)
		a[i] = floor(20 + 10 * sin(i / 7.0) + 3 * noise(&seed));
	for (i = 0; i < N; i++)
		b[i] = (i ? a[i - 1] : a[0]) * 1400 + 500 + 300 * noise(&seed);
	assert_int_equal(fire("{a: a, b: b, max_lag: 3}", a, b, N, &h), 1);
	assert_int_equal((int)out_num(&h, "lag"), 1);
	assert_true(out_num(&h, "r") > 0.9);
	assert_true(fabs(out_num(&h, "ratio") - 1400) < 100);
}

static void test_detect_correlation__independent_noise_is_silent(void **state)
{
	double a[N], b[N];
	unsigned seed = 99;
	int i;
	struct hit h;

	(void)state;
	for (i = 0; i < N; i++) {
		a[i] = 20 + 5 * noise(&seed);
		b[i] = 30000 + 5000 * noise(&seed);
	}
	assert_int_equal(fire("{a: a, b: b, max_lag: 3}", a, b, N, &h), 0);
}

static void test_detect_correlation__constant_series_is_silent(void **state)
{
	double a[N], b[N];
	unsigned seed = 4;
	int i;
	struct hit h;

	(void)state;
	for (i = 0; i < N; i++) {
		a[i] = 20;
		b[i] = 28000 + 100 * noise(&seed);
	}
	assert_int_equal(fire("{a: a, b: b}", a, b, N, &h), 0);
}

static void test_detect_correlation__one_shared_spike_is_silent(void **state)
{
	double a[N], b[N];
	unsigned seed = 8;
	int i;
	struct hit h;

	(void)state;
	/* Both jump once together (e.g. a restart); otherwise unrelated. The
	 * spike alone would give a high r: windowing and min_r must not be fooled
	 * by the default either, so the rule requires min_mean_a as well. */
	for (i = 0; i < N; i++) {
		a[i] = 0.2 * fabs(noise(&seed));
		b[i] = 1000 + 200 * noise(&seed);
	}
	a[60] = 50;
	b[60] = 80000;
	assert_int_equal(fire("{a: a, b: b, min_mean_a: 1}", a, b, N, &h), 0);
}

static void test_detect_correlation__windowing_sees_through_jitter(void **state)
{
	double a[N], b[N];
	unsigned seed = 12;
	int i;
	struct hit h;

	(void)state;
	/* Per second the two counts jitter apart (a request sent in the next
	 * second); over 5-second windows they move together. */
	for (i = 0; i < N; i++)
		a[i] = floor(20 + 15 * sin(i / 15.0) + 6 * noise(&seed));
	for (i = 0; i < N; i++)
		b[i] = 1400 * a[(i + (int)(2 * fabs(noise(&seed)))) % N];
	assert_int_equal(fire("{a: a, b: b, window: 5, min_samples: 10}", a, b, N, &h), 1);
	assert_true(out_num(&h, "r") > 0.8);
}

static void test_detect_correlation__errors_after_traffic_do_not_fire(void **state)
{
	double a[N], b[N];
	unsigned seed = 9;
	int i;
	struct hit h;

	(void)state;
	/* Requests go out, and their failures are logged two samples later:
	 * the traffic leads, the errors follow. */
	for (i = 0; i < N; i++)
		b[i] = floor(20000 + 9000 * sin(i / 6.0) + 800 * noise(&seed));
	for (i = 0; i < N; i++)
		a[i] = floor((i >= 2 ? b[i - 2] : b[0]) / 1000 + noise(&seed));
	/* Without the direction check this reads as "traffic follows errors"
	 * at a negative lag... */
	assert_int_equal(fire("{a: a, b: b, max_lag: 3}", a, b, N, &h), 1);
	assert_int_equal((int)out_num(&h, "lag"), -2);
	/* ... with it, the reverse relation keeps the rule silent, also when
	 * the accumulated model is tried. */
	assert_int_equal(fire("{a: a, b: b, max_lag: 3, min_lag: 0}", a, b, N, &h), 0);
	assert_int_equal(fire("{a: a, b: b, max_lag: 3, min_lag: 0, accumulated: true}", a, b, N, &h), 0);
}

static void test_detect_correlation__per_line_with_lag_zero_fires_with_min_lag(void **state)
{
	double a[N], b[N];
	unsigned seed = 11;
	int i;
	struct hit h;

	(void)state;
	for (i = 0; i < N; i++)
		a[i] = floor(15 + 8 * sin(i / 5.0) + 2 * noise(&seed));
	for (i = 0; i < N; i++)
		b[i] = a[i] * 900 + 200 * noise(&seed);
	assert_int_equal(fire("{a: a, b: b, max_lag: 2, min_lag: 0, accumulated: true, min_ratio: 64}", a, b, N, &h), 1);
	assert_string_equal(out_text(&h, "model"), "per_unit");
	assert_int_equal((int)out_num(&h, "lag"), 0);
	assert_true(fabs(out_num(&h, "ratio") - 900) < 60);
	/* bytes per line under min_ratio: the port carries less than a line */
	assert_int_equal(fire("{a: a, b: b, max_lag: 2, min_lag: 0, min_ratio: 5000}", a, b, N, &h), 0);
}

static void test_detect_correlation__accumulated_buffer_fires(void **state)
{
	double a[N], b[N], sum = 0;
	unsigned seed = 13;
	int i;
	struct hit h;

	(void)state;
	/* Steady error lines (~17 per sample) that a shipper keeps in a buffer
	 * it resends whole every sample: bytes follow the running count of
	 * lines, not the rate. */
	for (i = 0; i < N; i++) {
		a[i] = floor(17 + 3 * noise(&seed));
		sum += a[i];
		b[i] = 250 * sum * (1 + 0.05 * noise(&seed));
	}
	/* per line alone: no relation */
	assert_int_equal(fire("{a: a, b: b, max_lag: 2, min_lag: 0}", a, b, N, &h), 0);
	assert_int_equal(fire("{a: a, b: b, max_lag: 2, min_lag: 0, accumulated: true, min_ratio: 64}", a, b, N, &h), 1);
	assert_string_equal(out_text(&h, "model"), "accumulated");
	assert_true(out_num(&h, "r") > 0.95);
	assert_true(out_num(&h, "lag") >= 0);
	assert_true(fabs(out_num(&h, "ratio") - 250) < 25);
}

#define ACC "{a: a, b: b, max_lag: 2, window: 2, min_lag: 0, accumulated: true, min_ratio: 16}"

static void test_detect_correlation__growing_buffer_fires_at_lag_zero_any_seed(void **state)
{
	double a[N], b[N], sum;
	unsigned seeds[] = { 1, 2, 3, 17, 42, 101, 977, 31337 }, seed, k;
	int i;
	struct hit h;

	(void)state;
	/* A steady error rate whose lines a shipper holds and resends whole:
	 * bytes = k * lines so far + noise. Every shift of that straight line
	 * correlates about as well, so the lag found must not be left to the
	 * noise: lag 0, errors first, under every seed. */
	for (k = 0; k < sizeof(seeds) / sizeof(seeds[0]); k++) {
		seed = seeds[k];
		sum = 0;
		for (i = 0; i < N; i++) {
			a[i] = floor(16 + 2 * noise(&seed));
			sum += a[i];
			b[i] = fmax(0, 1000 * sum + 4000 * noise(&seed));
		}
		assert_int_equal(fire(ACC, a, b, N, &h), 1);
		assert_string_equal(out_text(&h, "model"), "accumulated");
		assert_int_equal((int)out_num(&h, "lag"), 0);
		/* the rate's small swings may show in the byte changes; if not,
		 * the onset decides */
		if (!strcmp(out_text(&h, "direction_from"), "onset"))
			assert_true(out_num(&h, "onset_lead_s") >= 0);
		else
			assert_string_equal(out_text(&h, "direction_from"), "changes");
		assert_true(fabs(out_num(&h, "ratio") - 1000) < 100);
	}
}

static void test_detect_correlation__growing_buffer_with_varying_rate_uses_changes(void **state)
{
	double a[N], b[N], sum = 0;
	unsigned seed = 23;
	int i;
	struct hit h;

	(void)state;
	/* The error rate swings: the change of the bytes tracks it, and that
	 * decides the direction (errors first, lag 0). */
	for (i = 0; i < N; i++) {
		a[i] = floor(20 + 12 * sin(i / 6.0) + 2 * noise(&seed));
		sum += a[i];
		b[i] = 800 * sum + 500 * noise(&seed);
	}
	assert_int_equal(fire(ACC, a, b, N, &h), 1);
	assert_string_equal(out_text(&h, "model"), "accumulated");
	assert_string_equal(out_text(&h, "direction_from"), "changes");
	assert_int_equal((int)out_num(&h, "lag"), 0);
}

static void test_detect_correlation__traffic_rising_before_errors_is_silent(void **state)
{
	double a[N], b[N], sum = 0;
	unsigned seeds[] = { 5, 6, 7, 8 }, seed, k;
	int i;
	struct hit h;

	(void)state;
	/* Traffic to the port grows from the start (requests piling up); the
	 * errors only begin a quarter in, at a steady rate (the failures of
	 * those requests being logged). Bytes still fit the running count of
	 * error lines well, but the traffic came first. */
	for (k = 0; k < sizeof(seeds) / sizeof(seeds[0]); k++) {
		seed = seeds[k];
		sum = 0;
		for (i = 0; i < N; i++) {
			a[i] = i < N / 4 ? 0 : floor(16 + 2 * noise(&seed));
			sum += 1;
			b[i] = fmax(0, 30000 * sum + 4000 * noise(&seed));
		}
		assert_int_equal(fire(ACC, a, b, N, &h), 0);
		/* without the direction check it would read as amplification */
		assert_int_equal(fire("{a: a, b: b, max_lag: 2, window: 2, accumulated: true, min_ratio: 16}", a, b, N, &h), 1);
		assert_string_equal(out_text(&h, "model"), "accumulated");
		assert_true(out_num(&h, "onset_lead_s") < 0);
	}
}

static void test_detect_correlation__buffer_changes_leading_errors_are_silent(void **state)
{
	double a[N], b[N], sum = 0, d[N];
	unsigned seed = 29;
	int i;
	struct hit h;

	(void)state;
	/* Growing traffic whose changes come two windows before the swings
	 * of the error rate: the errors follow the traffic. */
	for (i = 0; i < N; i++) {
		d[i] = 20 + 12 * sin(i / 6.0) + 2 * noise(&seed);
		sum += d[i];
		b[i] = 800 * sum;
	}
	for (i = 0; i < N; i++)
		a[i] = floor(i >= 4 ? d[i - 4] : d[0]);
	assert_int_equal(fire(ACC, a, b, N, &h), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect_correlation__follower_with_lag_fires),
		cmocka_unit_test(test_detect_correlation__independent_noise_is_silent),
		cmocka_unit_test(test_detect_correlation__constant_series_is_silent),
		cmocka_unit_test(test_detect_correlation__one_shared_spike_is_silent),
		cmocka_unit_test(test_detect_correlation__windowing_sees_through_jitter),
		cmocka_unit_test(test_detect_correlation__errors_after_traffic_do_not_fire),
		cmocka_unit_test(test_detect_correlation__per_line_with_lag_zero_fires_with_min_lag),
		cmocka_unit_test(test_detect_correlation__accumulated_buffer_fires),
		cmocka_unit_test(test_detect_correlation__growing_buffer_fires_at_lag_zero_any_seed),
		cmocka_unit_test(test_detect_correlation__growing_buffer_with_varying_rate_uses_changes),
		cmocka_unit_test(test_detect_correlation__traffic_rising_before_errors_is_silent),
		cmocka_unit_test(test_detect_correlation__buffer_changes_leading_errors_are_silent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
