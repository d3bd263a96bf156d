// SPDX-License-Identifier: MIT
/*
 * tlbstride: access patterns whose TLB misses are known in advance, for
 * checking tools/tlbplugin bare and under braid (tests/integration). Each
 * pattern is a measurement window of its own (include/braid/marker.h):
 *
 *   window 16  "fit":     32 pages, 64 rounds. Fits every modeled L1 DTLB
 *                         (64 entries): 32 cold misses, then none.
 *   window 17  "sweep4k": 4096 4 KiB pages in a cycle, 8 rounds. Over
 *                         every modeled L2 TLB (1536, 2048 entries, LRU),
 *                         so every one of the 32768 accesses misses.
 *   window 18  "sweep2m": the same 4096 page-strided addresses, 8 rounds,
 *                         but the guest maps them with eight 2 MiB pages:
 *                         8 misses where the hardware is given 2 MiB
 *                         pages, 32768 where it is given 4 KiB ones.
 *
 * The loops keep everything in registers, so the only data accesses in a
 * window are the pattern's (plus the marker's neighbourhood: a handful).
 */
#include "rt.h"
#include <braid/marker.h>

#define REGION_4K  0x30000000000UL
#define REGION_2M  0x40000000000UL
#define PAGES	   4096 /* 16 MiB */
#define ROUNDS	   8
#define FIT_PAGES  32
#define FIT_ROUNDS 64
#define HUGE	   (PAGES * PAGE_SIZE / (2 * MiB))

/* Read one qword in each of @pages pages from @base, @rounds times. */
static u64 sweep(u64 base, unsigned int pages, unsigned int rounds)
{
	u64 sum = 0;

	for (unsigned int r = 0; r < rounds; r++)
		for (unsigned int p = 0; p < pages; p++)
			sum += *(volatile u64 *)(base + p * PAGE_SIZE);
	return sum;
}

/* @n bytes of physically contiguous frames aligned to @align. */
static u64 alloc_contiguous(u64 n, u64 align)
{
	u64 first = (u64)page_alloc(), pa = first;

	while (first & (align - 1))
		first = (u64)page_alloc();
	for (pa = first + PAGE_SIZE; pa < first + n; pa += PAGE_SIZE)
		if ((u64)page_alloc() != pa)
			return 0; /* the allocator is not a bump pointer */
	return first;
}

void guest_main(void)
{
	u64 need = 2 * PAGES * PAGE_SIZE + 4 * MiB + 64 * PAGE_SIZE;
	pte_t *root;
	u64 huge, sum = 0;

	if (!report(mem_free_bytes() >= need, "%lu KiB free for %lu KiB",
		    mem_free_bytes() / KiB, need / KiB))
		report_summary();
	root = vm_create();
	for (u64 p = 0; p < PAGES; p++)
		vm_map(root, REGION_4K + p * PAGE_SIZE, (u64)page_alloc(),
		       PG_4K, PTE_P | PTE_W);
	huge = alloc_contiguous(PAGES * PAGE_SIZE, 2 * MiB);
	if (!report(huge != 0, "%lu MiB of contiguous frames for 2 MiB pages",
		    PAGES * PAGE_SIZE / MiB))
		report_summary();
	for (u64 h = 0; h < HUGE; h++)
		vm_map(root, REGION_2M + h * 2 * MiB, huge + h * 2 * MiB, PG_2M,
		       PTE_P | PTE_W);
	vm_switch(root);
	/* Every page once, so that no window pays for braid's first fills. */
	sum += sweep(REGION_4K, PAGES, 1) + sweep(REGION_2M, PAGES, 1);

	BRAID_MARK(BRAID_MARK_BEGIN, BRAID_WINDOW_USER);
	sum += sweep(REGION_4K, FIT_PAGES, FIT_ROUNDS);
	BRAID_MARK(BRAID_MARK_END, BRAID_WINDOW_USER);

	BRAID_MARK(BRAID_MARK_BEGIN, BRAID_WINDOW_USER + 1);
	sum += sweep(REGION_4K, PAGES, ROUNDS);
	BRAID_MARK(BRAID_MARK_END, BRAID_WINDOW_USER + 1);

	BRAID_MARK(BRAID_MARK_BEGIN, BRAID_WINDOW_USER + 2);
	sum += sweep(REGION_2M, PAGES, ROUNDS);
	BRAID_MARK(BRAID_MARK_END, BRAID_WINDOW_USER + 2);

	/* Fresh pages read as zero: the loops really read them. */
	report(sum == 0, "%u patterns read %u pages", 3, PAGES);
	printf("RESULT tlbstride fit=%u sweep=%u rounds=%u\n",
	       FIT_PAGES * FIT_ROUNDS, PAGES * ROUNDS, ROUNDS);
}
