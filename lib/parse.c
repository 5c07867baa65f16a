#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

int parse_hexdigit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_i64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* A decimal number with an optional fraction, then a unit word. Scanned
 * by hand: strtod would also take "0x10", "1e3", "inf" and locale commas,
 * and a value someone typed must mean what it reads as. At most 15 digits
 * before and 9 after the point, so the double is exact enough. */
static int split_number(const char *s, double *num, const char **unit)
{
	const char *p = s;
	double v = 0, scale = 1;
	int digits = 0, frac = 0;

	if (!s)
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (++digits > 15)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++) {
			if (++frac > 9)
				return -1;
			scale /= 10;
			v += (*p - '0') * scale;
		}
	}
	if (!digits && !frac)
		return -1;
	*num = v;
	*unit = p;
	return 0;
}

int parse_duration_us(const char *s, int64_t *out_us)
{
	static const struct { const char *unit; double us; } units[] = {
		{ "", 1e6 }, { "us", 1 }, { "ms", 1e3 }, { "s", 1e6 },
		{ "m", 60e6 }, { "min", 60e6 }, { "h", 3600e6 },
	};
	double num, us;
	const char *unit;
	size_t i;

	if (split_number(s, &num, &unit))
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(unit, units[i].unit))
			continue;
		us = num * units[i].us;
		if (us < 1 || us > 30.0 * 86400e6)
			return -1;
		*out_us = (int64_t)llround(us);
		return 0;
	}
	return -1;
}

int parse_size(const char *s, uint64_t *out)
{
	static const struct { const char *unit; double mult; } units[] = {
		{ "", 1 }, { "b", 1 },
		{ "k", 1024.0 }, { "kb", 1024.0 }, { "kib", 1024.0 },
		{ "m", 1048576.0 }, { "mb", 1048576.0 }, { "mib", 1048576.0 },
		{ "g", 1073741824.0 }, { "gb", 1073741824.0 }, { "gib", 1073741824.0 },
	};
	double num, bytes;
	const char *unit;
	size_t i;

	if (split_number(s, &num, &unit))
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(unit, units[i].unit))
			continue;
		bytes = num * units[i].mult;
		if (bytes < 1 || bytes > 1099511627776.0)
			return -1;
		*out = (uint64_t)llround(bytes);
		return 0;
	}
	return -1;
}

char *format_duration_us(int64_t us, char *buf, int len)
{
	int64_t s = us / 1000000;

	if (us < 1000)
		snprintf(buf, len, "%lldus", (long long)us);
	else if (us < 1000000)
		snprintf(buf, len, "%lldms", (long long)(us / 1000));
	else if (s < 60)
		snprintf(buf, len, "%.1fs", us / 1e6);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
	else
		snprintf(buf, len, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	return buf;
}

char *format_size(uint64_t bytes, char *buf, int len)
{
	if (bytes < 1024)
		snprintf(buf, len, "%llu B", (unsigned long long)bytes);
	else if (bytes < 1048576)
		snprintf(buf, len, "%.1f KiB", bytes / 1024.0);
	else if (bytes < 1073741824ULL)
		snprintf(buf, len, "%.1f MiB", bytes / 1048576.0);
	else
		snprintf(buf, len, "%.2f GiB", bytes / 1073741824.0);
	return buf;
}

int64_t now_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t now_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

char *format_time_us(int64_t wall_us, char *buf, int len)
{
	time_t secs = (time_t)(wall_us / 1000000);
	struct tm tm;

	if (!gmtime_r(&secs, &tm)) {
		snprintf(buf, len, "%lld", (long long)wall_us);
		return buf;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)(wall_us % 1000000 / 1000));
	return buf;
}
