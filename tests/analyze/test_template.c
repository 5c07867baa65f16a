/* Unit tests of analyze/template.c: the message language that holds every
 * word of a finding. Values, optional segments (nested), phrases picked by
 * an identifier's value, and list segments over a detector's items. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rulepack.h"

/* A fake detector result: scalars, one list "ranked" of (key, pct) and the
 * phrases of a rule. */
struct fake {
	int nitems;
	const char *keys[4];
	double pcts[4];
};

static int lookup(const char *name, void *ctx, double *num, char *text, size_t len, int *is_text)
{
	(void)ctx;
	if (!strcmp(name, "cap")) {
		*num = 48;
		return 1;
	}
	if (!strcmp(name, "reason") || !strcmp(name, "bad_reason") || !strcmp(name, "via")) {
		*is_text = 1;
		snprintf(text, len, "%s", !strcmp(name, "reason") ? "exact_stop" :
			 !strcmp(name, "via") ? "loop" : "no_such_phrase");
		return 1;
	}
	return 0;
}

static int list_len(const char *name, void *vctx)
{
	const struct fake *f = vctx;

	return !strcmp(name, "ranked") ? f->nitems : -1;
}

static int item(const char *list, int i, const char *field, void *vctx, double *num, char *text,
		size_t len, int *is_text)
{
	const struct fake *f = vctx;

	if (strcmp(list, "ranked") || i >= f->nitems)
		return 0;
	if (!strcmp(field, "key")) {
		*is_text = 1;
		snprintf(text, len, "%s", f->keys[i]);
		return 1;
	}
	if (!strcmp(field, "pct") && f->pcts[i] >= 0) {
		*num = f->pcts[i];
		return 1;
	}
	return 0;
}

static const char *phrase(const char *id, void *ctx)
{
	(void)ctx;
	if (!strcmp(id, "exact_stop"))
		return "it stopped dead at exactly {cap:int}";
	if (!strcmp(id, "read"))
		return "reads";
	if (!strcmp(id, "loop"))
		return "{@reason}";
	return NULL;
}

static char *expand(struct fake *f, const char *t, const char **missing)
{
	struct template_env env = { lookup, f, list_len, item, phrase };
	char *s = template_expand_env(t, &env, missing);

	assert_non_null(s);
	return s;
}

static void check(struct fake *f, const char *t, const char *want, const char *want_missing)
{
	const char *missing = NULL;
	char *s = expand(f, t, &missing);

	assert_string_equal(s, want);
	if (want_missing)
		assert_string_equal(missing, want_missing);
	else
		assert_null(missing);
	free(s);
}

static void test_template__values_and_optional_segments(void **state)
{
	struct fake f = { 0, { 0 }, { 0 } };

	(void)state;
	check(&f, "cap {cap:int}[[, gone {nope}]] {{x}}", "cap 48 {x}", NULL);
	check(&f, "cap {nope}", "cap ?", "nope");
	/* Nested: the inner segment drops alone, the outer stays. */
	check(&f, "a[[ b[[ c {nope}]] d {cap}]]", "a b d 48", NULL);
	check(&f, "a[[ b[[ c {cap}]] d {nope}]]", "a", NULL);
}

static void test_template__phrases(void **state)
{
	struct fake f = { 0, { 0 }, { 0 } };

	(void)state;
	check(&f, "a cap ({@reason})", "a cap (it stopped dead at exactly 48)", NULL);
	/* A phrase may use another phrase. */
	check(&f, "{@via}", "it stopped dead at exactly 48", NULL);
	/* An identifier without a phrase is a missing value. */
	check(&f, "x[[ ({@bad_reason})]]", "x", NULL);
	check(&f, "x {@bad_reason}", "x ?", "bad_reason");
}

static void test_template__lists(void **state)
{
	struct fake f = { 3, { "clock_gettime", "read", "epoll_wait" }, { 79.4, 20, 0.4 } };

	(void)state;
	check(&f, "top: [[*ranked \", \":{key} {pct:int}%]]", "top: clock_gettime 79%, read 20%, epoll_wait 0%", NULL);
	/* Phrases inside a list, picked by an item's field. */
	check(&f, "[[*ranked \"; \":{@key}]]", "reads", NULL);
	/* ... and an optional segment inside the body drops alone. */
	check(&f, "[[*ranked \"/\":<[[{@key}]]>]]", "<>/<reads>/<>", NULL);
	/* An item whose body misses a value is left out with its separator. */
	f.pcts[1] = -1;
	check(&f, "[[*ranked \", \":{key} {pct:int}%]]", "clock_gettime 79%, epoll_wait 0%", NULL);
	/* An empty list is a missing value: its optional segment goes. */
	f.nitems = 0;
	check(&f, "a[[; demand: [[*ranked \"; \":{key}]]]] b", "a b", NULL);
	check(&f, "a [[*ranked:{key}]]", "a ", "ranked");
	/* A name that is no list at all. */
	f.nitems = 2;
	check(&f, "a[[ [[*cap:{key}]]]]", "a", NULL);
}

static void test_template__check(void **state)
{
	size_t at;

	(void)state;
	assert_null(template_check("a {x} [[b {y:bytes}]] {{literal}}", &at));
	assert_null(template_check("[[ a [[*items \"; \":{@id} {n:pct}]]]]", &at));
	assert_non_null(template_check("{@x:int}", &at));          /* a phrase takes no format */
	assert_non_null(template_check("[[*:{x}]]", &at));         /* no list name */
	assert_non_null(template_check("[[*l \"; {x}]]", &at));     /* unclosed separator */
	assert_non_null(template_check("[[*l {x}]]", &at));         /* no ':' */
	assert_non_null(template_check("[[ [[ x ]]", &at));        /* unclosed */
	assert_non_null(template_check("[[[[[[[[[[[[[[[[[[x]]]]]]]]]]]]]]]]]]", &at)); /* too deep */
}

struct names {
	char seen[512];
};

static void name_fn(const char *name, const char *list, int phrase, void *ctx)
{
	struct names *n = ctx;
	size_t len = strlen(n->seen);

	snprintf(n->seen + len, sizeof(n->seen) - len, "%s%s%s%s;", phrase ? "@" : "", list ? list : "",
		 list ? "." : "", name);
}

static void test_template__names_know_their_list(void **state)
{
	struct names n = { "" };

	(void)state;
	template_names("{a} [[ {@b} [[*demand \"; \":{@column} {max:bytes}]] {c}]]", name_fn, &n);
	assert_string_equal(n.seen, "a;@b;demand;@demand.column;demand.max;c;");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template__values_and_optional_segments),
		cmocka_unit_test(test_template__phrases),
		cmocka_unit_test(test_template__lists),
		cmocka_unit_test(test_template__check),
		cmocka_unit_test(test_template__names_know_their_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
