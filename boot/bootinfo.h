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

#define BOOT_MAX_MMAP	 512 /* UEFI maps of big servers exceed 128 */
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

/* Multiboot2 3.6.12: the framebuffer the loader set up (type 8 tag). */
enum boot_fb_type {
	BOOT_FB_INDEXED = 0,
	BOOT_FB_RGB = 1,
	BOOT_FB_EGA_TEXT = 2,
};

struct boot_fb {
	u64 addr;
	u32 pitch;	   /* bytes per line (per text row for EGA text) */
	u32 width, height; /* pixels, or characters for EGA text */
	u8 bpp;
	u8 type; /* enum boot_fb_type */
	/* BOOT_FB_RGB: each colour's lowest bit and width in a pixel */
	u8 red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

/* The largest RSDP (ACPI 6.5 5.2.5.3: 36 bytes for revision 2). */
#define BOOT_RSDP_MAX 36

struct boot_info {
	int protocol; /* 1 or 2: which multiboot spec the loader spoke */
	char cmdline[BOOT_CMDLINE_MAX];
	bool cmdline_truncated; /* the loader's line did not fit */
	unsigned nr_mmap;
	struct boot_mem_range mmap[BOOT_MAX_MMAP];
	unsigned nr_modules;
	struct boot_module modules[BOOT_MAX_MODULES];
	/* A copy of the ACPI RSDP the loader found (multiboot2 tags 14 and
	 * 15; the newer wins), @rsdp_len 0 if it gave none. */
	u8 rsdp[BOOT_RSDP_MAX];
	unsigned rsdp_len;
	bool has_fb;
	struct boot_fb fb;
	const char *error;  /* why parsing failed, when it did */
	unsigned truncated; /* entries dropped because a table was full */
};

/* Copy the loader's boot information into @out. @info is the physical
 * address the loader passed in EBX. Returns 0 or -EINVAL (out->error says
 * why). */
int bootinfo_parse(u32 magic, phys_t info, struct boot_info *out);

#endif
