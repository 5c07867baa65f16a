// SPDX-License-Identifier: GPL-2.0
/* The kernel side of the syscalls source's bpf backend: counts a target's
 * syscalls in the kernel. Compiled with clang -target bpf into
 * build/gen/syscalls.bpf.o, embedded by `bpftool gen skeleton` into
 * syscalls.skel.h, loaded and read by bpf.c.
 *
 *   enter  for a target tgid, remembers the thread's entry time and syscall
 *          number (start, written in place: an insert and a delete per call
 *          cost more than the rest of the program)
 *   exit   for a target tgid, adds the call to counts[(tgid, tid, nr, gen)]
 *          (calls, errors, total ns, max ns, timed) and, when it failed, to
 *          errs[(tgid, nr, errno, gen)]
 *   fork   a target's child becomes a target (sched_process_fork)
 *
 * Each program comes in two attachments: raw tracepoints (the default: the
 * kernel passes the arguments without building a perf record first) and
 * classic tracepoints (the fallback: a record whose field offsets user space
 * reads from tracefs and sets in rodata before loading).
 *
 * No kernel structure is read, so no vmlinux.h and no BTF of the build or
 * the target machine is needed: raw tracepoint arguments are an array of
 * u64, and the classic records are read at tracefs's offsets.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bpf_maps.h"

char LICENSE[] SEC("license") = "GPL";

/* Offsets in the classic tracepoints' records, from their tracefs formats. */
const volatile __u32 enter_id_off = 8;
const volatile __u32 exit_id_off = 8;
const volatile __u32 exit_ret_off = 16;
const volatile __u32 fork_child_off = 44;

/* The generation (bit 0) the exits count into; user space flips it each
 * tick and moves the other one's entries out. */
volatile __u32 gen;
/* Updates that found counts or errs full, per generation. */
__u64 dropped[2];

/* One bit per possible tgid: set for targets. An array, which the verifier
 * inlines into a few instructions; user space sizes it to pid_max, mmaps it
 * and sets and clears bits with atomic operations. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} targets SEC(".maps");

/* Entry times by tid: an array indexed by tid while pid_max is small enough,
 * else user space makes it an LRU hash (threads that die inside a syscall
 * leave entries that must not fill it). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sysbpf_start);
} start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct sysbpf_key);
	__type(value, struct sysbpf_val);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct sysbpf_ekey);
	__type(value, __u64);
} errs SEC(".maps");

/* Whether the bit of TGID is set. The first test of every program, which
 * runs for every task of the machine: anything else waits until it passed. */
static __always_inline int is_target(__u32 tgid)
{
	__u32 word = tgid >> 6;
	__u64 *w = bpf_map_lookup_elem(&targets, &word);

	return w && ((*w >> (tgid & 63)) & 1);
}

/* A field of a classic tracepoint's record, at an offset known only once
 * loaded: the verifier refuses a context read at a computed offset. */
static __always_inline __u64 record_u64(void *ctx, __u32 off)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), (char *)ctx + off);
	return v;
}

static __always_inline void on_enter(__u64 pid_tgid, __u64 nr)
{
	struct sysbpf_start s = { .ts = bpf_ktime_get_ns(), .nr = nr };
	__u32 tid = (__u32)pid_tgid;
	struct sysbpf_start *p = bpf_map_lookup_elem(&start, &tid);

	if (p) {
		p->ts = s.ts;
		p->nr = nr;
		return;
	}
	/* The thread's first call: its slot, kept from then on. */
	bpf_map_update_elem(&start, &tid, &s, BPF_ANY);
}

static __always_inline void count_errno(__u32 tgid, __u32 nr, __s64 ret, __u32 g)
{
	struct sysbpf_ekey ek = { .tgid = tgid, .nr = nr, .err = (__u32)-ret, .gen = g };
	__u64 one = 1, *e;

	e = bpf_map_lookup_elem(&errs, &ek);
	if (e) {
		__sync_fetch_and_add(e, 1);
		return;
	}
	if (bpf_map_update_elem(&errs, &ek, &one, BPF_NOEXIST) == 0)
		return;
	/* Another thread of the process inserted it first, or the map is full. */
	e = bpf_map_lookup_elem(&errs, &ek);
	if (e)
		__sync_fetch_and_add(e, 1);
	else
		__sync_fetch_and_add(&dropped[g], 1);
}

