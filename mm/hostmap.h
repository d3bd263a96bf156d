/* SPDX-License-Identifier: MIT */
#ifndef MM_HOSTMAP_H
#define MM_HOSTMAP_H

#include "boot/bootinfo.h"
#include "mm/paging.h"

/* Build braid's own identity map of the ranges the boot memory map names
 * and of the first MiB: RAM write-back, the rest uncacheable. @has_1g:
 * the CPU supports 1 GiB pages (CPUID.80000001H:EDX[26]). */
int hostmap_build(struct pt *pt, const struct boot_info *bi, bool has_1g);
/* Where the memory map's highest range ends (rounded up to 1 GiB). */
u64 hostmap_top(const struct boot_info *bi);
/* @pt is now the map in CR3: hostmap_map_device() adds to it. */
void hostmap_set_live(struct pt *pt);
/* Make [pa, pa + len) reachable, uncacheable where nothing was mapped (a
 * device's registers, a firmware table in a hole). 0, or -ENOMEM. */
int hostmap_map_device(phys_t pa, u64 len);

#endif
