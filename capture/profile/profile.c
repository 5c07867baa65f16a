/* The profile source: which code runs on the CPU.
 *
 * Every target thread is sampled on-CPU with a perf_event software clock
 * (PERF_COUNT_SW_CPU_CLOCK, one sample per 1/--profile-hz s of the thread's
 * CPU time) taking its call chain, kernel and user, as the kernel unwinds it
 * by frame pointers. As in the perf backend of the syscalls source, the
 * events are opened by perfset.c: each thread present at attach gets one
 * event per CPU with attr.inherit, so threads and processes it creates later
 * carry the events from their first instruction; all events of a CPU write
 * into that CPU's ring (PERF_EVENT_IOC_SET_OUTPUT).
 *
 * Why no reader thread: a CPU runs one thread at a time, so a CPU's ring
 * receives at most --profile-hz samples a second, ~1 KiB each at the
 * deepest. The rings are sized for four ticks of that, and the tick drains
 * them; a ring that still fills (a long stall of the capture) loses records,
 * which the kernel counts and profile_ticks.lost shows.
 *
 * Names are given at capture time, so the bundle reads on a laptop without
 * the target's binaries: user addresses through /proc/PID/maps to the mapped
 * ELF object (read through /proc/PID/map_files, the very file mapped, checked
 * by safeopen; its .symtab, else .dynsym; build-id recorded), JIT code
 * through the runtime's perf map (/tmp/perf-PID.map, written by the target:
 * opened only through safeopen, size bounded), kernel addresses through
 * /proc/kallsyms (read at open, while we may). Frames, modules and stacks are
 * stored once (stacks as a tree of (parent, frame) nodes); each tick stores
 * the count of each (process, stack) it saw.
 */
#include "capture.h"
#include "proc/procfs.h"
#include "privs.h"
#include "safeopen.h"
#include "perfset.h"

#include "callchain.h"
#include "elfsym.h"
#include "idmap.h"
#include "symtext.h"

#include "error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The profile's one option, kept in its own block (no field in capture.h):
 * --profile-hz, in profile_options[] at the end of this file. */
struct profile_opts {
	int hz;
};

extern const struct source profile_source;

#define PROFILE_FD_BUDGET 4096           /* the syscalls perf backend takes up to 8192 */
#define PROFILE_RING_MAX (4u << 20)
#define PROFILE_MIN_PAGES 4
#define PROFILE_SAMPLE_BYTES 1100        /* a 127-frame sample with its header */
#define PROFILE_KALLSYMS_MAX (64u << 20)
#define PROFILE_PERFMAP_MAX (64u << 20)  /* bytes of a perf map read, in all */
#define PROFILE_NAME_MAX 512             /* a name longer than this is cut */
#define PROFILE_MAPS_MAX (16u << 20)

enum mod_kind { MOD_ELF, MOD_KERNEL, MOD_JIT, MOD_SPECIAL };

struct module {
	char *path;
	enum mod_kind kind;
	int64_t id;                      /* profile_modules.id, 0 before written */
	int loaded;                      /* ELF: symbols read (or tried) */
	struct elfsym elf;
	char symbols[200];               /* profile_modules.symbols */
};

struct mapping {
	uint64_t start, end, pgoff;
	int module;                      /* index in profile.mods, -1 anonymous */
};

struct jitsym {
	uint64_t start, size;
	uint32_t name;                   /* offset into jitnames */
	uint32_t seq;                    /* line order: a later entry wins */
};

struct pproc {
	pid_t pid;
	int64_t process_id;              /* a reused pid is another process */
	struct mapping *maps;
	int nmaps;
	int64_t maps_tick;               /* last tick /proc/PID/maps was read */
	struct idmap ips;                /* user address -> frame id */
	struct jitsym *jit;
	size_t njit, jitcap;
	char *jitnames;
	size_t jitnames_len, jitnames_cap;
	uint64_t jit_off;                /* bytes of the perf map read so far */
	int64_t jit_tick;                /* last tick it was read */
	char jit_state[160];             /* why no perf map, "" while fine */
	int jit_module;                  /* module index of its names, -1 before */
};

struct ksym {
	uint64_t addr;
	uint32_t name;
	uint32_t pad;
};

/* Kernel function names (/proc/kallsyms, t/T symbols of the kernel proper),
 * sorted by address. */
struct ktab {
	struct ksym *ksyms;
	size_t nksyms;
	char *knames;
	char state[160];                 /* why no names, "" when read */
};

/* A sample held back until the kernel names are read (its kernel frames
 * would otherwise be named by address for good). */
struct pending {
	int64_t tick;
	uint32_t pid;
	int nkernel, nuser, entries;
	size_t off;                      /* into pend_ips: kernel then user */
};

#define PROFILE_PENDING_MAX 20000

struct profile {
	struct perfset set;
	int hz, max_stack, kernel;
	struct callchain cc;

	struct ktab kt;                  /* in use once kready */
	struct ktab kload;               /* filled by the loader thread */
	int kfd;                         /* /proc/kallsyms, opened during setup */
	pthread_t kthread;
	int kthread_running;
	int kready;                      /* atomic: kload complete */
	int knamed;                      /* kt is ours: names available */
	struct pending *pend;
	size_t npend, pendcap;
	uint64_t *pend_ips;
	size_t npend_ips, pend_ipcap;

