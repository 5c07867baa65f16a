/* The sockets source's connections to network namespaces: a sock_diag
 * socket opened inside each namespace holding a target (setns, then back),
 * its dumps (or a recording, $CASEFILE_SOCKDIAG_FILE), and the
 * /proc/PID/net/{tcp,udp}{,6} fallback when netlink is not there. */
#include "sockets.h"

#include "error.h"
#include "proc/procfs.h"
#include "procnet.h"
#include "targets.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* Opens a sock_diag socket inside pid's network namespace (inode expected)
 * and returns to ours. Returns 0; 1 when the namespace cannot be entered or
 * netlink is missing there (why says which, the caller falls back to /proc);
 * 2 when pid is no longer in namespace expected (it moved again since the
 * tick began: try next tick); -1 when we could not come back to our own
 * namespace (the source must stop). */
static int open_in_netns(struct capture *cap, pid_t pid, unsigned long long expected,
			 struct sockdiag *sd, char *why, size_t wlen)
{
	char path[512];
	struct stat sb;
	int tfd = -1, self = -1, ret = 1, err;

	capture_path(cap, path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	tfd = open(path, O_RDONLY | O_CLOEXEC);
	if (tfd < 0) {
		snprintf(why, wlen, "cannot open '%s': %s", path, strerror(errno));
		goto cleanup;
	}
	if (fstat(tfd, &sb) == 0 && (unsigned long long)sb.st_ino != expected) {
		ret = 2;
		goto cleanup;
	}
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0) {
		snprintf(why, wlen, "cannot open our own namespace: %s", strerror(errno));
		goto cleanup;
	}
	if (setns(tfd, CLONE_NEWNET) < 0) {
		snprintf(why, wlen, "cannot enter the network namespace of pid %d (setns: %s)",
			 (int)pid, strerror(errno));
		goto cleanup;
	}
	err = sockdiag_open(sd) < 0 ? errno : 0;
	if (setns(self, CLONE_NEWNET) < 0) {
		error_errno("cannot return to our own network namespace");
		if (!err)
			sockdiag_close(sd);
		ret = -1;
		goto cleanup;
	}
	if (err) {
		snprintf(why, wlen, "NETLINK_SOCK_DIAG unavailable in the namespace of pid %d: %s",
			 (int)pid, strerror(err));
		goto cleanup;
	}
	ret = 0;
cleanup:
	if (tfd >= 0)
		close(tfd);
	if (self >= 0)
		close(self);
	return ret;
}

/* The namespace's connection, opened when first needed. NULL with *fatal
 * 0 when out of memory, 1 when the source must stop, 2 when pid left the
 * namespace since the tick began (skip it this tick). */
struct nsconn *sockets_ns_get(struct capture *cap, struct sockets_source *s,
			     unsigned long long netns, pid_t pid, int *fatal)
{
	struct nsconn *nc, *nv;
	char why[600];
	int rc;

	for (int i = 0; i < s->nns; i++) {
		if (s->ns[i].netns == netns) {
			s->ns[i].pid = pid;
			return &s->ns[i];
		}
	}
	nv = realloc(s->ns, (size_t)(s->nns + 1) * sizeof(*nv));
	if (!nv)
		return NULL;
	s->ns = nv;
	nc = &s->ns[s->nns];
	memset(nc, 0, sizeof(*nc));
	nc->netns = netns;
	nc->pid = pid;
	nc->sd.fd = nc->sd.record_fd = -1;
	nc->unix_ok = 1;
	nc->listen_ports = calloc(65536 / 8, 1);
	if (!nc->listen_ports)
		return NULL;
	s->nns++;
	if (s->prefer_procfs)
		return nc;
	if (netns == s->own_netns || netns == 0) {
		nc->netlink = sockdiag_open(&nc->sd) == 0;
		if (nc->netlink && s->record && s->nns == 1 && sockdiag_record(&nc->sd, s->record) < 0)
			sockets_event(cap, s, EV_DUMP, "cannot record sock_diag replies to '%s'", s->record);
		if (!nc->netlink)
			sockets_event(cap, s, EV_NETNS, "NETLINK_SOCK_DIAG unavailable (%s): reading /proc/%d/net",
				   strerror(errno), (int)pid);
		return nc;
	}
	rc = open_in_netns(cap, pid, netns, &nc->sd, why, sizeof(why));
	if (rc < 0 || rc == 2) {
		*fatal = rc < 0 ? 1 : 2;
		s->nns--;
		sockets_ns_release(nc);
		return NULL;
	}
	nc->netlink = rc == 0;
	if (rc > 0)
		sockets_event(cap, s, EV_NETNS, "%s: reading /proc/%d/net instead", why, (int)pid);
	else
		info("sockets: netlink in network namespace %llu (pid %d)", netns, (int)pid);
	return nc;
}

static void ns_drop_netlink(struct nsconn *nc)
{
	sockdiag_close(&nc->sd);
	nc->netlink = 0;
}

void sockets_ns_release(struct nsconn *nc)
{
	if (nc->netlink)
		sockdiag_close(&nc->sd);
	free(nc->listen_ports);
	memset(nc, 0, sizeof(*nc));
}

