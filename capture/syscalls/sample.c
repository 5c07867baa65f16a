/* The sampling backend of the syscalls source, used when perf is not
 * permitted: every --syscall-sample period it reads
 * /proc/PID/task/TID/syscall of each target thread. That file names the
 * syscall a *blocked* thread sits in; a thread on a CPU reads "running". So
 * the result is where threads wait (epoll_wait, futex, read...), stored as
 * samples, never as call counts. Reading it does not stop the target: the
 * kernel only looks at a thread that is already off the CPU.
 */
#include "syscalls.h"
#include "privs.h"

#include "error.h"
#include "parse.h"

#include <dirent.h>
#include <errno.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <poll.h>
#include <unistd.h>

#define SYSSAMPLE_MAX_PIDS 256

/* Parses one unsigned hex number ("0x1f" or "1f"); advances *s. */
static int hexnum(const char **s, const char *end, unsigned long *out)
{
	const char *p = *s;
	unsigned long v = 0;
	int digits = 0;

	if (end - p >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	while (p < end) {
		int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		if (digits >= 16)
			return -1;
		v = v * 16 + (unsigned long)d;
		digits++;
		p++;
	}
	if (!digits)
		return -1;
	*out = v;
	*s = p;
	return 0;
}

int syssample_parse(const char *buf, size_t len, struct syssample_rec *out)
{
	const char *p = buf, *end = buf + len;
	unsigned long v[8];
	long nr;
	int n = 0, i;

	memset(out, 0, sizeof(*out));
	while (end > p && (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\0'))
		end--;
	if (end - p == 7 && !memcmp(p, "running", 7)) {
		out->state = SYSAGG_RUNNING;
		return 0;
	}
	/* The syscall number is decimal (-1 when blocked outside a syscall). */
	if (p < end && *p == '-') {
		if (end - p < 2 || p[1] != '1')
			return -1;
		nr = -1;
		p += 2;
	} else {
		nr = 0;
		if (p == end || *p < '0' || *p > '9')
			return -1;
		while (p < end && *p >= '0' && *p <= '9') {
			nr = nr * 10 + (*p - '0');
			if (nr > 1000000)
				return -1;
			p++;
		}
	}
	while (p < end) {
		if (*p != ' ' || n == 8)
			return -1;
		p++;
		if (hexnum(&p, end, &v[n]) < 0)
			return -1;
		n++;
	}
	if (nr == -1) {
		if (n != 2)
			return -1;
		out->state = SYSAGG_USER;
		out->sp = v[0];
		out->pc = v[1];
		return 0;
	}
	if (n != 8)
		return -1;
	out->state = (int)nr;
	for (i = 0; i < 6; i++)
		out->args[i] = (long)v[i];
	out->sp = v[6];
	out->pc = v[7];
	return 0;
}

struct syssample {
	struct sysagg *agg;
	struct capture *cap;             /* read only for capture_path */
	pthread_mutex_t pids_lock;
	pid_t pids[SYSSAMPLE_MAX_PIDS];
	int npids;
	int64_t period_us;
	int stopfd;
	pthread_t thread;
	int running;
	uint64_t unreadable;             /* files we could not read or parse */
};

static void sample_process(struct syssample *s, pid_t pid)
{
	char path[PATH_MAX], buf[256];
	struct dirent *de;
	DIR *d;

	capture_path(s->cap, path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d))) {
		struct syssample_rec rec;
		char *end;
		long tid = strtol(de->d_name, &end, 10);
		ssize_t n;
		int fd;

		if (de->d_name[0] < '0' || de->d_name[0] > '9' || *end || tid <= 0)
			continue;
		capture_path(s->cap, path, sizeof(path), "/proc/%d/task/%ld/syscall", (int)pid, tid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			s->unreadable++;
			continue;
		}
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0 || syssample_parse(buf, (size_t)n, &rec) < 0) {
			s->unreadable++;
			continue;
		}
		pthread_mutex_lock(&s->agg->lock);
		sysagg_sample(s->agg, (int32_t)pid, rec.state);
		pthread_mutex_unlock(&s->agg->lock);
	}
	closedir(d);
}

