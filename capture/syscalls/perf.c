/* The perf backend of the syscalls source: the raw_syscalls:sys_enter and
 * sys_exit tracepoints, sampled on every event into mmap'd ring buffers.
 *
 * Why per-CPU events with inherit, not one event per thread: the kernel
 * refuses to mmap an inherited per-task event (cpu == -1 with inherit, "all
 * children writing to the same rb"), and per-thread events without inherit
 * would miss every thread (and every syscall of it) born between two rescans
 * of /proc/PID/task. So each thread that exists at attach time gets one
 * enter and one exit event per CPU with attr.inherit = 1: threads and
 * processes it creates later carry the events from their first instruction,
 * and exec keeps them. All events of one CPU write into that CPU's single
 * ring (PERF_EVENT_IOC_SET_OUTPUT), so there are as many rings as CPUs. The
 * cost is 2 x CPUs file descriptors per thread present at attach, bounded by
 * a budget; threads beyond it are reported in the sources table.
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
#include "tracefs.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define PERFSYS_MAX_CPUS 1024
#define PERFSYS_MAX_PIDS 256
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

struct ring {
	int fd;                          /* the event whose buffer this is */
	int cpu;
	struct perf_event_mmap_page *meta;
	unsigned char *data;
	uint64_t size;                   /* data area, a power of two */
	int bad;                         /* undecodable bytes: abandoned */
};

struct perfsys {
	struct sysagg *agg;
	uint32_t enter_id, exit_id;
	int cpus[PERFSYS_MAX_CPUS];
	int ncpus;
	struct ring *rings;              /* one per CPU, same order as cpus */
	int *fds;
	int nfds, fdcap, fd_budget;
	int ring_pages;
	pid_t pids[PERFSYS_MAX_PIDS];    /* processes we attached to (or inherit) */
	int npids;
	int threads;                     /* threads attached */
	int threads_skipped;             /* over the fd budget */
	int pids_skipped;                /* processes beyond PERFSYS_MAX_PIDS */
	uint64_t attach_ticks;           /* boot time of the attach, clock ticks */
	int with_time;                   /* 0: exit events only (no durations) */
	int stopfd;
	pthread_t reader;
	int reader_running;
	pthread_mutex_t drain_lock;
	unsigned char *tmp;              /* a record that wraps the ring end */
	char describe[512];
	int mounted;
};

static int perf_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group)
{
	return (int)syscall(SYS_perf_event_open, attr, pid, cpu, group, PERF_FLAG_FD_CLOEXEC);
}

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

/* Online CPUs from /sys/devices/system/cpu/online ("0-3,8"). */
static int read_cpus(struct perfsys *p, struct capture *cap)
{
	char path[PATH_MAX], buf[1024], *s, *end;
	FILE *f;

	p->ncpus = 0;
	capture_path(cap, path, sizeof(path), "/sys/devices/system/cpu/online");
	f = fopen(path, "re");
	if (f && fgets(buf, sizeof(buf), f)) {
		s = buf;
		while (*s && *s != '\n') {
			long a, b;

			errno = 0;
			a = strtol(s, &end, 10);
			if (end == s || a < 0)
				break;
			b = a;
			s = end;
			if (*s == '-') {
				b = strtol(s + 1, &end, 10);
				if (end == s + 1 || b < a)
					break;
				s = end;
			}
			for (; a <= b && p->ncpus < PERFSYS_MAX_CPUS; a++)
				p->cpus[p->ncpus++] = (int)a;
			if (*s == ',')
				s++;
		}
	}
	if (f)
		fclose(f);
	if (p->ncpus == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN), i;

		for (i = 0; i < n && i < PERFSYS_MAX_CPUS; i++)
			p->cpus[p->ncpus++] = (int)i;
	}
	return p->ncpus > 0 ? 0 : -1;
}

static void init_attr(struct perfsys *p, struct perf_event_attr *a, uint32_t id)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = PERF_TYPE_TRACEPOINT;
	a->config = id;
	a->sample_period = 1;
	a->sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME;
	if (id == p->exit_id)
		a->sample_type |= PERF_SAMPLE_RAW;
	a->inherit = 1;
	a->watermark = 1;
	a->wakeup_watermark = (uint32_t)((uint64_t)p->ring_pages * (uint64_t)getpagesize() / 4);
}

