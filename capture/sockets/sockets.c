/* The sockets source: every TCP and UDP socket the targets hold, with state,
 * queues and tcp_info, as a timeline; unix sockets and the rest of the
 * namespace counted by state.
 *
 * Per tick, with the iter backend (the default): one read per target of a
 * BPF task_file iterator (sockiter.h; its link kept from tick to tick) gives
 * the target's TCP/UDP sockets and every socket fd's (pid, fd, netns), from
 * which the owner map (sockmap) is built; each namespace's rows are the
 * sockets in it. With the netlink backend (--sockets-backend=netlink, or
 * where the iterator cannot be loaded, or --all-sockets): map socket inodes
 * to (pid, fd) from the targets' own fd directories, dump each network
 * namespace holding a target (NETLINK_SOCK_DIAG, or
 * /proc/PID/net/{tcp,udp}{,6} when netlink is not available), keep the
 * targets' sockets (all of them with --all-sockets).
 * The namespace's per-state totals need a full dump (every TIME_WAIT and
 * unix socket): every --socket-totals-every ticks (under iter without
 * tcp_info, only counted); the ticks between write the kernel's sockstat
 * counters (and, under netlink, dump only what a target can hold).
 *
 * Storage is change-driven: a socket is one `sockets` row; `socket_samples`
 * gets a row only when something about it changed, plus a keyframe every
 * --socket-keyframe, so an idle socket costs a row a minute, not a row a
 * second. The socket_ticks view carries rows forward for readers.
 *
 * Namespaces: a netlink socket answers for the namespace it was created in,
 * so for a target in another namespace the tick thread enters it (setns),
 * creates the socket and comes straight back; later dumps need no setns.
 * A target that moves to another namespace (tg->netns, followed by
 * targets.c) gets its new one dumped from that tick on; the old one stays
 * dumped while a target still holds sockets in it (fds opened before the
 * move keep their namespace), and is closed once none does.
 *
 * For tests, like ss -D and TCPDIAG_FILE: $CASEFILE_SOCKDIAG_DUMP=FILE records
 * the first tick's raw sock_diag replies, $CASEFILE_SOCKDIAG_FILE=FILE makes
 * every tick parse that recording instead of asking the kernel.
 *
 * This file is the source; netns.c holds the connections to namespaces and
 * their dumps, sockets.h what the two share.
 */
#include "sockets.h"

#include "error.h"
#include "fdowners.h"
#include "hash.h"
#include "proc/procfs.h"
#include "procnet.h"
#include "targets.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct sockets_opts {
	int totals_every;
	const char *backend;
};

static const char *const sockets_backends[] = { "netlink", "iter", NULL };

extern const struct source sockets_source;

static const char *const proto_names[NPROTO] = { "tcp", "udp", "unix-stream", "unix-dgram", "unix-seqpacket" };

