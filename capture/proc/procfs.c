#include "procfs.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A bounded cursor over text that need not be NUL-terminated. */
struct cursor {
	const char *p, *end;
};

static void skip_spaces(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
		c->p++;
}

/* A decimal integer, saturated to [INT64_MIN, INT64_MAX]: the kernel prints
 * u64 counters (and ULLONG_MAX for "unlimited"), which must neither wrap to a
 * negative number nor be negated past INT64_MIN (undefined behaviour). */
static int next_i64(struct cursor *c, int64_t *out)
{
	int neg = 0, over = 0;
	uint64_t v = 0;
	uint64_t limit;
	int digits = 0;

	skip_spaces(c);
	if (c->p < c->end && *c->p == '-') {
		neg = 1;
		c->p++;
	}
	/* The magnitude of INT64_MIN is one more than INT64_MAX. */
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	while (c->p < c->end && isdigit((unsigned char)*c->p)) {
		unsigned d = (unsigned)(*c->p - '0');

		if (!over && (v > (limit - d) / 10))
			over = 1;
		if (!over)
			v = v * 10 + d;
		c->p++;
		digits++;
	}
	if (!digits)
		return -1;
	if (over)
		*out = neg ? INT64_MIN : INT64_MAX;
	else if (neg)
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return 0;
}

static int next_u64(struct cursor *c, uint64_t *out)
{
	int64_t v;

	if (next_i64(c, &v) || v < 0)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

static int skip_fields(struct cursor *c, int n)
{
	while (n-- > 0) {
		skip_spaces(c);
		if (c->p >= c->end)
			return -1;
		while (c->p < c->end && *c->p != ' ' && *c->p != '\n')
			c->p++;
	}
	return 0;
}

int procfs_parse_stat(const char *buf, size_t len, struct proc_stat *out)
{
	struct cursor c = { buf, buf + len };
	const char *open, *close = NULL, *q;
	int64_t v, pid;
	size_t n;

	memset(out, 0, sizeof(*out));
	/* comm is "(...)" and may itself hold ") (": the real end is the last ')'. */
	open = memchr(buf, '(', len);
	for (q = buf; q < buf + len; q++)
		if (*q == ')')
			close = q;
	if (!open || !close || close < open)
		return -1;
	if (next_i64(&c, &pid) || pid <= 0)
		return -1;
	out->pid = (int)pid;
	n = (size_t)(close - open - 1);
	if (n >= sizeof(out->comm))
		n = sizeof(out->comm) - 1;
	memcpy(out->comm, open + 1, n);
	out->comm[n] = '\0';
	c.p = close + 1;
	skip_spaces(&c);
	if (c.p >= c.end)
		return -1;
	out->state = *c.p++;
	/* Fields are numbered as in proc(5): 4 ppid ... 22 starttime, 23 vsize, 24 rss. */
	if (next_i64(&c, &v)) return -1;
	out->ppid = (int)v;                                      /* 4 */
	if (skip_fields(&c, 5)) return -1;                        /* 5-9 */
	if (next_i64(&c, &out->minflt)) return -1;                /* 10 */
	if (skip_fields(&c, 1)) return -1;                        /* 11 */
	if (next_i64(&c, &out->majflt)) return -1;                /* 12 */
	if (skip_fields(&c, 1)) return -1;                        /* 13 */
	if (next_i64(&c, &out->utime)) return -1;                 /* 14 */
	if (next_i64(&c, &out->stime)) return -1;                 /* 15 */
	if (skip_fields(&c, 4)) return -1;                        /* 16-19 */
	if (next_i64(&c, &out->num_threads)) return -1;           /* 20 */
	if (skip_fields(&c, 1)) return -1;                        /* 21 */
	if (next_u64(&c, &out->starttime)) return -1;             /* 22 */
	if (next_i64(&c, &out->vsize)) return -1;                 /* 23 */
	if (next_i64(&c, &out->rss_pages)) return -1;             /* 24 */
	return 0;
}

/* Calls fn(key, value_cursor) for each "Key:\tvalue" line. */
static void for_each_kv(const char *buf, size_t len,
			void (*fn)(const char *key, size_t klen, struct cursor *val, void *arg),
			void *arg)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;
		const char *colon = memchr(p, ':', (size_t)(line_end - p));

		if (colon) {
			struct cursor val = { colon + 1, line_end };

			fn(p, (size_t)(colon - p), &val, arg);
		}
		p = nl ? nl + 1 : end;
	}
}

static int key_is(const char *key, size_t klen, const char *want)
{
	return strlen(want) == klen && !memcmp(key, want, klen);
}

