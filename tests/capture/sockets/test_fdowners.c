/* Unit tests of the socket owners' BPF iterator (capture/sockets/fdowners.c):
 * the BTF pass on a small synthetic blob (good, every truncation, bad magic,
 * version, header and section bounds, strings, kinds, members), the record
 * check, and, as root where the iterator loads, the live (fd, inode) set of
 * this process against the readlink scan's, with a thread that unshared its
 * fd table holding a socket /proc/PID/fd does not list; a --root style path
 * still read through its links. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/btf.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sockets/fdowners.h"
#include "sockets/sockmap.h"

/* ---- a synthetic BTF blob ---- */

/* what libbpf's btf.h spells, the uapi header does not */
#define BTF_INFO_ENC(kind, kflag, vlen) \
	((uint32_t)!!(kflag) << 31 | (uint32_t)(kind) << 24 | ((uint32_t)(vlen) & 0xffff))
#define BTF_MEMBER_OFFSET(bitfield_size, bits) ((uint32_t)(bitfield_size) << 24 | (uint32_t)(bits))

struct blob {
	unsigned char b[4096];
	size_t len;
	uint32_t type_len, str_len;
};

static const char strs[] = "\0int\0file\0f_inode\0inode\0i_sb\0i_ino\0super_block\0s_magic\0"
			   "task_struct\0pid\0tgid\0bpf_iter_task_file\0";

static uint32_t str_off(const char *s)
{
	for (size_t i = 0; i < sizeof(strs) - 1; i++)
		if ((i == 0 || strs[i - 1] == '\0') && !strcmp(strs + i, s))
			return (uint32_t)i;
	fail_msg("no string '%s'", s);
	return 0;
}

static void put(struct blob *bl, const void *p, size_t n)
{
	assert_true(bl->len + n <= sizeof(bl->b));
	memcpy(bl->b + bl->len, p, n);
	bl->len += n;
}

static void put_type(struct blob *bl, const char *name, unsigned kind, unsigned vlen, int kflag, uint32_t size_type)
{
	struct btf_type t = { .name_off = name ? str_off(name) : 0,
			      .info = BTF_INFO_ENC(kind, kflag, vlen), .size = size_type };
	put(bl, &t, sizeof(t));
}

static void put_member(struct blob *bl, const char *name, uint32_t type, uint32_t bit_off)
{
	struct btf_member m = { .name_off = str_off(name), .type = type, .offset = bit_off };
	put(bl, &m, sizeof(m));
}

/* types: 1 int, 2 ptr, 3 file, 4 inode, 5 super_block, 6 task_struct,
 * 7 func_proto, 8 FUNC bpf_iter_task_file */
static void make_blob(struct blob *bl, uint32_t pid_byte_off)
{
	struct btf_header h = { .magic = BTF_MAGIC, .version = BTF_VERSION, .hdr_len = sizeof(h) };
	uint32_t enc = 32;
	size_t t0;

	memset(bl, 0, sizeof(*bl));
	bl->len = sizeof(h);
	t0 = bl->len;
	put_type(bl, "int", BTF_KIND_INT, 0, 0, 4);
	put(bl, &enc, sizeof(enc));
	put_type(bl, NULL, BTF_KIND_PTR, 0, 0, 1);
	put_type(bl, "file", BTF_KIND_STRUCT, 1, 0, 64);
	put_member(bl, "f_inode", 2, 8 * 8);
	put_type(bl, "inode", BTF_KIND_STRUCT, 2, 0, 128);
	put_member(bl, "i_sb", 2, 40 * 8);
	put_member(bl, "i_ino", 1, 64 * 8);
	put_type(bl, "super_block", BTF_KIND_STRUCT, 1, 1, 256);
	put_member(bl, "s_magic", 1, 96 * 8);   /* kflag: offset in the low 24 bits */
	put_type(bl, "task_struct", BTF_KIND_STRUCT, 2, 0, 8192);
	put_member(bl, "pid", 1, pid_byte_off * 8);
	put_member(bl, "tgid", 1, (pid_byte_off + 4) * 8);
	put_type(bl, NULL, BTF_KIND_FUNC_PROTO, 0, 0, 0);
	put_type(bl, "bpf_iter_task_file", BTF_KIND_FUNC, 0, 0, 7);
	bl->type_len = (uint32_t)(bl->len - t0);
	put(bl, strs, sizeof(strs));
	bl->str_len = sizeof(strs);
	h.type_off = 0;
	h.type_len = bl->type_len;
	h.str_off = bl->type_len;
	h.str_len = bl->str_len;
	memcpy(bl->b, &h, sizeof(h));
}

