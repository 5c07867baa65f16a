#include "idmap.h"

#include "hash.h"

#include <stdlib.h>
#include <string.h>

static int grow(struct idmap *m, int with_strs)
{
	size_t ncap = m->cap ? m->cap * 2 : 256, i;
	struct idmap n = { 0 };

	n.keys = calloc(ncap, sizeof(*n.keys));
	n.vals = calloc(ncap, sizeof(*n.vals));
	n.used = calloc(ncap, 1);
	n.strs = with_strs ? calloc(ncap, sizeof(*n.strs)) : NULL;
	if (!n.keys || !n.vals || !n.used || (with_strs && !n.strs)) {
		free(n.keys);
		free(n.vals);
		free(n.used);
		free(n.strs);
		return -1;
	}
	n.cap = ncap;
	for (i = 0; i < m->cap; i++) {
		size_t j;

		if (!m->used[i])
			continue;
		j = (size_t)hash_mix(m->keys[i]) & (ncap - 1);
		while (n.used[j])
			j = (j + 1) & (ncap - 1);
		n.used[j] = 1;
		n.keys[j] = m->keys[i];
		n.vals[j] = m->vals[i];
		if (with_strs)
			n.strs[j] = m->strs[i];
	}
	n.n = m->n;
	free(m->keys);
	free(m->vals);
	free(m->used);
	free(m->strs);
	*m = n;
	return 0;
}

/* KEY is the string's hash for string maps: equal hashes are told apart by
 * the strings. */
static int64_t *find(struct idmap *m, uint64_t key, const char *s, size_t len, int *added)
{
	size_t j;

	*added = 0;
	if ((m->n + 1) * 4 > m->cap * 3 && grow(m, s != NULL) < 0)
		return NULL;
	j = (size_t)hash_mix(key) & (m->cap - 1);
	while (m->used[j]) {
		if (m->keys[j] == key &&
		    (!s || (strlen(m->strs[j]) == len && !memcmp(m->strs[j], s, len))))
			return &m->vals[j];
		j = (j + 1) & (m->cap - 1);
	}
	if (s) {
		char *c = malloc(len + 1);

		if (!c)
			return NULL;
		memcpy(c, s, len);
		c[len] = '\0';
		m->strs[j] = c;
	}
	m->used[j] = 1;
	m->keys[j] = key;
	m->vals[j] = 0;
	m->n++;
	*added = 1;
	return &m->vals[j];
}

int64_t *idmap_u64(struct idmap *m, uint64_t key, int *added)
{
	return find(m, key, NULL, 0, added);
}

int64_t *idmap_find_u64(const struct idmap *m, uint64_t key)
{
	size_t j;

	if (!m->cap)
		return NULL;
	j = (size_t)hash_mix(key) & (m->cap - 1);
	while (m->used[j]) {
		if (m->keys[j] == key)
			return &m->vals[j];
		j = (j + 1) & (m->cap - 1);
	}
	return NULL;
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

	for (i = 0; m->strs && i < m->cap; i++) {
		free(m->strs[i]);
		m->strs[i] = NULL;
	}
	if (m->used)
		memset(m->used, 0, m->cap);
	m->n = 0;
}

void idmap_release(struct idmap *m)
{
	idmap_clear(m);
	free(m->keys);
	free(m->vals);
	free(m->used);
	free(m->strs);
	memset(m, 0, sizeof(*m));
}
