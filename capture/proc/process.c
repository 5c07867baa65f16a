/* The process source: per target, per tick, CPU, memory, fds, context
 * switches and I/O from /proc/PID/{stat,status,io,limits,smaps_rollup}, and
 * per-thread CPU from /proc/PID/task/TID/stat.
 *
 * Files read every tick are kept open and re-read with pread, about 3x cheaper
 * than open+read+close (bench-peers.md §5). smaps_rollup walks page tables
 * (~5 ms per GiB resident), so it is read only every --smaps-interval.
 */
#include "capture.h"

#include "error.h"
#include "procfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

struct thread_ent {
	int tid;
	unsigned long long start;
	int64_t id;                      /* threads.id */
	int64_t seen_tick;
};

struct proc_state {
	int fd_stat, fd_status, fd_io, fd_statm;
	int64_t last_smaps_us;
	int64_t fd_limit;
	int64_t limits_tick;
	int fd_count_by_size;            /* 1: stat(fd dir).st_size works (6.2+), 0 no, -1 untested */
	struct thread_ent *threads;
	int nthreads, athreads;
	int warned_threads;
};

struct process_source {
	struct proc_state *v;            /* parallel to cap->targets.v */
	int n;
	long hz;
	long page;
};

/* Clock ticks to µs, -1 (stored as NULL) for values no kernel writes. */
static int64_t ticks_us(int64_t v, long hz)
{
	if (v < 0 || v > INT64_MAX / 1000000)
		return -1;
	return v * 1000000 / hz;
}

