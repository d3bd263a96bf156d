// SPDX-License-Identifier: MIT
/*
 * ELF parsing that trusts nothing in the file: every offset and size is
 * checked against the file's length before it is used, with overflow in
 * mind, so a corrupt image is reported instead of read out of bounds.
 */
#include "loader/elf.h"
#include "lib/string.h"

#define EI_CLASS    4
#define EI_DATA	    5
#define ELFCLASS32  1
#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define ET_EXEC	    2
#define EM_386	    3
#define EM_X86_64   62
#define PT_LOAD	    1

struct elf32_ehdr {
	u8 ident[16];
	u16 type, machine;
	u32 version, entry, phoff, shoff, flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
} __attribute__((packed));

struct elf64_ehdr {
	u8 ident[16];
	u16 type, machine;
	u32 version;
	u64 entry, phoff, shoff;
	u32 flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
} __attribute__((packed));

struct elf32_phdr {
	u32 type, offset, vaddr, paddr, filesz, memsz, flags, align;
} __attribute__((packed));

struct elf64_phdr {
	u32 type, flags;
	u64 offset, vaddr, paddr, filesz, memsz, align;
} __attribute__((packed));

static int bad(const char **why, const char *msg)
{
	*why = msg;
	return -ENOEXEC;
}

/* Read the program header at @ph into @s. */
static void read_phdr(const u8 *ph, unsigned bits, u32 *type,
		      struct elf_segment *s)
{
	if (bits == 32) {
		const struct elf32_phdr *p = (const void *)ph;

		*type = p->type;
		*s = (struct elf_segment){ p->offset, p->paddr, p->filesz,
					   p->memsz };
	} else {
		const struct elf64_phdr *p = (const void *)ph;

		*type = p->type;
		*s = (struct elf_segment){ p->offset, p->paddr, p->filesz,
					   p->memsz };
	}
}

static int check_segment(const struct elf_segment *s, u64 size,
			 const char **why)
{
	if (s->filesz > s->memsz)
		return bad(why,
			   "a segment's file size exceeds its memory size");
	if (s->offset > size || s->filesz > size - s->offset)
		return bad(why, "a segment lies beyond the end of the file");
	if (s->paddr + s->memsz < s->paddr)
		return bad(why, "a segment wraps around the address space");
	return 0;
}

int elf_parse(const u8 *data, u64 size, struct elf_image *img, const char **why)
{
	const struct elf32_ehdr *e32 = (const void *)data;
	const struct elf64_ehdr *e64 = (const void *)data;
	u64 phoff, phentsize, phnum, entry;
	u16 machine, type;

	memset(img, 0, sizeof(*img));
	if (size < sizeof(*e32) || memcmp(data, "\177ELF", 4))
		return bad(why, "not an ELF file (bad magic)");
	if (data[EI_DATA] != ELFDATA2LSB)
		return bad(why, "not a little-endian ELF file");
	if (data[EI_CLASS] == ELFCLASS32) {
		img->bits = 32;
		type = e32->type, machine = e32->machine, entry = e32->entry;
		phoff = e32->phoff, phentsize = e32->phentsize,
		phnum = e32->phnum;
		if (phentsize != sizeof(struct elf32_phdr))
			return bad(why, "bad program header entry size");
	} else if (data[EI_CLASS] == ELFCLASS64 && size >= sizeof(*e64)) {
		img->bits = 64;
		type = e64->type, machine = e64->machine, entry = e64->entry;
		phoff = e64->phoff, phentsize = e64->phentsize,
		phnum = e64->phnum;
		if (phentsize != sizeof(struct elf64_phdr))
			return bad(why, "bad program header entry size");
	} else {
		return bad(why, "unknown ELF class");
	}
	if (type != ET_EXEC)
		return bad(why, "not an executable (ELF type is not EXEC)");
	if (machine != EM_386 && machine != EM_X86_64)
		return bad(why, "not an x86 executable");
	if (phoff > size || phnum * phentsize > size - phoff)
		return bad(why,
			   "program headers lie beyond the end of the file");
	img->entry = entry;
	for (u64 i = 0; i < phnum; i++) {
		struct elf_segment s;
		u32 ptype;
		int err;

		read_phdr(data + phoff + i * phentsize, img->bits, &ptype, &s);
		if (ptype != PT_LOAD)
			continue;
		err = check_segment(&s, size, why);
		if (err)
			return err;
		if (!s.memsz)
			continue;
		if (img->nr_segments == ELF_MAX_SEGMENTS)
			return bad(why, "too many loadable segments");
		img->seg[img->nr_segments++] = s;
	}
	if (!img->nr_segments)
		return bad(why, "no loadable segments");
	return 0;
}
