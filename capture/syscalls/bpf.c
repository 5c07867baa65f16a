/* The bpf backend of the syscalls source: the counting happens in the
 * kernel. Two small eBPF programs (hand-assembled with bpfasm.h, loaded with
 * the bpf() syscall: no libbpf) run on raw_syscalls:sys_enter and sys_exit:
 *
 *   enter  for a target tgid, remembers the thread's entry time (start map,
 *          written in place: an insert and delete per call cost more than
 *          the rest of the program)
 *   exit   for a target tgid, adds the call to counts[(tgid, tid, nr, gen)]
 *          (calls, errors, total ns, max ns, timed) and, when it failed, to
 *          errs[(tgid, nr, errno, gen)]
 *   fork   (sched_process_fork) adds a child of a target to the targets, as
 *          the perf backend's inherited events follow children
 *
 * A syscall then costs the target one short program run instead of two ring
 * records (~0.3 us each here). The tick flips `gen` (ctl[0]) and, once the
 * programs in flight are done with the old generation, moves its entries
 * out with lookup-and-delete: each tick gets exact per-interval counters,
 * including the max, without racing the kernel's updates.
 *
 * Attachment: raw tracepoints (BPF_RAW_TRACEPOINT_OPEN on sys_enter and
 * sys_exit): the kernel passes the tracepoint's arguments (regs, id or ret)
 * without building a perf record of the event first, which on this kind of
 * machine is most of a classic tracepoint program's cost, for targets and
 * for everyone else. The exit has no syscall number there: it comes from the
 * thread's enter, so a call without a seen enter (in flight at attach, a new
 * thread's first return from clone) is not counted. When raw tracepoints
 * cannot be used, classic ones: perf_event_open(PERF_TYPE_TRACEPOINT) on the
 * capture itself (pid = us, cpu = -1) + PERF_EVENT_IOC_SET_BPF, with the
 * offsets of `id` and `ret` from the tracepoint's format in tracefs.
 *
 * Which tasks: either way the program is attached to the tracepoint itself,
 * not to a task (on a classic tracepoint the kernel runs the programs before
 * it looks at which perf events want the record, so a per-task event does
 * not narrow it): it runs for every task of the machine. The program
 * therefore starts with a test of the caller's tgid in a bitmap of target
 * processes (an array map, which the verifier inlines
 * into a few instructions, shared with user space by mmap so both sides set
 * and clear bits with atomic operations) and returns at once for any other
 * process: the collateral cost on other processes is that test and the
 * tracepoint itself (see BENCHMARKS.md).
 */
#include "syscalls.h"

#include "bpfasm.h"
#include "error.h"
#include "tracefs.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* pid_max can be at most 4M (PID_MAX_LIMIT): a 512 KiB bitmap. */
#define SYSBPF_PID_LIMIT (4u << 20)
#define SYSBPF_THREADS 16384
/* Up to this pid_max, entry times sit in an array indexed by tid (16 bytes
 * a possible tid: 4 MiB at most; 512 KiB with the default 32768). */
#define SYSBPF_START_ARRAY_MAX (256u << 10)
#define SYSBPF_COUNTS 16384
#define SYSBPF_ERRS 4096
#define SYSBPF_MAX_PIDS 256

/* Map layouts, shared with the programs below. */
struct bkey { uint32_t tgid, tid, nr, gen; };
struct bval { uint64_t calls, errors, total_ns, max_ns, timed; };
struct ekey { uint32_t tgid, nr, err, gen; };

enum { M_TARGETS, M_START, M_COUNTS, M_ERRS, M_CTL, M_N };
enum { P_ENTER, P_EXIT, P_FORK, P_N };

struct sysbpf {
	struct sysagg *agg;
	int map[M_N];
	int prog[P_N];
	int ev[P_N];
	uint32_t gen;
	uint64_t *bits;                  /* the targets bitmap, mmap'd */
	uint32_t pid_max, words;
	size_t bits_len;
	pid_t pids[SYSBPF_MAX_PIDS];     /* targets put into the filter */
	int npids, pids_skipped;
	int follow_forks;
	int start_array;                 /* entry times in an array, not a hash */
	int raw;                         /* raw tracepoints (no perf record built) */
	char why_raw[256];               /* why not, when not */
	int mounted;
	uint64_t children;               /* targets map entries we did not add */
	char describe[512];
};

static int getenv_is(const char *name, const char *value)
{
	const char *v = getenv(name);

	return v && !strcmp(v, value);
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int map_create(enum bpf_map_type type, unsigned ksize, unsigned vsize, unsigned max, const char *name)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	/* The targets bitmap is shared with user space by mmap. */
	if (!strcmp(name, "cf_targets"))
		a.map_flags = BPF_F_MMAPABLE;
	a.key_size = ksize;
	a.value_size = vsize;
	a.max_entries = max;
	snprintf(a.map_name, sizeof(a.map_name), "%s", name);
	return (int)sys_bpf(BPF_MAP_CREATE, &a);
}

static int map_update(int fd, const void *key, const void *val, uint64_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.value = (uint64_t)(uintptr_t)val;
	a.flags = flags;
	return (int)sys_bpf(BPF_MAP_UPDATE_ELEM, &a);
}

static int map_lookup(int fd, const void *key, void *val)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.value = (uint64_t)(uintptr_t)val;
	return (int)sys_bpf(BPF_MAP_LOOKUP_ELEM, &a);
}

static int map_delete(int fd, const void *key)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)key;
	return (int)sys_bpf(BPF_MAP_DELETE_ELEM, &a);
}

/* Lookup and delete in one step where the kernel can (5.14+ for hashes). */
static int map_take(int fd, const void *key, void *val)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.value = (uint64_t)(uintptr_t)val;
	if (sys_bpf(BPF_MAP_LOOKUP_AND_DELETE_ELEM, &a) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOTSUP && errno != EOPNOTSUPP)
		return -1;
	if (map_lookup(fd, key, val) < 0)
		return -1;
	map_delete(fd, key);
	return 0;
}

static int map_next(int fd, const void *key, void *next)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.next_key = (uint64_t)(uintptr_t)next;
	return (int)sys_bpf(BPF_MAP_GET_NEXT_KEY, &a);
}

/* Loads a tracepoint program; on refusal retries with the verifier's log
 * and prints it under -v. */
