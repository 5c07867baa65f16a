/* The profile source's state, shared by its files: profile.c (the source:
 * open, sample, close; attaching through perfset.c), names.c (naming
 * addresses: kernel symbols, the target's maps, ELF objects and perf maps,
 * each cached) and store.c (frames, modules and stacks stored once, samples
 * counted per tick and written).
 */
#ifndef CASEFILE_PROFILE_H
#define CASEFILE_PROFILE_H

#include "capture.h"
#include "perfset.h"

#include "callchain.h"
#include "elfsym.h"
#include "idmap.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

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

/* ---- names.c ---- */

void profile_ktab_release(struct ktab *t);
/* Starts reading /proc/kallsyms in a thread (once); takes its table when it
 * is complete, waiting for it with WAIT. */
void profile_kallsyms_start(struct profile *p);
void profile_kallsyms_take(struct profile *p, int wait);
int64_t profile_kernel_frame(struct profile *p, uint64_t ip);
void profile_proc_release(struct pproc *pp);
struct pproc *profile_proc_get(struct profile *p, pid_t pid, int64_t process_id);
int64_t profile_user_frame(struct profile *p, struct pproc *pp, uint64_t ip, int *stray, int *unnamed);

/* ---- store.c ---- */

/* V (an array of *CAP elements of ELEM bytes) with room for NEED: the same
 * V, or V reallocated to double capacities from FIRST (*CAP updated); NULL
 * out of memory, V untouched. */
void *profile_grow(void *v, size_t *cap, size_t need, size_t elem, size_t first);

int profile_module_add(struct profile *p, const char *key, const char *path, enum mod_kind kind);
int64_t profile_frame_id(struct profile *p, int mi, const char *name, size_t namelen, uint64_t addr, int kernel);
int profile_special_frame(struct profile *p, const char *module, int64_t *out);
/* Takes the samples held back for the kernel names. */
int profile_pend_flush(struct profile *p);
/* perfset_drain()'s callback: one ring record. */
int profile_on_record(const void *buf, size_t len, void *arg);
int profile_write_counts(struct profile *p, int64_t tick, struct idmap *counts);
/* Writes the tick's counts and its profile_ticks row, and starts the next. */
int profile_write_tick(struct profile *p, int64_t tick);

#endif
