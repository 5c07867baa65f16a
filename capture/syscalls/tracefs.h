/* tracefs: where the kernel's tracepoints are described. The syscalls
 * backends (perfsys.c, sysbpf.c) read tracepoint ids and field offsets here. */
#ifndef CASEFILE_TRACEFS_H
#define CASEFILE_TRACEFS_H

#include <limits.h>
#include <stddef.h>

#include "capture.h"

struct tracefs {
	char dir[PATH_MAX];              /* the directory, with the capture's root prefix */
	char name[64];                   /* the same without the prefix, for messages */
	int mounted;                     /* 1: we mounted it; 2: and unmounted it again */
};

/* Finds the tracefs directory that describes GROUP/EVENT, mounting tracefs
 * at /sys/kernel/tracing when none is mounted and we may. Returns 0, or -1
 * with the reason in why (size len). tracefs_done() unmounts what we mounted
 * (the perf events and BPF programs do not need it once ids are read). */
int tracefs_open(struct capture *cap, struct tracefs *t, const char *group, const char *event,
		 char *why, size_t len);
void tracefs_done(struct tracefs *t);

/* Reads the id of tracepoint GROUP/NAME from the tracefs directory DIR
 * (its events/GROUP/NAME/id). Returns the id or -1. */
long tracefs_tracepoint_id(const char *dir, const char *group, const char *name);

/* One field of a tracepoint's format. */
struct tracefs_field {
	unsigned offset, size;
	int is_signed;
};

/* Parses the text of a tracepoint's `format` file (LEN bytes) for FIELD
 * ("\tfield:long ret;\toffset:16;\tsize:8;\tsigned:1;"). Returns 0 with *out
 * filled, or -1 when the field is missing or its line malformed. */
int tracefs_parse_field(const char *buf, size_t len, const char *field, struct tracefs_field *out);

/* Reads FIELD of GROUP/NAME from DIR's events/GROUP/NAME/format. */
int tracefs_field(const char *dir, const char *group, const char *name, const char *field,
		  struct tracefs_field *out);

#endif
