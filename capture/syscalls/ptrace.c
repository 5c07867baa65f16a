/* The ptrace backend of the syscalls source: only on --syscalls=ptrace, and
 * only for --ptrace-window. ptrace stops the target twice per syscall (25x to
 * 55x slower on a syscall-heavy process here), so it is never chosen
 * automatically, it warns loudly, and it detaches every thread when the
 * window ends.
 *
 * All ptrace requests must come from the thread that attached, so one
 * tracer thread does everything: attach (PTRACE_SEIZE, then INTERRUPT),
 * the syscall-stop loop, and the detach. Call durations are measured by the
 * tracer between the entry and exit stops, so they include the stops.
 */
#include "syscalls.h"

#include "error.h"
#include "parse.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SYSPTRACE_MAX 1024

struct tracee {
	pid_t tid, pid;
	int in_call;
	int32_t nr;
	int64_t enter_ns;
};

struct sysptrace {
	struct sysagg *agg;
	struct capture *cap;
	int64_t window_us;
	struct tracee t[SYSPTRACE_MAX];
	int n;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int attached;                    /* 1 ok, -1 failed, 0 not yet */
	int done;
	int stop;
	char why[256];
};

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct tracee *find(struct sysptrace *s, pid_t tid)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->t[i].tid == tid)
			return &s->t[i];
	return NULL;
}

static struct tracee *add(struct sysptrace *s, pid_t tid, pid_t pid)
{
	struct tracee *t = find(s, tid);

	if (t)
		return t;
	if (s->n == SYSPTRACE_MAX)
		return NULL;
	t = &s->t[s->n++];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->pid = pid;
	return t;
}

static void drop(struct sysptrace *s, pid_t tid)
{
	struct tracee *t = find(s, tid);

	if (t)
		*t = s->t[--s->n];
}

static int attach_all(struct sysptrace *s)
{
	char path[PATH_MAX];
	int i, err = 0;

	for (i = 0; i < s->cap->targets.n; i++) {
		struct target *tg = &s->cap->targets.v[i];
		struct dirent *de;
		DIR *d;

		if (tg->gone)
			continue;
		capture_path(s->cap, path, sizeof(path), "/proc/%d/task", (int)tg->pid);
		d = opendir(path);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			char *end;
			long tid = strtol(de->d_name, &end, 10);

			if (de->d_name[0] < '0' || de->d_name[0] > '9' || *end || tid <= 0)
				continue;
			if (ptrace(PTRACE_SEIZE, (pid_t)tid, 0,
				   PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC) < 0) {
				if (errno != ESRCH)
					err = errno;
				continue;
			}
			if (!add(s, (pid_t)tid, tg->pid)) {
				ptrace(PTRACE_DETACH, (pid_t)tid, 0, 0);
				continue;
			}
			ptrace(PTRACE_INTERRUPT, (pid_t)tid, 0, 0);
		}
		closedir(d);
	}
	if (s->n == 0) {
		snprintf(s->why, sizeof(s->why), "ptrace attach failed: %s",
			 err ? strerror(err) : "no target thread");
		return -1;
	}
	return 0;
}

static void on_syscall_stop(struct sysptrace *s, struct tracee *t)
{
	struct __ptrace_syscall_info info;
	int64_t now = mono_ns();

	memset(&info, 0, sizeof(info));
	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof(info), &info) <= 0)
		return;
	if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
		t->in_call = 1;
		t->nr = (int32_t)info.entry.nr;
		t->enter_ns = now;
	} else if (info.op == PTRACE_SYSCALL_INFO_EXIT && t->in_call) {
		pthread_mutex_lock(&s->agg->lock);
		sysagg_call(s->agg, t->pid, t->tid, t->nr, info.exit.rval,
			    (uint64_t)(now - t->enter_ns), 1);
		pthread_mutex_unlock(&s->agg->lock);
		t->in_call = 0;
	}
}

/* Handles one wait status of TID; detaching when DETACH is set and the
 * tracee is in a stop where that is allowed. */
