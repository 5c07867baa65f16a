/* Tests for capture/pktfilter.c: /proc/net lines in, BPF text out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pktfilter.h"

static void test_pktfilter__parse_lines(void **state)
{
	static const char hdr[] = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
	static const char v4[] = "   0: 0100007F:1F90 0200007F:D431 01 00000000:0000044D 00:00000000 00000000  1000        0 4242 1 0000000000000000 20 4 30 10 -1";
	static const char v6[] = "   1: 00000000000000000000000001000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 77 1 0000000000000000 100 0 0 10 0";
	static const char mapped[] = "   2: 0000000000000000FFFF00000100007F:9C40 0000000000000000FFFF00000A00000A:23E3 01 00000000:00000000 00:00000000 00000000  0 0 99 1";
	struct procnet_sock s;

	(void)state;
	assert_int_equal(procnet_parse_line(hdr, strlen(hdr), 6, &s), -1);
	assert_int_equal(procnet_parse_line(v4, strlen(v4), 6, &s), 0);
	assert_int_equal(s.family, 4);
	assert_int_equal(s.laddr[0], 127);
	assert_int_equal(s.laddr[3], 1);
	assert_int_equal(s.lport, 8080);
	assert_int_equal(s.raddr[3], 2);
	assert_int_equal(s.rport, 54321);
	assert_int_equal(s.state, 1);
	assert_int_equal(s.inode, 4242);
	assert_int_equal(procnet_parse_line(v6, strlen(v6), 6, &s), 0);
	assert_int_equal(s.family, 6);
	assert_int_equal(s.laddr[15], 1);
	assert_int_equal(s.state, 10);
	assert_int_equal(procnet_parse_line(mapped, strlen(mapped), 6, &s), 0);
	assert_int_equal(s.family, 4);
	assert_int_equal(s.raddr[0], 10);
	assert_int_equal(s.rport, 9187);
	/* damaged: bad hex, no port, cut short, a line without NUL in range */
	assert_int_equal(procnet_parse_line("   0: 0100007G:1F90 0200007F:D431 01 0:0 0:0 0 0 0 1", 52, 6, &s), -1);
	assert_int_equal(procnet_parse_line("   0: 0100007F 0200007F:D431 01 0:0 0:0 0 0 0 1", 47, 6, &s), -1);
	assert_int_equal(procnet_parse_line(v4, 20, 6, &s), -1);
	assert_int_equal(procnet_parse_line("", 0, 6, &s), -1);
}

static struct procnet_sock sock(int proto, int state, uint8_t l, uint16_t lport, uint8_t r, uint16_t rport)
{
	struct procnet_sock s;

	memset(&s, 0, sizeof(s));
	s.proto = proto;
	s.family = 4;
	s.state = state;
	if (l) {
		s.laddr[0] = 10;
		s.laddr[3] = l;
	}
	if (r) {
		s.raddr[0] = 10;
		s.raddr[3] = r;
	}
	s.lport = lport;
	s.rport = rport;
	return s;
}

static void test_pktfilter__build(void **state)
{
	struct procnet_sock v[200];
	char *f;
	int n = 0;

	(void)state;
	f = pktfilter_build(NULL, 0);
	assert_string_equal(f, "less 1");
	free(f);
	v[n++] = sock(6, 10, 0, 8080, 0, 0);            /* listener on all addresses */
	v[n++] = sock(6, 1, 1, 8080, 7, 50000);          /* accepted: covered by the listener */
	v[n++] = sock(6, 1, 1, 40000, 9, 9243);          /* outgoing */
	v[n++] = sock(6, 1, 1, 40001, 9, 9243);          /* same service: one clause */
	v[n++] = sock(17, 7, 1, 5353, 0, 0);             /* bound UDP */
	f = pktfilter_build(v, n);
	assert_string_equal(f, "(tcp port 8080) or (tcp and host 10.0.0.9 and port 9243) or "
			       "(udp and host 10.0.0.1 and port 5353)");
	free(f);
	/* too many remote hosts: one clause per remote port instead */
	for (n = 0; n < 100; n++)
		v[n] = sock(6, 1, 1, (uint16_t)(30000 + n), (uint8_t)(n + 1), 443);
	f = pktfilter_build(v, n);
	assert_string_equal(f, "(tcp port 443)");
	free(f);
	for (n = 0; n < 100; n++)
		v[n] = sock(6, 1, 1, (uint16_t)(30000 + n), (uint8_t)(n + 1), (uint16_t)(1000 + n));
	f = pktfilter_build(v, n);
	assert_string_equal(f, "tcp or udp");
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pktfilter__parse_lines),
		cmocka_unit_test(test_pktfilter__build),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
