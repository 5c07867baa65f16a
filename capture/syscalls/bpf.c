/* The bpf backend of the syscalls source: the counting happens in the
 * kernel, in the eBPF programs of syscalls.bpf.c (written in C, compiled with
 * clang -target bpf, embedded by `bpftool gen skeleton` into syscalls.skel.h,
 * loaded with libbpf). This file loads and attaches them, keeps the targets
 * filter up to date and moves the counters out at each tick.
 *
 * A syscall then costs the target one short program run instead of two ring
 * records (~0.3 us each here). The tick flips `gen` (a global of the
 * program, shared by mmap) and, once the programs in flight are done with
 * the old generation, moves its entries out with lookup-and-delete: each
 * tick gets exact per-interval counters, including the max, without racing
 * the kernel's updates.
 *
 * Attachment: raw tracepoints (BPF_RAW_TRACEPOINT_OPEN on sys_enter and
 * sys_exit): the kernel passes the tracepoint's arguments (regs, id or ret)
 * without building a perf record of the event first, which on this kind of
 * machine is most of a classic tracepoint program's cost, for targets and
 * for everyone else. The exit has no syscall number there: it comes from the
 * thread's enter, so a call without a seen enter (in flight at attach, a new
 * thread's first return from clone) is not counted. When raw tracepoints
 * cannot be used, classic ones: perf_event_open(PERF_TYPE_TRACEPOINT) on the
 * capture itself (pid = us, cpu = -1) + PERF_EVENT_IOC_SET_BPF, with the
 * offsets of `id` and `ret` from the tracepoint's format in tracefs (set in
 * the program's rodata before it is loaded).
 *
 * Which tasks: either way the program is attached to the tracepoint itself,
 * not to a task (on a classic tracepoint the kernel runs the programs before
 * it looks at which perf events want the record, so a per-task event does
 * not narrow it): it runs for every task of the machine. The program
 * therefore starts with a test of the caller's tgid in a bitmap of target
 * processes (an array map, which the verifier inlines into a few
 * instructions, shared with user space by mmap so both sides set and clear
 * bits with atomic operations) and returns at once for any other process:
 * the collateral cost on other processes is that test and the tracepoint
 * itself (see BENCHMARKS.md).
 */
#include "syscalls.h"

#include "bpf_maps.h"
#include "error.h"
#include "proc/procfs.h"
#include "syscalls.skel.h"
#include "tracefs.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* pid_max can be at most 4M (PID_MAX_LIMIT): a 512 KiB bitmap. */
#define SYSBPF_PID_LIMIT (4u << 20)
#define SYSBPF_THREADS 16384
/* Up to this pid_max, entry times sit in an array indexed by tid (16 bytes
 * a possible tid: 4 MiB at most; 512 KiB with the default 32768). */
#define SYSBPF_START_ARRAY_MAX (256u << 10)
#define SYSBPF_MAX_PIDS 256

enum { P_ENTER, P_EXIT, P_FORK, P_N };

struct sysbpf {
	struct sysagg *agg;
	struct syscalls_bpf *skel;
	struct bpf_link *link[P_N];
	uint32_t gen;
	uint64_t *bits;                  /* the targets bitmap, mmap'd */
	uint32_t pid_max, words;
	size_t bits_len;
	pid_t pids[SYSBPF_MAX_PIDS];     /* targets put into the filter */
	int npids, pids_skipped;
	int follow_forks;
	int start_array;                 /* entry times in an array, not a hash */
	int raw;                         /* raw tracepoints (no perf record built) */
	int mounted;
	uint64_t children;               /* targets map entries we did not add */
	char describe[512];
};

/* What sysbpf_open() learnt from tracefs: the tracepoints' ids and the
 * offsets the classic programs read their records at. */
struct sysbpf_tp {
	long enter_id, exit_id, fork_id;
	unsigned enter_id_off, exit_id_off, exit_ret_off, fork_child_off;
};

static int getenv_is(const char *name, const char *value)
{
	const char *v = getenv(name);

	return v && !strcmp(v, value);
}

/* libbpf's messages (the verifier's log among them) are for -v: the caller
 * says in one line why BPF is not used. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char msg[1024];
	size_t n;

	if (level == LIBBPF_DEBUG || error_verbosity() < 2)
		return 0;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	if (n && msg[n - 1] == '\n')
		msg[n - 1] = 0;
	info("syscalls: libbpf: %s", msg);
	return 0;
}

/* Lookup and delete in one step where the kernel can (5.14+ for hashes). */
static int map_take(int fd, const void *key, void *val)
{
	if (bpf_map_lookup_and_delete_elem(fd, key, val) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOTSUP && errno != EOPNOTSUPP)
		return -1;
	if (bpf_map_lookup_elem(fd, key, val) < 0)
		return -1;
	bpf_map_delete_elem(fd, key);
	return 0;
}