static void on_status(struct sysptrace *s, pid_t tid, int st, int detach)
{
	struct tracee *t = find(s, tid);
	int sig = 0, event = st >> 16;

	if (WIFEXITED(st) || WIFSIGNALED(st)) {
		drop(s, tid);
		return;
	}
	if (!WIFSTOPPED(st))
		return;
	if (!t) {
		/* A new thread can stop before its parent's CLONE event. */
		t = add(s, tid, tid);
		if (!t) {
			ptrace(PTRACE_DETACH, tid, 0, 0);
			return;
		}
	}
	if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
		on_syscall_stop(s, t);
	} else if (event == PTRACE_EVENT_CLONE) {
		unsigned long child = 0;

		if (ptrace(PTRACE_GETEVENTMSG, tid, 0, &child) == 0 && child) {
			struct tracee *c = add(s, (pid_t)child, t->pid);

			if (c)
				c->pid = t->pid;
		}
	} else if (event == PTRACE_EVENT_STOP) {
		int ssig = WSTOPSIG(st);

		/* A group-stop (SIGSTOP and friends) is kept with LISTEN. */
		if (!detach && (ssig == SIGSTOP || ssig == SIGTSTP || ssig == SIGTTIN || ssig == SIGTTOU)) {
			ptrace(PTRACE_LISTEN, tid, 0, 0);
			return;
		}
	} else if (event == 0 && WSTOPSIG(st) != SIGTRAP) {
		sig = WSTOPSIG(st);      /* signal-delivery-stop: pass it on */
	}
	if (detach) {
		ptrace(PTRACE_DETACH, tid, 0, (void *)(long)sig);
		drop(s, tid);
		return;
	}
	ptrace(PTRACE_SYSCALL, tid, 0, (void *)(long)sig);
}

static int stop_requested(struct sysptrace *s)
{
	int stop;

	pthread_mutex_lock(&s->lock);
	stop = s->stop;
	pthread_mutex_unlock(&s->lock);
	return stop;
}

static void *tracer_main(void *arg)
{
	struct sysptrace *s = arg;
	int64_t end, give_up;
	int ok, st, i;
	pid_t tid;

	ok = attach_all(s) == 0;
	pthread_mutex_lock(&s->lock);
	s->attached = ok ? 1 : -1;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	if (!ok)
		return NULL;

	end = now_mono_us() + s->window_us;
	while (s->n > 0 && now_mono_us() < end && !stop_requested(s)) {
		tid = waitpid(-1, &st, __WALL | WNOHANG);
		if (tid < 0 && errno != EINTR)
			break;
		if (tid <= 0) {
			struct timespec ts = { 0, 200000 };

			nanosleep(&ts, NULL);
			continue;
		}
		on_status(s, tid, st, 0);
	}
	/* Window over: stop everyone and detach, bounded in time. */
	for (i = 0; i < s->n; i++)
		ptrace(PTRACE_INTERRUPT, s->t[i].tid, 0, 0);
	give_up = now_mono_us() + 2000000;
	while (s->n > 0 && now_mono_us() < give_up) {
		tid = waitpid(-1, &st, __WALL | WNOHANG);
		if (tid <= 0) {
			struct timespec ts = { 0, 1000000 };

			nanosleep(&ts, NULL);
			continue;
		}
		on_status(s, tid, st, 1);
	}
	pthread_mutex_lock(&s->lock);
	s->done = 1;
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

struct sysptrace *sysptrace_open(struct capture *cap, struct sysagg *agg, char *why, size_t len)
{
	struct sysptrace *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	s->agg = agg;
	s->cap = cap;
	s->window_us = cap->opts->ptrace_window_us > 0 ? cap->opts->ptrace_window_us : 5000000;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	if (capture_thread_start(&s->thread, tracer_main, s) != 0) {
		snprintf(why, len, "cannot start the tracer thread");
		free(s);
		return NULL;
	}
	pthread_mutex_lock(&s->lock);
	while (!s->attached)
		pthread_cond_wait(&s->cond, &s->lock);
	pthread_mutex_unlock(&s->lock);
	if (s->attached < 0) {
		snprintf(why, len, "%s", s->why);
		sysptrace_close(s);
		return NULL;
	}
	return s;
}

int sysptrace_done(struct sysptrace *s)
{
	int done;

	pthread_mutex_lock(&s->lock);
	done = s->done;
	pthread_mutex_unlock(&s->lock);
	return done;
}

void sysptrace_close(struct sysptrace *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = 1;
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cond);
	free(s);
}
