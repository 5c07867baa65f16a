/* The packets source: libpcap in the target's network namespace.
 *
 * A capture thread enters the target's netns (setns affects only the calling
 * thread), opens the handle there and reads it with pcap_dispatch. Each
 * packet is decoded, counted into its flow's current second (pktflow.c) and,
 * while the size cap allows, its captured bytes are kept as a pcap record.
 * Records go into fixed-size buffers from a bounded pool; a buffer that is
 * full (or half a second old) moves, by pointer, into the shared "ready"
 * batch with the new flows and finished seconds. At each tick the main thread
 * takes that batch, writes one packet_chunks row per buffer (only the main
 * thread touches SQLite) and returns the buffers to the pool. Nothing here
 * waits on the tick loop: when the pool is exhausted because the main thread
 * fell behind, records are counted as not stored, never waited for.
 *
 * A target that moves to another network namespace (unshare, setns) is
 * followed: the main thread sees tg->netns change (targets.c), opens the new
 * namespace and hands its fd over; the capture thread ships what the old
 * handle captured, enters the new namespace and opens a new handle there
 * (an event says so). When it cannot, the source stops with the reason
 * rather than go on capturing a namespace the target has left.
 */
#include "capture.h"
#include "privs.h"
#include "error.h"
#include "pktcodec.h"
#include "pktdecode.h"
#include "pktfilter.h"
#include "pktflow.h"
#include "redact.h"
#include "targets.h"

#include <errno.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Block-retire timeout of the TPACKET_V3 ring: a partly filled block reaches
 * us after at most this long, so it also bounds how stale a tick's data is. */
#define PK_TIMEOUT_MS 100
/* After a stop request, keep reading this long so the last partial block is
 * retired by the kernel and read, not lost (tcpdump loses it on SIGINT). */
#define PK_DRAIN_MS (2 * PK_TIMEOUT_MS + 50)
#define PK_BUF_SIZE (2u << 20)
/* How long packets_open waits for the handle to activate, then for the
 * cancelled thread to end. */
#define PK_START_MS 10000
#define PK_CANCEL_MS 2000
/* One tick of records must fit: ~75 MB/s at 600k packets/s of 106 bytes. */
#define PK_BUFS_MAX 64
/* A partly filled buffer moves to the main thread after this long. */
#define PK_BUF_AGE_MS 500
/* Thread events waiting for a tick; more in one tick are counted, not kept. */
#define PK_EVENTS 8

enum pk_state { PK_STARTING, PK_RUNNING, PK_FAILED, PK_DONE };

struct packets {
	struct capture *cap;
	pthread_t thread;
	int thread_started;
	int netns_fd;                    /* target's /proc/PID/ns/net, -1 = ours */
	char device[64];
	int snaplen, buffer_bytes;
	int payload;                     /* --pcap-payload: store whole captured frames */
	char *filter;                    /* BPF text in force, NULL = everything */
	int auto_filter;
	pid_t auto_pid;

	unsigned long long netns;        /* main thread: inode of the namespace captured, 0 unknown */

	pthread_mutex_t lock;            /* guards everything below up to "thread only" */
	pthread_cond_t cond;
	enum pk_state state;
	int start_err;                   /* pcap_activate() result when it failed */
	char errmsg[PCAP_ERRBUF_SIZE + 128];
	pcap_t *p;                       /* NULL while the interface is gone */
	struct pkt_batch ready;
	struct pkt_buf **pool;           /* empty buffers */
	size_t npool, nbufs_total;
	struct pcap_stat stats;
	int have_stats;
	uint64_t captured, not_stored, lost_buffer;
	char *new_filter;                /* set by main, applied by the thread */
	int switch_fd;                   /* set by main: a namespace to move to, -1 none */
	int stopped;                     /* the thread gave up: errmsg says why */
	int start_linktype;              /* link type of the first handle, for the open event */
	int abandoned;                   /* main gave up on a stuck activation: the thread
	                                  * frees everything when it ends */
	int ended;                       /* the thread is past its last use of pk */
	/* messages for the events table, written at the next tick */
	struct pk_event { char kind[32]; char msg[PCAP_ERRBUF_SIZE + 128]; } events[PK_EVENTS];
	int nevents, events_lost;

	atomic_int stop;
	atomic_int store;                /* packet storage still under the cap */

	/* thread only */
	pcap_t *activating;              /* created, not yet handed over: closed if cancelled */
	int linktype;                    /* LINKTYPE_* of the handle; each chunk keeps its own */
	struct pktflow flows;
	struct pkt_batch local;          /* new flows and finished seconds */
	struct pkt_buf *cur;             /* records go here */
	struct pktcodec_enc enc;         /* encoder of cur's chunk */
	uint32_t gen;                    /* chunk generation, for flow_last */
	uint64_t *flow_last;             /* per flow: gen << 32 | its last record's number */
	size_t flow_last_alloc;
	uint64_t t_captured, t_not_stored, t_lost_buffer;
	struct pcap_stat base;           /* counts of the handles closed before this one */
	int64_t last_stats_us, last_flush_sec;

	/* main thread only */
	char *sent_filter;               /* last filter text given to the thread */
	int64_t next_auto_ms;
	struct pkt_batch spare;
	int64_t *flow_ids;               /* bundle flows.id by flow_no */
	size_t nflow_ids, flow_ids_alloc;
	uint64_t stored_bytes, stored_packets, cap_dropped;
	uint64_t max_bytes;
	int cap_reached;
	uint64_t last_drops;
	int64_t last_drop_event_ms;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t wall_sec(void)
{
	return (int64_t)time(NULL);
}

static void set_event(struct packets *pk, const char *kind, const char *fmt, ...) CF_PRINTF(3, 4);
static void set_event(struct packets *pk, const char *kind, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&pk->lock);
	if (pk->nevents < PK_EVENTS) {
		struct pk_event *e = &pk->events[pk->nevents++];

		snprintf(e->kind, sizeof(e->kind), "%s", kind);
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	} else {
		pk->events_lost++;
	}
	pthread_mutex_unlock(&pk->lock);
}

