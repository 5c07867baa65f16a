/* The profile source: which code runs on the CPU.
 *
 * Every target thread is sampled on-CPU with a perf_event software clock
 * (PERF_COUNT_SW_CPU_CLOCK, one sample per 1/--profile-hz s of the thread's
 * CPU time) taking its call chain, kernel and user, as the kernel unwinds it
 * by frame pointers. As in the perf backend of the syscalls source, the
 * events are opened by perfset.c: each thread present at attach gets one
 * event per CPU with attr.inherit, so threads and processes it creates later
 * carry the events from their first instruction; all events of a CPU write
 * into that CPU's ring (PERF_EVENT_IOC_SET_OUTPUT).
 *
 * Why no reader thread: a CPU runs one thread at a time, so a CPU's ring
 * receives at most --profile-hz samples a second, ~1 KiB each at the
 * deepest. The rings are sized for four ticks of that, and the tick drains
 * them; a ring that still fills (a long stall of the capture) loses records,
 * which the kernel counts and profile_ticks.lost shows.
 *
 * Names are given at capture time (names.c), so the bundle reads on a
 * laptop without the target's binaries: user addresses through /proc/PID/maps to the mapped
 * ELF object (read through /proc/PID/map_files, the very file mapped, checked
 * by safeopen; its .symtab, else .dynsym; build-id recorded), JIT code
 * through the runtime's perf map (/tmp/perf-PID.map, written by the target:
 * opened only through safeopen, size bounded), kernel addresses through
 * /proc/kallsyms (read at open, while we may). Frames, modules and stacks are
 * stored once (store.c; stacks as a tree of (parent, frame) nodes); each tick
 * stores the count of each (process, stack) it saw. profile.h holds the state
 * the three files share.
 */
#include "profile.h"
#include "proc/procfs.h"

#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* The profile's one option, kept in its own block (no field in capture.h):
 * --profile-hz, in profile_options[] at the end of this file. */
struct profile_opts {
	int hz;
};

extern const struct source profile_source;

#define PROFILE_FD_BUDGET 4096           /* the syscalls perf backend takes up to 8192 */
#define PROFILE_RING_MAX (4u << 20)
#define PROFILE_MIN_PAGES 4
#define PROFILE_SAMPLE_BYTES 1100        /* a 127-frame sample with its header */

/* ---- attaching ---- */

static int thread_attrs(const struct perfset *s, struct perf_event_attr *a, void *arg)
{
	const struct profile *p = arg;

	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = PERF_TYPE_SOFTWARE;
	a->config = PERF_COUNT_SW_CPU_CLOCK;
	/* cpu-clock counts nanoseconds of the thread on a CPU. */
	a->sample_period = 1000000000ULL / (uint64_t)p->hz;
	a->sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CALLCHAIN;
	a->sample_max_stack = (uint16_t)p->max_stack;
	a->inherit = 1;
	a->exclude_kernel = !p->kernel;
	a->exclude_callchain_kernel = !p->kernel;
	a->exclude_hv = 1;
	/* Nobody waits on the rings: no wakeup wanted before they are full. */
	a->watermark = 1;
	a->wakeup_watermark = (uint32_t)((uint64_t)s->ring_pages * (uint64_t)getpagesize() / 2);
	return 1;
}

static int read_max_stack(struct capture *cap)
{
	char path[PATH_MAX], buf[64];
	long v;

	capture_path(cap, path, sizeof(path), "/proc/sys/kernel/perf_event_max_stack");
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return 127;
	v = strtol(buf, NULL, 10);
	return v > 0 && v < 127 ? (int)v : 127;
}

static void profile_free(struct profile *p)
{
	int i;

	if (!p)
		return;
	perfset_release(&p->set);
	for (i = 0; i < p->nmods; i++) {
		free(p->mods[i].path);
		elfsym_release(&p->mods[i].elf);
	}
	for (i = 0; i < p->nprocs; i++)
		profile_proc_release(&p->procs[i]);
	idmap_release(&p->modkeys);
	idmap_release(&p->frames);
	idmap_release(&p->kips);
	idmap_release(&p->nodes);
	idmap_release(&p->counts);
	free(p->procs);
	free(p->mods);
	if (p->kthread_running) {
		pthread_join(p->kthread, NULL);
		p->kthread_running = 0;
	}
	if (p->kfd >= 0)
		close(p->kfd);
	profile_ktab_release(&p->kt);
	profile_ktab_release(&p->kload);
	free(p->pend);
	free(p->pend_ips);
	free(p);
}

