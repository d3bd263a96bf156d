// SPDX-License-Identifier: MIT
/*
 * The hypervisor's own address space: physical memory mapped 1:1, with
 * the largest pages the CPU supports. The boot code's tables (boot/entry.S)
 * only cover 4 GiB; these cover every range in the memory map, so frames
 * the allocator hands out above 4 GiB are reachable too.
 *
 * The map covers what the memory map lists and nothing else: RAM
 * write-back; firmware's ranges (reserved, ACPI, the BIOS areas below
 * 1 MiB) uncacheable. Holes stay unmapped, so a stray pointer into device
 * space faults instead of poking registers; the devices braid drives (its
 * local APIC, an MMIO UART, the framebuffer, a table outside the map) are
 * mapped, uncacheable, when their driver asks (hostmap_map_device()).
 * Firmware's MTRRs usually agree, but a large page that spans ranges of
 * different MTRR types is undefined (SDM Vol. 3A 13.11.9), and some
 * firmware leaves MMIO above 4 GiB write-back.
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
	int err;

	err = pt_init(pt, &pt_host);
	if (!has_1g)
		pt_no_leaf_at(pt, 3);
	/* The real-mode IVT, BIOS data, EBDA and ROMs, where the RSDP and
	 * the MP table are found, whether or not the map lists them. */
	if (!err)
		err = pt_map(pt, 0, 0, MiB(1), PT_RWX | PT_UC);
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

static struct pt *live; /* the map CR3 holds, once it does */

void hostmap_set_live(struct pt *pt)
{
	live = pt;
}

/* Only pages nothing maps yet are added: a not-present entry made present
 * needs no TLB invalidation (SDM Vol. 3A 4.10.4.3), and no new page can
 * alias RAM with another memory type. */
int hostmap_map_device(phys_t pa, u64 len)
{
	struct pt_mapping m;
	u64 end = ALIGN_UP(pa + len, PAGE_SIZE);

	if (!live) /* boot/entry.S's map: the low 4 GiB, all of it */
		return pa + len <= GiB(4) ? 0 : -EFAULT;
	for (u64 a = ALIGN_DOWN(pa, PAGE_SIZE); a < end; a += PAGE_SIZE) {
		int err =
			pt_translate(live, a, &m)
				? pt_map(live, a, a, PAGE_SIZE, PT_RWX | PT_UC)
				: 0;

		if (err)
			return err;
	}
	return 0;
}
