/* The cgroup source: CPU usage and CFS throttling, memory usage and limit,
 * OOM events and pids of each cgroup holding a target, on v2 (unified) and
 * v1 hierarchies. On hybrid hosts the v1 controllers hold the numbers. */
#include "capture.h"

#include "cgroupfs.h"
#include "error.h"
#include "procfs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_CGROUPS 64

struct cg_entry {
	int version;
	char cpu_dir[1280], acct_dir[1280], mem_dir[1280], pids_dir[1280];
	int64_t id;                      /* cgroups.id */
};

struct cgroup_source {
	int v2;                          /* the unified hierarchy is mounted at /sys/fs/cgroup */
	char v1_cpu[64], v1_acct[64];    /* controller mount dirs, e.g. "cpu,cpuacct" */
	struct cg_entry cg[MAX_CGROUPS];
	int ncg;
	int64_t *target_cg;              /* per target index: index in cg[] + 1, 0 unknown, -1 none */
	int ntarget;
	long hz;
};

static int exists(const struct capture *cap, const char *rel)
{
	char path[1024];
	struct stat sb;

	capture_path(cap, path, sizeof(path), "%s", rel);
	return stat(path, &sb) == 0;
}

static int cgroup_open(struct capture *cap, void **state)
{
	struct cgroup_source *s = calloc(1, sizeof(*s));

	if (!s)
		return error("out of memory");
	s->hz = sysconf(_SC_CLK_TCK);
	*state = s;
	if (exists(cap, "/sys/fs/cgroup/cgroup.controllers")) {
		s->v2 = 1;
		capture_source_backend(cap, "v2", NULL);
		return 0;
	}
	/* v1 controllers are mounted one per directory, or co-mounted as "cpu,cpuacct". */
	if (exists(cap, "/sys/fs/cgroup/cpu"))
		snprintf(s->v1_cpu, sizeof(s->v1_cpu), "cpu");
	else if (exists(cap, "/sys/fs/cgroup/cpu,cpuacct"))
		snprintf(s->v1_cpu, sizeof(s->v1_cpu), "cpu,cpuacct");
	if (exists(cap, "/sys/fs/cgroup/cpuacct"))
		snprintf(s->v1_acct, sizeof(s->v1_acct), "cpuacct");
	else if (exists(cap, "/sys/fs/cgroup/cpu,cpuacct"))
		snprintf(s->v1_acct, sizeof(s->v1_acct), "cpu,cpuacct");
	if (!s->v1_cpu[0] && !exists(cap, "/sys/fs/cgroup/memory"))
		return capture_source_skip(cap, "no cgroup filesystem found under %s/sys/fs/cgroup",
					   cap->opts->root);
	capture_source_backend(cap, "v1", NULL);
	return 0;
}

