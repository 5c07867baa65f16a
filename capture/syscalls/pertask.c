/* The pertask backend of the syscalls source: counting perf events opened
 * on the target's own threads, no BPF program and no ring.
 *
 * Why: a program on the global raw syscall tracepoints (the bpf backend)
 * runs for every syscall of every process on the node, and attaching it
 * through a per-task perf event does not narrow it (BENCHMARKS.md, "Per-task
 * perf events do not narrow a BPF program"). A per-task perf event sits on a
 * CPU's event list only while its task runs, so another process's syscall
 * finds the list empty and pays nothing but the tracepoint's check of it.
 *
 * The events, for each thread present at attach, with attr.inherit = 1 so
 * that the threads and processes it creates later are counted from their
 * first instruction (their counts are summed into this thread's events,
 * live ones at read, exited ones at exit):
 *
 *   calls group:  raw_syscalls:sys_exit (every call), then
 *                 syscalls:sys_exit_NAME for each syscall of PERTASK_NAMES
 *   errors group: the same events with the filter "ret < 0", then one
 *                 event per (syscall, errno) of pertask_errnos with the
 *                 filter "ret == -E"
 *
 * Each group is read with one read() (PERF_FORMAT_GROUP) at every tick.
 * A call counts when it returns, as in the other backends (exit and
 * exit_group never do). Calls of syscalls outside the list are counted
 * exactly but together, as nr PERTASK_OTHER: the raw total minus the named
 * ones. Why not every syscall: each event of a task is scheduled in and out
 * at each of its context switches, so ~360 syscalls x 2 events would cost
 * the target microseconds per switch (a prototype with all of them made a
 * pipe ping-pong ~2x slower; with these ~150 events it costs no more than
 * the bpf backend: BENCHMARKS.md), and fds (one per event per thread).
 *
 * Errno values: those of pertask_errnos exactly; a syscall's other errors
 * are stored as errno unknown (errno 0, no name), never guessed.
 *
 * What it does not give: durations (the sampling backend runs beside it for
 * where threads wait), errno values beyond the list, and the split between a thread present at attach and what it created afterwards:
 * a child's calls are stored under the pid and tid of the thread it
 * descends from.
 */
#include "syscalls.h"

#include "error.h"
#include "perfring.h"
#include "perfset.h"
#include "tracefs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#define PERTASK_FD_BUDGET 16384

/* The syscalls counted one by one: what servers spend their calls on. */
static const char *const pertask_names[] = {
	"read", "write", "pread64", "pwrite64", "readv", "writev", "openat", "close", "fstat",
	"newfstatat", "statx", "lseek", "mmap", "munmap", "mprotect", "madvise", "brk", "futex",
	"epoll_wait", "epoll_pwait", "epoll_ctl", "poll", "ppoll", "select", "pselect6", "nanosleep",
	"clock_nanosleep", "sched_yield", "getpid", "getppid", "gettid", "clock_gettime",
	"gettimeofday", "ioctl", "fcntl", "accept", "accept4", "connect", "socket", "sendto",
	"recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown", "setsockopt",
	"getsockopt", "rt_sigprocmask", "rt_sigaction", "clone", "clone3", "wait4", "execve",
	"getdents64", "access", "readlinkat", "unlinkat", "fsync", "fdatasync", "io_uring_enter",
	"getrandom", "pipe2", "dup3",
};
#define PERTASK_NNAMES ((int)(sizeof(pertask_names) / sizeof(pertask_names[0])))

/* The errno values counted one by one, each by an event on the syscall's
 * sys_exit with the filter "ret == -E": those the rules read (pool-cap: a
 * failed connect() by errno, in-progress and retry values apart), and the
 * few that say why a server's I/O or opens fail. Every other error of a
 * syscall is stored as unknown (SYSAGG_ERRNO_UNKNOWN): errors minus these.
 * Each one is another event scheduled at each context switch of every
 * target thread: the list stays short (BENCHMARKS.md). */
