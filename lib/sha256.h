/* SHA-256 (FIPS 180-4), small and dependency-free: attachments carry their
 * digest, and redaction derives pseudonyms from a keyed digest. */
#ifndef CASEFILE_SHA256_H
#define CASEFILE_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256 {
	uint32_t h[8];
	uint64_t total;          /* bytes hashed so far */
	size_t nbuf;
	unsigned char buf[64];
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
/* Writes the digest into out and leaves c unusable until sha256_init. */
void sha256_final(struct sha256 *c, unsigned char out[SHA256_LEN]);

/* One-shot digest of buf. */
void sha256(const void *buf, size_t len, unsigned char out[SHA256_LEN]);
/* Lower-case hex of a digest into hex (65 bytes with the NUL); returns hex. */
char *sha256_hex(const unsigned char digest[SHA256_LEN], char hex[2 * SHA256_LEN + 1]);
/* HMAC-SHA256 (RFC 2104) of msg under key. */
void hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len,
		 unsigned char out[SHA256_LEN]);

#endif
