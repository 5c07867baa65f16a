/* The tiny eBPF assembler of bpfasm.h. */
#include "bpfasm.h"

#include <string.h>

void bpfasm_init(struct bpfasm *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < BPFASM_LABELS; i++)
		a->label[i] = -1;
	for (i = 0; i < BPFASM_MAX; i++)
		a->fix[i] = -1;
}

void bpfasm_emit(struct bpfasm *a, struct bpf_insn i)
{
	if (a->n >= BPFASM_MAX) {
		a->bad = 1;
		return;
	}
	a->v[a->n++] = i;
}

void bpfasm_jmp(struct bpfasm *a, struct bpf_insn i, int l)
{
	if (l < 0 || l >= BPFASM_LABELS || a->n >= BPFASM_MAX) {
		a->bad = 1;
		return;
	}
	a->fix[a->n] = l;
	bpfasm_emit(a, i);
}

void bpfasm_label(struct bpfasm *a, int l)
{
	if (l < 0 || l >= BPFASM_LABELS || a->label[l] >= 0) {
		a->bad = 1;
		return;
	}
	a->label[l] = a->n;
}

void bpfasm_map(struct bpfasm *a, int d, int fd)
{
	bpfasm_emit(a, I_LD_MAP_FD(d, fd));
	bpfasm_emit(a, BI(0, 0, 0, 0, 0));
}

int bpfasm_finish(struct bpfasm *a)
{
	int i;

	if (a->bad)
		return -1;
	for (i = 0; i < a->n; i++) {
		int to, off;

		if (a->fix[i] < 0)
			continue;
		to = a->label[a->fix[i]];
		if (to < 0)
			return -1;
		/* Jump offsets count from the instruction after the jump. */
		off = to - (i + 1);
		if (off < -32768 || off > 32767)
			return -1;
		a->v[i].off = (short)off;
	}
	return a->n;
}