static const struct {
	const char *name;
	int err;
} pertask_errnos[] = {
	{ "connect", EINPROGRESS }, { "connect", EAGAIN }, { "connect", EALREADY }, { "connect", EISCONN },
	{ "connect", EINTR }, { "connect", ECONNREFUSED }, { "connect", ETIMEDOUT }, { "connect", ENETUNREACH },
	{ "connect", EHOSTUNREACH }, { "connect", ECONNRESET }, { "connect", EADDRNOTAVAIL },
	{ "accept", EAGAIN }, { "accept4", EAGAIN }, { "accept4", EMFILE },
	{ "read", EAGAIN }, { "read", ECONNRESET }, { "write", EAGAIN }, { "write", EPIPE },
	{ "recvfrom", EAGAIN }, { "sendto", EAGAIN }, { "recvmsg", EAGAIN }, { "sendmsg", EAGAIN },
	{ "openat", ENOENT }, { "openat", EACCES }, { "futex", EAGAIN }, { "futex", ETIMEDOUT },
};
#define PERTASK_NERRNOS ((int)(sizeof(pertask_errnos) / sizeof(pertask_errnos[0])))

/* One thread present at attach, and what it created since. */
struct pertask_root {
	int32_t pid, tid;
	int calls_fd, errs_fd;           /* group leaders */
	uint64_t *last_calls;            /* [0] raw total, [1 + i] syscall i */
	uint64_t *last_errs;             /* the same, then [1 + nsys + k] errno event k */
	uint64_t *last_unknown;          /* [i] errors of syscall i of no counted errno */
	uint64_t last_other_calls, last_other_errs;
};

struct syspertask {
	struct sysagg *agg;
	long raw_exit_id;
	int nsys;                        /* syscalls with their own events */
	long tp_id[PERTASK_NNAMES];
	int32_t nr[PERTASK_NNAMES];
	int nerr;                        /* errno events (errors group only) */
	int err_sys[PERTASK_NERRNOS];    /* index into nr[] */
	int err_val[PERTASK_NERRNOS];
	struct pertask_root *roots;
	int nroots, rootcap;
	int *fds;
	int nfds, fdcap, fd_budget;
	struct perf_procs procs;         /* processes attached to (or inheriting) */
	int threads_skipped;
	uint64_t *buf;                   /* one group read */
	int mounted;
	char describe[512];
};

static int keep_fd(struct syspertask *p, int fd)
{
	if (p->nfds == p->fdcap) {
		int ncap = p->fdcap ? p->fdcap * 2 : 256;
		int *v = realloc(p->fds, (size_t)ncap * sizeof(*v));

		if (!v) {
			close(fd);
			errno = ENOMEM;
			return -1;
		}
		p->fds = v;
		p->fdcap = ncap;
	}
	p->fds[p->nfds++] = fd;
	return 0;
}

/* FILTER: NULL for every call. */
static int open_counter(struct syspertask *p, long id, pid_t tid, int group, const char *filter)
{
	struct perf_event_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_TRACEPOINT;
	a.config = (uint64_t)id;
	a.inherit = 1;
	a.read_format = PERF_FORMAT_GROUP;
	/* The leader starts disabled, so that no event counts before its
	 * filter is set; open_group() enables the group once it is whole. */
	a.disabled = group < 0;
	fd = perfring_open_event(&a, tid, -1, group);
	if (fd < 0)
		return -1;
	if (keep_fd(p, fd) < 0)
		return -1;
	if (filter && ioctl(fd, PERF_EVENT_IOC_SET_FILTER, filter) < 0)
		return -1;
	return fd;
}

/* Opens one group on TID: raw total first, then one event per syscall, and
 * in the errors group the errno events last. Events of one tracepoint fire
 * in the reverse order of their scheduling, so an errno event counts a call
 * before its syscall's "ret < 0" event does: a read between the two sees
 * the errno ahead, never an unknown error that is not one. */
