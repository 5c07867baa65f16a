/* The syscalls source: what `strace -c` shows, per tick, at a fraction of
 * its cost. Backends, in the order tried by --syscalls=auto:
 *
 *   bpf       in-kernel aggregation by eBPF programs on the same tracepoints
 *             (bpf.c): the same exact counters at a fraction of perf's
 *             cost per syscall; needs CAP_BPF and CAP_PERFMON
 *   perf      raw_syscalls tracepoints into ring buffers (perf.c): exact
 *             calls, errors and time per syscall; --syscalls=counts leaves
 *             out sys_enter (no time, about half the cost per syscall)
 *   pertask   (only when asked) counting perf events on the target's own
 *             threads (pertask.c): exact calls and errors, errno of the
 *             common failures (the rest as unknown), no time, and no tax
 *             on any other process; the sampling backend runs beside it
 *             for where threads wait
 *   sampling  /proc/PID/task/TID/syscall every --syscall-sample period
 *             (sample.c): where threads sit, stored as samples
 *   ptrace    only when asked for (ptrace.c), bounded to a window
 *
 * The sources table says which one ran and, for a fallback, why the better
 * one could not. The machine's clocksource goes into the manifest: it decides
 * whether clock_gettime and gettimeofday reach the kernel at all.
 */
#include "syscalls.h"

#include "error.h"
#include "parse.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum backend { B_BPF, B_PERF, B_PERTASK, B_SAMPLE, B_PTRACE };

struct syscalls {
	enum backend backend;
	struct sysagg agg;
	struct sysbpf *bpf;
	struct perfsys *perf;
	struct syspertask *pertask;
	struct syssample *sample;
	struct sysptrace *ptrace;
	int ptrace_reported;
	uint64_t lost_total;
};

/* Clocksources whose counter the vDSO reads in user space: with these,
 * clock_gettime and gettimeofday do not enter the kernel. */
int syscalls_vdso_clock(const char *clocksource)
{
	static const char *const vdso[] = { "tsc", "kvm-clock", "arch_sys_counter", "hyperv_clocksource_tsc_page" };
	size_t i;

	for (i = 0; i < sizeof(vdso) / sizeof(vdso[0]); i++)
		if (!strcmp(clocksource, vdso[i]))
			return 1;
	return 0;
}

static void record_clocksource(struct capture *cap)
{
	char path[PATH_MAX], cs[64] = "";
	FILE *f;

	capture_path(cap, path, sizeof(path), "/sys/devices/system/clocksource/clocksource0/current_clocksource");
	f = fopen(path, "re");
	if (f) {
		if (fgets(cs, sizeof(cs), f))
			cs[strcspn(cs, "\n")] = 0;
		fclose(f);
	}
	writer_manifest_set(cap->w, "syscall_arch", syscall_arch());
	if (!*cs) {
		writer_manifest_set(cap->w, "clocksource", "unknown");
		writer_manifest_set(cap->w, "vdso_clock", "unknown");
		return;
	}
	writer_manifest_set(cap->w, "clocksource", cs);
	writer_manifest_set(cap->w, "vdso_clock", syscalls_vdso_clock(cs) ? "yes" : "no");
}

static int write_names(struct capture *cap)
{
	sqlite3_stmt *st = writer_stmt(cap->w, "INSERT OR REPLACE INTO syscall_names (nr, name) VALUES (?, ?)");
	long nr;

	if (!st)
		return -1;
	for (nr = 0; nr < 4096; nr++) {
		const char *name = syscall_name(nr);

		if (!name)
			continue;
		sqlite3_bind_int64(st, 1, nr);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		if (writer_step(cap->w, st) < 0)
			return -1;
		sqlite3_reset(st);
	}
	return 0;
}

/* Frees a source that will not run (close is not called then). */
static int give_up(struct syscalls *s, int ret)
{
	sysagg_release(&s->agg);
	free(s);
	return ret;
}

static int start_ptrace(struct capture *cap, struct syscalls *s)
{
	char why[512] = "";
	char win[32];

	format_duration_us(cap->opts->ptrace_window_us, win, sizeof(win));
	warning("--syscalls=ptrace stops every thread of the target twice per syscall: "
		"expect it to run 25x-55x slower for the next %s", win);
	s->ptrace = sysptrace_open(cap, &s->agg, why, sizeof(why));
	if (!s->ptrace)
		return give_up(s, capture_source_skip(cap, "ptrace: %s", why));
	s->backend = B_PTRACE;
	capture_source_backend(cap, "ptrace", NULL);
	capture_event(cap, "warning", "ptrace backend attached for %s: the target runs much slower meanwhile", win);
	return 0;
}

