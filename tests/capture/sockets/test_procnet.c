/* Unit tests of the /proc/net/{tcp,tcp6,udp,udp6} parser on fixture files
 * under tests/fixtures/sockets/ (odd states, IPv4-mapped IPv6, malformed
 * lines, a last line without a newline). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "sockets/procnet.h"

static char *load(const char *name, size_t *len)
{
	const char *dir = getenv("CASEFILE_FIXTURES");
	char path[512];
	FILE *f;
	char *buf = malloc(65536);

	assert_non_null(buf);
	snprintf(path, sizeof(path), "%s/sockets/%s", dir ? dir : "tests/fixtures", name);
	f = fopen(path, "r");
	assert_non_null(f);
	*len = fread(buf, 1, 65536, f);
	fclose(f);
	return buf;
}

static void test_procnet__tcp4(void **state)
{
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	size_t len;
	char *buf = load("proc-net-tcp", &len);
	char a[64];

	(void)state;
	assert_int_equal(procnet_parse(buf, len, IPPROTO_TCP, AF_INET, &r), 0);
	assert_int_equal(r.n, 4);
	/* lines 4..8: too few fields, bad hex port, state 0x0D, address
	 * without port, inode past 32 bits */
	assert_int_equal(r.malformed, 5);

	assert_int_equal(r.v[0].state, SD_LISTEN);
	assert_string_equal(sockdiag_addr_str(AF_INET, r.v[0].src, a, sizeof(a)), "127.0.0.1");
	assert_int_equal(r.v[0].sport, 8080);
	assert_int_equal(r.v[0].rqueue, 3);
	assert_int_equal(r.v[0].inode, 5001);
	assert_int_equal(r.v[0].uid, 1000);

	assert_int_equal(r.v[1].state, SD_ESTABLISHED);
	assert_string_equal(sockdiag_addr_str(AF_INET, r.v[1].dst, a, sizeof(a)), "127.0.0.2");
	assert_int_equal(r.v[1].sport, 40000);
	assert_int_equal(r.v[1].dport, 9243);
	assert_int_equal(r.v[1].rqueue, 1101);
	assert_int_equal(r.v[1].wqueue, 0);
	assert_false(r.v[1].has_tcpinfo);

	assert_string_equal(sockdiag_state_name(r.v[2].state, IPPROTO_TCP), "CLOSE_WAIT");
	assert_int_equal(r.v[2].wqueue, 16);
	assert_int_equal(r.v[2].ti.retransmits, 3);
	assert_int_equal(r.v[2].ti.rtt_us, -1);

	assert_string_equal(sockdiag_state_name(r.v[3].state, IPPROTO_TCP), "TIME_WAIT");
	assert_int_equal(r.v[3].inode, 0);
	free(buf);
	sockdiag_result_release(&r);
}

static void test_procnet__tcp6_mapped(void **state)
{
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	size_t len;
	char *buf = load("proc-net-tcp6", &len);
	char a[64];

	(void)state;
	assert_int_equal(procnet_parse(buf, len, IPPROTO_TCP, AF_INET6, &r), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.malformed, 1);
	assert_int_equal(r.v[0].family, AF_INET6);
	assert_string_equal(sockdiag_addr_str(AF_INET6, r.v[0].src, a, sizeof(a)), "::1");
	assert_string_equal(sockdiag_addr_str(AF_INET6, r.v[0].dst, a, sizeof(a)), "::");
	assert_int_equal(r.v[0].sport, 8081);
	assert_string_equal(sockdiag_addr_str(AF_INET6, r.v[1].src, a, sizeof(a)), "::ffff:127.0.0.1");
	assert_string_equal(sockdiag_addr_str(AF_INET6, r.v[1].dst, a, sizeof(a)), "::ffff:127.0.0.2");
	assert_int_equal(r.v[1].dport, 9243);
	assert_int_equal(r.v[1].rqueue, 16);
	free(buf);
	sockdiag_result_release(&r);
}

static void test_procnet__udp(void **state)
{
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	size_t len;
	char *buf = load("proc-net-udp", &len);
	char a[64];

	(void)state;
	assert_int_equal(procnet_parse(buf, len, IPPROTO_UDP, AF_INET, &r), 0);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.malformed, 0);
	assert_string_equal(sockdiag_state_name(r.v[0].state, IPPROTO_UDP), "UNCONN");
	assert_string_equal(sockdiag_addr_str(AF_INET, r.v[0].src, a, sizeof(a)), "127.0.0.53");
	assert_int_equal(r.v[0].sport, 53);
	assert_int_equal(r.v[0].ti.retransmits, -1);
	assert_string_equal(sockdiag_state_name(r.v[1].state, IPPROTO_UDP), "ESTABLISHED");
	assert_int_equal(r.v[1].rqueue, 512);
	free(buf);
	sockdiag_result_release(&r);
}