	struct module *mods;
	int nmods, modcap;
	struct idmap modkeys;            /* "dev:ino" or "[name]" -> index + 1 */
	struct idmap frames;             /* "module\tname" -> frame id */
	struct idmap kips;               /* kernel address -> frame id */
	struct idmap nodes;              /* parent << 32 | frame -> stack id */
	int64_t nnodes;
	struct pproc *procs;
	int nprocs, proccap;
	struct idmap counts;             /* process_id << 32 | stack -> samples */

	/* this tick's health, see profile_ticks */
	uint64_t samples, lost, truncated, leaf_only, stray, unnamed, foreign;
	uint64_t total_samples, total_lost, total_truncated, total_leaf_only;
	struct capture *cap;
	int64_t tick;
	int failed;
	char describe[768];
};

/* ---- modules and frames ---- */

static int module_add(struct profile *p, const char *key, const char *path, enum mod_kind kind)
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
static int64_t frame_id(struct profile *p, int mi, const char *name, size_t namelen, uint64_t addr, int kernel)
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

static int special_frame(struct profile *p, const char *module, int64_t *out)
{
	int mi = module_add(p, module, module, MOD_SPECIAL);

	if (mi < 0)
		return -1;
	*out = frame_id(p, mi, module, strlen(module), 0, 0);
	return *out < 0 ? -1 : 0;
}

/* ---- kernel symbols ---- */

struct kload {
	struct ktab *t;
	size_t cap, namecap, namelen;
	int nonzero, oom;
};

static void kallsyms_line(const char *line, size_t len, void *arg)
{
	struct kload *k = arg;
	struct ktab *t = k->t;
	struct kallsyms_line l;

	if (k->oom || symtext_kallsyms_line(line, len, &l) != 0 || l.module)
		return;
	if (l.addr)
		k->nonzero = 1;
	if (t->nksyms == k->cap) {
		size_t ncap = k->cap ? k->cap * 2 : 65536;
		struct ksym *n = realloc(t->ksyms, ncap * sizeof(*n));

		if (!n) {
			k->oom = 1;
			return;
		}
		t->ksyms = n;
		k->cap = ncap;
	}
	if (k->namelen + l.namelen + 1 > k->namecap) {
		size_t ncap = k->namecap ? k->namecap * 2 : (1u << 20);
		char *n;

		while (ncap < k->namelen + l.namelen + 1)
			ncap *= 2;
		n = realloc(t->knames, ncap);
		if (!n) {
			k->oom = 1;
			return;
		}
		t->knames = n;
		k->namecap = ncap;
	}
	memcpy(t->knames + k->namelen, l.name, l.namelen);
	t->knames[k->namelen + l.namelen] = '\0';
	t->ksyms[t->nksyms].addr = l.addr;
	t->ksyms[t->nksyms].name = (uint32_t)k->namelen;
	t->nksyms++;
	k->namelen += l.namelen + 1;
}