void sockets_event(struct capture *cap, struct sockets_source *s, enum ev_kind kind,
		       const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (s->events[kind] > EVENT_LIMIT)
		return;
	if (s->events[kind]++ == EVENT_LIMIT) {
		capture_event(cap, "warning", "more events like the last one are not reported");
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	capture_event(cap, "warning", "%s", msg);
}

static uint64_t key_hash(const struct skey *k)
{
	return hash_bytes(k, sizeof(*k), HASH_SEED);
}

static int hash_rebuild(struct sockets_source *s, size_t want)
{
	size_t cap = 1024;

	while (cap < want * 2)
		cap *= 2;
	if (cap != s->hcap) {
		int32_t *nh = malloc(cap * sizeof(*nh));
		if (!nh)
			return -1;
		free(s->hash);
		s->hash = nh;
		s->hcap = cap;
	}
	memset(s->hash, 0xff, s->hcap * sizeof(*s->hash));
	for (size_t i = 0; i < s->n; i++) {
		size_t j = key_hash(&s->v[i].k) & (s->hcap - 1);
		while (s->hash[j] >= 0)
			j = (j + 1) & (s->hcap - 1);
		s->hash[j] = (int32_t)i;
	}
	return 0;
}

static struct sent *find_sock(struct sockets_source *s, const struct skey *k, size_t *slot)
{
	size_t j = key_hash(k) & (s->hcap - 1);

	while (s->hash[j] >= 0) {
		struct sent *e = &s->v[s->hash[j]];
		if (!memcmp(&e->k, k, sizeof(*k)))
			return e;
		j = (j + 1) & (s->hcap - 1);
	}
	*slot = j;
	return NULL;
}

static void vals_of(const struct sockdiag_sock *d, struct svals *v)
{
	v->state = d->state;
	v->rq = d->rqueue;
	v->wq = d->wqueue;
	v->rtt = d->ti.rtt_us;
	v->rttvar = d->ti.rttvar_us;
	v->cwnd = d->ti.snd_cwnd;
	v->unacked = d->ti.unacked;
	v->lost = d->ti.lost;
	v->retransmits = d->ti.retransmits;
	v->total_retrans = d->ti.total_retrans;
	v->bytes_sent = d->ti.bytes_sent;
	v->bytes_received = d->ti.bytes_received;
	v->bytes_acked = d->ti.bytes_acked;
}

static int64_t abs64(int64_t x) { return x < 0 ? -x : x; }

/* Whether b differs from a enough to be worth a row. RTT wobbles with every
 * ACK: only a move of over 25% and 1 ms counts. */
static int vals_changed(const struct svals *a, const struct svals *b)
{
	if (a->state != b->state || a->rq != b->rq || a->wq != b->wq ||
	    a->cwnd != b->cwnd || a->unacked != b->unacked || a->lost != b->lost ||
	    a->retransmits != b->retransmits || a->total_retrans != b->total_retrans ||
	    a->bytes_sent != b->bytes_sent || a->bytes_received != b->bytes_received ||
	    a->bytes_acked != b->bytes_acked)
		return 1;
	if ((a->rtt < 0) != (b->rtt < 0))
		return 1;
	if (a->rtt >= 0 && abs64(a->rtt - b->rtt) > 1000 && abs64(a->rtt - b->rtt) * 4 > a->rtt)
		return 1;
	return 0;
}

static int write_sample(struct capture *cap, const struct sent *e, const struct svals *v, int keyframe)
{
	static const char sql[] =
		"INSERT INTO socket_samples (tick, socket_id, keyframe, state, recv_q, send_q, rtt_us,"
		" rttvar_us, cwnd, unacked, lost, retransmits, total_retrans, bytes_sent, bytes_received,"
		" bytes_acked) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st = writer_stmt(cap->w, sql);

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, cap->tick);
	sqlite3_bind_int64(st, 2, e->id);
	sqlite3_bind_int(st, 3, keyframe);
	sqlite3_bind_text(st, 4, sockdiag_state_name(v->state, e->k.proto), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, v->rq);
	sqlite3_bind_int64(st, 6, v->wq);
	writer_bind_opt(st, 7, v->rtt);
	writer_bind_opt(st, 8, v->rttvar);
	writer_bind_opt(st, 9, v->cwnd);
	writer_bind_opt(st, 10, v->unacked);
	writer_bind_opt(st, 11, v->lost);
	writer_bind_opt(st, 12, v->retransmits);
	writer_bind_opt(st, 13, v->total_retrans);
	writer_bind_opt(st, 14, v->bytes_sent);
	writer_bind_opt(st, 15, v->bytes_received);
	writer_bind_opt(st, 16, v->bytes_acked);
	return writer_step(cap->w, st);
}

static int insert_socket(struct capture *cap, struct sent *e, const struct sockdiag_sock *d,
			 const struct sockmap_entry *own, const struct nsconn *nc)
{
	static const char sql[] =
		"INSERT INTO sockets (proto, family, local_addr, local_port, remote_addr, remote_port,"
		" direction, inode, netns, uid, process_id, pid, fd, first_tick)"
		" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)";
	sqlite3_stmt *st = writer_stmt(cap->w, sql);
	char la[64], ra[64];
	const char *dir = NULL;

	if (!st)
		return -1;
	if (d->proto == IPPROTO_TCP) {
		if (d->state == SD_LISTEN)
			dir = "listen";
		else if (nc->listen_ports[d->sport / 8] & (1u << (d->sport % 8)))
			dir = "in";
		else
			dir = "out";
	}
	sqlite3_bind_text(st, 1, d->proto == IPPROTO_TCP ? "tcp" : "udp", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, d->family == AF_INET6 ? 6 : 4);
	sqlite3_bind_text(st, 3, sockdiag_addr_str(d->family, d->src, la, sizeof(la)), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 4, d->sport);
	sqlite3_bind_text(st, 5, sockdiag_addr_str(d->family, d->dst, ra, sizeof(ra)), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 6, d->dport);
	if (dir)
		sqlite3_bind_text(st, 7, dir, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, d->inode);
	if (nc->netns)
		sqlite3_bind_int64(st, 9, (sqlite3_int64)nc->netns);
	sqlite3_bind_int64(st, 10, d->uid);
	if (own) {
		const struct target *tg = &cap->targets.v[own->owner];
		if (tg->process_id > 0)
			sqlite3_bind_int64(st, 11, tg->process_id);
		sqlite3_bind_int(st, 12, own->pid);
		sqlite3_bind_int(st, 13, own->fd);
	}
	sqlite3_bind_int64(st, 14, cap->tick);
	if (writer_step(cap->w, st))
		return -1;
	e->id = writer_last_id(cap->w);
	return 0;
}

static int totals_index(int proto, int unix_type)
{
	if (proto == IPPROTO_TCP)
		return 0;
	if (proto == IPPROTO_UDP)
		return 1;
	switch (unix_type) {
	case SOCK_STREAM: return 2;
	case SOCK_DGRAM: return 3;
	case SOCK_SEQPACKET: return 4;
	}
	return -1;
}

