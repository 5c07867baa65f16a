/* The perf backend of the syscalls source: the raw_syscalls:sys_enter and
 * sys_exit tracepoints, sampled on every event into mmap'd ring buffers.
 *
 * The events: one enter and one exit event per CPU for each thread present
 * at attach, inherited by what it creates, all of a CPU into one ring (see
 * perfset.h for why).
 *
 * Cost: each sampled event costs the target ~0.3 us here (a 1 us syscall
 * becomes ~1.5 us with both events); --syscalls=counts opens only sys_exit,
 * which names the syscall and its result, for exact calls and errors without
 * durations at about half that.
 *
 * The rings are never waited on by the target: a full ring makes the kernel
 * drop records and later write a PERF_RECORD_LOST, which is counted. A reader
 * thread drains them when a quarter fills (wakeup_watermark) or every 100 ms,
 * and the tick drains them once more before taking its counters.
 */
#include "syscalls.h"
#include "privs.h"

#include "error.h"
#include "perfset.h"
#include "tracefs.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <unistd.h>

#define PERFSYS_FD_BUDGET 8192
/* Ring memory: 32 MiB over all CPUs, each ring between 256 KiB and 8 MiB.
 * At 80 bytes a syscall, 8 MiB holds ~100k calls, ~100 ms of a thread making
 * syscalls back to back: the reader (at the capture's low priority) must get
 * the CPU within that time or records are lost, and counted as lost. */
#define PERFSYS_RING_TOTAL (32u << 20)
#define PERFSYS_RING_MAX (8u << 20)
#define PERFSYS_RING_MIN (256u << 10)
#define PERFSYS_MIN_PAGES 8

/* Sample layouts. The exit event samples TID|TIME|RAW: header, pid/tid,
 * time, raw size, then the tracepoint entry (common fields, id, ret). The
 * enter event samples TID|TIME only (24 bytes): the syscall number comes with
 * the exit, and leaving out the enter's raw data (its six arguments) makes a
 * syscall cost 80 ring bytes instead of 152, so rings overflow later. */
#define RAW_OFF (sizeof(struct perf_event_header) + 8 + 8 + 4)
#define ENTER_SIZE (sizeof(struct perf_event_header) + 8 + 8)

static uint16_t rd16(const unsigned char *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rd32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }

int perfsys_decode(const void *buf, size_t len, uint32_t enter_id, uint32_t exit_id,
		   struct perfsys_rec *out)
{
	const unsigned char *b = buf;
	uint32_t type, raw_size;
	uint16_t size, common_type;

	memset(out, 0, sizeof(*out));
	out->kind = PERFSYS_BAD;
	if (len < sizeof(struct perf_event_header))
		return -1;
	type = rd32(b);
	size = rd16(b + 6);
	/* Records are 8-byte aligned and at least a header long; anything
	 * else means we lost our place in the ring. */
	if (size < sizeof(struct perf_event_header) || size % 8 || size > len)
		return -1;
	out->size = size;
	out->kind = PERFSYS_OTHER;
	if (type == PERF_RECORD_LOST) {
		if (size < 8 + 16)
			return out->kind = PERFSYS_BAD, -1;
		out->kind = PERFSYS_LOST;
		out->lost = rd64(b + 16);
		return 0;
	}
	if (type != PERF_RECORD_SAMPLE)
		return 0;
	if (size < ENTER_SIZE)
		return out->kind = PERFSYS_BAD, -1;
	out->pid = rd32(b + 8);
	out->tid = rd32(b + 12);
	out->time_ns = rd64(b + 16);
	if (size == ENTER_SIZE) {
		/* The enter event samples no RAW data: see init_attr(). */
		out->kind = PERFSYS_ENTER;
		out->nr = -1;
		return 0;
	}
	if (size < RAW_OFF)
		return out->kind = PERFSYS_BAD, -1;
	raw_size = rd32(b + 24);
	if (raw_size > size - RAW_OFF || raw_size < 16)
		return out->kind = PERFSYS_BAD, -1;
	common_type = rd16(b + RAW_OFF);
	out->nr = (int64_t)rd64(b + RAW_OFF + 8);
	if (common_type == exit_id) {
		if (raw_size < 24)
			return out->kind = PERFSYS_BAD, -1;
		out->kind = PERFSYS_EXIT;
		out->ret = (int64_t)rd64(b + RAW_OFF + 16);
	} else if (common_type == enter_id) {
		out->kind = PERFSYS_ENTER;
	}
	return 0;
}

