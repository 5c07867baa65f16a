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

/* A fixed-size buffer of concatenated records (header + caplen bytes each).
 * Buffers are allocated once and recycled through a pool, so records are
 * copied exactly once on their way to SQLite and the pages stay mapped. */
struct pkt_buf {
	uint8_t *data;
	size_t len, size;
	uint32_t packets;
	int64_t first_us, last_us;
	int64_t opened_ms;               /* when its first record went in (monotonic) */
	int linktype;                    /* LINKTYPE_* of its records: set by the capture
	                                  * thread with the first record, read by the main
	                                  * thread once handed over (a reopened handle may
	                                  * have another link type) */
};

/* Allocates a buffer of SIZE bytes; NULL when out of memory. */
struct pkt_buf *pkt_buf_new(size_t size);
void pkt_buf_free(struct pkt_buf *b);
void pkt_buf_reset(struct pkt_buf *b);
/* Whether B can take a record of NEED bytes captured with LINKTYPE: it has
 * room, and it is empty or holds records of that link type (a chunk is
 * decoded with one link type, so a reopened handle of another starts a new
 * chunk). */
int pkt_buf_takes(const struct pkt_buf *b, size_t need, int linktype);
/* Appends one record. Returns 0, or -1 when it does not fit. */
int pkt_buf_add(struct pkt_buf *b, int64_t ts_us, uint32_t caplen, uint32_t wirelen,
		const uint8_t *bytes);

/* What the capture thread hands to the main thread. */
struct pkt_batch {
	struct pkt_buf **bufs;           /* filled record buffers, oldest first */
	size_t nbufs, bufs_alloc;
	struct pkt_newflow *flows;
	size_t nflows, flows_alloc;
	struct pkt_count *counts;
	size_t ncounts, counts_alloc;
};

void pkt_batch_init(struct pkt_batch *b);
/* Frees the arrays and every buffer still listed. */
void pkt_batch_release(struct pkt_batch *b);
/* Empties the batch, keeping its memory (the buffers are not freed: the
 * caller has taken them). */
void pkt_batch_clear(struct pkt_batch *b);
/* Lists buffer BUF in the batch (ownership moves to the batch). Returns 0 or -1. */
int pkt_batch_add_buf(struct pkt_batch *b, struct pkt_buf *buf);
/* Appends everything in SRC to DST and leaves SRC empty. Returns 0, or -1
 * when out of memory (then SRC keeps what did not move). */
int pkt_batch_move(struct pkt_batch *dst, struct pkt_batch *src);

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
 * a finished second go into OUT. Returns the flow's number (>= 0), or -1 (no
 * memory: not counted). */
int pktflow_account(struct pktflow *t, const struct pkt_info *pi, int64_t ts_us,
		    struct pkt_batch *out);

/* Emits into OUT the counts of every second before BEFORE_SEC (all of them
 * when BEFORE_SEC is INT64_MAX, at the end of a capture). */
void pktflow_flush(struct pktflow *t, int64_t before_sec, struct pkt_batch *out);

#endif
