/* casefile-capture's options: the loop's table, the one parser and --help
 * for it and every source's table (struct source's .options). */
#include "options.h"

#include "error.h"
#include "exitcodes.h"
#include "parse.h"
#include "privs.h"

#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define OPT(field) offsetof(struct capture_opts, field)

static int set_pid(struct capture_opts *o, void *own, const char *arg)
{
	uint64_t u;

	(void)own;
	if (parse_u64(arg, 1, 4194304, &u))
		return error("invalid value '%s' for --pid: expected a process id", arg);
	if (o->npids == CAPTURE_MAX_PIDS)
		return error("too many --pid (at most %d)", CAPTURE_MAX_PIDS);
	o->pids[o->npids++] = (pid_t)u;
	return 0;
}

static int set_name(struct capture_opts *o, void *own, const char *arg)
{
	(void)own;
	if (!*arg)
		return error("invalid value '%s' for --name: expected a non-empty pattern", arg);
	o->name_pattern = arg;
	return 0;
}

static int set_sources(struct capture_opts *o, void *own, const char *arg)
{
	char *copy = strdup(arg), *tok, *save = NULL;
	int ntok = 0;

	(void)own;
	if (!copy)
		return error("out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save), ntok++)
		if (!capture_find_source(o, tok)) {
			error("unknown source '%s' in --sources (see --list-sources)", tok);
			free(copy);
			return -1;
		}
	free(copy);
	if (!ntok)
		return error("invalid value '%s' for --sources: expected a comma-separated list of "
			     "sources (see --list-sources)", arg);
	o->only = arg;
	return 0;
}

static int set_cpu_budget(struct capture_opts *o, void *own, const char *arg)
{
	uint64_t u;

	(void)own;
	if (parse_u64(arg, 1, 100, &u))
		return error("invalid value '%s' for --cpu-budget: expected a percentage from 1 to 100", arg);
	o->cpu_budget_pct = (double)u;
	return 0;
}

const struct capture_option capture_loop_options[] = {
	{ .name = "pid", .short_name = 'p', .arg = "PID", .section = CAPTURE_SEC_TARGET,
	  .help = "capture this process (repeatable)", .kind = CAPTURE_OPT_CUSTOM, .set = set_pid },
	{ .name = "name", .short_name = 'n', .arg = "PATTERN", .section = CAPTURE_SEC_TARGET,
	  .help = "capture processes whose name or command line contains PATTERN",
	  .kind = CAPTURE_OPT_CUSTOM, .set = set_name },
	{ .name = "children", .short_name = 'c', .section = CAPTURE_SEC_TARGET,
	  .help = "also follow descendants, including ones born during capture",
	  .kind = CAPTURE_OPT_FLAG, .offset = OPT(children) },
	{ .name = "max-targets", .arg = "N", .section = CAPTURE_SEC_TARGET,
	  .help = "follow at most N live processes, --name matches too (default 256)",
	  .kind = CAPTURE_OPT_INT, .offset = OPT(max_targets), .def = "256", .min = 1, .max = 100000,
	  .want = "a number from 1 to 100000" },

	{ .name = "interval", .short_name = 'i', .arg = "DUR", .section = CAPTURE_SEC_TIME,
	  .help = "time between samples (default 1s; e.g. 500ms, 2s)",
	  .kind = CAPTURE_OPT_DURATION, .offset = OPT(interval_us), .def = "1s", .min = 10000,
	  .want = "a duration of at least 10ms (e.g. 500ms, 1s)" },
	{ .name = "duration", .short_name = 'd', .arg = "DUR", .section = CAPTURE_SEC_TIME,
	  .help = "how long to capture (default 60s; e.g. 30s, 2m, 1h)",
	  .kind = CAPTURE_OPT_DURATION, .offset = OPT(duration_us), .def = "60s",
	  .want = "a duration (e.g. 30s, 2m, 1h)" },
	{ .name = "max-size", .arg = "SIZE", .section = CAPTURE_SEC_TIME,
	  .help = "bound the bundle on disk to SIZE (default 100M): a tick that\n"
		  "would pass it is dropped whole and the capture stops",
	  .kind = CAPTURE_OPT_SIZE, .offset = OPT(max_size), .def = "100M", .min = 65536,
	  .want = "a size of at least 64K (e.g. 20M, 1G)" },
	{ .name = "output", .short_name = 'o', .arg = "FILE", .section = CAPTURE_SEC_TIME,
	  .help = "bundle to write (default casefile-HOST-NAME-PID-TIME.db)",
	  .kind = CAPTURE_OPT_STRING, .offset = OPT(output) },
	{ .name = "force", .section = CAPTURE_SEC_TIME,
	  .help = "replace FILE if it is a regular file (a new file renamed over it;\n"
		  "never a link, FIFO, device, or a bundle another capture writes)",
	  .kind = CAPTURE_OPT_FLAG, .offset = OPT(force) },

	{ .name = "sources", .arg = "LIST", .section = CAPTURE_SEC_SOURCES,
	  .help = "run only these sources (comma-separated)", .kind = CAPTURE_OPT_CUSTOM, .set = set_sources },
	{ .name = "list-sources", .section = CAPTURE_SEC_SOURCES, .help = "list sources and exit",
	  .kind = CAPTURE_OPT_FLAG, .offset = OPT(list_sources) },
	{ .name = "redact", .section = CAPTURE_SEC_SOURCES,
	  .help = "replace addresses, hostnames, tokens with pseudonyms",
	  .kind = CAPTURE_OPT_FLAG, .offset = OPT(redact) },
	{ .name = "redact-map", .arg = "FILE", .section = CAPTURE_SEC_SOURCES,
	  .help = "where the pseudonym mapping goes (never into the bundle)\n"
		  "--redact covers every address (sockets, flows, packet headers), host\n"
		  "name, user, path, id and argument; the map is a new 0600 file",
	  .kind = CAPTURE_OPT_STRING, .offset = OPT(redact_map) },

	{ .name = "quiet", .short_name = 'q', .section = CAPTURE_SEC_BEHAVIOUR, .help = "errors only",
	  .kind = CAPTURE_OPT_SET, .offset = OPT(verbosity), .value = 0 },
	{ .name = "verbose", .short_name = 'v', .section = CAPTURE_SEC_BEHAVIOUR, .help = "say more",
	  .kind = CAPTURE_OPT_SET, .offset = OPT(verbosity), .value = 2 },
	{ .name = "progress", .section = CAPTURE_SEC_BEHAVIOUR, .usage = "--progress / --no-progress",
	  .help = "live progress line (default: when stderr is a terminal)",
	  .kind = CAPTURE_OPT_SET, .offset = OPT(progress), .value = 1 },
	{ .name = "no-progress", .section = CAPTURE_SEC_BEHAVIOUR,
	  .kind = CAPTURE_OPT_SET, .offset = OPT(progress), .value = 0 },
	{ .name = "no-nice", .section = CAPTURE_SEC_BEHAVIOUR,
	  .help = "keep normal CPU and I/O priority (default: nice 10, idle I/O)",
	  .kind = CAPTURE_OPT_FLAG, .offset = OPT(no_nice) },
	{ .name = "root", .arg = "DIR", .section = CAPTURE_SEC_BEHAVIOUR,
	  .help = "read /proc and /sys under DIR (fixture trees, for tests)",
	  .kind = CAPTURE_OPT_STRING, .offset = OPT(root) },
	{ .name = "cpu-budget", .arg = "PCT", .section = CAPTURE_SEC_BEHAVIOUR,
	  .help = "own CPU (% of a core) before backing off (default 5)",
	  .kind = CAPTURE_OPT_CUSTOM, .set = set_cpu_budget, .def = "5" },
	{ .name = "mem-budget", .arg = "SIZE", .section = CAPTURE_SEC_BEHAVIOUR,
	  .help = "own memory before dropping sources (default 256M)",
	  .kind = CAPTURE_OPT_SIZE, .offset = OPT(mem_budget), .def = "256M", .min = 8 << 20,
	  .want = "a size of at least 8M" },
	{ .name = "help", .short_name = 'h', .section = CAPTURE_SEC_BEHAVIOUR, .help = "this help",
	  .kind = CAPTURE_OPT_ACTION, .value = CAPTURE_OPTS_HELP },
	{ .name = "version", .short_name = 'V', .section = CAPTURE_SEC_BEHAVIOUR,
	  .help = "version and bundle schema version", .kind = CAPTURE_OPT_ACTION, .value = CAPTURE_OPTS_VERSION },
	{ .name = NULL },
};

/* Every option the parser knows: the loop's, then each source's in table
 * order, with the source it belongs to (NULL: the loop). */
struct opt_ref {
	const struct capture_option *opt;
	const struct source *src;
};

#define MAX_OPTIONS 256

static int collect(const struct capture_opts *o, struct opt_ref *refs)
{
	const struct source *const *s;
	const struct capture_option *c;
	int n = 0;

	for (c = capture_loop_options; c->name && n < MAX_OPTIONS; c++)
		refs[n++] = (struct opt_ref){ c, NULL };
	for (s = o->sources; *s; s++)
		for (c = (*s)->options; c && c->name && n < MAX_OPTIONS; c++)
			refs[n++] = (struct opt_ref){ c, *s };
	return n;
}

const struct source *capture_find_source(const struct capture_opts *o, const char *name)
{
	const struct source *const *s;

	for (s = o->sources; *s; s++)
		if (!strcmp((*s)->name, name))
			return *s;
	return NULL;
}

void *capture_source_opts(const struct capture_opts *o, const struct source *src)
{
	int i;

	for (i = 0; i < CAPTURE_MAX_SOURCES && o->sources[i]; i++)
		if (o->sources[i] == src)
			return src->opts_size ? (void *)(o->source_opts + o->source_opts_off[i]) : NULL;
	return NULL;
}

static int bad_value(const struct capture_option *c, const char *arg)
{
	return error("invalid value '%s' for --%s: expected %s", arg, c->name, c->want ? c->want : "a valid value");
}

/* Stores ARG (NULL for an option without argument) as option C says. */
static int apply(struct capture_opts *o, const struct opt_ref *r, const char *arg)
{
	const struct capture_option *c = r->opt;
	void *own = r->src ? capture_source_opts(o, r->src) : NULL;
	char *dst = (char *)(c->own ? own : (void *)o);
	uint64_t u;
	int64_t d;
	int i;

	if (!dst && c->kind != CAPTURE_OPT_CUSTOM)
		return error("option --%s has no block to go in (its source's opts_size)", c->name);
	dst += c->offset;
	switch (c->kind) {
	case CAPTURE_OPT_FLAG:
		*(int *)dst = 1;
		return 0;
	case CAPTURE_OPT_SET:
		*(int *)dst = c->value;
		return 0;
	case CAPTURE_OPT_STRING:
		*(const char **)dst = arg;
		return 0;
	case CAPTURE_OPT_CHOICE:
		for (i = 0; c->choices[i]; i++)
			if (!strcmp(arg, c->choices[i])) {
				*(const char **)dst = c->choices[i];
				return 0;
			}
		return bad_value(c, arg);
	case CAPTURE_OPT_INT:
		if (parse_u64(arg, (uint64_t)c->min, (uint64_t)c->max, &u))
			return bad_value(c, arg);
		*(int *)dst = (int)u;
		return 0;
	case CAPTURE_OPT_DURATION:
		if (parse_duration_us(arg, &d) || d < c->min || (c->max && d > c->max))
			return bad_value(c, arg);
		*(int64_t *)dst = d;
		return 0;
	case CAPTURE_OPT_SIZE:
		if (parse_size(arg, &u) || u < (uint64_t)c->min)
			return bad_value(c, arg);
		*(uint64_t *)dst = u;
		return 0;
	case CAPTURE_OPT_CUSTOM:
		return c->set(o, own, arg);
	case CAPTURE_OPT_ACTION:
		return 0;
	}
	return error("option --%s: unknown kind", c->name);
}

void capture_opts_init_sources(struct capture_opts *o, const struct source *const *sources)
{
	struct opt_ref refs[MAX_OPTIONS];
	size_t off = 0;
	int i, n;

	memset(o, 0, sizeof(*o));
	o->sources = sources;
	o->verbosity = 1;
	o->progress = -1;
	o->root = "";
	/* Each source's own block, 16-byte aligned; a table whose blocks do not
	 * fit is a build mistake that test_options catches. */
	for (i = 0; i < CAPTURE_MAX_SOURCES && sources[i]; i++) {
		o->source_opts_off[i] = off;
		off += (sources[i]->opts_size + 15) & ~(size_t)15;
		if (off > sizeof(o->source_opts))
			die(CF_EXIT_INTERNAL, "the options of source '%s' do not fit (CAPTURE_SOURCE_OPTS_BYTES)", sources[i]->name);
	}
	n = collect(o, refs);
	for (i = 0; i < n; i++)
		if (refs[i].opt->def && apply(o, &refs[i], refs[i].opt->def))
			die(CF_EXIT_INTERNAL, "option --%s: bad default '%s'", refs[i].opt->name, refs[i].opt->def);
}

void capture_opts_init(struct capture_opts *o)
{
	capture_opts_init_sources(o, capture_sources);
}

/* --no-SOURCE for every source in the table, without listing each in
 * getopt's options: taken out of ARGV before getopt sees it. Returns the
 * new argc. */
static int take_no_source(struct capture_opts *o, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; ) {
		const struct source *src;

		if (!strcmp(argv[i], "--"))
			break;
		if (strncmp(argv[i], "--no-", 5) || !(src = capture_find_source(o, argv[i] + 5))) {
			i++;
			continue;
		}
		if (o->ndisabled < CAPTURE_MAX_LIST)
			o->disabled[o->ndisabled++] = src->name;
		memmove(&argv[i], &argv[i + 1], sizeof(char *) * (size_t)(argc - i));
		argc--;
	}
	return argc;
}

