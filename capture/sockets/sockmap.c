#include "sockmap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "fdowners.h"

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

int sockmap_parse_link(const char *s, size_t len, uint32_t *inode)
{
	uint64_t v = 0;
	size_t i;

	if (len < 10 || memcmp(s, "socket:[", 8) != 0 || s[len - 1] != ']')
		return -1;
	for (i = 8; i < len - 1; i++) {
		if (s[i] < '0' || s[i] > '9' || i - 8 >= 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (i == 8 || v == 0 || v > UINT32_MAX)
		return -1;
	*inode = (uint32_t)v;
	return 0;
}

static size_t slot_of(uint32_t inode, size_t cap)
{
	/* Inodes are sequential: a multiplicative hash spreads them. */
	return (size_t)((inode * 2654435761u) & (cap - 1));
}

/* Moves the entries to a table of ncap slots (a power of two). */
static int grow_to(struct sockmap *m, size_t ncap)
{
	struct sockmap_entry *nt = calloc(ncap, sizeof(*nt));

	if (!nt)
		return -1;
	/* A table at least an eighth full after the rehash below (32
	 * entries a 4 KiB page) has nearly every page written: have them
	 * backed at once (~7 us a page on a VM instead of ~12 us a
	 * first-write fault; a hint, a no-op before Linux 5.14). */
	if (m->n >= 4096 && m->n * 8 >= ncap) {
		uintptr_t a = ((uintptr_t)nt + 4095) & ~(uintptr_t)4095;
		uintptr_t e = ((uintptr_t)(nt + ncap)) & ~(uintptr_t)4095;
		if (e > a)
			(void)madvise((void *)a, e - a, MADV_POPULATE_WRITE);
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->tab[i].inode)
			continue;
		size_t j = slot_of(m->tab[i].inode, ncap);
		while (nt[j].inode)
			j = (j + 1) & (ncap - 1);
		nt[j] = m->tab[i];
	}
	free(m->tab);
	m->tab = nt;
	m->cap = ncap;
	return 0;
}

static int grow(struct sockmap *m)
{
	return grow_to(m, m->cap ? m->cap * 2 : 1024);
}

/* Makes room for more entries in one step: the table sockmap_add() would
 * reach, without the doubling chain before it (at 20,000 sockets that chain
 * writes 1 MB of tables and rehashes 16,000 entries on the way). */
static int reserve(struct sockmap *m, size_t more)
{
	size_t need = (m->n + more) * 2, ncap = m->cap ? m->cap : 1024;

	while (ncap < need)
		ncap *= 2;
	return ncap == m->cap ? 0 : grow_to(m, ncap);
}

/* The number of open fds procfs reports as the size of a /proc/PID/fd
 * directory (Linux 6.2+; 0 before, and for any other directory). */
static size_t fd_dir_count(int dfd)
{
	struct statfs sf;
	struct stat st;

	if (fstatfs(dfd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC || fstat(dfd, &st) < 0 ||
	    st.st_size <= 0 || st.st_size > (1 << 24))
		return 0;
	return (size_t)st.st_size;
}

int sockmap_add(struct sockmap *m, uint32_t inode, pid_t pid, int fd, int owner)
{
	size_t j;

	if (!inode)
		return 0;
	if ((m->n + 1) * 2 > m->cap && grow(m) < 0)
		return -1;
	j = slot_of(inode, m->cap);
	while (m->tab[j].inode) {
		if (m->tab[j].inode == inode) {
			m->shared++;
			return 0;
		}
		j = (j + 1) & (m->cap - 1);
	}
	m->tab[j].inode = inode;
	m->tab[j].pid = pid;
	m->tab[j].fd = fd;
	m->tab[j].owner = owner;
	m->n++;
	return 0;
}

const struct sockmap_entry *sockmap_find(const struct sockmap *m, uint32_t inode)
{
	size_t j;

	if (!m->cap || !inode)
		return NULL;
	j = slot_of(inode, m->cap);
	while (m->tab[j].inode) {
		if (m->tab[j].inode == inode)
			return &m->tab[j];
		j = (j + 1) & (m->cap - 1);
	}
	return NULL;
}

static int cache_grow(struct sockmap_fdcache *c, size_t fd)
{
	size_t ncap = c->cap ? c->cap : 256;
	uint32_t *ni, *ng;

	while (ncap <= fd)
		ncap *= 2;
	ni = realloc(c->ino, ncap * sizeof(*ni));
	if (!ni)
		return -1;
	c->ino = ni;
	ng = realloc(c->gen, ncap * sizeof(*ng));
	if (!ng)
		return -1;
	c->gen = ng;
	memset(c->ino + c->cap, 0, (ncap - c->cap) * sizeof(*ni));
	memset(c->gen + c->cap, 0, (ncap - c->cap) * sizeof(*ng));
	c->cap = ncap;
	return 0;
}

int sockmap_add_dir_cached(struct sockmap *m, const char *fd_dir, pid_t pid, int owner,
			   struct sockmap_fdcache *c, const struct sockmap *alive)
{
	DIR *d;
	struct dirent *de;
	int found = 0, dfd;
	uint32_t prev = 0, cur = 0;

	if (c) {
		if (c->pid != pid) {
			/* another process (or a reused slot): nothing to trust */
			c->pid = pid;
			c->scan += 2;
		}
		prev = c->scan;
		cur = ++c->scan;
		c->links_read = 0;
	}
	/* The real /proc/PID/fd through a BPF iterator where it loads: no
	 * link read. The cache is bypassed (no entry gets this scan's mark),
	 * so a later scan by links reads every link. */
	found = fdowners_add_dir(m, fd_dir, pid, owner);
	if (found != FDOWNERS_FALLBACK)
		return found;
	found = 0;
	d = opendir(fd_dir);
	if (!d)
		return -1;
	dfd = dirfd(d);
	/* Room for every fd being a socket, sized once. A hint: when it
	 * fails, sockmap_add() grows (or fails) as it would have. */
	(void)reserve(m, fd_dir_count(dfd));
	while ((errno = 0, de = readdir(d)) != NULL) {
		uint32_t inode = 0;
		int64_t fd = 0;
		const char *q = de->d_name;

		if (*q < '0' || *q > '9')
			continue;
		for (; *q >= '0' && *q <= '9' && fd <= INT32_MAX; q++)
			fd = fd * 10 + (*q - '0');
		if (*q || fd > INT32_MAX)
			continue;
		if (de->d_type != DT_LNK && de->d_type != DT_UNKNOWN) {
			/* not a link (a fixture's file): no socket, nothing to read */
		} else if (c && alive && (size_t)fd < c->cap && c->gen[fd] == prev && c->ino[fd] &&
		    sockmap_find(alive, c->ino[fd])) {
			inode = c->ino[fd];
		} else {
			char link[64];
			ssize_t n = readlinkat(dfd, de->d_name, link, sizeof(link));
			if (c)
				c->links_read++;
			if (n <= 0 || (size_t)n >= sizeof(link) ||
			    sockmap_parse_link(link, (size_t)n, &inode) < 0)
				inode = 0;
		}
		if (c) {
			if ((size_t)fd >= c->cap && cache_grow(c, (size_t)fd) < 0)
				goto nomem;
			c->ino[fd] = inode;
			c->gen[fd] = cur;
		}
		if (!inode)
			continue;
		if (sockmap_add(m, inode, pid, (int)fd, owner) < 0)
			goto nomem;
		found++;
	}
	/* A process that exits while its fd directory is read ends the
	 * listing early with ENOENT: what was read is still right. */
	closedir(d);
	return found;
nomem:
	closedir(d);
	errno = ENOMEM;
	return -1;
}

int sockmap_reserve(struct sockmap *m, size_t more)
{
	return reserve(m, more);
}

int sockmap_add_dir(struct sockmap *m, const char *fd_dir, pid_t pid, int owner)
{
	return sockmap_add_dir_cached(m, fd_dir, pid, owner, NULL, NULL);
}

void sockmap_fdcache_release(struct sockmap_fdcache *c)
{
	free(c->ino);
	free(c->gen);
	memset(c, 0, sizeof(*c));
}

void sockmap_reset(struct sockmap *m)
{
	if (m->tab)
		memset(m->tab, 0, m->cap * sizeof(*m->tab));
	m->n = 0;
	m->shared = 0;
}

void sockmap_release(struct sockmap *m)
{
	free(m->tab);
	memset(m, 0, sizeof(*m));
}
