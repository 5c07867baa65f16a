/* tests/analyze/test_detect_hotspot.c: the cpu-hotspot detector alone, on
 * synthetic per-tick rows shaped like the cpu-hotspot rule's query. */
#include "detect_helper.h"

#define MAXROWS 512

/* Rows being built: one per (tick, kind, code). */
struct rows {
	double tick[MAXROWS], samples[MAXROWS], depth[MAXROWS], tick_samples[MAXROWS], thread_pct[MAXROWS], throttled[MAXROWS];
	const char *kind[MAXROWS], *code[MAXROWS], *module[MAXROWS];
	size_t n;
};

static void add(struct rows *r, int tick, double tick_samples, double thread_pct, double throttled,
		const char *kind, const char *code, const char *module, double samples)
{
	assert_true(r->n < MAXROWS);
	r->tick[r->n] = tick;
	r->tick_samples[r->n] = tick_samples;
	r->thread_pct[r->n] = thread_pct;
	r->throttled[r->n] = throttled;
	r->kind[r->n] = kind;
	r->code[r->n] = code;
	r->module[r->n] = module;
	r->samples[r->n] = samples;
	r->n++;
}

static int fire(const char *params, const struct rows *r, struct hit *h)
{
	struct rulepack p;
	struct rowset rs;
	size_t i;
	int rc;

	load_rule(&p, "hotspot", params);
	/* kind, code, module: numeric placeholders replaced by text below. */
	make_rowset(&rs, "tick,kind,code,module,samples,depth,tick_samples,thread_pct,throttled_share", r->n,
		    r->tick, r->tick, r->tick, r->tick, r->samples, r->depth, r->tick_samples, r->thread_pct,
		    r->throttled);
	for (i = 0; i < r->n; i++) {
		struct cell *c = &rs.cells[i * 9];

		c[1].type = c[2].type = c[3].type = CELL_TEXT;
		c[1].u.s = strdup(r->kind[i]);
		c[2].u.s = strdup(r->code[i]);
		c[3].u.s = strdup(r->module[i]);
	}
	rc = run_detector(&p, &rs, h);
	rowset_release(&rs);
	rulepack_release(&p);
	return rc;
}

#define DEFAULTS "{min_hot_ticks: 5, min_samples: 50, depth: depth}"

/* cpuburn's design, 60/30/10, on a thread at a whole core: burn_a named. */
static void cpuburn(struct rows *r, int from, int to, double thread_pct, double throttled)
{
	int t;

	for (t = from; t <= to; t++) {
		add(r, t, 10, thread_pct, throttled, "function", "burn_a", "/x/cpuburn", 6);
		add(r, t, 10, thread_pct, throttled, "function", "burn_b", "/x/cpuburn", 3);
		add(r, t, 10, thread_pct, throttled, "function", "burn_c", "/x/cpuburn", 1);
	}
}

static void test_detect_hotspot__saturated_dominant_function_fires(void **state)
{
	static struct rows r;
	struct hit h;

	(void)state;
	memset(&r, 0, sizeof(r));
	cpuburn(&r, 1, 10, 99, 0);
	assert_int_equal(fire(DEFAULTS, &r, &h), 1);
	assert_string_equal(out_text(&h, "kind"), "function");
	assert_string_equal(out_text(&h, "code"), "burn_a");
	assert_string_equal(out_text(&h, "module_name"), "cpuburn");
	assert_int_equal((int)(out_num(&h, "pct") + 0.5), 60);
	assert_string_equal(out_text(&h, "cause"), "saturated");
	assert_int_equal((int)out_num(&h, "hot_ticks"), 10);
	assert_string_equal(item_field(&h, "functions", 1, "code")->text, "burn_b");
	assert_int_equal((int)(item_field(&h, "functions", 2, "pct")->num + 0.5), 10);
	assert_true(h.has_range);
	assert_int_equal(h.from_row, 0);
	assert_int_equal(h.to_row, r.n - 3);
}

