/* tests/analyze/test_rulepack.c: loading and checking rule packs; broken
 * packs in tests/fixtures/rules/ must fail with FILE:LINE and the rule id. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "rulepack.h"

static char path_buf[512];

static const char *fixture(const char *name)
{
	const char *root = getenv("CASEFILE_FIXTURES");

	snprintf(path_buf, sizeof(path_buf), "%s/rules/%s", root ? root : "tests/fixtures", name);
	return path_buf;
}

/* Loads and checks a fixture pack; returns the error count. */
static int load_check(struct rulepack *p, const char *name)
{
	int n;

	memset(p, 0, sizeof(*p));
	n = rulepack_load_file(p, fixture(name));
	assert_true(n >= 0);
	rulepack_check(p);
	return p->nerrors;
}

/* Whether some error contains all of the given substrings. */
static int has_error(const struct rulepack *p, const char *a, const char *b)
{
	int i;

	for (i = 0; i < p->nerrors; i++)
		if (strstr(p->errors[i], a) && (!b || strstr(p->errors[i], b)))
			return 1;
	return 0;
}

static void test_rulepack__good_pack_loads(void **state)
{
	struct rulepack p;

	(void)state;
	assert_int_equal(load_check(&p, "good.yaml"), 0);
	assert_int_equal(p.nrules, 2);
	assert_string_equal(p.rules[0].id, "many-fds");
	assert_int_equal(p.rules[0].severity, SEV_LOW);
	assert_int_equal(p.rules[0].ngroup, 1);
	assert_string_equal(p.rules[1].detector->name, "trend");
	assert_int_equal(p.rules[0].line, 4);
	rulepack_release(&p);
}

static void test_rulepack__malformed_yaml(void **state)
{
	struct rulepack p;

	(void)state;
	assert_int_equal(load_check(&p, "bad-yaml.yaml"), 1);
	assert_true(has_error(&p, "bad-yaml.yaml:5:", "malformed YAML"));
	assert_int_equal(p.nrules, 0);
	rulepack_release(&p);
}

static void test_rulepack__unknown_detector(void **state)
{
	struct rulepack p;

	(void)state;
	assert_int_equal(load_check(&p, "unknown-detector.yaml"), 1);
	assert_true(has_error(&p, "unknown-detector.yaml:7:15: rule 'slope-rule'", "unknown detector 'slope'"));
	rulepack_release(&p);
}

static void test_rulepack__unknown_parameter(void **state)
{
	struct rulepack p;

	(void)state;
	assert_int_equal(load_check(&p, "unknown-param.yaml"), 1);
	assert_true(has_error(&p, "unknown-param.yaml:11:7: rule 'typo-param'", "unknown parameter 'min_shar'"));
	rulepack_release(&p);
}

static void test_rulepack__missing_field(void **state)
{
	struct rulepack p;

	(void)state;
	assert_int_equal(load_check(&p, "missing-field.yaml"), 1);
	assert_true(has_error(&p, "missing-field.yaml:2:5: rule 'no-query'", "missing field 'query'"));
	rulepack_release(&p);
}

static void test_rulepack__bad_sql_names_the_line(void **state)
{
	struct rulepack p;

	(void)state;
	assert_int_equal(load_check(&p, "bad-sql.yaml"), 1);
	/* the unknown column is on the query's second line, line 8 of the file */
	assert_true(has_error(&p, "bad-sql.yaml:8:", "no such column: fds_count"));
	assert_true(has_error(&p, "rule 'bad-sql'", NULL));
	rulepack_release(&p);
}

static void test_rulepack__columns_checked_against_query(void **state)
{
	struct rulepack p;

	(void)state;
	assert_int_equal(load_check(&p, "bad-column.yaml"), 2);
	assert_true(has_error(&p, "bad-column.yaml:8:", "'rss_bytes' is not a column"));
	assert_true(has_error(&p, "bad-column.yaml:9:", "'{comm}'"));
	rulepack_release(&p);
}

static void test_rulepack__field_errors(void **state)
{
	struct rulepack p;

	(void)state;
	load_check(&p, "bad-fields.yaml");
	assert_true(has_error(&p, "bad-fields.yaml:2:", "rule id 'Bad_ID'"));
	assert_true(has_error(&p, "bad-fields.yaml:20:5: rule 'bad-severity'", "unknown field 'colour'"));
	assert_true(has_error(&p, "bad-fields.yaml:13:", "severity must be one of"));
	assert_true(has_error(&p, "bad-fields.yaml:17:", "'min_r2' must be a number"));
	assert_true(has_error(&p, "bad-fields.yaml:18:", "unclosed placeholder"));
	assert_true(has_error(&p, "rule 'needs-unknown-table'", "requires 'no_such_table'"));
	assert_true(has_error(&p, "rule 'needs-unknown-table'", "must only read"));
	rulepack_release(&p);
}

