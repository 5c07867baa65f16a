/* Tests for lib/pktdecode.c: real frames decoded field by field, and the
 * same frames cut at every length (each copy in a buffer of exactly that size,
 * so ASan catches any read past it), plus odd frames. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pktdecode.h"

/* Ethernet, IPv4 (no options), TCP SYN 10.0.0.1:40000 -> 10.0.0.2:80, 40-byte TCP header. */
static const uint8_t eth_tcp_syn[] = {
	0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	10, 0, 0, 1, 10, 0, 0, 2,
	0x9c, 0x40, 0x00, 0x50, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0xa0, 0x02, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0, 0, 0, 1, 0, 0, 0, 0, 0x01, 0x03, 0x03, 0x07,
};

/* Ethernet with two VLAN tags (802.1ad 100, 802.1Q 200), IPv4 with 8 bytes of
 * options (NOP, NOP, router alert), UDP 10.0.0.2:53 -> 10.0.0.1:5353, 12 bytes payload. */
static const uint8_t eth_qinq_ipopts_udp[] = {
	0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x88, 0xa8,
	0x00, 0x64, 0x81, 0x00, 0x00, 0xc8, 0x08, 0x00,
	0x47, 0x00, 0x00, 0x30, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
	10, 0, 0, 2, 10, 0, 0, 1,
	0x01, 0x01, 0x94, 0x04, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x35, 0x14, 0xe9, 0x00, 0x14, 0x00, 0x00,
	'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '!',
};

/* Linux cooked v1 (outgoing), IPv6 with hop-by-hop, destination options and
 * fragment (first fragment, more follow) headers, TCP ::1:443 -> ::2:50000 ACK, 5 bytes. */
static const uint8_t sll_ipv6_ext_tcp[] = {
	0x00, 0x04, 0x03, 0x04, 0x00, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0x86, 0xdd,
	0x60, 0, 0, 0, 0x00, 0x39, 0x00, 0x40,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
	0x3c, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,             /* hop-by-hop -> dstopts */
	0x2c, 0x01, 0x01, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* dstopts (16) -> fragment */
	0x06, 0x00, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef,             /* fragment: offset 0, M=1 */
	0x01, 0xbb, 0xc3, 0x50, 0, 0, 0, 9, 0, 0, 0, 7, 0x50, 0x10, 0x01, 0x00, 0, 0, 0, 0,
	'a', 'b', 'c', 'd', 'e',
};

/* Linux cooked v2 on ifindex 1, IPv4 non-first fragment of a UDP datagram. */
static const uint8_t sll2_ipv4_frag[] = {
	0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x04, 0x00, 0x06,
	0, 0, 0, 0, 0, 0, 0, 0,
	0x45, 0x00, 0x00, 0x1c, 0xab, 0xcd, 0x00, 0xb9, 0x40, 0x11, 0x00, 0x00,
	192, 168, 1, 1, 192, 168, 1, 2,
	1, 2, 3, 4, 5, 6, 7, 8,
};

/* BSD loopback (AF_INET, little-endian host), IPv4 ICMP echo request. */
static const uint8_t null_icmp[] = {
	0x02, 0x00, 0x00, 0x00,
	0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01, 0x00, 0x00,
	127, 0, 0, 1, 127, 0, 0, 1,
	0x08, 0x00, 0xf7, 0xff, 0x00, 0x00, 0x00, 0x00,
};

/* Ethernet ARP request: not IP. */
static const uint8_t eth_arp[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 1, 0x08, 0x06,
	0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0, 0, 0, 0, 1,
	10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0, 0, 2,
};

/* Raw IPv4 UDP (a "RAW" link), 127.0.0.1:9 -> 127.0.0.1:10, 4 bytes. */
static const uint8_t raw_udp[] = {
	0x45, 0x00, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
	127, 0, 0, 1, 127, 0, 0, 1,
	0x00, 0x09, 0x00, 0x0a, 0x00, 0x0c, 0x00, 0x00, 1, 2, 3, 4,
};

