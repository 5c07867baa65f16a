/* tests/analyze/test_detect_cap.c: growth_to_cap alone. */
#include "detect_helper.h"

#define N 120
#define KNOWN "known_caps: [256, 128, 100, 50, 10]"

static int fire(const char *params, double *y, double *demand, size_t n, struct hit *h)
{
	struct rulepack p;
	struct rowset rs;
	double *x = time_axis(n, 1);
	int rc;

	load_rule(&p, "growth_to_cap", params);
	make_rowset(&rs, "wall_us,y,demand", n, x, y, demand);
	rc = run_detector(&p, &rs, h);
	rowset_release(&rs);
	rulepack_release(&p);
	free(x);
	return rc;
}

/* Grows by about `step` per sample from `start` with jitter, until `cap`. */
static void ramp_to(double *y, size_t n, double start, double step, double cap, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++) {
		double v = start + step * (double)i + (i ? fabs(noise(&seed)) * step : 0);

		y[i] = floor(v < cap ? v : cap);
	}
}

static void test_detect_cap__known_default_cap_fires_high(void **state)
{
	double y[N], d[N];
	struct hit h;
	size_t i;

	(void)state;
	ramp_to(y, N, 12, 4, 256, 3);
	for (i = 0; i < N; i++)
		d[i] = y[i] == 256 ? 241 * 1101 : 0;
	assert_int_equal(fire("{y: y, demand: demand, " KNOWN "}", y, d, N, &h), 1);
	assert_string_equal(out_text(&h, "mode"), "capped");
	assert_int_equal((int)out_num(&h, "cap"), 256);
	assert_int_equal((int)out_num(&h, "start"), 12);
	assert_string_equal(out_text(&h, "confidence"), "high");
	assert_int_equal((int)out_num(&h, "known"), 1);
	assert_int_equal(hit_get(&h, "known")->type, HIT_BOOL);
	assert_string_equal(out_text(&h, "cap_reason"), "known_default");
	assert_true(out_num(&h, "plateau_duration") > 30);
}

static void test_detect_cap__unknown_number_is_still_a_cap(void **state)
{
	double y[N];
	struct hit h;

	(void)state;
	ramp_to(y, N, 3, 2.5, 173, 5);
	assert_int_equal(fire("{y: y, " KNOWN "}", y, NULL, N, &h), 1);
	assert_int_equal((int)out_num(&h, "cap"), 173);
	assert_string_equal(out_text(&h, "confidence"), "medium");
	assert_int_equal((int)out_num(&h, "round"), 0);
	assert_string_equal(out_text(&h, "cap_reason"), "exact_stop");
	/* A round number the list does not hold raises confidence. */
	ramp_to(y, N, 3, 2.5, 200, 5);
	assert_int_equal(fire("{y: y, " KNOWN "}", y, NULL, N, &h), 1);
	assert_string_equal(out_text(&h, "confidence"), "high");
	assert_int_equal((int)out_num(&h, "round"), 1);
	assert_string_equal(out_text(&h, "cap_reason"), "round_number");
	/* A small cap too: a pool of 10. */
	ramp_to(y, N, 1, 0.2, 10, 9);
	assert_int_equal(fire("{y: y, " KNOWN "}", y, NULL, N, &h), 1);
	assert_int_equal((int)out_num(&h, "cap"), 10);
}

static void test_detect_cap__ramp_that_never_stops_is_not_a_cap(void **state)
{
	double y[N];
	struct hit h;

	(void)state;
	ramp_to(y, N, 12, 1.5, 1e9, 11);
	assert_int_equal(fire("{y: y, " KNOWN "}", y, NULL, N, &h), 0);
	/* ... but is reported as growth under way when asked, with the next cap. */
	assert_int_equal(fire("{y: y, report_growing: true, " KNOWN "}", y, NULL, N, &h), 1);
	assert_string_equal(out_text(&h, "mode"), "growing");
	assert_int_equal((int)out_num(&h, "next_cap"), 256);
	assert_true(out_num(&h, "time_to_next_cap") > 0);
}

/* A pool that grew through the first half and then held its high-water mark
 * (not a known cap, no demand column): a line through the whole capture still
 * fits well, but the growth has stopped; a count still rising at the end is
 * growth under way. */
