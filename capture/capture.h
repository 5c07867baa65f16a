/* casefile-capture: options, targets, and the source interface.
 *
 * A capture is one loop that ticks on an absolute monotonic schedule. At each
 * tick it refreshes the target set, asks every running source to sample, and
 * commits one transaction. Sources are listed in one static table
 * (capture/sources.c); each lives in its own folder (capture/NAME/) and
 * exports one `const struct source` descriptor, which also declares the
 * source's options: --help, parsing and defaults come from those tables
 * (capture/options.c). Adding a source touches its folder, one line in
 * sources.c, and its section of schema/bundle.sql.
 */
#ifndef CASEFILE_CAPTURE_H
#define CASEFILE_CAPTURE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "writer.h"

#define CAPTURE_MAX_PIDS 64
#define CAPTURE_MAX_LIST 32
#define CAPTURE_MAX_SOURCES 32
#define CAPTURE_SOURCE_OPTS_BYTES 2048  /* the sources' own option blocks, together */

struct source;

/* Every option of casefile-capture, with defaults in capture_opts_init(). */
struct capture_opts {
	pid_t pids[CAPTURE_MAX_PIDS];    /* --pid, repeatable */
	int npids;
	const char *name_pattern;        /* --name: substring of comm or cmdline */
	int children;                    /* --children: follow descendants */
	int max_targets;                 /* --max-targets: processes followed at once, default 256 */
	int64_t interval_us;             /* --interval, default 1s */
	int64_t duration_us;             /* --duration, default 60s */
	uint64_t max_size;               /* --max-size, default 100M */
	const char *output;              /* -o; NULL = default name */
	int verbosity;                   /* -q 0, default 1, -v 2 */
	int progress;                    /* live progress line: -1 auto (tty), 0, 1 */
	int no_nice;                     /* --no-nice: keep normal priority */
	const char *root;                /* --root: prefix for /proc, /sys (tests) */
	const char *only;                /* --sources LIST: only these sources */
	const char *disabled[CAPTURE_MAX_LIST]; /* --no-SOURCE */
	int ndisabled;
	int64_t smaps_interval_us;       /* --smaps-interval, default 10s */
	int max_threads;                 /* --max-threads per process sampled, default 256 */
	double cpu_budget_pct;           /* --cpu-budget: own CPU % of a core before backing off */
	uint64_t mem_budget;             /* --mem-budget: own RSS before backing off */

	/* sockets */
	int all_sockets;                 /* --all-sockets: every socket of the netns */
	int64_t socket_keyframe_us;      /* full socket rows at least this often */

	/* syscalls */
	const char *syscalls_backend;    /* --syscalls=auto|perf|sample|ptrace */
	int64_t syscall_sample_us;       /* fallback sampling period */
	int64_t ptrace_window_us;        /* bound for --syscalls=ptrace */

	/* packets */
	const char *pcap_iface;          /* --pcap-iface, default all */
	const char *pcap_filter;         /* --pcap-filter BPF|auto */
	int pcap_snaplen;                /* --pcap-snaplen, default 256 */
	int pcap_payload;                /* --pcap-payload: keep payload, not headers only */
	uint64_t pcap_max_size;          /* --pcap-max-size, default max_size/4 */
	int pcap_buffer_mb;              /* --pcap-buffer, kernel buffer in MiB */

	/* logs and attachments */
	const char *logs[CAPTURE_MAX_LIST];   /* --log FILE|GLOB, repeatable */
	int nlogs;
	const char *log_format;          /* --log-format auto|json|docker|cri|plain */
	int64_t log_since_us;            /* --log-since */
	uint64_t log_max_size;           /* --log-max-size: logs' share of --max-size, default max_size/8 */
	int redact;                      /* --redact */
	const char *redact_map;          /* --redact-map FILE (kept outside the bundle) */
	const char *attach[CAPTURE_MAX_LIST]; /* --attach FILE */
	int nattach;

	int force;                       /* --force: replace an existing bundle */
	int list_sources;                /* --list-sources */

	int argc;                        /* the full command line, for the manifest */
	char **argv;