/* The checks that need several of the loop's options. */
static int check_loop_options(const struct capture_opts *o)
{
	if (o->redact_map && !o->redact)
		return error("--redact-map needs --redact");
	return 0;
}

int capture_opts_parse(struct capture_opts *o, int argc, char **argv)
{
	struct opt_ref refs[MAX_OPTIONS];
	struct option longopts[MAX_OPTIONS + 1];
	char shorts[2 * MAX_OPTIONS + 1];
	const struct source *const *s;
	int n, i, c, ns = 0, action = CAPTURE_OPTS_RUN;

	argc = take_no_source(o, argc, argv);
	n = collect(o, refs);
	for (i = 0; i < n; i++) {
		const struct capture_option *opt = refs[i].opt;

		/* Index + 256: never a short option's character. */
		longopts[i] = (struct option){ opt->name, opt->arg ? required_argument : no_argument, NULL, 256 + i };
		if (opt->short_name) {
			shorts[ns++] = (char)opt->short_name;
			if (opt->arg)
				shorts[ns++] = ':';
		}
	}
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };
	shorts[ns] = '\0';

	/* 0: glibc starts over (a test parses several command lines). */
	optind = 0;
	while ((c = getopt_long(argc, argv, shorts, longopts, NULL)) != -1) {
		int k = c - 256;

		if (c < 256)
			for (k = 0; k < n && refs[k].opt->short_name != c; k++)
				;
		if (c == '?' || k < 0 || k >= n) {
			fprintf(stderr, "Try 'casefile-capture --help'.\n");
			return -1;
		}
		if (refs[k].opt->kind == CAPTURE_OPT_ACTION) {
			/* As before the tables: --help and --version act at once. */
			action = refs[k].opt->value;
			break;
		}
		if (apply(o, &refs[k], optarg))
			return -1;
	}
	if (action != CAPTURE_OPTS_RUN)
		return action;
	if (optind < argc)
		return error("unexpected argument '%s' (see --help)", argv[optind]);
	if (check_loop_options(o))
		return -1;
	for (s = o->sources; *s; s++)
		if ((*s)->check_opts && (*s)->check_opts(o))
			return -1;
	return CAPTURE_OPTS_RUN;
}