static struct btf_header *hdr(struct blob *bl)
{
	return (struct btf_header *)(void *)bl->b;
}

static int parse(const struct blob *bl, size_t len)
{
	struct fdowners_btf b;
	char why[256] = "";
	int rc = fdowners_btf_parse(bl->b, len, &b, why, sizeof(why));

	if (rc < 0)
		assert_true(why[0] != '\0');   /* an error always says why */
	return rc;
}

static void test_fdowners__btf_good(void **state)
{
	struct blob bl;
	struct fdowners_btf b;
	char why[256] = "";

	(void)state;
	make_blob(&bl, 2000);
	assert_int_equal(fdowners_btf_parse(bl.b, bl.len, &b, why, sizeof(why)), 0);
	assert_int_equal(b.func, 8);
	assert_int_equal(b.f_inode, 8);
	assert_int_equal(b.i_sb, 40);
	assert_int_equal(b.i_ino, 64);
	assert_int_equal(b.s_magic, 96);
	assert_int_equal(b.t_pid, 2000);
	assert_int_equal(b.t_tgid, 2004);
}

static void test_fdowners__btf_truncated(void **state)
{
	struct blob bl;

	(void)state;
	make_blob(&bl, 2000);
	/* every cut: the header's sections run past it, or the header itself */
	for (size_t len = 0; len < bl.len; len++)
		assert_int_equal(parse(&bl, len), -1);
	/* sections cut consistently: a type runs past its section */
	make_blob(&bl, 2000);
	hdr(&bl)->type_len -= 4;
	assert_int_equal(parse(&bl, bl.len), -1);
	make_blob(&bl, 2000);
	hdr(&bl)->type_len = 6;   /* half a type header */
	assert_int_equal(parse(&bl, bl.len), -1);
}

