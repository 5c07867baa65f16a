/* A session with a Node.js inspector; see inspector.h.
 *
 * Everything the inspector answers is the target's text, and another
 * process could hold the port: the listening socket must be among the
 * target's fds (checked before connecting and again after the profile),
 * HTTP heads and WebSocket frames are parsed with bounds (wsproto.c), JSON
 * with lib/jsonparse.c, and every read and write has a deadline. The
 * sockets were made inside the target's network namespace during setup
 * (runtime.c), so this thread needs no privilege to reach 127.0.0.1 there;
 * it keeps only what reading the target's /proc files takes. */
#include "inspector.h"

#include "capture.h"
#include "error.h"
#include "jsonparse.h"
#include "parse.h"
#include "privs.h"
#include "proc/procfs.h"
#include "sockets/procnet.h"
#include "sockets/sockmap.h"
#include "wsproto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#define STEP_US (15 * 1000000LL)         /* deadline of one exchange: a target held to a small
                                          * CPU quota answers in seconds, not milliseconds */
#define LISTEN_WAIT_US (10 * 1000000LL)  /* for Node to open its port after SIGUSR1 */
#define CLOSE_WAIT_US (5 * 1000000LL)    /* for the port to close after we asked */
#define POLL_STEP_MS 20                  /* between looks at /proc/PID/net/tcp */
#define HURRY_US (20 * 1000000LL)        /* once the capture ends: what every step left gets */
#define MAX_FRAME (1ULL << 30)           /* a frame claiming more is refused outright */
#define MAX_HTTP (64 * 1024)             /* /json/list answer */
#define MAX_MSG (1 << 20)                /* any protocol answer but the profile */
#define NET_TCP_MAX (64u << 20)

int inspector_listener(const char *net_tcp, const char *fd_dir, pid_t pid, int port,
		       uint32_t *inode, char *why, size_t wlen)
{
	struct sockdiag_result r;
	struct sockmap m;
	char *text = NULL;
	ssize_t n;
	size_t i;
	int trunc = 0, ret = 0;

	memset(&r, 0, sizeof(r));
	memset(&m, 0, sizeof(m));
	*inode = 0;
	n = read_file_alloc(net_tcp, NET_TCP_MAX, &text, &trunc);
	if (n < 0) {
		snprintf(why, wlen, "cannot read '%s': %s", net_tcp, strerror(errno));
		return -1;
	}
	if (procnet_parse(text, (size_t)n, IPPROTO_TCP, AF_INET, &r) < 0) {
		free(text);
		snprintf(why, wlen, "out of memory");
		return -1;
	}
	free(text);
	for (i = 0; i < r.n; i++) {
		const struct sockdiag_sock *s = &r.v[i];
		static const uint8_t lo[4] = { 127, 0, 0, 1 }, any[4] = { 0, 0, 0, 0 };

		if (s->state == SD_LISTEN && s->sport == port &&
		    (memcmp(s->src, lo, 4) == 0 || memcmp(s->src, any, 4) == 0)) {
			*inode = s->inode;
			ret = 2;
			break;
		}
	}
	sockdiag_result_release(&r);
	if (ret == 2) {
		if (sockmap_add_dir(&m, fd_dir, pid, 0) < 0) {
			snprintf(why, wlen, "cannot read '%s': %s", fd_dir, strerror(errno));
			ret = -1;
		} else if (sockmap_find(&m, *inode)) {
			ret = 1;
		}
		sockmap_release(&m);
	}
	return ret;
}

/* ---- the outcome ---- */

