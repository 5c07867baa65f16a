/* Tests for capture/packets/pktfilter.c: /proc/net lines in, BPF text out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "packets/pktfilter.h"

static struct sockdiag_sock sock(int proto, int state, uint8_t l, uint16_t lport, uint8_t r, uint16_t rport)
{
	struct sockdiag_sock s;

	memset(&s, 0, sizeof(s));
	s.proto = (uint8_t)proto;
	s.family = AF_INET;
	s.state = (uint8_t)state;
	if (l) {
		s.src[0] = 10;
		s.src[3] = l;
	}
	if (r) {
		s.dst[0] = 10;
		s.dst[3] = r;
	}
	s.sport = lport;
	s.dport = rport;
	return s;
}

static void test_pktfilter__build(void **state)
{
	struct sockdiag_sock v[200];
	char *f;
	int n = 0;

	(void)state;
	f = pktfilter_build(NULL, 0);
	assert_string_equal(f, "less 1");
	free(f);
	/* an IPv4-mapped IPv6 connection, and a wildcard listener on :: */
	memset(&v[0], 0, sizeof(v[0]));
	v[0].family = AF_INET6;
	v[0].proto = 6;
	v[0].state = 1;
	v[0].sport = 40000;
	v[0].dport = 9243;
	v[0].dst[10] = 0xff; v[0].dst[11] = 0xff; v[0].dst[12] = 10; v[0].dst[15] = 9;
	v[1] = v[0];
	memset(v[1].dst, 0, 16);
	v[1].state = 10;
	v[1].sport = 443;
	v[1].dport = 0;
	f = pktfilter_build(v, 2);
	assert_string_equal(f, "(tcp and host 10.0.0.9 and port 9243) or (tcp port 443)");
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
		cmocka_unit_test(test_pktfilter__build),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
