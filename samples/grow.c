/* grow: a workload whose resident memory, open fds and (optionally) threads
 * grow at steady, configurable rates. Used by tests and the demo to check
 * that a capture records what the process really did.
 *
 *   grow [--rss-rate MIB_PER_S] [--fd-rate FDS_PER_S] [--thread-rate N_PER_S]
 *        [--duration SECONDS] [--ready FILE]
 *
 * Each step (every 100 ms) touches new memory, opens /dev/null, or starts a
 * sleeping thread. Writes "ready" to FILE (if given) once started; exits
 * after --duration or on SIGTERM/SIGINT. Limits: 4 GiB memory, 15000 fds,
 * 2000 threads.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void *idle_thread(void *arg)
{
	(void)arg;
	while (!stop)
		pause();
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double rss_rate = 1.0, fd_rate = 10.0, thread_rate = 0.0, duration = 60.0;
	const char *ready = NULL;
	double start, t;
	size_t mem_done = 0, mem_cap = 4096UL << 20;
	long fds = 0, threads = 0;
	struct sigaction sa;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--rss-rate") && i + 1 < argc)
			rss_rate = atof(argv[++i]);
		else if (!strcmp(argv[i], "--fd-rate") && i + 1 < argc)
			fd_rate = atof(argv[++i]);
		else if (!strcmp(argv[i], "--thread-rate") && i + 1 < argc)
			thread_rate = atof(argv[++i]);
		else if (!strcmp(argv[i], "--duration") && i + 1 < argc)
			duration = atof(argv[++i]);
		else if (!strcmp(argv[i], "--ready") && i + 1 < argc)
			ready = argv[++i];
		else {
			fprintf(stderr, "usage: grow [--rss-rate MIB_PER_S] [--fd-rate N] [--thread-rate N]"
				" [--duration S] [--ready FILE]\n");
			return 2;
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	if (ready) {
		FILE *f = fopen(ready, "w");

		if (f) {
			fprintf(f, "%d\n", (int)getpid());
			fclose(f);
		}
	}
	start = now_s();
	while (!stop && (t = now_s() - start) < duration) {
		size_t mem_goal = (size_t)(rss_rate * t * 1048576.0);
		long fd_goal = (long)(fd_rate * t), thread_goal = (long)(thread_rate * t);

		if (mem_goal > mem_cap)
			mem_goal = mem_cap;
		if (mem_goal > mem_done) {
			size_t n = mem_goal - mem_done;
			char *p = malloc(n);

			if (p) {
				memset(p, 0x5a, n); /* touch every page: it must be resident */
				mem_done = mem_goal;
			}
		}
		while (fds < fd_goal && fds < 15000) {
			if (open("/dev/null", O_RDONLY) < 0)
				break;
			fds++;
		}
		while (threads < thread_goal && threads < 2000) {
			pthread_t th;

			if (pthread_create(&th, NULL, idle_thread, NULL))
				break;
			pthread_detach(th);
			threads++;
		}
		usleep(100000);
	}
	return 0;
}
