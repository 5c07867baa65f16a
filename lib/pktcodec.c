/* Compact packet records (see pktcodec.h). */
#include "pktcodec.h"

#include <stdlib.h>
#include <string.h>

void pktcodec_enc_reset(struct pktcodec_enc *e)
{
	e->nrec = 0;
	e->prev_ts = 0;
}

size_t pktcodec_enc_bound(uint32_t caplen)
{
	/* 4 header varints, then per op at most two 3-byte varints for every
	 * 3 bytes of input (a literal only ends at two zeros) */
	return 4 * 10 + (size_t)caplen + 6 * ((size_t)caplen / 3 + 2);
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

static int get_varint(const uint8_t *p, size_t len, size_t *off, uint64_t *v)
{
	uint64_t r = 0;

	for (int shift = 0; shift < 70; shift += 7) {
		uint8_t b;

		if (*off >= len)
			return -1;
		b = p[(*off)++];
		if (shift == 63 && b > 1)
			return -1;
		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = r;
			return 0;
		}
	}
	return -1;
}

size_t pktcodec_encode(struct pktcodec_enc *e, uint8_t *out, int64_t ts_us, uint32_t caplen,
		       uint32_t wirelen, const uint8_t *bytes, uint32_t ref_rec, uint32_t *rec_no)
{
	/* unsigned arithmetic: a wild timestamp wraps instead of overflowing */
	int64_t d = (int64_t)((uint64_t)ts_us - (uint64_t)e->prev_ts);
	uint32_t k = 0, rlen = 0, slot = e->nrec % PKTCODEC_WINDOW;
	const uint8_t *ref = NULL;
	size_t n = 0, i = 0;

	if (ref_rec < e->nrec && e->nrec - ref_rec <= PKTCODEC_WINDOW)
		k = e->nrec - ref_rec;
	else if (e->nrec)
		k = 1; /* no earlier packet of its flow: the previous one still shares headers */
	if (k) {
		uint32_t rs = (e->nrec - k) % PKTCODEC_WINDOW;

		ref = e->ring[rs];
		rlen = e->ring_len[rs];
	}
	n += put_varint(out + n, ((uint64_t)d << 1) ^ (uint64_t)(d >> 63));
	n += put_varint(out + n, caplen);
	n += put_varint(out + n, wirelen > caplen ? wirelen - caplen : 0);
	n += put_varint(out + n, k);
	while (i < caplen) {
		size_t z = i, lit;

		while (z < caplen && bytes[z] == (z < rlen ? ref[z] : 0))
			z++;
		lit = z;
		/* a literal ends where two equal bytes in a row begin */
		while (lit < caplen) {
			int same0 = bytes[lit] == (lit < rlen ? ref[lit] : 0);
			int same1 = lit + 1 >= caplen || bytes[lit + 1] == (lit + 1 < rlen ? ref[lit + 1] : 0);

			if (same0 && same1)
				break;
			lit++;
		}
		n += put_varint(out + n, z - i);
		n += put_varint(out + n, lit - z);
		for (size_t j = z; j < lit; j++)
			out[n++] = bytes[j] ^ (j < rlen ? ref[j] : 0);
		i = lit;
	}
	/* keep this record for later references (after using the old slot) */
	e->ring_len[slot] = (uint16_t)(caplen < PKTCODEC_REF_MAX ? caplen : PKTCODEC_REF_MAX);
	memcpy(e->ring[slot], bytes, e->ring_len[slot]);
	e->prev_ts = ts_us;
	*rec_no = e->nrec++;
	return n;
}

long pktcodec_decode(const uint8_t *in, size_t len, pktcodec_fn fn, void *arg)
{
	static const long damaged = -1;
	uint8_t (*ring)[PKTCODEC_REF_MAX] = NULL;
	uint16_t ring_len[PKTCODEC_WINDOW];
	uint8_t *buf = NULL;
	size_t off = 0;
	int64_t ts = 0;
	long nrec = 0, rc;

	ring = malloc(sizeof(*ring) * PKTCODEC_WINDOW);
	buf = malloc(PKTCODEC_MAX_CAPLEN);
	if (!ring || !buf) {
		rc = damaged - nrec;
		goto out;
	}
	while (off < len) {
		uint64_t zz, caplen, extra, k, zeros, lit;
		const uint8_t *ref = NULL;
		uint32_t rlen = 0, slot = (uint32_t)(nrec % PKTCODEC_WINDOW);
		size_t i = 0;

		if (get_varint(in, len, &off, &zz) || get_varint(in, len, &off, &caplen) ||
		    get_varint(in, len, &off, &extra) || get_varint(in, len, &off, &k) ||
		    caplen > PKTCODEC_MAX_CAPLEN || extra > UINT32_MAX - caplen ||
		    k > PKTCODEC_WINDOW || k > (uint64_t)nrec)
			break;
		if (k) {
			uint32_t rs = (uint32_t)((uint64_t)(nrec - (long)k) % PKTCODEC_WINDOW);

			ref = ring[rs];
			rlen = ring_len[rs];
		}
		while (i < caplen) {
			if (get_varint(in, len, &off, &zeros) || get_varint(in, len, &off, &lit) ||
			    zeros > caplen - i || lit > caplen - i - zeros || lit > len - off ||
			    (zeros == 0 && lit == 0))
				goto bad;
			for (uint64_t j = 0; j < zeros; j++, i++)
				buf[i] = i < rlen ? ref[i] : 0;
			for (uint64_t j = 0; j < lit; j++, i++)
				buf[i] = in[off++] ^ (i < rlen ? ref[i] : 0);
		}
		ts = (int64_t)((uint64_t)ts + ((zz >> 1) ^ (~(zz & 1) + 1)));
		ring_len[slot] = (uint16_t)(caplen < PKTCODEC_REF_MAX ? caplen : PKTCODEC_REF_MAX);
		memcpy(ring[slot], buf, ring_len[slot]);
		nrec++;
		if (fn && fn(arg, ts, (uint32_t)caplen, (uint32_t)(caplen + extra), buf)) {
			rc = nrec; /* the caller had enough */
			goto out;
		}
	}
	rc = off == len ? nrec : damaged - nrec;
	goto out;
bad:
	rc = damaged - nrec;
out:
	free(ring);
	free(buf);
	return rc;
}

size_t pktcodec_cut(const uint8_t *in, size_t len, size_t room, long *records)
{
	size_t off = 0, good = 0;
	long n = 0;

	if (room > len)
		room = len;
	while (off < room) {
		uint64_t zz, caplen, extra, k, zeros, lit, i = 0;

		if (get_varint(in, len, &off, &zz) || get_varint(in, len, &off, &caplen) ||
		    get_varint(in, len, &off, &extra) || get_varint(in, len, &off, &k) ||
		    caplen > PKTCODEC_MAX_CAPLEN)
			break;
		while (i < caplen) {
			if (get_varint(in, len, &off, &zeros) || get_varint(in, len, &off, &lit) ||
			    zeros > caplen - i || lit > caplen - i - zeros || lit > len - off ||
			    (zeros == 0 && lit == 0))
				goto done;
			i += zeros + lit;
			off += lit;
		}
		if (off > room)
			break;
		good = off;
		n++;
	}
done:
	*records = n;
	return good;
}