static int prog_load(const struct bpfasm *as, int n, enum bpf_prog_type type, const char *name, char *why,
		     size_t len)
{
	static char log[65536];
	union bpf_attr a;
	int fd, pass;

	for (pass = 0; pass < 2; pass++) {
		memset(&a, 0, sizeof(a));
		a.prog_type = type;
		a.insns = (uint64_t)(uintptr_t)as->v;
		a.insn_cnt = (uint32_t)n;
		a.license = (uint64_t)(uintptr_t)"GPL";
		snprintf(a.prog_name, sizeof(a.prog_name), "%s", name);
		if (pass) {
			log[0] = 0;
			a.log_buf = (uint64_t)(uintptr_t)log;
			a.log_size = sizeof(log);
			a.log_level = 1;
		}
		fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
		if (fd >= 0)
			return fd;
		if (errno == EPERM || errno == EACCES) {
			snprintf(why, len, "bpf(BPF_PROG_LOAD) not permitted: %s (needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)",
				 strerror(errno));
			return -1;
		}
	}
	info("syscalls: the BPF verifier refused %s (%s):\n%s", name, strerror(errno), log);
	snprintf(why, len, "the kernel refused the %s BPF program: %s (the verifier's log is printed under -v)",
		 name, strerror(errno));
	return -1;
}

/* ---- the programs ----
 * Registers: r1-r5 arguments (clobbered by calls), r0 result, r6-r9 kept
 * across calls, r10 the frame pointer. Stack slots (offsets from r10): */
enum {
	S_TGID = -4,                     /* u32 targets key */
	S_TID = -8,                      /* u32 start key */
	S_NOW = -16,                     /* u64 */
	S_DUR = -24,                     /* u64 */
	S_TIMED = -32,                   /* u64 0/1 */
	S_ZERO = -36,                    /* u32 key 0 of ctl */
	S_GEN = -40,                     /* u32 */
	S_KEY = -56,                     /* struct bkey (16) */
	S_VAL = -96,                     /* struct bval (40) */
	S_EKEY = -112,                   /* struct ekey (16) */
	S_ONE = -120,                    /* u64 1 */
	S_DKEY = -124,                   /* u32 ctl key of this gen's drops */
	S_WORD = -128,                   /* u32 index of a bitmap word */
	S_SVAL = -144,                   /* start map value: u64 time, u64 nr */
};

enum { L_OUT, L_NOSTART, L_HAVEGEN, L_ENTER_NEW, L_INSERT, L_NOERR1, L_ERRNO, L_INSNOERR, L_EINSERT, L_EDROP, L_DROPPED1,
       L_DROPPED2 };

/* Goes on only for a target: jumps to L_OUT unless the bit of the caller's
 * tgid is set. Leaves pid_tgid in r7 and the tgid at S_TGID. */
static void emit_filter(struct bpfasm *a, const struct sysbpf *b)
{
	bpfasm_emit(a, I_CALL(BPF_FUNC_get_current_pid_tgid));
	bpfasm_emit(a, I_MOV64_REG(BPF_REG_7, BPF_REG_0));
	bpfasm_emit(a, I_ALU64_IMM(BPF_RSH, BPF_REG_0, 32));
	bpfasm_emit(a, I_STX(BPF_W, BPF_REG_10, BPF_REG_0, S_TGID));
	bpfasm_emit(a, I_ALU64_IMM(BPF_RSH, BPF_REG_0, 6));
	bpfasm_emit(a, I_STX(BPF_W, BPF_REG_10, BPF_REG_0, S_WORD));
	bpfasm_map(a, BPF_REG_1, b->map[M_TARGETS]);
	bpfasm_emit(a, I_MOV64_REG(BPF_REG_2, BPF_REG_10));
	bpfasm_emit(a, I_ALU64_IMM(BPF_ADD, BPF_REG_2, S_WORD));
	bpfasm_emit(a, I_CALL(BPF_FUNC_map_lookup_elem));
	bpfasm_jmp(a, I_JMP_IMM(BPF_JEQ, BPF_REG_0, 0), L_OUT);
	bpfasm_emit(a, I_LDX(BPF_DW, BPF_REG_1, BPF_REG_0, 0));
	bpfasm_emit(a, I_LDX(BPF_W, BPF_REG_2, BPF_REG_10, S_TGID));
	bpfasm_emit(a, I_ALU64_IMM(BPF_AND, BPF_REG_2, 63));
	bpfasm_emit(a, I_ALU64_REG(BPF_RSH, BPF_REG_1, BPF_REG_2));
	bpfasm_emit(a, I_ALU64_IMM(BPF_AND, BPF_REG_1, 1));
	bpfasm_jmp(a, I_JMP_IMM(BPF_JEQ, BPF_REG_1, 0), L_OUT);
}

/* The return value: a classic tracepoint program returning 0 makes the
 * kernel drop the event for every perf event of that tracepoint, ours and
 * everyone else's (perf stat, perf trace, another capture's perf backend
 * would see nothing): such programs return 1, and the perf event carrying
 * them only counts. A raw tracepoint's return value is ignored. */
static void emit_out(struct bpfasm *a, int ret)
{
	bpfasm_label(a, L_OUT);
	bpfasm_emit(a, I_MOV64_IMM(BPF_REG_0, ret));
	bpfasm_emit(a, I_EXIT());
}

/* Context: a raw tracepoint's arguments (u64 regs, u64 id) when RAW, else
 * the tracepoint record, whose `id` is at ID_OFF. */
static int build_enter(struct bpfasm *a, const struct sysbpf *b, int raw, unsigned id_off)
{
	bpfasm_init(a);
	bpfasm_emit(a, I_MOV64_REG(BPF_REG_6, BPF_REG_1));
	emit_filter(a, b);
	bpfasm_emit(a, I_LDX(BPF_DW, BPF_REG_8, BPF_REG_6, raw ? 8 : (short)id_off));
	bpfasm_emit(a, I_CALL(BPF_FUNC_ktime_get_ns));
	bpfasm_emit(a, I_STX(BPF_DW, BPF_REG_10, BPF_REG_0, S_SVAL));
	bpfasm_emit(a, I_STX(BPF_DW, BPF_REG_10, BPF_REG_8, S_SVAL + 8));
	bpfasm_emit(a, I_STX(BPF_W, BPF_REG_10, BPF_REG_7, S_TID));
	bpfasm_map(a, BPF_REG_1, b->map[M_START]);
	bpfasm_emit(a, I_MOV64_REG(BPF_REG_2, BPF_REG_10));
	bpfasm_emit(a, I_ALU64_IMM(BPF_ADD, BPF_REG_2, S_TID));
	bpfasm_emit(a, I_CALL(BPF_FUNC_map_lookup_elem));
	bpfasm_jmp(a, I_JMP_IMM(BPF_JEQ, BPF_REG_0, 0), L_ENTER_NEW);
	bpfasm_emit(a, I_LDX(BPF_DW, BPF_REG_1, BPF_REG_10, S_SVAL));
	bpfasm_emit(a, I_STX(BPF_DW, BPF_REG_0, BPF_REG_1, 0));
	bpfasm_emit(a, I_STX(BPF_DW, BPF_REG_0, BPF_REG_8, 8));
	bpfasm_jmp(a, I_JA(), L_OUT);
	/* The thread's first call: its slot, kept from then on. */
	bpfasm_label(a, L_ENTER_NEW);
	bpfasm_map(a, BPF_REG_1, b->map[M_START]);
	bpfasm_emit(a, I_MOV64_REG(BPF_REG_2, BPF_REG_10));
	bpfasm_emit(a, I_ALU64_IMM(BPF_ADD, BPF_REG_2, S_TID));
	bpfasm_emit(a, I_MOV64_REG(BPF_REG_3, BPF_REG_10));
	bpfasm_emit(a, I_ALU64_IMM(BPF_ADD, BPF_REG_3, S_SVAL));
	bpfasm_emit(a, I_MOV64_IMM(BPF_REG_4, BPF_ANY));
	bpfasm_emit(a, I_CALL(BPF_FUNC_map_update_elem));
	emit_out(a, !raw);
	return bpfasm_finish(a);
}