static void status_kv(const char *key, size_t klen, struct cursor *val, void *arg)
{
	struct proc_status *s = arg;
	int64_t v;

	if (key_is(key, klen, "Name")) {
		size_t n;

		skip_spaces(val);
		n = (size_t)(val->end - val->p);
		if (n >= sizeof(s->name))
			n = sizeof(s->name) - 1;
		memcpy(s->name, val->p, n);
		s->name[n] = '\0';
		return;
	}
	if (next_i64(val, &v))
		return;
	if (key_is(key, klen, "PPid")) s->ppid = (int)v;
	else if (key_is(key, klen, "Uid")) s->uid = (int)v;
	else if (key_is(key, klen, "VmSize")) s->vm_size_kb = v;
	else if (key_is(key, klen, "VmRSS")) s->vm_rss_kb = v;
	else if (key_is(key, klen, "VmSwap")) s->vm_swap_kb = v;
	else if (key_is(key, klen, "Threads")) s->threads = v;
	else if (key_is(key, klen, "voluntary_ctxt_switches")) s->vol_ctxt = v;
	else if (key_is(key, klen, "nonvoluntary_ctxt_switches")) s->invol_ctxt = v;
}

int procfs_parse_status(const char *buf, size_t len, struct proc_status *out)
{
	memset(out, 0, sizeof(*out));
	out->ppid = out->uid = -1;
	out->vm_size_kb = out->vm_rss_kb = out->vm_swap_kb = -1;
	out->threads = out->vol_ctxt = out->invol_ctxt = -1;
	for_each_kv(buf, len, status_kv, out);
	/* Kernel threads have no Vm* lines; a status without Name is not one. */
	return out->name[0] ? 0 : -1;
}

int procfs_parse_statm(const char *buf, size_t len, struct proc_statm *out)
{
	struct cursor c = { buf, buf + len };

	if (next_i64(&c, &out->size_pages) || next_i64(&c, &out->resident_pages) ||
	    next_i64(&c, &out->shared_pages))
		return -1;
	return 0;
}

static void io_kv(const char *key, size_t klen, struct cursor *val, void *arg)
{
	struct proc_io *io = arg;
	int64_t v;

	if (next_i64(val, &v))
		return;
	if (key_is(key, klen, "rchar")) io->rchar = v;
	else if (key_is(key, klen, "wchar")) io->wchar = v;
	else if (key_is(key, klen, "syscr")) io->syscr = v;
	else if (key_is(key, klen, "syscw")) io->syscw = v;
	else if (key_is(key, klen, "read_bytes")) io->read_bytes = v;
	else if (key_is(key, klen, "write_bytes")) io->write_bytes = v;
}

int procfs_parse_io(const char *buf, size_t len, struct proc_io *out)
{
	memset(out, 0xff, sizeof(*out)); /* all -1 */
	for_each_kv(buf, len, io_kv, out);
	return out->rchar >= 0 ? 0 : -1;
}

static void smaps_kv(const char *key, size_t klen, struct cursor *val, void *arg)
{
	struct proc_smaps_rollup *s = arg;
	int64_t v;

	if (next_i64(val, &v))
		return;
	if (key_is(key, klen, "Rss")) s->rss_kb = v;
	else if (key_is(key, klen, "Pss")) s->pss_kb = v;
	else if (key_is(key, klen, "Swap")) s->swap_kb = v;
}

int procfs_parse_smaps_rollup(const char *buf, size_t len, struct proc_smaps_rollup *out)
{
	out->rss_kb = out->pss_kb = out->swap_kb = -1;
	for_each_kv(buf, len, smaps_kv, out);
	return out->pss_kb >= 0 ? 0 : -1;
}

/* "Max open files            1024                 1048576              files"
 * Names have spaces, so columns are located by the header's offsets would be
 * fragile; instead the name ends where two spaces start. */
int procfs_parse_limits(const char *buf, size_t len, struct proc_limits *out)
{
	const char *p = buf, *end = buf + len;

	out->n = 0;
	while (p < end && out->n < PROC_LIMITS_MAX) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *q = p;
		struct proc_limit *l = &out->v[out->n];
		struct cursor c;
		size_t n;
		int i;

		if (le - p >= 5 && !memcmp(p, "Limit", 5))
			goto next;
		while (q + 1 < le && !(q[0] == ' ' && q[1] == ' '))
			q++;
		if (q + 1 >= le)
			goto next;
		n = (size_t)(q - p);
		if (n >= sizeof(l->name))
			n = sizeof(l->name) - 1;
		memcpy(l->name, p, n);
		l->name[n] = '\0';
		c.p = q;
		c.end = le;
		for (i = 0; i < 2; i++) {
			int64_t *dst = i ? &l->hard : &l->soft;

			skip_spaces(&c);
			if (c.end - c.p >= 9 && !memcmp(c.p, "unlimited", 9)) {
				*dst = -1;
				c.p += 9;
			} else if (next_i64(&c, dst)) {
				goto next;
			}
		}
		skip_spaces(&c);
		n = (size_t)(c.end - c.p);
		while (n && isspace((unsigned char)c.p[n - 1]))
			n--;
		if (n >= sizeof(l->unit))
			n = sizeof(l->unit) - 1;
		memcpy(l->unit, c.p, n);
		l->unit[n] = '\0';
		out->n++;
next:
		p = nl ? nl + 1 : end;
	}
	return out->n ? 0 : -1;
}

