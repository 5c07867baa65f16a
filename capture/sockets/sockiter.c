/* The sockets source's iter backend: see sockiter.h. */
#include "sockiter.h"

#include <linux/types.h>

#include "sockiter_rec.h"
#include "sockiter.skel.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* The BPF side writes the same struct: a change of layout must change the
 * version. */
_Static_assert(sizeof(struct sockiter_rec) == 136, "sockiter_rec layout");

static struct sockiter_owner *owners_push(struct sockiter_owners *o)
{
	if (o->n == o->alloc) {
		size_t na = o->alloc ? o->alloc * 2 : 256;
		struct sockiter_owner *nv = realloc(o->v, na * sizeof(*nv));
		if (!nv)
			return NULL;
		o->v = nv;
		o->alloc = na;
	}
	return &o->v[o->n++];
}

void sockiter_owners_release(struct sockiter_owners *o)
{
	free(o->v);
	memset(o, 0, sizeof(*o));
}

int sockiter_parse(const void *buf, size_t len, struct sockdiag_result *r,
		   struct sockiter_owners *owners, unsigned *malformed)
{
	const unsigned char *p = buf;
	size_t off = 0;

	while (off < len) {
		struct sockiter_rec rec;
		struct sockdiag_sock *d;

		if (len - off < sizeof(rec)) {
			(*malformed)++;    /* a cut record: nothing after it frames */
			break;
		}
		memcpy(&rec, p + off, sizeof(rec));
		if (rec.magic != SOCKITER_MAGIC || rec.version != SOCKITER_VERSION || rec.len != sizeof(rec)) {
			(*malformed)++;
			break;
		}
		off += sizeof(rec);
		if (rec.flags & ~SOCKITER_F_OWNER_ONLY) {
			(*malformed)++;
			continue;
		}
		if (rec.flags & SOCKITER_F_OWNER_ONLY) {
			if (owners) {
				struct sockiter_owner *o = owners_push(owners);
				if (!o)
					return -1;
				o->pid = (int32_t)rec.pid;
				o->fd = (int32_t)rec.fd;
				o->inode = rec.inode;
				o->netns = rec.netns;
				o->row = -1;
			}
			continue;
		}
		if ((rec.family != AF_INET && rec.family != AF_INET6) ||
		    (rec.proto != IPPROTO_TCP && rec.proto != IPPROTO_UDP) ||
		    rec.state == 0 || rec.state >= SD_STATE_MAX || rec.has_tcp > 1 ||
		    (rec.has_tcp && rec.proto != IPPROTO_TCP)) {
			(*malformed)++;
			continue;
		}
		d = sockdiag_result_push(r);
		if (!d)
			return -1;
		if (owners) {
			struct sockiter_owner *o = owners_push(owners);
			if (!o) {
				r->n--;
				return -1;
			}
			o->pid = (int32_t)rec.pid;
			o->fd = (int32_t)rec.fd;
			o->inode = rec.inode;
			o->netns = rec.netns;
			o->row = (int64_t)(r->n - 1);
		}
		memset(d, 0, sizeof(*d));
		d->family = rec.family;
		d->proto = rec.proto;
		d->state = rec.state;
		d->has_tcpinfo = rec.has_tcp;
		memcpy(d->src, rec.src, 16);
		memcpy(d->dst, rec.dst, 16);
		d->sport = rec.sport;
		d->dport = rec.dport;
		d->inode = rec.inode;
		d->uid = rec.uid;
		d->rqueue = rec.rqueue;
		d->wqueue = rec.wqueue;
		sockdiag_tcpinfo_absent(&d->ti);
		if (rec.has_tcp) {
			d->ti.retransmits = rec.retransmits;
			d->ti.rtt_us = rec.rtt_us;
			d->ti.rttvar_us = rec.rttvar_us;
			d->ti.snd_cwnd = rec.snd_cwnd;
			d->ti.unacked = rec.unacked;
			d->ti.lost = rec.lost;
			d->ti.retrans = rec.retrans;
			d->ti.total_retrans = rec.total_retrans;
			d->ti.bytes_acked = (int64_t)(rec.bytes_acked & INT64_MAX);
			d->ti.bytes_received = (int64_t)(rec.bytes_received & INT64_MAX);
			d->ti.bytes_sent = (int64_t)(rec.bytes_sent & INT64_MAX);
		}
	}
	return 0;
}

/* libbpf's messages while loading: kept, the first warning becomes why. */
static char load_msg[256];
static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_DEBUG && !load_msg[0]) {
		size_t n;
		vsnprintf(load_msg, sizeof(load_msg), fmt, ap);
		n = strlen(load_msg);
		if (n && load_msg[n - 1] == '\n')
			load_msg[n - 1] = 0;
	}
	return 0;
}

