/* sockiterdump: the cold socket snapshot through the BPF task_file iterator
 * (--sockets-backend=iter's code, capture/sockets/sockiter.c), for
 * benchmarks beside bench/sockdump: load the program, read the sockets of
 * each given pid through its fds (owner pid and fd come with each record: no
 * hash walk and no readlink), print one summary line. Pays libbpf's loading
 * and the verifier at each run, as a cold snapshot would.
 *
 *   sockiterdump -p 1234,1235
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "sockets/sockiter.h"

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	struct sockiter it;
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	const char *pids = NULL;
	char why[384];
	unsigned bad = 0;
	double t0, t1, t2;
	int c, ret = 0, again = 0;

	error_set_prog("sockiterdump");
	while ((c = getopt(argc, argv, "p:r:h")) != -1) {
		switch (c) {
		case 'p': pids = optarg; break;
		case 'r': again = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: sockiterdump -p PID,... [-r N]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (!pids) {
		fprintf(stderr, "usage: sockiterdump -p PID,...\n");
		return 2;
	}
	t0 = mono_ms();
	if (sockiter_open(&it, why, sizeof(why)) < 0) {
		error("%s", why);
		return 1;
	}
	t1 = mono_ms();
	char *copy = strdup(pids), *save = NULL;
	for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save))
		if (sockiter_read(&it, (pid_t)strtol(p, NULL, 10), &r, NULL, &bad) < 0) {
			error_errno("cannot read the sockets of pid %s", p);
			ret = 1;
		}
	free(copy);
	t2 = mono_ms();
	printf("sockets %zu owned %zu malformed %u ms %.1f (load %.1f, read %.1f)\n", r.n, r.n, bad,
	       t2 - t0, t1 - t0, t2 - t1);
	/* -r N: N more reads through the links kept from the first (as a
	 * running capture's ticks do), the median read */
	if (again > 0) {
		double *ms = calloc((size_t)again, sizeof(*ms));
		for (int k = 0; ms && k < again; k++) {
			double a = mono_ms();
			sockdiag_result_reset(&r);
			copy = strdup(pids);
			for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save))
				sockiter_read(&it, (pid_t)strtol(p, NULL, 10), &r, NULL, &bad);
			free(copy);
			ms[k] = mono_ms() - a;
		}
		for (int i = 1; ms && i < again; i++)
			for (int j = i; j > 0 && ms[j - 1] > ms[j]; j--) {
				double t = ms[j]; ms[j] = ms[j - 1]; ms[j - 1] = t;
			}
		if (ms)
			printf("again %d: median read %.3f ms (%zu sockets)\n", again, ms[again / 2], r.n);
		free(ms);
	}
	sockiter_close(&it);
	sockdiag_result_release(&r);
	return ret;
}