/* One option's lines: the left column, padded to 24, then the help; a help
 * line break continues under the help's column. */
static void usage_option(FILE *f, const struct capture_option *c)
{
	char left[128];
	const char *h = c->help, *nl;
	int len;

	if (!c->help)
		return;
	if (c->short_name)
		len = snprintf(left, sizeof(left), "  -%c, ", c->short_name);
	else
		len = snprintf(left, sizeof(left), "      ");
	if (c->usage)
		snprintf(left + len, sizeof(left) - (size_t)len, "%s", c->usage);
	else
		snprintf(left + len, sizeof(left) - (size_t)len, "--%s%s%s", c->name, c->arg ? " " : "",
			 c->arg ? c->arg : "");
	fprintf(f, strlen(left) <= 24 ? "%-24s " : "%s  ", left);
	while ((nl = strchr(h, '\n'))) {
		fprintf(f, "%.*s\n%25s", (int)(nl - h), h, "");
		h = nl + 1;
	}
	fprintf(f, "%s\n", h);
}

static void usage_section(FILE *f, int section)
{
	const struct capture_option *c;

	for (c = capture_loop_options; c->name; c++)
		if (c->section == section)
			usage_option(f, c);
}

void capture_usage_options(FILE *f, const struct capture_opts *o)
{
	const struct source *const *s;
	const struct capture_option *c;

	fprintf(f, "Target:\n");
	usage_section(f, CAPTURE_SEC_TARGET);
	fprintf(f, "\nTime and size:\n");
	usage_section(f, CAPTURE_SEC_TIME);
	fprintf(f, "\nSources (all that are permitted run by default):\n");
	for (s = o->sources; *s; s++)
		fprintf(f, "      --no-%-12s turn off '%s': %s\n", (*s)->name, (*s)->name, (*s)->summary);
	usage_section(f, CAPTURE_SEC_SOURCES);
	for (s = o->sources; *s; s++)
		for (c = (*s)->options; c && c->name; c++)
			usage_option(f, c);
	fprintf(f, "\nBehaviour:\n");
	usage_section(f, CAPTURE_SEC_BEHAVIOUR);
}

