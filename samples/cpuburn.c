/* cpuburn: a CPU-bound process whose profile is known by design.
 *
 *   cpuburn [--threads N] [--duration S]
 *   cpuburn --rounds N [--wait-file F]   (benchmarks: bench/bench-profile.sh)
 *   cpuburn --vdso [--duration S]
 *
 * Each thread repeats one round: burn_a does 6 units of work, burn_b 3 and
 * burn_c 1, each unit the same loop, so burn_a takes 60% of the cycles,
 * burn_b 30% and burn_c 10%, all called from work_round() <- thread main.
 * The functions are never inlined and the Makefile builds this file with
 * -fno-omit-frame-pointer -fno-optimize-sibling-calls (cpuburn) and again
 * without frame pointers and
 * stripped (cpuburn-nofp), so a profiler unwinding by frame pointers names
 * the first and cannot unwind or name the second. Prints "ready" once the
 * threads run; stops on SIGTERM/SIGINT or after --duration (default 600 s).
 * With --rounds N it does exactly N rounds in one thread (once F exists,
 * with --wait-file) and prints the CPU time they took, user and system, as
 * "cpu_ms=N wall_ms=N": a profiler's cost shows in it.
 * With --vdso the main thread calls time() in a loop instead: the kernel's
 * vDSO code (__vdso_time) is where its samples land.
 */
#include <pthread.h>
#include <sys/resource.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sample.h"

#define UNIT 200000

static volatile uint64_t sink;

__attribute__((noinline)) uint64_t burn_a(uint64_t x);
__attribute__((noinline)) uint64_t burn_b(uint64_t x);
__attribute__((noinline)) uint64_t burn_c(uint64_t x);
__attribute__((noinline)) void work_round(void);

/* Called once per round by each burn_*: none is a leaf function, so each
 * keeps a frame of its own (gcc drops the frame of a leaf even with
 * -fno-omit-frame-pointer, and unwinding then skips the leaf's caller). */
__attribute__((noinline)) static uint64_t mix(uint64_t x)
{
	__asm__ volatile("" : "+r"(x));
	return x ^ (x >> 31);
}

/* Each burn_* does its loop itself (not through spin(), which would be the
 * profile's top self function): self samples land in burn_* by name. */
uint64_t burn_a(uint64_t x)
{
	long i;

	for (i = 0; i < 6L * UNIT; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return mix(x);
}

uint64_t burn_b(uint64_t x)
{
	long i;

	for (i = 0; i < 3L * UNIT; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return mix(x);
}

uint64_t burn_c(uint64_t x)
{
	long i;

	for (i = 0; i < 1L * UNIT; i++)
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
	return mix(x);
}

void work_round(void)
{
	uint64_t x = sink;

	x = burn_a(x);
	x = burn_b(x);
	x = burn_c(x);
	sink = x;
}

static void *thread_main(void *arg)
{
	(void)arg;
	while (!stop)
		work_round();
	return NULL;
}

int main(int argc, char **argv)
{
	long threads = 1, duration = 600, rounds = 0, vdso = 0, i;
	const char *wait_file = NULL;
	long long end;
	pthread_t t[64];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			threads = opt_num_of("cpuburn", argv[++i], 1, 64, "--threads");
		else if (!strcmp(argv[i], "--duration") && i + 1 < argc)
			duration = opt_num_of("cpuburn", argv[++i], 1, 86400, "--duration");
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = opt_num_of("cpuburn", argv[++i], 1, 100000000, "--rounds");
		else if (!strcmp(argv[i], "--wait-file") && i + 1 < argc)
			wait_file = argv[++i];
		else if (!strcmp(argv[i], "--vdso"))
			vdso = 1;
		else {
			fprintf(stderr, "usage: cpuburn [--threads N] [--duration S] | --rounds N [--wait-file F] | --vdso [--duration S]\n");
			return 2;
		}
	}
	sample_on_signals();
	if (rounds) {
		struct rusage r0, r1;
		long long w0;

		printf("ready\n");
		fflush(stdout);
		while (wait_file && access(wait_file, F_OK) != 0 && !stop)
			usleep(10000);
		getrusage(RUSAGE_SELF, &r0);
		w0 = now_ms();
		for (i = 0; i < rounds && !stop; i++)
			work_round();
		getrusage(RUSAGE_SELF, &r1);
		printf("cpu_ms=%lld wall_ms=%lld\n",
		       ((long long)(r1.ru_utime.tv_sec + r1.ru_stime.tv_sec - r0.ru_utime.tv_sec - r0.ru_stime.tv_sec) * 1000000 +
			(r1.ru_utime.tv_usec + r1.ru_stime.tv_usec - r0.ru_utime.tv_usec - r0.ru_stime.tv_usec)) / 1000,
		       now_ms() - w0);
		return 0;
	}
	for (i = 1; i < threads; i++)
		if (pthread_create(&t[i], NULL, thread_main, NULL)) {
			fprintf(stderr, "cpuburn: cannot start a thread\n");
			return 1;
		}
	printf("ready\n");
	fflush(stdout);
	end = now_ms() + duration * 1000;
	/* The main thread works too, checking the time once a round. */
	while (!stop && now_ms() < end) {
		if (vdso) {
			for (i = 0; i < 1000000; i++)
				sink += (uint64_t)time(NULL);
		} else {
			work_round();
		}
	}
	stop = 1;
	for (i = 1; i < threads; i++)
		pthread_join(t[i], NULL);
	return 0;
}
