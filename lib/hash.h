/* The one hash function and the one hash table. The table is an index:
 * the caller keeps its entries in its own array and the index maps a hash
 * to entry numbers (open addressing, linear probing, load at most 1/2), so
 * entries stay where the caller put them and the index can be rebuilt. */
#ifndef CASEFILE_HASH_H
#define CASEFILE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_SEED 0xcbf29ce484222325ULL

/* FNV-1a over n bytes, continuing from h (start with HASH_SEED), so a key of
 * several parts is hashed part by part. Not keyed: for in-memory tables of
 * data we hold, never for anything an attacker can grow without bound
 * unless the table bounds its size. */
uint64_t hash_bytes(const void *p, size_t n, uint64_t h);
uint64_t hash_str(const char *s);
/* A final mix of the high bits into the low ones (the index uses the low
 * bits): hash_bytes results and small integer keys alike spread well. */
uint64_t hash_mix(uint64_t h);

struct hash_index {
	uint32_t *slot;   /* entry number + 1; 0 = empty */
	size_t nslots;    /* a power of 2, or 0 before the first add */
	size_t n;         /* entries indexed */
};

#define HASH_INDEX_INIT { NULL, 0, 0 }

/* Is entry IDX of the caller's array the one KEY names? */
typedef int (*hash_eq_fn)(uint32_t idx, const void *key, void *ctx);
/* The hash of entry IDX (to rebuild the index when it grows). */
typedef uint64_t (*hash_of_fn)(uint32_t idx, void *ctx);

/* Sizes an empty index for at least n entries without growing. 0 or -1. */
int hash_index_reserve(struct hash_index *ix, size_t n, hash_of_fn of, void *ctx);
/* The entry whose hash is H and for which eq() is true, or -1. */
long hash_index_find(const struct hash_index *ix, uint64_t h, hash_eq_fn eq, const void *key,
		     void *ctx);
/* Indexes entry IDX under hash H (the caller checked it is not there yet);
 * grows the index first when needed, calling of() for every entry indexed.
 * Returns 0, or -1 when out of memory (the index is unchanged). */
int hash_index_add(struct hash_index *ix, uint64_t h, uint32_t idx, hash_of_fn of, void *ctx);
void hash_index_release(struct hash_index *ix);

#endif
