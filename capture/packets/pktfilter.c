/* The BPF filter of --pcap-filter auto (see pktfilter.h). */
#include "pktfilter.h"
#include "error.h"
#include "pktdecode.h"
#include "strbuf.h"
#include "sockets/procnet.h"
#include "sockets/sockmap.h"
#include "sockets/sockview.h"
#include "targets.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PROCNET_MAX (64u << 20)

static int sb_clause(struct strbuf *b, int *clauses, const char *clause)
{
	char paren[200];

	/* dedupe: the same clause from many sockets is one clause */
	snprintf(paren, sizeof(paren), "(%s)", clause);
	if (strstr(strbuf_str(b), paren))
		return 0;
	(*clauses)++;
	return strbuf_addf(b, "%s%s", b->len ? " or " : "", paren);
}

static int is_listener(const struct sockdiag_sock *s)
{
	return (s->proto == IPPROTO_TCP && s->state == SD_LISTEN) ||
	       (s->proto == IPPROTO_UDP && !s->dport);
}

/* Ports with a TCP listener or an unconnected UDP socket, one bit each:
 * looking each connection's port up by scanning every socket made a
 * refresh O(n^2) (seconds of CPU every refresh at 60k sockets). */
struct listened {
	uint8_t tcp[65536 / 8], udp[65536 / 8];
};

static uint8_t *listened_map(struct listened *l, int proto)
{
	return proto == IPPROTO_TCP ? l->tcp : l->udp;
}

static int listens(const struct listened *l, int proto, uint16_t port)
{
	const uint8_t *m = proto == IPPROTO_TCP ? l->tcp : l->udp;

	return (m[port / 8] >> (port % 8)) & 1;
}

/* An address as BPF wants it; IPv4-mapped IPv6 as IPv4. Empty for any. */
static const char *addr(const struct sockdiag_sock *s, const uint8_t *a, char *buf, size_t len)
{
	static const uint8_t zero[16];
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (s->family == AF_INET6 && !memcmp(a, mapped, 12))
		return pkt_addr_str(4, a + 12, buf, len);
	if (!memcmp(a, zero, s->family == AF_INET ? 4 : 16))
		return "";
	return pkt_addr_str(s->family == AF_INET ? 4 : 6, a, buf, len);
}

/* level 0: per remote host and port; 1: per port; then give up */
static char *build(const struct sockdiag_sock *v, size_t n, int level, const struct listened *l)
{
	struct strbuf b = STRBUF_INIT;
	char clause[160], a[64];
	int clauses = 0;

	for (size_t i = 0; i < n && clauses <= PKTFILTER_MAX_CLAUSES; i++) {
		const struct sockdiag_sock *s = &v[i];
		const char *pr = s->proto == IPPROTO_TCP ? "tcp" : "udp";
		const char *h;

		if (s->proto != IPPROTO_TCP && s->proto != IPPROTO_UDP)
			continue;
		if (is_listener(s)) {
			if (!s->sport)
				continue;
			h = addr(s, s->src, a, sizeof(a));
			if (!*h || level)
				snprintf(clause, sizeof(clause), "%s port %u", pr, s->sport);
			else
				snprintf(clause, sizeof(clause), "%s and host %s and port %u", pr, h, s->sport);
		} else {
			/* accepted connections are covered by their listener's clause */
			if (listens(l, s->proto, s->sport))
				continue;
			h = addr(s, s->dst, a, sizeof(a));
			if (level || !*h)
				snprintf(clause, sizeof(clause), "%s port %u", pr, s->dport);
			else
				snprintf(clause, sizeof(clause), "%s and host %s and port %u", pr, h, s->dport);
		}
		if (sb_clause(&b, &clauses, clause)) {
			strbuf_release(&b);
			return NULL;
		}
	}
	if (!clauses) {
		strbuf_release(&b);
		return strdup("less 1");
	}
	if (clauses > PKTFILTER_MAX_CLAUSES) {
		/* Stopped at the first clause past the bound: the rest would
		 * only have cost time (each clause is checked against the text). */
		strbuf_release(&b);
		return level < 1 ? build(v, n, level + 1, l) : strdup("tcp or udp");
	}
	return strbuf_detach(&b);
}

char *pktfilter_build(const struct sockdiag_sock *v, size_t n)
{
	struct listened *l = calloc(1, sizeof(*l));
	char *f;

	if (!l)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if ((v[i].proto == IPPROTO_TCP || v[i].proto == IPPROTO_UDP) && is_listener(&v[i]))
			listened_map(l, v[i].proto)[v[i].sport / 8] |= (uint8_t)(1u << (v[i].sport % 8));
	f = build(v, n, 0, l);
	free(l);
	return f;
}