static int keep_fd(struct perfsys *p, int fd)
{
	if (p->nfds == p->fdcap) {
		int ncap = p->fdcap ? p->fdcap * 2 : 64;
		int *v = realloc(p->fds, (size_t)ncap * sizeof(*v));

		if (!v) {
			close(fd);
			return error("cannot allocate perf fds");
		}
		p->fds = v;
		p->fdcap = ncap;
	}
	p->fds[p->nfds++] = fd;
	return 0;
}

static int map_ring(struct perfsys *p, struct ring *r)
{
	size_t page = (size_t)getpagesize();
	int pages = p->ring_pages;
	void *m;

	/* A smaller ring when locked memory is short (perf_event_mlock_kb,
	 * RLIMIT_MEMLOCK for users without CAP_IPC_LOCK). */
	for (; pages >= PERFSYS_MIN_PAGES; pages /= 2) {
		m = mmap(NULL, page * (size_t)(pages + 1), PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
		if (m != MAP_FAILED)
			break;
		if (errno != EPERM && errno != ENOMEM)
			return -1;
	}
	if (pages < PERFSYS_MIN_PAGES)
		return -1;
	p->ring_pages = pages;
	r->meta = m;
	r->data = (unsigned char *)m + page;
	r->size = (uint64_t)pages * page;
	return 0;
}

/* Opens the enter and exit events of thread TID on every CPU. The first
 * event of a CPU owns its ring; the others write into it. */
static int attach_thread(struct perfsys *p, pid_t tid, int *err)
{
	struct perf_event_attr enter, exit_;
	int c;

	if (p->nfds + 2 * p->ncpus > p->fd_budget) {
		p->threads_skipped++;
		return 1;
	}
	init_attr(p, &enter, p->enter_id);
	init_attr(p, &exit_, p->exit_id);
	for (c = 0; c < p->ncpus; c++) {
		struct ring *r = &p->rings[c];
		int k;

		/* Without time, only the exit is needed: it names the syscall and
		 * its result, and a sampled event costs ~0.3 us here. */
		for (k = p->with_time ? 0 : 1; k < 2; k++) {
			int fd = perf_open(k ? &exit_ : &enter, tid, p->cpus[c], -1);

			if (fd < 0) {
				*err = errno;
				return -1;
			}
			if (keep_fd(p, fd) < 0)
				return -1;
			if (r->fd < 0) {
				r->fd = fd;
				if (map_ring(p, r) < 0) {
					*err = errno;
					return -1;
				}
			} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, r->fd) < 0) {
				*err = errno;
				return -1;
			}
		}
	}
	p->threads++;
	return 0;
}

/* Attaches every thread of PID. Returns 0, or -1 with *err set when the
 * kernel refused (a thread that exited meanwhile is not an error). */
static int attach_process(struct perfsys *p, struct capture *cap, pid_t pid, int *err)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int ret = 0;

	capture_path(cap, path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);

		if (de->d_name[0] < '0' || de->d_name[0] > '9' || *end || tid <= 0)
			continue;
		if (attach_thread(p, (pid_t)tid, err) < 0) {
			if (*err == ESRCH)
				continue;
			ret = -1;
			break;
		}
	}
	closedir(d);
	p->pids[p->npids++] = pid;       /* attach_targets() checked the room */
	return ret;
}

