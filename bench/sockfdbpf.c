/* sockfdbpf: measures the owner half of a cold socket snapshot done by a BPF
 * iterator instead of a readlink per fd (issue 19), beside the readlink scan
 * the sockets source runs (sockmap_add_dir), on the same processes.
 *
 * A measurement prototype, not a capture path. A hand-assembled
 * iter/task_file program of 21 instructions, loaded with the bpf() syscall
 * (no libbpf: the BTF ids and four field offsets come from one linear pass
 * over /sys/kernel/btf/vmlinux), writes (fd, inode) for every open file of
 * a process whose superblock is sockfs; one link and one read per process.
 * Prints the CPU ms of each part (CLOCK_PROCESS_CPUTIME_ID), the sockets
 * each way found, and whether the (pid, fd, inode) sets are the same.
 * Needs CAP_BPF and CAP_PERFMON (root) and Linux 6.1+ (iterator per pid).
 *
 * EXAMPLES
 *   sockfdbpf 1234 1235      # the two holders of a 10k bench/sockhold run
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "sockets/sockmap.h"

#define SOCKFS_MAGIC 0x534F434B
#define MAX_RECS (1u << 20)

struct rec {
	uint64_t fd, ino;
};

struct btf_ids {
	const char *strs;
	size_t slen;
	int func;                /* FUNC bpf_iter_task_file */
	long f_inode, i_sb, i_ino, s_magic;
};

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

static long sys_bpf(int cmd, union bpf_attr *a)
{
	return syscall(SYS_bpf, cmd, a, sizeof(*a));
}

static const char *name_of(const struct btf_ids *b, uint32_t off)
{
	return off < b->slen ? b->strs + off : "";
}

/* Byte offset of member name in struct t (vlen members follow it), or -1. */
static long member_off(const struct btf_ids *b, const struct btf_type *t, size_t room, const char *name)
{
	const struct btf_member *m = (const void *)(t + 1);
	unsigned n = BTF_INFO_VLEN(t->info);

	if (room < sizeof(*t) + n * sizeof(*m))
		return -1;
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(name_of(b, m[i].name_off), name))
			return (long)((BTF_INFO_KFLAG(t->info) ? BTF_MEMBER_BIT_OFFSET(m[i].offset) : m[i].offset) / 8);
	return -1;
}

/* One pass over the types: the iterator's FUNC id and the offsets of
 * file.f_inode, inode.i_sb, inode.i_ino and super_block.s_magic. */
static int btf_scan(const unsigned char *types, size_t tlen, struct btf_ids *b)
{
	size_t off = 0;
	int id = 1;

	while (off + sizeof(struct btf_type) <= tlen) {
		const struct btf_type *t = (const void *)(types + off);
		unsigned kind = BTF_INFO_KIND(t->info), vlen = BTF_INFO_VLEN(t->info);
		size_t sz = sizeof(*t);
		const char *n;

		switch (kind) {
		case BTF_KIND_INT: sz += 4; break;
		case BTF_KIND_ARRAY: sz += sizeof(struct btf_array); break;
		case BTF_KIND_STRUCT: case BTF_KIND_UNION: sz += vlen * sizeof(struct btf_member); break;
		case BTF_KIND_ENUM: sz += vlen * sizeof(struct btf_enum); break;
		case BTF_KIND_FUNC_PROTO: sz += vlen * sizeof(struct btf_param); break;
		case BTF_KIND_VAR: sz += sizeof(struct btf_var); break;
		case BTF_KIND_DATASEC: sz += vlen * sizeof(struct btf_var_secinfo); break;
		case BTF_KIND_DECL_TAG: sz += sizeof(struct btf_decl_tag); break;
		case 19: sz += vlen * 12u; break;   /* BTF_KIND_ENUM64 */
		default: break;
		}
		n = name_of(b, t->name_off);
		if (kind == BTF_KIND_FUNC && b->func < 0 && !strcmp(n, "bpf_iter_task_file")) {
			b->func = id;
		} else if (kind == BTF_KIND_STRUCT) {
			if (b->f_inode < 0 && !strcmp(n, "file")) {
				b->f_inode = member_off(b, t, tlen - off, "f_inode");
			} else if (b->i_sb < 0 && !strcmp(n, "inode")) {
				b->i_sb = member_off(b, t, tlen - off, "i_sb");
				b->i_ino = member_off(b, t, tlen - off, "i_ino");
			} else if (b->s_magic < 0 && !strcmp(n, "super_block")) {
				b->s_magic = member_off(b, t, tlen - off, "s_magic");
			}
		}
		off += sz;
		id++;
	}
	if (b->func < 0 || b->f_inode < 0 || b->i_sb < 0 || b->i_ino < 0 || b->s_magic < 0)
		return error("vmlinux BTF has no bpf_iter_task_file or the fields it needs");
	return 0;
}

