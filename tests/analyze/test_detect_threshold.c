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

/* among: the share counts only the samples where the other column is above
 * its level. A condition shown in waves (answers left unread when they come)
 * fires; the same stuck samples with unread bytes at every sample (read
 * promptly most of the time) stay silent. */
static void test_detect_threshold__among_counts_only_its_samples(void **state)
{
	double x[N], y[N], w[N];
	struct rulepack p;
	struct rowset rs;
	struct hit h;
	int i;

	(void)state;
	for (i = 0; i < N; i++) {
		x[i] = 1e6 * i;
		w[i] = (i % 20) < 8 ? 50 : 0;     /* a wave of answers every 20 s, 8 s long */
		y[i] = (i % 20) >= 1 && (i % 20) < 8 ? 40 : 0;  /* unread from the 2nd second */
	}
	load_rule(&p, "threshold", "{y: y, above: 4, among: w, min_share: 0.5, min_duration: 5}");
	make_rowset(&rs, "wall_us,y,w", N, x, y, w);
	assert_int_equal(run_detector(&p, &rs, &h), 1);
	assert_true(hit_get(&h, "samples_among")->num == 24);
	assert_true(hit_get(&h, "samples_above")->num == 21);
	rowset_release(&rs);
	rulepack_release(&p);
	/* 21 of 60 without among: under half, silent */
	load_rule(&p, "threshold", "{y: y, above: 4, min_share: 0.5, min_duration: 5}");
	make_rowset(&rs, "wall_us,y,w", N, x, y, w);
	assert_int_equal(run_detector(&p, &rs, &h), 0);
	rowset_release(&rs);
	rulepack_release(&p);
	/* unread bytes at every sample, stuck in the same 21: silent with among */
	for (i = 0; i < N; i++)
		w[i] = 50;
	load_rule(&p, "threshold", "{y: y, above: 4, among: w, min_share: 0.5, min_duration: 5}");
	make_rowset(&rs, "wall_us,y,w", N, x, y, w);
	assert_int_equal(run_detector(&p, &rs, &h), 0);
	rowset_release(&rs);
	rulepack_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect_threshold__sustained_fires),
		cmocka_unit_test(test_detect_threshold__single_spike_is_silent),
		cmocka_unit_test(test_detect_threshold__scattered_below_duration_is_silent),
		cmocka_unit_test(test_detect_threshold__noise_below_level_is_silent),
		cmocka_unit_test(test_detect_threshold__among_counts_only_its_samples),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
