/* Tests for lib/pktcodec.c: round trips of real-looking and random records,
 * the size gain on a flow's headers, and damaged input refused cleanly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pktcodec.h"

struct rec {
	int64_t ts;
	uint32_t caplen, wirelen;
	uint8_t bytes[600];
};

struct check {
	const struct rec *v;
	long n, seen;
};

static int check_rec(void *arg, int64_t ts, uint32_t caplen, uint32_t wirelen, const uint8_t *bytes)
{
	struct check *c = arg;
	const struct rec *r;

	assert_true(c->seen < c->n);
	r = &c->v[c->seen++];
	assert_int_equal(ts, r->ts);
	assert_int_equal(caplen, r->caplen);
	assert_int_equal(wirelen, r->wirelen);
	assert_memory_equal(bytes, r->bytes, caplen);
	return 0;
}

static size_t encode_all(const struct rec *v, long n, uint8_t *out, int flowref)
{
	struct pktcodec_enc *e = malloc(sizeof(*e));
	size_t len = 0;
	uint32_t last[4] = { UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX }, no;

	pktcodec_enc_reset(e);
	for (long i = 0; i < n; i++) {
		size_t w = pktcodec_encode(e, out + len, v[i].ts, v[i].caplen, v[i].wirelen, v[i].bytes,
					   flowref ? last[i % 4] : UINT32_MAX, &no);

		assert_true(w <= pktcodec_enc_bound(v[i].caplen));
		len += w;
		last[i % 4] = no;
	}
	free(e);
	return len;
}

static void test_pktcodec__flow_headers_round_trip_small(void **state)
{
	enum { N = 1000 };
	struct rec *v = calloc(N, sizeof(*v));
	uint8_t *out = malloc(N * 1000);
	struct check c = { v, N, 0 };
	size_t len, raw = 0;

	(void)state;
	/* four interleaved flows of 106-byte frames: counters and checksums change */
	for (int i = 0; i < N; i++) {
		uint8_t *b = v[i].bytes;

		v[i].ts = 1795768312000000LL + i * 7;
		v[i].caplen = 106;
		v[i].wirelen = 106;
		memset(b, 0x11, 106);
		b[12] = 0x08;
		b[29] = (uint8_t)(i % 4);        /* source address per flow */
		b[18] = (uint8_t)(i >> 8);       /* IP id */
		b[19] = (uint8_t)i;
		b[24] = (uint8_t)(i * 31);       /* checksum */
		b[25] = (uint8_t)(i * 17);
		raw += 16 + 106;
	}
	len = encode_all(v, N, out, 1);
	assert_int_equal(pktcodec_decode(out, len, check_rec, &c), N);
	assert_int_equal(c.seen, N);
	/* at least 5x smaller than pcap records */
	if (len * 5 > raw)
		fail_msg("encoded %zu bytes for %zu raw", len, raw);
	free(v);
	free(out);
}

static void test_pktcodec__random_round_trip(void **state)
{
	enum { N = 300 };
	struct rec *v = calloc(N, sizeof(*v));
	uint8_t *out = malloc(N * 3000);
	unsigned seed = 7;

	(void)state;
	for (int round = 0; round < 4; round++) {
		struct check c = { v, N, 0 };
		size_t len;

		for (int i = 0; i < N; i++) {
			v[i].ts = (round == 3 ? -1 : 1) * (int64_t)rand_r(&seed) * 1000;
			v[i].caplen = (uint32_t)rand_r(&seed) % (round == 0 ? 8 : 600);
			v[i].wirelen = v[i].caplen + (uint32_t)rand_r(&seed) % 3000;
			for (uint32_t j = 0; j < v[i].caplen; j++)
				v[i].bytes[j] = (uint8_t)(round == 1 ? (j % 5 ? 0 : rand_r(&seed)) : rand_r(&seed));
			if (i && round == 2)
				memcpy(v[i].bytes, v[i - 1].bytes, 50);
		}
		len = encode_all(v, N, out, round & 1);
		assert_int_equal(pktcodec_decode(out, len, check_rec, &c), N);
	}
	free(v);
	free(out);
}

static int count_only(void *arg, int64_t ts, uint32_t caplen, uint32_t wirelen, const uint8_t *bytes)
{
	(void)ts; (void)caplen; (void)wirelen; (void)bytes;
	(*(long *)arg)++;
	return 0;
}

static void test_pktcodec__damaged_input(void **state)
{
	enum { N = 50 };
	struct rec *v = calloc(N, sizeof(*v));
	uint8_t *out = malloc(N * 1000), *cut;
	unsigned seed = 3;
	size_t len;
	long n;

	(void)state;
	for (int i = 0; i < N; i++) {
		v[i].ts = i;
		v[i].caplen = 100;
		v[i].wirelen = 100;
		for (int j = 0; j < 100; j++)
			v[i].bytes[j] = (uint8_t)(j ^ i);
	}
	len = encode_all(v, N, out, 0);
	/* every truncation: never crashes, decodes a prefix, says it was cut */
	for (size_t l = 0; l < len; l++) {
		long seen = 0;

		cut = malloc(l ? l : 1);
		memcpy(cut, out, l);
		n = pktcodec_decode(cut, l, count_only, &seen);
		assert_true(n == seen || n == -1 - seen);
		assert_true(seen <= N);
		free(cut);
	}
	/* random garbage */
	for (int round = 0; round < 2000; round++) {
		size_t l = (size_t)rand_r(&seed) % 200;
		long seen = 0;

		cut = malloc(l ? l : 1);
		for (size_t i = 0; i < l; i++)
			cut[i] = (uint8_t)rand_r(&seed);
		pktcodec_decode(cut, l, count_only, &seen);
		free(cut);
	}
	/* a reference before the first record */
	{
		uint8_t bad[] = { 0, 4, 0, 1, 0, 4, 1, 2, 3, 4 };
		long seen = 0;

		assert_int_equal(pktcodec_decode(bad, sizeof(bad), count_only, &seen), -1);
	}
	free(v);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pktcodec__flow_headers_round_trip_small),
		cmocka_unit_test(test_pktcodec__random_round_trip),
		cmocka_unit_test(test_pktcodec__damaged_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
