/* A session with a Node.js inspector (the DevTools protocol over a
 * WebSocket on 127.0.0.1:PORT of the target's network namespace), run in a
 * thread of its own so the tick loop never waits on the target: find the
 * inspector (opened by our SIGUSR1, or already open), take a CPU profile for
 * a bounded time, and close the inspector again when we opened it. Every
 * step has a deadline; the outcome says which step failed and why. */
#ifndef CASEFILE_INSPECTOR_H
#define CASEFILE_INSPECTOR_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define INSPECTOR_SOCKS 2

struct inspector {
	/* Set up before the thread starts. */
	pid_t pid;
	int port;                        /* 9229 */
	int64_t duration_us;             /* the profile's length */
	int interval_us;                 /* V8's sampling interval */
	size_t max_profile;              /* bytes of the Profiler.stop answer kept at most */
	int socks[INSPECTOR_SOCKS];      /* TCP sockets made in the target's network namespace */
	int wake_fd;                     /* eventfd: written to hurry (the capture ends) */
	int preexisting;                 /* the inspector was listening before we came */
	uint32_t listen_inode;           /* its socket, when preexisting */
	char net_tcp[256];               /* /proc/PID/net/tcp (under --root) */
	char fd_dir[256];                /* /proc/PID/fd */
	int64_t hurried_at;              /* the thread's: when the wake fd fired (mono µs), 0 not yet */

	/* Results, read once done is set (release/acquire). */
	atomic_int done;
	int ok;                          /* a profile was taken */
	char outcome[600];               /* what happened, in words */
	char *profile;                   /* the profile object's JSON text (malloc), or NULL */
	size_t profile_len;
	int64_t start_wall_us, end_wall_us;
	int profile_cut;                 /* the answer passed max_profile */
	int closed;                      /* we closed the inspector and saw its port close */
};

/* Where 127.0.0.1:PORT stands in the network namespace of PID (read from
 * NET_TCP): 0 not listening, 1 listening on a socket among PID's fds
 * (FD_DIR), 2 listening on a socket that is not PID's (*inode set either
 * way), -1 when it cannot be told (why says so). */
int inspector_listener(const char *net_tcp, const char *fd_dir, pid_t pid, int port,
		       uint32_t *inode, char *why, size_t wlen);

/* The thread: takes struct inspector *, sets done when it has finished. */
void *inspector_thread(void *arg);

/* Frees the results and closes the sockets and wake_fd. */
void inspector_release(struct inspector *in);

#endif