static int profile_open(struct capture *cap, void **state)
{
	struct profile *p = calloc(1, sizeof(*p));
	struct rlimit rl;
	char why[256];
	int err = 0, retried = 0;
	uint64_t want;
	size_t page = (size_t)getpagesize();

	if (!p)
		return error("out of memory");
	p->kfd = -1;
	p->cap = cap;
	p->hz = ((const struct profile_opts *)capture_source_opts(cap->opts, &profile_source))->hz;
	p->kernel = 1;
	p->max_stack = read_max_stack(cap);
	p->set.attrs = thread_attrs;
	p->set.arg = p;
	if (perfset_init(&p->set, cap, PROFILE_MIN_PAGES, why, sizeof(why)) < 0) {
		profile_free(p);
		return capture_source_skip(cap, "%s", why);
	}
	/* Four ticks of a CPU's worst case, within bounds. */
	want = (uint64_t)p->hz * PROFILE_SAMPLE_BYTES * 4 *
	       (uint64_t)((cap->opts->interval_us + 999999) / 1000000);
	if (want > PROFILE_RING_MAX)
		want = PROFILE_RING_MAX;
	for (p->set.ring_pages = PROFILE_MIN_PAGES; (uint64_t)p->set.ring_pages * page < want; p->set.ring_pages *= 2)
		;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		p->set.fd_budget = rl.rlim_cur > 1024 ? (int)(rl.rlim_cur / 4) : 128;
	else
		p->set.fd_budget = 256;
	if (p->set.fd_budget > PROFILE_FD_BUDGET)
		p->set.fd_budget = PROFILE_FD_BUDGET;
again:
	if (perfset_attach(&p->set, cap, &err) < 0) {
		/* Kernel call chains need more privilege than user ones
		 * (perf_event_paranoid 2 without CAP_PERFMON): try without. */
		if ((err == EACCES || err == EPERM) && p->kernel && !retried) {
			perfset_reset(&p->set);
			p->kernel = 0;
			retried = 1;
			goto again;
		}
		profile_free(p);
		return capture_source_skip(cap, "perf_event_open (cpu-clock sampling) failed: %s%s", strerror(err),
					   err == EACCES || err == EPERM ?
					   " (needs CAP_PERFMON or CAP_SYS_ADMIN, or kernel.perf_event_paranoid <= 1)" : "");
	}
	if (p->set.threads == 0) {
		profile_free(p);
		return capture_source_skip(cap, "no target thread to attach to");
	}
	if (p->kernel) {
		char path[PATH_MAX];

		capture_path(cap, path, sizeof(path), "/proc/kallsyms");
		p->kfd = open(path, O_RDONLY | O_CLOEXEC);
		if (p->kfd < 0)
			snprintf(p->kt.state, sizeof(p->kt.state), "cannot read /proc/kallsyms: %s", strerror(errno));
	} else {
		snprintf(p->kt.state, sizeof(p->kt.state), "kernel frames not sampled (not permitted)");
	}
	capture_source_backend(cap, "perf cpu-clock", NULL);
	writer_manifest_setf(cap->w, "profile_hz", "%d", p->hz);
	writer_manifest_setf(cap->w, "profile_max_stack", "%d", p->max_stack);
	*state = p;
	return 0;
}

static int drain(struct profile *p, int64_t tick)
{
	p->tick = tick;
	perfset_drain(&p->set, profile_on_record, p);
	if (p->failed)
		return -1;
	profile_kallsyms_take(p, 0);
	if (p->npend && (p->knamed || !p->kthread_running))
		return profile_pend_flush(p);
	return 0;
}

