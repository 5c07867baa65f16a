/* Tests for capture/packets/pktflow.c: per-second flow counts add up, directions,
 * retransmissions, the flow bound, and packet record batches. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "packets/pktflow.h"

/* Raw IPv4 TCP 127.0.0.1:SPORT -> 127.0.0.2:DPORT with FLAGS, SEQ and DATA bytes. */
static size_t tcp_frame(uint8_t *b, int reverse, uint16_t sport, uint16_t dport, uint8_t flags,
			uint32_t seq, uint16_t data)
{
	uint16_t total = (uint16_t)(40 + data);

	memset(b, 0, 40);
	b[0] = 0x45;
	b[2] = (uint8_t)(total >> 8);
	b[3] = (uint8_t)total;
	b[8] = 64;
	b[9] = 6;
	b[12] = 127; b[15] = reverse ? 2 : 1;
	b[16] = 127; b[19] = reverse ? 1 : 2;
	b[20] = (uint8_t)(sport >> 8); b[21] = (uint8_t)sport;
	b[22] = (uint8_t)(dport >> 8); b[23] = (uint8_t)dport;
	b[24] = (uint8_t)(seq >> 24); b[25] = (uint8_t)(seq >> 16); b[26] = (uint8_t)(seq >> 8); b[27] = (uint8_t)seq;
	b[32] = 0x50;
	b[33] = flags;
	return 40;
}

static void account(struct pktflow *t, struct pkt_batch *out, int64_t ts_us, int reverse,
		    uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq, uint16_t data)
{
	uint8_t b[64];
	size_t n = tcp_frame(b, reverse, sport, dport, flags, seq, data);
	struct pkt_info pi;

	pkt_decode(b, n, n + data, PKT_LINK_RAW, &pi);
	assert_int_equal(pi.layers, 7);
	assert_true(pktflow_account(t, &pi, ts_us, out) >= 0);
}

static void test_pktflow__counts_add_up(void **state)
{
	struct pktflow t;
	struct pkt_batch out;
	uint64_t packets = 0, ab = 0, ba = 0;

	(void)state;
	assert_int_equal(pktflow_init(&t, 0), 0);
	pkt_batch_init(&out);
	/* client 1000 -> server 80 over three seconds, replies the other way */
	account(&t, &out, 10000000, 0, 1000, 80, 0x02, 100, 0);          /* SYN */
	account(&t, &out, 10000100, 1, 80, 1000, 0x12, 500, 0);          /* SYN-ACK */
	account(&t, &out, 10000200, 0, 1000, 80, 0x10, 101, 0);
	account(&t, &out, 11000000, 0, 1000, 80, 0x18, 101, 10);
	account(&t, &out, 11000001, 0, 1000, 80, 0x18, 101, 10);         /* retransmission */
	account(&t, &out, 11500000, 1, 80, 1000, 0x18, 501, 100);
	account(&t, &out, 12000000, 0, 1000, 80, 0x11, 111, 0);          /* FIN */
	account(&t, &out, 12000000, 0, 2000, 80, 0x04, 1, 0);            /* another flow: RST */
	assert_int_equal(out.nflows, 2);
	assert_int_equal(out.flows[0].a_is_lo, 1);
	assert_int_equal(out.flows[0].key.port_lo, 1000);
	pktflow_flush(&t, INT64_MAX, &out);
	for (size_t i = 0; i < out.ncounts; i++) {
		packets += out.counts[i].packets[0] + out.counts[i].packets[1];
		if (out.counts[i].flow_no == 0) {
			ab += out.counts[i].packets[0];
			ba += out.counts[i].packets[1];
		}
	}
	assert_int_equal(packets, 8);
	assert_int_equal(ab, 5);
	assert_int_equal(ba, 2);
	assert_int_equal(out.ncounts, 4); /* flow 0 in seconds 10, 11, 12; flow 1 in 12 */
	for (size_t i = 0; i < out.ncounts; i++) {
		const struct pkt_count *c = &out.counts[i];

		if (c->flow_no == 0 && c->sec == 10) {
			assert_int_equal(c->syn, 1);
			assert_int_equal(c->synack, 1);
			assert_int_equal(c->bytes[0], 80);
		} else if (c->flow_no == 0 && c->sec == 11) {
			assert_int_equal(c->retrans, 1);
			assert_int_equal(c->bytes[1], 140);
		} else if (c->flow_no == 1) {
			assert_int_equal(c->rst, 1);
		} else {
			assert_int_equal(c->fin, 1);
		}
	}
	/* nothing left to flush */
	out.ncounts = 0;
	pktflow_flush(&t, INT64_MAX, &out);
	assert_int_equal(out.ncounts, 0);
	pkt_batch_release(&out);
	pktflow_release(&t);
}

static void test_pktflow__flush_waits_for_the_second(void **state)
{
	struct pktflow t;
	struct pkt_batch out;

	(void)state;
	assert_int_equal(pktflow_init(&t, 0), 0);
	pkt_batch_init(&out);
	account(&t, &out, 20000000, 0, 1, 2, 0x10, 0, 0);
	account(&t, &out, 21000000, 0, 3, 4, 0x10, 0, 0);
	pktflow_flush(&t, 21, &out);
	assert_int_equal(out.ncounts, 1);
	assert_int_equal(out.counts[0].sec, 20);
	account(&t, &out, 20999999, 0, 1, 2, 0x10, 0, 0); /* late packet of a flushed second */
	pktflow_flush(&t, INT64_MAX, &out);
	assert_int_equal(out.ncounts, 3);
	pkt_batch_release(&out);
	pktflow_release(&t);
}

