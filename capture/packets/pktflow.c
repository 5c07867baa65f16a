/* Flow accounting and packet batches (see pktflow.h). */
#include "pktflow.h"

#include <stdlib.h>
#include <string.h>

struct pktflow_entry {
	struct pkt_flow_key key;
	int a_is_lo;
	int is_dirty;                    /* cur holds counts not yet emitted */
	int on_list;                     /* listed in pktflow.dirty */
	struct pkt_count cur;            /* counts of second cur.sec */
	uint32_t next_seq[2];            /* highest sequence end seen per direction */
	uint8_t seq_valid[2];
};

static int grow(void **p, size_t *alloc, size_t need, size_t size)
{
	size_t n = *alloc ? *alloc : 64;
	void *q;

	if (need <= *alloc)
		return 0;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * size);
	if (!q)
		return -1;
	*p = q;
	*alloc = n;
	return 0;
}

struct pkt_buf *pkt_buf_new(size_t size)
{
	struct pkt_buf *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->data = malloc(size);
	if (!b->data) {
		free(b);
		return NULL;
	}
	b->size = size;
	return b;
}

void pkt_buf_free(struct pkt_buf *b)
{
	if (b) {
		free(b->data);
		free(b);
	}
}

int pkt_buf_takes(const struct pkt_buf *b, size_t need, int linktype)
{
	return b && b->size - b->len >= need && (!b->packets || b->linktype == linktype);
}

