/* casefile-capture: records what a process is doing into one SQLite bundle. */
#include "capture.h"

#include "bundle.h"
#include "error.h"
#include "exitcodes.h"
#include "parse.h"
#include "privs.h"
#include "proc/procfs.h"
#include "redact.h"
#include "targets.h"

#include <ctype.h>
#include <libgen.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

enum source_status { SRC_OFF, SRC_RUNNING, SRC_SKIPPED, SRC_FAILED, SRC_STOPPED };
static const char *const status_names[] = { "off", "running", "skipped", "failed", "stopped" };

struct running_source {
	const struct source *src;
	void *state;
	enum source_status status;
	int requested;
	int64_t first_tick, last_tick;
	char backend[64];
	char reason[512];
};

static void usage(FILE *f)
{
	const struct source *const *s;
	const struct privs_kept *k;

	fprintf(f,
"usage: casefile-capture (--pid PID | --name PATTERN) [OPTIONS]\n"
"\n"
"Records what a process is doing (CPU, memory, fds, cgroup throttling, network\n"
"interfaces, and the sources below) into one SQLite file, the bundle, for\n"
"'casefile-analyze' to read later, anywhere. Read-only towards the target; never\n"
"ptraces unless asked; runs at low priority and within a size cap.\n"
"\n"
"Target:\n"
"  -p, --pid PID          capture this process (repeatable)\n"
"  -n, --name PATTERN     capture processes whose name or command line contains PATTERN\n"
"  -c, --children         also follow descendants, including ones born during capture\n"
"      --max-targets N    follow at most N live processes, --name matches too (default 256)\n"
"\n"
"Time and size:\n"
"  -i, --interval DUR     time between samples (default 1s; e.g. 500ms, 2s)\n"
"  -d, --duration DUR     how long to capture (default 60s; e.g. 30s, 2m, 1h)\n"
"      --max-size SIZE    bound the bundle on disk to SIZE (default 100M): a tick that\n"
"                         would pass it is dropped whole and the capture stops\n"
"  -o, --output FILE      bundle to write (default casefile-HOST-NAME-PID-TIME.db)\n"
"      --force            replace FILE if it is a regular file (a new file renamed over it;\n"
"                         never a link, FIFO, device, or a bundle another capture writes)\n"
"\n"
"Sources (all that are permitted run by default):\n");
	for (s = capture_sources; *s; s++)
		fprintf(f, "      --no-%-12s turn off '%s': %s\n", (*s)->name, (*s)->name, (*s)->summary);
	fprintf(f,
"      --sources LIST     run only these sources (comma-separated)\n"
"      --list-sources     list sources and exit\n"
"      --smaps-interval DUR  how often to read smaps_rollup for PSS (default 10s)\n"
"      --max-threads N    per-thread samples for at most N threads a process (default 256)\n"
"      --all-sockets      sockets: keep every socket of the namespace, not only the target's\n"
"      --syscalls BACKEND syscalls: auto (default: bpf, else perf, else sample), bpf (in-kernel\n"
"                         counts), perf, counts (perf without time: cheaper),\n"
"                         sample, or ptrace (slow; bounded)\n"
"      --syscall-sample DUR  syscalls: sampling period of the fallback (default 10ms)\n"
"      --ptrace-window DUR   syscalls: how long --syscalls=ptrace traces (default 5s)\n"
"      --pcap-iface IF    packets: interface (default: all)\n"
"      --pcap-filter EXPR packets: BPF filter, or 'auto' (default): the target's own connections\n"
"      --pcap-snaplen N   packets: bytes read per packet (default 256); only headers are kept\n"
"      --pcap-payload     packets: keep payload too, up to --pcap-snaplen (not with --redact)\n"
"      --pcap-max-size SIZE  packets: cap on stored packets (default a quarter of --max-size)\n""      --pcap-buffer MIB  packets: kernel ring buffer in MiB (default 32)\n"
"      --log FILE         logs: follow FILE (repeatable; globs allowed)\n"
"      --log-format FMT   logs: auto (default), json, docker, cri, plain\n"
"      --log-since DUR    logs: include the last DUR of history\n"
"      --log-max-size SIZE  logs: share of --max-size for messages, examples and\n"
"                         per-message counts (default an eighth); past it only counts\n"
"                         by file and level are kept, so a burst cannot end the capture\n"
"      --redact           replace addresses, hostnames, tokens with pseudonyms\n"
"      --redact-map FILE  where the pseudonym mapping goes (never into the bundle)\n"
"                         --redact covers every address (sockets, flows, packet headers), host\n"
"                         name, user, path, id and argument; the map is a new 0600 file\n"
"      --attach FILE      store FILE in the bundle (repeatable)\n"
"      --profile-hz N     profile: on-CPU samples a second of each thread (default 99)\n"
"\n"
"Behaviour:\n"
"  -q, --quiet            errors only\n"
"  -v, --verbose          say more\n"
"      --progress / --no-progress  live progress line (default: when stderr is a terminal)\n"
"      --no-nice          keep normal CPU and I/O priority (default: nice 10, idle I/O)\n"
"      --root DIR         read /proc and /sys under DIR (fixture trees, for tests)\n"
"      --cpu-budget PCT   own CPU (%% of a core) before backing off (default 5)\n"
"      --mem-budget SIZE  own memory before dropping sources (default 256M)\n"
"  -h, --help             this help\n"
"  -V, --version          version and bundle schema version\n"
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

static const struct source *find_source(const char *name)
{
	const struct source *const *s;

	for (s = capture_sources; *s; s++)
		if (!strcmp((*s)->name, name))
			return *s;
	return NULL;
}

enum {
	OPT_PCAP_PAYLOAD = 900,
	OPT_MAX_SIZE = 1000, OPT_FORCE, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_NO_NICE, OPT_ROOT,
	OPT_SOURCES, OPT_LIST_SOURCES, OPT_SMAPS, OPT_MAX_THREADS, OPT_CPU_BUDGET, OPT_MEM_BUDGET,
	OPT_ALL_SOCKETS, OPT_SYSCALLS, OPT_SYSCALL_SAMPLE, OPT_PTRACE_WINDOW, OPT_PCAP_IFACE,
	OPT_PCAP_FILTER, OPT_PCAP_SNAPLEN, OPT_PCAP_MAX_SIZE, OPT_PCAP_BUFFER, OPT_LOG,
	OPT_LOG_FORMAT, OPT_LOG_SINCE, OPT_REDACT, OPT_REDACT_MAP, OPT_ATTACH, OPT_KEYFRAME,
	OPT_MAX_TARGETS, OPT_LOG_MAX_SIZE,
};

/* Below this, a sampling round of /proc/PID/task/TID/syscall costs more than
 * the period on a target of a few hundred threads. */
#define SYSCALL_SAMPLE_MIN_US 1000

static int bad_value(const char *opt, const char *val, const char *want)
{
	error("invalid value '%s' for %s: expected %s", val, opt, want);
	return -1;
}

static int parse_args(int argc, char **argv, struct capture_opts *o, int *force, int *list)
{
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "name", required_argument, NULL, 'n' },
		{ "children", no_argument, NULL, 'c' },
		{ "interval", required_argument, NULL, 'i' },
		{ "duration", required_argument, NULL, 'd' },
		{ "max-size", required_argument, NULL, OPT_MAX_SIZE },
		{ "output", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "progress", no_argument, NULL, OPT_PROGRESS },
		{ "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
		{ "no-nice", no_argument, NULL, OPT_NO_NICE },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "sources", required_argument, NULL, OPT_SOURCES },
		{ "list-sources", no_argument, NULL, OPT_LIST_SOURCES },
		{ "smaps-interval", required_argument, NULL, OPT_SMAPS },
		{ "max-threads", required_argument, NULL, OPT_MAX_THREADS },
		{ "max-targets", required_argument, NULL, OPT_MAX_TARGETS },
		{ "cpu-budget", required_argument, NULL, OPT_CPU_BUDGET },
		{ "mem-budget", required_argument, NULL, OPT_MEM_BUDGET },
		{ "all-sockets", no_argument, NULL, OPT_ALL_SOCKETS },
		{ "socket-keyframe", required_argument, NULL, OPT_KEYFRAME },
		{ "syscalls", required_argument, NULL, OPT_SYSCALLS },
		{ "syscall-sample", required_argument, NULL, OPT_SYSCALL_SAMPLE },
		{ "ptrace-window", required_argument, NULL, OPT_PTRACE_WINDOW },
		{ "pcap-iface", required_argument, NULL, OPT_PCAP_IFACE },
		{ "pcap-filter", required_argument, NULL, OPT_PCAP_FILTER },
		{ "pcap-snaplen", required_argument, NULL, OPT_PCAP_SNAPLEN },
		{ "pcap-max-size", required_argument, NULL, OPT_PCAP_MAX_SIZE },
		{ "pcap-buffer", required_argument, NULL, OPT_PCAP_BUFFER },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
		{ "log-since", required_argument, NULL, OPT_LOG_SINCE },
		{ "log-max-size", required_argument, NULL, OPT_LOG_MAX_SIZE },
		{ "redact", no_argument, NULL, OPT_REDACT },
		{ "redact-map", required_argument, NULL, OPT_REDACT_MAP },
		{ "pcap-payload", no_argument, NULL, OPT_PCAP_PAYLOAD },
		{ "attach", required_argument, NULL, OPT_ATTACH },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t u;
	int64_t d;
	int c, i;

	/* --no-SOURCE for every source in the table, without listing each in
	 * longopts: taken out of (our copy of) argv before getopt sees it. */
	for (i = 1; i < argc; ) {
		const struct source *src;

		if (!strcmp(argv[i], "--"))
			break;
		if (strncmp(argv[i], "--no-", 5) || !(src = find_source(argv[i] + 5))) {
			i++;
			continue;
		}
		if (o->ndisabled < CAPTURE_MAX_LIST)
			o->disabled[o->ndisabled++] = src->name;
		memmove(&argv[i], &argv[i + 1], sizeof(char *) * (size_t)(argc - i));
		argc--;
	}

	/* ---- profile source options (capture/profile/): --profile-hz N, taken
	 * out of argv like --no-SOURCE; to move into the per-source option table. */
	for (i = 1; i < argc; ) {
		const char *v = NULL;
		int take = 0;

		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--profile-hz")) {
			if (i + 1 >= argc)
				return error("option '--profile-hz' requires an argument");
			v = argv[i + 1];
			take = 2;
		} else if (!strncmp(argv[i], "--profile-hz=", 13)) {
			v = argv[i] + 13;
			take = 1;
		}
		if (!take) {
			i++;
			continue;
		}
		/* Above ~1000 Hz a sample's unwinding becomes a cost the target pays. */
		if (parse_u64(v, 1, 1000, &u))
			return bad_value("--profile-hz", v, "a number from 1 to 1000");
		o->profile_hz = (int)u;
		memmove(&argv[i], &argv[i + take], sizeof(char *) * (size_t)(argc - i - take + 1));
		argc -= take;
	}
	/* ---- end of profile source options */

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:n:ci:d:o:qvhV", longopts, NULL)) != -1) {
		const char *arg = optarg;

		switch (c) {
		case 'p':
			if (parse_u64(arg, 1, 4194304, &u))
				return bad_value("--pid", arg, "a process id");
			if (o->npids == CAPTURE_MAX_PIDS)
				return error("too many --pid (at most %d)", CAPTURE_MAX_PIDS);
			o->pids[o->npids++] = (pid_t)u;
			break;
		case 'n':
			if (!*arg)
				return bad_value("--name", arg, "a non-empty pattern");
			o->name_pattern = arg;
			break;
		case 'c': o->children = 1; break;
		case 'i':
			if (parse_duration_us(arg, &d) || d < 10000)
				return bad_value("--interval", arg, "a duration of at least 10ms (e.g. 500ms, 1s)");
			o->interval_us = d;
			break;
		case 'd':
			if (parse_duration_us(arg, &d))
				return bad_value("--duration", arg, "a duration (e.g. 30s, 2m, 1h)");
			o->duration_us = d;
			break;
		case OPT_MAX_SIZE:
			if (parse_size(arg, &u) || u < 65536)
				return bad_value("--max-size", arg, "a size of at least 64K (e.g. 20M, 1G)");
			o->max_size = u;
			break;
		case 'o': o->output = arg; break;
		case OPT_FORCE: *force = 1; break;
		case 'q': o->verbosity = 0; break;
		case 'v': o->verbosity = 2; break;
		case OPT_PROGRESS: o->progress = 1; break;
		case OPT_NO_PROGRESS: o->progress = 0; break;
		case OPT_NO_NICE: o->no_nice = 1; break;
		case OPT_ROOT: o->root = arg; break;
		case OPT_SOURCES: {
			char *copy = strdup(arg), *tok, *save = NULL;
			int ntok = 0;

			if (!copy)
				return error("out of memory");
			for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save), ntok++)
				if (!find_source(tok)) {
					error("unknown source '%s' in --sources (see --list-sources)", tok);
					free(copy);
					return -1;
				}
			free(copy);
			if (!ntok)
				return bad_value("--sources", arg, "a comma-separated list of sources (see --list-sources)");
			o->only = arg;
			break;
		}
		case OPT_LIST_SOURCES: *list = 1; break;
		case OPT_SMAPS:
			if (parse_duration_us(arg, &d))
				return bad_value("--smaps-interval", arg, "a duration");
			o->smaps_interval_us = d;
			break;
		case OPT_MAX_THREADS:
			if (parse_u64(arg, 1, 100000, &u))
				return bad_value("--max-threads", arg, "a number from 1 to 100000");
			o->max_threads = (int)u;
			break;
		case OPT_MAX_TARGETS:
			if (parse_u64(arg, 1, 100000, &u))
				return bad_value("--max-targets", arg, "a number from 1 to 100000");
			o->max_targets = (int)u;
			break;
		case OPT_CPU_BUDGET:
			if (parse_u64(arg, 1, 100, &u))
				return bad_value("--cpu-budget", arg, "a percentage from 1 to 100");
			o->cpu_budget_pct = (double)u;
			break;
		case OPT_MEM_BUDGET:
			if (parse_size(arg, &u) || u < (8 << 20))
				return bad_value("--mem-budget", arg, "a size of at least 8M");
			o->mem_budget = u;
			break;
		case OPT_ALL_SOCKETS: o->all_sockets = 1; break;
		case OPT_KEYFRAME:
			if (parse_duration_us(arg, &d))
				return bad_value("--socket-keyframe", arg, "a duration");
			o->socket_keyframe_us = d;
			break;
		case OPT_SYSCALLS:
			if (strcmp(arg, "auto") && strcmp(arg, "bpf") && strcmp(arg, "perf") && strcmp(arg, "counts") &&
			    strcmp(arg, "sample") && strcmp(arg, "ptrace"))
				return bad_value("--syscalls", arg, "auto, bpf, perf, counts, sample or ptrace");
			o->syscalls_backend = arg;
			break;
		case OPT_SYSCALL_SAMPLE:
			if (parse_duration_us(arg, &d))
				return bad_value("--syscall-sample", arg, "a duration");
			o->syscall_sample_us = d;
			break;
		case OPT_PTRACE_WINDOW:
			if (parse_duration_us(arg, &d) || d > 60 * 1000000LL)
				return bad_value("--ptrace-window", arg, "a duration up to 60s");
			o->ptrace_window_us = d;
			break;
		case OPT_PCAP_IFACE: o->pcap_iface = arg; break;
		case OPT_PCAP_FILTER: o->pcap_filter = arg; break;
		case OPT_PCAP_SNAPLEN:
			if (parse_u64(arg, 16, 262144, &u))
				return bad_value("--pcap-snaplen", arg, "a number from 16 to 262144");
			o->pcap_snaplen = (int)u;
			break;
		case OPT_PCAP_MAX_SIZE:
			if (parse_size(arg, &u))
				return bad_value("--pcap-max-size", arg, "a size (e.g. 25M)");
			o->pcap_max_size = u;
			break;
		case OPT_PCAP_BUFFER:
			if (parse_u64(arg, 1, 1024, &u))
				return bad_value("--pcap-buffer", arg, "MiB from 1 to 1024");
			o->pcap_buffer_mb = (int)u;
			break;
		case OPT_LOG:
			if (o->nlogs == CAPTURE_MAX_LIST)
				return error("too many --log (at most %d)", CAPTURE_MAX_LIST);
			o->logs[o->nlogs++] = arg;
			break;
		case OPT_LOG_FORMAT:
			if (strcmp(arg, "auto") && strcmp(arg, "json") && strcmp(arg, "docker") &&
			    strcmp(arg, "cri") && strcmp(arg, "plain"))
				return bad_value("--log-format", arg, "auto, json, docker, cri or plain");
			o->log_format = arg;
			break;
		case OPT_LOG_SINCE:
			if (parse_duration_us(arg, &d))
				return bad_value("--log-since", arg, "a duration");
			o->log_since_us = d;
			break;
		case OPT_LOG_MAX_SIZE:
			if (parse_size(arg, &u))
				return bad_value("--log-max-size", arg, "a size (e.g. 10M)");
			o->log_max_size = u;
			break;
		case OPT_REDACT: o->redact = 1; break;
		case OPT_REDACT_MAP: o->redact_map = arg; break;
		case OPT_PCAP_PAYLOAD: o->pcap_payload = 1; break;
		case OPT_ATTACH:
			if (o->nattach == CAPTURE_MAX_LIST)
				return error("too many --attach (at most %d)", CAPTURE_MAX_LIST);
			o->attach[o->nattach++] = arg;
			break;
		case 'h':
			usage(stdout);
			exit(CF_EXIT_OK);
		case 'V':
			printf("casefile-capture %s (bundle schema %d)\n", CASEFILE_VERSION, bundle_schema_version);
			exit(CF_EXIT_OK);
		default:
			fprintf(stderr, "Try 'casefile-capture --help'.\n");
			return -1;
		}
	}
	if (optind < argc)
		return error("unexpected argument '%s' (see --help)", argv[optind]);
	if (o->redact_map && !o->redact)
		return error("--redact-map needs --redact");
	/* Payload bytes cannot be redacted: a redacted bundle keeps headers only. */
	if (o->pcap_payload && o->redact)
		return error("--pcap-payload cannot be combined with --redact (payload cannot be redacted)");
	if (!o->pcap_max_size)
		o->pcap_max_size = o->max_size / 4;
	if (!o->log_max_size)
		o->log_max_size = o->max_size / 8;
	/* Every bound holds whatever the flags: what is sized at start must
	 * fit the budgets, said once here rather than found out later. */
	if (o->syscall_sample_us > 0 && o->syscall_sample_us < SYSCALL_SAMPLE_MIN_US) {
		warning("--syscall-sample %lldus is below %dms: using %dms (each round reads every "
			"thread's /proc file)", (long long)o->syscall_sample_us,
			SYSCALL_SAMPLE_MIN_US / 1000, SYSCALL_SAMPLE_MIN_US / 1000);
		o->syscall_sample_us = SYSCALL_SAMPLE_MIN_US;
	}
	if ((uint64_t)o->pcap_buffer_mb << 20 > o->mem_budget / 2) {
		int mb = (int)((o->mem_budget / 2) >> 20);

		warning("--pcap-buffer %d MiB is more than half of --mem-budget: using %d MiB",
			o->pcap_buffer_mb, mb > 0 ? mb : 1);
		o->pcap_buffer_mb = mb > 0 ? mb : 1;
	}
	return 0;
}

