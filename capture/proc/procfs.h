/* Parsers for /proc text. Each takes a buffer and its length (not
 * NUL-terminated necessarily), fills a struct, and returns 0, or -1 when the
 * text is not what the kernel writes there (nothing is printed: callers name
 * the file). Fields the text lacks are left at -1. */
#ifndef CASEFILE_PROCFS_H
#define CASEFILE_PROCFS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct proc_stat {
	int pid;
	char comm[64];                   /* may hold spaces and parentheses */
	char state;
	int ppid;
	int64_t minflt, majflt;
	int64_t utime, stime;            /* clock ticks */
	int64_t num_threads;
	uint64_t starttime;              /* clock ticks after boot */
	int64_t vsize;                   /* bytes */
	int64_t rss_pages;
};

struct proc_status {
	char name[64];
	int ppid, uid;
	int64_t vm_size_kb, vm_rss_kb, vm_swap_kb;
	int64_t threads;
	int64_t vol_ctxt, invol_ctxt;
};

struct proc_statm {
	int64_t size_pages, resident_pages, shared_pages;
};

struct proc_io {
	int64_t rchar, wchar, syscr, syscw, read_bytes, write_bytes;
};

struct proc_smaps_rollup {
	int64_t rss_kb, pss_kb, swap_kb;
};

#define PROC_LIMITS_MAX 20
struct proc_limit {
	char name[32];
	int64_t soft, hard;              /* -1 = unlimited */
	char unit[16];
};
struct proc_limits {
	struct proc_limit v[PROC_LIMITS_MAX];
	int n;
};

int procfs_parse_stat(const char *buf, size_t len, struct proc_stat *out);
int procfs_parse_status(const char *buf, size_t len, struct proc_status *out);
int procfs_parse_statm(const char *buf, size_t len, struct proc_statm *out);
int procfs_parse_io(const char *buf, size_t len, struct proc_io *out);
int procfs_parse_smaps_rollup(const char *buf, size_t len, struct proc_smaps_rollup *out);
int procfs_parse_limits(const char *buf, size_t len, struct proc_limits *out);
/* Soft limit named NAME ("Max open files"), -1 when unlimited or absent. */
int64_t proc_limits_soft(const struct proc_limits *l, const char *name);

/* One line of /proc/PID/net/dev. */
struct netdev_stats {
	char name[32];
	int64_t rx_bytes, rx_packets, rx_errs, rx_drop;
	int64_t tx_bytes, tx_packets, tx_errs, tx_drop;
};
/* Parses the whole file; calls fn for each interface. Returns the number of
 * interfaces, or -1 if the header is not /proc/net/dev's. Malformed lines are
 * skipped and counted in *bad (may be NULL). */
int procfs_parse_netdev(const char *buf, size_t len,
			void (*fn)(const struct netdev_stats *s, void *arg), void *arg, int *bad);

/* Replaces NUL separators of /proc/PID/cmdline with spaces and non-printable
 * bytes with '?'; returns the new length. */
size_t procfs_cmdline_clean(char *buf, size_t len);

/* Small I/O helpers: read a whole (small) file into buf, NUL-terminated.
 * Return the length, or -1 with errno set. */
ssize_t read_file(const char *path, char *buf, size_t size);
/* Reads the whole of a file whose size is not known in advance (/proc says
 * 0) into a buffer it allocates, grown as needed up to max bytes; the text is
 * NUL-terminated and *out is the caller's to free. When the file holds more
 * than max bytes, the first max are returned and *truncated (may be NULL) is
 * set, so the caller can say so. Returns the length, or -1 with errno set and
 * *out NULL. */
ssize_t read_file_alloc(const char *path, size_t max, char **out, int *truncated);
/* pread from offset 0 of a kept-open fd. */
ssize_t pread_file(int fd, char *buf, size_t size);

#endif
