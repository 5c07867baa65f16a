/* incident: the seed incident's mechanics in one process, with real sockets
 * and syscalls (../shared/seed/: a Node.js metrics scraper whose error logs
 * were shipped by winston-elasticsearch to ElasticCloud on port 9243).
 *
 *   incident [--rate N] [--cap N] [--sink HOST:PORT] [--duration S]
 *            [--log FILE] [--ready FILE] [--fixed] [more knobs below]
 *
 * What runs, all on one single-threaded event loop (as in Node):
 *  - a scraper: every 1/--rate s (a timerfd, re-armed each time) it tries
 *    to scrape a metrics endpoint that refuses connections (connect() to a
 *    bound but non-listening loopback port: ECONNREFUSED) and logs an ERROR
 *    as one JSON line appended to --log, in winston's json shape (level,
 *    message, timestamp, metadata) [the seed's ~20 error logs/s from its
 *    `exec()` loop]. Three message shapes with varying ids, and an INFO line
 *    every 10 s.
 *  - a log shipper (off with --fixed) [winston-elasticsearch]: every log
 *    line becomes one `POST /_bulk` over HTTP/1.1 keep-alive to the sink
 *    (samples/logsink.c) through a client pool capped at --cap connections
 *    [@elastic/elasticsearch's agent, maxSockets: 256]. A request takes a
 *    free connection (LIFO, as the agent's scheduling: 'lifo'), or opens one
 *    while below the cap, or waits in the pool's queue.
 *  - a starved loop: once a response has arrived, the loop stops reading
 *    that socket (epoll_ctl, as uv_read_stop) and puts it on a list; busy
 *    with its timers, it gets through only --keep-up (0.9) of the responses
 *    it owes, oldest first (a budget refilled at keep-up x the current log
 *    rate). The rest sit unread in their sockets' receive queues, so most
 *    pooled sockets show the same Recv-Q, the sink's response size [241 of
 *    256 sockets at recv-q 1101]. Every response the loop falls behind by
 *    holds a connection, so the pool grows by (1 - keep-up) x rate per
 *    second on top of the rate x sink-delay in flight: 10 + 2/s with the
 *    defaults, reaching 64 after ~27 s [12 -> 256 over time in the seed;
 *    a longer scrape interval slowed the growth]. Then it stops dead at
 *    --cap and requests queue. Traffic to the sink stays at keep-up x the
 *    error rate, ~1.4 KB per error line [the seed's figure].
 *  - timers: every connection has an idle timer, every request in flight or
 *    queued a 30 s timeout timer, and every shipped log leaves a timer that
 *    keeps its payload alive [the heap profile's strings retained from
 *    timers.js]. Each loop turn (epoll_wait with a --tick-ms timeout) walks
 *    up to --timer-checks of them, reading the clock for each, and one in
 *    four reads the wall clock too [strace -c: clock_gettime 40%,
 *    gettimeofday 12%, epoll_wait/epoll_ctl]. With --timer-syscalls (the
 *    default) clock reads go through syscall(SYS_clock_gettime) and
 *    syscall(SYS_gettimeofday): on this machine's kvm-clock the vDSO would
 *    answer them without entering the kernel, whereas the seed's host (xen
 *    clocksource, as on many older cloud VMs) sent every one to the kernel.
 *  - memory: each log line allocates and touches --retain-kib KiB (its
 *    payload) that stays alive after shipping, plus its request while
 *    queued; bounded by --max-mem-mib, after which logs are not shipped
 *    (counted as dropped) [the seed's memory leak].
 *  - --fixed: the shipper removed [the seed's fix: winston-elasticsearch
 *    dropped, fluent-bit ships the file]. The scraper still fails and logs at
 *    the same rate, but no pool, no sink connection, no retained payloads, one
 *    timer (the scrape timerfd) and one clock read per turn.
 *
 * Knobs and defaults:
 *   --rate 20            errors logged per second (0.1..2000)
 *   --rate-wave A:P      modulate the rate by +-A (0..0.9) over a P-second
 *                        period, so traffic visibly follows the error rate
 *   --cap 64             pool cap, connections to the sink (1..4096); not the
 *                        seed's 256 on purpose, pass --cap 256 to match it
 *   --sink 127.0.0.1:9243  loopback only
 *   --duration 120       seconds, then exit (1..3600)
 *   --log incident.log   JSON lines, appended
 *   --ready FILE         written with the pid once running
 *   --keep-up 0.9        share of owed responses the starved loop reads;
 *                        1 gives a healthy shipper (a small steady pool)
 *   --tick-ms 4          longest epoll_wait timeout of the starved loop
 *   --timer-checks 256   timers checked per loop turn
 *   --retain-kib 32      memory each log line keeps alive
 *   --max-mem-mib 512    bound on payloads and queue
 *   --timer-syscalls / --no-timer-syscalls   (default on)
 *   --scrape-port N      scrape this loopback port instead of our own
 *                        bound, non-listening socket
 *
 * Never holds more than --cap + 8 fds (stdio included). Exits 0 after --duration or on
 * SIGTERM/SIGINT (printing counters on stderr), 2 on bad usage, 1 on setup
 * failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "sample.h"

#define EVENTS_MAX 128
#define RESP_HDR_MAX 4096
#define REQUEST_TIMEOUT_S 30.0  /* @elastic/elasticsearch's requestTimeout */
#define IDLE_TIMEOUT_S 1.0      /* keepAliveMsecs: 1000 */