static int write_totals(struct capture *cap, struct sockets_source *s, const struct nsconn *nc)
{
	static const char sql[] =
		"INSERT INTO socket_totals (tick, netns, proto, state, sockets, owned, recv_q_bytes,"
		" send_q_bytes) VALUES (?,?,?,?,?,?,?,?)";

	for (int p = 0; p < NPROTO; p++) {
		for (int stn = 0; stn < SD_STATE_MAX; stn++) {
			const struct total *t = &s->totals[p][stn];
			sqlite3_stmt *st;
			const char *name;

			if (!t->sockets)
				continue;
			st = writer_stmt(cap->w, sql);
			if (!st)
				return -1;
			name = p >= 2 && stn == SD_CLOSE ? "UNCONN"
				: sockdiag_state_name(stn, p == 1 ? IPPROTO_UDP : IPPROTO_TCP);
			sqlite3_bind_int64(st, 1, cap->tick);
			if (nc->netns)
				sqlite3_bind_int64(st, 2, (sqlite3_int64)nc->netns);
			sqlite3_bind_text(st, 3, proto_names[p], -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 4, name, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 5, t->sockets);
			sqlite3_bind_int64(st, 6, t->owned);
			sqlite3_bind_int64(st, 7, t->rq);
			sqlite3_bind_int64(st, 8, t->wq);
			if (writer_step(cap->w, st))
				return -1;
		}
	}
	return 0;
}

static int write_total_row(struct capture *cap, const struct nsconn *nc, const char *proto,
			   const char *state, int64_t sockets, int64_t owned)
{
	static const char sql[] =
		"INSERT INTO socket_totals (tick, netns, proto, state, sockets, owned, recv_q_bytes,"
		" send_q_bytes) VALUES (?,?,?,?,?,?,0,0)";
	sqlite3_stmt *st = writer_stmt(cap->w, sql);

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, cap->tick);
	if (nc->netns)
		sqlite3_bind_int64(st, 2, (sqlite3_int64)nc->netns);
	sqlite3_bind_text(st, 3, proto, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, state, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, sockets);
	sqlite3_bind_int64(st, 6, owned);
	return writer_step(cap->w, st);
}

/* Reads the namespace's sockstat and sockstat6 into *st. Returns 0, or 1
 * when they cannot be read for this namespace (not there, or its target
 * has moved to another namespace since). */
static int read_sockstat(struct capture *cap, struct sockets_source *s, const struct nsconn *nc,
			 struct sockstat *st)
{
	static const char *const names[] = { "sockstat", "sockstat6" };
	/* Our own namespace through our own thread's /proc entry: no pid to
	 * outlive. Another one through a target's, checked afterwards. */
	int own = !cap->opts->root && (nc->netns == s->own_netns || !nc->netns);
	int any = 0;

	sockstat_init(st);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[512], buf[1024];
		ssize_t n;
		int fd;

		if (own)
			snprintf(path, sizeof(path), "/proc/thread-self/net/%s", names[i]);
		else
			capture_path(cap, path, sizeof(path), "/proc/%d/net/%s", (int)nc->pid, names[i]);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;    /* no IPv6, or the process is gone */
		do
			n = read(fd, buf, sizeof(buf));
		while (n < 0 && errno == EINTR);
		close(fd);
		if (n > 0 && sockstat_parse(buf, (size_t)n, st) > 0)
			any = 1;
	}
	if (!any || (!own && nc->netns && targets_netns(cap, nc->pid) != nc->netns))
		return 1;
	return 0;
}

/* The rows every tick has: the kernel's own counters of the namespace
 * (sockstat), exact at this tick, beside what the targets hold of them. */
static int write_sockstat(struct capture *cap, struct sockets_source *s, const struct nsconn *nc)
{
	struct sockstat st;
	int64_t owned_tcp = 0, owned_udp = 0;

	if (s->replay || read_sockstat(cap, s, nc, &st))
		return 0;
	for (int stn = 0; stn < SD_STATE_MAX; stn++) {
		if (stn != SD_TIME_WAIT && stn != SD_NEW_SYN_RECV)
			owned_tcp += s->totals[0][stn].owned;
		owned_udp += s->totals[1][stn].owned;
	}
	if (st.tcp_inuse >= 0 &&
	    write_total_row(cap, nc, "tcp", "sockstat-inuse",
			    st.tcp_inuse + (st.tcp6_inuse > 0 ? st.tcp6_inuse : 0), owned_tcp))
		return -1;
	if (st.tcp_tw >= 0 && write_total_row(cap, nc, "tcp", "sockstat-tw", st.tcp_tw, 0))
		return -1;
	if (st.udp_inuse >= 0 &&
	    write_total_row(cap, nc, "udp", "sockstat-inuse",
			    st.udp_inuse + (st.udp6_inuse > 0 ? st.udp6_inuse : 0), owned_udp))
		return -1;
	return 0;
}

