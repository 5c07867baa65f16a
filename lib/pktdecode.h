/* Packet header decoder: one captured frame in, one struct out.
 *
 * Untrusted input: the buffer may be truncated at any random position (snaplen,
 * a damaged file) and every length field in it may lie. Every field is read
 * through bounds-checked accessors; the decoder never reads past caplen and
 * records how far it got instead of failing.
 *
 * No libpcap dependency: link types are the LINKTYPE_* values of the pcap file
 * format (which equal libpcap's DLT_* on Linux, except RAW; both are accepted).
 */
#ifndef CASEFILE_PKTDECODE_H
#define CASEFILE_PKTDECODE_H

#include <stddef.h>
#include <stdint.h>

enum pkt_linktype {
	PKT_LINK_NULL = 0,        /* BSD loopback: 4-byte AF_ value, host byte order */
	PKT_LINK_EN10MB = 1,      /* Ethernet */
	PKT_LINK_RAW_DLT = 12,    /* libpcap's DLT_RAW on Linux */
	PKT_LINK_RAW = 101,       /* LINKTYPE_RAW: bare IPv4 or IPv6 */
	PKT_LINK_LOOP = 108,      /* OpenBSD loopback: AF_ value in network byte order */
	PKT_LINK_LINUX_SLL = 113, /* Linux cooked v1 (what "any" gives) */
	PKT_LINK_IPV4 = 228,
	PKT_LINK_IPV6 = 229,
	PKT_LINK_LINUX_SLL2 = 276,/* Linux cooked v2: adds the interface index */
};

/* Layers decoded completely (bits of pkt_info.layers). */
enum {
	PKT_HAVE_L2 = 1,          /* link header: ethertype known */
	PKT_HAVE_L3 = 2,          /* IPv4/IPv6 header and extension headers */
	PKT_HAVE_L4 = 4,          /* TCP/UDP/ICMP header */
};

/* Why decoding stopped early (pkt_info.stop). */
enum pkt_stop {
	PKT_STOP_NONE = 0,        /* decoded as far as we go */
	PKT_STOP_TRUNCATED,       /* a header runs past caplen */
	PKT_STOP_MALFORMED,       /* a field is impossible (IHL < 5, TCP offset < 5, ...) */
	PKT_STOP_UNSUPPORTED,     /* unknown link type */
};

/* The packet direction seen by the capturing host (SLL/SLL2 packet type). */
enum pkt_dir {
	PKT_DIR_UNKNOWN = -1,
	PKT_DIR_HOST = 0,         /* PACKET_HOST: to us */
	PKT_DIR_BROADCAST = 1,
	PKT_DIR_MULTICAST = 2,
	PKT_DIR_OTHERHOST = 3,
	PKT_DIR_OUTGOING = 4,     /* PACKET_OUTGOING: sent by us */
};

#define PKT_MAX_VLANS 2
#define PKT_MAX_OPTS 8
#define PKT_MAX_EXTS 8

/* TCP flag bits (pkt_info.tcp_flags). */
enum {
	PKT_TCP_FIN = 0x01, PKT_TCP_SYN = 0x02, PKT_TCP_RST = 0x04,
	PKT_TCP_PSH = 0x08, PKT_TCP_ACK = 0x10, PKT_TCP_URG = 0x20,
	PKT_TCP_ECE = 0x40, PKT_TCP_CWR = 0x80,
};

/* A flow key that is the same in both directions: endpoint "lo" is the
 * numerically smaller (address, port), so A->B and B->A hash alike. Addresses
 * are 16 bytes; IPv4 uses the first 4 and zeroes the rest. */
struct pkt_flow_key {
	uint8_t family;           /* 4, 6, or 0 for non-IP (then proto = ethertype) */
	uint8_t pad;
	uint16_t proto;           /* IP protocol, or ethertype when family is 0 */
	uint16_t port_lo, port_hi;
	uint8_t addr_lo[16];
	uint8_t addr_hi[16];
};

struct pkt_info {
	int linktype;
	uint32_t caplen, wirelen;
	unsigned layers;          /* PKT_HAVE_* */
	enum pkt_stop stop;
	int dir;                  /* enum pkt_dir */
	int ifindex;              /* SLL2 only, else 0 */

	/* link layer */
	uint16_t ethertype;       /* after VLAN tags */
	int nvlans;               /* tags seen (may exceed PKT_MAX_VLANS) */
	uint16_t vlan_ids[PKT_MAX_VLANS];
	uint32_t l3_offset;       /* bytes before the network header */

	/* network layer */
	int ip_version;           /* 4, 6, or 0 */
	uint8_t src[16], dst[16];
	uint8_t proto;            /* IPv4 protocol / last IPv6 next header */
	uint8_t ttl;              /* TTL or hop limit */
	uint32_t ip_len;          /* IP datagram length from its header (wire, not caplen) */
	uint32_t ip_hdr_len;      /* including IPv4 options / IPv6 extension headers */
	int nopts;                /* IPv4 options seen (may exceed PKT_MAX_OPTS) */
	uint8_t opt_types[PKT_MAX_OPTS];
	int nexts;                /* IPv6 extension headers seen */
	uint8_t ext_types[PKT_MAX_EXTS];
	int is_fragment;          /* offset != 0 or more-fragments set */
	uint32_t frag_offset;     /* bytes */
	int frag_more;
	uint32_t frag_id;

	/* transport layer */
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint32_t seq, ack;
	uint16_t window;
	uint8_t icmp_type, icmp_code;
	uint32_t l4_hdr_len;
	uint32_t payload_len;     /* L4 payload on the wire (from IP lengths), 0 if unknown */

	struct pkt_flow_key key;
	int key_reversed;         /* 1 when src is the key's "hi" endpoint */
};

/* Decodes the frame BUF of CAPLEN captured bytes (WIRELEN on the wire) with
 * link type LINKTYPE (enum pkt_linktype) into *out, which is fully
 * overwritten. Never reads beyond buf[caplen - 1]; buf may be NULL when caplen
 * is 0. Returns the PKT_HAVE_* bits decoded (also in out->layers); out->stop
 * says why it stopped early. The flow key is filled for every frame: IP frames
 * by addresses, protocol and ports (ports 0 for non-first fragments and
 * protocols without ports), non-IP frames by ethertype alone. */
unsigned pkt_decode(const uint8_t *buf, size_t caplen, size_t wirelen, int linktype,
		    struct pkt_info *out);

/* Bytes of FRAME that are headers, from a pkt_decode() of it: link + IP
 * (options and extension headers included) + TCP/UDP/SCTP/ICMP header, at
 * most caplen. Never counts payload: a frame cut inside its headers counts
 * what was captured; a non-IP frame counts its link header; an IP packet
 * whose transport is not decoded (unknown protocol, later fragment) counts
 * up to the end of its IP headers; an unknown link type counts 0. */
uint32_t pkt_header_len(const struct pkt_info *pi);

/* Formats an address of the key's family ("10.0.0.1", "::1"); returns buf. */
char *pkt_addr_str(int family, const uint8_t *addr, char *buf, size_t len);

/* A hash of a flow key, stable across runs. */
uint32_t pkt_flow_hash(const struct pkt_flow_key *k);

#endif
