/* pkt_header_len(): how much of a frame is headers (what the capture keeps
 * by default), for every shape of header and every place a frame is cut. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pktdecode.h"

static uint32_t hlen(const uint8_t *b, size_t caplen, size_t wirelen, int linktype)
{
	struct pkt_info pi;

	pkt_decode(b, caplen, wirelen, linktype, &pi);
	return pkt_header_len(&pi);
}

/* IPv4 (IHL 6: one option word) + TCP (doff 8: 12 option bytes) + 20 bytes
 * of payload, raw. */
static size_t v4_tcp(uint8_t *p)
{
	memset(p, 0, 76);
	p[0] = 0x46;
	p[3] = 24 + 32 + 20;
	p[8] = 64;
	p[9] = 6;
	p[12] = 10; p[15] = 1; p[16] = 10; p[19] = 2;
	p[20] = 1; p[21] = 1; p[22] = 1;               /* NOP NOP NOP EOL */
	p[24] = 0x30; p[26] = 0x1f; p[27] = 0x90;      /* ports */
	p[24 + 12] = 8 << 4;                           /* doff 8 */
	p[24 + 13] = 0x18;
	memcpy(p + 56, "password=hunter2....", 20);
	return 76;
}

static void test_pktheader__ipv4_tcp_options(void **state)
{
	uint8_t p[96];
	size_t len = v4_tcp(p);

	(void)state;
	assert_int_equal(hlen(p, len, len, PKT_LINK_RAW), 24 + 32);
	/* cut in the TCP options: all of it is header */
	assert_int_equal(hlen(p, 40, len, PKT_LINK_RAW), 40);
	/* cut in the IP header */
	assert_int_equal(hlen(p, 10, len, PKT_LINK_RAW), 10);
	/* unknown transport: up to the end of the IP header */
	p[9] = 47;
	assert_int_equal(hlen(p, len, len, PKT_LINK_RAW), 24);
	/* a later fragment has no transport header */
	p[9] = 6;
	p[6] = 0x00; p[7] = 0x10;                      /* offset 128 bytes */
	assert_int_equal(hlen(p, len, len, PKT_LINK_RAW), 24);
	/* ICMP: its 8-byte header, not the quoted datagram behind it */
	p[6] = p[7] = 0;
	p[9] = 1;
	assert_int_equal(hlen(p, len, len, PKT_LINK_RAW), 24 + 8);
}

static void test_pktheader__ipv6_extension_udp(void **state)
{
	uint8_t p[20 + 40 + 8 + 8 + 30];
	size_t len = sizeof(p);

	(void)state;
	memset(p, 0, sizeof(p));
	p[0] = 0x86; p[1] = 0xdd;                      /* SLL2, IPv6 */
	p[20] = 0x60;
	p[20 + 5] = 8 + 8 + 30;
	p[20 + 6] = 0;                                 /* hop-by-hop */
	p[20 + 7] = 64;
	p[60] = 17;                                    /* then UDP; ext length 8 */
	p[73] = 8 + 30;
	assert_int_equal(hlen(p, len, len, PKT_LINK_LINUX_SLL2), 20 + 40 + 8 + 8);
	/* cut inside the extension header */
	assert_int_equal(hlen(p, 64, len, PKT_LINK_LINUX_SLL2), 64);
	/* cut inside the link header */
	assert_int_equal(hlen(p, 3, len, PKT_LINK_LINUX_SLL2), 3);
}

static void test_pktheader__ethernet_vlan_and_non_ip(void **state)
{
	uint8_t p[14 + 4 + 76];
	size_t len;

	(void)state;
	memset(p, 0, sizeof(p));
	p[12] = 0x81; p[13] = 0x00;                    /* 802.1Q */
	p[16] = 0x08; p[17] = 0x00;
	len = 18 + v4_tcp(p + 18);
	assert_int_equal(hlen(p, len, len, PKT_LINK_EN10MB), 18 + 24 + 32);
	/* ARP: the link header only (its body holds addresses, not ours to keep) */
	p[12] = 0x08; p[13] = 0x06;
	assert_int_equal(hlen(p, 42, 42, PKT_LINK_EN10MB), 14);
	/* a link type we do not know: nothing */
	assert_int_equal(hlen(p, 42, 42, 147), 0);
	/* empty */
	assert_int_equal(hlen(NULL, 0, 60, PKT_LINK_EN10MB), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pktheader__ipv4_tcp_options),
		cmocka_unit_test(test_pktheader__ipv6_extension_udp),
		cmocka_unit_test(test_pktheader__ethernet_vlan_and_non_ip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
