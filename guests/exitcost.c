// SPDX-License-Identifier: MIT
/*
 * exitcost: the exits whose cost braid promises (README, "Exit path
 * lengths"), each repeated often enough that braid's per-path averages
 * are the cost of the common case and not of a first-time outlier:
 *
 *  cpuid    4096 CPUIDs, leaf 0: a round trip and nothing else.
 *  ptwrite  4096 single 8-byte MOV stores to the leaf entries of a live
 *           page table, each switching a page between two frames, then
 *           INVLPG and a read that must see the new frame. Under shadow
 *           or compound paging every store is a trapped page-table write
 *           (while compound keeps the table shadowed), every INVLPG an
 *           exit and every read a hidden fill; under nested paging none
 *           of them exits.
 *
 * The guest checks what it reads, so the run is a conformance test too;
 * make bench reads the stats line's "path" object of this guest on Bochs,
 * where the TSC counts instructions, for its target lines.
 */
#include "rt.h"

#define REGION	  0x50000000000UL
#define PAGES	  16
#define CPUIDS	  4096
#define PT_WRITES 4096
#define TAG(f)	  (0x5eed0000UL + (f))

static u8 *frames[2 * PAGES];

/* The store braid must emulate: one plain MOV, whatever the compiler. */
static void store_pte(pte_t *pte, u64 val)
{
	asm volatile("movq %1, (%0)" : : "r"(pte), "r"(val) : "memory");
}

static void phase_cpuid(void)
{
	u32 first = cpuid(0, 0).eax, diff = 0;

	for (unsigned int i = 0; i < CPUIDS; i++)
		diff |= cpuid(0, 0).eax ^ first;
	report(diff == 0, "cpuid: %u round trips, leaf 0 stable", CPUIDS);
}

static void phase_ptwrite(pte_t *root)
{
	pte_t *pte[PAGES];
	unsigned int now[PAGES], bad = 0;

	for (unsigned int f = 0; f < 2 * PAGES; f++) {
		frames[f] = page_alloc();
		*(volatile u64 *)frames[f] = TAG(f);
	}
	for (unsigned int p = 0; p < PAGES; p++) {
		u64 va = REGION + p * PAGE_SIZE;

		vm_map(root, va, (u64)frames[2 * p], PG_4K, PTE_P | PTE_W);
		pte[p] = vm_entry(root, va, PG_4K, false);
		now[p] = 2 * p;
		bad += *(volatile u64 *)va != TAG(now[p]);
	}
	for (unsigned int i = 0; i < PT_WRITES; i++) {
		unsigned int p = i % PAGES;
		u64 va = REGION + p * PAGE_SIZE;

		now[p] ^= 1;
		store_pte(pte[p], (u64)frames[now[p]] | PTE_P | PTE_W);
		invlpg(va);
		bad += *(volatile u64 *)va != TAG(now[p]);
	}
	report(!bad, "ptwrite: %u PTE stores, each page saw its new frame",
	       PT_WRITES);
}

void guest_main(void)
{
	pte_t *root = vm_create();

	vm_switch(root);
	phase_cpuid();
	phase_ptwrite(root);
}