static void test_fdowners__btf_malformed(void **state)
{
	struct blob bl;
	struct btf_type *t;

	(void)state;
	make_blob(&bl, 2000);
	hdr(&bl)->magic = 0x9feb;   /* the other byte order */
	assert_int_equal(parse(&bl, bl.len), -1);

	make_blob(&bl, 2000);
	hdr(&bl)->version = 2;
	assert_int_equal(parse(&bl, bl.len), -1);

	make_blob(&bl, 2000);
	hdr(&bl)->hdr_len = 8;
	assert_int_equal(parse(&bl, bl.len), -1);
	hdr(&bl)->hdr_len = UINT32_MAX;
	assert_int_equal(parse(&bl, bl.len), -1);

	make_blob(&bl, 2000);
	hdr(&bl)->type_off = UINT32_MAX - 8;   /* wraps in 32 bits */
	assert_int_equal(parse(&bl, bl.len), -1);
	make_blob(&bl, 2000);
	hdr(&bl)->str_len = UINT32_MAX;
	assert_int_equal(parse(&bl, bl.len), -1);
	make_blob(&bl, 2000);
	hdr(&bl)->str_off += 2;   /* the strings past the end */
	assert_int_equal(parse(&bl, bl.len), -1);

	make_blob(&bl, 2000);
	bl.b[bl.len - 1] = 'x';   /* strings not NUL-terminated */
	assert_int_equal(parse(&bl, bl.len), -1);

	make_blob(&bl, 2000);
	hdr(&bl)->str_len = 0;
	assert_int_equal(parse(&bl, bl.len), -1);

	/* a type's name outside the strings */
	make_blob(&bl, 2000);
	t = (struct btf_type *)(void *)(bl.b + sizeof(struct btf_header));
	t->name_off = (uint32_t)sizeof(strs);
	assert_int_equal(parse(&bl, bl.len), -1);

	/* a member's name outside the strings (in struct file: type 3, after
	 * int (16 bytes) and ptr (12)) */
	make_blob(&bl, 2000);
	{
		struct btf_member *m = (void *)(bl.b + sizeof(struct btf_header) + 16 + 12 + 12);
		m->name_off = 100000;
	}
	assert_int_equal(parse(&bl, bl.len), -1);

	/* an unknown kind: the next type cannot be found */
	make_blob(&bl, 2000);
	t = (struct btf_type *)(void *)(bl.b + sizeof(struct btf_header) + 16);
	t->info = BTF_INFO_ENC(31, 0, 0);
	assert_int_equal(parse(&bl, bl.len), -1);

	/* a struct whose member count runs past the section */
	make_blob(&bl, 2000);
	t = (struct btf_type *)(void *)(bl.b + sizeof(struct btf_header) + 16 + 12);
	t->info = BTF_INFO_ENC(BTF_KIND_STRUCT, 0, 0xffff);
	assert_int_equal(parse(&bl, bl.len), -1);

	/* a bitfield member (kflag, bitfield size 3) */
	make_blob(&bl, 2000);
	{
		/* super_block's member: after int 16, ptr 12, file 24, inode 36, super_block header 12 */
		struct btf_member *m = (void *)(bl.b + sizeof(struct btf_header) + 16 + 12 + 24 + 36 + 12);
		m->offset = BTF_MEMBER_OFFSET(3, 96 * 8);
	}
	assert_int_equal(parse(&bl, bl.len), -1);

	/* a member offset a BPF instruction cannot hold */
	make_blob(&bl, 40000);
	assert_int_equal(parse(&bl, bl.len), -1);

	/* a member past its struct's size */
	make_blob(&bl, 8190);
	assert_int_equal(parse(&bl, bl.len), -1);

	/* no FUNC bpf_iter_task_file: the last type renamed */
	make_blob(&bl, 2000);
	t = (struct btf_type *)(void *)(bl.b + sizeof(struct btf_header) + bl.type_len - 12);
	t->name_off = str_off("pid");
	assert_int_equal(parse(&bl, bl.len), -1);
}

/* ---- the records ---- */

static void test_fdowners__check(void **state)
{
	struct fdowners_rec v[4] = {
		{ FDOWNERS_HEADER_FD, 42, 0 }, { 3, 42, 1001 }, { 7, 42, 1002 }, { 9, 42, 5000000000ull },
	};
	struct fdowners_rec w[4];

	(void)state;
	assert_int_equal(fdowners_check(v, sizeof(v), 0), 3);
	assert_int_equal(fdowners_check(v, sizeof(v), 42), 3);
	assert_int_equal(fdowners_check(v, sizeof(v[0]), 42), 0);   /* no socket */
	assert_int_equal(fdowners_check(v, sizeof(v), 43), -1);     /* another process */
	assert_int_equal(fdowners_check(v, 0, 0), -1);
	assert_int_equal(fdowners_check(v, sizeof(v) - 1, 0), -1);
	assert_int_equal(fdowners_check(v, sizeof(v) + 8, 0), -1);
	assert_int_equal(fdowners_check(v + 1, sizeof(v) - sizeof(v[0]), 0), -1);   /* no header */

	memcpy(w, v, sizeof(v));
	w[2].tgid = 43;
	assert_int_equal(fdowners_check(w, sizeof(w), 0), -1);
	memcpy(w, v, sizeof(v));
	w[2].fd = 3;   /* not ascending */
	assert_int_equal(fdowners_check(w, sizeof(w), 0), -1);
	memcpy(w, v, sizeof(v));
	w[3].fd = 0x80000000u;
	assert_int_equal(fdowners_check(w, sizeof(w), 0), -1);
	memcpy(w, v, sizeof(v));
	w[3] = w[0];   /* a second header */
	assert_int_equal(fdowners_check(w, sizeof(w), 0), -1);
	memcpy(w, v, sizeof(v));
	w[1].ino = 0;
	assert_int_equal(fdowners_check(w, sizeof(w), 0), -1);
	memcpy(w, v, sizeof(v));
	w[0].ino = 1;
	assert_int_equal(fdowners_check(w, sizeof(w), 0), -1);
	memcpy(w, v, sizeof(v));
	w[0].tgid = 0;
	w[1].tgid = w[2].tgid = w[3].tgid = 0;
	assert_int_equal(fdowners_check(w, sizeof(w), 0), -1);
}

