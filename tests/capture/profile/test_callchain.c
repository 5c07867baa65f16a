/* Unit tests of capture/profile/callchain.c (perf sample records built byte
 * by byte as the kernel lays them out), of the CPU list parser of
 * capture/perfring.c, and of the profile's id maps (capture/profile/idmap.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <linux/perf_event.h>
#include <string.h>

#include "perfring.h"
#include "profile/callchain.h"
#include "profile/idmap.h"

/* A sample: header, pid, tid, time, nr, then the chain. */
static size_t make_sample(unsigned char *b, const uint64_t *chain, uint64_t nr)
{
	struct perf_event_header h = { PERF_RECORD_SAMPLE, 0, 0 };
	uint32_t pid = 42, tid = 43;
	uint64_t t = 123456789;
	size_t size = sizeof(h) + 8 + 8 + 8 + 8 * nr;

	h.size = (uint16_t)size;
	memcpy(b, &h, sizeof(h));
	memcpy(b + 8, &pid, 4);
	memcpy(b + 12, &tid, 4);
	memcpy(b + 16, &t, 8);
	memcpy(b + 24, &nr, 8);
	memcpy(b + 32, chain, 8 * nr);
	return size;
}

static void test_callchain__kernel_and_user(void **state)
{
	static struct callchain c;
	unsigned char b[256];
	const uint64_t chain[] = {
		(uint64_t)PERF_CONTEXT_KERNEL, 0xffffffff81001000ULL, 0xffffffff81002000ULL,
		(uint64_t)PERF_CONTEXT_USER, 0x401000, 0x401100, 0x401200,
	};
	size_t n = make_sample(b, chain, 7);

	(void)state;
	assert_int_equal(callchain_decode(b, n, &c), 0);
	assert_int_equal(c.kind, CALLCHAIN_SAMPLE);
	assert_int_equal(c.pid, 42);
	assert_int_equal(c.tid, 43);
	assert_int_equal(c.nkernel, 2);
	assert_int_equal(c.kernel[1], 0xffffffff81002000ULL);
	assert_int_equal(c.nuser, 3);
	assert_int_equal(c.user[0], 0x401000);
	assert_int_equal(c.entries, 5);         /* markers are not frames */
}

static void test_callchain__bad_records(void **state)
{
	static struct callchain c;
	unsigned char b[256];
	const uint64_t chain[] = { (uint64_t)PERF_CONTEXT_USER, 0x401000 };
	size_t n = make_sample(b, chain, 2);
	uint64_t huge = 1ULL << 60;
	struct perf_event_header lost = { PERF_RECORD_LOST, 0, 24 };
	uint64_t lostv[2] = { 7, 99 };

	(void)state;
	/* nr claiming more than the record holds. */
	memcpy(b + 24, &huge, 8);
	assert_int_equal(callchain_decode(b, n, &c), -1);
	/* Shorter than its header says. */
	n = make_sample(b, chain, 2);
	assert_int_equal(callchain_decode(b, n - 8, &c), -1);
	assert_int_equal(callchain_decode(b, 4, &c), -1);
	/* A lost record counts what the kernel dropped. */
	memcpy(b, &lost, sizeof(lost));
	memcpy(b + 8, lostv, 16);
	assert_int_equal(callchain_decode(b, 24, &c), 0);
	assert_int_equal(c.kind, CALLCHAIN_LOST);
	assert_int_equal(c.lost, 99);
	/* Another record type is skipped, not an error. */
	lost.type = PERF_RECORD_COMM;
	memcpy(b, &lost, sizeof(lost));
	assert_int_equal(callchain_decode(b, 24, &c), 0);
	assert_int_equal(c.kind, CALLCHAIN_OTHER);
}

static void test_callchain__cpu_list(void **state)
{
	int cpus[8];

	(void)state;
	assert_int_equal(perfring_parse_cpus("0-3,8\n", 6, cpus, 8), 5);
	assert_int_equal(cpus[4], 8);
	assert_int_equal(perfring_parse_cpus("0", 1, cpus, 8), 1);
	assert_int_equal(perfring_parse_cpus("0-1000", 6, cpus, 8), 8);  /* bounded */
	assert_int_equal(perfring_parse_cpus("3-1", 3, cpus, 8), -1);
	assert_int_equal(perfring_parse_cpus("a", 1, cpus, 8), -1);
	assert_int_equal(perfring_parse_cpus("1;2", 3, cpus, 8), -1);
}

static void test_callchain__idmap(void **state)
{
	struct idmap m = { 0 };
	int added, i;
	int64_t *v;

	(void)state;
	for (i = 0; i < 5000; i++) {
		v = idmap_u64(&m, (uint64_t)i * 7919, &added);
		assert_non_null(v);
		assert_true(added);
		*v = i;
	}
	for (i = 0; i < 5000; i++) {
		v = idmap_find_u64(&m, (uint64_t)i * 7919);
		assert_non_null(v);
		assert_int_equal(*v, i);
	}
	assert_null(idmap_find_u64(&m, 1));
	/* Entries in insertion order: what profile_write_counts iterates. */
	assert_int_equal(m.n, 5000);
	assert_true(m.keys[4999] == 4999ULL * 7919);
	idmap_clear(&m);
	assert_null(idmap_find_u64(&m, 7919));
	v = idmap_u64(&m, 7919, &added);   /* reused after a clear */
	assert_true(added);
	assert_int_equal(*v, 0);
	assert_int_equal(m.n, 1);
	idmap_release(&m);

	v = idmap_str(&m, "3\tmain", 6, &added);
	assert_true(added);
	*v = 11;
	v = idmap_str(&m, "3\tmain", 6, &added);
	assert_false(added);
	assert_int_equal(*v, 11);
	v = idmap_str(&m, "3\tmai", 5, &added);
	assert_true(added);
	/* A key holding a NUL is refused (it would compare short). */
	assert_null(idmap_str(&m, "a\0b", 3, &added));
	idmap_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_callchain__kernel_and_user),
		cmocka_unit_test(test_callchain__bad_records),
		cmocka_unit_test(test_callchain__cpu_list),
		cmocka_unit_test(test_callchain__idmap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