/* A buffer from the pool, or a new one while under the bound. Under lock. */
static struct pkt_buf *take_buf(struct packets *pk)
{
	struct pkt_buf *b;

	if (pk->npool)
		return pk->pool[--pk->npool];
	if (pk->nbufs_total >= PK_BUFS_MAX)
		return NULL;
	b = pkt_buf_new(PK_BUF_SIZE);
	if (b)
		pk->nbufs_total++;
	return b;
}

/* Moves the current buffer to the ready batch. Under lock. */
static void ship_cur(struct packets *pk)
{
	if (!pk->cur || !pk->cur->packets)
		return;
	if (pkt_batch_add_buf(&pk->ready, pk->cur)) {
		pk->t_lost_buffer += pk->cur->packets;
		pkt_buf_reset(pk->cur);
		return;
	}
	pk->cur = NULL;
}

/* The record number of flow NO's last packet in the current chunk, or
 * UINT32_MAX; then remembers REC as its last. */
static uint32_t flow_ref(struct packets *pk, int32_t no)
{
	uint64_t v;

	if (no < 0)
		return UINT32_MAX;
	if ((size_t)no >= pk->flow_last_alloc) {
		size_t n = pk->flow_last_alloc ? pk->flow_last_alloc * 2 : 1024;
		uint64_t *q;

		while (n <= (size_t)no)
			n *= 2;
		q = realloc(pk->flow_last, n * sizeof(*q));
		if (!q)
			return UINT32_MAX;
		memset(q + pk->flow_last_alloc, 0, (n - pk->flow_last_alloc) * sizeof(*q));
		pk->flow_last = q;
		pk->flow_last_alloc = n;
	}
	v = pk->flow_last[no];
	return (uint32_t)(v >> 32) == pk->gen && v ? (uint32_t)v : UINT32_MAX;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct packets *pk = (struct packets *)user;
	int64_t ts_us = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
	size_t need;
	struct pkt_buf *b = pk->cur;
	struct pkt_info pi;
	uint32_t ref, rec, keep;
	int32_t no;

	pk->t_captured++;
	pkt_decode(bytes, h->caplen, h->len, pk->linktype, &pi);
	/* Headers only unless --pcap-payload: payload is what people type. */
	keep = pk->payload ? h->caplen : pkt_header_len(&pi);
	need = pktcodec_enc_bound(keep);
	no = pktflow_account(&pk->flows, &pi, ts_us, &pk->local);
	if (!atomic_load_explicit(&pk->store, memory_order_relaxed)) {
		pk->t_not_stored++;
		return;
	}
	if (!pkt_buf_takes(b, need, pk->linktype)) {
		/* current buffer full (or none, or of a closed handle's link
		 * type): ship it, take another */
		pthread_mutex_lock(&pk->lock);
		ship_cur(pk);
		if (!pk->cur)
			pk->cur = take_buf(pk);
		pthread_mutex_unlock(&pk->lock);
		b = pk->cur;
		if (!pkt_buf_takes(b, need, pk->linktype)) {
			pk->t_lost_buffer++;
			return;
		}
	}
	if (!b->packets) {
		/* a new chunk: references start over (record numbers are + 1 in
		 * flow_last so that 0 means none) */
		pktcodec_enc_reset(&pk->enc);
		pk->gen++;
		b->opened_ms = mono_ms();
		b->first_us = ts_us;
		b->linktype = pk->linktype;
	}
	ref = flow_ref(pk, no);
	b->len += pktcodec_encode(&pk->enc, b->data + b->len, ts_us, keep, h->len, bytes,
				  ref == UINT32_MAX ? ref : ref - 1, &rec);
	if (no >= 0 && (size_t)no < pk->flow_last_alloc)
		pk->flow_last[no] = (uint64_t)pk->gen << 32 | (rec + 1);
	b->last_us = ts_us;
	b->packets++;
}

/* Moves the thread's flows, counts, an aged (or, at the end, any) buffer and
 * counters to the shared side. */
static void handoff(struct packets *pk, int with_stats, int final)
{
	struct pcap_stat st;
	int have = 0;

	if (with_stats && pk->p && pcap_stats(pk->p, &st) == 0)
		have = 1;
	pthread_mutex_lock(&pk->lock);
	if (pk->cur && pk->cur->packets && (final || mono_ms() - pk->cur->opened_ms >= PK_BUF_AGE_MS))
		ship_cur(pk);
	pkt_batch_move(&pk->ready, &pk->local);
	pk->captured = pk->t_captured;
	pk->not_stored = pk->t_not_stored;
	pk->lost_buffer = pk->t_lost_buffer;
	if (have) {
		/* pcap_stats counts per handle; the bundle's counts are cumulative
		 * over the handles of a capture (reopened, or in a new netns) */
		st.ps_recv += pk->base.ps_recv;
		st.ps_drop += pk->base.ps_drop;
		st.ps_ifdrop += pk->base.ps_ifdrop;
		pk->stats = st;
		pk->have_stats = 1;
	}
	pthread_mutex_unlock(&pk->lock);
}

/* Before a handle closes: what it counted becomes the base of the next. */
static void keep_stats(struct packets *pk)
{
	pthread_mutex_lock(&pk->lock);
	if (pk->have_stats)
		pk->base = pk->stats;
	pthread_mutex_unlock(&pk->lock);
}

/* The thread gives up for good; the main thread stops the source. */
static void give_up(struct packets *pk, const char *fmt, ...) CF_PRINTF(2, 3);
static void give_up(struct packets *pk, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&pk->lock);
	va_start(ap, fmt);
	vsnprintf(pk->errmsg, sizeof(pk->errmsg), fmt, ap);
	va_end(ap);
	pk->stopped = 1;
	pthread_mutex_unlock(&pk->lock);
}