struct perfsys {
	struct sysagg *agg;
	uint32_t enter_id, exit_id;
	struct perfset set;
	int with_time;                   /* 0: exit events only (no durations) */
	int stopfd;
	pthread_t reader;
	int reader_running;
	pthread_mutex_t drain_lock;
	char describe[512];
	int mounted;
};

/* Reads the tracepoint ids through tracefs (mounted for the time of it
 * when nothing is mounted and we may: the events do not need it). */
static int find_tracepoints(struct perfsys *p, struct capture *cap, char *why, size_t len)
{
	struct tracefs t;
	long enter, exit_;

	if (tracefs_open(cap, &t, "raw_syscalls", "sys_enter", why, len) < 0)
		return -1;
	enter = tracefs_tracepoint_id(t.dir, "raw_syscalls", "sys_enter");
	exit_ = tracefs_tracepoint_id(t.dir, "raw_syscalls", "sys_exit");
	tracefs_done(&t);
	p->mounted = t.mounted;
	if (enter < 0 || exit_ < 0) {
		snprintf(why, len, "no raw_syscalls tracepoints in tracefs (%s)", t.name);
		return -1;
	}
	p->enter_id = (uint32_t)enter;
	p->exit_id = (uint32_t)exit_;
	return 0;
}

static void init_attr(const struct perfset *s, struct perf_event_attr *a, uint32_t id, int raw)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = PERF_TYPE_TRACEPOINT;
	a->config = id;
	a->sample_period = 1;
	a->sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME;
	if (raw)
		a->sample_type |= PERF_SAMPLE_RAW;
	a->inherit = 1;
	a->watermark = 1;
	a->wakeup_watermark = (uint32_t)((uint64_t)s->ring_pages * (uint64_t)getpagesize() / 4);
}

/* Without time, only the exit is needed: it names the syscall and its
 * result, and a sampled event costs ~0.3 us here. */
static int thread_attrs(const struct perfset *s, struct perf_event_attr *a, void *arg)
{
	struct perfsys *p = arg;
	int n = 0;

	if (p->with_time)
		init_attr(s, &a[n++], p->enter_id, 0);
	init_attr(s, &a[n++], p->exit_id, 1);
	return n;
}

static int on_record(const void *buf, size_t len, void *arg)
{
	struct perfsys *p = arg;
	struct perfsys_rec out;

	if (perfsys_decode(buf, len, p->enter_id, p->exit_id, &out) < 0)
		return -1;
	switch (out.kind) {
	case PERFSYS_ENTER:
		sysagg_enter(p->agg, (int32_t)out.pid, (int32_t)out.tid, (int32_t)out.nr, out.time_ns);
		break;
	case PERFSYS_EXIT:
		sysagg_exit(p->agg, (int32_t)out.pid, (int32_t)out.tid, (int32_t)out.nr, out.ret, out.time_ns);
		break;
	case PERFSYS_LOST:
		p->agg->live.lost += out.lost;
		break;
	default:
		break;
	}
	return 0;
}

static void drain_all(struct perfsys *p)
{
	pthread_mutex_lock(&p->drain_lock);
	pthread_mutex_lock(&p->agg->lock);
	perfset_drain(&p->set, on_record, p);
	pthread_mutex_unlock(&p->agg->lock);
	pthread_mutex_unlock(&p->drain_lock);
}

static void *reader_main(void *arg)
{
	struct perfsys *p = arg;
	struct pollfd *pf = calloc((size_t)p->set.ncpus + 1, sizeof(*pf));
	int c, n;

	/* It only drains rings opened before it started: no capability. */
	privs_limit_thread(NULL, 0);
	if (!pf)
		return NULL;
	for (;;) {
		n = 0;
		pf[n].fd = p->stopfd;
		pf[n++].events = POLLIN;
		for (c = 0; c < p->set.ncpus; c++) {
			if (p->set.rings[c].fd < 0 || p->set.rings[c].bad)
				continue;
			pf[n].fd = p->set.rings[c].fd;
			pf[n++].events = POLLIN;
		}
		if (poll(pf, (nfds_t)n, 100) < 0 && errno != EINTR)
			break;
		if (pf[0].revents)
			break;
		drain_all(p);
	}
	free(pf);
	return NULL;
}

struct perfsys *perfsys_open(struct capture *cap, struct sysagg *agg, int with_time, char *why, size_t len)
{
	struct perfsys *p = calloc(1, sizeof(*p));
	struct rlimit rl;
	int err = 0;

