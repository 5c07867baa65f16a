/* Unit tests of the BPF socket iterator's record parser (sockiter_parse:
 * good records, owners, hostile lengths and magics, every cut, mutated
 * bytes), its link cache's sweep, and, where BPF iterators can be loaded
 * (root, BTF, 6.2+), live reads of our own fds: a TCP connection with 7
 * unread bytes must show recv_q 7 under the accepted socket's inode, held
 * by our pid and fd in our namespace, through one kept link. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <linux/types.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sockets/sockiter.h"
#include "sockets/sockiter_rec.h"

static struct sockiter_rec good_rec(int family, int proto, int state, uint32_t inode)
{
	struct sockiter_rec r;

	memset(&r, 0, sizeof(r));
	r.magic = SOCKITER_MAGIC;
	r.len = sizeof(r);
	r.version = SOCKITER_VERSION;
	r.pid = 42;
	r.fd = 7;
	r.inode = inode;
	r.uid = 1000;
	r.family = (__u8)family;
	r.proto = (__u8)proto;
	r.state = (__u8)state;
	r.has_tcp = proto == IPPROTO_TCP;
	r.sport = 8080;
	r.dport = 51000;
	r.src[0] = 127;
	r.src[3] = 1;
	r.dst[15] = 1;
	r.rqueue = 1101;
	r.wqueue = 5;
	r.rtt_us = 250;
	r.snd_cwnd = 10;
	r.bytes_sent = 1ull << 40;
	return r;
}

static void test_sockiter__records(void **state)
{
	struct sockdiag_result res = SOCKDIAG_RESULT_INIT;
	struct sockiter_rec v[2] = { good_rec(AF_INET, IPPROTO_TCP, 1, 11), good_rec(AF_INET6, IPPROTO_UDP, 7, 12) };
	unsigned bad = 0;

	(void)state;
	assert_int_equal(sockiter_parse(v, sizeof(v), &res, NULL, &bad), 0);
	assert_int_equal(bad, 0);
	assert_int_equal(res.n, 2);
	assert_int_equal(res.v[0].family, AF_INET);
	assert_int_equal(res.v[0].proto, IPPROTO_TCP);
	assert_int_equal(res.v[0].state, 1);
	assert_int_equal(res.v[0].inode, 11);
	assert_int_equal(res.v[0].uid, 1000);
	assert_int_equal(res.v[0].sport, 8080);
	assert_int_equal(res.v[0].dport, 51000);
	assert_int_equal(res.v[0].src[0], 127);
	assert_int_equal(res.v[0].rqueue, 1101);
	assert_int_equal(res.v[0].wqueue, 5);
	assert_int_equal(res.v[0].has_tcpinfo, 1);
	assert_int_equal(res.v[0].ti.rtt_us, 250);
	assert_int_equal(res.v[0].ti.snd_cwnd, 10);
	assert_int_equal(res.v[0].ti.bytes_sent, 1ll << 40);
	/* UDP has no tcp_info: absent, not zero */
	assert_int_equal(res.v[1].has_tcpinfo, 0);
	assert_int_equal(res.v[1].ti.rtt_us, -1);
	assert_int_equal(res.v[1].dst[15], 1);
	sockdiag_result_release(&res);
}

/* Every socket fd's holder, in order: TCP/UDP ones beside their row,
 * owner-only records (unix and the rest) with no row; an unknown flag is
 * malformed. */
static void test_sockiter__owners(void **state)
{
	struct sockdiag_result res = SOCKDIAG_RESULT_INIT;
	struct sockiter_owners own = { 0 };
	struct sockiter_rec v[4] = { good_rec(AF_INET, IPPROTO_TCP, 1, 11), good_rec(1, 0, 1, 12),
				     good_rec(AF_INET6, IPPROTO_UDP, 7, 13), good_rec(AF_INET, IPPROTO_TCP, 1, 14) };
	unsigned bad = 0;

	(void)state;
	v[0].fd = 3;
	v[0].netns = 4026531840u;
	v[1].fd = 4;
	v[1].flags = SOCKITER_F_OWNER_ONLY;
	v[1].has_tcp = 0;
	v[2].fd = 5;
	v[2].netns = 4026532000u;
	v[3].flags = 2;    /* not a flag we know */
	assert_int_equal(sockiter_parse(v, sizeof(v), &res, &own, &bad), 0);
	assert_int_equal(bad, 1);
	assert_int_equal(res.n, 2);
	assert_int_equal(own.n, 3);
	assert_int_equal(own.v[0].pid, 42);
	assert_int_equal(own.v[0].fd, 3);
	assert_int_equal(own.v[0].inode, 11);
	assert_int_equal(own.v[0].netns, 4026531840u);
	assert_int_equal(own.v[0].row, 0);
	assert_int_equal(own.v[1].fd, 4);
	assert_int_equal(own.v[1].inode, 12);
	assert_int_equal(own.v[1].row, -1);
	assert_int_equal(own.v[2].fd, 5);
	assert_int_equal(own.v[2].netns, 4026532000u);
	assert_int_equal(own.v[2].row, 1);
	assert_int_equal(res.v[1].inode, 13);
	/* appending: rows and owners keep pointing at each other */
	assert_int_equal(sockiter_parse(v, sizeof(v[0]), &res, &own, &bad), 0);
	assert_int_equal(res.n, 3);
	assert_int_equal(own.n, 4);
	assert_int_equal(own.v[3].row, 2);
	assert_int_equal(res.v[own.v[3].row].inode, 11);
	sockiter_owners_release(&own);
	sockdiag_result_release(&res);
}

