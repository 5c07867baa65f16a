/* Unit tests of the NETLINK_SOCK_DIAG parser: messages are built byte by
 * byte here (exact fields, malformed variants) and one dump recorded from a
 * live kernel is replayed from tests/fixtures/sockets/. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
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
#include <sys/socket.h>
#include <unistd.h>

#include "sockets/sockdiag.h"

struct buf {
	unsigned char d[8192];
	size_t len;
};

static void put(struct buf *b, const void *p, size_t n)
{
	assert_true(b->len + n <= sizeof(b->d));
	memcpy(b->d + b->len, p, n);
	b->len += n;
}

static void pad4(struct buf *b)
{
	static const unsigned char z[4];
	put(b, z, NLMSG_ALIGN(b->len) - b->len);
}

/* Starts a message; returns its offset so msg_end() can fix its length. */
static size_t msg_begin(struct buf *b, uint16_t type, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr h = { .nlmsg_type = type, .nlmsg_flags = flags, .nlmsg_seq = seq };
	size_t off = b->len;
	put(b, &h, sizeof(h));
	return off;
}

static void msg_end(struct buf *b, size_t off)
{
	uint32_t len = (uint32_t)(b->len - off);
	memcpy(b->d + off, &len, sizeof(len));
	pad4(b);
}

static void attr(struct buf *b, uint16_t type, const void *p, size_t n)
{
	struct rtattr a = { .rta_len = (unsigned short)RTA_LENGTH(n), .rta_type = type };
	put(b, &a, sizeof(a));
	put(b, p, n);
	pad4(b);
}

static void done(struct buf *b, uint32_t seq)
{
	int32_t zero = 0;
	size_t off = msg_begin(b, NLMSG_DONE, NLM_F_MULTI, seq);
	put(b, &zero, sizeof(zero));
	msg_end(b, off);
}

static struct inet_diag_msg inet_msg(int family, int state, const char *src, int sport,
				     const char *dst, int dport, uint32_t rq, uint32_t wq,
				     uint32_t inode)
{
	struct inet_diag_msg m;

	memset(&m, 0, sizeof(m));
	m.idiag_family = (uint8_t)family;
	m.idiag_state = (uint8_t)state;
	m.id.idiag_sport = htons((uint16_t)sport);
	m.id.idiag_dport = htons((uint16_t)dport);
	assert_int_equal(inet_pton(family, src, m.id.idiag_src), 1);
	assert_int_equal(inet_pton(family, dst, m.id.idiag_dst), 1);
	m.idiag_rqueue = rq;
	m.idiag_wqueue = wq;
	m.idiag_uid = 1000;
	m.idiag_inode = inode;
	return m;
}

static struct tcp_info full_info(void)
{
	struct tcp_info ti;

	memset(&ti, 0, sizeof(ti));
	ti.tcpi_retransmits = 2;
	ti.tcpi_rtt = 1234;
	ti.tcpi_rttvar = 56;
	ti.tcpi_snd_cwnd = 10;
	ti.tcpi_unacked = 3;
	ti.tcpi_lost = 1;
	ti.tcpi_retrans = 1;
	ti.tcpi_total_retrans = 7;
	ti.tcpi_bytes_acked = 5000;
	ti.tcpi_bytes_received = 1101;
	ti.tcpi_bytes_sent = 5001;
	ti.tcpi_segs_out = 20;
	ti.tcpi_segs_in = 21;
	ti.tcpi_last_data_recv = 400;
	return ti;
}

