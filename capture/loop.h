/* The tick loop: opens the sources, ticks on an absolute monotonic schedule
 * (one transaction per tick), watches its own budget, and ends with a final
 * transaction (sources closed, statuses, manifest end keys). */
#ifndef CASEFILE_CAPTURE_LOOP_H
#define CASEFILE_CAPTURE_LOOP_H

#include "budget.h"
#include "capture.h"

enum source_status { SRC_OFF, SRC_RUNNING, SRC_SKIPPED, SRC_FAILED, SRC_STOPPED };

struct running_source {
	const struct source *src;
	void *state;
	enum source_status status;
	int requested;
	int64_t first_tick, last_tick;
	char backend[64];
	char reason[512];
};

struct loop {
	struct capture *cap;             /* targets resolved, writer created */
	const char *output;              /* the bundle's path, for messages */
	int show_progress;
	struct running_source *run;      /* one per source of capture_sources */
	int nsrc;
	int64_t interval, next_tick_us, overruns;
	int64_t cap_dropped;             /* the tick dropped at --max-size, or 0 */
	struct budget budget;
	const char *stop_reason;
	int rc;                          /* exit code so far (CF_EXIT_*) */
	int complete;                    /* 0: a write failed, the bundle is not finalized */
};

/* SIGINT, SIGTERM, SIGHUP stop the loop (at once: they cut its sleep short);
 * SIGPIPE is ignored. */
void loop_catch_signals(void);

/* Setup, in one transaction before the first tick: the manifest, every
 * source opened (or recorded off, skipped, failed), capabilities dropped.
 * Returns 0, or -1 when nothing could be recorded: the bundle is removed
 * and l->rc says why. */
int loop_setup(struct loop *l);

/* Ticks until the duration, a signal, every target gone, the size cap or a
 * write error; then the final transaction. Sets l->rc. */
void loop_run(struct loop *l);

/* Frees what loop_setup allocated. */
void loop_release(struct loop *l);

#endif