static int outcome(struct inspector *in, const char *fmt, ...) CF_PRINTF(2, 3);
static int outcome(struct inspector *in, const char *fmt, ...)
{
	size_t n = strlen(in->outcome);
	va_list ap;

	if (n && n + 2 < sizeof(in->outcome)) {
		memcpy(in->outcome + n, "; ", 3);
		n += 2;
	}
	va_start(ap, fmt);
	vsnprintf(in->outcome + n, sizeof(in->outcome) - n, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- I/O with deadlines ---- */

/* A step's deadline, brought forward once the capture ended (the wake fd
 * fired): all that is left gets HURRY_US together, so a silent target
 * holds the capture's end that long at most. */
static int64_t step_deadline(const struct inspector *in, int64_t deadline)
{
	if (in->hurried_at && in->hurried_at + HURRY_US < deadline)
		return in->hurried_at + HURRY_US;
	return deadline;
}

/* Notes the capture's end when the wake fd fired; 1 when hurried. */
static int hurried(struct inspector *in, int wait_ms)
{
	struct pollfd p = { in->wake_fd, POLLIN, 0 };

	if (!in->hurried_at && poll(&p, 1, wait_ms) > 0)
		in->hurried_at = now_mono_us();
	return in->hurried_at != 0;
}

/* Waits until fd is ready for EVENTS or the deadline passes. 1 ready, 0
 * timed out, -1 error. */
static int wait_fd(struct inspector *in, int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd p[2] = { { fd, events, 0 }, { in->wake_fd, POLLIN, 0 } };
		int64_t left = step_deadline(in, deadline) - now_mono_us();
		int rc;

		if (left <= 0)
			return 0;
		/* The wake fd stays readable once written: watched until then. */
		rc = poll(p, in->hurried_at ? 1 : 2, (int)((left + 999) / 1000));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -1;
		if (rc > 0 && p[0].revents)
			return 1;
		if (rc > 0 && !in->hurried_at && p[1].revents)
			in->hurried_at = now_mono_us();
	}
}

static int do_connect(struct inspector *in, int fd, int64_t deadline, const char **err)
{
	struct sockaddr_in a;
	socklen_t sl = sizeof(int);
	int soerr = 0;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)in->port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
		return 0;
	if (errno != EINPROGRESS) {
		*err = strerror(errno);
		return -1;
	}
	if (wait_fd(in, fd, POLLOUT, deadline) <= 0) {
		*err = "timed out";
		return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr) {
		*err = strerror(soerr ? soerr : errno);
		return -1;
	}
	return 0;
}

static int send_all(struct inspector *in, int fd, const void *buf, size_t n, int64_t deadline)
{
	const char *p = buf;

	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_fd(in, fd, POLLOUT, deadline) <= 0)
				return -1;
			continue;
		}
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A connection's input: bytes read and not yet used. */
struct conn {
	struct inspector *in;
	int fd;
	unsigned char *buf;
	size_t off, len, alloc;
	int eof;
};

/* Reads until at least NEED unused bytes are buffered (NEED at most
 * limit), the peer closes, or the deadline passes. 0, or -1. */
static int fill(struct conn *c, size_t need, int64_t deadline, const char **err)
{
	while (c->len - c->off < need) {
		ssize_t r;

		if (c->off && c->off == c->len)
			c->off = c->len = 0;
		if (c->len == c->alloc) {
			size_t na;
			unsigned char *nb;

			if (c->off) {
				memmove(c->buf, c->buf + c->off, c->len - c->off);
				c->len -= c->off;
				c->off = 0;
				continue;
			}
			na = c->alloc ? c->alloc * 2 : 65536;
			while (na < need)
				na *= 2;
			if (!(nb = realloc(c->buf, na))) {
				*err = "out of memory";
				return -1;
			}
			c->buf = nb;
			c->alloc = na;
		}
		r = recv(c->fd, c->buf + c->len, c->alloc - c->len, MSG_DONTWAIT);
		if (r > 0) {
			c->len += (size_t)r;
			continue;
		}
		if (r == 0) {
			c->eof = 1;
			*err = "the inspector closed the connection";
			return -1;
		}
		if (errno != EAGAIN && errno != EINTR) {
			*err = strerror(errno);
			return -1;
		}
		if (wait_fd(c->in, c->fd, POLLIN, deadline) <= 0) {
			*err = "timed out";
			return -1;
		}
	}
	return 0;
}

/* Reads one whole WebSocket message (text, possibly in fragments) into
 * *msg (malloc) of *mlen bytes. A message longer than cap is read and
 * dropped: *msg is NULL and *too_big set. Pings are answered. 0, or -1
 * with *err. */