static int dropped_pids[8], ndropped;
static void note_drop(struct sockiter_link *l)
{
	dropped_pids[ndropped++] = l->pid;
}

/* The link cache's sweep: links not read in this round go, the rest stay
 * in order. */
static void test_sockiter__links_sweep(void **state)
{
	struct sockiter_link v[5] = {
		{ .pid = 10, .round = 3 }, { .pid = 11, .round = 2 }, { .pid = 12, .round = 3 },
		{ .pid = 13, .round = 0 }, { .pid = 14, .round = 3 },
	};
	int n = 5;

	(void)state;
	ndropped = 0;
	assert_int_equal(sockiter_links_sweep(v, &n, 3, note_drop), 2);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].pid, 10);
	assert_int_equal(v[1].pid, 12);
	assert_int_equal(v[2].pid, 14);
	assert_int_equal(ndropped, 2);
	assert_int_equal(dropped_pids[0], 11);
	assert_int_equal(dropped_pids[1], 13);
	/* a round in which nothing was read drops everything */
	assert_int_equal(sockiter_links_sweep(v, &n, 4, NULL), 3);
	assert_int_equal(n, 0);
	assert_int_equal(sockiter_links_sweep(v, &n, 4, NULL), 0);
}

static void test_sockiter__hostile(void **state)
{
	struct sockiter_rec v[3];
	static const uint16_t lens[] = { 0, 1, sizeof(struct sockiter_rec) - 1, sizeof(struct sockiter_rec) + 1, 0xffff };
	struct sockdiag_result res = SOCKDIAG_RESULT_INIT;
	unsigned bad;

	(void)state;
	/* A record whose length is not ours ends the buffer: nothing after it
	 * can be framed, and nothing is read past it. */
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		v[0] = good_rec(AF_INET, IPPROTO_TCP, 1, 1);
		v[1] = good_rec(AF_INET, IPPROTO_TCP, 1, 2);
		v[2] = good_rec(AF_INET, IPPROTO_TCP, 1, 3);
		v[1].len = lens[i];
		bad = 0;
		sockdiag_result_reset(&res);
		assert_int_equal(sockiter_parse(v, sizeof(v), &res, NULL, &bad), 0);
		assert_int_equal(res.n, 1);
		assert_int_equal(res.v[0].inode, 1);
		assert_int_equal(bad, 1);
	}
	/* a wrong magic or version: the same */
	v[1] = good_rec(AF_INET, IPPROTO_TCP, 1, 2);
	v[1].magic ^= 1;
	bad = 0;
	sockdiag_result_reset(&res);
	sockiter_parse(v, sizeof(v), &res, NULL, &bad);
	assert_int_equal(res.n, 1);
	assert_int_equal(bad, 1);
	v[1] = good_rec(AF_INET, IPPROTO_TCP, 1, 2);
	v[1].version = SOCKITER_VERSION + 1;
	bad = 0;
	sockdiag_result_reset(&res);
	sockiter_parse(v, sizeof(v), &res, NULL, &bad);
	assert_int_equal(res.n, 1);
	assert_int_equal(bad, 1);
	/* well framed but out of range (family, protocol, state, tcp_info on
	 * UDP): skipped, and the next record is read */
	for (int k = 0; k < 5; k++) {
		v[1] = good_rec(AF_INET, IPPROTO_TCP, 1, 2);
		if (k == 0)
			v[1].family = 1;
		if (k == 1)
			v[1].proto = 132;
		if (k == 2)
			v[1].state = 0;
		if (k == 3)
			v[1].state = 200;
		if (k == 4)
			v[1].proto = IPPROTO_UDP;    /* has_tcp stays 1 */
		bad = 0;
		sockdiag_result_reset(&res);
		sockiter_parse(v, sizeof(v), &res, NULL, &bad);
		assert_int_equal(res.n, 2);
		assert_int_equal(res.v[1].inode, 3);
		assert_int_equal(bad, 1);
	}
	sockdiag_result_release(&res);
}

