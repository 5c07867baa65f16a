/* Flow accounting and packet batches for the packets source.
 *
 * The capture thread owns a pktflow table: every decoded packet is counted
 * into its flow's current wall-clock second. Finished seconds, newly seen
 * flows and (while packet storage is on) the packet records themselves are
 * appended to a pkt_batch, which the thread hands to the main thread; only
 * the main thread writes the bundle. No locking in here: callers serialize.
 */
#ifndef CASEFILE_PKTFLOW_H
#define CASEFILE_PKTFLOW_H

#include <stddef.h>
#include <stdint.h>

#include "pktdecode.h"

/* Record header in packet_chunks.records, little-endian, the pcap record layout. */
#define PKT_REC_HDR 16

/* A flow seen for the first time. Endpoint a is the source of that first
 * packet (for TCP usually the client). */
struct pkt_newflow {
	int32_t flow_no;                 /* 0, 1, 2 ... in order of first packet */
	struct pkt_flow_key key;
	int a_is_lo;                     /* endpoint a is key.addr_lo/port_lo */
	int64_t first_us;
};

/* One flow's counts over one wall-clock second. [0] is a->b, [1] is b->a. */
struct pkt_count {
	int32_t flow_no;
	int64_t sec;                     /* wall-clock seconds since the epoch */
	uint32_t packets[2];
	uint64_t bytes[2];               /* IP bytes (header + payload); frame bytes after
	                                  * the link header for non-IP */
	uint32_t syn, synack, fin, rst;
	uint32_t retrans;                /* TCP segments with data entirely below the highest
	                                  * sequence already seen in that direction */
};

struct pkt_batch {
	uint8_t *rec;                    /* concatenated records: header + caplen bytes */
	size_t rec_len, rec_alloc, rec_max;
	uint32_t rec_packets;
	int64_t rec_first_us, rec_last_us;
	struct pkt_newflow *flows;
	size_t nflows, flows_alloc;
	struct pkt_count *counts;
	size_t ncounts, counts_alloc;
};

/* REC_MAX bounds the records buffer (bytes); the arrays grow as needed. */
void pkt_batch_init(struct pkt_batch *b, size_t rec_max);
void pkt_batch_release(struct pkt_batch *b);
/* Empties the batch, keeping its memory. */
void pkt_batch_clear(struct pkt_batch *b);
/* Appends one record. Returns 0, or -1 when it does not fit in rec_max (or
 * memory runs out): the caller counts the packet as not stored. */
int pkt_batch_add_record(struct pkt_batch *b, int64_t ts_us, uint32_t caplen, uint32_t wirelen,
			 const uint8_t *bytes);
/* Appends everything in SRC to DST (records only while they fit: returns the
 * number of packets whose records did not fit, 0 normally). Leaves SRC empty. */
uint32_t pkt_batch_move(struct pkt_batch *dst, struct pkt_batch *src);

/* Parses the record at OFF of a records buffer of LEN bytes. Returns the
 * offset of the next record, or 0 when the record is cut or damaged. */
size_t pkt_record_next(const uint8_t *buf, size_t len, size_t off, int64_t *ts_us,
		       uint32_t *caplen, uint32_t *wirelen);

#define PKTFLOW_DEFAULT_MAX 65536

struct pktflow_entry;

struct pktflow {
	struct pktflow_entry *v;         /* flows by flow_no */
	int32_t n, alloc, max;
	int32_t *slots;                  /* open-addressing hash -> flow_no, -1 empty */
	uint32_t nslots;
	int32_t *dirty;                  /* flows with counts not yet emitted */
	int32_t ndirty, dirty_alloc;
	int32_t overflow_no;             /* the flow that takes packets past max, -1 none yet */
	uint64_t overflow_packets;
};

/* MAX bounds the number of distinct flows; packets of further flows are
 * counted in one overflow flow (family 255). Returns 0 or -1 (no memory). */
int pktflow_init(struct pktflow *t, int32_t max);
void pktflow_release(struct pktflow *t);

/* Counts one decoded packet at wall time TS_US into its flow; a new flow or
 * a finished second go into OUT. Returns 0 or -1 (no memory: not counted). */
int pktflow_account(struct pktflow *t, const struct pkt_info *pi, int64_t ts_us,
		    struct pkt_batch *out);

/* Emits into OUT the counts of every second before BEFORE_SEC (all of them
 * when BEFORE_SEC is INT64_MAX, at the end of a capture). */
void pktflow_flush(struct pktflow *t, int64_t before_sec, struct pkt_batch *out);

#endif