static int open_group(struct syspertask *p, pid_t tid, int errors_only)
{
	const char *f = errors_only ? "ret < 0" : NULL;
	int lead = open_counter(p, p->raw_exit_id, tid, -1, f), i;

	if (lead < 0)
		return -1;
	for (i = 0; i < p->nsys; i++)
		if (open_counter(p, p->tp_id[i], tid, lead, f) < 0)
			return -1;
	for (i = 0; errors_only && i < p->nerr; i++) {
		char ef[32];

		snprintf(ef, sizeof(ef), "ret == -%d", p->err_val[i]);
		if (open_counter(p, p->tp_id[p->err_sys[i]], tid, lead, ef) < 0)
			return -1;
	}
	if (ioctl(lead, PERF_EVENT_IOC_ENABLE, 0) < 0)
		return -1;
	return lead;
}

/* Returns 0, 1 when over the fd budget (thread skipped), or -1 with errno. */
static int attach_thread(struct syspertask *p, pid_t pid, pid_t tid)
{
	struct pertask_root *r;
	int need = 2 * (1 + p->nsys) + p->nerr;

	if (p->nfds + need > p->fd_budget) {
		p->threads_skipped++;
		return 1;
	}
	if (p->nroots == p->rootcap) {
		int ncap = p->rootcap ? p->rootcap * 2 : 16;
		struct pertask_root *v = realloc(p->roots, (size_t)ncap * sizeof(*v));

		if (!v) {
			errno = ENOMEM;
			return -1;
		}
		p->roots = v;
		p->rootcap = ncap;
	}
	r = &p->roots[p->nroots];
	memset(r, 0, sizeof(*r));
	r->pid = pid;
	r->tid = tid;
	r->last_calls = calloc((size_t)(1 + p->nsys), sizeof(uint64_t));
	r->last_errs = calloc((size_t)(1 + p->nsys + p->nerr), sizeof(uint64_t));
	r->last_unknown = calloc((size_t)p->nsys, sizeof(uint64_t));
	if (!r->last_calls || !r->last_errs || !r->last_unknown) {
		free(r->last_calls);
		free(r->last_errs);
		free(r->last_unknown);
		errno = ENOMEM;
		return -1;
	}
	r->calls_fd = open_group(p, tid, 0);
	r->errs_fd = r->calls_fd < 0 ? -1 : open_group(p, tid, 1);
	if (r->errs_fd < 0) {
		int e = errno;

		free(r->last_calls);
		free(r->last_errs);
		free(r->last_unknown);
		errno = e;
		return -1;
	}
	p->nroots++;
	return 0;
}

static int attach_one(void *ctx, pid_t pid, pid_t tid, int *err)
{
	if (attach_thread(ctx, pid, tid) < 0) {
		*err = errno;
		return -1;
	}
	return 0;
}

/* Attaches every thread of every live target not attached yet, by
 * perfset.h's one rule (a descendant started after the first attach already
 * carries inherited events and is only remembered). */
static int attach(struct syspertask *p, struct capture *cap, int *err)
{
	return perf_procs_attach(&p->procs, cap, attach_one, p, err);
}

/* Reads one group of NVAL events into p->buf; returns NVAL, or -1. */
static int read_group(struct syspertask *p, int fd, int nval)
{
	size_t want = (size_t)(1 + nval) * sizeof(uint64_t);
	ssize_t n = read(fd, p->buf, want);

	if (n < (ssize_t)sizeof(uint64_t) || p->buf[0] != (uint64_t)nval)
		return -1;
	if ((size_t)n < (1 + p->buf[0]) * sizeof(uint64_t))
		return -1;
	return (int)p->buf[0];
}

/* Errno deltas from the errors group just read into p->buf, and the errors
 * of each syscall that none of its errno events counted, as unknown (kept
 * monotonic like other below). */
