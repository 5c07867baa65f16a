/* pingpong: a target whose syscalls each switch context: a parent and the
 * child it forks pass one byte back and forth over two pipes, N round
 * trips, so every read blocks and the other process runs. A per-task perf
 * event is scheduled out and in at each switch, which a getppid loop never
 * shows.
 *
 *   pingpong N [--wait-file PATH]
 *
 * Waits for PATH to exist (nanosleep and access only) so a capture can
 * attach first; the child is forked after that. Prints, like
 * syscall_counts: "calls 4N ns/call X" (wall time per read or write) and
 * "cpu 4N ns/call X" (CPU of both processes per call).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double ns_of(const struct timespec *t) { return (double)t->tv_sec * 1e9 + (double)t->tv_nsec; }
static double tv_ns(const struct timeval *t) { return (double)t->tv_sec * 1e9 + (double)t->tv_usec * 1e3; }

int main(int argc, char **argv)
{
	struct timespec t0, t1, c0, c1, nap = { 0, 2000000 };
	struct rusage ru;
	int a[2], b[2], status;
	long n, i;
	char c = 0, *end;
	pid_t child;
	double calls;

	if (argc != 2 && !(argc == 4 && !strcmp(argv[2], "--wait-file"))) {
		fprintf(stderr, "usage: pingpong N [--wait-file PATH]\n");
		return 2;
	}
	n = strtol(argv[1], &end, 10);
	if (*end || n <= 0) {
		fprintf(stderr, "pingpong: bad count '%s'\n", argv[1]);
		return 2;
	}
	if (argc == 4)
		while (access(argv[3], F_OK) != 0)
			nanosleep(&nap, NULL);
	if (pipe(a) < 0 || pipe(b) < 0) {
		perror("pingpong: pipe");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	child = fork();
	if (child < 0) {
		perror("pingpong: fork");
		return 1;
	}
	if (child == 0) {
		for (i = 0; i < n; i++)
			if (read(a[0], &c, 1) != 1 || write(b[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	for (i = 0; i < n; i++)
		if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1) {
			fprintf(stderr, "pingpong: the child went away\n");
			return 1;
		}
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "pingpong: the child failed\n");
		return 1;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	getrusage(RUSAGE_CHILDREN, &ru);
	calls = 4.0 * (double)n;
	printf("calls %ld ns/call %.1f\n", 4 * n, (ns_of(&t1) - ns_of(&t0)) / calls);
	printf("cpu %ld ns/call %.1f\n", 4 * n,
	       (ns_of(&c1) - ns_of(&c0) + tv_ns(&ru.ru_utime) + tv_ns(&ru.ru_stime)) / calls);
	return 0;
}
