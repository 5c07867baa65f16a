/* libFuzzer harness: log classification (every format hint), stack-trace
 * assembly, fingerprinting and UTF-8 sanitising over arbitrary lines. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "logs/fingerprint.h"
#include "logs/logparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct log_assembler a;
	static struct log_record rec;
	static struct fingerprint fp;
	static char clean[4096];
	const char *p = (const char *)data, *end = p + size;
	int hint;

	for (hint = 0; hint < 5; hint++) {
		const char *line = p;

		log_assembler_init(&a, (enum log_format)hint);
		/* Feed the input as lines, the way the tailer does. */
		while (line < end) {
			const char *nl = memchr(line, '\n', (size_t)(end - line));
			size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line);

			if (log_assembler_push(&a, line, len, len + 1, 0, &rec))
				fingerprint_compute(&fp, rec.msg, rec.msg_len, rec.level);
			line += len + 1;
		}
		while (log_assembler_flush(&a, &rec))
			fingerprint_compute(&fp, rec.msg, rec.msg_len, rec.level);
	}
	log_sanitize_utf8(p, size, clean, sizeof(clean));
	return 0;
}
