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
#ifndef DM_VLAPIC_H
#define DM_VLAPIC_H

#include "arch/x86_64/lapic.h"
#include "lib/types.h"

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
	u64 tsc_deadline; /* IA32_TSC_DEADLINE: armed deadline, or 0 */
	/* The vector of the last EOI that retired a level-triggered
	 * interrupt, for the I/O APIC's Remote IRR (SDM 11.8.5); -1: none
	 * since vlapic_take_level_eoi(). */
	int level_eoi;
	bool nmi_pending; /* an NMI IPI this CPU sent itself, not yet taken */
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

/* IA32_TSC_DEADLINE (SDM 11.5.4.1): in TSC-deadline mode a write arms
 * the timer to expire when the TSC reaches @val (0 disarms); a read
 * returns the armed deadline, 0 once it has expired. In the other modes
 * writes are ignored and reads return 0. The TSC is the caller's "now". */
u64 vlapic_tsc_deadline(struct vlapic *a, u64 now);
void vlapic_set_tsc_deadline(struct vlapic *a, u64 val, u64 now);

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