/* Shell-quotes the command line for the manifest so it can be re-run. */
static void join_argv(int argc, char **argv, char *buf, size_t len)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < argc && n + 4 < len; i++) {
		const char *a = argv[i], *p;
		int plain = *a != '\0';

		for (p = a; *p; p++)
			if (!isalnum((unsigned char)*p) && !strchr("-_./=:,@%+", *p))
				plain = 0;
		n += (size_t)snprintf(buf + n, len - n, i ? " " : "");
		if (n >= len)
			break;
		if (plain) {
			n += (size_t)snprintf(buf + n, len - n, "%s", a);
		} else {
			if (n < len - 1)
				buf[n++] = '\'';
			for (p = a; *p && n + 5 < len; p++) {
				if (*p == '\'') {
					memcpy(buf + n, "'\\''", 4);
					n += 4;
				} else {
					buf[n++] = *p;
				}
			}
			if (n < len - 1)
				buf[n++] = '\'';
			buf[n] = '\0';
		}
	}
	buf[len - 1] = '\0';
}

static void default_output(const struct capture *cap, char *buf, size_t len)
{
	struct utsname u;
	char comm[64] = "process", path[512], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	ssize_t n;
	char *p;

	uname(&u);
	capture_path(cap, path, sizeof(path), "/proc/%d/comm", (int)cap->targets.v[0].pid);
	n = read_file(path, comm, sizeof(comm));
	if (n <= 0)
		snprintf(comm, sizeof(comm), "process");
	for (p = comm; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			*p = *p == '\n' ? '\0' : '_';
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	/* With --redact the file name carries the host's pseudonym, as the
	 * manifest does: a name travels with the bundle. */
	snprintf(buf, len, "casefile-%s-%s-%d-%s.db",
		 capture_redact_value((struct capture *)cap, REDACT_HOST, u.nodename, path, sizeof(path)),
		 comm, (int)cap->targets.v[0].pid, stamp);
}

/* command_line must re-run the capture, so it is never cut: the buffers are
 * sized from argv (each byte quotes to at most 4, each argument adds 3), and
 * redaction's pseudonyms may be longer than what they replace. */
static void manifest_command_line(struct capture *cap)
{
	const struct capture_opts *o = cap->opts;
	size_t len = 1, redsz;
	char *buf, *red;
	int i;

	for (i = 0; i < o->argc; i++)
		len += 4 * strlen(o->argv[i]) + 3;
	redsz = 4 * len + 1024;
	buf = malloc(len);
	red = malloc(redsz);
	if (buf && red) {
		join_argv(o->argc, o->argv, buf, len);
		writer_manifest_set(cap->w, "command_line", capture_redact_str(cap, buf, red, redsz));
	} else {
		warning("out of memory: the manifest has no command_line");
	}
	free(buf);
	free(red);
}

/* The few origin variables kept from the target's environment (never stored
 * wholesale: secrets live there). The whole environ is read, bounded: a
 * variable after 8 KiB of others must not be missed. */
static void manifest_environ(struct capture *cap)
{
	static const struct { const char *var, *key; } keep[] = {
		{ "POD_NAME=", "pod" }, { "POD_NAMESPACE=", "namespace" },
		{ "KUBERNETES_POD_NAME=", "pod" }, { "KUBERNETES_NAMESPACE=", "namespace" },
		{ "HOSTNAME=", "target_hostname" }, { "KUBERNETES_SERVICE_HOST=", "kubernetes_service_host" },
	};
	char path[512], *buf;
	ssize_t got;
	size_t off = 0, k;
	int cut;

	capture_path(cap, path, sizeof(path), "/proc/%d/environ", (int)cap->targets.v[0].pid);
	got = read_file_alloc(path, 16u << 20, &buf, &cut);
	if (cut)
		writer_manifest_set(cap->w, "environ_truncated", "1");
	while (got > 0 && off < (size_t)got) {
		const char *var = buf + off;
		size_t len = strnlen(var, (size_t)got - off);

		for (k = 0; k < sizeof(keep) / sizeof(keep[0]); k++) {
			size_t vl = strlen(keep[k].var);

			if (len > vl && len < 256 && !strncmp(var, keep[k].var, vl)) {
				char val[256], red[256];

				memcpy(val, var + vl, len - vl);
				val[len - vl] = '\0';
				/* With --redact, names and addresses get pseudonyms. */
				if (strcmp(keep[k].key, "pod") && strcmp(keep[k].key, "namespace"))
					capture_redact_value(cap, strcmp(keep[k].key, "target_hostname") ? REDACT_IP : REDACT_HOST,
							     val, red, sizeof(red));
				else
					snprintf(red, sizeof(red), "%s", val);
				writer_manifest_set(cap->w, keep[k].key, red);
			}
		}
		off += len + 1;
	}
	free(buf);
}

static void write_manifest(struct capture *cap, const char *output)
{
	const struct capture_opts *o = cap->opts;
	struct writer *w = cap->w;
	struct utsname u;
	unsigned char rnd[16];
	char buf[8192], tmp[64], path[4096];
	size_t n = 0;
	int i;

	uname(&u);
	writer_manifest_set(w, "host", capture_redact_value(cap, REDACT_HOST, u.nodename, path, sizeof(path)));
	writer_manifest_setf(w, "kernel", "%s %s", u.release, u.version);
	writer_manifest_set(w, "arch", u.machine);
	writer_manifest_set(w, "tool", "casefile-capture");
	writer_manifest_set(w, "tool_version", CASEFILE_VERSION);
	writer_manifest_setf(w, "schema_version", "%d", bundle_schema_version);
	manifest_command_line(cap);
	writer_manifest_setf(w, "start_us", "%lld", (long long)cap->tick_wall_us);
	writer_manifest_set(w, "start_time", format_time_us(cap->tick_wall_us, tmp, sizeof(tmp)));
	writer_manifest_setf(w, "interval_us", "%lld", (long long)o->interval_us);
	writer_manifest_setf(w, "duration_us", "%lld", (long long)o->duration_us);
	writer_manifest_setf(w, "max_size", "%llu", (unsigned long long)o->max_size);
	writer_manifest_set(w, "output", output);
	buf[0] = '\0';
	for (i = 0; i < o->npids && n < sizeof(buf) - 32; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s--pid %d", n ? " " : "", (int)o->pids[i]);
	if (o->name_pattern)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s--name %s", n ? " " : "", o->name_pattern);
	if (o->children && n < sizeof(buf))
		snprintf(buf + n, sizeof(buf) - n, " --children");
	writer_manifest_set(w, "target_selection", buf);
	if (getrandom(rnd, sizeof(rnd), 0) == (ssize_t)sizeof(rnd)) {
		for (i = 0; i < 16; i++)
			snprintf(buf + 2 * i, 3, "%02x", rnd[i]);
		/* Ids inside a bundle are local; bundle_id keeps them apart when
		 * several bundles are unioned (ATTACH, DuckDB). */
		writer_manifest_set(w, "bundle_id", buf);
	}
	capture_path(cap, path, sizeof(path), "/proc/sys/kernel/random/boot_id");
	if (read_file(path, buf, sizeof(buf)) > 0) {
		buf[strcspn(buf, "\n")] = '\0';
		writer_manifest_set(w, "boot_id", buf);
	}
	writer_manifest_setf(w, "ncpu", "%ld", sysconf(_SC_NPROCESSORS_ONLN));
	writer_manifest_setf(w, "clk_tck", "%ld", sysconf(_SC_CLK_TCK));
	writer_manifest_setf(w, "page_size", "%ld", sysconf(_SC_PAGESIZE));
	/* Origin, when the environment tells. */
	manifest_environ(cap);
	/* Kubernetes and container ids, when the cgroup path names them. */
	capture_path(cap, path, sizeof(path), "/proc/%d/cgroup", (int)cap->targets.v[0].pid);
	if (read_file(path, buf, sizeof(buf)) > 0) {
		char *p = buf, *best = NULL;
		size_t run = 0;

		for (; *p; p++) {
			if (isxdigit((unsigned char)*p)) {
				if (++run == 64)
					best = p - 63;
			} else {
				run = 0;
			}
		}
		if (best) {
			best[64] = '\0';
			writer_manifest_set(w, "container_id", best);
		}
	}
}

/* Each --attach must name a regular file we can read: checked before the
 * bundle exists, so a typo or a FIFO ends the run at once (a FIFO is opened
 * without blocking, then refused). */
static int check_attachments(const struct capture_opts *o)
{
	int i;

	for (i = 0; i < o->nattach; i++) {
		struct stat st;
		int fd = open(o->attach[i], O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);

		if (fd < 0)
			return error_errno("cannot attach '%s'", o->attach[i]);
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			return error("cannot attach '%s': not a regular file", o->attach[i]);
		}
		close(fd);
	}
	return 0;
}

static void lower_priority(const struct capture_opts *o)
{
	if (o->no_nice)
		return;
	/* Production first: the target must win every contest for CPU and disk. */
	if (setpriority(PRIO_PROCESS, 0, 10) != 0)
		info("cannot lower CPU priority: %s", strerror(errno));
#ifdef SYS_ioprio_set
	/* IOPRIO_CLASS_IDLE (3) << IOPRIO_CLASS_SHIFT (13), IOPRIO_WHO_PROCESS (1). */
	if (syscall(SYS_ioprio_set, 1, 0, 3 << 13) != 0)
		info("cannot set idle I/O class: %s", strerror(errno));
#endif
}

static int64_t own_cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (int64_t)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec +
	       (int64_t)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
}