static void drain_ring(struct perfsys *p, struct ring *r)
{
	uint64_t head, tail;

	if (!r->meta || r->bad)
		return;
	head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);
	tail = r->meta->data_tail;
	pthread_mutex_lock(&p->agg->lock);
	while (tail < head) {
		uint64_t off = tail & (r->size - 1);
		uint64_t avail = head - tail;
		struct perf_event_header h;
		const unsigned char *rec;
		struct perfsys_rec out;

		if (avail < sizeof(h)) {
			r->bad = 1;
			break;
		}
		if (off + sizeof(h) <= r->size) {
			memcpy(&h, r->data + off, sizeof(h));
		} else {
			size_t first = (size_t)(r->size - off);

			memcpy(&h, r->data + off, first);
			memcpy((unsigned char *)&h + first, r->data, sizeof(h) - first);
		}
		if (h.size < sizeof(h) || h.size > avail) {
			r->bad = 1;
			break;
		}
		if (off + h.size <= r->size) {
			rec = r->data + off;
		} else {
			size_t first = (size_t)(r->size - off);

			memcpy(p->tmp, r->data + off, first);
			memcpy(p->tmp + first, r->data, h.size - first);
			rec = p->tmp;
		}
		if (perfsys_decode(rec, h.size, p->enter_id, p->exit_id, &out) < 0) {
			r->bad = 1;
			break;
		}
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
		tail += h.size;
	}
	pthread_mutex_unlock(&p->agg->lock);
	__atomic_store_n(&r->meta->data_tail, tail, __ATOMIC_RELEASE);
}

static void drain_all(struct perfsys *p)
{
	int c;

	pthread_mutex_lock(&p->drain_lock);
	for (c = 0; c < p->ncpus; c++)
		drain_ring(p, &p->rings[c]);
	pthread_mutex_unlock(&p->drain_lock);
}