static void test_detect_cap__ramp_then_hold_is_not_growing(void **state)
{
	double y[26];
	struct hit h;
	size_t i;

	(void)state;
	for (i = 0; i < 26; i++)
		y[i] = i < 14 ? 1 + (double)(i * 3 / 2) : 22;
	/* a hold too short a share of the capture to be a cap here: silent,
	 * not "growing" */
	assert_int_equal(fire("{y: y, report_growing: true, min_plateau_share: 0.6, " KNOWN "}", y, NULL, 26, &h), 0);
	for (i = 0; i < 26; i++)
		y[i] = 1 + (double)(i * 3 / 2);
	y[25] = y[24];      /* one repeat at the end: still under way */
	assert_int_equal(fire("{y: y, report_growing: true, " KNOWN "}", y, NULL, 26, &h), 1);
	assert_string_equal(out_text(&h, "mode"), "growing");
}

static void test_detect_cap__noise_and_spike_are_silent(void **state)
{
	double y[N];
	unsigned seed = 21;
	struct hit h;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++)
		y[i] = floor(100 + 20 * noise(&seed));
	assert_int_equal(fire("{y: y, report_growing: true, " KNOWN "}", y, NULL, N, &h), 0);
	for (i = 0; i < N; i++)
		y[i] = 20;
	y[60] = 256;
	assert_int_equal(fire("{y: y, report_growing: true, " KNOWN "}", y, NULL, N, &h), 0);
}

static void test_detect_cap__single_jump_is_not_growth(void **state)
{
	double y[N];
	struct hit h;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++)
		y[i] = i < 30 ? 0 : 50;
	assert_int_equal(fire("{y: y, flat_known: false, " KNOWN "}", y, NULL, N, &h), 0);
}

static void test_detect_cap__no_demand_means_no_cap(void **state)
{
	double y[N], d[N];
	struct hit h;
	size_t i;

	(void)state;
	ramp_to(y, N, 12, 4, 256, 3);
	for (i = 0; i < N; i++)
		d[i] = 0;
	assert_int_equal(fire("{y: y, demand: demand, " KNOWN "}", y, d, N, &h), 0);
}

static void test_detect_cap__held_at_known_cap_all_capture(void **state)
{
	double y[N], d[N];
	struct hit h;
	size_t i;

	(void)state;
	for (i = 0; i < N; i++) {
		y[i] = 256;
		d[i] = 1101;
	}
	assert_int_equal(fire("{y: y, demand: demand, " KNOWN "}", y, d, N, &h), 1);
	assert_string_equal(out_text(&h, "confidence"), "high");
	/* Nothing grew in the capture: no start, rise or time to reach it
	 * (a message would read "grew from 256 to 256 in 0ms"), but how
	 * long it held from the start. */
	assert_null(hit_get(&h, "start"));
	assert_null(hit_get(&h, "rise"));
	assert_null(hit_get(&h, "reached_after"));
	assert_true(out_num(&h, "held_from_start") > 0);
	assert_true(out_num(&h, "held_from_start") == out_num(&h, "plateau_duration"));
	for (i = 0; i < N; i++)
		y[i] = 37;   /* a flat unknown number says nothing */
	assert_int_equal(fire("{y: y, demand: demand, " KNOWN "}", y, d, N, &h), 0);
}

static void test_detect_cap__brief_dips_on_plateau_tolerated(void **state)
{
	double y[N];
	struct hit h;

	(void)state;
	ramp_to(y, N, 12, 4, 256, 3);
	y[100] = 255; /* a connection closed and reopened between samples */
	assert_int_equal(fire("{y: y, " KNOWN "}", y, NULL, N, &h), 1);
	assert_int_equal((int)out_num(&h, "cap"), 256);
}

static int fire_any(const char *params, double *y, double *queued, double *in_flight, double *errors,
		    size_t n, struct hit *h)
{
	struct rulepack p;
	struct rowset rs;
	double *x = time_axis(n, 1);
	int rc;

	load_rule(&p, "growth_to_cap", params);
	make_rowset(&rs, "wall_us,y,queued,in_flight,errors", n, x, y, queued, in_flight, errors);
	rc = run_detector(&p, &rs, h);
	rowset_release(&rs);
	rulepack_release(&p);
	free(x);
	return rc;
}

#define ANY "demand_any: [queued, in_flight, errors]"

