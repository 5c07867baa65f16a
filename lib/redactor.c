#include "redactor.h"

#include "hash.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "pktdecode.h"
#include "sha256.h"
#include "textscan.h"

#define REDACT_KEY_LEN 32
/* Values kept in memory for the collision check (~40 MB at most). Past it,
 * pseudonyms are still the 64-bit HMAC, stable and written to the map, but
 * no longer checked against each other (a collision is then as likely as
 * any two of 2^64 values meeting). */
#define REDACT_MAX_MAPPINGS (1 << 18)
#define REDACT_MAX_LITERALS 32
#define REDACT_MAX_VALUE 4096           /* longer values are hashed, and mapped, as their first 4 KiB */

static const char *const kind_names[REDACT_KIND_COUNT] = {
	"ip", "email", "host", "token", "user", "path", "id", "ip4", "ip6",
};

struct entry {
	enum redact_kind kind;
	size_t len;
	char *value;
	char pseudo[REDACT_PSEUDO_MAX];
};

struct literal {
	enum redact_kind kind;
	size_t len;
	char *s;
};

struct redactor {
	unsigned char key[REDACT_KEY_LEN];
	FILE *map;
	char *map_path;
	struct entry *entries;
	size_t count, alloc;
	/* Two open-addressing indexes into entries (index + 1, 0 = empty):
	 * by kind + value, and by pseudonym. */
	struct hash_index by_value, by_pseudo;  /* entry by (kind, value), by pseudonym */
	struct literal literals[REDACT_MAX_LITERALS];
	int nliterals;
	int width;            /* hex digits of text pseudonyms: 16 (tests shorten it) */
	uint64_t over_bound;  /* pseudonyms made past REDACT_MAX_MAPPINGS */
};

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static int is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static int is_word(unsigned char c) { return is_digit(c) || is_alpha(c) || c == '_'; }
static int is_hex(unsigned char c) { return is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }

static uint64_t value_hash(enum redact_kind kind, const char *v, size_t n)
{
	unsigned char k = (unsigned char)kind;

	return hash_mix(hash_bytes(v, n, hash_bytes(&k, 1, HASH_SEED)));
}

static void random_key(unsigned char *key, size_t len)
{
	size_t got = 0;
	ssize_t n;
	int fd;

	while (got < len) {
		n = getrandom(key + got, len - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got == len)
		return;
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		while (got < len && (n = read(fd, key + got, len - got)) > 0)
			got += (size_t)n;
		close(fd);
	}
	if (got < len) {
		/* Weak, but a capture without redaction would be worse. */
		struct timespec ts;
		size_t i;

		warning("no random source for the redaction key; using time and pid");
		clock_gettime(CLOCK_MONOTONIC, &ts);
		for (i = got; i < len; i++)
			key[i] = (unsigned char)((uint64_t)ts.tv_nsec * 2654435761u >> (i % 24)) ^ (unsigned char)getpid();
	}
}

