/* SPDX-License-Identifier: MIT */
/* Validation of ELF32/ELF64 executables (System V gABI, "ELF Header"). */
#ifndef LOADER_ELF_H
#define LOADER_ELF_H

#include "lib/types.h"

#define ELF_MAX_SEGMENTS 16

struct elf_segment {
	u64 offset; /* in the file */
	u64 paddr;  /* where a multiboot loader puts it */
	u64 filesz, memsz;
};

struct elf_image {
	unsigned bits; /* 32 or 64 */
	u64 entry;
	unsigned nr_segments;
	struct elf_segment seg[ELF_MAX_SEGMENTS]; /* the PT_LOAD ones */
};

/* Check that @data is an x86 executable whose every loadable segment lies
 * within the file, and collect them. 0, or -ENOEXEC with *why set. */
int elf_parse(const u8 *data, u64 size, struct elf_image *img,
	      const char **why);

#endif
