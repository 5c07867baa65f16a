/* The runtime source: a CPU profile taken by the target's own runtime, on
 * request only (--runtime-profile node[:SECONDS]).
 *
 * For Node.js, as an engineer does it by hand without a restart: SIGUSR1
 * makes Node open its inspector on 127.0.0.1:9229 of its own network
 * namespace; over the DevTools protocol we take a V8 CPU profile for a
 * bounded time, then ask Node to close the inspector again
 * (process._debugEnd()) and check the port closed. The session runs in a
 * thread (inspector.c); this file picks the target, refuses what is not
 * Node or a port someone else holds, makes the sockets inside the target's
 * namespace and sends the signal during setup (while we hold the
 * privileges), and writes what the session brought back: the .cpuprofile
 * as an attachment (it opens in Chrome DevTools), its functions and
 * script URLs into the profile tables shared with the perf profile
 * (profile_modules, profile_frames, profile_stacks), one runtime_profiles
 * row, and its samples per tick in runtime_profile_samples.
 *
 * Why opt-in: while the inspector is open, anything inside the target's
 * network namespace can connect to it and run code in the target; and we
 * evaluate one expression in the target to close it. */
#include "capture.h"
#include "cpuprofile.h"
#include "inspector.h"
#include "proc/procfs.h"
#include "targets.h"

#include "error.h"
#include "exitcodes.h"
#include "parse.h"
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NODE_INSPECTOR_PORT 9229
#define RUNTIME_INTERVAL_US 1000         /* V8's default sampling interval */
#define RUNTIME_MAX_PROFILE (16u << 20)
#define RUNTIME_DEFAULT_US (10 * 1000000LL)

struct runtime_opts {
	int node;                        /* --runtime-profile node given */
	int64_t duration_us;             /* its SECONDS; 0: RUNTIME_DEFAULT_US */
};

extern const struct source runtime_source;

struct runtime {
	struct inspector in;
	pthread_t thread;
	int started;
	int written;
	int hurried;                     /* told to finish: the capture is ending */
	int target;                      /* index in cap->targets */
};

/* ---- choosing the target ---- */

/* Whether PID runs Node: its executable is named node or nodejs, and it
 * catches SIGUSR1 (a process that does not would die of it). 1 yes, 0 no
 * with why. */
static int is_node(struct capture *cap, pid_t pid, char *why, size_t wlen)
{
	char path[PATH_MAX], exe[PATH_MAX], status[4096];
	const char *base, *p;
	unsigned long long cgt;
	ssize_t n;

	capture_path(cap, path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n < 0) {
		snprintf(why, wlen, "pid %d: cannot read its executable: %s", (int)pid, strerror(errno));
		return 0;
	}
	exe[n] = '\0';
	base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	if (strcmp(base, "node") != 0 && strcmp(base, "nodejs") != 0) {
		snprintf(why, wlen, "pid %d is not Node.js (its executable is '%.200s'): no signal sent", (int)pid, exe);
		return 0;
	}
	capture_path(cap, path, sizeof(path), "/proc/%d/status", (int)pid);
	n = read_file(path, status, sizeof(status));
	if (n <= 0 || !(p = strstr(status, "\nSigCgt:")) ||
	    sscanf(p + 8, "%llx", &cgt) != 1) {
		snprintf(why, wlen, "pid %d: cannot read which signals it catches", (int)pid);
		return 0;
	}
	if (!(cgt & (1ULL << (SIGUSR1 - 1)))) {
		snprintf(why, wlen, "pid %d runs Node.js but does not catch SIGUSR1 (started with "
			 "--disable-sigusr1?): no signal sent", (int)pid);
		return 0;
	}
	return 1;
}

/* Makes the session's sockets inside PID's network namespace (a socket
 * stays in the namespace it was made in), then returns to ours. */
