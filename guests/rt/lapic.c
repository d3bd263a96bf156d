// SPDX-License-Identifier: MIT
/* The local APIC in xAPIC mode, through its MMIO page (SDM Vol. 3A 11.4). */
#include "lapic.h"
#include "tsc.h"
#include "vm.h"
#include "x86.h"

u32 mmio_read(u64 addr)
{
	u32 v;

	asm volatile("movl (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}

void mmio_write(u64 addr, u32 v)
{
	asm volatile("movl %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

u32 lapic_read(u32 reg)
{
	return mmio_read(LAPIC_BASE + reg);
}

void lapic_write(u32 reg, u32 v)
{
	mmio_write(LAPIC_BASE + reg, v);
}

u8 lapic_id(void)
{
	return lapic_read(APIC_ID) >> 24;
}

void lapic_eoi(void)
{
	lapic_write(APIC_EOI, 0);
}

void lapic_enable(u8 spurious_vector)
{
	lapic_write(APIC_SVR, APIC_SVR_ENABLE | spurious_vector);
	lapic_write(APIC_TPR, 0);
}

void lapic_map(u64 *root)
{
	vm_map(root, LAPIC_BASE, LAPIC_BASE, PG_4K,
	       PTE_P | PTE_W | PTE_PCD | PTE_PWT);
	invlpg(LAPIC_BASE);
}

/* Delivery Status (ICR bit 12) is 1 while the local APIC is still sending. */
static bool icr_idle(u64 timeout_ms)
{
	u64 t0 = rdtsc(), ticks = timeout_ms * tsc_per_ms();

	while (lapic_read(APIC_ICR_LO) & ICR_DELIV_STATUS) {
		if (rdtsc() - t0 > ticks)
			return false;
		asm volatile("pause" : : : "memory");
	}
	return true;
}

bool lapic_send_ipi(u8 dest, u32 icr_lo, u64 timeout_ms)
{
	if (!icr_idle(timeout_ms))
		return false;
	/*
	 * Stores before the IPI must be visible to its receiver: a UC store
	 * is not reordered with earlier stores (SDM 9.2.2), but be explicit.
	 */
	asm volatile("mfence" : : : "memory");
	lapic_write(APIC_ICR_HI, ICR_HI_DEST(dest));
	lapic_write(APIC_ICR_LO, icr_lo);
	return icr_idle(timeout_ms);
}
