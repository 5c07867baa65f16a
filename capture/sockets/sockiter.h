/* The sockets source's iter backend (--sockets-backend=iter): a target
 * process's TCP/UDP sockets read through its file descriptors by a BPF
 * task_file iterator (sockiter.bpf.c), instead of a sock_diag dump that
 * walks the namespace's whole hash tables.
 *
 * Two halves, as in sockdiag.h:
 *  - sockiter_parse() turns the bytes read from an iterator into
 *    sockdiag_sock structs (the same ones a dump gives). It trusts nothing:
 *    a record with a wrong magic, version or length ends the buffer and is
 *    counted as malformed; out-of-range fields are skipped and counted.
 *  - struct sockiter owns the loaded program and one iterator link per
 *    process read (link info task.pid), attached at its first read and
 *    kept: a read is then one bpf_iter_create() and read()s. Reads happen
 *    in rounds (sockiter_begin/sockiter_end): a process not read in a round
 *    (gone, or no longer a target) has its link dropped at the round's end,
 *    so a reused pid never reads through an old link for long.
 */
#ifndef CASEFILE_SOCKITER_H
#define CASEFILE_SOCKITER_H

#include "sockdiag.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A buffer holding more than this is refused (a process with a million
 * sockets is 128 MiB of records). */
#define SOCKITER_MAX_BYTES (128u << 20)

/* Who holds a socket the iterator listed, and in which namespace the
 * socket is: one for every socket fd, TCP/UDP or not. */
struct sockiter_owner {
	int32_t pid, fd;
	uint32_t inode;
	uint32_t netns;          /* 0 unknown */
	int64_t row;             /* its row in the result (r->v), -1 none (not TCP/UDP) */
};
struct sockiter_owners {
	struct sockiter_owner *v;
	size_t n, alloc;
};

/* Appends the TCP/UDP sockets in buf[0..len) to r, and (owners not NULL)
 * every socket fd's holder to owners; *malformed counts records refused
 * (and a cut record at the end). Returns 0, or -1 only when memory runs
 * out. */
int sockiter_parse(const void *buf, size_t len, struct sockdiag_result *r,
		   struct sockiter_owners *owners, unsigned *malformed);
void sockiter_owners_release(struct sockiter_owners *o);

struct sockiter_link {
	pid_t pid;
	struct bpf_link *link;
	int64_t round;           /* the last round it was read in */
};

/* Drops from v[0..*n) the links not read in round (calling drop on each,
 * NULL: none), keeping the others in order. Returns how many were dropped. */
int sockiter_links_sweep(struct sockiter_link *v, int *n, int64_t round,
			 void (*drop)(struct sockiter_link *));

struct sockiter_bpf;
struct bpf_link;
struct sockiter {
	struct sockiter_bpf *skel;
	unsigned char *buf;
	size_t buflen;
	int64_t reads;
	struct sockiter_link *links;
	int nlinks, alinks;
	int64_t round;
	int64_t attaches;        /* links attached, over the capture */
};

/* Loads the program and checks it can attach to this process. Returns 0,
 * or -1 with why (for `sources`) filled in. */
int sockiter_open(struct sockiter *it, char *why, size_t len);
/* Reads the sockets process PID holds into r (appended; their holders into
 * owners, when not NULL). Returns 0, or -1 with errno set (ESRCH or ENOENT:
 * PID is gone). */
int sockiter_read(struct sockiter *it, pid_t pid, struct sockdiag_result *r,
		  struct sockiter_owners *owners, unsigned *malformed);
/* A round of reads begins; at its end, the links of processes not read in
 * it are dropped. */
void sockiter_begin(struct sockiter *it);
void sockiter_end(struct sockiter *it);
void sockiter_close(struct sockiter *it);

#endif
