/* The capture's own cost: low priority, and a CPU and memory budget watched
 * over ~10 s windows (--cpu-budget, --mem-budget). What to do when over is
 * the loop's (capture/loop.c): back off the interval, stop a source. */
#ifndef CASEFILE_CAPTURE_BUDGET_H
#define CASEFILE_CAPTURE_BUDGET_H

#include "capture.h"

#define BUDGET_WINDOW_US (10 * 1000000LL)

struct budget {
	int64_t cpu_mark_us;             /* own CPU time at the window's start */
	int64_t mark_mono_us;            /* the window's start */
	int backoffs;                    /* interval doublings so far (at most 3) */
};

/* nice 10 and the idle I/O class, unless --no-nice: the target must win
 * every contest for CPU and disk. */
void budget_lower_priority(const struct capture_opts *o);

void budget_start(struct budget *b, int64_t now_mono_us);

/* When a window has ended at now_mono_us: our CPU use over it in % of a
 * core and our RSS now, a new window begins, and 1 is returned; else 0. */
int budget_window(struct budget *b, int64_t now_mono_us, double *cpu_pct, uint64_t *rss);

/* Own resident memory in bytes (/proc/self/statm), 0 when unknown. */
uint64_t budget_own_rss(void);

#endif