struct opts {
	double rate;
	double wave_ampl, wave_period;
	long cap;
	struct sockaddr_in sink;
	long duration_s;
	const char *log;
	const char *ready;
	int fixed;
	double keep_up;
	long tick_ms;
	long timer_checks;
	long retain_kib;
	long max_mem_mib;
	int timer_syscalls;
	long scrape_port;
};

/* One log line on its way to the sink. */
struct req {
	struct req *next;
	double deadline;        /* request timeout timer */
	size_t len;
	char data[];            /* the whole HTTP request */
};

/* A payload kept alive by a timer after its log was shipped. */
struct retained {
	struct retained *next;
	double deadline;
	size_t size;
	char data[];
};

enum conn_state { C_CONNECTING, C_FREE, C_SENDING, C_WAITING, C_UNREAD };

struct conn {
	int fd;
	enum conn_state state;
	unsigned events;        /* the epoll interest set */
	struct req *req;        /* in flight */
	size_t sent;
	double idle_deadline;
	double arrived;         /* when its response became readable */
	struct conn *next_unread;
	size_t hdr_len;         /* response parsing */
	char hdr[RESP_HDR_MAX];
	long body_left;         /* -1 until the header is complete */
};

struct state {
	struct opts o;
	int ep, tfd, logfd, refuse_fd;
	struct sockaddr_in scrape;
	double start, next_scrape;
	double open_after;      /* no new connection before this (sink down) */
	double read_budget, last_read_turn;
	struct conn **conns;    /* --cap slots */
	long nconns;
	struct conn **free_stack;
	long nfree;
	struct req *q_head, *q_tail;
	long q_len;
	struct conn *unread_head, *unread_tail;
	struct retained *kept;
	size_t mem_bytes;       /* payloads + queued requests */
	unsigned long seq;
	/* counters printed at exit */
	unsigned long n_errors, n_info, n_shipped, n_responses, n_dropped, n_timeouts,
		n_connect_err, n_opened, n_closed, n_clock, n_tod, n_turns;
	long max_conns, max_queue;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Monotonic seconds. Through the kernel when asked: see the header. */
static double mono(struct state *s)
{
	struct timespec ts;

	s->n_clock++;
	if (s->o.timer_syscalls)
		syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
	else
		clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void wall(struct state *s, struct timeval *tv)
{
	s->n_tod++;
	if (s->o.timer_syscalls)
		syscall(SYS_gettimeofday, tv, NULL);
	else
		gettimeofday(tv, NULL);
}

static int parse_double(const char *str, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(str, &end);
	if (errno || end == str || *end || !(v >= min && v <= max))
		return -1;
	*out = v;
	return 0;
}

/* HOST:PORT with HOST a 127.0.0.0/8 address or "localhost". */
static int parse_sink(const char *str, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(str, ':');
	long port;

	if (!colon || (size_t)(colon - str) >= sizeof(host) ||
	    parse_long(colon + 1, 1, 65535, &port) < 0)
		return -1;
	memcpy(host, str, (size_t)(colon - str));
	host[colon - str] = '\0';
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((unsigned short)port);
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1 ||
	    (ntohl(sa->sin_addr.s_addr) >> 24) != 127)
		return -1;
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: incident [--rate N] [--cap N] [--sink HOST:PORT] [--duration S] [--log FILE]\n"
		"                [--ready FILE] [--fixed] [--rate-wave AMPL:PERIOD] [--keep-up F]\n"
		"                [--tick-ms MS] [--timer-checks N] [--retain-kib N]\n"
		"                [--max-mem-mib N] [--[no-]timer-syscalls] [--scrape-port N]\n"
		"A failing scraper whose error logs are shipped over a capped keep-alive pool to a\n"
		"slow sink (samples/logsink), on a starved event loop. See the top of incident.c.\n"
		"Defaults: --rate 20 --cap 64 --sink 127.0.0.1:9243 --duration 120 --log incident.log\n"
		"EXAMPLES\n"
		"  logsink --port 9243 & incident --rate 20 --cap 64 --duration 60 --log app.log\n"
		"  incident --fixed --rate 20 --duration 60 --log app.log\n"
		"  incident --cap 256 --rate 40 --sink 127.0.0.1:9243   # the seed's numbers\n");
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		int ok = 1;

