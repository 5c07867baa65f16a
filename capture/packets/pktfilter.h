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
#include "sockets/sockmap.h"

#include <stdint.h>

/* The fd walk costs ~3 µs per fd: refresh the filter this often, not every tick. */
#define PKTFILTER_REFRESH_MS 5000
#define PKTFILTER_MAX_CLAUSES 64

/* The filter for sockets V[0..N-1] (the target's own): a malloc'd string,
 * "less 1" (matches nothing) when there is none, or NULL when out of memory.
 * More than PKTFILTER_MAX_CLAUSES clauses fall back to one clause per port,
 * then to "tcp or udp". */
char *pktfilter_build(const struct sockdiag_sock *v, size_t n);

/* Every fd link is read again at least this often, whatever the tables show. */
#define PKTFILTER_RELINK_MS 60000

/* What a refresh learned about the targets' fds, so the next one reads
 * fewer fd links (~3 µs each, every refresh): none when every socket in the
 * tables was explained by the last read (held by a target, or by none);
 * else, as the sockets source's rescans do, only the links of fds that are
 * new or whose socket is gone. Every PKTFILTER_RELINK_MS, and when the
 * target set changes, every link is read. Zeroes to start;
 * pktfilter_cache_release() frees it. */
struct pktfilter_cache {
	struct sockmap owners;   /* socket inodes the targets held at the last read */
	struct sockmap foreign;  /* inodes of that refresh's sockets no target held */
	struct sockmap alive;    /* scratch: the inodes of this refresh's tables */
	struct sockmap_fdcache *fdc; /* per target index */
	int nfdc;
	int64_t full_ms;         /* when every link was last read; 0 never */
	int targets_n, nalive;   /* the target set then */
	int64_t full_reads, part_reads, reuses, links_read;
	int64_t from_sockets;    /* refreshes built from the sockets source's dump */
};
void pktfilter_cache_release(struct pktfilter_cache *c);

/* The filter for the current targets of CAP (malloc'd), or NULL to capture
 * everything (no target known, or /proc unreadable). C: the cache above, or
 * NULL to read every link. */
char *pktfilter_auto(struct capture *cap, struct pktfilter_cache *c);

#endif