/* ---- live, as root ---- */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stage;               /* 1: the thread's socket is open; 2: it may exit */
	int fd;
	ino_t ino;
	pid_t tid;
} th = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, -1, 0, 0 };

static void *unshared_thread(void *arg)
{
	struct stat st;

	(void)arg;
	th.tid = (pid_t)syscall(SYS_gettid);
	if (unshare(CLONE_FILES) == 0) {
		th.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (th.fd >= 0 && fstat(th.fd, &st) == 0)
			th.ino = st.st_ino;
	}
	pthread_mutex_lock(&th.lock);
	th.stage = 1;
	pthread_cond_broadcast(&th.cond);
	while (th.stage < 2)
		pthread_cond_wait(&th.cond, &th.lock);
	pthread_mutex_unlock(&th.lock);
	if (th.fd >= 0)
		close(th.fd);
	return NULL;
}

static int cmp_rec(const void *a, const void *b)
{
	const struct sockmap_entry *x = a, *y = b;
	return x->fd < y->fd ? -1 : x->fd > y->fd;
}

/* The entries of m as an array sorted by fd (*n of them). */
static struct sockmap_entry *entries(const struct sockmap *m, size_t *n)
{
	struct sockmap_entry *v = calloc(m->n + 1, sizeof(*v));
	size_t k = 0;

	assert_non_null(v);
	for (size_t i = 0; i < m->cap; i++)
		if (m->tab[i].inode)
			v[k++] = m->tab[i];
	qsort(v, k, sizeof(*v), cmp_rec);
	*n = k;
	return v;
}

static void test_fdowners__live_same_as_links(void **state)
{
	enum { NPAIR = 300 };
	static int sp[NPAIR][2];
	struct sockmap links = { 0 }, iter = { 0 };
	struct sockmap_entry *a, *b;
	struct fdowners_rec *v = NULL;
	size_t na, nb, nv;
	uint64_t used0, used1, fb;
	pthread_t t;
	char path[64], tpath[96], lnk[64];
	int lfd, n_links, n_iter, dup_fd;

	(void)state;
	if (geteuid() != 0) {
		print_message("skipped: the BPF iterator needs root (CAP_BPF and CAP_PERFMON)\n");
		skip();
	}
	if (fdowners_open() < 0) {
		print_message("skipped: the BPF iterator cannot run here: %s\n", fdowners_why());
		skip();
	}
	for (int i = 0; i < NPAIR; i++)
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp[i]), 0);
	lfd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(lfd >= 0);
	dup_fd = dup(sp[0][0]);   /* one socket under two fds: the first kept */
	assert_true(dup_fd >= 0);
	assert_int_equal(pthread_create(&t, NULL, unshared_thread, NULL), 0);
	pthread_mutex_lock(&th.lock);
	while (th.stage < 1)
		pthread_cond_wait(&th.cond, &th.lock);
	pthread_mutex_unlock(&th.lock);
	assert_true(th.fd >= 0);
	/* the thread's own table lists its socket, the process's does not */
	snprintf(tpath, sizeof(tpath), "/proc/%d/task/%d/fd/%d", (int)getpid(), (int)th.tid, th.fd);
	{
		ssize_t l = readlink(tpath, lnk, sizeof(lnk) - 1);
		uint32_t ino = 0;
		assert_true(l > 0);
		assert_int_equal(sockmap_parse_link(lnk, (size_t)l, &ino), 0);
		assert_int_equal(ino, (uint32_t)th.ino);
	}

	/* "/proc/self/fd" is not "/proc/PID/fd": read through the links */
	fdowners_stats(&used0, &fb);
	n_links = sockmap_add_dir(&links, "/proc/self/fd", getpid(), 1);
	fdowners_stats(&used1, &fb);
	assert_int_equal(used1, used0);
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)getpid());
	n_iter = sockmap_add_dir(&iter, path, getpid(), 1);
	fdowners_stats(&used1, &fb);
	assert_int_equal(used1, used0 + 1);
	assert_true(n_links >= 2 * NPAIR + 2);
	assert_int_equal(n_iter, n_links);
	assert_int_equal(iter.n, links.n);
	assert_int_equal(iter.shared, links.shared);
	assert_true(links.shared >= 1);
	a = entries(&links, &na);
	b = entries(&iter, &nb);
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		assert_int_equal(a[i].inode, b[i].inode);
		assert_int_equal(a[i].fd, b[i].fd);
		assert_int_equal(a[i].pid, b[i].pid);
		assert_int_equal(a[i].owner, b[i].owner);
	}
	assert_int_equal(sockmap_find(&iter, (uint32_t)th.ino) == NULL, 1);
	assert_int_equal(sockmap_find(&links, (uint32_t)th.ino) == NULL, 1);

	/* the raw records: every socket fd once, the thread's socket absent */
	assert_int_equal(fdowners_read(getpid(), &v, &nv), 0);
	assert_int_equal(nv, (size_t)n_links);
	for (size_t i = 0; i < nv; i++)
		assert_true(v[i].ino != (uint64_t)th.ino);

	free(v);
	v = NULL;

	/* a thread id is not a process: the iterator gives nothing, and the
	 * links of /proc/TID/fd show that thread's own table */
	assert_int_equal(fdowners_read(th.tid, &v, &nv), -1);
	{
		struct sockmap tm = { 0 };
		snprintf(tpath, sizeof(tpath), "/proc/%d/fd", (int)th.tid);
		assert_true(sockmap_add_dir(&tm, tpath, th.tid, 2) > 0);
		assert_non_null(sockmap_find(&tm, (uint32_t)th.ino));
		sockmap_release(&tm);
	}

	pthread_mutex_lock(&th.lock);
	th.stage = 2;
	pthread_cond_broadcast(&th.cond);
	pthread_mutex_unlock(&th.lock);
	pthread_join(t, NULL);
	free(v);
	free(a);
	free(b);
	sockmap_release(&links);
	sockmap_release(&iter);
	for (int i = 0; i < NPAIR; i++) {
		close(sp[i][0]);
		close(sp[i][1]);
	}
	close(lfd);
	close(dup_fd);
}

