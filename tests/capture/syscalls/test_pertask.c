/* Unit tests of capture/syscalls/pertask.c, for real (root): the test process
 * is the target of per-task counting events, makes known numbers of
 * syscalls from its main thread, from a thread and from children created
 * after the attach, and finds exactly those counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "syscalls/syscalls.h"

struct tally {
	uint64_t calls, errors, rows_elsewhere;
};

/* What table T holds for syscall NR under process PID; rows of NR under any
 * other pid count in rows_elsewhere. */
static struct tally tally(const struct systable *t, int32_t pid, int32_t nr)
{
	struct tally r = { 0, 0, 0 };
	size_t i;

	for (i = 0; i < t->cap; i++) {
		const struct sysagg_entry *e = &t->v[i];

		if (!e->tid || e->nr != nr)
			continue;
		if (e->pid != pid) {
			r.rows_elsewhere++;
			continue;
		}
		r.calls += e->calls;
		r.errors += e->errors;
	}
	return r;
}


/* A local TCP port nobody listens on: bound from port 0, then closed. */
static struct sockaddr_in closed_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return a;
}

static struct syspertask *open_self(struct capture *cap, struct capture_opts *o, struct target *self,
				    struct sysagg *agg)
{
	struct syspertask *p;
	char why[512] = "";

	memset(o, 0, sizeof(*o));
	o->root = "";
	memset(cap, 0, sizeof(*cap));
	cap->opts = o;
	memset(self, 0, sizeof(*self));
	self->pid = getpid();
	cap->targets.v = self;
	cap->targets.n = cap->targets.nalive = 1;
	assert_int_equal(sysagg_init(agg, 1024), 0);
	p = syspertask_open(cap, agg, why, sizeof(why));
	if (!p && strstr(why, "not permitted")) {
		print_message("perf not permitted here: %s\n", why);
		sysagg_release(agg);
		skip();
	}
	if (!p)
		fail_msg("syspertask_open: %s", why);
	return p;
}

/* Errno values counted one by one are exact; errors of other values are
 * unknown, never given a guessed errno. */
static void test_syspertask__errno_exact(void **state)
{
	struct capture_opts o;
	struct capture cap;
	struct target self;
	struct sysagg agg;
	struct systable *t;
	struct syspertask *p;
	struct sockaddr_in closed;
	int n_refused = 23, n_again = 41, n_enoent = 17, n_ebadf = 9, i, fds[2];
	pid_t me = getpid();
	char c;

	(void)state;
	if (geteuid() != 0)
		skip();
	p = open_self(&cap, &o, &self, &agg);
	closed = closed_port();
	for (i = 0; i < n_refused; i++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		assert_true(fd >= 0);
		assert_int_equal(connect(fd, (struct sockaddr *)&closed, sizeof(closed)), -1);
		assert_int_equal(errno, ECONNREFUSED);
		close(fd);
	}
	/* connect on no socket: EBADF, not a counted errno of connect. */
	for (i = 0; i < n_ebadf; i++)
		assert_int_equal(connect(-1, (struct sockaddr *)&closed, sizeof(closed)), -1);
	assert_int_equal(pipe2(fds, O_NONBLOCK), 0);
	for (i = 0; i < n_again; i++) {
		assert_int_equal(read(fds[0], &c, 1), -1);
		assert_int_equal(errno, EAGAIN);
	}
	for (i = 0; i < n_enoent; i++)
		assert_int_equal(syscall(SYS_openat, AT_FDCWD, "/nonexistent/casefile-pertask", O_RDONLY), -1);
	syspertask_close(p);
	close(fds[0]);
	close(fds[1]);

	t = sysagg_take(&agg);
	assert_int_equal(systable_errno_count(t, me, SYS_connect, ECONNREFUSED), n_refused);
	assert_int_equal(systable_errno_count(t, me, SYS_connect, SYSAGG_ERRNO_UNKNOWN), n_ebadf);
	assert_int_equal(systable_errno_count(t, me, SYS_connect, EINPROGRESS), 0);
	assert_int_equal(tally(t, me, SYS_connect).errors, n_refused + n_ebadf);
	assert_int_equal(systable_errno_count(t, me, SYS_read, EAGAIN), n_again);
	assert_int_equal(systable_errno_count(t, me, SYS_read, SYSAGG_ERRNO_UNKNOWN), 0);
	assert_int_equal(systable_errno_count(t, me, SYS_openat, ENOENT), n_enoent);
	assert_int_equal(systable_errno_count(t, me, SYS_openat, SYSAGG_ERRNO_UNKNOWN), 0);
	assert_int_equal(t->dropped, 0);
	sysagg_done(&agg, t);
	sysagg_release(&agg);
}