/* RAW: the syscall number comes from the thread's enter (a raw sys_exit
 * does not carry it), so a call without a seen enter (in flight at attach, a
 * new thread's first return from clone) is not counted. Otherwise NR is the
 * record's. */
static __always_inline void on_exit(__u64 pid_tgid, __u64 nr, __s64 ret, int raw)
{
	struct sysbpf_key k = { .tgid = (__u32)(pid_tgid >> 32), .tid = (__u32)pid_tgid };
	struct sysbpf_start *p;
	struct sysbpf_val *v;
	__u64 now = bpf_ktime_get_ns(), dur = 0, timed = 0;
	__u32 g;

	p = bpf_map_lookup_elem(&start, &k.tid);
	/* ts 0: no enter since the last exit (attached mid-call). */
	if (p && p->ts) {
		if (raw)
			nr = p->nr;
		dur = now - p->ts;
		timed = 1;
		p->ts = 0;
	} else if (raw) {
		return;
	}
	g = gen & 1;
	k.nr = (__u32)nr;
	k.gen = g;
	v = bpf_map_lookup_elem(&counts, &k);
	if (v) {
		/* In place: the key holds the tid, and a thread runs on one
		 * CPU at a time, so a plain read-modify-write is safe. */
		v->calls++;
		if (ret < 0)
			v->errors++;
		if (timed) {
			v->timed++;
			v->total_ns += dur;
			if (dur > v->max_ns)
				v->max_ns = dur;
		}
	} else {
		struct sysbpf_val val = { .calls = 1, .errors = ret < 0, .total_ns = dur, .max_ns = dur, .timed = timed };

		if (bpf_map_update_elem(&counts, &k, &val, BPF_NOEXIST) != 0)
			__sync_fetch_and_add(&dropped[g], 1);
	}
	/* A failure (-4095..-1) also counts its errno. */
	if (ret < 0 && ret >= -4095)
		count_errno(k.tgid, k.nr, ret, g);
}

/* Raw tracepoints: args[0] the registers, args[1] the syscall number
 * (sys_enter) or the return value (sys_exit). The return value is ignored. */
SEC("raw_tracepoint/sys_enter")
int cf_raw_enter(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (is_target((__u32)(pid_tgid >> 32)))
		on_enter(pid_tgid, ctx->args[1]);
	return 0;
}

SEC("raw_tracepoint/sys_exit")
int cf_raw_exit(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (is_target((__u32)(pid_tgid >> 32)))
		on_exit(pid_tgid, 0, (__s64)ctx->args[1], 1);
	return 0;
}

/* Classic tracepoints return 1: 0 would make the kernel drop the record for
 * every perf event of the tracepoint, ours and everyone else's (perf stat,
 * perf trace, another capture's perf backend would see nothing). The perf
 * event carrying the program only counts. */
SEC("tracepoint/raw_syscalls/sys_enter")
int cf_tp_enter(void *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (is_target((__u32)(pid_tgid >> 32)))
		on_enter(pid_tgid, record_u64(ctx, enter_id_off));
	return 1;
}

SEC("tracepoint/raw_syscalls/sys_exit")
int cf_tp_exit(void *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (is_target((__u32)(pid_tgid >> 32)))
		on_exit(pid_tgid, record_u64(ctx, exit_id_off), (__s64)record_u64(ctx, exit_ret_off), 0);
	return 1;
}

/* sched_process_fork runs in the parent: a target's child becomes a target.
 * A new thread shows here too (its tid, same tgid): user space clears such
 * bits at the next tick. */
SEC("tracepoint/sched/sched_process_fork")
int cf_fork(void *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 child = 0, word;
	struct sysbpf_start *p;
	__u64 *w;

	if (!is_target((__u32)(pid_tgid >> 32)))
		return 1;
	bpf_probe_read_kernel(&child, sizeof(child), (char *)ctx + fork_child_off);
	/* A recycled tid may find the entry time its previous owner left when
	 * it died inside exit(): forget it, or the new thread's first return
	 * (from clone, without an enter) would count as that call. */
	p = bpf_map_lookup_elem(&start, &child);
	if (p)
		p->ts = 0;
	word = child >> 6;
	w = bpf_map_lookup_elem(&targets, &word);
	if (w)
		__sync_fetch_and_or(w, 1ULL << (child & 63));
	return 1;
}
