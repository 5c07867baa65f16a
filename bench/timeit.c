/* timeit: runs a command once and prints its wall and CPU time, for the
 * benches' side-by-side rounds.
 *
 * Wall is taken around fork, exec and wait of the command only (a shell's
 * `date` before and after costs tens of ms of its own on a loaded VM); CPU is
 * the command's user + system time (wait4's rusage). Output goes to
 * /dev/null. Prints "WALL_US CPU_US" and exits with the command's status.
 *
 * EXAMPLES
 *   timeit ss -tanpi              # -> "41234 30120"
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t tv_us(struct timeval tv)
{
	return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	int64_t t0, t1;
	int status;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: timeit COMMAND [ARG...]\n");
		return 2;
	}
	t0 = mono_us();
	pid = fork();
	if (pid < 0) {
		perror("timeit: fork");
		return 1;
	}
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execvp(argv[1], argv + 1);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0) {
		perror("timeit: wait4");
		return 1;
	}
	t1 = mono_us();
	printf("%lld %lld\n", (long long)(t1 - t0), (long long)(tv_us(ru.ru_utime) + tv_us(ru.ru_stime)));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
