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
 *
 * This file is the main thread's half; thread.c is the capture thread's, and
 * packets.h what the two share (struct packets and who may touch what).
 */
#include "packets.h"

#include "error.h"
#include "pktdecode.h"
#include "pktfilter.h"
#include "redact.h"
#include "targets.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Main thread: hands filter f (owned from here on) to the capture thread,
 * which adopts it at its next loop (take_new_filter), and remembers it as
 * the last one sent. */
void packets_offer_filter(struct packets *pk, char *f)
{
	free(pk->sent_filter);
	pk->sent_filter = strdup(f);
	pthread_mutex_lock(&pk->lock);
	free(pk->new_filter);
	pk->new_filter = f;
	pthread_mutex_unlock(&pk->lock);
	packets_wake(pk);
}

void packets_wake(struct packets *pk)
{
	uint64_t one = 1;

	if (pk->wake_fd >= 0 && write(pk->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		warning("packets: cannot wake the capture thread: %s", strerror(errno));
}

static void deadline_in(struct timespec *ts, int ms);

/* Main thread, at a tick: asks the capture thread for what it holds (the
 * packets of retired blocks, finished seconds, libpcap's counts) and waits
 * for it, at most PK_TIMEOUT_MS, so the tick's rows are as of the tick. The
 * thread sleeps between ticks instead of waking every PK_TIMEOUT_MS. */
static void sync_thread(struct packets *pk)
{
	struct timespec deadline;
	uint64_t want;

	if (pk->wake_fd < 0)
		return;
	pthread_mutex_lock(&pk->lock);
	if (pk->state != PK_RUNNING || !pk->p) {
		pthread_mutex_unlock(&pk->lock);
		return;
	}
	want = ++pk->handoff_req;
	pthread_mutex_unlock(&pk->lock);
	packets_wake(pk);
	deadline_in(&deadline, PK_TIMEOUT_MS);
	pthread_mutex_lock(&pk->lock);
	while (pk->handoff_done < want && pk->state == PK_RUNNING && pk->p &&
	       pthread_cond_timedwait(&pk->cond, &pk->lock, &deadline) == 0)
		;
	pthread_mutex_unlock(&pk->lock);
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

void packets_free(struct packets *pk)
{
	if (!pk)
		return;
	if (pk->netns_fd >= 0)
		close(pk->netns_fd);
	if (pk->switch_fd >= 0)
		close(pk->switch_fd);
	if (pk->wake_fd >= 0)
		close(pk->wake_fd);
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
	pktfilter_cache_release(&pk->auto_cache);
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

/* The capture thread did not start in time: a stuck activation must
 * neither block the capture nor run on with its state. */
static void abandon_start(struct packets *pk)
{
	struct timespec deadline;

	/* Cancel it (it is cancellable only there) and join it. */
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
	pk->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
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
		pk->filter = pktfilter_auto(cap, &pk->auto_cache);
		pk->next_auto_ms = packets_mono_ms() + PKTFILTER_REFRESH_MS;
	} else if (*o->pcap_filter) {
		pk->filter = strdup(o->pcap_filter);
	}
	pk->sent_filter = pk->filter ? strdup(pk->filter) : NULL;
	pk->netns_fd = open_netns(cap, pk->auto_pid, &pk->netns);

	{
		int err = capture_thread_start(&pk->thread, packets_thread, pk);

		if (err) {
			errno = err;
			error_errno("cannot start the packet capture thread");
			goto fail;
		}
	}
	pk->thread_started = 1;
	timeout_ms = packets_start_timeout_ms();
	deadline_in(&deadline, timeout_ms);
	pthread_mutex_lock(&pk->lock);
	while (pk->state == PK_STARTING)
		if (pthread_cond_timedwait(&pk->cond, &pk->lock, &deadline) == ETIMEDOUT)
			break;
	if (pk->state == PK_STARTING) {
		pthread_mutex_unlock(&pk->lock);
		abandon_start(pk);
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
	    (!pk->last_drop_event_ms || packets_mono_ms() - pk->last_drop_event_ms >= 10000)) {
		capture_event(cap, "drops", "the kernel dropped %llu packets so far (%llu received); "
			      "see pcap_stats", (unsigned long long)(stats.ps_drop + stats.ps_ifdrop),
			      (unsigned long long)stats.ps_recv);
		pk->last_drops = stats.ps_drop + stats.ps_ifdrop;
		pk->last_drop_event_ms = packets_mono_ms();
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
		char *f = pktfilter_auto(cap, &pk->auto_cache);

		if (f)
			packets_offer_filter(pk, f);
		pk->next_auto_ms = packets_mono_ms() + 1000;
	}
	pthread_mutex_lock(&pk->lock);
	if (pk->switch_fd >= 0)
		close(pk->switch_fd);
	pk->switch_fd = fd;
	pthread_mutex_unlock(&pk->lock);
	packets_wake(pk);
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
	if (pk->auto_filter && packets_mono_ms() >= pk->next_auto_ms) {
		char *f = pktfilter_auto(cap, &pk->auto_cache);

		pk->next_auto_ms = packets_mono_ms() + PKTFILTER_REFRESH_MS;
		if (f && (!pk->sent_filter || strcmp(f, pk->sent_filter))) {
			packets_offer_filter(pk, f);
			capture_event(cap, "packet_filter", "packet filter follows the target's connections: %s", f);
		} else {
			free(f);
		}
	}
	sync_thread(pk);
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
	packets_wake(pk);
	if (pk->thread_started)
		pthread_join(pk->thread, NULL);
	drain(cap, pk);
	if (pk->auto_filter)
		writer_manifest_setf(cap->w, "packets.auto_filter_refreshes",
				     "%lld read every fd link of the targets, %lld only those of new fds, %lld none "
				     "(no new socket); %lld fd links read; %lld from the sockets source's dump",
				     (long long)pk->auto_cache.full_reads, (long long)pk->auto_cache.part_reads,
				     (long long)pk->auto_cache.reuses, (long long)pk->auto_cache.links_read,
				     (long long)pk->auto_cache.from_sockets);
	if (pk->cap_dropped || pk->not_stored)
		info("packets: %llu stored, %llu not stored after the size cap",
		     (unsigned long long)pk->stored_packets,
		     (unsigned long long)(pk->cap_dropped + pk->not_stored));
	packets_free(pk);
}

static const struct capture_option packets_options[] = {
	{ .name = "pcap-iface", .arg = "IF", .help = "packets: interface (default: all)",
	  .kind = CAPTURE_OPT_STRING, .offset = offsetof(struct capture_opts, pcap_iface) },
	{ .name = "pcap-filter", .arg = "EXPR",
	  .help = "packets: BPF filter, or 'auto' (default): the target's own connections",
	  .kind = CAPTURE_OPT_STRING, .offset = offsetof(struct capture_opts, pcap_filter) },
	{ .name = "pcap-snaplen", .arg = "N",
	  .help = "packets: bytes read per packet (default 256); only headers are kept",
	  .kind = CAPTURE_OPT_INT, .offset = offsetof(struct capture_opts, pcap_snaplen), .def = "256",
	  .min = 16, .max = 262144, .want = "a number from 16 to 262144" },
	{ .name = "pcap-payload", .help = "packets: keep payload too, up to --pcap-snaplen (not with --redact)",
	  .kind = CAPTURE_OPT_FLAG, .offset = offsetof(struct capture_opts, pcap_payload) },
	{ .name = "pcap-max-size", .arg = "SIZE",
	  .help = "packets: cap on stored packets (default a quarter of --max-size)",
	  .kind = CAPTURE_OPT_SIZE, .offset = offsetof(struct capture_opts, pcap_max_size),
	  .want = "a size (e.g. 25M)" },
	{ .name = "pcap-buffer", .arg = "MIB", .help = "packets: kernel ring buffer in MiB (default 32)",
	  .kind = CAPTURE_OPT_INT, .offset = offsetof(struct capture_opts, pcap_buffer_mb), .def = "32",
	  .min = 1, .max = 1024, .want = "MiB from 1 to 1024" },
	{ .name = NULL },
};

static int packets_check_opts(struct capture_opts *o)
{
	/* Payload bytes cannot be redacted: a redacted bundle keeps headers only. */
	if (o->pcap_payload && o->redact)
		return error("--pcap-payload cannot be combined with --redact (payload cannot be redacted)");
	if (!o->pcap_max_size)
		o->pcap_max_size = o->max_size / 4;
	/* The ring is mapped into our memory: it must fit the budget. */
	if ((uint64_t)o->pcap_buffer_mb << 20 > o->mem_budget / 2) {
		int mb = (int)((o->mem_budget / 2) >> 20);

		warning("--pcap-buffer %d MiB is more than half of --mem-budget: using %d MiB",
			o->pcap_buffer_mb, mb > 0 ? mb : 1);
		o->pcap_buffer_mb = mb > 0 ? mb : 1;
	}
	return 0;
}

const struct source packets_source = {
	.name = "packets",
	.summary = "packet headers and per-second flow counts (libpcap, target's netns)",
	.default_on = 1,
	.open = packets_open,
	.sample = packets_sample,
	.close = packets_close,
	.options = packets_options,
	.check_opts = packets_check_opts,
};
