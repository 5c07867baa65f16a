/* Compact packet records: the "delta" encoding of packet_chunks.records.
 *
 * Headers of one flow repeat almost byte for byte, so each record is stored as
 * the XOR against an earlier record of the same chunk (usually the previous
 * packet of its flow), written as runs of zeros and literal bytes. Shared by
 * the capture (encoder) and the analyzer (decoder, export-pcap).
 *
 * Encoded record:
 *   varint  zigzag(ts_us - previous ts_us)      (previous is 0 for the first)
 *   varint  caplen
 *   varint  wirelen - caplen
 *   varint  ref: 0 = none, k = the k-th previous record of the chunk (k <= 64)
 *   ops until caplen bytes are produced: varint zeros, varint n, n literal
 *   bytes; each output byte is the literal (or 0) XOR the referenced record's
 *   byte at that offset (0 past its end).
 * Varints are unsigned LEB128 of at most 10 bytes.
 */
#ifndef CASEFILE_PKTCODEC_H
#define CASEFILE_PKTCODEC_H

#include <stddef.h>
#include <stdint.h>

enum { PKTCODEC_RAW = 0, PKTCODEC_DELTA = 1 };

#define PKTCODEC_WINDOW 64           /* records a reference can reach back */
#define PKTCODEC_REF_MAX 256         /* bytes of each record kept for references */
#define PKTCODEC_MAX_CAPLEN 262144

/* Encoder state for one chunk; the caller owns the output buffer. */
struct pktcodec_enc {
	uint32_t nrec;                   /* records encoded in this chunk */
	int64_t prev_ts;
	uint8_t ring[PKTCODEC_WINDOW][PKTCODEC_REF_MAX];
	uint16_t ring_len[PKTCODEC_WINDOW];
};

/* Starts a new chunk (references never cross chunks). */
void pktcodec_enc_reset(struct pktcodec_enc *e);

/* Bytes an encoded record of CAPLEN bytes can take at most. */
size_t pktcodec_enc_bound(uint32_t caplen);

/* Encodes one record into OUT (room for pktcodec_enc_bound(caplen) bytes),
 * referencing record number REF_REC of this chunk (as returned for an earlier
 * record, or UINT32_MAX for none; ignored when out of the window). Returns the
 * bytes written; *rec_no receives this record's number in the chunk. */
size_t pktcodec_encode(struct pktcodec_enc *e, uint8_t *out, int64_t ts_us, uint32_t caplen,
		       uint32_t wirelen, const uint8_t *bytes, uint32_t ref_rec, uint32_t *rec_no);

/* Decodes the whole chunk IN (LEN bytes) and calls FN for every record with a
 * pointer valid only during the call. Stops at the first damaged record.
 * Returns the records decoded (>= 0), or -1 - records when damaged. */
typedef int (*pktcodec_fn)(void *arg, int64_t ts_us, uint32_t caplen, uint32_t wirelen,
			   const uint8_t *bytes);
long pktcodec_decode(const uint8_t *in, size_t len, pktcodec_fn fn, void *arg);

/* Walks the records of IN (LEN bytes) without decoding them and returns the
 * length of the longest prefix of whole records that fits in ROOM bytes;
 * *records receives how many records it holds. */
size_t pktcodec_cut(const uint8_t *in, size_t len, size_t room, long *records);

#endif
