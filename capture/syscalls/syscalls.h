/* The syscalls source: shared pieces of its backends.
 *
 *   syscalls.c  the source: picks a backend, writes a tick's rows
 *   agg.c       per-interval counters (struct sysagg) filled by a backend's
 *               worker thread, syscall names
 *   bpf.c       loads the eBPF programs of syscalls.bpf.c (C, built with
 *               clang -target bpf into a bpftool skeleton; maps' layouts in
 *               bpf_maps.h) with libbpf: counting in the kernel on
 *               sys_enter/sys_exit (default); tracefs.c finds ids
 *   perf.c      perf_event tracepoints raw_syscalls:sys_enter/sys_exit
 *   pertask.c   counting perf events on the target's own threads (no
 *               program, no ring): calls and errors; other tasks pay only
 *               the kernel's look at the named tracepoints
 *   sample.c    sampling /proc/PID/task/TID/syscall (fallback)
 *   ptrace.c    ptrace, only on --syscalls=ptrace, for a bounded window
 *   gen_names.sh  syscall names from the kernel headers, at build time
 *
 * A backend runs its own thread that folds what it sees into a struct sysagg
 * under agg->lock; at each tick the source swaps the live aggregate for an
 * empty one and writes what it took, so the tick loop never waits on the
 * target and the worker never waits on SQLite.
 */
#ifndef CASEFILE_SYSCALLS_H
#define CASEFILE_SYSCALLS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "capture.h"

/* ---- syscall names (generated tables, build/gen/syscall_names.c) ---- */

extern const char *const syscall_names_x86_64[];
extern const int syscall_names_x86_64_count;
extern const char *const syscall_names_aarch64[];
extern const int syscall_names_aarch64_count;

/* The architecture whose numbers this binary's targets use ("x86_64",
 * "aarch64", or "unknown"). */
const char *syscall_arch(void);
/* Name of syscall NR on ARCH, or NULL when the table has none. */
const char *syscall_name_arch(const char *arch, long nr);
/* Name of syscall NR on this binary's architecture, or NULL. */
const char *syscall_name(long nr);
/* Number of syscall NAME on this architecture, or -1. */
long syscall_number(const char *name);

/* Whether the vDSO reads CLOCKSOURCE (a current_clocksource name) in user
 * space, so clock_gettime and gettimeofday never enter the kernel. */
int syscalls_vdso_clock(const char *clocksource);

/* ---- per-interval aggregation ---- */

/* Counters of one (pid, tid, syscall) over an interval, counted when the
 * call returns (the exit carries the number, the return value and, paired
 * with the thread's enter, the duration). A call in flight when the capture
 * ends, and exit/exit_group, are not counted. */
struct sysagg_entry {
	int32_t pid, tid;                /* tid 0 = free slot */
	int32_t nr, pad;
	uint64_t calls, errors;
	uint64_t total_ns, max_ns;
	uint64_t timed;                  /* calls whose duration is in total_ns */
};

/* The nr of a count row that sums the syscalls a backend does not name one
 * by one (the pertask backend); syscall_names calls it "other". */
#define SYSAGG_OTHER (-1)

/* The err of the failed calls whose errno a backend did not tell apart (the
 * pertask backend counts chosen errno values one by one and the rest of a
 * syscall's errors together): written as errno 0, errno_name NULL. */
#define SYSAGG_ERRNO_UNKNOWN (-1)

/* Count of one (pid, syscall, errno) over an interval. */
struct sysagg_err {
	int32_t pid, nr, err;            /* err 0 = free slot */
	uint64_t count;
};

/* Samples (fallback backend): threads of PID seen sitting in NR, or in
 * state SYSAGG_RUNNING / SYSAGG_USER. */
enum { SYSAGG_RUNNING = -2, SYSAGG_USER = -1 };
struct sysagg_sample {
	int32_t pid, nr;                 /* pid 0 = free slot */
	uint64_t samples;
};

