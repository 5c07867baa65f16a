/* Naming the addresses of the profile source's samples: see profile.h. */
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
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

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
	struct ksym *syms;
	char *names;

	if (k->oom || symtext_kallsyms_line(line, len, &l) != 0 || l.module)
		return;
	if (l.addr)
		k->nonzero = 1;
	if (!(syms = profile_grow(t->ksyms, &k->cap, t->nksyms + 1, sizeof(*syms), 65536))) {
		k->oom = 1;
		return;
	}
	t->ksyms = syms;
	if (!(names = profile_grow(t->knames, &k->namecap, k->namelen + l.namelen + 1, 1, 1u << 20))) {
		k->oom = 1;
		return;
	}
	t->knames = names;
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

void profile_ktab_release(struct ktab *t)
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
		profile_ktab_release(t);
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
void profile_kallsyms_start(struct profile *p)
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
void profile_kallsyms_take(struct profile *p, int wait)
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

int64_t profile_kernel_frame(struct profile *p, uint64_t ip)
{
	int added, mi;
	int64_t *v = idmap_u64(&p->kips, ip, &added), f;
	size_t lo = 0, hi = p->kt.nksyms;

	if (!v)
		return -1;
	if (!added)
		return *v;
	mi = profile_module_add(p, "[kernel]", "[kernel]", MOD_KERNEL);
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

		f = profile_frame_id(p, mi, name, strlen(name), 0, 1);
	} else {
		f = profile_frame_id(p, mi, NULL, 0, ip, 1);
	}
	*v = f;
	return f;
}

/* ---- processes: maps, ELF objects, perf maps ---- */

void profile_proc_release(struct pproc *pp)
{
	free(pp->maps);
	idmap_release(&pp->ips);
	free(pp->jit);
	free(pp->jitnames);
}

/* The state of process PROCESS_ID (pid PID): its mappings and named
 * addresses, forgotten when the pid now names another process. */
/* An empty cache for process PID (a reused pid is another PROCESS_ID). */
static void proc_init(struct pproc *pp, pid_t pid, int64_t process_id)
{
	memset(pp, 0, sizeof(*pp));
	pp->pid = pid;
	pp->process_id = process_id;
	pp->jit_module = -1;
	pp->maps_tick = -1;
	pp->jit_tick = -1;
}

struct pproc *profile_proc_get(struct profile *p, pid_t pid, int64_t process_id)
{
	struct pproc *pp;
	int i;

