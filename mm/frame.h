/* SPDX-License-Identifier: MIT */
/*
 * The physical frame allocator: one bit per 4 KiB frame of RAM, built from
 * the boot memory map. It never hands out a frame that the map does not call
 * available, nor one inside a range reserved at init (the hypervisor image,
 * boot modules), nor anything below 1 MiB.
 */
#ifndef MM_FRAME_H
#define MM_FRAME_H

#include "boot/bootinfo.h"
#include "lib/types.h"

struct phys_range {
	phys_t start;
	phys_t end; /* exclusive */
};

/* Build the allocator. The bitmap itself is placed in free RAM and reserved.
 * Returns 0, or -ENOMEM when no usable RAM (or no room for the bitmap). */
int frame_init(const struct boot_mem_range *map, unsigned nr_map,
	       const struct phys_range *reserved, unsigned nr_reserved);

/* One zeroed frame, or 0 when memory is exhausted. */
phys_t frame_alloc(void);
/* @nr zeroed contiguous frames starting at a multiple of @align, or 0. */
phys_t frame_alloc_contig(u64 nr, u64 align);
/* Give frames back. Freeing 0 does nothing; freeing a frame that is
 * already free is braid's bug, and a panic that names it. */
void frame_free(phys_t pa);
void frame_free_contig(phys_t pa, u64 nr);

u64 frame_free_count(void);
/* The largest contiguous run of free frames, in frames. */
u64 frame_largest_run(void);
/* Is @pa a frame the allocator manages and currently considers free? */
bool frame_is_free(phys_t pa);
/* The first frame of [@pa, @pa + @nr frames) the allocator considers
 * free, or 0 if it has taken them all. */
phys_t frame_first_free(phys_t pa, u64 nr);

#define FRAME_LOW_LIMIT MiB(1) /* frames below this are never handed out */

#endif