static void getppid_times(int n)
{
	while (n-- > 0)
		syscall(SYS_getppid);
}

static void *thread_main(void *arg)
{
	getppid_times(*(int *)arg);
	return NULL;
}

static void test_syspertask__exact_threads_children_errors(void **state)
{
	struct capture_opts o;
	struct capture cap;
	struct target self;
	struct sysagg agg;
	struct systable *t;
	struct syspertask *p;
	struct tally r;
	char why[512] = "", c;
	pthread_t th;
	int n_thread = 200, i, status, ready[2], release[2];
	pid_t me = getpid(), gone, alive;

	(void)state;
	if (geteuid() != 0)
		skip();
	memset(&o, 0, sizeof(o));
	o.root = "";
	memset(&cap, 0, sizeof(cap));
	cap.opts = &o;
	memset(&self, 0, sizeof(self));
	self.pid = me;
	cap.targets.v = &self;
	cap.targets.n = cap.targets.nalive = 1;
	assert_int_equal(sysagg_init(&agg, 1024), 0);
	p = syspertask_open(&cap, &agg, why, sizeof(why));
	if (!p && strstr(why, "not permitted")) {
		print_message("perf not permitted here: %s\n", why);
		sysagg_release(&agg);
		skip();
	}
	if (!p)
		fail_msg("syspertask_open: %s", why);
	assert_non_null(strstr(syspertask_describe(p), "1 threads attached"));
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(release), 0);

	/* getppid: 1000 from the main thread, 200 from a thread created
	 * after the attach, 300 from a child that exits before the read, 100
	 * from a child still alive at the read. 37 failed closes. Outside the
	 * named list: 50 getuid and 11 failed chdir. */
	getppid_times(1000);
	for (i = 0; i < 37; i++)
		assert_int_equal(syscall(SYS_close, -1), -1);
	for (i = 0; i < 50; i++)
		syscall(SYS_getuid);
	for (i = 0; i < 11; i++)
		assert_int_equal(syscall(SYS_chdir, "/nonexistent/casefile-pertask"), -1);
	assert_int_equal(pthread_create(&th, NULL, thread_main, &n_thread), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	gone = fork();
	assert_true(gone >= 0);
	if (gone == 0) {
		getppid_times(300);
		_exit(0);
	}
	assert_int_equal(waitpid(gone, &status, 0), gone);
	alive = fork();
	assert_true(alive >= 0);
	if (alive == 0) {
		/* Without our copy of the write end, the read below ends when
		 * the parent does, even if a failed assertion skipped the
		 * release: no process left behind. */
		close(release[1]);
		getppid_times(100);
		if (write(ready[1], "x", 1) != 1 || read(release[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);

	assert_int_equal(syspertask_refresh(p, &cap), 0);
	t = sysagg_take(&agg);
	/* Children and threads are counted under the thread they descend
	 * from: the split is per thread present at attach. */
	r = tally(t, me, SYS_getppid);
	assert_int_equal(r.calls, 1000 + 200 + 300 + 100);
	assert_int_equal(r.errors, 0);
	assert_int_equal(r.rows_elsewhere, 0);
	r = tally(t, me, SYS_close);
	assert_true(r.calls >= 37);
	assert_int_equal(r.errors, 37);
	/* getuid and chdir are not named: they are in "other", with
	 * whatever else unnamed the process did (none of it fails). */
	r = tally(t, me, SYSAGG_OTHER);
	assert_true(r.calls >= 61);
	assert_int_equal(r.errors, 11);
	assert_int_equal(tally(t, me, SYS_getuid).calls, 0);
	assert_int_equal(t->dropped, 0);
	sysagg_done(&agg, t);

	/* The live child exits: what it did was read already, nothing is
	 * counted twice. The next interval holds only what came after the
	 * refresh, and close collects it. */
	assert_int_equal(write(release[1], "x", 1), 1);
	assert_int_equal(waitpid(alive, &status, 0), alive);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	getppid_times(500);
	syspertask_close(p);
	t = sysagg_take(&agg);
	r = tally(t, me, SYS_getppid);
	assert_int_equal(r.calls, 500);
	assert_int_equal(tally(t, me, SYS_close).errors, 0);
	assert_int_equal(tally(t, me, SYSAGG_OTHER).errors, 0);
	sysagg_done(&agg, t);
	sysagg_release(&agg);
	close(ready[0]);
	close(ready[1]);
	close(release[0]);
	close(release[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syspertask__exact_threads_children_errors),
		cmocka_unit_test(test_syspertask__errno_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