static void test_pktflow__bound_goes_to_overflow(void **state)
{
	struct pktflow t;
	struct pkt_batch out;
	uint64_t packets = 0;

	(void)state;
	assert_int_equal(pktflow_init(&t, 10), 0);
	pkt_batch_init(&out);
	for (int i = 0; i < 100; i++)
		account(&t, &out, 30000000, 0, (uint16_t)(1000 + i), 80, 0x10, 0, 0);
	assert_int_equal(out.nflows, 11);
	assert_int_equal(out.flows[10].key.family, 255);
	assert_int_equal(t.overflow_packets, 90);
	pktflow_flush(&t, INT64_MAX, &out);
	for (size_t i = 0; i < out.ncounts; i++)
		packets += out.counts[i].packets[0] + out.counts[i].packets[1];
	assert_int_equal(packets, 100);
	pkt_batch_release(&out);
	pktflow_release(&t);
}

static void test_pktflow__batch_records(void **state)
{
	struct pkt_batch a, b;
	struct pkt_buf *buf = pkt_buf_new(1000);
	uint8_t data[100];
	int64_t ts;
	uint32_t cl, wl;
	size_t off = 0, n = 0;

	(void)state;
	assert_non_null(buf);
	memset(data, 0xab, sizeof(data));
	pkt_batch_init(&a);
	pkt_batch_init(&b);
	assert_int_equal(pkt_buf_add(buf, 1234567890123456LL, 100, 1500, data), 0);
	assert_int_equal(pkt_buf_add(buf, 1234567890123457LL, 0, 60, data), 0);
	assert_int_equal(buf->packets, 2);
	assert_int_equal(buf->first_us, 1234567890123456LL);
	assert_int_equal(buf->last_us, 1234567890123457LL);
	while ((off = pkt_record_next(buf->data, buf->len, off, &ts, &cl, &wl)) != 0) {
		n++;
		if (n == 1) {
			assert_int_equal(ts, 1234567890123456LL);
			assert_int_equal(cl, 100);
			assert_int_equal(wl, 1500);
		}
		if (off == buf->len)
			break;
	}
	assert_int_equal(n, 2);
	/* cut record and bad microseconds are refused */
	assert_int_equal(pkt_record_next(buf->data, 50, 0, &ts, &cl, &wl), 0);
	assert_int_equal(pkt_record_next(buf->data, 10, 0, &ts, &cl, &wl), 0);
	buf->data[4] = 0xff; buf->data[5] = 0xff; buf->data[6] = 0xff; buf->data[7] = 0xff;
	assert_int_equal(pkt_record_next(buf->data, buf->len, 0, &ts, &cl, &wl), 0);
	/* the bound holds: 8 records of 116 bytes fit in 1000, the 9th does not */
	pkt_buf_reset(buf);
	for (int i = 0; i < 8; i++)
		assert_int_equal(pkt_buf_add(buf, 1, 100, 100, data), 0);
	assert_int_equal(pkt_buf_add(buf, 1, 100, 100, data), -1);
	assert_int_equal(pkt_buf_add(buf, 1, 40, 100, data), 0); /* a shorter one still fits */
	/* buffers move by pointer with the batch */
	assert_int_equal(pkt_batch_add_buf(&a, buf), 0);
	assert_int_equal(pkt_batch_move(&b, &a), 0);
	assert_int_equal(a.nbufs, 0);
	assert_int_equal(b.nbufs, 1);
	assert_ptr_equal(b.bufs[0], buf);
	pkt_batch_release(&a);
	pkt_batch_release(&b); /* frees buf */
}

/* A chunk holds records of one link type: after a reopen with another (an
 * interface re-created as a tunnel), the next record needs a new chunk, or
 * the old records would be decoded with the new link type. */
static void test_pktflow__chunk_keeps_one_link_type(void **state)
{
	struct pkt_buf *b = pkt_buf_new(1000);

	(void)state;
	assert_non_null(b);
	assert_true(pkt_buf_takes(b, 100, 1));
	assert_true(pkt_buf_takes(b, 100, 101));       /* empty: any link type */
	b->packets = 1;                                 /* as on_packet opens a chunk */
	b->linktype = 1;
	b->len = 120;
	assert_true(pkt_buf_takes(b, 100, 1));
	assert_false(pkt_buf_takes(b, 100, 101));
	assert_false(pkt_buf_takes(b, 900, 1));          /* no room */
	pkt_buf_reset(b);
	assert_int_equal(b->linktype, 0);
	assert_true(pkt_buf_takes(b, 100, 101));
	assert_false(pkt_buf_takes(NULL, 1, 1));
	pkt_buf_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pktflow__counts_add_up),
		cmocka_unit_test(test_pktflow__flush_waits_for_the_second),
		cmocka_unit_test(test_pktflow__bound_goes_to_overflow),
		cmocka_unit_test(test_pktflow__batch_records),
		cmocka_unit_test(test_pktflow__chunk_keeps_one_link_type),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
