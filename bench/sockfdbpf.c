/* sockfdbpf: the owner half of a cold socket snapshot both ways on the same
 * processes: through the BPF iterator (capture/sockets/fdowners.c, what
 * sockmap_add_dir() uses on the real /proc where it loads) and through a
 * readlink per fd (the fallback, forced with fdowners_enable(0)).
 *
 * Prints the CPU ms of each part (CLOCK_PROCESS_CPUTIME_ID): opening the
 * iterator (the BTF pass, then the load and the verifier), the scans
 * through it, the scans through the links; the sockets each found, and
 * whether the (pid, fd, inode) sets are the same. Exits 0 when they are,
 * 1 when not or when the iterator cannot run (its reason printed), 2 on a
 * bad argument. Needs CAP_BPF and CAP_PERFMON (root) and Linux 6.1+.
 *
 * EXAMPLES
 *   sockfdbpf 1234 1235      # the two holders of a 10k bench/sockhold run
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "sockets/fdowners.h"
#include "sockets/sockmap.h"

/* A pid argument: 1..INT32_MAX, digits only; 0 when it is not one. */
static pid_t parse_pid(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > INT32_MAX)
		return 0;
	return (pid_t)v;
}

static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The BTF pass alone, timed apart from the load (the open does both). */
static double btf_pass_ms(void)
{
	struct fdowners_btf b;
	struct stat st;
	char why[256];
	double c0 = cpu_ms(), c1;
	void *map;
	int fd = open("/sys/kernel/btf/vmlinux", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size <= 0)
		goto fail;
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		goto fail;
	if (fdowners_btf_parse(map, (size_t)st.st_size, &b, why, sizeof(why)) < 0)
		error("'/sys/kernel/btf/vmlinux': %s", why);
	munmap(map, (size_t)st.st_size);
	close(fd);
	c1 = cpu_ms();
	return c1 - c0;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

int main(int argc, char **argv)
{
	struct sockmap it = { 0 }, rl = { 0 };
	size_t same = 0;
	double cb, c0, c1, c2, c3;
	int ret = 1;

	error_set_prog("sockfdbpf");
	if (argc < 2) {
		fprintf(stderr, "usage: sockfdbpf PID...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (!parse_pid(argv[i])) {
			error("'%s' is not a pid", argv[i]);
			return 2;
		}
	/* first, so that the open below finds nothing cached by the kernel
	 * it would not have found anyway (the BTF file's pages stay) */
	cb = btf_pass_ms();
	c0 = cpu_ms();
	if (fdowners_open() < 0) {
		error("the iterator cannot run: %s", fdowners_why());
		goto cleanup;
	}
	c1 = cpu_ms();
	for (int i = 1; i < argc; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/fd", (int)parse_pid(argv[i]));
		if (sockmap_add_dir(&it, path, parse_pid(argv[i]), i) < 0)
			error_errno("cannot read '%s'", path);
	}
	c2 = cpu_ms();
	fdowners_enable(0);
	for (int i = 1; i < argc; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/fd", (int)parse_pid(argv[i]));
		if (sockmap_add_dir(&rl, path, parse_pid(argv[i]), i) < 0)
			error_errno("cannot read '%s'", path);
	}
	c3 = cpu_ms();
	for (size_t i = 0; i < it.cap; i++) {
		const struct sockmap_entry *e = &it.tab[i], *f;
		if (!e->inode)
			continue;
		f = sockmap_find(&rl, e->inode);
		if (f && f->pid == e->pid && f->fd == e->fd && f->owner == e->owner)
			same++;
	}
	{
		uint64_t used, fell;
		fdowners_stats(&used, &fell);
		printf("iterator: btf pass %.2f ms, open (btf + load) %.2f ms, scans %.2f ms: %zu sockets (%llu by "
		       "iterator, %llu fell back) | readlink scans %.2f ms: %zu sockets | same (pid, fd, inode) %zu%s\n",
		       cb, c1 - c0, c2 - c1, it.n, (unsigned long long)used, (unsigned long long)fell, c3 - c2,
		       rl.n, same, same == it.n && it.n == rl.n ? " (identical)" : " (DIFFERENT)");
	}
	ret = same == it.n && it.n == rl.n ? 0 : 1;
cleanup:
	sockmap_release(&it);
	sockmap_release(&rl);
	return ret;
}
