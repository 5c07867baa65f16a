/* The static table of capture sources, in sampling order. Adding a source:
 * one file exporting `const struct source NAME_source`, one line here, and its
 * section in schema/bundle.sql. */
#include "capture.h"

#include <stddef.h>

extern const struct source process_source;
extern const struct source cgroup_source;
extern const struct source netdev_source;
extern const struct source syscalls_source;
extern const struct source packets_source;
extern const struct source logs_source;
extern const struct source attach_source;
extern const struct source sockets_source;
extern const struct source profile_source;
extern const struct source runtime_source;

const struct source *const capture_sources[] = {
	&process_source,
	&cgroup_source,
	&netdev_source,
	&syscalls_source,
	&packets_source,
	&logs_source,
	&attach_source,
	&sockets_source,
	&profile_source,
	&runtime_source,
	NULL,
};
