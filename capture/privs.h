/* Dropping privileges once the capture is set up (tcpdump's model: what
 * needs root is opened first, then the rest runs with less).
 *
 * After setup the tick loop still reads other users' /proc files, enters a
 * target's new network namespace, reopens sockets and packet handles there,
 * and opens perf events for new threads; it never again needs to change
 * ownership, load modules, bind ports, kill, set ids or write where root
 * alone may. privs_drop() keeps the capabilities in privs_kept[] (when held)
 * and drops every other one from the effective, permitted, inheritable,
 * ambient and bounding sets, then sets PR_SET_NO_NEW_PRIVS.
 *
 * Linux capabilities are per thread: this changes the calling thread (the
 * tick loop, where /proc, netlink and log text are parsed) and the threads
 * it creates afterwards. Threads started during setup call
 * privs_limit_thread() themselves with what their own work takes (see
 * capture/README.md, "Privileges and what the target controls").
 */
#ifndef CASEFILE_PRIVS_H
#define CASEFILE_PRIVS_H

#include <stddef.h>

struct privs_kept {
	int cap;                         /* CAP_* number */
	const char *name;                /* "sys_ptrace" */
	const char *why;                 /* one line for --help and the README */
};

/* The capabilities kept after setup, NULL-name terminated. */
extern const struct privs_kept privs_kept[];

/* Drops every capability not in privs_kept[]; CAP_DAC_OVERRIDE is kept only
 * when KEEP_DAC_OVERRIDE (the bundle's directory is not ours, and SQLite
 * creates and removes its side files there). Writes the names kept, comma
 * separated, into KEPT (size LEN; "none" when the capture ran without
 * capabilities). Returns 0, or -1 after error() when the kernel refused. */
int privs_drop(int keep_dac_override, char *kept, size_t len);

/* For a thread started during setup: keeps only CAPS (N CAP_* numbers, cut
 * to what the thread holds) in the calling thread, drops the rest from
 * every set, sets no_new_privs. Returns 0 or -1 after error(). */
int privs_limit_thread(const int *caps, int n);

#endif
