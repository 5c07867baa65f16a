/* Message fingerprints: a log message with its variable parts masked, so
 * that "user 123 not found" and "user 456 not found" count as one message.
 *
 * Masked: quoted values ('…', "…", `…` -> '*'), UUIDs (<uuid>), e-mail
 * addresses (<email>), IPv4/IPv6 addresses with optional port (<ip>), 0x hex
 * and hex runs of 8+ digits (<hex>), numbers (<n>), words of 10+ bytes
 * mixing letters and digits, random-looking mixed-case words, and mixed-case
 * values of key=value (<id>). Whitespace runs collapse to one space.
 */
#ifndef CASEFILE_FINGERPRINT_H
#define CASEFILE_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

#define FINGERPRINT_TEXT_MAX 512      /* masked text kept, bytes incl. NUL */
#define FINGERPRINT_INPUT_MAX 4096    /* bytes of a message looked at */

struct fingerprint {
	uint64_t hash;                    /* stable across runs and machines */
	size_t len;
	char text[FINGERPRINT_TEXT_MAX];  /* NUL-terminated masked message */
};

/* Writes the masked form of msg[0..len) into out (size outsz >= 1, always
 * NUL-terminated, truncated to fit) and returns its length. Reads at most
 * FINGERPRINT_INPUT_MAX bytes of msg; any bytes are accepted. */
size_t fingerprint_mask(const char *msg, size_t len, char *out, size_t outsz);

/* 64-bit FNV-1a with a final mix over buf, continuing from seed (use
 * FINGERPRINT_SEED to start). Not keyed: the same text gives the same hash
 * in every bundle, so bundles can be compared. */
#define FINGERPRINT_SEED 0xcbf29ce484222325ULL
uint64_t fingerprint_hash(const void *buf, size_t len, uint64_t seed);

/* Masks msg and hashes the masked text together with level (a log_level
 * value), so the same message at two levels gives two fingerprints. */
void fingerprint_compute(struct fingerprint *fp, const char *msg, size_t len, int level);

#endif
