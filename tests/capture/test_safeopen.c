/* Opening files a target controls: credential parsing, the permission check,
 * and the component-wise open that refuses links the target could plant. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safeopen.h"

static const char status[] =
	"Name:\tapp\nUmask:\t0022\nState:\tS (sleeping)\n"
	"Uid:\t1000\t1001\t1002\t1003\n"
	"Gid:\t2000\t2001\t2002\t2003\n"
	"FDSize:\t64\nGroups:\t4 24 27 \n";

static void test_safeopen__parse_status(void **state)
{
	struct safeopen_cred c;

	(void)state;
	assert_int_equal(safeopen_parse_status(status, sizeof(status) - 1, &c), 0);
	assert_int_equal(c.uid, 1003);            /* the fs id, the 4th */
	assert_int_equal(c.gid, 2003);
	assert_int_equal(c.ngroups, 3);
	assert_int_equal(c.groups[2], 27);
	/* Missing or malformed lines are an error, not root. */
	assert_int_equal(safeopen_parse_status("Name:\tx\n", 8, &c), -1);
	assert_int_equal(safeopen_parse_status("Uid:\t1\t1\t1\nGid:\t1\t1\t1\t1\n", 25, &c), -1);
	assert_int_equal(safeopen_parse_status("Uid:\t-1\t1\t1\t1\nGid:\t1\t1\t1\t1\n", 28, &c), -1);
	assert_int_equal(safeopen_parse_status("Uid:\t99999999999\t1\t1\t1\nGid:\t1\t1\t1\t1\n", 37, &c), -1);
	/* Not NUL-terminated: the length bounds the parse. */
	assert_int_equal(safeopen_parse_status(status, 40, &c), -1);
}

static void test_safeopen__permission_bits(void **state)
{
	struct safeopen_cred c = { .uid = 1000, .gid = 100, .groups = { 4 }, .ngroups = 1 };
	struct safeopen_cred root = { .uid = 0, .gid = 0 };
	struct stat st;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.st_uid = 0;
	st.st_gid = 4;
	st.st_mode = S_IFREG | 0640;
	assert_true(safeopen_cred_may(&c, &st, 4));        /* through a supplementary group */
	assert_false(safeopen_cred_may(&c, &st, 2));
	st.st_gid = 42;
	assert_false(safeopen_cred_may(&c, &st, 4));       /* /etc/shadow-like */
	assert_true(safeopen_cred_may(&root, &st, 4));
	st.st_uid = 1000;
	st.st_mode = S_IFREG | 0044;                       /* owner bits alone count for the owner */
	assert_false(safeopen_cred_may(&c, &st, 4));
	st.st_uid = 1;
	st.st_mode = S_IFDIR | 01777;
	assert_true(safeopen_cred_may(&c, &st, 2));
}

static char dir[64];

static void path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