/* The namespace fd main asked us to move to, or -1. */
static int take_switch(struct packets *pk)
{
	int fd;

	pthread_mutex_lock(&pk->lock);
	fd = pk->switch_fd;
	pk->switch_fd = -1;
	pthread_mutex_unlock(&pk->lock);
	return fd;
}

/* Main thread: hands filter f (owned from here on) to the capture thread,
 * which adopts it at its next loop (take_new_filter), and remembers it as
 * the last one sent. */
static void offer_filter(struct packets *pk, char *f)
{
	free(pk->sent_filter);
	pk->sent_filter = strdup(f);
	pthread_mutex_lock(&pk->lock);
	free(pk->new_filter);
	pk->new_filter = f;
	pthread_mutex_unlock(&pk->lock);
}

/* Capture thread: adopts the filter main computed last, if any (pk->filter
 * then owns it). Returns 1 when there was a new one. */
static int take_new_filter(struct packets *pk)
{
	char *nf;

	pthread_mutex_lock(&pk->lock);
	nf = pk->new_filter;
	pk->new_filter = NULL;
	pthread_mutex_unlock(&pk->lock);
	if (!nf)
		return 0;
	free(pk->filter);
	pk->filter = nf;
	return 1;
}

/* Enters the namespace of fd (closed here), with the filter main computed
 * for it. Returns 0, or -1 after give_up(). */
static int enter_netns(struct packets *pk, int fd)
{
	int err;

	take_new_filter(pk);
	err = setns(fd, CLONE_NEWNET) ? errno : 0;
	close(fd);
	if (err) {
		give_up(pk, "cannot enter the target's new network namespace (setns: %s)", strerror(err));
		return -1;
	}
	return 0;
}

