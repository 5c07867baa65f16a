/* Small maps of the profile source: a 64-bit key or a string to a 64-bit
 * value (frames, stacks, modules, per-tick counts). Entries sit in insertion
 * order in dense arrays (keys[i], vals[i], i < n: iterate them that way),
 * indexed by lib/hash.h's hash_index. */
#ifndef CASEFILE_IDMAP_H
#define CASEFILE_IDMAP_H

#include "hash.h"

#include <stddef.h>
#include <stdint.h>

struct idmap {
	uint64_t *keys;                  /* the key, or a string key's hash */
	int64_t *vals;
	char **strs;                     /* string keys (owned), or NULL */
	size_t cap, n;
	struct hash_index ix;
};

/* Returns a pointer to the value of KEY, inserting it with value 0 when
 * absent (*ADDED set to 1 then). NULL when out of memory. The pointer is
 * good until the next insertion. */
int64_t *idmap_u64(struct idmap *m, uint64_t key, int *added);
/* The value of KEY, or NULL when absent. */
int64_t *idmap_find_u64(const struct idmap *m, uint64_t key);
/* The same with a string key (LEN bytes; copied). */
int64_t *idmap_str(struct idmap *m, const char *key, size_t len, int *added);
/* Empties the map, keeping its memory. */
void idmap_clear(struct idmap *m);
void idmap_release(struct idmap *m);

#endif
