/* The tick loop of casefile-capture (see loop.h and capture/README.md, "From
 * a tick to a bundle row"). */
#include "loop.h"

#include "error.h"
#include "exitcodes.h"
#include "manifest.h"
#include "parse.h"
#include "privs.h"
#include "targets.h"

#include <errno.h>
#include <libgen.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const status_names[] = { "off", "running", "skipped", "failed", "stopped" };

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

void loop_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void stop_source(struct capture *cap, struct running_source *r, enum source_status st,
			const char *why)
{
	cap->current = r->src;
	if (r->src->close)
		r->src->close(cap, r->state);
	r->state = NULL;
	r->status = st;
	if (why)
		snprintf(r->reason, sizeof(r->reason), "%s", why);
	cap->current = NULL;
}

static void stop_running(struct loop *l)
{
	int i;

	/* Every source hears the capture is ending before any closes: a
	 * source closed late (after slow ones) must not start finishing then. */
	for (i = 0; i < l->nsrc; i++)
		if (l->run[i].status == SRC_RUNNING && l->run[i].src->stopping) {
			l->cap->current = l->run[i].src;
			l->run[i].src->stopping(l->cap, l->run[i].state);
			l->cap->current = NULL;
		}
	for (i = 0; i < l->nsrc; i++)
		if (l->run[i].status == SRC_RUNNING)
			stop_source(l->cap, &l->run[i], SRC_RUNNING, NULL);
}

/* Opens one source of the table, or records why it is off, skipped or
 * failed: a `sources` row either way. */
static void open_source(struct loop *l, struct running_source *r)
{
	struct capture *cap = l->cap;
	const struct capture_opts *opts = cap->opts;
	int orc;

	r->requested = !capture_source_disabled(opts, r->src->name) && (r->src->default_on || opts->only);
	if (r->requested && r->src->wanted && !r->src->wanted(opts)) {
		r->requested = 0;
		snprintf(r->reason, sizeof(r->reason), "nothing asked of it (see --help)");
		writer_source_status(cap->w, r->src->name, 0, "off", NULL, r->reason, 0, 0);
	}
	if (!r->requested) {
		r->status = SRC_OFF;
		if (!r->reason[0]) {
			snprintf(r->reason, sizeof(r->reason), "turned off (--no-%s or --sources)", r->src->name);
			writer_source_status(cap->w, r->src->name, 0, "off", NULL, r->reason, 0, 0);
		}
		return;
	}
	cap->current = r->src;
	cap->skip_reason[0] = cap->backend[0] = '\0';
	orc = r->src->open(cap, &r->state);
	snprintf(r->backend, sizeof(r->backend), "%s", cap->backend);
	snprintf(r->reason, sizeof(r->reason), "%s", cap->skip_reason);
	if (orc == 0) {
		r->status = SRC_RUNNING;
	} else {
		r->status = orc == SOURCE_SKIP ? SRC_SKIPPED : SRC_FAILED;
		if (!r->reason[0])
			snprintf(r->reason, sizeof(r->reason), "could not start (see the capture's messages)");
		writer_event(cap->w, 0, orc == SOURCE_SKIP ? "source_skipped" : "source_failed",
			     r->src->name, "%s", r->reason);
		if (orc == SOURCE_SKIP)
			warning("source '%s' skipped: %s", r->src->name, r->reason);
		else
			warning("source '%s' failed to start: %s", r->src->name, r->reason);
		/* A source that opened partially may hold state. */
		if (r->state && r->src->close)
			r->src->close(cap, r->state);
		r->state = NULL;
	}
	cap->current = NULL;
	writer_source_status(cap->w, r->src->name, r->requested, status_names[r->status],
			     r->backend, r->reason, 0, 0);
}

/* Setup is done: every handle that needed root is open. The tick loop
 * parses what the target controls (its /proc text, its logs, netlink
 * replies) with only the capabilities it still needs. */
static void drop_privileges(struct loop *l)
{
	char kept[512], dir[4096];
	struct stat dst;
	int foreign;

	snprintf(dir, sizeof(dir), "%s", l->output);
	foreign = stat(dirname(dir), &dst) < 0 || dst.st_uid != geteuid();
	if (privs_drop(foreign, kept, sizeof(kept)) == 0) {
		writer_event(l->cap->w, 0, "privileges", NULL,
			     "after setup: capabilities kept: %s; no_new_privs set", kept);
		info("capabilities kept after setup: %s", kept);
	} else {
		writer_event(l->cap->w, 0, "warning", NULL, "could not drop capabilities after setup");
	}
}

