/* Unit tests of lib/parse.c: bounded option values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "parse.h"

static void test_parse__durations(void **state)
{
	int64_t us;

	(void)state;
	assert_int_equal(parse_duration_us("500ms", &us), 0); assert_int_equal(us, 500000);
	assert_int_equal(parse_duration_us("30s", &us), 0); assert_int_equal(us, 30000000);
	assert_int_equal(parse_duration_us("2m", &us), 0); assert_int_equal(us, 120000000);
	assert_int_equal(parse_duration_us("1h", &us), 0); assert_int_equal(us, 3600000000LL);
	assert_int_equal(parse_duration_us("1.5s", &us), 0); assert_int_equal(us, 1500000);
	assert_int_equal(parse_duration_us("3", &us), 0); assert_int_equal(us, 3000000);
	assert_int_equal(parse_duration_us("250us", &us), 0); assert_int_equal(us, 250);
	assert_int_equal(parse_duration_us("", &us), -1);
	assert_int_equal(parse_duration_us("-1s", &us), -1);
	assert_int_equal(parse_duration_us("5x", &us), -1);
	assert_int_equal(parse_duration_us("0s", &us), -1);
	assert_int_equal(parse_duration_us("31d", &us), -1);
	assert_int_equal(parse_duration_us("1e400s", &us), -1);
	assert_int_equal(parse_duration_us("nan", &us), -1);
	/* Decimal only: no hex, exponents, infinities or signs. */
	assert_int_equal(parse_duration_us("0x10", &us), -1);
	assert_int_equal(parse_duration_us("0x10s", &us), -1);
	assert_int_equal(parse_duration_us("1e3ms", &us), -1);
	assert_int_equal(parse_duration_us("inf", &us), -1);
	assert_int_equal(parse_duration_us("+5s", &us), -1);
	assert_int_equal(parse_duration_us(" 5s", &us), -1);
	assert_int_equal(parse_duration_us(".", &us), -1);
	assert_int_equal(parse_duration_us("1234567890123456s", &us), -1);
	assert_int_equal(parse_duration_us(".5s", &us), 0); assert_int_equal(us, 500000);
	assert_int_equal(parse_duration_us("2.", &us), 0); assert_int_equal(us, 2000000);
}

static void test_parse__sizes(void **state)
{
	uint64_t b;

	(void)state;
	assert_int_equal(parse_size("100M", &b), 0); assert_int_equal(b, 100ULL << 20);
	assert_int_equal(parse_size("1G", &b), 0); assert_int_equal(b, 1ULL << 30);
	assert_int_equal(parse_size("512k", &b), 0); assert_int_equal(b, 512ULL << 10);
	assert_int_equal(parse_size("0x10M", &b), -1);
	assert_int_equal(parse_size("1e6", &b), -1);
	assert_int_equal(parse_size("10MiB", &b), 0); assert_int_equal(b, 10ULL << 20);
	assert_int_equal(parse_size("4096", &b), 0); assert_int_equal(b, 4096);
	assert_int_equal(parse_size("1.5M", &b), 0); assert_int_equal(b, 1572864);
	assert_int_equal(parse_size("2T", &b), -1);
	assert_int_equal(parse_size("0", &b), -1);
	assert_int_equal(parse_size("M", &b), -1);
	assert_int_equal(parse_size("99999999999G", &b), -1);
}

static void test_parse__integers(void **state)
{
	uint64_t u;
	int64_t i;

	(void)state;
	assert_int_equal(parse_u64("42", 1, 100, &u), 0); assert_int_equal(u, 42);
	assert_int_equal(parse_u64("0", 1, 100, &u), -1);
	assert_int_equal(parse_u64("101", 1, 100, &u), -1);
	assert_int_equal(parse_u64("-1", 0, 100, &u), -1);
	assert_int_equal(parse_u64("12abc", 0, 100, &u), -1);
	assert_int_equal(parse_u64("99999999999999999999999", 0, UINT64_MAX, &u), -1);
	assert_int_equal(parse_i64("-5", -10, 10, &i), 0); assert_int_equal(i, -5);
	assert_int_equal(parse_i64(" 5", -10, 10, &i), -1);
}

static void test_parse__formatting(void **state)
{
	char buf[64];

	(void)state;
	assert_string_equal(format_duration_us(1500000, buf, sizeof(buf)), "1.5s");
	assert_string_equal(format_duration_us(150000000, buf, sizeof(buf)), "2m30s");
	assert_string_equal(format_size(1536, buf, sizeof(buf)), "1.5 KiB");
	assert_string_equal(format_time_us(1764230400123456LL, buf, sizeof(buf)), "2025-11-27T08:00:00.123Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse__durations),
		cmocka_unit_test(test_parse__sizes),
		cmocka_unit_test(test_parse__integers),
		cmocka_unit_test(test_parse__formatting),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
