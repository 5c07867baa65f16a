/* Storing the profile source's frames, stacks and counts: see profile.h. */
#include "profile.h"
#include "proc/procfs.h"
#include "privs.h"
#include "safeopen.h"
#include "symtext.h"

#include "error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- modules and frames ---- */

int profile_module_add(struct profile *p, const char *key, const char *path, enum mod_kind kind)
{
	int added;
	int64_t *v = idmap_str(&p->modkeys, key, strlen(key), &added);
	struct module *m;

	if (!v)
		return -1;
	if (!added)
		return (int)*v - 1;
	if (p->nmods == p->modcap) {
		int ncap = p->modcap ? p->modcap * 2 : 64;
		struct module *n = realloc(p->mods, (size_t)ncap * sizeof(*n));

		if (!n)
			return -1;
		p->mods = n;
		p->modcap = ncap;
	}
	m = &p->mods[p->nmods];
	memset(m, 0, sizeof(*m));
	m->path = strdup(path);
	if (!m->path)
		return -1;
	m->kind = kind;
	*v = ++p->nmods;
	return p->nmods - 1;
}

static int64_t module_id(struct profile *p, int mi)
{
	struct module *m = &p->mods[mi];
	sqlite3_stmt *st;

	if (m->id)
		return m->id;
	st = writer_stmt(p->cap->w, "INSERT INTO profile_modules (path, build_id, symbols) VALUES (?, ?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, m->path, -1, SQLITE_TRANSIENT);
	if (m->kind == MOD_ELF && m->elf.build_id[0])
		sqlite3_bind_text(st, 2, m->elf.build_id, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_text(st, 3, m->symbols[0] ? m->symbols : "none", -1, SQLITE_TRANSIENT);
	if (writer_step(p->cap->w, st) < 0)
		return -1;
	m->id = writer_last_id(p->cap->w);
	return m->id;
}

/* The frame of NAME (NULL: unnamed, told apart by ADDR) in module MI. */
int64_t profile_frame_id(struct profile *p, int mi, const char *name, size_t namelen, uint64_t addr, int kernel)
{
	char key[PROFILE_NAME_MAX + 64];
	int64_t *v, mid;
	int added, n;
	sqlite3_stmt *st;

	if (name && namelen > PROFILE_NAME_MAX)
		namelen = PROFILE_NAME_MAX;
	if (name)
		n = snprintf(key, sizeof(key), "%d\t%.*s", mi, (int)namelen, name);
	else
		n = snprintf(key, sizeof(key), "%d\t@%llx", mi, (unsigned long long)addr);
	/* A name holding a NUL (a hostile perf map) is cut there. */
	v = idmap_str(&p->frames, key, strnlen(key, (size_t)n), &added);
	if (!v)
		return -1;
	if (!added)
		return *v;
	mid = module_id(p, mi);
	if (mid < 0)
		return -1;
	st = writer_stmt(p->cap->w, "INSERT INTO profile_frames (module_id, name, addr, kernel) VALUES (?, ?, ?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, mid);
	if (name)
		sqlite3_bind_text(st, 2, name, (int)strnlen(name, namelen), SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int64(st, 3, (int64_t)addr);
	sqlite3_bind_int(st, 4, kernel);
	if (writer_step(p->cap->w, st) < 0)
		return -1;
	*v = writer_last_id(p->cap->w);
	return *v;
}

int profile_special_frame(struct profile *p, const char *module, int64_t *out)
{
	int mi = profile_module_add(p, module, module, MOD_SPECIAL);

	if (mi < 0)
		return -1;
	*out = profile_frame_id(p, mi, module, strlen(module), 0, 0);
	return *out < 0 ? -1 : 0;
}

/* ---- stacks ---- */

/* The stack node of FRAME called from PARENT (0: outermost). */
static int64_t stack_node(struct profile *p, int64_t parent, int64_t frame, int depth)
{
	int added;
	int64_t *v = idmap_u64(&p->nodes, ((uint64_t)parent << 32) | (uint64_t)frame, &added);
	sqlite3_stmt *st;

	if (!v)
		return -1;
	if (!added)
		return *v;
	st = writer_stmt(p->cap->w, "INSERT INTO profile_stacks (parent_id, frame_id, depth) VALUES (?, ?, ?)");
	if (!st)
		return -1;
	writer_bind_opt(st, 1, parent ? parent : -1);
	sqlite3_bind_int64(st, 2, frame);
	sqlite3_bind_int(st, 3, depth);
	if (writer_step(p->cap->w, st) < 0)
		return -1;
	*v = writer_last_id(p->cap->w);
	p->nnodes++;
	return *v;
}

static int64_t process_id_of(struct capture *cap, pid_t pid)
{
	int i;

	for (i = cap->targets.n - 1; i >= 0; i--)
		if (cap->targets.v[i].pid == pid)
			return cap->targets.v[i].process_id;
	return -1;
}

/* Names the frames of one sample, finds its stack and counts it in COUNTS
 * (process_id << 32 | stack -> samples). */
static int take_sample(struct profile *p, const struct callchain *c, struct idmap *counts)
{
	int64_t frames[2 * CALLCHAIN_MAX + 1], node = 0, pid_id, *cnt;
	int n = 0, i, added, stray = 0, unnamed_leaf = 0;
	struct pproc *pp;

	pid_id = process_id_of(p->cap, (pid_t)c->pid);
	if (pid_id < 0) {
		/* A descendant not followed (--max-targets) or already gone
		 * from the target set. */
		p->foreign++;
		return 0;
	}
	pp = profile_proc_get(p, (pid_t)c->pid, pid_id);
	if (!pp)
		return -1;
	if (c->entries >= p->max_stack) {
		p->truncated++;
		if (profile_special_frame(p, "[truncated]", &frames[n]) < 0)
			return -1;
		n++;
	}
	/* Outermost first: user frames from the bottom, then kernel frames.
	 * Each frame but a chain's first is a return address, the instruction
	 * after the call: one byte back names the caller, also when the call
	 * was a function's last instruction. */
	for (i = c->nuser - 1; i >= 0; i--) {
		int s = 0, u = 0;
		int64_t f = profile_user_frame(p, pp, c->user[i] - (i > 0), &s, &u);

		if (f < 0)
			return -1;
		if (i > 0)
			stray |= s;
		if (i == 0 && !c->nkernel)
			unnamed_leaf = u;
		frames[n++] = f;
	}
	for (i = c->nkernel - 1; i >= 0; i--) {
		int64_t f = profile_kernel_frame(p, c->kernel[i] - (i > 0));

		if (f < 0)
			return -1;
		frames[n++] = f;
	}
	if (c->nuser == 1)
		p->leaf_only++;
	if (stray)
		p->stray++;
	if (c->nkernel && !p->kt.nksyms)
		unnamed_leaf = 1;
	if (unnamed_leaf)
		p->unnamed++;
	if (n == 0 && profile_special_frame(p, "[no frames]", &frames[n++]) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		node = stack_node(p, node, frames[i], i + 1);
		if (node < 0)
			return -1;
	}
	cnt = idmap_u64(counts, ((uint64_t)pid_id << 32) | (uint64_t)node, &added);
	if (!cnt)
		return -1;
	(*cnt)++;
	return 0;
}

/* Holds back a sample with kernel frames while the kernel names are being
 * read. Returns 0, or -1 when there is no room (it is taken now). */
static int pend_add(struct profile *p, const struct callchain *c)
{
	size_t need = (size_t)(c->nkernel + c->nuser);
	struct pending *e;
	uint64_t *ips;

	if (p->npend == PROFILE_PENDING_MAX)
		return -1;
	if (!(e = profile_grow(p->pend, &p->pendcap, p->npend + 1, sizeof(*e), 256)))
		return -1;
	p->pend = e;
	if (!(ips = profile_grow(p->pend_ips, &p->pend_ipcap, p->npend_ips + need, sizeof(*ips), 8192)))
		return -1;
	p->pend_ips = ips;
	e = &p->pend[p->npend++];
	e->tick = p->tick;
	e->pid = c->pid;
	e->nkernel = c->nkernel;
	e->nuser = c->nuser;
	e->entries = c->entries;
	e->off = p->npend_ips;
	memcpy(p->pend_ips + p->npend_ips, c->kernel, (size_t)c->nkernel * sizeof(uint64_t));
	memcpy(p->pend_ips + p->npend_ips + c->nkernel, c->user, (size_t)c->nuser * sizeof(uint64_t));
	p->npend_ips += need;
	return 0;
}


void *profile_grow(void *v, size_t *cap, size_t need, size_t elem, size_t first)
{
	size_t ncap = *cap ? *cap : first;

	if (need <= *cap)
		return v;
	while (ncap < need)
		ncap *= 2;
	if (!(v = realloc(v, ncap * elem)))
		return NULL;
	*cap = ncap;
	return v;
}

/* Names and writes the samples held back, each under the tick it was read
 * in, once the kernel names are there. */
int profile_pend_flush(struct profile *p)
{
	struct idmap counts = { 0 };
	size_t i = 0;
	int ret = 0;

	while (i < p->npend && ret == 0) {
		int64_t tick = p->pend[i].tick;

		for (; i < p->npend && p->pend[i].tick == tick; i++) {
			const struct pending *e = &p->pend[i];

			p->cc.kind = CALLCHAIN_SAMPLE;
			p->cc.pid = e->pid;
			p->cc.nkernel = e->nkernel;
			p->cc.nuser = e->nuser;
			p->cc.entries = e->entries;
			memcpy(p->cc.kernel, p->pend_ips + e->off, (size_t)e->nkernel * sizeof(uint64_t));
			memcpy(p->cc.user, p->pend_ips + e->off + e->nkernel, (size_t)e->nuser * sizeof(uint64_t));
			if (take_sample(p, &p->cc, &counts) < 0) {
				ret = -1;
				break;
			}
		}
		if (ret == 0)
			ret = profile_write_counts(p, tick, &counts);
		idmap_clear(&counts);
	}
	idmap_release(&counts);
	p->npend = p->npend_ips = 0;
	return ret;
}

int profile_on_record(const void *buf, size_t len, void *arg)
{
	struct profile *p = arg;

	if (callchain_decode(buf, len, &p->cc) < 0)
		return -1;
	if (p->cc.kind == CALLCHAIN_LOST) {
		p->lost += p->cc.lost;
		return 0;
	}
	if (p->cc.kind != CALLCHAIN_SAMPLE || p->failed)
		return 0;
	p->samples++;
	if (p->cc.nkernel && !p->knamed) {
		profile_kallsyms_start(p);
		profile_kallsyms_take(p, 0);
		if (!p->knamed && p->kthread_running && pend_add(p, &p->cc) == 0)
			return 0;
	}
	if (take_sample(p, &p->cc, &p->counts) < 0)
		p->failed = 1;
	return 0;
}

int profile_write_counts(struct profile *p, int64_t tick, struct idmap *counts)
{
	sqlite3_stmt *st;
	size_t i;

	if (!counts->n)
		return 0;
	st = writer_stmt(p->cap->w, "INSERT INTO profile_samples (tick, process_id, stack_id, samples) "
			 "VALUES (?, ?, ?, ?)");
	if (!st)
		return -1;
	for (i = 0; i < counts->n; i++) {
		sqlite3_bind_int64(st, 1, tick);
		sqlite3_bind_int64(st, 2, (int64_t)(counts->keys[i] >> 32));
		sqlite3_bind_int64(st, 3, (int64_t)(counts->keys[i] & 0xffffffffu));
		sqlite3_bind_int64(st, 4, counts->vals[i]);
		if (writer_step(p->cap->w, st) < 0)
			return -1;
		sqlite3_reset(st);
	}
	return 0;
}

int profile_write_tick(struct profile *p, int64_t tick)
{
	sqlite3_stmt *st;

	if (profile_write_counts(p, tick, &p->counts) < 0)
		return -1;
	idmap_clear(&p->counts);
	st = writer_stmt(p->cap->w, "INSERT INTO profile_ticks (tick, samples, lost, truncated, leaf_only, stray, unnamed) "
			 "VALUES (?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, tick);
	sqlite3_bind_int64(st, 2, (int64_t)p->samples);
	sqlite3_bind_int64(st, 3, (int64_t)p->lost);
	sqlite3_bind_int64(st, 4, (int64_t)p->truncated);
	sqlite3_bind_int64(st, 5, (int64_t)p->leaf_only);
	sqlite3_bind_int64(st, 6, (int64_t)p->stray);
	sqlite3_bind_int64(st, 7, (int64_t)p->unnamed);
	if (writer_step(p->cap->w, st) < 0)
		return -1;
	if (p->lost)
		capture_event(p->cap, "drops", "%llu profile samples lost (ring buffer full)",
			      (unsigned long long)p->lost);
	p->total_samples += p->samples;
	p->total_lost += p->lost;
	p->total_truncated += p->truncated;
	p->total_leaf_only += p->leaf_only;
	p->samples = p->lost = p->truncated = p->leaf_only = p->stray = p->unnamed = p->foreign = 0;
	return 0;
}
