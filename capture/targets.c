#include "targets.h"

#include "proc/cgroupfs.h"
#include "error.h"
#include "parse.h"
#include "proc/procfs.h"
#include "redact.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int read_stat(const struct capture *cap, pid_t pid, struct proc_stat *ps)
{
	char path[512], buf[2048];
	ssize_t n;

	capture_path(cap, path, sizeof(path), "/proc/%d/stat", (int)pid);
	n = read_file(path, buf, sizeof(buf));
	if (n <= 0)
		return -1;
	return procfs_parse_stat(buf, (size_t)n, ps);
}

unsigned long long targets_start_ticks(const struct capture *cap, pid_t pid)
{
	struct proc_stat ps;

	return read_stat(cap, pid, &ps) ? 0 : ps.starttime;
}

unsigned long long targets_netns(const struct capture *cap, pid_t pid)
{
	char path[512];
	struct stat sb;

	capture_path(cap, path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	return stat(path, &sb) == 0 ? (unsigned long long)sb.st_ino : 0;
}

/* A target that called unshare(CLONE_NEWNET) or setns() now lives in
 * another network namespace: sources that enter or label by namespace
 * (sockets, netdev, packets) read tg->netns, so it must follow, and the
 * bundle must say when. A stat() costs about a microsecond a target. */
static int check_netns(struct capture *cap, struct target *tg)
{
	unsigned long long now = targets_netns(cap, tg->pid);

	/* 0: unreadable (no permission, or gone: the exit is seen next tick) */
	if (!now || now == tg->netns)
		return 0;
	if (!tg->netns) {
		tg->netns = now;
		return 0;
	}
	if (writer_event(cap->w, cap->tick, "netns_changed", NULL,
			 "pid %d moved from network namespace %llu to %llu",
			 (int)tg->pid, tg->netns, now))
		return -1;
	info("pid %d moved from network namespace %llu to %llu", (int)tg->pid, tg->netns, now);
	tg->netns = now;
	return 0;
}

static int has_target(const struct target_set *t, pid_t pid, unsigned long long start)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].pid == pid && t->v[i].start_ticks == start)
			return 1;
	return 0;
}

static struct target *add_target(struct target_set *t, pid_t pid, unsigned long long start, int child)
{
	struct target *tg;

	if (t->n == t->alloc) {
		int alloc = t->alloc ? t->alloc * 2 : 16;
		struct target *v = realloc(t->v, (size_t)alloc * sizeof(*v));

		if (!v)
			return NULL;
		t->v = v;
		t->alloc = alloc;
	}
	tg = &t->v[t->n++];
	memset(tg, 0, sizeof(*tg));
	tg->pid = pid;
	tg->start_ticks = start;
	tg->is_child = child;
	t->nalive++;
	return tg;
}

/* The whole cmdline is matched (a JVM's main class comes after a -cp of many
 * KiB), up to this bound; beyond it the match is on the first part, and said. */
#define NAME_CMDLINE_MAX (1u << 20)

