/* logsink: a slow HTTP/1.1 log sink on loopback, standing in for the
 * Elasticsearch cluster (ElasticCloud, port 9243) that the seed incident's
 * log transport shipped every error line to. See samples/incident.c for the
 * client side and samples/incident.sh to run both.
 *
 *   logsink [--port N] [--addr 127.0.0.X] [--delay MS] [--response-bytes N]
 *           [--max-conns N] [--duration S] [--ready FILE]
 *
 * What it reproduces: a server that takes keep-alive connections, reads
 * every request (POST /_bulk with a Content-Length body) at once, and answers
 * each one only after --delay, with a response of exactly --response-bytes
 * bytes (headers included: that is what the client's Recv-Q shows while the
 * response sits unread; the seed's netstat showed 1101). It never closes a
 * connection first, as an Elasticsearch node behind a keep-alive client does
 * not, so the client's pool is the only thing bounding the connection count.
 *
 * Knobs and defaults (seed mapping in brackets):
 *   --port 9243            [ElasticCloud's HTTPS port]; 0 picks a free port,
 *                          written to --ready FILE
 *   --addr 127.0.0.1       any 127.0.0.0/8 address; nothing else is accepted
 *   --delay 500            milliseconds before each response [a slow cluster]
 *   --response-bytes 1101  total bytes of each response [recv-q 1101]
 *   --max-conns 1024       connections beyond this are accepted and closed
 *   --duration 3600        seconds before exiting on its own
 *   --ready FILE           written with the bound port once listening
 *
 * Exits 0 on SIGTERM/SIGINT or after --duration, 2 on bad usage, 1 when it
 * cannot listen. Prints one line of counters on stderr at exit.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sample.h"

#define IN_MAX 16384    /* a bulk request of one log line is ~0.5 KB */
#define DUE_MAX 32      /* responses owed on one connection (pipelining) */
#define EVENTS_MAX 64

struct opts {
	int port;
	const char *addr;
	long delay_ms;
	long response_bytes;
	long max_conns;
	long duration_s;
	const char *ready;
};

struct sconn {
	int fd;
	int reading;                    /* EPOLLIN in the interest set */
	size_t in_len;
	char in[IN_MAX];
	double due[DUE_MAX];            /* monotonic times responses are owed */
	unsigned due_head, due_n;
	size_t out_off;                 /* bytes of the current response sent */
	int writing;
};

static volatile sig_atomic_t stop;
static char *response;
static size_t response_len;
static unsigned long n_accepted, n_refused, n_requests, n_responses, n_bad;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: logsink [--port N] [--addr 127.0.0.X] [--delay MS] [--response-bytes N]\n"
		"               [--max-conns N] [--duration S] [--ready FILE]\n"
		"A slow HTTP/1.1 keep-alive sink on loopback (defaults: port 9243, delay 500 ms,\n"
		"1101-byte responses, 1024 connections, 3600 s). --port 0 picks a free port.\n"
		"EXAMPLES\n"
		"  logsink --port 9243 --delay 500 --response-bytes 1101 &\n"
		"  logsink --port 0 --ready sink.port --delay 2000\n");
}

/* The bulk API answer for one document, padded so the whole response,
 * headers included, is exactly @total bytes. */
static int build_response(long total)
{
	static const char body0[] =
		"{\"took\":3,\"errors\":false,\"items\":[{\"index\":{\"_index\":\"logs-scraper\","
		"\"_id\":\"kY3nT4wBq1c9xZ0aR7sE\",\"_version\":1,\"result\":\"created\","
		"\"_shards\":{\"total\":2,\"successful\":2,\"failed\":0},\"_seq_no\":4711,"
		"\"_primary_term\":1,\"status\":201}}]}";
	char head[256];
	long body_len = (long)sizeof(body0) - 1;
	int hlen = 0, i;

	/* The header length depends on the digits of the body length: settle it. */
	for (i = 0; i < 4; i++) {
		hlen = snprintf(head, sizeof(head),
				"HTTP/1.1 200 OK\r\n"
				"content-type: application/json; charset=UTF-8\r\n"
				"content-length: %ld\r\n\r\n", body_len);
		body_len = total - hlen;
	}
	if (body_len < (long)sizeof(body0) - 1 || hlen + body_len != total)
		return -1;
	response = malloc((size_t)total);
	if (!response)
		return -1;
	memcpy(response, head, (size_t)hlen);
	memcpy(response + hlen, body0, sizeof(body0) - 1);
	/* JSON allows trailing whitespace: pad with spaces, end with a newline. */
	memset(response + hlen + sizeof(body0) - 1, ' ', (size_t)(body_len - (long)sizeof(body0) + 1));
	response[total - 1] = '\n';
	response_len = (size_t)total;
	return 0;
}