/* ctl[1 + gen] += 1: an update that found a map full. Continues at DONE. */
static void emit_drop(struct bpfasm *a, const struct sysbpf *b, int done)
{
	bpfasm_emit(a, I_LDX(BPF_W, BPF_REG_1, BPF_REG_10, S_GEN));
	bpfasm_emit(a, I_ALU64_IMM(BPF_ADD, BPF_REG_1, 1));
	bpfasm_emit(a, I_STX(BPF_W, BPF_REG_10, BPF_REG_1, S_DKEY));
	bpfasm_map(a, BPF_REG_1, b->map[M_CTL]);
	bpfasm_emit(a, I_MOV64_REG(BPF_REG_2, BPF_REG_10));
	bpfasm_emit(a, I_ALU64_IMM(BPF_ADD, BPF_REG_2, S_DKEY));
	bpfasm_emit(a, I_CALL(BPF_FUNC_map_lookup_elem));
	bpfasm_jmp(a, I_JMP_IMM(BPF_JEQ, BPF_REG_0, 0), done);
	bpfasm_emit(a, I_MOV64_IMM(BPF_REG_1, 1));
	bpfasm_emit(a, I_XADD(BPF_DW, BPF_REG_0, BPF_REG_1, 0));
	bpfasm_jmp(a, I_JA(), done);
}

/* Context: a raw tracepoint's arguments (u64 regs, u64 ret) when RAW (the
 * syscall number then comes from the thread's enter: a call without one is
 * not counted), else the tracepoint record with id and ret at ID_OFF and
 * RET_OFF. */