static void write_escaped(FILE *f, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\')
			fputs("\\\\", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

static void write_key_line(struct redactor *r, const char *what)
{
	char hex[2 * SHA256_LEN + 1];
	size_t i;

	if (!r->map)
		return;
	for (i = 0; i < REDACT_KEY_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", r->key[i]);
	fprintf(r->map, "# %s %s (pseudonym = kind \"-\" first 16 hex of HMAC-SHA256(key, kind \":\" original), "
		"collisions resolved by appending \"#\" and a counter)\n", what, hex);
	fflush(r->map);
}

static void write_entry(struct redactor *r, const struct entry *e)
{
	if (!r->map)
		return;
	fprintf(r->map, "%s\t%s\t", kind_names[e->kind], e->pseudo);
	write_escaped(r->map, e->value, e->len);
	fputc('\n', r->map);
	/* Flushed now: a killed capture must still leave a usable mapping. */
	fflush(r->map);
}

struct redactor *redactor_new(void)
{
	struct redactor *r = calloc(1, sizeof(*r));

	if (!r) {
		error("out of memory");
		return NULL;
	}
	random_key(r->key, sizeof(r->key));
	r->width = 16;
	return r;
}

int redactor_open_map(struct redactor *r, const char *path)
{
	struct stat st;
	size_t i;
	int fd;

	if (r->map)
		return error("redaction map already open at '%s'", r->map_path);
	/* Exclusive, 0600 from creation, no symlink: the map undoes the
	 * redaction, so a file someone else prepared must never receive it. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return error("redaction map '%s' already exists; refusing to reuse it "
				     "(move it away or choose another with --redact-map/--map)", path);
		return error_errno("cannot create redaction map '%s'", path);
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		close(fd);
		unlink(path);
		return error("redaction map '%s' is not a private regular file", path);
	}
	r->map = fdopen(fd, "w");
	if (!r->map) {
		close(fd);
		unlink(path);
		return error_errno("cannot open redaction map '%s'", path);
	}
	free(r->map_path);
	r->map_path = strdup(path);
	fprintf(r->map, "# casefile redaction map: kind, pseudonym, original. Keep it private.\n");
	write_key_line(r, "key");
	for (i = 0; i < r->count; i++)
		write_entry(r, &r->entries[i]);
	if (ferror(r->map))
		return error_errno("cannot write redaction map '%s'", path);
	return 0;
}

const char *redactor_map_path(const struct redactor *r)
{
	return r ? r->map_path : NULL;
}

void redactor_free(struct redactor *r)
{
	size_t i;
	int j;

	if (!r)
		return;
	if (r->map)
		fclose(r->map);
	for (j = 0; j < r->nliterals; j++)
		free(r->literals[j].s);
	for (i = 0; i < r->count; i++)
		free(r->entries[i].value);
	free(r->entries);
	hash_index_release(&r->by_value);
	hash_index_release(&r->by_pseudo);
	free(r->map_path);
	memset(r->key, 0, sizeof(r->key));
	free(r);
}

void redactor_set_width(struct redactor *r, int hexdigits)
{
	r->width = hexdigits < 1 ? 1 : hexdigits > 16 ? 16 : hexdigits;
}

void redactor_set_key(struct redactor *r, const void *key, size_t len)
{
	memset(r->key, 0, sizeof(r->key));
	memcpy(r->key, key, len < sizeof(r->key) ? len : sizeof(r->key));
	write_key_line(r, "rekeyed");
}

int redactor_add_literal(struct redactor *r, enum redact_kind kind, const char *s)
{
	struct literal *l;
	int i;

	if (!s || !*s || !strcmp(s, "root") || !strcmp(s, "localhost"))
		return 0;
	for (i = 0; i < r->nliterals; i++)
		if (!strcmp(r->literals[i].s, s))
			return 0;
	if (r->nliterals == REDACT_MAX_LITERALS)
		return error("too many redaction literals");
	l = &r->literals[r->nliterals];
	if (!(l->s = strdup(s)))
		return error("out of memory");
	l->len = strlen(s);
	l->kind = kind;
	r->nliterals++;
	return 0;
}

size_t redactor_count(const struct redactor *r)
{
	return r->count;
}

/* --- the two-way map ------------------------------------------------------- */

struct value_key {
	enum redact_kind kind;
	const char *v;
	size_t n;
};

static int entry_has_value(uint32_t idx, const void *key, void *ctx)
{
	const struct redactor *r = ctx;
	const struct value_key *k = key;
	const struct entry *e = &r->entries[idx];

	return e->kind == k->kind && e->len == k->n && !memcmp(e->value, k->v, k->n);
}

static int entry_has_pseudo(uint32_t idx, const void *key, void *ctx)
{
	const struct redactor *r = ctx;

	return !strcmp(r->entries[idx].pseudo, key);
}

static uint64_t entry_value_hash(uint32_t idx, void *ctx)
{
	const struct redactor *r = ctx;

	return value_hash(r->entries[idx].kind, r->entries[idx].value, r->entries[idx].len);
}

static uint64_t entry_pseudo_hash(uint32_t idx, void *ctx)
{
	const struct redactor *r = ctx;

	return hash_str(r->entries[idx].pseudo);
}

/* The entry number + 1 of (kind, value), or 0. */
static size_t find_value(const struct redactor *r, enum redact_kind kind, const char *v, size_t n)
{
	struct value_key k = { kind, v, n };
	long at = hash_index_find(&r->by_value, value_hash(kind, v, n), entry_has_value, &k, (void *)r);

	return at < 0 ? 0 : (size_t)at + 1;
}

static size_t find_pseudo(const struct redactor *r, const char *p)
{
	long at = hash_index_find(&r->by_pseudo, hash_str(p), entry_has_pseudo, p, (void *)r);

	return at < 0 ? 0 : (size_t)at + 1;
}

/* The candidate pseudonym number `attempt` of a value: 64 bits of HMAC. */
static void candidate(struct redactor *r, enum redact_kind kind, const char *v, size_t n,
		      unsigned attempt, unsigned char d[SHA256_LEN])
{
	const char *name = kind_names[kind];
	size_t kl = strlen(name), m = kl + 1 + n;
	char stack[256], *msg = m + 16 <= sizeof(stack) ? stack : malloc(m + 16);

	if (!msg) {
		memset(d, 0, SHA256_LEN);
		return;
	}
	memcpy(msg, name, kl);
	msg[kl] = ':';
	memcpy(msg + kl + 1, v, n);
	if (attempt)
		m += (size_t)snprintf(msg + m, 16, "#%u", attempt);
	hmac_sha256(r->key, sizeof(r->key), msg, m, d);
	if (msg != stack)
		free(msg);
}

static void format_pseudo(enum redact_kind kind, const unsigned char *d, char *out, int width)
{
	if (kind == REDACT_IP4_BYTES) {
		/* 240.0.0.0/4 (reserved): never a real peer, so never confused with one. */
		snprintf(out, REDACT_PSEUDO_MAX, "%u.%u.%u.%u", 240 | (d[0] & 15), d[1], d[2], d[3]);
	} else if (kind == REDACT_IP6_BYTES) {
		/* 100::/64, the discard-only prefix (RFC 6666). */
		snprintf(out, REDACT_PSEUDO_MAX, "100::%x:%x:%x:%x", d[0] << 8 | d[1], d[2] << 8 | d[3],
			 d[4] << 8 | d[5], d[6] << 8 | d[7]);
	} else {
		int i, o = snprintf(out, REDACT_PSEUDO_MAX, "%s-", kind_names[kind]);

		for (i = 0; i < 8; i++)
			o += snprintf(out + o, (size_t)(REDACT_PSEUDO_MAX - o), "%02x", d[i]);
		/* Shorter only in tests (redactor_set_width), to force collisions. */
		for (i = 16; i > width; i--)
			out[o - (16 - i) - 1] = '0';
	}
}

/* The entry for a value, made on first sight. NULL only when out of memory
 * or over the bound. */
static const struct entry *lookup(struct redactor *r, enum redact_kind kind, const char *v, size_t n)
{
	unsigned char d[SHA256_LEN];
	struct entry *e;
	size_t idx;
	unsigned attempt;

	if (n > REDACT_MAX_VALUE)
		n = REDACT_MAX_VALUE;
	if ((idx = find_value(r, kind, v, n)))
		return &r->entries[idx - 1];
	if (r->count >= REDACT_MAX_MAPPINGS)
		return NULL;
	/* Both indexes sized first, so adding the entry to them cannot fail. */
	if (hash_index_reserve(&r->by_value, r->count + 1, entry_value_hash, r) < 0 ||
	    hash_index_reserve(&r->by_pseudo, r->count + 1, entry_pseudo_hash, r) < 0)
		return NULL;
	if (r->count == r->alloc) {
		size_t na = r->alloc ? r->alloc * 2 : 256;
		struct entry *ne = realloc(r->entries, na * sizeof(*ne));

		if (!ne)
			return NULL;
		r->entries = ne;
		r->alloc = na;
	}
	e = &r->entries[r->count];
	e->kind = kind;
	e->len = n;
	if (!(e->value = malloc(n + 1)))
		return NULL;
	memcpy(e->value, v, n);
	e->value[n] = 0;
	/* Collision check: a candidate another value holds is skipped. */
	for (attempt = 0;; attempt++) {
		if (attempt == 1u << 20) {
			free(e->value);
			return NULL;
		}
		candidate(r, kind, v, n, attempt, d);
		format_pseudo(kind, d, e->pseudo, r->width);
		if (!find_pseudo(r, e->pseudo))
			break;
	}
	hash_index_add(&r->by_value, value_hash(kind, e->value, n), (uint32_t)r->count, entry_value_hash, r);
	hash_index_add(&r->by_pseudo, hash_str(e->pseudo), (uint32_t)r->count, entry_pseudo_hash, r);
	r->count++;
	write_entry(r, e);
	return e;
}

const char *redactor_original(const struct redactor *r, const char *pseudo)
{
	size_t idx = find_pseudo(r, pseudo);

	return idx ? r->entries[idx - 1].value : NULL;
}

const char *redactor_pseudonym(struct redactor *r, enum redact_kind kind,
			       const char *value, size_t len, char *out, size_t outsz)
{
	const struct entry *e;

	if ((unsigned)kind >= REDACT_KIND_COUNT)
		kind = REDACT_TOKEN;
	/* Redacting twice changes nothing. */
	if (kind < REDACT_IP4_BYTES && redactor_is_pseudonym(value, len)) {
		snprintf(out, outsz, "%.*s", (int)len, value);
		return out;
	}
	e = lookup(r, kind, value, len);
	if (e) {
		snprintf(out, outsz, "%s", e->pseudo);
	} else {
		struct entry tmp;
		unsigned char d[SHA256_LEN];

		if (len > REDACT_MAX_VALUE)
			len = REDACT_MAX_VALUE;
		candidate(r, kind, value, len, 0, d);
		format_pseudo(kind, d, tmp.pseudo, r->width);
		tmp.kind = kind;
		tmp.value = (char *)value;
		tmp.len = len;
		if (!r->over_bound++)
			warning("more than %d values to redact: later pseudonyms are not checked for collisions",
				REDACT_MAX_MAPPINGS);
		write_entry(r, &tmp);
		snprintf(out, outsz, "%s", tmp.pseudo);
	}
	return out;
}

/* --- addresses ------------------------------------------------------------- */

static int addr_identifies(const uint8_t *a, size_t len)
{
	static const uint8_t zero[16], v6lo[16] = { [15] = 1 };

	if (len == 4)
		return !(a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == 0) &&
		       !(a[0] == 127 && a[1] == 0 && a[2] == 0 && a[3] == 1);
	return memcmp(a, zero, 16) && memcmp(a, v6lo, 16);
}

const char *redactor_addr(struct redactor *r, const char *addr, char *out, size_t outsz)
{
	uint8_t b[16];
	const char *v4 = addr;

	if (!strncasecmp(addr, "::ffff:", 7) && inet_pton(AF_INET, addr + 7, b) == 1) {
		char p[REDACT_PSEUDO_MAX];

		if (!addr_identifies(b, 4))
			snprintf(out, outsz, "%s", addr);
		else
			snprintf(out, outsz, "::ffff:%s", redactor_pseudonym(r, REDACT_IP, addr + 7, strlen(addr + 7), p, sizeof(p)));
		return out;
	}
	if (inet_pton(AF_INET, v4, b) == 1) {
		if (!addr_identifies(b, 4))
			snprintf(out, outsz, "%s", addr);
		else
			redactor_pseudonym(r, REDACT_IP, addr, strlen(addr), out, outsz);
		return out;
	}
	if (inet_pton(AF_INET6, addr, b) == 1) {
		char canon[INET6_ADDRSTRLEN];

		if (!addr_identifies(b, 16)) {
			snprintf(out, outsz, "%s", addr);
			return out;
		}
		/* One pseudonym per address, however it was spelled. */
		inet_ntop(AF_INET6, b, canon, sizeof(canon));
		return redactor_pseudonym(r, REDACT_IP, canon, strlen(canon), out, outsz);
	}
	redactor_apply(r, addr, strlen(addr), out, outsz);
	return out;
}

int redactor_addr_bytes(struct redactor *r, uint8_t *addr, size_t len)
{
	char text[INET6_ADDRSTRLEN];
	const struct entry *e;

	static const uint8_t p6[8] = { 0x01, 0x00 };

	if ((len != 4 && len != 16) || !addr_identifies(addr, len))
		return 0;
	/* Already a pseudonym (240.0.0.0/4, 100::/64: never a real peer). */
	if ((len == 4 && (addr[0] & 0xf0) == 240) || (len == 16 && !memcmp(addr, p6, 8)))
		return 0;
	inet_ntop(len == 4 ? AF_INET : AF_INET6, addr, text, sizeof(text));
	e = lookup(r, len == 4 ? REDACT_IP4_BYTES : REDACT_IP6_BYTES, text, strlen(text));
	if (!e || inet_pton(len == 4 ? AF_INET : AF_INET6, e->pseudo, addr) != 1) {
		/* Never leave the original: the unspecified address says "redacted". */
		memset(addr, 0, len);
		return 1;
	}
	return 1;
}

/* --- packets --------------------------------------------------------------- */

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') for every 16-bit word m -> m'. */
static void csum_adjust(uint8_t *csum, const uint8_t *old, const uint8_t *new, size_t len, int udp)
{
	uint32_t sum = (uint32_t)(~(csum[0] << 8 | csum[1]) & 0xffff);
	uint16_t res;
	size_t i;

	if (udp && !csum[0] && !csum[1])
		return;      /* UDP over IPv4 without a checksum stays without one */
	for (i = 0; i + 1 < len; i += 2) {
		sum += (uint32_t)(~(old[i] << 8 | old[i + 1]) & 0xffff);
		sum += (uint32_t)(new[i] << 8 | new[i + 1]);
	}
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	res = (uint16_t)~sum;
	if (udp && !res)
		res = 0xffff;
	csum[0] = (uint8_t)(res >> 8);
	csum[1] = (uint8_t)res;
}

uint32_t redactor_frame(struct redactor *r, int linktype, uint8_t *frame, uint32_t caplen,
			uint32_t wirelen)
{
	struct pkt_info pi;
	uint8_t old[32];
	uint32_t hl, l3, l4, alen, aoff;

	pkt_decode(frame, caplen, wirelen, linktype, &pi);
	hl = pkt_header_len(&pi);
	/* Link-layer addresses: zeroed (MACs name machines too). */
	if (linktype == PKT_LINK_EN10MB)
		memset(frame, 0, caplen < 12 ? caplen : 12);
	else if (linktype == PKT_LINK_LINUX_SLL && caplen > 6)
		memset(frame + 6, 0, caplen < 14 ? caplen - 6 : 8);
	else if (linktype == PKT_LINK_LINUX_SLL2 && caplen > 12)
		memset(frame + 12, 0, caplen < 20 ? caplen - 12 : 8);
	if (!(pi.layers & PKT_HAVE_L2))
		return 0;
	if (!(pi.layers & PKT_HAVE_L3))
		/* An IP header cut short may still hold part of an address:
		 * keep the link header only. */
		return pi.l3_offset < caplen ? pi.l3_offset : caplen;
	l3 = pi.l3_offset;
	if (pi.ip_version == 4) {
		alen = 4;
		aoff = l3 + 12;
	} else {
		alen = 16;
		aoff = l3 + 8;
	}
	if (aoff + 2 * alen > caplen)
		return l3;
	memcpy(old, frame + aoff, 2 * alen);
	redactor_addr_bytes(r, frame + aoff, alen);
	redactor_addr_bytes(r, frame + aoff + alen, alen);
	if (!memcmp(old, frame + aoff, 2 * alen))
		return hl;
	if (pi.ip_version == 4 && l3 + 12 <= caplen)
		csum_adjust(frame + l3 + 10, old, frame + aoff, 8, 0);
	/* The transport checksum covers the addresses (pseudo-header). */
	l4 = l3 + pi.ip_hdr_len;
	if ((pi.layers & PKT_HAVE_L4) && !(pi.is_fragment && pi.frag_offset)) {
		if (pi.proto == 6 && l4 + 18 <= caplen)
			csum_adjust(frame + l4 + 16, old, frame + aoff, 2 * alen, 0);
		else if ((pi.proto == 17 || pi.proto == 136) && l4 + 8 <= caplen)
			csum_adjust(frame + l4 + 6, old, frame + aoff, 2 * alen, pi.proto == 17 && alen == 4);
		else if (pi.proto == 58 && l4 + 4 <= caplen)
			csum_adjust(frame + l4 + 2, old, frame + aoff, 2 * alen, 0);
	}
	return hl;
}

/* --- paths ----------------------------------------------------------------- */

/* Directory names that are the same on every host. */
static int keep_component(const char *s, size_t n)
{
	static const char *const keep[] = {
		".", "..", "usr", "bin", "sbin", "lib", "lib32", "lib64", "libexec", "local", "share",
		"etc", "var", "log", "logs", "tmp", "opt", "proc", "sys", "fs", "cgroup", "run", "srv",
		"home", "root", "dev", "mnt", "media", "data", "app", "containers", "pods", "docker",
		"lib.d", "kubepods", "kubepods.slice", "system.slice", "user.slice", "init.scope",
		"machine.slice", "besteffort", "burstable", "net", "self", "fd", "cwd", "exe", "cmdline",
		"status", "stat", "cpu", "memory", "cpuacct", "cpu,cpuacct", "pids", "unified", "systemd",
		"nginx", "apache2", "journal", "syslog", "messages", "kern.log",
		/* the profile's modules that are no file (capture/profile/) */
		"[kernel]", "[jit]", "[vdso]", "[vsyscall]", "[unknown]", "[truncated]", "[no frames]", NULL,
	};
	int i;

	for (i = 0; keep[i]; i++)
		if (strlen(keep[i]) == n && !memcmp(keep[i], s, n))
			return 1;
	return 0;
}

static int system_path(const char *s, size_t n)
{
	static const char *const sys[] = { "/usr/", "/bin/", "/sbin/", "/lib/", "/lib32/", "/lib64/", NULL };
	int i;

	for (i = 0; sys[i]; i++)
		if (n > strlen(sys[i]) && !memcmp(s, sys[i], strlen(sys[i])))
			/* ...but not /usr/local, where a site installs its own. */
			return strncmp(s, "/usr/local/", n < 11 ? n : 11) != 0;
	return 0;
}

struct out {
	char *p;
	size_t n, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (n > o->cap - o->n)
		n = o->cap - o->n;
	memcpy(o->p + o->n, s, n);
	o->n += n;
}

static void put_pseudo(struct redactor *r, struct out *o, enum redact_kind kind,
		       const char *s, size_t n)
{
	char p[REDACT_PSEUDO_MAX];

	redactor_pseudonym(r, kind, s, n, p, sizeof(p));
	put(o, p, strlen(p));
}

static size_t pseudo_at(const char *s, size_t len);

static void put_path(struct redactor *r, struct out *o, const char *s, size_t n)
{
	size_t i = 0;

	if (system_path(s, n)) {
		put(o, s, n);
		return;
	}
	while (i < n) {
		size_t c = i;

		if (s[i] == '/') {
			put(o, "/", 1);
			i++;
			continue;
		}
		while (i < n && s[i] != '/')
			i++;
		if (keep_component(s + c, i - c) || pseudo_at(s + c, i - c) == i - c)
			put(o, s + c, i - c);
		else
			put_pseudo(r, o, REDACT_PATH, s + c, i - c);
	}
}

const char *redactor_path(struct redactor *r, const char *path, size_t len, char *out, size_t outsz)
{
	struct out o = { out, 0, outsz ? outsz - 1 : 0 };

	if (!outsz)
		return out;
	put_path(r, &o, path, len);
	out[o.n] = 0;
	return out;
}

static int path_char(unsigned char c)
{
	return is_word(c) || c == '.' || c == '-' || c == '/' || c == '@' || c == '+' || c == ',' ||
	       c == '~' || c == '=' || c == ':' || c >= 0x80;
}

/* An absolute path at s: '/' then at least one path character. */
static size_t scan_path(const char *in, size_t at, size_t len)
{
	size_t n = 1;

	if (in[at] != '/' || at + 1 >= len || !path_char((unsigned char)in[at + 1]))
		return 0;
	/* Not inside a word or a URL ("a/b", "http://h/x"); a file URL's
	 * path is a path ("file:///srv/app/x.js": a Node script's URL). */
	if (at >= 7 && !strncasecmp(in + at - 7, "file://", 7)) {
		/* the path starts here */
	} else if (at > 0) {
		unsigned char p = (unsigned char)in[at - 1];

		if (is_word(p) || p == '/' || p == ':' || p == '.' || p == '-')
			return 0;
	}
	while (at + n < len && path_char((unsigned char)in[at + n]))
		n++;
	/* A trailing ':' or ',' or '.' is punctuation, not the path. */
	while (n > 1 && (in[at + n - 1] == ':' || in[at + n - 1] == ',' || in[at + n - 1] == '.'))
		n--;
	return n;
}

/* --- free text ------------------------------------------------------------- */

/* Names whose value is a secret, matched inside a key ("db_password",
 * "X-Api-Key", "client_secret"). */
static int secret_key(const char *s, size_t n)
{
	static const char *const keys[] = {
		"password", "passwd", "pwd", "secret", "token", "apikey", "api_key",
		"api-key", "access_key", "accesskey", "private_key", "credential",
		"authorization", "auth", "cookie", "session", "signature", NULL,
	};
	size_t i, k;

	for (k = 0; keys[k]; k++) {
		size_t kl = strlen(keys[k]);

		for (i = 0; i + kl <= n; i++)
			if (!strncasecmp(s + i, keys[k], kl))
				return 1;
	}
	return 0;
}

/* Names whose value is a person ("user=alice", "login: bob"). */
static int user_key(const char *s, size_t n)
{
	return (n == 4 && !strncasecmp(s, "user", 4)) || (n == 8 && !strncasecmp(s, "username", 8)) ||
	       (n == 5 && !strncasecmp(s, "login", 5)) || (n == 7 && !strncasecmp(s, "user_id", 7)) ||
	       (n == 6 && !strncasecmp(s, "userid", 6)) || (n == 5 && !strncasecmp(s, "owner", 5));
}

/* After a key at s[0..keylen): where its value starts, or 0. Accepts key=v,
 * key: v, "key":"v", key="v". */
static size_t secret_value_start(const char *s, size_t len, size_t keylen)
{
	size_t i = keylen;

	if (i < len && (s[i] == '"' || s[i] == '\''))
		i++;
	while (i < len && s[i] == ' ')
		i++;
	if (i >= len || (s[i] != '=' && s[i] != ':'))
		return 0;
	i++;
	while (i < len && s[i] == ' ')
		i++;
	if (i < len && (s[i] == '"' || s[i] == '\''))
		i++;
	return i < len ? i : 0;
}

static size_t secret_value_len(const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && n < 4096 && s[n] != ' ' && s[n] != '"' && s[n] != '\'' &&
	       s[n] != '&' && s[n] != ',' && s[n] != ';' && s[n] != '\t' &&
	       s[n] != '\n' && s[n] != '}' && s[n] != ')')
		n++;
	return n;
}

/* "Authorization: Bearer X": the scheme stays, X goes. */
static int auth_scheme(const char *s, size_t n)
{
	return (n == 6 && !strncasecmp(s, "Bearer", 6)) || (n == 5 && !strncasecmp(s, "Basic", 5)) ||
	       (n == 5 && !strncasecmp(s, "Token", 5));
}

static size_t literal_at(struct redactor *r, const char *s, size_t len, enum redact_kind *kind)
{
	int i;

	for (i = 0; i < r->nliterals; i++) {
		struct literal *l = &r->literals[i];

		if (l->len <= len && !memcmp(s, l->s, l->len) &&
		    (l->len == len || !is_word((unsigned char)s[l->len]))) {
			*kind = l->kind;
			return l->len;
		}
	}
	return 0;
}

/* A pseudonym already in the text ("ip-0123456789abcdef"), left as it is so
 * that redacting twice changes nothing. */
static size_t pseudo_at(const char *s, size_t len)
{
	int k;

	for (k = 0; k < REDACT_IP4_BYTES; k++) {
		size_t kl = strlen(kind_names[k]), i;

		if (len < kl + 17 || memcmp(s, kind_names[k], kl) || s[kl] != '-')
			continue;
		for (i = 0; i < 16; i++)
			if (!is_hex((unsigned char)s[kl + 1 + i]) || (s[kl + 1 + i] >= 'A' && s[kl + 1 + i] <= 'F'))
				break;
		if (i == 16 && (len == kl + 17 || !is_word((unsigned char)s[kl + 17])))
			return kl + 17;
	}
	return 0;
}

static int literal_addr(const char *s, size_t n)
{
	char buf[64];
	uint8_t b[16];

	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (inet_pton(AF_INET, buf, b) == 1)
		return !addr_identifies(b, 4);
	if (inet_pton(AF_INET6, buf, b) == 1)
		return !addr_identifies(b, 16);
	return 0;
}

static void put_ip(struct redactor *r, struct out *o, const char *s, size_t n)
{
	if (literal_addr(s, n))
		put(o, s, n);
	else
		put_pseudo(r, o, REDACT_IP, s, n);
}

/* A word with '-' and '.' in it ("casefile-myhost-app.db"): a literal
 * inside it still goes. */
static void put_word(struct redactor *r, struct out *o, const char *s, size_t w)
{
	size_t j, from = 0, m;
	enum redact_kind kind;

	for (j = 1; j < w; j++) {
		if (is_word((unsigned char)s[j - 1]) || !is_word((unsigned char)s[j]))
			continue;
		if ((m = literal_at(r, s + j, w - j, &kind))) {
			put(o, s + from, j - from);
			put_pseudo(r, o, kind, s + j, m);
			from = j + m;
			j = from;
		}
	}
	put(o, s + from, w - from);
}

size_t redactor_apply(struct redactor *r, const char *in, size_t len, char *outbuf, size_t outsz)
{
	struct out o = { outbuf, 0, outsz ? outsz - 1 : 0 };
	size_t i = 0, m, v;
	enum redact_kind kind;

	if (!outsz)
		return 0;
	while (i < len && o.n < o.cap) {
		const char *s = in + i;
		size_t rest = len - i;
		unsigned char c = (unsigned char)*s;

		if (c == '/' && (m = scan_path(in, i, len))) {
			put_path(r, &o, s, m);
			i += m;
			continue;
		}
		if (!textscan_boundary(in, i) || !(is_word(c) || c == '[' || c == ':')) {
			put(&o, s, 1);
			i++;
			continue;
		}
		if ((m = pseudo_at(s, rest))) {
			put(&o, s, m);
		} else if ((m = literal_at(r, s, rest, &kind))) {
			put_pseudo(r, &o, kind, s, m);
		} else if ((m = scan_uuid(s, rest))) {
			put_pseudo(r, &o, REDACT_TOKEN, s, m);
		} else if ((m = scan_email(s, rest))) {
			put_pseudo(r, &o, REDACT_EMAIL, s, m);
		} else if ((m = scan_ipv6(s, rest))) {
			/* Keep the port of "[addr]:port". */
			const char *rb = s[0] == '[' ? memchr(s, ']', m) : NULL;

			if (rb) {
				put(&o, "[", 1);
				put_ip(r, &o, s + 1, (size_t)(rb - s) - 1);
				put(&o, rb, m - (size_t)(rb - s));
			} else {
				put_ip(r, &o, s, m);
			}
		} else if ((m = scan_ipv4(s, rest))) {
			const char *colon = memchr(s, ':', m);
			size_t a = colon ? (size_t)(colon - s) : m;

			put_ip(r, &o, s, a);
			put(&o, s + a, m - a);
		} else if ((m = scan_hostname(s, rest))) {
			put_pseudo(r, &o, REDACT_HOST, s, m);
		} else if ((m = scan_token(s, rest))) {
			put_pseudo(r, &o, REDACT_TOKEN, s, m);
		} else if (is_word(c)) {
			/* A plain word; if it names a secret or a person, its value goes. */
			size_t w = 0;

			while (w < rest && (is_word((unsigned char)s[w]) || s[w] == '-' || s[w] == '.'))
				w++;
			put_word(r, &o, s, w);
			m = w;
			if ((secret_key(s, w) || user_key(s, w)) && (v = secret_value_start(s, rest, w))) {
				size_t vl = secret_value_len(s + v, rest - v);

				/* "<id>" is a fingerprint's mask, not a secret. */
				if (vl && s[v] != '<' && !auth_scheme(s + v, vl) && !pseudo_at(s + v, vl)) {
					put(&o, s + w, v - w);
					put_pseudo(r, &o, user_key(s, w) ? REDACT_USER : REDACT_TOKEN, s + v, vl);
					m = v + vl;
				}
			} else if (auth_scheme(s, w) && w + 1 < rest && s[w] == ' ') {
				size_t vl = secret_value_len(s + w + 1, rest - w - 1);

				if (vl && !pseudo_at(s + w + 1, vl)) {
					put(&o, " ", 1);
					put_pseudo(r, &o, REDACT_TOKEN, s + w + 1, vl);
					m = w + 1 + vl;
				}
			}
		} else {
			put(&o, s, 1);
			m = 1;
		}
		i += m;
	}
	o.p[o.n] = 0;
	return o.n;
}

int redactor_is_pseudonym(const char *s, size_t len)
{
	return len && pseudo_at(s, len) == len;
}

/* A number with at most a short unit ("8080", "2.5", "10s", "100M",
 * "50%"): a setting, not a name. */
static int plain_number(const char *s, size_t w)
{
	size_t k = 0, u;

	int dots = 0;

	while (k < w && (is_digit((unsigned char)s[k]) || (k && s[k] == '.' && !dots++)))
		k++;
	if (!k)
		return 0;
	for (u = k; u < w && (is_alpha((unsigned char)s[u]) || s[u] == '%'); u++)
		;
	return u == w && w - k <= 3;
}

const char *redactor_cmdline(struct redactor *r, const char *in, size_t len, char *outbuf, size_t outsz)
{
	struct out o = { outbuf, 0, outsz ? outsz - 1 : 0 };
	size_t i = 0, w;
	int first = 1;

	if (!outsz)
		return outbuf;
	while (i < len && o.n < o.cap) {
		const char *s = in + i;

		if (*s == ' ') {
			put(&o, s, 1);
			i++;
			continue;
		}
		for (w = 0; i + w < len && s[w] != ' '; w++)
			;
		if (plain_number(s, w) || redactor_is_pseudonym(s, w)) {
			put(&o, s, w);                 /* numbers, and what is redacted already */
		} else if (*s == '/') {
			put_path(r, &o, s, w);
		} else if (first && !memchr(s, '/', w)) {
			put(&o, s, w);                 /* the program's name, as comm shows it */
		} else if (*s == '-') {
			/* An option keeps its name; a value after '=' goes. */
			const char *eq = memchr(s, '=', w);

			if (!eq) {
				put(&o, s, w);
			} else {
				size_t n = (size_t)(eq - s) + 1;

				put(&o, s, n);
				if (n < w && s[n] == '/')
					put_path(r, &o, s + n, w - n);
				else if (n < w && !redactor_is_pseudonym(s + n, w - n) && !plain_number(s + n, w - n))
					put_pseudo(r, &o, REDACT_TOKEN, s + n, w - n);
				else
					put(&o, s + n, w - n);
			}
		} else {
			/* Any other argument may name anything: host, user, key.
			 * What free text recognises keeps its kind (an address
			 * is the same ip-... as in the sockets table). */
			char word[512];
			size_t n = w < sizeof(word) ? redactor_apply(r, s, w, word, sizeof(word)) : 0;

			if (n && (n != w || memcmp(word, s, w)))
				put(&o, word, n);
			else
				put_pseudo(r, &o, REDACT_TOKEN, s, w);
		}
		first = 0;
		i += w;
	}
	o.p[o.n] = 0;
	return outbuf;
}
