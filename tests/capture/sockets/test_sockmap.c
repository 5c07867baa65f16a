/* Unit tests of the inode -> owner map: link parsing, the fixture fd
 * directory, a vanished process, and growth past the first table size. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sockmap__parse_link),
		cmocka_unit_test(test_sockmap__fixture_dir),
		cmocka_unit_test(test_sockmap__cached_rescan),
		cmocka_unit_test(test_sockmap__vanished),
		cmocka_unit_test(test_sockmap__many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