/* comm or cmdline contains the pattern. */
static int name_matches(const struct capture *cap, pid_t pid, const char *pattern)
{
	char path[512], comm[256], *buf;
	ssize_t n;
	int cut, match;

	capture_path(cap, path, sizeof(path), "/proc/%d/comm", (int)pid);
	n = read_file(path, comm, sizeof(comm));
	if (n > 0 && strstr(comm, pattern))
		return 1;
	capture_path(cap, path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = read_file_alloc(path, NAME_CMDLINE_MAX, &buf, &cut);
	if (n <= 0) {
		free(buf);
		return 0;
	}
	if (cut)
		warning("cmdline of pid %d is longer than %u bytes: --name matched its first %u only",
			(int)pid, NAME_CMDLINE_MAX, NAME_CMDLINE_MAX);
	procfs_cmdline_clean(buf, (size_t)n);
	match = strstr(buf, pattern) != NULL;
	free(buf);
	return match;
}

/* The parent of pid read from PROC_DIR/PID/stat, 0 when unknown. */
static pid_t parent_of(const char *proc_dir, pid_t pid)
{
	char path[512], buf[2048];
	struct proc_stat ps;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%d/stat", proc_dir, (int)pid);
	n = read_file(path, buf, sizeof(buf));
	if (n <= 0 || procfs_parse_stat(buf, (size_t)n, &ps) || ps.ppid < 0)
		return 0;
	return (pid_t)ps.ppid;
}

/* --name must not pick the capture itself, the processes that started it
 * (`timeout 10 casefile-capture --name X`: timeout's cmdline holds X) or
 * what it started. Ancestors are read from the real /proc, where the capture
 * runs; a candidate's own ancestry from the (possibly relocated) root. The
 * walks are bounded: a pid chain is at most a few hundred long. */
static int is_own_lineage(const struct capture *cap, pid_t pid)
{
	char proc_dir[512];
	pid_t self = getpid(), p;
	int i;

	if (pid == self)
		return 1;
	for (p = getppid(), i = 0; p > 0 && i < 4096; p = parent_of("/proc", p), i++)
		if (p == pid)
			return 1;
	capture_path(cap, proc_dir, sizeof(proc_dir), "/proc");
	for (p = parent_of(proc_dir, pid), i = 0; p > 0 && i < 4096; p = parent_of(proc_dir, p), i++)
		if (p == self)
			return 1;
	return 0;
}

int targets_init(struct capture *cap)
{
	const struct capture_opts *o = cap->opts;
	struct target_set *t = &cap->targets;
	int i;

	for (i = 0; i < o->npids; i++) {
		unsigned long long st = targets_start_ticks(cap, o->pids[i]);

		if (!st) {
			error("no process with pid %d", (int)o->pids[i]);
			return -1;
		}
		if (!has_target(t, o->pids[i], st) && !add_target(t, o->pids[i], st, 0))
			return error("out of memory");
	}
	if (o->name_pattern) {
		char path[512];
		struct dirent *de;
		DIR *d;
		int found = 0;

		capture_path(cap, path, sizeof(path), "/proc");
		d = opendir(path);
		if (!d)
			return error_errno("cannot list '%s'", path);
		while ((de = readdir(d))) {
			pid_t pid;
			unsigned long long st;

			if (!isdigit((unsigned char)de->d_name[0]))
				continue;
			pid = (pid_t)atoi(de->d_name);
			if (!name_matches(cap, pid, o->name_pattern))
				continue;
			if (is_own_lineage(cap, pid)) {
				info("--name '%s' matches pid %d, which started this capture or was started by it: not captured",
				     o->name_pattern, (int)pid);
				continue;
			}
			st = targets_start_ticks(cap, pid);
			if (st && !has_target(t, pid, st)) {
				/* --max-targets bounds --name too: a pattern that
				 * matches thousands must not make the capture's cost
				 * grow with them. */
				if (t->n >= o->max_targets) {
					t->name_skipped++;
					continue;
				}
				if (!add_target(t, pid, st, 0)) {
					closedir(d);
					return error("out of memory");
				}
				found++;
			}
		}
		closedir(d);
		if (t->name_skipped)
			warning("--name '%s' matched %d more processes than --max-targets %d: they are not captured",
				o->name_pattern, t->name_skipped, o->max_targets);
		if (!found && !o->npids) {
			error("no process matches --name '%s'", o->name_pattern);
			return -1;
		}
	}
	if (!t->n)
		return error("no target: give --pid PID or --name PATTERN");
	return t->n;
}

static int64_t boot_wall_us(const struct capture *cap)
{
	static int64_t cached = -1;
	char path[512], *buf, *p;

	if (cached >= 0)
		return cached;
	cached = 0;
	capture_path(cap, path, sizeof(path), "/proc/stat");
	/* btime comes after the per-CPU and intr lines: tens of KiB on a host
	 * with many CPUs and interrupts, so the whole file is read (bounded). */
	if (read_file_alloc(path, 64u << 20, &buf, NULL) > 0 && (p = strstr(buf, "\nbtime ")))
		cached = atoll(p + 7) * 1000000LL;
	free(buf);
	return cached;
}

/* The whole cmdline (bounded; a cut is said in an event) into column idx. */
static int bind_cmdline(struct capture *cap, sqlite3_stmt *st, int idx, pid_t pid)
{
	char path[512], *buf, *red;
	size_t redsz;
	ssize_t n;
	int cut;

	capture_path(cap, path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	n = read_file_alloc(path, NAME_CMDLINE_MAX, &buf, &cut);
	if (n <= 0) {
		free(buf);
		return 0;
	}
	if (cut && writer_event(cap->w, cap->tick, "warning", NULL,
				"cmdline of pid %d is longer than %u bytes: its first %u are stored",
				(int)pid, NAME_CMDLINE_MAX, NAME_CMDLINE_MAX)) {
		free(buf);
		return -1;
	}
	procfs_cmdline_clean(buf, (size_t)n);
	/* --redact: hosts, addresses, tokens in arguments get pseudonyms, which
	 * may be longer than what they replace. */
	redsz = 4 * (size_t)n + 1024;
	red = malloc(redsz);
	if (!red) {
		free(buf);
		return error("out of memory");
	}
	sqlite3_bind_text(st, idx, capture_redact_str(cap, buf, red, redsz), -1, SQLITE_TRANSIENT);
	free(red);
	free(buf);
	return 0;
}

/* Inserts the processes row of a new target and records its id. */
static int write_process(struct capture *cap, struct target *tg)
{
	static const char sql[] =
		"INSERT INTO processes (pid, start_ticks, start_wall_us, ppid, uid, comm, cmdline, exe,"
		" cgroup, netns, role, first_tick) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)";
	char path[512], buf[8192], exe[4096];
	struct proc_stat ps;
	struct proc_status pst;
	struct cgroup_membership cgm;
	sqlite3_stmt *st;
	ssize_t n;
	long hz = sysconf(_SC_CLK_TCK);

	st = writer_stmt(cap->w, sql);
	if (!st)
		return -1;
	sqlite3_bind_int(st, 1, (int)tg->pid);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)tg->start_ticks);
	if (boot_wall_us(cap) && hz > 0)
		sqlite3_bind_int64(st, 3, boot_wall_us(cap) + (int64_t)(tg->start_ticks * 1000000ULL / (unsigned long)hz));
	if (read_stat(cap, tg->pid, &ps) == 0) {
		sqlite3_bind_int(st, 4, ps.ppid);
		sqlite3_bind_text(st, 6, ps.comm, -1, SQLITE_TRANSIENT);
	}
	capture_path(cap, path, sizeof(path), "/proc/%d/status", (int)tg->pid);
	n = read_file(path, buf, sizeof(buf));
	if (n > 0 && procfs_parse_status(buf, (size_t)n, &pst) == 0 && pst.uid >= 0)
		sqlite3_bind_int(st, 5, pst.uid);
	if (bind_cmdline(cap, st, 7, tg->pid))
		return -1;
	capture_path(cap, path, sizeof(path), "/proc/%d/exe", (int)tg->pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		sqlite3_bind_text(st, 8, exe, -1, SQLITE_TRANSIENT);
	}
	capture_path(cap, path, sizeof(path), "/proc/%d/cgroup", (int)tg->pid);
	n = read_file(path, buf, sizeof(buf));
	if (n > 0 && cgroup_parse_membership(buf, (size_t)n, &cgm) == 0) {
		/* On a v1 or hybrid host the cpu controller's path names the
		 * cgroup whose throttling matters; on v2 the unified path. */
		const char *cg = cgm.cpu[0] ? cgm.cpu : cgm.unified;

		sqlite3_bind_text(st, 9, cg, -1, SQLITE_TRANSIENT);
	}
	tg->netns = targets_netns(cap, tg->pid);
	if (tg->netns)
		sqlite3_bind_int64(st, 10, (sqlite3_int64)tg->netns);
	sqlite3_bind_text(st, 11, tg->is_child ? "child" : "target", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 12, cap->tick);
	if (writer_step(cap->w, st))
		return -1;
	tg->process_id = writer_last_id(cap->w);
	tg->first_tick = cap->tick;
	return 0;
}

