#include "safeopen.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#define SAFEOPEN_MAX_LINKS 40            /* as the kernel's MAXSYMLINKS */
#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif

/* The 4th number of "Uid:\t0\t0\t0\t0": the fs id, the one the kernel checks
 * file access with. */
static int parse_ids(const char *line, const char *end, unsigned long *fs)
{
	int i;

	for (i = 0; i < 4; i++) {
		char *e;
		unsigned long v;

		while (line < end && (*line == ' ' || *line == '\t'))
			line++;
		if (line >= end || *line < '0' || *line > '9')
			return -1;
		errno = 0;
		v = strtoul(line, &e, 10);
		if (errno || e > end || v > UINT_MAX)
			return -1;
		line = e;
		if (i == 3)
			*fs = v;
	}
	return 0;
}

int safeopen_parse_status(const char *buf, size_t len, struct safeopen_cred *c)
{
	const char *p = buf, *end = buf + len;
	int have_uid = 0, have_gid = 0;

	memset(c, 0, sizeof(*c));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		unsigned long v;

		if (le - p > 4 && !memcmp(p, "Uid:", 4)) {
			if (parse_ids(p + 4, le, &v))
				return -1;
			c->uid = (uid_t)v;
			have_uid = 1;
		} else if (le - p > 4 && !memcmp(p, "Gid:", 4)) {
			if (parse_ids(p + 4, le, &v))
				return -1;
			c->gid = (gid_t)v;
			have_gid = 1;
		} else if (le - p >= 7 && !memcmp(p, "Groups:", 7)) {
			const char *q = p + 7;

			while (q < le) {
				char *e;

				while (q < le && (*q == ' ' || *q == '\t'))
					q++;
				if (q >= le)
					break;
				if (*q < '0' || *q > '9')
					return -1;
				errno = 0;
				v = strtoul(q, &e, 10);
				if (errno || e > le || v > UINT_MAX)
					return -1;
				/* More groups than we keep: the checks only get stricter. */
				if (c->ngroups < SAFEOPEN_MAX_GROUPS)
					c->groups[c->ngroups++] = (gid_t)v;
				q = e;
			}
		}
		p = le + 1;
	}
	return have_uid && have_gid ? 0 : -1;
}

void safeopen_creds_add(struct safeopen_creds *cs, const struct safeopen_cred *c)
{
	int i;

	for (i = 0; i < cs->n; i++)
		if (!memcmp(&cs->v[i], c, sizeof(*c)))
			return;
	if (cs->n < SAFEOPEN_MAX_CREDS)
		cs->v[cs->n++] = *c;
}

static int in_groups(const struct safeopen_cred *c, gid_t g)
{
	int i;

	if (c->gid == g)
		return 1;
	for (i = 0; i < c->ngroups; i++)
		if (c->groups[i] == g)
			return 1;
	return 0;
}

int safeopen_cred_may(const struct safeopen_cred *c, const struct stat *st, int want)
{
	if (c->uid == 0)
		return 1;
	/* As the kernel does: the owner's bits alone for the owner, the
	 * group's alone for a member, else the others'. */
	if (st->st_uid == c->uid)
		return (st->st_mode & (mode_t)(want << 6)) != 0;
	if (in_groups(c, st->st_gid))
		return (st->st_mode & (mode_t)(want << 3)) != 0;
	return (st->st_mode & (mode_t)want) != 0;
}

/* Whether one of the targets' users could have planted a link in this
 * directory. Root targets are left out: a process that can read every file
 * gains nothing by pointing us at one (the /proc and own-file checks still
 * hold for it). Without credentials every directory counts as writable. */
static int dir_plantable(const struct safeopen_creds *cs, int dirfd)
{
	struct stat st;
	int i;

	if (!cs || !cs->n || fstat(dirfd, &st) < 0)
		return 1;
	for (i = 0; i < cs->n; i++)
		if (cs->v[i].uid != 0 && safeopen_cred_may(&cs->v[i], &st, 2))
			return 1;
	return 0;
}

static int refuse(int err, char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why && whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	errno = err;
	return -1;
}