int64_t proc_limits_soft(const struct proc_limits *l, const char *name)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return l->v[i].soft;
	return -1;
}

int procfs_parse_netdev(const char *buf, size_t len,
			void (*fn)(const struct netdev_stats *s, void *arg), void *arg, int *bad)
{
	const char *p = buf, *end = buf + len;
	int line = 0, count = 0;

	if (bad)
		*bad = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		line++;
		if (line == 1) {
			if (le - p < 6 || memcmp(p, "Inter-", 6))
				return -1;
		} else if (line > 2 && le > p) {
			const char *colon = memchr(p, ':', (size_t)(le - p));
			struct netdev_stats s;
			struct cursor c;
			int64_t f[16];
			const char *n0 = p;
			size_t n;
			int i;

			if (!colon)
				goto bad_line;
			while (n0 < colon && *n0 == ' ')
				n0++;
			n = (size_t)(colon - n0);
			if (!n || n >= sizeof(s.name))
				goto bad_line;
			memcpy(s.name, n0, n);
			s.name[n] = '\0';
			c.p = colon + 1;
			c.end = le;
			for (i = 0; i < 16; i++)
				if (next_i64(&c, &f[i]))
					goto bad_line;
			s.rx_bytes = f[0]; s.rx_packets = f[1]; s.rx_errs = f[2]; s.rx_drop = f[3];
			s.tx_bytes = f[8]; s.tx_packets = f[9]; s.tx_errs = f[10]; s.tx_drop = f[11];
			fn(&s, arg);
			count++;
			goto next;
bad_line:
			if (bad)
				(*bad)++;
		}
next:
		p = nl ? nl + 1 : end;
	}
	return line >= 2 ? count : -1;
}

size_t procfs_cmdline_clean(char *buf, size_t len)
{
	size_t i;

	while (len && buf[len - 1] == '\0')
		len--;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (ch == '\0')
			buf[i] = ' ';
		else if (ch < 0x20 || ch == 0x7f)
			buf[i] = '?';
	}
	buf[len] = '\0';
	return len;
}

ssize_t read_file(const char *path, char *buf, size_t size)
{
	ssize_t n, total = 0;
	int fd;

	if (size == 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((size_t)total < size - 1) {
		n = read(fd, buf + total, size - 1 - (size_t)total);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		if (n == 0)
			break;
		total += n;
	}
	close(fd);
	buf[total] = '\0';
	return total;
}

ssize_t read_file_alloc(const char *path, size_t max, char **out, int *truncated)
{
	size_t size = 4096, total = 0;
	char *buf = NULL;
	int fd, saved;

	*out = NULL;
	if (truncated)
		*truncated = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t n;

		if (total == size - 1 || !buf) {
			/* /proc files say st_size 0: grow as the text comes, to max
			 * bytes plus one to tell "exactly max" from "more than max". */
			size_t want = buf ? size * 2 : size;
			char *p;

			if (buf && size - 1 > max) {
				if (truncated)
					*truncated = 1;
				total = max;
				break;
			}
			if (want > max + 2)
				want = max + 2;
			p = realloc(buf, want);
			if (!p) {
				errno = ENOMEM;
				goto fail;
			}
			buf = p;
			size = want;
		}
		n = read(fd, buf + total, size - 1 - total);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		total += (size_t)n;
	}
	close(fd);
	buf[total] = '\0';
	*out = buf;
	return (ssize_t)total;
fail:
	saved = errno;
	close(fd);
	free(buf);
	errno = saved;
	return -1;
}

ssize_t pread_file(int fd, char *buf, size_t size)
{
	ssize_t n, total = 0;

	if (size == 0)
		return -1;
	while ((size_t)total < size - 1) {
		n = pread(fd, buf + total, size - 1 - (size_t)total, total);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		total += n;
	}
	buf[total] = '\0';
	return total;
}
