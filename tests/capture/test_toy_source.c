/* "Where to add a source" (ARCHITECTURE.md), made true: a toy source with
 * one option of its own, declared only in its descriptor, gets --no-toy,
 * its --help line, its default, its parsing and its bounds from the tables,
 * with no change to the loop, struct capture_opts or capture.h. A real
 * source adds one line to capture/sources.c instead of this test's table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capture.h"
#include "error.h"
#include "options.h"

/* --- what capture/toy/toy.c would hold ---------------------------------- */

struct toy_opts {
	int depth;                       /* --toy-depth N */
};

static int toy_open(struct capture *cap, void **state)
{
	const struct toy_opts *to = capture_source_opts(cap->opts, cap->current);

	*state = NULL;
	return to->depth > 0 ? 0 : capture_source_skip(cap, "--toy-depth is 0");
}

static int toy_sample(struct capture *cap, void *state, int64_t tick)
{
	(void)cap;
	(void)state;
	(void)tick;
	return 0;
}

static const struct capture_option toy_options[] = {
	{ .name = "toy-depth", .arg = "N", .help = "toy: how deep to look (default 3)",
	  .kind = CAPTURE_OPT_INT, .own = 1, .offset = offsetof(struct toy_opts, depth), .def = "3",
	  .min = 0, .max = 10, .want = "a number from 0 to 10" },
	{ .name = NULL },
};

static const struct source toy_source = {
	.name = "toy",
	.summary = "a source for this test",
	.default_on = 1,
	.open = toy_open,
	.sample = toy_sample,
	.options = toy_options,
	.opts_size = sizeof(struct toy_opts),
};

/* --- what capture/sources.c would list ----------------------------------- */

extern const struct source process_source;
static const struct source *const toy_sources[] = { &process_source, &toy_source, NULL };

static char said[1024];

static void hook(const char *level, const char *msg)
{
	snprintf(said, sizeof(said), "%s: %s", level, msg);
}

static int parse(struct capture_opts *o, int argc, char **argv)
{
	capture_opts_init_sources(o, toy_sources);
	said[0] = '\0';
	return capture_opts_parse(o, argc, argv);
}

static void test_toy_source__default_and_value_from_its_table(void **state)
{
	char *argv[] = { "casefile-capture", "--pid", "1", "--toy-depth", "7", NULL };
	struct capture_opts o;
	const struct toy_opts *to;

	(void)state;
	capture_opts_init_sources(&o, toy_sources);
	to = capture_source_opts(&o, &toy_source);
	assert_non_null(to);
	assert_int_equal(to->depth, 3);
	/* the process source has no block of its own */
	assert_null(capture_source_opts(&o, &process_source));
	assert_int_equal(parse(&o, 5, argv), CAPTURE_OPTS_RUN);
	to = capture_source_opts(&o, &toy_source);
	assert_int_equal(to->depth, 7);
	/* the loop's options and the other sources' still parse beside it */
	assert_int_equal(o.npids, 1);
	assert_int_equal(o.max_threads, 256);
}

static void test_toy_source__bounds_from_its_table(void **state)
{
	char *argv[] = { "casefile-capture", "--pid", "1", "--toy-depth", "11", NULL };
	struct capture_opts o;

	(void)state;
	error_set_hook(hook);
	assert_int_equal(parse(&o, 5, argv), -1);
	error_set_hook(NULL);
	assert_non_null(strstr(said, "invalid value '11' for --toy-depth: expected a number from 0 to 10"));
}

static void test_toy_source__no_toy_turns_it_off(void **state)
{
	char *argv[] = { "casefile-capture", "--pid", "1", "--no-toy", NULL };
	struct capture_opts o;

	(void)state;
	assert_int_equal(parse(&o, 4, argv), CAPTURE_OPTS_RUN);
	assert_true(capture_source_disabled(&o, "toy"));
	assert_false(capture_source_disabled(&o, "process"));
	assert_ptr_equal(capture_find_source(&o, "toy"), &toy_source);
}

static void test_toy_source__help_from_its_table(void **state)
{
	struct capture_opts o;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	capture_opts_init_sources(&o, toy_sources);
	capture_usage(f, &o);
	fclose(f);
	assert_non_null(strstr(text, "      --no-toy          turn off 'toy': a source for this test\n"));
	assert_non_null(strstr(text, "      --toy-depth N      toy: how deep to look (default 3)\n"));
	/* a source of capture_sources that is not in this table is not listed */
	assert_null(strstr(text, "--no-sockets"));
	free(text);
}

static void test_toy_source__open_reads_its_option(void **state)
{
	char *argv[] = { "casefile-capture", "--pid", "1", "--toy-depth", "0", NULL };
	struct capture_opts o;
	struct capture cap;
	void *st;

	(void)state;
	assert_int_equal(parse(&o, 5, argv), CAPTURE_OPTS_RUN);
	memset(&cap, 0, sizeof(cap));
	cap.opts = &o;
	cap.current = &toy_source;
	assert_int_equal(toy_source.open(&cap, &st), SOURCE_SKIP);
	assert_string_equal(cap.skip_reason, "--toy-depth is 0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_toy_source__default_and_value_from_its_table),
		cmocka_unit_test(test_toy_source__bounds_from_its_table),
		cmocka_unit_test(test_toy_source__no_toy_turns_it_off),
		cmocka_unit_test(test_toy_source__help_from_its_table),
		cmocka_unit_test(test_toy_source__open_reads_its_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