/* Finds or adds the cgroup of one target; returns its index or -1. */
static int resolve(struct capture *cap, struct cgroup_source *s, const struct target *tg)
{
	static const char sql[] = "INSERT INTO cgroups (path, version, fs_path) VALUES (?,?,?)";
	struct cgroup_membership *m;
	struct cg_entry e;
	char path[512], buf[8192];
	sqlite3_stmt *st;
	ssize_t n;
	int i, rc = -1;

	m = malloc(sizeof(*m));
	if (!m)
		return -1;
	capture_path(cap, path, sizeof(path), "/proc/%d/cgroup", (int)tg->pid);
	n = read_file(path, buf, sizeof(buf));
	if (n <= 0 || cgroup_parse_membership(buf, (size_t)n, m))
		goto out;
	memset(&e, 0, sizeof(e));
	if (s->v2) {
		e.version = 2;
		capture_path(cap, e.cpu_dir, sizeof(e.cpu_dir), "/sys/fs/cgroup%s",
			     strcmp(m->unified, "/") ? m->unified : "");
		memcpy(e.acct_dir, e.cpu_dir, sizeof(e.acct_dir));
		memcpy(e.mem_dir, e.cpu_dir, sizeof(e.mem_dir));
		memcpy(e.pids_dir, e.cpu_dir, sizeof(e.pids_dir));
	} else {
		e.version = 1;
		if (s->v1_cpu[0])
			capture_path(cap, e.cpu_dir, sizeof(e.cpu_dir), "/sys/fs/cgroup/%s%s", s->v1_cpu, m->cpu);
		/* Usage comes from cpuacct, the quota and throttling from cpu:
		 * when the two are separate hierarchies and the target sits in
		 * different groups of them (cpu:/svc, cpuacct:/), the usage
		 * would be another set of processes' (the whole machine's at
		 * /): it is not recorded, and the path says so. */
		if (s->v1_acct[0] && (!s->v1_cpu[0] || !m->cpuacct[0] || !strcmp(m->cpuacct, m->cpu)))
			capture_path(cap, e.acct_dir, sizeof(e.acct_dir), "/sys/fs/cgroup/%s%s", s->v1_acct,
				     m->cpuacct[0] ? m->cpuacct : m->cpu);
		capture_path(cap, e.mem_dir, sizeof(e.mem_dir), "/sys/fs/cgroup/memory%s", m->memory);
		capture_path(cap, e.pids_dir, sizeof(e.pids_dir), "/sys/fs/cgroup/pids%s", m->pids);
	}
	for (i = 0; i < s->ncg; i++) {
		if (!strcmp(s->cg[i].cpu_dir, e.cpu_dir) && !strcmp(s->cg[i].mem_dir, e.mem_dir)) {
			rc = i;
			goto out;
		}
	}
	if (s->ncg == MAX_CGROUPS)
		goto out;
	st = writer_stmt(cap->w, sql);
	if (!st)
		goto out;
	if (e.version == 2) {
		sqlite3_bind_text(st, 1, m->unified, -1, SQLITE_TRANSIENT);
	} else {
		char desc[2200];

		char acct[1100] = "";

		/* v1 controllers can place a process in different groups. */
		if (s->v1_acct[0] && !e.acct_dir[0])
			snprintf(acct, sizeof(acct), " (cpuacct: %s; CPU usage not recorded: not the cpu group)",
				 m->cpuacct);
		if (strcmp(m->cpu, m->memory))
			snprintf(desc, sizeof(desc), "%s (memory: %s)%s", m->cpu, m->memory, acct);
		else
			snprintf(desc, sizeof(desc), "%s%s", m->cpu, acct);
		sqlite3_bind_text(st, 1, desc, -1, SQLITE_TRANSIENT);
	}
	sqlite3_bind_int(st, 2, e.version);
	sqlite3_bind_text(st, 3, e.cpu_dir[0] ? e.cpu_dir : e.mem_dir, -1, SQLITE_TRANSIENT);
	if (writer_step(cap->w, st))
		goto out;
	e.id = writer_last_id(cap->w);
	s->cg[s->ncg] = e;
	rc = s->ncg++;
out:
	free(m);
	return rc;
}

/* Reads DIR/FILE into buf; returns length or -1. */
static ssize_t read_in(const char *dir, const char *file, char *buf, size_t size)
{
	char path[1400];

	if (!dir[0])
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return read_file(path, buf, size);
}

static int64_t read_value(const char *dir, const char *file)
{
	char buf[64];
	ssize_t n = read_in(dir, file, buf, sizeof(buf));
	int64_t v;

	if (n <= 0 || cgroup_parse_value(buf, (size_t)n, &v))
		return -2;
	return v;
}

/* Binds v, NULL for "absent" (-2); "max"/unlimited (-1) is NULL too. */
static void bind_val(sqlite3_stmt *st, int idx, int64_t v)
{
	writer_bind_opt(st, idx, v);
}