struct frame {
	const char *name;
	const uint8_t *buf;
	size_t len;
	int linktype;
	unsigned layers;        /* expected when complete */
};

static const struct frame frames[] = {
	{ "eth_tcp_syn", eth_tcp_syn, sizeof(eth_tcp_syn), PKT_LINK_EN10MB, 7 },
	{ "eth_qinq_ipopts_udp", eth_qinq_ipopts_udp, sizeof(eth_qinq_ipopts_udp), PKT_LINK_EN10MB, 7 },
	{ "sll_ipv6_ext_tcp", sll_ipv6_ext_tcp, sizeof(sll_ipv6_ext_tcp), PKT_LINK_LINUX_SLL, 7 },
	{ "sll2_ipv4_frag", sll2_ipv4_frag, sizeof(sll2_ipv4_frag), PKT_LINK_LINUX_SLL2, 3 },
	{ "null_icmp", null_icmp, sizeof(null_icmp), PKT_LINK_NULL, 7 },
	{ "eth_arp", eth_arp, sizeof(eth_arp), PKT_LINK_EN10MB, 1 },
	{ "raw_udp", raw_udp, sizeof(raw_udp), PKT_LINK_RAW, 7 },
};

/* Decodes a copy of the first LEN bytes in a buffer of exactly LEN bytes. */
static unsigned decode_cut(const struct frame *f, size_t len, struct pkt_info *pi)
{
	uint8_t *copy = len ? malloc(len) : NULL;
	unsigned layers;

	if (len)
		memcpy(copy, f->buf, len);
	layers = pkt_decode(copy, len, f->len, f->linktype, pi);
	free(copy);
	return layers;
}

static void test_pktdecode__eth_tcp_syn(void **state)
{
	struct pkt_info pi;

	(void)state;
	assert_int_equal(decode_cut(&frames[0], sizeof(eth_tcp_syn), &pi), 7);
	assert_int_equal(pi.stop, PKT_STOP_NONE);
	assert_int_equal(pi.ip_version, 4);
	assert_int_equal(pi.proto, 6);
	assert_int_equal(pi.sport, 40000);
	assert_int_equal(pi.dport, 80);
	assert_int_equal(pi.tcp_flags, PKT_TCP_SYN);
	assert_int_equal(pi.seq, 1);
	assert_int_equal(pi.l4_hdr_len, 40);
	assert_int_equal(pi.payload_len, 0);
	assert_int_equal(pi.is_fragment, 0);
	assert_int_equal(pi.nvlans, 0);
	assert_int_equal(pi.key.family, 4);
	assert_int_equal(pi.key.port_lo, 40000);
	assert_int_equal(pi.key_reversed, 0);
}

static void test_pktdecode__vlan_ipv4_options(void **state)
{
	struct pkt_info pi;

	(void)state;
	assert_int_equal(decode_cut(&frames[1], frames[1].len, &pi), 7);
	assert_int_equal(pi.nvlans, 2);
	assert_int_equal(pi.vlan_ids[0], 100);
	assert_int_equal(pi.vlan_ids[1], 200);
	assert_int_equal(pi.l3_offset, 22);
	assert_int_equal(pi.ip_hdr_len, 28);
	assert_int_equal(pi.nopts, 4); /* NOP, NOP, RA, EOL */
	assert_int_equal(pi.opt_types[2], 0x94);
	assert_int_equal(pi.proto, 17);
	assert_int_equal(pi.sport, 53);
	assert_int_equal(pi.dport, 5353);
	assert_int_equal(pi.payload_len, 12);
	/* the reply direction hashes like the query: 10.0.0.1 is the lower end */
	assert_int_equal(pi.key_reversed, 1);
	assert_int_equal(pi.key.port_lo, 5353);
}