/* Opens the skeleton and sizes its maps; RAW picks the raw or the classic
 * tracepoint programs. Returns 0, or -1 with the reason in why. */
static int load(struct sysbpf *b, const struct sysbpf_tp *tp, int raw, char *why, size_t len)
{
	struct syscalls_bpf *s = syscalls_bpf__open();
	int err;

	if (!s) {
		snprintf(why, len, "cannot open the BPF object: %s", strerror(errno));
		return -1;
	}
	s->rodata->enter_id_off = tp->enter_id_off;
	s->rodata->exit_id_off = tp->exit_id_off;
	s->rodata->exit_ret_off = tp->exit_ret_off;
	s->rodata->fork_child_off = tp->fork_child_off;
	bpf_program__set_autoload(s->progs.cf_raw_enter, raw);
	bpf_program__set_autoload(s->progs.cf_raw_exit, raw);
	bpf_program__set_autoload(s->progs.cf_tp_enter, !raw);
	bpf_program__set_autoload(s->progs.cf_tp_exit, !raw);
	bpf_program__set_autoload(s->progs.cf_fork, tp->fork_id >= 0);
	bpf_map__set_max_entries(s->maps.targets, b->words);
	/* Entry times by tid: an array indexed by tid when pid_max is small
	 * enough (the verifier inlines an array lookup: a hash lookup at each
	 * enter and exit costs the target more than all the rest), else an LRU
	 * hash (threads that die inside a syscall leave entries that must not
	 * fill it). CASEFILE_SYSBPF_START=hash forces the hash (tests). */
	if (b->start_array) {
		bpf_map__set_max_entries(s->maps.start, b->pid_max);
	} else {
		bpf_map__set_type(s->maps.start, BPF_MAP_TYPE_LRU_HASH);
		bpf_map__set_max_entries(s->maps.start, SYSBPF_THREADS);
	}
	err = syscalls_bpf__load(s);
	if (err) {
		err = -err;
		if (err == EPERM || err == EACCES)
			snprintf(why, len, "loading the BPF programs not permitted: %s (needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)",
				 strerror(err));
		else
			snprintf(why, len, "the kernel refused the %s BPF programs: %s (libbpf and the verifier's log are printed under -v)",
				 raw ? "raw tracepoint" : "tracepoint", strerror(err));
		syscalls_bpf__destroy(s);
		return -1;
	}
	b->skel = s;
	b->raw = raw;
	return 0;
}

/* Attaches the classic tracepoint TP_ID's program through a counting perf
 * event on the capture itself (pid = us, cpu = -1): it is on a CPU's list
 * only while we run, so the records our programs let through (they return
 * 1) cost nothing anywhere else. The link owns the event. */
static struct bpf_link *attach_tp(struct bpf_program *prog, long tp_id, char *why, size_t len)
{
	struct perf_event_attr pa;
	struct bpf_link *l;
	int fd;

	memset(&pa, 0, sizeof(pa));
	pa.type = PERF_TYPE_TRACEPOINT;
	pa.size = sizeof(pa);
	pa.config = (uint64_t)tp_id;
	pa.sample_period = 0;
	pa.disabled = 1;
	fd = (int)syscall(SYS_perf_event_open, &pa, getpid(), -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "perf_event_open on a tracepoint failed: %s", strerror(errno));
		return NULL;
	}
	l = bpf_program__attach_perf_event(prog, fd);
	if (!l) {
		snprintf(why, len, "attaching a BPF program to a tracepoint (PERF_EVENT_IOC_SET_BPF) failed: %s",
			 strerror(errno));
		close(fd);
	}
	return l;
}

static struct bpf_link *attach_raw(struct bpf_program *prog, const char *tp, char *why, size_t len)
{
	struct bpf_link *l = bpf_program__attach_raw_tracepoint(prog, tp);

	if (!l)
		snprintf(why, len, "bpf(BPF_RAW_TRACEPOINT_OPEN, %s) failed: %s", tp, strerror(errno));
	return l;
}

static int known_pid(const struct sysbpf *b, pid_t pid)
{
	int i;

	for (i = 0; i < b->npids; i++)
		if (b->pids[i] == pid)
			return 1;
	return 0;
}