		if (!strcmp(a, "--fixed")) {
			o->fixed = 1;
			continue;
		} else if (!strcmp(a, "--timer-syscalls")) {
			o->timer_syscalls = 1;
			continue;
		} else if (!strcmp(a, "--no-timer-syscalls")) {
			o->timer_syscalls = 0;
			continue;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage();
			exit(0);
		}
		if (!val) {
			fprintf(stderr, "incident: '%s' needs a value or is unknown\n", a);
			return -1;
		}
		i++;
		if (!strcmp(a, "--rate"))
			ok = !parse_double(val, 0.1, 2000, &o->rate);
		else if (!strcmp(a, "--rate-wave")) {
			char buf[64];
			char *colon;

			snprintf(buf, sizeof(buf), "%s", val);
			colon = strchr(buf, ':');
			ok = colon != NULL;
			if (ok) {
				*colon = '\0';
				ok = !parse_double(buf, 0, 0.9, &o->wave_ampl) &&
				     !parse_double(colon + 1, 1, 3600, &o->wave_period);
			}
		} else if (!strcmp(a, "--cap"))
			ok = !parse_long(val, 1, 4096, &o->cap);
		else if (!strcmp(a, "--sink"))
			ok = !parse_sink(val, &o->sink);
		else if (!strcmp(a, "--duration"))
			ok = !parse_long(val, 1, 3600, &o->duration_s);
		else if (!strcmp(a, "--log"))
			o->log = val;
		else if (!strcmp(a, "--ready"))
			o->ready = val;
		else if (!strcmp(a, "--keep-up"))
			ok = !parse_double(val, 0.05, 1, &o->keep_up);
		else if (!strcmp(a, "--tick-ms"))
			ok = !parse_long(val, 1, 1000, &o->tick_ms);
		else if (!strcmp(a, "--timer-checks"))
			ok = !parse_long(val, 0, 100000, &o->timer_checks);
		else if (!strcmp(a, "--retain-kib"))
			ok = !parse_long(val, 0, 4096, &o->retain_kib);
		else if (!strcmp(a, "--max-mem-mib"))
			ok = !parse_long(val, 1, 4096, &o->max_mem_mib);
		else if (!strcmp(a, "--scrape-port"))
			ok = !parse_long(val, 1, 65535, &o->scrape_port);
		else {
			fprintf(stderr, "incident: unknown option '%s'\n", a);
			return -1;
		}
		if (!ok) {
			fprintf(stderr, "incident: bad value '%s' for %s\n", val, a);
			return -1;
		}
	}
	return 0;
}

/* ---- the scraper and its log ---------------------------------------- */

static const char *const targets[] = {
	"node-exporter-7", "redis-exporter-2", "kafka-lag-exporter-1", "blackbox-probe-4",
	"postgres-exporter-3",
};

static void write_log(struct state *s, const char *line, size_t len)
{
	/* One write per line, like a file transport: lines never interleave. */
	while (len > 0) {
		ssize_t n = write(s->logfd, line, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		line += n;
		len -= (size_t)n;
	}
}

static size_t format_time(struct state *s, char *buf, size_t size)
{
	struct timeval tv;
	struct tm tm;
	time_t t;

	wall(s, &tv);
	t = tv.tv_sec;
	gmtime_r(&t, &tm);
	return (size_t)snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
				tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
				tm.tm_min, tm.tm_sec, (long)(tv.tv_usec / 1000));
}

