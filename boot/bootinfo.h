/* SPDX-License-Identifier: MIT */
/*
 * What the boot loader told us, copied out of the loader's structures into
 * braid's own memory before any frame is handed out (the loader's copy lives
 * in memory the frame allocator considers free).
 */
#ifndef BOOT_BOOTINFO_H
#define BOOT_BOOTINFO_H

#include "lib/types.h"

#define MB1_BOOTLOADER_MAGIC 0x2badb002u
#define MB2_BOOTLOADER_MAGIC 0x36d76289u

/* Memory types, as in both multiboot specs (and the ACPI/E820 map). */
enum boot_mem_type {
	BOOT_MEM_AVAILABLE = 1,
	BOOT_MEM_RESERVED = 2,
	BOOT_MEM_ACPI_RECLAIM = 3,
	BOOT_MEM_ACPI_NVS = 4,
	BOOT_MEM_BAD = 5,
};

#define BOOT_MAX_MMAP	 128
#define BOOT_MAX_MODULES 32
#define BOOT_CMDLINE_MAX 1024
#define BOOT_MODLINE_MAX \
	4097 /* a guest's options and more than any kernel takes */

struct boot_mem_range {
	u64 base;
	u64 len;
	u32 type; /* enum boot_mem_type; anything else counts as reserved */
};

struct boot_module {
	phys_t start;
	phys_t end; /* exclusive */
	char cmdline[BOOT_MODLINE_MAX];
	bool truncated; /* the loader's line did not fit in cmdline[] */
};

struct boot_info {
	int protocol; /* 1 or 2: which multiboot spec the loader spoke */
	char cmdline[BOOT_CMDLINE_MAX];
	bool cmdline_truncated; /* the loader's line did not fit */
	unsigned nr_mmap;
	struct boot_mem_range mmap[BOOT_MAX_MMAP];
	unsigned nr_modules;
	struct boot_module modules[BOOT_MAX_MODULES];
	const char *error;  /* why parsing failed, when it did */
	unsigned truncated; /* entries dropped because a table was full */
};

/* Copy the loader's boot information into @out. @info is the physical
 * address the loader passed in EBX. Returns 0 or -EINVAL (out->error says
 * why). */
int bootinfo_parse(u32 magic, phys_t info, struct boot_info *out);

#endif
