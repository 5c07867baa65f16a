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

#include "sockdiag.h"

/* Parses the text of one /proc/net/{tcp,tcp6,udp,udp6} file (buf[0..len),
 * need not be NUL-terminated) as sockets of proto (IPPROTO_TCP/UDP) and
 * family (AF_INET/AF_INET6), appending them to r. The header line is
 * skipped; a malformed line (wrong field count, bad hex, unknown state) is
 * skipped and counted in r->malformed. Returns 0, or -1 when memory runs out. */
int procnet_parse(const char *buf, size_t len, int proto, int family, struct sockdiag_result *r);

#endif
