/* SPDX-License-Identifier: MIT */
/* The local APIC's registers and bits, for guests that program it
 * (SDM Vol. 3A 11.4.1, Table 11-1). */
#ifndef GUEST_LAPIC_H
#define GUEST_LAPIC_H

#include "types.h"

#define MSR_APIC_BASE	0x1b
#define APIC_BASE_EN	BIT(11) /* SDM Figure 11-5 */
#define APIC_BASE_EXTD	BIT(10) /* x2APIC mode */
#define APIC_BASE_ADDR	0xfffff000UL
#define LAPIC_BASE	0xfee00000UL
#define APIC_ID		0x020
#define APIC_VERSION	0x030
#define APIC_TPR	0x080
#define APIC_PPR	0x0a0
#define APIC_EOI	0x0b0
#define APIC_SVR	0x0f0
#define APIC_ISR	0x100 /* 8 registers, 16 bytes apart */
#define APIC_IRR	0x200
#define APIC_ESR	0x280
#define APIC_ICR_LO	0x300
#define APIC_ICR_HI	0x310
#define APIC_LVT_TIMER	0x320
#define APIC_LVT_LINT0	0x350
#define APIC_LVT_LINT1	0x360
#define APIC_LVT_ERROR	0x370
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_DCR	0x3e0
#define APIC_SVR_ENABLE BIT(8)	/* SDM Figure 11-23 */
#define LVT_MASKED	BIT(16) /* SDM Figure 11-8 */
#define LVT_ONESHOT	(0UL << 17)
#define LVT_PERIODIC	(1UL << 17)
#define DCR_DIV1	0xb /* SDM Figure 11-10: 1011 = divide by 1 */
/* ICR, SDM Figure 11-12 */
#define ICR_FIXED	 (0UL << 8)
#define ICR_DM_NMI	 (4UL << 8)
#define ICR_DM_INIT	 (5UL << 8)
#define ICR_DM_SIPI	 (6UL << 8)
#define ICR_DELIV_STATUS BIT(12)
#define ICR_ASSERT	 BIT(14)
#define ICR_LEVEL	 BIT(15) /* trigger mode: level */
#define ICR_DEST_SELF	 (1UL << 18)
#define ICR_DEST_ALL	 (2UL << 18)
#define ICR_DEST_OTHERS	 (3UL << 18)
#define ICR_HI_DEST(id)	 ((u32)(id) << 24) /* physical destination */

#define MSR_X2APIC_FIRST  0x800 /* + xAPIC offset / 16 (SDM 11.12.1.2) */
#define MSR_X2APIC_ICR	  0x830 /* 64 bits: destination in 63:32 */
#define CPUID1_ECX_X2APIC BIT(21)

/*
 * xAPIC MMIO access. The registers take aligned 32-bit loads and stores
 * only (SDM 11.4.1): plain MOVs, never something the compiler merged. The
 * page at LAPIC_BASE must be mapped (UC) in the current address space.
 */
u32 mmio_read(u64 addr);
void mmio_write(u64 addr, u32 v);
/* A register, through the page or, once x2APIC mode is on, its MSR. */
u32 lapic_read(u32 reg);
void lapic_write(u32 reg, u32 v);
/*
 * Put this CPU in x2APIC mode (SDM 11.12.5: xAPIC -> x2APIC), and every
 * CPU that lapic_enable()s from now on: false if CPUID does not offer
 * it. Call before smp_boot(), with no other CPU running.
 */
bool lapic_use_x2apic(void);
bool lapic_in_x2apic(void); /* IA32_APIC_BASE.EXTD of this CPU */
u8 lapic_id(void);	    /* this CPU's APIC ID (xAPIC: APIC_ID bits 31:24) */
void lapic_eoi(void);
/* Software-enable the local APIC with a spurious vector (SDM 11.9). */
void lapic_enable(u8 spurious_vector);
/* Map LAPIC_BASE uncached into root (the identity map stops at 1 GiB). */
void lapic_map(u64 *root);
/*
 * Send an IPI: ICR_HI (destination) then ICR_LO, whose write sends it
 * (SDM 11.6.1). Waits for Delivery Status to go idle before and after;
 * false if it stays busy for timeout_ms.
 */
bool lapic_send_ipi(u8 dest, u32 icr_lo, u64 timeout_ms);

#endif
