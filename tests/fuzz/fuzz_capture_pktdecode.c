/* libFuzzer harness: the packet decoder under every link type, the flow
 * accounting it feeds, and the record codec (encode, decode, cut) on the
 * same bytes. The first input byte picks the link type. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pktcodec.h"
#include "pktdecode.h"
#include "packets/pktflow.h"

static int check(void *arg, int64_t ts, uint32_t caplen, uint32_t wirelen, const uint8_t *bytes)
{
	const uint8_t *want = arg;

	(void)ts;
	(void)wirelen;
	if (memcmp(bytes, want, caplen))
		abort();
	return 0;
}

static int any(void *arg, int64_t ts, uint32_t caplen, uint32_t wirelen, const uint8_t *bytes)
{
	(void)arg; (void)ts; (void)caplen; (void)wirelen; (void)bytes;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int links[] = { 0, 1, 12, 101, 108, 113, 228, 229, 276 };
	static struct pktcodec_enc enc;
	struct pkt_info pi;
	struct pktflow t;
	struct pkt_batch out;
	uint8_t *copy, *coded;
	uint32_t rec;
	size_t n;
	long nrec;

	if (!size)
		return 0;
	copy = malloc(size - 1 ? size - 1 : 1);
	memcpy(copy, data + 1, size - 1);
	pkt_decode(copy, size - 1, size - 1 + data[0], links[data[0] % 9], &pi);
	if (pktflow_init(&t, 4) == 0) {
		pkt_batch_init(&out);
		pktflow_account(&t, &pi, 1000000, &out);
		pktflow_account(&t, &pi, 2000000, &out);
		pktflow_flush(&t, INT64_MAX, &out);
		pkt_batch_release(&out);
		pktflow_release(&t);
	}
	/* the frame survives a round trip, referencing itself */
	if (size - 1 <= 4096) {
		coded = malloc(2 * pktcodec_enc_bound((uint32_t)(size - 1)));
		pktcodec_enc_reset(&enc);
		n = pktcodec_encode(&enc, coded, 5, (uint32_t)(size - 1), (uint32_t)size, copy, UINT32_MAX, &rec);
		n += pktcodec_encode(&enc, coded + n, 6, (uint32_t)(size - 1), (uint32_t)size, copy, rec, &rec);
		if (pktcodec_decode(coded, n, check, copy) != 2)
			abort();
		free(coded);
	}
	/* and the raw bytes as a damaged chunk */
	pktcodec_decode(copy, size - 1, any, NULL);
	pktcodec_cut(copy, size - 1, size / 2, &nrec);
	free(copy);
	return 0;
}