static void ship(struct state *s, const char *line, size_t len, double now);

/* Logs one line at @level with message @msg (no quotes or backslashes). */
static void log_line(struct state *s, const char *level, const char *msg, const char *target,
		     double now)
{
	char ts[128], line[1024];
	int n;

	format_time(s, ts, sizeof(ts));
	n = snprintf(line, sizeof(line),
		     "{\"level\":\"%s\",\"message\":\"%s\",\"service\":\"metrics-scraper\","
		     "\"target\":\"%s\",\"pid\":%ld,\"hostname\":\"exporter\",\"timestamp\":\"%s\"}\n",
		     level, msg, target, (long)getpid(), ts);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	write_log(s, line, (size_t)n);
	if (!s->o.fixed)
		ship(s, line, (size_t)n - 1, now);
}

/* One scrape attempt: a real connect() that the kernel refuses. */
static void scrape(struct state *s, double now)
{
	const char *target = targets[s->seq % (sizeof(targets) / sizeof(targets[0]))];
	unsigned long job = 4000 + s->seq++;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int err = ECONNREFUSED;
	char msg[256];

	if (fd >= 0) {
		if (connect(fd, (struct sockaddr *)&s->scrape, sizeof(s->scrape)) == 0)
			err = 0;
		else
			err = errno;
		close(fd);
	}
	if (err == 0) {
		/* Something listens there after all: still a failed scrape for us. */
		err = EPROTO;
	}
	/* Three shapes, so a log source sees three fingerprints with varying ids. */
	switch (job % 10) {
	case 0: case 1: case 2: case 3: case 4: case 5:
		snprintf(msg, sizeof(msg),
			 "Error executing scrape job %lu: connect %s 127.0.0.1:%u",
			 job, err == ECONNREFUSED ? "ECONNREFUSED" : strerror(err),
			 (unsigned)ntohs(s->scrape.sin_port));
		break;
	case 6: case 7: case 8:
		snprintf(msg, sizeof(msg),
			 "failed to collect metrics from %s (request id %08lx): %s",
			 target, (job * 2654435761UL) & 0xffffffffUL, strerror(err));
		break;
	default:
		snprintf(msg, sizeof(msg),
			 "exporter %s unreachable after %lu attempts, next retry in %lu ms",
			 target, job / 10 % 7 + 3, 250 + job % 4 * 250);
		break;
	}
	s->n_errors++;
	log_line(s, "error", msg, target, now);
}

static double current_rate(const struct state *s, double now)
{
	double r = s->o.rate;

	if (s->o.wave_ampl > 0)
		r *= 1.0 + s->o.wave_ampl * sin(2 * M_PI * (now - s->start) / s->o.wave_period);
	return r;
}

