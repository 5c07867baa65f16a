/* Unit tests of analyze/chart.c against hostile values (issue 15): whatever a
 * bundle holds, a chart is finite, small and computed without overflow (run
 * under `make asan`: UBSan stops at signed overflow). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"

static char *render(const struct chart *c, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	assert_non_null(f);
	chart_write_svg(f, c);
	fclose(f);
	return buf;
}

/* Every number in the SVG is finite and of modest size: no "inf", "nan", or
 * coordinates with hundreds of digits. */
static void assert_sane_svg(const char *out, size_t len)
{
	const char *p;

	assert_true(len < 512 * 1024);
	assert_null(strstr(out, "inf"));
	assert_null(strstr(out, "nan"));
	for (p = out; *p; p++) {
		size_t digits = strspn(p, "0123456789");

		assert_true(digits < 40);
		p += digits ? digits - 1 : 0;
	}
	assert_non_null(strstr(out, "</svg>"));
}

static void test_chart__extreme_values_stay_bounded(void **state)
{
	int64_t t[8] = { 1000000, 2000000, 3000000, 4000000, 5000000, 6000000, 7000000, 8000000 };
	double v[8] = { -1e20, 1.7e308, NAN, INFINITY, -INFINITY, 0, -1.7e308, 1e20 };
	struct series s = { NULL, (char *)"fds", t, v, 8, 8 };
	struct chart_line line = { &s, NULL, 0, 0, 0 };
	struct chart c = { "c1", "fds", UNIT_COUNT, 1000000, 8000000, 0, &line, 1, { 0 }, { 0 }, 0, { NULL } };
	size_t len;
	char *out;

	(void)state;
	out = render(&c, &len);
	assert_sane_svg(out, len);
	free(out);
}

static void test_chart__times_near_int64_limits(void **state)
{
	int64_t t[4] = { INT64_MIN, -1, INT64_MAX - 1, INT64_MAX };
	double v[4] = { 1, 2, 3, 4 };
	struct series s = { NULL, (char *)"x", t, v, 4, 4 };
	struct chart_line lines[2] = { { &s, NULL, 0, 0, 0 }, { &s, "shifted", INT64_MIN, 1, 0 } };
	struct chart c = { "c1", "t", UNIT_BYTES, INT64_MIN, INT64_MAX, 0, lines, 2,
			   { INT64_MIN, INT64_MAX - 5 }, { INT64_MAX, INT64_MIN }, 2, { "#1", "#2" } };
	size_t len;
	char *out;

	(void)state;
	out = render(&c, &len);
	assert_sane_svg(out, len);
	free(out);
	c.relative = 1;
	c.x0_us = INT64_MAX - 10;
	c.x1_us = INT64_MAX;
	out = render(&c, &len);
	assert_sane_svg(out, len);
	free(out);
}

/* Times out of order (each point in another pixel column) are capped. */
static void test_chart__points_capped(void **state)
{
	enum { N = 200000 };
	int64_t *t = malloc(N * sizeof(*t));
	double *v = malloc(N * sizeof(*v));
	struct series s = { NULL, (char *)"zigzag", t, v, N, N };
	struct chart_line line = { &s, NULL, 0, 0, 0 };
	struct chart c = { "c1", "z", UNIT_COUNT, 0, 1000000000, 0, &line, 1, { 0 }, { 0 }, 0, { NULL } };
	size_t len;
	char *out;
	int i;

	(void)state;
	assert_non_null(t);
	assert_non_null(v);
	for (i = 0; i < N; i++) {
		t[i] = i % 2 ? 0 : 1000000000;
		v[i] = i;
	}
	out = render(&c, &len);
	assert_sane_svg(out, len);
	free(out);
	free(t);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chart__extreme_values_stay_bounded),
		cmocka_unit_test(test_chart__times_near_int64_limits),
		cmocka_unit_test(test_chart__points_capped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
