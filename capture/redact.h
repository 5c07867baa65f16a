/* --redact in casefile-capture: one capture-wide redactor (lib/redactor.h)
 * and the hooks that apply it.
 *
 * Everything written to the bundle goes through it: TEMP triggers on the
 * bundle's connection rewrite every identifying column as the row is
 * written (lib/redact_bundle.h: the same table casefile-analyze redact
 * uses), packet chunks are cut to headers and their addresses rewritten
 * before they are written, and the default file name carries the host's
 * pseudonym. Sources may also redact text themselves (capture_redact());
 * redacting twice changes nothing.
 *
 * Not thread-safe: the capture's main thread does all the writing.
 */
#ifndef CASEFILE_CAPTURE_REDACT_H
#define CASEFILE_CAPTURE_REDACT_H

#include <stddef.h>
#include <stdint.h>

#include "redactor.h"

struct capture;

/* With --redact: makes the redactor (fresh key) and teaches it the names
 * that free text may hold: this host's name and the targets' user names.
 * Call after the targets are known, before anything is named or written.
 * 0, or -1 after error(); without --redact, 0. */
int capture_redact_init(struct capture *cap);

/* With --redact: creates the map file (opts->redact_map, or BUNDLE +
 * ".redact-map.tsv"; exclusive, 0600). Call before the bundle is created.
 * 0, or -1 after error(). */
int capture_redact_open_map(struct capture *cap, const char *bundle);

/* With --redact: installs the redaction of every row on the bundle's
 * connection (and opens the map if that was not done). 0, or -1 after
 * error(): the capture must not go on, or it would write originals. */
int capture_redact_attach(struct capture *cap, const char *bundle);

/* Frees the redactor and removes the map it created (no bundle was made). */
void capture_redact_discard(void);

/* For any source: when --redact is on, redacts in[0..len) into out like
 * redactor_apply(); otherwise copies it. Returns the length written, or -1
 * when redaction is on but not set up (then out holds "[redaction failed]":
 * never the original text). */
long capture_redact(struct capture *cap, const char *in, size_t len, char *out, size_t outsz);
/* The same for a NUL-terminated string; returns out. */
const char *capture_redact_str(struct capture *cap, const char *in, char *out, size_t outsz);
/* Pseudonym of a whole value when --redact is on, else a copy. Returns out. */
const char *capture_redact_value(struct capture *cap, enum redact_kind kind,
				 const char *value, char *out, size_t outsz);
/* A packet chunk redacted for storage (redact_chunk()); *out is malloc'ed.
 * Returns the records kept, or -1 after error(). */
long capture_redact_packets(struct capture *cap, int linktype, const uint8_t *in, size_t len,
			    uint8_t **out, size_t *outlen);
/* 0 when redaction is off or set up, -1 when it is on but failed. */
int capture_redact_start(struct capture *cap);
/* The map file path in use, or NULL. */
const char *capture_redact_map_path(void);
/* Frees the capture-wide redactor (end of capture). */
void capture_redact_release(void);

#endif