static void *reader_main(void *arg)
{
	struct perfsys *p = arg;
	struct pollfd *pf = calloc((size_t)p->ncpus + 1, sizeof(*pf));
	int c, n;

	/* It only drains rings opened before it started: no capability. */
	privs_limit_thread(NULL, 0);
	if (!pf)
		return NULL;
	for (;;) {
		n = 0;
		pf[n].fd = p->stopfd;
		pf[n++].events = POLLIN;
		for (c = 0; c < p->ncpus; c++) {
			if (p->rings[c].fd < 0 || p->rings[c].bad)
				continue;
			pf[n].fd = p->rings[c].fd;
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

static uint64_t boot_ticks_now(void)
{
	struct timespec ts;
	long hz = sysconf(_SC_CLK_TCK);

	clock_gettime(CLOCK_BOOTTIME, &ts);
	if (hz <= 0)
		hz = 100;
	return (uint64_t)ts.tv_sec * (uint64_t)hz + (uint64_t)ts.tv_nsec / (1000000000ULL / (uint64_t)hz);
}

static int known_pid(struct perfsys *p, pid_t pid)
{
	int i;

	for (i = 0; i < p->npids; i++)
		if (p->pids[i] == pid)
			return 1;
	return 0;
}

static int attach_targets(struct perfsys *p, struct capture *cap, int *err)
{
	int i;

	for (i = 0; i < cap->targets.n; i++) {
		struct target *t = &cap->targets.v[i];

		if (t->gone || known_pid(p, t->pid))
			continue;
		/* Without room to remember it, a process would be attached
		 * again at every tick and counted twice. */
		if (p->npids == PERFSYS_MAX_PIDS) {
			p->pids_skipped++;
			continue;
		}
		/* A descendant that started after we attached was forked by a
		 * process carrying inherited events: attaching again would
		 * count its syscalls twice. */
		if (t->is_child && p->attach_ticks && t->start_ticks > p->attach_ticks) {
			if (p->npids < PERFSYS_MAX_PIDS)
				p->pids[p->npids++] = t->pid;
			continue;
		}
		if (attach_process(p, cap, t->pid, err) < 0)
			return -1;
	}
	return 0;
}

struct perfsys *perfsys_open(struct capture *cap, struct sysagg *agg, int with_time, char *why, size_t len)
{
	struct perfsys *p = calloc(1, sizeof(*p));
	struct rlimit rl;
	int c, err = 0;

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
	if (read_cpus(p, cap) < 0) {
		snprintf(why, len, "cannot list online CPUs");
		goto fail;
	}
	{
		size_t page = (size_t)getpagesize(), want = PERFSYS_RING_TOTAL / (size_t)p->ncpus;

		if (want > PERFSYS_RING_MAX)
			want = PERFSYS_RING_MAX;
		if (want < PERFSYS_RING_MIN)
			want = PERFSYS_RING_MIN;
		/* The kernel wants a power of two of pages. */
		for (p->ring_pages = 1; (size_t)p->ring_pages * 2 * page <= want; p->ring_pages *= 2)
			;
	}
	p->rings = calloc((size_t)p->ncpus, sizeof(*p->rings));
	p->tmp = malloc(65536);          /* a record is at most 64 KiB (u16 size) */
	if (!p->rings || !p->tmp) {
		snprintf(why, len, "out of memory");
		goto fail;
	}
	for (c = 0; c < p->ncpus; c++) {
		p->rings[c].fd = -1;
		p->rings[c].cpu = p->cpus[c];
	}
	/* Our own fd limit: raise the soft limit to the hard one, and keep
	 * room for the other sources. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
		p->fd_budget = rl.rlim_cur > 512 ? (int)(rl.rlim_cur - 256) : 128;
	} else {
		p->fd_budget = 512;
	}
	if (p->fd_budget > PERFSYS_FD_BUDGET)
		p->fd_budget = PERFSYS_FD_BUDGET;

	p->attach_ticks = boot_ticks_now();
	if (attach_targets(p, cap, &err) < 0) {
		snprintf(why, len, "perf_event_open on raw_syscalls tracepoints failed: %s%s",
			 strerror(err), err == EACCES || err == EPERM ?
			 " (needs CAP_PERFMON or CAP_SYS_ADMIN, or kernel.perf_event_paranoid = -1)" : "");
		goto fail;
	}
	if (p->threads == 0) {
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
	int err = 0, before = p->threads;

	if (attach_targets(p, cap, &err) < 0)
		capture_event(cap, "warning", "cannot attach to a new target: %s", strerror(err));
	if (p->threads != before)
		info("syscalls: attached to %d more threads", p->threads - before);
	drain_all(p);
	return 0;
}

void perfsys_close(struct perfsys *p)
{
	int i;

	if (!p)
		return;
	if (p->reader_running) {
		uint64_t one = 1;

		if (write(p->stopfd, &one, sizeof(one)) < 0)
			error_errno("cannot stop the ring reader");
		pthread_join(p->reader, NULL);
	}
	/* Stop the events before the last drain, so nothing arrives after. */
	for (i = 0; i < p->nfds; i++)
		ioctl(p->fds[i], PERF_EVENT_IOC_DISABLE, 0);
	if (p->rings)
		drain_all(p);
	for (i = 0; p->rings && i < p->ncpus; i++)
		if (p->rings[i].meta)
			munmap(p->rings[i].meta, (size_t)getpagesize() + p->rings[i].size);
	for (i = 0; i < p->nfds; i++)
		close(p->fds[i]);
	if (p->stopfd >= 0)
		close(p->stopfd);
	pthread_mutex_destroy(&p->drain_lock);
	free(p->fds);
	free(p->rings);
	free(p->tmp);
	free(p);
}

const char *perfsys_describe(struct perfsys *p)
{
	int bad = 0, c;

	for (c = 0; c < p->ncpus; c++)
		bad += p->rings[c].bad;
	snprintf(p->describe, sizeof(p->describe),
		 "%s; %d CPU rings of %d KiB, %d threads attached (%d fds)%s%s%s%s%s",
		 p->with_time ? "sys_enter and sys_exit (calls, errors, time)" : "sys_exit only (calls, errors; no time)",
		 p->ncpus, p->ring_pages * getpagesize() / 1024, p->threads, p->nfds,
		 p->threads_skipped ? ", threads over the fd budget not attached: " : "",
		 p->threads_skipped ? "yes" : "",
		 p->pids_skipped ? ", processes beyond 256 not attached" : "",
		 p->mounted == 2 ? ", tracefs mounted to read the tracepoint ids, then unmounted" :
		 p->mounted ? ", tracefs mounted to read the tracepoint ids" : "",
		 bad ? ", a ring became undecodable and was abandoned" : "");
	return p->describe;
}