static int build_exit(struct bpfasm *a, const struct sysbpf *b, int raw, unsigned id_off, unsigned ret_off)
{
	bpfasm_init(a);
	bpfasm_emit(a, I_MOV64_REG(BPF_REG_6, BPF_REG_1));
	emit_filter(a, b);
	/* r8 = syscall number, r9 = return value */
	if (raw) {
		bpfasm_emit(a, I_LDX(BPF_DW, BPF_REG_9, BPF_REG_6, 8));
	} else {
		bpfasm_emit(a, I_LDX(BPF_DW, BPF_REG_8, BPF_REG_6, (short)id_off));
		bpfasm_emit(a, I_LDX(BPF_DW, BPF_REG_9, BPF_REG_6, (short)ret_off));
	}
	bpfasm_emit(a, I_CALL(BPF_FUNC_ktime_get_ns));
	bpfasm_emit(a, I_STX(BPF_DW, BPF_REG_10, BPF_REG_0, S_NOW));
	bpfasm_emit(a, I_ST(BPF_DW, BPF_REG_10, S_DUR, 0));
	bpfasm_emit(a, I_ST(BPF_DW, BPF_REG_10, S_TIMED, 0));
	bpfasm_emit(a, I_STX(BPF_W, BPF_REG_10, BPF_REG_7, S_TID));
	/* The duration, when the thread's enter was seen. */
	bpfasm_map(a, BPF_REG_1, b->map[M_START]);
	bpfasm_emit(a, I_MOV64_REG(BPF_REG_2, BPF_REG_10));
	bpfasm_emit(a, I_ALU64_IMM(BPF_ADD, BPF_REG_2, S_TID));
	bpfasm_emit(a, I_CALL(BPF_FUNC_map_lookup_elem));
	bpfasm_jmp(a, I_JMP_IMM(BPF_JEQ, BPF_REG_0, 0), raw ? L_OUT : L_NOSTART);
	/* 0: no enter since the last exit (attached mid-call). */
	bpfasm_emit(a, I_LDX(BPF_DW, BPF_REG_1, BPF_REG_0, 0));
	bpfasm_jmp(a, I_JMP_IMM(BPF_JEQ, BPF_REG_1, 0), raw ? L_OUT : L_NOSTART);
	if (raw)
		bpfasm_emit(a, I_LDX(BPF_DW, BPF_REG_8, BPF_REG_0, 8));
	bpfasm_emit(a, I_ST(BPF_DW, BPF_REG_0, 0, 0));
	bpfasm_emit(a, I_LDX(BPF_DW, BPF_REG_2, BPF_REG_10, S_NOW));
	bpfasm_emit(a, I_ALU64_REG(BPF_SUB, BPF_REG_2, BPF_REG_1));
	bpfasm_emit(a, I_STX(BPF_DW, BPF_REG_10, BPF_REG_2, S_DUR));
	bpfasm_emit(a, I_ST(BPF_DW, BPF_REG_10, S_TIMED, 1));
	bpfasm_label(a, L_NOSTART);
	/* gen = ctl[0] & 1 */
	bpfasm_emit(a, I_ST(BPF_W, BPF_REG_10, S_ZERO, 0));
	bpfasm_map(a, BPF_REG_1, b->map[M_CTL]);
	bpfasm_emit(a, I_MOV64_REG(BPF_REG_2, BPF_REG_10));
	bpfasm_emit(a, I_ALU64_IMM(BPF_ADD, BPF_REG_2, S_ZERO));
	bpfasm_emit(a, I_CALL(BPF_FUNC_map_lookup_elem));
	bpfasm_emit(a, I_MOV64_IMM(BPF_REG_1, 0));
	bpfasm_jmp(a, I_JMP_IMM(BPF_JEQ, BPF_REG_0, 0), L_HAVEGEN);
	bpfasm_emit(a, I_LDX(BPF_DW, BPF_REG_1, BPF_REG_0, 0));
	bpfasm_emit(a, I_ALU64_IMM(BPF_AND, BPF_REG_1, 1));
	bpfasm_label(a, L_HAVEGEN);
	bpfasm_emit(a, I_STX(BPF_W, BPF_REG_10, BPF_REG_1, S_GEN));
	/* key = (tgid, tid, nr, gen) */
	bpfasm_emit(a, I_STX(BPF_W, BPF_REG_10, BPF_REG_1, S_KEY + 12));
	bpfasm_emit(a, I_LDX(BPF_W, BPF_REG_1, BPF_REG_10, S_TGID));
	bpfasm_emit(a, I_STX(BPF_W, BPF_REG_10, BPF_REG_1, S_KEY));
	bpfasm_emit(a, I_STX(BPF_W, BPF_REG_10, BPF_REG_7, S_KEY + 4));
	bpfasm_emit(a, I_STX(BPF_W, BPF_REG_10, BPF_REG_8, S_KEY + 8));
	bpfasm_map(a, BPF_REG_1, b->map[M_COUNTS]);
	bpfasm_emit(a, I_MOV64_REG(BPF_REG_2, BPF_REG_10));
	bpfasm_emit(a, I_ALU64_IMM(BPF_ADD, BPF_REG_2, S_KEY));
	bpfasm_emit(a, I_CALL(BPF_FUNC_map_lookup_elem));
	bpfasm_jmp(a, I_JMP_IMM(BPF_JEQ, BPF_REG_0, 0), L_INSERT);
	/* In place: the key holds the tid, and a thread runs on one CPU at a
	 * time, so plain read-modify-write is safe. */
	bpfasm_emit(a, I_LDX(BPF_DW, BPF_REG_1, BPF_REG_0, 0));
	bpfasm_emit(a, I_ALU64_IMM(BPF_ADD, BPF_REG_1, 1));
	bpfasm_emit(a, I_STX(BPF_DW, BPF_REG_0, BPF_REG_1, 0));
	bpfasm_jmp(a, I_JMP_IMM(BPF_JSGE, BPF_REG_9, 0), L_NOERR1);
	bpfasm_emit(a, I_LDX(BPF_DW, BPF_REG_1, BPF_REG_0, 8));
	bpfasm_emit(a, I_ALU64_IMM(BPF_ADD, BPF_REG_1, 1));
	bpfasm_emit(a, I_STX(BPF_DW, BPF_REG_0, BPF_REG_1, 8));
	bpfasm_label(a, L_NOERR1);
	bpfasm_emit(a, I_LDX(BPF_DW, BPF_REG_1, BPF_REG_10, S_TIMED));
	bpfasm_jmp(a, I_JMP_IMM(BPF_JEQ, BPF_REG_1, 0), L_ERRNO);
	bpfasm_emit(a, I_LDX(BPF_DW, BPF_REG_2, BPF_REG_0, 32));
	bpfasm_emit(a, I_ALU64_IMM(BPF_ADD, BPF_REG_2, 1));
	bpfasm_emit(a, I_STX(BPF_DW, BPF_REG_0, BPF_REG_2, 32));
	bpfasm_emit(a, I_LDX(BPF_DW, BPF_REG_1, BPF_REG_10, S_DUR));
	bpfasm_emit(a, I_LDX(BPF_DW, BPF_REG_2, BPF_REG_0, 16));
	bpfasm_emit(a, I_ALU64_REG(BPF_ADD, BPF_REG_2, BPF_REG_1));
	bpfasm_emit(a, I_STX(BPF_DW, BPF_REG_0, BPF_REG_2, 16));
	bpfasm_emit(a, I_LDX(BPF_DW, BPF_REG_2, BPF_REG_0, 24));
	bpfasm_jmp(a, I_JMP_REG(BPF_JGE, BPF_REG_2, BPF_REG_1), L_ERRNO);
	bpfasm_emit(a, I_STX(BPF_DW, BPF_REG_0, BPF_REG_1, 24));
	bpfasm_jmp(a, I_JA(), L_ERRNO);
	/* First call of this key in this generation. */
	bpfasm_label(a, L_INSERT);
	bpfasm_emit(a, I_ST(BPF_DW, BPF_REG_10, S_VAL, 1));
	bpfasm_emit(a, I_ST(BPF_DW, BPF_REG_10, S_VAL + 8, 0));
	bpfasm_jmp(a, I_JMP_IMM(BPF_JSGE, BPF_REG_9, 0), L_INSNOERR);
	bpfasm_emit(a, I_ST(BPF_DW, BPF_REG_10, S_VAL + 8, 1));
	bpfasm_label(a, L_INSNOERR);
	bpfasm_emit(a, I_LDX(BPF_DW, BPF_REG_1, BPF_REG_10, S_DUR));
	bpfasm_emit(a, I_STX(BPF_DW, BPF_REG_10, BPF_REG_1, S_VAL + 16));
	bpfasm_emit(a, I_STX(BPF_DW, BPF_REG_10, BPF_REG_1, S_VAL + 24));
	bpfasm_emit(a, I_LDX(BPF_DW, BPF_REG_1, BPF_REG_10, S_TIMED));
	bpfasm_emit(a, I_STX(BPF_DW, BPF_REG_10, BPF_REG_1, S_VAL + 32));
	bpfasm_map(a, BPF_REG_1, b->map[M_COUNTS]);
	bpfasm_emit(a, I_MOV64_REG(BPF_REG_2, BPF_REG_10));
	bpfasm_emit(a, I_ALU64_IMM(BPF_ADD, BPF_REG_2, S_KEY));
	bpfasm_emit(a, I_MOV64_REG(BPF_REG_3, BPF_REG_10));
	bpfasm_emit(a, I_ALU64_IMM(BPF_ADD, BPF_REG_3, S_VAL));
	bpfasm_emit(a, I_MOV64_IMM(BPF_REG_4, BPF_NOEXIST));
	bpfasm_emit(a, I_CALL(BPF_FUNC_map_update_elem));
	bpfasm_jmp(a, I_JMP_IMM(BPF_JEQ, BPF_REG_0, 0), L_ERRNO);
	emit_drop(a, b, L_ERRNO);
	/* A failure (-4095..-1) also counts its errno. */
	bpfasm_label(a, L_ERRNO);
	bpfasm_jmp(a, I_JMP_IMM(BPF_JSGE, BPF_REG_9, 0), L_OUT);
	bpfasm_jmp(a, I_JMP_IMM(BPF_JSLT, BPF_REG_9, -4095), L_OUT);
	bpfasm_emit(a, I_LDX(BPF_W, BPF_REG_1, BPF_REG_10, S_TGID));
	bpfasm_emit(a, I_STX(BPF_W, BPF_REG_10, BPF_REG_1, S_EKEY));
	bpfasm_emit(a, I_STX(BPF_W, BPF_REG_10, BPF_REG_8, S_EKEY + 4));
	bpfasm_emit(a, I_MOV64_IMM(BPF_REG_1, 0));
	bpfasm_emit(a, I_ALU64_REG(BPF_SUB, BPF_REG_1, BPF_REG_9));
	bpfasm_emit(a, I_STX(BPF_W, BPF_REG_10, BPF_REG_1, S_EKEY + 8));
	bpfasm_emit(a, I_LDX(BPF_W, BPF_REG_1, BPF_REG_10, S_GEN));
	bpfasm_emit(a, I_STX(BPF_W, BPF_REG_10, BPF_REG_1, S_EKEY + 12));
	bpfasm_map(a, BPF_REG_1, b->map[M_ERRS]);
	bpfasm_emit(a, I_MOV64_REG(BPF_REG_2, BPF_REG_10));
	bpfasm_emit(a, I_ALU64_IMM(BPF_ADD, BPF_REG_2, S_EKEY));
	bpfasm_emit(a, I_CALL(BPF_FUNC_map_lookup_elem));
	bpfasm_jmp(a, I_JMP_IMM(BPF_JEQ, BPF_REG_0, 0), L_EINSERT);
	bpfasm_emit(a, I_MOV64_IMM(BPF_REG_1, 1));
	bpfasm_emit(a, I_XADD(BPF_DW, BPF_REG_0, BPF_REG_1, 0));
	bpfasm_jmp(a, I_JA(), L_OUT);
	bpfasm_label(a, L_EINSERT);
	bpfasm_emit(a, I_ST(BPF_DW, BPF_REG_10, S_ONE, 1));
	bpfasm_map(a, BPF_REG_1, b->map[M_ERRS]);
	bpfasm_emit(a, I_MOV64_REG(BPF_REG_2, BPF_REG_10));
	bpfasm_emit(a, I_ALU64_IMM(BPF_ADD, BPF_REG_2, S_EKEY));
	bpfasm_emit(a, I_MOV64_REG(BPF_REG_3, BPF_REG_10));
	bpfasm_emit(a, I_ALU64_IMM(BPF_ADD, BPF_REG_3, S_ONE));
	bpfasm_emit(a, I_MOV64_IMM(BPF_REG_4, BPF_NOEXIST));
	bpfasm_emit(a, I_CALL(BPF_FUNC_map_update_elem));
	bpfasm_jmp(a, I_JMP_IMM(BPF_JEQ, BPF_REG_0, 0), L_OUT);
	/* Another thread of the process inserted it first, or the map is full. */
	bpfasm_map(a, BPF_REG_1, b->map[M_ERRS]);
	bpfasm_emit(a, I_MOV64_REG(BPF_REG_2, BPF_REG_10));
	bpfasm_emit(a, I_ALU64_IMM(BPF_ADD, BPF_REG_2, S_EKEY));
	bpfasm_emit(a, I_CALL(BPF_FUNC_map_lookup_elem));
	bpfasm_jmp(a, I_JMP_IMM(BPF_JEQ, BPF_REG_0, 0), L_EDROP);
	bpfasm_emit(a, I_MOV64_IMM(BPF_REG_1, 1));
	bpfasm_emit(a, I_XADD(BPF_DW, BPF_REG_0, BPF_REG_1, 0));
	bpfasm_jmp(a, I_JA(), L_OUT);
	bpfasm_label(a, L_EDROP);
	emit_drop(a, b, L_OUT);
	emit_out(a, !raw);
	return bpfasm_finish(a);
}

