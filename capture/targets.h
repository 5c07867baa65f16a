/* The target set: the processes a capture follows. */
#ifndef CASEFILE_TARGETS_H
#define CASEFILE_TARGETS_H

#include "capture.h"

/* Resolves --pid and --name into the initial targets (nothing is written
 * yet). Returns the number found, or -1 after printing why none matched. */
int targets_init(struct capture *cap);

/* Once per tick, inside its transaction: marks targets that exited (or whose
 * pid now names another process) as gone with an event, follows a target
 * into another network namespace (tg->netns, a `netns_changed` event; the
 * processes row keeps the first one), adds descendants
 * when --children, and writes a processes row for each new one. Returns the
 * number of live targets, or -1 on a write error. */
int targets_refresh(struct capture *cap);

/* Sets last_tick of every process at the end of the capture. */
int targets_finish(struct capture *cap);

void targets_release(struct target_set *t);

/* The inode of PID's network namespace (stat of /proc/PID/ns/net, under
 * --root); 0 when unknown (no permission, or PID is gone). */
unsigned long long targets_netns(const struct capture *cap, pid_t pid);

/* Reads starttime of PID (field 22 of /proc/PID/stat); 0 when gone. */
unsigned long long targets_start_ticks(const struct capture *cap, pid_t pid);

#endif
