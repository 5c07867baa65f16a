/* Unit tests of capture/syscalls/perf.c: decoding perf ring-buffer records built
 * byte by byte, as the kernel lays them out, and garbage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "syscalls/syscalls.h"
#include "syscalls/tracefs.h"

#define ENTER_ID 443
#define EXIT_ID 442

struct buf {
	unsigned char b[256];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	memcpy(b->b + b->n, p, n);
	b->n += n;
}
static void put16(struct buf *b, uint16_t v) { put(b, &v, 2); }
static void put32(struct buf *b, uint32_t v) { put(b, &v, 4); }
static void put64(struct buf *b, uint64_t v) { put(b, &v, 8); }

static void header(struct buf *b, uint32_t type)
{
	b->n = 0;
	put32(b, type);
	put16(b, 0);                     /* misc */
	put16(b, 0);                     /* size, patched by finish() */
}

static void finish(struct buf *b)
{
	uint16_t size;

	while (b->n % 8)
		b->b[b->n++] = 0;
	size = (uint16_t)b->n;
	memcpy(b->b + 6, &size, 2);
}

/* An exit sample: TID|TIME|RAW with a raw_syscalls:sys_exit entry. */
static void exit_sample(struct buf *b, uint32_t pid, uint32_t tid, uint64_t t, int64_t nr, int64_t ret)
{
	header(b, PERF_RECORD_SAMPLE);
	put32(b, pid);
	put32(b, tid);
	put64(b, t);
	put32(b, 24);                    /* raw size */
	put16(b, EXIT_ID);               /* common_type */
	put16(b, 0);                     /* common_flags, preempt_count */
	put32(b, tid);                   /* common_pid */
	put64(b, (uint64_t)nr);
	put64(b, (uint64_t)ret);
	finish(b);
}

static void test_perfsys__decodes_exit_and_enter(void **state)
{
	struct perfsys_rec r;
	struct buf b;

	(void)state;
	exit_sample(&b, 100, 101, 123456789, 228, -2);
	assert_int_equal(b.n, 56);
	assert_int_equal(perfsys_decode(b.b, b.n, ENTER_ID, EXIT_ID, &r), 0);
	assert_int_equal(r.kind, PERFSYS_EXIT);
	assert_int_equal(r.pid, 100);
	assert_int_equal(r.tid, 101);
	assert_int_equal(r.time_ns, 123456789);
	assert_int_equal(r.nr, 228);
	assert_int_equal(r.ret, -2);
	assert_int_equal(r.size, 56);

	/* Enter: TID|TIME only, 24 bytes. */
	header(&b, PERF_RECORD_SAMPLE);
	put32(&b, 100);
	put32(&b, 102);
	put64(&b, 5);
	finish(&b);
	assert_int_equal(perfsys_decode(b.b, b.n, ENTER_ID, EXIT_ID, &r), 0);
	assert_int_equal(r.kind, PERFSYS_ENTER);
	assert_int_equal(r.tid, 102);
	assert_int_equal(r.time_ns, 5);
	assert_int_equal(r.size, 24);
}

static void test_perfsys__lost_and_other_records(void **state)
{
	struct perfsys_rec r;
	struct buf b;

	(void)state;
	header(&b, PERF_RECORD_LOST);
	put64(&b, 7);                    /* id */
	put64(&b, 4242);                 /* lost */
	finish(&b);
	assert_int_equal(perfsys_decode(b.b, b.n, ENTER_ID, EXIT_ID, &r), 0);
	assert_int_equal(r.kind, PERFSYS_LOST);
	assert_int_equal(r.lost, 4242);

	header(&b, PERF_RECORD_THROTTLE);
	put64(&b, 1);
	put64(&b, 2);
	put64(&b, 3);
	finish(&b);
	assert_int_equal(perfsys_decode(b.b, b.n, ENTER_ID, EXIT_ID, &r), 0);
	assert_int_equal(r.kind, PERFSYS_OTHER);
	assert_int_equal(r.size, 32);

	/* A sample of another tracepoint is skipped, not misread. */
	exit_sample(&b, 1, 1, 1, 1, 1);
	b.b[28] = 0x99;
	assert_int_equal(perfsys_decode(b.b, b.n, ENTER_ID, EXIT_ID, &r), 0);
	assert_int_equal(r.kind, PERFSYS_OTHER);
}