static int ws_read(struct conn *c, size_t cap, int64_t deadline, char **msg, size_t *mlen,
		   int *too_big, const char **err)
{
	char *m = NULL;
	size_t n = 0;
	int started = 0;

	*msg = NULL;
	*mlen = 0;
	*too_big = 0;
	for (;;) {
		struct ws_frame f;
		int rc;

		for (;;) {
			rc = ws_frame_parse(c->buf + c->off, c->len - c->off, &f);
			if (rc != 0)
				break;
			if (fill(c, c->len - c->off + 1, deadline, err) < 0)
				goto fail;
		}
		if (rc < 0) {
			*err = "not a valid WebSocket frame";
			goto fail;
		}
		if (f.payload_len > MAX_FRAME) {
			*err = "a WebSocket frame of over 1 GiB";
			goto fail;
		}
		c->off += f.header_len;
		if (f.opcode == WS_CLOSE) {
			*err = "the inspector closed the WebSocket";
			goto fail;
		}
		if (f.opcode >= WS_CLOSE || (f.opcode == WS_CONT) != started) {
			/* A ping or pong (unsolicited: ignored; the inspector
			 * sends none), or a fragment out of order. */
			if (f.opcode < WS_CLOSE) {
				*err = "WebSocket fragments out of order";
				goto fail;
			}
			if (fill(c, (size_t)f.payload_len, deadline, err) < 0)
				goto fail;
			c->off += (size_t)f.payload_len;
			continue;
		}
		started = 1;
		if (*too_big || f.payload_len > cap - n) {
			/* Dropped piece by piece: it never sits in memory. */
			uint64_t left = f.payload_len;

			*too_big = 1;
			free(m);
			m = NULL;
			while (left) {
				size_t have = c->len - c->off, take;

				if (!have && fill(c, 1, deadline, err) < 0)
					goto fail;
				have = c->len - c->off;
				take = have < left ? have : (size_t)left;
				c->off += take;
				left -= take;
			}
		} else {
			char *nm;

			if (fill(c, (size_t)f.payload_len, deadline, err) < 0)
				goto fail;
			if (!(nm = realloc(m, n + (size_t)f.payload_len + 1))) {
				*err = "out of memory";
				goto fail;
			}
			m = nm;
			memcpy(m + n, c->buf + c->off, (size_t)f.payload_len);
			n += (size_t)f.payload_len;
			m[n] = '\0';
			c->off += (size_t)f.payload_len;
		}
		if (f.fin)
			break;
	}
	*msg = m;
	*mlen = n;
	return 0;
fail:
	free(m);
	return -1;
}

static int ws_send(struct conn *c, const char *text, int64_t deadline)
{
	unsigned char mask[4], *frame;
	size_t n = strlen(text), fl;
	int rc;

	if (getrandom(mask, sizeof(mask), 0) != (ssize_t)sizeof(mask))
		memset(mask, 0x5a, sizeof(mask));
	if (!(frame = malloc(n + 14)))
		return -1;
	fl = ws_frame_build(frame, text, n, mask);
	rc = send_all(c->in, c->fd, frame, fl, deadline);
	free(frame);
	return rc;
}

/* Sends command ID (METHOD with PARAMS, a JSON object or NULL) and reads
 * messages until its answer (events in between are skipped). On success
 * returns 0 with the answer in *ans (parsed into *p, with the text it
 * points into in *text, both the caller's to free) when ans is not NULL.
 * -1 with the outcome said. */
static int command(struct conn *c, int id, const char *method, const char *params, size_t cap,
		   int64_t deadline, struct jsonp *p, char **text, int *cut)
{
	struct inspector *in = c->in;
	char req[512];
	const char *err = NULL;

	snprintf(req, sizeof(req), "{\"id\":%d,\"method\":\"%s\"%s%s%s}", id, method,
		 params ? ",\"params\":" : "", params ? params : "", "");
	if (ws_send(c, req, deadline) < 0)
		return outcome(in, "%s: cannot send: %s", method, strerror(errno));
	for (;;) {
		char *m;
		size_t n;
		int big;
		int64_t got;

		if (ws_read(c, cap, deadline, &m, &n, &big, &err) < 0)
			return outcome(in, "%s: %s", method, err);
		if (big) {
			if (cut)
				*cut = 1;
			return outcome(in, "%s: the answer passed %zu bytes and was dropped", method, cap);
		}
		jsonp_init(p, (uint32_t)(n / 2 + 64), 64);
		if (jsonp_parse(p, m, n) < 0) {
			outcome(in, "%s: the answer is not JSON: %s", method, p->err);
			jsonp_release(p);
			free(m);
			return -1;
		}
		if (jsonp_int(p, jsonp_get(p, 0, "id"), &got) == 0 && got == id) {
			int e = jsonp_get(p, 0, "error");

			if (e >= 0) {
				char msg[200];

				if (jsonp_str(p, jsonp_get(p, e, "message"), msg, sizeof(msg)) < 0)
					snprintf(msg, sizeof(msg), "no message");
				outcome(in, "%s: the inspector answered an error: %s", method, msg);
				jsonp_release(p);
				free(m);
				return -1;
			}
			*text = m;
			return 0;
		}
		jsonp_release(p);
		free(m);
	}
}