static void test_sockiter__cuts_and_mutations(void **state)
{
	struct sockiter_rec v[3] = { good_rec(AF_INET, IPPROTO_TCP, 1, 1), good_rec(AF_INET6, IPPROTO_TCP, 10, 2),
				     good_rec(AF_INET, IPPROTO_UDP, 7, 3) };
	struct sockdiag_result res = SOCKDIAG_RESULT_INIT;
	uint64_t x = 0x9e3779b97f4a7c15ull;

	(void)state;
	for (size_t n = 0; n <= sizeof(v); n++) {
		unsigned char *copy = malloc(n ? n : 1);    /* exact size: ASan sees a read past it */
		unsigned bad = 0;
		memcpy(copy, v, n);
		sockdiag_result_reset(&res);
		assert_int_equal(sockiter_parse(copy, n, &res, NULL, &bad), 0);
		assert_int_equal(res.n, n / sizeof(v[0]));
		assert_int_equal(bad, n % sizeof(v[0]) ? 1 : 0);
		free(copy);
	}
	for (int round = 0; round < 2000; round++) {
		unsigned char buf[sizeof(v)];
		unsigned bad = 0;
		memcpy(buf, v, sizeof(v));
		for (int m = 0; m < 4; m++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			buf[x % sizeof(buf)] = (unsigned char)(x >> 32);
		}
		sockdiag_result_reset(&res);
		assert_int_equal(sockiter_parse(buf, sizeof(buf), &res, NULL, &bad), 0);
		assert_true(res.n + bad <= 3);
		for (size_t i = 0; i < res.n; i++) {
			assert_true(res.v[i].family == AF_INET || res.v[i].family == AF_INET6);
			assert_true(res.v[i].state > 0 && res.v[i].state < SD_STATE_MAX);
		}
	}
	sockdiag_result_release(&res);
}

static void test_sockiter__live(void **state)
{
	struct sockiter it;
	struct sockdiag_result res = SOCKDIAG_RESULT_INIT;
	struct sockiter_owners own = { 0 };
	struct stat ns;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	char why[384];
	unsigned bad = 0;
	int l, c, s, found = 0;
	struct stat sb;

	(void)state;
	if (geteuid() != 0 || sockiter_open(&it, why, sizeof(why)) < 0) {
		print_message("skipped: %s\n", geteuid() ? "not root" : why);
		skip();
	}
	l = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l, 4), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &al), 0);
	c = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
	s = accept(l, NULL, NULL);
	assert_true(s >= 0);
	assert_int_equal(write(c, "unread!", 7), 7);
	assert_int_equal(fstat(s, &sb), 0);
	/* loopback delivers within the write, but wait for it, not a sleep */
	assert_int_equal(stat("/proc/self/ns/net", &ns), 0);
	for (int tries = 0; tries < 1000 && !found; tries++) {
		sockdiag_result_reset(&res);
		own.n = 0;
		sockiter_begin(&it);
		assert_int_equal(sockiter_read(&it, getpid(), &res, &own, &bad), 0);
		sockiter_end(&it);
		for (size_t i = 0; i < own.n; i++)
			if (own.v[i].inode == (uint32_t)sb.st_ino) {
				/* the holder as /proc/self/fd shows it */
				assert_int_equal(own.v[i].pid, getpid());
				assert_int_equal(own.v[i].fd, s);
				assert_int_equal(own.v[i].netns, (uint32_t)ns.st_ino);
				assert_true(own.v[i].row >= 0);
			}
		for (size_t i = 0; i < res.n; i++)
			if (res.v[i].inode == (uint32_t)sb.st_ino && res.v[i].rqueue == 7) {
				assert_int_equal(res.v[i].state, SD_ESTABLISHED);
				assert_int_equal(res.v[i].sport, ntohs(a.sin_port));
				assert_int_equal(res.v[i].src[0], 127);
				assert_int_equal(res.v[i].has_tcpinfo, 1);
				assert_true(res.v[i].ti.bytes_received == 7);
				found = 1;
			}
		if (!found)
			usleep(1000);
	}
	assert_int_equal(bad, 0);
	assert_true(found);
	/* one link, kept from read to read; a round without a read drops it */
	assert_int_equal(it.attaches, 1);
	assert_int_equal(it.nlinks, 1);
	sockiter_begin(&it);
	sockiter_end(&it);
	assert_int_equal(it.nlinks, 0);
	/* the listener: LISTEN with its backlog as send-q */
	found = 0;
	for (size_t i = 0; i < res.n; i++)
		if (res.v[i].state == SD_LISTEN && res.v[i].sport == ntohs(a.sin_port)) {
			assert_int_equal(res.v[i].wqueue, 4);
			found = 1;
		}
	assert_true(found);
	close(s);
	close(c);
	close(l);
	sockiter_owners_release(&own);
	sockdiag_result_release(&res);
	sockiter_close(&it);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sockiter__records),
		cmocka_unit_test(test_sockiter__owners),
		cmocka_unit_test(test_sockiter__links_sweep),
		cmocka_unit_test(test_sockiter__hostile),
		cmocka_unit_test(test_sockiter__cuts_and_mutations),
		cmocka_unit_test(test_sockiter__live),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