static void test_rulepack__bad_rule_leaves_others(void **state)
{
	struct rulepack p;

	(void)state;
	assert_int_equal(load_check(&p, "mixed.yaml"), 1);
	assert_int_equal(p.nrules, 1);
	assert_string_equal(p.rules[0].id, "good-one");
	rulepack_release(&p);
}

static void test_rulepack__missing_file(void **state)
{
	struct rulepack p;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(rulepack_load_file(&p, fixture("no-such-pack.yaml")), 1);
	assert_true(has_error(&p, "no-such-pack.yaml", "cannot open rule pack"));
	rulepack_release(&p);
}

static void test_rulepack__hostile_buffers(void **state)
{
	static const char *const bad[] = {
		"", "rules: 5", "rules: [1, 2]", "- - - -", "rules: [{id: x}]",
		"&a [*a]", "rules:\n  - &r {id: a, title: *r}\n", "{rules: [{id: ok, params: [1]}]}",
		"rules: [{id: a, title: t, severity: low, requires: {x: 1}, query: q, detector: trend, message: m, next_step: n}]",
		"rules: [{id: a, title: t, severity: low, requires: [t], query: q, detector: trend, params: {y: [a, b]}, message: m, next_step: n}]",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct rulepack p;

		memset(&p, 0, sizeof(p));
		assert_true(rulepack_load_buffer(&p, "hostile.yaml", bad[i], strlen(bad[i])) > 0);
		assert_int_equal(p.nrules, 0);
		rulepack_release(&p);
	}
}

/* Every built-in rule compiles against this build's schema. Rules whose
 * tables belong to a source this build's schema lacks (while sources land
 * one by one) may fail the check, as analysis leaves them "not evaluated";
 * the foundation rules are always checked. */
static void test_rulepack__builtin_pack_is_valid(void **state)
{
	struct rulepack p;
	sqlite3 *db;
	char *schema = bundle_schema_create_sql(), skipped[2048] = ",";
	int i, k, checked = 0;

	(void)state;
	assert_non_null(schema);
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, schema, NULL, NULL, NULL), SQLITE_OK);
	memset(&p, 0, sizeof(p));
	assert_int_equal(rulepack_load_builtin(&p), 0);
	assert_int_equal(p.nrules, 14);
	for (i = 0; i < p.nrules; i++) {
		for (k = 0; k < p.rules[i].nrequires; k++)
			if (!bundle_has_table(db, p.rules[i].requires[k]))
				break;
		if (k < p.rules[i].nrequires) {
			fprintf(stderr, "note: rule '%s' not checked: table '%s' not in this schema\n",
				p.rules[i].id, p.rules[i].requires[k]);
			strcat(skipped, p.rules[i].id);
			strcat(skipped, ",");
		} else {
			checked++;
		}
	}
	rulepack_check(&p);
	for (i = 0; i < p.nerrors; i++) {
		char id[80], needle[90];
		const char *r = strstr(p.errors[i], "rule '");

		assert_non_null(r);
		snprintf(id, sizeof(id), "%.*s", (int)strcspn(r + 6, "'"), r + 6);
		snprintf(needle, sizeof(needle), ",%s,", id);
		if (!strstr(skipped, needle)) {
			fprintf(stderr, "%s\n", p.errors[i]);
			fail();
		}
	}
	assert_true(checked >= 4);
	sqlite3_close(db);
	free(schema);
	rulepack_release(&p);
}

/* phrases: checked at load (a mapping of identifiers to well-formed
 * templates) and against the detector at check ({@x} needs phrases, a
 * phrase's names must be outputs or columns). */