static int apply_filter(struct packets *pk, pcap_t *p, const char *text)
{
	struct bpf_program prog;

	if (!text)
		return 0;
	if (pcap_compile(p, &prog, text, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(pk->errmsg, sizeof(pk->errmsg), "bad packet filter '%s': %s", text, pcap_geterr(p));
		return -1;
	}
	if (pcap_setfilter(p, &prog) < 0) {
		snprintf(pk->errmsg, sizeof(pk->errmsg), "cannot set packet filter: %s", pcap_geterr(p));
		pcap_freecode(&prog);
		return -1;
	}
	pcap_freecode(&prog);
	return 0;
}

/* Tests make an activation slow (CASEFILE_TEST_PCAP_ACTIVATE_DELAY_MS) to
 * reach packets_open's timeout without a slow kernel. The sleep is a
 * cancellation point, as the system calls of a stuck pcap_activate are. */
static void test_activation_delay(void)
{
	const char *e = getenv("CASEFILE_TEST_PCAP_ACTIVATE_DELAY_MS");
	long ms = e ? strtol(e, NULL, 10) : 0;

	if (ms > 0 && ms <= 600000) {
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
}

static int start_timeout_ms(void)
{
	const char *e = getenv("CASEFILE_TEST_PCAP_START_TIMEOUT_MS");
	long ms = e ? strtol(e, NULL, 10) : 0;

	return ms > 0 && ms <= PK_START_MS ? (int)ms : PK_START_MS;
}

/* Creates and activates the handle in the current (target's) netns.
 * Returns the handle, or NULL with pk->errmsg and pk->start_err set. */
static pcap_t *open_handle(struct packets *pk)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p;
	int rc, dlt;

	p = pcap_create(pk->device, ebuf);
	if (!p) {
		pk->start_err = PCAP_ERROR;
		snprintf(pk->errmsg, sizeof(pk->errmsg), "pcap_create '%s': %s", pk->device, ebuf);
		return NULL;
	}
	pcap_set_snaplen(p, pk->snaplen);
	pcap_set_promisc(p, 0);
	pcap_set_timeout(p, PK_TIMEOUT_MS);
	pcap_set_buffer_size(p, pk->buffer_bytes);
	pk->activating = p;
	test_activation_delay();
	rc = pcap_activate(p);
	if (rc < 0) {
		pk->start_err = rc;
		snprintf(pk->errmsg, sizeof(pk->errmsg), "%s", pcap_geterr(p));
		if (!pk->errmsg[0])
			snprintf(pk->errmsg, sizeof(pk->errmsg), "%s", pcap_statustostr(rc));
		pk->activating = NULL;
		pcap_close(p);
		return NULL;
	}
	/* On "any", cooked v2 adds the interface index to every packet */
	if (pcap_datalink(p) == DLT_LINUX_SLL)
		pcap_set_datalink(p, DLT_LINUX_SLL2);
	dlt = pcap_datalink(p);
	pk->linktype = dlt == DLT_RAW ? PKT_LINK_RAW : dlt;
	pk->start_err = 0;
	if (pcap_setnonblock(p, 1, ebuf) < 0) {
		pk->start_err = PCAP_ERROR;
		snprintf(pk->errmsg, sizeof(pk->errmsg), "pcap_setnonblock: %s", ebuf);
		pk->activating = NULL;
		pcap_close(p);
		return NULL;
	}
	if (apply_filter(pk, p, pk->filter)) {
		pk->start_err = PCAP_ERROR;
		pk->activating = NULL;
		pcap_close(p);
		return NULL;
	}
	pk->activating = NULL;
	return p;
}

static void set_handle(struct packets *pk, pcap_t *p)
{
	pthread_mutex_lock(&pk->lock);
	pk->p = p;
	pthread_mutex_unlock(&pk->lock);
}

/* The interface went away: wait for it to come back, in steps short enough
 * to notice a stop request. Returns the new handle or NULL when stopping. */
static pcap_t *reopen(struct packets *pk)
{
	while (!atomic_load(&pk->stop)) {
		struct timespec ts = { 0, 200 * 1000000L };
		int fd = take_switch(pk);
		pcap_t *p;

		if (fd >= 0 && enter_netns(pk, fd))
			return NULL;
		nanosleep(&ts, NULL);
		p = open_handle(pk);
		if (p) {
			set_event(pk, "warning", "packet capture on '%s' resumed", pk->device);
			return p;
		}
	}
	return NULL;
}

/* Main asked us to follow the target into another namespace: the old
 * handle's packets go out first, then a new handle opens there. Returns it,
 * or NULL when the thread must end (stopping, or give_up() said why). */
static pcap_t *switch_netns(struct packets *pk, pcap_t *p, int fd)
{
	handoff(pk, 1, 1);
	keep_stats(pk);
	set_handle(pk, NULL);
	pcap_close(p);
	if (enter_netns(pk, fd))
		return NULL;
	p = open_handle(pk);
	if (p) {
		set_handle(pk, p);
		set_event(pk, "packet_filter", "capturing packets on '%s' (link type %d) in the target's "
			  "new network namespace with filter: %s", pk->device, pk->linktype,
			  pk->filter ? pk->filter : "(none)");
		return p;
	}
	if (pk->start_err == PCAP_ERROR_NO_SUCH_DEVICE) {
		set_event(pk, "warning", "no interface '%s' in the target's new network namespace (%s); "
			  "waiting for it", pk->device, pk->errmsg);
		return reopen(pk);
	}
	give_up(pk, "packet capture cannot start in the target's new network namespace: %s", pk->errmsg);
	return NULL;
}

/* The thread's work; returns when it stops. */
static void capture_thread_run(struct packets *pk)
{
	int64_t drain_until = 0;
	pcap_t *p;
	/* This thread decodes bytes from the network: it keeps only what
	 * opening and reopening its handle in a namespace takes (privs.h). */
	static const int keep[] = { CAP_NET_RAW, CAP_NET_ADMIN, CAP_SYS_ADMIN };

	privs_limit_thread(keep, 3);
	if (pk->netns_fd >= 0 && setns(pk->netns_fd, CLONE_NEWNET)) {
		pthread_mutex_lock(&pk->lock);
		snprintf(pk->errmsg, sizeof(pk->errmsg), "cannot enter the target's network namespace: %s",
			 strerror(errno));
		pk->start_err = errno == EPERM ? PCAP_ERROR_PERM_DENIED : PCAP_ERROR;
		pk->state = PK_FAILED;
		pthread_cond_broadcast(&pk->cond);
		pthread_mutex_unlock(&pk->lock);
		return;
	}
	if (!pk->cap->opts->no_nice) {
		/* The capture runs at nice 10 (main.c, lower_priority) so the
		 * target wins every contest for CPU; but a ring reader that waits
		 * behind the target overflows the ring and loses packets (measured:
		 * 35% lost at 600k packets/s on 2 busy cores, none at nice 0). Its
		 * work is small and bounded per packet, so this one thread takes
		 * back the normal priority; everything else stays low. */
		pid_t tid = (pid_t)syscall(SYS_gettid);
		int nice_now;

		errno = 0;
		nice_now = getpriority(PRIO_PROCESS, (id_t)tid);
		if (!errno && nice_now >= 10)
			setpriority(PRIO_PROCESS, (id_t)tid, nice_now - 10);
	}
	/* The only place the thread may be cancelled: an activation stuck
	 * past packets_open's wait. */
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
	p = open_handle(pk);
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	pthread_mutex_lock(&pk->lock);
	pk->p = p;
	pk->start_linktype = pk->linktype;
	pk->state = p ? PK_RUNNING : PK_FAILED;
	pthread_cond_broadcast(&pk->cond);
	pthread_mutex_unlock(&pk->lock);
	if (!p)
		return;

	for (;;) {
		int64_t now = mono_ms();
		struct pollfd pfd = { pcap_get_selectable_fd(p), POLLIN, 0 };
		int n, sfd;

		if (!atomic_load(&pk->stop) && (sfd = take_switch(pk)) >= 0) {
			p = switch_netns(pk, p, sfd);
			if (!p)
				break;
			continue;
		}
		if (atomic_load(&pk->stop)) {
			if (!drain_until)
				drain_until = now + PK_DRAIN_MS;
			else if (now >= drain_until)
				break;
		}
		/* Our own poll with a timeout, and a non-blocking dispatch: with
		 * TPACKET_V3 libpcap polls without timeout, so an idle link would
		 * keep us from seeing a stop request or ending a second. */
		if (poll(&pfd, 1, drain_until ? 20 : PK_TIMEOUT_MS) < 0 && errno != EINTR)
			pfd.revents = POLLERR;
		n = pcap_dispatch(p, -1, on_packet, (u_char *)pk);
		if (n == PCAP_ERROR_BREAK)
			continue;
		if (n == PCAP_ERROR) {
			set_event(pk, "warning", "packet capture on '%s' stopped: %s; waiting for it to return",
				  pk->device, pcap_geterr(p));
			handoff(pk, 1, 0);
			keep_stats(pk);
			set_handle(pk, NULL);
			pcap_close(p);
			p = reopen(pk);
			if (!p)
				break;
			set_handle(pk, p);
			continue;
		}
		if (n == 0 && (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))) {
			struct timespec ts = { 0, PK_TIMEOUT_MS * 1000000L };

			nanosleep(&ts, NULL); /* an error poll keeps reporting: do not spin */
		}
		now = mono_ms();
		handoff(pk, now - pk->last_stats_us >= PK_TIMEOUT_MS, 0);
		if (now - pk->last_stats_us >= PK_TIMEOUT_MS)
			pk->last_stats_us = now;
		/* A second is emitted once the clock is a full second past it, so
		 * packets still in an unretired block (<= PK_TIMEOUT_MS) join it. */
		if (wall_sec() - 1 > pk->last_flush_sec) {
			pk->last_flush_sec = wall_sec() - 1;
			pktflow_flush(&pk->flows, pk->last_flush_sec, &pk->local);
		}
		if (pk->auto_filter && take_new_filter(pk)) {
			if (apply_filter(pk, p, pk->filter))
				set_event(pk, "warning", "%s", pk->errmsg);
		}
	}
	pktflow_flush(&pk->flows, INT64_MAX, &pk->local);
	handoff(pk, 1, 1);
	set_handle(pk, NULL);
	if (p)
		pcap_close(p);
	pthread_mutex_lock(&pk->lock);
	pk->state = PK_DONE;
	pthread_mutex_unlock(&pk->lock);
}

