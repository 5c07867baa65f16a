#include "fdowners.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "sockmap.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
#define SOCKFS_MAGIC 0x534F434B
#define PROC_PID_INIT_INO 0xEFFFFFFCu   /* the initial pid namespace's inode */
#define BTF_MAX (64u << 20)             /* a vmlinux BTF is ~5 MB */
#define READ_MAX (64u << 20)            /* 4M records: more fds than nr_open allows by default */

/* ---- the BTF pass (pure) ---- */

struct btf_scan {
	const char *strs;
	uint32_t slen;
	char *why;
	size_t wlen;
};

static int btf_fail(struct btf_scan *s, const char *msg)
{
	snprintf(s->why, s->wlen, "%s", msg);
	return -1;
}

/* The name at off, or NULL when off is outside the strings. */
static const char *btf_name(const struct btf_scan *s, uint32_t off)
{
	return off < s->slen ? s->strs + off : NULL;
}

/* Byte offset of member name in struct t, which has room bytes after its
 * start; -1 when absent, -2 when malformed or not byte-addressable. */
static int32_t btf_member(const struct btf_scan *s, const struct btf_type *t, size_t room, const char *name)
{
	const struct btf_member *m = (const void *)(t + 1);
	uint32_t n = BTF_INFO_VLEN(t->info);

	if (room < sizeof(*t) + (size_t)n * sizeof(*m))
		return -2;
	for (uint32_t i = 0; i < n; i++) {
		const char *mn = btf_name(s, m[i].name_off);
		uint32_t bits = m[i].offset;

		if (!mn)
			return -2;
		if (strcmp(mn, name))
			continue;
		if (BTF_INFO_KFLAG(t->info)) {
			if (BTF_MEMBER_BITFIELD_SIZE(bits))
				return -2;
			bits = BTF_MEMBER_BIT_OFFSET(bits);
		}
		/* a BPF load's offset is a signed 16-bit field */
		if (bits % 8 || bits / 8 >= t->size || bits / 8 > INT16_MAX - 8)
			return -2;
		return (int32_t)(bits / 8);
	}
	return -1;
}

/* Bytes that follow a type's header, by kind; -1 for a kind this reader
 * does not know (it could not find the next type). */
static long btf_extra(const struct btf_type *t)
{
	uint32_t vlen = BTF_INFO_VLEN(t->info);

	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT: return 4;
	case BTF_KIND_ARRAY: return sizeof(struct btf_array);
	case BTF_KIND_STRUCT: case BTF_KIND_UNION: return (long)vlen * (long)sizeof(struct btf_member);
	case BTF_KIND_ENUM: return (long)vlen * (long)sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO: return (long)vlen * (long)sizeof(struct btf_param);
	case BTF_KIND_VAR: return sizeof(struct btf_var);
	case BTF_KIND_DATASEC: return (long)vlen * (long)sizeof(struct btf_var_secinfo);
	case BTF_KIND_DECL_TAG: return sizeof(struct btf_decl_tag);
	case 19: return (long)vlen * 12;   /* BTF_KIND_ENUM64: struct btf_enum64 */
	case BTF_KIND_PTR: case BTF_KIND_FWD: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST: case BTF_KIND_RESTRICT: case BTF_KIND_FUNC: case BTF_KIND_FLOAT:
	case 18:   /* BTF_KIND_TYPE_TAG */
		return 0;
	default:
		return -1;
	}
}