static void test_detect_cap__empty_queues_with_requests_in_flight_is_a_cap(void **state)
{
	double y[N], q[N], f[N], e[N];
	struct hit h;
	size_t i;

	(void)state;
	/* A pool of 37 against a slow upstream: the queues are empty (the
	 * upstream read the request, the answer has not come), every pooled
	 * connection has a request in flight. */
	ramp_to(y, N, 2, 1.3, 37, 13);
	for (i = 0; i < N; i++) {
		q[i] = 0;
		f[i] = y[i] == 37 ? 37 : y[i] / 2;
		e[i] = 0;
	}
	assert_int_equal(fire_any("{y: y, " ANY ", " KNOWN "}", y, q, f, e, N, &h), 1);
	assert_int_equal((int)out_num(&h, "cap"), 37);
	/* Only the in-flight column showed: one item, its numbers over the plateau. */
	assert_int_equal(hit_list_len(&h, "demand"), 1);
	assert_string_equal(item_field(&h, "demand", 0, "column")->text, "in_flight");
	assert_int_equal((int)item_field(&h, "demand", 0, "mean_when")->num, 37);
	assert_true(item_field(&h, "demand", 0, "share")->num == 1);
	assert_int_equal((int)out_num(&h, "demand_kinds"), 1);
	/* Errors logged at the cap are named too, after the in-flight demand. */
	for (i = 0; i < N; i++)
		e[i] = y[i] == 37 ? 3 : 0;
	assert_int_equal(fire_any("{y: y, " ANY ", " KNOWN "}", y, q, f, e, N, &h), 1);
	assert_int_equal(hit_list_len(&h, "demand"), 2);
	assert_string_equal(item_field(&h, "demand", 0, "column")->text, "in_flight");
	assert_string_equal(item_field(&h, "demand", 1, "column")->text, "errors");
	assert_true(item_field(&h, "demand", 1, "mean")->num > 0);
	assert_int_equal((int)out_num(&h, "demand_kinds"), 2);
	/* No demand of any kind at the plateau: connections idle in the pool. */
	for (i = 0; i < N; i++)
		f[i] = e[i] = 0;
	assert_int_equal(fire_any("{y: y, " ANY ", " KNOWN "}", y, q, f, e, N, &h), 0);
}

static void test_detect_cap__transient_extra_connection_keeps_the_cap(void **state)
{
	double y[N], q[N], f[N], e[N];
	struct hit h;
	size_t i;

	(void)state;
	/* A server limit of 20: a refused attempt shows as a 21st socket for a
	 * single tick, now and then. The cap is 20, not 21. */
	ramp_to(y, N, 1, 0.7, 20, 17);
	for (i = 0; i < N; i++) {
		q[i] = f[i] = 0;
		e[i] = y[i] == 20 ? 4 : 0;
	}
	y[70] = y[95] = y[N - 1] = 21;
	assert_int_equal(fire_any("{y: y, " ANY ", " KNOWN "}", y, q, f, e, N, &h), 1);
	assert_int_equal((int)out_num(&h, "cap"), 20);
	assert_int_equal((int)out_num(&h, "transient_samples"), 3);
	assert_string_equal(out_text(&h, "mode"), "capped");
	/* Above it for longer than max_transient: 21 is no transient, and the
	 * count did not hold 20. */
	y[96] = y[97] = 21;
	assert_int_equal(fire_any("{y: y, max_transient: 2, " ANY ", " KNOWN "}", y, q, f, e, N, &h), 0);
}

static void test_detect_cap__unknown_demand_column_is_an_error(void **state)
{
	double y[N], q[N];
	struct hit h;
	size_t i;

	(void)state;
	ramp_to(y, N, 2, 1.3, 37, 13);
	for (i = 0; i < N; i++)
		q[i] = 1;
	assert_int_equal(fire_any("{y: y, demand_any: [nope]}", y, q, q, q, N, &h), -1);
	assert_non_null(strstr(h.error, "nope"));
}

static void test_detect_cap__errors_count_only_when_they_came_with_the_cap(void **state)
{
	double y[N], q[N], f[N], e[N];
	struct hit h;
	size_t i;

	(void)state;
	/* A keep-alive pool with room holds the most requests it ever had at
	 * once; an upstream failing all along logs errors at the same rate
	 * before and after: not demand the pool turned away. */
	ramp_to(y, N, 2, 0.6, 19, 23);
	for (i = 0; i < N; i++) {
		q[i] = f[i] = 0;
		e[i] = 9;
	}
	assert_int_equal(fire_any("{y: y, " ANY ", onset: [errors], " KNOWN "}", y, q, f, e, N, &h), 0);
	/* Errors that begin when the count reaches the cap (requests that
	 * found no connection) are. */
	for (i = 0; i < N; i++)
		e[i] = y[i] == 19 ? 9 : 0;
	assert_int_equal(fire_any("{y: y, " ANY ", onset: [errors], " KNOWN "}", y, q, f, e, N, &h), 1);
	assert_int_equal((int)out_num(&h, "cap"), 19);
	assert_string_equal(item_field(&h, "demand", hit_list_len(&h, "demand") - 1, "column")->text, "errors");
}

