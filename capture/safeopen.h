/* Opening files a target controls (its logs, its stdout file) from a root
 * capture without letting the target choose what is read (STYLE 15).
 *
 * The target's user may plant a symbolic link where a log is expected (to
 * /etc/shadow, to /proc/self/environ: the capture's own environment), or
 * swap its log for one. So a path is resolved one component at a time with
 * O_NOFOLLOW: a symbolic link is followed only when it sits in a directory
 * none of the targets' users can write (the system's own links, such as
 * the links in /var/log/containers, still work); the file found must be a regular
 * file, not on /proc, and readable by one of the targets' credentials
 * (owner, group and mode against their fsuid/fsgid/groups from
 * /proc/PID/status). What is refused comes back with a reason to record.
 */
#ifndef CASEFILE_SAFEOPEN_H
#define CASEFILE_SAFEOPEN_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#define SAFEOPEN_MAX_GROUPS 64
#define SAFEOPEN_MAX_CREDS 16

/* One process's file-system credentials. */
struct safeopen_cred {
	uid_t uid;                       /* fsuid */
	gid_t gid;                       /* fsgid */
	gid_t groups[SAFEOPEN_MAX_GROUPS];
	int ngroups;
};

/* Whose access counts: the distinct credentials of the live targets. */
struct safeopen_creds {
	struct safeopen_cred v[SAFEOPEN_MAX_CREDS];
	int n;
	/* When set, asked about the file found before it is opened: nonzero
	 * refuses it ("one of the capture's own files"). Opening the bundle or
	 * its -wal/-shm at all would be harm: closing any descriptor of a file
	 * drops the process's POSIX locks on it, SQLite's included. */
	int (*veto)(const struct stat *st, void *arg);
	void *veto_arg;
};

/* Parses the Uid:, Gid: and Groups: lines of /proc/PID/status text (BUF,
 * LEN bytes, not NUL-terminated) into C. Returns 0, or -1 when a line is
 * missing or malformed. */
int safeopen_parse_status(const char *buf, size_t len, struct safeopen_cred *c);

/* Adds C to CS unless an equal one is there (or CS is full: the first
 * credentials seen are kept, which only makes the checks stricter). */
void safeopen_creds_add(struct safeopen_creds *cs, const struct safeopen_cred *c);

/* Whether a file of mode/owner ST may be read (WANT 4) or written (WANT 2)
 * by credentials C, from the permission bits (ACLs are not read: a file
 * readable only through an ACL is refused, the safe side). Root (uid 0)
 * may do anything. */
int safeopen_cred_may(const struct safeopen_cred *c, const struct stat *st, int want);

/* Opens PATH read-only, non-blocking, close-on-exec, as described at the top.
 * CS: whose access counts (NULL or empty: no credential check and every
 * symbolic link refused). Returns the fd with *ST filled, or -1 with errno
 * set and, unless errno is ENOENT, WHY (size WHYLEN) saying what was refused
 * ("a symbolic link in a directory the target can write", "not a regular
 * file", "on /proc", "not readable by the target's user"). */
int safeopen_open(const char *path, const struct safeopen_creds *cs, struct stat *st,
		  char *why, size_t whylen);

/* Opens a /proc/PID/fd/N link (a target's own open file, possibly deleted
 * or in another mount namespace, which only that link reaches) and applies
 * the same checks to the file found. Same returns as safeopen_open(). */
int safeopen_open_fdlink(const char *path, const struct safeopen_creds *cs, struct stat *st,
			 char *why, size_t whylen);

/* Opens PATH inside another mount namespace's tree: ROOTLINK is the kernel's
 * link to it (/proc/PID/root), and PATH is resolved as if that were "/"
 * (openat2 RESOLVE_IN_ROOT: ".." cannot leave it) with no symbolic link at
 * all followed (the target's own /tmp and everything else on the way are
 * the target's to plant); then the same checks as safeopen_open(), and the
 * file opened must be the one checked. Same returns. */
int safeopen_open_in_root(const char *rootlink, const char *path, const struct safeopen_creds *cs,
			  struct stat *st, char *why, size_t whylen);

#endif
