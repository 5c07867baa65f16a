/* syscall_counts: makes exact, known numbers of specific syscalls, for
 * checking a syscall capture against the truth.
 *
 *   syscall_counts [--clock N] [--enoent N] [--getppid N] [--threads K]
 *                  [--wait-file PATH | --wait-signal] [--done-file PATH]
 *                  [--exec] [--linger] [--pause-every N] [--cpu-time]
 *                  [--mid-file PATH]
 *
 * It first waits (for SIGUSR1, or for --wait-file to exist) so that a capture
 * can attach before any counted call, then makes, spread over K threads
 * created only now (so they appear and exit during the capture):
 *   N clock_gettime through syscall(SYS_clock_gettime) (never the vDSO),
 *   N openat of a path that does not exist (ENOENT),
 *   N getppid.
 * With --exec it then execs itself once more to do the same work again (the
 * target exec'ing). It prints the loop's ns per call (and with --cpu-time its
 * process's CPU per call: two clock_gettime syscalls more, so not for exact
 * counts), creates --done-file, and with --linger waits for SIGTERM before
 * exiting. With --mid-file (one thread), it waits between the clock_gettime
 * and the openat calls until PATH exists (access and nanosleep only): a test
 * can see the first part counted in a tick of its own before the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long n_clock = 100000, n_enoent = 5000, n_getppid = 0, pause_every = 0;
static int threads = 1;
static const char *mid_file;
static volatile sig_atomic_t go;

static void on_usr1(int sig) { (void)sig; go = 1; }

/* --pause-every: a short nap every N calls leaves the CPU to a tracer's
 * low-priority reader on a loaded machine (tests); naps are nanosleep. */
static void maybe_pause(long i)
{
	struct timespec nap = { 0, 2000000 };

	if (pause_every && i % pause_every == pause_every - 1)
		nanosleep(&nap, NULL);
}

static void *work(void *arg)
{
	long k = (long)arg, i, share;
	struct timespec ts;

	share = n_clock / threads + (k < n_clock % threads);
	for (i = 0; i < share; i++) {
		syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
		maybe_pause(i);
	}
	if (mid_file && threads == 1) {
		struct timespec nap = { 0, 2000000 };

		while (access(mid_file, F_OK) != 0)
			nanosleep(&nap, NULL);
	}
	share = n_enoent / threads + (k < n_enoent % threads);
	for (i = 0; i < share; i++) {
		if (syscall(SYS_openat, AT_FDCWD, "/nonexistent/casefile-syscall-counts", O_RDONLY) >= 0)
			abort();
		maybe_pause(i);
	}
	share = n_getppid / threads + (k < n_getppid % threads);
	for (i = 0; i < share; i++) {
		syscall(SYS_getppid);
		maybe_pause(i);
	}
	return NULL;
}

static long num(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == 0 || *end || v < 0) {
		fprintf(stderr, "syscall_counts: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	const char *wait_file = NULL, *done_file = NULL;
	int do_exec = 0, linger = 0, wait_signal = 0, cpu_time = 0, i;
	struct timespec t0, t1, c0 = { 0, 0 }, c1 = { 0, 0 };
	pthread_t tids[64];
	double ns;
	long total;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--exec")) { do_exec = 1; continue; }
		if (!strcmp(a, "--linger")) { linger = 1; continue; }
		if (!strcmp(a, "--cpu-time")) { cpu_time = 1; continue; }
		if (!strcmp(a, "--wait-signal")) { wait_signal = 1; continue; }
		if (!v) {
			fprintf(stderr, "usage: syscall_counts [--clock N] [--enoent N] [--getppid N] [--threads K]\n"
				"       [--wait-file PATH | --wait-signal] [--done-file PATH] [--exec] [--linger]\n"
				"       [--pause-every N] [--cpu-time] [--mid-file PATH]\n");
			return 2;
		}
		i++;
		if (!strcmp(a, "--clock")) n_clock = num(v);
		else if (!strcmp(a, "--enoent")) n_enoent = num(v);
		else if (!strcmp(a, "--getppid")) n_getppid = num(v);
		else if (!strcmp(a, "--threads")) threads = (int)num(v);
		else if (!strcmp(a, "--pause-every")) pause_every = num(v);
		else if (!strcmp(a, "--wait-file")) wait_file = v;
		else if (!strcmp(a, "--done-file")) done_file = v;
		else if (!strcmp(a, "--mid-file")) mid_file = v;
		else { fprintf(stderr, "syscall_counts: unknown option '%s'\n", a); return 2; }
	}
	if (threads < 1 || threads > 64) {
		fprintf(stderr, "syscall_counts: --threads must be 1..64\n");
		return 2;
	}

	/* Wait to be told, without syscalls that could be mistaken for the
	 * counted ones (nanosleep and access only). */
	signal(SIGUSR1, on_usr1);
	if (wait_file || wait_signal) {
		struct timespec nap = { 0, 2000000 };

		printf("waiting\n");
		fflush(stdout);
		while (!go && (!wait_file || access(wait_file, F_OK) != 0))
			nanosleep(&nap, NULL);
	}

	if (cpu_time)
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (threads == 1) {
		work((void *)0L);
	} else {
		for (i = 0; i < threads; i++)
			if (pthread_create(&tids[i], NULL, work, (void *)(long)i)) {
				fprintf(stderr, "syscall_counts: pthread_create failed\n");
				return 1;
			}
		for (i = 0; i < threads; i++)
			pthread_join(tids[i], NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (cpu_time)
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	total = n_clock + n_enoent + n_getppid;
	ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / (total ? (double)total : 1);
	printf("calls %ld ns/call %.1f\n", total, ns);
	/* The CPU the loop cost the process (kernel time included: a tracer's
	 * in-kernel work is billed here), which waiting for a CPU on a loaded
	 * machine does not inflate as it does the wall time above. */
	if (cpu_time) {
		ns = ((double)(c1.tv_sec - c0.tv_sec) * 1e9 + (double)(c1.tv_nsec - c0.tv_nsec)) /
		     (total ? (double)total : 1);
		printf("cpu %ld ns/call %.1f\n", total, ns);
	}
	fflush(stdout);

	if (do_exec) {
		/* The second image does the same work at once, then carries on
		 * with --done-file and --linger. */
		char *args[16];
		int n = 0;
		char c[24], e[24], g[24], t[24], pe[24];

		snprintf(c, sizeof(c), "%ld", n_clock);
		snprintf(e, sizeof(e), "%ld", n_enoent);
		snprintf(g, sizeof(g), "%ld", n_getppid);
		snprintf(t, sizeof(t), "%d", threads);
		args[n++] = argv[0];
		args[n++] = "--clock"; args[n++] = c;
		args[n++] = "--enoent"; args[n++] = e;
		args[n++] = "--getppid"; args[n++] = g;
		args[n++] = "--threads"; args[n++] = t;
		if (done_file) { args[n++] = "--done-file"; args[n++] = (char *)done_file; }
		if (linger) args[n++] = "--linger";
		if (pause_every) {
			snprintf(pe, sizeof(pe), "%ld", pause_every);
			args[n++] = "--pause-every"; args[n++] = pe;
		}
		args[n] = NULL;
		execv("/proc/self/exe", args);
		perror("syscall_counts: exec");
		return 1;
	}
	if (done_file) {
		int fd = open(done_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd >= 0)
			close(fd);
	}
	if (linger)
		for (;;)
			pause();
	return 0;
}