int fdowners_btf_parse(const void *buf, size_t len, struct fdowners_btf *b, char *why, size_t wlen)
{
	struct btf_scan s = { .why = why, .wlen = wlen };
	const unsigned char *p = buf, *types;
	struct btf_header h;
	uint64_t tend, send;
	size_t off = 0, tlen;
	uint32_t id = 1;
	int have_func = 0;

	b->func = 0;
	b->f_inode = b->i_sb = b->i_ino = b->s_magic = b->t_pid = b->t_tgid = -1;
	if (len < sizeof(h))
		return btf_fail(&s, "BTF truncated before its header's end");
	memcpy(&h, p, sizeof(h));
	if (h.magic != BTF_MAGIC)
		return btf_fail(&s, "not BTF (bad magic, or another byte order)");
	if (h.version != BTF_VERSION)
		return btf_fail(&s, "BTF of an unknown version");
	if (h.hdr_len < sizeof(h) || h.hdr_len > len)
		return btf_fail(&s, "BTF header length out of bounds");
	tend = (uint64_t)h.hdr_len + h.type_off + h.type_len;
	send = (uint64_t)h.hdr_len + h.str_off + h.str_len;
	if (tend > len || send > len)
		return btf_fail(&s, "BTF type or string section out of bounds");
	if (h.type_off % 4)
		return btf_fail(&s, "BTF type section misaligned");
	s.strs = (const char *)p + h.hdr_len + h.str_off;
	s.slen = h.str_len;
	if (s.slen == 0 || s.strs[s.slen - 1] != '\0')
		return btf_fail(&s, "BTF string section not NUL-terminated");
	types = p + h.hdr_len + h.type_off;
	tlen = h.type_len;
	/* Types are not aligned for a struct read in general: the header's
	 * type_off is a multiple of 4 and every record is a multiple of 4, so
	 * 4-byte loads are (what struct btf_type needs). */
	if ((uintptr_t)types % 4)
		return btf_fail(&s, "BTF type section misaligned in memory");
	while (off < tlen) {
		const struct btf_type *t = (const void *)(types + off);
		size_t room = tlen - off;
		const char *n;
		long extra;
		unsigned kind;

		if (room < sizeof(*t))
			return btf_fail(&s, "BTF type truncated");
		extra = btf_extra(t);
		if (extra < 0)
			return btf_fail(&s, "BTF type of an unknown kind");
		if ((size_t)extra > room - sizeof(*t))
			return btf_fail(&s, "BTF type runs past its section");
		n = btf_name(&s, t->name_off);
		if (!n)
			return btf_fail(&s, "BTF name offset outside the strings");
		kind = BTF_INFO_KIND(t->info);
		/* the first match of each name: vmlinux BTF is deduplicated */
		if (kind == BTF_KIND_FUNC && !have_func && !strcmp(n, "bpf_iter_task_file")) {
			b->func = id;
			have_func = 1;
		} else if (kind == BTF_KIND_STRUCT && n[0]) {
			int32_t *a = NULL, *c = NULL;
			const char *ma = NULL, *mc = NULL;

			if (b->f_inode == -1 && !strcmp(n, "file")) {
				a = &b->f_inode; ma = "f_inode";
			} else if (b->i_sb == -1 && !strcmp(n, "inode")) {
				a = &b->i_sb; ma = "i_sb"; c = &b->i_ino; mc = "i_ino";
			} else if (b->s_magic == -1 && !strcmp(n, "super_block")) {
				a = &b->s_magic; ma = "s_magic";
			} else if (b->t_pid == -1 && !strcmp(n, "task_struct")) {
				a = &b->t_pid; ma = "pid"; c = &b->t_tgid; mc = "tgid";
			}
			if (a) {
				*a = btf_member(&s, t, room, ma);
				if (c)
					*c = btf_member(&s, t, room, mc);
				if (*a == -2 || (c && *c == -2))
					return btf_fail(&s, "BTF member malformed or not byte-aligned");
				if (*a < 0 || (c && *c < 0))
					return btf_fail(&s, "BTF struct lacks a member the iterator reads");
			}
		}
		off += sizeof(*t) + (size_t)extra;
		id++;
	}
	if (!have_func)
		return btf_fail(&s, "no bpf_iter_task_file in the kernel's BTF (Linux 5.8+ with CONFIG_BPF_SYSCALL)");
	if (b->f_inode < 0 || b->i_sb < 0 || b->i_ino < 0 || b->s_magic < 0 || b->t_pid < 0 || b->t_tgid < 0)
		return btf_fail(&s, "no struct file, inode, super_block or task_struct in the kernel's BTF");
	return 0;
}