static int simple(struct conn *c, int id, const char *method, const char *params, int64_t step)
{
	struct jsonp p;
	char *text;

	if (command(c, id, method, params, MAX_MSG, now_mono_us() + step, &p, &text, NULL) < 0)
		return -1;
	jsonp_release(&p);
	free(text);
	return 0;
}

/* ---- the steps ---- */

static int wait_listening(struct inspector *in)
{
	int64_t deadline = now_mono_us() + LISTEN_WAIT_US;
	char why[300];
	uint32_t ino;

	for (;;) {
		int st = inspector_listener(in->net_tcp, in->fd_dir, in->pid, in->port, &ino, why, sizeof(why));

		if (st < 0)
			return outcome(in, "cannot tell whether the inspector listens: %s", why);
		if (st == 2)
			return outcome(in, "127.0.0.1:%d in the target's network namespace is held by another process "
				       "(socket inode %u is not among pid %d's fds): not talking to it",
				       in->port, ino, (int)in->pid);
		if (st == 1) {
			in->listen_inode = ino;
			return 0;
		}
		if (now_mono_us() >= step_deadline(in, deadline))
			return outcome(in, "the inspector did not open 127.0.0.1:%d within %llds of SIGUSR1 "
				       "(started with --disable-sigusr1, or the port was taken?)",
				       in->port, (long long)(LISTEN_WAIT_US / 1000000));
		if (!hurried(in, POLL_STEP_MS))
			continue;
		usleep(POLL_STEP_MS * 1000);
	}
}

/* GET /json/list: the session's WebSocket path. */
static int find_target(struct inspector *in, char *path, size_t size)
{
	struct conn c = { .in = in, .fd = in->socks[0] };
	int64_t deadline = now_mono_us() + STEP_US;
	struct http_head h;
	const char *err = "no answer";
	char req[128];
	struct jsonp p;
	int rc, i, ret = -1;

	snprintf(req, sizeof(req), "GET /json/list HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n",
		 in->port);
	if (do_connect(in, c.fd, deadline, &err) < 0)
		return outcome(in, "cannot connect to 127.0.0.1:%d: %s", in->port, err);
	if (send_all(in, c.fd, req, strlen(req), deadline) < 0)
		return outcome(in, "/json/list: cannot send: %s", strerror(errno));
	for (;;) {
		rc = http_head_parse((char *)c.buf + c.off, c.len - c.off, 8192, &h);
		if (rc)
			break;
		if (fill(&c, c.len - c.off + 1, deadline, &err) < 0) {
			outcome(in, "/json/list: %s", err);
			goto out;
		}
	}
	if (rc < 0 || h.status != 200) {
		outcome(in, "/json/list: not an inspector's answer (%s)", rc < 0 ? "bad HTTP" : "status not 200");
		goto out;
	}
	c.off += h.head_len;
	if (h.content_length > MAX_HTTP) {
		outcome(in, "/json/list: answer of %lld bytes (at most %d)", (long long)h.content_length, MAX_HTTP);
		goto out;
	}
	if (h.content_length >= 0) {
		if (fill(&c, (size_t)h.content_length, deadline, &err) < 0) {
			outcome(in, "/json/list: %s", err);
			goto out;
		}
	} else {
		/* No length: until the inspector closes, bounded. */
		while (!c.eof && c.len - c.off <= MAX_HTTP)
			if (fill(&c, c.len - c.off + 1, deadline, &err) < 0 && !c.eof) {
				outcome(in, "/json/list: %s", err);
				goto out;
			}
		h.content_length = (int64_t)(c.len - c.off);
		if (h.content_length > MAX_HTTP) {
			outcome(in, "/json/list: answer over %d bytes", MAX_HTTP);
			goto out;
		}
	}
	jsonp_init(&p, 4096, 16);
	if (jsonp_parse(&p, (char *)c.buf + c.off, (size_t)h.content_length) < 0) {
		outcome(in, "/json/list: not JSON: %s", p.err);
		goto out;
	}
	for (i = jsonp_first(&p, 0); i >= 0; i = jsonp_next(&p, i)) {
		char url[200];

		if (jsonp_str(&p, jsonp_get(&p, i, "webSocketDebuggerUrl"), url, sizeof(url)) > 0 &&
		    ws_url_path(url, in->port, path, size) == 0) {
			ret = 0;
			break;
		}
	}
	jsonp_release(&p);
	if (ret < 0)
		outcome(in, "/json/list: no target with a ws://127.0.0.1:%d/ debugger URL", in->port);
out:
	free(c.buf);
	return ret;
}