	/* The sources whose options these are (capture_sources unless a test
	 * gives its own table), and the blocks of the options a source keeps
	 * to itself (CAPTURE_OPT_OWN), laid out by capture_opts_init(). */
	const struct source *const *sources;
	size_t source_opts_off[CAPTURE_MAX_SOURCES];
	_Alignas(16) unsigned char source_opts[CAPTURE_SOURCE_OPTS_BYTES];
};

/* One option of casefile-capture, declared in a table: the loop's own in
 * capture/options.c, each source's in its descriptor (struct source). The
 * parser, --help, the defaults and the README's list come from the tables. */
enum capture_opt_kind {
	CAPTURE_OPT_FLAG,                /* int: 1 when given */
	CAPTURE_OPT_SET,                 /* int: .value when given (-q sets verbosity 0) */
	CAPTURE_OPT_STRING,              /* const char *: the argument (it lives in argv) */
	CAPTURE_OPT_CHOICE,              /* const char *: one of .choices */
	CAPTURE_OPT_INT,                 /* int from .min to .max */
	CAPTURE_OPT_DURATION,            /* int64_t microseconds, at least .min, at most .max (if set) */
	CAPTURE_OPT_SIZE,                /* uint64_t bytes, at least .min */
	CAPTURE_OPT_CUSTOM,              /* .set stores it (repeatable options, lists) */
	CAPTURE_OPT_ACTION,              /* --help, --version: the parser returns .value */
};

struct capture_option {
	const char *name;                /* long name, without "--" */
	int short_name;                  /* 'p' for -p, or 0 */
	const char *arg;                 /* its argument in --help ("DUR"); NULL: takes none */
	const char *help;                /* --help text; '\n' starts a continuation line;
					  * NULL: not listed (said in another's line) */
	const char *usage;               /* --help's left column when not "--NAME ARG" */
	enum capture_opt_kind kind;
	int own;                         /* the value goes into the source's own block
					  * (capture_source_opts()), not struct capture_opts */
	size_t offset;                   /* offsetof() the value in its struct */
	const char *def;                 /* default, parsed as an argument would be; NULL: 0 */
	int64_t min, max;                /* bounds of INT, DURATION (us), SIZE (bytes); max 0: none */
	const char *want;                /* what a bad value is told it should be */
	const char *const *choices;      /* CHOICE: NULL-terminated */
	int value;                       /* SET, ACTION */
	int section;                     /* the loop's options: enum capture_opt_section */
	/* CUSTOM: stores ARG into o (or the source's block, OWN); returns 0, or -1
	 * after saying why. */
	int (*set)(struct capture_opts *o, void *own, const char *arg);
};

/* Sets every option to its default (the table's .def) for the sources of
 * capture_sources, or of SOURCES (a NULL-terminated table, e.g. a test's). */
void capture_opts_init(struct capture_opts *o);
void capture_opts_init_sources(struct capture_opts *o, const struct source *const *sources);

/* The block of options SRC keeps to itself (its options marked .own), or
 * NULL when it has none. */
void *capture_source_opts(const struct capture_opts *o, const struct source *src);

/* Whether SOURCE is turned off by --no-SOURCE or left out by --sources. */
int capture_source_disabled(const struct capture_opts *o, const char *source);

/* One process being captured. Entries are added when a target (or, with
 * --children, a descendant) is first seen and marked gone when it exits. */
struct target {
	pid_t pid;
	unsigned long long start_ticks;  /* identity with pid: survives pid reuse */
	int64_t process_id;              /* processes.id in the bundle */
	int is_child;                    /* found through --children */
	int gone;                        /* exited (or pid reused) */
	int64_t first_tick;
	unsigned long long netns;        /* inode of /proc/PID/ns/net, 0 unknown */
	void *source_state;              /* reserved for the process source */
};

struct target_set {
	struct target *v;
	int n, alloc;
	int nalive;
	int capped;                      /* descendants were left out: --max-targets reached */
	int name_skipped;                /* --name matches left out at start (--max-targets) */
};

struct capture;

