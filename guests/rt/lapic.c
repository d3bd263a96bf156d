// SPDX-License-Identifier: MIT
/* The local APIC in xAPIC mode, through its MMIO page (SDM Vol. 3A 11.4),
 * or in x2APIC mode, through MSRs (11.12). */
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

static bool x2apic; /* every CPU uses x2APIC mode (lapic_use_x2apic) */

u32 lapic_read(u32 reg)
{
	if (x2apic)
		return (u32)rdmsr(MSR_X2APIC_FIRST + (reg >> 4));
	return mmio_read(LAPIC_BASE + reg);
}

void lapic_write(u32 reg, u32 v)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_FIRST + (reg >> 4), v);
	else
		mmio_write(LAPIC_BASE + reg, v);
}

u8 lapic_id(void)
{
	/* x2APIC mode: the 32-bit x2APIC ID (SDM 11.12.5.1). */
	return x2apic ? lapic_read(APIC_ID) : lapic_read(APIC_ID) >> 24;
}

bool lapic_in_x2apic(void)
{
	return rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD;
}

static void enter_x2apic(void)
{
	u64 base = rdmsr(MSR_APIC_BASE);

	if (!(base & APIC_BASE_EXTD))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
}

bool lapic_use_x2apic(void)
{
	u64 flags;

	if (!(cpuid(1, 0).ecx & CPUID1_ECX_X2APIC))
		return false;
	/* No interrupt handler may EOI between the switch and the flag. */
	asm volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	enter_x2apic();
	x2apic = true;
	if (flags & BIT(9))
		asm volatile("sti" : : : "memory");
	return true;
}

void lapic_eoi(void)
{
	lapic_write(APIC_EOI, 0);
}

void lapic_enable(u8 spurious_vector)
{
	if (x2apic)
		enter_x2apic(); /* an AP, which starts in xAPIC mode */
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

/* x2APIC mode: one 64-bit ICR write, no delivery status (SDM 11.12.9).
 * WRMSR to it does not order earlier stores: fence them first. */
static void send_x2apic(u8 dest, u32 icr_lo)
{
	asm volatile("mfence; lfence" : : : "memory");
	wrmsr(MSR_X2APIC_ICR, (u64)dest << 32 | icr_lo);
}

bool lapic_send_ipi(u8 dest, u32 icr_lo, u64 timeout_ms)
{
	if (x2apic) {
		send_x2apic(dest, icr_lo);
		return true;
	}
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
