#include "perfset.h"
#include "proc/procfs.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

int perfset_init(struct perfset *s, struct capture *cap, int min_pages, char *why, size_t len)
{
	char path[PATH_MAX], buf[4096];
	ssize_t n;
	int c;

	s->min_pages = min_pages;
	capture_path(cap, path, sizeof(path), "/sys/devices/system/cpu/online");
	n = read_file(path, buf, sizeof(buf));
	s->ncpus = n > 0 ? perfring_parse_cpus(buf, (size_t)n, s->cpus, PERFSET_MAX_CPUS) : -1;
	if (s->ncpus <= 0) {
		long i, nc = sysconf(_SC_NPROCESSORS_ONLN);

		for (i = 0, s->ncpus = 0; i < nc && i < PERFSET_MAX_CPUS; i++)
			s->cpus[s->ncpus++] = (int)i;
	}
	if (s->ncpus <= 0) {
		snprintf(why, len, "cannot list online CPUs");
		return -1;
	}
	s->rings = calloc((size_t)s->ncpus, sizeof(*s->rings));
	s->tmp = malloc(65536);          /* a record is at most 64 KiB (u16 size) */
	if (!s->rings || !s->tmp) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	for (c = 0; c < s->ncpus; c++)
		s->rings[c].fd = -1;
	return 0;
}

static int keep_fd(struct perfset *s, int fd)
{
	if (s->nfds == s->fdcap) {
		int ncap = s->fdcap ? s->fdcap * 2 : 64;
		int *v = realloc(s->fds, (size_t)ncap * sizeof(*v));

		if (!v) {
			close(fd);
			errno = ENOMEM;
			return -1;
		}
		s->fds = v;
		s->fdcap = ncap;
	}
	s->fds[s->nfds++] = fd;
	return 0;
}

/* Opens the events of thread TID on every CPU. The first event of a CPU owns
 * its ring; the others write into it. */
static int attach_thread(void *ctx, pid_t pid, pid_t tid, int *err)
{
	struct perfset *s = ctx;
	struct perf_event_attr a[PERFSET_MAX_EVENTS];
	int c, k, n = s->attrs(s, a, s->arg);

	(void)pid;

	if (s->nfds + n * s->ncpus > s->fd_budget) {
		s->threads_skipped++;
		return 1;
	}
	for (c = 0; c < s->ncpus; c++) {
		struct perfring *r = &s->rings[c];

		for (k = 0; k < n; k++) {
			int fd = perfring_open_event(&a[k], tid, s->cpus[c], -1);

			if (fd < 0 || keep_fd(s, fd) < 0) {
				*err = errno;
				return -1;
			}
			if (r->fd < 0) {
				if (perfring_map(r, fd, &s->ring_pages, s->min_pages) < 0) {
					*err = errno;
					return -1;
				}
			} else if (ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, r->fd) < 0) {
				*err = errno;
				return -1;
			}
		}
	}
	s->threads++;
	return 0;
}

static int attach_process(struct perf_procs *pp, struct capture *cap, pid_t pid, perf_thread_fn fn, void *ctx,
			  int *err)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int ret = 0;

	capture_path(cap, path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;               /* gone, or not yet: tried again next tick */
	while ((de = readdir(d))) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);

		if (de->d_name[0] < '0' || de->d_name[0] > '9' || *end || tid <= 0)
			continue;
		if (fn(ctx, pid, (pid_t)tid, err) < 0) {
			if (*err == ESRCH)
				continue;
			ret = -1;
			break;
		}
	}
	closedir(d);
	pp->pids[pp->npids++] = pid;     /* perf_procs_attach() checked the room */
	return ret;
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

int perf_procs_attach(struct perf_procs *pp, struct capture *cap, perf_thread_fn fn, void *ctx, int *err)
{
	int i, j;

	if (!pp->attach_ticks)
		pp->attach_ticks = boot_ticks_now();
	for (i = 0; i < cap->targets.n; i++) {
		struct target *t = &cap->targets.v[i];
		int known = 0;

		for (j = 0; j < pp->npids; j++)
			known |= pp->pids[j] == t->pid;
		if (t->gone || known)
			continue;
		/* Without room to remember it, a process would be attached
		 * again at every tick and counted twice. */
		if (pp->npids == PERFSET_MAX_PIDS) {
			pp->pids_skipped++;
			continue;
		}
		/* A descendant that started after we attached was forked by a
		 * process carrying inherited events: attaching again would
		 * count it twice. */
		if (t->is_child && t->start_ticks > pp->attach_ticks) {
			pp->pids[pp->npids++] = t->pid;
			continue;
		}
		if (attach_process(pp, cap, t->pid, fn, ctx, err) < 0)
			return -1;
	}
	return 0;
}

int perfset_attach(struct perfset *s, struct capture *cap, int *err)
{
	return perf_procs_attach(&s->procs, cap, attach_thread, s, err);
}

void perfset_reset(struct perfset *s)
{
	int c;

	for (c = 0; c < s->nfds; c++)
		close(s->fds[c]);
	for (c = 0; s->rings && c < s->ncpus; c++) {
		perfring_unmap(&s->rings[c]);
		s->rings[c].fd = -1;
	}
	s->nfds = s->threads = s->threads_skipped = 0;
	memset(&s->procs, 0, sizeof(s->procs));
}

void perfset_disable(struct perfset *s)
{
	int i;

	for (i = 0; i < s->nfds; i++)
		ioctl(s->fds[i], PERF_EVENT_IOC_DISABLE, 0);
}

int perfset_drain(struct perfset *s, int (*fn)(const void *buf, size_t len, void *arg), void *arg)
{
	int c;

	for (c = 0; s->rings && c < s->ncpus; c++)
		perfring_drain(&s->rings[c], s->tmp, fn, arg);
	return perfset_bad_rings(s);
}

int perfset_bad_rings(const struct perfset *s)
{
	int c, bad = 0;

	for (c = 0; s->rings && c < s->ncpus; c++)
		bad += s->rings[c].bad;
	return bad;
}

void perfset_release(struct perfset *s)
{
	perfset_disable(s);
	perfset_reset(s);
	free(s->fds);
	free(s->rings);
	free(s->tmp);
	s->fds = NULL;
	s->rings = NULL;
	s->tmp = NULL;
	s->fdcap = 0;
}
