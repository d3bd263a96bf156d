/* SPDX-License-Identifier: MIT */
/*
 * The local APIC's registers in xAPIC mode (SDM Vol. 3A 11.4, table 11-1:
 * offsets from the APIC base), the IA32_APIC_BASE bits (11.4.4) and the
 * bits of its LVT, SVR and ESR registers. Used by braid's own timer
 * (arch/x86_64/apic.c) and by the guest's virtual APIC (dm/vlapic.c).
 */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include "lib/types.h"

#define APIC_DEFAULT_BASE 0xfee00000ull /* after reset (SDM 11.4.1) */
#define APIC_MMIO_SIZE	  0x1000ull

#define APIC_ID	       0x020
#define APIC_VERSION   0x030
#define APIC_TPR       0x080
#define APIC_APR       0x090
#define APIC_PPR       0x0a0
#define APIC_EOI       0x0b0
#define APIC_RRD       0x0c0
#define APIC_LDR       0x0d0
#define APIC_DFR       0x0e0
#define APIC_SVR       0x0f0
#define APIC_ISR       0x100 /* 8 registers, 16 bytes apart */
#define APIC_TMR       0x180
#define APIC_IRR       0x200
#define APIC_ESR       0x280
#define APIC_LVT_CMCI  0x2f0
#define APIC_ICR_LO    0x300
#define APIC_ICR_HI    0x310
#define APIC_LVT_TIMER 0x320
#define APIC_LVT_THERM 0x330
#define APIC_LVT_PERF  0x340
#define APIC_LVT_LINT0 0x350
#define APIC_LVT_LINT1 0x360
#define APIC_LVT_ERROR 0x370
#define APIC_TMICT     0x380 /* timer initial count */
#define APIC_TMCCT     0x390 /* timer current count */
#define APIC_DCR       0x3e0 /* timer divide configuration */

/* IA32_APIC_BASE (SDM 11.4.4) */
#define APIC_BASE_BSP	 BIT(8)
#define APIC_BASE_EXTD	 BIT(10) /* x2APIC mode */
#define APIC_BASE_EN	 BIT(11)
#define APIC_BASE_MASK	 0x000ffffffffff000ull /* bits 12 to MAXPHYADDR-1 */
#define MSR_X2APIC_FIRST 0x800 /* + register offset / 16 (SDM 11.12.1.2) */

/* LVT entries (SDM 11.5.1) */
#define APIC_LVT_MASKED	    BIT(16)
#define APIC_LVT_DM_SHIFT   8
#define APIC_LVT_LEVEL	    BIT(15) /* LINT0/1 trigger mode: level */
#define APIC_DM_FIXED	    0
#define APIC_DM_LOWPRI	    1
#define APIC_DM_NMI	    4
#define APIC_DM_EXTINT	    7 /* LVT only; the ICR's modes are below */
#define APIC_TIMER_ONESHOT  (0u << 17)
#define APIC_TIMER_PERIODIC (1u << 17)
#define APIC_TIMER_DEADLINE (2u << 17)
#define APIC_DCR_DIV_BY_1   0xb

#define APIC_VERSION_MAXLVT(v) (((v) >> 16) & 0xff) /* LVT entries - 1 */
#define APIC_SVR_ENABLE	       BIT(8)
/* ICR (SDM 11.6.1, figure 11-12) */
#define APIC_ICR_DM_FIXED     (0u << 8)
#define APIC_ICR_DM_NMI	      (4u << 8)
#define APIC_ICR_DM_INIT      (5u << 8)
#define APIC_ICR_DM_STARTUP   (6u << 8) /* vector: the page it starts at */
#define APIC_ICR_PENDING      BIT(12) /* xAPIC delivery status: send pending */
#define APIC_ICR_LEVEL_ASSERT BIT(14)
#define APIC_ICR_ALL_BUT_SELF (3u << 18)
#define APIC_ICR_DEST_SHIFT   24 /* xAPIC: ICR_HI bits 31:24 (SDM 11.6.1) */
#define APIC_ID_SHIFT	      24 /* xAPIC: the ID register's bits 31:24 */
#define APIC_ESR_SEND_ILLEGAL BIT(5)
#define APIC_ESR_RECV_ILLEGAL BIT(6)

/* The ICR's fields for the IPIs it sends (SDM 11.6.1, figure 11-12). The
 * delivery mode (bits 10:8) uses the codes above plus these: */
#define APIC_DM_SMI		 2
#define APIC_DM_INIT		 5
#define APIC_DM_STARTUP		 6
#define APIC_ICR_DM_SHIFT	 8
#define APIC_ICR_DEST_LOGICAL	 BIT(11) /* destination mode: logical */
#define APIC_ICR_TRIGGER_LEVEL	 BIT(15) /* trigger mode: level */
#define APIC_ICR_SHORTHAND_SHIFT 18	 /* destination shorthand, 19:18 */
#define APIC_DEST_NO_SHORTHAND	 0
#define APIC_DEST_SELF		 1
#define APIC_DEST_ALL_INCL_SELF	 2
#define APIC_DEST_ALL_EXCL_SELF	 3
/* xAPIC destination 0xFF: every APIC, physical or logical (11.6.2.1-2) */
#define APIC_DEST_BROADCAST 0xff
/* x2APIC: every APIC (SDM 11.12.9) */
#define X2APIC_DEST_BROADCAST 0xffffffffu
/* x2APIC only: SELF IPI (SDM 11.12.11), write-only, at MSR 0x83F */
#define APIC_SELF_IPI 0x3f0

/* Logical destination (SDM 11.6.2.2, figures 11-13 and 11-14) */
#define APIC_LDR_SHIFT	       24 /* logical APIC ID: LDR bits 31:24 */
#define APIC_DFR_MODEL_SHIFT   28 /* model: DFR bits 31:28 */
#define APIC_DFR_MODEL_FLAT    0xf
#define APIC_DFR_MODEL_CLUSTER 0x0

#endif
