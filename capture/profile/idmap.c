#include "idmap.h"

#include <stdlib.h>
#include <string.h>

struct probe {
	uint64_t key;
	const char *s;                   /* NULL for a u64 key */
	size_t len;
};

static uint64_t hash_of(uint32_t idx, void *ctx)
{
	const struct idmap *m = ctx;

	return hash_mix(m->keys[idx]);
}

static int eq(uint32_t idx, const void *key, void *ctx)
{
	const struct idmap *m = ctx;
	const struct probe *p = key;

	return m->keys[idx] == p->key &&
	       (!p->s || (strlen(m->strs[idx]) == p->len && !memcmp(m->strs[idx], p->s, p->len)));
}

static int grow(struct idmap *m, int with_strs)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	uint64_t *k;
	int64_t *v;
	char **s;

	k = realloc(m->keys, ncap * sizeof(*k));
	if (!k)
		return -1;
	m->keys = k;
	v = realloc(m->vals, ncap * sizeof(*v));
	if (!v)
		return -1;
	m->vals = v;
	if (with_strs) {
		s = realloc(m->strs, ncap * sizeof(*s));
		if (!s)
			return -1;
		m->strs = s;
	}
	m->cap = ncap;
	return 0;
}

/* KEY is the string's hash for string maps: equal hashes are told apart by
 * the strings. */
static int64_t *find(struct idmap *m, uint64_t key, const char *s, size_t len, int *added)
{
	struct probe p = { key, s, len };
	long at = hash_index_find(&m->ix, hash_mix(key), eq, &p, m);
	char *c = NULL;

	*added = 0;
	if (at >= 0)
		return &m->vals[at];
	if (m->n == m->cap && grow(m, s != NULL) < 0)
		return NULL;
	if (s) {
		c = malloc(len + 1);
		if (!c)
			return NULL;
		memcpy(c, s, len);
		c[len] = '\0';
		m->strs[m->n] = c;
	}
	m->keys[m->n] = key;
	m->vals[m->n] = 0;
	if (hash_index_add(&m->ix, hash_mix(key), (uint32_t)m->n, hash_of, m) < 0) {
		free(c);
		return NULL;
	}
	*added = 1;
	return &m->vals[m->n++];
}

int64_t *idmap_u64(struct idmap *m, uint64_t key, int *added)
{
	return find(m, key, NULL, 0, added);
}

int64_t *idmap_find_u64(const struct idmap *m, uint64_t key)
{
	struct probe p = { key, NULL, 0 };
	long at = hash_index_find(&m->ix, hash_mix(key), eq, &p, (void *)m);

	return at >= 0 ? &m->vals[at] : NULL;
}

int64_t *idmap_str(struct idmap *m, const char *key, size_t len, int *added)
{
	/* A key holding a NUL would compare short: refuse it. */
	if (memchr(key, '\0', len))
		return NULL;
	return find(m, hash_bytes(key, len, HASH_SEED), key, len, added);
}

void idmap_clear(struct idmap *m)
{
	size_t i;

	for (i = 0; m->strs && i < m->n; i++)
		free(m->strs[i]);
	if (m->ix.slot)
		memset(m->ix.slot, 0, m->ix.nslots * sizeof(*m->ix.slot));
	m->ix.n = 0;
	m->n = 0;
}

void idmap_release(struct idmap *m)
{
	idmap_clear(m);
	free(m->keys);
	free(m->vals);
	free(m->strs);
	hash_index_release(&m->ix);
	memset(m, 0, sizeof(*m));
}
