/* The packets source's insides, shared by its two halves: packets.c (the
 * source, on the main thread: open, drain batches into rows, close) and
 * thread.c (the capture thread: the pcap handle in the target's namespace,
 * decoding, flows, buffers). The lock protocol is in struct packets: what
 * each side may touch, and under which lock. Not for other sources. */
#ifndef CASEFILE_CAPTURE_PACKETS_H
#define CASEFILE_CAPTURE_PACKETS_H

#include "capture.h"
#include "pktcodec.h"
#include "pktflow.h"
#include "pktfilter.h"

#include <pcap/pcap.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

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
/* With nothing to do, the thread wakes at least this often (a tick, a stop,
 * a new filter or namespace wake it through wake_fd at once). */
#define PK_IDLE_MS 5000
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
	int wake_fd;                     /* eventfd: main wakes the thread (tick, stop, filter,
	                                  * namespace); -1 = none, the thread polls every
	                                  * PK_TIMEOUT_MS */
	char device[64];
	int snaplen, buffer_bytes;
	int payload;                     /* --pcap-payload: store whole captured frames */
	char *filter;                    /* BPF text in force, NULL = everything */
	int auto_filter;
	pid_t auto_pid;
	struct pktfilter_cache auto_cache; /* main thread: the auto filter's fd link cache */

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
	uint64_t handoff_req;            /* main: ticks that asked for a handoff */
	uint64_t handoff_done;           /* thread: the last request a handoff answered */
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
	int64_t last_pkt_sec;            /* wall second of the newest packet counted */

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

/* thread.c */

/* The capture thread (capture_thread_start()'s function; arg: pk). */
void *packets_thread(void *arg);
/* CLOCK_MONOTONIC in ms. */
int64_t packets_mono_ms(void);
/* How long packets_open waits for the handle (PK_START_MS; tests shorten it). */
int packets_start_timeout_ms(void);

/* packets.c */

/* Main thread: hands the new filter text F (owned from here on) to the
 * capture thread, which adopts it at its next loop. */
void packets_offer_filter(struct packets *pk, char *f);
/* Main thread: wakes the capture thread (for a stop, filter or namespace). */
void packets_wake(struct packets *pk);

/* Frees pk and everything it holds (the thread must be gone). */
void packets_free(struct packets *pk);

#endif