static void packets_free(struct packets *pk);

/* The thread ends: when main gave up waiting for it, nobody else will free
 * its state. */
static void thread_end(struct packets *pk)
{
	int abandoned;

	pthread_mutex_lock(&pk->lock);
	abandoned = pk->abandoned;
	pk->ended = 1;
	pthread_mutex_unlock(&pk->lock);
	if (abandoned)
		packets_free(pk);
}

/* Cancellation is possible only around the first activation (see
 * packets_open); no cleanup handler runs then: packets_open, which joined
 * the cancelled thread, closes the half-made handle (pk->activating). */
static void *capture_thread(void *arg)
{
	struct packets *pk = arg;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	capture_thread_run(pk);
	thread_end(pk);
	return NULL;
}

/* The pid whose network namespace we capture in: the first live target. */
static pid_t first_target(const struct capture *cap)
{
	for (int i = 0; i < cap->targets.n; i++)
		if (!cap->targets.v[i].gone)
			return cap->targets.v[i].pid;
	return cap->opts->npids ? cap->opts->pids[0] : 0;
}

/* Opens the target's netns file when it differs from ours; -1 when it is ours
 * or unknown (then we capture where we are, and say so). *ino gets the inode
 * of the namespace the capture will be in (0 unknown). */
static int open_netns(struct capture *cap, pid_t pid, unsigned long long *ino)
{
	char path[256];
	struct stat a, b;
	int fd;

	*ino = 0;
	if (!pid)
		return -1;
	capture_path(cap, path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (stat(path, &a) || stat("/proc/self/ns/net", &b))
		return -1;
	*ino = (unsigned long long)a.st_ino;
	if (a.st_ino == b.st_ino && a.st_dev == b.st_dev)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &a) == 0)
		*ino = (unsigned long long)a.st_ino;
	return fd;
}

static void packets_free(struct packets *pk)
{
	if (!pk)
		return;
	if (pk->netns_fd >= 0)
		close(pk->netns_fd);
	if (pk->switch_fd >= 0)
		close(pk->switch_fd);
	pktflow_release(&pk->flows);
	pkt_batch_release(&pk->local);
	pkt_batch_release(&pk->ready);
	pkt_batch_release(&pk->spare);
	for (size_t i = 0; i < pk->npool; i++)
		pkt_buf_free(pk->pool[i]);
	free(pk->pool);
	pkt_buf_free(pk->cur);
	free(pk->flow_last);
	free(pk->flow_ids);
	free(pk->filter);
	free(pk->new_filter);
	free(pk->sent_filter);
	pthread_mutex_destroy(&pk->lock);
	pthread_cond_destroy(&pk->cond);
	free(pk);
}