/* Adds the sockets of r (inet and unix) to the per-state totals. */
static void count_totals(struct sockets_source *s, const struct sockdiag_result *r, struct nsconn *nc)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct sockdiag_sock *d = &r->v[i];
		struct total *t = &s->totals[totals_index(d->proto, 0)][d->state];

		t->sockets++;
		t->rq += d->rqueue;
		t->wq += d->wqueue;
		if (sockmap_find(&s->map, d->inode))
			t->owned++;
	}
	for (size_t i = 0; i < r->nu; i++) {
		const struct sockdiag_unix *u = &r->u[i];
		int p = totals_index(0, u->type);
		if (p < 0 || u->state <= 0 || u->state >= SD_STATE_MAX)
			continue;
		struct total *t = &s->totals[p][u->state];
		t->sockets++;
		if (u->rqueue > 0)
			t->rq += u->rqueue;
		if (u->wqueue > 0 && u->state != SD_LISTEN)
			t->wq += u->wqueue;
		if (sockmap_find(&s->map, u->inode)) {
			t->owned++;
			nc->owned++;
		}
	}
}

/* Folds one namespace's dump (s->res) into the entity table and the
 * totals; the per-state totals are written only after a full dump. With
 * tot (the iter backend's full ticks), s->res holds only the targets'
 * sockets and the totals come from tot, a dump of the whole namespace. */
static int process_ns(struct capture *cap, struct sockets_source *s, struct nsconn *nc, int full,
		      const struct sockdiag_result *tot)
{
	const struct sockdiag_result *r = &s->res;
	int all = cap->opts->all_sockets;

	memset(s->totals, 0, sizeof(s->totals));
	memset(nc->listen_ports, 0, 65536 / 8);
	nc->owned = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].proto == IPPROTO_TCP && r->v[i].state == SD_LISTEN)
			nc->listen_ports[r->v[i].sport / 8] |= (uint8_t)(1u << (r->v[i].sport % 8));
	if (s->hcap < (s->n + r->n) * 2 && hash_rebuild(s, s->n + r->n) < 0)
		return error("out of memory");

	for (size_t i = 0; i < r->n; i++) {
		const struct sockdiag_sock *d = &r->v[i];
		const struct sockmap_entry *own = sockmap_find(&s->map, d->inode);
		struct total *t = &s->totals[totals_index(d->proto, 0)][d->state];
		struct skey k;
		struct svals v;
		struct sent *e;
		size_t slot = 0;

		if (!tot) {
			t->sockets++;
			t->rq += d->rqueue;
			t->wq += d->wqueue;
		}
		if (own) {
			if (!tot)
				t->owned++;
			nc->owned++;
		} else if (d->inode && sockmap_add(&s->foreign_next, d->inode, 0, 0, 0) < 0)
			return error("out of memory");
		if (!own && !all)
			continue;
		memset(&k, 0, sizeof(k));
		k.netns = nc->netns;
		k.inode = d->inode;
		k.sport = d->sport;
		k.dport = d->dport;
		k.proto = d->proto;
		k.family = d->family;
		memcpy(k.src, d->src, 16);
		memcpy(k.dst, d->dst, 16);
		vals_of(d, &v);
		e = find_sock(s, &k, &slot);
		if (e && e->seen_tick == cap->tick)
			continue;    /* listed twice in one dump (v4-mapped listener) */
		if (!e) {
			if (s->n == s->alloc) {
				size_t na = s->alloc ? s->alloc * 2 : 1024;
				struct sent *nv = realloc(s->v, na * sizeof(*nv));
				if (!nv)
					return error("out of memory");
				s->v = nv;
				s->alloc = na;
			}
			e = &s->v[s->n];
			memset(e, 0, sizeof(*e));
			e->k = k;
			if (insert_socket(cap, e, d, own, nc))
				return -1;
			s->hash[slot] = (int32_t)s->n++;
			e->seen_tick = cap->tick;
			e->last = v;
			e->last_row_mono = cap->tick_mono_us;
			if (write_sample(cap, e, &v, 1))
				return -1;
			continue;
		}
		e->seen_tick = cap->tick;
		int key = cap->tick_mono_us - e->last_row_mono >= cap->opts->socket_keyframe_us;
		if (key || vals_changed(&e->last, &v)) {
			if (write_sample(cap, e, &v, key))
				return -1;
			e->last = v;
			e->last_row_mono = cap->tick_mono_us;
		}
	}
	if (tot) {
		count_totals(s, tot, nc);
	} else {
		struct sockdiag_result unix_only = *r;
		unix_only.n = 0;    /* the inet ones were counted above */
		count_totals(s, &unix_only, nc);
	}
	if (full) {
		if (write_totals(cap, s, nc))
			return -1;
		nc->totals_tick = cap->tick;
	}
	return write_sockstat(cap, s, nc);
}

/* Sockets not seen this tick closed: their rows get close_tick. */
static int sweep_closed(struct capture *cap, struct sockets_source *s)
{
	static const char sql[] = "UPDATE sockets SET close_tick = ?, last_tick = ? WHERE id = ?";
	size_t k = 0;
	int removed = 0;

	for (size_t i = 0; i < s->n; i++) {
		struct sent *e = &s->v[i];
		if (e->seen_tick == cap->tick) {
			if (k != i)
				s->v[k] = *e;
			k++;
			continue;
		}
		sqlite3_stmt *st = writer_stmt(cap->w, sql);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, cap->tick);
		sqlite3_bind_int64(st, 2, e->seen_tick);
		sqlite3_bind_int64(st, 3, e->id);
		if (writer_step(cap->w, st))
			return -1;
		removed = 1;
	}
	s->n = k;
	if (removed && hash_rebuild(s, s->n) < 0)
		return error("out of memory");
	return 0;
}

