/* Unit tests of the inode -> owner map: link parsing, the fixture fd
 * directory, a vanished process, and growth past the first table size. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockets/sockmap.h"

static void test_sockmap__parse_link(void **state)
{
	uint32_t ino = 0;

	(void)state;
	assert_int_equal(sockmap_parse_link("socket:[12345]", 14, &ino), 0);
	assert_int_equal(ino, 12345);
	assert_int_equal(sockmap_parse_link("socket:[4294967295]", 19, &ino), 0);
	assert_int_equal(ino, 4294967295u);
	assert_int_equal(sockmap_parse_link("socket:[4294967296]", 19, &ino), -1);
	assert_int_equal(sockmap_parse_link("socket:[]", 9, &ino), -1);
	assert_int_equal(sockmap_parse_link("socket:[0]", 10, &ino), -1);
	assert_int_equal(sockmap_parse_link("socket:[12a]", 12, &ino), -1);
	assert_int_equal(sockmap_parse_link("pipe:[12345]", 12, &ino), -1);
	assert_int_equal(sockmap_parse_link("socket:[123", 11, &ino), -1);
	assert_int_equal(sockmap_parse_link("socket:[12345678901]", 20, &ino), -1);
	/* the length given is what counts, not a NUL */
	assert_int_equal(sockmap_parse_link("socket:[77]xyz", 11, &ino), 0);
	assert_int_equal(ino, 77);
}

static void test_sockmap__fixture_dir(void **state)
{
	struct sockmap m = { 0 };
	const char *dir = getenv("CASEFILE_FIXTURES");
	char path[512];
	const struct sockmap_entry *e;

	(void)state;
	snprintf(path, sizeof(path), "%s/sockets/root/proc/4242/fd", dir ? dir : "tests/fixtures");
	assert_int_equal(sockmap_add_dir(&m, path, 4242, 7), 5);
	e = sockmap_find(&m, 5002);
	assert_non_null(e);
	assert_int_equal(e->pid, 4242);
	assert_int_equal(e->fd, 4);
	assert_int_equal(e->owner, 7);
	assert_null(sockmap_find(&m, 123));   /* the pipe */
	assert_null(sockmap_find(&m, 0));
	/* the same fds again (a forked child sharing them): first owner kept */
	assert_int_equal(sockmap_add_dir(&m, path, 4243, 8), 5);
	assert_int_equal(sockmap_find(&m, 5002)->pid, 4242);
	assert_int_equal(m.shared, 5);
	sockmap_reset(&m);
	assert_null(sockmap_find(&m, 5002));
	sockmap_release(&m);
}

/* A rescan reads only the links it cannot vouch for: non-socket fds, and
 * fds whose cached socket is no longer in the kernel's list. */
static void test_sockmap__cached_rescan(void **state)
{
	struct sockmap m = { 0 }, alive = { 0 };
	struct sockmap_fdcache c = { 0 };
	const char *dir = getenv("CASEFILE_FIXTURES");
	static const uint32_t live[] = { 5001, 5002, 5003, 6002, 7002 };
	char path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/sockets/root/proc/4242/fd", dir ? dir : "tests/fixtures");
	assert_int_equal(sockmap_add_dir_cached(&m, path, 4242, 0, &c, NULL), 5);
	assert_int_equal(c.links_read, 8);
	for (size_t i = 0; i < 5; i++)
		sockmap_add(&alive, live[i], 0, 0, 0);
	sockmap_reset(&m);
	assert_int_equal(sockmap_add_dir_cached(&m, path, 4242, 0, &c, &alive), 5);
	assert_int_equal(c.links_read, 3);     /* fds 0, 1, 8: not sockets */
	assert_int_equal(sockmap_find(&m, 6002)->fd, 6);
	/* socket 5002 left the kernel's list: its fd is read again */
	sockmap_reset(&alive);
	for (size_t i = 0; i < 5; i++)
		if (live[i] != 5002)
			sockmap_add(&alive, live[i], 0, 0, 0);
	sockmap_reset(&m);
	assert_int_equal(sockmap_add_dir_cached(&m, path, 4242, 0, &c, &alive), 5);
	assert_int_equal(c.links_read, 4);
	/* another pid in the same cache slot: everything is read */
	sockmap_reset(&m);
	assert_int_equal(sockmap_add_dir_cached(&m, path, 4243, 0, &c, &alive), 5);
	assert_int_equal(c.links_read, 8);
	sockmap_fdcache_release(&c);
	sockmap_release(&m);
	sockmap_release(&alive);
}

static void test_sockmap__vanished(void **state)
{
	struct sockmap m = { 0 };

	(void)state;
	errno = 0;
	assert_int_equal(sockmap_add_dir(&m, "/nonexistent/proc/99999/fd", 99999, 0), -1);
	assert_int_equal(errno, ENOENT);
	sockmap_release(&m);
}

