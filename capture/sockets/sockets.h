/* The sockets source's insides, shared by sockets.c (the source: owners,
 * rows, the tick) and netns.c (a sock_diag socket per network namespace,
 * dumps, the /proc/PID/net fallback). Not for other sources. */
#ifndef CASEFILE_CAPTURE_SOCKETS_H
#define CASEFILE_CAPTURE_SOCKETS_H

#include "capture.h"
#include "sockdiag.h"
#include "sockiter.h"
#include "sockmap.h"
#include "sockview.h"

#include <stdint.h>
#include <sys/types.h>

/* At most this many events of one kind; then one saying the rest are not
 * reported (a flapping fault must not fill the bundle). */
#define EVENT_LIMIT 10
#define PROCNET_MAX (64u << 20)
/* Namespaces no target lives in any more but whose sockets a target still
 * holds: dumped up to this many, so hopping targets cannot make the
 * capture's fds and memory grow without bound. */
#define NS_KEEP_MAX 16

enum ev_kind { EV_VANISHED, EV_FD_DENIED, EV_NETNS, EV_DUMP, EV_MALFORMED, EV_INTR, EV_UNIX, EV_NSKEEP, EV_MAX };

struct skey {
	unsigned long long netns;
	uint32_t inode;
	uint16_t sport, dport;
	uint8_t proto, family, pad[2];
	uint8_t src[16], dst[16];
};

struct svals {
	int state;
	int64_t rq, wq;
	int64_t rtt, rttvar, cwnd, unacked, lost, retransmits, total_retrans;
	int64_t bytes_sent, bytes_received, bytes_acked;
};

struct sent {
	struct skey k;
	int64_t id;
	int64_t seen_tick;
	int64_t last_row_mono;
	struct svals last;
};

struct nsconn {
	unsigned long long netns;
	pid_t pid;               /* a target in it, for /proc/PID/net */
	int netlink;             /* 1: sockdiag open; 0: /proc/PID/net */
	struct sockdiag sd;
	int unix_ok;
	uint8_t *listen_ports;   /* bitmap of TCP ports listened on, this tick */
	int64_t used_tick;       /* last tick it was dumped */
	int64_t owned;           /* target-held sockets in its last dump */
	int64_t totals_tick;     /* last tick its per-state totals were written; 0 none */
};

/* Per (proto, state) counts of a namespace for socket_totals. */
#define NPROTO 5                 /* tcp, udp, unix-stream, unix-dgram, unix-seqpacket */
struct total {
	int64_t sockets, owned, rq, wq;
};

struct sockets_source {
	struct sockmap map;      /* inode -> owner, from the last scan of the fd dirs */
	struct sockmap foreign;  /* inodes of last tick that no target held */
	struct sockmap foreign_next;
	struct sockmap alive;    /* inodes of the dump that asked for a rescan */
	struct sockmap_fdcache *fdc; /* per target index */
	int nfdc;
	int64_t last_scan_mono;
	int scan_targets_n, scan_nalive;
	int64_t scan_tick;
	int64_t full_scans, rescans, links_read;
	struct sockdiag_result res;
	struct sent *v;
	size_t n, alloc;
	int32_t *hash;           /* indices into v, -1 empty */
	size_t hcap;
	struct nsconn *ns;
	int nns;
	unsigned long long own_netns;
	int prefer_procfs;       /* no netlink in our own namespace, or --root */
	const char *replay;      /* $CASEFILE_SOCKDIAG_FILE: a recording instead of the kernel */
	const char *record;      /* $CASEFILE_SOCKDIAG_DUMP: record the first namespace's dumps */
	int events[EV_MAX];
	int totals_every;        /* --socket-totals-every: full dumps every this many ticks */
	int64_t full_dumps, light_dumps;
	int use_iter;            /* --sockets-backend=iter (the default), loaded: every
	                          * tick reads the targets' sockets through their fds
	                          * with the BPF iterator (sockiter.h); owners come from
	                          * its records, not from fd links */
	struct sockiter iter;
	struct sockdiag_result ires; /* this tick's iterator rows, every namespace */
	struct sockiter_owners iown; /* their holders (pid, fd, netns), same indices */
	struct sockdiag_result tres; /* a totals dump (no tcp_info) on full ticks */
	int64_t iter_ticks, iter_records;
	struct total totals[NPROTO][SD_STATE_MAX];
	char *filebuf;
	struct sockets_view view; /* cap->sockets_view: res and map after a namespace's dump */
};

/* An event of KIND for the source, at most EVENT_LIMIT of each kind. */
void sockets_event(struct capture *cap, struct sockets_source *s, enum ev_kind kind,
		   const char *fmt, ...) CF_PRINTF(4, 5);

/* netns.c */

/* The connection to the namespace NETNS that target PID is in: found, or
 * opened when first needed (sock_diag entered with setns, else
 * /proc/PID/net). NULL with *fatal 0 when out of memory, 1 when the source
 * must stop, 2 when PID left the namespace since the tick began (skip it
 * this tick). */
struct nsconn *sockets_ns_get(struct capture *cap, struct sockets_source *s,
			      unsigned long long netns, pid_t pid, int *fatal);
/* Dumps the namespace's sockets into s->res. Full: every socket, unix ones
 * too, for the per-state totals; else (a light dump) only what a target can
 * hold: TCP without TIME_WAIT and NEW_SYN_RECV (neither has an fd; with
 * --all-sockets they are kept), UDP, no unix sockets. Returns 0, 1 when
 * nothing could be read (its sockets are kept as they were), -1 on a fatal
 * error. */
int sockets_ns_dump(struct capture *cap, struct sockets_source *s, struct nsconn *nc, int full);
/* The same, into s->res, for the per-state totals only: every socket,
 * without tcp_info (a smaller reply per socket). Returns as above. */
int sockets_ns_dump_totals(struct capture *cap, struct sockets_source *s, struct nsconn *nc);
/* Closes what the connection holds. */
void sockets_ns_release(struct nsconn *nc);

#endif