static void test_detect_hotspot__throttled_fires(void **state)
{
	static struct rows r;
	struct hit h;

	(void)state;
	memset(&r, 0, sizeof(r));
	cpuburn(&r, 1, 10, 30, 1.0);
	assert_int_equal(fire(DEFAULTS, &r, &h), 1);
	assert_string_equal(out_text(&h, "cause"), "throttled");
	assert_int_equal((int)out_num(&h, "throttled_pct"), 100);
	assert_string_equal(out_text(&h, "code"), "burn_a");
	/* Saturated first, then throttled at half the periods: both, and the
	 * throttled share is the throttled ticks' own. */
	memset(&r, 0, sizeof(r));
	cpuburn(&r, 1, 4, 99, 0);
	cpuburn(&r, 5, 10, 30, 0.5);
	assert_int_equal(fire(DEFAULTS, &r, &h), 1);
	assert_string_equal(out_text(&h, "cause"), "both");
	assert_int_equal((int)out_num(&h, "throttled_ticks"), 6);
	assert_int_equal((int)out_num(&h, "throttled_pct"), 50);
}

/* The same dominance without a CPU symptom is no finding. */
static void test_detect_hotspot__idle_dominant_is_silent(void **state)
{
	static struct rows r;
	struct hit h;

	(void)state;
	memset(&r, 0, sizeof(r));
	cpuburn(&r, 1, 10, 40, 0.02);
	assert_int_equal(fire(DEFAULTS, &r, &h), 0);
}

/* A busy healthy server: a core saturated, samples spread over the kernel
 * (counted in tick_samples, never a key) and many functions. */
static void test_detect_hotspot__busy_spread_is_silent(void **state)
{
	static const char *const fns[] = { "read", "write", "epoll_wait", "processCommand", "dictFind",
					   "je_malloc", "memcpy", "lookupKey" };
	static struct rows r;
	struct hit h;
	int t, i;

	(void)state;
	memset(&r, 0, sizeof(r));
	for (t = 1; t <= 20; t++)
		for (i = 0; i < 8; i++)
			add(&r, t, 40, 100, 0, "function", fns[i], "/usr/bin/redis-server", i == 0 ? 4 : 2);
	assert_int_equal(fire(DEFAULTS, &r, &h), 0);
}

/* Kernel samples count in the total: a function with 25% of all samples is
 * under min_function_share, whatever its share of the user samples. */
static void test_detect_hotspot__kernel_samples_count_in_total(void **state)
{
	static struct rows r;
	struct hit h;
	int t;

	(void)state;
	memset(&r, 0, sizeof(r));
	for (t = 1; t <= 10; t++) {
		add(&r, t, 20, 99, 0, "function", "__write", "/lib/libc.so.6", 5);
		add(&r, t, 20, 99, 0, "function", "main_loop", "/x/srv", 1);
	}
	assert_int_equal(fire(DEFAULTS, &r, &h), 0);
	assert_int_equal(fire("{min_hot_ticks: 5, min_samples: 50, min_function_share: 0.2, depth: depth}", &r, &h), 1);
	assert_string_equal(out_text(&h, "code"), "__write");
	assert_int_equal((int)(out_num(&h, "pct") + 0.5), 25);
}

/* Only hot ticks count: idle ticks dominated by something else, then hot
 * ones; the range is the hot ticks'. */
static void test_detect_hotspot__only_hot_ticks_count(void **state)
{
	static struct rows r;
	struct hit h;
	int t;

	(void)state;
	memset(&r, 0, sizeof(r));
	for (t = 1; t <= 10; t++)
		add(&r, t, 50, 20, 0, "function", "idle_poll", "/x/srv", 50);
	cpuburn(&r, 11, 20, 97, 0);
	assert_int_equal(fire(DEFAULTS, &r, &h), 1);
	assert_string_equal(out_text(&h, "code"), "burn_a");
	assert_int_equal((int)(out_num(&h, "pct") + 0.5), 60);
	assert_int_equal((int)out_num(&h, "hot_ticks"), 10);
	assert_int_equal((int)out_num(&h, "ticks"), 20);
	assert_int_equal(h.from_row, 10);
	assert_string_equal(out_text(&h, "cause"), "saturated");
	assert_null(hit_get(&h, "throttled_pct"));
	/* Too few hot ticks for the share asked. */
	assert_int_equal(fire("{min_hot_ticks: 5, min_samples: 50, min_hot_share: 0.6}", &r, &h), 0);
}