static void collect_errnos(struct syspertask *p, struct pertask_root *r)
{
	uint64_t *v = p->buf + 2 + p->nsys, *last = r->last_errs + 1 + p->nsys;
	int i, k;

	for (k = 0; k < p->nerr; k++) {
		if (v[k] > last[k])
			sysagg_add_errno(p->agg, r->pid, p->nr[p->err_sys[k]], p->err_val[k], v[k] - last[k]);
		last[k] = v[k];
	}
	for (i = 0; i < p->nsys; i++) {
		uint64_t known = 0, unknown;

		for (k = 0; k < p->nerr; k++)
			if (p->err_sys[k] == i)
				known += v[k];
		unknown = p->buf[2 + i] > known ? p->buf[2 + i] - known : 0;
		if (unknown > r->last_unknown[i]) {
			sysagg_add_errno(p->agg, r->pid, p->nr[i], SYSAGG_ERRNO_UNKNOWN, unknown - r->last_unknown[i]);
			r->last_unknown[i] = unknown;
		}
	}
}

/* Counter deltas since the last read. The raw total and the named counters
 * are read together but fire from two probes of one tracepoint, so a read
 * that falls between them can show one call in "other" too early: other is
 * kept monotonic, and never goes back. */
static void collect_group(struct syspertask *p, struct pertask_root *r, int errors)
{
	uint64_t *last = errors ? r->last_errs : r->last_calls;
	uint64_t *last_other = errors ? &r->last_other_errs : &r->last_other_calls;
	uint64_t named = 0, other;
	int i;

	if (read_group(p, errors ? r->errs_fd : r->calls_fd, 1 + p->nsys + (errors ? p->nerr : 0)) < 0)
		return;
	for (i = 0; i < p->nsys; i++) {
		uint64_t v = p->buf[2 + i];
		struct sysagg_entry e;

		named += v;
		if (v <= last[1 + i])
			continue;
		memset(&e, 0, sizeof(e));
		e.pid = r->pid;
		e.tid = r->tid;
		e.nr = p->nr[i];
		if (errors)
			e.errors = v - last[1 + i];
		else
			e.calls = v - last[1 + i];
		sysagg_add(p->agg, &e);
		last[1 + i] = v;
	}
	last[0] = p->buf[1];
	other = p->buf[1] > named ? p->buf[1] - named : 0;
	if (other > *last_other) {
		struct sysagg_entry e;

		memset(&e, 0, sizeof(e));
		e.pid = r->pid;
		e.tid = r->tid;
		e.nr = SYSAGG_OTHER;
		if (errors)
			e.errors = other - *last_other;
		else
			e.calls = other - *last_other;
		sysagg_add(p->agg, &e);
		*last_other = other;
	}
	if (errors)
		collect_errnos(p, r);
}

static void collect(struct syspertask *p)
{
	int i;

	pthread_mutex_lock(&p->agg->lock);
	for (i = 0; i < p->nroots; i++) {
		collect_group(p, &p->roots[i], 0);
		collect_group(p, &p->roots[i], 1);
	}
	pthread_mutex_unlock(&p->agg->lock);
}

/* Syscalls of the list that this kernel has a tracepoint for. */
static int find_tracepoints(struct syspertask *p, struct capture *cap, char *why, size_t len)
{
	struct tracefs t;
	int i, k;

	if (tracefs_open(cap, &t, "syscalls", "sys_exit_getppid", why, len) < 0)
		return -1;
	p->raw_exit_id = tracefs_tracepoint_id(t.dir, "raw_syscalls", "sys_exit");
	for (i = 0; i < PERTASK_NNAMES; i++) {
		char ev[96];
		long nr = syscall_number(pertask_names[i]), id;

		if (nr < 0)
			continue;
		snprintf(ev, sizeof(ev), "sys_exit_%s", pertask_names[i]);
		id = tracefs_tracepoint_id(t.dir, "syscalls", ev);
		if (id < 0)
			continue;
		p->tp_id[p->nsys] = id;
		p->nr[p->nsys++] = (int32_t)nr;
	}
	tracefs_done(&t);
	p->mounted = t.mounted;
	for (k = 0; k < PERTASK_NERRNOS; k++)
		for (i = 0; i < p->nsys; i++)
			if (!strcmp(syscall_name(p->nr[i]) ? syscall_name(p->nr[i]) : "", pertask_errnos[k].name)) {
				p->err_sys[p->nerr] = i;
				p->err_val[p->nerr++] = pertask_errnos[k].err;
				break;
			}
	if (p->raw_exit_id < 0 || p->nsys == 0) {
		snprintf(why, len, "no syscalls tracepoints in tracefs (%s; needs CONFIG_FTRACE_SYSCALLS)", t.name);
		return -1;
	}
	return 0;
}