static void test_perfsys__rejects_garbage(void **state)
{
	struct perfsys_rec r;
	struct buf b;
	unsigned char junk[64];
	size_t i;

	(void)state;
	exit_sample(&b, 1, 2, 3, 4, 5);
	/* Truncated at every length. */
	for (i = 0; i < b.n; i++)
		assert_int_equal(perfsys_decode(b.b, i, ENTER_ID, EXIT_ID, &r), -1);
	/* Size smaller than a header, not 8-aligned, or zero. */
	b.b[6] = 4; b.b[7] = 0;
	assert_int_equal(perfsys_decode(b.b, b.n, ENTER_ID, EXIT_ID, &r), -1);
	b.b[6] = 0;
	assert_int_equal(perfsys_decode(b.b, b.n, ENTER_ID, EXIT_ID, &r), -1);
	exit_sample(&b, 1, 2, 3, 4, 5);
	b.b[6] = 50;
	assert_int_equal(perfsys_decode(b.b, b.n, ENTER_ID, EXIT_ID, &r), -1);
	/* Raw size running past the record. */
	exit_sample(&b, 1, 2, 3, 4, 5);
	b.b[24] = 200;
	assert_int_equal(perfsys_decode(b.b, b.n, ENTER_ID, EXIT_ID, &r), -1);
	assert_int_equal(r.kind, PERFSYS_BAD);
	/* An exit whose raw data is too short for ret. */
	exit_sample(&b, 1, 2, 3, 4, 5);
	b.b[24] = 16;
	assert_int_equal(perfsys_decode(b.b, b.n, ENTER_ID, EXIT_ID, &r), -1);
	/* Random bytes never crash. */
	srand(7);
	for (i = 0; i < 20000; i++) {
		size_t k;

		for (k = 0; k < sizeof(junk); k++)
			junk[k] = (unsigned char)rand();
		perfsys_decode(junk, (size_t)rand() % sizeof(junk), ENTER_ID, EXIT_ID, &r);
	}
}