#define INSN(code, dst, src, off, imm) \
	((struct bpf_insn){ (uint8_t)(code), (dst), (src), (int16_t)(off), (int32_t)(imm) })

/* r6 = ctx; file = ctx->file; if sockfs: seq_write({fd, inode}) */
static int prog_load(const struct btf_ids *b)
{
	enum { OUT = 19 };   /* index of "r0 = 0" */
	struct bpf_insn p[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),
		INSN(BPF_LDX | BPF_MEM | BPF_DW, 7, 6, 24, 0),               /* ctx->file */
		INSN(BPF_JMP | BPF_JEQ | BPF_K, 7, 0, OUT - 3, 0),
		INSN(BPF_LDX | BPF_MEM | BPF_DW, 8, 7, b->f_inode, 0),
		INSN(BPF_JMP | BPF_JEQ | BPF_K, 8, 0, OUT - 5, 0),
		INSN(BPF_LDX | BPF_MEM | BPF_DW, 9, 8, b->i_sb, 0),
		INSN(BPF_JMP | BPF_JEQ | BPF_K, 9, 0, OUT - 7, 0),
		INSN(BPF_LDX | BPF_MEM | BPF_DW, 2, 9, b->s_magic, 0),
		INSN(BPF_JMP | BPF_JNE | BPF_K, 2, 0, OUT - 9, SOCKFS_MAGIC),
		INSN(BPF_LDX | BPF_MEM | BPF_DW, 3, 8, b->i_ino, 0),
		INSN(BPF_STX | BPF_MEM | BPF_DW, 10, 3, -8, 0),
		INSN(BPF_LDX | BPF_MEM | BPF_W, 4, 6, 16, 0),                /* ctx->fd */
		INSN(BPF_STX | BPF_MEM | BPF_DW, 10, 4, -16, 0),
		INSN(BPF_LDX | BPF_MEM | BPF_DW, 1, 6, 0, 0),                /* ctx->meta */
		INSN(BPF_LDX | BPF_MEM | BPF_DW, 1, 1, 0, 0),                /* meta->seq */
		INSN(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		INSN(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -16),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, sizeof(struct rec)),
		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_seq_write),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	static char log[1 << 16];
	union bpf_attr a;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_TRACING;
	a.expected_attach_type = BPF_TRACE_ITER;
	a.insns = (uintptr_t)p;
	a.insn_cnt = sizeof(p) / sizeof(p[0]);
	a.license = (uintptr_t)"GPL";
	a.attach_btf_id = (uint32_t)b->func;
	fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	sys_bpf(BPF_PROG_LOAD, &a);
	return error("cannot load the iterator program (%s): %s", strerror(errno), log);
}

/* Appends pid's (fd, inode) records to v[*n..]. */
static int iterate(int prog, pid_t pid, struct rec *v, size_t *n)
{
	union bpf_iter_link_info li;
	union bpf_attr a;
	int link, it, ret = -1;
	ssize_t got;

	memset(&li, 0, sizeof(li));
	li.task.pid = (uint32_t)pid;
	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = (uint32_t)prog;
	a.link_create.attach_type = BPF_TRACE_ITER;
	a.link_create.iter_info = (uintptr_t)&li;
	a.link_create.iter_info_len = sizeof(li);
	link = (int)sys_bpf(BPF_LINK_CREATE, &a);
	if (link < 0)
		return error_errno("cannot attach the iterator to pid %d", (int)pid);
	memset(&a, 0, sizeof(a));
	a.iter_create.link_fd = (uint32_t)link;
	it = (int)sys_bpf(BPF_ITER_CREATE, &a);
	if (it < 0) {
		error_errno("cannot create the iterator for pid %d", (int)pid);
		goto cleanup;
	}
	while (*n < MAX_RECS && (got = read(it, v + *n, (MAX_RECS - *n) * sizeof(*v))) > 0)
		*n += (size_t)got / sizeof(*v);
	ret = 0;
	close(it);
cleanup:
	close(link);
	return ret;
}