/* sched_process_fork runs in the parent: a target's child becomes a target.
 * A new thread shows here too (its tid, same tgid): user space clears such
 * bits at the next tick (prune_targets). */
static int build_fork(struct bpfasm *a, const struct sysbpf *b, unsigned child_off)
{
	bpfasm_init(a);
	bpfasm_emit(a, I_MOV64_REG(BPF_REG_6, BPF_REG_1));
	emit_filter(a, b);
	bpfasm_emit(a, I_LDX(BPF_W, BPF_REG_8, BPF_REG_6, (short)child_off));
	/* A recycled tid may find the entry time its previous owner left when
	 * it died inside exit(): forget it, or the new thread's first return
	 * (from clone, without an enter) would count as that call. */
	bpfasm_emit(a, I_STX(BPF_W, BPF_REG_10, BPF_REG_8, S_TID));
	bpfasm_map(a, BPF_REG_1, b->map[M_START]);
	bpfasm_emit(a, I_MOV64_REG(BPF_REG_2, BPF_REG_10));
	bpfasm_emit(a, I_ALU64_IMM(BPF_ADD, BPF_REG_2, S_TID));
	bpfasm_emit(a, I_CALL(BPF_FUNC_map_lookup_elem));
	bpfasm_jmp(a, I_JMP_IMM(BPF_JEQ, BPF_REG_0, 0), L_NOSTART);
	bpfasm_emit(a, I_ST(BPF_DW, BPF_REG_0, 0, 0));
	bpfasm_label(a, L_NOSTART);
	bpfasm_emit(a, I_MOV64_REG(BPF_REG_1, BPF_REG_8));
	bpfasm_emit(a, I_ALU64_IMM(BPF_RSH, BPF_REG_1, 6));
	bpfasm_emit(a, I_STX(BPF_W, BPF_REG_10, BPF_REG_1, S_WORD));
	bpfasm_map(a, BPF_REG_1, b->map[M_TARGETS]);
	bpfasm_emit(a, I_MOV64_REG(BPF_REG_2, BPF_REG_10));
	bpfasm_emit(a, I_ALU64_IMM(BPF_ADD, BPF_REG_2, S_WORD));
	bpfasm_emit(a, I_CALL(BPF_FUNC_map_lookup_elem));
	bpfasm_jmp(a, I_JMP_IMM(BPF_JEQ, BPF_REG_0, 0), L_OUT);
	bpfasm_emit(a, I_ALU64_IMM(BPF_AND, BPF_REG_8, 63));
	bpfasm_emit(a, I_MOV64_IMM(BPF_REG_1, 1));
	bpfasm_emit(a, I_ALU64_REG(BPF_LSH, BPF_REG_1, BPF_REG_8));
	bpfasm_emit(a, BI(BPF_STX | BPF_DW | BPF_ATOMIC, BPF_REG_0, BPF_REG_1, 0, BPF_OR));
	emit_out(a, 1);
	return bpfasm_finish(a);
}