/* Reads a whole /proc file (bounded) into a malloc'd buffer. */
static char *slurp(const char *path, size_t *len)
{
	size_t alloc = 65536, n = 0;
	char *buf = malloc(alloc);
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (!buf || fd < 0)
		goto fail;
	for (;;) {
		ssize_t r;

		if (n == alloc) {
			char *q;

			if (alloc >= PROCNET_MAX)
				break;
			q = realloc(buf, alloc * 2);
			if (!q)
				goto fail;
			buf = q;
			alloc *= 2;
		}
		r = read(fd, buf + n, alloc - n);
		if (r < 0)
			goto fail;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*len = n;
	return buf;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

/* The TCP rows of /proc/PID/net/tcp and tcp6, from one sock_diag dump when
 * netpid is in our own network namespace. Reading those two files walked
 * the kernel's established hash twice (262,144 buckets on a 16 GB host) and
 * formatted then parsed a text line per socket of the namespace, every
 * refresh; sockdiag_dump_tcp walks it once and gives the same sockets with
 * the same fields, v4 before v6 in the files' order, so the filter text is
 * unchanged. Another namespace (or --root) keeps reading the files, which
 * show netpid's namespace without entering it. Returns 0 with the rows
 * appended to an empty all, 1 when the caller must read the files. */
static int tcp_by_diag(struct capture *cap, pid_t netpid, struct sockdiag_result *all)
{
	struct sockdiag sd;
	struct stat self;
	int rc;

	if ((cap->opts->root && cap->opts->root[0]) ||
	    stat("/proc/thread-self/ns/net", &self) < 0 ||
	    targets_netns(cap, netpid) != (unsigned long long)self.st_ino)
		return 1;
	if (sockdiag_open(&sd) < 0)
		return 1;
	/* Only sockets a target holds are kept: no reply for the timewait and
	 * request sockets (inode 0), tens of thousands on a busy host. */
	rc = sockdiag_dump_tcp(&sd, 0, ~((1u << SD_TIME_WAIT) | (1u << SD_NEW_SYN_RECV)), all);
	sockdiag_close(&sd);
	if (rc < 0) {
		sockdiag_result_reset(all);
		return 1;
	}
	return 0;
}

void pktfilter_cache_release(struct pktfilter_cache *c)
{
	sockmap_release(&c->owners);
	sockmap_release(&c->foreign);
	sockmap_release(&c->alive);
	for (int i = 0; i < c->nfdc; i++)
		sockmap_fdcache_release(&c->fdc[i]);
	free(c->fdc);
	memset(c, 0, sizeof(*c));
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether the last read's owners may be used as they are: nothing in ALL
 * that it did not see (a socket a target opened or accepted since has a new
 * inode; one still waiting to be accepted has none). */
static int cache_explains(const struct pktfilter_cache *c, const struct sockdiag_result *all)
{
	for (size_t i = 0; i < all->n; i++) {
		uint32_t ino = all->v[i].inode;
		if (ino && !sockmap_find(&c->owners, ino) && !sockmap_find(&c->foreign, ino))
			return 0;
	}
	return 1;
}

/* Reads the targets' fd links into map; with c, through its per-fd cache
 * (alive: the inodes still in the tables; NULL reads every link). */
static void read_owners(struct capture *cap, struct sockmap *map, struct pktfilter_cache *c,
			const struct sockmap *alive)
{
	char path[256];
	int any = 0;

	if (c && c->nfdc < cap->targets.n) {
		struct sockmap_fdcache *n = realloc(c->fdc, (size_t)cap->targets.n * sizeof(*n));
		if (!n) {
			c = NULL;
		} else {
			memset(n + c->nfdc, 0, (size_t)(cap->targets.n - c->nfdc) * sizeof(*n));
			c->fdc = n;
			c->nfdc = cap->targets.n;
		}
	}
	for (int i = 0; i < cap->targets.n; i++) {
		if (cap->targets.v[i].gone) {
			if (c)
				sockmap_fdcache_release(&c->fdc[i]);
			continue;
		}
		any = 1;
		capture_path(cap, path, sizeof(path), "/proc/%d/fd", (int)cap->targets.v[i].pid);
		sockmap_add_dir_cached(map, path, cap->targets.v[i].pid, i, c ? &c->fdc[i] : NULL, c ? alive : NULL);
		if (c)
			c->links_read += (int64_t)c->fdc[i].links_read;
	}
	if (!any && cap->opts->npids) {
		capture_path(cap, path, sizeof(path), "/proc/%d/fd", (int)cap->opts->pids[0]);
		sockmap_add_dir(map, path, cap->opts->pids[0], 0);
	}
}

/* The filter from the sockets source's dump of the last tick, when it is of
 * netpid's namespace: no dump, no /proc/PID/net read, no fd link read of our
 * own (the sockets source read the links its dump needed). NULL with
 * *used 0 when that dump cannot serve. */
static char *from_sockets(struct capture *cap, pid_t netpid, int *used)
{
	const struct sockets_view *sv = cap->sockets_view;
	struct sockdiag_sock *v;
	size_t n = 0;
	char *filter;

	*used = 0;
	if (!sv || !sv->tick || sv->tick < cap->tick - 1 || !sv->netns ||
	    targets_netns(cap, netpid) != sv->netns)
		return NULL;
	for (size_t i = 0; i < sv->res->n; i++)
		if (sv->res->v[i].inode && sockmap_find(sv->owners, sv->res->v[i].inode))
			n++;
	v = malloc((n ? n : 1) * sizeof(*v));
	if (!v)
		return NULL;
	n = 0;
	for (size_t i = 0; i < sv->res->n; i++)
		if (sv->res->v[i].inode && sockmap_find(sv->owners, sv->res->v[i].inode))
			v[n++] = sv->res->v[i];
	filter = pktfilter_build(v, n);
	free(v);
	*used = 1;
	return filter;
}

char *pktfilter_auto(struct capture *cap, struct pktfilter_cache *c)
{
	static const struct { const char *file; int proto, family; } tables[] = {
		{ "tcp", IPPROTO_TCP, AF_INET }, { "tcp6", IPPROTO_TCP, AF_INET6 },
		{ "udp", IPPROTO_UDP, AF_INET }, { "udp6", IPPROTO_UDP, AF_INET6 },
	};
	struct sockdiag_result all = SOCKDIAG_RESULT_INIT;
	struct sockmap fresh = { 0 };
	const struct sockmap *map = &fresh;
	size_t nown = 0;
	pid_t netpid = 0;
	char *filter = NULL;
	char path[256];
	int64_t now = mono_ms();

	for (int i = 0; i < cap->targets.n && !netpid; i++)
		if (!cap->targets.v[i].gone)
			netpid = cap->targets.v[i].pid;
	if (!netpid && cap->opts->npids)
		netpid = cap->opts->pids[0];
	if (!netpid)
		goto out;
	if (c) {
		int used;

		filter = from_sockets(cap, netpid, &used);
		if (used) {
			c->from_sockets++;
			goto out;
		}
	}
	/* The tables before the links: a socket opened in between is then in
	 * the links and not yet in the tables, and the next refresh, which
	 * finds it in the tables, knows it. */
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		size_t len;
		char *text;

		if (t == 0 && tcp_by_diag(cap, netpid, &all) == 0) {
			t = 1;    /* tcp and tcp6 both came from the dump */
			continue;
		}
		capture_path(cap, path, sizeof(path), "/proc/%d/net/%s", (int)netpid, tables[t].file);
		text = slurp(path, &len);
		if (!text)
			continue;
		procnet_parse(text, len, tables[t].proto, tables[t].family, &all);
		free(text);
	}
	if (c && c->full_ms && now - c->full_ms < PKTFILTER_RELINK_MS &&
	    c->targets_n == cap->targets.n && c->nalive == cap->targets.nalive) {
		if (cache_explains(c, &all)) {
			map = &c->owners;
			c->reuses++;
			goto build;
		}
		sockmap_reset(&c->alive);
		for (size_t i = 0; i < all.n; i++)
			if (sockmap_add(&c->alive, all.v[i].inode, 0, 0, 0) < 0)
				goto nomem;
		read_owners(cap, &fresh, c, &c->alive);
		c->part_reads++;
	} else {
		read_owners(cap, &fresh, c, NULL);
		if (c) {
			c->full_ms = now;
			c->targets_n = cap->targets.n;
			c->nalive = cap->targets.nalive;
			c->full_reads++;
		}
	}
	if (c) {
		sockmap_reset(&c->foreign);
		for (size_t i = 0; i < all.n; i++)
			if (all.v[i].inode && !sockmap_find(&fresh, all.v[i].inode) &&
			    sockmap_add(&c->foreign, all.v[i].inode, 0, 0, 0) < 0)
				goto nomem;
	}
	goto build;
nomem:
	/* out of memory for the cache: read every link next time */
	c->full_ms = 0;
	if (!fresh.n)
		read_owners(cap, &fresh, NULL, NULL);
build:
	/* Kept in place: a second array of the target's sockets doubled this
	 * refresh's peak memory by ~190 bytes a socket. */
	for (size_t i = 0; i < all.n; i++)
		if (all.v[i].inode && sockmap_find(map, all.v[i].inode))
			all.v[nown++] = all.v[i];
	filter = pktfilter_build(all.v, nown);
	if (c && map == &fresh) {
		sockmap_release(&c->owners);
		c->owners = fresh;
		memset(&fresh, 0, sizeof(fresh));
	}
out:
	sockdiag_result_release(&all);
	sockmap_release(&fresh);
	return filter;
}
