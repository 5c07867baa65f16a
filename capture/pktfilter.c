/* The BPF filter of --pcap-filter auto (see pktfilter.h). */
#include "pktfilter.h"
#include "error.h"
#include "pktdecode.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Hex address as the kernel prints it: 32-bit words in host order. */
static int parse_addr(const char *s, size_t n, uint8_t *out, int *family)
{
	uint32_t w[4];
	int words;

	if (n == 8)
		words = 1;
	else if (n == 32)
		words = 4;
	else
		return -1;
	for (int i = 0; i < words; i++) {
		uint32_t v = 0;

		for (int j = 0; j < 8; j++) {
			char c = s[i * 8 + j];
			int d = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 :
				c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

			if (d < 0)
				return -1;
			v = v << 4 | (uint32_t)d;
		}
		w[i] = v;
	}
	memset(out, 0, 16);
	memcpy(out, w, (size_t)words * 4);
	*family = words == 1 ? 4 : 6;
	if (words == 4) {
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

		if (!memcmp(out, mapped, 12)) {
			memmove(out, out + 12, 4);
			memset(out + 4, 0, 12);
			*family = 4;
		}
	}
	return 0;
}

static int parse_endpoint(const char *s, uint8_t *addr, uint16_t *port, int *family)
{
	const char *colon = strchr(s, ':');
	unsigned long p;
	char *end;

	if (!colon || parse_addr(s, (size_t)(colon - s), addr, family))
		return -1;
	p = strtoul(colon + 1, &end, 16);
	if (end == colon + 1 || *end || p > 0xffff)
		return -1;
	*port = (uint16_t)p;
	return 0;
}

int procnet_parse_line(const char *line, size_t len, int proto, struct procnet_sock *out)
{
	char buf[512], local[64], remote[64];
	unsigned st;
	unsigned long long inode;
	int fl, fr;

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, line, len);
	buf[len] = 0;
	/* sl local remote st tx:rx tr:when retrnsmt uid timeout inode */
	if (sscanf(buf, " %*[0-9]: %63s %63s %x %*s %*s %*s %*u %*u %llu", local, remote, &st, &inode) != 4)
		return -1;
	memset(out, 0, sizeof(*out));
	if (parse_endpoint(local, out->laddr, &out->lport, &fl) ||
	    parse_endpoint(remote, out->raddr, &out->rport, &fr))
		return -1;
	out->family = fl;
	out->proto = proto;
	out->state = (int)st;
	out->inode = inode;
	return 0;
}

static int zero_addr(const uint8_t *a)
{
	static const uint8_t z[16];

	return !memcmp(a, z, 16);
}

struct strbuf {
	char *s;
	size_t len, alloc;
	int clauses;
};

static int sb_clause(struct strbuf *b, const char *clause)
{
	size_t n = strlen(clause) + 6;

	/* dedupe: the same clause from many sockets is one clause */
	if (b->s && strstr(b->s, clause))
		return 0;
	if (b->len + n + 1 > b->alloc) {
		size_t a = b->alloc ? b->alloc * 2 : 1024;
		char *q;

		while (a < b->len + n + 1)
			a *= 2;
		q = realloc(b->s, a);
		if (!q)
			return -1;
		b->s = q;
		b->alloc = a;
	}
	b->len += (size_t)sprintf(b->s + b->len, "%s(%s)", b->len ? " or " : "", clause);
	b->clauses++;
	return 0;
}

static int listens(const struct procnet_sock *v, int n, int proto, uint16_t port)
{
	for (int i = 0; i < n; i++)
		if (v[i].proto == proto && v[i].lport == port &&
		    ((proto == 6 && v[i].state == 10) || (proto == 17 && !v[i].rport)))
			return 1;
	return 0;
}