static int set_interest(int ep, struct sconn *c, unsigned events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	c->reading = !!(events & EPOLLIN);
	return epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void sconn_close(int ep, struct sconn **slot)
{
	struct sconn *c = *slot;

	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
	*slot = NULL;
}

/* Length of the Content-Length value in a header block, or -1 if absent or
 * malformed. @h is @n bytes, not NUL-terminated. */
static long content_length(const char *h, size_t n)
{
	static const char name[] = "content-length:";
	size_t i = 0, k = sizeof(name) - 1;

	while (i < n) {
		const char *eol = memchr(h + i, '\n', n - i);
		size_t line = eol ? (size_t)(eol - (h + i)) : n - i;

		if (line > k && !strncasecmp(h + i, name, k)) {
			long v = 0;
			size_t j = i + k;

			while (j < i + line && (h[j] == ' ' || h[j] == '\t'))
				j++;
			if (j >= i + line || h[j] < '0' || h[j] > '9')
				return -1;
			while (j < i + line && h[j] >= '0' && h[j] <= '9') {
				v = v * 10 + (h[j] - '0');
				if (v > IN_MAX)
					return -1;
				j++;
			}
			return v;
		}
		i += line + 1;
	}
	return 0;
}

/* Consumes every complete request in the buffer, owing a response for each.
 * Returns -1 on a request that can never fit or parse. */
static int parse_requests(struct sconn *c, double now, double delay)
{
	while (c->in_len > 0 && c->due_n < DUE_MAX) {
		char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
		size_t hdr, total;
		long cl;

		if (!end)
			return c->in_len == IN_MAX ? -1 : 0;
		hdr = (size_t)(end - c->in) + 4;
		cl = content_length(c->in, hdr);
		if (cl < 0 || hdr + (size_t)cl > IN_MAX)
			return -1;
		total = hdr + (size_t)cl;
		if (c->in_len < total)
			return 0;
		memmove(c->in, c->in + total, c->in_len - total);
		c->in_len -= total;
		c->due[(c->due_head + c->due_n) % DUE_MAX] = now + delay;
		c->due_n++;
		n_requests++;
	}
	return 0;
}

/* Returns -1 when the connection is gone. */
static int on_readable(int ep, struct sconn *c, double now, double delay)
{
	for (;;) {
		ssize_t n;

		if (c->in_len == IN_MAX)
			break;
		n = recv(c->fd, c->in + c->in_len, IN_MAX - c->in_len, 0);
		if (n == 0)
			return -1;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		c->in_len += (size_t)n;
	}
	if (parse_requests(c, now, delay) < 0) {
		n_bad++;
		return -1;
	}
	/* Owing DUE_MAX responses with a full buffer: stop reading until some
	 * are sent, or level-triggered epoll would spin. */
	if (c->in_len == IN_MAX && c->reading)
		set_interest(ep, c, c->writing ? EPOLLOUT : 0);
	return 0;
}

/* Sends owed responses whose time has come. Returns -1 when the
 * connection is gone. */
static int flush_due(int ep, struct sconn *c, double now, double delay)
{
	while (c->due_n > 0 && (c->writing || c->due[c->due_head] <= now)) {
		ssize_t n = send(c->fd, response + c->out_off, response_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
			if (!c->writing) {
				c->writing = 1;
				set_interest(ep, c, EPOLLOUT | (c->in_len < IN_MAX ? EPOLLIN : 0));
			}
			return 0;
		}
		c->out_off += (size_t)n;
		if (c->out_off < response_len)
			continue;
		c->out_off = 0;
		c->due_head = (c->due_head + 1) % DUE_MAX;
		c->due_n--;
		n_responses++;
		if (c->writing) {
			c->writing = 0;
			set_interest(ep, c, EPOLLIN);
		}
		/* Room in the owed list again: requests left in the buffer. */
		if (parse_requests(c, now, delay) < 0)
			return -1;
		if (!c->reading && c->in_len < IN_MAX)
			set_interest(ep, c, EPOLLIN);
	}
	return 0;
}

static int listen_on(const struct opts *o, int *port_out)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd, one = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)o->port);
	if (inet_pton(AF_INET, o->addr, &sa.sin_addr) != 1 ||
	    (ntohl(sa.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "logsink: '%s' is not a loopback IPv4 address\n", o->addr);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 512) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		fprintf(stderr, "logsink: cannot listen on %s:%d: %s\n", o->addr, o->port,
			strerror(errno));
		close(fd);
		return -1;
	}
	*port_out = ntohs(sa.sin_port);
	return fd;
}