/* An absolute CLOCK_REALTIME deadline ms from now (pthread waits take one). */
static void deadline_in(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static int packets_open(struct capture *cap, void **state)
{
	const struct capture_opts *o = cap->opts;
	struct packets *pk;
	struct timespec deadline;
	int rc = -1, timeout_ms;

	pk = calloc(1, sizeof(*pk));
	if (!pk)
		return error("out of memory");
	pk->cap = cap;
	pk->netns_fd = pk->switch_fd = -1;
	pthread_mutex_init(&pk->lock, NULL);
	pthread_cond_init(&pk->cond, NULL);
	atomic_init(&pk->stop, 0);
	atomic_init(&pk->store, 1);
	snprintf(pk->device, sizeof(pk->device), "%s", o->pcap_iface && *o->pcap_iface ? o->pcap_iface : "any");
	pk->snaplen = o->pcap_snaplen > 0 ? o->pcap_snaplen : 256;
	pk->payload = o->pcap_payload;
	pk->buffer_bytes = (o->pcap_buffer_mb > 0 ? o->pcap_buffer_mb : 32) << 20;
	pk->max_bytes = o->pcap_max_size ? o->pcap_max_size : o->max_size / 4;
	pkt_batch_init(&pk->local);
	pkt_batch_init(&pk->ready);
	pkt_batch_init(&pk->spare);
	pk->pool = calloc(PK_BUFS_MAX, sizeof(*pk->pool));
	if (!pk->pool) {
		error("out of memory");
		goto fail;
	}
	if (pktflow_init(&pk->flows, PKTFLOW_DEFAULT_MAX)) {
		error("out of memory");
		goto fail;
	}
	pk->auto_pid = first_target(cap);
	if (!o->pcap_filter || !strcmp(o->pcap_filter, "auto")) {
		/* Default: the target's own connections, as its sockets show them */
		pk->auto_filter = 1;
		pk->filter = pktfilter_auto(cap);
		pk->next_auto_ms = mono_ms() + PKTFILTER_REFRESH_MS;
	} else if (*o->pcap_filter) {
		pk->filter = strdup(o->pcap_filter);
	}
	pk->sent_filter = pk->filter ? strdup(pk->filter) : NULL;
	pk->netns_fd = open_netns(cap, pk->auto_pid, &pk->netns);

	{
		int err = capture_thread_start(&pk->thread, capture_thread, pk);

		if (err) {
			errno = err;
			error_errno("cannot start the packet capture thread");
			goto fail;
		}
	}
	pk->thread_started = 1;
	timeout_ms = start_timeout_ms();
	deadline_in(&deadline, timeout_ms);
	pthread_mutex_lock(&pk->lock);
	while (pk->state == PK_STARTING)
		if (pthread_cond_timedwait(&pk->cond, &pk->lock, &deadline) == ETIMEDOUT)
			break;
	if (pk->state == PK_STARTING) {
		pthread_mutex_unlock(&pk->lock);
		/* A stuck activation must neither block the capture nor run on
		 * with its state: cancel it (it is cancellable only there) and
		 * join it. */
		atomic_store(&pk->stop, 1);
		pthread_cancel(pk->thread);
		deadline_in(&deadline, PK_CANCEL_MS);
		if (pthread_timedjoin_np(pk->thread, NULL, &deadline) == 0) {
			/* the thread is gone: what it was activating is ours */
			if (pk->activating)
				pcap_close(pk->activating);
			packets_free(pk);
		} else {
			/* Stuck in the kernel, not at a cancellation point: the
			 * thread sees `abandoned` when it gets out (its cancel
			 * state is disabled again by then) and frees its state. */
			int ended;

			pthread_mutex_lock(&pk->lock);
			ended = pk->ended;
			pk->abandoned = !ended;
			pthread_mutex_unlock(&pk->lock);
			if (ended) {
				pthread_join(pk->thread, NULL);
				packets_free(pk);
			} else {
				pthread_detach(pk->thread);
			}
		}
		*state = NULL;
		return capture_source_skip(cap, "packet capture did not start within %d ms", timeout_ms);
	}
	if (pk->state == PK_FAILED) {
		int err = pk->start_err;

		pthread_mutex_unlock(&pk->lock);
		pthread_join(pk->thread, NULL);
		if (err == PCAP_ERROR_PERM_DENIED)
			rc = capture_source_skip(cap, "no permission to capture packets (needs CAP_NET_RAW): %s",
						 pk->errmsg);
		else if (err == PCAP_ERROR_NO_SUCH_DEVICE)
			rc = capture_source_skip(cap, "no interface '%s' in the target's network namespace: %s",
						 pk->device, pk->errmsg);
		else
			rc = error("packet capture on '%s' failed: %s", pk->device, pk->errmsg);
		packets_free(pk);
		return rc;
	}
	pthread_mutex_unlock(&pk->lock);
	{
		char b[160];

		snprintf(b, sizeof(b), "libpcap %s, snaplen %d, buffer %d MiB",
			 pk->device, pk->snaplen, pk->buffer_bytes >> 20);
		capture_source_backend(cap, b, NULL);
	}
	capture_event(cap, "packet_filter", "capturing packets on '%s' (link type %d) with filter: %s",
		      pk->device, pk->start_linktype, pk->filter ? pk->filter : "(none)");
	*state = pk;
	return 0;
fail:
	packets_free(pk);
	return -1;
}

static int64_t flow_id(struct packets *pk, int32_t no)
{
	return no >= 0 && (size_t)no < pk->nflow_ids ? pk->flow_ids[no] : -1;
}

static int write_flows(struct capture *cap, struct packets *pk, struct pkt_batch *b)
{
	sqlite3_stmt *st;

	for (size_t i = 0; i < b->nflows; i++) {
		const struct pkt_newflow *f = &b->flows[i];
		const uint8_t *aa = f->a_is_lo ? f->key.addr_lo : f->key.addr_hi;
		const uint8_t *ab = f->a_is_lo ? f->key.addr_hi : f->key.addr_lo;
		int pa = f->a_is_lo ? f->key.port_lo : f->key.port_hi;
		int pb = f->a_is_lo ? f->key.port_hi : f->key.port_lo;
		char sa[64], sb[64];

		st = writer_stmt(cap->w, "INSERT INTO flows (family, proto, addr_a, port_a, addr_b, port_b, "
				 "first_us, first_tick) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
		if (!st)
			return -1;
		sqlite3_bind_int(st, 1, f->key.family);
		sqlite3_bind_int(st, 2, f->key.proto);
		if (f->key.family == 4 || f->key.family == 6) {
			sqlite3_bind_text(st, 3, pkt_addr_str(f->key.family, aa, sa, sizeof(sa)), -1, SQLITE_TRANSIENT);
			sqlite3_bind_int(st, 4, pa);
			sqlite3_bind_text(st, 5, pkt_addr_str(f->key.family, ab, sb, sizeof(sb)), -1, SQLITE_TRANSIENT);
			sqlite3_bind_int(st, 6, pb);
		}
		sqlite3_bind_int64(st, 7, f->first_us);
		sqlite3_bind_int64(st, 8, cap->tick);
		if (writer_step(cap->w, st))
			return -1;
		if ((size_t)f->flow_no >= pk->flow_ids_alloc) {
			size_t n = pk->flow_ids_alloc ? pk->flow_ids_alloc * 2 : 1024;
			int64_t *q;

			while (n <= (size_t)f->flow_no)
				n *= 2;
			q = realloc(pk->flow_ids, n * sizeof(*q));
			if (!q)
				return error("out of memory");
			pk->flow_ids = q;
			pk->flow_ids_alloc = n;
		}
		while (pk->nflow_ids <= (size_t)f->flow_no)
			pk->flow_ids[pk->nflow_ids++] = -1;
		pk->flow_ids[f->flow_no] = writer_last_id(cap->w);
	}
	for (size_t i = 0; i < b->ncounts; i++) {
		const struct pkt_count *c = &b->counts[i];

		st = writer_stmt(cap->w, "INSERT INTO flow_seconds (tick, second_us, flow_id, packets_ab, "
				 "bytes_ab, packets_ba, bytes_ba, syn, synack, fin, rst, retrans) "
				 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
		if (!st)
			return -1;
		sqlite3_bind_int64(st, 1, cap->tick);
		sqlite3_bind_int64(st, 2, c->sec * 1000000);
		writer_bind_opt(st, 3, flow_id(pk, c->flow_no));
		sqlite3_bind_int64(st, 4, c->packets[0]);
		sqlite3_bind_int64(st, 5, (int64_t)c->bytes[0]);
		sqlite3_bind_int64(st, 6, c->packets[1]);
		sqlite3_bind_int64(st, 7, (int64_t)c->bytes[1]);
		sqlite3_bind_int64(st, 8, c->syn);
		sqlite3_bind_int64(st, 9, c->synack);
		sqlite3_bind_int64(st, 10, c->fin);
		sqlite3_bind_int64(st, 11, c->rst);
		sqlite3_bind_int64(st, 12, c->retrans);
		if (writer_step(cap->w, st))
			return -1;
	}
	return 0;
}

/* Writes one buffer of records as a chunk, cut at a record boundary when the
 * size cap is reached. */
static int write_chunk_data(struct capture *cap, struct packets *pk, const struct pkt_buf *b,
			    const uint8_t *data, size_t len);

static int write_chunk(struct capture *cap, struct packets *pk, const struct pkt_buf *b)
{
	size_t len = b->len;
	const uint8_t *data = b->data;
	uint8_t *red = NULL;
	int rc;

	if (!b->packets)
		return 0;
	/* --redact: addresses rewritten before the bytes reach the bundle. */
	if (cap->opts->redact) {
		if (capture_redact_packets(cap, pk->linktype, b->data, b->len, &red, &len) < 0)
			return -1;
		data = red;
	}
	rc = write_chunk_data(cap, pk, b, data, len);
	free(red);
	return rc;
}

static int write_chunk_data(struct capture *cap, struct packets *pk, const struct pkt_buf *b,
			    const uint8_t *data, size_t len)
{
	uint32_t packets = 0;
	sqlite3_stmt *st;

	if (pk->cap_reached) {
		pk->cap_dropped += b->packets;
		return 0;
	}
	if (pk->stored_bytes + len > pk->max_bytes) {
		size_t room = pk->max_bytes > pk->stored_bytes ? pk->max_bytes - pk->stored_bytes : 0;
		long n;

		len = pktcodec_cut(data, len, room, &n);
		packets = (uint32_t)n;
		pk->cap_dropped += b->packets - packets;
		pk->cap_reached = 1;
		atomic_store(&pk->store, 0);
		capture_event(cap, "size_cap", "packet storage reached its cap of %llu bytes "
			      "(--pcap-max-size); packets are no longer stored, flow counts go on",
			      (unsigned long long)pk->max_bytes);
	} else {
		packets = b->packets;
	}
	if (!packets)
		return 0;
	st = writer_stmt(cap->w, "INSERT INTO packet_chunks (tick, linktype, snaplen, packets, first_us, "
			 "last_us, encoding, records) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, cap->tick);
	sqlite3_bind_int(st, 2, b->linktype);
	sqlite3_bind_int(st, 3, pk->snaplen);
	sqlite3_bind_int64(st, 4, packets);
	sqlite3_bind_int64(st, 5, b->first_us);
	/* the last stored record's time is not known after a cut: the buffer's bounds it */
	sqlite3_bind_int64(st, 6, b->last_us);
	sqlite3_bind_int(st, 7, PKTCODEC_DELTA);
	/* A zeroblob row filled in place: binding the blob would make SQLite
	 * build (malloc and copy) a whole record before paging it. */
	sqlite3_bind_zeroblob64(st, 8, len);
	if (writer_step(cap->w, st))
		return -1;
	{
		sqlite3 *db = sqlite3_db_handle(st);
		sqlite3_blob *blob;
		int rc = sqlite3_blob_open(db, "main", "packet_chunks", "records", writer_last_id(cap->w), 1, &blob);

		if (rc == SQLITE_OK)
			rc = sqlite3_blob_write(blob, data, (int)len, 0);
		if (rc != SQLITE_OK) {
			error("cannot write packets: %s", sqlite3_errmsg(db));
			sqlite3_blob_close(blob);
			return -1;
		}
		if (sqlite3_blob_close(blob) != SQLITE_OK)
			return error("cannot write packets: %s", sqlite3_errmsg(db));
	}
	/* A chunk can be large: check the cap now, not 128 rows later. */
	if (writer_check_size(cap->w))
		return -1;
	pk->stored_bytes += len;
	pk->stored_packets += packets;
	return 0;
}

/* Drains what the thread handed over into the open transaction. */
static int drain(struct capture *cap, struct packets *pk)
{
	struct pcap_stat stats;
	uint64_t captured, not_stored, lost_buffer;
	struct pk_event *events = NULL;
	int nevents, events_lost, have_stats;
	sqlite3_stmt *st;
	int rc = 0;

	pthread_mutex_lock(&pk->lock);
	pkt_batch_move(&pk->spare, &pk->ready);
	stats = pk->stats;
	have_stats = pk->have_stats;
	captured = pk->captured;
	not_stored = pk->not_stored;
	lost_buffer = pk->lost_buffer;
	nevents = pk->nevents;
	events_lost = pk->events_lost;
	if (nevents && (events = malloc((size_t)nevents * sizeof(*events))))
		memcpy(events, pk->events, (size_t)nevents * sizeof(*events));
	pk->nevents = pk->events_lost = 0;
	pthread_mutex_unlock(&pk->lock);

	for (int i = 0; events && i < nevents; i++)
		capture_event(cap, events[i].kind, "%s", events[i].msg);
	free(events);
	if (events_lost)
		capture_event(cap, "warning", "%d more packet capture events in this tick were not kept",
			      events_lost);
	if (write_flows(cap, pk, &pk->spare))
		rc = -1;
	for (size_t i = 0; i < pk->spare.nbufs && !rc; i++)
		if (write_chunk(cap, pk, pk->spare.bufs[i]))
			rc = -1;
	pthread_mutex_lock(&pk->lock);
	for (size_t i = 0; i < pk->spare.nbufs; i++) {
		pkt_buf_reset(pk->spare.bufs[i]);
		pk->pool[pk->npool++] = pk->spare.bufs[i];
	}
	pthread_mutex_unlock(&pk->lock);
	pkt_batch_clear(&pk->spare);

	st = writer_stmt(cap->w, "INSERT INTO pcap_stats (tick, received, dropped_kernel, dropped_iface, "
			 "captured, stored, not_stored_cap, not_stored_buffer) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, cap->tick);
	writer_bind_opt(st, 2, have_stats ? (int64_t)stats.ps_recv : -1);
	writer_bind_opt(st, 3, have_stats ? (int64_t)stats.ps_drop : -1);
	writer_bind_opt(st, 4, have_stats ? (int64_t)stats.ps_ifdrop : -1);
	sqlite3_bind_int64(st, 5, (int64_t)captured);
	sqlite3_bind_int64(st, 6, (int64_t)pk->stored_packets);
	sqlite3_bind_int64(st, 7, (int64_t)(not_stored + pk->cap_dropped));
	sqlite3_bind_int64(st, 8, (int64_t)lost_buffer);
	if (writer_step(cap->w, st))
		rc = -1;
	/* An event when drops start, then at most one every 10 s while they
	 * go on: pcap_stats has every tick's count, the events say when. */
	if (have_stats && stats.ps_drop + stats.ps_ifdrop > pk->last_drops &&
	    (!pk->last_drop_event_ms || mono_ms() - pk->last_drop_event_ms >= 10000)) {
		capture_event(cap, "drops", "the kernel dropped %llu packets so far (%llu received); "
			      "see pcap_stats", (unsigned long long)(stats.ps_drop + stats.ps_ifdrop),
			      (unsigned long long)stats.ps_recv);
		pk->last_drops = stats.ps_drop + stats.ps_ifdrop;
		pk->last_drop_event_ms = mono_ms();
	}
	return rc;
}

/* The target we capture for (the first live one) is in another namespace
 * than the capture thread: hand the thread the new one. Returns 0, or
 * SOURCE_STOPPED when the new namespace cannot be opened. */
static int follow_netns(struct capture *cap, struct packets *pk)
{
	const struct target *tg = NULL;
	char path[256];
	struct stat sb;
	int fd;

	for (int i = 0; i < cap->targets.n && !tg; i++)
		if (!cap->targets.v[i].gone)
			tg = &cap->targets.v[i];
	if (!tg || !tg->netns || !pk->netns || tg->netns == pk->netns)
		return 0;
	capture_path(cap, path, sizeof(path), "/proc/%d/ns/net", (int)tg->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb)) {
		capture_source_skip(cap, "pid %d moved to network namespace %llu, which cannot be opened "
				    "(%s): not capturing the namespace it left", (int)tg->pid, tg->netns,
				    strerror(errno));
		if (fd >= 0)
			close(fd);
		return SOURCE_STOPPED;
	}
	if ((unsigned long long)sb.st_ino == pk->netns) {
		close(fd);    /* it went back */
		return 0;
	}
	if (pk->auto_filter) {
		/* /proc/PID/net now shows the new namespace: its sockets make
		 * the filter the new handle starts with; check again soon, as a
		 * target that just moved is likely still opening sockets. */
		char *f = pktfilter_auto(cap);

		if (f)
			offer_filter(pk, f);
		pk->next_auto_ms = mono_ms() + 1000;
	}
	pthread_mutex_lock(&pk->lock);
	if (pk->switch_fd >= 0)
		close(pk->switch_fd);
	pk->switch_fd = fd;
	pthread_mutex_unlock(&pk->lock);
	capture_event(cap, "netns_changed", "packet capture follows pid %d from network namespace %llu "
		      "to %llu", (int)tg->pid, pk->netns, (unsigned long long)sb.st_ino);
	pk->netns = (unsigned long long)sb.st_ino;
	return 0;
}

static int packets_sample(struct capture *cap, void *state, int64_t tick)
{
	struct packets *pk = state;
	int rc, stopped;

	(void)tick;
	if (!pk)
		return 0;
	rc = follow_netns(cap, pk);
	if (rc)
		return rc;
	if (pk->auto_filter && mono_ms() >= pk->next_auto_ms) {
		char *f = pktfilter_auto(cap);

		pk->next_auto_ms = mono_ms() + PKTFILTER_REFRESH_MS;
		if (f && (!pk->sent_filter || strcmp(f, pk->sent_filter))) {
			offer_filter(pk, f);
			capture_event(cap, "packet_filter", "packet filter follows the target's connections: %s", f);
		} else {
			free(f);
		}
	}
	rc = drain(cap, pk);
	pthread_mutex_lock(&pk->lock);
	stopped = pk->stopped && pk->state == PK_DONE;
	pthread_mutex_unlock(&pk->lock);
	if (!rc && stopped)
		return capture_source_skip(cap, "%s", pk->errmsg), SOURCE_STOPPED;
	return rc;
}

static void packets_close(struct capture *cap, void *state)
{
	struct packets *pk = state;

	if (!pk)
		return;
	atomic_store(&pk->stop, 1);
	pthread_mutex_lock(&pk->lock);
	if (pk->p)
		pcap_breakloop(pk->p);
	pthread_mutex_unlock(&pk->lock);
	if (pk->thread_started)
		pthread_join(pk->thread, NULL);
	drain(cap, pk);
	if (pk->cap_dropped || pk->not_stored)
		info("packets: %llu stored, %llu not stored after the size cap",
		     (unsigned long long)pk->stored_packets,
		     (unsigned long long)(pk->cap_dropped + pk->not_stored));
	packets_free(pk);
}

const struct source packets_source = {
	.name = "packets",
	.summary = "packet headers and per-second flow counts (libpcap, target's netns)",
	.default_on = 1,
	.open = packets_open,
	.sample = packets_sample,
	.close = packets_close,
};
