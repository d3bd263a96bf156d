/* SPDX-License-Identifier: MIT */
/*
 * What the multiboot (v1) loader told us, copied out of its info block at
 * start-up so the memory holding the block can be reused.
 */
#ifndef GUEST_MB_H
#define GUEST_MB_H

#include "types.h"

#define MB_MAX_RANGES 32
#define MB_RAM	      1 /* mmap type 1: available RAM */

struct mb_range {
	u64 addr;
	u64 len;
	u32 type;
};

struct boot_info {
	u32 magic;	   /* EAX at entry; MB_BOOT_MAGIC if multiboot */
	u32 flags;	   /* multiboot info flags */
	u32 mem_lower_kib; /* flags bit 0 */
	u32 mem_upper_kib;
	const char *cmdline;	/* flags bit 2; NULL if absent */
	unsigned int nr_ranges; /* flags bit 6 */
	struct mb_range ranges[MB_MAX_RANGES];
	u64 ram_bytes;	/* sum of available RAM */
	u64 ram_end;	/* end of the highest available range */
	u64 loader_end; /* first byte above the loader's structures */
};

extern struct boot_info boot;

void mb_parse(u32 magic, u64 mbi);
void mb_print(void);
/* True if word appears in cmdline as a whole blank-separated word. */
bool cmdline_has(const char *cmdline, const char *word);
/* End of the available range that contains pa, or 0 if none does. */
u64 mb_ram_range_end(u64 pa);

#endif
