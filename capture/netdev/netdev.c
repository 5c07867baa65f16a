/* The netdev source: bytes, packets, errors and drops per interface in each
 * network namespace holding a target, from /proc/PID/net/dev (which shows the
 * namespace of PID, so no setns is needed, and a target that moves to another
 * namespace is followed: targets.c updates tg->netns, the key of the
 * interfaces rows). */
#include "capture.h"

#include "error.h"
#include "proc/procfs.h"
#include "targets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_IFACES 256

struct iface {
	unsigned long long netns;
	char name[32];
	int64_t id;
};

struct netdev_source {
	struct iface v[MAX_IFACES];
	int n;
	int warned_full;
};

struct sample_ctx {
	struct capture *cap;
	struct netdev_source *s;
	unsigned long long netns;
	int rc;
};

static int netdev_open(struct capture *cap, void **state)
{
	struct netdev_source *s = calloc(1, sizeof(*s));

	if (!s)
		return error("out of memory");
	*state = s;
	capture_source_backend(cap, "procfs", NULL);
	return 0;
}

static int64_t iface_id(struct sample_ctx *c, const char *name)
{
	static const char sql[] = "INSERT INTO interfaces (netns, name) VALUES (?, ?)";
	struct netdev_source *s = c->s;
	sqlite3_stmt *st;
	int i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].netns == c->netns && !strcmp(s->v[i].name, name))
			return s->v[i].id;
	if (s->n == MAX_IFACES) {
		if (!s->warned_full) {
			s->warned_full = 1;
			capture_event(c->cap, "warning", "more than %d interfaces; the rest are not recorded",
				      MAX_IFACES);
		}
		return -1;
	}
	st = writer_stmt(c->cap->w, sql);
	if (!st)
		return -1;
	if (c->netns)
		sqlite3_bind_int64(st, 1, (sqlite3_int64)c->netns);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
	if (writer_step(c->cap->w, st))
		return -1;
	s->v[s->n].netns = c->netns;
	snprintf(s->v[s->n].name, sizeof(s->v[s->n].name), "%s", name);
	s->v[s->n].id = writer_last_id(c->cap->w);
	return s->v[s->n++].id;
}

static void on_iface(const struct netdev_stats *ns, void *arg)
{
	static const char sql[] =
		"INSERT INTO netdev_samples (tick, iface_id, rx_bytes, rx_packets, rx_errs, rx_drop,"
		" tx_bytes, tx_packets, tx_errs, tx_drop) VALUES (?,?,?,?,?,?,?,?,?,?)";
	struct sample_ctx *c = arg;
	int64_t id = iface_id(c, ns->name);
	sqlite3_stmt *st;

	if (id < 0 || c->rc)
		return;
	st = writer_stmt(c->cap->w, sql);
	if (!st) {
		c->rc = -1;
		return;
	}
	sqlite3_bind_int64(st, 1, c->cap->tick);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_int64(st, 3, ns->rx_bytes);
	sqlite3_bind_int64(st, 4, ns->rx_packets);
	sqlite3_bind_int64(st, 5, ns->rx_errs);
	sqlite3_bind_int64(st, 6, ns->rx_drop);
	sqlite3_bind_int64(st, 7, ns->tx_bytes);
	sqlite3_bind_int64(st, 8, ns->tx_packets);
	sqlite3_bind_int64(st, 9, ns->tx_errs);
	sqlite3_bind_int64(st, 10, ns->tx_drop);
	if (writer_step(c->cap->w, st))
		c->rc = -1;
}

static int netdev_sample(struct capture *cap, void *state, int64_t tick)
{
	struct netdev_source *s = state;
	unsigned long long done[CAPTURE_MAX_PIDS];
	int ndone = 0, i, j;

	(void)tick;
	for (i = 0; i < cap->targets.n && ndone < CAPTURE_MAX_PIDS; i++) {
		const struct target *tg = &cap->targets.v[i];
		struct sample_ctx c = { cap, s, tg->netns, 0 };
		char path[512], *buf;
		ssize_t n;
		int bad = 0, rc;

		if (tg->gone)
			continue;
		for (j = 0; j < ndone; j++)
			if (done[j] == tg->netns)
				break;
		if (j < ndone)
			continue;
		capture_path(cap, path, sizeof(path), "/proc/%d/net/dev", (int)tg->pid);
		/* Whole: a host namespace with hundreds of veth interfaces
		 * passes 64 KiB, and the interfaces after a cut would vanish. */
		n = read_file_alloc(path, 16u << 20, &buf, NULL);
		/* The file shows where the pid is now: if it moved since the
		 * tick began, these counters are another namespace's. The next
		 * tick files them under the right one. */
		if (n <= 0 || (tg->netns && targets_netns(cap, tg->pid) != tg->netns)) {
			free(buf);
			continue;
		}
		rc = procfs_parse_netdev(buf, (size_t)n, on_iface, &c, &bad);
		free(buf);
		if (rc < 0) {
			capture_event(cap, "warning", "'%s' is not in /proc/net/dev format", path);
			continue;
		}
		if (c.rc)
			return -1;
		done[ndone++] = tg->netns;
	}
	return 0;
}

static void netdev_close(struct capture *cap, void *state)
{
	(void)cap;
	free(state);
}

const struct source netdev_source = {
	.name = "netdev",
	.summary = "bytes, packets, errors, drops per interface in the target's network namespace",
	.default_on = 1,
	.open = netdev_open,
	.sample = netdev_sample,
	.close = netdev_close,
};