/* Rebuilds the inode -> owner map from the alive targets' fd directories. */
static int scan_owners(struct capture *cap, struct sockets_source *s, const struct sockmap *alive)
{
	int i;

	if (s->nfdc < cap->targets.n) {
		struct sockmap_fdcache *n = realloc(s->fdc, (size_t)cap->targets.n * sizeof(*n));
		if (!n)
			return error("out of memory");
		memset(n + s->nfdc, 0, (size_t)(cap->targets.n - s->nfdc) * sizeof(*n));
		s->fdc = n;
		s->nfdc = cap->targets.n;
	}

	s->last_scan_mono = cap->tick_mono_us;
	s->scan_targets_n = cap->targets.n;
	s->scan_nalive = cap->targets.nalive;
	s->scan_tick = cap->tick;
	if (alive)
		s->rescans++;
	else
		s->full_scans++;
	sockmap_reset(&s->map);
	for (i = 0; i < cap->targets.n; i++) {
		const struct target *tg = &cap->targets.v[i];
		char path[512];

		if (tg->gone) {
			/* Its fd cache (8 bytes per fd number) would otherwise stay
			 * for every child that ever lived: a forking target grew it
			 * without bound. */
			sockmap_fdcache_release(&s->fdc[i]);
			continue;
		}
		capture_path(cap, path, sizeof(path), "/proc/%d/fd", (int)tg->pid);
		int rc = sockmap_add_dir_cached(&s->map, path, tg->pid, i, &s->fdc[i], alive);
		s->links_read += (int64_t)s->fdc[i].links_read;
		if (rc >= 0)
			continue;
		if (errno == ENOENT || errno == ESRCH)
			sockets_event(cap, s, EV_VANISHED, "target pid %d vanished while its sockets were mapped "
				   "(tick %lld): its sockets have no owner this tick", (int)tg->pid,
				   (long long)cap->tick);
		else if (errno == ENOMEM)
			return error("out of memory");
		else
			sockets_event(cap, s, EV_FD_DENIED, "cannot read '%s' (%s): sockets of pid %d have no owner",
				   path, strerror(errno), (int)tg->pid);
	}

	return 0;
}

/* Whether the dump holds a socket whose owner the map cannot tell: an inode
 * neither mapped nor seen unowned last tick. */
static int needs_scan(const struct sockets_source *s)
{
	for (size_t i = 0; i < s->res.n; i++) {
		uint32_t ino = s->res.v[i].inode;
		if (ino && !sockmap_find(&s->map, ino) && !sockmap_find(&s->foreign, ino))
			return 1;
	}
	return 0;
}

/* A rescan after new sockets appeared: fds whose cached socket is still in
 * this dump keep their owner without a readlink. */
static int rescan_owners(struct capture *cap, struct sockets_source *s)
{
	sockmap_reset(&s->alive);
	for (size_t i = 0; i < s->res.n; i++)
		if (sockmap_add(&s->alive, s->res.v[i].inode, 0, 0, 0) < 0)
			return error("out of memory");
	return scan_owners(cap, s, &s->alive);
}

/* Without the iter backend, owners come from the targets' fd tables:
 * through the fd iterator (fdowners.c), else a readlink per fd; which one,
 * and why not the iterator, said once. Loaded here, before privileges are
 * dropped. */
static void owners_by_fds(struct capture *cap)
{
	if (fdowners_open() < 0)
		snprintf(cap->skip_reason, sizeof(cap->skip_reason), "socket owners by a readlink per fd: %s",
			 fdowners_why());
	writer_manifest_setf(cap->w, "sockets.owners", "%s", fdowners_why() ? "readlink" : "bpf-iterator");
}