/* Loads the programs for raw tracepoints: the kernel calls them with the
 * tracepoint's arguments, without first building a perf record of the event
 * (for every task, targets or not): cheaper for the target and for every
 * other process. Returns 0, or -1 with the reason in b->why_raw (the caller
 * then uses classic tracepoints). CASEFILE_SYSBPF_RAW=no skips it (tests). */
static int load_raw(struct sysbpf *b, struct bpfasm *as)
{
	int n;

	if (getenv_is("CASEFILE_SYSBPF_RAW", "no")) {
		snprintf(b->why_raw, sizeof(b->why_raw), "CASEFILE_SYSBPF_RAW=no");
		return -1;
	}
	if ((n = build_enter(as, b, 1, 0)) < 0 ||
	    (b->prog[P_ENTER] = prog_load(as, n, BPF_PROG_TYPE_RAW_TRACEPOINT, "cf_sys_enter", b->why_raw,
					  sizeof(b->why_raw))) < 0)
		goto fail;
	if ((n = build_exit(as, b, 1, 0, 0)) < 0 ||
	    (b->prog[P_EXIT] = prog_load(as, n, BPF_PROG_TYPE_RAW_TRACEPOINT, "cf_sys_exit", b->why_raw,
					 sizeof(b->why_raw))) < 0)
		goto fail;
	b->raw = 1;
	return 0;
fail:
	if (!*b->why_raw)
		snprintf(b->why_raw, sizeof(b->why_raw), "cannot assemble the raw tracepoint programs");
	info("syscalls: raw tracepoints not usable (%s): classic tracepoints instead", b->why_raw);
	if (b->prog[P_ENTER] >= 0)
		close(b->prog[P_ENTER]);
	b->prog[P_ENTER] = -1;
	return -1;
}

static int attach_raw(struct sysbpf *b, int slot, const char *tp, char *why, size_t len)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.raw_tracepoint.name = (uint64_t)(uintptr_t)tp;
	a.raw_tracepoint.prog_fd = (uint32_t)b->prog[slot];
	b->ev[slot] = (int)sys_bpf(BPF_RAW_TRACEPOINT_OPEN, &a);
	if (b->ev[slot] < 0) {
		snprintf(why, len, "bpf(BPF_RAW_TRACEPOINT_OPEN, %s) failed: %s", tp, strerror(errno));
		return -1;
	}
	return 0;
}