static void test_sockdiag__inet4_with_tcpinfo(void **state)
{
	struct buf b = { .len = 0 };
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	struct inet_diag_msg m = inet_msg(AF_INET, SD_ESTABLISHED, "127.0.0.1", 40000,
					  "127.0.0.2", 9243, 1101, 0, 424242);
	struct tcp_info ti = full_info();
	char a[64];
	size_t off;

	(void)state;
	off = msg_begin(&b, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, SOCKDIAG_SEQ(IPPROTO_TCP, 1));
	put(&b, &m, sizeof(m));
	attr(&b, INET_DIAG_INFO, &ti, sizeof(ti));
	msg_end(&b, off);
	done(&b, SOCKDIAG_SEQ(IPPROTO_TCP, 1));

	assert_int_equal(sockdiag_parse(b.d, b.len, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.done, 1);
	assert_int_equal(r.malformed, 0);
	assert_int_equal(r.err, 0);
	const struct sockdiag_sock *s = &r.v[0];
	assert_int_equal(s->family, AF_INET);
	assert_int_equal(s->proto, IPPROTO_TCP);
	assert_int_equal(s->state, SD_ESTABLISHED);
	assert_string_equal(sockdiag_addr_str(s->family, s->src, a, sizeof(a)), "127.0.0.1");
	assert_string_equal(sockdiag_addr_str(s->family, s->dst, a, sizeof(a)), "127.0.0.2");
	assert_int_equal(s->sport, 40000);
	assert_int_equal(s->dport, 9243);
	assert_int_equal(s->rqueue, 1101);
	assert_int_equal(s->inode, 424242);
	assert_int_equal(s->uid, 1000);
	assert_true(s->has_tcpinfo);
	assert_int_equal(s->ti.retransmits, 2);
	assert_int_equal(s->ti.rtt_us, 1234);
	assert_int_equal(s->ti.rttvar_us, 56);
	assert_int_equal(s->ti.snd_cwnd, 10);
	assert_int_equal(s->ti.unacked, 3);
	assert_int_equal(s->ti.lost, 1);
	assert_int_equal(s->ti.total_retrans, 7);
	assert_int_equal(s->ti.bytes_acked, 5000);
	assert_int_equal(s->ti.bytes_received, 1101);
	assert_int_equal(s->ti.bytes_sent, 5001);
	assert_int_equal(s->ti.segs_in, 21);
	assert_int_equal(s->ti.last_data_recv_ms, 400);
	sockdiag_result_release(&r);
}

/* An old kernel sends a shorter tcp_info: fields past its end are absent,
 * not zero. 104 bytes end right after tcpi_total_retrans (Linux 3.x). */
/* Parses one TCP message in STATE whose INET_DIAG_INFO holds the first LEN
 * bytes of ti into r; asserts one row came out. */
static void parse_one_tcpinfo(struct sockdiag_result *r, int state, const struct tcp_info *ti, size_t len)
{
	struct buf b = { .len = 0 };
	struct inet_diag_msg m = inet_msg(AF_INET, state, "10.0.0.1", 1, "10.0.0.2", 2, 0, 0, 9);
	size_t off;

	off = msg_begin(&b, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, SOCKDIAG_SEQ(IPPROTO_TCP, 1));
	put(&b, &m, sizeof(m));
	attr(&b, INET_DIAG_INFO, ti, len);
	msg_end(&b, off);
	assert_int_equal(sockdiag_parse(b.d, b.len, r), 0);
	assert_int_equal(r->n, 1);
}

static void test_sockdiag__short_tcpinfo(void **state)
{
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	struct tcp_info ti = full_info();
	size_t oldlen = offsetof(struct tcp_info, tcpi_total_retrans) + sizeof(ti.tcpi_total_retrans);

	(void)state;
	parse_one_tcpinfo(&r, SD_CLOSE_WAIT, &ti, oldlen);
	assert_int_equal(r.v[0].state, SD_CLOSE_WAIT);
	assert_int_equal(r.v[0].ti.total_retrans, 7);
	assert_int_equal(r.v[0].ti.rtt_us, 1234);
	assert_int_equal(r.v[0].ti.bytes_acked, -1);
	assert_int_equal(r.v[0].ti.bytes_received, -1);
	assert_int_equal(r.v[0].ti.bytes_sent, -1);
	assert_int_equal(r.done, 0);
	sockdiag_result_release(&r);
}

/* IPv6 UDP with a v4-mapped address; the protocol comes from the sequence
 * number, and an INET_DIAG_PROTOCOL attribute, when sent, wins over it. */
static void test_sockdiag__inet6_udp_and_protocol_attr(void **state)
{
	struct buf b = { .len = 0 };
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	struct inet_diag_msg m = inet_msg(AF_INET6, SD_ESTABLISHED, "::ffff:127.0.0.1", 5353,
					  "::1", 53, 0, 0, 77);
	uint8_t proto = IPPROTO_UDP;
	char a[64];
	size_t off;

	(void)state;
	off = msg_begin(&b, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, SOCKDIAG_SEQ(IPPROTO_UDP, 3));
	put(&b, &m, sizeof(m));
	msg_end(&b, off);
	m.idiag_state = SD_CLOSE;
	off = msg_begin(&b, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, SOCKDIAG_SEQ(IPPROTO_TCP, 4));
	put(&b, &m, sizeof(m));
	attr(&b, INET_DIAG_PROTOCOL, &proto, 1);
	msg_end(&b, off);

	assert_int_equal(sockdiag_parse(b.d, b.len, &r), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.v[0].proto, IPPROTO_UDP);
	assert_int_equal(r.v[0].family, AF_INET6);
	assert_false(r.v[0].has_tcpinfo);
	assert_string_equal(sockdiag_addr_str(AF_INET6, r.v[0].src, a, sizeof(a)), "::ffff:127.0.0.1");
	assert_string_equal(sockdiag_addr_str(AF_INET6, r.v[0].dst, a, sizeof(a)), "::1");
	assert_int_equal(r.v[1].proto, IPPROTO_UDP);
	assert_string_equal(sockdiag_state_name(r.v[1].state, r.v[1].proto), "UNCONN");
	sockdiag_result_release(&r);
}

static void test_sockdiag__listen_and_error(void **state)
{
	struct buf b = { .len = 0 };
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	struct inet_diag_msg m = inet_msg(AF_INET, SD_LISTEN, "0.0.0.0", 8080, "0.0.0.0", 0, 3, 128, 5);
	struct nlmsgerr e;
	size_t off;

	(void)state;
	off = msg_begin(&b, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, SOCKDIAG_SEQ(IPPROTO_TCP, 1));
	put(&b, &m, sizeof(m));
	msg_end(&b, off);
	memset(&e, 0, sizeof(e));
	e.error = -EPERM;
	off = msg_begin(&b, NLMSG_ERROR, 0, SOCKDIAG_SEQ(IPPROTO_TCP, 2));
	put(&b, &e, sizeof(e));
	msg_end(&b, off);

	assert_int_equal(sockdiag_parse(b.d, b.len, &r), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(sockdiag_state_name(r.v[0].state, IPPROTO_TCP), "LISTEN");
	assert_int_equal(r.v[0].rqueue, 3);
	assert_int_equal(r.v[0].wqueue, 128);
	assert_int_equal(r.errors, 1);
	assert_int_equal(r.err, EPERM);
	sockdiag_result_release(&r);
}

/* Replies to the one-walk TCP dump (TCPDIAG_GETSOCK) carry that type:
 * they parse like SOCK_DIAG_BY_FAMILY ones, both families; a unix body
 * under that type is malformed. */
static void test_sockdiag__tcpdiag_getsock_replies(void **state)
{
	struct buf b = { .len = 0 };
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	struct inet_diag_msg m4 = inet_msg(AF_INET, SD_ESTABLISHED, "127.0.0.1", 40000,
					   "127.0.0.2", 9243, 0, 0, 11);
	struct inet_diag_msg m6 = inet_msg(AF_INET6, SD_LISTEN, "::1", 8080, "::", 0, 0, 128, 12);
	struct tcp_info ti = full_info();
	unsigned char ubody[sizeof(struct inet_diag_msg)] = { AF_UNIX };
	size_t off;

	(void)state;
	off = msg_begin(&b, TCPDIAG_GETSOCK, NLM_F_MULTI, SOCKDIAG_SEQ(IPPROTO_TCP, 1));
	put(&b, &m6, sizeof(m6));
	msg_end(&b, off);
	off = msg_begin(&b, TCPDIAG_GETSOCK, NLM_F_MULTI, SOCKDIAG_SEQ(IPPROTO_TCP, 1));
	put(&b, &m4, sizeof(m4));
	attr(&b, INET_DIAG_INFO, &ti, sizeof(ti));
	msg_end(&b, off);
	off = msg_begin(&b, TCPDIAG_GETSOCK, NLM_F_MULTI, SOCKDIAG_SEQ(IPPROTO_TCP, 1));
	put(&b, ubody, sizeof(ubody));
	msg_end(&b, off);
	done(&b, SOCKDIAG_SEQ(IPPROTO_TCP, 1));

	assert_int_equal(sockdiag_parse(b.d, b.len, &r), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.malformed, 1);
	assert_int_equal(r.done, 1);
	assert_int_equal(r.v[0].family, AF_INET6);
	assert_int_equal(r.v[0].proto, IPPROTO_TCP);
	assert_int_equal(r.v[0].state, SD_LISTEN);
	assert_int_equal(r.v[0].inode, 12);
	assert_int_equal(r.v[1].family, AF_INET);
	assert_int_equal(r.v[1].inode, 11);
	assert_true(r.v[1].has_tcpinfo);
	assert_int_equal(r.v[1].ti.rtt_us, 1234);
	sockdiag_result_release(&r);
}

/* A dump that fails part-way ends with a DONE carrying the error. */
static void test_sockdiag__done_with_error(void **state)
{
	struct buf b = { .len = 0 };
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	int32_t err = -EINTR;
	size_t off;

	(void)state;
	off = msg_begin(&b, NLMSG_DONE, NLM_F_MULTI, SOCKDIAG_SEQ(IPPROTO_TCP, 1));
	put(&b, &err, sizeof(err));
	msg_end(&b, off);
	assert_int_equal(sockdiag_parse(b.d, b.len, &r), 0);
	assert_int_equal(r.done, 1);
	assert_int_equal(r.errors, 1);
	assert_int_equal(r.err, EINTR);
	sockdiag_result_release(&r);
}

static void test_sockdiag__unix(void **state)
{
	struct buf b = { .len = 0 };
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	struct unix_diag_msg m;
	struct unix_diag_rqlen q = { .udiag_rqueue = 4, .udiag_wqueue = 16 };
	size_t off;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.udiag_family = AF_UNIX;
	m.udiag_type = SOCK_STREAM;
	m.udiag_state = SD_LISTEN;
	m.udiag_ino = 99;
	off = msg_begin(&b, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, SOCKDIAG_SEQ(0, 1));
	put(&b, &m, sizeof(m));
	attr(&b, UNIX_DIAG_RQLEN, &q, sizeof(q));
	msg_end(&b, off);
	m.udiag_type = SOCK_DGRAM;
	m.udiag_state = SD_CLOSE;
	off = msg_begin(&b, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI | NLM_F_DUMP_INTR, SOCKDIAG_SEQ(0, 1));
	put(&b, &m, sizeof(m));
	msg_end(&b, off);
	done(&b, SOCKDIAG_SEQ(0, 1));

	assert_int_equal(sockdiag_parse(b.d, b.len, &r), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.nu, 2);
	assert_int_equal(r.u[0].type, SOCK_STREAM);
	assert_int_equal(r.u[0].state, SD_LISTEN);
	assert_int_equal(r.u[0].inode, 99);
	assert_int_equal(r.u[0].rqueue, 4);
	assert_int_equal(r.u[0].wqueue, 16);
	assert_int_equal(r.u[1].rqueue, -1);
	assert_int_equal(r.interrupted, 1);
	assert_int_equal(r.done, 1);
	sockdiag_result_release(&r);
}

/* Each kind of damage is counted and skipped; framing goes on where it can. */
static void test_sockdiag__malformed(void **state)
{
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	struct inet_diag_msg good = inet_msg(AF_INET, SD_ESTABLISHED, "1.2.3.4", 1, "5.6.7.8", 2, 0, 0, 1);
	struct buf b;
	size_t off;

	(void)state;
	/* body shorter than inet_diag_msg, then a good message */
	b.len = 0;
	off = msg_begin(&b, SOCK_DIAG_BY_FAMILY, 0, SOCKDIAG_SEQ(IPPROTO_TCP, 1));
	put(&b, &good, 20);
	msg_end(&b, off);
	off = msg_begin(&b, SOCK_DIAG_BY_FAMILY, 0, SOCKDIAG_SEQ(IPPROTO_TCP, 1));
	put(&b, &good, sizeof(good));
	msg_end(&b, off);
	assert_int_equal(sockdiag_parse(b.d, b.len, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.malformed, 1);

	/* attribute longer than its message: socket kept, attribute dropped */
	sockdiag_result_reset(&r);
	b.len = 0;
	off = msg_begin(&b, SOCK_DIAG_BY_FAMILY, 0, SOCKDIAG_SEQ(IPPROTO_TCP, 1));
	put(&b, &good, sizeof(good));
	{
		struct rtattr a = { .rta_len = 500, .rta_type = INET_DIAG_INFO };
		put(&b, &a, sizeof(a));
		put(&b, "abcd", 4);
	}
	msg_end(&b, off);
	assert_int_equal(sockdiag_parse(b.d, b.len, &r), 0);
	assert_int_equal(r.n, 1);
	assert_false(r.v[0].has_tcpinfo);
	assert_int_equal(r.malformed, 1);

	/* rta_len below its own header */
	sockdiag_result_reset(&r);
	b.len = 0;
	off = msg_begin(&b, SOCK_DIAG_BY_FAMILY, 0, SOCKDIAG_SEQ(IPPROTO_TCP, 1));
	put(&b, &good, sizeof(good));
	{
		struct rtattr a = { .rta_len = 2, .rta_type = INET_DIAG_INFO };
		put(&b, &a, sizeof(a));
	}
	msg_end(&b, off);
	assert_int_equal(sockdiag_parse(b.d, b.len, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.malformed, 1);

	/* unknown family, state 0, unknown protocol in seq */
	sockdiag_result_reset(&r);
	b.len = 0;
	{
		struct inet_diag_msg bad = good;
		bad.idiag_family = 99;
		off = msg_begin(&b, SOCK_DIAG_BY_FAMILY, 0, SOCKDIAG_SEQ(IPPROTO_TCP, 1));
		put(&b, &bad, sizeof(bad));
		msg_end(&b, off);
		bad = good;
		bad.idiag_state = 0;
		off = msg_begin(&b, SOCK_DIAG_BY_FAMILY, 0, SOCKDIAG_SEQ(IPPROTO_TCP, 1));
		put(&b, &bad, sizeof(bad));
		msg_end(&b, off);
		off = msg_begin(&b, SOCK_DIAG_BY_FAMILY, 0, SOCKDIAG_SEQ(IPPROTO_ICMP, 1));
		put(&b, &good, sizeof(good));
		msg_end(&b, off);
	}
	assert_int_equal(sockdiag_parse(b.d, b.len, &r), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.malformed, 3);

	/* nlmsg_len past the buffer and below the header: framing stops */
	sockdiag_result_reset(&r);
	b.len = 0;
	off = msg_begin(&b, SOCK_DIAG_BY_FAMILY, 0, SOCKDIAG_SEQ(IPPROTO_TCP, 1));
	put(&b, &good, sizeof(good));
	msg_end(&b, off);
	{
		uint32_t big = 100000;
		memcpy(b.d, &big, 4);
	}
	assert_int_equal(sockdiag_parse(b.d, b.len, &r), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.malformed, 1);
	{
		uint32_t tiny = 8;
		memcpy(b.d, &tiny, 4);
	}
	assert_int_equal(sockdiag_parse(b.d, b.len, &r), 0);
	assert_int_equal(r.malformed, 2);
	/* fewer bytes than a header */
	assert_int_equal(sockdiag_parse(b.d, 7, &r), 0);
	assert_int_equal(r.malformed, 3);
	assert_int_equal(sockdiag_parse(b.d, 0, &r), 0);
	sockdiag_result_release(&r);
}

/* Every truncation and every single-byte corruption of a valid stream
 * parses without reading outside the buffer (run under ASan). */
static void test_sockdiag__truncation_and_corruption(void **state)
{
	struct buf b = { .len = 0 };
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	struct inet_diag_msg m = inet_msg(AF_INET6, SD_ESTABLISHED, "::1", 1, "::1", 2, 5, 6, 7);
	struct tcp_info ti = full_info();
	size_t off;

	(void)state;
	for (int i = 0; i < 3; i++) {
		off = msg_begin(&b, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, SOCKDIAG_SEQ(IPPROTO_TCP, 1));
		put(&b, &m, sizeof(m));
		attr(&b, INET_DIAG_INFO, &ti, sizeof(ti));
		msg_end(&b, off);
	}
	done(&b, SOCKDIAG_SEQ(IPPROTO_TCP, 1));
	for (size_t len = 0; len <= b.len; len++) {
		unsigned char *copy = malloc(len ? len : 1);
		memcpy(copy, b.d, len);
		sockdiag_result_reset(&r);
		assert_int_equal(sockdiag_parse(copy, len, &r), 0);
		assert_true(r.n <= 3);
		free(copy);
	}
	for (size_t i = 0; i < b.len; i++) {
		unsigned char *copy = malloc(b.len);
		memcpy(copy, b.d, b.len);
		copy[i] ^= 0xff;
		sockdiag_result_reset(&r);
		assert_int_equal(sockdiag_parse(copy, b.len, &r), 0);
		assert_true(r.n <= 3);
		free(copy);
	}
	sockdiag_result_release(&r);
}

/* A dump recorded from a live kernel (tests/fixtures/sockets/make-fixtures.sh)
 * replays through the same parser: a listener on 127.0.0.1:47001 with one
 * connection queued, and that connection with 1101 unread bytes. */
static void test_sockdiag__replay_recording(void **state)
{
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	const char *dir = getenv("CASEFILE_FIXTURES");
	char path[512];
	int listen_found = 0, client_found = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/sockets/tcp4-dump.bin", dir ? dir : "tests/fixtures");
	assert_int_equal(sockdiag_replay(path, &r), 0);
	assert_int_equal(r.done, 1);
	assert_int_equal(r.malformed, 0);
	for (size_t i = 0; i < r.n; i++) {
		const struct sockdiag_sock *s = &r.v[i];
		assert_int_equal(s->proto, IPPROTO_TCP);
		if (s->state == SD_LISTEN && s->sport == 47001) {
			listen_found = 1;
			assert_int_equal(s->rqueue, 1);
			assert_int_equal(s->wqueue, 16);
		}
		if (s->state == SD_ESTABLISHED && s->dport == 47001) {
			client_found = 1;
			assert_true(s->has_tcpinfo);
			assert_true(s->ti.rtt_us > 0);
			assert_int_equal(s->ti.bytes_sent, 1101);
		}
		if (s->state == SD_ESTABLISHED && s->sport == 47001)
			assert_int_equal(s->rqueue, 1101);
	}
	assert_true(listen_found);
	assert_true(client_found);
	sockdiag_result_release(&r);
}

static void test_sockdiag__replay_missing(void **state)
{
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;

	(void)state;
	assert_int_equal(sockdiag_replay("/nonexistent/recording.bin", &r), -1);
}

/* Replies are matched to the request, as iproute2's dump filter does: a late
 * reply (and NLMSG_DONE) to an earlier dump and a message for another port
 * are skipped, neither adding sockets nor ending the dump; the protocol of a
 * reply without INET_DIAG_PROTOCOL is the request's, not the sequence
 * number's low byte (0x11 here, UDP's number, for a TCP request); a datagram
 * larger than the buffer grows it (MSG_PEEK | MSG_TRUNC) instead of being
 * cut. The datagrams come through a socketpair standing for the netlink
 * socket. */
static void set_pid(struct buf *b, size_t off, uint32_t pid)
{
	memcpy(b->d + off + offsetof(struct nlmsghdr, nlmsg_pid), &pid, sizeof(pid));
}

static void send_buf(int fd, struct buf *b)
{
	assert_int_equal(send(fd, b->d, b->len, 0), (ssize_t)b->len);
	b->len = 0;
}

static void test_sockdiag__replies_matched_to_request(void **state)
{
	struct buf b = { .len = 0 };
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	struct sockdiag sd;
	struct sockdiag_expect x = { 0x4211, 4242, IPPROTO_TCP };
	struct inet_diag_msg m = inet_msg(AF_INET, SD_ESTABLISHED, "127.0.0.1", 40000,
					  "127.0.0.1", 8080, 0, 0, 1);
	int sv[2], i;
	size_t off;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	memset(&sd, 0, sizeof(sd));
	sd.fd = sv[0];
	sd.record_fd = -1;
	sd.buflen = 128;
	sd.buf = malloc(sd.buflen);
	assert_non_null(sd.buf);
	sd.portid = 4242;

	/* the tail of an abandoned dump: a socket and its DONE */
	off = msg_begin(&b, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, x.seq - 0x100);
	set_pid(&b, off, 4242);
	put(&b, &m, sizeof(m));
	msg_end(&b, off);
	off = b.len;
	done(&b, x.seq - 0x100);
	set_pid(&b, off, 4242);
	send_buf(sv[1], &b);
	/* right sequence, another port */
	off = msg_begin(&b, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, x.seq);
	set_pid(&b, off, 999);
	put(&b, &m, sizeof(m));
	msg_end(&b, off);
	send_buf(sv[1], &b);
	/* the answer: two sockets in one datagram longer than the buffer */
	for (i = 0; i < 2; i++) {
		m.idiag_inode = 100 + (uint32_t)i;
		off = msg_begin(&b, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, x.seq);
		set_pid(&b, off, 4242);
		put(&b, &m, sizeof(m));
		msg_end(&b, off);
	}
	assert_true(b.len > sd.buflen);
	send_buf(sv[1], &b);
	off = b.len;
	done(&b, x.seq);
	set_pid(&b, off, 4242);
	send_buf(sv[1], &b);

	assert_int_equal(sockdiag_recv_dump(&sd, &x, &r), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.v[0].inode, 100);
	assert_int_equal(r.v[1].inode, 101);
	assert_int_equal(r.v[0].proto, IPPROTO_TCP);
	assert_int_equal(r.v[1].proto, IPPROTO_TCP);
	assert_int_equal(r.foreign, 3);
	assert_int_equal(r.truncated, 0);
	assert_int_equal(r.malformed, 0);
	assert_int_equal(r.done, 1);
	sockdiag_result_release(&r);
	free(sd.buf);
	close(sv[0]);
	close(sv[1]);
}

/* With a buffer of at least the kernel's largest dump datagram (32 KiB) no
 * MSG_PEEK comes first: a datagram longer than the buffer anyway is not
 * parsed cut, it fails the dump (counted in truncated, EMSGSIZE) and the
 * buffer is grown for the next one, which then reads whole. */
static void test_sockdiag__no_peek_truncation_caught(void **state)
{
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	struct sockdiag_expect x = { 0x4211, 4242, IPPROTO_TCP };
	struct buf b = { .len = 0 };
	struct sockdiag sd;
	struct inet_diag_msg m = inet_msg(AF_INET, SD_ESTABLISHED, "127.0.0.1", 40000,
					  "127.0.0.1", 8080, 0, 0, 1);
	size_t big = (32u << 10) + 4096, off;
	unsigned char *d = calloc(1, big);
	struct nlmsghdr h = { .nlmsg_len = (uint32_t)big, .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			      .nlmsg_flags = NLM_F_MULTI, .nlmsg_seq = 0x4211, .nlmsg_pid = 4242 };
	int sv[2], sndbuf = 1 << 20;

	(void)state;
	assert_non_null(d);
	memcpy(d, &h, sizeof(h));
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv), 0);
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	memset(&sd, 0, sizeof(sd));
	sd.fd = sv[0];
	sd.record_fd = -1;
	sd.buflen = 32u << 10;
	sd.buf = malloc(sd.buflen);
	assert_non_null(sd.buf);
	sd.portid = 4242;

	assert_int_equal(send(sv[1], d, big, 0), (ssize_t)big);
	errno = 0;
	assert_int_equal(sockdiag_recv_dump(&sd, &x, &r), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(r.truncated, 1);
	assert_int_equal(r.n, 0);
	assert_true(sd.buflen >= big);

	/* the next dump, as long, reads whole into the grown buffer */
	off = msg_begin(&b, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI, x.seq);
	set_pid(&b, off, 4242);
	put(&b, &m, sizeof(m));
	msg_end(&b, off);
	off = b.len;
	done(&b, x.seq);
	set_pid(&b, off, 4242);
	send_buf(sv[1], &b);
	sockdiag_result_reset(&r);
	assert_int_equal(sockdiag_recv_dump(&sd, &x, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.done, 1);
	sockdiag_result_release(&r);
	free(sd.buf);
	free(d);
	close(sv[0]);
	close(sv[1]);
}

/* One message of family fam and inode ino, with a full tcp_info. */
static void put_sock(struct buf *b, int fam, uint32_t ino)
{
	struct inet_diag_msg m = fam == AF_INET
		? inet_msg(AF_INET, SD_ESTABLISHED, "127.0.0.1", 40000, "127.0.0.2", 9243, 0, 0, ino)
		: inet_msg(AF_INET6, SD_ESTABLISHED, "::1", 40000, "::2", 9243, 0, 0, ino);
	struct tcp_info ti = full_info();
	size_t off = msg_begin(b, TCPDIAG_GETSOCK, NLM_F_MULTI, SOCKDIAG_SEQ(IPPROTO_TCP, 1));

	put(b, &m, sizeof(m));
	ti.tcpi_bytes_acked = ino;
	attr(b, INET_DIAG_INFO, &ti, sizeof(ti));
	msg_end(b, off);
}

/* The one-walk TCP dump's v6 rows go after its v4 ones, each family in the
 * order the kernel gave; the parse notes where a v4 row followed a v6 one,
 * so an already ordered dump (all v4, or v4 then v6) is left without a pass
 * over its rows, and rows before from are never moved. */
static void test_sockdiag__order_by_family(void **state)
{
	static const int fams[] = { AF_INET6, AF_INET, AF_INET6, AF_INET, AF_INET };
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	struct buf b = { .len = 0 };
	size_t i;

	(void)state;
	/* an earlier dump's rows, out of order on purpose: not touched */
	put_sock(&b, AF_INET6, 1);
	put_sock(&b, AF_INET, 2);
	assert_int_equal(sockdiag_parse(b.d, b.len, &r), 0);
	b.len = 0;
	/* this dump, in two datagrams */
	for (i = 0; i < 3; i++)
		put_sock(&b, fams[i], 10 + (uint32_t)i);
	assert_int_equal(sockdiag_parse(b.d, b.len, &r), 0);
	b.len = 0;
	for (i = 3; i < 5; i++)
		put_sock(&b, fams[i], 10 + (uint32_t)i);
	assert_int_equal(sockdiag_parse(b.d, b.len, &r), 0);
	assert_int_equal(r.n, 7);
	assert_int_equal(sockdiag_order_by_family(&r, 2), 0);
	{
		static const uint32_t want[] = { 1, 2, 11, 13, 14, 10, 12 };
		for (i = 0; i < 7; i++) {
			assert_int_equal(r.v[i].inode, want[i]);
			/* the whole row moved with its inode */
			assert_int_equal(r.v[i].ti.bytes_acked, want[i]);
			assert_int_equal(r.v[i].family, i >= 5 || i == 0 ? AF_INET6 : AF_INET);
		}
	}
	/* v4 then v6 only: nothing out of order after from */
	sockdiag_result_reset(&r);
	b.len = 0;
	put_sock(&b, AF_INET, 20);
	put_sock(&b, AF_INET6, 21);
	put_sock(&b, AF_INET6, 22);
	assert_int_equal(sockdiag_parse(b.d, b.len, &r), 0);
	assert_int_equal(r.mixed6, 0);
	assert_int_equal(sockdiag_order_by_family(&r, 0), 0);
	assert_int_equal(r.v[0].inode, 20);
	assert_int_equal(r.v[2].inode, 22);
	/* a row pushed by another reader (procnet, the iterator) is not known
	 * to be in order: the next ordering looks at every row */
	struct sockdiag_sock *p = sockdiag_result_push(&r);
	assert_non_null(p);
	memset(p, 0, sizeof(*p));
	p->family = AF_INET;
	p->inode = 23;
	assert_int_equal(sockdiag_order_by_family(&r, 0), 0);
	assert_int_equal(r.v[1].inode, 23);
	assert_int_equal(r.v[2].inode, 21);
	assert_int_equal(r.v[3].inode, 22);
	sockdiag_result_release(&r);
}

/* Many rows over many datagrams (reallocations and prefaulted chunks):
 * every row whole and in order, and the prefault mark within the array. */
static void test_sockdiag__many_rows(void **state)
{
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	struct buf b = { .len = 0 };
	uint32_t ino = 1;
	size_t i;

	(void)state;
	for (int round = 0; round < 2; round++) {
		sockdiag_result_reset(&r);
		for (ino = 1; ino <= 30000;) {
			b.len = 0;
			while (b.len + 512 < sizeof(b.d) && ino <= 30000) {
				put_sock(&b, ino % 7 ? AF_INET : AF_INET6, ino);
				ino++;
			}
			assert_int_equal(sockdiag_parse(b.d, b.len, &r), 0);
		}
		assert_int_equal(r.n, 30000);
		assert_int_equal(r.malformed, 0);
		assert_true(r.ready <= r.alloc);
		for (i = 0; i < r.n; i++) {
			assert_int_equal(r.v[i].inode, i + 1);
			assert_int_equal(r.v[i].ti.bytes_acked, i + 1);
			assert_int_equal(r.v[i].ti.rtt_us, 1234);
			assert_int_equal(r.v[i].sport, 40000);
			assert_true(r.v[i].has_tcpinfo);
		}
		assert_int_equal(sockdiag_order_by_family(&r, 0), 0);
		for (i = 1; i < r.n; i++)
			assert_false(r.v[i - 1].family == AF_INET6 && r.v[i].family == AF_INET);
	}
	sockdiag_result_release(&r);
}

/* tcp_info read in place: a field cut by the attribute's end is absent, the
 * one before it is whole; a u64 counter past 2^63 stays non-negative. */
static void test_sockdiag__tcpinfo_cut_mid_field(void **state)
{
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	struct tcp_info ti = full_info();
	size_t cut = offsetof(struct tcp_info, tcpi_bytes_received) + 4;

	(void)state;
	ti.tcpi_bytes_acked = (1ull << 63) + 5;
	parse_one_tcpinfo(&r, SD_ESTABLISHED, &ti, cut);
	assert_int_equal(r.malformed, 0);
	assert_true(r.v[0].has_tcpinfo);
	assert_int_equal(r.v[0].ti.retransmits, 2);
	assert_int_equal(r.v[0].ti.snd_cwnd, 10);
	assert_int_equal(r.v[0].ti.total_retrans, 7);
	assert_int_equal(r.v[0].ti.bytes_acked, INT64_MAX);
	assert_int_equal(r.v[0].ti.bytes_received, -1);
	assert_int_equal(r.v[0].ti.segs_out, -1);
	assert_int_equal(r.v[0].ti.last_data_recv_ms, 400);   /* before the cut */
	sockdiag_result_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sockdiag__inet4_with_tcpinfo),
		cmocka_unit_test(test_sockdiag__short_tcpinfo),
		cmocka_unit_test(test_sockdiag__inet6_udp_and_protocol_attr),
		cmocka_unit_test(test_sockdiag__listen_and_error),
		cmocka_unit_test(test_sockdiag__done_with_error),
		cmocka_unit_test(test_sockdiag__tcpdiag_getsock_replies),
		cmocka_unit_test(test_sockdiag__unix),
		cmocka_unit_test(test_sockdiag__malformed),
		cmocka_unit_test(test_sockdiag__truncation_and_corruption),
		cmocka_unit_test(test_sockdiag__replay_recording),
		cmocka_unit_test(test_sockdiag__replay_missing),
		cmocka_unit_test(test_sockdiag__replies_matched_to_request),
		cmocka_unit_test(test_sockdiag__no_peek_truncation_caught),
		cmocka_unit_test(test_sockdiag__order_by_family),
		cmocka_unit_test(test_sockdiag__many_rows),
		cmocka_unit_test(test_sockdiag__tcpinfo_cut_mid_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
