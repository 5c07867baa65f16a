#include "hash.h"

#include <stdlib.h>
#include <string.h>

uint64_t hash_bytes(const void *p, size_t n, uint64_t h)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t hash_str(const char *s)
{
	return hash_mix(hash_bytes(s, strlen(s), HASH_SEED));
}

uint64_t hash_mix(uint64_t h)
{
	/* splitmix64's finaliser: FNV's low bits mix poorly, and the index
	 * uses the low bits. Log fingerprints are this of FNV-1a: changing it
	 * changes what a bundle stores. */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

static void put(uint32_t *slot, size_t nslots, uint64_t h, uint32_t idx)
{
	size_t j;

	for (j = h & (nslots - 1); slot[j]; j = (j + 1) & (nslots - 1))
		;
	slot[j] = idx + 1;
}

/* Rebuilds the index with nslots slots from every entry it holds. */
static int rebuild(struct hash_index *ix, size_t nslots, hash_of_fn of, void *ctx)
{
	uint32_t *slot = calloc(nslots, sizeof(*slot));
	size_t i;

	if (!slot)
		return -1;
	for (i = 0; i < ix->nslots; i++)
		if (ix->slot[i])
			put(slot, nslots, of(ix->slot[i] - 1, ctx), ix->slot[i] - 1);
	free(ix->slot);
	ix->slot = slot;
	ix->nslots = nslots;
	return 0;
}

int hash_index_reserve(struct hash_index *ix, size_t n, hash_of_fn of, void *ctx)
{
	size_t ns = ix->nslots ? ix->nslots : 16;

	if (n > ((size_t)UINT32_MAX) / 2)
		return -1;
	while (ns < 2 * n)
		ns *= 2;
	return ns == ix->nslots ? 0 : rebuild(ix, ns, of, ctx);
}

long hash_index_find(const struct hash_index *ix, uint64_t h, hash_eq_fn eq, const void *key,
		     void *ctx)
{
	size_t j;

	if (!ix->nslots)
		return -1;
	for (j = h & (ix->nslots - 1); ix->slot[j]; j = (j + 1) & (ix->nslots - 1))
		if (eq(ix->slot[j] - 1, key, ctx))
			return (long)(ix->slot[j] - 1);
	return -1;
}

int hash_index_add(struct hash_index *ix, uint64_t h, uint32_t idx, hash_of_fn of, void *ctx)
{
	if (idx == UINT32_MAX)
		return -1;
	if ((ix->n + 1) * 2 > ix->nslots && hash_index_reserve(ix, ix->n + 1 > 8 ? ix->n + 1 : 8, of, ctx) < 0)
		return -1;
	put(ix->slot, ix->nslots, h, idx);
	ix->n++;
	return 0;
}

void hash_index_release(struct hash_index *ix)
{
	free(ix->slot);
	memset(ix, 0, sizeof(*ix));
}