static int profile_sample(struct capture *cap, void *state, int64_t tick)
{
	struct profile *p = state;
	int err = 0, before = p->set.threads;

	if (perfset_attach(&p->set, cap, &err) < 0)
		capture_event(cap, "warning", "profile: cannot attach to a new target: %s", strerror(err));
	if (p->set.threads != before)
		info("profile: attached to %d more threads", p->set.threads - before);
	if (drain(p, tick) < 0)
		return -1;
	return profile_write_tick(p, tick);
}

static const char *describe(struct profile *p)
{
	int bad = perfset_bad_rings(&p->set);

	snprintf(p->describe, sizeof(p->describe),
		 "cpu-clock at %d Hz, call chains by frame pointers (at most %d frames)%s; %d CPU rings of %d KiB, "
		 "%d threads attached; %llu samples, %llu lost, %llu truncated, %llu stopped at the leaf%s%s%s",
		 p->hz, p->max_stack, p->kernel ? ", kernel and user" : ", user only (kernel not permitted)",
		 p->set.ncpus, p->set.ring_pages * getpagesize() / 1024, p->set.threads,
		 (unsigned long long)p->total_samples, (unsigned long long)p->total_lost,
		 (unsigned long long)p->total_truncated, (unsigned long long)p->total_leaf_only,
		 p->set.threads_skipped ? "; threads over the fd budget not sampled" : "",
		 p->set.procs.pids_skipped ? "; processes beyond 256 not sampled" : "",
		 bad ? "; a ring became undecodable and was abandoned" : "");
	return p->describe;
}

static void profile_close(struct capture *cap, void *state)
{
	struct profile *p = state;

	if (!p)
		return;
	/* Stop the events, then take what they wrote last into the final
	 * tick, with the samples held back for the kernel names (waiting for
	 * them now). */
	perfset_disable(&p->set);
	profile_kallsyms_take(p, 1);
	if (cap->tick > 0 && !writer_capped(cap->w) && drain(p, cap->tick) == 0 &&
	    profile_write_counts(p, cap->tick, &p->counts) == 0) {
		/* The final tick's row exists: add to it. */
		sqlite3_stmt *st = writer_stmt(cap->w, "UPDATE profile_ticks SET samples = samples + ?, lost = lost + ?, "
					       "truncated = truncated + ?, leaf_only = leaf_only + ?, stray = stray + ?, "
					       "unnamed = unnamed + ? WHERE tick = ?");

		if (st) {
			sqlite3_bind_int64(st, 1, (int64_t)p->samples);
			sqlite3_bind_int64(st, 2, (int64_t)p->lost);
			sqlite3_bind_int64(st, 3, (int64_t)p->truncated);
			sqlite3_bind_int64(st, 4, (int64_t)p->leaf_only);
			sqlite3_bind_int64(st, 5, (int64_t)p->stray);
			sqlite3_bind_int64(st, 6, (int64_t)p->unnamed);
			sqlite3_bind_int64(st, 7, cap->tick);
			writer_step(cap->w, st);
		}
		p->total_samples += p->samples;
		p->total_lost += p->lost;
		p->total_truncated += p->truncated;
		p->total_leaf_only += p->leaf_only;
	}
	writer_manifest_set(cap->w, "profile", describe(p));
	writer_manifest_set(cap->w, "profile_kernel", p->kt.nksyms ? "named (kallsyms)" :
			    p->kt.state[0] ? p->kt.state : "no kernel frame seen");
	profile_free(p);
}

static const struct capture_option profile_options[] = {
	/* Above ~1000 Hz a sample's unwinding becomes a cost the target pays;
	 * 99 Hz costs within noise (BENCHMARKS.md). */
	{ .name = "profile-hz", .arg = "N", .help = "profile: on-CPU samples a second of each thread (default 99)",
	  .kind = CAPTURE_OPT_INT, .own = 1, .offset = offsetof(struct profile_opts, hz), .def = "99",
	  .min = 1, .max = 1000, .want = "a number from 1 to 1000" },
	{ .name = NULL },
};

const struct source profile_source = {
	.name = "profile",
	.summary = "on-CPU call stacks of every target thread (perf cpu-clock, frame pointers), named at capture time",
	.default_on = 1,
	.open = profile_open,
	.sample = profile_sample,
	.close = profile_close,
	.options = profile_options,
	.opts_size = sizeof(struct profile_opts),
};