int main(int argc, char **argv)
{
	struct btf_ids b = { .func = -1, .f_inode = -1, .i_sb = -1, .i_ino = -1, .s_magic = -1 };
	struct sockmap m = { 0 };
	struct rec *v = NULL;
	const unsigned char *map = MAP_FAILED;
	struct stat st;
	size_t n = 0, same = 0;
	double c0, c1, c2, c3, c4;
	int fd = -1, prog = -1, ret = 1, nrl = 0;

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
	c0 = cpu_ms();
	fd = open("/sys/kernel/btf/vmlinux", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		error_errno("cannot open '/sys/kernel/btf/vmlinux'");
		goto cleanup;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		error_errno("cannot map '/sys/kernel/btf/vmlinux'");
		goto cleanup;
	}
	{
		const struct btf_header *h = (const void *)map;
		size_t size = (size_t)st.st_size;

		if (size < sizeof(*h) || h->magic != BTF_MAGIC || h->hdr_len > size ||
		    (size_t)h->hdr_len + h->type_off + h->type_len > size ||
		    (size_t)h->hdr_len + h->str_off + h->str_len > size) {
			error("'/sys/kernel/btf/vmlinux' is not BTF this tool reads");
			goto cleanup;
		}
		b.strs = (const char *)map + h->hdr_len + h->str_off;
		b.slen = h->str_len;
		if (b.slen == 0 || b.strs[b.slen - 1] != '\0') {
			error("'/sys/kernel/btf/vmlinux': string section not terminated");
			goto cleanup;
		}
		if (btf_scan(map + h->hdr_len + h->type_off, h->type_len, &b) < 0)
			goto cleanup;
	}
	c1 = cpu_ms();
	prog = prog_load(&b);
	if (prog < 0)
		goto cleanup;
	c2 = cpu_ms();
	v = malloc(MAX_RECS * sizeof(*v));
	if (!v) {
		error("out of memory");
		goto cleanup;
	}
	for (int i = 1; i < argc; i++)
		if (iterate(prog, parse_pid(argv[i]), v, &n) < 0)
			goto cleanup;
	c3 = cpu_ms();
	for (int i = 1; i < argc; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/proc/%d/fd", (int)parse_pid(argv[i]));
		if (sockmap_add_dir(&m, path, parse_pid(argv[i]), i) < 0)
			error_errno("cannot read '%s'", path);
	}
	c4 = cpu_ms();
	nrl = (int)m.n;
	/* every iterator record is a socket the readlink scan mapped to the
	 * same fd (one process per argument, so no inode is shared) */
	for (size_t i = 0; i < n; i++) {
		const struct sockmap_entry *e = v[i].ino <= UINT32_MAX ? sockmap_find(&m, (uint32_t)v[i].ino) : NULL;
		if (e && (uint64_t)e->fd == v[i].fd)
			same++;
	}
	printf("iterator: btf %.2f ms, load %.2f ms, iterate %.2f ms: %zu sockets | readlink scan %.2f ms: %d sockets | "
	       "same pairs %zu%s\n", c1 - c0, c2 - c1, c3 - c2, n, c4 - c3, nrl, same,
	       same == n && n == (size_t)nrl ? " (identical)" : " (DIFFERENT)");
	ret = same == n && n == (size_t)nrl ? 0 : 1;
cleanup:
	if (prog >= 0)
		close(prog);
	if (map != MAP_FAILED)
		munmap((void *)map, (size_t)st.st_size);
	if (fd >= 0)
		close(fd);
	free(v);
	sockmap_release(&m);
	return ret;
}
