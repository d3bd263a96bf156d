// SPDX-License-Identifier: MIT
/*
 * The hypervisor's own address space: physical memory mapped 1:1, with
 * the largest pages the CPU supports. The boot code's tables (boot/entry.S)
 * only cover 4 GiB; these cover every range in the memory map, so frames
 * the allocator hands out above 4 GiB are reachable too.
 *
 * RAM is write-back; everything else (device MMIO, holes, ranges the map
 * calls reserved) is uncacheable. Firmware's MTRRs usually say the same,
 * but a large page that spans ranges of different MTRR types is undefined
 * (SDM Vol. 3A 13.11.9), and some firmware leaves MMIO above 4 GiB WB.
 */
#include "mm/hostmap.h"

u64 hostmap_top(const struct boot_info *bi)
{
	u64 top = GiB(4);

	for (unsigned i = 0; i < bi->nr_mmap; i++)
		top = MAX(top, bi->mmap[i].base + bi->mmap[i].len);
	return ALIGN_UP(top, GiB(1));
}

static bool is_ram(u32 type)
{
	return type == BOOT_MEM_AVAILABLE || type == BOOT_MEM_ACPI_RECLAIM ||
	       type == BOOT_MEM_ACPI_NVS;
}

/* Map the whole pages of one range, write-back if @ram (a page only
 * partly RAM stays uncacheable). */
static int map_range(struct pt *pt, const struct boot_mem_range *r, bool ram)
{
	u64 start = ALIGN_UP(r->base, PAGE_SIZE);
	u64 end = ALIGN_DOWN(r->base + r->len, PAGE_SIZE);

	if (!ram) {
		start = ALIGN_DOWN(r->base, PAGE_SIZE);
		end = ALIGN_UP(r->base + r->len, PAGE_SIZE);
	}
	if (end <= start)
		return 0;
	return pt_map(pt, start, start, end - start,
		      ram ? PT_RWX : PT_RWX | PT_UC);
}

int hostmap_build(struct pt *pt, const struct boot_info *bi, bool has_1g)
{
	u64 top = hostmap_top(bi);
	int err;

	err = pt_init(pt, &pt_host);
	if (!has_1g)
		pt_no_leaf_at(pt, 3);
	if (!err)
		err = pt_map(pt, 0, 0, top, PT_RWX | PT_UC);
	/* RAM, then the other ranges again: where the map overlaps itself,
	 * the uncacheable reading wins, as the frame allocator lets
	 * reserved win (mm/frame.c). */
	for (unsigned i = 0; !err && i < bi->nr_mmap; i++)
		if (is_ram(bi->mmap[i].type))
			err = map_range(pt, &bi->mmap[i], true);
	for (unsigned i = 0; !err && i < bi->nr_mmap; i++)
		if (!is_ram(bi->mmap[i].type))
			err = map_range(pt, &bi->mmap[i], false);
	return err;
}