static void test_safeopen__links_and_kinds(void **state)
{
	struct safeopen_creds cs = { .n = 1 };
	char p[256], q[256], why[256];
	struct stat st;
	int fd;

	(void)state;
	cs.v[0].uid = 4242;
	cs.v[0].gid = 4242;
	snprintf(dir, sizeof(dir), "/tmp/cf-safeopen.XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	path(p, sizeof(p), "app.log");
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x\n", 2), 2);
	close(fd);

	/* A plain readable file. */
	fd = safeopen_open(p, &cs, &st, why, sizeof(why));
	assert_true(fd >= 0);
	assert_true(S_ISREG(st.st_mode));
	close(fd);

	/* Not readable by the target: refused with a reason. */
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(safeopen_open(p, &cs, &st, why, sizeof(why)), -1);
	assert_int_equal(errno, EACCES);
	assert_non_null(strstr(why, "not readable"));
	assert_int_equal(chmod(p, 0644), 0);

	/* A link in a directory the target cannot write is followed (the
	 * directory is ours, 0755)... */
	path(q, sizeof(q), "link.log");
	assert_int_equal(symlink("app.log", q), 0);
	fd = safeopen_open(q, &cs, &st, why, sizeof(why));
	assert_true(fd >= 0);
	close(fd);
	/* ...and refused once the target's user could have planted it. */
	assert_int_equal(chmod(dir, 01777), 0);
	assert_int_equal(safeopen_open(q, &cs, &st, why, sizeof(why)), -1);
	assert_int_equal(errno, ELOOP);
	assert_non_null(strstr(why, "symbolic link"));
	/* Without credentials every link is refused. */
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(safeopen_open(q, NULL, &st, why, sizeof(why)), -1);
	unlink(q);

	/* A link to /proc is refused even where nobody could plant it. */
	assert_int_equal(symlink("/proc/self/environ", q), 0);
	assert_int_equal(safeopen_open(q, &cs, &st, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "/proc"));
	unlink(q);

	/* A FIFO: refused at once, never opened (no hang). */
	path(q, sizeof(q), "fifo.log");
	assert_int_equal(mkfifo(q, 0644), 0);
	assert_int_equal(safeopen_open(q, &cs, &st, why, sizeof(why)), -1);
	assert_int_equal(errno, EINVAL);
	unlink(q);

	/* A directory and a missing file. */
	assert_int_equal(safeopen_open(dir, &cs, &st, why, sizeof(why)), -1);
	path(q, sizeof(q), "absent.log");
	assert_int_equal(safeopen_open(q, &cs, &st, why, sizeof(why)), -1);
	assert_int_equal(errno, ENOENT);
	assert_string_equal(why, "");

	unlink(p);
	rmdir(dir);
}

/* Inside another tree (a container's root through /proc/PID/root): PATH is
 * resolved as if the tree were "/", and no link at all is followed, not even
 * one nobody but root could have planted; ".." cannot leave the tree. */
static void test_safeopen__in_root(void **state)
{
	struct safeopen_creds cs = { .n = 1 };
	char root[256], p[512], why[256];
	struct stat st;
	int fd;

	(void)state;
	cs.v[0].uid = 4242;
	cs.v[0].gid = 4242;
	snprintf(root, sizeof(root), "/tmp/cf-inroot.XXXXXX");
	assert_non_null(mkdtemp(root));
	assert_int_equal(chmod(root, 0755), 0);
	snprintf(p, sizeof(p), "%s/tmp", root);
	assert_int_equal(mkdir(p, 01777), 0);
	snprintf(p, sizeof(p), "%s/tmp/perf-7.map", root);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "1 2 f\n", 6), 6);
	close(fd);

	fd = safeopen_open_in_root(root, "/tmp/perf-7.map", &cs, &st, why, sizeof(why));
	if (fd < 0 && errno == ENOSYS) {
		fprintf(stderr, "skip: this kernel has no openat2()\n");
		goto out;
	}
	assert_true(fd >= 0);
	assert_int_equal(st.st_size, 6);
	close(fd);
	/* ".." stays inside the tree: the tree's own /tmp, not the host's. */
	fd = safeopen_open_in_root(root, "/../../../tmp/perf-7.map", &cs, &st, why, sizeof(why));
	assert_true(fd >= 0);
	close(fd);
	/* An absolute link inside the tree: refused (it would be the host's
	 * /etc/passwd if followed from here). */
	snprintf(p, sizeof(p), "%s/tmp/perf-8.map", root);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	assert_int_equal(safeopen_open_in_root(root, "/tmp/perf-8.map", &cs, &st, why, sizeof(why)), -1);
	assert_int_equal(errno, ELOOP);
	assert_non_null(strstr(why, "symbolic link"));
	unlink(p);
	/* A link on the way (a directory link), even in a root-only dir. */
	snprintf(p, sizeof(p), "%s/t2", root);
	assert_int_equal(symlink("tmp", p), 0);
	assert_int_equal(safeopen_open_in_root(root, "/t2/perf-7.map", &cs, &st, why, sizeof(why)), -1);
	assert_int_equal(errno, ELOOP);
	unlink(p);
	/* A FIFO and a missing file. */
	snprintf(p, sizeof(p), "%s/tmp/perf-9.map", root);
	assert_int_equal(mkfifo(p, 0644), 0);
	assert_int_equal(safeopen_open_in_root(root, "/tmp/perf-9.map", &cs, &st, why, sizeof(why)), -1);
	assert_int_equal(errno, EINVAL);
	unlink(p);
	assert_int_equal(safeopen_open_in_root(root, "/tmp/perf-10.map", &cs, &st, why, sizeof(why)), -1);
	assert_int_equal(errno, ENOENT);
	assert_string_equal(why, "");
	/* Not readable by the target's user. */
	snprintf(p, sizeof(p), "%s/tmp/perf-7.map", root);
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(safeopen_open_in_root(root, "/tmp/perf-7.map", &cs, &st, why, sizeof(why)), -1);
	assert_int_equal(errno, EACCES);
out:
	snprintf(p, sizeof(p), "%s/tmp/perf-7.map", root);
	unlink(p);
	snprintf(p, sizeof(p), "%s/tmp", root);
	rmdir(p);
	rmdir(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_safeopen__parse_status),
		cmocka_unit_test(test_safeopen__permission_bits),
		cmocka_unit_test(test_safeopen__links_and_kinds),
		cmocka_unit_test(test_safeopen__in_root),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