static void test_detect_cap__held_then_fell_is_a_cap(void **state)
{
	double y[N], q[N], f[N], e[N];
	struct hit h;
	size_t i;

	(void)state;
	/* The seed's pool, captured full: 256 for 70 samples while the answers
	 * sit unread; then the client's timeouts close the connections that
	 * waited too long, down to 200 by the end. A 257th socket for one tick
	 * (a refused attempt) is no cap. */
	for (i = 0; i < N; i++) {
		y[i] = i < 70 ? 256 : (i < 90 ? 256 - (double)(i - 69) * 2.8 : 200);
		q[i] = i < 75 ? 27600 : 0;
		f[i] = e[i] = 0;
	}
	y[10] = 257;
	y[40] = 255;
	assert_int_equal(fire_any("{y: y, " ANY ", " KNOWN "}", y, q, f, e, N, &h), 1);
	assert_string_equal(out_text(&h, "mode"), "capped");
	assert_int_equal((int)out_num(&h, "cap"), 256);
	assert_int_equal((int)out_num(&h, "fell_to"), 200);
	assert_int_equal((int)out_num(&h, "held_from_start"), 69);
	assert_int_equal((int)out_num(&h, "plateau_samples"), 70);
	assert_null(hit_get(&h, "reached_after"));
	assert_int_equal((int)h.from_row, 0);
	assert_int_equal((int)h.to_row, 69);
	/* The same shape with idle connections at the plateau: a pool that
	 * filled, idled and shrank is sized, not capped. */
	for (i = 0; i < N; i++)
		q[i] = 0;
	assert_int_equal(fire_any("{y: y, " ANY ", " KNOWN "}", y, q, f, e, N, &h), 0);
	/* A plateau too short to be one (4 samples) says nothing. */
	for (i = 0; i < N; i++) {
		y[i] = i < 4 ? 256 : 200;
		q[i] = 27600;
	}
	assert_int_equal(fire_any("{y: y, " ANY ", " KNOWN "}", y, q, f, e, N, &h), 0);
	/* Grown in the capture, held, then fallen: the growth is told. */
	ramp_to(y, N, 12, 4, 256, 3);
	for (i = 90; i < N; i++)
		y[i] = 180;
	for (i = 0; i < N; i++)
		q[i] = y[i] == 256 ? 1101 : 0;
	assert_int_equal(fire_any("{y: y, " ANY ", " KNOWN "}", y, q, f, e, N, &h), 1);
	assert_int_equal((int)out_num(&h, "cap"), 256);
	assert_int_equal((int)out_num(&h, "start"), 12);
	assert_int_equal((int)out_num(&h, "fell_to"), 180);
	assert_null(hit_get(&h, "held_from_start"));
	/* An unknown number held from the start and then left says nothing. */
	for (i = 0; i < N; i++) {
		y[i] = i < 70 ? 37 : 20;
		q[i] = 1101;
	}
	assert_int_equal(fire_any("{y: y, " ANY ", " KNOWN "}", y, q, f, e, N, &h), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect_cap__known_default_cap_fires_high),
		cmocka_unit_test(test_detect_cap__unknown_number_is_still_a_cap),
		cmocka_unit_test(test_detect_cap__ramp_that_never_stops_is_not_a_cap),
		cmocka_unit_test(test_detect_cap__ramp_then_hold_is_not_growing),
		cmocka_unit_test(test_detect_cap__noise_and_spike_are_silent),
		cmocka_unit_test(test_detect_cap__single_jump_is_not_growth),
		cmocka_unit_test(test_detect_cap__no_demand_means_no_cap),
		cmocka_unit_test(test_detect_cap__held_at_known_cap_all_capture),
		cmocka_unit_test(test_detect_cap__brief_dips_on_plateau_tolerated),
		cmocka_unit_test(test_detect_cap__empty_queues_with_requests_in_flight_is_a_cap),
		cmocka_unit_test(test_detect_cap__transient_extra_connection_keeps_the_cap),
		cmocka_unit_test(test_detect_cap__unknown_demand_column_is_an_error),
		cmocka_unit_test(test_detect_cap__errors_count_only_when_they_came_with_the_cap),
		cmocka_unit_test(test_detect_cap__held_then_fell_is_a_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
