/* Message fingerprints: masking of variable parts and hash stability. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "logs/fingerprint.h"
#include "logs/logparse.h"

static const char *mask(const char *s)
{
	static char out[FINGERPRINT_TEXT_MAX];

	fingerprint_mask(s, strlen(s), out, sizeof(out));
	return out;
}

static void test_fingerprint__masks(void **state)
{
	(void)state;
	assert_string_equal(mask("user 123 not found"), "user <n> not found");
	assert_string_equal(mask("req 4f1c2a9e-1b2c-4d5e-8f90-123456789abc failed"), "req <uuid> failed");
	assert_string_equal(mask("connect 10.1.2.3:9243 refused"), "connect <ip> refused");
	assert_string_equal(mask("connect [2001:db8::1]:443 refused"), "connect <ip> refused");
	assert_string_equal(mask("from fe80::1%eth0 and ::1"), "from <ip> and <ip>");
	assert_string_equal(mask("mail bob.smith+x@example.com bounced"), "mail <email> bounced");
	assert_string_equal(mask("ptr 0xdeadBEEF and sha 9f86d081884c7d65"), "ptr <hex> and sha <hex>");
	assert_string_equal(mask("key 'abc' value \"x y z\" and `cmd`"), "key '*' value \"*\" and `*`");
	assert_string_equal(mask("can't find user 'bob'"), "can't find user '*'");
	assert_string_equal(mask("took 250ms, 1.5s, 3.25"), "took <n>ms, <n>s, <n>");
	assert_string_equal(mask("node es-node-3 shard42 order AbC123xYz9Q"), "node es-node-<n> shard<n> order <id>");
	assert_string_equal(mask("  lots   of\t\tspace\n "), "lots of space");
	assert_string_equal(mask("token ptzVujTeHHdzHSTftnZIIhzL in IllegalStateException"),
			    "token <id> in IllegalStateException");
	assert_string_equal(mask("session token=spniwVisdMZdhTwPredpoetw status=completed"),
			    "session token=<id> status=completed");
	assert_string_equal(mask("at 12:00:00.123 done"), "at <n>:<n>:<n> done");
	assert_string_equal(mask("version 1.2.3.4.5"), "version <n>.<n>.<n>");
}

static void test_fingerprint__ids_do_not_split(void **state)
{
	static const char *const lines[] = {
		"failed to index document 4f1c2a9e-1b2c-4d5e-8f90-123456789abc to 10.0.0.7:9243: timeout after 3000ms (attempt 1)",
		"failed to index document 0b7e6f3a-9c2d-4e1f-a0b1-fedcba987654 to 10.0.0.12:9243: timeout after 2999ms (attempt 12)",
		"failed to index document  deadbeef-0000-4000-8000-000000000000 to 192.168.1.1:9243: timeout  after 1ms (attempt 3)",
	};
	struct fingerprint a, b;
	size_t i;

	(void)state;
	fingerprint_compute(&a, lines[0], strlen(lines[0]), LOG_LEVEL_ERROR);
	for (i = 1; i < 3; i++) {
		fingerprint_compute(&b, lines[i], strlen(lines[i]), LOG_LEVEL_ERROR);
		assert_string_equal(a.text, b.text);
		assert_true(a.hash == b.hash);
	}
	/* Same text, other level: another fingerprint. */
	fingerprint_compute(&b, lines[0], strlen(lines[0]), LOG_LEVEL_WARN);
	assert_true(a.hash != b.hash);
	/* Another message: another fingerprint. */
	fingerprint_compute(&b, "user 1 not found", 16, LOG_LEVEL_ERROR);
	assert_true(a.hash != b.hash);
}

static void test_fingerprint__hash_is_stable(void **state)
{
	struct fingerprint fp;

	(void)state;
	/* Pinned: bundles from different runs and machines must agree. */
	fingerprint_compute(&fp, "user 42 not found", 17, LOG_LEVEL_ERROR);
	assert_string_equal(fp.text, "user <n> not found");
	assert_true(fp.hash == fingerprint_hash("user <n> not found", 18,
				fingerprint_hash("\x05", 1, FINGERPRINT_SEED)));
	assert_true(fingerprint_hash("", 0, FINGERPRINT_SEED) != 0);
}

static void test_fingerprint__bounded(void **state)
{
	size_t n = 1 << 20, i;
	char *big = malloc(n), out[16];
	struct fingerprint fp;

	(void)state;
	for (i = 0; i < n; i++)
		big[i] = (char)(i * 131 + 7);
	fingerprint_compute(&fp, big, n, LOG_LEVEL_ERROR);
	assert_true(fp.len < FINGERPRINT_TEXT_MAX);
	assert_int_equal(strlen(fp.text), fp.len);
	memset(big, '1', n);
	fingerprint_compute(&fp, big, n, LOG_LEVEL_ERROR);
	assert_string_equal(fp.text, "<n>");
	/* A small output buffer is filled, never overrun. */
	assert_true(fingerprint_mask("abcdefghijklmnopqrstuvwxyz", 26, out, sizeof(out)) == 15);
	assert_string_equal(out, "abcdefghijklmno");
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fingerprint__masks),
		cmocka_unit_test(test_fingerprint__ids_do_not_split),
		cmocka_unit_test(test_fingerprint__hash_is_stable),
		cmocka_unit_test(test_fingerprint__bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