/* Counts from per-task counters, and where threads wait from sampling
 * /proc (the counters carry no time). */
static int start_pertask(struct capture *cap, struct syscalls *s)
{
	char why[512] = "", why_sample[512] = "";
	sqlite3_stmt *st;

	s->pertask = syspertask_open(cap, &s->agg, why, sizeof(why));
	if (!s->pertask)
		return give_up(s, capture_source_skip(cap, "pertask: %s", why));
	st = writer_stmt(cap->w, "INSERT OR REPLACE INTO syscall_names (nr, name) VALUES (?, 'other')");
	if (!st)
		goto fail;
	sqlite3_bind_int64(st, 1, SYSAGG_OTHER);
	if (writer_step(cap->w, st) < 0)
		goto fail;
	sqlite3_reset(st);
	s->sample = syssample_open(cap, &s->agg, why_sample, sizeof(why_sample));
	if (!s->sample)
		info("syscalls: pertask without sampling (%s): no time at all", why_sample);
	s->backend = B_PERTASK;
	capture_source_backend(cap, "pertask", NULL);
	writer_manifest_set(cap->w, "syscalls_pertask", syspertask_describe(s->pertask));
	return 0;
fail:
	syspertask_close(s->pertask);
	syssample_close(s->sample);
	s->pertask = NULL;
	s->sample = NULL;
	return give_up(s, -1);
}

static int syscalls_open(struct capture *cap, void **state)
{
	const char *want = cap->opts->syscalls_backend ? cap->opts->syscalls_backend : "auto";
	struct syscalls *s;
	char why_bpf[512] = "", why_perf[512] = "", why_sample[512] = "";
	int ret;

	record_clocksource(cap);
	if (strcmp(want, "auto") && strcmp(want, "bpf") && strcmp(want, "perf") && strcmp(want, "counts") &&
	    strcmp(want, "pertask") && strcmp(want, "sample") && strcmp(want, "sampling") && strcmp(want, "ptrace"))
		return capture_source_skip(cap, "unknown --syscalls backend '%s' (auto, bpf, perf, counts, pertask, "
					   "sample, ptrace)", want);
	s = calloc(1, sizeof(*s));
	if (!s || sysagg_init(&s->agg, 16384) < 0) {
		free(s);
		return error("cannot allocate the syscalls source");
	}
	if (write_names(cap) < 0)
		return give_up(s, -1);

	if (!strcmp(want, "ptrace")) {
		ret = start_ptrace(cap, s);
		if (ret == 0)
			*state = s;
		return ret;
	}

	if (!strcmp(want, "pertask")) {
		ret = start_pertask(cap, s);
		if (ret == 0)
			*state = s;
		return ret;
	}

	if (!strcmp(want, "auto") || !strcmp(want, "bpf")) {
		s->bpf = sysbpf_open(cap, &s->agg, why_bpf, sizeof(why_bpf));
		if (s->bpf) {
			s->backend = B_BPF;
			capture_source_backend(cap, "bpf", NULL);
			writer_manifest_set(cap->w, "syscalls_bpf", sysbpf_describe(s->bpf));
			*state = s;
			return 0;
		}
		if (strcmp(want, "auto"))
			return give_up(s, capture_source_skip(cap, "bpf: %s", why_bpf));
		info("syscalls: bpf backend not usable (%s): trying perf", why_bpf);
	}

	if (!strcmp(want, "auto") || !strcmp(want, "perf") || !strcmp(want, "counts")) {
		s->perf = perfsys_open(cap, &s->agg, strcmp(want, "counts") != 0, why_perf, sizeof(why_perf));
		if (s->perf) {
			char reason[1100];

			s->backend = B_PERF;
			snprintf(reason, sizeof(reason), "bpf not usable (%s): perf ring buffers instead (~0.3 us "
				 "more per syscall)", why_bpf);
			capture_source_backend(cap, "perf", *why_bpf ? reason : NULL);
			writer_manifest_set(cap->w, "syscalls_perf", perfsys_describe(s->perf));
			*state = s;
			return 0;
		}
		if (strcmp(want, "auto"))
			return give_up(s, capture_source_skip(cap, "perf: %s", why_perf));
	}

	s->sample = syssample_open(cap, &s->agg, why_sample, sizeof(why_sample));
	if (s->sample) {
		char reason[1100];

		s->backend = B_SAMPLE;
		if (*why_perf) {
			snprintf(reason, sizeof(reason),
				 "%s%s%sperf not usable (%s): sampling /proc/PID/task/*/syscall every %lld us instead, "
				 "samples of where threads wait, not call counts; ptrace only with --syscalls=ptrace",
				 *why_bpf ? "bpf not usable (" : "", why_bpf, *why_bpf ? "); " : "", why_perf, (long long)cap->opts->syscall_sample_us);
			warning("syscalls: %s", reason);
			capture_source_backend(cap, "sampling", reason);
		} else {
			capture_source_backend(cap, "sampling", NULL);
		}
		*state = s;
		return 0;
	}
	ret = capture_source_skip(cap, "%s%s%ssampling: %s", *why_perf ? "perf: " : "", why_perf,
				  *why_perf ? "; " : "", why_sample);
	return give_up(s, ret);
}