static void test_pktdecode__ipv6_extension_headers(void **state)
{
	struct pkt_info pi;

	(void)state;
	assert_int_equal(decode_cut(&frames[2], frames[2].len, &pi), 7);
	assert_int_equal(pi.dir, PKT_DIR_OUTGOING);
	assert_int_equal(pi.ip_version, 6);
	assert_int_equal(pi.nexts, 3);
	assert_int_equal(pi.ext_types[0], 0);
	assert_int_equal(pi.ext_types[1], 60);
	assert_int_equal(pi.ext_types[2], 44);
	assert_int_equal(pi.ip_hdr_len, 40 + 8 + 16 + 8);
	assert_int_equal(pi.is_fragment, 1);
	assert_int_equal(pi.frag_more, 1);
	assert_int_equal(pi.frag_id, 0xdeadbeef);
	assert_int_equal(pi.proto, 6);
	assert_int_equal(pi.sport, 443);
	assert_int_equal(pi.dport, 50000);
	assert_int_equal(pi.tcp_flags, PKT_TCP_ACK);
	assert_int_equal(pi.payload_len, 5);
}

static void test_pktdecode__fragment_and_cooked_v2(void **state)
{
	struct pkt_info pi;

	(void)state;
	assert_int_equal(decode_cut(&frames[3], frames[3].len, &pi), 3);
	assert_int_equal(pi.ifindex, 1);
	assert_int_equal(pi.dir, PKT_DIR_HOST);
	assert_int_equal(pi.is_fragment, 1);
	assert_int_equal(pi.frag_offset, 185 * 8);
	assert_int_equal(pi.frag_more, 0);
	assert_int_equal(pi.payload_len, 8);
	assert_int_equal(pi.sport, 0);
	assert_int_equal(pi.key.proto, 17);
}

static void test_pktdecode__null_raw_and_non_ip(void **state)
{
	struct pkt_info pi;

	(void)state;
	assert_int_equal(decode_cut(&frames[4], frames[4].len, &pi), 7);
	assert_int_equal(pi.proto, 1);
	assert_int_equal(pi.icmp_type, 8);
	assert_int_equal(decode_cut(&frames[5], frames[5].len, &pi), 1);
	assert_int_equal(pi.ethertype, 0x0806);
	assert_int_equal(pi.key.family, 0);
	assert_int_equal(pi.key.proto, 0x0806);
	assert_int_equal(decode_cut(&frames[6], frames[6].len, &pi), 7);
	assert_int_equal(pi.dport, 10);
	assert_int_equal(pi.payload_len, 4);
	/* same frame under the other RAW code and as LINKTYPE_IPV4 */
	assert_int_equal(pkt_decode(raw_udp, sizeof(raw_udp), sizeof(raw_udp), PKT_LINK_RAW_DLT, &pi), 7);
	assert_int_equal(pkt_decode(raw_udp, sizeof(raw_udp), sizeof(raw_udp), PKT_LINK_IPV4, &pi), 7);
	assert_int_equal(pkt_decode(raw_udp, sizeof(raw_udp), sizeof(raw_udp), 9999, &pi), 0);
	assert_int_equal(pi.stop, PKT_STOP_UNSUPPORTED);
}

/* Every prefix of every frame: no crash, layers only grow with length, the
 * complete frame decodes fully, and a cut frame says it was truncated. */
static void test_pktdecode__every_truncation(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		const struct frame *f = &frames[i];
		unsigned prev = 0;

		for (size_t len = 0; len <= f->len; len++) {
			struct pkt_info pi;
			unsigned l = decode_cut(f, len, &pi);

			if ((l & prev) != prev)
				fail_msg("%s: layers shrank at length %zu (0x%x after 0x%x)", f->name, len, l, prev);
			prev = l;
			if (len < f->len && l != f->layers && pi.stop != PKT_STOP_TRUNCATED)
				fail_msg("%s: cut at %zu not reported truncated", f->name, len);
			assert_true(pi.caplen == len);
		}
		if (prev != f->layers)
			fail_msg("%s: complete frame gave 0x%x", f->name, prev);
	}
}