static int arm_scrape_timer(struct state *s)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)s->next_scrape;
	its.it_value.tv_nsec = (long)((s->next_scrape - (double)(time_t)s->next_scrape) * 1e9);
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1;
	return timerfd_settime(s->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void on_scrape_timer(struct state *s, double now)
{
	uint64_t expirations;
	int burst = 0;

	if (read(s->tfd, &expirations, sizeof(expirations)) < 0)
		return;
	/* A late loop runs every scrape it owes, as a timer list would. */
	while (s->next_scrape <= now && burst++ < 1000) {
		scrape(s, now);
		s->next_scrape += 1.0 / current_rate(s, s->next_scrape);
	}
	if (s->next_scrape <= now)
		s->next_scrape = now + 1.0 / current_rate(s, now);
	arm_scrape_timer(s);
}

/* ---- the shipper: a capped keep-alive pool ---------------------------- */

static int set_interest(struct state *s, struct conn *c, unsigned events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (c->events == events)
		return 0;
	c->events = events;
	return epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void req_free(struct state *s, struct req *r)
{
	s->mem_bytes -= sizeof(*r) + r->len;
	free(r);
}

static void queue_push_front(struct state *s, struct req *r)
{
	r->next = s->q_head;
	s->q_head = r;
	if (!s->q_tail)
		s->q_tail = r;
	s->q_len++;
}

static struct req *queue_pop(struct state *s)
{
	struct req *r = s->q_head;

	if (r) {
		s->q_head = r->next;
		if (!s->q_head)
			s->q_tail = NULL;
		s->q_len--;
		r->next = NULL;
	}
	return r;
}

static void unread_remove(struct state *s, struct conn *c)
{
	struct conn **pp = &s->unread_head, *prev = NULL;

	while (*pp && *pp != c) {
		prev = *pp;
		pp = &(*pp)->next_unread;
	}
	if (!*pp)
		return;
	*pp = c->next_unread;
	if (s->unread_tail == c)
		s->unread_tail = prev;
	c->next_unread = NULL;
}

/* Drops a connection; a request it carried goes back to the front of the
 * queue (the client retries it on another connection). */
static void conn_close(struct state *s, struct conn *c)
{
	long i;

	if (c->state == C_UNREAD)
		unread_remove(s, c);
	for (i = 0; i < s->nfree; i++)
		if (s->free_stack[i] == c) {
			s->free_stack[i] = s->free_stack[--s->nfree];
			break;
		}
	for (i = 0; i < s->nconns; i++)
		if (s->conns[i] == c) {
			s->conns[i] = s->conns[--s->nconns];
			break;
		}
	if (c->req) {
		c->req->next = NULL;
		queue_push_front(s, c->req);
	}
	epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
	s->n_closed++;
}

static void conn_send(struct state *s, struct conn *c, double now)
{
	struct req *r = c->req;

	while (c->sent < r->len) {
		ssize_t n = send(c->fd, r->data + c->sent, r->len - c->sent, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				c->state = C_SENDING;
				set_interest(s, c, EPOLLOUT);
				return;
			}
			conn_close(s, c);
			return;
		}
		c->sent += (size_t)n;
	}
	c->state = C_WAITING;
	c->hdr_len = 0;
	c->body_left = -1;
	c->idle_deadline = now + IDLE_TIMEOUT_S;
	set_interest(s, c, EPOLLIN | EPOLLRDHUP);
	s->n_shipped++;
}

static void conn_assign(struct state *s, struct conn *c, struct req *r, double now)
{
	c->req = r;
	c->sent = 0;
	r->deadline = now + REQUEST_TIMEOUT_S;
	conn_send(s, c, now);
}

static struct conn *conn_open(struct state *s)
{
	struct epoll_event ev;
	struct conn *c = calloc(1, sizeof(*c));
	int fd;

	if (!c)
		return NULL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (connect(fd, (struct sockaddr *)&s->o.sink, sizeof(s->o.sink)) < 0 &&
	    errno != EINPROGRESS)
		goto fail;
	c->fd = fd;
	c->state = C_CONNECTING;
	c->events = EPOLLOUT;
	ev.events = c->events;
	ev.data.ptr = c;
	if (epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		goto fail;
	s->conns[s->nconns++] = c;
	if (s->nconns > s->max_conns)
		s->max_conns = s->nconns;
	s->n_opened++;
	return c;
fail:
	s->n_connect_err++;
	if (fd >= 0)
		close(fd);
	free(c);
	return NULL;
}

/* Hands queued requests to free connections (most recently freed first),
 * opening connections while below the cap. */
static void dispatch(struct state *s, double now)
{
	while (s->q_head) {
		struct conn *c;

		if (s->nfree > 0) {
			c = s->free_stack[--s->nfree];
			conn_assign(s, c, queue_pop(s), now);
		} else if (s->nconns < s->o.cap && now >= s->open_after) {
			c = conn_open(s);
			if (!c) {
				/* The sink is down: keep the queue, retry in a second. */
				s->open_after = now + 1.0;
				return;
			}
			c->req = queue_pop(s);
			c->req->deadline = now + REQUEST_TIMEOUT_S;
		} else {
			return;
		}
	}
}

static void ship(struct state *s, const char *line, size_t len, double now)
{
	static const char body_head[] = "{\"index\":{\"_index\":\"logs-metrics-scraper\"}}\n";
	size_t max = (size_t)s->o.max_mem_mib << 20;
	size_t keep = (size_t)s->o.retain_kib << 10;
	size_t body_len = sizeof(body_head) - 1 + len + 1;
	char head[256];
	struct req *r;
	int hlen;

	hlen = snprintf(head, sizeof(head),
			"POST /_bulk HTTP/1.1\r\n"
			"Host: %s:%u\r\n"
			"User-Agent: elasticsearch-js/7.13.0 (linux; Node.js v14.17.0)\r\n"
			"Content-Type: application/x-ndjson\r\n"
			"Connection: keep-alive\r\n"
			"Content-Length: %zu\r\n\r\n",
			inet_ntoa(s->o.sink.sin_addr), (unsigned)ntohs(s->o.sink.sin_port), body_len);
	if (hlen <= 0 || (size_t)hlen >= sizeof(head))
		return;
	if (s->mem_bytes + keep + sizeof(*r) + (size_t)hlen + body_len > max) {
		s->n_dropped++;
		return;
	}
	r = malloc(sizeof(*r) + (size_t)hlen + body_len);
	if (!r) {
		s->n_dropped++;
		return;
	}
	r->next = NULL;
	r->len = (size_t)hlen + body_len;
	memcpy(r->data, head, (size_t)hlen);
	memcpy(r->data + hlen, body_head, sizeof(body_head) - 1);
	memcpy(r->data + hlen + sizeof(body_head) - 1, line, len);
	r->data[r->len - 1] = '\n';
	s->mem_bytes += sizeof(*r) + r->len;
	if (keep > 0) {
		struct retained *k = malloc(sizeof(*k) + keep);

		if (k) {
			/* Touch every page: the leak must be resident, as a heap is. */
			memset(k->data, 0x6c, keep);
			k->size = keep;
			k->deadline = now + 60.0;
			k->next = s->kept;
			s->kept = k;
			s->mem_bytes += sizeof(*k) + keep;
		}
	}
	if (s->q_tail)
		s->q_tail->next = r;
	else
		s->q_head = r;
	s->q_tail = r;
	s->q_len++;
	if (s->q_len > s->max_queue)
		s->max_queue = s->q_len;
	dispatch(s, now);
}

/* Reads what has arrived of the response. Returns 1 when it is complete,
 * 0 when more is to come, -1 when the connection is unusable. */
static int conn_read_response(struct conn *c)
{
	char buf[16384];

	for (;;) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		size_t off = 0;

		if (n == 0)
			return -1;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
		}
		if (c->body_left < 0) {
			size_t take = (size_t)n;
			char *end;

			if (take > RESP_HDR_MAX - c->hdr_len)
				take = RESP_HDR_MAX - c->hdr_len;
			memcpy(c->hdr + c->hdr_len, buf, take);
			c->hdr_len += take;
			end = memmem(c->hdr, c->hdr_len, "\r\n\r\n", 4);
			if (!end)
				return c->hdr_len == RESP_HDR_MAX ? -1 : 0;
			/* hdr is not NUL-terminated: bound the search by hand. */
			{
				size_t hdr = (size_t)(end - c->hdr) + 4, i;
				long v = -1;

				for (i = 0; i + 15 < hdr; i++)
					if (!strncasecmp(c->hdr + i, "content-length:", 15)) {
						size_t j = i + 15;

						while (j < hdr && c->hdr[j] == ' ')
							j++;
						v = 0;
						while (j < hdr && c->hdr[j] >= '0' && c->hdr[j] <= '9' &&
						       v < 1000000)
							v = v * 10 + (c->hdr[j++] - '0');
						break;
					}
				if (v < 0)
					return -1;
				/* Bytes of this read past the header belong to the body. */
				off = take - (c->hdr_len - hdr);
				c->body_left = v;
			}
		}
		c->body_left -= (long)((size_t)n - off);
		if (c->body_left <= 0)
			return 1;
	}
}

