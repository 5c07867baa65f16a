/* Unit tests of capture/options.c: the options of the loop and of every
 * source come from their tables (defaults, parsing, bounds, --help), and
 * README.md's list of capture options is --help's. */
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

static char said[4096];

static void hook(const char *level, const char *msg)
{
	snprintf(said, sizeof(said), "%s: %s", level, msg);
}

/* Parses the words of LINE (at most 62, space-separated) as a command line. */
static int parse(struct capture_opts *o, const char *line)
{
	static char buf[1024];
	static char *argv[64];
	int argc = 0;
	char *save = NULL, *w;

	snprintf(buf, sizeof(buf), "%s", line);
	argv[argc++] = "casefile-capture";
	for (w = strtok_r(buf, " ", &save); w && argc < 63; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	said[0] = '\0';
	return capture_opts_parse(o, argc, argv);
}

static char *usage_text(const struct capture_opts *o, int options_only)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	if (options_only)
		capture_usage_options(f, o);
	else
		capture_usage(f, o);
	fclose(f);
	return text;
}

static void test_options__defaults_from_the_tables(void **state)
{
	struct capture_opts o;
	int n;

	(void)state;
	capture_opts_init(&o);
	assert_int_equal(o.interval_us, 1000000);
	assert_int_equal(o.duration_us, 60 * 1000000LL);
	assert_int_equal(o.max_size, 100ULL << 20);
	assert_int_equal(o.max_targets, 256);
	assert_int_equal(o.max_threads, 256);
	assert_int_equal(o.smaps_interval_us, 10 * 1000000LL);
	assert_true(o.cpu_budget_pct == 5.0);
	assert_int_equal(o.mem_budget, 256ULL << 20);
	assert_int_equal(o.socket_keyframe_us, 60 * 1000000LL);
	assert_string_equal(o.syscalls_backend, "auto");
	assert_int_equal(o.syscall_sample_us, 10000);
	assert_int_equal(o.ptrace_window_us, 5 * 1000000LL);
	assert_int_equal(o.pcap_snaplen, 256);
	assert_int_equal(o.pcap_buffer_mb, 32);
	assert_string_equal(o.log_format, "auto");
	assert_int_equal(o.verbosity, 1);
	assert_int_equal(o.progress, -1);
	assert_null(o.pcap_filter);
	/* every source of the table has its place (and its block, if any) */
	for (n = 0; capture_sources[n]; n++)
		;
	assert_true(n <= CAPTURE_MAX_SOURCES);
}

/* Every option with a default says it in --help: the text is written by
 * hand, so this keeps it true. */
static void test_options__help_states_each_default(void **state)
{
	struct capture_opts o;
	const struct source *const *s;
	const struct capture_option *c;

	(void)state;
	capture_opts_init(&o);
	for (c = capture_loop_options; c->name; c++)
		if (c->def) {
			assert_non_null(strstr(c->help, c->def));
			assert_non_null(strstr(c->help, "default"));
		}
	for (s = capture_sources; *s; s++)
		for (c = (*s)->options; c && c->name; c++)
			if (c->def) {
				assert_non_null(strstr(c->help, c->def));
				assert_non_null(strstr(c->help, "default"));
			}
}

static void test_options__every_source_option_parses(void **state)
{
	struct capture_opts o;

	(void)state;
	capture_opts_init(&o);
	assert_int_equal(parse(&o, "-p 12 --pid 13 -c --max-threads 9 --smaps-interval 2s --all-sockets "
			      "--socket-keyframe 5s --syscalls counts --syscall-sample 20ms --ptrace-window 3s "
			      "--pcap-iface lo --pcap-snaplen 64 --pcap-payload --pcap-buffer 4 --log a.log --log b.log "
			      "--log-format cri --log-since 10m --attach x --no-packets --sources process,logs -q"),
			 CAPTURE_OPTS_RUN);
	assert_int_equal(o.npids, 2);
	assert_int_equal(o.pids[1], 13);
	assert_int_equal(o.children, 1);
	assert_int_equal(o.max_threads, 9);
	assert_int_equal(o.smaps_interval_us, 2000000);
	assert_int_equal(o.all_sockets, 1);
	assert_int_equal(o.socket_keyframe_us, 5000000);
	assert_string_equal(o.syscalls_backend, "counts");
	assert_int_equal(o.syscall_sample_us, 20000);
	assert_int_equal(o.ptrace_window_us, 3000000);
	assert_string_equal(o.pcap_iface, "lo");
	assert_int_equal(o.pcap_snaplen, 64);
	assert_int_equal(o.pcap_payload, 1);
	assert_int_equal(o.pcap_buffer_mb, 4);
	assert_int_equal(o.nlogs, 2);
	assert_string_equal(o.logs[1], "b.log");
	assert_string_equal(o.log_format, "cri");
	assert_int_equal(o.log_since_us, 600 * 1000000LL);
	assert_int_equal(o.nattach, 1);
	assert_int_equal(o.verbosity, 0);
	assert_true(capture_source_disabled(&o, "packets"));
	assert_true(capture_source_disabled(&o, "sockets"));
	assert_false(capture_source_disabled(&o, "logs"));
	/* Defaults that depend on other options, from the sources' checks. */
	assert_int_equal(o.pcap_max_size, (100ULL << 20) / 4);
	assert_int_equal(o.log_max_size, (100ULL << 20) / 8);
}