struct systable {
	struct sysagg_entry *v;
	size_t cap, n;
	struct sysagg_err *e;
	size_t ecap, en;
	struct sysagg_sample *s;
	size_t scap, sn;
	uint64_t dropped;                /* updates that found the table full */
	uint64_t events;                 /* records or samples seen */
	uint64_t lost;                   /* records the kernel could not write */
	uint64_t rounds;                 /* sampling rounds (fallback) */
};

/* Pairing state of one thread: its pending enter, or an exit that arrived
 * before its enter (per-CPU rings are read one after the other, so a thread
 * that migrated can show its exit first). */
struct syspend {
	int32_t tid;                     /* 0 = free */
	int32_t enter_nr, exit_nr;       /* -1 = none */
	uint64_t enter_ns, exit_ns;
	int64_t exit_ret;
	int32_t exit_pid;
};

struct sysagg {
	pthread_mutex_t lock;
	struct systable live, spare;
	struct syspend *pend;
	size_t pcap, pn;
};

/* Allocates tables of room for CAP (pid, tid, syscall) entries each.
 * Returns 0 or -1 (error printed). sysagg_release() frees the contents. */
int sysagg_init(struct sysagg *a, size_t cap);
void sysagg_release(struct sysagg *a);

/* Updates; the caller holds a->lock. NR may be -1 at enter (unknown: the
 * exit says). */
void sysagg_enter(struct sysagg *a, int32_t pid, int32_t tid, int32_t nr, uint64_t t_ns);
void sysagg_exit(struct sysagg *a, int32_t pid, int32_t tid, int32_t nr, int64_t ret, uint64_t t_ns);
/* Counts one call with everything known at once (ptrace). */
void sysagg_call(struct sysagg *a, int32_t pid, int32_t tid, int32_t nr, int64_t ret,
		 uint64_t dur_ns, int timed);
void sysagg_sample(struct sysagg *a, int32_t pid, int32_t nr);
/* Adds counters aggregated elsewhere (the bpf backend's kernel maps, the
 * pertask backend's counters): IN's calls, errors, times, and errno ERR's
 * COUNT (ERR > 0, or SYSAGG_ERRNO_UNKNOWN). */
void sysagg_add(struct sysagg *a, const struct sysagg_entry *in);
void sysagg_add_errno(struct sysagg *a, int32_t pid, int32_t nr, int32_t err, uint64_t count);

/* Takes the interval's counters: swaps the live table with the (empty) spare
 * under the lock and returns the table to read; the caller passes it back to
 * sysagg_done() once written. */
struct systable *sysagg_take(struct sysagg *a);
void sysagg_done(struct sysagg *a, struct systable *t);
/* How many failures of syscall NR by PID a taken table holds with errno ERR
 * (SYSAGG_ERRNO_UNKNOWN: of no errno told apart). */
uint64_t systable_errno_count(const struct systable *t, int32_t pid, int32_t nr, int32_t err);

/* ---- perf backend (perf.c) ---- */

/* One decoded ring-buffer record. */
enum perfsys_kind { PERFSYS_OTHER = 0, PERFSYS_ENTER, PERFSYS_EXIT, PERFSYS_LOST, PERFSYS_BAD };
struct perfsys_rec {
	enum perfsys_kind kind;
	uint32_t pid, tid;
	uint64_t time_ns;
	int64_t nr;                      /* syscall number */
	int64_t ret;                     /* exit: return value */
	uint64_t lost;                   /* PERFSYS_LOST: records dropped */
	size_t size;                     /* bytes the record takes in the ring */
};

/* Decodes the record at BUF (LEN bytes available), written with
 * sample_type PERF_SAMPLE_TID|PERF_SAMPLE_TIME|PERF_SAMPLE_RAW, whose raw
 * data is a raw_syscalls:sys_enter (type ENTER_ID) or sys_exit (EXIT_ID)
 * tracepoint entry. Returns 0 with *out filled (out->size bytes consumed), or
 * -1 when the bytes cannot be a record (out->kind = PERFSYS_BAD): a ring
 * that yields that is abandoned. */