static void set_bit(struct sysbpf *b, uint32_t id)
{
	if (id < b->pid_max)
		__atomic_fetch_or(&b->bits[id >> 6], 1ULL << (id & 63), __ATOMIC_RELAXED);
}

static void clear_bit(struct sysbpf *b, uint32_t id)
{
	if (id < b->pid_max)
		__atomic_fetch_and(&b->bits[id >> 6], ~(1ULL << (id & 63)), __ATOMIC_RELAXED);
}

/* Puts new targets into the filter and takes out those that exited (their
 * pid may come back as a stranger's). */
static void add_targets(struct sysbpf *b, struct capture *cap)
{
	int i;

	for (i = 0; i < cap->targets.n; i++) {
		const struct target *t = &cap->targets.v[i];

		if (t->pid <= 0 || (uint32_t)t->pid >= b->pid_max)
			continue;
		if (known_pid(b, t->pid)) {
			if (t->gone)
				clear_bit(b, (uint32_t)t->pid);
			continue;
		}
		if (t->gone)
			continue;
		if (b->npids == SYSBPF_MAX_PIDS) {
			b->pids_skipped++;
			continue;
		}
		set_bit(b, (uint32_t)t->pid);
		b->pids[b->npids++] = t->pid;
	}
}

/* Whether ID names a live process (a thread group leader), per /proc. */
static int is_process(struct capture *cap, uint32_t id)
{
	char path[PATH_MAX], buf[4096];
	struct proc_status st;
	size_t n;
	FILE *f;

	capture_path(cap, path, sizeof(path), "/proc/%u/status", id);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return procfs_parse_status(buf, n, &st) == 0 && st.tgid >= 0 && (uint32_t)st.tgid == id;
}

/* The fork program sets the bit of every child of a target, threads
 * included: keep the processes, clear the threads (their tgid is a target
 * already) and processes that exited, so a recycled id never makes a
 * stranger a target. */
static void prune_targets(struct sysbpf *b, struct capture *cap)
{
	uint32_t w;
	uint64_t children = 0;

	for (w = 0; w < b->words; w++) {
		uint64_t v = __atomic_load_n(&b->bits[w], __ATOMIC_RELAXED);

		while (v) {
			int bit = __builtin_ctzll(v);
			uint32_t id = w * 64 + (uint32_t)bit;

			v &= v - 1;
			if (known_pid(b, (pid_t)id))
				continue;
			if (is_process(cap, id))
				children++;
			else
				clear_bit(b, id);
		}
	}
	b->children = children;
}

/* The kernel's pid_max: the size of the targets bitmap. */
static uint32_t read_pid_max(struct capture *cap)
{
	char path[PATH_MAX], buf[32];
	unsigned long v = 0;
	FILE *f;

	capture_path(cap, path, sizeof(path), "/proc/sys/kernel/pid_max");
	f = fopen(path, "re");
	if (f) {
		if (fgets(buf, sizeof(buf), f))
			v = strtoul(buf, NULL, 10);
		fclose(f);
	}
	if (v < 301 || v > SYSBPF_PID_LIMIT)
		v = SYSBPF_PID_LIMIT;
	return (uint32_t)v;
}

/* The keys of map FD (KSZ bytes each, their generation a uint32 at GEN_OFF)
 * of generation GEN, or of every generation when GEN < 0: a malloc'd array
 * of *count keys (NULL when none). Keys are collected before any is taken out,
 * since deleting during GET_NEXT_KEY would restart the walk. */
static void *map_keys(int fd, size_t ksz, size_t gen_off, int gen, size_t *count)
{
	unsigned char key[32], next[32];
	unsigned char *keys = NULL;
	size_t n = 0, cap = 0;
	int first = 1;
	uint32_t kgen;

	while (ksz <= sizeof(key) && bpf_map_get_next_key(fd, first ? NULL : key, next) == 0) {
		first = 0;
		memcpy(key, next, ksz);
		memcpy(&kgen, key + gen_off, sizeof(kgen));
		if (gen >= 0 && kgen != (uint32_t)gen)
			continue;
		if (n == cap) {
			unsigned char *k = realloc(keys, (cap ? cap * 2 : 64) * ksz);

			if (!k)
				break;
			keys = k;
			cap = cap ? cap * 2 : 64;
		}
		memcpy(keys + n++ * ksz, key, ksz);
	}
	*count = n;
	return keys;
}