	if (!p) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	p->agg = agg;
	p->with_time = with_time;
	p->stopfd = -1;
	pthread_mutex_init(&p->drain_lock, NULL);
	if (find_tracepoints(p, cap, why, len) < 0)
		goto fail;
	p->set.attrs = thread_attrs;
	p->set.arg = p;
	if (perfset_init(&p->set, cap, PERFSYS_MIN_PAGES, why, len) < 0)
		goto fail;
	{
		size_t page = (size_t)getpagesize(), want = PERFSYS_RING_TOTAL / (size_t)p->set.ncpus;

		if (want > PERFSYS_RING_MAX)
			want = PERFSYS_RING_MAX;
		if (want < PERFSYS_RING_MIN)
			want = PERFSYS_RING_MIN;
		/* The kernel wants a power of two of pages. */
		for (p->set.ring_pages = 1; (size_t)p->set.ring_pages * 2 * page <= want; p->set.ring_pages *= 2)
			;
	}
	/* Our own fd limit: raise the soft limit to the hard one, and keep
	 * room for the other sources. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		p->set.fd_budget = rl.rlim_cur > 512 ? (int)(rl.rlim_cur - 256) : 128;
	} else {
		p->set.fd_budget = 512;
	}
	if (p->set.fd_budget > PERFSYS_FD_BUDGET)
		p->set.fd_budget = PERFSYS_FD_BUDGET;

	if (perfset_attach(&p->set, cap, &err) < 0) {
		snprintf(why, len, "perf_event_open on raw_syscalls tracepoints failed: %s%s",
			 strerror(err), err == EACCES || err == EPERM ?
			 " (needs CAP_PERFMON or CAP_SYS_ADMIN, or kernel.perf_event_paranoid = -1)" : "");
		goto fail;
	}
	if (p->set.threads == 0) {
		snprintf(why, len, "no target thread to attach to");
		goto fail;
	}
	p->stopfd = eventfd(0, EFD_CLOEXEC);
	if (p->stopfd < 0) {
		snprintf(why, len, "eventfd: %s", strerror(errno));
		goto fail;
	}
	if (capture_thread_start(&p->reader, reader_main, p) != 0) {
		snprintf(why, len, "cannot start the ring reader thread");
		goto fail;
	}
	p->reader_running = 1;
	return p;
fail:
	perfsys_close(p);
	return NULL;
}

int perfsys_refresh(struct perfsys *p, struct capture *cap)
{
	int err = 0, before = p->set.threads;

	if (perfset_attach(&p->set, cap, &err) < 0)
		capture_event(cap, "warning", "cannot attach to a new target: %s", strerror(err));
	if (p->set.threads != before)
		info("syscalls: attached to %d more threads", p->set.threads - before);
	drain_all(p);
	return 0;
}

void perfsys_close(struct perfsys *p)
{
	if (!p)
		return;
	if (p->reader_running) {
		uint64_t one = 1;

		if (write(p->stopfd, &one, sizeof(one)) < 0)
			error_errno("cannot stop the ring reader");
		pthread_join(p->reader, NULL);
	}
	/* Stop the events before the last drain, so nothing arrives after. */
	perfset_disable(&p->set);
	drain_all(p);
	perfset_release(&p->set);
	if (p->stopfd >= 0)
		close(p->stopfd);
	pthread_mutex_destroy(&p->drain_lock);
	free(p);
}

const char *perfsys_describe(struct perfsys *p)
{
	int bad = perfset_bad_rings(&p->set);

	snprintf(p->describe, sizeof(p->describe),
		 "%s; %d CPU rings of %d KiB, %d threads attached (%d fds)%s%s%s%s%s",
		 p->with_time ? "sys_enter and sys_exit (calls, errors, time)" : "sys_exit only (calls, errors; no time)",
		 p->set.ncpus, p->set.ring_pages * getpagesize() / 1024, p->set.threads, p->set.nfds,
		 p->set.threads_skipped ? ", threads over the fd budget not attached: " : "",
		 p->set.threads_skipped ? "yes" : "",
		 p->set.procs.pids_skipped ? ", processes beyond 256 not attached" : "",
		 p->mounted == 2 ? ", tracefs mounted to read the tracepoint ids, then unmounted" :
		 p->mounted ? ", tracefs mounted to read the tracepoint ids" : "",
		 bad ? ", a ring became undecodable and was abandoned" : "");
	return p->describe;
}
