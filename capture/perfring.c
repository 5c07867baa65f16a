#include "perfring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

int perfring_parse_cpus(const char *buf, size_t len, int *cpus, int max)
{
	const char *s = buf, *end = buf + len;
	int n = 0;

	while (s < end && *s != '\n' && *s != '\0') {
		long a = 0, b;
		int digits = 0;

		while (s < end && *s >= '0' && *s <= '9' && digits < 7) {
			a = a * 10 + (*s++ - '0');
			digits++;
		}
		if (!digits)
			return -1;
		b = a;
		if (s < end && *s == '-') {
			s++;
			b = 0;
			digits = 0;
			while (s < end && *s >= '0' && *s <= '9' && digits < 7) {
				b = b * 10 + (*s++ - '0');
				digits++;
			}
			if (!digits || b < a)
				return -1;
		}
		for (; a <= b && n < max; a++)
			cpus[n++] = (int)a;
		if (s < end && *s == ',')
			s++;
		else if (s < end && *s != '\n' && *s != '\0')
			return -1;
	}
	return n;
}

int perfring_open_event(struct perf_event_attr *attr, int pid, int cpu, int group)
{
	return (int)syscall(SYS_perf_event_open, attr, pid, cpu, group, PERF_FLAG_FD_CLOEXEC);
}

int perfring_map(struct perfring *r, int fd, int *pages, int min_pages)
{
	size_t page = (size_t)getpagesize();
	int n = *pages;
	void *m = MAP_FAILED;

	/* A smaller ring when locked memory is short (perf_event_mlock_kb,
	 * RLIMIT_MEMLOCK for users without CAP_IPC_LOCK). */
	for (; n >= min_pages; n /= 2) {
		m = mmap(NULL, page * (size_t)(n + 1), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (m != MAP_FAILED)
			break;
		if (errno != EPERM && errno != ENOMEM)
			return -1;
	}
	if (m == MAP_FAILED)
		return -1;
	*pages = n;
	r->fd = fd;
	r->meta = m;
	r->data = (unsigned char *)m + page;
	r->size = (uint64_t)n * page;
	r->bad = 0;
	return 0;
}

void perfring_unmap(struct perfring *r)
{
	if (r->meta)
		munmap(r->meta, (size_t)getpagesize() + r->size);
	r->meta = NULL;
	r->data = NULL;
}

void perfring_drain(struct perfring *r, unsigned char *tmp,
		    int (*fn)(const void *buf, size_t len, void *arg), void *arg)
{
	uint64_t head, tail;

	if (!r->meta || r->bad)
		return;
	head = __atomic_load_n(&r->meta->data_head, __ATOMIC_ACQUIRE);
	tail = r->meta->data_tail;
	while (tail < head) {
		uint64_t off = tail & (r->size - 1), avail = head - tail;
		struct perf_event_header h;
		const unsigned char *rec;

		if (avail < sizeof(h)) {
			r->bad = 1;
			break;
		}
		if (off + sizeof(h) <= r->size) {
			memcpy(&h, r->data + off, sizeof(h));
		} else {
			size_t first = (size_t)(r->size - off);

			memcpy(&h, r->data + off, first);
			memcpy((unsigned char *)&h + first, r->data, sizeof(h) - first);
		}
		if (h.size < sizeof(h) || h.size > avail || h.size % 8) {
			r->bad = 1;
			break;
		}
		if (off + h.size <= r->size) {
			rec = r->data + off;
		} else {
			size_t first = (size_t)(r->size - off);

			memcpy(tmp, r->data + off, first);
			memcpy(tmp + first, r->data, h.size - first);
			rec = tmp;
		}
		if (fn(rec, h.size, arg) < 0) {
			r->bad = 1;
			break;
		}
		tail += h.size;
	}
	__atomic_store_n(&r->meta->data_tail, tail, __ATOMIC_RELEASE);
}