static int make_sockets(struct capture *cap, pid_t pid, int *socks, int n, char *why, size_t wlen)
{
	char path[PATH_MAX];
	int tfd, self = -1, i, ret = -1;

	capture_path(cap, path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if ((tfd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(why, wlen, "cannot open '%.200s': %s", path, strerror(errno));
		return -1;
	}
	if ((self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(why, wlen, "cannot open our own network namespace: %s", strerror(errno));
		goto out;
	}
	if (setns(tfd, CLONE_NEWNET) < 0) {
		snprintf(why, wlen, "cannot enter the network namespace of pid %d (setns: %s)", (int)pid, strerror(errno));
		goto out;
	}
	for (i = 0; i < n; i++)
		socks[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (setns(self, CLONE_NEWNET) < 0)
		die(CF_EXIT_INTERNAL, "cannot return to our own network namespace: %s", strerror(errno));
	for (i = 0; i < n; i++) {
		if (socks[i] < 0) {
			snprintf(why, wlen, "cannot make a socket in the namespace of pid %d", (int)pid);
			goto out;
		}
	}
	ret = 0;
out:
	close(tfd);
	if (self >= 0)
		close(self);
	return ret;
}

/* SIGUSR1 through a pidfd, after checking the pid still names the
 * process we chose (its start time), so a reused pid never gets it. */
static int send_usr1(struct capture *cap, const struct target *tg, char *why, size_t wlen)
{
	int pfd = (int)syscall(SYS_pidfd_open, tg->pid, 0), rc;

	if (pfd < 0) {
		snprintf(why, wlen, "pidfd_open(%d): %s", (int)tg->pid, strerror(errno));
		return -1;
	}
	if (targets_start_ticks(cap, tg->pid) != tg->start_ticks) {
		close(pfd);
		snprintf(why, wlen, "pid %d is no longer the target", (int)tg->pid);
		return -1;
	}
	rc = (int)syscall(SYS_pidfd_send_signal, pfd, SIGUSR1, NULL, 0);
	if (rc < 0)
		snprintf(why, wlen, "cannot send SIGUSR1 to pid %d: %s", (int)tg->pid, strerror(errno));
	close(pfd);
	return rc < 0 ? -1 : 0;
}

static void runtime_free(struct runtime *r)
{
	inspector_release(&r->in);
	free(r);
}

static int runtime_open(struct capture *cap, void **state)
{
	const struct runtime_opts *ro = capture_source_opts(cap->opts, &runtime_source);
	struct runtime *r;
	struct inspector *in;
	char why[512] = "", first[512] = "";
	const struct target *tg = NULL;
	uint32_t ino;
	int i, st, err;

	*state = NULL;
	for (i = 0; i < cap->targets.n && !tg; i++) {
		if (cap->targets.v[i].gone)
			continue;
		if (is_node(cap, cap->targets.v[i].pid, why, sizeof(why)))
			tg = &cap->targets.v[i];
		else if (!first[0])
			snprintf(first, sizeof(first), "%s", why);
	}
	if (!tg)
		return capture_source_skip(cap, "--runtime-profile node: %s", first[0] ? first : "no live target");
	if (!(r = calloc(1, sizeof(*r))))
		return error("out of memory");
	r->target = i - 1;
	in = &r->in;
	in->wake_fd = -1;
	for (i = 0; i < INSPECTOR_SOCKS; i++)
		in->socks[i] = -1;
	in->pid = tg->pid;
	in->port = NODE_INSPECTOR_PORT;
	in->duration_us = ro->duration_us ? ro->duration_us : RUNTIME_DEFAULT_US;
	in->interval_us = RUNTIME_INTERVAL_US;
	in->max_profile = RUNTIME_MAX_PROFILE;
	if (in->max_profile > cap->opts->max_size / 4)
		in->max_profile = (size_t)(cap->opts->max_size / 4);
	capture_path(cap, in->net_tcp, sizeof(in->net_tcp), "/proc/%d/net/tcp", (int)tg->pid);
	capture_path(cap, in->fd_dir, sizeof(in->fd_dir), "/proc/%d/fd", (int)tg->pid);
	st = inspector_listener(in->net_tcp, in->fd_dir, in->pid, in->port, &ino, why, sizeof(why));
	if (st < 0 || st == 2) {
		runtime_free(r);
		if (st < 0)
			return capture_source_skip(cap, "--runtime-profile node: %s", why);
		return capture_source_skip(cap, "--runtime-profile node: 127.0.0.1:%d in the network namespace of pid %d "
					   "is held by another process (socket inode %u is not among its fds): "
					   "no signal sent, nothing read from it", NODE_INSPECTOR_PORT, (int)tg->pid, ino);
	}
	in->preexisting = st == 1;
	in->listen_inode = ino;
	if (make_sockets(cap, tg->pid, in->socks, INSPECTOR_SOCKS, why, sizeof(why)) < 0 ||
	    (in->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		if (!why[0])
			snprintf(why, sizeof(why), "eventfd: %s", strerror(errno));
		runtime_free(r);
		return capture_source_skip(cap, "--runtime-profile node: %s", why);
	}
	if (in->preexisting) {
		capture_event(cap, "runtime", "pid %d: its inspector was already open on 127.0.0.1:%d; "
			      "used as it is and left open", (int)tg->pid, NODE_INSPECTOR_PORT);
		warning("runtime profile: pid %d's inspector was already open on 127.0.0.1:%d: using it, leaving it open",
			(int)tg->pid, NODE_INSPECTOR_PORT);
	} else {
		if (send_usr1(cap, tg, why, sizeof(why)) < 0) {
			runtime_free(r);
			return capture_source_skip(cap, "--runtime-profile node: %s", why);
		}
		capture_event(cap, "runtime", "sent SIGUSR1 to pid %d: its inspector opens on 127.0.0.1:%d "
			      "of its network namespace until we close it", (int)tg->pid, NODE_INSPECTOR_PORT);
		info("runtime profile: SIGUSR1 sent to pid %d (Node.js inspector)", (int)tg->pid);
	}
	if ((err = capture_thread_start(&r->thread, inspector_thread, in)) != 0) {
		runtime_free(r);
		return capture_source_skip(cap, "--runtime-profile node: cannot start its thread: %s", strerror(err));
	}
	r->started = 1;
	capture_source_backend(cap, "node inspector", NULL);
	*state = r;
	return 0;
}

/* ---- writing what the session brought back ---- */

static int store_attachment(struct capture *cap, struct runtime *r, char *name, size_t nlen)
{
	static const char ins[] =
		"INSERT INTO attachments (name, path, size, sha256, mtime_us, added_us, data) VALUES (?, ?, ?, '', ?, ?, ?)";
	/* Set after the insert, as attach.c does: with --redact, that update
	 * is what redacts the bytes (lib/redact_bundle.c). */
	static const char upd[] = "UPDATE attachments SET sha256 = ? WHERE id = ?";
	const struct inspector *in = &r->in;
	unsigned char digest[SHA256_LEN];
	char hex[2 * SHA256_LEN + 1], path[128];
	struct sha256 h;
	sqlite3_stmt *s;
	int64_t id;

	if ((uint64_t)in->profile_len > writer_room(cap->w)) {
		capture_event(cap, "size_cap", "runtime profile of %zu bytes not attached: it would take the bundle "
			      "past --max-size", in->profile_len);
		return -1;
	}
	snprintf(name, nlen, "node-%d-%lld.cpuprofile", (int)in->pid, (long long)(in->start_wall_us / 1000000));
	snprintf(path, sizeof(path), "inspector of pid %d (127.0.0.1:%d)", (int)in->pid, in->port);
	sha256_init(&h);
	sha256_update(&h, in->profile, in->profile_len);
	sha256_final(&h, digest);
	if (!(s = writer_stmt(cap->w, ins)))
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, path, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, (int64_t)in->profile_len);
	sqlite3_bind_int64(s, 4, in->end_wall_us);
	sqlite3_bind_int64(s, 5, now_wall_us());
	sqlite3_bind_blob(s, 6, in->profile, (int)in->profile_len, SQLITE_STATIC);
	if (writer_step(cap->w, s))
		return -1;
	id = writer_last_id(cap->w);
	if (!(s = writer_stmt(cap->w, upd)))
		return -1;
	sqlite3_bind_text(s, 1, sha256_hex(digest, hex), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, id);
	return writer_step(cap->w, s) ? -1 : 0;
}

static const struct cpuprofile *sort_cp;

/* Orders node indexes by (url, name, line): equal keys share a frame. */
static int cmp_frame(const void *a, const void *b)
{
	const struct cpuprofile_node *x = &sort_cp->nodes[*(const int *)a], *y = &sort_cp->nodes[*(const int *)b];
	int c = strcmp(x->url, y->url);

	if (!c)
		c = strcmp(x->name, y->name);
	if (!c)
		c = x->line < y->line ? -1 : x->line > y->line;
	return c;
}

/* profile_modules, profile_frames and profile_stacks rows for every node:
 * stack[i] is node i's profile_stacks.id. */
static int store_tree(struct capture *cap, const struct cpuprofile *cp, int64_t *stack)
{
	int *ord = malloc((size_t)cp->nnodes * sizeof(int));
	int64_t *frame = malloc((size_t)cp->nnodes * sizeof(int64_t)), mod = 0, fid = 0;
	sqlite3_stmt *s;
	int i, ret = -1;

	if (!ord || !frame)
		goto out;
	for (i = 0; i < cp->nnodes; i++)
		ord[i] = i;
	sort_cp = cp;
	qsort(ord, (size_t)cp->nnodes, sizeof(int), cmp_frame);
	for (i = 0; i < cp->nnodes; i++) {
		const struct cpuprofile_node *n = &cp->nodes[ord[i]], *prev = i ? &cp->nodes[ord[i - 1]] : NULL;

		if (!prev || strcmp(prev->url, n->url) != 0) {
			if (!(s = writer_stmt(cap->w, "INSERT INTO profile_modules (path, build_id, symbols) "
					      "VALUES (?, NULL, 'inspector')")))
				goto out;
			/* V8's own nodes ((root), (program), (idle), (garbage
			 * collector)) and native functions have no script. */
			sqlite3_bind_text(s, 1, n->url[0] ? n->url : "[v8]", -1, SQLITE_STATIC);
			if (writer_step(cap->w, s))
				goto out;
			mod = writer_last_id(cap->w);
			prev = NULL;
		}
		if (!prev || cmp_frame(&ord[i - 1], &ord[i]) != 0) {
			if (!(s = writer_stmt(cap->w, "INSERT INTO profile_frames (module_id, name, addr, kernel) "
					      "VALUES (?, ?, ?, 0)")))
				goto out;
			sqlite3_bind_int64(s, 1, mod);
			sqlite3_bind_text(s, 2, n->name, -1, SQLITE_STATIC);
			sqlite3_bind_int64(s, 3, n->line >= 0 ? n->line + 1 : 0);
			if (writer_step(cap->w, s))
				goto out;
			fid = writer_last_id(cap->w);
		}
		frame[ord[i]] = fid;
	}
	/* Parents come before children (cpuprofile.c). */
	for (i = 0; i < cp->nnodes; i++) {
		const struct cpuprofile_node *n = &cp->nodes[i];

		if (!(s = writer_stmt(cap->w, "INSERT INTO profile_stacks (parent_id, frame_id, depth) VALUES (?, ?, ?)")))
			goto out;
		if (n->parent >= 0)
			sqlite3_bind_int64(s, 1, stack[n->parent]);
		else
			sqlite3_bind_null(s, 1);
		sqlite3_bind_int64(s, 2, frame[i]);
		sqlite3_bind_int(s, 3, n->depth);
		if (writer_step(cap->w, s))
			goto out;
		stack[i] = writer_last_id(cap->w);
	}
	ret = 0;
out:
	free(ord);
	free(frame);
	return ret;
}

struct tickcount { int64_t tick; int node; };

static int cmp_tc(const void *a, const void *b)
{
	const struct tickcount *x = a, *y = b;

	if (x->tick != y->tick)
		return x->tick < y->tick ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

/* Each sample goes to the tick whose interval holds its wall time (the
 * first tick at or after it; past the last tick, the last). */
static int store_samples(struct capture *cap, const struct cpuprofile *cp, int64_t pid, const int64_t *stack,
			 int64_t start_wall)
{
	sqlite3_stmt *s;
	int64_t *tick_id = NULL, *tick_wall = NULL;
	struct tickcount *tc = NULL;
	int nt = 0, at = 0, i, j, ret = -1;

	if (!cp->nsamples)
		return 0;
	if (!(s = writer_stmt(cap->w, "SELECT COUNT(*) FROM ticks")) || sqlite3_step(s) != SQLITE_ROW)
		goto out;
	nt = sqlite3_column_int(s, 0);
	sqlite3_reset(s);
	if (nt <= 0) {
		ret = 0;
		goto out;
	}
	tick_id = malloc((size_t)nt * sizeof(int64_t));
	tick_wall = malloc((size_t)nt * sizeof(int64_t));
	tc = malloc((size_t)cp->nsamples * sizeof(*tc));
	if (!tick_id || !tick_wall || !tc || !(s = writer_stmt(cap->w, "SELECT id, wall_us FROM ticks ORDER BY id")))
		goto out;
	for (i = 0; i < nt && sqlite3_step(s) == SQLITE_ROW; i++) {
		tick_id[i] = sqlite3_column_int64(s, 0);
		tick_wall[i] = sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	nt = i;
	for (i = 0; i < cp->nsamples; i++) {
		int64_t w = start_wall + cp->times[i];
		int lo = 0, hi = nt - 1;

		/* V8's deltas may run slightly negative (samples reordered):
		 * nothing is placed before the profile's start. */
		if (w < start_wall)
			w = start_wall;

		while (lo < hi) {
			int mid = lo + (hi - lo) / 2;

			if (tick_wall[mid] >= w)
				hi = mid;
			else
				lo = mid + 1;
		}
		tc[i].tick = tick_id[lo];
		tc[i].node = cp->samples[i];
	}
	qsort(tc, (size_t)cp->nsamples, sizeof(*tc), cmp_tc);
	for (i = 0; i < cp->nsamples; i = j) {
		for (j = i + 1; j < cp->nsamples && tc[j].tick == tc[i].tick && tc[j].node == tc[i].node; j++)
			;
		if (!(s = writer_stmt(cap->w, "INSERT INTO runtime_profile_samples (profile_id, tick, stack_id, samples) "
				      "VALUES (?, ?, ?, ?)")))
			goto out;
		sqlite3_bind_int64(s, 1, pid);
		sqlite3_bind_int64(s, 2, tc[i].tick);
		sqlite3_bind_int64(s, 3, stack[tc[i].node]);
		sqlite3_bind_int(s, 4, j - i);
		if (writer_step(cap->w, s))
			goto out;
		at++;
	}
	ret = 0;
out:
	free(tick_id);
	free(tick_wall);
	free(tc);
	return ret;
}

static int write_results(struct capture *cap, struct runtime *r)
{
	struct inspector *in = &r->in;
	struct cpuprofile cp;
	char name[128] = "", why[300];
	int64_t id, *stack = NULL, proc_id;
	int have = 0, rc = -1;
	sqlite3_stmt *s;

	r->written = 1;
	memset(&cp, 0, sizeof(cp));
	if (in->ok && in->profile) {
		if (cpuprofile_parse(in->profile, in->profile_len, &cp, why, sizeof(why)) == 0) {
			have = 1;
			if (cp.cut)
				snprintf(in->outcome + strlen(in->outcome), sizeof(in->outcome) - strlen(in->outcome),
					 "; names or URLs over %d bytes cut", CPUPROFILE_NAME_MAX);
		} else {
			snprintf(in->outcome + strlen(in->outcome), sizeof(in->outcome) - strlen(in->outcome),
				 "; the profile cannot be read: %s", why);
		}
		if (store_attachment(cap, r, name, sizeof(name)) < 0)
			name[0] = '\0';
	}
	proc_id = r->target < cap->targets.n ? cap->targets.v[r->target].process_id : 0;
	if (!(s = writer_stmt(cap->w, "INSERT INTO runtime_profiles (process_id, runtime, start_wall_us, end_wall_us, "
			      "interval_us, samples, attachment, outcome) VALUES (?, 'node', ?, ?, ?, ?, ?, ?)")))
		goto out;
	writer_bind_opt(s, 1, proc_id);
	writer_bind_opt(s, 2, in->start_wall_us);
	writer_bind_opt(s, 3, in->end_wall_us);
	sqlite3_bind_int(s, 4, in->interval_us);
	sqlite3_bind_int(s, 5, have ? cp.nsamples : 0);
	if (name[0])
		sqlite3_bind_text(s, 6, name, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 6);
	sqlite3_bind_text(s, 7, in->outcome, -1, SQLITE_STATIC);
	if (writer_step(cap->w, s))
		goto out;
	id = writer_last_id(cap->w);
	if (have) {
		if (!(stack = malloc((size_t)cp.nnodes * sizeof(int64_t))) ||
		    store_tree(cap, &cp, stack) < 0 || store_samples(cap, &cp, id, stack, in->start_wall_us) < 0)
			goto out;
	}
	capture_event(cap, have ? "runtime" : "warning", "runtime profile of pid %d: %s", (int)in->pid, in->outcome);
	if (have)
		info("runtime profile of pid %d: %d samples, %d functions' nodes%s%s", (int)in->pid, cp.nsamples,
		     cp.nnodes, name[0] ? ", attached as " : "", name);
	if (!have || !in->closed)
		warning("runtime profile of pid %d: %s", (int)in->pid, in->outcome);
	rc = 0;
out:
	free(stack);
	cpuprofile_release(&cp);
	return rc;
}

static int runtime_sample(struct capture *cap, void *state, int64_t tick)
{
	struct runtime *r = state;

	(void)tick;
	if (r->written || !atomic_load_explicit(&r->in.done, memory_order_acquire))
		return 0;
	if (r->started) {
		pthread_join(r->thread, NULL);
		r->started = 0;
	}
	/* Samples go to the tick whose interval holds them: written once a
	 * tick begins after the profile's end (a slow tick may still be the
	 * one the profile started in; close() writes whatever is left). */
	if (cap->tick_wall_us < r->in.end_wall_us)
		return 0;
	return write_results(cap, r);
}

/* The capture ends: tell the thread to stop the profile now (before the
 * other sources close, which may take seconds). */
static void runtime_stopping(struct capture *cap, void *state)
{
	struct runtime *r = state;
	uint64_t one = 1;

	(void)cap;
	if (!r || !r->started || r->hurried)
		return;
	if (write(r->in.wake_fd, &one, sizeof(one)) < 0)
		warning("runtime profile: cannot hurry its thread: %s", strerror(errno));
	r->hurried = 1;
}

static void runtime_close(struct capture *cap, void *state)
{
	struct runtime *r = state;

	if (!r)
		return;
	if (r->started) {
		/* The session's steps are bounded, so this wait is too. */
		runtime_stopping(cap, r);
		pthread_join(r->thread, NULL);
		r->started = 0;
	}
	if (!r->written && !writer_capped(cap->w))
		write_results(cap, r);
	runtime_free(r);
}

static int runtime_wanted(const struct capture_opts *o)
{
	const struct runtime_opts *ro = capture_source_opts(o, &runtime_source);

	return ro && ro->node;
}

static int set_runtime(struct capture_opts *o, void *own, const char *arg)
{
	struct runtime_opts *ro = own;
	const char *colon = strchr(arg, ':');
	size_t n = colon ? (size_t)(colon - arg) : strlen(arg);

	(void)o;
	if (n != 4 || strncmp(arg, "node", 4) != 0)
		return error("--runtime-profile '%s': the runtime must be 'node' (node[:SECONDS])", arg);
	ro->node = 1;
	if (colon) {
		int64_t us;

		if (parse_duration_us(colon + 1, &us) < 0 || us < 1000000 || us > 600 * 1000000LL)
			return error("--runtime-profile '%s': SECONDS must be a duration from 1s to 10m", arg);
		ro->duration_us = us;
	}
	return 0;
}

static int runtime_check(struct capture_opts *o)
{
	const struct runtime_opts *ro = capture_source_opts(o, &runtime_source);
	char a[32], b[32];

	if (ro && ro->node && ro->duration_us > o->duration_us)
		return error("--runtime-profile: the profile's %s is longer than --duration %s",
			     format_duration_us(ro->duration_us, a, sizeof(a)),
			     format_duration_us(o->duration_us, b, sizeof(b)));
	return 0;
}

static const struct capture_option runtime_options[] = {
	/* Opt-in only: it opens a debugger port in the target. */
	{ .name = "runtime-profile", .arg = "node[:SECS]",
	  .help = "runtime: take a V8 CPU profile of a Node.js target through its inspector\n"
		  "for SECS seconds (default 10): SIGUSR1 opens it on 127.0.0.1:9229 of the target's\n"
		  "network namespace, we close it after (never on unless asked: see README)",
	  .kind = CAPTURE_OPT_CUSTOM, .own = 1, .set = set_runtime },
	{ .name = NULL },
};

const struct source runtime_source = {
	.name = "runtime",
	.summary = "a CPU profile taken by the target's runtime (Node.js inspector), with --runtime-profile only",
	.default_on = 1,
	.wanted = runtime_wanted,
	.open = runtime_open,
	.sample = runtime_sample,
	.stopping = runtime_stopping,
	.close = runtime_close,
	.options = runtime_options,
	.opts_size = sizeof(struct runtime_opts),
	.check_opts = runtime_check,
};
