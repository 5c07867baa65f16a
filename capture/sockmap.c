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

int sockmap_add_dir(struct sockmap *m, const char *fd_dir, pid_t pid, int owner)
{
	DIR *d = opendir(fd_dir);
	struct dirent *de;
	int found = 0, dfd;

	if (!d)
		return -1;
	dfd = dirfd(d);
	while ((errno = 0, de = readdir(d)) != NULL) {
		char link[64];
		uint32_t inode;
		long fd;
		char *end;
		ssize_t n;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		n = readlinkat(dfd, de->d_name, link, sizeof(link));
		if (n <= 0 || (size_t)n >= sizeof(link))
			continue;
		if (sockmap_parse_link(link, (size_t)n, &inode) < 0)
			continue;
		fd = strtol(de->d_name, &end, 10);
		if (*end || fd < 0 || fd > INT32_MAX)
			continue;
		if (sockmap_add(m, inode, pid, (int)fd, owner) < 0) {
			closedir(d);
			errno = ENOMEM;
			return -1;
		}
		found++;
	}
	/* A process that exits while its fd directory is read ends the
	 * listing early with ENOENT: what was read is still right. */
	closedir(d);
	return found;
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
