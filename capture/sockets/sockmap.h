/* Socket inode -> owning process and fd, built from the fd directories of
 * the target processes only (never all of /proc unless asked): one readlink
 * per fd, an open-addressing hash so lookups stay O(1) at 60k sockets (ss
 * keeps a fixed 256-bucket table and slows down superlinearly). */
#ifndef CASEFILE_SOCKMAP_H
#define CASEFILE_SOCKMAP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sockmap_entry {
	uint32_t inode;          /* 0 = empty slot */
	int32_t pid;
	int32_t fd;
	int32_t owner;           /* caller's index for pid (e.g. target index) */
};

struct sockmap {
	struct sockmap_entry *tab;
	size_t cap;              /* power of two */
	size_t n;
	size_t shared;           /* sockets seen under more than one fd (first kept) */
};

/* Parses a /proc/PID/fd link text ("socket:[12345]", not NUL-terminated,
 * len bytes). Returns 0 and sets *inode, or -1 when it is not a socket. */
int sockmap_parse_link(const char *s, size_t len, uint32_t *inode);

/* Adds every socket fd of the directory fd_dir (e.g. "/proc/42/fd", already
 * under the capture root) as owned by pid with tag owner. Returns the number
 * of socket fds found, or -1 with errno set when the directory cannot be
 * read (ENOENT/ESRCH: the process is gone; EACCES: no privilege), without
 * printing. An fd that disappears while being read is skipped. When fd_dir
 * is the real "/proc/PID/fd" of pid and a BPF iterator can be loaded
 * (fdowners.h), the same sockets come from it, without a readlink per fd. */
int sockmap_add_dir(struct sockmap *m, const char *fd_dir, pid_t pid, int owner);

/* What the last scan of one process's fd directory found: the socket inode
 * each fd's link named (0: not a socket), and in which scan each fd was
 * listed. Zero-initialise; sockmap_fdcache_release() frees it. */
struct sockmap_fdcache {
	uint32_t *ino;
	uint32_t *gen;
	size_t cap;
	uint32_t scan;
	pid_t pid;
	size_t links_read;       /* readlinks done by the last scan (for measurements) */
};

/* Like sockmap_add_dir(), but an fd listed in the previous scan of the same
 * process whose socket inode is in alive (the sockets the kernel just
 * listed) is taken from the cache instead of reading its link again: a scan
 * costs one readdir plus one readlink per new or changed fd. With alive NULL
 * every link is read (a full scan, which also refreshes the cache). An fd
 * closed and reused for another socket while its old socket lives on
 * elsewhere keeps its old inode until the next full scan. A scan through
 * the BPF iterator (see sockmap_add_dir()) reads no link and leaves the
 * cache behind (links_read 0): a later scan by links reads every link. */
int sockmap_add_dir_cached(struct sockmap *m, const char *fd_dir, pid_t pid, int owner,
			   struct sockmap_fdcache *c, const struct sockmap *alive);
void sockmap_fdcache_release(struct sockmap_fdcache *c);

/* Adds one mapping; returns 0, or -1 when memory runs out. */
int sockmap_add(struct sockmap *m, uint32_t inode, pid_t pid, int fd, int owner);

/* Makes room for more entries in one step (a hint for a known count);
 * returns 0, or -1 when memory runs out (the map is unchanged). */
int sockmap_reserve(struct sockmap *m, size_t more);

/* The entry for inode, or NULL. */
const struct sockmap_entry *sockmap_find(const struct sockmap *m, uint32_t inode);

/* Empties the map, keeping its memory; frees the contents. */
void sockmap_reset(struct sockmap *m);
void sockmap_release(struct sockmap *m);

#endif
