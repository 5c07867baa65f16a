#include "sockdiag.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

/* The kernel fills at most ~32 KiB per dump message batch; a bigger buffer
 * only costs memory. */
#define SOCKDIAG_BUFLEN (64 * 1024)
#define SOCKDIAG_MAX_REPLAY (512u << 20)
/* No dump datagram comes near this; a bigger one is cut and said. */
#define SOCKDIAG_MAX_DGRAM (16u << 20)
/* The largest datagram of a sock_diag dump (netlink_dump caps its skb at
 * 32 KiB less overhead when the reader's buffer is that large). */
#define SOCKDIAG_KERNEL_DGRAM (32u << 10)
/* Rows are written to fresh memory: on a VM the first write to each page
 * traps (~12 us a 4 KiB page here, 22 rows), and a cold snapshot of 20,000
 * sockets fills ~900 pages. Asking the kernel to back the next 256 KiB at
 * once (MADV_POPULATE_WRITE, Linux 5.14) costs ~7 us a page. Only a hint:
 * without it pages fault in as they are written. */
#define SOCKDIAG_PREFAULT (256u << 10)
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

void sockdiag_result_reset(struct sockdiag_result *r)
{
	r->n = 0;
	r->nu = 0;
	r->done = 0;
	r->err = 0;
	r->errors = 0;
	r->malformed = 0;
	r->interrupted = 0;
	r->foreign = 0;
	r->truncated = 0;
	r->last6 = 0;
	r->mixed6 = 0;
}

void sockdiag_result_release(struct sockdiag_result *r)
{
	free(r->v);
	free(r->u);
	memset(r, 0, sizeof(*r));
}

/* Backs base[from..to) (byte offsets) with memory now, whole pages only. */
static void prefault(void *base, size_t from, size_t to)
{
	static uintptr_t page;
	uintptr_t a, e;

	if (!page) {
		long ps = sysconf(_SC_PAGESIZE);
		page = ps > 0 ? (uintptr_t)ps : 4096;
	}
	a = ((uintptr_t)base + from + page - 1) & ~(page - 1);
	e = ((uintptr_t)base + to) & ~(page - 1);
	if (e > a)
		(void)madvise((void *)a, e - a, MADV_POPULATE_WRITE);
}

static struct sockdiag_sock *push_sock(struct sockdiag_result *r)
{
	if (r->n == r->alloc) {
		size_t na = r->alloc ? r->alloc * 2 : 256;
		struct sockdiag_sock *nv = realloc(r->v, na * sizeof(*nv));
		if (!nv)
			return NULL;
		if (nv != r->v && r->ready > r->n)
			r->ready = r->n;  /* moved: only the copied rows are known backed */
		r->v = nv;
		r->alloc = na;
	}
	if (r->n >= r->ready) {
		size_t to = r->n + SOCKDIAG_PREFAULT / sizeof(*r->v);

		if (to > r->alloc)
			to = r->alloc;
		prefault(r->v, r->n * sizeof(*r->v), to * sizeof(*r->v));
		r->ready = to;
	}
	return &r->v[r->n++];
}

struct sockdiag_sock *sockdiag_result_push(struct sockdiag_result *r)
{
	struct sockdiag_sock *s = push_sock(r);

	/* a row of any family, not seen by the parse: the next
	 * sockdiag_order_by_family() over it looks at every row */
	if (s)
		r->mixed6 = r->n;
	return s;
}

static struct sockdiag_unix *push_unix(struct sockdiag_result *r)
{
	if (r->nu == r->ualloc) {
		size_t na = r->ualloc ? r->ualloc * 2 : 64;
		struct sockdiag_unix *nv = realloc(r->u, na * sizeof(*nv));
		if (!nv)
			return NULL;
		r->u = nv;
		r->ualloc = na;
	}
	return &r->u[r->nu++];
}

/* A field of the tcp_info at p (len bytes), read in place when the
 * attribute is long enough to hold all of it, else -1. */
#define TI_FIELD(p, len, field) ti_field((p), (len), offsetof(struct tcp_info, field), \
					 sizeof(((struct tcp_info *)0)->field))

static int64_t ti_field(const unsigned char *p, size_t len, size_t off, size_t size)
{
	if (len < off + size)
		return -1;
	switch (size) {
	case 1:
		return p[off];
	case 2: {
		uint16_t v;
		memcpy(&v, p + off, 2);
		return v;
	}
	case 4: {
		uint32_t v;
		memcpy(&v, p + off, 4);
		return v;
	}
	default: {
		uint64_t v;
		memcpy(&v, p + off, 8);
		return (int64_t)v;
	}
	}
}

