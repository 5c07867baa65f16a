/* The bundle's manifest: what was captured, where, how (the manifest table),
 * and the default bundle name. */
#ifndef CASEFILE_CAPTURE_MANIFEST_H
#define CASEFILE_CAPTURE_MANIFEST_H

#include "capture.h"

/* casefile-HOST-COMM-PID-TIME.db for the first target (HOST a pseudonym
 * under --redact), into buf (size len). */
void manifest_default_output(const struct capture *cap, char *buf, size_t len);

/* The keys known at start (host, kernel, command line, options, ids, the
 * target's origin from its environment and cgroup), inside the setup
 * transaction. Missing facts are left out, never guessed. */
void manifest_write(struct capture *cap, const char *output);

/* The keys known at the end: end time, ticks, why the capture stopped. */
void manifest_write_end(struct capture *cap, const char *stop_reason);

#endif