/* Moves the counters of generation GEN (or of both when GEN < 0) into agg. */
static void collect(struct sysbpf *b, int gen)
{
	int fd_counts = bpf_map__fd(b->skel->maps.counts), fd_errs = bpf_map__fd(b->skel->maps.errs);
	struct sysbpf_key *keys;
	struct sysbpf_ekey *ekeys;
	size_t n, en_n, i;
	uint64_t dropped = 0;
	int g;

	keys = map_keys(fd_counts, sizeof(*keys), offsetof(struct sysbpf_key, gen), gen, &n);
	ekeys = map_keys(fd_errs, sizeof(*ekeys), offsetof(struct sysbpf_ekey, gen), gen, &en_n);
	for (g = 0; g < 2; g++)
		if (gen < 0 || g == gen)
			dropped += __atomic_exchange_n(&b->skel->bss->dropped[g], 0, __ATOMIC_RELAXED);

	pthread_mutex_lock(&b->agg->lock);
	for (i = 0; i < n; i++) {
		struct sysbpf_val val;
		struct sysagg_entry e;

		if (map_take(fd_counts, &keys[i], &val) < 0)
			continue;
		memset(&e, 0, sizeof(e));
		e.pid = (int32_t)keys[i].tgid;
		e.tid = (int32_t)keys[i].tid;
		e.nr = (int32_t)keys[i].nr;
		e.calls = val.calls;
		e.errors = val.errors;
		e.total_ns = val.total_ns;
		e.max_ns = val.max_ns;
		e.timed = val.timed;
		sysagg_add(b->agg, &e);
	}
	for (i = 0; i < en_n; i++) {
		uint64_t count;

		if (map_take(fd_errs, &ekeys[i], &count) < 0)
			continue;
		sysagg_add_errno(b->agg, (int32_t)ekeys[i].tgid, (int32_t)ekeys[i].nr, (int32_t)ekeys[i].err, count);
	}
	b->agg->live.dropped += dropped;
	pthread_mutex_unlock(&b->agg->lock);
	free(keys);
	free(ekeys);
}

/* The tracepoints' ids and record offsets, from tracefs. */
static int read_tracepoints(struct sysbpf *b, struct capture *cap, struct sysbpf_tp *tp, char *why, size_t len)
{
	struct tracefs tf;
	struct tracefs_field f_id, f_ret, f_child, f_enter_id;

	if (tracefs_open(cap, &tf, "raw_syscalls", "sys_enter", why, len) < 0)
		return -1;
	tp->enter_id = tracefs_tracepoint_id(tf.dir, "raw_syscalls", "sys_enter");
	tp->exit_id = tracefs_tracepoint_id(tf.dir, "raw_syscalls", "sys_exit");
	tp->fork_id = -1;
	if (tracefs_field(tf.dir, "raw_syscalls", "sys_exit", "id", &f_id) < 0 ||
	    tracefs_field(tf.dir, "raw_syscalls", "sys_exit", "ret", &f_ret) < 0 ||
	    tracefs_field(tf.dir, "raw_syscalls", "sys_enter", "id", &f_enter_id) < 0 || f_enter_id.size != 8 ||
	    f_id.size != 8 || f_ret.size != 8) {
		snprintf(why, len, "raw_syscalls:sys_exit has no 8-byte id and ret fields in %s", tf.name);
		tracefs_done(&tf);
		return -1;
	}
	tp->enter_id_off = f_enter_id.offset;
	tp->exit_id_off = f_id.offset;
	tp->exit_ret_off = f_ret.offset;
	if (tracefs_field(tf.dir, "sched", "sched_process_fork", "child_pid", &f_child) == 0 && f_child.size == 4) {
		tp->fork_id = tracefs_tracepoint_id(tf.dir, "sched", "sched_process_fork");
		tp->fork_child_off = f_child.offset;
	}
	tracefs_done(&tf);
	b->mounted = tf.mounted;
	if (tp->enter_id < 0 || tp->exit_id < 0) {
		snprintf(why, len, "no raw_syscalls tracepoints in tracefs (%s)", tf.name);
		return -1;
	}
	return 0;
}

struct sysbpf *sysbpf_open(struct capture *cap, struct sysagg *agg, char *why, size_t len)
{
	struct sysbpf *b = calloc(1, sizeof(*b));
	struct sysbpf_tp tp;
	char why_raw[256] = "CASEFILE_SYSBPF_RAW=no";
	int fd;