static void test_sockmap__many(void **state)
{
	struct sockmap m = { 0 };

	(void)state;
	for (uint32_t i = 1; i <= 70000; i++)
		assert_int_equal(sockmap_add(&m, i * 3, (int)i, (int)i, 0), 0);
	assert_int_equal(m.n, 70000);
	for (uint32_t i = 1; i <= 70000; i++) {
		const struct sockmap_entry *e = sockmap_find(&m, i * 3);
		assert_non_null(e);
		assert_int_equal(e->fd, (int)i);
		assert_null(sockmap_find(&m, i * 3 + 1));
	}
	sockmap_release(&m);
}

/* Only links are read: a regular file or a directory among the entries (a
 * fixture's) is no socket and costs no readlink; names that are not fd
 * numbers are skipped. */
static void test_sockmap__only_links_read(void **state)
{
	char dir[] = "/tmp/casefile-sockmap.XXXXXX", p[256];
	struct sockmap m = { 0 };
	struct sockmap_fdcache c = { 0 };
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/3", dir);
	assert_int_equal(symlink("socket:[77]", p), 0);
	snprintf(p, sizeof(p), "%s/4", dir);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	snprintf(p, sizeof(p), "%s/5", dir);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/6x", dir);
	assert_int_equal(symlink("socket:[78]", p), 0);
	snprintf(p, sizeof(p), "%s/99999999999", dir);
	assert_int_equal(symlink("socket:[79]", p), 0);

	assert_int_equal(sockmap_add_dir_cached(&m, dir, 42, 0, &c, NULL), 1);
	assert_int_equal(c.links_read, 1);
	assert_int_equal(sockmap_find(&m, 77)->fd, 3);
	assert_null(sockmap_find(&m, 78));
	assert_null(sockmap_find(&m, 79));

	const char *names[] = { "3", "4", "6x", "99999999999" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/5", dir);
	rmdir(p);
	rmdir(dir);
	sockmap_fdcache_release(&c);
	sockmap_release(&m);
}

/* A real fd directory: every socket of ours is found under its fd. On
 * Linux 6.2+ procfs gives the directory's fd count as its size, and the
 * table is sized for all the fds at once (non-sockets included), not grown
 * step by step to what the sockets alone need. */
static void test_sockmap__proc_self(void **state)
{
	enum { NPAIR = 1500, NPIPE = 600 };
	static int sp[NPAIR][2], pp[NPIPE][2];
	struct sockmap m = { 0 };
	struct rlimit rl;
	struct stat st;
	size_t i, want_cap = 1024;
	long nfd;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 2 * (NPAIR + NPIPE) + 64)
		skip();
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 2 * (NPAIR + NPIPE) + 64) {
		rl.rlim_cur = 2 * (NPAIR + NPIPE) + 64;
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	for (i = 0; i < NPAIR; i++)
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp[i]), 0);
	for (i = 0; i < NPIPE; i++)
		assert_int_equal(pipe2(pp[i], O_CLOEXEC), 0);
	assert_int_equal(stat("/proc/self/fd", &st), 0);
	nfd = (long)st.st_size;

	assert_true(sockmap_add_dir(&m, "/proc/self/fd", getpid(), 3) >= 2 * NPAIR);
	for (i = 0; i < NPAIR; i++) {
		for (int k = 0; k < 2; k++) {
			struct stat ss;
			const struct sockmap_entry *e;

			assert_int_equal(fstat(sp[i][k], &ss), 0);
			e = sockmap_find(&m, (uint32_t)ss.st_ino);
			assert_non_null(e);
			assert_int_equal(e->fd, sp[i][k]);
			assert_int_equal(e->pid, getpid());
			assert_int_equal(e->owner, 3);
		}
	}
	if (nfd > 2 * (NPAIR + NPIPE)) {
		/* the scan's own directory fd is one more */
		while (want_cap < (size_t)(nfd + 1) * 2)
			want_cap *= 2;
		assert_int_equal(m.cap, want_cap);
		assert_true(m.cap > 8192);   /* growth alone stops at 8192 for 3,000 sockets */
	}
	for (i = 0; i < NPAIR; i++) {
		close(sp[i][0]);
		close(sp[i][1]);
	}
	for (i = 0; i < NPIPE; i++) {
		close(pp[i][0]);
		close(pp[i][1]);
	}
	sockmap_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sockmap__parse_link),
		cmocka_unit_test(test_sockmap__fixture_dir),
		cmocka_unit_test(test_sockmap__cached_rescan),
		cmocka_unit_test(test_sockmap__vanished),
		cmocka_unit_test(test_sockmap__many),
		cmocka_unit_test(test_sockmap__only_links_read),
		cmocka_unit_test(test_sockmap__proc_self),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
