/* bpftax: what any BPF program on the global raw syscall tracepoints costs
 * every task on the node, whatever its first test. Attaches two tiny
 * programs to raw tracepoints sys_enter and sys_exit and holds them until
 * killed (bench-syscalls.sh times an untraced process meanwhile):
 *
 *   bpftax empty    the programs return at once: the dispatch alone
 *   bpftax cgroup   the first test is the task's cgroup id against one that
 *                   never matches: what a cgroup-filtered program costs a
 *                   task outside the target's cgroup (issue 19's option)
 *
 * It prints "attached" once both run. Built from instructions, not C: the
 * programs are three to six of them.
 */
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void on_signal(int sig) { (void)sig; }

int main(int argc, char **argv)
{
	static const struct bpf_insn empty[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	/* r0 = cgroup id; if r0 != ~0 goto out; (the target's work would
	 * go here) out: return 0. */
	static const struct bpf_insn cgroup[] = {
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_get_current_cgroup_id },
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = BPF_REG_1, .imm = -1 },
		{ .imm = -1 },
		{ .code = BPF_JMP | BPF_JNE | BPF_X, .dst_reg = BPF_REG_0, .src_reg = BPF_REG_1, .off = 0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	static const char *const tps[] = { "sys_enter", "sys_exit" };
	const struct bpf_insn *insns;
	size_t n;
	char log[4096] = "";
	int i, prog, link;

	if (argc != 2 || (strcmp(argv[1], "empty") && strcmp(argv[1], "cgroup"))) {
		fprintf(stderr, "usage: bpftax empty|cgroup\n");
		return 2;
	}
	insns = strcmp(argv[1], "empty") ? cgroup : empty;
	n = strcmp(argv[1], "empty") ? sizeof(cgroup) / sizeof(cgroup[0]) : sizeof(empty) / sizeof(empty[0]);
	for (i = 0; i < 2; i++) {
		LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log, .log_size = sizeof(log), .log_level = 0);

		prog = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "bpftax", "GPL", insns, n, &o);
		if (prog < 0) {
			fprintf(stderr, "bpftax: cannot load the program: %s\n%s", strerror(-prog), log);
			return 1;
		}
		link = bpf_raw_tracepoint_open(tps[i], prog);
		if (link < 0) {
			fprintf(stderr, "bpftax: cannot attach to %s: %s\n", tps[i], strerror(-link));
			return 1;
		}
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("attached\n");
	fflush(stdout);
	pause();
	return 0;
}
