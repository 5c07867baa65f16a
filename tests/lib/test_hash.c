/* Unit tests of lib/hash.c: the index finds every entry after growing,
 * misses what is not there, copes with colliding hashes, and the hash
 * function is FNV-1a (fixed values: tables built by either binary agree). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "hash.h"

#define N 5000

static char names[N][16];

static int eq(uint32_t idx, const void *key, void *ctx)
{
	(void)ctx;
	return !strcmp(names[idx], key);
}

static uint64_t of(uint32_t idx, void *ctx)
{
	(void)ctx;
	return hash_str(names[idx]);
}

/* Every entry under one hash: lookups still tell them apart. */
static uint64_t of_same(uint32_t idx, void *ctx)
{
	(void)idx;
	(void)ctx;
	return 7;
}

static void test_hash__fnv1a(void **state)
{
	(void)state;
	/* FNV-1a 64 of "a" and of "" (the offset basis). */
	assert_true(hash_bytes("a", 1, HASH_SEED) == 0xaf63dc4c8601ec8cULL);
	assert_true(hash_bytes("", 0, HASH_SEED) == HASH_SEED);
	/* Part by part is the same as at once. */
	assert_true(hash_bytes("cd", 2, hash_bytes("ab", 2, HASH_SEED)) == hash_bytes("abcd", 4, HASH_SEED));
	assert_true(hash_mix(1) != hash_mix(2));
}

static void test_hash__index_grows_and_finds(void **state)
{
	struct hash_index ix = HASH_INDEX_INIT;
	int i;

	(void)state;
	assert_int_equal(hash_index_find(&ix, hash_str("x"), eq, "x", NULL), -1);
	for (i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "k%d", i);
		assert_int_equal(hash_index_add(&ix, hash_str(names[i]), (uint32_t)i, of, NULL), 0);
	}
	assert_int_equal(ix.n, N);
	assert_true(ix.nslots >= 2 * N);
	for (i = 0; i < N; i++)
		assert_int_equal(hash_index_find(&ix, hash_str(names[i]), eq, names[i], NULL), i);
	assert_int_equal(hash_index_find(&ix, hash_str("k5000"), eq, "k5000", NULL), -1);
	hash_index_release(&ix);
	assert_null(ix.slot);
}

static void test_hash__collisions(void **state)
{
	struct hash_index ix = HASH_INDEX_INIT;
	int i;

	(void)state;
	for (i = 0; i < 100; i++) {
		snprintf(names[i], sizeof(names[i]), "c%d", i);
		assert_int_equal(hash_index_add(&ix, 7, (uint32_t)i, of_same, NULL), 0);
	}
	for (i = 0; i < 100; i++)
		assert_int_equal(hash_index_find(&ix, 7, eq, names[i], NULL), i);
	assert_int_equal(hash_index_find(&ix, 7, eq, "c100", NULL), -1);
	hash_index_release(&ix);
}

static void test_hash__reserve(void **state)
{
	struct hash_index ix = HASH_INDEX_INIT;

	(void)state;
	assert_int_equal(hash_index_reserve(&ix, 1000, of, NULL), 0);
	assert_int_equal(ix.nslots, 2048);
	strcpy(names[0], "r");
	assert_int_equal(hash_index_add(&ix, hash_str("r"), 0, of, NULL), 0);
	assert_int_equal(ix.nslots, 2048);
	assert_int_equal(hash_index_find(&ix, hash_str("r"), eq, "r", NULL), 0);
	hash_index_release(&ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash__fnv1a),
		cmocka_unit_test(test_hash__index_grows_and_finds),
		cmocka_unit_test(test_hash__collisions),
		cmocka_unit_test(test_hash__reserve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