/* The starved loop gets through keep-up of the responses it owes: a
 * budget refilled at keep-up x the current log rate, spent oldest first.
 * A small burst bound keeps an idle start from saving up reads. */
static void read_due_responses(struct state *s, double now)
{
	s->read_budget += s->o.keep_up * current_rate(s, now) * (now - s->last_read_turn);
	s->last_read_turn = now;
	if (s->read_budget > 2.0)
		s->read_budget = 2.0;
	while (s->unread_head && s->read_budget >= 1.0) {
		struct conn *c = s->unread_head;
		int rc;

		s->read_budget -= 1.0;
		s->unread_head = c->next_unread;
		if (!s->unread_head)
			s->unread_tail = NULL;
		c->next_unread = NULL;
		rc = conn_read_response(c);
		if (rc < 0) {
			c->state = C_WAITING; /* not on the unread list any more */
			conn_close(s, c);
			continue;
		}
		if (rc == 0) {
			c->state = C_WAITING;
			set_interest(s, c, EPOLLIN | EPOLLRDHUP);
			continue;
		}
		s->n_responses++;
		req_free(s, c->req);
		c->req = NULL;
		c->state = C_FREE;
		c->idle_deadline = now + IDLE_TIMEOUT_S;
		/* A free socket stays watched, so a peer close is noticed. */
		set_interest(s, c, EPOLLIN | EPOLLRDHUP);
		s->free_stack[s->nfree++] = c;
	}
}