static void test_procnet__empty_and_noeol(void **state)
{
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	size_t len;
	char *buf = load("proc-net-udp6", &len);

	(void)state;
	assert_int_equal(procnet_parse(buf, len, IPPROTO_UDP, AF_INET6, &r), 0);
	assert_int_equal(r.n, 0);
	free(buf);
	buf = load("proc-net-tcp-noeol", &len);
	assert_int_equal(procnet_parse(buf, len, IPPROTO_TCP, AF_INET, &r), 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.v[0].inode, 5001);
	assert_int_equal(r.malformed, 0);
	free(buf);
	sockdiag_result_release(&r);
}

/* Every truncation of a file parses without reading past its end. */
static void test_procnet__truncation(void **state)
{
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	size_t len;
	char *buf = load("proc-net-tcp6", &len);

	(void)state;
	for (size_t n = 0; n <= len; n++) {
		char *copy = malloc(n ? n : 1);
		memcpy(copy, buf, n);
		sockdiag_result_reset(&r);
		assert_int_equal(procnet_parse(copy, n, IPPROTO_TCP, AF_INET6, &r), 0);
		assert_true(r.n <= 2);
		free(copy);
	}
	free(buf);
	sockdiag_result_release(&r);
}

/* sockstat and sockstat6 as a 6.x kernel writes them, through one parser. */
static void test_procnet__sockstat(void **state)
{
	static const char v4[] =
		"sockets: used 1014\n"
		"TCP: inuse 1002 orphan 3 tw 17 alloc 1010 mem 289\n"
		"UDP: inuse 4 mem 215\n"
		"UDPLITE: inuse 0\n"
		"RAW: inuse 0\n"
		"FRAG: inuse 0 memory 0\n";
	static const char v6[] =
		"TCP6: inuse 7\n"
		"UDP6: inuse 2\n"
		"UDPLITE6: inuse 0\n"
		"RAW6: inuse 0\n"
		"FRAG6: inuse 0 memory 0";    /* no final newline */
	struct sockstat st;

	(void)state;
	sockstat_init(&st);
	assert_int_equal(st.tcp_inuse, -1);
	assert_int_equal(sockstat_parse(v4, strlen(v4), &st), 3);
	assert_int_equal(st.tcp_inuse, 1002);
	assert_int_equal(st.tcp_tw, 17);
	assert_int_equal(st.udp_inuse, 4);
	assert_int_equal(st.tcp6_inuse, -1);
	assert_int_equal(sockstat_parse(v6, strlen(v6), &st), 2);
	assert_int_equal(st.tcp6_inuse, 7);
	assert_int_equal(st.udp6_inuse, 2);
	assert_int_equal(st.tcp_inuse, 1002);    /* the other file's counts stay */
}

/* A malformed number, a missing value, a cut file: nothing made up, no
 * read past the end. */
static void test_procnet__sockstat_malformed(void **state)
{
	static const char bad[] = "TCP: inuse 12x orphan 0 tw\nUDP: inuse -3\nTCP6: inuse 99999999999999999999\n";
	static const char good[] = "TCP: inuse 5 orphan 0 tw 2 alloc 5 mem 1\n";
	struct sockstat st;

	(void)state;
	sockstat_init(&st);
	assert_int_equal(sockstat_parse(bad, strlen(bad), &st), 0);
	assert_int_equal(st.tcp_inuse, -1);
	assert_int_equal(st.tcp_tw, -1);
	assert_int_equal(st.udp_inuse, -1);
	assert_int_equal(st.tcp6_inuse, -1);
	for (size_t n = 0; n <= strlen(good); n++) {
		char *copy = malloc(n ? n : 1);
		memcpy(copy, good, n);
		sockstat_init(&st);
		sockstat_parse(copy, n, &st);
		/* a cut number is read as what is there, never past it */
		assert_true(st.tcp_inuse == -1 || st.tcp_inuse == 5);
		assert_true(st.tcp_tw == -1 || st.tcp_tw == 2);
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_procnet__tcp4),
		cmocka_unit_test(test_procnet__tcp6_mapped),
		cmocka_unit_test(test_procnet__udp),
		cmocka_unit_test(test_procnet__empty_and_noeol),
		cmocka_unit_test(test_procnet__truncation),
		cmocka_unit_test(test_procnet__sockstat),
		cmocka_unit_test(test_procnet__sockstat_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
