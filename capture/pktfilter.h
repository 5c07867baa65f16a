/* The BPF filter of --pcap-filter auto: the target's own connections.
 *
 * The target's sockets are found by joining the socket inodes of its fds
 * (/proc/PID/fd) with the rows of /proc/PID/net/{tcp,tcp6,udp,udp6}, which
 * show the target's network namespace. Each listening or unconnected socket
 * becomes "PROTO port LOCAL"; each connection becomes "PROTO and host REMOTE
 * and port RPORT", so new connections to the same remote service match too.
 *
 * TODO(sockets): when capture/sockets.c lands, take its socket table of the
 * current tick instead of walking /proc/PID/fd here (it has the pid map).
 */
#ifndef CASEFILE_PKTFILTER_H
#define CASEFILE_PKTFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "capture.h"

/* The fd walk costs ~3 µs per fd: refresh the filter this often, not every tick. */
#define PKTFILTER_REFRESH_MS 5000
#define PKTFILTER_MAX_CLAUSES 64

struct procnet_sock {
	int proto;                       /* 6 TCP, 17 UDP */
	int family;                      /* 4 or 6 (IPv4-mapped IPv6 is given as 4) */
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport;
	int state;                       /* TCP state number (10 = LISTEN); UDP 7 or 1 */
	unsigned long long inode;
};

/* Parses one data line of /proc/net/{tcp,udp}[6] (LINE of LEN bytes, no NUL
 * needed) for protocol PROTO. Returns 0, or -1 for a header or damaged line. */
int procnet_parse_line(const char *line, size_t len, int proto, struct procnet_sock *out);

/* The filter for sockets V[0..N-1]: a malloc'd string, "less 1" (matches
 * nothing) when N is 0, or NULL when out of memory. */
char *pktfilter_build(const struct procnet_sock *v, int n);

/* The filter for the current targets of CAP (malloc'd), or NULL to capture
 * everything (no target known, or /proc unreadable). */
char *pktfilter_auto(struct capture *cap);

#endif
