/* timer_storm: a process drowning in timers, like the seed's Node.js service
 * (`strace -c` led by clock_gettime and gettimeofday, then write, epoll_wait,
 * epoll_ctl): many concurrent short timers on one epoll loop.
 *
 *   timer_storm [--timers N] [--interval-ms MS] [--duration S] [--vdso]
 *               [--write-every N]
 *
 * Each of N timerfds (default 256, one per "connection") fires every
 * interval (default 5 ms, jittered). Each wakeup reads the time several
 * times, re-arms its timer (timerfd_settime) and re-registers it
 * (epoll_ctl MOD, as libuv does), and every --write-every wakeups writes a
 * log line to /dev/null. epoll_wait uses short timeouts.
 *
 * Time queries go through syscall(SYS_clock_gettime / SYS_gettimeofday) so
 * they reach the kernel as on a xen clocksource, even on this machine whose
 * kvm-clock lets the vDSO answer them; --vdso uses the libc calls instead
 * (then they are invisible to syscall tracing, as on tsc or kvm-clock).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static int use_vdso;
static volatile sig_atomic_t stop;

static void on_term(int sig) { (void)sig; stop = 1; }

static void now(struct timespec *ts)
{
	if (use_vdso)
		clock_gettime(CLOCK_MONOTONIC, ts);
	else
		syscall(SYS_clock_gettime, CLOCK_MONOTONIC, ts);
}

static void wallclock(struct timeval *tv)
{
	if (use_vdso)
		gettimeofday(tv, NULL);
	else
		syscall(SYS_gettimeofday, tv, NULL);
}

static long num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == 0 || *end || v <= 0) {
		fprintf(stderr, "timer_storm: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static void arm(int fd, long interval_ms, unsigned *seed)
{
	struct itimerspec it;
	long ns = interval_ms * 1000000L / 2 + (long)(rand_r(seed) % (unsigned)(interval_ms * 1000000L));

	memset(&it, 0, sizeof(it));
	it.it_value.tv_sec = ns / 1000000000L;
	it.it_value.tv_nsec = ns % 1000000000L;
	timerfd_settime(fd, 0, &it, NULL);
}

int main(int argc, char **argv)
{
	long ntimers = 256, interval_ms = 5, duration_s = 0, write_every = 8, wakeups = 0;
	struct epoll_event ev, events[64];
	struct timespec start, t;
	unsigned seed = 1;
	int ep, devnull, i, *fds;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--vdso")) { use_vdso = 1; continue; }
		if (!v) {
			fprintf(stderr, "usage: timer_storm [--timers N] [--interval-ms MS] [--duration S] "
				"[--vdso] [--write-every N]\n");
			return 2;
		}
		i++;
		if (!strcmp(a, "--timers")) ntimers = num(v);
		else if (!strcmp(a, "--interval-ms")) interval_ms = num(v);
		else if (!strcmp(a, "--duration")) duration_s = num(v);
		else if (!strcmp(a, "--write-every")) write_every = num(v);
		else { fprintf(stderr, "timer_storm: unknown option '%s'\n", a); return 2; }
	}
	if (ntimers > 10000) {
		fprintf(stderr, "timer_storm: at most 10000 timers\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	ep = epoll_create1(EPOLL_CLOEXEC);
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	fds = calloc((size_t)ntimers, sizeof(*fds));
	if (ep < 0 || devnull < 0 || !fds) {
		perror("timer_storm: setup");
		return 1;
	}
	for (i = 0; i < ntimers; i++) {
		fds[i] = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (fds[i] < 0) {
			perror("timer_storm: timerfd_create");
			return 1;
		}
		ev.events = EPOLLIN | EPOLLONESHOT;
		ev.data.u32 = (uint32_t)i;
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
		arm(fds[i], interval_ms, &seed);
	}
	now(&start);
	while (!stop) {
		int n = epoll_wait(ep, events, 64, 1);

		now(&t);
		if (duration_s && t.tv_sec - start.tv_sec >= duration_s)
			break;
		for (i = 0; i < n; i++) {
			int fd = fds[events[i].data.u32];
			uint64_t expirations;
			struct timeval tv;
			char line[160];
			int len;

			if (read(fd, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
				break;
			/* A timer callback: "what time is it" a few times, as
			 * timer lists and loggers ask. */
			now(&t);
			now(&t);
			now(&t);
			wallclock(&tv);
			arm(fd, interval_ms, &seed);
			ev.events = EPOLLIN | EPOLLONESHOT;
			ev.data.u32 = events[i].data.u32;
			epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
			if (++wakeups % write_every == 0) {
				len = snprintf(line, sizeof(line),
					       "{\"level\":\"error\",\"ts\":%ld.%06ld,\"msg\":\"timer %u fired\"}\n",
					       (long)tv.tv_sec, (long)tv.tv_usec, events[i].data.u32);
				if (write(devnull, line, (size_t)len) < 0)
					break;
			}
		}
	}
	for (i = 0; i < ntimers; i++)
		close(fds[i]);
	free(fds);
	close(ep);
	close(devnull);
	return 0;
}