int perfsys_decode(const void *buf, size_t len, uint32_t enter_id, uint32_t exit_id,
		   struct perfsys_rec *out);

struct perfsys;
/* Opens the perf backend for the capture's targets: sys_exit events, and
 * with WITH_TIME sys_enter too, paired per thread for durations. Returns NULL
 * and writes why into why (size len) when perf cannot be used. */
struct perfsys *perfsys_open(struct capture *cap, struct sysagg *agg, int with_time, char *why, size_t len);
/* Attaches to targets that appeared since the last call (not those that
 * inherited events by being forked from a followed process). */
int perfsys_refresh(struct perfsys *p, struct capture *cap);
/* Stops the reader, drains the rings one last time, frees everything. */
void perfsys_close(struct perfsys *p);
/* One line for the sources table: rings, fds, ring size. */
const char *perfsys_describe(struct perfsys *p);

/* ---- bpf backend (bpf.c) ---- */

struct sysbpf;
/* Loads the in-kernel aggregation onto raw_syscalls:sys_enter/sys_exit for
 * the capture's targets. Returns NULL and writes why into why (size len)
 * when BPF cannot be used (no CAP_BPF/CAP_PERFMON, verifier refusal: its log
 * is printed under -v). */
struct sysbpf *sysbpf_open(struct capture *cap, struct sysagg *agg, char *why, size_t len);
/* Adds new targets to the filter, and moves the counters of the interval
 * that just ended from the kernel maps into agg (under its lock). */
int sysbpf_refresh(struct sysbpf *b, struct capture *cap);
/* Detaches, collects the last counters into agg, frees everything. */
void sysbpf_close(struct sysbpf *b);
/* One line for the sources table and manifest. */
const char *sysbpf_describe(struct sysbpf *b);

/* ---- pertask backend (pertask.c) ---- */

struct syspertask;
/* Opens counting events (calls, and errors through a "ret < 0" filter) on
 * every thread of the capture's targets, inherited by what they create.
 * Returns NULL and writes why into why (size len) when perf cannot be used. */
struct syspertask *syspertask_open(struct capture *cap, struct sysagg *agg, char *why, size_t len);
/* Attaches to new targets (not those that inherited events), and adds the
 * counts since the last call into agg (under its lock). */
int syspertask_refresh(struct syspertask *p, struct capture *cap);
/* Stops the counters, adds the last counts into agg, frees everything. */
void syspertask_close(struct syspertask *p);
/* One line for the sources table and manifest. */
const char *syspertask_describe(struct syspertask *p);

/* ---- sampling backend (sample.c) ---- */

/* One /proc/PID/task/TID/syscall reading. */
struct syssample_rec {
	int state;                       /* nr >= 0, or SYSAGG_RUNNING / SYSAGG_USER */
	long args[6];
	unsigned long sp, pc;
};
/* Parses the text of /proc/PID/task/TID/syscall ("running", "-1 SP PC", or
 * "NR A1..A6 SP PC" in hex). Returns 0 or -1 on anything else. */
int syssample_parse(const char *buf, size_t len, struct syssample_rec *out);

struct syssample;
struct syssample *syssample_open(struct capture *cap, struct sysagg *agg, char *why, size_t len);
int syssample_refresh(struct syssample *s, struct capture *cap);
void syssample_close(struct syssample *s);

/* ---- ptrace backend (ptrace.c) ---- */

struct sysptrace;
struct sysptrace *sysptrace_open(struct capture *cap, struct sysagg *agg, char *why, size_t len);
/* Whether the window ended and every thread was released. */
int sysptrace_done(struct sysptrace *t);
void sysptrace_close(struct sysptrace *t);

#endif
