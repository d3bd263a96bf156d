// SPDX-License-Identifier: MIT
/*
 * badpt: page tables a careless or hostile kernel might build.
 *
 *  1. loop: PML4[RECURSIVE] points back at the PML4 itself (a recursive
 *     mapping, as some kernels use on purpose). Reading the tables through
 *     it must show the tables; writing a PTE through it must take effect.
 *  2. low: a mapping of guest-physical 0x200000, where braid itself sits in
 *     host memory. The guest must see its own RAM there, nothing else.
 *  3. outside: a page-directory entry whose table lies outside guest RAM.
 *     On hardware such a table reads as all ones: present, with reserved
 *     bits set, so the access faults with P|RSVD. braid's shadow paging
 *     reflects exactly that; under nested paging braid stops the guest
 *     (the CPU's walk hits a guest-physical address with nothing behind it).
 */
#include "rt.h"

#define RECURSIVE 300UL /* PML4 slot used for the recursive mapping */
#define LOW_VA	  0x20000000000UL
#define OUT_VA	  0x30000000000UL
#define OUT_TABLE 0xf0000000UL /* no guest has RAM here */

/* The virtual address of the PML4 through the recursive slot. */
static u64 *recursive_pml4(void)
{
	u64 r = RECURSIVE;
	u64 va = (r << 39) | (r << 30) | (r << 21) | (r << 12);

	return (u64 *)(va | 0xffff000000000000UL); /* sign-extend bit 47 */
}

static void loop_case(void)
{
	pte_t *pml4 = vm_current();
	u64 *view = recursive_pml4();
	u64 *data = page_alloc();
	u64 *pte;

	pml4[RECURSIVE] = ((u64)pml4 & PTE_ADDR) | PTE_P | PTE_W;
	invlpg((u64)view);
	report(view[RECURSIVE] == pml4[RECURSIVE] && view[0] == pml4[0],
	       "loop: PML4 readable through its recursive mapping");
	/* Map data at LOW_VA + 0x1000 by writing the PTE through the
	 * recursive view of the level-1 table. */
	vm_map(pml4, LOW_VA, (u64)page_alloc(), PG_4K, PTE_P | PTE_W);
	pte = vm_entry(pml4, LOW_VA + PAGE_SIZE, PG_4K, false);
	data[0] = 0x6c6f6f70; /* "loop" */
	{
		u64 va = LOW_VA + PAGE_SIZE, r = RECURSIVE;
		u64 *pte_view = (u64 *)(0xffff000000000000UL | (r << 39) |
					((va >> 9) & 0x7ffffffff8UL));

		*pte_view = (u64)data | PTE_P | PTE_W;
		report(*pte == ((u64)data | PTE_P | PTE_W),
		       "loop: PTE written through the recursive mapping");
	}
	invlpg(LOW_VA + PAGE_SIZE);
	report(*(volatile u64 *)(LOW_VA + PAGE_SIZE) == 0x6c6f6f70,
	       "loop: the new mapping reaches its page");
	pml4[RECURSIVE] = 0;
	invlpg((u64)view);
}

static void low_case(void)
{
	volatile u64 *ident = (u64 *)0x200000UL;
	volatile u64 *alias = (u64 *)(LOW_VA + 0x200000UL);

	*ident = 0x6775657374ULL; /* "guest" */
	vm_map(vm_current(), LOW_VA + 0x200000UL, 0x200000UL, PG_4K,
	       PTE_P | PTE_W);
	invlpg((u64)alias);
	report(*alias == 0x6775657374ULL,
	       "low: gpa 0x200000 is the guest's own RAM");
}

static void touch_out(void *arg)
{
	(void)arg;
	(void)*(volatile u64 *)OUT_VA;
}

static void outside_case(void)
{
	pte_t *pdpte = vm_entry(vm_current(), OUT_VA, PG_1G, true);
	struct fault f;

	*pdpte = OUT_TABLE | PTE_P | PTE_W; /* the PD would be outside RAM */
	invlpg(OUT_VA);
	printf("badpt: reading through a page table at gpa %#lx\n", OUT_TABLE);
	catch_fault(touch_out, NULL, &f);
	report(f.vector == 14 &&
		       (f.error_code & (PFEC_P | PFEC_RSVD)) ==
			       (PFEC_P | PFEC_RSVD) &&
		       f.cr2 == OUT_VA,
	       "outside: #PF with P|RSVD at the address (vector %d error %#lx)",
	       f.vector, f.error_code);
	*pdpte = 0;
	invlpg(OUT_VA);
}

void guest_main(void)
{
	loop_case();
	low_case();
	outside_case();
	report_summary();
}