int loop_setup(struct loop *l)
{
	struct capture *cap = l->cap;
	int i;

	l->stop_reason = "duration reached";
	l->rc = CF_EXIT_OK;
	l->complete = 1;
	for (l->nsrc = 0; capture_sources[l->nsrc]; l->nsrc++)
		;
	l->run = calloc((size_t)l->nsrc, sizeof(*l->run));
	if (!l->run)
		die(CF_EXIT_INTERNAL, "out of memory");
	if (writer_begin(cap->w))
		goto failed;
	manifest_write(cap, l->output);
	for (i = 0; i < l->nsrc; i++) {
		l->run[i].src = capture_sources[i];
		open_source(l, &l->run[i]);
	}
	drop_privileges(l);
	if (cap->targets.name_skipped)
		writer_event(cap->w, 0, "warning", NULL,
			     "--name matched %d more processes than --max-targets %d: they are not captured",
			     cap->targets.name_skipped, cap->opts->max_targets);
	writer_event(cap->w, 0, "capture_start", NULL, "capturing %d target(s) into '%s'",
		     cap->targets.n, l->output);
	if (writer_commit(cap->w))
		goto failed;
	return 0;
failed:
	/* Nothing was recorded (a full disk at setup): close the sources and
	 * leave no bundle, so a re-run does not need --force. */
	stop_running(l);
	writer_discard(cap->w);
	cap->w = NULL;
	error("nothing recorded; '%s' was removed", l->output);
	l->rc = CF_EXIT_IO;
	return -1;
}

void loop_release(struct loop *l)
{
	free(l->run);
	l->run = NULL;
}

static void progress(const struct capture *cap, int64_t elapsed_us, uint64_t size, int final)
{
	char e[32], t[32], s[32];

	fprintf(stderr, "\r\033[Kcasefile-capture: %s / %s  ticks %lld  bundle %s  targets %d%s",
		format_duration_us(elapsed_us, e, sizeof(e)),
		format_duration_us(cap->opts->duration_us, t, sizeof(t)),
		(long long)cap->tick, format_size(size, s, sizeof(s)), cap->targets.nalive,
		final ? "\n" : "");
	fflush(stderr);
}