static int sockets_open(struct capture *cap, void **state)
{
	struct sockets_source *s = calloc(1, sizeof(*s));
	struct sockdiag probe;

	if (!s)
		return error("out of memory");
	*state = s;
	s->totals_every = ((const struct sockets_opts *)capture_source_opts(cap->opts, &sockets_source))->totals_every;
	if (s->totals_every < 1)
		s->totals_every = 1;
	writer_manifest_setf(cap->w, "sockets.totals_every", "%d", s->totals_every);
	s->own_netns = targets_netns(cap, getpid());
	{
		struct stat sb;
		if (stat("/proc/thread-self/ns/net", &sb) == 0)
			s->own_netns = (unsigned long long)sb.st_ino;
	}
	if (hash_rebuild(s, 0) < 0)
		return error("out of memory");
	s->replay = getenv("CASEFILE_SOCKDIAG_FILE");
	s->record = getenv("CASEFILE_SOCKDIAG_DUMP");
	if (s->replay && s->replay[0]) {
		capture_source_backend(cap, "netlink-replay", NULL);
		return 0;    /* recorded rows: no view for other sources */
	}
	s->replay = NULL;
	s->view.res = &s->res;
	s->view.owners = &s->map;
	cap->sockets_view = &s->view;
	if (cap->opts->root && cap->opts->root[0]) {
		s->prefer_procfs = 1;
		capture_source_backend(cap, "procfs", "--root is set: reading the fixture tree's /proc/PID/net");
		return 0;
	}
	if (sockdiag_open(&probe) < 0) {
		char why[256];
		snprintf(why, sizeof(why), "NETLINK_SOCK_DIAG unavailable (%s): /proc/PID/net fallback, "
			 "no tcp_info", strerror(errno));
		s->prefer_procfs = 1;
		owners_by_fds(cap);
		capture_source_backend(cap, "procfs", why);
		return 0;
	}
	sockdiag_close(&probe);
	if (!strcmp(((const struct sockets_opts *)capture_source_opts(cap->opts, &sockets_source))->backend, "iter")) {
		char why[384], msg[512];
		/* Both need every socket of the namespace at every tick, or its
		 * raw netlink replies: netlink does that. */
		if (cap->opts->all_sockets)
			snprintf(why, sizeof(why), "--all-sockets keeps every socket of the namespace");
		else if (s->record && s->record[0])
			snprintf(why, sizeof(why), "$CASEFILE_SOCKDIAG_DUMP records netlink replies");
		else if (sockiter_open(&s->iter, why, sizeof(why)) == 0) {
			s->use_iter = 1;
			/* the iterator's records carry their pid and fd */
			writer_manifest_setf(cap->w, "sockets.owners", "%s", "iter-records");
			capture_source_backend(cap, "iter", NULL);
			return 0;
		}
		snprintf(msg, sizeof(msg), "--sockets-backend=iter: %s: netlink dumps instead", why);
		owners_by_fds(cap);
		capture_source_backend(cap, "netlink", msg);
		return 0;
	}
	owners_by_fds(cap);
	capture_source_backend(cap, "netlink", NULL);
	return 0;
}

/* The iter backend's read of a tick: every live target's socket fds
 * through the BPF iterator into s->ires (TCP/UDP rows of every namespace)
 * and s->iown (every socket fd's holder), and the owner map rebuilt from
 * them: no fd link is read. Returns 0, or 1 when the iterator failed (it is
 * then given up for netlink and fd links; said once). */
static int iter_tick(struct capture *cap, struct sockets_source *s)
{
	unsigned bad = 0;

	sockdiag_result_reset(&s->ires);
	s->iown.n = 0;
	sockmap_reset(&s->map);
	sockiter_begin(&s->iter);
	for (int i = 0; i < cap->targets.n; i++) {
		const struct target *tg = &cap->targets.v[i];
		size_t from = s->iown.n;

		if (tg->gone)
			continue;
		if (sockiter_read(&s->iter, tg->pid, &s->ires, &s->iown, &bad) < 0) {
			if (errno == ESRCH || errno == ENOENT)
				continue;    /* it exited since the tick began */
			if (errno == ENOMEM)
				return error("out of memory");
			sockets_event(cap, s, EV_DUMP, "BPF socket iterator failed for pid %d (%s): "
				      "netlink dumps and fd links from now on", (int)tg->pid, strerror(errno));
			s->use_iter = 0;
			sockiter_close(&s->iter);
			sockmap_reset(&s->map);
			return 1;
		}
		for (size_t k = from; k < s->iown.n; k++) {
			const struct sockiter_owner *o = &s->iown.v[k];
			if (o->inode && sockmap_add(&s->map, o->inode, o->pid, o->fd, i) < 0)
				return error("out of memory");
		}
	}
	sockiter_end(&s->iter);
	if (bad)
		sockets_event(cap, s, EV_MALFORMED, "%u malformed socket iterator record(s) skipped", bad);
	s->iter_ticks++;
	s->iter_records += (int64_t)s->ires.n;
	return 0;
}

/* The rows of this tick's iterator read whose socket is in NC's namespace,
 * into s->res. A socket a target holds but that belongs to another
 * namespace (made before the target moved, or passed to it) is left to that
 * namespace's dump, if it is followed. */
static int iter_rows(struct sockets_source *s, const struct nsconn *nc)
{
	sockdiag_result_reset(&s->res);
	for (size_t k = 0; k < s->iown.n; k++) {
		const struct sockiter_owner *o = &s->iown.v[k];
		struct sockdiag_sock *d;

		if (o->row < 0 || (nc->netns && o->netns && o->netns != nc->netns))
			continue;
		d = sockdiag_result_push(&s->res);
		if (!d)
			return error("out of memory");
		*d = s->ires.v[o->row];
	}
	return 0;
}

/* Dumps one namespace and folds it in. With_target: a live target is in it,
 * so an unreadable dump keeps its sockets open rather than record them all
 * as closed; without one, an unreadable dump lets the namespace go. Returns
 * 0 or -1 (fatal). */
