// SPDX-License-Identifier: MIT
/*
 * quietwait: a table handed to the CPU, then a long stretch without a
 * single exit. Under paging=compound braid's policy takes a nested table
 * back after cp_quiet of the guest's running time (mm/compound.h); the
 * guest makes no exit while it waits, so only a policy clock that runs on
 * guest time, with braid's timer to act on it, can do so. The suite runs
 * it with a short cp_quiet and reads to_shadow from the stats line.
 *
 *  1. one page mapped at REGION; its page table is stored to STORES times
 *     (each store switching the page between two frames, checked through
 *     INVLPG and a read): under compound paging a write-hot table, handed
 *     to the CPU after cp_writes of them;
 *  2. WAIT_MS of the TSC spent in a loop that touches nothing but
 *     registers (the rate from CPUID 0x16, which braid fills in), with
 *     interrupts enabled (see below) and none to take;
 *  3. the page read once more.
 */
#include "rt.h"

#define REGION	0x60000000000UL
#define STORES	32
#define WAIT_MS 200
#define TAG(f)	(0x9a1e0000UL + (f))

static u64 tsc_mhz(void)
{
	u32 mhz = cpuid(0x16, 0).eax;

	return mhz ? mhz : 1000; /* bare CPUs without the leaf: a guess */
}

/* Spin on the TSC, in registers only: no exit, no memory access. */
static void wait_ms(u64 ms)
{
	u64 end = rdtsc() + ms * 1000 * tsc_mhz();

	while (rdtsc() < end)
		asm volatile("pause");
}

void guest_main(void)
{
	pte_t *root = vm_create(), *pte;
	u8 *frame[2] = { page_alloc(), page_alloc() };
	unsigned bad = 0;

	*(volatile u64 *)frame[0] = TAG(0);
	*(volatile u64 *)frame[1] = TAG(1);
	vm_map(root, REGION, (u64)frame[0], PG_4K, PTE_P | PTE_W);
	pte = vm_entry(root, REGION, PG_4K, false);
	vm_switch(root);
	bad += *(volatile u64 *)REGION != TAG(0);
	for (unsigned int i = 1; i <= STORES; i++) {
		*(volatile pte_t *)pte = (u64)frame[i & 1] | PTE_P | PTE_W;
		invlpg(REGION);
		bad += *(volatile u64 *)REGION != TAG(i & 1);
	}
	report(!bad, "%u stores to one page table, each seen", STORES);
	/* With RFLAGS.IF set: no interrupt source is enabled, and Bochs
	 * (2.7, VMX) turns braid's timer into a VM exit only while the guest
	 * could take an interrupt itself, where real hardware always exits
	 * (SDM 26.2: external-interrupt exiting ignores RFLAGS.IF). */
	asm volatile("sti");
	wait_ms(WAIT_MS);
	asm volatile("cli");
	report(*(volatile u64 *)REGION == TAG(STORES & 1),
	       "the page reads right after %u ms without exits", WAIT_MS);
}