static void base64(const unsigned char *in, size_t n, char *out)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for (i = 0; i + 2 < n; i += 3) {
		out[o++] = t[in[i] >> 2];
		out[o++] = t[(in[i] & 3) << 4 | in[i + 1] >> 4];
		out[o++] = t[(in[i + 1] & 15) << 2 | in[i + 2] >> 6];
		out[o++] = t[in[i + 2] & 63];
	}
	if (n - i == 1) {
		out[o++] = t[in[i] >> 2];
		out[o++] = t[(in[i] & 3) << 4];
		out[o++] = '=';
		out[o++] = '=';
	}
	out[o] = '\0';
}

/* The WebSocket handshake on socks[1]. We do not check
 * Sec-WebSocket-Accept (it guards against caches between a browser and a
 * server); who we talk to is settled by the listening socket's owner. */
static int open_ws(struct inspector *in, struct conn *c, const char *path)
{
	int64_t deadline = now_mono_us() + STEP_US;
	unsigned char key[16];
	char req[512], k64[32];
	const char *err = "no answer";
	struct http_head h;
	int rc;

	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
		memset(key, 0x33, sizeof(key));
	base64(key, sizeof(key), k64);
	snprintf(req, sizeof(req),
		 "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		 "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", path, in->port, k64);
	if (do_connect(in, c->fd, deadline, &err) < 0)
		return outcome(in, "cannot connect to 127.0.0.1:%d: %s", in->port, err);
	if (send_all(in, c->fd, req, strlen(req), deadline) < 0)
		return outcome(in, "WebSocket: cannot send: %s", strerror(errno));
	for (;;) {
		rc = http_head_parse((char *)c->buf + c->off, c->len - c->off, 8192, &h);
		if (rc)
			break;
		if (fill(c, c->len - c->off + 1, deadline, &err) < 0)
			return outcome(in, "WebSocket handshake: %s", err);
	}
	if (rc < 0 || h.status != 101 || !h.upgrade_websocket)
		return outcome(in, "WebSocket handshake refused (%s)", rc < 0 ? "bad HTTP" : "no 101 upgrade");
	c->off += h.head_len;
	return 0;
}

/* Waits the profile's length, or less when the capture hurries us. */
static void wait_profile(struct inspector *in)
{
	int64_t deadline = now_mono_us() + in->duration_us;

	for (;;) {
		int64_t left = deadline - now_mono_us();

		if (left <= 0)
			return;
		if (hurried(in, (int)((left + 999) / 1000))) {
			outcome(in, "cut short: the capture ended");
			return;
		}
	}
}

/* Profiler.stop: the profile object's text is kept (it is what a
 * .cpuprofile file holds). */
static int stop_profile(struct inspector *in, struct conn *c, int id)
{
	struct jsonp p;
	char *text = NULL;
	int r, prof;

	if (command(c, id, "Profiler.stop", NULL, in->max_profile, now_mono_us() + 2 * STEP_US, &p, &text,
		    &in->profile_cut) < 0)
		return -1;
	in->end_wall_us = now_wall_us();
	r = jsonp_get(&p, 0, "result");
	prof = jsonp_get(&p, r, "profile");
	if (jsonp_type(&p, prof) != JSONP_OBJECT) {
		jsonp_release(&p);
		free(text);
		return outcome(in, "Profiler.stop: the answer holds no profile");
	}
	in->profile_len = p.t[prof].len;
	in->profile = malloc(in->profile_len + 1);
	if (in->profile) {
		memcpy(in->profile, text + p.t[prof].start, in->profile_len);
		in->profile[in->profile_len] = '\0';
	}
	jsonp_release(&p);
	free(text);
	if (!in->profile)
		return outcome(in, "out of memory");
	return 0;
}

/* Asks Node to close its inspector (we opened it) and waits for the port
 * to close. process._debugEnd() stops the inspector's server and its
 * sessions; the answer may never come, as it closes our own connection. */
static void close_inspector(struct inspector *in, struct conn *c, int id)
{
	int64_t deadline;
	char req[200], why[300];
	uint32_t ino;

	snprintf(req, sizeof(req),
		 "{\"id\":%d,\"method\":\"Runtime.evaluate\",\"params\":{\"expression\":\"process._debugEnd()\"}}", id);
	if (ws_send(c, req, now_mono_us() + STEP_US) < 0) {
		outcome(in, "could not ask the inspector to close: %s", strerror(errno));
		return;
	}
	/* Wait for the answer or the connection's end, whichever comes. */
	{
		const char *err;
		char *m = NULL;
		size_t n;
		int big;

		if (ws_read(c, MAX_MSG, now_mono_us() + STEP_US, &m, &n, &big, &err) == 0)
			free(m);
	}
	deadline = now_mono_us() + CLOSE_WAIT_US;
	for (;;) {
		int st = inspector_listener(in->net_tcp, in->fd_dir, in->pid, in->port, &ino, why, sizeof(why));

		if (st == 0) {
			in->closed = 1;
			outcome(in, "inspector closed again (port %d no longer listening)", in->port);
			return;
		}
		if (st < 0 || now_mono_us() >= step_deadline(in, deadline)) {
			outcome(in, "the inspector may still be open: port %d %s", in->port,
				st < 0 ? why : "still listening 5 s after process._debugEnd()");
			return;
		}
		usleep(POLL_STEP_MS * 1000);
	}
}

static void session(struct inspector *in)
{
	struct conn c = { .in = in, .fd = in->socks[1] };
	char path[128], params[64];
	uint32_t ino;
	char why[300];
	int st, ws_open = 0;

	if (!in->preexisting && wait_listening(in) < 0)
		return;
	if (find_target(in, path, sizeof(path)) < 0)
		goto closing;
	if (open_ws(in, &c, path) < 0)
		goto closing;
	ws_open = 1;
	snprintf(params, sizeof(params), "{\"interval\":%d}", in->interval_us);
	if (simple(&c, 1, "Profiler.enable", NULL, STEP_US) < 0 ||
	    simple(&c, 2, "Profiler.setSamplingInterval", params, STEP_US) < 0 ||
	    simple(&c, 3, "Profiler.start", NULL, STEP_US) < 0)
		goto closing;
	in->start_wall_us = now_wall_us();
	wait_profile(in);
	if (stop_profile(in, &c, 4) == 0)
		in->ok = 1;
	simple(&c, 5, "Profiler.disable", NULL, STEP_US);
	/* The port must still be the target's: else what we read came from
	 * someone else. */
	st = inspector_listener(in->net_tcp, in->fd_dir, in->pid, in->port, &ino, why, sizeof(why));
	if (in->ok && (st != 1 || ino != in->listen_inode)) {
		in->ok = 0;
		outcome(in, "the inspector's socket changed during the profile: its data is not kept");
	}
closing:
	if (in->preexisting) {
		outcome(in, "the inspector was already open before the capture: left open");
	} else if (ws_open) {
		close_inspector(in, &c, 6);
	} else if (inspector_listener(in->net_tcp, in->fd_dir, in->pid, in->port, &ino, why, sizeof(why)) == 1) {
		/* Closing takes a session, and there is none. */
		outcome(in, "the inspector is still open on 127.0.0.1:%d (no session to close it)", in->port);
	}
	free(c.buf);
}

void *inspector_thread(void *arg)
{
	/* Reading the target's /proc/PID/net/tcp and fd links. */
	static const int keep[] = { CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH };
	struct inspector *in = arg;

	privs_limit_thread(keep, 2);
	session(in);
	if (in->ok)
		outcome(in, "profile taken (%zu bytes)", in->profile_len);
	atomic_store_explicit(&in->done, 1, memory_order_release);
	return NULL;
}

void inspector_release(struct inspector *in)
{
	int i;

	free(in->profile);
	in->profile = NULL;
	for (i = 0; i < INSPECTOR_SOCKS; i++) {
		if (in->socks[i] >= 0)
			close(in->socks[i]);
		in->socks[i] = -1;
	}
	if (in->wake_fd >= 0)
		close(in->wake_fd);
	in->wake_fd = -1;
}
