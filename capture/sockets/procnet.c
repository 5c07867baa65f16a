#include "procnet.h"

#include "parse.h"

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#define PROCNET_MAX_TOKENS 12

struct tok {
	const char *p;
	size_t len;
};

/* Exactly len hex digits (1..16) into *out. */
static int parse_hex(const char *p, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 16)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int d = parse_hexdigit((unsigned char)p[i]);
		if (d < 0)
			return -1;
		v = (v << 4) | (uint64_t)d;
	}
	*out = v;
	return 0;
}

static int parse_dec(const char *p, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 19)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	*out = v;
	return 0;
}

/* "HEXADDR:PORT". The kernel prints each 32-bit word of the address as it
 * sits in memory (%08X of a native-endian load), so storing the parsed word
 * back natively restores network byte order. */
static int parse_endpoint(const struct tok *t, int family, uint8_t *addr, uint16_t *port)
{
	size_t alen = family == AF_INET6 ? 32 : 8;
	uint64_t v;

	if (t->len != alen + 5 || t->p[alen] != ':')
		return -1;
	memset(addr, 0, 16);
	for (size_t i = 0; i < alen / 8; i++) {
		uint32_t w;
		if (parse_hex(t->p + 8 * i, 8, &v) < 0)
			return -1;
		w = (uint32_t)v;
		memcpy(addr + 4 * i, &w, 4);
	}
	if (parse_hex(t->p + alen + 1, 4, &v) < 0)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* "HEX:HEX" with 8 digits each side. */
static int parse_pair(const struct tok *t, uint64_t *a, uint64_t *b)
{
	if (t->len != 17 || t->p[8] != ':')
		return -1;
	if (parse_hex(t->p, 8, a) < 0 || parse_hex(t->p + 9, 8, b) < 0)
		return -1;
	return 0;
}

static int parse_line(const char *line, size_t len, int proto, int family,
		      struct sockdiag_result *r)
{
	struct tok t[PROCNET_MAX_TOKENS];
	struct sockdiag_sock s;
	struct sockdiag_sock *slot;
	uint64_t st, tx, rx, retr, uid, inode;
	size_t nt = 0, i = 0;

	while (i < len && nt < PROCNET_MAX_TOKENS) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i >= len)
			break;
		t[nt].p = line + i;
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
		t[nt].len = (size_t)(line + i - t[nt].p);
		nt++;
	}
	if (nt < 10)
		return -1;
	/* "sl" is "N:" */
	if (t[0].len < 2 || t[0].p[t[0].len - 1] != ':')
		return -1;
	memset(&s, 0, sizeof(s));
	sockdiag_tcpinfo_absent(&s.ti);
	s.family = (uint8_t)family;
	s.proto = (uint8_t)proto;
	if (parse_endpoint(&t[1], family, s.src, &s.sport) < 0 ||
	    parse_endpoint(&t[2], family, s.dst, &s.dport) < 0)
		return -1;
	if (t[3].len != 2 || parse_hex(t[3].p, 2, &st) < 0 || st == 0 || st >= SD_STATE_MAX)
		return -1;
	if (parse_pair(&t[4], &tx, &rx) < 0)
		return -1;
	if (parse_hex(t[6].p, t[6].len, &retr) < 0 || t[6].len != 8)
		return -1;
	if (parse_dec(t[7].p, t[7].len, &uid) < 0 || uid > UINT32_MAX)
		return -1;
	if (parse_dec(t[9].p, t[9].len, &inode) < 0 || inode > UINT32_MAX)
		return -1;
	s.state = (uint8_t)st;
	s.wqueue = (uint32_t)tx;
	s.rqueue = (uint32_t)rx;
	s.uid = (uint32_t)uid;
	s.inode = (uint32_t)inode;
	if (proto == IPPROTO_TCP)
		s.ti.retransmits = (int64_t)retr;
	slot = sockdiag_result_push(r);
	if (!slot)
		return -2;
	*slot = s;
	return 0;
}

int procnet_parse(const char *buf, size_t len, int proto, int family, struct sockdiag_result *r)
{
	size_t pos = 0;
	int first = 1;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		const char *line = buf + pos;

		pos += llen + (nl ? 1 : 0);
		if (first) {
			first = 0;
			/* The header names its columns; a file without one is
			 * still parsed line by line. */
			if (llen >= 2 && memmem(line, llen, "local_address", 13))
				continue;
		}
		size_t k = 0;
		while (k < llen && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r'))
			k++;
		if (k == llen)
			continue;
		int rc = parse_line(line, llen, proto, family, r);
		if (rc == -2)
			return -1;
		if (rc < 0)
			r->malformed++;
	}
	return 0;
}

void sockstat_init(struct sockstat *st)
{
	st->tcp_inuse = st->tcp_tw = st->udp_inuse = st->tcp6_inuse = st->udp6_inuse = -1;
}

/* The value of "NAME N" in the tokens of one line, or -1. */
static int64_t field(const struct tok *t, int nt, const char *name)
{
	size_t nl = strlen(name);
	uint64_t v;

	for (int i = 1; i + 1 < nt; i += 2)
		if (t[i].len == nl && !memcmp(t[i].p, name, nl))
			return parse_dec(t[i + 1].p, t[i + 1].len, &v) < 0 || v > INT64_MAX ? -1 : (int64_t)v;
	return -1;
}

int sockstat_parse(const char *buf, size_t len, struct sockstat *st)
{
	static const struct { const char *line, *name; size_t off; } want[] = {
		{ "TCP:", "inuse", offsetof(struct sockstat, tcp_inuse) },
		{ "TCP:", "tw", offsetof(struct sockstat, tcp_tw) },
		{ "UDP:", "inuse", offsetof(struct sockstat, udp_inuse) },
		{ "TCP6:", "inuse", offsetof(struct sockstat, tcp6_inuse) },
		{ "UDP6:", "inuse", offsetof(struct sockstat, udp6_inuse) },
	};
	const char *p = buf, *end = buf + len;
	int set = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		struct tok t[PROCNET_MAX_TOKENS];
		int nt = 0;

		if (!eol)
			eol = end;
		for (const char *q = p; q < eol && nt < PROCNET_MAX_TOKENS; ) {
			while (q < eol && (*q == ' ' || *q == '\t'))
				q++;
			if (q == eol)
				break;
			t[nt].p = q;
			while (q < eol && *q != ' ' && *q != '\t')
				q++;
			t[nt].len = (size_t)(q - t[nt].p);
			nt++;
		}
		for (size_t i = 0; nt > 0 && i < sizeof(want) / sizeof(want[0]); i++) {
			int64_t v;
			if (t[0].len != strlen(want[i].line) || memcmp(t[0].p, want[i].line, t[0].len))
				continue;
			v = field(t, nt, want[i].name);
			if (v < 0)
				continue;
			*(int64_t *)(void *)((char *)st + want[i].off) = v;
			set++;
		}
		p = eol + 1;
	}
	return set;
}
