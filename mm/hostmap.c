// SPDX-License-Identifier: MIT
/*
 * The hypervisor's own address space: physical memory mapped 1:1, with
 * the largest pages the CPU supports. The boot code's tables (boot/entry.S)
 * only cover 4 GiB; these cover every range in the memory map, so frames
 * the allocator hands out above 4 GiB are reachable too.
 */
#include "mm/hostmap.h"

u64 hostmap_top(const struct boot_info *bi)
{
	u64 top = GiB(4);

	for (unsigned i = 0; i < bi->nr_mmap; i++)
		top = MAX(top, bi->mmap[i].base + bi->mmap[i].len);
	return ALIGN_UP(top, GiB(1));
}

int hostmap_build(struct pt *pt, const struct boot_info *bi, bool has_1g)
{
	u64 top = hostmap_top(bi);
	int err;

	err = pt_init(pt, &pt_host);
	if (!has_1g)
		pt_no_leaf_at(pt, 3);
	if (!err)
		err = pt_map(pt, 0, 0, top, PT_RWX);
	return err;
}