static void parse_tcpinfo(const unsigned char *p, size_t len, struct sockdiag_tcpinfo *out)
{
	out->retransmits = TI_FIELD(p, len, tcpi_retransmits);
	out->rtt_us = TI_FIELD(p, len, tcpi_rtt);
	out->rttvar_us = TI_FIELD(p, len, tcpi_rttvar);
	out->snd_cwnd = TI_FIELD(p, len, tcpi_snd_cwnd);
	out->unacked = TI_FIELD(p, len, tcpi_unacked);
	out->lost = TI_FIELD(p, len, tcpi_lost);
	out->retrans = TI_FIELD(p, len, tcpi_retrans);
	out->total_retrans = TI_FIELD(p, len, tcpi_total_retrans);
	out->bytes_acked = TI_FIELD(p, len, tcpi_bytes_acked);
	out->bytes_received = TI_FIELD(p, len, tcpi_bytes_received);
	out->bytes_sent = TI_FIELD(p, len, tcpi_bytes_sent);
	out->bytes_retrans = TI_FIELD(p, len, tcpi_bytes_retrans);
	out->segs_out = TI_FIELD(p, len, tcpi_segs_out);
	out->segs_in = TI_FIELD(p, len, tcpi_segs_in);
	out->last_data_recv_ms = TI_FIELD(p, len, tcpi_last_data_recv);
	/* u64 counters are unsigned in the kernel; keep them non-negative so
	 * -1 still means "absent" (2^63 bytes is not a real value). */
	if (out->bytes_acked < -1) out->bytes_acked = INT64_MAX;
	if (out->bytes_received < -1) out->bytes_received = INT64_MAX;
	if (out->bytes_sent < -1) out->bytes_sent = INT64_MAX;
	if (out->bytes_retrans < -1) out->bytes_retrans = INT64_MAX;
}

void sockdiag_tcpinfo_absent(struct sockdiag_tcpinfo *t)
{
	t->retransmits = t->rtt_us = t->rttvar_us = t->snd_cwnd = -1;
	t->unacked = t->lost = t->retrans = t->total_retrans = -1;
	t->bytes_acked = t->bytes_received = t->bytes_sent = t->bytes_retrans = -1;
	t->segs_out = t->segs_in = t->last_data_recv_ms = -1;
}

/* Walks the rtattrs in p[0..len). Calls fn for each well-formed one; returns
 * the number of malformed trailers (0 or 1: framing cannot go on after one). */
typedef void (*attr_fn)(void *ctx, unsigned type, const unsigned char *data, size_t dlen);

