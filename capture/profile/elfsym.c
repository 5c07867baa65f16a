#include "elfsym.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PHNUM 4096
#define MAX_NOTE 4096

static uint16_t rd16(const unsigned char *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t rd32(const unsigned char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const unsigned char *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static int fail(char *why, size_t whylen, const char *msg)
{
	if (why && whylen)
		snprintf(why, whylen, "%s", msg);
	return -1;
}

/* Reads exactly LEN bytes at OFF, within FILE_SIZE, into a new buffer. */
static unsigned char *read_range(elfsym_read_fn rd, void *ctx, uint64_t file_size,
				 uint64_t off, uint64_t len)
{
	unsigned char *b;

	if (off > file_size || len > file_size - off || len > ELFSYM_MAX_TABLE)
		return NULL;
	b = malloc(len ? len : 1);
	if (!b)
		return NULL;
	if (len && rd(ctx, b, len, off) != (ssize_t)len) {
		free(b);
		return NULL;
	}
	return b;
}

static int cmp_sym(const void *a, const void *b)
{
	const struct elfsym_sym *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* Of aliases at one address, the sized one first. */
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return x->name < y->name ? -1 : x->name > y->name;
}

/* GNU build-id out of a notes area (PT_NOTE or SHT_NOTE). */
static void find_build_id(struct elfsym *e, const unsigned char *n, size_t len)
{
	size_t off = 0;

	while (len - off >= 12) {
		uint32_t namesz = rd32(n + off), descsz = rd32(n + off + 4), type = rd32(n + off + 8);
		size_t name_al = ((size_t)namesz + 3) & ~(size_t)3;
		size_t desc_al = ((size_t)descsz + 3) & ~(size_t)3;
		size_t i;

		off += 12;
		if (namesz > len - off || name_al > len - off)
			return;
		if (descsz > len - off - name_al || desc_al > len - off - name_al)
			return;
		if (type == NT_GNU_BUILD_ID && namesz == 4 && !memcmp(n + off, "GNU", 4) &&
		    descsz > 0 && descsz <= 64) {
			for (i = 0; i < descsz; i++)
				snprintf(e->build_id + 2 * i, 3, "%02x", n[off + name_al + i]);
			return;
		}
		off += name_al + desc_al;
	}
}

/* Function symbols of the table at SYMS (SYMLEN bytes), names in STR. */
static int take_symbols(struct elfsym *e, const unsigned char *syms, uint64_t symlen,
			const unsigned char *str, uint64_t strlen_)
{
	size_t n = (size_t)(symlen / sizeof(Elf64_Sym)), i, k = 0, namebytes = 0;

	e->syms = calloc(n ? n : 1, sizeof(*e->syms));
	if (!e->syms)
		return -1;
	/* Two passes: pick, then copy only the names kept, so a large string
	 * table is not held for the capture's lifetime. */
	for (i = 0; i < n; i++) {
		const unsigned char *s = syms + i * sizeof(Elf64_Sym);
		uint32_t name = rd32(s);
		unsigned char info = s[4];
		uint16_t shndx = rd16(s + 6);
		uint64_t value = rd64(s + 8), size = rd64(s + 16);
		const unsigned char *nul;
		int type = ELF64_ST_TYPE(info);

		if (type != STT_FUNC && type != STT_GNU_IFUNC)
			continue;
		if (shndx == SHN_UNDEF || value == 0 || name == 0 || name >= strlen_)
			continue;
		nul = memchr(str + name, '\0', (size_t)(strlen_ - name));
		if (!nul || nul == str + name)
			continue;
		e->syms[k].addr = value;
		e->syms[k].size = size;
		e->syms[k].name = name;      /* string-table offset for now */
		namebytes += (size_t)(nul - (str + name)) + 1;
		k++;
	}
	e->names = malloc(namebytes ? namebytes : 1);
	if (!e->names)
		return -1;
	for (i = 0; i < k; i++) {
		const char *s = (const char *)str + e->syms[i].name;
		size_t l = strlen(s) + 1;

		memcpy(e->names + e->names_len, s, l);
		e->syms[i].name = (uint32_t)e->names_len;
		e->names_len += l;
	}
	e->nsyms = k;
	qsort(e->syms, e->nsyms, sizeof(*e->syms), cmp_sym);
	/* One symbol per address: the first of its aliases. */
	for (i = 0, k = 0; i < e->nsyms; i++)
		if (k == 0 || e->syms[k - 1].addr != e->syms[i].addr)
			e->syms[k++] = e->syms[i];
	e->nsyms = k;
	return 0;
}

int elfsym_load(elfsym_read_fn rd, void *ctx, uint64_t file_size, struct elfsym *e,
		char *why, size_t whylen)
{
	unsigned char eh[sizeof(Elf64_Ehdr)], *ph = NULL, *sh = NULL, *syms = NULL, *str = NULL;
	uint64_t phoff, shoff;
	uint16_t phnum, shnum, phentsize, shentsize;
	int i, want, ret = -1;

	memset(e, 0, sizeof(*e));
	if (file_size < sizeof(eh) || rd(ctx, eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
		return fail(why, whylen, "too short for an ELF header");
	if (memcmp(eh, ELFMAG, SELFMAG))
		return fail(why, whylen, "not an ELF file");
	if (eh[EI_CLASS] != ELFCLASS64 || eh[EI_DATA] != ELFDATA2LSB)
		return fail(why, whylen, "not a 64-bit little-endian ELF file");
	phoff = rd64(eh + offsetof(Elf64_Ehdr, e_phoff));
	shoff = rd64(eh + offsetof(Elf64_Ehdr, e_shoff));
	phentsize = rd16(eh + offsetof(Elf64_Ehdr, e_phentsize));
	phnum = rd16(eh + offsetof(Elf64_Ehdr, e_phnum));
	shentsize = rd16(eh + offsetof(Elf64_Ehdr, e_shentsize));
	shnum = rd16(eh + offsetof(Elf64_Ehdr, e_shnum));

	if (phnum && (phentsize != sizeof(Elf64_Phdr) || phnum > MAX_PHNUM))
		return fail(why, whylen, "bad program header table");
	if (phnum) {
		ph = read_range(rd, ctx, file_size, phoff, (uint64_t)phnum * sizeof(Elf64_Phdr));
		if (!ph)
			return fail(why, whylen, "truncated program headers");
	}
	for (i = 0; i < phnum; i++) {
		const unsigned char *p = ph + (size_t)i * sizeof(Elf64_Phdr);
		uint32_t type = rd32(p);
		uint64_t off = rd64(p + offsetof(Elf64_Phdr, p_offset));
		uint64_t filesz = rd64(p + offsetof(Elf64_Phdr, p_filesz));

		if (type == PT_LOAD && e->nload < ELFSYM_MAX_LOADS) {
			e->load[e->nload].off = off;
			e->load[e->nload].vaddr = rd64(p + offsetof(Elf64_Phdr, p_vaddr));
			e->load[e->nload].filesz = filesz;
			e->nload++;
		} else if (type == PT_NOTE && !e->build_id[0] && filesz <= MAX_NOTE) {
			unsigned char *n = read_range(rd, ctx, file_size, off, filesz);

			if (n)
				find_build_id(e, n, (size_t)filesz);
			free(n);
		}
	}

	/* No section headers (stripped with sstrip, or cut): no names, which
	 * is a result, not an error. */
	if (!shnum || !shoff) {
		ret = 0;
		goto out;
	}
	if (shentsize != sizeof(Elf64_Shdr)) {
		fail(why, whylen, "bad section header table");
		goto out;
	}
	sh = read_range(rd, ctx, file_size, shoff, (uint64_t)shnum * sizeof(Elf64_Shdr));
	if (!sh) {
		fail(why, whylen, "truncated section headers");
		goto out;
	}
	/* .symtab names everything .dynsym does and the local functions too. */
	for (want = SHT_SYMTAB; ; want = SHT_DYNSYM) {
		for (i = 0; i < shnum; i++) {
			const unsigned char *s = sh + (size_t)i * sizeof(Elf64_Shdr);
			uint32_t type = rd32(s + offsetof(Elf64_Shdr, sh_type));
			uint32_t link = rd32(s + offsetof(Elf64_Shdr, sh_link));
			uint64_t off = rd64(s + offsetof(Elf64_Shdr, sh_offset));
			uint64_t size = rd64(s + offsetof(Elf64_Shdr, sh_size));
			const unsigned char *ls;

			if (type != (uint32_t)want || link == 0 || link >= shnum)
				continue;
			ls = sh + (size_t)link * sizeof(Elf64_Shdr);
			if (rd32(ls + offsetof(Elf64_Shdr, sh_type)) != SHT_STRTAB)
				continue;
			syms = read_range(rd, ctx, file_size, off, size);
			str = read_range(rd, ctx, file_size, rd64(ls + offsetof(Elf64_Shdr, sh_offset)),
					 rd64(ls + offsetof(Elf64_Shdr, sh_size)));
			if (!syms || !str) {
				fail(why, whylen, want == SHT_SYMTAB ? "truncated or oversized .symtab" :
				     "truncated or oversized .dynsym");
				goto out;
			}
			if (take_symbols(e, syms, size, str, rd64(ls + offsetof(Elf64_Shdr, sh_size))) < 0) {
				fail(why, whylen, "out of memory");
				goto out;
			}
			e->table = want == SHT_SYMTAB ? ELFSYM_SYMTAB : ELFSYM_DYNSYM;
			break;
		}
		if (e->table != ELFSYM_NONE || want == SHT_DYNSYM)
			break;
	}
	if (!e->build_id[0]) {
		for (i = 0; i < shnum; i++) {
			const unsigned char *s = sh + (size_t)i * sizeof(Elf64_Shdr);
			uint64_t size = rd64(s + offsetof(Elf64_Shdr, sh_size));
			unsigned char *n;

			if (rd32(s + offsetof(Elf64_Shdr, sh_type)) != SHT_NOTE || size > MAX_NOTE)
				continue;
			n = read_range(rd, ctx, file_size, rd64(s + offsetof(Elf64_Shdr, sh_offset)), size);
			if (n)
				find_build_id(e, n, (size_t)size);
			free(n);
			if (e->build_id[0])
				break;
		}
	}
	ret = 0;
out:
	free(ph);
	free(sh);
	free(syms);
	free(str);
	return ret;
}

struct membuf {
	const unsigned char *p;
	size_t len;
};

static ssize_t read_mem(void *ctx, void *buf, size_t len, uint64_t off)
{
	const struct membuf *m = ctx;

	if (off >= m->len)
		return 0;
	if (len > m->len - off)
		len = (size_t)(m->len - off);
	memcpy(buf, m->p + off, len);
	return (ssize_t)len;
}

int elfsym_load_buf(const void *buf, size_t len, struct elfsym *e, char *why, size_t whylen)
{
	struct membuf m = { buf, len };

	return elfsym_load(read_mem, &m, len, e, why, whylen);
}

void elfsym_release(struct elfsym *e)
{
	free(e->syms);
	free(e->names);
	memset(e, 0, sizeof(*e));
}

int elfsym_file_to_vaddr(const struct elfsym *e, uint64_t file_off, uint64_t *vaddr)
{
	int i;

	for (i = 0; i < e->nload; i++) {
		const struct elfsym_load *l = &e->load[i];

		if (file_off >= l->off && file_off - l->off < l->filesz) {
			*vaddr = file_off - l->off + l->vaddr;
			return 0;
		}
	}
	return -1;
}

const char *elfsym_lookup(const struct elfsym *e, uint64_t vaddr, uint64_t *off)
{
	size_t lo = 0, hi = e->nsyms;
	const struct elfsym_sym *s;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (e->syms[mid].addr <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	s = &e->syms[lo - 1];
	if (s->size ? vaddr - s->addr >= s->size : lo == e->nsyms)
		return NULL;
	if (off)
		*off = vaddr - s->addr;
	return e->names + s->name;
}