/* A process that is gone: the iterator gives way, and the links say
 * ENOENT as they always did. */
static void test_fdowners__gone(void **state)
{
	struct sockmap m = { 0 };
	char path[64];
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	errno = 0;
	assert_int_equal(sockmap_add_dir(&m, path, pid, 0), -1);
	assert_true(errno == ENOENT || errno == ESRCH);
	sockmap_release(&m);
}

/* A --root fixture tree's fd directory, even one named for our own pid,
 * is read through its links (here a link no real fd has). */
static void test_fdowners__fixture_root_reads_links(void **state)
{
	struct sockmap m = { 0 };
	char root[] = "/tmp/casefile-fdowners.XXXXXX", path[256], link[300];
	uint64_t used0, used1, fb;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/proc", root);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/proc/%d", root, (int)getpid());
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/proc/%d/fd", root, (int)getpid());
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(link, sizeof(link), "%s/5", path);
	assert_int_equal(symlink("socket:[777]", link), 0);
	fdowners_stats(&used0, &fb);
	assert_int_equal(sockmap_add_dir(&m, path, getpid(), 0), 1);
	fdowners_stats(&used1, &fb);
	assert_int_equal(used1, used0);
	assert_non_null(sockmap_find(&m, 777));
	assert_int_equal(sockmap_find(&m, 777)->fd, 5);
	unlink(link);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/proc/%d", root, (int)getpid());
	rmdir(path);
	snprintf(path, sizeof(path), "%s/proc", root);
	rmdir(path);
	rmdir(root);
	sockmap_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fdowners__btf_good),
		cmocka_unit_test(test_fdowners__btf_truncated),
		cmocka_unit_test(test_fdowners__btf_malformed),
		cmocka_unit_test(test_fdowners__check),
		cmocka_unit_test(test_fdowners__live_same_as_links),
		cmocka_unit_test(test_fdowners__gone),
		cmocka_unit_test(test_fdowners__fixture_root_reads_links),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