static int open_ro(const struct capture *cap, pid_t pid, const char *file)
{
	char path[512];

	capture_path(cap, path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return open(path, O_RDONLY | O_CLOEXEC);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void state_release(struct proc_state *ps)
{
	close_fd(&ps->fd_stat);
	close_fd(&ps->fd_status);
	close_fd(&ps->fd_io);
	close_fd(&ps->fd_statm);
	free(ps->threads);
	ps->threads = NULL;
	ps->nthreads = ps->athreads = 0;
}

static int process_open(struct capture *cap, void **state)
{
	struct process_source *s = calloc(1, sizeof(*s));

	if (!s)
		return error("out of memory");
	s->hz = sysconf(_SC_CLK_TCK);
	s->page = sysconf(_SC_PAGESIZE);
	if (s->hz <= 0)
		s->hz = 100;
	*state = s;
	capture_source_backend(cap, "procfs", NULL);
	return 0;
}

static int grow_states(struct process_source *s, int n)
{
	struct proc_state *v;
	int i;

	if (n <= s->n)
		return 0;
	v = realloc(s->v, (size_t)n * sizeof(*v));
	if (!v)
		return error("out of memory");
	for (i = s->n; i < n; i++) {
		memset(&v[i], 0, sizeof(v[i]));
		v[i].fd_stat = v[i].fd_status = v[i].fd_io = v[i].fd_statm = -1;
		v[i].fd_count_by_size = -1;
	}
	s->v = v;
	s->n = n;
	return 0;
}

/* Counts open fds. Since 6.2, stat() of /proc/PID/fd reports the count in
 * st_size in ~2 µs where reading the directory takes ms at 10k fds. */
static int64_t count_fds(const struct capture *cap, struct proc_state *ps, pid_t pid)
{
	char path[512];
	struct stat sb;
	struct dirent *de;
	DIR *d;
	int64_t n = 0;

	capture_path(cap, path, sizeof(path), "/proc/%d/fd", (int)pid);
	if (ps->fd_count_by_size == -1) {
		/* Only procfs reports a count there; a fixture tree's directory
		 * size is a block size. */
		struct statfs sf;

		if (statfs(path, &sf) != 0 || sf.f_type != PROC_SUPER_MAGIC)
			ps->fd_count_by_size = 0;
	}
	if (ps->fd_count_by_size != 0) {
		if (stat(path, &sb) != 0)
			return -1;
		if (sb.st_size > 0) {
			ps->fd_count_by_size = 1;
			return sb.st_size;
		}
		/* Older kernels report 0: fall back to counting, for good. */
		ps->fd_count_by_size = 0;
	}
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Returns the soft fd limit (-1 when unknown); on the first call also stores
 * every limit, and sets *failed when the writer refused a row (size cap, disk
 * full): the tick must then be rolled back, not committed without them. */
static int64_t limits_fd(const struct capture *cap, pid_t pid, int64_t process_id, int first,
			 int *failed)
{
	static const char sql[] =
		"INSERT INTO process_limits (process_id, name, soft, hard, unit) VALUES (?,?,?,?,?)";
	char path[512], buf[4096];
	struct proc_limits lim;
	ssize_t n;
	int i;

	capture_path(cap, path, sizeof(path), "/proc/%d/limits", (int)pid);
	n = read_file(path, buf, sizeof(buf));
	if (n <= 0 || procfs_parse_limits(buf, (size_t)n, &lim))
		return -1;
	for (i = 0; first && i < lim.n; i++) {
		sqlite3_stmt *st = writer_stmt(cap->w, sql);

		if (!st)
			break;
		sqlite3_bind_int64(st, 1, process_id);
		sqlite3_bind_text(st, 2, lim.v[i].name, -1, SQLITE_TRANSIENT);
		writer_bind_opt(st, 3, lim.v[i].soft);
		writer_bind_opt(st, 4, lim.v[i].hard);
		sqlite3_bind_text(st, 5, lim.v[i].unit, -1, SQLITE_TRANSIENT);
		if (writer_step(cap->w, st)) {
			*failed = 1;
			break;
		}
	}
	return proc_limits_soft(&lim, "Max open files");
}

static struct thread_ent *thread_find(struct proc_state *ps, int tid, unsigned long long start)
{
	int i;

	for (i = 0; i < ps->nthreads; i++)
		if (ps->threads[i].tid == tid && ps->threads[i].start == start)
			return &ps->threads[i];
	return NULL;
}

/* Whether thread te (same tid, same start time) still runs in pid. */
static int thread_alive(const struct capture *cap, pid_t pid, const struct thread_ent *te)
{
	char path[512], buf[2048];
	struct proc_stat pst;
	ssize_t n;

	capture_path(cap, path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, te->tid);
	n = read_file(path, buf, sizeof(buf));
	return n > 0 && procfs_parse_stat(buf, (size_t)n, &pst) == 0 && pst.starttime == te->start;
}

static int sample_threads(struct capture *cap, struct process_source *s, struct proc_state *ps,
			  const struct target *tg)
{
	static const char ins_thread[] =
		"INSERT INTO threads (process_id, tid, start_ticks, comm, first_tick) VALUES (?,?,?,?,?)";
	static const char ins_sample[] =
		"INSERT INTO thread_samples (tick, thread_id, state, utime_us, stime_us) VALUES (?,?,?,?,?)";
	static const char upd_exit[] = "UPDATE threads SET exit_tick = ?, last_tick = ? WHERE id = ?";
	char path[512], buf[2048];
	struct dirent *de;
	DIR *d;
	int sampled = 0, i;

	capture_path(cap, path, sizeof(path), "/proc/%d/task", (int)tg->pid);
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		struct proc_stat pst;
		struct thread_ent *te;
		sqlite3_stmt *st;
		ssize_t n;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (sampled >= cap->opts->max_threads) {
			if (!ps->warned_threads) {
				ps->warned_threads = 1;
				capture_event(cap, "warning", "pid %d has more than %d threads; per-thread samples limited to %d (--max-threads)",
					      (int)tg->pid, cap->opts->max_threads, cap->opts->max_threads);
			}
			break;
		}
		capture_path(cap, path, sizeof(path), "/proc/%d/task/%s/stat", (int)tg->pid, de->d_name);
		n = read_file(path, buf, sizeof(buf));
		if (n <= 0 || procfs_parse_stat(buf, (size_t)n, &pst))
			continue;
		te = thread_find(ps, pst.pid, pst.starttime);
		if (!te) {
			if (ps->nthreads == ps->athreads) {
				int a = ps->athreads ? ps->athreads * 2 : 16;
				struct thread_ent *v = realloc(ps->threads, (size_t)a * sizeof(*v));

				if (!v) {
					closedir(d);
					return error("out of memory");
				}
				ps->threads = v;
				ps->athreads = a;
			}
			te = &ps->threads[ps->nthreads++];
			te->tid = pst.pid;
			te->start = pst.starttime;
			st = writer_stmt(cap->w, ins_thread);
			if (!st)
				break;
			sqlite3_bind_int64(st, 1, tg->process_id);
			sqlite3_bind_int(st, 2, pst.pid);
			sqlite3_bind_int64(st, 3, (sqlite3_int64)pst.starttime);
			sqlite3_bind_text(st, 4, pst.comm, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(st, 5, cap->tick);
			if (writer_step(cap->w, st)) {
				closedir(d);
				return -1;
			}
			te->id = writer_last_id(cap->w);
		}
		te->seen_tick = cap->tick;
		st = writer_stmt(cap->w, ins_sample);
		if (!st)
			break;
		sqlite3_bind_int64(st, 1, cap->tick);
		sqlite3_bind_int64(st, 2, te->id);
		sqlite3_bind_text(st, 3, &pst.state, 1, SQLITE_TRANSIENT);
		writer_bind_opt(st, 4, ticks_us(pst.utime, s->hz));
		writer_bind_opt(st, 5, ticks_us(pst.stime, s->hz));
		if (writer_step(cap->w, st)) {
			closedir(d);
			return -1;
		}
		sampled++;
	}
	closedir(d);
	/* Threads not seen this tick have exited: record it and forget them.
	 * When --max-threads cut the listing short, one not seen may only have
	 * been past the cut: ask /proc about it. Keeping every unseen thread
	 * instead (as before) grew this table, and the lookups over it, with
	 * every exit of a sampled thread for as long as the capture ran. */
	for (i = 0; i < ps->nthreads; ) {
		struct thread_ent *te = &ps->threads[i];

		if (te->seen_tick == cap->tick ||
		    (sampled >= cap->opts->max_threads && thread_alive(cap, tg->pid, te))) {
			i++;
			continue;
		}
		{
			sqlite3_stmt *st = writer_stmt(cap->w, upd_exit);

			if (!st)
				return -1;
			sqlite3_bind_int64(st, 1, cap->tick);
			sqlite3_bind_int64(st, 2, te->seen_tick);
			sqlite3_bind_int64(st, 3, te->id);
			if (writer_step(cap->w, st))
				return -1;
		}
		ps->threads[i] = ps->threads[--ps->nthreads];
	}
	return 0;
}

static int sample_one(struct capture *cap, struct process_source *s, struct proc_state *ps,
		      const struct target *tg)
{
	static const char sql[] =
		"INSERT INTO process_samples (tick, process_id, state, utime_us, stime_us, rss_bytes,"
		" vm_bytes, pss_bytes, swap_bytes, num_threads, fds, fd_limit, vol_ctxt, invol_ctxt,"
		" minflt, majflt, rchar, wchar, syscr, syscw, read_bytes, write_bytes)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	/* status ends with the context switches, after Cpus_allowed lines
	 * that grow with the CPU count: room for thousands of CPUs. */
	char buf[32768];
	struct proc_stat pst;
	struct proc_status pstatus;
	struct proc_io io;
	sqlite3_stmt *st;
	ssize_t n;
	int64_t pss = -1;

	if (ps->fd_stat < 0)
		ps->fd_stat = open_ro(cap, tg->pid, "stat");
	if (ps->fd_status < 0)
		ps->fd_status = open_ro(cap, tg->pid, "status");
	if (ps->fd_io < 0)
		ps->fd_io = open_ro(cap, tg->pid, "io");
	n = ps->fd_stat >= 0 ? pread_file(ps->fd_stat, buf, sizeof(buf)) : -1;
	if (n <= 0 || procfs_parse_stat(buf, (size_t)n, &pst))
		return 0; /* gone between refresh and now: the next refresh records it */
	n = ps->fd_status >= 0 ? pread_file(ps->fd_status, buf, sizeof(buf)) : -1;
	if (n <= 0 || procfs_parse_status(buf, (size_t)n, &pstatus))
		memset(&pstatus, 0xff, sizeof(pstatus));
	/* /proc/PID/io needs ptrace-read permission: absent for other users' processes. */
	n = ps->fd_io >= 0 ? pread_file(ps->fd_io, buf, sizeof(buf)) : -1;
	if (n <= 0 || procfs_parse_io(buf, (size_t)n, &io))
		memset(&io, 0xff, sizeof(io));
	if (!ps->limits_tick || cap->tick - ps->limits_tick >= 10) {
		int failed = 0;

		ps->fd_limit = limits_fd(cap, tg->pid, tg->process_id, !ps->limits_tick, &failed);
		if (failed)
			return -1;
		ps->limits_tick = cap->tick;
	}
	if (!ps->last_smaps_us || cap->tick_mono_us - ps->last_smaps_us >= cap->opts->smaps_interval_us) {
		char path[512];
		struct proc_smaps_rollup sr;

		ps->last_smaps_us = cap->tick_mono_us;
		capture_path(cap, path, sizeof(path), "/proc/%d/smaps_rollup", (int)tg->pid);
		n = read_file(path, buf, sizeof(buf));
		if (n > 0 && procfs_parse_smaps_rollup(buf, (size_t)n, &sr) == 0)
			pss = sr.pss_kb * 1024;
	}

	st = writer_stmt(cap->w, sql);
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, cap->tick);
	sqlite3_bind_int64(st, 2, tg->process_id);
	sqlite3_bind_text(st, 3, &pst.state, 1, SQLITE_TRANSIENT);
	writer_bind_opt(st, 4, ticks_us(pst.utime, s->hz));
	writer_bind_opt(st, 5, ticks_us(pst.stime, s->hz));
	sqlite3_bind_int64(st, 6, pst.rss_pages * s->page);
	sqlite3_bind_int64(st, 7, pst.vsize);
	writer_bind_opt(st, 8, pss);
	writer_bind_opt(st, 9, pstatus.vm_swap_kb >= 0 ? pstatus.vm_swap_kb * 1024 : -1);
	sqlite3_bind_int64(st, 10, pst.num_threads);
	writer_bind_opt(st, 11, count_fds(cap, ps, tg->pid));
	writer_bind_opt(st, 12, ps->fd_limit);
	writer_bind_opt(st, 13, pstatus.vol_ctxt);
	writer_bind_opt(st, 14, pstatus.invol_ctxt);
	sqlite3_bind_int64(st, 15, pst.minflt);
	sqlite3_bind_int64(st, 16, pst.majflt);
	writer_bind_opt(st, 17, io.rchar);
	writer_bind_opt(st, 18, io.wchar);
	writer_bind_opt(st, 19, io.syscr);
	writer_bind_opt(st, 20, io.syscw);
	writer_bind_opt(st, 21, io.read_bytes);
	writer_bind_opt(st, 22, io.write_bytes);
	if (writer_step(cap->w, st))
		return -1;
	return sample_threads(cap, s, ps, tg);
}

static int process_sample(struct capture *cap, void *state, int64_t tick)
{
	struct process_source *s = state;
	int i;

	(void)tick;
	if (grow_states(s, cap->targets.n))
		return -1;
	for (i = 0; i < cap->targets.n; i++) {
		const struct target *tg = &cap->targets.v[i];

		if (tg->gone) {
			if (s->v[i].fd_stat >= 0 || s->v[i].threads)
				state_release(&s->v[i]);
			continue;
		}
		if (sample_one(cap, s, &s->v[i], tg))
			return -1;
	}
	return 0;
}

static void process_close(struct capture *cap, void *state)
{
	struct process_source *s = state;
	int i;

	(void)cap;
	for (i = 0; i < s->n; i++)
		state_release(&s->v[i]);
	free(s->v);
	free(s);
}

const struct source process_source = {
	.name = "process",
	.summary = "CPU, memory, fds, threads, context switches, I/O from /proc/PID",
	.default_on = 1,
	.open = process_open,
	.sample = process_sample,
	.close = process_close,
};
