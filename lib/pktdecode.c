/* Packet header decoder (see pktdecode.h). Every read goes through rd8/rd16/
 * rd32/rdcopy, which check the offset against caplen first. */
#include "pktdecode.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

struct cur {
	const uint8_t *p;
	size_t len;
};

static int rd8(const struct cur *c, size_t off, uint8_t *v)
{
	if (off >= c->len)
		return -1;
	*v = c->p[off];
	return 0;
}

static int rd16(const struct cur *c, size_t off, uint16_t *v)
{
	if (off > c->len || c->len - off < 2)
		return -1;
	*v = (uint16_t)(c->p[off] << 8 | c->p[off + 1]);
	return 0;
}

static int rd32(const struct cur *c, size_t off, uint32_t *v)
{
	if (off > c->len || c->len - off < 4)
		return -1;
	*v = (uint32_t)c->p[off] << 24 | (uint32_t)c->p[off + 1] << 16 |
	     (uint32_t)c->p[off + 2] << 8 | c->p[off + 3];
	return 0;
}

static int rdcopy(const struct cur *c, size_t off, void *dst, size_t n)
{
	if (off > c->len || c->len - off < n)
		return -1;
	memcpy(dst, c->p + off, n);
	return 0;
}

static int have(const struct cur *c, size_t off, size_t n)
{
	return off <= c->len && c->len - off >= n;
}

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8
#define ETH_QINQ_OLD 0x9100

/* Walks VLAN tags from OFF, where the 2-byte ethertype at OFF-2 was TYPE. */
static int walk_vlans(const struct cur *c, size_t *off, uint16_t *type, struct pkt_info *o)
{
	/* A frame can stack tags; the bound stops a frame of nothing but tags
	 * from costing more than a few reads. */
	while ((*type == ETH_VLAN || *type == ETH_QINQ || *type == ETH_QINQ_OLD) && o->nvlans < 16) {
		uint16_t tci, next;

		if (rd16(c, *off, &tci) || rd16(c, *off + 2, &next))
			return -1;
		if (o->nvlans < PKT_MAX_VLANS)
			o->vlan_ids[o->nvlans] = tci & 0x0fff;
		o->nvlans++;
		*off += 4;
		*type = next;
	}
	return 0;
}

/* Link layer: sets ethertype and l3_offset. Returns 0, or -1 with o->stop set. */
static int decode_link(const struct cur *c, struct pkt_info *o)
{
	size_t off = 0;
	uint16_t type = 0;
	uint8_t b;
	uint32_t af;

	switch (o->linktype) {
	case PKT_LINK_EN10MB:
		if (rd16(c, 12, &type))
			goto truncated;
		off = 14;
		if (type < 0x0600) {
			/* 802.3 length field: LLC follows, not IP; keep it as non-IP */
			o->ethertype = 0;
			o->l3_offset = (uint32_t)off;
			o->layers |= PKT_HAVE_L2;
			return 0;
		}
		break;
	case PKT_LINK_LINUX_SLL: {
		uint16_t pkttype;

		if (rd16(c, 0, &pkttype) || rd16(c, 14, &type))
			goto truncated;
		o->dir = pkttype <= 4 ? pkttype : PKT_DIR_UNKNOWN;
		off = 16;
		break;
	}
	case PKT_LINK_LINUX_SLL2: {
		uint32_t ifindex;

		if (rd16(c, 0, &type) || rd32(c, 4, &ifindex) || rd8(c, 10, &b))
			goto truncated;
		o->ifindex = (int)ifindex;
		o->dir = b <= 4 ? b : PKT_DIR_UNKNOWN;
		off = 20;
		break;
	}
	case PKT_LINK_NULL:
	case PKT_LINK_LOOP: {
		uint8_t a[4];

		if (rdcopy(c, 0, a, 4))
			goto truncated;
		/* The NULL header is in the capturing host's byte order, which
		 * we do not know: AF values are small, so the non-zero end tells. */
		if (a[0] == 0 && a[1] == 0)
			af = (uint32_t)a[2] << 8 | a[3];
		else
			af = (uint32_t)a[1] << 8 | a[0];
		if (af == 2)
			type = ETH_IPV4;
		else if (af == 10 || af == 24 || af == 28 || af == 30)
			type = ETH_IPV6; /* Linux, BSDs, FreeBSD, macOS */
		else
			type = 0;
		off = 4;
		break;
	}
	case PKT_LINK_RAW:
	case PKT_LINK_RAW_DLT:
		if (rd8(c, 0, &b))
			goto truncated;
		type = (b >> 4) == 4 ? ETH_IPV4 : (b >> 4) == 6 ? ETH_IPV6 : 0;
		break;
	case PKT_LINK_IPV4:
		type = ETH_IPV4;
		break;
	case PKT_LINK_IPV6:
		type = ETH_IPV6;
		break;
	default:
		o->stop = PKT_STOP_UNSUPPORTED;
		return -1;
	}
	if (walk_vlans(c, &off, &type, o))
		goto truncated;
	o->ethertype = type;
	o->l3_offset = (uint32_t)off;
	o->layers |= PKT_HAVE_L2;
	return 0;
truncated:
	o->stop = PKT_STOP_TRUNCATED;
	return -1;
}