static int sample_ns(struct capture *cap, struct sockets_source *s, struct nsconn *nc, int with_target)
{
	/* The per-state totals need every socket of the namespace, which is
	 * what makes a dump cost: the kernel walks its whole hash tables and
	 * fills a reply for every TIME_WAIT entry. Every --socket-totals-every
	 * ticks (and a namespace's first) a full dump; between them a light
	 * one, of what a target can hold, and sockstat's counts. */
	int full = !nc->totals_tick || cap->tick - nc->totals_tick >= s->totals_every;
	const struct sockdiag_result *tot = NULL;
	int rc;

	nc->used_tick = cap->tick;
	s->view.tick = 0;    /* s->res is about to change: no view until it is whole again */
	if (s->use_iter && with_target) {
		/* The rows from the iterator, at every tick; on full ticks a
		 * dump of the whole namespace without tcp_info, only counted. */
		if (full) {
			/* into s->tres, whose memory is sized for the whole
			 * namespace, leaving s->res's for the rows */
			struct sockdiag_result t = s->res;
			s->res = s->tres;
			s->tres = t;
			rc = sockets_ns_dump_totals(cap, s, nc);
			t = s->res;
			s->res = s->tres;
			s->tres = t;
			if (rc < 0)
				return -1;
			if (rc == 0)
				tot = &s->tres;
			else
				full = 0;    /* no totals this tick: the next one tries again */
		}
		if (iter_rows(s, nc) < 0)
			return -1;
		rc = 0;
	} else {
		rc = sockets_ns_dump(cap, s, nc, full);
	}
	if (rc < 0)
		return -1;
	if (rc > 0) {
		if (!with_target) {
			nc->owned = 0;
			nc->used_tick = 0;
			return 0;
		}
		for (size_t k = 0; k < s->n; k++)
			if (s->v[k].k.netns == nc->netns)
				s->v[k].seen_tick = cap->tick;
		return 0;
	}
	if (!s->use_iter && s->scan_tick != cap->tick && needs_scan(s) && rescan_owners(cap, s))
		return -1;
	if (full)
		s->full_dumps++;
	else if (!tot && !(s->use_iter && with_target))
		s->light_dumps++;
	if (process_ns(cap, s, nc, full, tot))
		return -1;
	/* s->res and s->map stay as they are until this source's next
	 * sample: another source may read them (sockview.h). */
	s->view.netns = nc->netns;
	s->view.tick = cap->tick;
	return 0;
}

static int sockets_sample(struct capture *cap, void *state, int64_t tick)
{
	struct sockets_source *s = state;
	int i, kept;

	(void)tick;
	/* The iter backend: the targets' sockets and their owners in one read
	 * of their fds, for every namespace below. */
	if (s->use_iter) {
		int rc = iter_tick(cap, s);
		if (rc < 0)
			return -1;
	}
	/* Reading every fd link costs ~4 us an fd (a third of a snapshot at
	 * 60k sockets), and owners only change when sockets appear: scan when
	 * the dump shows an inode neither owned nor foreign last tick, when
	 * the targets change, and at every keyframe (a socket moved between
	 * fds or processes is then seen). */
	if (!s->use_iter &&
	    (!s->last_scan_mono || cap->targets.n != s->scan_targets_n ||
	     cap->targets.nalive != s->scan_nalive ||
	     cap->tick_mono_us - s->last_scan_mono >= cap->opts->socket_keyframe_us)) {
		if (scan_owners(cap, s, NULL))
			return -1;
	}

	for (i = 0; i < cap->targets.n; i++) {
		const struct target *tg = &cap->targets.v[i];
		unsigned long long netns;
		struct nsconn *nc;
		int j, fatal = 0;

		if (tg->gone)
			continue;
		netns = tg->netns ? tg->netns : targets_netns(cap, tg->pid);
		for (j = 0; j < i; j++)
			if (!cap->targets.v[j].gone && cap->targets.v[j].netns == netns && netns)
				break;
		if (j < i)
			continue;    /* this namespace was dumped for an earlier target */
		nc = sockets_ns_get(cap, s, netns, tg->pid, &fatal);
		if (!nc && fatal == 2)
			continue;
		if (!nc)
			return fatal ? -1 : error("out of memory");
		if (sample_ns(cap, s, nc, 1))
			return -1;
	}
	/* Namespaces no live target is in (it moved away) but whose sockets a
	 * target still holds: those sockets are open, so keep dumping them.
	 * Only netlink can: /proc/PID/net shows where PID is now. */
	for (i = 0, kept = 0; i < s->nns; i++) {
		struct nsconn *nc = &s->ns[i];

		if (nc->used_tick == cap->tick || !nc->owned || !nc->netlink || !nc->netns || s->replay)
			continue;
		if (kept++ >= NS_KEEP_MAX) {
			sockets_event(cap, s, EV_NSKEEP, "sockets in more than %d network namespaces no target "
				   "lives in: those of namespace %llu are no longer followed",
				   NS_KEEP_MAX, nc->netns);
			continue;
		}
		if (sample_ns(cap, s, nc, 0))
			return -1;
	}
	/* The rest: no target in it and none of its sockets held. Their
	 * sockets are swept as closed below. */
	for (i = 0; i < s->nns; ) {
		if (s->ns[i].used_tick == cap->tick) {
			i++;
			continue;
		}
		info("sockets: network namespace %llu no longer followed: no target is in it or holds "
		     "a socket there", s->ns[i].netns);
		sockets_ns_release(&s->ns[i]);
		memmove(&s->ns[i], &s->ns[i + 1], (size_t)(s->nns - i - 1) * sizeof(*s->ns));
		s->nns--;
	}
	{
		struct sockmap t = s->foreign;
		s->foreign = s->foreign_next;
		s->foreign_next = t;
		sockmap_reset(&s->foreign_next);
	}
	return sweep_closed(cap, s);
}

