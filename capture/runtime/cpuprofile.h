/* A V8 CPU profile (the .cpuprofile JSON of the DevTools protocol's
 * Profiler.stop: nodes with call frames and children, samples, timeDeltas)
 * parsed from a buffer and a length into a tree whose parents come before
 * their children. The text was written by the target: every id, index and
 * count is checked, the tree must be a tree, and sizes are bounded. */
#ifndef CASEFILE_CPUPROFILE_H
#define CASEFILE_CPUPROFILE_H

#include <stddef.h>
#include <stdint.h>

#define CPUPROFILE_MAX_NODES 200000
#define CPUPROFILE_MAX_SAMPLES 5000000
#define CPUPROFILE_NAME_MAX 512          /* bytes kept of a function name or URL */

struct cpuprofile_node {
	int64_t id;                      /* V8's node id */
	int parent;                      /* index in nodes[], -1 at a root */
	int depth;                       /* 1 at a root */
	char *name;                      /* functionName, "(anonymous)" when empty */
	char *url;                       /* script URL, "" for V8's own nodes */
	int64_t line, column;            /* 0-based, as V8 gives them; -1 when not known */
};

struct cpuprofile {
	struct cpuprofile_node *nodes;   /* parents before children */
	int nnodes;
	int *samples;                    /* index in nodes[] of each sample */
	int64_t *times;                  /* each sample's time, µs after start_us */
	int nsamples;
	int64_t start_us, end_us;        /* V8's clock */
	int cut;                         /* names or URLs cut at CPUPROFILE_NAME_MAX */
};

/* Parses the profile object in buf[0..len). Returns 0, or -1 with why
 * (size wlen) saying what is wrong; cp is then empty. */
int cpuprofile_parse(const char *buf, size_t len, struct cpuprofile *cp, char *why, size_t wlen);
void cpuprofile_release(struct cpuprofile *cp);

#endif