/* ---- the records (pure) ---- */

long fdowners_check(const void *buf, size_t len, uint32_t want_tgid)
{
	const unsigned char *p = buf;
	struct fdowners_rec r, h;
	size_t n = len / sizeof(r);
	int64_t last = -1;

	if (len % sizeof(r) || n == 0)
		return -1;
	memcpy(&h, p, sizeof(h));
	if (h.fd != FDOWNERS_HEADER_FD || h.ino != 0 || h.tgid == 0 || (want_tgid && h.tgid != want_tgid))
		return -1;
	for (size_t i = 1; i < n; i++) {
		memcpy(&r, p + i * sizeof(r), sizeof(r));
		if (r.fd > INT32_MAX || (int64_t)r.fd <= last || r.tgid != h.tgid || r.ino == 0)
			return -1;
		last = r.fd;
	}
	return (long)(n - 1);
}

/* ---- the program ---- */

#define INSN(code, dst, src, off, imm) \
	((struct bpf_insn){ (uint8_t)(code), (dst), (src), (int16_t)(off), (int32_t)(imm) })

static long sys_bpf(int cmd, union bpf_attr *a)
{
	return syscall(SYS_bpf, cmd, a, sizeof(*a));
}

/* For each file of the visited task (ctx: meta at 0, task at 8, fd at 16,
 * file at 24): only where task->pid == task->tgid, so only the process's
 * own fd table, the one /proc/PID/fd lists (a thread that unshared its
 * table with unshare(CLONE_FILES) holds fds /proc/PID/fd does not show;
 * the link is made per tid as well, which visits the leader alone: the
 * test is the second guard). The process's first file writes the header
 * {~0, tgid, 0}; a file whose inode's superblock is sockfs writes
 * {fd, tgid, i_ino}. */