static void on_conn_event(struct state *s, struct conn *c, unsigned events, double now)
{
	switch (c->state) {
	case C_CONNECTING: {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
			s->n_connect_err++;
			s->open_after = now + 1.0;
			conn_close(s, c);
			return;
		}
		conn_send(s, c, now);
		return;
	}
	case C_SENDING:
		if (events & (EPOLLERR | EPOLLHUP))
			conn_close(s, c);
		else
			conn_send(s, c, now);
		return;
	case C_WAITING:
		/* Stop reading (uv_read_stop): the loop is too busy to get to it. */
		c->state = C_UNREAD;
		c->arrived = now;
		set_interest(s, c, 0);
		if (s->unread_tail)
			s->unread_tail->next_unread = c;
		else
			s->unread_head = c;
		s->unread_tail = c;
		return;
	case C_FREE:
	case C_UNREAD:
		/* Unsolicited bytes or a close on an idle socket: drop it. */
		conn_close(s, c);
		return;
	}
}

/* The timer lists the loop walks every turn: one clock read per timer, and
 * a wall-clock read for one in four (Date.now() next to hrtime()). */
static void run_timers(struct state *s)
{
	long budget = s->o.timer_checks, i;
	struct req *r;
	struct retained *k;
	double now;

#define CHECK(deadline_lvalue, period) do { \
		if (budget-- <= 0) \
			return; \
		now = mono(s); \
		if ((budget & 3) == 0) { \
			struct timeval tv_; \
			wall(s, &tv_); \
		} \
		if (now >= (deadline_lvalue)) \
			(deadline_lvalue) = now + (period); \
	} while (0)

	for (i = 0; i < s->nconns; i++) {
		struct conn *c = s->conns[i];

		CHECK(c->idle_deadline, IDLE_TIMEOUT_S);
		if (c->req) {
			double before = c->req->deadline;

			CHECK(c->req->deadline, REQUEST_TIMEOUT_S);
			if (c->req->deadline != before)
				s->n_timeouts++;
		}
	}
	for (r = s->q_head; r; r = r->next)
		CHECK(r->deadline, REQUEST_TIMEOUT_S);
	for (k = s->kept; k; k = k->next)
		CHECK(k->deadline, 60.0);
#undef CHECK
}

/* ---- setup and the loop ------------------------------------------------ */

/* A bound, non-listening loopback socket: connecting to it is refused. */
static int setup_scrape_target(struct state *s)
{
	socklen_t len = sizeof(s->scrape);

	memset(&s->scrape, 0, sizeof(s->scrape));
	s->scrape.sin_family = AF_INET;
	s->scrape.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s->o.scrape_port) {
		s->scrape.sin_port = htons((unsigned short)s->o.scrape_port);
		return 0;
	}
	s->refuse_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->refuse_fd < 0 || bind(s->refuse_fd, (struct sockaddr *)&s->scrape, len) < 0 ||
	    getsockname(s->refuse_fd, (struct sockaddr *)&s->scrape, &len) < 0)
		return -1;
	return 0;
}

