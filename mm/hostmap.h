/* SPDX-License-Identifier: MIT */
#ifndef MM_HOSTMAP_H
#define MM_HOSTMAP_H

#include "boot/bootinfo.h"
#include "mm/paging.h"

/* Build braid's own identity map of all physical memory named in the boot
 * map and of the low 4 GiB (where device MMIO lives). @has_1g: the CPU
 * supports 1 GiB pages (CPUID.80000001H:EDX[26]). */
int hostmap_build(struct pt *pt, const struct boot_info *bi, bool has_1g);
/* Where that map ends: physical addresses below it are readable. */
u64 hostmap_top(const struct boot_info *bi);

#endif
