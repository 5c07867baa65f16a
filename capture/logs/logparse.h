/* Log line parsing: format detection, level, message, timestamp; and the
 * assembler that joins multi-line records (stack traces, partial lines of
 * Docker and CRI) into one record.
 *
 * Everything here is pure: buffers and lengths in, structs out, no I/O. Input
 * is untrusted: any bytes (invalid UTF-8, NULs, binary garbage, unterminated
 * JSON) are accepted, and nothing is read past the given length.
 *
 * Formats:
 *   json    one JSON object per line; level from "level", "severity", "lvl",
 *           "loglevel", "levelname", "log.level" or a nested {"log":{"level"}}
 *           (strings, or numbers: pino/bunyan 10..60, syslog 0..7); message
 *           from "msg", "message", "@m", "@mt", "MESSAGE"; time from "time",
 *           "timestamp", "ts", "@timestamp", "@t" (RFC 3339 or epoch s/ms/us/ns)
 *   docker  Docker json-file: {"log":"...\n","stream":"stderr","time":"..."};
 *           the "log" text is parsed again as json or plain
 *   cri     containerd/CRI-O: "2016-10-06T00:17:09.669794202Z stdout F text";
 *           the P flag marks a partial line continued by the next one
 *   plain   text with a level word: ERROR, WARN(ING), INFO, DEBUG, TRACE,
 *           FATAL, CRITICAL... as a word in the first bytes, bracketed
 *           "[error]", logfmt "level=error", glog/klog "E1127 08:09:34.1 ...",
 *           syslog "<3>" priority
 */
#ifndef CASEFILE_LOGPARSE_H
#define CASEFILE_LOGPARSE_H

#include <stddef.h>
#include <stdint.h>

enum log_format {
	LOG_FORMAT_AUTO = 0,
	LOG_FORMAT_JSON,
	LOG_FORMAT_DOCKER,
	LOG_FORMAT_CRI,
	LOG_FORMAT_PLAIN,
};

/* Ordered by severity; stored as text (log_level_name). */
enum log_level {
	LOG_LEVEL_UNKNOWN = 0,
	LOG_LEVEL_TRACE,
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR,
	LOG_LEVEL_FATAL,
	LOG_LEVEL_COUNT
};

enum log_stream { LOG_STREAM_NONE = 0, LOG_STREAM_STDOUT, LOG_STREAM_STDERR };

#define LOG_MSG_MAX 2048     /* message bytes kept for fingerprinting */
#define LOG_TEXT_MAX 4096    /* joined record text kept for examples */

/* One parsed physical line. msg points into the input buffer or into buf. */
struct log_line {
	enum log_format format;      /* as detected (never AUTO) */
	enum log_level level;
	enum log_stream stream;
	int64_t ts_us;               /* wall µs, -1 when the line has none */
	int partial;                 /* CRI "P", or Docker "log" without '\n' */
	int continuation;            /* looks like the inside of a stack trace */
	int traceback;               /* starts a Python traceback */
	int json;                    /* the payload was a JSON object */
	const char *msg;             /* the message (inner text for docker/cri) */
	size_t msg_len;
	const char *text;            /* the line's content without framing */
	size_t text_len;
	char buf[LOG_MSG_MAX];       /* unescaped JSON message */
	char inner[LOG_MSG_MAX];     /* unescaped Docker "log" text */
};

const char *log_level_name(enum log_level l);      /* "error", "unknown", ... */
const char *log_format_name(enum log_format f);    /* "json", "plain", ... */
/* Parses "auto", "json", "docker", "cri", "plain"; -1 when unknown. */
int log_format_parse(const char *s);
/* Level from a name ("ERROR", "warning", "E", "crit") or LOG_LEVEL_UNKNOWN. */
enum log_level log_level_from_name(const char *s, size_t len);

/* Parses one line (without its '\n'; a trailing '\r' is ignored) in format
 * hint (AUTO detects it from the line). Always fills *out; the pointers in it
 * stay valid while line and out do. */
void log_parse_line(const char *line, size_t len, enum log_format hint, struct log_line *out);

/* RFC 3339 / ISO 8601 date-time at s ("2026-11-27T08:09:34.123Z",
 * "2026-11-27 08:09:34,123+01:00"; no zone means UTC). Returns the number of
 * bytes used and stores wall µs in *us, or 0. */
size_t log_parse_time(const char *s, size_t len, int64_t *us);

/* --- multi-line records ------------------------------------------------- */

/* One log record: a head line and its continuation lines. */
struct log_record {
	enum log_level level;
	enum log_stream stream;
	enum log_format format;
	int64_t ts_us;
	int lines;                   /* physical lines joined */
	uint64_t bytes;              /* bytes of those lines, with newlines */
	int truncated;               /* a line or the joined text was cut */
	size_t msg_len;
	size_t text_len;
	char msg[LOG_MSG_MAX];       /* head message (what gets fingerprinted) */
	char text[LOG_TEXT_MAX];     /* joined raw text, newline-separated */
};

struct log_assembler {
	enum log_format hint;
	int have;                    /* rec holds a record waiting for more lines */
	int in_traceback;            /* after "Traceback (most recent call last):" */
	struct log_record rec;
	/* CRI "P" / Docker partial pieces, joined before parsing. */
	size_t plen;
	int ptrunc;
	uint64_t pbytes;
	char pbuf[LOG_TEXT_MAX];
	struct log_line line;        /* scratch, kept here to spare the stack */
};

void log_assembler_init(struct log_assembler *a, enum log_format hint);

/* Feeds one physical line (without '\n'); bytes is its size in the file
 * (len + 1, or more when the reader cut an overlong line, then truncated is
 * set). When the line completes the previous record, that record is copied
 * into *out and 1 is returned; else 0. */
int log_assembler_push(struct log_assembler *a, const char *line, size_t len,
		       uint64_t bytes, int truncated, struct log_record *out);

/* Emits the pending record, if any (end of input, file rotated, or quiet
 * for a tick). Returns 1 when *out was filled: call until it returns 0 (a
 * dangling partial line and the record before it make two). */
int log_assembler_flush(struct log_assembler *a, struct log_record *out);

/* Copies src into dst (size dstsz >= 1) as valid UTF-8 without control
 * characters other than '\n' and '\t': invalid bytes become '?', other
 * controls ' '. Cuts at a character boundary. Returns the length written. */
size_t log_sanitize_utf8(const char *src, size_t len, char *dst, size_t dstsz);

#endif
