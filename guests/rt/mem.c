// SPDX-License-Identifier: MIT
#include "mem.h"
#include "mb.h"
#include "printf.h"
#include "report.h"

#define IDENTITY_LIMIT (1 * GiB) /* what the runtime's tables map */

static u64 mem_base, mem_next, mem_top;

/* The RAM range holding pa, or failing that the next one above it. */
static u64 ram_after(u64 pa, u64 *end)
{
	u64 best = ~0UL;
	unsigned int i;

	*end = mb_ram_range_end(pa);
	if (*end)
		return pa;
	for (i = 0; i < boot.nr_ranges; i++) {
		const struct mb_range *r = &boot.ranges[i];

		if (r->type == MB_RAM && r->addr > pa && r->addr < best) {
			best = r->addr;
			*end = r->addr + r->len;
		}
	}
	return best;
}

void mem_init(void)
{
	u64 start = (u64)_image_end;

	if (boot.loader_end > start)
		start = boot.loader_end;
	start = ALIGN_UP(start, PAGE_SIZE);
	mem_base = ALIGN_UP(ram_after(start, &mem_top), PAGE_SIZE);
	mem_top = ALIGN_DOWN(mem_top, PAGE_SIZE);
	if (mem_top > IDENTITY_LIMIT)
		mem_top = IDENTITY_LIMIT;
	if (mem_base >= mem_top)
		mem_base = mem_top;
	mem_next = mem_base;
}

void *page_alloc(void)
{
	void *p;

	if (mem_next + PAGE_SIZE > mem_top) {
		report(false,
		       "page_alloc: out of memory at %#lx (free RAM %#lx-%#lx)",
		       mem_next, mem_base, mem_top);
		report_summary();
	}
	p = (void *)mem_next;
	mem_next += PAGE_SIZE;
	memset(p, 0, PAGE_SIZE);
	return p;
}

u64 mem_free_bytes(void)
{
	return mem_top - mem_next;
}

void mem_print(void)
{
	printf("mem: image %p-%p, free pages %#lx-%#lx (%lu KiB)\n",
	       _image_start, _image_end, mem_base, mem_top,
	       (mem_top - mem_base) / KiB);
}
