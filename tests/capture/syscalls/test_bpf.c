/* Unit tests of the bpf backend's pieces: tracepoint format parsing
 * (tracefs.c), the eBPF assembler's labels (bpfasm.c), and the merging of
 * kernel-aggregated counters into a sysagg (sysagg_add). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "syscalls/bpfasm.h"
#include "syscalls/syscalls.h"
#include "syscalls/tracefs.h"

static const char exit_format[] =
	"name: sys_exit\n"
	"ID: 21\n"
	"format:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
	"\n"
	"\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield:long ret;\toffset:16;\tsize:8;\tsigned:1;\n"
	"\n"
	"print fmt: \"NR %ld = %ld\", REC->id, REC->ret\n";

static void test_tracefs__parses_fields(void **state)
{
	struct tracefs_field f;
	static const char fork_format[] =
		"\tfield:char parent_comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
		"\tfield:pid_t parent_pid;\toffset:24;\tsize:4;\tsigned:1;\n"
		"\tfield:char child_comm[16];\toffset:28;\tsize:16;\tsigned:0;\n"
		"\tfield:pid_t child_pid;\toffset:44;\tsize:4;\tsigned:1;\n";

	(void)state;
	assert_int_equal(tracefs_parse_field(exit_format, strlen(exit_format), "id", &f), 0);
	assert_int_equal(f.offset, 8);
	assert_int_equal(f.size, 8);
	assert_int_equal(f.is_signed, 1);
	assert_int_equal(tracefs_parse_field(exit_format, strlen(exit_format), "ret", &f), 0);
	assert_int_equal(f.offset, 16);
	assert_int_equal(tracefs_parse_field(exit_format, strlen(exit_format), "common_pid", &f), 0);
	assert_int_equal(f.offset, 4);
	assert_int_equal(f.size, 4);
	/* A name that is only a suffix of a field's is not that field. */
	assert_int_equal(tracefs_parse_field(exit_format, strlen(exit_format), "pid", &f), -1);
	assert_int_equal(tracefs_parse_field(exit_format, strlen(exit_format), "args", &f), -1);
	assert_int_equal(tracefs_parse_field(fork_format, strlen(fork_format), "child_pid", &f), 0);
	assert_int_equal(f.offset, 44);
	assert_int_equal(tracefs_parse_field(fork_format, strlen(fork_format), "child_comm", &f), 0);
	assert_int_equal(f.offset, 28);
	assert_int_equal(f.size, 16);
}

static void test_tracefs__rejects_garbage(void **state)
{
	struct tracefs_field f;
	static const char *const bad[] = {
		"\tfield:long ret;\toffset:;\tsize:8;\tsigned:1;\n",
		"\tfield:long ret;\toffset:16\tsize:8;\n",
		"\tfield:long ret;\toffset:16;\tsize:0;\tsigned:1;\n",
		"\tfield:long ret;\toffset:99999999999;\tsize:8;\tsigned:1;\n",
		"\tfield:long ret\n",
		"\tfield:[16];\toffset:8;\tsize:16;\n",
		"field:",
		"",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tracefs_parse_field(bad[i], strlen(bad[i]), "ret", &f), -1);
	/* Cut anywhere: never reads past the length. */
	for (i = 0; i < strlen(exit_format); i++)
		(void)tracefs_parse_field(exit_format, i, "ret", &f);
	assert_int_equal(tracefs_parse_field(exit_format, strlen(exit_format) - 40, "ret", &f), 0);
}

static void test_bpfasm__labels(void **state)
{
	struct bpfasm a;

	(void)state;
	bpfasm_init(&a);
	bpfasm_jmp(&a, I_JMP_IMM(BPF_JEQ, BPF_REG_1, 0), 1);   /* 0 */
	bpfasm_label(&a, 0);
	bpfasm_map(&a, BPF_REG_1, 7);                          /* 1, 2 */
	bpfasm_jmp(&a, I_JA(), 0);                             /* 3: back to 1 */
	bpfasm_label(&a, 1);
	bpfasm_emit(&a, I_MOV64_IMM(BPF_REG_0, 0));            /* 4 */
	bpfasm_emit(&a, I_EXIT());
	assert_int_equal(bpfasm_finish(&a), 6);
	assert_int_equal(a.v[0].off, 3);
	assert_int_equal(a.v[3].off, -3);
	assert_int_equal(a.v[1].src_reg, BPF_PSEUDO_MAP_FD);
	assert_int_equal(a.v[1].imm, 7);
	assert_int_equal(a.v[2].code, 0);

	/* A label never placed, or placed twice, fails the program. */
	bpfasm_init(&a);
	bpfasm_jmp(&a, I_JA(), 2);
	bpfasm_emit(&a, I_EXIT());
	assert_int_equal(bpfasm_finish(&a), -1);
	bpfasm_init(&a);
	bpfasm_label(&a, 0);
	bpfasm_label(&a, 0);
	assert_int_equal(bpfasm_finish(&a), -1);
	bpfasm_init(&a);
	bpfasm_jmp(&a, I_JA(), BPFASM_LABELS);
	assert_int_equal(bpfasm_finish(&a), -1);
}

static void test_bpfasm__overflow(void **state)
{
	struct bpfasm a;
	int i;

	(void)state;
	bpfasm_init(&a);
	for (i = 0; i < BPFASM_MAX + 1; i++)
		bpfasm_emit(&a, I_EXIT());
	assert_int_equal(bpfasm_finish(&a), -1);
}

static void test_sysagg__add(void **state)
{
	struct sysagg a;
	struct systable *t;
	struct sysagg_entry e = { .pid = 10, .tid = 11, .nr = 228, .calls = 5, .errors = 1,
				  .total_ns = 500, .max_ns = 300, .timed = 4 };
	size_t i;
	int seen = 0;

	(void)state;
	assert_int_equal(sysagg_init(&a, 256), 0);
	sysagg_add(&a, &e);
	e.calls = 2;
	e.max_ns = 900;
	e.total_ns = 1000;
	sysagg_add(&a, &e);
	sysagg_add_errno(&a, 10, 257, 2, 7);
	sysagg_add_errno(&a, 10, 257, 2, 3);
	sysagg_add_errno(&a, 10, 257, 0, 3);            /* no errno: ignored */
	t = sysagg_take(&a);
	assert_int_equal(t->events, 7);
	for (i = 0; i < t->cap; i++) {
		if (!t->v[i].tid)
			continue;
		seen++;
		assert_int_equal(t->v[i].calls, 7);
		assert_int_equal(t->v[i].errors, 2);
		assert_int_equal(t->v[i].total_ns, 1500);
		assert_int_equal(t->v[i].max_ns, 900);
		assert_int_equal(t->v[i].timed, 8);
	}
	assert_int_equal(seen, 1);
	seen = 0;
	for (i = 0; i < t->ecap; i++) {
		if (!t->e[i].err)
			continue;
		seen++;
		assert_int_equal(t->e[i].count, 10);
		assert_int_equal(t->e[i].err, 2);
	}
	assert_int_equal(seen, 1);
	sysagg_done(&a, t);
	sysagg_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tracefs__parses_fields),
		cmocka_unit_test(test_tracefs__rejects_garbage),
		cmocka_unit_test(test_bpfasm__labels),
		cmocka_unit_test(test_bpfasm__overflow),
		cmocka_unit_test(test_sysagg__add),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
