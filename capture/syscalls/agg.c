/* Per-interval syscall counters shared by the syscalls backends, and the
 * lookup of generated syscall names. */
#include "syscalls.h"

#include "error.h"
#include "hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *syscall_arch(void)
{
#if defined(__x86_64__)
	return "x86_64";
#elif defined(__aarch64__)
	return "aarch64";
#else
	return "unknown";
#endif
}

const char *syscall_name_arch(const char *arch, long nr)
{
	if (nr < 0 || !arch)
		return NULL;
	if (!strcmp(arch, "x86_64") && nr < syscall_names_x86_64_count)
		return syscall_names_x86_64[nr];
	if (!strcmp(arch, "aarch64") && nr < syscall_names_aarch64_count)
		return syscall_names_aarch64[nr];
	return NULL;
}

const char *syscall_name(long nr)
{
	return syscall_name_arch(syscall_arch(), nr);
}

long syscall_number(const char *name)
{
	long nr;

	for (nr = 0; nr < 4096; nr++) {
		const char *s = syscall_name(nr);

		if (s && !strcmp(s, name))
			return nr;
	}
	return -1;
}

/* Load factor at which a table stops taking new keys: updates are then
 * counted in `dropped` instead of degrading every probe. */
#define FULL(n, cap) ((n) * 4 >= (cap) * 3)

static size_t hash3(uint32_t a, uint32_t b, uint32_t c)
{
	return (size_t)hash_mix(((uint64_t)a << 32 | b) ^ (c * 0x9E3779B97F4A7C15ULL));
}

static int systable_init(struct systable *t, size_t cap)
{
	memset(t, 0, sizeof(*t));
	t->cap = cap;
	t->ecap = cap / 4 < 64 ? 64 : cap / 4;
	t->scap = cap / 4 < 64 ? 64 : cap / 4;
	t->v = calloc(t->cap, sizeof(*t->v));
	t->e = calloc(t->ecap, sizeof(*t->e));
	t->s = calloc(t->scap, sizeof(*t->s));
	if (!t->v || !t->e || !t->s)
		return error("cannot allocate syscall counters");
	return 0;
}

static void systable_release(struct systable *t)
{
	free(t->v);
	free(t->e);
	free(t->s);
	memset(t, 0, sizeof(*t));
}

static void systable_clear(struct systable *t)
{
	memset(t->v, 0, t->cap * sizeof(*t->v));
	memset(t->e, 0, t->ecap * sizeof(*t->e));
	memset(t->s, 0, t->scap * sizeof(*t->s));
	t->n = t->en = t->sn = 0;
	t->dropped = t->events = t->lost = t->rounds = 0;
}

int sysagg_init(struct sysagg *a, size_t cap)
{
	memset(a, 0, sizeof(*a));
	if (cap < 64)
		cap = 64;
	pthread_mutex_init(&a->lock, NULL);
	a->pcap = cap;
	a->pend = calloc(a->pcap, sizeof(*a->pend));
	if (!a->pend || systable_init(&a->live, cap) < 0 || systable_init(&a->spare, cap) < 0) {
		sysagg_release(a);
		return error("cannot allocate syscall counters");
	}
	return 0;
}

void sysagg_release(struct sysagg *a)
{
	systable_release(&a->live);
	systable_release(&a->spare);
	free(a->pend);
	a->pend = NULL;
	pthread_mutex_destroy(&a->lock);
}

static struct sysagg_entry *entry(struct systable *t, int32_t pid, int32_t tid, int32_t nr)
{
	size_t i = hash3((uint32_t)pid, (uint32_t)tid, (uint32_t)nr) % t->cap;

	/* tid 0 marks a free slot: the kernel never reports tid 0 for a task. */
	if (tid == 0)
		return NULL;
	for (;;) {
		struct sysagg_entry *e = &t->v[i];

		if (e->tid == tid && e->nr == nr && e->pid == pid)
			return e;
		if (e->tid == 0) {
			if (FULL(t->n + 1, t->cap)) {
				t->dropped++;
				return NULL;
			}
			e->pid = pid;
			e->tid = tid;
			e->nr = nr;
			t->n++;
			return e;
		}
		i = (i + 1) % t->cap;
	}
}

static void count_errno(struct systable *t, int32_t pid, int32_t nr, int32_t err, uint64_t n)
{
	size_t i = hash3((uint32_t)pid, (uint32_t)nr, (uint32_t)err) % t->ecap;

	for (;;) {
		struct sysagg_err *e = &t->e[i];

		if (e->err == err && e->nr == nr && e->pid == pid) {
			e->count += n;
			return;
		}
		if (e->err == 0) {
			if (FULL(t->en + 1, t->ecap)) {
				t->dropped++;
				return;
			}
			e->pid = pid;
			e->nr = nr;
			e->err = err;
			e->count = n;
			t->en++;
			return;
		}
		i = (i + 1) % t->ecap;
	}
}

static struct syspend *pending(struct sysagg *a, int32_t tid)
{
	size_t i = hash3((uint32_t)tid, 0, 0) % a->pcap;

	for (;;) {
		struct syspend *p = &a->pend[i];

		if (p->tid == tid)
			return p;
		if (p->tid == 0)
			break;
		i = (i + 1) % a->pcap;
	}
	/* A full table is forgotten at once: only durations of the calls in
	 * flight are lost, and threads that exited long ago go with them. */
	if (FULL(a->pn + 1, a->pcap)) {
		memset(a->pend, 0, a->pcap * sizeof(*a->pend));
		a->pn = 0;
		i = hash3((uint32_t)tid, 0, 0) % a->pcap;
	}
	a->pn++;
	a->pend[i].tid = tid;
	a->pend[i].enter_nr = -1;
	a->pend[i].exit_nr = -1;
	return &a->pend[i];
}

