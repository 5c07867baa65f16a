/* NETLINK_SOCK_DIAG: the socket table as `ss` reads it.
 *
 * Two halves, kept apart so the parser can be fed byte fixtures:
 *  - sockdiag_parse() turns a buffer of netlink messages (what one recv()
 *    returns, or a recorded dump) into sockdiag_sock / sockdiag_unix structs.
 *    It trusts nothing: every nlmsg and rtattr length is checked, malformed
 *    messages are skipped and counted.
 *  - struct sockdiag owns the netlink socket: it sends dump requests and feeds
 *    the replies to the parser. It can also record the raw reply stream to a
 *    file (like `ss -D`), which sockdiag_replay() runs through the same parser
 *    (like ss's TCPDIAG_FILE).
 *
 * A netlink socket answers for the network namespace it was created in, so a
 * caller that wants another namespace creates the socket after setns() and
 * may return to its own namespace right away.
 */
#ifndef CASEFILE_SOCKDIAG_H
#define CASEFILE_SOCKDIAG_H

#include <stddef.h>
#include <stdint.h>

/* Dump requests carry this sequence number, and replies echo it: the low
 * byte is the IP protocol asked for. inet_diag_msg does not say which
 * protocol a socket belongs to (INET_DIAG_PROTOCOL is not always sent): a
 * live dump takes it from the request its replies are matched to (struct
 * sockdiag_expect); a replayed recording, which has no request, from here. */
#define SOCKDIAG_SEQ(proto, n) ((((uint32_t)(n)) << 8) | ((uint32_t)(proto) & 0xff))

/* TCP states as the kernel numbers them (include/net/tcp_states.h). */
enum sockdiag_state {
	SD_ESTABLISHED = 1, SD_SYN_SENT, SD_SYN_RECV, SD_FIN_WAIT1, SD_FIN_WAIT2,
	SD_TIME_WAIT, SD_CLOSE, SD_CLOSE_WAIT, SD_LAST_ACK, SD_LISTEN, SD_CLOSING,
	SD_NEW_SYN_RECV, SD_STATE_MAX
};

/* The fields of tcp_info we keep. -1 means the kernel did not provide the
 * field (older kernels send a shorter tcp_info). */
struct sockdiag_tcpinfo {
	int64_t retransmits;     /* current consecutive RTO retransmits */
	int64_t rtt_us, rttvar_us;
	int64_t snd_cwnd;        /* segments */
	int64_t unacked, lost, retrans;
	int64_t total_retrans;
	int64_t bytes_acked, bytes_received, bytes_sent, bytes_retrans;
	int64_t segs_out, segs_in;
	int64_t last_data_recv_ms; /* ms since the last data was received */
};

/* One TCP or UDP socket. Addresses are in network byte order, an IPv4
 * address in the first 4 bytes; ports are in host order. For a LISTEN
 * socket, rqueue is the accept queue length and wqueue the backlog. */
struct sockdiag_sock {
	uint8_t family;          /* AF_INET or AF_INET6 */
	uint8_t proto;           /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t state;           /* enum sockdiag_state */
	uint8_t has_tcpinfo;     /* ti holds an INET_DIAG_INFO attribute */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t inode, uid, ifindex;
	uint32_t rqueue, wqueue;
	struct sockdiag_tcpinfo ti;
};

/* One unix socket, for counting by type and state. */
struct sockdiag_unix {
	uint8_t type;            /* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	uint8_t state;           /* enum sockdiag_state: LISTEN, ESTABLISHED, CLOSE ... */
	uint32_t inode;
	int64_t rqueue, wqueue;  /* -1 when UNIX_DIAG_RQLEN was missing */
};

/* What a parse produced; parses append, so one result can collect several
 * dumps. Initialise with SOCKDIAG_RESULT_INIT or zeroes. */
struct sockdiag_result {
	struct sockdiag_sock *v;
	size_t n, alloc;
	struct sockdiag_unix *u;
	size_t nu, ualloc;
	unsigned done;           /* NLMSG_DONE messages seen (one per finished dump) */
	int err;                 /* first NLMSG_ERROR as a positive errno, 0 if none */
	unsigned errors;         /* NLMSG_ERROR messages seen (one per failed dump) */
	unsigned malformed;      /* messages or attributes skipped as malformed */
	unsigned interrupted;    /* messages flagged NLM_F_DUMP_INTR (table changed mid-dump) */
	unsigned foreign;        /* messages skipped as replies to another request
	                          * (stale sequence number, other port, not the kernel) */
	unsigned truncated;      /* datagrams the kernel cut (MSG_TRUNC) */
	/* Internal to sockdiag.c (zero-initialised like the rest): */
	size_t ready;            /* rows of v already backed by memory (prefaulted) */
	size_t last6;            /* 1 + index of the last AF_INET6 row parsed, 0 none */
	size_t mixed6;           /* for any from >= mixed6, rows v[from..n) are v4
	                          * ones then v6 ones (sockdiag_order_by_family) */
};
#define SOCKDIAG_RESULT_INIT { 0 }