static int64_t process_id_of(struct capture *cap, int32_t pid)
{
	int i;

	for (i = cap->targets.n - 1; i >= 0; i--)
		if (cap->targets.v[i].pid == pid)
			return cap->targets.v[i].process_id;
	return -1;
}

static int cmp_pid_nr_tid(const void *a, const void *b)
{
	const struct sysagg_entry *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->nr != y->nr)
		return x->nr < y->nr ? -1 : 1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

static int cmp_pid_tid(const void *a, const void *b)
{
	const struct sysagg_entry *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

static int cmp_err(const void *a, const void *b)
{
	const struct sysagg_err *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->nr != y->nr)
		return x->nr < y->nr ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return (x->err > y->err) - (x->err < y->err);
}

/* Compacts the used slots of an open-addressing table to its front. */
static size_t compact_entries(struct sysagg_entry *v, size_t cap)
{
	size_t i, n = 0;

	for (i = 0; i < cap; i++)
		if (v[i].tid)
			v[n++] = v[i];
	return n;
}

static int write_counts(struct capture *cap, int64_t tick, struct systable *t)
{
	sqlite3_stmt *st;
	size_t n = compact_entries(t->v, t->cap), i, j;

	if (!n)
		return 0;
	qsort(t->v, n, sizeof(*t->v), cmp_pid_nr_tid);
	st = writer_stmt(cap->w, "INSERT INTO syscall_counts (tick, process_id, pid, nr, calls, errors, "
			 "total_ns, max_ns, timed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	for (i = 0; i < n; i = j) {
		struct sysagg_entry sum = t->v[i];

		for (j = i + 1; j < n && t->v[j].pid == sum.pid && t->v[j].nr == sum.nr; j++) {
			sum.calls += t->v[j].calls;
			sum.errors += t->v[j].errors;
			sum.total_ns += t->v[j].total_ns;
			sum.timed += t->v[j].timed;
			if (t->v[j].max_ns > sum.max_ns)
				sum.max_ns = t->v[j].max_ns;
		}
		sqlite3_bind_int64(st, 1, tick);
		writer_bind_opt(st, 2, process_id_of(cap, sum.pid));
		sqlite3_bind_int64(st, 3, sum.pid);
		sqlite3_bind_int64(st, 4, sum.nr);
		sqlite3_bind_int64(st, 5, (int64_t)sum.calls);
		sqlite3_bind_int64(st, 6, (int64_t)sum.errors);
		sqlite3_bind_int64(st, 7, (int64_t)sum.total_ns);
		sqlite3_bind_int64(st, 8, (int64_t)sum.max_ns);
		sqlite3_bind_int64(st, 9, (int64_t)sum.timed);
		if (writer_step(cap->w, st) < 0)
			return -1;
		sqlite3_reset(st);
	}

	qsort(t->v, n, sizeof(*t->v), cmp_pid_tid);
	st = writer_stmt(cap->w, "INSERT INTO syscall_thread_counts (tick, process_id, pid, tid, calls, "
			 "errors, total_ns) VALUES (?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	for (i = 0; i < n; i = j) {
		struct sysagg_entry sum = t->v[i];

		for (j = i + 1; j < n && t->v[j].pid == sum.pid && t->v[j].tid == sum.tid; j++) {
			sum.calls += t->v[j].calls;
			sum.errors += t->v[j].errors;
			sum.total_ns += t->v[j].total_ns;
		}
		sqlite3_bind_int64(st, 1, tick);
		writer_bind_opt(st, 2, process_id_of(cap, sum.pid));
		sqlite3_bind_int64(st, 3, sum.pid);
		sqlite3_bind_int64(st, 4, sum.tid);
		sqlite3_bind_int64(st, 5, (int64_t)sum.calls);
		sqlite3_bind_int64(st, 6, (int64_t)sum.errors);
		sqlite3_bind_int64(st, 7, (int64_t)sum.total_ns);
		if (writer_step(cap->w, st) < 0)
			return -1;
		sqlite3_reset(st);
	}
	return 0;
}