static int attach(struct sysbpf *b, int slot, long tp_id, char *why, size_t len)
{
	struct perf_event_attr pa;

	memset(&pa, 0, sizeof(pa));
	pa.type = PERF_TYPE_TRACEPOINT;
	pa.size = sizeof(pa);
	pa.config = (uint64_t)tp_id;
	/* Counting mode: after our program returns 1 the kernel only adds to
	 * this event's count (it is on a CPU's list only while we run). */
	pa.sample_period = 0;
	pa.disabled = 1;
	b->ev[slot] = (int)syscall(SYS_perf_event_open, &pa, getpid(), -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (b->ev[slot] < 0) {
		snprintf(why, len, "perf_event_open on a tracepoint failed: %s", strerror(errno));
		return -1;
	}
	if (ioctl(b->ev[slot], PERF_EVENT_IOC_SET_BPF, b->prog[slot]) < 0) {
		snprintf(why, len, "PERF_EVENT_IOC_SET_BPF failed: %s", strerror(errno));
		return -1;
	}
	if (ioctl(b->ev[slot], PERF_EVENT_IOC_ENABLE, 0) < 0) {
		snprintf(why, len, "PERF_EVENT_IOC_ENABLE failed: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int known_pid(const struct sysbpf *b, pid_t pid)
{
	int i;

	for (i = 0; i < b->npids; i++)
		if (b->pids[i] == pid)
			return 1;
	return 0;
}

static void set_bit(struct sysbpf *b, uint32_t id)
{
	if (id < b->pid_max)
		__atomic_fetch_or(&b->bits[id >> 6], 1ULL << (id & 63), __ATOMIC_RELAXED);
}

static void clear_bit(struct sysbpf *b, uint32_t id)
{
	if (id < b->pid_max)
		__atomic_fetch_and(&b->bits[id >> 6], ~(1ULL << (id & 63)), __ATOMIC_RELAXED);
}

/* Puts new targets into the filter and takes out those that exited (their
 * pid may come back as a stranger's). */
static void add_targets(struct sysbpf *b, struct capture *cap)
{
	int i;

	for (i = 0; i < cap->targets.n; i++) {
		const struct target *t = &cap->targets.v[i];

		if (t->pid <= 0 || (uint32_t)t->pid >= b->pid_max)
			continue;
		if (known_pid(b, t->pid)) {
			if (t->gone)
				clear_bit(b, (uint32_t)t->pid);
			continue;
		}
		if (t->gone)
			continue;
		if (b->npids == SYSBPF_MAX_PIDS) {
			b->pids_skipped++;
			continue;
		}
		set_bit(b, (uint32_t)t->pid);
		b->pids[b->npids++] = t->pid;
	}
}

/* Whether ID names a live process (a thread group leader), per /proc. */
static int is_process(struct capture *cap, uint32_t id)
{
	char path[PATH_MAX], buf[4096];
	const char *p;
	size_t n;
	FILE *f;

	capture_path(cap, path, sizeof(path), "/proc/%u/status", id);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strstr(buf, "\nTgid:");
	return p && strtoul(p + 6, NULL, 10) == id;
}

/* The fork program sets the bit of every child of a target, threads
 * included: keep the processes, clear the threads (their tgid is a target
 * already) and processes that exited, so a recycled id never makes a
 * stranger a target. */
static void prune_targets(struct sysbpf *b, struct capture *cap)
{
	uint32_t w;
	uint64_t children = 0;

	for (w = 0; w < b->words; w++) {
		uint64_t v = __atomic_load_n(&b->bits[w], __ATOMIC_RELAXED);

		while (v) {
			int bit = __builtin_ctzll(v);
			uint32_t id = w * 64 + (uint32_t)bit;

			v &= v - 1;
			if (known_pid(b, (pid_t)id))
				continue;
			if (is_process(cap, id))
				children++;
			else
				clear_bit(b, id);
		}
	}
	b->children = children;
}

/* The kernel's pid_max: the size of the targets bitmap. */
static uint32_t read_pid_max(struct capture *cap)
{
	char path[PATH_MAX], buf[32];
	unsigned long v = 0;
	FILE *f;

	capture_path(cap, path, sizeof(path), "/proc/sys/kernel/pid_max");
	f = fopen(path, "re");
	if (f) {
		if (fgets(buf, sizeof(buf), f))
			v = strtoul(buf, NULL, 10);
		fclose(f);
	}
	if (v < 301 || v > SYSBPF_PID_LIMIT)
		v = SYSBPF_PID_LIMIT;
	return (uint32_t)v;
}

/* The keys of map FD (KSZ bytes each, their generation a uint32 at GEN_OFF)
 * of generation GEN, or of every generation when GEN < 0: a malloc'd array
 * of *count keys (NULL when none). Keys are collected before any is taken out,
 * since deleting during GET_NEXT_KEY would restart the walk. */
static void *map_keys(int fd, size_t ksz, size_t gen_off, int gen, size_t *count)
{
	unsigned char key[32], next[32];
	unsigned char *keys = NULL;
	size_t n = 0, cap = 0;
	int first = 1;
	uint32_t kgen;

	while (ksz <= sizeof(key) && map_next(fd, first ? NULL : key, next) == 0) {
		first = 0;
		memcpy(key, next, ksz);
		memcpy(&kgen, key + gen_off, sizeof(kgen));
		if (gen >= 0 && kgen != (uint32_t)gen)
			continue;
		if (n == cap) {
			unsigned char *k = realloc(keys, (cap ? cap * 2 : 64) * ksz);

			if (!k)
				break;
			keys = k;
			cap = cap ? cap * 2 : 64;
		}
		memcpy(keys + n++ * ksz, key, ksz);
	}
	*count = n;
	return keys;
}

/* Moves the counters of generation GEN (or of both when GEN < 0) into agg. */
static void collect(struct sysbpf *b, int gen)
{
	struct bkey *keys;
	struct ekey *ekeys;
	size_t n, en_n, i;
	uint32_t dk;
	uint64_t dropped = 0, zero = 0, v;

	keys = map_keys(b->map[M_COUNTS], sizeof(*keys), offsetof(struct bkey, gen), gen, &n);
	ekeys = map_keys(b->map[M_ERRS], sizeof(*ekeys), offsetof(struct ekey, gen), gen, &en_n);
	for (dk = 1; dk <= 2; dk++) {
		if (gen >= 0 && dk != (uint32_t)gen + 1)
			continue;
		if (map_lookup(b->map[M_CTL], &dk, &v) == 0 && v) {
			dropped += v;
			map_update(b->map[M_CTL], &dk, &zero, BPF_ANY);
		}
	}

	pthread_mutex_lock(&b->agg->lock);
	for (i = 0; i < n; i++) {
		struct bval val;
		struct sysagg_entry e;

		if (map_take(b->map[M_COUNTS], &keys[i], &val) < 0)
			continue;
		memset(&e, 0, sizeof(e));
		e.pid = (int32_t)keys[i].tgid;
		e.tid = (int32_t)keys[i].tid;
		e.nr = (int32_t)keys[i].nr;
		e.calls = val.calls;
		e.errors = val.errors;
		e.total_ns = val.total_ns;
		e.max_ns = val.max_ns;
		e.timed = val.timed;
		sysagg_add(b->agg, &e);
	}
	for (i = 0; i < en_n; i++) {
		uint64_t count;

		if (map_take(b->map[M_ERRS], &ekeys[i], &count) < 0)
			continue;
		sysagg_add_errno(b->agg, (int32_t)ekeys[i].tgid, (int32_t)ekeys[i].nr, (int32_t)ekeys[i].err, count);
	}
	b->agg->live.dropped += dropped;
	pthread_mutex_unlock(&b->agg->lock);
	free(keys);
	free(ekeys);
}

struct sysbpf *sysbpf_open(struct capture *cap, struct sysagg *agg, char *why, size_t len)
{
	struct sysbpf *b = calloc(1, sizeof(*b));
	struct tracefs tf;
	struct tracefs_field f_id, f_ret, f_child, f_enter_id;
	long enter_id, exit_id, fork_id = -1;
	struct bpfasm *as = malloc(sizeof(*as));
	uint32_t k;
	uint64_t zero = 0;
	int i, n;

	if (!b || !as) {
		snprintf(why, len, "out of memory");
		free(as);
		free(b);
		return NULL;
	}
	b->agg = agg;
	for (i = 0; i < M_N; i++)
		b->map[i] = -1;
	for (i = 0; i < P_N; i++)
		b->prog[i] = b->ev[i] = -1;

	if (tracefs_open(cap, &tf, "raw_syscalls", "sys_enter", why, len) < 0)
		goto fail;
	enter_id = tracefs_tracepoint_id(tf.dir, "raw_syscalls", "sys_enter");
	exit_id = tracefs_tracepoint_id(tf.dir, "raw_syscalls", "sys_exit");
	if (tracefs_field(tf.dir, "raw_syscalls", "sys_exit", "id", &f_id) < 0 ||
	    tracefs_field(tf.dir, "raw_syscalls", "sys_exit", "ret", &f_ret) < 0 ||
	    tracefs_field(tf.dir, "raw_syscalls", "sys_enter", "id", &f_enter_id) < 0 || f_enter_id.size != 8 ||
	    f_enter_id.offset % 8 || f_id.size != 8 ||
	    f_ret.size != 8 || f_id.offset % 8 || f_ret.offset % 8) {
		snprintf(why, len, "raw_syscalls:sys_exit has no 8-byte id and ret fields in %s", tf.name);
		tracefs_done(&tf);
		goto fail;
	}
	if (tracefs_field(tf.dir, "sched", "sched_process_fork", "child_pid", &f_child) == 0 &&
	    f_child.size == 4 && f_child.offset % 4 == 0)
		fork_id = tracefs_tracepoint_id(tf.dir, "sched", "sched_process_fork");
	tracefs_done(&tf);
	b->mounted = tf.mounted;
	if (enter_id < 0 || exit_id < 0) {
		snprintf(why, len, "no raw_syscalls tracepoints in tracefs (%s)", tf.name);
		goto fail;
	}

	b->pid_max = read_pid_max(cap);
	b->words = (b->pid_max + 63) / 64;
	b->map[M_TARGETS] = map_create(BPF_MAP_TYPE_ARRAY, 4, 8, b->words, "cf_targets");
	if (b->map[M_TARGETS] < 0) {
		snprintf(why, len, "bpf(BPF_MAP_CREATE) failed: %s%s", strerror(errno),
			 errno == EPERM || errno == EACCES ? " (needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)" : "");
		goto fail;
	}
	/* Entry times by tid: an array indexed by tid when pid_max is small
	 * enough (the verifier inlines an array lookup: a hash lookup at each
	 * enter and exit costs the target more than all the rest), else an LRU
	 * hash (threads that die inside a syscall leave entries that must not
	 * fill it). CASEFILE_SYSBPF_START=hash forces the hash (tests). */
	b->start_array = b->pid_max <= SYSBPF_START_ARRAY_MAX && !getenv_is("CASEFILE_SYSBPF_START", "hash");
	if (b->start_array)
		b->map[M_START] = map_create(BPF_MAP_TYPE_ARRAY, 4, 16, b->pid_max, "cf_start");
	else
		b->map[M_START] = map_create(BPF_MAP_TYPE_LRU_HASH, 4, 16, SYSBPF_THREADS, "cf_start");
	b->map[M_COUNTS] = map_create(BPF_MAP_TYPE_HASH, sizeof(struct bkey), sizeof(struct bval), SYSBPF_COUNTS,
				      "cf_counts");
	b->map[M_ERRS] = map_create(BPF_MAP_TYPE_HASH, sizeof(struct ekey), 8, SYSBPF_ERRS, "cf_errs");
	b->map[M_CTL] = map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 3, "cf_ctl");
	for (i = 0; i < M_N; i++)
		if (b->map[i] < 0) {
			snprintf(why, len, "bpf(BPF_MAP_CREATE) failed: %s", strerror(errno));
			goto fail;
		}
	for (k = 0; k < 3; k++)
		map_update(b->map[M_CTL], &k, &zero, BPF_ANY);
	b->bits_len = ((size_t)b->words * 8 + (size_t)getpagesize() - 1) / (size_t)getpagesize() *
		      (size_t)getpagesize();
	b->bits = mmap(NULL, b->bits_len, PROT_READ | PROT_WRITE, MAP_SHARED, b->map[M_TARGETS], 0);
	if (b->bits == MAP_FAILED) {
		b->bits = NULL;
		snprintf(why, len, "cannot mmap the targets bitmap (kernel before 5.5?): %s", strerror(errno));
		goto fail;
	}

	if (load_raw(b, as) < 0) {
		if ((n = build_enter(as, b, 0, f_enter_id.offset)) < 0 ||
		    (b->prog[P_ENTER] = prog_load(as, n, BPF_PROG_TYPE_TRACEPOINT, "cf_sys_enter", why, len)) < 0)
			goto fail_asm;
		if ((n = build_exit(as, b, 0, f_id.offset, f_ret.offset)) < 0 ||
		    (b->prog[P_EXIT] = prog_load(as, n, BPF_PROG_TYPE_TRACEPOINT, "cf_sys_exit", why, len)) < 0)
			goto fail_asm;
	}
	if (fork_id >= 0) {
		char why_fork[256];

		if ((n = build_fork(as, b, f_child.offset)) >= 0)
			b->prog[P_FORK] = prog_load(as, n, BPF_PROG_TYPE_TRACEPOINT, "cf_fork", why_fork,
							    sizeof(why_fork));
	}

	add_targets(b, cap);
	if (b->npids == 0) {
		snprintf(why, len, "no target process to follow");
		goto fail;
	}
	/* Exit first: an enter without its exit yet is harmless, an exit
	 * attached before its enter would only miss a duration. */
	if (b->raw) {
		if (attach_raw(b, P_EXIT, "sys_exit", why, len) < 0 || attach_raw(b, P_ENTER, "sys_enter", why, len) < 0)
			goto fail;
	} else if (attach(b, P_EXIT, exit_id, why, len) < 0 || attach(b, P_ENTER, enter_id, why, len) < 0) {
		goto fail;
	}
	if (b->prog[P_FORK] >= 0) {
		char why_fork[256];

		b->follow_forks = attach(b, P_FORK, fork_id, why_fork, sizeof(why_fork)) == 0;
		if (!b->follow_forks)
			info("syscalls: children started later are not followed: %s", why_fork);
	}
	free(as);
	return b;
fail_asm:
	if (!*why)
		snprintf(why, len, "cannot assemble the BPF program");
fail:
	free(as);
	sysbpf_close(b);
	b = NULL;
	return NULL;
}

int sysbpf_refresh(struct sysbpf *b, struct capture *cap)
{
	uint32_t k = 0, old = b->gen;
	uint64_t g;
	struct timespec ts = { 0, 2 * 1000 * 1000 };

	add_targets(b, cap);
	if (b->follow_forks)
		prune_targets(b, cap);
	b->gen ^= 1;
	g = b->gen;
	if (map_update(b->map[M_CTL], &k, &g, BPF_ANY) < 0) {
		b->gen = old;
		return error_errno("cannot switch the syscall counters' generation");
	}
	/* A program that read the old generation just before the switch
	 * finishes within microseconds (tracepoint programs do not sleep). */
	nanosleep(&ts, NULL);
	collect(b, (int)old);
	return 0;
}

void sysbpf_close(struct sysbpf *b)
{
	int i;

	if (!b)
		return;
	/* Detach first, so the last collection sees everything. */
	for (i = 0; i < P_N; i++) {
		if (b->ev[i] >= 0) {
			if (!b->raw || i == P_FORK)
				ioctl(b->ev[i], PERF_EVENT_IOC_DISABLE, 0);
			close(b->ev[i]);
		}
		b->ev[i] = -1;
	}
	if (b->map[M_COUNTS] >= 0 && b->map[M_ERRS] >= 0 && b->map[M_CTL] >= 0 && b->agg)
		collect(b, -1);
	for (i = 0; i < P_N; i++)
		if (b->prog[i] >= 0)
			close(b->prog[i]);
	if (b->bits)
		munmap(b->bits, b->bits_len);
	for (i = 0; i < M_N; i++)
		if (b->map[i] >= 0)
			close(b->map[i]);
	free(b);
}

const char *sysbpf_describe(struct sysbpf *b)
{
	snprintf(b->describe, sizeof(b->describe),
		 "in-kernel aggregation (eBPF on %s sys_enter and sys_exit): calls, errors, time; "
		 "%d processes in the filter, entry times in %s%s%s%s",
		 b->raw ? "raw tracepoints" : "tracepoints raw_syscalls:", b->npids, b->start_array ? "an array by tid" : "an LRU hash by tid", b->follow_forks ? ", children followed (sched_process_fork)" : ", children not followed",
		 b->pids_skipped ? ", processes beyond 256 not followed" : "",
		 b->mounted == 2 ? ", tracefs mounted to read the tracepoint formats, then unmounted" :
		 b->mounted ? ", tracefs mounted to read the tracepoint formats" : "");
	return b->describe;
}