/* Odd frames: zero length, lying lengths, bad versions, endless options. */
static void test_pktdecode__odd_frames(void **state)
{
	struct pkt_info pi;
	uint8_t b[128];

	(void)state;
	assert_int_equal(pkt_decode(NULL, 0, 0, PKT_LINK_EN10MB, &pi), 0);
	assert_int_equal(pi.stop, PKT_STOP_TRUNCATED);
	assert_int_equal(pkt_decode(NULL, 100, 100, PKT_LINK_RAW, &pi), 0);

	/* IHL 3: impossible */
	memcpy(b, raw_udp, sizeof(raw_udp));
	b[0] = 0x43;
	pkt_decode(b, sizeof(raw_udp), sizeof(raw_udp), PKT_LINK_RAW, &pi);
	assert_int_equal(pi.stop, PKT_STOP_MALFORMED);
	assert_false(pi.layers & PKT_HAVE_L3);

	/* IHL 15 in a 32-byte frame: options run past the end */
	b[0] = 0x4f;
	pkt_decode(b, sizeof(raw_udp), sizeof(raw_udp), PKT_LINK_RAW, &pi);
	assert_int_not_equal(pi.stop, PKT_STOP_NONE);

	/* total length smaller than the header */
	memcpy(b, raw_udp, sizeof(raw_udp));
	b[2] = 0;
	b[3] = 10;
	pkt_decode(b, sizeof(raw_udp), sizeof(raw_udp), PKT_LINK_RAW, &pi);
	assert_int_equal(pi.stop, PKT_STOP_MALFORMED);

	/* total length far larger than the frame: payload from the header, no over-read */
	b[2] = 0xff;
	b[3] = 0xff;
	assert_int_equal(pkt_decode(b, sizeof(raw_udp), sizeof(raw_udp), PKT_LINK_RAW, &pi), 7);
	assert_int_equal(pi.payload_len, 0xffff - 28);

	/* TCP data offset 2 */
	memcpy(b, eth_tcp_syn, sizeof(eth_tcp_syn));
	b[14 + 20 + 12] = 0x20;
	pkt_decode(b, sizeof(eth_tcp_syn), sizeof(eth_tcp_syn), PKT_LINK_EN10MB, &pi);
	assert_int_equal(pi.stop, PKT_STOP_MALFORMED);
	assert_int_equal(pi.sport, 40000);

	/* option length 0 and 1 and an option longer than the header */
	memcpy(b, eth_qinq_ipopts_udp, sizeof(eth_qinq_ipopts_udp));
	b[22 + 20] = 0x94;
	b[22 + 21] = 0;
	assert_int_equal(pkt_decode(b, sizeof(eth_qinq_ipopts_udp), 200, PKT_LINK_EN10MB, &pi), 7);
	b[22 + 21] = 200;
	assert_int_equal(pkt_decode(b, sizeof(eth_qinq_ipopts_udp), 200, PKT_LINK_EN10MB, &pi), 7);

	/* a frame of nothing but VLAN tags */
	memset(b, 0, sizeof(b));
	b[12] = 0x81;
	for (size_t off = 14; off + 4 <= sizeof(b); off += 4) {
		b[off + 2] = 0x81;
		b[off + 3] = 0x00;
	}
	pkt_decode(b, sizeof(b), sizeof(b), PKT_LINK_EN10MB, &pi);
	assert_true(pi.nvlans >= 2);

	/* an IPv6 chain of hop-by-hop headers longer than the frame */
	memset(b, 0, sizeof(b));
	b[0] = 0x60;
	b[5] = 80;
	for (size_t off = 40; off < sizeof(b); off += 8)
		b[off] = 0;   /* next: hop-by-hop again, length 0 (8 bytes) */
	pkt_decode(b, sizeof(b), sizeof(b), PKT_LINK_RAW, &pi);
	assert_int_not_equal(pi.stop, PKT_STOP_NONE);

	/* wirelen smaller than caplen, 802.3 length frame, unknown AF */
	pkt_decode(eth_tcp_syn, sizeof(eth_tcp_syn), 10, PKT_LINK_EN10MB, &pi);
	assert_int_equal(pi.wirelen, sizeof(eth_tcp_syn));
	memcpy(b, eth_arp, sizeof(eth_arp));
	b[12] = 0x00;
	b[13] = 0x2e;
	assert_int_equal(pkt_decode(b, sizeof(eth_arp), sizeof(eth_arp), PKT_LINK_EN10MB, &pi), 1);
	assert_int_equal(pi.ethertype, 0);
	memset(b, 0x77, 8);
	assert_int_equal(pkt_decode(b, 8, 8, PKT_LINK_NULL, &pi), 1);
	assert_int_equal(pkt_decode(b, 8, 8, PKT_LINK_LINUX_SLL, &pi), 0);
}