static int cmp_ksym(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void ktab_release(struct ktab *t)
{
	free(t->ksyms);
	free(t->knames);
	t->ksyms = NULL;
	t->knames = NULL;
	t->nksyms = 0;
}

/* Reads and parses /proc/kallsyms from FD into T. */
static void read_kallsyms(int fd, struct ktab *t)
{
	struct kload k = { .t = t };
	size_t len = 0, cap = 4u << 20;
	char *buf = malloc(cap);
	ssize_t n;

	while (buf) {
		if (len == cap) {
			char *nb = cap < PROFILE_KALLSYMS_MAX ? realloc(buf, cap * 2) : NULL;

			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (!buf) {
		snprintf(t->state, sizeof(t->state), "out of memory reading /proc/kallsyms");
		return;
	}
	symtext_lines(buf, len, kallsyms_line, &k);
	free(buf);
	if (k.oom || !k.nonzero) {
		snprintf(t->state, sizeof(t->state), "%s", k.oom ? "out of memory reading /proc/kallsyms" :
			 "/proc/kallsyms shows no addresses (kptr_restrict, or no CAP_SYSLOG)");
		ktab_release(t);
		return;
	}
	qsort(t->ksyms, t->nksyms, sizeof(*t->ksyms), cmp_ksym);
}

/* Kernel function names take /proc/kallsyms: ~120k lines, a second or more
 * of the capture's low-priority CPU on a busy machine. Read in a thread at
 * nice 19, started by the first sample with kernel frames (an idle target
 * never pays it), so setup and ticks do not wait for it; samples with kernel
 * frames wait (pending) until it is done. The file is opened during setup: it shows
 * addresses to whoever opened it with CAP_SYSLOG, which the thread then
 * drops with every other capability. Module symbols are left out: their
 * frames are named by address in [kernel]. */
static void *kallsyms_main(void *arg)
{
	struct profile *p = arg;

	privs_limit_thread(NULL, 0);
	/* Below the capture's own nice 10: the ticks come first. */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 19);
	read_kallsyms(p->kfd, &p->kload);
	__atomic_store_n(&p->kready, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Starts reading the kernel names, at the first sample with kernel frames
 * (an idle target never costs it). Without the file or a thread, kernel
 * frames are named by address. */
static void kallsyms_start(struct profile *p)
{
	if (p->knamed || p->kthread_running)
		return;
	if (p->kfd >= 0 && capture_thread_start(&p->kthread, kallsyms_main, p) == 0) {
		p->kthread_running = 1;
		return;
	}
	if (p->kfd >= 0)
		snprintf(p->kt.state, sizeof(p->kt.state), "cannot start the thread reading /proc/kallsyms");
	p->knamed = 1;
}

/* Takes the kernel names once the thread is done (WAIT: wait for it). */
static void kallsyms_take(struct profile *p, int wait)
{
	if (p->knamed || !p->kthread_running)
		return;
	if (!wait && !__atomic_load_n(&p->kready, __ATOMIC_ACQUIRE))
		return;
	pthread_join(p->kthread, NULL);
	p->kthread_running = 0;
	p->kt = p->kload;
	memset(&p->kload, 0, sizeof(p->kload));
	p->knamed = 1;
}

static int64_t kernel_frame(struct profile *p, uint64_t ip)
{
	int added, mi;
	int64_t *v = idmap_u64(&p->kips, ip, &added), f;
	size_t lo = 0, hi = p->kt.nksyms;

	if (!v)
		return -1;
	if (!added)
		return *v;
	mi = module_add(p, "[kernel]", "[kernel]", MOD_KERNEL);
	if (mi < 0)
		return -1;
	snprintf(p->mods[mi].symbols, sizeof(p->mods[mi].symbols), "%s",
		 p->kt.nksyms ? "kallsyms" : p->kt.state[0] ? p->kt.state : "none");
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->kt.ksyms[mid].addr <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0) {
		const char *name = p->kt.knames + p->kt.ksyms[lo - 1].name;

		f = frame_id(p, mi, name, strlen(name), 0, 1);
	} else {
		f = frame_id(p, mi, NULL, 0, ip, 1);
	}
	*v = f;
	return f;
}

/* ---- processes: maps, ELF objects, perf maps ---- */

static void proc_release(struct pproc *pp)
{
	free(pp->maps);
	idmap_release(&pp->ips);
	free(pp->jit);
	free(pp->jitnames);
}

/* The state of process PROCESS_ID (pid PID): its mappings and named
 * addresses, forgotten when the pid now names another process. */
static struct pproc *proc_get(struct profile *p, pid_t pid, int64_t process_id)
{
	struct pproc *pp;
	int i;

	for (i = 0; i < p->nprocs; i++) {
		if (p->procs[i].pid != pid)
			continue;
		pp = &p->procs[i];
		if (pp->process_id != process_id) {
			proc_release(pp);
			memset(pp, 0, sizeof(*pp));
			pp->pid = pid;
			pp->process_id = process_id;
			pp->jit_module = -1;
			pp->maps_tick = -1;
			pp->jit_tick = -1;
		}
		return pp;
	}
	if (p->nprocs == p->proccap) {
		int ncap = p->proccap ? p->proccap * 2 : 8;
		struct pproc *n = realloc(p->procs, (size_t)ncap * sizeof(*n));

		if (!n)
			return NULL;
		p->procs = n;
		p->proccap = ncap;
	}
	pp = &p->procs[p->nprocs++];
	memset(pp, 0, sizeof(*pp));
	pp->pid = pid;
	pp->process_id = process_id;
	pp->jit_module = -1;
	pp->maps_tick = -1;
	pp->jit_tick = -1;
	return pp;
}

struct mapsload {
	struct profile *p;
	struct pproc *pp;
	int cap, oom;
};

static int is_jit_path(const char *path, size_t len)
{
	return len == 0 || (len >= 6 && !memcmp(path, "[anon:", 6)) || (len == 7 && !memcmp(path, "//anon", 6)) ||
	       (len >= 9 && !memcmp(path, "/memfd:", 7));
}

static void maps_line(const char *line, size_t len, void *arg)
{
	struct mapsload *ml = arg;
	struct maps_line l;
	char key[64], path[PATH_MAX];
	int mi;

	if (ml->oom || symtext_maps_line(line, len, &l) < 0 || !l.exec)
		return;
	if (l.pathlen >= sizeof(path))
		l.pathlen = sizeof(path) - 1;
	memcpy(path, l.path, l.pathlen);
	path[l.pathlen] = '\0';
	if (is_jit_path(l.path, l.pathlen)) {
		mi = -1;
	} else if (l.path[0] == '[') {
		mi = module_add(ml->p, path, path, MOD_SPECIAL);
	} else {
		snprintf(key, sizeof(key), "%u:%u:%llu", l.dev_major, l.dev_minor, (unsigned long long)l.inode);
		mi = module_add(ml->p, key, path, MOD_ELF);
	}
	if (mi < -1 || (mi == -1 && !is_jit_path(l.path, l.pathlen))) {
		ml->oom = 1;
		return;
	}
	if (ml->pp->nmaps == ml->cap) {
		int ncap = ml->cap ? ml->cap * 2 : 64;
		struct mapping *n = realloc(ml->pp->maps, (size_t)ncap * sizeof(*n));

		if (!n) {
			ml->oom = 1;
			return;
		}
		ml->pp->maps = n;
		ml->cap = ncap;
	}
	ml->pp->maps[ml->pp->nmaps].start = l.start;
	ml->pp->maps[ml->pp->nmaps].end = l.end;
	ml->pp->maps[ml->pp->nmaps].pgoff = l.pgoff;
	ml->pp->maps[ml->pp->nmaps].module = mi;
	ml->pp->nmaps++;
}

/* Rereads the executable mappings of PP (at most once a tick). */
static void read_maps(struct profile *p, struct pproc *pp)
{
	char path[PATH_MAX], *buf = NULL;
	struct mapsload ml = { .p = p, .pp = pp };
	ssize_t n;

	if (pp->maps_tick == p->tick)
		return;
	pp->maps_tick = p->tick;
	capture_path(p->cap, path, sizeof(path), "/proc/%d/maps", (int)pp->pid);
	n = read_file_alloc(path, PROFILE_MAPS_MAX, &buf, NULL);
	if (n < 0)
		return;
	free(pp->maps);
	pp->maps = NULL;
	pp->nmaps = 0;
	symtext_lines(buf, (size_t)n, maps_line, &ml);
	free(buf);
}

static struct mapping *find_mapping(struct pproc *pp, uint64_t ip)
{
	int i;

	/* /proc/PID/maps is in address order. */
	for (i = 0; i < pp->nmaps; i++)
		if (ip >= pp->maps[i].start && ip < pp->maps[i].end)
			return &pp->maps[i];
	return NULL;
}

static ssize_t read_fd(void *ctx, void *buf, size_t len, uint64_t off)
{
	int fd = *(int *)ctx;
	size_t done = 0;

	while (done < len) {
		ssize_t r = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

/* The file-system credentials of PID, for safeopen: a file is read only if
 * this target's user could read it. */
static void target_creds(struct profile *p, pid_t pid, struct safeopen_creds *cs)
{
	char path[PATH_MAX], buf[4096];
	struct safeopen_cred c;
	ssize_t n;

	memset(cs, 0, sizeof(*cs));
	capture_path(p->cap, path, sizeof(path), "/proc/%d/status", (int)pid);
	n = read_file(path, buf, sizeof(buf));
	if (n > 0 && safeopen_parse_status(buf, (size_t)n, &c) == 0) {
		safeopen_creds_add(cs, &c);
		return;
	}
	/* Unknown: the strictest stand-in, a user of no group. */
	memset(&c, 0, sizeof(c));
	c.uid = c.gid = 65534;
	safeopen_creds_add(cs, &c);
}

/* Reads the symbols of the ELF object of mapping M: through
 * /proc/PID/map_files/START-END, the very file the target mapped (also when
 * deleted or in another mount namespace), checked as a file the target
 * controls (regular, not /proc, readable by the target's user). */
static void load_module(struct profile *p, struct pproc *pp, const struct mapping *m)
{
	struct module *mod = &p->mods[m->module];
	struct safeopen_creds cs;
	char path[PATH_MAX], why[160];
	struct stat st;
	int fd;

	mod->loaded = 1;
	capture_path(p->cap, path, sizeof(path), "/proc/%d/map_files/%llx-%llx", (int)pp->pid,
		     (unsigned long long)m->start, (unsigned long long)m->end);
	target_creds(p, pp->pid, &cs);
	why[0] = '\0';
	fd = safeopen_open_fdlink(path, &cs, &st, why, sizeof(why));
	if (fd < 0) {
		snprintf(mod->symbols, sizeof(mod->symbols), "none: cannot open it: %s",
			 why[0] ? why : strerror(errno));
		return;
	}
	if (elfsym_load(read_fd, &fd, (uint64_t)st.st_size, &mod->elf, why, sizeof(why)) < 0) {
		snprintf(mod->symbols, sizeof(mod->symbols), "none: %s", why);
		elfsym_release(&mod->elf);
	} else if (mod->elf.table == ELFSYM_NONE || mod->elf.nsyms == 0) {
		/* A .dynsym of imports only names none of the object's code. */
		snprintf(mod->symbols, sizeof(mod->symbols), "none: stripped (no function symbols)");
	} else {
		snprintf(mod->symbols, sizeof(mod->symbols), "%s",
			 mod->elf.table == ELFSYM_SYMTAB ? "symtab" : "dynsym");
	}
	close(fd);
}

/* ---- perf maps ---- */

struct jitload {
	struct pproc *pp;
	int oom;
};

static void perfmap_line(const char *line, size_t len, void *arg)
{
	struct jitload *jl = arg;
	struct pproc *pp = jl->pp;
	struct perfmap_line l;
	size_t nl;

	if (jl->oom || symtext_perfmap_line(line, len, &l) < 0)
		return;
	nl = l.namelen > PROFILE_NAME_MAX ? PROFILE_NAME_MAX : l.namelen;
	if (pp->njit == pp->jitcap) {
		size_t ncap = pp->jitcap ? pp->jitcap * 2 : 1024;
		struct jitsym *n = realloc(pp->jit, ncap * sizeof(*n));

		if (!n) {
			jl->oom = 1;
			return;
		}
		pp->jit = n;
		pp->jitcap = ncap;
	}
	if (pp->jitnames_len + nl + 1 > pp->jitnames_cap) {
		size_t ncap = pp->jitnames_cap ? pp->jitnames_cap * 2 : 65536;
		char *n;

		while (ncap < pp->jitnames_len + nl + 1)
			ncap *= 2;
		n = realloc(pp->jitnames, ncap);
		if (!n) {
			jl->oom = 1;
			return;
		}
		pp->jitnames = n;
		pp->jitnames_cap = ncap;
	}
	memcpy(pp->jitnames + pp->jitnames_len, l.name, nl);
	pp->jitnames[pp->jitnames_len + nl] = '\0';
	pp->jit[pp->njit].start = l.start;
	pp->jit[pp->njit].size = l.size;
	pp->jit[pp->njit].name = (uint32_t)pp->jitnames_len;
	pp->jit[pp->njit].seq = (uint32_t)pp->njit;
	pp->njit++;
	pp->jitnames_len += nl + 1;
}

static int cmp_jit(const void *a, const void *b)
{
	const struct jitsym *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The process's pid in its own pid namespace (the number in its perf
 * map's name), from the last field of NSpid:. */
static pid_t ns_pid(struct profile *p, pid_t pid)
{
	char path[PATH_MAX], buf[4096], *l, *e;
	long v = pid;

	capture_path(p->cap, path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_file(path, buf, sizeof(buf)) <= 0 || !(l = strstr(buf, "\nNSpid:")))
		return pid;
	l += 7;
	e = strchr(l, '\n');
	if (e)
		*e = '\0';
	while ((e = strpbrk(l, " \t")) && e[strspn(e, " \t")])
		l = e + strspn(e, " \t");
	v = strtol(l, NULL, 10);
	return v > 0 ? (pid_t)v : pid;
}

static int same_mount_ns(struct profile *p, pid_t pid)
{
	char path[PATH_MAX];
	struct stat a, b;

	capture_path(p->cap, path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	if (stat(path, &a) < 0 || stat("/proc/self/ns/mnt", &b) < 0)
		return 1;                /* no namespaces to tell apart */
	return a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

/* Reads what the runtime appended to its perf map since the last read (at
 * most once a tick, at most PROFILE_PERFMAP_MAX bytes in all). The file is
 * the target's: opened through safeopen (no link the target could plant in
 * /tmp, a regular file its user may read), never more than the bound. */
static void read_perfmap(struct profile *p, struct pproc *pp)
{
	char path[PATH_MAX], why[160];
	struct safeopen_creds cs;
	struct jitload jl = { .pp = pp };
	struct stat st;
	char *buf;
	size_t want, used;
	ssize_t n;
	int fd;

	if (pp->jit_tick == p->tick)
		return;
	pp->jit_tick = p->tick;
	if (!same_mount_ns(p, pp->pid)) {
		snprintf(pp->jit_state, sizeof(pp->jit_state), "perf map in another mount namespace: not read");
		return;
	}
	capture_path(p->cap, path, sizeof(path), "/tmp/perf-%d.map", (int)ns_pid(p, pp->pid));
	target_creds(p, pp->pid, &cs);
	why[0] = '\0';
	fd = safeopen_open(path, &cs, &st, why, sizeof(why));
	if (fd < 0) {
		if (errno == ENOENT)
			snprintf(pp->jit_state, sizeof(pp->jit_state), "no perf map (%.100s)", path);
		else
			snprintf(pp->jit_state, sizeof(pp->jit_state), "perf map refused: %s",
				 why[0] ? why : strerror(errno));
		return;
	}
	if ((uint64_t)st.st_size <= pp->jit_off) {
		close(fd);
		return;
	}
	if (pp->jit_off >= PROFILE_PERFMAP_MAX) {
		snprintf(pp->jit_state, sizeof(pp->jit_state), "perf map past 64 MiB: the rest not read");
		close(fd);
		return;
	}
	want = (size_t)((uint64_t)st.st_size - pp->jit_off);
	if (want > PROFILE_PERFMAP_MAX - pp->jit_off)
		want = (size_t)(PROFILE_PERFMAP_MAX - pp->jit_off);
	buf = malloc(want);
	if (!buf) {
		close(fd);
		return;
	}
	n = read_fd(&fd, buf, want, pp->jit_off);
	close(fd);
	if (n > 0) {
		used = symtext_lines(buf, (size_t)n, perfmap_line, &jl);
		pp->jit_off += used;
		pp->jit_state[0] = '\0';
		qsort(pp->jit, pp->njit, sizeof(*pp->jit), cmp_jit);
	}
	free(buf);
}

static const char *jit_lookup(struct pproc *pp, uint64_t ip)
{
	size_t lo = 0, hi = pp->njit;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (pp->jit[mid].start <= ip)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* The latest entry starting at or below IP that covers it. */
	while (lo > 0) {
		const struct jitsym *j = &pp->jit[lo - 1];

		if (ip - j->start < j->size)
			return pp->jitnames + j->name;
		if (lo < 2 || pp->jit[lo - 2].start != j->start)
			break;
		lo--;
	}
	return NULL;
}

/* The frame of user address IP of process PP. *STRAY is set when IP lies in
 * no executable mapping (an unwind that went astray), *UNNAMED when no symbol
 * names it. Cached per address: frame id, with the two flags above it. */
#define IPC_STRAY (1LL << 61)
#define IPC_UNNAMED (1LL << 62)
static int64_t user_frame(struct profile *p, struct pproc *pp, uint64_t ip, int *stray, int *unnamed)
{
	struct mapping *m;
	int added, mi, cache = 1;
	int64_t *v = idmap_find_u64(&pp->ips, ip), f;

	if (v) {
		*stray = !!(*v & IPC_STRAY);
		*unnamed = !!(*v & IPC_UNNAMED);
		return *v & ~(IPC_STRAY | IPC_UNNAMED);
	}
	m = find_mapping(pp, ip);
	if (!m) {
		read_maps(p, pp);
		m = find_mapping(pp, ip);
	}
	if (!m) {
		*stray = *unnamed = 1;
		if (special_frame(p, "[unknown]", &f) < 0)
			return -1;
	} else if (m->module < 0) {
		const char *name;

		read_perfmap(p, pp);
		name = jit_lookup(pp, ip);
		if (pp->jit_module < 0) {
			pp->jit_module = module_add(p, "[jit]", "[jit]", MOD_JIT);
			if (pp->jit_module < 0)
				return -1;
		}
		mi = pp->jit_module;
		snprintf(p->mods[mi].symbols, sizeof(p->mods[mi].symbols), "%s",
			 pp->njit ? "perf-map" : pp->jit_state[0] ? pp->jit_state : "none");
		if (name) {
			f = frame_id(p, mi, name, strlen(name), 0, 0);
		} else {
			/* Not cached: the runtime may name it in its perf map
			 * later. One unnamed frame for all such code. */
			*unnamed = 1;
			cache = 0;
			f = frame_id(p, mi, NULL, 0, 0, 0);
		}
	} else {
		struct module *mod = &p->mods[m->module];
		uint64_t off = ip - m->start + m->pgoff, vaddr = off, symoff;
		const char *name = NULL;

		mi = m->module;
		if (mod->kind == MOD_ELF) {
			if (!mod->loaded)
				load_module(p, pp, m);
			if (mod->elf.nload && elfsym_file_to_vaddr(&mod->elf, off, &vaddr) == 0)
				name = elfsym_lookup(&mod->elf, vaddr, &symoff);
		} else {
			vaddr = ip - m->start;
		}
		if (name) {
			f = frame_id(p, mi, name, strlen(name), 0, 0);
		} else {
			*unnamed = 1;
			f = frame_id(p, mi, NULL, 0, vaddr, 0);
		}
	}
	if (f < 0 || !cache)
		return f;
	v = idmap_u64(&pp->ips, ip, &added);
	if (!v)
		return -1;
	*v = f | (*stray ? IPC_STRAY : 0) | (*unnamed ? IPC_UNNAMED : 0);
	return f;
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
	pp = proc_get(p, (pid_t)c->pid, pid_id);
	if (!pp)
		return -1;
	if (c->entries >= p->max_stack) {
		p->truncated++;
		if (special_frame(p, "[truncated]", &frames[n]) < 0)
			return -1;
		n++;
	}
	/* Outermost first: user frames from the bottom, then kernel frames.
	 * Each frame but a chain's first is a return address, the instruction
	 * after the call: one byte back names the caller, also when the call
	 * was a function's last instruction. */
	for (i = c->nuser - 1; i >= 0; i--) {
		int s = 0, u = 0;
		int64_t f = user_frame(p, pp, c->user[i] - (i > 0), &s, &u);

		if (f < 0)
			return -1;
		if (i > 0)
			stray |= s;
		if (i == 0 && !c->nkernel)
			unnamed_leaf = u;
		frames[n++] = f;
	}
	for (i = c->nkernel - 1; i >= 0; i--) {
		int64_t f = kernel_frame(p, c->kernel[i] - (i > 0));

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
	if (n == 0 && special_frame(p, "[no frames]", &frames[n++]) < 0)
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

	if (p->npend == PROFILE_PENDING_MAX)
		return -1;
	if (p->npend == p->pendcap) {
		size_t ncap = p->pendcap ? p->pendcap * 2 : 256;
		struct pending *n = realloc(p->pend, ncap * sizeof(*n));

		if (!n)
			return -1;
		p->pend = n;
		p->pendcap = ncap;
	}
	if (p->npend_ips + need > p->pend_ipcap) {
		size_t ncap = p->pend_ipcap ? p->pend_ipcap * 2 : 8192;
		uint64_t *n;

		while (ncap < p->npend_ips + need)
			ncap *= 2;
		n = realloc(p->pend_ips, ncap * sizeof(*n));
		if (!n)
			return -1;
		p->pend_ips = n;
		p->pend_ipcap = ncap;
	}
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

static int write_counts(struct profile *p, int64_t tick, struct idmap *counts);

/* Names and writes the samples held back, each under the tick it was read
 * in, once the kernel names are there. */
static int pend_flush(struct profile *p)
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
			ret = write_counts(p, tick, &counts);
		idmap_clear(&counts);
	}
	idmap_release(&counts);
	p->npend = p->npend_ips = 0;
	return ret;
}

static int on_record(const void *buf, size_t len, void *arg)
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
		kallsyms_start(p);
		kallsyms_take(p, 0);
		if (!p->knamed && p->kthread_running && pend_add(p, &p->cc) == 0)
			return 0;
	}
	if (take_sample(p, &p->cc, &p->counts) < 0)
		p->failed = 1;
	return 0;
}

/* ---- attaching ---- */

static int thread_attrs(const struct perfset *s, struct perf_event_attr *a, void *arg)
{
	const struct profile *p = arg;

	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	a->type = PERF_TYPE_SOFTWARE;
	a->config = PERF_COUNT_SW_CPU_CLOCK;
	/* cpu-clock counts nanoseconds of the thread on a CPU. */
	a->sample_period = 1000000000ULL / (uint64_t)p->hz;
	a->sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CALLCHAIN;
	a->sample_max_stack = (uint16_t)p->max_stack;
	a->inherit = 1;
	a->exclude_kernel = !p->kernel;
	a->exclude_callchain_kernel = !p->kernel;
	a->exclude_hv = 1;
	/* Nobody waits on the rings: no wakeup wanted before they are full. */
	a->watermark = 1;
	a->wakeup_watermark = (uint32_t)((uint64_t)s->ring_pages * (uint64_t)getpagesize() / 2);
	return 1;
}

static int read_max_stack(struct capture *cap)
{
	char path[PATH_MAX], buf[64];
	long v;

	capture_path(cap, path, sizeof(path), "/proc/sys/kernel/perf_event_max_stack");
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return 127;
	v = strtol(buf, NULL, 10);
	return v > 0 && v < 127 ? (int)v : 127;
}

static void profile_free(struct profile *p)
{
	int i;

	if (!p)
		return;
	perfset_release(&p->set);
	for (i = 0; i < p->nmods; i++) {
		free(p->mods[i].path);
		elfsym_release(&p->mods[i].elf);
	}
	for (i = 0; i < p->nprocs; i++)
		proc_release(&p->procs[i]);
	idmap_release(&p->modkeys);
	idmap_release(&p->frames);
	idmap_release(&p->kips);
	idmap_release(&p->nodes);
	idmap_release(&p->counts);
	free(p->procs);
	free(p->mods);
	if (p->kthread_running) {
		pthread_join(p->kthread, NULL);
		p->kthread_running = 0;
	}
	if (p->kfd >= 0)
		close(p->kfd);
	ktab_release(&p->kt);
	ktab_release(&p->kload);
	free(p->pend);
	free(p->pend_ips);
	free(p);
}

static int profile_open(struct capture *cap, void **state)
{
	struct profile *p = calloc(1, sizeof(*p));
	struct rlimit rl;
	char why[256];
	int err = 0, retried = 0;
	uint64_t want;
	size_t page = (size_t)getpagesize();

	if (!p)
		return error("out of memory");
	p->kfd = -1;
	p->cap = cap;
	p->hz = ((const struct profile_opts *)capture_source_opts(cap->opts, &profile_source))->hz;
	p->kernel = 1;
	p->max_stack = read_max_stack(cap);
	p->set.attrs = thread_attrs;
	p->set.arg = p;
	if (perfset_init(&p->set, cap, PROFILE_MIN_PAGES, why, sizeof(why)) < 0) {
		profile_free(p);
		return capture_source_skip(cap, "%s", why);
	}
	/* Four ticks of a CPU's worst case, within bounds. */
	want = (uint64_t)p->hz * PROFILE_SAMPLE_BYTES * 4 *
	       (uint64_t)((cap->opts->interval_us + 999999) / 1000000);
	if (want > PROFILE_RING_MAX)
		want = PROFILE_RING_MAX;
	for (p->set.ring_pages = PROFILE_MIN_PAGES; (uint64_t)p->set.ring_pages * page < want; p->set.ring_pages *= 2)
		;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		p->set.fd_budget = rl.rlim_cur > 1024 ? (int)(rl.rlim_cur / 4) : 128;
	else
		p->set.fd_budget = 256;
	if (p->set.fd_budget > PROFILE_FD_BUDGET)
		p->set.fd_budget = PROFILE_FD_BUDGET;
again:
	if (perfset_attach(&p->set, cap, &err) < 0) {
		/* Kernel call chains need more privilege than user ones
		 * (perf_event_paranoid 2 without CAP_PERFMON): try without. */
		if ((err == EACCES || err == EPERM) && p->kernel && !retried) {
			perfset_reset(&p->set);
			p->kernel = 0;
			retried = 1;
			goto again;
		}
		profile_free(p);
		return capture_source_skip(cap, "perf_event_open (cpu-clock sampling) failed: %s%s", strerror(err),
					   err == EACCES || err == EPERM ?
					   " (needs CAP_PERFMON or CAP_SYS_ADMIN, or kernel.perf_event_paranoid <= 1)" : "");
	}
	if (p->set.threads == 0) {
		profile_free(p);
		return capture_source_skip(cap, "no target thread to attach to");
	}
	if (p->kernel) {
		char path[PATH_MAX];

		capture_path(cap, path, sizeof(path), "/proc/kallsyms");
		p->kfd = open(path, O_RDONLY | O_CLOEXEC);
		if (p->kfd < 0)
			snprintf(p->kt.state, sizeof(p->kt.state), "cannot read /proc/kallsyms: %s", strerror(errno));
	} else {
		snprintf(p->kt.state, sizeof(p->kt.state), "kernel frames not sampled (not permitted)");
	}
	capture_source_backend(cap, "perf cpu-clock", NULL);
	writer_manifest_setf(cap->w, "profile_hz", "%d", p->hz);
	writer_manifest_setf(cap->w, "profile_max_stack", "%d", p->max_stack);
	*state = p;
	return 0;
}

static int write_counts(struct profile *p, int64_t tick, struct idmap *counts)
{
	sqlite3_stmt *st;
	size_t i;

	if (!counts->n)
		return 0;
	st = writer_stmt(p->cap->w, "INSERT INTO profile_samples (tick, process_id, stack_id, samples) "
			 "VALUES (?, ?, ?, ?)");
	if (!st)
		return -1;
	for (i = 0; i < counts->cap; i++) {
		if (!counts->used[i])
			continue;
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

static int write_tick(struct profile *p, int64_t tick)
{
	sqlite3_stmt *st;

	if (write_counts(p, tick, &p->counts) < 0)
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

static int drain(struct profile *p, int64_t tick)
{
	p->tick = tick;
	perfset_drain(&p->set, on_record, p);
	if (p->failed)
		return -1;
	kallsyms_take(p, 0);
	if (p->npend && (p->knamed || !p->kthread_running))
		return pend_flush(p);
	return 0;
}

static int profile_sample(struct capture *cap, void *state, int64_t tick)
{
	struct profile *p = state;
	int err = 0, before = p->set.threads;

	if (perfset_attach(&p->set, cap, &err) < 0)
		capture_event(cap, "warning", "profile: cannot attach to a new target: %s", strerror(err));
	if (p->set.threads != before)
		info("profile: attached to %d more threads", p->set.threads - before);
	if (drain(p, tick) < 0)
		return -1;
	return write_tick(p, tick);
}

static const char *describe(struct profile *p)
{
	int bad = perfset_bad_rings(&p->set);

	snprintf(p->describe, sizeof(p->describe),
		 "cpu-clock at %d Hz, call chains by frame pointers (at most %d frames)%s; %d CPU rings of %d KiB, "
		 "%d threads attached; %llu samples, %llu lost, %llu truncated, %llu stopped at the leaf%s%s%s",
		 p->hz, p->max_stack, p->kernel ? ", kernel and user" : ", user only (kernel not permitted)",
		 p->set.ncpus, p->set.ring_pages * getpagesize() / 1024, p->set.threads,
		 (unsigned long long)p->total_samples, (unsigned long long)p->total_lost,
		 (unsigned long long)p->total_truncated, (unsigned long long)p->total_leaf_only,
		 p->set.threads_skipped ? "; threads over the fd budget not sampled" : "",
		 p->set.pids_skipped ? "; processes beyond 256 not sampled" : "",
		 bad ? "; a ring became undecodable and was abandoned" : "");
	return p->describe;
}

static void profile_close(struct capture *cap, void *state)
{
	struct profile *p = state;

	if (!p)
		return;
	/* Stop the events, then take what they wrote last into the final
	 * tick, with the samples held back for the kernel names (waiting for
	 * them now). */
	perfset_disable(&p->set);
	kallsyms_take(p, 1);
	if (cap->tick > 0 && !writer_capped(cap->w) && drain(p, cap->tick) == 0 &&
	    write_counts(p, cap->tick, &p->counts) == 0) {
		/* The final tick's row exists: add to it. */
		sqlite3_stmt *st = writer_stmt(cap->w, "UPDATE profile_ticks SET samples = samples + ?, lost = lost + ?, "
					       "truncated = truncated + ?, leaf_only = leaf_only + ?, stray = stray + ?, "
					       "unnamed = unnamed + ? WHERE tick = ?");

		if (st) {
			sqlite3_bind_int64(st, 1, (int64_t)p->samples);
			sqlite3_bind_int64(st, 2, (int64_t)p->lost);
			sqlite3_bind_int64(st, 3, (int64_t)p->truncated);
			sqlite3_bind_int64(st, 4, (int64_t)p->leaf_only);
			sqlite3_bind_int64(st, 5, (int64_t)p->stray);
			sqlite3_bind_int64(st, 6, (int64_t)p->unnamed);
			sqlite3_bind_int64(st, 7, cap->tick);
			writer_step(cap->w, st);
		}
		p->total_samples += p->samples;
		p->total_lost += p->lost;
		p->total_truncated += p->truncated;
		p->total_leaf_only += p->leaf_only;
	}
	writer_manifest_set(cap->w, "profile", describe(p));
	writer_manifest_set(cap->w, "profile_kernel", p->kt.nksyms ? "named (kallsyms)" :
			    p->kt.state[0] ? p->kt.state : "no kernel frame seen");
	profile_free(p);
}

static const struct capture_option profile_options[] = {
	/* Above ~1000 Hz a sample's unwinding becomes a cost the target pays;
	 * 99 Hz costs within noise (BENCHMARKS.md). */
	{ .name = "profile-hz", .arg = "N", .help = "profile: on-CPU samples a second of each thread (default 99)",
	  .kind = CAPTURE_OPT_INT, .own = 1, .offset = offsetof(struct profile_opts, hz), .def = "99",
	  .min = 1, .max = 1000, .want = "a number from 1 to 1000" },
	{ .name = NULL },
};

const struct source profile_source = {
	.name = "profile",
	.summary = "on-CPU call stacks of every target thread (perf cpu-clock, frame pointers), named at capture time",
	.default_on = 1,
	.open = profile_open,
	.sample = profile_sample,
	.close = profile_close,
	.options = profile_options,
	.opts_size = sizeof(struct profile_opts),
};
