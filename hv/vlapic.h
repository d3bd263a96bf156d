/* SPDX-License-Identifier: MIT */
/*
 * A guest's virtual local APIC in xAPIC (MMIO) mode, for a single CPU
 * (Intel SDM Vol. 3A ch. 11 "Advanced Programmable Interrupt Controller
 * (APIC)"). A pure device model: it knows nothing of struct guest and
 * touches no hardware; the caller routes MMIO and IA32_APIC_BASE accesses
 * here, and passes the current TSC as "now".
 *
 * The timer's input clock is the TSC itself: one input tick per TSC tick,
 * divided by the DCR. timer_hz (the TSC frequency) is only remembered.
 */
#ifndef HV_VLAPIC_H
#define HV_VLAPIC_H

#include "lib/types.h"

#define VLAPIC_BASE 0xfee00000ull /* default xAPIC MMIO base (SDM 11.4.1) */
#define VLAPIC_SIZE 0x1000ull

/* Register offsets in the MMIO page (SDM Table 11-1). */
#define VLAPIC_ID	 0x020
#define VLAPIC_VERSION	 0x030
#define VLAPIC_TPR	 0x080
#define VLAPIC_APR	 0x090
#define VLAPIC_PPR	 0x0a0
#define VLAPIC_EOI	 0x0b0
#define VLAPIC_RRD	 0x0c0
#define VLAPIC_LDR	 0x0d0
#define VLAPIC_DFR	 0x0e0
#define VLAPIC_SVR	 0x0f0
#define VLAPIC_ISR	 0x100 /* 8 registers, 16 bytes apart */
#define VLAPIC_TMR	 0x180
#define VLAPIC_IRR	 0x200
#define VLAPIC_ESR	 0x280
#define VLAPIC_LVT_CMCI	 0x2f0
#define VLAPIC_ICR_LO	 0x300
#define VLAPIC_ICR_HI	 0x310
#define VLAPIC_LVT_TIMER 0x320
#define VLAPIC_LVT_THERM 0x330
#define VLAPIC_LVT_PERF	 0x340
#define VLAPIC_LVT_LINT0 0x350
#define VLAPIC_LVT_LINT1 0x360
#define VLAPIC_LVT_ERROR 0x370
#define VLAPIC_TMICT	 0x380 /* timer initial count */
#define VLAPIC_TMCCT	 0x390 /* timer current count */
#define VLAPIC_DCR	 0x3e0

/* IA32_APIC_BASE (SDM Figure 11-5). */
#define VLAPIC_MSR_BSP	BIT(8)
#define VLAPIC_MSR_EXTD BIT(10) /* x2APIC mode: not offered */
#define VLAPIC_MSR_EN	BIT(11)

/* Fields of the LVT entries, SVR and ICR (SDM Figures 11-8, 11-12, 11-23). */
#define VLAPIC_LVT_MASKED	BIT(16)
#define VLAPIC_LVT_DM_SHIFT	8
#define VLAPIC_DM_FIXED		0
#define VLAPIC_DM_LOWPRI	1
#define VLAPIC_DM_NMI		4
#define VLAPIC_DM_EXTINT	7
#define VLAPIC_TIMER_ONESHOT	(0u << 17)
#define VLAPIC_TIMER_PERIODIC	(1u << 17)
#define VLAPIC_TIMER_DEADLINE	(2u << 17)
#define VLAPIC_SVR_ENABLE	BIT(8)
#define VLAPIC_ESR_SEND_ILLEGAL BIT(5)
#define VLAPIC_ESR_RECV_ILLEGAL BIT(6)

enum vlapic_lvt {
	VLAPIC_LVT_IDX_CMCI,
	VLAPIC_LVT_IDX_TIMER,
	VLAPIC_LVT_IDX_THERM,
	VLAPIC_LVT_IDX_PERF,
	VLAPIC_LVT_IDX_LINT0,
	VLAPIC_LVT_IDX_LINT1,
	VLAPIC_LVT_IDX_ERROR,
	VLAPIC_NR_LVT
};

struct vlapic {
	u64 base_msr;
	u32 id, tpr, ldr, dfr, svr;
	u32 isr[8], tmr[8], irr[8]; /* 256 bits each, as the guest sees them */
	u32 esr;		    /* latched by the last ESR write */
	u32 esr_pending;	    /* errors seen since then */
	u32 lvt[VLAPIC_NR_LVT];
	u32 icr_lo, icr_hi;
	u32 tmict, dcr;
	/* Timer: counting down from tmict since "start", expiring at
	 * "deadline" (== start + period) while running. */
	bool timer_running;
	u64 timer_start, timer_deadline;
	u64 timer_expiries; /* every expiry so far, masked or collapsed too */
	u64 timer_hz;
	/* The vector of the last EOI that retired a level-triggered
	 * interrupt, for the I/O APIC's Remote IRR (SDM 11.8.5); -1: none
	 * since vlapic_take_level_eoi(). */
	int level_eoi;
};

/* A level-triggered interrupt's EOI, for the I/O APIC: its vector, once,
 * or -1. */
int vlapic_take_level_eoi(struct vlapic *a);

/* Power-on/INIT state (SDM 11.4.7.1): LVTs masked, SVR=0xFF
 * (software-disabled), globally enabled in IA32_APIC_BASE as the BSP. */
void vlapic_reset(struct vlapic *a, u32 apic_id, u64 timer_hz, u64 now);

/* 32-bit MMIO access at a page offset; only offsets aligned to 16 name a
 * register. Unknown offsets read 0 and ignore writes. While globally
 * disabled the page is not decoded: reads 0, writes ignored. */
u32 vlapic_read(struct vlapic *a, u32 offset, u64 now);
void vlapic_write(struct vlapic *a, u32 offset, u32 val, u64 now);

/* IA32_APIC_BASE. Setting it returns -EINVAL (nothing changed) for a new
 * base, x2APIC enable or reserved bits; the BSP bit is read-only. Clearing
 * EN returns the APIC to its reset state (SDM 11.4.3). */
u64 vlapic_base_msr(const struct vlapic *a);
int vlapic_set_base_msr(struct vlapic *a, u64 val);

/* Account for time up to now: timer expiries set the timer vector in IRR. */
void vlapic_update(struct vlapic *a, u64 now);

/* The vector the CPU would take now (SDM 11.8.3.1), or -1. */
int vlapic_pending(const struct vlapic *a);

/* The CPU took @vector (from vlapic_pending): IRR -> ISR. */
void vlapic_accept(struct vlapic *a, u8 vector);

/* A fixed interrupt arrives; @level selects level trigger (TMR). */
void vlapic_set_irr(struct vlapic *a, u8 vector, bool level);

/* TSC of the next timer expiry that would raise an interrupt, or ~0ull.
 * May be <= now if vlapic_update has not yet accounted for it. */
u64 vlapic_next_event(const struct vlapic *a, u64 now);

/* May the 8259's INTR reach the CPU through LINT0 (SDM 11.4.3, 11.5.1)? */
bool vlapic_extint_open(const struct vlapic *a);

/* Timer expiries so far (each period counts, even masked or collapsed). */
u64 vlapic_timer_count(const struct vlapic *a);

/* The PPR (SDM 11.8.3.1), as a read of offset 0xA0 would return it. */
u32 vlapic_ppr(const struct vlapic *a);

#endif
