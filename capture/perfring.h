/* perf_event ring buffers, shared by the sources that read perf samples
 * (the profile source and the perf backend of the syscalls source, through
 * perfset.h, which opens the events writing into them).
 *
 * A ring is the mmap'd buffer of one event: a metadata page and a data area
 * of a power of two of pages, written by the kernel at data_head, read by us
 * up to it and released by moving data_tail. A full ring makes the kernel
 * drop records and later write a PERF_RECORD_LOST; it never blocks the
 * target.
 */
#ifndef CASEFILE_PERFRING_H
#define CASEFILE_PERFRING_H

#include <linux/perf_event.h>
#include <stddef.h>
#include <stdint.h>

struct perfring {
	int fd;                          /* the event owning the buffer, -1 none */
	struct perf_event_mmap_page *meta;
	unsigned char *data;
	uint64_t size;                   /* data area, a power of two */
	int bad;                         /* undecodable bytes: abandoned */
};

/* Parses a CPU list ("0-3,8\n", as /sys/devices/system/cpu/online) into CPUS
 * (at most MAX). Returns how many, or -1 for text that is not a list. */
int perfring_parse_cpus(const char *buf, size_t len, int *cpus, int max);

/* perf_event_open(2) with close-on-exec. */
int perfring_open_event(struct perf_event_attr *attr, int pid, int cpu, int group);

/* Maps the ring of event FD with *PAGES data pages (a power of two), halving
 * them while locked memory is short, down to MIN_PAGES. Returns 0 with R
 * filled and *PAGES the size used, or -1 with errno set. */
int perfring_map(struct perfring *r, int fd, int *pages, int min_pages);
void perfring_unmap(struct perfring *r);

/* Reads every record of R written so far: FN gets each (BUF, LEN bytes, the
 * record's own header first; a record that wraps the ring end is copied into
 * TMP, 64 KiB, first). A record FN refuses (returns -1), or bytes that cannot
 * be a record, mark the ring bad: it is abandoned. */
void perfring_drain(struct perfring *r, unsigned char *tmp,
		    int (*fn)(const void *buf, size_t len, void *arg), void *arg);

#endif