/* IPv4 options: counted and typed, never trusted to fit. */
static void ipv4_options(const struct cur *c, size_t off, size_t end, struct pkt_info *o)
{
	while (off < end) {
		uint8_t type, len;

		if (rd8(c, off, &type))
			return;
		if (o->nopts < PKT_MAX_OPTS)
			o->opt_types[o->nopts] = type;
		o->nopts++;
		if (type == 0)          /* end of options list */
			return;
		if (type == 1) {        /* no-op */
			off++;
			continue;
		}
		if (rd8(c, off + 1, &len) || len < 2)
			return;         /* malformed: stop counting, the header length still holds */
		off += len;
	}
}

static int decode_ipv4(const struct cur *c, size_t off, struct pkt_info *o, size_t *l4off)
{
	uint8_t vihl, ttl, proto;
	uint16_t total, id, frag;
	size_t ihl;

	if (rd8(c, off, &vihl))
		goto truncated;
	if ((vihl >> 4) != 4)
		goto malformed;
	ihl = (size_t)(vihl & 0x0f) * 4;
	if (ihl < 20)
		goto malformed;
	if (rd16(c, off + 2, &total) || rd16(c, off + 4, &id) || rd16(c, off + 6, &frag) ||
	    rd8(c, off + 8, &ttl) || rd8(c, off + 9, &proto) ||
	    rdcopy(c, off + 12, o->src, 4) || rdcopy(c, off + 16, o->dst, 4))
		goto truncated;
	o->ip_version = 4;
	o->proto = proto;
	o->ttl = ttl;
	o->frag_id = id;
	o->frag_offset = (uint32_t)(frag & 0x1fff) * 8;
	o->frag_more = !!(frag & 0x2000);
	o->is_fragment = o->frag_offset || o->frag_more;
	o->ip_hdr_len = (uint32_t)ihl;
	/* total 0 happens with TSO on the sending host; fall back to the frame */
	if (total == 0 && o->wirelen > o->l3_offset)
		total = (uint16_t)(o->wirelen - o->l3_offset > 0xffff ? 0xffff : o->wirelen - o->l3_offset);
	o->ip_len = total;
	if (total < ihl)
		goto malformed;
	if (ihl > 20)
		ipv4_options(c, off + 20, off + ihl, o);
	if (!have(c, off, ihl))
		goto truncated;
	*l4off = off + ihl;
	return 0;
truncated:
	o->stop = PKT_STOP_TRUNCATED;
	return -1;
malformed:
	o->stop = PKT_STOP_MALFORMED;
	return -1;
}

