/* The maps' layouts, shared by the bpf backend's kernel side
 * (syscalls.bpf.c, compiled with clang -target bpf) and its loader (bpf.c).
 * Only fixed-width types: both compilers must agree on every offset. */
#ifndef CASEFILE_SYSCALLS_BPF_MAPS_H
#define CASEFILE_SYSCALLS_BPF_MAPS_H

#include <linux/types.h>

/* counts: one entry per (process, thread, syscall, generation). */
struct sysbpf_key {
	__u32 tgid, tid, nr, gen;
};

struct sysbpf_val {
	__u64 calls, errors, total_ns, max_ns, timed;
};

/* errs: failures per (process, syscall, errno, generation). */
struct sysbpf_ekey {
	__u32 tgid, nr, err, gen;
};

/* start: a thread's pending syscall, by tid; ts 0 = none. */
struct sysbpf_start {
	__u64 ts, nr;
};

#endif