static void sockets_close(struct capture *cap, void *state)
{
	static const char sql[] = "UPDATE sockets SET last_tick = ? WHERE id = ?";
	struct sockets_source *s = state;

	if (!s)
		return;
	if (cap->sockets_view == &s->view)
		cap->sockets_view = NULL;
	writer_manifest_setf(cap->w, "sockets.owner_scans",
			     "%lld full, %lld after new sockets appeared, %lld fd links read",
			     (long long)s->full_scans, (long long)s->rescans, (long long)s->links_read);
	writer_manifest_setf(cap->w, "sockets.dumps",
			     "%lld full (per-state totals), %lld light (the targets' sockets; sockstat counts), "
			     "%lld ticks through the BPF iterator",
			     (long long)s->full_dumps, (long long)s->light_dumps, (long long)s->iter_ticks);
	if (s->iter_ticks)
		writer_manifest_setf(cap->w, "sockets.iter",
				     "%lld reads, %lld links attached, %lld TCP/UDP records",
				     (long long)s->iter.reads, (long long)s->iter.attaches,
				     (long long)s->iter_records);
	/* Sockets still open at the end: record how long they were seen. */
	for (size_t i = 0; i < s->n; i++) {
		sqlite3_stmt *st = writer_stmt(cap->w, sql);
		if (!st)
			break;
		sqlite3_bind_int64(st, 1, s->v[i].seen_tick);
		sqlite3_bind_int64(st, 2, s->v[i].id);
		if (writer_step(cap->w, st))
			break;
	}
	for (int i = 0; i < s->nns; i++)
		sockets_ns_release(&s->ns[i]);
	free(s->ns);
	sockmap_release(&s->map);
	sockmap_release(&s->foreign);
	sockmap_release(&s->foreign_next);
	sockmap_release(&s->alive);
	for (int i = 0; i < s->nfdc; i++)
		sockmap_fdcache_release(&s->fdc[i]);
	free(s->fdc);
	sockiter_close(&s->iter);
	sockiter_owners_release(&s->iown);
	sockdiag_result_release(&s->ires);
	sockdiag_result_release(&s->tres);
	sockdiag_result_release(&s->res);
	free(s->v);
	free(s->hash);
	free(s->filebuf);
	free(s);
}

static const struct capture_option sockets_options[] = {
	{ .name = "all-sockets", .help = "sockets: keep every socket of the namespace, not only the target's",
	  .kind = CAPTURE_OPT_FLAG, .offset = offsetof(struct capture_opts, all_sockets) },
	{ .name = "socket-keyframe", .arg = "DUR",
	  .help = "sockets: full rows of every socket at least this often (default 60s)",
	  .kind = CAPTURE_OPT_DURATION, .offset = offsetof(struct capture_opts, socket_keyframe_us),
	  .def = "60s", .want = "a duration" },
	{ .name = "socket-totals-every", .arg = "N",
	  .help = "sockets: per-state totals of the namespace every N ticks (default 10);\n"
		  "its sockstat counts at every tick",
	  .kind = CAPTURE_OPT_INT, .own = 1, .offset = offsetof(struct sockets_opts, totals_every),
	  .def = "10", .min = 1, .max = 86400, .want = "a number of ticks from 1 to 86400" },
	{ .name = "sockets-backend", .arg = "B",
	  .help = "sockets: iter (default: a BPF task_file iterator reads the targets'\n"
		  "sockets and owners through their fds at every tick; falls back to\n"
		  "netlink) or netlink (sock_diag dumps of the namespace, fd links)",
	  .kind = CAPTURE_OPT_CHOICE, .own = 1, .choices = sockets_backends,
	  .offset = offsetof(struct sockets_opts, backend), .def = "iter", .want = "netlink or iter" },
	{ .name = NULL },
};

const struct source sockets_source = {
	.name = "sockets",
	.summary = "TCP/UDP sockets of the targets: state, queues, tcp_info, owner pid/fd (BPF iterator; sock_diag)",
	.default_on = 1,
	.open = sockets_open,
	.sample = sockets_sample,
	.close = sockets_close,
	.options = sockets_options,
	.opts_size = sizeof(struct sockets_opts),
};
