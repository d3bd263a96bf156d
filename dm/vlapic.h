/* SPDX-License-Identifier: MIT */
/*
 * A guest's virtual local APIC, one per vCPU (Intel SDM Vol. 3A ch. 11
 * "Advanced Programmable Interrupt Controller (APIC)"), in xAPIC (MMIO)
 * or x2APIC (MSR) mode (dm/vlapic_x2apic.c). A pure device model: it
 * knows nothing of struct guest or of vCPUs and touches no hardware; the
 * caller routes MMIO, IA32_APIC_BASE and x2APIC MSR accesses here, and
 * passes the current TSC as "now". IPIs between vCPUs are the
 * caller's to route, with the helpers at the end (dm/vlapic_ipi.c).
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

/* An IPI as the ICR describes it (SDM 11.6.1, figure 11-12), by the
 * names of its fields. */
struct vlapic_ipi {
	u8 vector;	    /* SIPI: the page the CPU starts at */
	u8 delivery_mode;   /* APIC_DM_* */
	bool dest_logical;  /* destination mode */
	bool level;	    /* 1: assert, 0: de-assert */
	bool trigger_level; /* trigger mode */
	u8 shorthand;	    /* APIC_DEST_* */
	/* xAPIC: ICR high bits 31:24; x2APIC: ICR bits 63:32 (11.12.10) */
	u32 destination;
	bool x2apic; /* sent in x2APIC mode: a 32-bit destination */
};

struct vlapic {
	u64 base_msr;
	u32 id, tpr, ldr, dfr, svr;
	u32 x2apic_id; /* the initial APIC ID, which x2APIC mode shows */
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
	bool nmi_pending; /* an NMI IPI received, not yet taken by the CPU */
	/* The last IPI sent, until the caller takes it (vlapic_take_ipi). */
	bool ipi_sent;
	struct vlapic_ipi ipi;
};

/* A level-triggered interrupt's EOI, for the I/O APIC: its vector, once,
 * or -1. */
int vlapic_take_level_eoi(struct vlapic *a);

/* Power-on state (SDM 11.4.7.1): LVTs masked, SVR=0xFF (software-
 * disabled), globally enabled in IA32_APIC_BASE. @apic_id is the vCPU's
 * index; APIC 0 is the BSP (IA32_APIC_BASE.BSP), the others APs. */
void vlapic_reset(struct vlapic *a, u32 apic_id, u64 timer_hz, u64 now);

/* The state an INIT leaves (SDM 11.4.7.3): power-on state, but the APIC
 * ID and IA32_APIC_BASE are kept. */
void vlapic_init(struct vlapic *a);

/* Enabled globally (IA32_APIC_BASE.EN, SDM 11.4.3)? And by software too
 * (SVR bit 8, SDM 11.4.7.2)? */
bool vlapic_hw_enabled(const struct vlapic *a);
bool vlapic_sw_enabled(const struct vlapic *a);

/* An error (APIC_ESR_*) seen now: pending in the ESR until its next write
 * latches it, and the error LVT's interrupt (SDM 11.5.3). */
void vlapic_error(struct vlapic *a, u32 esr_bit);

/* 32-bit MMIO access at a page offset; only offsets aligned to 16 name a
 * register. Unknown offsets read 0 and ignore writes. While globally
 * disabled the page is not decoded: reads 0, writes ignored. */
u32 vlapic_read(struct vlapic *a, u32 offset, u64 now);
void vlapic_write(struct vlapic *a, u32 offset, u32 val, u64 now);

/* IA32_APIC_BASE (dm/vlapic_x2apic.c). Setting it returns -EINVAL
 * (nothing changed, the caller raises #GP) for a new base, reserved bits
 * or a mode change SDM 11.12.5 forbids (x2APIC straight back to xAPIC,
 * or a disabled APIC straight to x2APIC); the BSP bit is read-only.
 * Clearing EN returns the APIC to its reset state (SDM 11.4.3). */
u64 vlapic_base_msr(const struct vlapic *a);
int vlapic_set_base_msr(struct vlapic *a, u64 val);

/* Is @msr one of the x2APIC register MSRs (0x800-0x8ff)? */
static inline bool vlapic_x2apic_msr(u32 msr)
{
	return msr >= MSR_X2APIC_FIRST && msr <= MSR_X2APIC_FIRST + 0xff;
}

/* In x2APIC mode (IA32_APIC_BASE.EXTD)? */
bool vlapic_x2apic(const struct vlapic *a);
/* The x2APIC logical ID from the x2APIC ID (SDM 11.12.10.2). */
u32 vlapic_x2apic_ldr(const struct vlapic *a);