/* Scripts (samples anywhere under them) name the code before functions;
 * of the scripts over the line, the innermost (fewest samples) wins over
 * the entry script every stack passes through. */
static void test_detect_hotspot__innermost_script_named(void **state)
{
	static struct rows r;
	struct hit h;
	int t;

	(void)state;
	memset(&r, 0, sizeof(r));
	for (t = 1; t <= 10; t++) {
		add(&r, t, 20, 100, 0, "function", "JS:*stringify", "[jit]", 4);
		add(&r, t, 20, 100, 0, "function", "JS:*emit node:events:517:28", "[jit]", 3);
		add(&r, t, 20, 100, 0, "script", "/app/server.js", "/app/server.js", 18);
		add(&r, t, 20, 100, 0, "script", "/app/node_modules/winston-elasticsearch/bulk_writer.js",
		    "/app/node_modules/winston-elasticsearch/bulk_writer.js", 13);
		add(&r, t, 20, 100, 0, "script", "/app/util.js", "/app/util.js", 2);
	}
	assert_int_equal(fire(DEFAULTS, &r, &h), 1);
	assert_string_equal(out_text(&h, "kind"), "script");
	assert_string_equal(out_text(&h, "code"), "/app/node_modules/winston-elasticsearch/bulk_writer.js");
	assert_int_equal((int)(out_num(&h, "pct") + 0.5), 65);
	assert_string_equal(item_field(&h, "scripts", 0, "code")->text, "/app/server.js");
	assert_string_equal(item_field(&h, "functions", 0, "code")->text, "JS:*stringify");
}

/* main.js calls lib/burn.js, which does all the work: both scripts are on
 * the very same samples, and the deeper one (its frames nearer the leaf)
 * is named, whatever the order of the rows. */
static void test_detect_hotspot__tie_goes_to_the_deeper_script(void **state)
{
	static struct rows r;
	struct hit h;
	int t, order;

	(void)state;
	for (order = 0; order < 2; order++) {
		memset(&r, 0, sizeof(r));
		for (t = 1; t <= 10; t++) {
			add(&r, t, 20, 100, 0, "function", "JS:*fib /app/lib/burn.js:1:13", "[jit]", 20);
			add(&r, t, 20, 100, 0, "script", order ? "/app/a.js" : "/app/z.js", "", 20);
			r.depth[r.n - 1] = 20 * 5;
			add(&r, t, 20, 100, 0, "script", order ? "/app/z.js" : "/app/a.js", "", 20);
			r.depth[r.n - 1] = 20 * 9;
		}
		assert_int_equal(fire(DEFAULTS, &r, &h), 1);
		assert_string_equal(out_text(&h, "code"), order ? "/app/z.js" : "/app/a.js");
	}
}

static void test_detect_hotspot__too_few_samples_is_silent(void **state)
{
	static struct rows r;
	struct hit h;

	(void)state;
	memset(&r, 0, sizeof(r));
	cpuburn(&r, 1, 4, 99, 0);
	assert_int_equal(fire(DEFAULTS, &r, &h), 0);
	assert_int_equal(fire("{min_hot_ticks: 3, min_samples: 30}", &r, &h), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect_hotspot__saturated_dominant_function_fires),
		cmocka_unit_test(test_detect_hotspot__throttled_fires),
		cmocka_unit_test(test_detect_hotspot__idle_dominant_is_silent),
		cmocka_unit_test(test_detect_hotspot__busy_spread_is_silent),
		cmocka_unit_test(test_detect_hotspot__kernel_samples_count_in_total),
		cmocka_unit_test(test_detect_hotspot__only_hot_ticks_count),
		cmocka_unit_test(test_detect_hotspot__innermost_script_named),
		cmocka_unit_test(test_detect_hotspot__tie_goes_to_the_deeper_script),
		cmocka_unit_test(test_detect_hotspot__too_few_samples_is_silent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
