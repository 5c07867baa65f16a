/* Parsers for cgroup v1 and v2 files and for /proc/PID/cgroup. Buffer and
 * length in, struct out; missing values are -1. */
#ifndef CASEFILE_CGROUPFS_H
#define CASEFILE_CGROUPFS_H

#include <stddef.h>
#include <stdint.h>

#define CGROUP_PATH_MAX 1024

/* Where a process sits, from /proc/PID/cgroup. */
struct cgroup_membership {
	char unified[CGROUP_PATH_MAX];   /* "0::PATH" line, "" if none */
	char cpu[CGROUP_PATH_MAX];       /* v1 controller paths, "" if absent */
	char cpuacct[CGROUP_PATH_MAX];
	char memory[CGROUP_PATH_MAX];
	char pids[CGROUP_PATH_MAX];
	int has_unified, has_v1;
};

int cgroup_parse_membership(const char *buf, size_t len, struct cgroup_membership *out);

struct cgroup_cpu {
	int64_t usage_us, user_us, system_us;
	int64_t nr_periods, nr_throttled, throttled_us;
};

/* cpu.stat of v2 (usage_usec, throttled_usec) or v1 (throttled_time in ns);
 * fields not present stay as they were, so v1's cpu.stat and cpuacct files
 * can fill one struct. */
int cgroup_parse_cpu_stat(const char *buf, size_t len, struct cgroup_cpu *out);
/* v1 cpuacct.stat: "user N\nsystem N" in clock ticks (hz given). */
int cgroup_parse_cpuacct_stat(const char *buf, size_t len, long hz, struct cgroup_cpu *out);
/* v2 cpu.max: "max 100000" or "50000 100000". quota -1 = none. */
int cgroup_parse_cpu_max(const char *buf, size_t len, int64_t *quota_us, int64_t *period_us);
/* A single integer, or "max" (-1). v1's "no limit" values (>= 2^62) are -1. */
int cgroup_parse_value(const char *buf, size_t len, int64_t *out);
/* v2 memory.events (oom, oom_kill) or v1 memory.oom_control (under_oom, oom_kill). */
int cgroup_parse_memory_events(const char *buf, size_t len, int64_t *oom, int64_t *oom_kill);

#endif