int sockiter_open(struct sockiter *it, char *why, size_t len)
{
	libbpf_print_fn_t old;
	struct sockdiag_result r = SOCKDIAG_RESULT_INIT;
	unsigned bad = 0;
	int rc;

	memset(it, 0, sizeof(*it));
	load_msg[0] = 0;
	old = libbpf_set_print(quiet_print);
	it->skel = sockiter_bpf__open_and_load();
	rc = it->skel ? 0 : -errno;
	libbpf_set_print(old);
	if (!it->skel) {
		snprintf(why, len, "BPF task_file iterator not loaded (%s%s%s)", strerror(-rc),
			 load_msg[0] ? ": " : "", load_msg);
		return -1;
	}
	/* One read of our own fds: attaching with a pid needs kernel 6.1+. */
	sockiter_begin(it);
	if (sockiter_read(it, getpid(), &r, NULL, &bad) < 0) {
		snprintf(why, len, "BPF task_file iterator cannot be read (%s)", strerror(errno));
		sockdiag_result_release(&r);
		sockiter_close(it);
		return -1;
	}
	sockdiag_result_release(&r);
	sockiter_begin(it);
	sockiter_end(it);    /* our own link is not kept */
	it->reads = it->attaches = 0;
	return 0;
}

int sockiter_links_sweep(struct sockiter_link *v, int *n, int64_t round,
			 void (*drop)(struct sockiter_link *))
{
	int k = 0, dropped = 0;

	for (int i = 0; i < *n; i++) {
		if (v[i].round != round) {
			if (drop)
				drop(&v[i]);
			dropped++;
			continue;
		}
		if (k != i)
			v[k] = v[i];
		k++;
	}
	*n = k;
	return dropped;
}

static void link_drop(struct sockiter_link *l)
{
	bpf_link__destroy(l->link);
	l->link = NULL;
}

void sockiter_begin(struct sockiter *it)
{
	it->round++;
}

void sockiter_end(struct sockiter *it)
{
	sockiter_links_sweep(it->links, &it->nlinks, it->round, link_drop);
}

/* The link reading PID's files: the cached one, or a new one. NULL with
 * errno set (ENOENT or ESRCH: no such process). */
static struct sockiter_link *link_of(struct sockiter *it, pid_t pid)
{
	DECLARE_LIBBPF_OPTS(bpf_iter_attach_opts, o);
	union bpf_iter_link_info li;
	struct bpf_link *link;

	for (int i = 0; i < it->nlinks; i++)
		if (it->links[i].pid == pid)
			return &it->links[i];
	if (it->nlinks == it->alinks) {
		int na = it->alinks ? it->alinks * 2 : 8;
		struct sockiter_link *nv = realloc(it->links, (size_t)na * sizeof(*nv));
		if (!nv) {
			errno = ENOMEM;
			return NULL;
		}
		it->links = nv;
		it->alinks = na;
	}
	memset(&li, 0, sizeof(li));
	li.task.pid = (__u32)pid;
	o.link_info = &li;
	o.link_info_len = sizeof(li);
	link = bpf_program__attach_iter(it->skel->progs.cf_sockiter, &o);
	if (!link)
		return NULL;    /* errno: ENOENT or ESRCH when pid is gone */
	it->attaches++;
	it->links[it->nlinks].pid = pid;
	it->links[it->nlinks].link = link;
	it->links[it->nlinks].round = 0;
	return &it->links[it->nlinks++];
}

static void link_forget(struct sockiter *it, struct sockiter_link *l)
{
	link_drop(l);
	*l = it->links[--it->nlinks];
}

int sockiter_read(struct sockiter *it, pid_t pid, struct sockdiag_result *r,
		  struct sockiter_owners *owners, unsigned *malformed)
{
	struct sockiter_link *l = link_of(it, pid);
	size_t used = 0;
	int fd, err = 0;

	if (!l)
		return -1;
	l->round = it->round;
	fd = bpf_iter_create(bpf_link__fd(l->link));
	if (fd < 0) {
		err = errno;
		link_forget(it, l);
		errno = err;
		return -1;
	}
	for (;;) {
		ssize_t n;
		if (it->buflen - used < 4096) {
			size_t nl = it->buflen ? it->buflen * 2 : 65536;
			unsigned char *nb;
			if (nl > SOCKITER_MAX_BYTES) {
				err = EMSGSIZE;
				break;
			}
			nb = realloc(it->buf, nl);
			if (!nb) {
				err = ENOMEM;
				break;
			}
			it->buf = nb;
			it->buflen = nl;
		}
		n = read(fd, it->buf + used, it->buflen - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			break;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	if (err) {
		link_forget(it, l);
		errno = err;
		return -1;
	}
	it->reads++;
	if (sockiter_parse(it->buf, used, r, owners, malformed) < 0) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void sockiter_close(struct sockiter *it)
{
	for (int i = 0; i < it->nlinks; i++)
		link_drop(&it->links[i]);
	free(it->links);
	if (it->skel)
		sockiter_bpf__destroy(it->skel);
	free(it->buf);
	memset(it, 0, sizeof(*it));
}
