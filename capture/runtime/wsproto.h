/* The pure pieces of talking to a Node inspector: an HTTP response's head
 * and a WebSocket frame's header (RFC 6455), parsed from a buffer and a
 * length, and a client frame built. Every byte they read was written by the
 * target (or whoever holds its port): lengths are checked before use and
 * bounded by the caller. */
#ifndef CASEFILE_WSPROTO_H
#define CASEFILE_WSPROTO_H

#include <stddef.h>
#include <stdint.h>

struct http_head {
	int status;                      /* e.g. 200, 101 */
	size_t head_len;                 /* bytes up to and including the blank line */
	int64_t content_length;          /* -1 when not given */
	int upgrade_websocket;           /* "Upgrade: websocket" present */
};

/* Parses the head of an HTTP/1.x response in buf[0..len). Returns 1 with
 * *h filled when the head is complete, 0 when more bytes are needed (and
 * len is below max_head), -1 when it is not an HTTP response, a header is
 * malformed, Content-Length is repeated, negative or not a number, or the
 * head passes max_head bytes. */
int http_head_parse(const char *buf, size_t len, size_t max_head, struct http_head *h);

enum { WS_CONT = 0, WS_TEXT = 1, WS_BINARY = 2, WS_CLOSE = 8, WS_PING = 9, WS_PONG = 10 };

struct ws_frame {
	int fin;
	int opcode;
	size_t header_len;               /* bytes before the payload */
	uint64_t payload_len;
};

/* Parses the header of a frame a server sent, at buf[0..len). Returns 1
 * with *f filled, 0 when more bytes are needed, -1 when it is invalid: a
 * masked frame (servers never mask), reserved bits or opcodes, a control
 * frame longer than 125 bytes or fragmented, a length in more bytes than
 * needed or with the top bit set. The payload length is the caller's to
 * bound. */
int ws_frame_parse(const unsigned char *buf, size_t len, struct ws_frame *f);

/* Builds a final, masked text frame of payload[0..n) into out (size at
 * least n + 14) with mask key; returns its length. */
size_t ws_frame_build(unsigned char *out, const char *payload, size_t n, const unsigned char mask[4]);

/* Whether url is "ws://127.0.0.1:PORT/PATH" with PATH of [A-Za-z0-9-]
 * (a session id), at most 100 characters: copies "/PATH" into path (size
 * at least 102) and returns 0; -1 otherwise. */
int ws_url_path(const char *url, int port, char *path, size_t size);

#endif