/* The source interface. Every callback gets the capture and its own state.
 *
 * open:   decide whether the source can run (privileges, kernel support) and
 *         prepare. Return 0 to run, SOURCE_SKIP after capture_source_skip()
 *         said why, or -1 on error (the source is marked failed and the
 *         capture goes on).
 * sample: called once per tick inside the tick's transaction, after the
 *         target set was refreshed. Return 0, or -1 to mark the source failed
 *         (it is closed and the capture goes on), SOURCE_STOP_CAPTURE when
 *         the capture as a whole must end (size cap), or SOURCE_STOPPED after
 *         capture_source_skip() said why it cannot go on (it is closed with
 *         status `stopped` and that reason, and the capture goes on). When
 *         the bundle reaches --max-size, writer_step() fails with errno
 *         EFBIG: return -1 as for any write error; the loop sees the writer
 *         is capped, drops the tick whole and does not count the source as
 *         failed.
 * stopping: optional; the capture is ending: called for every running source
 *         before any of them is closed, so a source with a thread of its own
 *         (a runtime profile) can tell it to finish now instead of when its
 *         turn to close comes. Must not block.
 * close:  release everything; called once for every source that opened, even
 *         after a failure. May still write rows (a final transaction is open).
 */
enum { SOURCE_SKIP = 1, SOURCE_STOP_CAPTURE = 2, SOURCE_STOPPED = 3 };

struct source {
	const char *name;
	const char *summary;             /* one line for --help and the manifest */
	int default_on;                  /* runs unless --no-NAME */
	/* When set, whether there is anything to do with these options (e.g.
	 * files to attach); a source with nothing to do is "off", not skipped. */
	int (*wanted)(const struct capture_opts *o);
	int (*open)(struct capture *cap, void **state);
	int (*sample)(struct capture *cap, void *state, int64_t tick);
	void (*stopping)(struct capture *cap, void *state);
	void (*close)(struct capture *cap, void *state);

	/* Its options: listed under "Sources" in --help, in table order. A
	 * value goes into struct capture_opts (.offset) or, with .own, into a
	 * block of opts_size bytes that only this source reads. */
	const struct capture_option *options;  /* ends with an entry without name */
	size_t opts_size;
	/* When set, called after parsing: checks that need several options,
	 * defaults that depend on others. Returns 0, or -1 after saying why. */
	int (*check_opts)(struct capture_opts *o);
};

/* The static table of sources, NULL-terminated (capture/sources.c). */
extern const struct source *const capture_sources[];

/* The running capture, shared by all sources. */
struct sockets_view;

struct capture {
	const struct capture_opts *opts;
	struct writer *w;
	struct target_set targets;
	int64_t tick;                    /* current tick id, 0 before the first */
	int64_t tick_wall_us, tick_mono_us;
	int64_t start_mono_us;
	const struct source *current;    /* the source being opened/sampled */
	char skip_reason[512];
	char backend[64];
	int stop_requested;
	int failed_attach;               /* --attach files not stored: the exit is not 0 */
	const struct sockets_view *sockets_view; /* the sockets source's last dump, NULL when
	                                  * it does not run (sockets/sockview.h) */
};

/* Records why the current source cannot run; returns SOURCE_SKIP. */
int capture_source_skip(struct capture *cap, const char *fmt, ...) CF_PRINTF(2, 3);
/* Records which backend the current source uses (e.g. "netlink", "procfs")
 * and, when it is a fallback, why. */
void capture_source_backend(struct capture *cap, const char *backend, const char *why_fallback);
/* Adds an event (events table) for the current source. */
int capture_event(struct capture *cap, const char *kind, const char *fmt, ...) CF_PRINTF(3, 4);

/* pthread_create() for every capture thread (packets, perf ring reader,
 * sampler, ptrace tracer): the thread starts with every signal blocked, so
 * SIGINT, SIGTERM and SIGHUP always reach the main loop. Returns 0 or an
 * errno value, as pthread_create(). */
int capture_thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

/* Path under the root prefix (--root, for fixture trees): "/proc/1/stat" ->
 * "ROOT/proc/1/stat". Writes into buf (size len); returns buf. */
char *capture_path(const struct capture *cap, char *buf, size_t len, const char *fmt, ...) CF_PRINTF(4, 5);

#endif