static uint64_t own_rss(void)
{
	char buf[256];
	long pages[2];

	if (read_file("/proc/self/statm", buf, sizeof(buf)) <= 0 ||
	    sscanf(buf, "%ld %ld", &pages[0], &pages[1]) != 2)
		return 0;
	return (uint64_t)pages[1] * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void progress(const struct capture *cap, int64_t elapsed_us, uint64_t size, int final)
{
	char e[32], t[32], s[32];

	fprintf(stderr, "\r\033[Kcasefile-capture: %s / %s  ticks %lld  bundle %s  targets %d%s",
		format_duration_us(elapsed_us, e, sizeof(e)),
		format_duration_us(cap->opts->duration_us, t, sizeof(t)),
		(long long)cap->tick, format_size(size, s, sizeof(s)), cap->targets.nalive,
		final ? "\n" : "");
	fflush(stderr);
}

static void sleep_until(int64_t mono_us)
{
	struct timespec ts = { (time_t)(mono_us / 1000000), (long)(mono_us % 1000000) * 1000 };

	/* Returns early on a signal, which is what lets SIGINT stop at once. */
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

static void stop_source(struct capture *cap, struct running_source *r, enum source_status st,
			const char *why)
{
	cap->current = r->src;
	if (r->src->close)
		r->src->close(cap, r->state);
	r->state = NULL;
	r->status = st;
	if (why)
		snprintf(r->reason, sizeof(r->reason), "%s", why);
	cap->current = NULL;
}

int main(int argc, char **argv)
{
	struct capture_opts opts;
	struct capture cap;
	struct running_source *run = NULL;
	struct sigaction sa;
	char output[4096];
	int force = 0, list = 0, nsrc = 0, i, rc = CF_EXIT_OK, complete = 1;
	int64_t interval, next_tick_us, cpu_mark_us, cpu_mark_mono, overruns = 0;
	int backoffs = 0, show_progress;
	int64_t cap_dropped = 0;
	const char *stop_reason = "duration reached";
	char tmp[64];

	error_set_prog("casefile-capture");
	capture_opts_init(&opts);
	opts.argc = argc;
	opts.argv = argv;
	{
		/* parse_args rewrites --no-SOURCE entries; keep the manifest's copy
		 * intact. Static: --help and --version exit inside parse_args, and
		 * LeakSanitizer would count the copy as lost (and its report at
		 * exit would cut the help short). */
		static char **args;

		args = malloc(sizeof(char *) * (size_t)(argc + 1));

		if (!args)
			die(CF_EXIT_INTERNAL, "out of memory");
		memcpy(args, argv, sizeof(char *) * (size_t)(argc + 1));
		if (parse_args(argc, args, &opts, &force, &list)) {
			free(args);
			return CF_EXIT_USAGE;
		}
		free(args);
	}
	error_set_verbosity(opts.verbosity);
	if (list) {
		const struct source *const *s;

		for (s = capture_sources; *s; s++)
			printf("%-10s %s%s\n", (*s)->name, (*s)->summary, (*s)->default_on ? "" : " (off by default)");
		return CF_EXIT_OK;
	}
	if (!opts.npids && !opts.name_pattern) {
		error("no target: give --pid PID or --name PATTERN (see --help)");
		return CF_EXIT_USAGE;
	}

	if (check_attachments(&opts))
		return CF_EXIT_USAGE;
	memset(&cap, 0, sizeof(cap));
	cap.opts = &opts;
	if (targets_init(&cap) < 0) {
		targets_release(&cap.targets);
		return CF_EXIT_NO_TARGET;
	}
	if (capture_redact_init(&cap) < 0) {
		targets_release(&cap.targets);
		return CF_EXIT_INTERNAL;
	}
	if (opts.output)
		snprintf(output, sizeof(output), "%s", opts.output);
	else
		default_output(&cap, output, sizeof(output));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* The map first: a bundle (or a --force replacement) without its map
	 * would be worse than no capture. */
	if (capture_redact_open_map(&cap, output) < 0) {
		capture_redact_release();
		targets_release(&cap.targets);
		return CF_EXIT_IO;
	}
	cap.w = writer_create(output, force);
	if (!cap.w) {
		capture_redact_discard();
		targets_release(&cap.targets);
		return CF_EXIT_IO;
	}
	if (capture_redact_attach(&cap, output) < 0) {
		/* Nothing recorded yet; never capture in the clear instead. */
		writer_close(cap.w, 0);
		unlink(output);
		capture_redact_discard();
		targets_release(&cap.targets);
		return CF_EXIT_IO;
	}
	if (writer_set_max_size(cap.w, opts.max_size)) {
		/* Nothing recorded yet: leave no empty bundle behind. */
		writer_discard(cap.w);
		targets_release(&cap.targets);
		return CF_EXIT_USAGE;
	}
	lower_priority(&opts);
	show_progress = opts.progress == 1 || (opts.progress == -1 && opts.verbosity > 0 && isatty(2));

	cap.start_mono_us = now_mono_us();
	cap.tick_wall_us = now_wall_us();
	cap.tick_mono_us = cap.start_mono_us;

	/* Setup: manifest and sources, in one transaction before the first tick. */
	for (nsrc = 0; capture_sources[nsrc]; nsrc++)
		;
	run = calloc((size_t)nsrc, sizeof(*run));
	if (!run)
		die(CF_EXIT_INTERNAL, "out of memory");
	if (writer_begin(cap.w))
		goto setup_failed;
	write_manifest(&cap, output);
	for (i = 0; i < nsrc; i++) {
		struct running_source *r = &run[i];
		int orc;

		r->src = capture_sources[i];
		r->requested = !capture_source_disabled(&opts, r->src->name) &&
			       (r->src->default_on || opts.only);
		if (r->requested && r->src->wanted && !r->src->wanted(&opts)) {
			r->requested = 0;
			snprintf(r->reason, sizeof(r->reason), "nothing asked of it (see --help)");
			writer_source_status(cap.w, r->src->name, 0, "off", NULL, r->reason, 0, 0);
		}
		if (!r->requested) {
			r->status = SRC_OFF;
			if (!r->reason[0]) {
				snprintf(r->reason, sizeof(r->reason), "turned off (--no-%s or --sources)", r->src->name);
				writer_source_status(cap.w, r->src->name, 0, "off", NULL, r->reason, 0, 0);
			}
			continue;
		}
		cap.current = r->src;
		cap.skip_reason[0] = cap.backend[0] = '\0';
		orc = r->src->open(&cap, &r->state);
		snprintf(r->backend, sizeof(r->backend), "%s", cap.backend);
		snprintf(r->reason, sizeof(r->reason), "%s", cap.skip_reason);
		if (orc == 0) {
			r->status = SRC_RUNNING;
		} else {
			r->status = orc == SOURCE_SKIP ? SRC_SKIPPED : SRC_FAILED;
			if (!r->reason[0])
				snprintf(r->reason, sizeof(r->reason), "could not start (see the capture's messages)");
			writer_event(cap.w, 0, orc == SOURCE_SKIP ? "source_skipped" : "source_failed",
				     r->src->name, "%s", r->reason);
			if (orc == SOURCE_SKIP)
				warning("source '%s' skipped: %s", r->src->name, r->reason);
			else
				warning("source '%s' failed to start: %s", r->src->name, r->reason);
			/* A source that opened partially may hold state. */
			if (r->state && r->src->close)
				r->src->close(&cap, r->state);
			r->state = NULL;
		}
		cap.current = NULL;
		writer_source_status(cap.w, r->src->name, r->requested, status_names[r->status],
				     r->backend, r->reason, 0, 0);
	}
	/* Setup is done: every handle that needed root is open. The tick
	 * loop parses what the target controls (its /proc text, its logs,
	 * netlink replies) with only the capabilities it still needs. */
	{
		char kept[512], dir[4096];
		struct stat dst;
		int foreign;

		snprintf(dir, sizeof(dir), "%s", output);
		foreign = stat(dirname(dir), &dst) < 0 || dst.st_uid != geteuid();
		if (privs_drop(foreign, kept, sizeof(kept)) == 0) {
			writer_event(cap.w, 0, "privileges", NULL,
				     "after setup: capabilities kept: %s; no_new_privs set", kept);
			info("capabilities kept after setup: %s", kept);
		} else {
			writer_event(cap.w, 0, "warning", NULL, "could not drop capabilities after setup");
		}
	}
	if (cap.targets.name_skipped)
		writer_event(cap.w, 0, "warning", NULL,
			     "--name matched %d more processes than --max-targets %d: they are not captured",
			     cap.targets.name_skipped, opts.max_targets);
	writer_event(cap.w, 0, "capture_start", NULL, "capturing %d target(s) into '%s'",
		     cap.targets.n, output);
	if (writer_commit(cap.w))
		goto setup_failed;
	if (opts.verbosity > 0 && !show_progress)
		info("capturing into '%s'", output);

	interval = opts.interval_us;
	next_tick_us = cap.start_mono_us;
	cpu_mark_us = own_cpu_us();
	cpu_mark_mono = cap.start_mono_us;
	for (;;) {
		int64_t t0, elapsed;
		int alive;

		if (stop_signal) {
			stop_reason = stop_signal == SIGINT ? "interrupted (SIGINT)" : "stopped by signal";
			break;
		}
		sleep_until(next_tick_us);
		if (stop_signal)
			continue;
		cap.tick++;
		cap.tick_wall_us = now_wall_us();
		cap.tick_mono_us = t0 = now_mono_us();
		if (writer_begin_tick(cap.w, cap.tick, cap.tick_wall_us, cap.tick_mono_us))
			goto write_failed;
		alive = targets_refresh(&cap);
		if (writer_capped(cap.w))
			goto size_cap;
		if (alive < 0)
			goto write_failed;
		for (i = 0; i < nsrc; i++) {
			struct running_source *r = &run[i];
			int src_rc;

			if (r->status != SRC_RUNNING)
				continue;
			cap.current = r->src;
			src_rc = r->src->sample(&cap, r->state, cap.tick);
			cap.current = NULL;
			/* A source that failed because the writer refused its rows
			 * did nothing wrong: the tick is dropped, not the source. */
			if (writer_capped(cap.w))
				goto size_cap;
			if (src_rc == SOURCE_STOP_CAPTURE) {
				stop_reason = "a source reached its bound";
				cap.stop_requested = 1;
			} else if (src_rc == SOURCE_STOPPED) {
				char why[sizeof(cap.skip_reason)];

				snprintf(why, sizeof(why), "%s", cap.skip_reason);
				writer_event(cap.w, cap.tick, "warning", r->src->name,
					     "stopped: %s; the capture goes on without it", why);
				warning("source '%s' stopped: %s", r->src->name, why);
				stop_source(&cap, r, SRC_STOPPED, why);
			} else if (src_rc < 0) {
				writer_event(cap.w, cap.tick, "source_failed", r->src->name,
					     "failed during capture; the capture goes on without it");
				warning("source '%s' failed; going on without it", r->src->name);
				stop_source(&cap, r, SRC_FAILED, "failed during capture");
			}
			if (!r->first_tick)
				r->first_tick = cap.tick;
			r->last_tick = cap.tick;
		}
		elapsed = now_mono_us() - t0;
		writer_tick_cost(cap.w, cap.tick, elapsed);
		if (writer_commit_tick(cap.w)) {
			if (writer_capped(cap.w))
				goto size_cap;
			goto write_failed;
		}

		if (alive == 0) {
			stop_reason = "every target exited";
			break;
		}
		if (cap.stop_requested)
			break;
		if (show_progress)
			progress(&cap, cap.tick_mono_us - cap.start_mono_us, writer_size(cap.w), 0);
		if (cap.tick_mono_us - cap.start_mono_us >= opts.duration_us)
			break;

		/* Watch our own cost over ~10 s windows and back off when over budget. */
		if (cap.tick_mono_us - cpu_mark_mono >= 10 * 1000000LL) {
			int64_t used = own_cpu_us() - cpu_mark_us;
			double pct = 100.0 * (double)used / (double)(cap.tick_mono_us - cpu_mark_mono);
			uint64_t rss = own_rss();

			if (pct > opts.cpu_budget_pct && backoffs < 3) {
				interval *= 2;
				backoffs++;
				writer_event(cap.w, cap.tick, "backoff", NULL,
					     "own CPU %.1f%% over budget %.0f%%: interval now %s",
					     pct, opts.cpu_budget_pct, format_duration_us(interval, tmp, sizeof(tmp)));
				warning("using %.1f%% CPU (budget %.0f%%); interval now %s", pct,
					opts.cpu_budget_pct, tmp);
			}
			if (rss > opts.mem_budget) {
				/* Drop one optional source per window. Packets first:
				 * its kernel ring (--pcap-buffer, 32 MiB) is mapped into
				 * our RSS and is most of it; measured with a 44 MiB budget,
				 * stopping sockets, then logs, freed nothing that showed,
				 * and only packets brought RSS from 53 to 20 MiB. Then the
				 * last one still running: the table lists the cheapest and
				 * most basic first. */
				int victim = -1;

				for (i = nsrc - 1; i > 0; i--) {
					if (run[i].status != SRC_RUNNING)
						continue;
					if (victim < 0 || !strcmp(run[i].src->name, "packets"))
						victim = i;
				}
				if (victim > 0) {
					writer_event(cap.w, cap.tick, "backoff", run[victim].src->name,
						     "own memory %llu MiB over budget: source stopped",
						     (unsigned long long)(rss >> 20));
					warning("memory over budget; stopping source '%s'", run[victim].src->name);
					stop_source(&cap, &run[victim], SRC_STOPPED, "stopped: capture memory over budget");
#ifdef __GLIBC__
					/* Give what it freed back to the system, so the next
					 * window's RSS shows it instead of stopping another. */
					malloc_trim(0);
#endif
				}
			}
			cpu_mark_us = own_cpu_us();
			cpu_mark_mono = cap.tick_mono_us;
		}
		next_tick_us += interval;
		if (next_tick_us <= now_mono_us()) {
			/* Sampling took longer than the interval: skip the missed
			 * slots rather than bunching ticks together. */
			while (next_tick_us <= now_mono_us())
				next_tick_us += interval;
			if (overruns++ == 0)
				writer_event(cap.w, cap.tick, "warning", NULL,
					     "a tick took longer than the interval (%s); missed ticks are skipped",
					     format_duration_us(elapsed, tmp, sizeof(tmp)));
		}
	}
	goto finish;

size_cap:
	/* The tick in progress would take the bundle past --max-size: drop it
	 * whole and end with the ticks committed before it. */
	writer_rollback(cap.w);
	for (i = 0; i < nsrc; i++) {
		if (run[i].last_tick == cap.tick)
			run[i].last_tick = cap.tick - 1;
		if (run[i].first_tick == cap.tick)
			run[i].first_tick = 0;
	}
	cap_dropped = cap.tick--;
	goto finish;

write_failed:
	rc = CF_EXIT_IO;
	complete = 0;
	stop_reason = errno == ENOSPC ? "disk full" : "write error";
	if (errno == ENOSPC)
		error("disk full while writing '%s': capture stopped; every tick before %lld is kept",
		      output, (long long)cap.tick);

finish:
	if (show_progress)
		progress(&cap, now_mono_us() - cap.start_mono_us, writer_size(cap.w), 1);
	/* Final transaction: close sources (they may flush rows), statuses, end time. */
	if (writer_begin(cap.w) == 0) {
		/* What the sources flush on close is dropped whole if it does not
		 * fit (after a size cap the writer refuses it anyway: it could name
		 * rows of the dropped tick). */
		int flush = writer_exec(cap.w, "SAVEPOINT closing") == 0;

		for (i = 0; i < nsrc; i++) {
			struct running_source *r = &run[i];

			if (r->status == SRC_RUNNING) {
				stop_source(&cap, r, SRC_RUNNING, NULL);
				r->status = SRC_RUNNING;
			}
		}
		if (flush && writer_capped(cap.w))
			writer_exec(cap.w, "ROLLBACK TO closing");
		if (flush)
			writer_exec(cap.w, "RELEASE closing");
		writer_final(cap.w);
		if (writer_capped(cap.w)) {
			char s1[32];

			format_size(opts.max_size, s1, sizeof(s1));
			if (cap_dropped)
				stop_reason = "size cap reached";
			if (cap_dropped == 1)
				writer_event(cap.w, 0, "size_cap", NULL,
					     "bundle reached --max-size %s: the first tick did not fit and no tick was "
					     "kept; a larger --max-size is needed for this target", s1);
			else if (cap_dropped)
				writer_event(cap.w, cap.tick, "size_cap", NULL,
					     "bundle reached --max-size %s: tick %lld did not fit and was dropped whole; "
					     "capture stopped after tick %lld", s1, (long long)cap_dropped,
					     (long long)cap.tick);
			else
				writer_event(cap.w, cap.tick, "size_cap", NULL,
					     "bundle reached --max-size %s: the sources' last rows did not fit and were dropped",
					     s1);
			if (cap_dropped == 1)
				warning("bundle reached --max-size %s before the first tick could be kept; "
					"a larger --max-size is needed for this target", s1);
			else
				warning("bundle reached --max-size %s; stopping", s1);
		}
		for (i = 0; i < nsrc; i++) {
			struct running_source *r = &run[i];

			if (r->requested)
				writer_source_status(cap.w, r->src->name, r->requested,
						     r->status == SRC_RUNNING ? "ran" : status_names[r->status],
						     r->backend, r->reason, r->first_tick, r->last_tick);
		}
		targets_finish(&cap);
		writer_manifest_setf(cap.w, "end_us", "%lld", (long long)now_wall_us());
		writer_manifest_set(cap.w, "end_time", format_time_us(now_wall_us(), tmp, sizeof(tmp)));
		writer_manifest_setf(cap.w, "ticks", "%lld", (long long)cap.tick);
		writer_manifest_set(cap.w, "stop_reason", stop_reason);
		writer_event(cap.w, cap.tick, "capture_stop", NULL, "%s after %lld tick(s)", stop_reason,
			     (long long)cap.tick);
		if (writer_commit(cap.w) && rc == CF_EXIT_OK)
			rc = CF_EXIT_IO;
	} else {
		for (i = 0; i < nsrc; i++)
			if (run[i].status == SRC_RUNNING)
				stop_source(&cap, &run[i], SRC_RUNNING, NULL);
	}
	goto out;
setup_failed:
	/* Nothing was recorded (a full disk at setup): close the sources and
	 * leave no bundle, so a re-run does not need --force. */
	for (i = 0; i < nsrc; i++)
		if (run[i].status == SRC_RUNNING)
			stop_source(&cap, &run[i], SRC_RUNNING, NULL);
	writer_discard(cap.w);
	cap.w = NULL;
	error("nothing recorded; '%s' was removed", output);
	rc = CF_EXIT_IO;
out:
	if (cap.w && writer_close(cap.w, complete) && rc == CF_EXIT_OK)
		rc = CF_EXIT_IO;
	if (cap.failed_attach && rc == CF_EXIT_OK) {
		error("%d --attach file(s) could not be stored in '%s' (see its events)", cap.failed_attach, output);
		rc = CF_EXIT_IO;
	}
	if (rc == CF_EXIT_OK && opts.verbosity > 0)
		fprintf(stderr, "casefile-capture: wrote '%s' (%lld ticks, %s): %s\n", output,
			(long long)cap.tick, stop_reason, "read it with 'casefile-analyze summary'");
	if (capture_redact_map_path() && opts.verbosity > 0)
		fprintf(stderr, "casefile-capture: redaction map in '%s' (keep it private; it is not in the bundle)\n",
			capture_redact_map_path());
	capture_redact_release();
	targets_release(&cap.targets);
	free(run);
	return rc;
}
