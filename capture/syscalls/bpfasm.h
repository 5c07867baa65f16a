/* A tiny eBPF assembler: instruction macros of our own (in the spirit of the
 * kernel's samples/bpf) and a buffer with symbolic jump labels, so programs
 * are written as C lists of instructions without counting jump offsets by
 * hand. Only <linux/bpf.h> (the kernel's UAPI header) is used: no libbpf. */
#ifndef CASEFILE_BPFASM_H
#define CASEFILE_BPFASM_H

#include <linux/bpf.h>

#define BI(CODE, DST, SRC, OFF, IMM) \
	((struct bpf_insn){ .code = (CODE), .dst_reg = (DST), .src_reg = (SRC), .off = (OFF), .imm = (IMM) })

#define I_MOV64_REG(D, S)        BI(BPF_ALU64 | BPF_MOV | BPF_X, D, S, 0, 0)
#define I_MOV64_IMM(D, IMM)      BI(BPF_ALU64 | BPF_MOV | BPF_K, D, 0, 0, IMM)
#define I_ALU64_IMM(OP, D, IMM)  BI(BPF_ALU64 | (OP) | BPF_K, D, 0, 0, IMM)
#define I_ALU64_REG(OP, D, S)    BI(BPF_ALU64 | (OP) | BPF_X, D, S, 0, 0)
/* dst = *(size *)(src + off) and *(size *)(dst + off) = src / imm */
#define I_LDX(SZ, D, S, OFF)     BI(BPF_LDX | (SZ) | BPF_MEM, D, S, OFF, 0)
#define I_STX(SZ, D, S, OFF)     BI(BPF_STX | (SZ) | BPF_MEM, D, S, OFF, 0)
#define I_ST(SZ, D, OFF, IMM)    BI(BPF_ST | (SZ) | BPF_MEM, D, 0, OFF, IMM)
/* *(size *)(dst + off) += src, atomically */
#define I_XADD(SZ, D, S, OFF)    BI(BPF_STX | (SZ) | BPF_ATOMIC, D, S, OFF, BPF_ADD)
#define I_JMP_IMM(OP, D, IMM)    BI(BPF_JMP | (OP) | BPF_K, D, 0, 0, IMM)
#define I_JMP_REG(OP, D, S)      BI(BPF_JMP | (OP) | BPF_X, D, S, 0, 0)
#define I_JA()                   BI(BPF_JMP | BPF_JA, 0, 0, 0, 0)
#define I_CALL(FN)               BI(BPF_JMP | BPF_CALL, 0, 0, 0, FN)
#define I_EXIT()                 BI(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
/* The first half of a 16-byte load of map FD's address; the second half
 * is an all-zero instruction (bpfasm_map() emits both). */
#define I_LD_MAP_FD(D, FD)       BI(BPF_LD | BPF_DW | BPF_IMM, D, BPF_PSEUDO_MAP_FD, 0, FD)

#define BPFASM_MAX 256
#define BPFASM_LABELS 32

struct bpfasm {
	struct bpf_insn v[BPFASM_MAX];
	int n;
	int label[BPFASM_LABELS];        /* instruction index, -1 = not placed */
	int fix[BPFASM_MAX];             /* jump at i goes to label fix[i]; -1 none */
	int bad;                         /* overflow or bad label */
};

void bpfasm_init(struct bpfasm *a);
/* Appends one instruction. */
void bpfasm_emit(struct bpfasm *a, struct bpf_insn i);
/* Appends the jump I (an I_JMP_* or I_JA) to label L. */
void bpfasm_jmp(struct bpfasm *a, struct bpf_insn i, int l);
/* Places label L before the next instruction. */
void bpfasm_label(struct bpfasm *a, int l);
/* Loads map FD's address into register D (two instructions). */
void bpfasm_map(struct bpfasm *a, int d, int fd);
/* Resolves the jumps. Returns the instruction count, or -1 when the program
 * overflowed, a label was never placed or a jump is out of range. */
int bpfasm_finish(struct bpfasm *a);

#endif
