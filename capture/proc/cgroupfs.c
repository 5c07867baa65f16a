#include "cgroupfs.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_field(char *dst, size_t size, const char *src, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Whether the comma-separated list [p, end) holds the word. */
static int list_has(const char *p, const char *end, const char *word)
{
	size_t wl = strlen(word);

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end;

		if ((size_t)(e - p) == wl && !memcmp(p, word, wl))
			return 1;
		p = comma ? comma + 1 : end;
	}
	return 0;
}

int cgroup_parse_membership(const char *buf, size_t len, struct cgroup_membership *out)
{
	const char *p = buf, *end = buf + len;

	memset(out, 0, sizeof(*out));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *c1 = memchr(p, ':', (size_t)(le - p));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(le - c1 - 1)) : NULL;

		if (c2) {
			const char *path = c2 + 1;
			size_t plen = (size_t)(le - path);

			if (c2 == c1 + 1 && c1 - p == 1 && p[0] == '0') {
				copy_field(out->unified, sizeof(out->unified), path, plen);
				out->has_unified = 1;
			} else if (c2 > c1 + 1) {
				out->has_v1 = 1;
				if (list_has(c1 + 1, c2, "cpu"))
					copy_field(out->cpu, sizeof(out->cpu), path, plen);
				if (list_has(c1 + 1, c2, "cpuacct"))
					copy_field(out->cpuacct, sizeof(out->cpuacct), path, plen);
				if (list_has(c1 + 1, c2, "memory"))
					copy_field(out->memory, sizeof(out->memory), path, plen);
				if (list_has(c1 + 1, c2, "pids"))
					copy_field(out->pids, sizeof(out->pids), path, plen);
			}
		}
		p = nl ? nl + 1 : end;
	}
	return out->has_unified || out->has_v1 ? 0 : -1;
}

static int parse_i64(const char *p, const char *end, int64_t *out)
{
	char tmp[32];
	char *e;
	size_t n = (size_t)(end - p);

	while (n && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	while (n && isspace((unsigned char)p[n - 1]))
		n--;
	if (!n || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	if (!isdigit((unsigned char)tmp[0]) && tmp[0] != '-')
		return -1;
	*out = strtoll(tmp, &e, 10);
	return *e ? -1 : 0;
}

/* Calls fn for each "key value" line. */
static int for_each_pair(const char *buf, size_t len,
			 void (*fn)(const char *k, size_t kl, int64_t v, void *arg), void *arg)
{
	const char *p = buf, *end = buf + len;
	int n = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *sp = memchr(p, ' ', (size_t)(le - p));
		int64_t v;

		if (sp && parse_i64(sp + 1, le, &v) == 0) {
			fn(p, (size_t)(sp - p), v, arg);
			n++;
		}
		p = nl ? nl + 1 : end;
	}
	return n;
}

static int is(const char *k, size_t kl, const char *want)
{
	return strlen(want) == kl && !memcmp(k, want, kl);
}

static void cpu_pair(const char *k, size_t kl, int64_t v, void *arg)
{
	struct cgroup_cpu *c = arg;

	if (is(k, kl, "usage_usec")) c->usage_us = v;
	else if (is(k, kl, "user_usec")) c->user_us = v;
	else if (is(k, kl, "system_usec")) c->system_us = v;
	else if (is(k, kl, "nr_periods")) c->nr_periods = v;
	else if (is(k, kl, "nr_throttled")) c->nr_throttled = v;
	else if (is(k, kl, "throttled_usec")) c->throttled_us = v;
	else if (is(k, kl, "throttled_time")) c->throttled_us = v < 0 ? -1 : v / 1000; /* v1: ns */
}

int cgroup_parse_cpu_stat(const char *buf, size_t len, struct cgroup_cpu *out)
{
	return for_each_pair(buf, len, cpu_pair, out) > 0 ? 0 : -1;
}

struct acct_arg {
	struct cgroup_cpu *c;
	long hz;
};

/* Clock ticks to µs; -1 for values no kernel writes (negative, or so large
 * the product overflows). */
static int64_t ticks_us(int64_t v, long hz)
{
	if (v < 0 || v > INT64_MAX / 1000000)
		return -1;
	return v * 1000000 / hz;
}

static void acct_pair(const char *k, size_t kl, int64_t v, void *arg)
{
	struct acct_arg *a = arg;

	if (is(k, kl, "user"))
		a->c->user_us = ticks_us(v, a->hz);
	else if (is(k, kl, "system"))
		a->c->system_us = ticks_us(v, a->hz);
}

int cgroup_parse_cpuacct_stat(const char *buf, size_t len, long hz, struct cgroup_cpu *out)
{
	struct acct_arg a = { out, hz > 0 ? hz : 100 };

	return for_each_pair(buf, len, acct_pair, &a) > 0 ? 0 : -1;
}

int cgroup_parse_cpu_max(const char *buf, size_t len, int64_t *quota_us, int64_t *period_us)
{
	const char *end = buf + len, *sp = memchr(buf, ' ', len);

	if (!sp)
		return -1;
	if (sp - buf == 3 && !memcmp(buf, "max", 3))
		*quota_us = -1;
	else if (parse_i64(buf, sp, quota_us))
		return -1;
	return parse_i64(sp + 1, end, period_us);
}

int cgroup_parse_value(const char *buf, size_t len, int64_t *out)
{
	size_t n = len;

	while (n && isspace((unsigned char)buf[n - 1]))
		n--;
	if (n == 3 && !memcmp(buf, "max", 3)) {
		*out = -1;
		return 0;
	}
	if (parse_i64(buf, buf + n, out))
		return -1;
	if (*out >= (1LL << 62))
		*out = -1;
	return 0;
}

struct oom_arg {
	int64_t *oom, *kill;
};

static void oom_pair(const char *k, size_t kl, int64_t v, void *arg)
{
	struct oom_arg *a = arg;

	if (is(k, kl, "oom") || is(k, kl, "under_oom"))
		*a->oom = v;
	else if (is(k, kl, "oom_kill"))
		*a->kill = v;
}

int cgroup_parse_memory_events(const char *buf, size_t len, int64_t *oom, int64_t *oom_kill)
{
	struct oom_arg a = { oom, oom_kill };

	*oom = *oom_kill = -1;
	return for_each_pair(buf, len, oom_pair, &a) > 0 ? 0 : -1;
}