static void test_options__bad_values_name_option_and_want(void **state)
{
	struct capture_opts o;

	(void)state;
	error_set_hook(hook);
	capture_opts_init(&o);
	assert_int_equal(parse(&o, "--pid 1 --interval 5ms"), -1);
	assert_non_null(strstr(said, "invalid value '5ms' for --interval: expected a duration of at least 10ms"));
	capture_opts_init(&o);
	assert_int_equal(parse(&o, "--pid 1 --ptrace-window 61s"), -1);
	assert_non_null(strstr(said, "for --ptrace-window: expected a duration up to 60s"));
	capture_opts_init(&o);
	assert_int_equal(parse(&o, "--pid 1 --syscalls strace"), -1);
	assert_non_null(strstr(said, "expected auto, bpf, perf, counts, pertask, sample or ptrace"));
	capture_opts_init(&o);
	assert_int_equal(parse(&o, "--pid 1 --pcap-snaplen 15"), -1);
	assert_non_null(strstr(said, "for --pcap-snaplen: expected a number from 16 to 262144"));
	capture_opts_init(&o);
	assert_int_equal(parse(&o, "--pid 1 --sources process,nope"), -1);
	assert_non_null(strstr(said, "unknown source 'nope' in --sources"));
	capture_opts_init(&o);
	assert_int_equal(parse(&o, "--pid 1 --redact --pcap-payload"), -1);
	assert_non_null(strstr(said, "--pcap-payload cannot be combined with --redact"));
	capture_opts_init(&o);
	assert_int_equal(parse(&o, "--pid 1 --redact-map m.tsv"), -1);
	assert_non_null(strstr(said, "--redact-map needs --redact"));
	capture_opts_init(&o);
	assert_int_equal(parse(&o, "--pid 1 extra"), -1);
	assert_non_null(strstr(said, "unexpected argument 'extra'"));
	/* Bounds that clamp with a warning rather than refuse. */
	capture_opts_init(&o);
	assert_int_equal(parse(&o, "--pid 1 --syscall-sample 100us --mem-budget 16M --pcap-buffer 64"), 0);
	assert_int_equal(o.syscall_sample_us, 1000);
	assert_int_equal(o.pcap_buffer_mb, 8);
	error_set_hook(NULL);
}

static void test_options__help_and_version_act_at_once(void **state)
{
	struct capture_opts o;

	(void)state;
	capture_opts_init(&o);
	assert_int_equal(parse(&o, "--help --interval 1ms"), CAPTURE_OPTS_HELP);
	capture_opts_init(&o);
	assert_int_equal(parse(&o, "-V"), CAPTURE_OPTS_VERSION);
}

/* Each option of each table is listed by --help under its name, each
 * source has its --no-SOURCE line. */
static void test_options__help_lists_every_option(void **state)
{
	struct capture_opts o;
	const struct source *const *s;
	const struct capture_option *c;
	char *text, want[128];

	(void)state;
	capture_opts_init(&o);
	text = usage_text(&o, 0);
	for (c = capture_loop_options; c->name; c++) {
		snprintf(want, sizeof(want), "--%s", c->name);
		assert_non_null(strstr(text, want));
	}
	for (s = capture_sources; *s; s++) {
		snprintf(want, sizeof(want), "      --no-%-12s turn off '%s'", (*s)->name, (*s)->name);
		assert_non_null(strstr(text, want));
		for (c = (*s)->options; c && c->name; c++) {
			snprintf(want, sizeof(want), "      --%s%s%s ", c->name, c->arg ? " " : "", c->arg ? c->arg : "");
			assert_non_null(strstr(text, want));
		}
	}
	assert_non_null(strstr(text, "Examples:\n"));
	free(text);
}

/* README.md's "Options of casefile-capture" block is --help's options part,
 * byte for byte (`make readme-options` rewrites it). */
static void test_options__readme_list_matches_help(void **state)
{
	static const char begin[] = "<!-- capture-options: begin", end[] = "<!-- capture-options: end";
	struct capture_opts o;
	char *readme = NULL, *text, *b, *e;
	size_t len = 0;
	FILE *f = fopen("README.md", "r");

	(void)state;
	if (!f)
		skip();
	assert_true(getdelim(&readme, &len, '\0', f) > 0);
	fclose(f);
	b = strstr(readme, begin);
	assert_non_null(b);
	b = strstr(b, "```\n");
	assert_non_null(b);
	b += 4;
	e = strstr(b, end);
	assert_non_null(e);
	assert_true(e - b >= 4 && !strncmp(e - 4, "```\n", 4));
	e[-4] = '\0';
	capture_opts_init(&o);
	text = usage_text(&o, 1);
	assert_string_equal(b, text);
	free(text);
	free(readme);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options__defaults_from_the_tables),
		cmocka_unit_test(test_options__help_states_each_default),
		cmocka_unit_test(test_options__every_source_option_parses),
		cmocka_unit_test(test_options__bad_values_name_option_and_want),
		cmocka_unit_test(test_options__help_and_version_act_at_once),
		cmocka_unit_test(test_options__help_lists_every_option),
		cmocka_unit_test(test_options__readme_list_matches_help),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