static int decode_ipv6(const struct cur *c, size_t off, struct pkt_info *o, size_t *l4off)
{
	uint8_t b0, nh, hlim;
	uint16_t plen;
	size_t pos;

	if (rd8(c, off, &b0))
		goto truncated;
	if ((b0 >> 4) != 6)
		goto malformed;
	if (rd16(c, off + 4, &plen) || rd8(c, off + 6, &nh) || rd8(c, off + 7, &hlim) ||
	    rdcopy(c, off + 8, o->src, 16) || rdcopy(c, off + 24, o->dst, 16))
		goto truncated;
	o->ip_version = 6;
	o->ttl = hlim;
	o->ip_len = 40u + plen;
	if (plen == 0 && o->wirelen > o->l3_offset + 40)
		o->ip_len = (uint32_t)(o->wirelen - o->l3_offset); /* jumbogram or TSO */
	pos = off + 40;
	/* Each extension header is at least 8 bytes, so the walk ends; the
	 * bound keeps a frame of many tiny headers cheap anyway. */
	for (int guard = 0; guard < 32; guard++) {
		uint8_t next, len8;
		uint16_t fo;
		uint32_t fid;
		size_t hlen;

		switch (nh) {
		case 0:   /* hop-by-hop */
		case 43:  /* routing */
		case 60:  /* destination options */
		case 135: /* mobility */
		case 139: /* HIP */
		case 140: /* shim6 */
			if (rd8(c, pos, &next) || rd8(c, pos + 1, &len8))
				goto truncated;
			hlen = ((size_t)len8 + 1) * 8;
			break;
		case 51:  /* AH: length in 4-byte units minus 2 */
			if (rd8(c, pos, &next) || rd8(c, pos + 1, &len8))
				goto truncated;
			hlen = ((size_t)len8 + 2) * 4;
			break;
		case 44:  /* fragment */
			if (rd8(c, pos, &next) || rd16(c, pos + 2, &fo) || rd32(c, pos + 4, &fid))
				goto truncated;
			hlen = 8;
			o->frag_offset = (uint32_t)(fo & 0xfff8);
			o->frag_more = fo & 1;
			o->frag_id = fid;
			o->is_fragment = o->frag_offset || o->frag_more;
			break;
		default:
			goto done;
		}
		if (o->nexts < PKT_MAX_EXTS)
			o->ext_types[o->nexts] = nh;
		o->nexts++;
		nh = next;
		pos += hlen;
		if (pos - off > o->ip_len)
			goto malformed;
	}
	goto malformed;
done:
	o->proto = nh;
	o->ip_hdr_len = (uint32_t)(pos - off);
	if (!have(c, off, pos - off))
		goto truncated;
	*l4off = pos;
	return 0;
truncated:
	o->stop = PKT_STOP_TRUNCATED;
	return -1;
malformed:
	o->stop = PKT_STOP_MALFORMED;
	return -1;
}

static void decode_l4(const struct cur *c, size_t off, struct pkt_info *o)
{
	/* What the IP header says follows it, independent of snaplen. */
	uint32_t l4len = o->ip_len > o->ip_hdr_len ? o->ip_len - o->ip_hdr_len : 0;
	uint16_t v16;
	uint8_t b;

	switch (o->proto) {
	case 6: { /* TCP */
		uint16_t offflags;
		uint32_t doff;

		if (rd16(c, off, &o->sport) || rd16(c, off + 2, &o->dport))
			goto truncated;
		if (rd32(c, off + 4, &o->seq) || rd32(c, off + 8, &o->ack) ||
		    rd16(c, off + 12, &offflags) || rd16(c, off + 14, &o->window))
			goto truncated_ports;
		doff = (uint32_t)(offflags >> 12) * 4;
		o->tcp_flags = (uint8_t)(offflags & 0xff);
		if (doff < 20)
			goto malformed;
		o->l4_hdr_len = doff;
		o->payload_len = l4len > doff ? l4len - doff : 0;
		if (!have(c, off, doff))
			goto truncated_ports;
		break;
	}
	case 17:  /* UDP */
	case 136: /* UDP-Lite */
		if (rd16(c, off, &o->sport) || rd16(c, off + 2, &o->dport))
			goto truncated;
		if (rd16(c, off + 4, &v16))
			goto truncated_ports;
		o->l4_hdr_len = 8;
		o->payload_len = l4len > 8 ? l4len - 8 : 0;
		break;
	case 132: /* SCTP: ports in the same place */
		if (rd16(c, off, &o->sport) || rd16(c, off + 2, &o->dport))
			goto truncated;
		o->l4_hdr_len = 12;
		o->payload_len = l4len > 12 ? l4len - 12 : 0;
		if (!have(c, off, 12))
			goto truncated_ports;
		break;
	case 1:   /* ICMP */
	case 58:  /* ICMPv6 */
		if (rd8(c, off, &o->icmp_type) || rd8(c, off + 1, &b))
			goto truncated;
		o->icmp_code = b;
		o->l4_hdr_len = 8;
		o->payload_len = l4len > 8 ? l4len - 8 : 0;
		if (!have(c, off, 4))
			goto truncated;
		break;
	default:
		o->payload_len = l4len;
		return; /* nothing we decode: L3 is as far as we go */
	}
	o->layers |= PKT_HAVE_L4;
	return;
truncated:
	o->sport = o->dport = 0;
	/* fall through */
truncated_ports:
	o->stop = PKT_STOP_TRUNCATED;
	o->payload_len = 0;
	return;
malformed:
	o->stop = PKT_STOP_MALFORMED;
	o->payload_len = 0;
}

