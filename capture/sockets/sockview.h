/* What the sockets source last saw, for another source to reuse instead of
 * dumping the namespace again: the packets source's auto filter builds its
 * filter from it (one walk of the kernel's established hash a tick, not two
 * every 5 s). Read on the main thread only, between ticks' samples. */
#ifndef CASEFILE_CAPTURE_SOCKVIEW_H
#define CASEFILE_CAPTURE_SOCKVIEW_H

#include "sockdiag.h"
#include "sockmap.h"

#include <stdint.h>

struct sockets_view {
	const struct sockdiag_result *res; /* the last complete dump (TCP and UDP rows in
	                                    * the order of /proc/PID/net/{tcp,tcp6,udp,udp6}) */
	const struct sockmap *owners;      /* inode -> owner: the targets' fds, current for res */
	unsigned long long netns;          /* the namespace res is of */
	int64_t tick;                      /* the tick of res; 0 none */
};

#endif