static void accept_all(int ep, int lfd, struct sconn **conns, long max)
{
	for (;;) {
		struct epoll_event ev;
		struct sconn *c;
		long i;
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		for (i = 0; i < max && conns[i]; i++)
			;
		c = i < max ? calloc(1, sizeof(*c)) : NULL;
		if (!c) {
			n_refused++;
			close(fd);
			continue;
		}
		c->fd = fd;
		c->reading = 1;
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			free(c);
			n_refused++;
			continue;
		}
		conns[i] = c;
		n_accepted++;
	}
}

int main(int argc, char **argv)
{
	struct opts o = { 9243, "127.0.0.1", 500, 1101, 1024, 3600, NULL };
	struct epoll_event evs[EVENTS_MAX];
	struct sconn **conns = NULL;
	struct sigaction sa;
	double start, delay;
	long v;
	int i, ep = -1, lfd = -1, port = 0, rc = 1;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!val) {
			usage();
			return 2;
		}
		i++;
		if (!strcmp(a, "--port") && !parse_long(val, 0, 65535, &v))
			o.port = (int)v;
		else if (!strcmp(a, "--addr"))
			o.addr = val;
		else if (!strcmp(a, "--delay") && !parse_long(val, 0, 600000, &v))
			o.delay_ms = v;
		else if (!strcmp(a, "--response-bytes") && !parse_long(val, 256, 65536, &v))
			o.response_bytes = v;
		else if (!strcmp(a, "--max-conns") && !parse_long(val, 1, 16384, &v))
			o.max_conns = v;
		else if (!strcmp(a, "--duration") && !parse_long(val, 1, 86400, &v))
			o.duration_s = v;
		else if (!strcmp(a, "--ready"))
			o.ready = val;
		else {
			fprintf(stderr, "logsink: bad option or value '%s %s'\n", a, val);
			usage();
			return 2;
		}
	}
	if (build_response(o.response_bytes) < 0) {
		fprintf(stderr, "logsink: cannot build a %ld-byte response\n", o.response_bytes);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	conns = calloc((size_t)o.max_conns, sizeof(*conns));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!conns || ep < 0)
		goto cleanup;
	lfd = listen_on(&o, &port);
	if (lfd < 0)
		goto cleanup;
	{
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

		if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
			goto cleanup;
	}
	if (o.ready) {
		/* Write then rename, so a reader never sees a half-written port. */
		char tmp[PATH_MAX];
		FILE *f;

		snprintf(tmp, sizeof(tmp), "%s.tmp", o.ready);
		f = fopen(tmp, "w");
		if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 || rename(tmp, o.ready) < 0) {
			fprintf(stderr, "logsink: cannot write '%s'\n", o.ready);
			goto cleanup;
		}
	}
	delay = o.delay_ms / 1000.0;
	start = mono();
	while (!stop) {
		double now = mono(), next = now + 0.1;
		int n, timeout_ms;
		long k;

		if (now - start >= o.duration_s)
			break;
		for (k = 0; k < o.max_conns; k++)
			if (conns[k] && conns[k]->due_n && !conns[k]->writing &&
			    conns[k]->due[conns[k]->due_head] < next)
				next = conns[k]->due[conns[k]->due_head];
		timeout_ms = next > now ? (int)((next - now) * 1000.0) + 1 : 0;
		n = epoll_wait(ep, evs, EVENTS_MAX, timeout_ms);
		if (n < 0 && errno != EINTR)
			break;
		now = mono();
		for (i = 0; i < n; i++) {
			struct sconn *c = evs[i].data.ptr;

			if (!c) {
				accept_all(ep, lfd, conns, o.max_conns);
				continue;
			}
			for (k = 0; k < o.max_conns && conns[k] != c; k++)
				;
			if (k == o.max_conns)
				continue; /* closed earlier in this batch */
			/* A peer that hung up is owed nothing more. */
			if ((evs[i].events & (EPOLLHUP | EPOLLERR)) ||
			    ((evs[i].events & EPOLLIN) && on_readable(ep, c, now, delay) < 0)) {
				sconn_close(ep, &conns[k]);
				continue;
			}
			if ((evs[i].events & EPOLLOUT) && flush_due(ep, c, now, delay) < 0)
				sconn_close(ep, &conns[k]);
		}
		for (k = 0; k < o.max_conns; k++)
			if (conns[k] && conns[k]->due_n && flush_due(ep, conns[k], now, delay) < 0)
				sconn_close(ep, &conns[k]);
	}
	rc = 0;
cleanup:
	if (conns) {
		long k;

		for (k = 0; k < o.max_conns; k++)
			if (conns[k])
				sconn_close(ep, &conns[k]);
		free(conns);
	}
	if (lfd >= 0)
		close(lfd);
	if (ep >= 0)
		close(ep);
	free(response);
	fprintf(stderr, "logsink: port %d, %lu connections (%lu refused), %lu requests, "
		"%lu responses, %lu bad\n", port, n_accepted, n_refused, n_requests, n_responses, n_bad);
	return rc;
}
