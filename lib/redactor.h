/* Redaction: consistent pseudonyms for everything that identifies a host, a
 * person or a network, shared by casefile-capture --redact (as rows are
 * written) and casefile-analyze redact (a redacted copy of a bundle).
 *
 * A pseudonym is "<kind>-<16 hex>": the first 64 bits of HMAC-SHA256 under a
 * random per-redactor key of "<kind>:<value>". The same value gives the same
 * pseudonym everywhere in one bundle, so patterns survive, while bundles
 * cannot be joined on pseudonyms and nothing can be reversed without the map.
 * The redactor keeps value -> pseudonym and pseudonym -> value in memory, so
 * two different values never share a pseudonym: on a collision the next
 * candidate (HMAC of "<kind>:<value>" plus a counter) is taken.
 *
 * The map file (kind, pseudonym, original; and the key) is the only way back.
 * It is created 0600 with O_CREAT | O_EXCL | O_NOFOLLOW: an existing file is
 * refused, never truncated or reused, because whoever owns it would read every
 * original value. It never goes into the bundle.
 *
 * What stays: 127.0.0.1, ::1, 0.0.0.0 and :: (the same on every host: they
 * identify nothing and "listens on loopback only" is evidence), ports, numbers,
 * the user name "root", and paths under /usr, /bin, /sbin, /lib* (system
 * software, the same on every host of a distribution).
 *
 * Not thread-safe: one thread uses a redactor.
 */
#ifndef CASEFILE_REDACTOR_H
#define CASEFILE_REDACTOR_H

#include <stddef.h>
#include <stdint.h>

enum redact_kind {
	REDACT_IP = 0,
	REDACT_EMAIL,
	REDACT_HOST,
	REDACT_TOKEN,
	REDACT_USER,
	REDACT_PATH,         /* one component of a path */
	REDACT_ID,           /* container, pod and other opaque ids */
	REDACT_IP4_BYTES,    /* an IPv4 address inside a packet header: 240.0.0.0/4 */
	REDACT_IP6_BYTES,    /* an IPv6 address inside a packet header: 100::/64 */
	REDACT_KIND_COUNT
};

/* Longest pseudonym written (with the NUL). */
#define REDACT_PSEUDO_MAX 48

struct redactor;

/* A redactor with a fresh random key and no map file. NULL after error(). */
struct redactor *redactor_new(void);
void redactor_free(struct redactor *r);

/* Creates the map file at path (0600, exclusive, no symlink followed) and
 * writes the key and every mapping made so far; later mappings are appended
 * and flushed as they are made. 0, or -1 after error() naming the file. */
int redactor_open_map(struct redactor *r, const char *path);
/* The map file path, or NULL. */
const char *redactor_map_path(const struct redactor *r);

/* Replaces the random key (tests, so pseudonyms are predictable). */
void redactor_set_key(struct redactor *r, const void *key, size_t len);

/* Tests only: keeps the first HEXDIGITS hex digits of text pseudonyms and
 * zeroes the rest, so that collisions happen and their handling is seen. */
void redactor_set_width(struct redactor *r, int hexdigits);

/* Text that is always redacted where it appears as a whole word, with the
 * given kind (the host's own name, the target's user name). Ignored for
 * empty strings and "root". */
int redactor_add_literal(struct redactor *r, enum redact_kind kind, const char *s);

/* The pseudonym of one whole value, into out (NUL-terminated, truncated to
 * outsz); returns out. */
const char *redactor_pseudonym(struct redactor *r, enum redact_kind kind,
			       const char *value, size_t len, char *out, size_t outsz);

/* Free text: copies in[0..len) into out (size outsz >= 1, NUL-terminated,
 * truncated to fit) with every address, e-mail, host name, token, secret
 * value ("password=...", "Bearer ..."), literal and absolute path replaced.
 * Pseudonyms already in the text are left alone (redacting twice changes
 * nothing). Returns the length written. */
size_t redactor_apply(struct redactor *r, const char *in, size_t len, char *out, size_t outsz);

/* A socket or flow address as text ("10.0.0.1", "::ffff:10.0.0.1"): its
 * pseudonym, or the address itself when it identifies nothing (loopback,
 * unspecified). Text that is not an address is redacted as free text. */
const char *redactor_addr(struct redactor *r, const char *addr, char *out, size_t outsz);

/* A path: each component replaced by its pseudonym, except well-known
 * directory names and whole system paths (/usr/..., /bin/...). */
const char *redactor_path(struct redactor *r, const char *path, size_t len, char *out, size_t outsz);

/* A command line (arguments separated by spaces): the program's name,
 * option names, numbers and pseudonyms stay; paths as redactor_path(); every
 * other argument, or option value after '=', becomes a pseudonym. */
const char *redactor_cmdline(struct redactor *r, const char *in, size_t len, char *out, size_t outsz);

/* Rewrites an IPv4 (len 4) or IPv6 (len 16) address in place with its
 * packet pseudonym (240.0.0.0/4 or 100::/64, collision-checked, in the map);
 * loopback and unspecified addresses stay. Returns 1 when changed. */
int redactor_addr_bytes(struct redactor *r, uint8_t *addr, size_t len);

/* Rewrites one captured frame in place for sharing: IP addresses replaced by
 * redactor_addr_bytes() with the IPv4 header, TCP, UDP and ICMPv6 checksums
 * updated to match (RFC 1624), link-layer addresses zeroed. Returns the
 * header length (link + IP + TCP/UDP/ICMP headers): the caller keeps only
 * that many bytes. */
uint32_t redactor_frame(struct redactor *r, int linktype, uint8_t *frame, uint32_t caplen,
			uint32_t wirelen);

/* Whether s[0..len) is exactly one pseudonym ("host-0123456789abcdef"). */
int redactor_is_pseudonym(const char *s, size_t len);

/* Mappings recorded so far. */
size_t redactor_count(const struct redactor *r);

/* The original behind a pseudonym (tests), or NULL. */
const char *redactor_original(const struct redactor *r, const char *pseudo);

#endif