static int write_errors(struct capture *cap, int64_t tick, struct systable *t)
{
	sqlite3_stmt *st;
	size_t i, n = 0, k = 0;

	for (i = 0; i < t->ecap; i++)
		if (t->e[i].err)
			t->e[n++] = t->e[i];
	if (!n)
		return 0;
	qsort(t->e, n, sizeof(*t->e), cmp_err);
	st = writer_stmt(cap->w, "INSERT INTO syscall_errors (tick, process_id, pid, nr, errno, errno_name, count) "
			 "VALUES (?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	for (i = 0; i < n; i++) {
		const char *name;

		k = (i > 0 && t->e[i].pid == t->e[i - 1].pid && t->e[i].nr == t->e[i - 1].nr) ? k + 1 : 0;
		if (k >= 5)
			continue;
		/* Errors of no known errno: errno 0, no name (never a guess). */
		name = t->e[i].err > 0 ? strerrorname_np(t->e[i].err) : NULL;
		sqlite3_bind_int64(st, 1, tick);
		writer_bind_opt(st, 2, process_id_of(cap, t->e[i].pid));
		sqlite3_bind_int64(st, 3, t->e[i].pid);
		sqlite3_bind_int64(st, 4, t->e[i].nr);
		sqlite3_bind_int64(st, 5, t->e[i].err > 0 ? t->e[i].err : 0);
		if (name)
			sqlite3_bind_text(st, 6, name, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 6);
		sqlite3_bind_int64(st, 7, (int64_t)t->e[i].count);
		if (writer_step(cap->w, st) < 0)
			return -1;
		sqlite3_reset(st);
	}
	return 0;
}

static int write_samples(struct capture *cap, int64_t tick, struct systable *t)
{
	sqlite3_stmt *st;
	size_t i;

	if (!t->sn)
		return 0;
	st = writer_stmt(cap->w, "INSERT INTO syscall_samples (tick, process_id, pid, state, nr, samples, rounds) "
			 "VALUES (?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	for (i = 0; i < t->scap; i++) {
		const struct sysagg_sample *s = &t->s[i];

		if (!s->pid)
			continue;
		sqlite3_bind_int64(st, 1, tick);
		writer_bind_opt(st, 2, process_id_of(cap, s->pid));
		sqlite3_bind_int64(st, 3, s->pid);
		sqlite3_bind_text(st, 4, s->nr >= 0 ? "syscall" : s->nr == SYSAGG_RUNNING ? "running" : "user",
				  -1, SQLITE_STATIC);
		writer_bind_opt(st, 5, s->nr);
		sqlite3_bind_int64(st, 6, (int64_t)s->samples);
		sqlite3_bind_int64(st, 7, (int64_t)t->rounds);
		if (writer_step(cap->w, st) < 0)
			return -1;
		sqlite3_reset(st);
	}
	return 0;
}

static const char *backend_name(const struct syscalls *s)
{
	return s->backend == B_BPF ? "bpf" : s->backend == B_PERF ? "perf" : s->backend == B_PERTASK ? "pertask" :
	       s->backend == B_SAMPLE ? "sampling" : "ptrace";
}

/* Writes and forgets the counters gathered since the last call. */
static int flush(struct capture *cap, struct syscalls *s, int64_t tick)
{
	struct systable *t = sysagg_take(&s->agg);
	sqlite3_stmt *st;
	int ret = -1;

	if (!t)
		return -1;
	if (write_counts(cap, tick, t) < 0 || write_errors(cap, tick, t) < 0 ||
	    write_samples(cap, tick, t) < 0)
		goto out;
	st = writer_stmt(cap->w, "INSERT INTO syscall_ticks (tick, backend, events, lost, dropped, rounds) "
			 "VALUES (?, ?, ?, ?, ?, ?)");
	if (!st)
		goto out;
	sqlite3_bind_int64(st, 1, tick);
	sqlite3_bind_text(st, 2, backend_name(s), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)t->events);
	sqlite3_bind_int64(st, 4, (int64_t)t->lost);
	sqlite3_bind_int64(st, 5, (int64_t)t->dropped);
	sqlite3_bind_int64(st, 6, (int64_t)t->rounds);
	if (writer_step(cap->w, st) < 0)
		goto out;
	if (t->lost) {
		s->lost_total += t->lost;
		capture_event(cap, "drops", "%llu syscall records lost (ring buffer full); counts of this tick are low",
			      (unsigned long long)t->lost);
	}
	if (t->dropped)
		capture_event(cap, "drops", "%llu syscall updates dropped: counter tables full",
			      (unsigned long long)t->dropped);
	ret = 0;