static void test_rulepack__phrases(void **state)
{
	static const char head[] =
		"rules:\n  - id: t\n    title: t\n    severity: low\n    requires: [ticks]\n"
		"    query: SELECT 1 AS wall_us, 2 AS y\n    detector: trend\n    params: {y: y}\n"
		"    next_step: n\n";
	char yaml[1024];
	struct rulepack p;

	(void)state;
	snprintf(yaml, sizeof(yaml), "%s    message: \"{@shape}\"\n    phrases: {steady: 'steady at {slope}', ramp_stopped: stopped}\n", head);
	memset(&p, 0, sizeof(p));
	assert_int_equal(rulepack_load_buffer(&p, "ph.yaml", yaml, strlen(yaml)), 0);
	assert_int_equal(p.rules[0].nphrases, 2);
	assert_string_equal(rule_phrase(&p.rules[0], "steady"), "steady at {slope}");
	assert_null(rule_phrase(&p.rules[0], "nope"));
	assert_int_equal(rulepack_check(&p), 0);
	rulepack_release(&p);

	snprintf(yaml, sizeof(yaml), "%s    message: m\n    phrases: {steady: 'x {slope', 9x: y}\n", head);
	memset(&p, 0, sizeof(p));
	assert_true(rulepack_load_buffer(&p, "ph.yaml", yaml, strlen(yaml)) > 0);
	assert_true(has_error(&p, "phrase 'steady'", "unclosed placeholder"));
	assert_true(has_error(&p, "phrase id must be an identifier", NULL));
	rulepack_release(&p);

	snprintf(yaml, sizeof(yaml), "%s    message: m\n    phrases: [a, b]\n", head);
	memset(&p, 0, sizeof(p));
	assert_true(rulepack_load_buffer(&p, "ph.yaml", yaml, strlen(yaml)) > 0);
	assert_true(has_error(&p, "phrases must be a mapping", NULL));
	rulepack_release(&p);

	snprintf(yaml, sizeof(yaml), "%s    message: \"{@shape}\"\n", head);
	memset(&p, 0, sizeof(p));
	assert_int_equal(rulepack_load_buffer(&p, "ph.yaml", yaml, strlen(yaml)), 0);
	assert_int_equal(rulepack_check(&p), 1);
	assert_true(has_error(&p, "'{@shape}' names a phrase, but the rule has no phrases", NULL));
	rulepack_release(&p);

	/* A phrase picked by a list item's field needs phrases too. */
	snprintf(yaml, sizeof(yaml),
		 "rules:\n  - id: t\n    title: t\n    severity: low\n    requires: [ticks]\n"
		 "    query: SELECT 'a' AS k, 2 AS y\n    detector: top\n    params: {key: k, value: y}\n"
		 "    next_step: n\n    message: \"[[*ranked:{@key}]]\"\n");
	memset(&p, 0, sizeof(p));
	assert_int_equal(rulepack_load_buffer(&p, "ph.yaml", yaml, strlen(yaml)), 0);
	assert_int_equal(rulepack_check(&p), 1);
	assert_true(has_error(&p, "'{@key}' names a phrase, but the rule has no phrases", NULL));
	rulepack_release(&p);

	snprintf(yaml, sizeof(yaml), "%s    message: \"{@shape}\"\n    phrases: {steady: '{nope}'}\n", head);
	memset(&p, 0, sizeof(p));
	assert_int_equal(rulepack_load_buffer(&p, "ph.yaml", yaml, strlen(yaml)), 0);
	assert_int_equal(rulepack_check(&p), 1);
	assert_true(has_error(&p, "phrase placeholder '{nope}'", NULL));
	rulepack_release(&p);
}

static void test_rulepack__templates(void **state)
{
	size_t at;
	char buf[64];

	(void)state;
	assert_null(template_check("a {x} [[b {y:bytes}]] {{literal}}", &at));
	assert_non_null(template_check("{x:weird}", &at));
	assert_non_null(template_check("[[ {x} ", &at));
	assert_non_null(template_check("a } b", &at));
	assert_string_equal(format_number(1101, "", buf, sizeof(buf)), "1101");
	assert_string_equal(format_number(0.254, "pct", buf, sizeof(buf)), "25%");
	assert_string_equal(format_number(1434, "bytes", buf, sizeof(buf)), "1.4 KiB");
	assert_string_equal(format_number(150, "dur", buf, sizeof(buf)), "2m30s");
	assert_string_equal(format_number(2.345, ".1", buf, sizeof(buf)), "2.3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rulepack__good_pack_loads),
		cmocka_unit_test(test_rulepack__malformed_yaml),
		cmocka_unit_test(test_rulepack__unknown_detector),
		cmocka_unit_test(test_rulepack__unknown_parameter),
		cmocka_unit_test(test_rulepack__missing_field),
		cmocka_unit_test(test_rulepack__bad_sql_names_the_line),
		cmocka_unit_test(test_rulepack__columns_checked_against_query),
		cmocka_unit_test(test_rulepack__field_errors),
		cmocka_unit_test(test_rulepack__bad_rule_leaves_others),
		cmocka_unit_test(test_rulepack__missing_file),
		cmocka_unit_test(test_rulepack__hostile_buffers),
		cmocka_unit_test(test_rulepack__builtin_pack_is_valid),
		cmocka_unit_test(test_rulepack__templates),
		cmocka_unit_test(test_rulepack__phrases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
