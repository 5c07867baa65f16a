/* Unit tests of analyze/report_md.c: the verdict and tables, and bundle text
 * that cannot break out of its cell, its line or a code block. */
#include "report_fixture.h"

static char *md(const struct analysis *a)
{
	const struct report_format *f = report_format_find("md");

	assert_non_null(f);
	assert_ptr_equal(report_format_for_path("out/report.md"), f);
	return render(f->analysis, a);
}

/* NEEDLE in HAY where its '<' is not backslash-escaped (live markup). */
static const char *raw(const char *hay, const char *needle)
{
	const char *p;

	for (p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		if (p == hay || p[-1] != '\\')
			return p;
	return NULL;
}

static void test_report_md__escapes_bundle_text(void **state)
{
	struct fixture fx;
	char *out;

	(void)state;
	fixture_init(&fx, 0);
	out = md(&fx.a);
	/* Outside the SQL's code block (where it is inert, and shown as is). */
	*strstr(out, "````sql") = '\0';
	assert_null(raw(out, "<script"));
	assert_null(raw(out, "<img"));
	assert_null(raw(out, "<b>"));
	assert_null(raw(out, "`x"));
	assert_non_null(strstr(out, "\\<script\\>alert(1)\\</script\\> \\| \\`x\\` \\*\\*y\\*\\*"));
	assert_non_null(strstr(out, " \"q\" 'a' "));
	assert_non_null(strstr(out, "\\& \\#1 \\@all \\$m\\$"));
	assert_non_null(strstr(out, "Look \\| at \\<i\\>the\\</i\\> pool"));
	free(out);
	fixture_release(&fx);
}

/* Every table row has as many unescaped pipes as its header. */
static void test_report_md__tables_keep_their_columns(void **state)
{
	struct fixture fx;
	char *out, *rest, *line;
	int cols = -1, in_fence = 0;

	(void)state;
	fixture_init(&fx, 0);
	out = md(&fx.a);
	rest = out;
	/* strsep, not strtok: an empty line ends a table. */
	while ((line = strsep(&rest, "\n")) != NULL) {
		int n = 0;
		const char *p;

		if (!strncmp(line, "```", 3)) {
			in_fence = !in_fence;
			continue;
		}
		if (in_fence || line[0] != '|') {
			cols = -1;
			continue;
		}
		for (p = line; *p; p++) {
			if (*p == '\\' && p[1]) {
				p++;
				continue;
			}
			n += *p == '|';
		}
		if (cols < 0)
			cols = n;
		assert_int_equal(n, cols);
	}
	free(out);
	fixture_release(&fx);
}

static void test_report_md__verdict_finding_and_manifest(void **state)
{
	struct fixture fx;
	char *out;

	(void)state;
	fixture_init(&fx, 0);
	out = md(&fx.a);
	assert_int_equal(strncmp(out, "# casefile report: \\<script\\>alert(1 (pid 42) on ", 49), 0);
	assert_non_null(strstr(out, "\n**Verdict: HIGH** — 1 finding (1 high); worst: pool-cap, "));
	assert_non_null(strstr(out, "| 1 | **high** | pool-cap | connections to "));
	assert_non_null(strstr(out, "### 1. HIGH pool-cap: Connections \\<b\\>capped\\</b\\>"));
	assert_non_null(strstr(out, "- **Numbers:** cap = 256"));
	assert_non_null(strstr(out, "- **Weakened by:** dropped "));
	assert_non_null(strstr(out, "## Data-quality notes"));
	assert_non_null(strstr(out, "## Capture manifest"));
	assert_true(strstr(out, "## Capture manifest") > strstr(out, "## Findings"));
	free(out);
	fixture_release(&fx);
}

/* The SQL holds a ``` run: its fence must be longer, so it stays one block. */
static void test_report_md__sql_fence_outgrows_backticks(void **state)
{
	struct fixture fx;
	char *out;

	(void)state;
	fixture_init(&fx, 0);
	out = md(&fx.a);
	assert_non_null(strstr(out, "\n````sql\nSELECT '```' AS fence, 1;\n-- </pre><script>x</script>\n````\n"));
	free(out);
	fixture_release(&fx);
}

static void test_report_md__no_finding(void **state)
{
	struct fixture fx;
	char *out;

	(void)state;
	fixture_init(&fx, 0);
	fx.a.nfindings = 0;
	out = md(&fx.a);
	assert_non_null(strstr(out, "**Verdict: no finding** — the 1 rule evaluated stayed silent."));
	assert_null(strstr(out, "## Findings"));
	free(out);
	fixture_release(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_md__escapes_bundle_text),
		cmocka_unit_test(test_report_md__tables_keep_their_columns),
		cmocka_unit_test(test_report_md__verdict_finding_and_manifest),
		cmocka_unit_test(test_report_md__sql_fence_outgrows_backticks),
		cmocka_unit_test(test_report_md__no_finding),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
