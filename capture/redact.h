/* Redaction (--redact): addresses, e-mails, host names, token-like strings
 * and secret values ("password=...", "Bearer ...") in text that goes into
 * the bundle are replaced by pseudonyms such as "ip-5f2a9c1e04" or
 * "host-0b71d2aa93".
 *
 * A pseudonym is a keyed hash (HMAC-SHA256 under a random key drawn per
 * capture) of the kind and the value: the same address gives the same token
 * everywhere in one bundle, so patterns survive, while bundles cannot be
 * joined on pseudonyms and nothing can be reversed without the key. The
 * mapping (kind, pseudonym, original) and the key are written to a separate
 * file, mode 0600, that the user keeps; never into the bundle. Ports stay
 * visible ("ip-5f2a9c1e04:9243"): they name services, not people.
 *
 * Not thread-safe: the capture's main thread does all the writing.
 */
#ifndef CASEFILE_REDACT_H
#define CASEFILE_REDACT_H

#include <stddef.h>

enum redact_kind {
	REDACT_IP = 0,
	REDACT_EMAIL,
	REDACT_HOST,
	REDACT_TOKEN,
	REDACT_KIND_COUNT
};

struct redactor;

/* Creates a redactor with a fresh random key. map_path (may be NULL: no
 * mapping file) is created or truncated now with mode 0600. Returns NULL
 * after error() when the file cannot be created. */
struct redactor *redactor_new(const char *map_path);
void redactor_free(struct redactor *r);

/* Replaces the random key (tests, so pseudonyms are predictable). */
void redactor_set_key(struct redactor *r, const void *key, size_t len);

/* Text that is always redacted where it appears as a whole word, with the
 * given kind (the host's own name, which a DNS pattern may miss). */
int redactor_add_literal(struct redactor *r, enum redact_kind kind, const char *s);

/* Writes the pseudonym of one whole value (a socket address, a command
 * line word) into out (NUL-terminated, truncated to outsz) and returns out. */
const char *redactor_pseudonym(struct redactor *r, enum redact_kind kind,
			       const char *value, size_t len, char *out, size_t outsz);

/* Copies in[0..len) into out (size outsz >= 1, NUL-terminated, truncated to
 * fit) with everything recognised replaced. Returns the length written.
 * Any bytes are accepted. */
size_t redactor_apply(struct redactor *r, const char *in, size_t len, char *out, size_t outsz);

/* Mappings recorded so far (each written once to the map file). */
size_t redactor_count(const struct redactor *r);

/* --- the capture-wide redactor -------------------------------------------- */

struct capture;

/* For any source: when --redact is on, redacts in[0..len) into out like
 * redactor_apply(); otherwise copies it. The first call creates the map file
 * (opts->redact_map, or the bundle path + ".redact-map.tsv"). Returns the
 * length written, or -1 when redaction is on but could not start (then out
 * holds "[redaction failed]": never the original text). */
long capture_redact(struct capture *cap, const char *in, size_t len, char *out, size_t outsz);
/* The same for a NUL-terminated string; returns out. */
const char *capture_redact_str(struct capture *cap, const char *in, char *out, size_t outsz);
/* Pseudonym of a whole value (a socket address: kind REDACT_IP) when
 * --redact is on, else a copy. Returns out. */
const char *capture_redact_value(struct capture *cap, enum redact_kind kind,
				 const char *value, char *out, size_t outsz);
/* Starts redaction now (so the map file exists from the start); 0 or -1. */
int capture_redact_start(struct capture *cap);
/* The map file path in use, or NULL when redaction has not started. */
const char *capture_redact_map_path(void);
/* Frees the capture-wide redactor (end of capture). */
void capture_redact_release(void);

#endif
