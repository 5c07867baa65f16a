/* Unit tests of analyze/chart.c: SVG output is well-formed enough, escapes
 * bundle text, keeps spikes when reducing points, and draws highlights. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"

static char *render(const struct chart *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	chart_write_svg(f, c);
	fclose(f);
	return buf;
}

static int count(const char *hay, const char *needle)
{
	size_t i, nl = strlen(needle);
	int n = 0;

	for (i = 0; hay[i]; i++)
		if (!strncmp(hay + i, needle, nl))
			n++;
	return n;
}

static void test_chart__escapes_hostile_labels(void **state)
{
	int64_t t[2] = { 1000000, 2000000 };
	double v[2] = { 1, 2 };
	struct series s = { NULL, (char *)"<script>alert(1)</script>", t, v, 2, 2 };
	struct series s2 = s;
	struct chart_line lines[2] = { { &s, NULL, 0, 0, 0 }, { &s2, "</svg><b>\"x\"", 0, 0, 0 } };
	struct chart c = { "c1", "t<i>tle", UNIT_COUNT, 1000000, 2000000, 0, lines, 2, { 0 }, { 0 }, 0, { NULL } };
	char *out = render(&c);

	(void)state;
	assert_null(strstr(out, "<script>"));
	assert_null(strstr(out, "<b>"));
	assert_null(strstr(out, "<i>"));
	assert_non_null(strstr(out, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(out, "&lt;/svg&gt;&lt;b&gt;&quot;x&quot;"));
	assert_int_equal(count(out, "<svg"), 1);
	assert_int_equal(count(out, "</svg>"), 1);
	free(out);
}

static void test_chart__reduces_points_but_keeps_spikes(void **state)
{
	enum { N = 100000 };
	int64_t *t = malloc(N * sizeof(*t));
	double *v = malloc(N * sizeof(*v));
	struct series s;
	struct chart_line line;
	struct chart c;
	char *out;
	int i;

	(void)state;
	for (i = 0; i < N; i++) {
		t[i] = (int64_t)i * 1000000;
		v[i] = i == 54321 ? 1000 : 1;
	}
	s = (struct series){ NULL, (char *)"x", t, v, N, N };
	line = (struct chart_line){ &s, NULL, 0, 0, 0 };
	c = (struct chart){ "c", "spike", UNIT_COUNT, 0, (int64_t)(N - 1) * 1000000, 0, &line, 1, { 0 }, { 0 }, 0, { NULL } };
	out = render(&c);
	/* At most two points per pixel column of a 760-wide chart. */
	assert_true(count(out, ",") < 2 * 760 + 10);
	/* The spike reaches the top of the plot (y = 12, the top margin). */
	assert_non_null(strstr(out, ",12.0 "));
	free(out);
	free(t);
	free(v);
}

static void test_chart__highlights_and_empty(void **state)
{
	struct chart c = { "c", "empty", UNIT_BYTES, 0, 10000000, 0, NULL, 0, { 2000000 }, { 4000000 }, 1, { NULL } };
	char *out = render(&c);

	(void)state;
	assert_int_equal(count(out, "class=\"hl\""), 1);
	assert_non_null(strstr(out, "no data"));
	free(out);
}

/* A share drawn as a percentage (scale 100), with a labelled highlight and
 * one single-point line, which still shows as a dot. */
static void test_chart__scale_labels_and_single_points(void **state)
{
	int64_t t[3] = { 0, 1000000, 2000000 };
	double v[3] = { 0.1, 0.5, 1.0 };
	struct series s = { NULL, (char *)"throttled", t, v, 3, 3 };
	struct series one = { NULL, (char *)"one", t, v, 1, 1 };
	struct chart_line lines[2] = { { &s, NULL, 0, 0, 100 }, { &one, NULL, 0, 0, 0 } };
	struct chart c = { "c", "cpu", UNIT_PERCENT, 0, 2000000, 0, lines, 2, { 500000 }, { 1500000 }, 1,
			   { "#<1>" } };
	char *out = render(&c);

	(void)state;
	assert_non_null(strstr(out, ">100.0%</text>"));
	assert_null(strstr(out, ">1.0%</text>"));
	assert_non_null(strstr(out, "class=\"hl-label\""));
	assert_non_null(strstr(out, ">#&lt;1&gt;</text>"));
	assert_int_equal(count(out, "<circle"), 1);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chart__escapes_hostile_labels),
		cmocka_unit_test(test_chart__reduces_points_but_keeps_spikes),
		cmocka_unit_test(test_chart__highlights_and_empty),
		cmocka_unit_test(test_chart__scale_labels_and_single_points),
	};

	return cmocka_run_group_tests_name("chart", tests, NULL, NULL);
}