static void test_perfsys__tracepoint_id(void **state)
{
	char dir[] = "/tmp/casefile-tracefs.XXXXXX", path[256];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/events", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/raw_syscalls", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/raw_syscalls/sys_enter", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/events/raw_syscalls/sys_enter/id", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("443\n", f);
	fclose(f);
	assert_int_equal(tracefs_tracepoint_id(dir, "raw_syscalls", "sys_enter"), 443);
	assert_int_equal(tracefs_tracepoint_id(dir, "raw_syscalls", "sys_exit"), -1);
	f = fopen(path, "w");
	fputs("44x\n", f);
	fclose(f);
	assert_int_equal(tracefs_tracepoint_id(dir, "raw_syscalls", "sys_enter"), -1);
	unlink(path);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

/* Enter/exit pairing: durations per thread, exits read before their
 * enters (another CPU's ring), errors and errno counts. */
static void test_perfsys__aggregate_pairs_and_errors(void **state)
{
	struct sysagg a;
	struct systable *t;
	size_t i;
	int seen = 0;

	(void)state;
	assert_int_equal(sysagg_init(&a, 256), 0);
	sysagg_enter(&a, 10, 11, -1, 1000);
	sysagg_exit(&a, 10, 11, 228, 0, 1500);          /* 500 ns */
	sysagg_exit(&a, 10, 12, 257, -2, 3000);         /* exit first ... */
	sysagg_enter(&a, 10, 12, -1, 2000);             /* ... 1000 ns */
	sysagg_exit(&a, 10, 12, 257, -2, 4000);         /* no enter: no time */
	sysagg_exit(&a, 10, 12, 257, -13, 5000);
	t = sysagg_take(&a);
	assert_non_null(t);
	for (i = 0; i < t->cap; i++) {
		struct sysagg_entry *e = &t->v[i];

		if (e->tid == 11) {
			assert_int_equal(e->calls, 1);
			assert_int_equal(e->total_ns, 500);
			seen++;
		} else if (e->tid == 12) {
			assert_int_equal(e->nr, 257);
			assert_int_equal(e->calls, 3);
			assert_int_equal(e->errors, 3);
			assert_int_equal(e->timed, 1);
			assert_int_equal(e->total_ns, 1000);
			assert_int_equal(e->max_ns, 1000);
			seen++;
		}
	}
	assert_int_equal(seen, 2);
	for (i = 0, seen = 0; i < t->ecap; i++) {
		if (t->e[i].err == 2)
			assert_int_equal(t->e[i].count, 2), seen++;
		if (t->e[i].err == 13)
			assert_int_equal(t->e[i].count, 1), seen++;
	}
	assert_int_equal(seen, 2);
	assert_int_equal(t->events, 6);
	sysagg_done(&a, t);
	/* The next interval starts empty. */
	t = sysagg_take(&a);
	assert_int_equal(t->n, 0);
	sysagg_done(&a, t);
	sysagg_release(&a);
}

static void test_perfsys__aggregate_full_table_counts_drops(void **state)
{
	struct sysagg a;
	struct systable *t;
	int i;

	(void)state;
	assert_int_equal(sysagg_init(&a, 64), 0);
	for (i = 1; i <= 200; i++)
		sysagg_exit(&a, 1, i, 0, 0, (uint64_t)i);
	t = sysagg_take(&a);
	assert_true(t->n < 64);
	assert_int_equal(t->dropped + t->n, 200);
	sysagg_done(&a, t);
	sysagg_release(&a);
}

static void test_perfsys__names_and_clocksource(void **state)
{
	(void)state;
	/* Generated from the kernel headers; spot checks of stable numbers. */
	assert_string_equal(syscall_name_arch("x86_64", 0), "read");
	assert_string_equal(syscall_name_arch("x86_64", 228), "clock_gettime");
	assert_string_equal(syscall_name_arch("x86_64", 257), "openat");
	assert_string_equal(syscall_name_arch("aarch64", 113), "clock_gettime");
	assert_string_equal(syscall_name_arch("aarch64", 56), "openat");
	assert_string_equal(syscall_name_arch("aarch64", 25), "fcntl");
	assert_null(syscall_name_arch("x86_64", -1));
	assert_null(syscall_name_arch("x86_64", 100000));
	assert_null(syscall_name_arch("mips", 1));
	assert_true(syscall_number("clock_gettime") >= 0);
	assert_int_equal(syscall_number("no_such_syscall"), -1);
	assert_true(syscalls_vdso_clock("tsc"));
	assert_true(syscalls_vdso_clock("kvm-clock"));
	assert_true(syscalls_vdso_clock("arch_sys_counter"));
	assert_false(syscalls_vdso_clock("xen"));
	assert_false(syscalls_vdso_clock("hpet"));
	assert_false(syscalls_vdso_clock("acpi_pm"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perfsys__decodes_exit_and_enter),
		cmocka_unit_test(test_perfsys__lost_and_other_records),
		cmocka_unit_test(test_perfsys__rejects_garbage),
		cmocka_unit_test(test_perfsys__tracepoint_id),
		cmocka_unit_test(test_perfsys__aggregate_pairs_and_errors),
		cmocka_unit_test(test_perfsys__aggregate_full_table_counts_drops),
		cmocka_unit_test(test_perfsys__names_and_clocksource),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