static int mark_gone(struct capture *cap, struct target *tg, const char *why)
{
	static const char sql[] = "UPDATE processes SET exit_tick = ?, last_tick = ? WHERE id = ?";
	sqlite3_stmt *st = writer_stmt(cap->w, sql);

	tg->gone = 1;
	cap->targets.nalive--;
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, cap->tick);
	sqlite3_bind_int64(st, 2, cap->tick > 1 ? cap->tick - 1 : cap->tick);
	sqlite3_bind_int64(st, 3, tg->process_id);
	if (writer_step(cap->w, st))
		return -1;
	return writer_event(cap->w, cap->tick, "target_exited", NULL, "pid %d %s", (int)tg->pid, why);
}

/* Adds the children of pid listed in /proc/PID/task/TID/children. */
static int add_children(struct capture *cap, pid_t pid)
{
	char path[512], *buf = NULL;
	struct dirent *de;
	DIR *d;

	capture_path(cap, path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		ssize_t n;
		char *p, *end;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		capture_path(cap, path, sizeof(path), "/proc/%d/task/%s/children", (int)pid, de->d_name);
		free(buf);
		/* One pid per child: a parent of many thousands fills hundreds of KiB. */
		n = read_file_alloc(path, 16u << 20, &buf, NULL);
		if (n <= 0)
			continue;
		for (p = buf; *p; p = end) {
			long child = strtol(p, &end, 10);
			unsigned long long st;

			if (end == p)
				break;
			if (child <= 0)
				continue;
			st = targets_start_ticks(cap, (pid_t)child);
			if (!st || has_target(&cap->targets, (pid_t)child, st))
				continue;
			/* A target forking thousands of children must not make the
			 * capture's cost (and the bundle) grow without bound. */
			if (cap->targets.nalive >= cap->opts->max_targets) {
				if (!cap->targets.capped++)
					writer_event(cap->w, cap->tick, "warning", NULL,
						     "more than %d live processes to follow: further descendants are not captured (--max-targets)",
						     cap->opts->max_targets);
				continue;
			}
			if (!add_target(&cap->targets, (pid_t)child, st, 1)) {
				closedir(d);
				free(buf);
				return error("out of memory");
			}
		}
	}
	closedir(d);
	free(buf);
	return 0;
}

