/* Redaction of a bundle: which columns hold what, and the SQL functions
 * that redact them. One table drives both users, so a capture with --redact
 * and `casefile-analyze redact` apply the same rules:
 *   - casefile-capture installs TEMP triggers (in the connection, not in the
 *     bundle's schema) that rewrite every identifying column of a row in the
 *     statement that inserts or updates it, with secure_delete on so the
 *     original bytes do not linger in free space; packet chunks are redacted
 *     before they are written (redact_chunk()).
 *   - casefile-analyze redact runs the same functions as UPDATEs over a copy.
 * The schema is never changed: pseudonyms go into the existing columns.
 */
#ifndef CASEFILE_REDACT_BUNDLE_H
#define CASEFILE_REDACT_BUNDLE_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "redactor.h"

/* Registers cf_redact_text(x), cf_redact_addr(x), cf_redact_path(x),
 * cf_redact_id(x), cf_redact_manifest(key, value),
 * cf_redact_blob(x) and cf_redact_packets(linktype, encoding, records) on
 * db; r must outlive db's use of them. 0, or -1 after error(). */
int redact_bundle_functions(sqlite3 *db, struct redactor *r);

/* casefile-capture: TEMP triggers redacting every row written from now on
 * (needs redact_bundle_functions() first). 0 or -1 after error(). */
int redact_bundle_triggers(sqlite3 *db);

/* casefile-analyze redact: rewrites every identifying column of db in
 * place (needs redact_bundle_functions() first). 0 or -1 after error(). */
int redact_bundle_rewrite(sqlite3 *db);

/* Redacts one packet chunk (encoding PKTCODEC_RAW or PKTCODEC_DELTA) of
 * link type LINKTYPE: every record cut to its headers with addresses
 * rewritten (redactor_frame()). The result, in *out (malloc'ed, the caller
 * frees), is always PKTCODEC_DELTA. Returns the records written, or -1 after
 * error() (damaged chunk: nothing is returned rather than a partial one). */
long redact_chunk(struct redactor *r, int linktype, int encoding, const uint8_t *in, size_t len,
		  uint8_t **out, size_t *outlen);

#endif
