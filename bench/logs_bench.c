/* logs_bench: log lines per second classified (format, level, message,
 * multi-line joining) and fingerprinted (masking + hash) on one core, per
 * format, from lines generated in memory: the CPU cost of the logs source
 * without I/O or SQLite.
 *
 *   logs_bench [LINES] [FILE_PREFIX]
 * Prints "FORMAT LINES_PER_S MB_PER_S RECORDS" per format; with
 * FILE_PREFIX also writes each format's lines to FILE_PREFIX.FORMAT (for
 * side-by-side runs of grep).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs/fingerprint.h"
#include "logs/logparse.h"
#include "parse.h"

static unsigned long long seed = 0x9e3779b97f4a7c15ULL;

static unsigned rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (unsigned)(seed >> 20);
}

static int gen(char *out, size_t len, const char *format, long i)
{
	char msg[256];
	static const char *const lv[] = { "INFO", "ERROR", "WARN", "INFO" };
	int l = (int)(i % 4);

	switch (i % 3) {
	case 0:
		snprintf(msg, sizeof(msg), "failed to index document %08x-%04x-4%03x-8%03x-%012x to 10.0.%u.%u:9243: timeout after %ums",
			 rnd(), rnd() & 0xffff, rnd() & 0xfff, rnd() & 0xfff, rnd(), rnd() % 4, rnd() % 250, rnd() % 3000);
		break;
	case 1:
		snprintf(msg, sizeof(msg), "request %u failed: connection refused by es-%u.logging.svc.cluster.local", rnd(), rnd() % 6);
		break;
	default:
		snprintf(msg, sizeof(msg), "user %u not found (email user%u@example.com)", rnd() % 100000, rnd() % 1000);
	}
	if (!strcmp(format, "json"))
		return snprintf(out, len, "{\"level\":%d,\"time\":1795767821%03ld,\"pid\":18,\"hostname\":\"api-7f9c\",\"msg\":\"%s\"}\n",
				l == 1 ? 50 : l == 2 ? 40 : 30, i % 1000, msg);
	if (!strcmp(format, "docker"))
		return snprintf(out, len, "{\"log\":\"2026-11-27T08:09:34.%03ldZ %s %s\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-27T08:09:34.%09ldZ\"}\n",
				i % 1000, lv[l], msg, i % 1000000000);
	if (!strcmp(format, "cri"))
		return snprintf(out, len, "2026-11-27T08:09:34.%09ldZ stderr F %s %s\n", i % 1000000000, lv[l], msg);
	if (!strcmp(format, "plain+stack") && l == 1)
		return snprintf(out, len, "2026-11-27 08:09:34,%03ld ERROR [main] %s\n"
				"    at Client.bulk (client.js:412:15)\n    at process (node:internal:95:5)\n", i % 1000, msg);
	return snprintf(out, len, "2026-11-27 08:09:34,%03ld %s [main] %s\n", i % 1000, lv[l], msg);
}

int main(int argc, char **argv)
{
	static const char *const formats[] = { "json", "plain", "plain+stack", "docker", "cri", NULL };
	long lines = argc > 1 ? atol(argv[1]) : 1000000, i;
	const char *prefix = argc > 2 ? argv[2] : NULL;
	struct log_assembler *a = malloc(sizeof(*a));
	struct log_record *r = malloc(sizeof(*r));
	struct fingerprint *fp = malloc(sizeof(*fp));
	int f;

	if (!a || !r || !fp || lines <= 0)
		return 1;
	for (f = 0; formats[f]; f++) {
		size_t cap = (size_t)lines * 400, len = 0, off;
		char *buf = malloc(cap);
		long nlines = 0, records = 0;
		uint64_t sink = 0;
		int64_t t0, t1;

		if (!buf)
			return 1;
		for (i = 0; i < lines && len + 1024 < cap; i++)
			len += (size_t)gen(buf + len, cap - len, formats[f], i);
		if (prefix) {
			char path[512];
			FILE *o;

			snprintf(path, sizeof(path), "%s.%s", prefix, formats[f]);
			if ((o = fopen(path, "w"))) {
				fwrite(buf, 1, len, o);
				fclose(o);
			}
		}
		log_assembler_init(a, LOG_FORMAT_AUTO);
		t0 = now_mono_us();
		for (off = 0; off < len;) {
			char *nl = memchr(buf + off, '\n', len - off);
			size_t n = nl ? (size_t)(nl - (buf + off)) : len - off;

			nlines++;
			if (log_assembler_push(a, buf + off, n, n + 1, 0, r)) {
				fingerprint_compute(fp, r->msg, r->msg_len, r->level);
				sink += fp->hash;
				records++;
			}
			off += n + 1;
		}
		while (log_assembler_flush(a, r)) {
			fingerprint_compute(fp, r->msg, r->msg_len, r->level);
			sink += fp->hash;
			records++;
		}
		t1 = now_mono_us();
		printf("%s %.0f %.1f %ld %llu\n", formats[f], nlines * 1e6 / (double)(t1 - t0),
		       (double)len / (double)(t1 - t0), records, (unsigned long long)(sink & 1));
		free(buf);
	}
	free(a);
	free(r);
	free(fp);
	return 0;
}
