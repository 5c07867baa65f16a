/* The perf events of the target processes, shared by the sources that sample
 * with perf_event (the profile source, the perf backend of the syscalls
 * source).
 *
 * Why per-CPU events with inherit, not one event per thread: the kernel
 * refuses to mmap an inherited per-task event (cpu == -1 with inherit), and
 * per-thread events without inherit would miss every thread born between two
 * rescans of /proc/PID/task. So each thread that exists at attach time gets
 * its events on every CPU with attr.inherit = 1: threads and processes it
 * creates later carry them from their first instruction, and exec keeps them.
 * All events of one CPU write into that CPU's single ring
 * (PERF_EVENT_IOC_SET_OUTPUT), so there are as many rings as CPUs. The cost
 * is (events x CPUs) file descriptors per thread present at attach, bounded
 * by fd_budget; threads beyond it are counted in threads_skipped.
 */
#ifndef CASEFILE_PERFSET_H
#define CASEFILE_PERFSET_H

#include "capture.h"
#include "perfring.h"

#include <sys/types.h>

#define PERFSET_MAX_CPUS 1024
#define PERFSET_MAX_PIDS 256
#define PERFSET_MAX_EVENTS 2             /* events per thread and CPU */

/* The processes a set of inherited per-thread perf events covers, and the
 * one rule of attaching them (any source opening such events: perfset
 * below, syscalls/pertask.c). */
struct perf_procs {
	pid_t pids[PERFSET_MAX_PIDS];    /* processes attached to (or inheriting) */
	int npids;
	int pids_skipped;                /* processes beyond PERFSET_MAX_PIDS */
	uint64_t attach_ticks;           /* boot time of the first attach, clock ticks */
};

/* Opens the events of thread TID of process PID. Returns >= 0, or -1 with
 * *ERR set (ESRCH: the thread exited meanwhile, not an error). */
typedef int (*perf_thread_fn)(void *ctx, pid_t pid, pid_t tid, int *err);

/* Calls FN for every thread of every live target not covered yet. The first
 * call records attach_ticks: a descendant started after it was forked by a
 * process carrying inherited events and is only remembered (attaching it
 * again would count it twice). Returns 0, or -1 with *ERR set. */
int perf_procs_attach(struct perf_procs *pp, struct capture *cap, perf_thread_fn fn, void *ctx, int *err);

struct perfset {
	int cpus[PERFSET_MAX_CPUS];
	int ncpus;
	struct perfring *rings;          /* one per CPU, same order as cpus */
	int *fds;
	int nfds, fdcap;
	int fd_budget;                   /* set by the caller after init */
	int ring_pages;                  /* wanted; set by the caller, may shrink */
	int min_pages;
	struct perf_procs procs;
	int threads;                     /* threads attached */
	int threads_skipped;             /* over the fd budget */
	unsigned char *tmp;              /* a record that wraps the ring end */
	/* Fills the attributes of the events of one thread (the ring size in
	 * ring_pages may have shrunk since the last call); returns how many,
	 * at most PERFSET_MAX_EVENTS. */
	int (*attrs)(const struct perfset *s, struct perf_event_attr *a, void *arg);
	void *arg;
};

/* Lists the online CPUs (as CAP sees /sys) and allocates one ring slot per
 * CPU. Returns 0, or -1 with WHY filled. */
int perfset_init(struct perfset *s, struct capture *cap, int min_pages, char *why, size_t len);

/* Attaches every thread of every live target not attached yet. The first
 * call records attach_ticks: a descendant started after it already carries
 * inherited events and is only remembered. Returns 0, or -1 with *ERR set
 * when the kernel refused (a thread that exited meanwhile is not an error). */
int perfset_attach(struct perfset *s, struct capture *cap, int *err);

/* Closes every event and ring, forgetting the attached processes, for a
 * second attempt with other attributes. */
void perfset_reset(struct perfset *s);

/* Stops every event (nothing is written after it). */
void perfset_disable(struct perfset *s);

/* Drains every ring with perfring_drain(); returns how many are bad. */
int perfset_drain(struct perfset *s, int (*fn)(const void *buf, size_t len, void *arg), void *arg);

/* How many rings were abandoned as undecodable. */
int perfset_bad_rings(const struct perfset *s);

/* Disables, unmaps and closes everything, and frees what init allocated. */
void perfset_release(struct perfset *s);

#endif