/* Random bytes under every link type: must never crash or over-read. */
static void test_pktdecode__random_bytes(void **state)
{
	static const int links[] = { 0, 1, 12, 101, 108, 113, 228, 229, 276 };
	unsigned seed = 12345;

	(void)state;
	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)(rand_r(&seed) % 160);
		uint8_t *b = malloc(len ? len : 1);
		struct pkt_info pi;

		for (size_t i = 0; i < len; i++)
			b[i] = (uint8_t)rand_r(&seed);
		/* steer some frames into plausible IP headers */
		if (len > 20 && round % 3 == 0) {
			size_t l3 = 14;

			if (len > l3 + 1) {
				b[12] = 0x08;
				b[13] = (round % 2) ? 0x00 : 0x00;
				b[l3] = (uint8_t)((round % 6 == 0 ? 0x60 : 0x40) | (b[l3] & 0x0f));
			}
		}
		pkt_decode(b, len, (size_t)rand_r(&seed) % 2000,
			   links[(size_t)round % (sizeof(links) / sizeof(links[0]))], &pi);
		assert_true(pi.caplen == len);
		free(b);
	}
}

static void test_pktdecode__key_is_direction_neutral(void **state)
{
	uint8_t b[sizeof(raw_udp)];
	struct pkt_info a, r;

	(void)state;
	memcpy(b, raw_udp, sizeof(b));
	b[15] = 2; /* 127.0.0.1 -> 127.0.0.2 */
	pkt_decode(b, sizeof(b), sizeof(b), PKT_LINK_RAW, &a);
	/* swap addresses and ports */
	b[15] = 1;
	b[19] = 2;
	b[20] = 0x00; b[21] = 0x0a; b[22] = 0x00; b[23] = 0x09;
	pkt_decode(b, sizeof(b), sizeof(b), PKT_LINK_RAW, &r);
	assert_memory_equal(&a.key, &r.key, sizeof(a.key));
	assert_int_equal(pkt_flow_hash(&a.key), pkt_flow_hash(&r.key));
	assert_int_not_equal(a.key_reversed, r.key_reversed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pktdecode__eth_tcp_syn),
		cmocka_unit_test(test_pktdecode__vlan_ipv4_options),
		cmocka_unit_test(test_pktdecode__ipv6_extension_headers),
		cmocka_unit_test(test_pktdecode__fragment_and_cooked_v2),
		cmocka_unit_test(test_pktdecode__null_raw_and_non_ip),
		cmocka_unit_test(test_pktdecode__every_truncation),
		cmocka_unit_test(test_pktdecode__odd_frames),
		cmocka_unit_test(test_pktdecode__random_bytes),
		cmocka_unit_test(test_pktdecode__key_is_direction_neutral),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