static int prog_load(const struct fdowners_btf *b, char *why, size_t wlen)
{
	enum { SOCK = 20, OUT = 35 };
	struct bpf_insn p[] = {
		/*  0 */ INSN(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),
		/*  1 */ INSN(BPF_LDX | BPF_MEM | BPF_DW, 7, 6, 8, 0),              /* task */
		/*  2 */ INSN(BPF_JMP | BPF_JEQ | BPF_K, 7, 0, OUT - 3, 0),
		/*  3 */ INSN(BPF_LDX | BPF_MEM | BPF_DW, 8, 6, 24, 0),             /* file */
		/*  4 */ INSN(BPF_JMP | BPF_JEQ | BPF_K, 8, 0, OUT - 5, 0),
		/*  5 */ INSN(BPF_LDX | BPF_MEM | BPF_W, 2, 7, b->t_pid, 0),
		/*  6 */ INSN(BPF_LDX | BPF_MEM | BPF_W, 3, 7, b->t_tgid, 0),
		/*  7 */ INSN(BPF_JMP | BPF_JNE | BPF_X, 2, 3, OUT - 8, 0),
		/*  8 */ INSN(BPF_STX | BPF_MEM | BPF_W, 10, 3, -12, 0),            /* tgid */
		/*  9 */ INSN(BPF_LDX | BPF_MEM | BPF_DW, 1, 6, 0, 0),              /* meta */
		/* 10 */ INSN(BPF_LDX | BPF_MEM | BPF_DW, 9, 1, 0, 0),              /* meta->seq */
		/* 11 */ INSN(BPF_LDX | BPF_MEM | BPF_DW, 2, 1, 16, 0),             /* meta->seq_num */
		/* 12 */ INSN(BPF_JMP | BPF_JNE | BPF_K, 2, 0, SOCK - 13, 0),
		/* 13 */ INSN(BPF_ST | BPF_MEM | BPF_W, 10, 0, -16, -1),            /* header */
		/* 14 */ INSN(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 0),
		/* 15 */ INSN(BPF_ALU64 | BPF_MOV | BPF_X, 1, 9, 0, 0),
		/* 16 */ INSN(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		/* 17 */ INSN(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -16),
		/* 18 */ INSN(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, sizeof(struct fdowners_rec)),
		/* 19 */ INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_seq_write),
		/* 20 SOCK */ INSN(BPF_LDX | BPF_MEM | BPF_DW, 8, 8, b->f_inode, 0),
		/* 21 */ INSN(BPF_JMP | BPF_JEQ | BPF_K, 8, 0, OUT - 22, 0),
		/* 22 */ INSN(BPF_LDX | BPF_MEM | BPF_DW, 2, 8, b->i_sb, 0),
		/* 23 */ INSN(BPF_JMP | BPF_JEQ | BPF_K, 2, 0, OUT - 24, 0),
		/* 24 */ INSN(BPF_LDX | BPF_MEM | BPF_DW, 2, 2, b->s_magic, 0),
		/* 25 */ INSN(BPF_JMP | BPF_JNE | BPF_K, 2, 0, OUT - 26, SOCKFS_MAGIC),
		/* 26 */ INSN(BPF_LDX | BPF_MEM | BPF_DW, 3, 8, b->i_ino, 0),
		/* 27 */ INSN(BPF_STX | BPF_MEM | BPF_DW, 10, 3, -8, 0),
		/* 28 */ INSN(BPF_LDX | BPF_MEM | BPF_W, 4, 6, 16, 0),              /* fd */
		/* 29 */ INSN(BPF_STX | BPF_MEM | BPF_W, 10, 4, -16, 0),
		/* 30 */ INSN(BPF_ALU64 | BPF_MOV | BPF_X, 1, 9, 0, 0),
		/* 31 */ INSN(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		/* 32 */ INSN(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -16),
		/* 33 */ INSN(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, sizeof(struct fdowners_rec)),
		/* 34 */ INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_seq_write),
		/* 35 OUT */ INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		/* 36 */ INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	char log[4096];
	union bpf_attr a;
	int fd, err;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_TRACING;
	a.expected_attach_type = BPF_TRACE_ITER;
	a.insns = (uintptr_t)p;
	a.insn_cnt = sizeof(p) / sizeof(p[0]);
	a.license = (uintptr_t)"GPL";
	a.attach_btf_id = b->func;
	fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	err = errno;
	if (err == EPERM || err == EACCES) {
		snprintf(why, wlen, "cannot load the BPF iterator (%s): needs CAP_BPF and CAP_PERFMON", strerror(err));
		return -1;
	}
	/* the verifier's last line says what it refused */
	log[0] = '\0';
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	if (sys_bpf(BPF_PROG_LOAD, &a) >= 0) {
		snprintf(why, wlen, "the BPF iterator loads only with a verifier log");
		return -1;
	}
	{
		size_t l = strnlen(log, sizeof(log) - 1);
		char *last;
		log[l] = '\0';
		while (l && log[l - 1] == '\n')
			log[--l] = '\0';
		last = strrchr(log, '\n');
		snprintf(why, wlen, "cannot load the BPF iterator (%s): %s", strerror(err), last ? last + 1 : log);
	}
	return -1;
}

/* ---- the process-wide state ---- */

static struct {
	pthread_mutex_t lock;
	int tried, prog, off;
	uint32_t strict;         /* 1: tgids are ours (initial pid namespace) */
	char why[256];
	unsigned char *buf;
	size_t cap;
	uint64_t used, fell_back;
} g = { .lock = PTHREAD_MUTEX_INITIALIZER, .prog = -1 };

/* Linux 6.1 brought the iterator per task (link info ignored before it:
 * the link would walk every process). */
static int kernel_ok(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return 0;
	return major > 6 || (major == 6 && minor >= 1);
}

/* /proc is procfs and numbers processes as our own pid namespace does (the
 * iterator's link takes a pid of ours). */
static int proc_ok(void)
{
	struct statfs sf;
	char self[32];
	ssize_t n;

	if (statfs("/proc", &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
		return 0;
	n = readlink("/proc/self", self, sizeof(self) - 1);
	if (n <= 0)
		return 0;
	self[n] = '\0';
	return atol(self) == (long)getpid();
}

static int btf_load(struct fdowners_btf *b, char *why, size_t wlen)
{
	const char *path = "/sys/kernel/btf/vmlinux";
	unsigned char *buf = NULL;
	void *map = MAP_FAILED;
	struct stat st;
	size_t len = 0;
	int fd, ret = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(why, wlen, "cannot read '%s': %s", path, strerror(errno));
		goto cleanup;
	}
	if (st.st_size <= 0 || (uint64_t)st.st_size > BTF_MAX) {
		snprintf(why, wlen, "'%s': size out of bounds", path);
		goto cleanup;
	}
	len = (size_t)st.st_size;
	/* mmap where sysfs offers it (Linux 6.16+): no 5 MB copy */
	map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		size_t got = 0;
		buf = malloc(len);
		if (!buf) {
			snprintf(why, wlen, "out of memory");
			goto cleanup;
		}
		while (got < len) {
			ssize_t r = read(fd, buf + got, len - got);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		len = got;
	}
	ret = fdowners_btf_parse(map != MAP_FAILED ? map : (void *)buf, len, b, why, wlen);
cleanup:
	if (map != MAP_FAILED)
		munmap(map, len);
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

static void open_locked(void)
{
	struct fdowners_btf b;
	const char *env = getenv("CASEFILE_FDOWNERS");
	struct stat st;

	if (g.tried)
		return;
	g.tried = 1;
	if (env && !strcmp(env, "off")) {
		snprintf(g.why, sizeof(g.why), "CASEFILE_FDOWNERS=off");
		return;
	}
	if (!kernel_ok()) {
		snprintf(g.why, sizeof(g.why), "Linux before 6.1 (no BPF iterator per task)");
		return;
	}
	if (!proc_ok()) {
		snprintf(g.why, sizeof(g.why), "/proc is not procfs of this pid namespace");
		return;
	}
	if (btf_load(&b, g.why, sizeof(g.why)) < 0)
		return;
	g.prog = prog_load(&b, g.why, sizeof(g.why));
	if (g.prog < 0)
		return;
	g.strict = stat("/proc/self/ns/pid", &st) == 0 && st.st_ino == PROC_PID_INIT_INO;
	g.why[0] = '\0';
}

int fdowners_open(void)
{
	int ret;

	pthread_mutex_lock(&g.lock);
	open_locked();
	ret = g.prog >= 0 ? 0 : -1;
	pthread_mutex_unlock(&g.lock);
	return ret;
}

const char *fdowners_why(void)
{
	const char *w;

	pthread_mutex_lock(&g.lock);
	w = g.tried && g.why[0] ? g.why : NULL;
	pthread_mutex_unlock(&g.lock);
	return w;
}

void fdowners_stats(uint64_t *used, uint64_t *fell_back)
{
	pthread_mutex_lock(&g.lock);
	*used = g.used;
	*fell_back = g.fell_back;
	pthread_mutex_unlock(&g.lock);
}

void fdowners_enable(int on)
{
	pthread_mutex_lock(&g.lock);
	g.off = !on;
	pthread_mutex_unlock(&g.lock);
}

/* One iterator session over pid's fd table into g.buf; returns the number
 * of socket records after the header, or -1 (errno set). */
static long read_locked(pid_t pid)
{
	union bpf_iter_link_info li;
	union bpf_attr a;
	size_t len = 0;
	int link, it = -1, err = 0;
	long n = -1;

	memset(&li, 0, sizeof(li));
	li.task.tid = (uint32_t)pid;
	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = (uint32_t)g.prog;
	a.link_create.attach_type = BPF_TRACE_ITER;
	a.link_create.iter_info = (uintptr_t)&li;
	a.link_create.iter_info_len = sizeof(li);
	link = (int)sys_bpf(BPF_LINK_CREATE, &a);
	if (link < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.iter_create.link_fd = (uint32_t)link;
	it = (int)sys_bpf(BPF_ITER_CREATE, &a);
	if (it < 0) {
		err = errno;
		goto cleanup;
	}
	for (;;) {
		ssize_t r;

		if (g.cap - len < 65536) {
			size_t ncap = g.cap ? g.cap * 2 : 262144;
			unsigned char *nb;

			if (ncap > READ_MAX) {
				err = EFBIG;
				goto cleanup;
			}
			nb = realloc(g.buf, ncap);
			if (!nb) {
				err = ENOMEM;
				goto cleanup;
			}
			g.buf = nb;
			g.cap = ncap;
		}
		r = read(it, g.buf + len, g.cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = errno;
			goto cleanup;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	/* nothing visited: no such process, a thread id, or no file open
	 * at all (the links are then cheap to read) */
	if (len == 0) {
		err = ESRCH;
		goto cleanup;
	}
	n = fdowners_check(g.buf, len, g.strict ? (uint32_t)pid : 0);
	if (n < 0)
		err = EBADMSG;
cleanup:
	if (it >= 0)
		close(it);
	close(link);
	errno = err;
	return err ? -1 : n;
}

int fdowners_add_dir(struct sockmap *m, const char *fd_dir, pid_t pid, int owner)
{
	char want[32];
	const struct fdowners_rec *v;
	long n;
	int found = 0;

	snprintf(want, sizeof(want), "/proc/%d/fd", (int)pid);
	if (pid <= 0 || strcmp(fd_dir, want))
		return FDOWNERS_FALLBACK;
	pthread_mutex_lock(&g.lock);
	open_locked();
	if (g.prog < 0 || g.off)
		goto fallback;
	/* The links need the right to read the directory (another user's
	 * process without CAP_DAC_READ_SEARCH / CAP_SYS_PTRACE): so does this. */
	if (faccessat(AT_FDCWD, fd_dir, R_OK | X_OK, AT_EACCESS) < 0) {
		g.fell_back++;
		goto fallback;
	}
	n = read_locked(pid);
	if (n < 0) {
		g.fell_back++;
		goto fallback;
	}
	g.used++;
	(void)sockmap_reserve(m, (size_t)n);
	v = (const void *)(g.buf + sizeof(*v));
	for (long i = 0; i < n; i++) {
		/* the link parser takes no inode above 32 bits: skipped alike */
		if (v[i].ino > UINT32_MAX)
			continue;
		if (sockmap_add(m, (uint32_t)v[i].ino, pid, (int)v[i].fd, owner) < 0) {
			pthread_mutex_unlock(&g.lock);
			errno = ENOMEM;
			return -1;
		}
		found++;
	}
	pthread_mutex_unlock(&g.lock);
	return found;
fallback:
	pthread_mutex_unlock(&g.lock);
	return FDOWNERS_FALLBACK;
}

int fdowners_read(pid_t pid, struct fdowners_rec **out, size_t *n)
{
	long r;
	int ret = -1;

	*out = NULL;
	*n = 0;
	pthread_mutex_lock(&g.lock);
	open_locked();
	if (g.prog < 0) {
		errno = EOPNOTSUPP;
		goto cleanup;
	}
	r = read_locked(pid);
	if (r < 0)
		goto cleanup;
	*out = malloc((size_t)r * sizeof(**out) + 1);
	if (!*out) {
		errno = ENOMEM;
		goto cleanup;
	}
	memcpy(*out, g.buf + sizeof(**out), (size_t)r * sizeof(**out));
	*n = (size_t)r;
	ret = 0;
cleanup:
	pthread_mutex_unlock(&g.lock);
	return ret;
}