	for (i = 0; i < p->nprocs; i++) {
		if (p->procs[i].pid != pid)
			continue;
		pp = &p->procs[i];
		if (pp->process_id != process_id) {
			profile_proc_release(pp);
			proc_init(pp, pid, process_id);
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
	proc_init(pp, pid, process_id);
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
		mi = profile_module_add(ml->p, path, path, MOD_SPECIAL);
	} else {
		snprintf(key, sizeof(key), "%u:%u:%llu", l.dev_major, l.dev_minor, (unsigned long long)l.inode);
		mi = profile_module_add(ml->p, key, path, MOD_ELF);
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

/* The size of this process's own [vdso] mapping, 0 when none. */
static uint64_t own_vdso_size(void)
{
	char *buf = NULL, *l, *e;
	uint64_t size = 0;
	ssize_t n = read_file_alloc("/proc/self/maps", PROFILE_MAPS_MAX, &buf, NULL);

	for (l = buf; n > 0 && l && l < buf + n; l = e ? e + 1 : NULL) {
		struct maps_line m;

		e = memchr(l, '\n', (size_t)(buf + n - l));
		if (symtext_maps_line(l, e ? (size_t)(e - l) : (size_t)(buf + n - l), &m) == 0 &&
		    m.pathlen == 6 && !memcmp(m.path, "[vdso]", 6)) {
			size = m.end - m.start;
			break;
		}
	}
	free(buf);
	return size;
}

/* A target's [vdso] is the image this kernel maps into every process of its
 * ABI, ours included (getauxval(AT_SYSINFO_EHDR)): its functions
 * (__vdso_clock_gettime, ...) are named from our own copy, never from the
 * target's memory, when the two mappings have one size. */
static void load_vdso(struct profile *p, struct module *mod, const struct mapping *m)
{
	const void *base = (const void *)getauxval(AT_SYSINFO_EHDR);
	uint64_t size = own_vdso_size();
	char why[160];

	mod->loaded = 1;
	if (p->cap->opts->root && p->cap->opts->root[0]) {
		snprintf(mod->symbols, sizeof(mod->symbols), "none: a --root capture (not this kernel's vDSO)");
		return;
	}
	if (!base || !size) {
		snprintf(mod->symbols, sizeof(mod->symbols), "none: this process has no vDSO to compare with");
		return;
	}
	if (size != m->end - m->start) {
		snprintf(mod->symbols, sizeof(mod->symbols),
			 "none: not this process's vDSO (%llu bytes, ours %llu: another ABI)",
			 (unsigned long long)(m->end - m->start), (unsigned long long)size);
		return;
	}
	if (elfsym_load_buf(base, (size_t)size, &mod->elf, why, sizeof(why)) < 0) {
		snprintf(mod->symbols, sizeof(mod->symbols), "none: %s", why);
		elfsym_release(&mod->elf);
		return;
	}
	snprintf(mod->symbols, sizeof(mod->symbols), "%s",
		 mod->elf.nsyms ? "vdso (this kernel's image)" : "none: the vDSO has no function symbols");
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
	struct jitsym *syms;
	char *names;
	size_t nl;

	if (jl->oom || symtext_perfmap_line(line, len, &l) < 0)
		return;
	nl = l.namelen > PROFILE_NAME_MAX ? PROFILE_NAME_MAX : l.namelen;
	if (!(syms = profile_grow(pp->jit, &pp->jitcap, pp->njit + 1, sizeof(*syms), 1024))) {
		jl->oom = 1;
		return;
	}
	pp->jit = syms;
	if (!(names = profile_grow(pp->jitnames, &pp->jitnames_cap, pp->jitnames_len + nl + 1, 1, 65536))) {
		jl->oom = 1;
		return;
	}
	pp->jitnames = names;
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
	target_creds(p, pp->pid, &cs);
	why[0] = '\0';
	if (same_mount_ns(p, pp->pid)) {
		capture_path(p->cap, path, sizeof(path), "/tmp/perf-%d.map", (int)ns_pid(p, pp->pid));
		fd = safeopen_open(path, &cs, &st, why, sizeof(why));
	} else {
		/* A container's /tmp: the map is where the runtime wrote it,
		 * in the target's own tree, under its pid there. */
		char root[64];

		capture_path(p->cap, root, sizeof(root), "/proc/%d/root", (int)pp->pid);
		snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)ns_pid(p, pp->pid));
		fd = safeopen_open_in_root(root, path, &cs, &st, why, sizeof(why));
		if (fd < 0 || why[0])
			snprintf(path, sizeof(path), "%s/tmp/perf-%d.map (in its mount namespace)", root,
				 (int)ns_pid(p, pp->pid));
	}
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
int64_t profile_user_frame(struct profile *p, struct pproc *pp, uint64_t ip, int *stray, int *unnamed)
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
		if (profile_special_frame(p, "[unknown]", &f) < 0)
			return -1;
	} else if (m->module < 0) {
		const char *name;

		read_perfmap(p, pp);
		name = jit_lookup(pp, ip);
		if (pp->jit_module < 0) {
			pp->jit_module = profile_module_add(p, "[jit]", "[jit]", MOD_JIT);
			if (pp->jit_module < 0)
				return -1;
		}
		mi = pp->jit_module;
		snprintf(p->mods[mi].symbols, sizeof(p->mods[mi].symbols), "%s",
			 pp->njit ? "perf-map" : pp->jit_state[0] ? pp->jit_state : "none");
		if (name) {
			f = profile_frame_id(p, mi, name, strlen(name), 0, 0);
		} else {
			/* Not cached: the runtime may name it in its perf map
			 * later. One unnamed frame for all such code. */
			*unnamed = 1;
			cache = 0;
			f = profile_frame_id(p, mi, NULL, 0, 0, 0);
		}
	} else {
		struct module *mod = &p->mods[m->module];
		uint64_t off = ip - m->start + m->pgoff, vaddr = off, symoff;
		const char *name = NULL;

		mi = m->module;
		if (mod->kind == MOD_ELF || (mod->kind == MOD_SPECIAL && !strcmp(mod->path, "[vdso]"))) {
			if (!mod->loaded && mod->kind == MOD_ELF)
				load_module(p, pp, m);
			else if (!mod->loaded)
				load_vdso(p, mod, m);
			if (mod->elf.nload && elfsym_file_to_vaddr(&mod->elf, off, &vaddr) == 0)
				name = elfsym_lookup(&mod->elf, vaddr, &symoff);
		} else {
			vaddr = ip - m->start;
		}
		if (name) {
			f = profile_frame_id(p, mi, name, strlen(name), 0, 0);
		} else {
			*unnamed = 1;
			f = profile_frame_id(p, mi, NULL, 0, vaddr, 0);
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
