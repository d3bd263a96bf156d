// SPDX-License-Identifier: MIT
/* In-guest TLB shootdown by IPI (see shootdown.h). */
#include "shootdown.h"
#include "lapic.h"
#include "trap.h"
#include "x86.h"

#define IPI_SEND_MS 100

volatile u32 shootdowns_received[SMP_MAX_CPUS];
static volatile u64 flush_va;
static volatile u32 flush_acks;

/* INVLPG drops one page's entries; a CR3 load every non-global one
 * (SDM Vol. 3A 4.10.4.1). */
static void flush_local(u64 va)
{
	if (va == FLUSH_ALL)
		write_cr3(read_cr3());
	else
		invlpg(va);
}

/* The acknowledgement comes after the flush: it is the promise. */
static void shootdown_handler(struct trap_frame *tf)
{
	(void)tf;
	flush_local(flush_va);
	shootdowns_received[smp_cpu_index()]++;
	__atomic_fetch_add(&flush_acks, 1, __ATOMIC_RELEASE);
	lapic_eoi();
}

void shootdown_init(void)
{
	irq_set_handler(SHOOTDOWN_VEC, shootdown_handler);
}

bool tlb_shootdown(u64 va, u64 timeout_ms)
{
	unsigned int i, me = smp_cpu_index();
	bool sent = true;

	flush_va = va;
	flush_acks = 0;
	/* One fixed IPI per CPU, physical destination, like Linux's
	 * flush_tlb_multi() in xAPIC physical mode. */
	for (i = 0; i < smp_ncpus; i++)
		if (i != me)
			sent &= lapic_send_ipi(smp_cpus[i].apic_id,
					       ICR_FIXED | SHOOTDOWN_VEC,
					       IPI_SEND_MS);
	flush_local(va);
	return sent &&
	       spin_until_at_least(&flush_acks, smp_ncpus - 1, timeout_ms);
}
