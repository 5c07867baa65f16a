/* The BPF filter of --pcap-filter auto: the target's own connections.
 *
 * The target's sockets are the rows of /proc/PID/net/{tcp,tcp6,udp,udp6}
 * (which show the target's network namespace; parsed by procnet.c; the TCP
 * ones from one sock_diag dump instead when the target shares our
 * namespace, same rows and order, one hash walk instead of two) whose
 * inode one of its fds holds (sockmap.c): the same join the sockets source
 * makes. Each listening or unconnected socket becomes "PROTO port LOCAL"
 * ("PROTO and host LOCAL and port LOCAL" when bound to one address); each
 * connection becomes "PROTO and host REMOTE and port RPORT", so that new
 * connections to the same remote service match too.
 */
#ifndef CASEFILE_PKTFILTER_H
#define CASEFILE_PKTFILTER_H

#include <stddef.h>

#include "capture.h"
#include "sockets/sockdiag.h"

/* The fd walk costs ~3 µs per fd: refresh the filter this often, not every tick. */
#define PKTFILTER_REFRESH_MS 5000
#define PKTFILTER_MAX_CLAUSES 64

/* The filter for sockets V[0..N-1] (the target's own): a malloc'd string,
 * "less 1" (matches nothing) when there is none, or NULL when out of memory.
 * More than PKTFILTER_MAX_CLAUSES clauses fall back to one clause per port,
 * then to "tcp or udp". */
char *pktfilter_build(const struct sockdiag_sock *v, size_t n);

/* The filter for the current targets of CAP (malloc'd), or NULL to capture
 * everything (no target known, or /proc unreadable). */
char *pktfilter_auto(struct capture *cap);

#endif