static int sample_cgroup(struct capture *cap, struct cgroup_source *s, const struct cg_entry *e)
{
	static const char sql[] =
		"INSERT INTO cgroup_samples (tick, cgroup_id, cpu_usage_us, cpu_user_us, cpu_system_us,"
		" nr_periods, nr_throttled, throttled_us, cpu_quota_us, cpu_period_us, mem_usage_bytes,"
		" mem_limit_bytes, mem_peak_bytes, oom_events, oom_kills, pids_current)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	struct cgroup_cpu cpu;
	char buf[4096];
	int64_t quota = -1, period = -1, mem, limit, peak, oom = -1, kill = -1;
	sqlite3_stmt *st;
	ssize_t n;

	memset(&cpu, 0xff, sizeof(cpu));
	n = read_in(e->cpu_dir, "cpu.stat", buf, sizeof(buf));
	if (n > 0)
		cgroup_parse_cpu_stat(buf, (size_t)n, &cpu);
	if (e->version == 2) {
		n = read_in(e->cpu_dir, "cpu.max", buf, sizeof(buf));
		if (n > 0)
			cgroup_parse_cpu_max(buf, (size_t)n, &quota, &period);
		mem = read_value(e->mem_dir, "memory.current");
		limit = read_value(e->mem_dir, "memory.max");
		peak = read_value(e->mem_dir, "memory.peak");
		n = read_in(e->mem_dir, "memory.events", buf, sizeof(buf));
	} else {
		int64_t ns = read_value(e->acct_dir, "cpuacct.usage");

		if (ns >= 0)
			cpu.usage_us = ns / 1000;
		n = read_in(e->acct_dir, "cpuacct.stat", buf, sizeof(buf));
		if (n > 0)
			cgroup_parse_cpuacct_stat(buf, (size_t)n, s->hz, &cpu);
		quota = read_value(e->cpu_dir, "cpu.cfs_quota_us");
		period = read_value(e->cpu_dir, "cpu.cfs_period_us");
		mem = read_value(e->mem_dir, "memory.usage_in_bytes");
		limit = read_value(e->mem_dir, "memory.limit_in_bytes");
		peak = read_value(e->mem_dir, "memory.max_usage_in_bytes");
		n = read_in(e->mem_dir, "memory.oom_control", buf, sizeof(buf));
	}
	if (n > 0)
		cgroup_parse_memory_events(buf, (size_t)n, &oom, &kill);

	st = writer_stmt(cap->w, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, cap->tick);
	sqlite3_bind_int64(st, 2, e->id);
	bind_val(st, 3, cpu.usage_us);
	bind_val(st, 4, cpu.user_us);
	bind_val(st, 5, cpu.system_us);
	bind_val(st, 6, cpu.nr_periods);
	bind_val(st, 7, cpu.nr_throttled);
	bind_val(st, 8, cpu.throttled_us);
	bind_val(st, 9, quota);
	bind_val(st, 10, quota >= 0 ? period : -1);
	bind_val(st, 11, mem);
	bind_val(st, 12, limit);
	bind_val(st, 13, peak);
	bind_val(st, 14, oom);
	bind_val(st, 15, kill);
	bind_val(st, 16, read_value(e->pids_dir, "pids.current"));
	return writer_step(cap->w, st);
}

static int cgroup_sample(struct capture *cap, void *state, int64_t tick)
{
	struct cgroup_source *s = state;
	char used[MAX_CGROUPS] = { 0 };
	int i;

	(void)tick;
	if (cap->targets.n > s->ntarget) {
		int64_t *v = realloc(s->target_cg, (size_t)cap->targets.n * sizeof(*v));

		if (!v)
			return error("out of memory");
		for (i = s->ntarget; i < cap->targets.n; i++)
			v[i] = 0;
		s->target_cg = v;
		s->ntarget = cap->targets.n;
	}
	for (i = 0; i < cap->targets.n; i++) {
		if (cap->targets.v[i].gone)
			continue;
		if (s->target_cg[i] == 0) {
			int idx = resolve(cap, s, &cap->targets.v[i]);

			s->target_cg[i] = idx >= 0 ? idx + 1 : -1;
		}
		if (s->target_cg[i] > 0)
			used[s->target_cg[i] - 1] = 1;
	}
	for (i = 0; i < s->ncg; i++)
		if (used[i] && sample_cgroup(cap, s, &s->cg[i]))
			return -1;
	return 0;
}

static void cgroup_close(struct capture *cap, void *state)
{
	struct cgroup_source *s = state;

	(void)cap;
	free(s->target_cg);
	free(s);
}

const struct source cgroup_source = {
	.name = "cgroup",
	.summary = "CPU usage and throttling, memory usage and limit, OOM events (v1 and v2)",
	.default_on = 1,
	.open = cgroup_open,
	.sample = cgroup_sample,
	.close = cgroup_close,
};
