/* Decoding the profile source's perf records: samples written with
 * sample_type PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CALLCHAIN,
 * and PERF_RECORD_LOST.
 */
#ifndef CASEFILE_CALLCHAIN_H
#define CASEFILE_CALLCHAIN_H

#include <stddef.h>
#include <stdint.h>

#define CALLCHAIN_MAX 256                /* frames kept of each of kernel and user */

enum callchain_kind { CALLCHAIN_OTHER = 0, CALLCHAIN_SAMPLE, CALLCHAIN_LOST };

/* One sample: its frames, innermost first, kernel and user apart. Every
 * address but the first of each part is a return address; callchain_decode
 * leaves them as the kernel wrote them. */
struct callchain {
	enum callchain_kind kind;
	uint32_t pid, tid;
	uint64_t time_ns;
	uint64_t kernel[CALLCHAIN_MAX];
	int nkernel;
	uint64_t user[CALLCHAIN_MAX];
	int nuser;
	int entries;                     /* frames in the chain, context markers left out */
	uint64_t lost;                   /* CALLCHAIN_LOST: records dropped */
};

/* Decodes the record at BUF (LEN bytes, its header first). Returns 0 with
 * *OUT filled (kind CALLCHAIN_OTHER for a record of another type), or -1
 * when the bytes cannot be such a record. */
int callchain_decode(const void *buf, size_t len, struct callchain *out);

#endif