/* The checks on the file itself, once open. Closes FD when refused. */
static int check_file(int fd, const struct safeopen_creds *cs, struct stat *st, char *why, size_t whylen)
{
	struct statfs sf;
	int i;

	if (fstat(fd, st) < 0) {
		int e = errno;

		close(fd);
		return refuse(e, why, whylen, "cannot stat it: %s", strerror(e));
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return refuse(EINVAL, why, whylen, "not a regular file");
	}
	if (fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC) {
		close(fd);
		return refuse(EPERM, why, whylen, "a /proc file");
	}
	if (!cs || !cs->n)
		return fd;
	for (i = 0; i < cs->n; i++)
		if (safeopen_cred_may(&cs->v[i], st, 4))
			return fd;
	close(fd);
	return refuse(EACCES, why, whylen, "not readable by the target's user (owner %u, mode %04o)",
		      (unsigned)st->st_uid, (unsigned)(st->st_mode & 07777));
}

/* Over 100 lines on purpose: the walk of one path, component by component,
 * is kept in one place so a reviewer sees every component's check (no link
 * a target could plant, directories writable by whom) in order. */
int safeopen_open(const char *path, const struct safeopen_creds *cs, struct stat *st,
		  char *why, size_t whylen)
{
	char rest[PATH_MAX], link[PATH_MAX], next[PATH_MAX];
	int dirfd, links = 0;
	char *p;

	if (why && whylen)
		why[0] = '\0';
	if (!path || !*path || strlen(path) >= sizeof(rest))
		return refuse(ENAMETOOLONG, why, whylen, "path too long");
	snprintf(rest, sizeof(rest), "%s", path);
	dirfd = open(path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return refuse(errno, why, whylen, "%s", strerror(errno));
	p = rest;
	for (;;) {
		char *comp, *slash;
		struct stat cst;
		int fd, last;

		while (*p == '/')
			p++;
		if (!*p) {
			close(dirfd);
			return refuse(EINVAL, why, whylen, "not a regular file");
		}
		comp = p;
		slash = strchr(p, '/');
		if (slash)
			*slash = '\0';
		/* "a/b/" names a directory: not a file we read. */
		last = !slash || !slash[1 + strspn(slash + 1, "/")] ;
		if (slash && last) {
			close(dirfd);
			return refuse(EINVAL, why, whylen, "not a regular file");
		}
		if (fstatat(dirfd, comp, &cst, AT_SYMLINK_NOFOLLOW) < 0) {
			int e = errno;

			close(dirfd);
			errno = e;
			return -1;   /* ENOENT and the like: no reason to record */
		}
		if (S_ISLNK(cst.st_mode)) {
			ssize_t n;

			if (dir_plantable(cs, dirfd)) {
				close(dirfd);
				return refuse(ELOOP, why, whylen,
					      "'%s' is a symbolic link in a directory the target's user can write", comp);
			}
			if (++links > SAFEOPEN_MAX_LINKS) {
				close(dirfd);
				return refuse(ELOOP, why, whylen, "too many symbolic links");
			}
			n = readlinkat(dirfd, comp, link, sizeof(link) - 1);
			if (n <= 0) {
				close(dirfd);
				return refuse(ELOOP, why, whylen, "unreadable symbolic link '%s'", comp);
			}
			link[n] = '\0';
			if ((size_t)snprintf(next, sizeof(next), "%s%s%s", link, slash ? "/" : "",
					     slash ? slash + 1 : "") >= sizeof(next)) {
				close(dirfd);
				return refuse(ENAMETOOLONG, why, whylen, "path too long");
			}
			if (link[0] == '/') {
				close(dirfd);
				dirfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
				if (dirfd < 0)
					return refuse(errno, why, whylen, "%s", strerror(errno));
			}
			memcpy(rest, next, strlen(next) + 1);
			p = rest;
			continue;
		}
		if (!last) {
			int nfd;

			if (!S_ISDIR(cst.st_mode)) {
				close(dirfd);
				errno = ENOTDIR;
				return -1;
			}
			nfd = openat(dirfd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			close(dirfd);
			if (nfd < 0)
				return refuse(errno, why, whylen, "%s", strerror(errno));
			dirfd = nfd;
			p = slash + 1;
			continue;
		}
		/* Checked before opening: opening a device or FIFO can have
		 * effects of its own. check_file() checks the file opened again. */
		if (!S_ISREG(cst.st_mode)) {
			close(dirfd);
			return refuse(EINVAL, why, whylen, "not a regular file");
		}
		if (cs && cs->veto && cs->veto(&cst, cs->veto_arg)) {
			close(dirfd);
			return refuse(EPERM, why, whylen, "it is one of this capture's own files (bundle or redaction map)");
		}
		fd = openat(dirfd, comp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		close(dirfd);
		if (fd < 0) {
			if (errno == ELOOP)
				return refuse(ELOOP, why, whylen, "became a symbolic link while being opened");
			return refuse(errno, why, whylen, "%s", strerror(errno));
		}
		return check_file(fd, cs, st, why, whylen);
	}
}

int safeopen_open_fdlink(const char *path, const struct safeopen_creds *cs, struct stat *st,
			 char *why, size_t whylen)
{
	struct stat pre;
	int fd;

	if (why && whylen)
		why[0] = '\0';
	if (stat(path, &pre) < 0)
		return -1;
	if (!S_ISREG(pre.st_mode))
		return refuse(EINVAL, why, whylen, "not a regular file");
	if (cs && cs->veto && cs->veto(&pre, cs->veto_arg))
		return refuse(EPERM, why, whylen, "it is one of this capture's own files (bundle or redaction map)");
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return refuse(errno, why, whylen, "%s", strerror(errno));
	return check_file(fd, cs, st, why, whylen);
}

/* openat2(2) with RESOLVE flags; glibc has no wrapper here. */
static int open_beneath(int rootfd, const char *path, uint64_t flags)
{
	struct open_how how;

	memset(&how, 0, sizeof(how));
	how.flags = flags;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
}

int safeopen_open_in_root(const char *rootlink, const char *path, const struct safeopen_creds *cs,
			  struct stat *st, char *why, size_t whylen)
{
	struct stat pre;
	int rootfd, pfd, fd;

	if (why && whylen)
		why[0] = '\0';
	/* The kernel's link to the target's root: followed on purpose. */
	rootfd = open(rootlink, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return refuse(errno, why, whylen, "cannot open the target's root: %s", strerror(errno));
	pfd = open_beneath(rootfd, path, O_PATH | O_CLOEXEC);
	if (pfd < 0) {
		int e = errno;

		close(rootfd);
		if (e == ENOENT)
			return refuse(e, NULL, 0, "");
		if (e == ELOOP || e == EXDEV)
			return refuse(ELOOP, why, whylen, "a symbolic link on the way (not followed in the target's root)");
		if (e == ENOSYS)
			return refuse(e, why, whylen, "this kernel has no openat2()");
		return refuse(e, why, whylen, "%s", strerror(e));
	}
	if (fstat(pfd, &pre) < 0 || !S_ISREG(pre.st_mode)) {
		close(pfd);
		close(rootfd);
		return refuse(EINVAL, why, whylen, "not a regular file");
	}
	close(pfd);
	if (cs && cs->veto && cs->veto(&pre, cs->veto_arg)) {
		close(rootfd);
		return refuse(EPERM, why, whylen, "it is one of this capture's own files (bundle or redaction map)");
	}
	fd = open_beneath(rootfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	close(rootfd);
	if (fd < 0)
		return refuse(errno == EXDEV ? ELOOP : errno, why, whylen, "%s",
			      errno == ELOOP || errno == EXDEV ? "became a symbolic link while being opened" : strerror(errno));
	fd = check_file(fd, cs, st, why, whylen);
	if (fd >= 0 && (st->st_dev != pre.st_dev || st->st_ino != pre.st_ino)) {
		close(fd);
		return refuse(EAGAIN, why, whylen, "replaced while being opened");
	}
	return fd;
}
