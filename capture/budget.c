/* The capture's own cost: priority, CPU and memory measured per window. */
#include "budget.h"

#include "error.h"
#include "proc/procfs.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

void budget_lower_priority(const struct capture_opts *o)
{
	if (o->no_nice)
		return;
	/* Production first: the target must win every contest for CPU and disk. */
	if (setpriority(PRIO_PROCESS, 0, 10) != 0)
		info("cannot lower CPU priority: %s", strerror(errno));
#ifdef SYS_ioprio_set
	/* IOPRIO_CLASS_IDLE (3) << IOPRIO_CLASS_SHIFT (13), IOPRIO_WHO_PROCESS (1). */
	if (syscall(SYS_ioprio_set, 1, 0, 3 << 13) != 0)
		info("cannot set idle I/O class: %s", strerror(errno));
#endif
}

static int64_t own_cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (int64_t)ru.ru_utime.tv_sec * 1000000 + ru.ru_utime.tv_usec +
	       (int64_t)ru.ru_stime.tv_sec * 1000000 + ru.ru_stime.tv_usec;
}

uint64_t budget_own_rss(void)
{
	char buf[256];
	ssize_t n = read_file("/proc/self/statm", buf, sizeof(buf));
	struct proc_statm sm;

	if (n <= 0 || procfs_parse_statm(buf, (size_t)n, &sm) || sm.resident_pages < 0)
		return 0;
	return (uint64_t)sm.resident_pages * (uint64_t)sysconf(_SC_PAGESIZE);
}

void budget_start(struct budget *b, int64_t now_mono_us)
{
	b->cpu_mark_us = own_cpu_us();
	b->mark_mono_us = now_mono_us;
}

int budget_window(struct budget *b, int64_t now_mono_us, double *cpu_pct, uint64_t *rss)
{
	int64_t used;

	if (now_mono_us - b->mark_mono_us < BUDGET_WINDOW_US)
		return 0;
	used = own_cpu_us() - b->cpu_mark_us;
	*cpu_pct = 100.0 * (double)used / (double)(now_mono_us - b->mark_mono_us);
	*rss = budget_own_rss();
	budget_start(b, now_mono_us);
	return 1;
}