static void sleep_until(int64_t mono_us)
{
	struct timespec ts = { (time_t)(mono_us / 1000000), (long)(mono_us % 1000000) * 1000 };

	/* Returns early on a signal, which is what lets SIGINT stop at once. */
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

enum tick_result { TICK_GO_ON, TICK_STOP, TICK_SIZE_CAP, TICK_WRITE_FAILED };

/* Every running source's sample() in this tick's transaction. */
static enum tick_result sample_sources(struct loop *l)
{
	struct capture *cap = l->cap;
	int i;

	for (i = 0; i < l->nsrc; i++) {
		struct running_source *r = &l->run[i];
		int src_rc;

		if (r->status != SRC_RUNNING)
			continue;
		cap->current = r->src;
		src_rc = r->src->sample(cap, r->state, cap->tick);
		cap->current = NULL;
		/* A source that failed because the writer refused its rows
		 * did nothing wrong: the tick is dropped, not the source. */
		if (writer_capped(cap->w))
			return TICK_SIZE_CAP;
		if (src_rc == SOURCE_STOP_CAPTURE) {
			l->stop_reason = "a source reached its bound";
			cap->stop_requested = 1;
		} else if (src_rc == SOURCE_STOPPED) {
			char why[sizeof(cap->skip_reason)];

			snprintf(why, sizeof(why), "%s", cap->skip_reason);
			writer_event(cap->w, cap->tick, "warning", r->src->name,
				     "stopped: %s; the capture goes on without it", why);
			warning("source '%s' stopped: %s", r->src->name, why);
			stop_source(cap, r, SRC_STOPPED, why);
		} else if (src_rc < 0) {
			writer_event(cap->w, cap->tick, "source_failed", r->src->name,
				     "failed during capture; the capture goes on without it");
			warning("source '%s' failed; going on without it", r->src->name);
			stop_source(cap, r, SRC_FAILED, "failed during capture");
		}
		if (!r->first_tick)
			r->first_tick = cap->tick;
		r->last_tick = cap->tick;
	}
	return TICK_GO_ON;
}

/* Over the CPU budget: double the interval (at most three times). Over the
 * memory budget: stop one optional source per window. */
static void check_budget(struct loop *l)
{
	struct capture *cap = l->cap;
	const struct capture_opts *opts = cap->opts;
	char tmp[64];
	uint64_t rss;
	double pct;
	int i, victim = -1;

	if (!budget_window(&l->budget, cap->tick_mono_us, &pct, &rss))
		return;
	if (pct > opts->cpu_budget_pct && l->budget.backoffs < 3) {
		l->interval *= 2;
		l->budget.backoffs++;
		writer_event(cap->w, cap->tick, "backoff", NULL, "own CPU %.1f%% over budget %.0f%%: interval now %s",
			     pct, opts->cpu_budget_pct, format_duration_us(l->interval, tmp, sizeof(tmp)));
		warning("using %.1f%% CPU (budget %.0f%%); interval now %s", pct, opts->cpu_budget_pct, tmp);
	}
	if (rss <= opts->mem_budget)
		return;
	/* Packets first: its kernel ring (--pcap-buffer, 32 MiB) is mapped into
	 * our RSS and is most of it; measured with a 44 MiB budget, stopping
	 * sockets, then logs, freed nothing that showed, and only packets
	 * brought RSS from 53 to 20 MiB. Then the last one still running: the
	 * table lists the cheapest and most basic first. */
	for (i = l->nsrc - 1; i > 0; i--) {
		if (l->run[i].status != SRC_RUNNING)
			continue;
		if (victim < 0 || !strcmp(l->run[i].src->name, "packets"))
			victim = i;
	}
	if (victim <= 0)
		return;
	writer_event(cap->w, cap->tick, "backoff", l->run[victim].src->name,
		     "own memory %llu MiB over budget: source stopped", (unsigned long long)(rss >> 20));
	warning("memory over budget; stopping source '%s'", l->run[victim].src->name);
	stop_source(cap, &l->run[victim], SRC_STOPPED, "stopped: capture memory over budget");
#ifdef __GLIBC__
	/* Give what it freed back to the system, so the next window's RSS
	 * shows it instead of stopping another. */
	malloc_trim(0);
#endif
}

/* The next tick's deadline: absolute, so ticks do not drift. */
static void schedule_next(struct loop *l, int64_t elapsed)
{
	char tmp[64];

	l->next_tick_us += l->interval;
	if (l->next_tick_us > now_mono_us())
		return;
	/* Sampling took longer than the interval: skip the missed slots
	 * rather than bunching ticks together. */
	while (l->next_tick_us <= now_mono_us())
		l->next_tick_us += l->interval;
	if (l->overruns++ == 0)
		writer_event(l->cap->w, l->cap->tick, "warning", NULL,
			     "a tick took longer than the interval (%s); missed ticks are skipped",
			     format_duration_us(elapsed, tmp, sizeof(tmp)));
}

/* One tick: sleep to its deadline, refresh targets, sample, commit. */
static enum tick_result tick(struct loop *l)
{
	struct capture *cap = l->cap;
	enum tick_result res;
	int64_t t0, elapsed;
	int alive;

	if (stop_signal) {
		l->stop_reason = stop_signal == SIGINT ? "interrupted (SIGINT)" : "stopped by signal";
		return TICK_STOP;
	}
	sleep_until(l->next_tick_us);
	if (stop_signal)
		return TICK_GO_ON;
	cap->tick++;
	cap->tick_wall_us = now_wall_us();
	cap->tick_mono_us = t0 = now_mono_us();
	if (writer_begin_tick(cap->w, cap->tick, cap->tick_wall_us, cap->tick_mono_us))
		return TICK_WRITE_FAILED;
	alive = targets_refresh(cap);
	if (writer_capped(cap->w))
		return TICK_SIZE_CAP;
	if (alive < 0)
		return TICK_WRITE_FAILED;
	if ((res = sample_sources(l)) != TICK_GO_ON)
		return res;
	elapsed = now_mono_us() - t0;
	writer_tick_cost(cap->w, cap->tick, elapsed);
	if (writer_commit_tick(cap->w))
		return writer_capped(cap->w) ? TICK_SIZE_CAP : TICK_WRITE_FAILED;
	if (alive == 0) {
		l->stop_reason = "every target exited";
		return TICK_STOP;
	}
	if (cap->stop_requested)
		return TICK_STOP;
	if (l->show_progress)
		progress(cap, cap->tick_mono_us - cap->start_mono_us, writer_size(cap->w), 0);
	if (cap->tick_mono_us - cap->start_mono_us >= cap->opts->duration_us)
		return TICK_STOP;
	check_budget(l);
	schedule_next(l, elapsed);
	return TICK_GO_ON;
}

/* The tick in progress would take the bundle past --max-size: drop it whole
 * and end with the ticks committed before it. */
static void drop_capped_tick(struct loop *l)
{
	struct capture *cap = l->cap;
	int i;

	writer_rollback(cap->w);
	for (i = 0; i < l->nsrc; i++) {
		if (l->run[i].last_tick == cap->tick)
			l->run[i].last_tick = cap->tick - 1;
		if (l->run[i].first_tick == cap->tick)
			l->run[i].first_tick = 0;
	}
	l->cap_dropped = cap->tick--;
}

/* The size cap's event and warning, in the final transaction. */
static void say_size_cap(struct loop *l)
{
	struct capture *cap = l->cap;
	char s1[32];

	format_size(cap->opts->max_size, s1, sizeof(s1));
	if (l->cap_dropped)
		l->stop_reason = "size cap reached";
	if (l->cap_dropped == 1)
		writer_event(cap->w, 0, "size_cap", NULL,
			     "bundle reached --max-size %s: the first tick did not fit and no tick was "
			     "kept; a larger --max-size is needed for this target", s1);
	else if (l->cap_dropped)
		writer_event(cap->w, cap->tick, "size_cap", NULL,
			     "bundle reached --max-size %s: tick %lld did not fit and was dropped whole; "
			     "capture stopped after tick %lld", s1, (long long)l->cap_dropped, (long long)cap->tick);
	else
		writer_event(cap->w, cap->tick, "size_cap", NULL,
			     "bundle reached --max-size %s: the sources' last rows did not fit and were dropped", s1);
	if (l->cap_dropped == 1)
		warning("bundle reached --max-size %s before the first tick could be kept; "
			"a larger --max-size is needed for this target", s1);
	else
		warning("bundle reached --max-size %s; stopping", s1);
}

/* Final transaction: close sources (they may flush rows), statuses, end time. */
static void finish(struct loop *l)
{
	struct capture *cap = l->cap;
	int i, flush;

	if (writer_begin(cap->w)) {
		stop_running(l);
		return;
	}
	/* What the sources flush on close is dropped whole if it does not fit
	 * (after a size cap the writer refuses it anyway: it could name rows of
	 * the dropped tick). */
	flush = writer_exec(cap->w, "SAVEPOINT closing") == 0;
	stop_running(l);
	if (flush && writer_capped(cap->w))
		writer_exec(cap->w, "ROLLBACK TO closing");
	if (flush)
		writer_exec(cap->w, "RELEASE closing");
	writer_final(cap->w);
	if (writer_capped(cap->w))
		say_size_cap(l);
	for (i = 0; i < l->nsrc; i++) {
		struct running_source *r = &l->run[i];

		if (r->requested)
			writer_source_status(cap->w, r->src->name, r->requested,
					     r->status == SRC_RUNNING ? "ran" : status_names[r->status],
					     r->backend, r->reason, r->first_tick, r->last_tick);
	}
	targets_finish(cap);
	manifest_write_end(cap, l->stop_reason);
	writer_event(cap->w, cap->tick, "capture_stop", NULL, "%s after %lld tick(s)", l->stop_reason,
		     (long long)cap->tick);
	if (writer_commit(cap->w) && l->rc == CF_EXIT_OK)
		l->rc = CF_EXIT_IO;
}

void loop_run(struct loop *l)
{
	struct capture *cap = l->cap;
	enum tick_result res;

	l->interval = cap->opts->interval_us;
	l->next_tick_us = cap->start_mono_us;
	budget_start(&l->budget, cap->start_mono_us);
	while ((res = tick(l)) == TICK_GO_ON)
		;
	if (res == TICK_SIZE_CAP) {
		drop_capped_tick(l);
	} else if (res == TICK_WRITE_FAILED) {
		int e = errno;

		l->rc = CF_EXIT_IO;
		l->complete = 0;
		l->stop_reason = e == ENOSPC ? "disk full" : "write error";
		if (e == ENOSPC)
			error("disk full while writing '%s': capture stopped; every tick before %lld is kept",
			      l->output, (long long)cap->tick);
	}
	if (l->show_progress)
		progress(cap, now_mono_us() - cap->start_mono_us, writer_size(cap->w), 1);
	finish(l);
}