out:
	sysagg_done(&s->agg, t);
	return ret;
}

static int syscalls_sample(struct capture *cap, void *state, int64_t tick)
{
	struct syscalls *s = state;

	if (s->bpf)
		sysbpf_refresh(s->bpf, cap);
	if (s->perf)
		perfsys_refresh(s->perf, cap);
	if (s->pertask)
		syspertask_refresh(s->pertask, cap);
	if (s->sample)
		syssample_refresh(s->sample, cap);
	if (s->ptrace && !s->ptrace_reported && sysptrace_done(s->ptrace)) {
		s->ptrace_reported = 1;
		capture_event(cap, "warning", "ptrace window over: every thread detached, no more syscall counts");
	}
	return flush(cap, s, tick);
}

static void syscalls_close(struct capture *cap, void *state)
{
	struct syscalls *s = state;

	if (!s)
		return;
	/* Stop the backends first: their last records land in the final
	 * tick, so a capture that ends after its target's work counts all
	 * of it. */
	if (s->bpf) {
		writer_manifest_set(cap->w, "syscalls_bpf", sysbpf_describe(s->bpf));
		sysbpf_close(s->bpf);
	}
	if (s->perf) {
		writer_manifest_set(cap->w, "syscalls_perf", perfsys_describe(s->perf));
		perfsys_close(s->perf);
	}
	if (s->pertask) {
		writer_manifest_set(cap->w, "syscalls_pertask", syspertask_describe(s->pertask));
		syspertask_close(s->pertask);
	}
	syssample_close(s->sample);
	sysptrace_close(s->ptrace);
	if (s->agg.live.v && cap->tick > 0)
		flush(cap, s, cap->tick);
	sysagg_release(&s->agg);
	free(s);
}

static const char *const syscalls_backends[] = { "auto", "bpf", "perf", "counts", "pertask", "sample", "ptrace", NULL };

static const struct capture_option syscalls_options[] = {
	{ .name = "syscalls", .arg = "BACKEND",
	  .help = "syscalls: auto (default: bpf, else perf, else sample), bpf (in-kernel\n"
		  "counts; every syscall on the node ~13% dearer), perf, counts\n"
		  "(perf without time; neither taxes others), pertask\n"
		  "(per-task counters: cheapest for the target, ~5% on other\n"
		  "processes' common syscalls; no time, errno of common\n"
		  "failures), sample, or ptrace (slow; bounded)",
	  .kind = CAPTURE_OPT_CHOICE, .choices = syscalls_backends,
	  .offset = offsetof(struct capture_opts, syscalls_backend), .def = "auto",
	  .want = "auto, bpf, perf, counts, pertask, sample or ptrace" },
	{ .name = "syscall-sample", .arg = "DUR", .help = "syscalls: sampling period of the fallback (default 10ms)",
	  .kind = CAPTURE_OPT_DURATION, .offset = offsetof(struct capture_opts, syscall_sample_us),
	  .def = "10ms", .want = "a duration" },
	{ .name = "ptrace-window", .arg = "DUR", .help = "syscalls: how long --syscalls=ptrace traces (default 5s)",
	  .kind = CAPTURE_OPT_DURATION, .offset = offsetof(struct capture_opts, ptrace_window_us),
	  .def = "5s", .max = 60 * 1000000LL, .want = "a duration up to 60s" },
	{ .name = NULL },
};

/* Below this, a sampling round of /proc/PID/task/TID/syscall costs more than
 * the period on a target of a few hundred threads. */
#define SYSCALL_SAMPLE_MIN_US 1000

/* Every bound holds whatever the flags: said once here rather than found
 * out later. */
static int syscalls_check_opts(struct capture_opts *o)
{
	if (o->syscall_sample_us > 0 && o->syscall_sample_us < SYSCALL_SAMPLE_MIN_US) {
		warning("--syscall-sample %lldus is below %dms: using %dms (each round reads every "
			"thread's /proc file)", (long long)o->syscall_sample_us,
			SYSCALL_SAMPLE_MIN_US / 1000, SYSCALL_SAMPLE_MIN_US / 1000);
		o->syscall_sample_us = SYSCALL_SAMPLE_MIN_US;
	}
	return 0;
}

const struct source syscalls_source = {
	.name = "syscalls",
	.summary = "calls, errors and time per syscall (eBPF in-kernel counts; perf tracepoints, /proc sampling fallbacks)",
	.default_on = 1,
	.open = syscalls_open,
	.sample = syscalls_sample,
	.close = syscalls_close,
	.options = syscalls_options,
	.check_opts = syscalls_check_opts,
};