static void *sampler_main(void *arg)
{
	struct syssample *s = arg;
	struct pollfd pf = { .fd = s->stopfd, .events = POLLIN };
	int64_t next = now_mono_us();
	/* Reading the targets' /proc/PID/task/TID/syscall is all it does. */
	static const int keep[] = { CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH };

	privs_limit_thread(keep, 2);

	for (;;) {
		pid_t pids[SYSSAMPLE_MAX_PIDS];
		int64_t wait_us;
		int i, n;

		int64_t round_start = now_mono_us(), cost, gap;

		pthread_mutex_lock(&s->pids_lock);
		n = s->npids;
		memcpy(pids, s->pids, (size_t)n * sizeof(pids[0]));
		pthread_mutex_unlock(&s->pids_lock);
		for (i = 0; i < n; i++)
			sample_process(s, pids[i]);
		pthread_mutex_lock(&s->agg->lock);
		s->agg->live.rounds++;
		pthread_mutex_unlock(&s->agg->lock);

		/* An absolute schedule; when a round overran, the missed ones
		 * are skipped, not made up in a burst. */
		/* --cpu-budget holds here too: a round that cost C keeps this
		 * thread away for at least C * (100 / budget - 1), so however short
		 * --syscall-sample is, sampling stays within the budget. */
		cost = now_mono_us() - round_start;
		gap = (int64_t)((double)cost * (100.0 / s->cap->opts->cpu_budget_pct - 1.0));
		next += s->period_us > cost + gap ? s->period_us : cost + gap;
		wait_us = next - now_mono_us();
		if (wait_us < 0) {
			next = now_mono_us();
			wait_us = 0;
		}
		if (poll(&pf, 1, (int)((wait_us + 999) / 1000)) > 0)
			break;
	}
	return NULL;
}

int syssample_refresh(struct syssample *s, struct capture *cap)
{
	int i;

	pthread_mutex_lock(&s->pids_lock);
	s->npids = 0;
	for (i = 0; i < cap->targets.n && s->npids < SYSSAMPLE_MAX_PIDS; i++)
		if (!cap->targets.v[i].gone)
			s->pids[s->npids++] = cap->targets.v[i].pid;
	pthread_mutex_unlock(&s->pids_lock);
	return 0;
}

struct syssample *syssample_open(struct capture *cap, struct sysagg *agg, char *why, size_t len)
{
	struct syssample *s = calloc(1, sizeof(*s));
	char path[PATH_MAX], buf[256];
	struct syssample_rec rec;
	int i, fd, ok = 0;

	if (!s) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	s->agg = agg;
	s->cap = cap;
	s->stopfd = -1;
	s->period_us = cap->opts->syscall_sample_us > 0 ? cap->opts->syscall_sample_us : 10000;
	pthread_mutex_init(&s->pids_lock, NULL);
	syssample_refresh(s, cap);
	/* The file needs ptrace read access to the target: check once, so a
	 * denied fallback says so instead of recording nothing. */
	for (i = 0; i < s->npids && !ok; i++) {
		ssize_t n;

		capture_path(cap, path, sizeof(path), "/proc/%d/syscall", (int)s->pids[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(why, len, "cannot read '%s': %s", path, strerror(errno));
			continue;
		}
		n = read(fd, buf, sizeof(buf) - 1);
		if (n < 0)
			snprintf(why, len, "cannot read '%s': %s", path, strerror(errno));
		else if (syssample_parse(buf, (size_t)n, &rec) < 0)
			snprintf(why, len, "unexpected text in '%s'", path);
		else
			ok = 1;
		close(fd);
	}
	if (!ok) {
		if (!s->npids)
			snprintf(why, len, "no target to sample");
		goto fail;
	}
	s->stopfd = eventfd(0, EFD_CLOEXEC);
	if (s->stopfd < 0 || capture_thread_start(&s->thread, sampler_main, s) != 0) {
		snprintf(why, len, "cannot start the sampling thread");
		goto fail;
	}
	s->running = 1;
	return s;
fail:
	syssample_close(s);
	return NULL;
}

void syssample_close(struct syssample *s)
{
	if (!s)
		return;
	if (s->running) {
		uint64_t one = 1;

		if (write(s->stopfd, &one, sizeof(one)) < 0)
			error_errno("cannot stop the syscall sampler");
		pthread_join(s->thread, NULL);
	}
	if (s->stopfd >= 0)
		close(s->stopfd);
	pthread_mutex_destroy(&s->pids_lock);
	free(s);
}