static void make_key(struct pkt_info *o)
{
	struct pkt_flow_key *k = &o->key;
	int alen, cmp;

	memset(k, 0, sizeof(*k));
	if (!(o->layers & PKT_HAVE_L3)) {
		k->family = 0;
		k->proto = o->ethertype;
		return;
	}
	k->family = (uint8_t)o->ip_version;
	k->proto = o->proto;
	alen = o->ip_version == 4 ? 4 : 16;
	cmp = memcmp(o->src, o->dst, (size_t)alen);
	if (cmp == 0)
		cmp = o->sport < o->dport ? -1 : o->sport > o->dport;
	if (cmp <= 0) {
		memcpy(k->addr_lo, o->src, (size_t)alen);
		memcpy(k->addr_hi, o->dst, (size_t)alen);
		k->port_lo = o->sport;
		k->port_hi = o->dport;
		o->key_reversed = 0;
	} else {
		memcpy(k->addr_lo, o->dst, (size_t)alen);
		memcpy(k->addr_hi, o->src, (size_t)alen);
		k->port_lo = o->dport;
		k->port_hi = o->sport;
		o->key_reversed = 1;
	}
}

unsigned pkt_decode(const uint8_t *buf, size_t caplen, size_t wirelen, int linktype,
		    struct pkt_info *out)
{
	struct cur c = { buf, buf ? caplen : 0 };
	size_t l4off = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	out->linktype = linktype;
	out->caplen = (uint32_t)(caplen > UINT32_MAX ? UINT32_MAX : caplen);
	out->wirelen = (uint32_t)(wirelen > UINT32_MAX ? UINT32_MAX : wirelen);
	if (out->wirelen < out->caplen)
		out->wirelen = out->caplen; /* a lying record header: trust what we hold */
	out->dir = PKT_DIR_UNKNOWN;

	if (decode_link(&c, out))
		goto done;
	if (out->ethertype == ETH_IPV4)
		rc = decode_ipv4(&c, out->l3_offset, out, &l4off);
	else if (out->ethertype == ETH_IPV6)
		rc = decode_ipv6(&c, out->l3_offset, out, &l4off);
	else
		goto done;
	if (rc) {
		/* Addresses were read before the failure when ip_version is set:
		 * keep the packet's flow by address even if its header is cut. */
		if (out->ip_version)
			out->layers |= PKT_HAVE_L3;
		if (out->stop == PKT_STOP_MALFORMED)
			out->layers &= ~(unsigned)PKT_HAVE_L3;
		goto done;
	}
	out->layers |= PKT_HAVE_L3;
	if (out->frag_offset == 0)
		decode_l4(&c, l4off, out);
	else
		out->payload_len = out->ip_len > out->ip_hdr_len ? out->ip_len - out->ip_hdr_len : 0;
done:
	make_key(out);
	return out->layers;
}

uint32_t pkt_header_len(const struct pkt_info *pi)
{
	uint64_t n;

	if (!(pi->layers & PKT_HAVE_L2))
		return pi->stop == PKT_STOP_TRUNCATED ? pi->caplen : 0;
	if (!(pi->layers & PKT_HAVE_L3)) {
		/* Cut inside the IP header: all of it is header. Not IP, or
		 * impossible: the link header alone. */
		if (pi->stop == PKT_STOP_TRUNCATED && (pi->ethertype == 0x0800 || pi->ethertype == 0x86dd))
			return pi->caplen;
		n = pi->l3_offset;
	} else if (!(pi->layers & PKT_HAVE_L4)) {
		if (pi->stop == PKT_STOP_TRUNCATED)
			return pi->caplen;
		n = (uint64_t)pi->l3_offset + pi->ip_hdr_len;
	} else {
		n = (uint64_t)pi->l3_offset + pi->ip_hdr_len + pi->l4_hdr_len;
	}
	return n < pi->caplen ? (uint32_t)n : pi->caplen;
}

char *pkt_addr_str(int family, const uint8_t *addr, char *buf, size_t len)
{
	if (!len)
		return buf;
	if (family == 4) {
		if (!inet_ntop(AF_INET, addr, buf, (socklen_t)len))
			buf[0] = 0;
	} else if (family == 6) {
		if (!inet_ntop(AF_INET6, addr, buf, (socklen_t)len))
			buf[0] = 0;
	} else {
		buf[0] = 0;
	}
	return buf;
}

_Static_assert(sizeof(struct pkt_flow_key) % 8 == 0, "flow key hashed in 8-byte words");

uint32_t pkt_flow_hash(const struct pkt_flow_key *k)
{
	/* Word-at-a-time multiply-xorshift: this runs once per packet, and a
	 * byte-wise FNV over the 40-byte key cost more than the decode. */
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	const uint8_t *p = (const uint8_t *)k;

	for (size_t i = 0; i + 8 <= sizeof(*k); i += 8) {
		uint64_t w;

		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	return (uint32_t)(h ^ (h >> 29));
}