/* level 0: per remote host and port; 1: per remote port; 2: give up */
static char *build(const struct procnet_sock *v, int n, int level)
{
	struct strbuf b = { 0 };
	char clause[160], a[64];

	for (int i = 0; i < n; i++) {
		const struct procnet_sock *s = &v[i];
		const char *pr = s->proto == 6 ? "tcp" : "udp";

		if ((s->proto == 6 && s->state == 10) || (s->proto == 17 && !s->rport)) {
			if (!s->lport)
				continue;
			if (zero_addr(s->laddr) || level)
				snprintf(clause, sizeof(clause), "%s port %u", pr, s->lport);
			else
				snprintf(clause, sizeof(clause), "%s and host %s and port %u", pr,
					 pkt_addr_str(s->family, s->laddr, a, sizeof(a)), s->lport);
		} else if (s->rport) {
			/* accepted connections are covered by their listener's clause */
			if (listens(v, n, s->proto, s->lport))
				continue;
			if (level)
				snprintf(clause, sizeof(clause), "%s port %u", pr, s->rport);
			else
				snprintf(clause, sizeof(clause), "%s and host %s and port %u", pr,
					 pkt_addr_str(s->family, s->raddr, a, sizeof(a)), s->rport);
		} else {
			continue;
		}
		if (sb_clause(&b, clause)) {
			free(b.s);
			return NULL;
		}
	}
	if (!b.s)
		return strdup("less 1");
	if (b.clauses > PKTFILTER_MAX_CLAUSES) {
		free(b.s);
		return level < 1 ? build(v, n, level + 1) : strdup("tcp or udp");
	}
	return b.s;
}

char *pktfilter_build(const struct procnet_sock *v, int n)
{
	return build(v, n, 0);
}

static int cmp_inode(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

/* Socket inodes of PID's fds, appended to *v (sorted later). Bounded. */
static void fd_inodes(struct capture *cap, pid_t pid, unsigned long long **v, size_t *n, size_t *alloc)
{
	char path[256], link[64];
	struct dirent *de;
	DIR *d;

	capture_path(cap, path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d)) && *n < 100000) {
		ssize_t l;
		unsigned long long ino;

		if (de->d_name[0] == '.')
			continue;
		l = readlinkat(dirfd(d), de->d_name, link, sizeof(link) - 1);
		if (l <= 0)
			continue;
		link[l] = 0;
		if (sscanf(link, "socket:[%llu]", &ino) != 1)
			continue;
		if (*n == *alloc) {
			size_t a = *alloc ? *alloc * 2 : 256;
			unsigned long long *q = realloc(*v, a * sizeof(*q));

			if (!q)
				break;
			*v = q;
			*alloc = a;
		}
		(*v)[(*n)++] = ino;
	}
	closedir(d);
}

char *pktfilter_auto(struct capture *cap)
{
	static const struct { const char *file; int proto; } tables[] = {
		{ "tcp", 6 }, { "tcp6", 6 }, { "udp", 17 }, { "udp6", 17 },
	};
	unsigned long long *inodes = NULL;
	size_t ninodes = 0, ialloc = 0;
	struct procnet_sock *socks = NULL;
	int nsocks = 0, salloc = 0;
	pid_t netpid = 0;
	char *filter = NULL;
	char path[256], line[512];

	for (int i = 0; i < cap->targets.n; i++) {
		if (cap->targets.v[i].gone)
			continue;
		if (!netpid)
			netpid = cap->targets.v[i].pid;
		fd_inodes(cap, cap->targets.v[i].pid, &inodes, &ninodes, &ialloc);
	}
	if (!netpid && cap->opts->npids) {
		netpid = cap->opts->pids[0];
		fd_inodes(cap, netpid, &inodes, &ninodes, &ialloc);
	}
	if (!netpid)
		return NULL;
	if (ninodes)
		qsort(inodes, ninodes, sizeof(*inodes), cmp_inode);
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		FILE *f;

		capture_path(cap, path, sizeof(path), "/proc/%d/net/%s", (int)netpid, tables[t].file);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			struct procnet_sock s;

			if (procnet_parse_line(line, strlen(line), tables[t].proto, &s))
				continue;
			if (!s.inode || !ninodes ||
			    !bsearch(&s.inode, inodes, ninodes, sizeof(*inodes), cmp_inode))
				continue;
			if (nsocks == salloc) {
				int a = salloc ? salloc * 2 : 64;
				struct procnet_sock *q = realloc(socks, (size_t)a * sizeof(*q));

				if (!q)
					break;
				socks = q;
				salloc = a;
			}
			socks[nsocks++] = s;
		}
		fclose(f);
	}
	filter = pktfilter_build(socks, nsocks);
	free(socks);
	free(inodes);
	return filter;
}
