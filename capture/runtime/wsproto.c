/* HTTP response heads and WebSocket frame headers; see wsproto.h. */
#include "wsproto.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *find_crlf(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i++)
		if (s[i] == '\r' && s[i + 1] == '\n')
			return s + i;
	return NULL;
}

static int header_is(const char *line, size_t len, const char *name, const char **val, size_t *vlen)
{
	size_t n = strlen(name);

	if (len <= n || line[n] != ':' || strncasecmp(line, name, n) != 0)
		return 0;
	*val = line + n + 1;
	*vlen = len - n - 1;
	while (*vlen && (**val == ' ' || **val == '\t')) {
		(*val)++;
		(*vlen)--;
	}
	while (*vlen && ((*val)[*vlen - 1] == ' ' || (*val)[*vlen - 1] == '\t'))
		(*vlen)--;
	return 1;
}

int http_head_parse(const char *buf, size_t len, size_t max_head, struct http_head *h)
{
	const char *p = buf, *end, *e;
	size_t avail = len < max_head ? len : max_head;
	int status = 0, k;

	memset(h, 0, sizeof(*h));
	h->content_length = -1;
	if (avail >= 5 && memcmp(buf, "HTTP/", 5) != 0)
		return -1;
	if (!(e = find_crlf(buf, avail)))
		return len >= max_head ? -1 : 0;
	/* "HTTP/1.x NNN reason" */
	if (e - buf < 12 || memcmp(buf, "HTTP/1.", 7) != 0 || buf[8] != ' ')
		return -1;
	for (k = 9; k < 12; k++) {
		if (buf[k] < '0' || buf[k] > '9')
			return -1;
		status = status * 10 + (buf[k] - '0');
	}
	if (e - buf > 12 && buf[12] != ' ')
		return -1;
	h->status = status;
	p = e + 2;
	end = buf + avail;
	for (;;) {
		const char *val;
		size_t vlen, llen;

		if (!(e = find_crlf(p, (size_t)(end - p))))
			return len >= max_head ? -1 : 0;
		llen = (size_t)(e - p);
		if (llen == 0) {
			h->head_len = (size_t)(e + 2 - buf);
			return 1;
		}
		if (!memchr(p, ':', llen))
			return -1;
		if (header_is(p, llen, "Content-Length", &val, &vlen)) {
			int64_t v = 0;
			size_t i;

			if (h->content_length >= 0 || vlen == 0 || vlen > 12)
				return -1;
			for (i = 0; i < vlen; i++) {
				if (val[i] < '0' || val[i] > '9')
					return -1;
				v = v * 10 + (val[i] - '0');
			}
			h->content_length = v;
		} else if (header_is(p, llen, "Upgrade", &val, &vlen)) {
			h->upgrade_websocket = vlen == 9 && strncasecmp(val, "websocket", 9) == 0;
		}
		p = e + 2;
	}
}

int ws_frame_parse(const unsigned char *buf, size_t len, struct ws_frame *f)
{
	uint64_t n;
	size_t hl = 2;
	int i;

	memset(f, 0, sizeof(*f));
	if (len < 2)
		return 0;
	if (buf[0] & 0x70)
		return -1;            /* RSV bits: no extension was negotiated */
	f->fin = (buf[0] & 0x80) != 0;
	f->opcode = buf[0] & 0x0f;
	if (!(f->opcode <= WS_BINARY || (f->opcode >= WS_CLOSE && f->opcode <= WS_PONG)))
		return -1;
	if (buf[1] & 0x80)
		return -1;            /* a server never masks */
	n = buf[1] & 0x7f;
	if (n == 126) {
		if (len < 4)
			return 0;
		n = (uint64_t)buf[2] << 8 | buf[3];
		if (n < 126)
			return -1;
		hl = 4;
	} else if (n == 127) {
		if (len < 10)
			return 0;
		n = 0;
		for (i = 2; i < 10; i++)
			n = n << 8 | buf[i];
		if (n >> 63 || n <= 0xffff)
			return -1;
		hl = 10;
	}
	if (f->opcode >= WS_CLOSE && (n > 125 || !f->fin))
		return -1;
	f->header_len = hl;
	f->payload_len = n;
	return 1;
}

size_t ws_frame_build(unsigned char *out, const char *payload, size_t n, const unsigned char mask[4])
{
	size_t hl, i;

	out[0] = 0x80 | WS_TEXT;
	if (n < 126) {
		out[1] = (unsigned char)(0x80 | n);
		hl = 2;
	} else if (n <= 0xffff) {
		out[1] = 0x80 | 126;
		out[2] = (unsigned char)(n >> 8);
		out[3] = (unsigned char)n;
		hl = 4;
	} else {
		out[1] = 0x80 | 127;
		for (i = 0; i < 8; i++)
			out[2 + i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
		hl = 10;
	}
	memcpy(out + hl, mask, 4);
	hl += 4;
	for (i = 0; i < n; i++)
		out[hl + i] = (unsigned char)payload[i] ^ mask[i & 3];
	return hl + n;
}

int ws_url_path(const char *url, int port, char *path, size_t size)
{
	char prefix[40];
	size_t pl, i, n;

	snprintf(prefix, sizeof(prefix), "ws://127.0.0.1:%d/", port);
	pl = strlen(prefix);
	if (size < 102 || strncmp(url, prefix, pl) != 0)
		return -1;
	n = strlen(url + pl);
	if (n == 0 || n > 100)
		return -1;
	for (i = 0; i < n; i++) {
		char c = url[pl + i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
			return -1;
	}
	snprintf(path, size, "/%s", url + pl);
	return 0;
}