	if (!b) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	b->agg = agg;
	libbpf_set_print(libbpf_print);
	if (read_tracepoints(b, cap, &tp, why, len) < 0)
		goto fail;
	b->pid_max = read_pid_max(cap);
	b->words = (b->pid_max + 63) / 64;
	b->start_array = b->pid_max <= SYSBPF_START_ARRAY_MAX && !getenv_is("CASEFILE_SYSBPF_START", "hash");

	/* Raw tracepoints first: cheaper for the target and for every other
	 * process. CASEFILE_SYSBPF_RAW=no skips them (tests). */
	if (getenv_is("CASEFILE_SYSBPF_RAW", "no") || load(b, &tp, 1, why_raw, sizeof(why_raw)) < 0) {
		info("syscalls: raw tracepoints not usable (%s): classic tracepoints instead", why_raw);
		if (load(b, &tp, 0, why, len) < 0)
			goto fail;
	}
	fd = bpf_map__fd(b->skel->maps.targets);
	b->bits_len = ((size_t)b->words * 8 + (size_t)getpagesize() - 1) / (size_t)getpagesize() *
		      (size_t)getpagesize();
	b->bits = mmap(NULL, b->bits_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (b->bits == MAP_FAILED) {
		b->bits = NULL;
		snprintf(why, len, "cannot mmap the targets bitmap (kernel before 5.5?): %s", strerror(errno));
		goto fail;
	}

	add_targets(b, cap);
	if (b->npids == 0) {
		snprintf(why, len, "no target process to follow");
		goto fail;
	}
	/* Exit first: an enter without its exit yet is harmless, an exit
	 * attached before its enter would only miss a duration. */
	if (b->raw) {
		if (!(b->link[P_EXIT] = attach_raw(b->skel->progs.cf_raw_exit, "sys_exit", why, len)) ||
		    !(b->link[P_ENTER] = attach_raw(b->skel->progs.cf_raw_enter, "sys_enter", why, len)))
			goto fail;
	} else if (!(b->link[P_EXIT] = attach_tp(b->skel->progs.cf_tp_exit, tp.exit_id, why, len)) ||
		   !(b->link[P_ENTER] = attach_tp(b->skel->progs.cf_tp_enter, tp.enter_id, why, len))) {
		goto fail;
	}
	if (tp.fork_id >= 0) {
		char why_fork[256];

		b->link[P_FORK] = attach_tp(b->skel->progs.cf_fork, tp.fork_id, why_fork, sizeof(why_fork));
		b->follow_forks = b->link[P_FORK] != NULL;
		if (!b->follow_forks)
			info("syscalls: children started later are not followed: %s", why_fork);
	}
	return b;
fail:
	sysbpf_close(b);
	return NULL;
}

int sysbpf_refresh(struct sysbpf *b, struct capture *cap)
{
	uint32_t old = b->gen;
	struct timespec ts = { 0, 2 * 1000 * 1000 };

	add_targets(b, cap);
	if (b->follow_forks)
		prune_targets(b, cap);
	b->gen ^= 1;
	__atomic_store_n(&b->skel->bss->gen, b->gen, __ATOMIC_RELEASE);
	/* A program that read the old generation just before the switch
	 * finishes within microseconds (tracepoint programs do not sleep). */
	nanosleep(&ts, NULL);
	collect(b, (int)old);
	return 0;
}

void sysbpf_close(struct sysbpf *b)
{
	int i;

	if (!b)
		return;
	/* Detach first, so the last collection sees everything. */
	for (i = 0; i < P_N; i++) {
		bpf_link__destroy(b->link[i]);
		b->link[i] = NULL;
	}
	if (b->skel && b->agg)
		collect(b, -1);
	if (b->bits)
		munmap(b->bits, b->bits_len);
	syscalls_bpf__destroy(b->skel);
	free(b);
}

const char *sysbpf_describe(struct sysbpf *b)
{
	snprintf(b->describe, sizeof(b->describe),
		 "in-kernel aggregation (eBPF on %s sys_enter and sys_exit): calls, errors, time; "
		 "%d processes in the filter, entry times in %s%s%s%s",
		 b->raw ? "raw tracepoints" : "tracepoints raw_syscalls:", b->npids,
		 b->start_array ? "an array by tid" : "an LRU hash by tid",
		 b->follow_forks ? ", children followed (sched_process_fork)" : ", children not followed",
		 b->pids_skipped ? ", processes beyond 256 not followed" : "",
		 b->mounted == 2 ? ", tracefs mounted to read the tracepoint formats, then unmounted" :
		 b->mounted ? ", tracefs mounted to read the tracepoint formats" : "");
	return b->describe;
}
