/* Shared services of the capture for its sources: options defaults, skip
 * reasons, events, root-relative paths. */
#include "capture.h"

#include "error.h"

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int capture_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	int err;

	/* Signals must reach the main thread, whose sleep they cut short to
	 * stop at once: a thread that took SIGINT would leave the main loop
	 * asleep until its next tick. The new thread inherits a full mask. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

void capture_opts_init(struct capture_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->interval_us = 1000000;
	o->duration_us = 60 * 1000000LL;
	o->max_size = 100ULL << 20;
	o->verbosity = 1;
	o->progress = -1;
	o->root = "";
	o->smaps_interval_us = 10 * 1000000LL;
	o->max_threads = 256;
	o->max_targets = 256;
	o->cpu_budget_pct = 5.0;
	o->mem_budget = 256ULL << 20;
	o->socket_keyframe_us = 60 * 1000000LL;
	o->syscalls_backend = "auto";
	o->syscall_sample_us = 10000;
	o->ptrace_window_us = 5 * 1000000LL;
	o->pcap_snaplen = 256;          /* read this much; only headers are kept */
	o->pcap_buffer_mb = 32;
	o->log_format = "auto";
	o->profile_hz = 99;             /* capture/profile/profile.c: cost in BENCHMARKS.md */
}

int capture_source_disabled(const struct capture_opts *o, const char *source)
{
	int i;

	for (i = 0; i < o->ndisabled; i++)
		if (!strcmp(o->disabled[i], source))
			return 1;
	if (o->only) {
		const char *p = o->only;
		size_t n = strlen(source);

		while (*p) {
			const char *comma = strchr(p, ',');
			size_t len = comma ? (size_t)(comma - p) : strlen(p);

			if (len == n && !strncmp(p, source, n))
				return 0;
			p += len + (comma ? 1 : 0);
		}
		return 1;
	}
	return 0;
}

int capture_source_skip(struct capture *cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cap->skip_reason, sizeof(cap->skip_reason), fmt, ap);
	va_end(ap);
	return SOURCE_SKIP;
}

void capture_source_backend(struct capture *cap, const char *backend, const char *why_fallback)
{
	snprintf(cap->backend, sizeof(cap->backend), "%s", backend ? backend : "");
	if (why_fallback)
		snprintf(cap->skip_reason, sizeof(cap->skip_reason), "%s", why_fallback);
}

int capture_event(struct capture *cap, const char *kind, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	info("%s%s%s: %s", kind, cap->current ? " " : "",
	     cap->current ? cap->current->name : "", msg);
	return writer_event(cap->w, cap->tick, kind, cap->current ? cap->current->name : NULL,
			    "%s", msg);
}

char *capture_path(const struct capture *cap, char *buf, size_t len, const char *fmt, ...)
{
	const char *root = cap && cap->opts && cap->opts->root ? cap->opts->root : "";
	size_t n;
	va_list ap;

	n = (size_t)snprintf(buf, len, "%s", root);
	if (n >= len)
		n = len - 1;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	return buf;
}