static void add_time(struct sysagg_entry *e, uint64_t dur)
{
	e->timed++;
	e->total_ns += dur;
	if (dur > e->max_ns)
		e->max_ns = dur;
}

static int is_error(int64_t ret)
{
	return ret < 0 && ret >= -4095;
}

void sysagg_enter(struct sysagg *a, int32_t pid, int32_t tid, int32_t nr, uint64_t t_ns)
{
	struct syspend *p = pending(a, tid);

	(void)pid;
	a->live.events++;
	if (p->exit_nr >= 0 && (nr < 0 || p->exit_nr == nr) && p->exit_ns >= t_ns) {
		/* Its exit was read first (another CPU's ring). */
		struct sysagg_entry *e = entry(&a->live, p->exit_pid, tid, p->exit_nr);

		if (e)
			add_time(e, p->exit_ns - t_ns);
		p->exit_nr = -1;
		p->enter_nr = -1;
		return;
	}
	p->enter_nr = nr < 0 ? INT32_MAX : nr;
	p->enter_ns = t_ns;
	p->exit_nr = -1;
}

void sysagg_exit(struct sysagg *a, int32_t pid, int32_t tid, int32_t nr, int64_t ret, uint64_t t_ns)
{
	struct sysagg_entry *e = entry(&a->live, pid, tid, nr);
	struct syspend *p = pending(a, tid);

	a->live.events++;
	if (e) {
		e->calls++;
		if (is_error(ret)) {
			e->errors++;
			count_errno(&a->live, pid, nr, (int32_t)-ret, 1);
		}
	}
	/* A thread is in one syscall at a time: its pending enter is this
	 * call's (INT32_MAX: an enter that did not say which syscall). */
	if (p->enter_nr >= 0 && (p->enter_nr == INT32_MAX || p->enter_nr == nr) && p->enter_ns <= t_ns) {
		if (e)
			add_time(e, t_ns - p->enter_ns);
		p->enter_nr = -1;
		return;
	}
	p->enter_nr = -1;
	p->exit_nr = nr;
	p->exit_ns = t_ns;
	p->exit_ret = ret;
	p->exit_pid = pid;
}

void sysagg_call(struct sysagg *a, int32_t pid, int32_t tid, int32_t nr, int64_t ret,
		 uint64_t dur_ns, int timed)
{
	struct sysagg_entry *e = entry(&a->live, pid, tid, nr);

	a->live.events++;
	if (!e)
		return;
	e->calls++;
	if (is_error(ret)) {
		e->errors++;
		count_errno(&a->live, pid, nr, (int32_t)-ret, 1);
	}
	if (timed)
		add_time(e, dur_ns);
}

void sysagg_add(struct sysagg *a, const struct sysagg_entry *in)
{
	struct sysagg_entry *e = entry(&a->live, in->pid, in->tid, in->nr);

	a->live.events += in->calls;
	if (!e)
		return;
	e->calls += in->calls;
	e->errors += in->errors;
	e->total_ns += in->total_ns;
	e->timed += in->timed;
	if (in->max_ns > e->max_ns)
		e->max_ns = in->max_ns;
}

void sysagg_add_errno(struct sysagg *a, int32_t pid, int32_t nr, int32_t err, uint64_t count)
{
	if ((err > 0 || err == SYSAGG_ERRNO_UNKNOWN) && count)
		count_errno(&a->live, pid, nr, err, count);
}

void sysagg_sample(struct sysagg *a, int32_t pid, int32_t nr)
{
	struct systable *t = &a->live;
	size_t i = hash3((uint32_t)pid, (uint32_t)nr, 7) % t->scap;

	t->events++;
	if (pid == 0)
		return;
	for (;;) {
		struct sysagg_sample *s = &t->s[i];

		if (s->pid == pid && s->nr == nr) {
			s->samples++;
			return;
		}
		if (s->pid == 0) {
			if (FULL(t->sn + 1, t->scap)) {
				t->dropped++;
				return;
			}
			s->pid = pid;
			s->nr = nr;
			s->samples = 1;
			t->sn++;
			return;
		}
		i = (i + 1) % t->scap;
	}
}

struct systable *sysagg_take(struct sysagg *a)
{
	struct systable *t;

	if (!a->spare.v) {
		error("syscall counters taken twice");
		return NULL;
	}
	t = malloc(sizeof(*t));
	if (!t) {
		error("cannot allocate syscall counters");
		return NULL;
	}
	pthread_mutex_lock(&a->lock);
	*t = a->live;
	a->live = a->spare;
	pthread_mutex_unlock(&a->lock);
	memset(&a->spare, 0, sizeof(a->spare));
	return t;
}

uint64_t systable_errno_count(const struct systable *t, int32_t pid, int32_t nr, int32_t err)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < t->ecap; i++)
		if (t->e[i].err == err && t->e[i].pid == pid && t->e[i].nr == nr)
			n += t->e[i].count;
	return n;
}

void sysagg_done(struct sysagg *a, struct systable *t)
{
	if (!t)
		return;
	systable_clear(t);
	/* Only the tick loop touches the spare: the worker never sees it. */
	a->spare = *t;
	free(t);
}
