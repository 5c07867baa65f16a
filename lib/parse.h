/* Bounded parsers for command-line values (and hex digits, for the text
 * parsers of capture/). Each returns 0 on success and -1 (without printing)
 * when the text is not a valid value in range; callers name the option in
 * their own error. */
#ifndef CASEFILE_PARSE_H
#define CASEFILE_PARSE_H

#include <stdint.h>

/* Unsigned decimal integer in [min, max]; no sign, no trailing garbage. */
int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);

/* The value of the hex digit C (0-9, a-f, A-F), or -1 for any other byte. */
int parse_hexdigit(int c);

/* Duration to microseconds: "500ms", "30s", "2m", "1h", "1.5s", "250us";
 * a bare number means seconds. Range (0, 30 days]. */
int parse_duration_us(const char *s, int64_t *out_us);

/* Size to bytes: "100M", "1G", "512K", "4096", "10MB", "1GiB" (powers of 1024).
 * Range [1, 1 TiB]. */
int parse_size(const char *s, uint64_t *out);

/* Formats a duration or size for humans ("2m30s", "12.3 MiB"). Returns buf. */
char *format_duration_us(int64_t us, char *buf, int len);
char *format_size(uint64_t bytes, char *buf, int len);

/* Wall-clock µs (UTC) and monotonic µs. */
int64_t now_wall_us(void);
int64_t now_mono_us(void);

/* Formats wall-clock µs as ISO 8601 UTC with ms ("2026-11-27T08:09:34.123Z"). */
char *format_time_us(int64_t wall_us, char *buf, int len);

#endif