/* An x2APIC register's MSR (0x800-0x8ff, SDM 11.12.1.2 table 11-6): 0,
 * or -EINVAL for #GP: not in x2APIC mode, no such register, a read of a
 * write-only one or a write of a read-only one, a reserved bit set (bits
 * 63:32 but in the ICR, the ICR's own, TPR and SELF IPI above bit 7), a
 * non-zero EOI or ESR write. */
int vlapic_msr_read(struct vlapic *a, u32 msr, u64 *val, u64 now);
int vlapic_msr_write(struct vlapic *a, u32 msr, u64 val, u64 now);

/* The TPR, as CR8 reads and writes it (SDM Vol. 3A 11.8.6), in either
 * mode. */
u32 vlapic_get_tpr(const struct vlapic *a);
void vlapic_set_tpr(struct vlapic *a, u32 tpr);

/* A register at its xAPIC offset, without the MMIO interface's checks:
 * for dm/vlapic_x2apic.c. */
u32 vlapic_reg_read(struct vlapic *a, u32 offset, u64 now);
void vlapic_reg_write(struct vlapic *a, u32 offset, u32 val, u64 now);

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

/* A fixed interrupt arrives, from a device or an IPI; @level selects level
 * trigger (TMR). False when dropped: software-disabled APIC, or an
 * illegal vector (0-15, which sets "receive illegal vector" in the ESR). */
bool vlapic_set_irr(struct vlapic *a, u8 vector, bool level);

/* TSC of the next timer expiry that would raise an interrupt, or ~0ull.
 * May be <= now if vlapic_update has not yet accounted for it. */
u64 vlapic_next_event(const struct vlapic *a, u64 now);

/* May the 8259's INTR reach the CPU through LINT0 (SDM 11.4.3, 11.5.1)? */
bool vlapic_extint_open(const struct vlapic *a);

/* Timer expiries so far (each period counts, even masked or collapsed). */
u64 vlapic_timer_count(const struct vlapic *a);

/* The PPR (SDM 11.8.3.1), as a read of offset 0xA0 would return it. */
u32 vlapic_ppr(const struct vlapic *a);

/* --- IPIs between vCPUs (dm/vlapic_ipi.c) ---------------------------- *
 *
 * A write of ICR low sends at once (delivery status reads idle after it).
 * The sender's own share (fixed, lowest priority, NMI) is delivered to it
 * inside the write, as a single-vCPU guest needs. The caller routes the
 * rest: vlapic_take_ipi() after the write, vlapic_ipi_targets() over the
 * guest's APICs minus the sender, vlapic_accept_ipi() at each target and
 * acts on what it returns.
 */

/* What a target's CPU must do about an IPI it accepted. */
enum vlapic_event {
	VLAPIC_EVENT_NONE, /* nothing arrived: dropped or no effect */
	VLAPIC_EVENT_IRR,  /* a vector is in IRR: re-evaluate interrupts */
	VLAPIC_EVENT_NMI,  /* nmi_pending is set: inject an NMI */
	VLAPIC_EVENT_SMI,  /* an SMI: braid has no SMM, drop it */
	VLAPIC_EVENT_INIT, /* APIC reset (vlapic_init): the CPU waits for SIPI */
	VLAPIC_EVENT_SIPI, /* if it waits for SIPI: start at vector << 12 */
};

/* The IPI that ICR low @lo and high @hi describe. */
struct vlapic_ipi vlapic_icr_decode(u32 lo, u32 hi);

/* The IPI sent by the last ICR low write, once: true and *@ipi, or false
 * (none since the last call; an illegal vector sends nothing). */
bool vlapic_take_ipi(struct vlapic *a, struct vlapic_ipi *ipi);

/* Does APIC @a take a message for @destination (SDM 11.6.2.1 physical,
 * 11.6.2.2 logical flat or cluster by its DFR)? */
bool vlapic_matches(const struct vlapic *a, u32 destination, bool logical);

/* The vCPUs @ipi reaches, as a mask of indices into @all[0..n-1] (n <= 64),
 * where @all[@self] sent it (self < n). Lowest priority yields at most one:
 * the sender if it is a candidate, so that routing "targets minus the
 * sender" never delivers it twice. */
u64 vlapic_ipi_targets(const struct vlapic_ipi *ipi, unsigned self,
		       const struct vlapic *const *all, unsigned n);

/* Target @a receives @ipi: fixed ones into IRR, NMI into nmi_pending, INIT
 * resets the APIC; the rest is for the caller's CPU model. */
enum vlapic_event vlapic_accept_ipi(struct vlapic *a,
				    const struct vlapic_ipi *ipi);

/* Called by vlapic.c on an ICR low write. */
void vlapic_send_ipi(struct vlapic *a);
/* Send @ipi from @a: the ICR write's work, for the x2APIC ICR and
 * SELF IPI registers too. */
void vlapic_send(struct vlapic *a, const struct vlapic_ipi *ipi);

#endif
