/* SHA-256 and HMAC-SHA256 against the FIPS 180-4 and RFC 4231 vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sha256.h"

static const char *hex_of(const void *buf, size_t len)
{
	static char hex[65];
	unsigned char d[SHA256_LEN];

	sha256(buf, len, d);
	return sha256_hex(d, hex);
}

static void test_sha256__vectors(void **state)
{
	(void)state;
	assert_string_equal(hex_of("", 0),
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_string_equal(hex_of("abc", 3),
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_string_equal(hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56),
		"248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	assert_string_equal(hex_of("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
				   "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", 112),
		"cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

static void test_sha256__million_a_incremental(void **state)
{
	struct sha256 c;
	unsigned char d[SHA256_LEN], chunk[1000];
	char hex[65];
	int i;

	(void)state;
	memset(chunk, 'a', sizeof(chunk));
	sha256_init(&c);
	/* Odd-sized pieces cross every block-boundary case. */
	for (i = 0; i < 1000; i++) {
		sha256_update(&c, chunk, 7);
		sha256_update(&c, chunk, 993);
	}
	sha256_final(&c, d);
	assert_string_equal(sha256_hex(d, hex),
		"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_sha256__hmac_rfc4231(void **state)
{
	unsigned char key[20], d[SHA256_LEN], longkey[131];
	char hex[65];

	(void)state;
	memset(key, 0x0b, sizeof(key));
	hmac_sha256(key, sizeof(key), "Hi There", 8, d);
	assert_string_equal(sha256_hex(d, hex),
		"b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
	hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, d);
	assert_string_equal(sha256_hex(d, hex),
		"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	memset(longkey, 0xaa, sizeof(longkey));
	hmac_sha256(longkey, sizeof(longkey),
		    "Test Using Larger Than Block-Size Key - Hash Key First", 54, d);
	assert_string_equal(sha256_hex(d, hex),
		"60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256__vectors),
		cmocka_unit_test(test_sha256__million_a_incremental),
		cmocka_unit_test(test_sha256__hmac_rfc4231),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