/* Empties r for reuse, keeping its allocations. */
void sockdiag_result_reset(struct sockdiag_result *r);
/* Appends one uninitialised socket to r; NULL when memory runs out. */
struct sockdiag_sock *sockdiag_result_push(struct sockdiag_result *r);
/* Marks every field of t as absent (-1). */
void sockdiag_tcpinfo_absent(struct sockdiag_tcpinfo *t);
/* Frees the contents of r. */
void sockdiag_result_release(struct sockdiag_result *r);

/* Parses the netlink messages in buf[0..len) and appends the sockets they
 * describe to r. A message whose header length is impossible ends the buffer
 * (nothing after it can be framed) and counts as malformed; a message with a
 * short body or bad attribute is skipped and counted. Returns 0, or -1 only
 * when memory runs out. */
int sockdiag_parse(const void *buf, size_t len, struct sockdiag_result *r);

/* The request replies must answer: a message whose nlmsg_seq is not seq, or
 * whose nlmsg_pid is not pid (when pid is not 0), is skipped and counted in
 * r->foreign, as iproute2's dump filter does (a late reply to an earlier,
 * abandoned dump must neither add sockets nor end this dump). proto is the
 * IP protocol asked for, the protocol of inet replies without
 * INET_DIAG_PROTOCOL. */
struct sockdiag_expect {
	uint32_t seq, pid;
	int proto;
};
/* sockdiag_parse() for replies to the request x (NULL: any, protocol from the
 * sequence number, for recordings). */
int sockdiag_parse_reply(const void *buf, size_t len, const struct sockdiag_expect *x,
			 struct sockdiag_result *r);

/* Names: "ESTABLISHED", "CLOSE_WAIT", ... ; UDP's CLOSE is "UNCONN" as in ss.
 * Unknown numbers give "UNKNOWN". */
const char *sockdiag_state_name(int state, int proto);

/* Formats an address of family (AF_INET/AF_INET6) into buf. An IPv4-mapped
 * IPv6 address is written as IPv6 ("::ffff:1.2.3.4"). Returns buf. */
char *sockdiag_addr_str(int family, const uint8_t *addr, char *buf, size_t len);

/* The netlink side. */
struct sockdiag {
	int fd;
	int record_fd;           /* -1, or where raw replies are appended */
	uint32_t nreq;
	unsigned char *buf;
	size_t buflen;
	int no_tcp_both;         /* the kernel refused a one-walk TCP dump */
	uint32_t portid;         /* our netlink port id, which replies carry; 0 unknown */
};

/* Opens a NETLINK_SOCK_DIAG socket in the calling thread's network namespace.
 * Returns 0, or -1 with errno set (EPROTONOSUPPORT, EACCES ...) without
 * printing, so the caller can decide to fall back. */
int sockdiag_open(struct sockdiag *sd);
/* Receives the replies to request x on sd->fd until its dump ends (its
 * NLMSG_DONE or NLMSG_ERROR), parsing them into r. A datagram longer than the
 * buffer grows it (bounded) instead of being cut; one still cut fails with
 * EMSGSIZE (r->truncated). Replies to other requests are skipped
 * (r->foreign). Returns 0, or -1 with errno set. Public for tests, which
 * feed it crafted datagrams through a socketpair. */
int sockdiag_recv_dump(struct sockdiag *sd, const struct sockdiag_expect *x,
		       struct sockdiag_result *r);
/* Appends every reply received from now on to PATH (created/truncated).
 * Returns 0 or error_errno(). */
int sockdiag_record(struct sockdiag *sd, const char *path);

/* Dumps every socket of family and proto (IPPROTO_TCP/UDP) in the states of
 * the bitmask states (1 << SD_x; ~0u for all) into r; with_info asks for
 * tcp_info. Returns 0, or -1 with errno set on a socket error or an
 * NLMSG_ERROR reply (r->err also holds it). */
int sockdiag_dump_inet(struct sockdiag *sd, int family, int proto, int with_info,
		       uint32_t states, struct sockdiag_result *r);
/* Dumps every TCP socket of both families into r, as two
 * sockdiag_dump_inet() calls (AF_INET then AF_INET6) would, in the same
 * order, but with one walk of the kernel's hash tables where the kernel
 * allows it. Same returns; a missing IPv6 is not an error. */
int sockdiag_dump_tcp(struct sockdiag *sd, int with_info, uint32_t states,
		      struct sockdiag_result *r);
/* Moves the AF_INET6 rows of r->v[from..n) after the AF_INET ones, keeping
 * the order within each family, as sockdiag_dump_tcp() does with its one
 * walk's replies (rows the parse added are known in order without a pass
 * over them). Returns 0, -1 out of memory. Public for
 * tests. */
int sockdiag_order_by_family(struct sockdiag_result *r, size_t from);
/* Dumps every unix socket with its queue lengths into r. Same returns. */
int sockdiag_dump_unix(struct sockdiag *sd, struct sockdiag_result *r);

/* Closes the socket and the recording; sd can be opened again. */
void sockdiag_close(struct sockdiag *sd);

/* Reads a recording made by sockdiag_record() and parses it into r.
 * Returns 0 or -1 after error(). */
int sockdiag_replay(const char *path, struct sockdiag_result *r);

#endif