static int ensure_fd_limit(long need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -1;
	if ((rlim_t)need <= rl.rlim_cur)
		return 0;
	if ((rlim_t)need > rl.rlim_max)
		return -1;
	rl.rlim_cur = (rlim_t)need;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

static int write_ready(const char *path)
{
	char tmp[PATH_MAX];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	if (fprintf(f, "%ld\n", (long)getpid()) < 0) {
		fclose(f);
		return -1;
	}
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

int main(int argc, char **argv)
{
	struct state st;
	struct state *s = &st;
	struct epoll_event evs[EVENTS_MAX];
	struct sigaction sa;
	double last_info, now;
	int rc = 1;

	memset(s, 0, sizeof(*s));
	s->ep = s->tfd = s->logfd = s->refuse_fd = -1;
	s->o.rate = 20;
	s->o.cap = 64;
	parse_sink("127.0.0.1:9243", &s->o.sink);
	s->o.duration_s = 120;
	s->o.log = "incident.log";
	s->o.keep_up = 0.9;
	s->o.tick_ms = 4;
	s->o.timer_checks = 256;
	s->o.retain_kib = 32;
	s->o.max_mem_mib = 512;
	s->o.timer_syscalls = 1;
	if (parse_args(argc, argv, &s->o) < 0) {
		usage();
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (!s->o.fixed && ensure_fd_limit(s->o.cap + 32) < 0) {
		fprintf(stderr, "incident: cannot raise the fd limit to %ld\n", s->o.cap + 32);
		goto cleanup;
	}
	s->conns = calloc((size_t)s->o.cap, sizeof(*s->conns));
	s->free_stack = calloc((size_t)s->o.cap, sizeof(*s->free_stack));
	if (!s->conns || !s->free_stack)
		goto cleanup;
	s->logfd = open(s->o.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (s->logfd < 0) {
		fprintf(stderr, "incident: cannot open '%s': %s\n", s->o.log, strerror(errno));
		goto cleanup;
	}
	if (setup_scrape_target(s) < 0) {
		fprintf(stderr, "incident: cannot set up the scrape target: %s\n", strerror(errno));
		goto cleanup;
	}
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	s->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s->ep < 0 || s->tfd < 0)
		goto cleanup;
	{
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

		if (epoll_ctl(s->ep, EPOLL_CTL_ADD, s->tfd, &ev) < 0)
			goto cleanup;
	}
	s->start = mono(s);
	last_info = s->last_read_turn = s->start;
	s->next_scrape = s->start + 1.0 / current_rate(s, s->start);
	if (arm_scrape_timer(s) < 0)
		goto cleanup;
	if (s->o.ready && write_ready(s->o.ready) < 0) {
		fprintf(stderr, "incident: cannot write '%s'\n", s->o.ready);
		goto cleanup;
	}
	now = s->start;
	while (!stop && now - s->start < s->o.duration_s) {
		int n, i, timeout;

		s->n_turns++;
		/* Fixed: an idle loop sleeps until the scrape timer. Incident: short
		 * timeouts, as a loop with timers due every few milliseconds. */
		timeout = s->o.fixed ? 1000 : (int)s->o.tick_ms;
		n = epoll_wait(s->ep, evs, EVENTS_MAX, timeout);
		if (n < 0 && errno != EINTR)
			break;
		now = mono(s);
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;
			long k;

			if (!c) {
				on_scrape_timer(s, now);
				continue;
			}
			/* Skip events of a connection closed earlier in this batch. */
			for (k = 0; k < s->nconns && s->conns[k] != c; k++)
				;
			if (k < s->nconns)
				on_conn_event(s, c, evs[i].events, now);
		}
		if (now - last_info >= 10.0) {
			char msg[128];

			snprintf(msg, sizeof(msg), "scrape cycle: %lu jobs failed so far, %ld queued logs",
				 s->n_errors, s->q_len);
			s->n_info++;
			log_line(s, "info", msg, "all", now);
			last_info = now;
		}
		if (s->o.fixed)
			continue;
		read_due_responses(s, now);
		dispatch(s, now);
		run_timers(s);
	}
	rc = 0;
cleanup:
	fprintf(stderr, "incident: %s, %lu errors logged, %lu shipped, %lu responses read, "
		"%lu dropped, peak %ld connections (cap %ld), peak queue %ld, %lu opened, "
		"%lu closed, %lu connect errors, %lu timeouts, %lu turns, %lu clock reads, "
		"%lu wall-clock reads\n",
		s->o.fixed ? "fixed" : "incident", s->n_errors, s->n_shipped, s->n_responses,
		s->n_dropped, s->max_conns, s->o.cap, s->max_queue, s->n_opened, s->n_closed,
		s->n_connect_err, s->n_timeouts, s->n_turns, s->n_clock, s->n_tod);
	while (s->nconns > 0)
		conn_close(s, s->conns[s->nconns - 1]);
	{
		struct req *r;

		while ((r = queue_pop(s)))
			req_free(s, r);
	}
	while (s->kept) {
		struct retained *k = s->kept;

		s->kept = k->next;
		free(k);
	}
	free(s->conns);
	free(s->free_stack);
	if (s->logfd >= 0)
		close(s->logfd);
	if (s->refuse_fd >= 0)
		close(s->refuse_fd);
	if (s->tfd >= 0)
		close(s->tfd);
	if (s->ep >= 0)
		close(s->ep);
	return rc;
}