static int read_procnet(struct capture *cap, struct sockets_source *s, struct nsconn *nc)
{
	static const struct { const char *name; int proto, family; } files[] = {
		{ "tcp", IPPROTO_TCP, AF_INET }, { "tcp6", IPPROTO_TCP, AF_INET6 },
		{ "udp", IPPROTO_UDP, AF_INET }, { "udp6", IPPROTO_UDP, AF_INET6 },
	};
	int any = 0;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[512];
		unsigned before = s->res.malformed;
		ssize_t n;
		int fd;

		capture_path(cap, path, sizeof(path), "/proc/%d/net/%s", (int)nc->pid, files[i].name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;    /* no IPv6, or the process is gone */
		/* /proc/net files are generated as they are read: read until
		 * EOF into a buffer that grows. */
		size_t got = 0, size = 1 << 16;
		char *buf = s->filebuf;
		for (;;) {
			if (!buf || got == size) {
				if (size >= PROCNET_MAX)
					break;
				size_t nsize = buf ? size * 2 : size;
				char *nb = realloc(s->filebuf, nsize);
				if (!nb) {
					close(fd);
					return error("out of memory reading '%s'", path);
				}
				s->filebuf = buf = nb;
				size = nsize;
			}
			n = read(fd, buf + got, size - got);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		close(fd);
		any = 1;
		if (procnet_parse(buf, got, files[i].proto, files[i].family, &s->res) < 0)
			return error("out of memory parsing '%s'", path);
		if (s->res.malformed != before)
			sockets_event(cap, s, EV_MALFORMED, "'%s': %u malformed line(s) skipped", path,
				   s->res.malformed - before);
	}
	/* /proc/PID/net shows PID's namespace as it is now: if PID moved
	 * since the tick began, these rows belong to another namespace than
	 * the one they would be filed under. */
	if (any && nc->netns && targets_netns(cap, nc->pid) != nc->netns) {
		sockdiag_result_reset(&s->res);
		return 1;
	}
	return any ? 0 : 1;
}

/* Dumps one namespace into s->res. Returns 0, 1 when nothing could be read
 * (the namespace's sockets are kept as they were), -1 on a fatal error. */
static int ns_dump(struct capture *cap, struct sockets_source *s, struct nsconn *nc, int full,
		   int with_info)
{
	/* TIME_WAIT and NEW_SYN_RECV entries are timewait and request sockets,
	 * which no fd holds (their inode is 0): a light dump need not fill a
	 * reply for each (a busy host has tens of thousands of them). */
	uint32_t tcp_states = full || cap->opts->all_sockets ? ~0u
		: ~((1u << SD_TIME_WAIT) | (1u << SD_NEW_SYN_RECV));
	/* TCP of both families comes first, from sockdiag_dump_tcp (one
	 * walk of the established hash instead of two). */
	static const struct { int family, proto; } dumps[] = {
		{ AF_UNSPEC, IPPROTO_TCP }, { AF_INET, IPPROTO_UDP }, { AF_INET6, IPPROTO_UDP },
	};

	sockdiag_result_reset(&s->res);
	if (s->replay) {
		/* Like ss's TCPDIAG_FILE: the same parser on recorded bytes. */
		if (sockdiag_replay(s->replay, &s->res) < 0)
			return error("cannot replay '%s'", s->replay);
		return 0;
	}
	if (nc->netlink) {
		size_t i;
		for (i = 0; i < sizeof(dumps) / sizeof(dumps[0]); i++) {
			int rc = dumps[i].family == AF_UNSPEC
				? sockdiag_dump_tcp(&nc->sd, with_info, tcp_states, &s->res)
				: sockdiag_dump_inet(&nc->sd, dumps[i].family, dumps[i].proto, with_info, ~0u,
						     &s->res);
			if (rc == 0)
				continue;
			/* No IPv6 in this kernel or namespace: nothing to dump. */
			if (dumps[i].family == AF_INET6 && (errno == ENOENT || errno == EAFNOSUPPORT))
				continue;
			sockets_event(cap, s, EV_DUMP, "sock_diag dump failed in namespace %llu (%s): "
				   "falling back to /proc/%d/net", nc->netns, strerror(errno), (int)nc->pid);
			ns_drop_netlink(nc);
			break;
		}
		/* unix sockets are only counted, in the totals */
		if (nc->netlink && full && nc->unix_ok && sockdiag_dump_unix(&nc->sd, &s->res) < 0) {
			/* unix_diag is a module of its own and may be missing */
			nc->unix_ok = 0;
			sockets_event(cap, s, EV_UNIX, "unix socket dump failed (%s): unix sockets not counted",
				   strerror(errno));
			if (errno != ENOENT && errno != EINVAL && errno != EOPNOTSUPP)
				ns_drop_netlink(nc);
		}
		if (nc->netlink && nc->sd.record_fd >= 0) {
			/* one tick is a replayable snapshot; more would repeat it */
			close(nc->sd.record_fd);
			nc->sd.record_fd = -1;
		}
		if (nc->netlink) {
			if (s->res.interrupted)
				sockets_event(cap, s, EV_INTR, "socket table changed during a dump (%u message(s) "
					   "flagged): some sockets may be missing at tick %lld",
					   s->res.interrupted, (long long)cap->tick);
			if (s->res.malformed)
				sockets_event(cap, s, EV_MALFORMED, "%u malformed sock_diag message(s) skipped",
					   s->res.malformed);
			return 0;
		}
		sockdiag_result_reset(&s->res);
	}
	return read_procnet(cap, s, nc);
}

int sockets_ns_dump(struct capture *cap, struct sockets_source *s, struct nsconn *nc, int full)
{
	return ns_dump(cap, s, nc, full, 1);
}

int sockets_ns_dump_totals(struct capture *cap, struct sockets_source *s, struct nsconn *nc)
{
	return ns_dump(cap, s, nc, 1, 0);
}