static unsigned walk_attrs(const unsigned char *p, size_t len, attr_fn fn, void *ctx)
{
	while (len > 0) {
		struct rtattr rta;

		if (len < sizeof(rta))
			return 1;
		memcpy(&rta, p, sizeof(rta));
		if (rta.rta_len < sizeof(rta) || rta.rta_len > len)
			return 1;
		fn(ctx, rta.rta_type & NLA_TYPE_MASK, p + RTA_LENGTH(0), rta.rta_len - RTA_LENGTH(0));
		size_t step = RTA_ALIGN(rta.rta_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

struct inet_ctx {
	struct sockdiag_sock *s;
	int proto;               /* from INET_DIAG_PROTOCOL, -1 absent */
};

static void inet_attr(void *vctx, unsigned type, const unsigned char *data, size_t dlen)
{
	struct inet_ctx *c = vctx;

	if (type == INET_DIAG_INFO && dlen > 0) {
		parse_tcpinfo(data, dlen, &c->s->ti);
		c->s->has_tcpinfo = 1;
	} else if (type == INET_DIAG_PROTOCOL && dlen >= 1) {
		c->proto = data[0];
	}
}

/* proto: the protocol of the request answered, for replies without
 * INET_DIAG_PROTOCOL. */
static int parse_inet(int proto, const unsigned char *body, size_t blen,
		      struct sockdiag_result *r)
{
	struct inet_diag_msg m;
	struct sockdiag_sock *s;
	struct inet_ctx c;
	size_t off = NLMSG_ALIGN(sizeof(m));

	if (blen < sizeof(m)) {
		r->malformed++;
		return 0;
	}
	memcpy(&m, body, sizeof(m));
	if ((m.idiag_family != AF_INET && m.idiag_family != AF_INET6) ||
	    m.idiag_state == 0 || m.idiag_state >= SD_STATE_MAX) {
		r->malformed++;
		return 0;
	}
	s = push_sock(r);
	if (!s)
		return -1;
	/* ti is written whole below: zero only what is before it */
	memset(s, 0, offsetof(struct sockdiag_sock, ti));
	sockdiag_tcpinfo_absent(&s->ti);
	s->family = m.idiag_family;
	s->state = m.idiag_state;
	memcpy(s->src, m.id.idiag_src, 16);
	memcpy(s->dst, m.id.idiag_dst, 16);
	s->sport = ntohs(m.id.idiag_sport);
	s->dport = ntohs(m.id.idiag_dport);
	s->ifindex = m.id.idiag_if;
	s->inode = m.idiag_inode;
	s->uid = m.idiag_uid;
	s->rqueue = m.idiag_rqueue;
	s->wqueue = m.idiag_wqueue;
	c.s = s;
	c.proto = -1;
	if (blen > off)
		r->malformed += walk_attrs(body + off, blen - off, inet_attr, &c);
	s->proto = c.proto >= 0 ? (uint8_t)c.proto : (uint8_t)proto;
	if (s->proto != IPPROTO_TCP && s->proto != IPPROTO_UDP) {
		r->n--;
		r->malformed++;
		return 0;
	}
	if (s->proto != IPPROTO_TCP)
		s->has_tcpinfo = 0;
	/* for sockdiag_order_by_family(): where a v4 row followed a v6 one */
	if (s->family == AF_INET6)
		r->last6 = r->n;
	else if (r->last6 > r->mixed6)
		r->mixed6 = r->last6;
	return 0;
}

static void unix_attr(void *vctx, unsigned type, const unsigned char *data, size_t dlen)
{
	struct sockdiag_unix *u = vctx;

	if (type == UNIX_DIAG_RQLEN && dlen >= sizeof(struct unix_diag_rqlen)) {
		struct unix_diag_rqlen q;
		memcpy(&q, data, sizeof(q));
		u->rqueue = q.udiag_rqueue;
		u->wqueue = q.udiag_wqueue;
	}
}

static int parse_unix(const unsigned char *body, size_t blen, struct sockdiag_result *r)
{
	struct unix_diag_msg m;
	struct sockdiag_unix *u;
	size_t off = NLMSG_ALIGN(sizeof(m));

	if (blen < sizeof(m)) {
		r->malformed++;
		return 0;
	}
	memcpy(&m, body, sizeof(m));
	u = push_unix(r);
	if (!u)
		return -1;
	u->type = m.udiag_type;
	u->state = m.udiag_state < SD_STATE_MAX ? m.udiag_state : 0;
	u->inode = m.udiag_ino;
	u->rqueue = u->wqueue = -1;
	if (blen > off)
		r->malformed += walk_attrs(body + off, blen - off, unix_attr, u);
	return 0;
}

int sockdiag_parse(const void *buf, size_t len, struct sockdiag_result *r)
{
	return sockdiag_parse_reply(buf, len, NULL, r);
}

int sockdiag_parse_reply(const void *buf, size_t len, const struct sockdiag_expect *x,
			 struct sockdiag_result *r)
{
	const unsigned char *p = buf;

	while (len > 0) {
		struct nlmsghdr h;

		if (len < sizeof(h)) {
			r->malformed++;
			break;
		}
		memcpy(&h, p, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > len) {
			r->malformed++;
			break;
		}
		const unsigned char *body = p + NLMSG_HDRLEN;
		size_t blen = h.nlmsg_len - NLMSG_HDRLEN;
		int proto = x ? x->proto : (int)(h.nlmsg_seq & 0xff);

		if (x && (h.nlmsg_seq != x->seq || (x->pid && h.nlmsg_pid != x->pid))) {
			r->foreign++;
			goto next;
		}
		if (h.nlmsg_flags & NLM_F_DUMP_INTR)
			r->interrupted++;
		if (h.nlmsg_type == NLMSG_DONE) {
			int32_t derr = 0;
			r->done++;
			/* A dump that failed part-way says so in its DONE. */
			if (blen >= sizeof(derr))
				memcpy(&derr, body, sizeof(derr));
			if (derr < 0) {
				r->errors++;
				if (!r->err)
					r->err = -derr;
			}
		} else if (h.nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr e;
			r->errors++;
			if (blen >= sizeof(e.error)) {
				memcpy(&e.error, body, sizeof(e.error));
				if (!r->err)
					r->err = e.error < 0 ? -e.error : (e.error ? e.error : EIO);
			} else {
				r->malformed++;
				if (!r->err)
					r->err = EIO;
			}
		} else if (h.nlmsg_type == TCPDIAG_GETSOCK) {
			/* replies to sockdiag_dump_tcp()'s request carry its type */
			if (blen < 1 || body[0] == AF_UNIX)
				r->malformed++;
			else if (parse_inet(IPPROTO_TCP, body, blen, r) < 0)
				return -1;
		} else if (h.nlmsg_type == SOCK_DIAG_BY_FAMILY) {
			int rc;
			if (blen < 1) {
				r->malformed++;
			} else {
				rc = body[0] == AF_UNIX ? parse_unix(body, blen, r)
							: parse_inet(proto, body, blen, r);
				if (rc < 0)
					return -1;
			}
		} else if (h.nlmsg_type != NLMSG_NOOP) {
			r->malformed++;
		}
next:;
		size_t step = NLMSG_ALIGN(h.nlmsg_len);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return 0;
}

static const char *const state_names[SD_STATE_MAX] = {
	[SD_ESTABLISHED] = "ESTABLISHED", [SD_SYN_SENT] = "SYN_SENT",
	[SD_SYN_RECV] = "SYN_RECV", [SD_FIN_WAIT1] = "FIN_WAIT1",
	[SD_FIN_WAIT2] = "FIN_WAIT2", [SD_TIME_WAIT] = "TIME_WAIT",
	[SD_CLOSE] = "CLOSE", [SD_CLOSE_WAIT] = "CLOSE_WAIT",
	[SD_LAST_ACK] = "LAST_ACK", [SD_LISTEN] = "LISTEN",
	[SD_CLOSING] = "CLOSING", [SD_NEW_SYN_RECV] = "NEW_SYN_RECV",
};

const char *sockdiag_state_name(int state, int proto)
{
	if (state <= 0 || state >= SD_STATE_MAX || !state_names[state])
		return "UNKNOWN";
	if (state == SD_CLOSE && proto == IPPROTO_UDP)
		return "UNCONN";
	return state_names[state];
}

char *sockdiag_addr_str(int family, const uint8_t *addr, char *buf, size_t len)
{
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

int sockdiag_open(struct sockdiag *sd)
{
	int rcvbuf = 1 << 20;

	memset(sd, 0, sizeof(*sd));
	sd->record_fd = -1;
	sd->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (sd->fd < 0)
		return -1;
	setsockopt(sd->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	{
		/* Bind now (the kernel picks the port id) to learn the id the
		 * replies to our requests carry in nlmsg_pid. */
		struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
		socklen_t nlen = sizeof(nl);

		if (bind(sd->fd, (struct sockaddr *)&nl, sizeof(nl)) == 0 &&
		    getsockname(sd->fd, (struct sockaddr *)&nl, &nlen) == 0 && nlen >= sizeof(nl))
			sd->portid = nl.nl_pid;
	}
	sd->buflen = SOCKDIAG_BUFLEN;
	sd->buf = malloc(sd->buflen);
	if (!sd->buf) {
		close(sd->fd);
		sd->fd = -1;
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

int sockdiag_record(struct sockdiag *sd, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return error_errno("cannot create recording '%s'", path);
	if (sd->record_fd >= 0)
		close(sd->record_fd);
	sd->record_fd = fd;
	return 0;
}

void sockdiag_close(struct sockdiag *sd)
{
	if (sd->fd >= 0)
		close(sd->fd);
	if (sd->record_fd >= 0)
		close(sd->record_fd);
	free(sd->buf);
	memset(sd, 0, sizeof(*sd));
	sd->fd = -1;
	sd->record_fd = -1;
}

static int send_req(struct sockdiag *sd, const void *req, size_t len)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };

	for (;;) {
		ssize_t n = sendto(sd->fd, req, len, 0, (struct sockaddr *)&nl, sizeof(nl));
		if (n == (ssize_t)len)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n >= 0)
			errno = EIO;
		return -1;
	}
}

/* Makes room for a datagram of need bytes (bounded). */
static void grow_buf(struct sockdiag *sd, size_t need)
{
	unsigned char *nb;
	size_t len = sd->buflen;

	if (need > SOCKDIAG_MAX_DGRAM)
		need = SOCKDIAG_MAX_DGRAM;
	while (len < need)
		len *= 2;
	if (len == sd->buflen || !(nb = realloc(sd->buf, len)))
		return;  /* the read below is then cut and says so */
	sd->buf = nb;
	sd->buflen = len;
}

int sockdiag_recv_dump(struct sockdiag *sd, const struct sockdiag_expect *x,
		       struct sockdiag_result *r)
{
	unsigned done0 = r->done, errors0 = r->errors;

	for (;;) {
		struct sockaddr_nl from;
		struct iovec iov;
		struct msghdr msg;
		ssize_t n;

		/* The kernel builds a dump's datagrams to fit a buffer of
		 * max(min_dump_alloc, 32 KiB) (netlink_dump; sock_diag sets no
		 * min_dump_alloc), and ours is 64 KiB: then one recvmsg a
		 * datagram, no MSG_PEEK for its length first (that doubled the
		 * syscalls of a dump: ~13 datagrams for 1,000 sockets with
		 * tcp_info, every tick). MSG_TRUNC gives the real length, so a
		 * longer one is still caught: the dump fails, and the buffer is
		 * grown for the next. A smaller buffer peeks and grows first. */
		if (sd->buflen < SOCKDIAG_KERNEL_DGRAM) {
			n = recv(sd->fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			if ((size_t)n > sd->buflen)
				grow_buf(sd, (size_t)n);
		}
		memset(&from, 0, sizeof(from));
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = sd->buf;
		iov.iov_len = sd->buflen;
		msg.msg_name = &from;
		msg.msg_namelen = sizeof(from);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		n = recvmsg(sd->fd, &msg, MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		if ((msg.msg_flags & MSG_TRUNC) || (size_t)n > sd->buflen) {
			grow_buf(sd, (size_t)n);
			/* The rest of the datagram is gone: its sockets would be
			 * missing from this dump without a word. */
			r->truncated++;
			errno = EMSGSIZE;
			return -1;
		}
		/* Only the kernel (port 0) answers dumps. */
		if (msg.msg_namelen >= sizeof(from) && from.nl_family == AF_NETLINK && from.nl_pid != 0) {
			r->foreign++;
			continue;
		}
		if (sd->record_fd >= 0 && write(sd->record_fd, sd->buf, (size_t)n) != n) {
			/* A short recording is useless for replay: stop recording. */
			close(sd->record_fd);
			sd->record_fd = -1;
		}
		if (sockdiag_parse_reply(sd->buf, (size_t)n, x, r) < 0) {
			errno = ENOMEM;
			return -1;
		}
		if (r->errors != errors0) {
			errno = r->err ? r->err : EIO;
			return -1;
		}
		if (r->done != done0)
			return 0;
	}
}

/* Sends a dump request (header h, nlmsg_seq set here) and reads its replies. */
static int dump(struct sockdiag *sd, struct nlmsghdr *h, int proto, struct sockdiag_result *r)
{
	struct sockdiag_expect x;

	h->nlmsg_seq = SOCKDIAG_SEQ(proto, ++sd->nreq);
	x.seq = h->nlmsg_seq;
	x.pid = sd->portid;
	x.proto = proto;
	if (send_req(sd, h, h->nlmsg_len) < 0)
		return -1;
	return sockdiag_recv_dump(sd, &x, r);
}

int sockdiag_dump_inet(struct sockdiag *sd, int family, int proto, int with_info,
		       uint32_t states, struct sockdiag_result *r)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req_v2 req;
	} m;

	memset(&m, 0, sizeof(m));
	m.h.nlmsg_len = sizeof(m);
	m.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	m.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	m.req.sdiag_family = (uint8_t)family;
	m.req.sdiag_protocol = (uint8_t)proto;
	m.req.idiag_states = states;
	if (with_info && proto == IPPROTO_TCP)
		m.req.idiag_ext = 1 << (INET_DIAG_INFO - 1);
	return dump(sd, &m.h, proto, r);
}

int sockdiag_order_by_family(struct sockdiag_result *r, size_t from)
{
	size_t n6 = 0, k = from, j = 0, i;
	int mixed = 0;
	struct sockdiag_sock *six;

	/* The parse noted the last v6 row a v4 one followed: none at or
	 * after from, nothing to move (and no pass over every row, which
	 * at 20,000 rows of 184 bytes is a pass over 3.7 MB). */
	if (r->mixed6 <= from)
		return 0;
	for (i = from; i < r->n; i++) {
		if (r->v[i].family == AF_INET6)
			n6++;
		else if (n6)
			mixed = 1;
	}
	if (!mixed)
		return 0;
	six = malloc(n6 * sizeof(*six));
	if (!six)
		return -1;
	for (i = from; i < r->n; i++) {
		if (r->v[i].family == AF_INET6)
			six[j++] = r->v[i];
		else
			r->v[k++] = r->v[i];
	}
	memcpy(r->v + k, six, n6 * sizeof(*six));
	free(six);
	return 0;
}

int sockdiag_dump_tcp(struct sockdiag *sd, int with_info, uint32_t states,
		      struct sockdiag_result *r)
{
	struct {
		struct nlmsghdr h;
		struct inet_diag_req req;
	} m;
	struct sockdiag_result saved = *r;

	/* A dump of one family still walks every bucket of the established
	 * hash (262,144 on a 16 GB host, most of them empty): at 1,000
	 * sockets that walk, not the sockets, is most of the dump's cost, and
	 * AF_INET then AF_INET6 paid it twice. The older TCPDIAG_GETSOCK
	 * request dumps both families (AF_UNSPEC) in one walk, with the same
	 * replies; the v6 entries are then moved after the v4 ones so
	 * callers see exactly what the two dumps gave. A kernel without it
	 * answers with an error before any socket: use the two dumps. */
	if (!sd->no_tcp_both) {
		memset(&m, 0, sizeof(m));
		m.h.nlmsg_len = sizeof(m);
		m.h.nlmsg_type = TCPDIAG_GETSOCK;
		m.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		m.req.idiag_family = AF_UNSPEC;
		m.req.idiag_states = states;
		if (with_info)
			m.req.idiag_ext = 1 << (INET_DIAG_INFO - 1);
		if (dump(sd, &m.h, IPPROTO_TCP, r) == 0) {
			if (sockdiag_order_by_family(r, saved.n) < 0) {
				errno = ENOMEM;
				return -1;
			}
			return 0;
		}
		if (r->n != saved.n || (errno != EINVAL && errno != ENOENT && errno != EOPNOTSUPP))
			return -1;
		/* refused up front: forget the error reply, use two dumps */
		saved.v = r->v;
		saved.alloc = r->alloc;
		saved.u = r->u;
		saved.ualloc = r->ualloc;
		*r = saved;
		sd->no_tcp_both = 1;
	}
	if (sockdiag_dump_inet(sd, AF_INET, IPPROTO_TCP, with_info, states, r) < 0)
		return -1;
	if (sockdiag_dump_inet(sd, AF_INET6, IPPROTO_TCP, with_info, states, r) < 0 &&
	    errno != ENOENT && errno != EAFNOSUPPORT)
		return -1;
	return 0;
}

int sockdiag_dump_unix(struct sockdiag *sd, struct sockdiag_result *r)
{
	struct {
		struct nlmsghdr h;
		struct unix_diag_req req;
	} m;

	memset(&m, 0, sizeof(m));
	m.h.nlmsg_len = sizeof(m);
	m.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	m.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	m.req.sdiag_family = AF_UNIX;
	m.req.udiag_states = ~0u;
	m.req.udiag_show = UDIAG_SHOW_RQLEN;
	return dump(sd, &m.h, 0, r);
}

int sockdiag_replay(const char *path, struct sockdiag_result *r)
{
	struct stat st;
	unsigned char *buf = NULL;
	size_t got = 0;
	int fd, ret = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_errno("cannot open recording '%s'", path);
	if (fstat(fd, &st) < 0) {
		error_errno("cannot stat recording '%s'", path);
		goto cleanup;
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > SOCKDIAG_MAX_REPLAY) {
		error("recording '%s' is too large", path);
		goto cleanup;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		error("out of memory reading '%s'", path);
		goto cleanup;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_errno("cannot read recording '%s'", path);
			goto cleanup;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (sockdiag_parse(buf, got, r) < 0) {
		error("out of memory parsing '%s'", path);
		goto cleanup;
	}
	ret = 0;
cleanup:
	free(buf);
	close(fd);
	return ret;
}
