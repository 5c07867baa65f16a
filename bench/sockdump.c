/* sockdump: casefile's socket snapshot, bare, for benchmarks and fixtures.
 *
 * Runs the same code as the sockets source (capture/sockets/sockdiag.c and
 * capture/sockets/sockmap.c) once: dump TCP (v4 and v6) with NETLINK_SOCK_DIAG,
 * optionally with tcp_info (-i) and owner mapping from the fd directories of
 * the given pids (-p PID,...; -P for every process), and print one summary
 * line. -D FILE records the raw netlink replies (for tests/fixtures).
 *
 * EXAMPLES
 *   sockdump -i -p 1234,1235        # the snapshot casefile takes per tick
 *   sockdump -4 -i -D tcp4-dump.bin # record a fixture
 */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "sockets/sockdiag.h"
#include "sockets/sockmap.h"

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int add_pid(struct sockmap *m, long pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
	return sockmap_add_dir(m, path, (pid_t)pid, 0);
}

int main(int argc, char **argv)
{
	struct sockdiag sd;
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	struct sockmap map = { 0 };
	const char *record = NULL, *pids = NULL;
	int info = 0, all_procs = 0, only4 = 0, c, ret = 1;
	size_t owned = 0;
	int64_t t0, t1;

	error_set_prog("sockdump");
	while ((c = getopt(argc, argv, "iD:p:P4h")) != -1) {
		switch (c) {
		case 'i': info = 1; break;
		case 'D': record = optarg; break;
		case 'p': pids = optarg; break;
		case 'P': all_procs = 1; break;
		case '4': only4 = 1; break;
		default:
			fprintf(stderr, "usage: sockdump [-i] [-4] [-p PID,...|-P] [-D FILE]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	t0 = mono_us();
	if (sockdiag_open(&sd) < 0) {
		error_errno("cannot open NETLINK_SOCK_DIAG");
		return 1;
	}
	if (record && sockdiag_record(&sd, record) < 0)
		goto cleanup;
	/* Both families in one walk of the kernel's hash tables, as the
	 * sockets source asks (-4: IPv4 only, for fixtures). */
	if (only4 ? sockdiag_dump_inet(&sd, AF_INET, IPPROTO_TCP, info, ~0u, &r) < 0
		  : sockdiag_dump_tcp(&sd, info, ~0u, &r) < 0) {
		error_errno("tcp dump failed");
		goto cleanup;
	}
	int64_t tdump = mono_us();
	if (pids) {
		char *copy = strdup(pids), *save = NULL;
		for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save))
			add_pid(&map, strtol(p, NULL, 10));
		free(copy);
	} else if (all_procs) {
		DIR *d = opendir("/proc");
		struct dirent *de;
		while (d && (de = readdir(d)))
			if (de->d_name[0] >= '1' && de->d_name[0] <= '9')
				add_pid(&map, strtol(de->d_name, NULL, 10));
		if (d)
			closedir(d);
	}
	for (size_t i = 0; i < r.n; i++)
		if (sockmap_find(&map, r.v[i].inode))
			owned++;
	t1 = mono_us();
	printf("sockets %zu owned %zu malformed %u ms %.1f (dump %.1f, owners %.1f)\n", r.n, owned,
	       r.malformed, (double)(t1 - t0) / 1000.0, (double)(tdump - t0) / 1000.0,
	       (double)(t1 - tdump) / 1000.0);
	ret = 0;
cleanup:
	sockdiag_close(&sd);
	sockdiag_result_release(&r);
	sockmap_release(&map);
	return ret;
}
