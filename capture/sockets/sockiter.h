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
 *  - struct sockiter owns the loaded program: sockiter_read() attaches it to
 *    one process (link info task.pid), reads the iterator, parses.
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

/* Appends the sockets in buf[0..len) to r; *malformed counts records
 * refused (and a cut record at the end). Returns 0, or -1 only when memory
 * runs out. */
int sockiter_parse(const void *buf, size_t len, struct sockdiag_result *r, unsigned *malformed);

struct sockiter_bpf;
struct sockiter {
	struct sockiter_bpf *skel;
	unsigned char *buf;
	size_t buflen;
	int64_t reads;
};

/* Loads the program and checks it can attach to this process. Returns 0,
 * or -1 with why (for `sources`) filled in. */
int sockiter_open(struct sockiter *it, char *why, size_t len);
/* Reads the sockets process PID holds into r (appended). Returns 0, or -1
 * with errno set (ESRCH: PID is gone). */
int sockiter_read(struct sockiter *it, pid_t pid, struct sockdiag_result *r, unsigned *malformed);
void sockiter_close(struct sockiter *it);

#endif
