/* Unit tests of analyze/report_html.c: self-contained, everything from the
 * bundle escaped, findings linked to charts with their range highlighted. */
#include "report_fixture.h"

static char *html(const struct analysis *a)
{
	const struct report_format *f = report_format_find("html");

	assert_non_null(f);
	assert_true(f->needs_series);
	assert_ptr_equal(report_format_for_path("report.html"), f);
	return render(f->analysis, a);
}

static void test_report_html__escapes_bundle_text(void **state)
{
	struct fixture fx;
	char *out;

	(void)state;
	fixture_init(&fx, 1);
	out = html(&fx.a);
	assert_null(strstr(out, "<script"));
	assert_null(strstr(out, "<img"));
	assert_null(strstr(out, "<b>capped"));
	assert_null(strstr(out, "<i>the"));
	assert_non_null(strstr(out, "&lt;script&gt;alert(1)&lt;/script&gt; | `x` **y** &lt;/svg&gt;&lt;img src=x "
				    "onerror=alert(1)&gt; &quot;q&quot; &#39;a&#39; &amp; #1"));
	/* The SQL's "</pre>" cannot end its block. */
	assert_non_null(strstr(out, "-- &lt;/pre&gt;&lt;script&gt;x&lt;/script&gt;</pre>"));
	assert_int_equal(count(out, "<svg "), count(out, "</svg>"));
	assert_int_equal(count(out, "<pre"), count(out, "</pre>"));
	free(out);
	fixture_release(&fx);
}

static void test_report_html__self_contained(void **state)
{
	struct fixture fx;
	char *out;

	(void)state;
	fixture_init(&fx, 1);
	out = html(&fx.a);
	assert_int_equal(strncmp(out, "<!DOCTYPE html>", 15), 0);
	assert_non_null(strstr(out, "Content-Security-Policy\" content=\"default-src 'none'"));
	assert_null(strstr(out, "src=\"http"));
	assert_null(strstr(out, "href=\"http"));
	assert_null(strstr(out, "@import"));
	assert_null(strstr(out, "url("));
	assert_non_null(strstr(out, "@media print"));
	assert_non_null(strstr(out, "</html>\n"));
	free(out);
	fixture_release(&fx);
}

static void test_report_html__finding_links_to_highlighted_chart(void **state)
{
	struct fixture fx;
	char *out, *fig, *end;

	(void)state;
	fixture_init(&fx, 1);
	out = html(&fx.a);
	assert_non_null(strstr(out, "<a href=\"#chart-sockets-remote\">chart</a>"));
	assert_non_null(strstr(out, "<article class=\"finding sev-high\" id=\"finding-1\">"));
	fig = strstr(out, "<figure id=\"chart-sockets-remote\">");
	assert_non_null(fig);
	end = strstr(fig, "</figure>");
	assert_non_null(end);
	*end = '\0';
	assert_non_null(strstr(fig, "<a href=\"#finding-1\">#1 pool-cap</a>"));
	assert_int_equal(count(fig, "class=\"hl\""), 1);
	assert_non_null(strstr(fig, ">#1</text>"));
	assert_non_null(strstr(fig, "<polyline"));
	/* The legend names the line, escaped. */
	assert_non_null(strstr(fig, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	free(out);
	fixture_release(&fx);
}

/* The largest y-axis label (text-anchor="end") of an SVG, in bytes. */
static double max_y_bytes(const char *svg)
{
	const char *p = svg;
	double best = 0;

	while ((p = strstr(p, "text-anchor=\"end\" fill=\"#444\">")) != NULL) {
		char unit[8] = "";
		double v, mult = 1;

		p += strlen("text-anchor=\"end\" fill=\"#444\">");
		if (sscanf(p, "%lf %7[A-Za-z]", &v, unit) != 2)
			continue;
		if (!strcmp(unit, "KiB")) mult = 1024;
		else if (!strcmp(unit, "MiB")) mult = 1048576;
		else if (!strcmp(unit, "GiB")) mult = 1073741824.0;
		if (v * mult > best)
			best = v * mult;
	}
	return best;
}

/* A memory-growth finding's chart shows the RSS it is about legibly: in the
 * seed incident the cgroup's 1.4 GiB on the same axis made 2 -> 27 MiB of
 * RSS a flat line at zero. Its y axis must end within a small factor of the
 * RSS's peak. */
static void test_report_html__memory_growth_chart_scaled_to_rss(void **state)
{
	struct fixture fx;
	struct series_set sets[2];
	struct series rss, cg;
	int64_t t[10];
	double vr[10], vc[10];
	char *out, *fig, *end;
	int i;

	(void)state;
	fixture_init(&fx, 0);
	for (i = 0; i < 10; i++) {
		t[i] = fx.a.bundle.from_us + i * 300000LL;
		vr[i] = (2 + 25 * i / 9.0) * 1048576;
		vc[i] = 1.4 * 1073741824.0;
	}
	memset(&rss, 0, sizeof(rss));
	memset(&cg, 0, sizeof(cg));
	rss.def = fixture_def("process.rss");
	cg.def = fixture_def("cgroup.mem_usage");
	assert_non_null(rss.def);
	assert_non_null(cg.def);
	rss.label = (char *)"app";
	cg.label = (char *)"/app.slice";
	rss.wall_us = cg.wall_us = t;
	rss.value = vr;
	cg.value = vc;
	rss.n = rss.alloc = cg.n = cg.alloc = 10;
	sets[0].def = rss.def;
	sets[0].lines = &rss;
	sets[0].nlines = 1;
	sets[1].def = cg.def;
	sets[1].lines = &cg;
	sets[1].nlines = 1;
	fx.a.series = sets;
	fx.a.nseries = 2;
	fx.rule.id = (char *)"memory-growth";
	fx.sources[0] = (char *)"process";

	out = html(&fx.a);
	assert_non_null(strstr(out, "<a href=\"#chart-memory\">chart</a>"));
	fig = strstr(out, "<figure id=\"chart-memory\">");
	assert_non_null(fig);
	end = strstr(fig, "</figure>");
	assert_non_null(end);
	*end = '\0';
	assert_non_null(strstr(fig, "class=\"hl\""));
	assert_true(max_y_bytes(fig) >= 27 * 1048576.0);
	assert_true(max_y_bytes(fig) <= 4 * 27 * 1048576.0);
	free(out);
	fixture_release(&fx);
}

static void test_report_html__without_series(void **state)
{
	struct fixture fx;
	char *out;

	(void)state;
	fixture_init(&fx, 0);
	out = html(&fx.a);
	assert_non_null(strstr(out, "No series loaded"));
	assert_null(strstr(out, "<svg"));
	/* No chart to link to: the finding says so rather than linking nowhere. */
	assert_null(strstr(out, "href=\"#chart-"));
	free(out);
	fixture_release(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_html__escapes_bundle_text),
		cmocka_unit_test(test_report_html__self_contained),
		cmocka_unit_test(test_report_html__finding_links_to_highlighted_chart),
		cmocka_unit_test(test_report_html__without_series),
		cmocka_unit_test(test_report_html__memory_growth_chart_scaled_to_rss),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
