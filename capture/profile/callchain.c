#include "callchain.h"

#include <linux/perf_event.h>
#include <string.h>

static uint16_t rd16(const unsigned char *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rd32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }

int callchain_decode(const void *buf, size_t len, struct callchain *out)
{
	const unsigned char *b = buf;
	uint32_t type;
	uint16_t size;
	uint64_t nr, i, ctx = 0;
	const size_t hdr = sizeof(struct perf_event_header);

	out->kind = CALLCHAIN_OTHER;
	out->nkernel = out->nuser = out->entries = 0;
	out->lost = 0;
	if (len < hdr)
		return -1;
	type = rd32(b);
	size = rd16(b + 6);
	if (size < hdr || size > len)
		return -1;
	if (type == PERF_RECORD_LOST) {
		if (size < hdr + 16)
			return -1;
		out->kind = CALLCHAIN_LOST;
		out->lost = rd64(b + hdr + 8);
		return 0;
	}
	if (type != PERF_RECORD_SAMPLE)
		return 0;
	/* pid, tid (u32 each), time, nr, then nr addresses. */
	if (size < hdr + 24)
		return -1;
	out->pid = rd32(b + hdr);
	out->tid = rd32(b + hdr + 4);
	out->time_ns = rd64(b + hdr + 8);
	nr = rd64(b + hdr + 16);
	if (nr > (size - hdr - 24) / 8)
		return -1;
	for (i = 0; i < nr; i++) {
		uint64_t ip = rd64(b + hdr + 24 + 8 * i);

		/* Context markers (PERF_CONTEXT_KERNEL, _USER...) are the top
		 * 4095 values: they say whose frames follow. */
		if (ip >= (uint64_t)PERF_CONTEXT_MAX) {
			ctx = ip;
			continue;
		}
		out->entries++;
		if (ctx == (uint64_t)PERF_CONTEXT_KERNEL) {
			if (out->nkernel < CALLCHAIN_MAX)
				out->kernel[out->nkernel++] = ip;
		} else if (ctx == (uint64_t)PERF_CONTEXT_USER) {
			if (out->nuser < CALLCHAIN_MAX)
				out->user[out->nuser++] = ip;
		}
	}
	out->kind = CALLCHAIN_SAMPLE;
	return 0;
}