int targets_refresh(struct capture *cap)
{
	struct target_set *t = &cap->targets;
	int i, n;

	for (i = 0; i < t->n; i++) {
		struct target *tg = &t->v[i];
		unsigned long long st;

		if (tg->gone || !tg->process_id)
			continue;
		st = targets_start_ticks(cap, tg->pid);
		if (!st) {
			if (mark_gone(cap, tg, "exited"))
				return -1;
		} else if (st != tg->start_ticks) {
			if (mark_gone(cap, tg, "exited (its pid now names another process)"))
				return -1;
		} else if (check_netns(cap, tg)) {
			return -1;
		}
	}
	if (cap->opts->children) {
		n = t->n; /* children found now are scanned next tick */
		for (i = 0; i < n; i++)
			if (!t->v[i].gone && add_children(cap, t->v[i].pid))
				return -1;
	}
	for (i = 0; i < t->n; i++) {
		struct target *tg = &t->v[i];

		if (tg->process_id || tg->gone)
			continue;
		if (write_process(cap, tg))
			return -1;
		if (cap->tick > 1 || tg->is_child)
			writer_event(cap->w, cap->tick, "target_started", NULL, "pid %d (%s)",
				     (int)tg->pid, tg->is_child ? "descendant" : "target");
	}
	return t->nalive;
}

int targets_finish(struct capture *cap)
{
	static const char sql[] =
		"UPDATE processes SET last_tick = ? WHERE id = ? AND exit_tick IS NULL";
	int i;

	for (i = 0; i < cap->targets.n; i++) {
		sqlite3_stmt *st;

		if (!cap->targets.v[i].process_id)
			continue;
		st = writer_stmt(cap->w, sql);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, cap->tick);
		sqlite3_bind_int64(st, 2, cap->targets.v[i].process_id);
		if (writer_step(cap->w, st))
			return -1;
	}
	return 0;
}

void targets_release(struct target_set *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}
