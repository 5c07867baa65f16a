/* libFuzzer harness: redaction of any bytes as free text, a path, a command
 * line, an address, a packet frame (the first byte picks the link type) and
 * a packet chunk. Checks what must always hold: output NUL-terminated within
 * its buffer, redacting twice changes nothing, a frame's kept length never
 * exceeds what was captured. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pktcodec.h"
#include "redact_bundle.h"
#include "redactor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int links[] = { 0, 1, 12, 101, 108, 113, 228, 229, 276 };
	static struct redactor *r;
	static char out[8192], again[8192];
	uint8_t *frame, *red = NULL;
	size_t redlen = 0;
	uint32_t keep;
	char addr[64];

	if (!r) {
		r = redactor_new();
		if (!r)
			abort();
		redactor_set_key(r, "fuzz", 4);
		redactor_add_literal(r, REDACT_HOST, "fuzzhost");
	}
	redactor_apply(r, (const char *)data, size, out, sizeof(out));
	if (strlen(out) >= sizeof(out))
		abort();
	redactor_apply(r, out, strlen(out), again, sizeof(again));
	if (strlen(out) < sizeof(out) - 64 && strcmp(out, again))
		abort();
	redactor_path(r, (const char *)data, size, out, sizeof(out));
	redactor_cmdline(r, (const char *)data, size, out, sizeof(out));
	memcpy(addr, data, size < sizeof(addr) - 1 ? size : sizeof(addr) - 1);
	addr[size < sizeof(addr) - 1 ? size : sizeof(addr) - 1] = 0;
	redactor_addr(r, addr, out, sizeof(out));
	if (size > 0) {
		frame = malloc(size);
		if (!frame)
			return 0;
		memcpy(frame, data + 1, size - 1);
		keep = redactor_frame(r, links[data[0] % 9], frame, (uint32_t)(size - 1), (uint32_t)size);
		if (keep > size - 1)
			abort();
		free(frame);
		if (redact_chunk(r, links[data[0] % 9], data[0] & 1, data + 1, size - 1, &red, &redlen) >= 0)
			free(red);
	}
	return 0;
}
