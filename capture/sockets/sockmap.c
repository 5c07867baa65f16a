#include "sockmap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static int grow(struct sockmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 1024;
	struct sockmap_entry *nt = calloc(ncap, sizeof(*nt));

	if (!nt)
		return -1;
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
	d = opendir(fd_dir);
	if (!d)
		return -1;
	dfd = dirfd(d);
	while ((errno = 0, de = readdir(d)) != NULL) {
		uint32_t inode = 0;
		long fd;
		char *end;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		fd = strtol(de->d_name, &end, 10);
		if (*end || fd < 0 || fd > INT32_MAX)
			continue;
		if (c && alive && (size_t)fd < c->cap && c->gen[fd] == prev && c->ino[fd] &&
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