void pkt_buf_reset(struct pkt_buf *b)
{
	b->len = 0;
	b->packets = 0;
	b->first_us = b->last_us = 0;
	b->opened_ms = 0;
	b->linktype = 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int pkt_buf_add(struct pkt_buf *b, int64_t ts_us, uint32_t caplen, uint32_t wirelen,
		const uint8_t *bytes)
{
	uint8_t *p;

	if (b->size - b->len < PKT_REC_HDR || b->size - b->len - PKT_REC_HDR < caplen)
		return -1;
	p = b->data + b->len;
	put32(p, (uint32_t)(ts_us / 1000000));
	put32(p + 4, (uint32_t)(ts_us % 1000000));
	put32(p + 8, caplen);
	put32(p + 12, wirelen);
	if (caplen)
		memcpy(p + PKT_REC_HDR, bytes, caplen);
	b->len += PKT_REC_HDR + caplen;
	if (!b->packets)
		b->first_us = ts_us;
	b->last_us = ts_us;
	b->packets++;
	return 0;
}

void pkt_batch_init(struct pkt_batch *b)
{
	memset(b, 0, sizeof(*b));
}

void pkt_batch_release(struct pkt_batch *b)
{
	for (size_t i = 0; i < b->nbufs; i++)
		pkt_buf_free(b->bufs[i]);
	free(b->bufs);
	free(b->flows);
	free(b->counts);
	memset(b, 0, sizeof(*b));
}

void pkt_batch_clear(struct pkt_batch *b)
{
	b->nbufs = 0;
	b->nflows = 0;
	b->ncounts = 0;
}

int pkt_batch_add_buf(struct pkt_batch *b, struct pkt_buf *buf)
{
	if (grow((void **)&b->bufs, &b->bufs_alloc, b->nbufs + 1, sizeof(*b->bufs)))
		return -1;
	b->bufs[b->nbufs++] = buf;
	return 0;
}

int pkt_batch_move(struct pkt_batch *dst, struct pkt_batch *src)
{
	if (grow((void **)&dst->bufs, &dst->bufs_alloc, dst->nbufs + src->nbufs, sizeof(*dst->bufs)) ||
	    grow((void **)&dst->flows, &dst->flows_alloc, dst->nflows + src->nflows, sizeof(*dst->flows)) ||
	    grow((void **)&dst->counts, &dst->counts_alloc, dst->ncounts + src->ncounts, sizeof(*dst->counts)))
		return -1;
	if (src->nbufs)
		memcpy(dst->bufs + dst->nbufs, src->bufs, src->nbufs * sizeof(*src->bufs));
	dst->nbufs += src->nbufs;
	if (src->nflows)
		memcpy(dst->flows + dst->nflows, src->flows, src->nflows * sizeof(*src->flows));
	dst->nflows += src->nflows;
	if (src->ncounts)
		memcpy(dst->counts + dst->ncounts, src->counts, src->ncounts * sizeof(*src->counts));
	dst->ncounts += src->ncounts;
	pkt_batch_clear(src);
	return 0;
}

size_t pkt_record_next(const uint8_t *buf, size_t len, size_t off, int64_t *ts_us,
		       uint32_t *caplen, uint32_t *wirelen)
{
	uint32_t sec, usec, cl;

	if (off > len || len - off < PKT_REC_HDR)
		return 0;
	sec = get32(buf + off);
	usec = get32(buf + off + 4);
	cl = get32(buf + off + 8);
	if (usec >= 1000000 || cl > len - off - PKT_REC_HDR)
		return 0;
	*ts_us = (int64_t)sec * 1000000 + usec;
	*caplen = cl;
	*wirelen = get32(buf + off + 12);
	return off + PKT_REC_HDR + cl;
}

int pktflow_init(struct pktflow *t, int32_t max)
{
	memset(t, 0, sizeof(*t));
	t->max = max > 0 ? max : PKTFLOW_DEFAULT_MAX;
	t->overflow_no = -1;
	/* at most half full, so probes stay short */
	t->nslots = 1024;
	while (t->nslots < 2u * (uint32_t)t->max + 2)
		t->nslots *= 2;
	t->slots = malloc(t->nslots * sizeof(*t->slots));
	if (!t->slots)
		return -1;
	memset(t->slots, 0xff, t->nslots * sizeof(*t->slots));
	return 0;
}

void pktflow_release(struct pktflow *t)
{
	free(t->v);
	free(t->slots);
	free(t->dirty);
	memset(t, 0, sizeof(*t));
}

static int emit(struct pktflow_entry *e, struct pkt_batch *out)
{
	if (grow((void **)&out->counts, &out->counts_alloc, out->ncounts + 1, sizeof(*out->counts)))
		return -1;
	out->counts[out->ncounts++] = e->cur;
	return 0;
}

static int32_t new_flow(struct pktflow *t, const struct pkt_flow_key *key, int a_is_lo,
			int64_t ts_us, struct pkt_batch *out)
{
	struct pktflow_entry *e;
	size_t alloc = (size_t)t->alloc;
	struct pkt_newflow *nf;

	if (grow((void **)&t->v, &alloc, (size_t)t->n + 1, sizeof(*t->v)) ||
	    grow((void **)&out->flows, &out->flows_alloc, out->nflows + 1, sizeof(*out->flows)))
		return -1;
	t->alloc = (int32_t)alloc;
	e = &t->v[t->n];
	memset(e, 0, sizeof(*e));
	e->key = *key;
	e->a_is_lo = a_is_lo;
	e->cur.flow_no = t->n;
	nf = &out->flows[out->nflows++];
	nf->flow_no = t->n;
	nf->key = *key;
	nf->a_is_lo = a_is_lo;
	nf->first_us = ts_us;
	return t->n++;
}

static int32_t lookup(struct pktflow *t, const struct pkt_info *pi, int64_t ts_us,
		      struct pkt_batch *out)
{
	uint32_t mask = t->nslots - 1;
	uint32_t i = pkt_flow_hash(&pi->key) & mask;
	int32_t no;

	for (;;) {
		no = t->slots[i];
		if (no < 0)
			break;
		if (!memcmp(&t->v[no].key, &pi->key, sizeof(pi->key)))
			return no;
		i = (i + 1) & mask;
	}
	if (t->n >= t->max) {
		/* Bounded memory: one flow collects every packet past the bound,
		 * so the per-second sums still add up to the packets captured. */
		struct pkt_flow_key ok;

		t->overflow_packets++;
		if (t->overflow_no >= 0)
			return t->overflow_no;
		memset(&ok, 0, sizeof(ok));
		ok.family = 255;
		t->overflow_no = new_flow(t, &ok, 1, ts_us, out);
		return t->overflow_no;
	}
	no = new_flow(t, &pi->key, !pi->key_reversed, ts_us, out);
	if (no >= 0)
		t->slots[i] = no;
	return no;
}

int pktflow_account(struct pktflow *t, const struct pkt_info *pi, int64_t ts_us,
		    struct pkt_batch *out)
{
	int64_t sec = ts_us / 1000000;
	struct pktflow_entry *e;
	int32_t no;
	int d;

	no = lookup(t, pi, ts_us, out);
	if (no < 0)
		return -1;
	e = &t->v[no];
	if (e->is_dirty && e->cur.sec != sec) {
		if (emit(e, out))
			return -1;
		memset(&e->cur, 0, sizeof(e->cur));
		e->cur.flow_no = no;
		e->is_dirty = 0;
	}
	if (!e->on_list) {
		size_t da = (size_t)t->dirty_alloc;

		if (grow((void **)&t->dirty, &da, (size_t)t->ndirty + 1, sizeof(*t->dirty)))
			return -1;
		t->dirty_alloc = (int32_t)da;
		t->dirty[t->ndirty++] = no;
		e->on_list = 1;
	}
	if (!e->is_dirty) {
		e->is_dirty = 1;
		e->cur.sec = sec;
	}
	d = no == t->overflow_no ? 0 : (!pi->key_reversed) == e->a_is_lo ? 0 : 1;
	e->cur.packets[d]++;
	if (pi->layers & PKT_HAVE_L3)
		e->cur.bytes[d] += pi->ip_len;
	else if (pi->wirelen > pi->l3_offset)
		e->cur.bytes[d] += pi->wirelen - pi->l3_offset;
	if ((pi->layers & PKT_HAVE_L4) && pi->proto == 6 && no != t->overflow_no) {
		uint8_t f = pi->tcp_flags;

		if ((f & PKT_TCP_SYN) && !(f & PKT_TCP_ACK))
			e->cur.syn++;
		if ((f & PKT_TCP_SYN) && (f & PKT_TCP_ACK))
			e->cur.synack++;
		if (f & PKT_TCP_FIN)
			e->cur.fin++;
		if (f & PKT_TCP_RST)
			e->cur.rst++;
		if (pi->payload_len) {
			uint32_t end = pi->seq + pi->payload_len;

			if (e->seq_valid[d] && (int32_t)(end - e->next_seq[d]) <= 0) {
				e->cur.retrans++;
			} else {
				e->next_seq[d] = end;
				e->seq_valid[d] = 1;
			}
		}
	}
	return no;
}

void pktflow_flush(struct pktflow *t, int64_t before_sec, struct pkt_batch *out)
{
	int32_t keep = 0;

	for (int32_t i = 0; i < t->ndirty; i++) {
		struct pktflow_entry *e = &t->v[t->dirty[i]];

		if (e->is_dirty && e->cur.sec < before_sec && !emit(e, out)) {
			memset(&e->cur, 0, sizeof(e->cur));
			e->cur.flow_no = t->dirty[i];
			e->is_dirty = 0;
		}
		if (e->is_dirty)
			t->dirty[keep++] = t->dirty[i];
		else
			e->on_list = 0;
	}
	t->ndirty = keep;
}