struct syspertask *syspertask_open(struct capture *cap, struct sysagg *agg, char *why, size_t len)
{
	struct syspertask *p = calloc(1, sizeof(*p));
	struct rlimit rl;
	int err = 0;

	if (!p) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	p->agg = agg;
	if (find_tracepoints(p, cap, why, len) < 0)
		goto fail;
	p->buf = calloc((size_t)(2 + p->nsys + p->nerr), sizeof(uint64_t));
	if (!p->buf) {
		snprintf(why, len, "out of memory");
		goto fail;
	}
	/* Raise the soft fd limit to the hard one; keep room for the other
	 * sources. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		p->fd_budget = rl.rlim_cur > 1024 ? (int)(rl.rlim_cur - 512) : 256;
	} else {
		p->fd_budget = 512;
	}
	if (p->fd_budget > PERTASK_FD_BUDGET)
		p->fd_budget = PERTASK_FD_BUDGET;
	if (attach(p, cap, &err) < 0) {
		snprintf(why, len, "perf_event_open on syscalls tracepoints failed: %s%s",
			 strerror(err), err == EACCES || err == EPERM ?
			 " (needs CAP_PERFMON or CAP_SYS_ADMIN, or kernel.perf_event_paranoid = -1)" : "");
		goto fail;
	}
	if (p->nroots == 0) {
		snprintf(why, len, p->threads_skipped ? "every target thread is over the fd budget" :
			 "no target thread to attach to");
		goto fail;
	}
	return p;
fail:
	syspertask_close(p);
	return NULL;
}

int syspertask_refresh(struct syspertask *p, struct capture *cap)
{
	int err = 0, before = p->nroots, skipped = p->threads_skipped;

	if (attach(p, cap, &err) < 0)
		capture_event(cap, "warning", "cannot attach to a new target: %s", strerror(err));
	if (p->nroots != before)
		info("syscalls: attached to %d more threads", p->nroots - before);
	if (p->threads_skipped != skipped)
		capture_event(cap, "drops", "%d threads not attached: over the fd budget of %d",
			      p->threads_skipped - skipped, p->fd_budget);
	collect(p);
	return 0;
}

void syspertask_close(struct syspertask *p)
{
	int i;

	if (!p)
		return;
	/* Stop the counters before the last read, so the final tick holds
	 * everything counted. */
	for (i = 0; i < p->nroots; i++) {
		ioctl(p->roots[i].calls_fd, PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
		ioctl(p->roots[i].errs_fd, PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
	}
	if (p->buf)
		collect(p);
	for (i = 0; i < p->nfds; i++)
		close(p->fds[i]);
	for (i = 0; i < p->nroots; i++) {
		free(p->roots[i].last_calls);
		free(p->roots[i].last_errs);
		free(p->roots[i].last_unknown);
	}
	free(p->roots);
	free(p->fds);
	free(p->buf);
	free(p);
}

const char *syspertask_describe(struct syspertask *p)
{
	snprintf(p->describe, sizeof(p->describe),
		 "per-task counting events on syscalls:sys_exit_* (%d syscalls named, the rest as other) and "
		 "raw_syscalls:sys_exit, inherited by new threads and children: calls and errors, "
		 "%d (syscall, errno) pairs counted one by one (other errors as errno 0, unknown), "
		 "no time (sampled instead); %d threads attached (%d fds)%s%s%s",
		 p->nsys, p->nerr, p->nroots, p->nfds,
		 p->threads_skipped ? ", threads over the fd budget not attached" : "",
		 p->procs.pids_skipped ? ", processes beyond 256 not attached" : "",
		 p->mounted == 2 ? ", tracefs mounted to read the tracepoint ids, then unmounted" :
		 p->mounted ? ", tracefs mounted to read the tracepoint ids" : "");
	return p->describe;
}
