/* /proc/PID/net/{tcp,tcp6,udp,udp6}: the fallback when NETLINK_SOCK_DIAG is
 * not available. The parser fills the same struct sockdiag_sock the netlink
 * parser does (without tcp_info), so the sockets source has one path after
 * the read.
 *
 * Differences from netlink worth knowing: a LISTEN socket's send-q is 0 here,
 * not its backlog; only tcp_info's retransmits count is available.
 */
#ifndef CASEFILE_PROCNET_H
#define CASEFILE_PROCNET_H

#include <stddef.h>
#include <stdint.h>

#include "sockdiag.h"

/* Parses the text of one /proc/net/{tcp,tcp6,udp,udp6} file (buf[0..len),
 * need not be NUL-terminated) as sockets of proto (IPPROTO_TCP/UDP) and
 * family (AF_INET/AF_INET6), appending them to r. The header line is
 * skipped; a malformed line (wrong field count, bad hex, unknown state) is
 * skipped and counted in r->malformed. Returns 0, or -1 when memory runs out. */
int procnet_parse(const char *buf, size_t len, int proto, int family, struct sockdiag_result *r);

/* Per-namespace counts from /proc/PID/net/sockstat and sockstat6, which the
 * kernel keeps as counters: reading them costs two small files, not a walk
 * of the socket hash tables. -1: the line or field was not there. */
struct sockstat {
	int64_t tcp_inuse;       /* "TCP: inuse": IPv4 TCP sockets in the hash tables,
	                          * not counting timewait and request sockets */
	int64_t tcp_tw;          /* "TCP: tw": timewait sockets of both families: TIME_WAIT,
	                          * and the FIN_WAIT2 of a socket already closed */
	int64_t udp_inuse;       /* "UDP: inuse" */
	int64_t tcp6_inuse;      /* "TCP6: inuse" (sockstat6) */
	int64_t udp6_inuse;      /* "UDP6: inuse" (sockstat6) */
};

/* Sets every count of st to -1 (not read). */
void sockstat_init(struct sockstat *st);
/* Parses the text of sockstat or sockstat6 (buf[0..len), need not be
 * NUL-terminated) into the counts it holds; lines and fields it does not know
 * are skipped, so both files go through the same call. Returns the number of
 * counts set; a line with a known name and a malformed number sets nothing. */
int sockstat_parse(const char *buf, size_t len, struct sockstat *st);

#endif