void capture_usage(FILE *f, const struct capture_opts *o)
{
	const struct privs_kept *k;

	fprintf(f,
"usage: casefile-capture (--pid PID | --name PATTERN) [OPTIONS]\n"
"\n"
"Records what a process is doing (CPU, memory, fds, cgroup throttling, network\n"
"interfaces, and the sources below) into one SQLite file, the bundle, for\n"
"'casefile-analyze' to read later, anywhere. Read-only towards the target; never\n"
"ptraces unless asked; runs at low priority and within a size cap.\n"
"\n");
	capture_usage_options(f, o);
	fprintf(f,
"\n"
"Privileges: run as root to capture another user's process. Once set up, the\n"
"capture drops every capability but these (when held) and sets no_new_privs:\n");
	for (k = privs_kept; k->name; k++)
		fprintf(f, "  %-16s %s\n", k->name, k->why);
	fprintf(f,
"\n"
"Examples:\n"
"  casefile-capture --pid 18 --duration 2m -o incident.db\n"
"  casefile-capture --name node --children --interval 500ms --duration 30s\n"
"  casefile-capture --pid $(pgrep -n nginx) --no-packets --max-size 20M\n"
"  casefile-analyze summary incident.db\n"
"\n"
"Exit codes: 0 done (also when the target exited), 2 usage, 5 no such target,\n"
"6 cannot write the bundle (what was recorded is kept), 70 internal error.\n");
}
