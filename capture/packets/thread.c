/* The packets source's capture thread (see packets.c for the whole, and
 * packets.h for what it shares with the main thread): it enters the
 * target's network namespace, opens the handle there, decodes each packet
 * into its flow's second and, while the size cap allows, keeps its bytes in
 * pcap records in buffers handed to the main thread by pointer. */
#include "packets.h"

#include "error.h"
#include "pktdecode.h"
#include "pktfilter.h"
#include "privs.h"

#include <errno.h>
#include <linux/capability.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int64_t packets_mono_ms(void)
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
	pk->last_pkt_sec = (int64_t)h->ts.tv_sec;
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
		b->opened_ms = packets_mono_ms();
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
	uint64_t req;
	int have = 0;

	pthread_mutex_lock(&pk->lock);
	req = pk->handoff_req;
	pthread_mutex_unlock(&pk->lock);
	if ((with_stats || req != pk->handoff_done) && pk->p && pcap_stats(pk->p, &st) == 0)
		have = 1;
	pthread_mutex_lock(&pk->lock);
	if (pk->cur && pk->cur->packets && (final || packets_mono_ms() - pk->cur->opened_ms >= PK_BUF_AGE_MS))
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
	if (pk->handoff_done != req) {
		pk->handoff_done = req;    /* the tick waiting in sync_thread may go on */
		pthread_cond_broadcast(&pk->cond);
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

int packets_start_timeout_ms(void)
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
/* The capture thread's start: its capabilities, the target's namespace,
 * its priority, the handle. Returns the handle, or NULL after saying why
 * (PK_FAILED). */
static pcap_t *capture_thread_start_handle(struct packets *pk)
{
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
		return NULL;
	}
	if (!pk->cap->opts->no_nice) {
		/* The capture runs at nice 10 (budget.c, budget_lower_priority)
		 * so the target wins every contest for CPU; but a ring reader that
		 * waits behind the target overflows the ring and loses packets
		 * (measured: 35% lost at 600k packets/s on 2 busy cores, none at
		 * nice 0). Its work is small and bounded per packet, so this one
		 * thread takes back the normal priority; everything else stays low. */
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
	return p;
}

/* How long the capture thread may sleep in poll: 20 ms while draining at a
 * stop; without a wake_fd, PK_TIMEOUT_MS as ever; else until the second of
 * the newest packet has ended and its last block has been retired (then it
 * is flushed), or PK_IDLE_MS. A tick, a stop, a new filter or namespace
 * wake it through wake_fd; the kernel through the pcap fd when a block is
 * retired (<= PK_TIMEOUT_MS after its first packet). Idle, that is one
 * wake-up a tick instead of ten a second. */
static int idle_timeout(const struct packets *pk, int64_t drain_until)
{
	struct timespec ts;
	int64_t now_ms, due_ms;

	if (drain_until)
		return 20;
	if (pk->wake_fd < 0)
		return PK_TIMEOUT_MS;
	if (pk->last_pkt_sec <= pk->last_flush_sec)
		return PK_IDLE_MS;
	clock_gettime(CLOCK_REALTIME, &ts);
	now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	due_ms = (pk->last_pkt_sec + 1) * 1000 + PK_TIMEOUT_MS + 10;
	if (due_ms <= now_ms)
		return 0;
	return due_ms - now_ms < PK_IDLE_MS ? (int)(due_ms - now_ms) : PK_IDLE_MS;
}

static void capture_thread_run(struct packets *pk)
{
	int64_t drain_until = 0;
	pcap_t *p = capture_thread_start_handle(pk);

	if (!p)
		return;

	for (;;) {
		int64_t now = packets_mono_ms();
		struct pollfd pfds[2] = { { pcap_get_selectable_fd(p), POLLIN, 0 }, { pk->wake_fd, POLLIN, 0 } };
		struct pollfd *pfd = &pfds[0];
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
		 * keep us from seeing a stop request or ending a second. The
		 * main thread wakes us through wake_fd for a tick, a stop, a
		 * filter or a namespace; by ourselves we wake only to end a
		 * second that has packets (see idle_timeout). */
		if (poll(pfds, pk->wake_fd >= 0 ? 2 : 1, idle_timeout(pk, drain_until)) < 0 && errno != EINTR)
			pfd->revents = POLLERR;
		if (pk->wake_fd >= 0 && (pfds[1].revents & POLLIN)) {
			uint64_t v;

			if (read(pk->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				pfd->revents = POLLERR;
		}
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
		if (n == 0 && (pfd->revents & (POLLERR | POLLHUP | POLLNVAL))) {
			struct timespec ts = { 0, PK_TIMEOUT_MS * 1000000L };

			nanosleep(&ts, NULL); /* an error poll keeps reporting: do not spin */
		}
		/* A second is emitted once the clock is a full second past it, so
		 * packets still in an unretired block (<= PK_TIMEOUT_MS) join it;
		 * before the handoff, so a tick gets the seconds ended by then. */
		if (wall_sec() - 1 > pk->last_flush_sec) {
			pk->last_flush_sec = wall_sec() - 1;
			pktflow_flush(&pk->flows, pk->last_flush_sec, &pk->local);
		}
		now = packets_mono_ms();
		handoff(pk, now - pk->last_stats_us >= PK_TIMEOUT_MS, 0);
		if (now - pk->last_stats_us >= PK_TIMEOUT_MS)
			pk->last_stats_us = now;
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
void *packets_thread(void *arg)
{
	struct packets *pk = arg;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	capture_thread_run(pk);
	thread_end(pk);
	return NULL;
}
