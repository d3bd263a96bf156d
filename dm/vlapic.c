// SPDX-License-Identifier: MIT
/*
 * A virtual xAPIC for one vCPU (Intel SDM Vol. 3A ch. 11); its IPIs are
 * in dm/vlapic_ipi.c. The register file is kept as the guest sees it; the
 * timer is not ticked but computed from the TSC, so that a guest reading
 * the current count between two exits sees it fall smoothly, and the
 * caller need only wake up at vlapic_next_event().
 */
#include "dm/vlapic.h"
#include "lib/string.h"

/* Version 0x14 (integrated xAPIC), max LVT entry 5, no EOI-broadcast
 * suppression (SDM 11.4.8, Figure 11-7). */
#define VLAPIC_VERSION_VALUE 0x00050014u

#define VLAPIC_TIMER_MODE (3u << 17)
#define ICR_LO_WRITABLE	  0x000ccfffu /* delivery status (bit 12) reads 0 */
#define HIGH_BYTE	  0xff000000u

/* Writable bits of each LVT entry (SDM Figure 11-8). Delivery status and
 * remote IRR are read-only and stay 0: delivery is instantaneous here. */
static const u32 lvt_writable[VLAPIC_NR_LVT] = {
	[VLAPIC_LVT_IDX_CMCI] = 0x000107ff,  /* vector, delivery mode, mask */
	[VLAPIC_LVT_IDX_TIMER] = 0x000700ff, /* vector, mask, timer mode */
	[VLAPIC_LVT_IDX_THERM] = 0x000107ff,
	[VLAPIC_LVT_IDX_PERF] = 0x000107ff,
	/* + input pin polarity (13) and trigger mode (15) */
	[VLAPIC_LVT_IDX_LINT0] = 0x0001a7ff,
	[VLAPIC_LVT_IDX_LINT1] = 0x0001a7ff,
	[VLAPIC_LVT_IDX_ERROR] = 0x000100ff, /* vector, mask */
};

/* --- 256-bit vector registers (ISR, TMR, IRR: SDM 11.8.4) ------------- */

static void vec_set(u32 *r, u8 v)
{
	r[v >> 5] |= 1u << (v & 31);
}

static void vec_clear(u32 *r, u8 v)
{
	r[v >> 5] &= ~(1u << (v & 31));
}

static bool vec_test(const u32 *r, u8 v)
{
	return r[v >> 5] & (1u << (v & 31));
}

static int vec_highest(const u32 *r)
{
	for (int i = 7; i >= 0; i--)
		if (r[i])
			return i * 32 + 31 - __builtin_clz(r[i]);
	return -1;
}

/* --- State ----------------------------------------------------------- */

bool vlapic_hw_enabled(const struct vlapic *a)
{
	return a->base_msr & APIC_BASE_EN;
}

/* SDM 11.4.3: software enable needs global enable too. */
bool vlapic_sw_enabled(const struct vlapic *a)
{
	return vlapic_hw_enabled(a) && (a->svr & APIC_SVR_ENABLE);
}

void vlapic_reset(struct vlapic *a, u32 apic_id, u64 timer_hz, u64 now)
{
	(void)now; /* the timer starts stopped */
	memset(a, 0, sizeof(*a));
	/* One BSP per system (SDM 9.4.1): braid's MP table and MADT name
	 * APIC 0 so (dm/mptable.c). */
	a->base_msr = APIC_DEFAULT_BASE | APIC_BASE_EN;
	if (apic_id == 0)
		a->base_msr |= APIC_BASE_BSP;
	a->id = apic_id << APIC_ID_SHIFT;
	a->x2apic_id = apic_id;
	a->timer_hz = timer_hz;
	a->dfr = 0xffffffffu;
	a->svr = 0xff;
	a->level_eoi = -1;
	for (int i = 0; i < VLAPIC_NR_LVT; i++)
		a->lvt[i] = APIC_LVT_MASKED;
}

void vlapic_init(struct vlapic *a)
{
	u64 base = a->base_msr;
	u32 id = a->id;

	vlapic_reset(a, a->x2apic_id, a->timer_hz, 0);
	a->base_msr = base;
	a->id = id;
	if (vlapic_x2apic(a)) /* the mode survives INIT (SDM 11.12.5.1) */
		a->ldr = vlapic_x2apic_ldr(a);
}

/* --- Priorities and delivery (SDM 11.8) ------------------------------ */

u32 vlapic_get_tpr(const struct vlapic *a)
{
	return a->tpr;
}

void vlapic_set_tpr(struct vlapic *a, u32 tpr)
{
	a->tpr = tpr & 0xff;
}

/* SDM 11.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4] << 4. */
u32 vlapic_ppr(const struct vlapic *a)
{
	int isrv = vec_highest(a->isr);
	u32 isrv_class = isrv < 0 ? 0 : (u32)isrv & 0xf0;

	return (a->tpr & 0xf0) >= isrv_class ? a->tpr : isrv_class;
}

int vlapic_pending(const struct vlapic *a)
{
	int v;

	if (!vlapic_sw_enabled(a))
		return -1;
	v = vec_highest(a->irr);
	if (v < 0 || ((u32)v & 0xf0) <= (vlapic_ppr(a) & 0xf0))
		return -1;
	return v;
}

void vlapic_accept(struct vlapic *a, u8 vector)
{
	vec_clear(a->irr, vector);
	vec_set(a->isr, vector);
}

/* SDM 11.8.4: acceptance sets IRR, and TMR for level-triggered only. */
static void accept_fixed(struct vlapic *a, u8 vector, bool level)
{
	vec_set(a->irr, vector);
	if (level)
		vec_set(a->tmr, vector);
	else
		vec_clear(a->tmr, vector);
}

/* SDM 11.5.3: errors accumulate until the next ESR write latches them,
 * and raise the error LVT's interrupt. */
void vlapic_error(struct vlapic *a, u32 bit)
{
	u32 lvt = a->lvt[VLAPIC_LVT_IDX_ERROR];

	a->esr_pending |= bit;
	if (!(lvt & APIC_LVT_MASKED) && (lvt & 0xff) >= 16)
		accept_fixed(a, lvt & 0xff, false);
}

bool vlapic_set_irr(struct vlapic *a, u8 vector, bool level)
{
	/* A software-disabled APIC takes only NMI/INIT/SMI/SIPI
	 * (SDM 11.4.7.2); fixed interrupts are dropped. */
	if (!vlapic_sw_enabled(a))
		return false;
	/* Vectors 0-15 are reserved (SDM 11.5.2, "Receive Illegal Vector"). */
	if (vector < 16) {
		vlapic_error(a, APIC_ESR_RECV_ILLEGAL);
		return false;
	}
	accept_fixed(a, vector, level);
	return true;
}

/* SDM 11.8.5: EOI retires the highest-priority in-service vector. */
static void write_eoi(struct vlapic *a)
{
	int v = vec_highest(a->isr);

	if (v < 0)
		return;
	vec_clear(a->isr, v);
	/* A level-triggered one is broadcast to the I/O APICs, which clear
	 * the Remote IRR of the entry with this vector (SDM 11.8.5). */
	if (vec_test(a->tmr, v))
		a->level_eoi = v;
	vec_clear(a->tmr, v);
}

int vlapic_take_level_eoi(struct vlapic *a)
{
	int v = a->level_eoi;

	a->level_eoi = -1;
	return v;
}

bool vlapic_extint_open(const struct vlapic *a)
{
	u32 lint0 = a->lvt[VLAPIC_LVT_IDX_LINT0];

	/* SDM 11.4.3/11.4.7.2: a disabled APIC passes INTR straight to the
	 * core; otherwise LINT0 must be an unmasked ExtINT entry (11.5.1). */
	if (!vlapic_sw_enabled(a))
		return true;
	return !(lint0 & APIC_LVT_MASKED) &&
	       ((lint0 >> APIC_LVT_DM_SHIFT) & 7) == APIC_DM_EXTINT;
}

/* --- Timer (SDM 11.5.4) --------------------------------------------- */

/* DCR bits 3,1:0 (SDM Figure 11-10): 000 = /2 ... 110 = /128, 111 = /1. */
static unsigned timer_shift(const struct vlapic *a)
{
	u32 code = (a->dcr & 3) | ((a->dcr & 8) >> 1);

	return (code + 1) & 7;
}

static u32 timer_mode(const struct vlapic *a)
{
	return a->lvt[VLAPIC_LVT_IDX_TIMER] & VLAPIC_TIMER_MODE;
}

/* The modes that count down from TMICT; TSC-deadline mode instead
 * expires at IA32_TSC_DEADLINE, and mode 11 is reserved (disarmed). */
static bool timer_mode_counts(const struct vlapic *a)
{
	return timer_mode(a) == APIC_TIMER_ONESHOT ||
	       timer_mode(a) == APIC_TIMER_PERIODIC;
}

/* At most 2^32-1 << 7: no overflow. */
static u64 timer_period(const struct vlapic *a)
{
	return (u64)a->tmict << timer_shift(a);
}

static u32 timer_current(const struct vlapic *a, u64 now)
{
	u64 elapsed = now - a->timer_start;
	u64 ticks;

	if (!a->timer_running || !timer_mode_counts(a))
		return 0;     /* TSC-deadline mode: always 0 (SDM 11.5.4.1) */
	if ((s64)elapsed < 0) /* a caller's clock stepping back */
		elapsed = 0;
	ticks = elapsed >> timer_shift(a);
	if (timer_mode(a) == APIC_TIMER_PERIODIC)
		return a->tmict - ticks % a->tmict;
	return ticks >= a->tmict ? 0 : a->tmict - (u32)ticks;
}

/* Writing the initial count (re)starts the countdown; 0 stops it. */
static void timer_arm(struct vlapic *a, u64 now)
{
	a->timer_running = a->tmict && timer_mode_counts(a);
	a->timer_start = now;
	a->timer_deadline = now + timer_period(a);
}

/* A new divisor applies from now on to what is left of the count. */
static void write_dcr(struct vlapic *a, u32 val, u64 now)
{
	u32 left = timer_current(a, now);

	a->dcr = val & 0xb;
	if (!a->timer_running)
		return;
	a->timer_start = now - ((u64)(a->tmict - left) << timer_shift(a));
	a->timer_deadline = a->timer_start + timer_period(a);
}

void vlapic_update(struct vlapic *a, u64 now)
{
	u64 period, n;

	if (!a->timer_running || now < a->timer_deadline)
		return;
	if (timer_mode(a) == APIC_TIMER_PERIODIC) {
		/* Expiries while nobody looked collapse into one IRR bit. */
		period = timer_period(a);
		n = (now - a->timer_deadline) / period + 1;
		a->timer_expiries += n;
		a->timer_deadline += n * period;
		a->timer_start = a->timer_deadline - period;
	} else {
		a->timer_expiries++;
		a->timer_running = false; /* the count stays at 0 */
		a->tsc_deadline = 0;	  /* and the deadline reads 0 */
	}
	/* A masked expiry is lost (SDM 11.5.1, mask bit). */
	if (!(a->lvt[VLAPIC_LVT_IDX_TIMER] & APIC_LVT_MASKED))
		vlapic_set_irr(a, a->lvt[VLAPIC_LVT_IDX_TIMER] & 0xff, false);
}

u64 vlapic_next_event(const struct vlapic *a, u64 now)
{
	(void)now;
	if (!a->timer_running || !vlapic_sw_enabled(a) ||
	    (a->lvt[VLAPIC_LVT_IDX_TIMER] & APIC_LVT_MASKED))
		return ~0ull;
	return a->timer_deadline;
}

u64 vlapic_tsc_deadline(struct vlapic *a, u64 now)
{
	vlapic_update(a, now);
	return timer_mode(a) == APIC_TIMER_DEADLINE ? a->tsc_deadline : 0;
}

void vlapic_set_tsc_deadline(struct vlapic *a, u64 val, u64 now)
{
	if (!vlapic_hw_enabled(a) || timer_mode(a) != APIC_TIMER_DEADLINE)
		return;
	vlapic_update(a, now);
	a->tsc_deadline = val;
	a->timer_running = val != 0;
	a->timer_start = now;
	a->timer_deadline = val;
}

u64 vlapic_timer_count(const struct vlapic *a)
{
	return a->timer_expiries;
}

/* --- Registers (SDM Table 11-1) -------------------------------------- */

static int lvt_index(u32 offset)
{
	if (offset == APIC_LVT_CMCI)
		return VLAPIC_LVT_IDX_CMCI;
	if (offset >= APIC_LVT_TIMER && offset <= APIC_LVT_ERROR)
		return VLAPIC_LVT_IDX_TIMER + ((offset - APIC_LVT_TIMER) >> 4);
	return -1;
}

/* ISR, TMR or IRR word for offset, or NULL. */
static u32 *vec_reg(struct vlapic *a, u32 offset)
{
	if (offset >= APIC_ISR && offset < APIC_TMR)
		return &a->isr[(offset - APIC_ISR) >> 4];
	if (offset >= APIC_TMR && offset < APIC_IRR)
		return &a->tmr[(offset - APIC_TMR) >> 4];
	if (offset >= APIC_IRR && offset < APIC_ESR)
		return &a->irr[(offset - APIC_IRR) >> 4];
	return NULL;
}

u32 vlapic_reg_read(struct vlapic *a, u32 offset, u64 now)
{
	int lvt = lvt_index(offset);
	u32 *vr = vec_reg(a, offset);

	if (lvt >= 0)
		return a->lvt[lvt];
	if (vr)
		return *vr;
	switch (offset) {
	case APIC_ID: return a->id;
	case APIC_VERSION: return VLAPIC_VERSION_VALUE;
	case APIC_TPR: return a->tpr;
	case APIC_PPR: return vlapic_ppr(a);
	case APIC_LDR: return a->ldr;
	case APIC_DFR: return a->dfr;
	case APIC_SVR: return a->svr;
	case APIC_ESR: return a->esr;
	case APIC_ICR_LO: return a->icr_lo;
	case APIC_ICR_HI: return a->icr_hi;
	case APIC_TMICT: return a->tmict;
	case APIC_TMCCT: return timer_current(a, now);
	case APIC_DCR: return a->dcr;
	default: return 0; /* APR, EOI, RRD, reserved */
	}
}

/* In x2APIC mode the page is not decoded either (SDM 11.12.1.2). */
static bool mmio_decoded(const struct vlapic *a, u32 offset)
{
	return vlapic_hw_enabled(a) && !vlapic_x2apic(a) && !(offset & 0xf) &&
	       offset < APIC_MMIO_SIZE;
}

u32 vlapic_read(struct vlapic *a, u32 offset, u64 now)
{
	if (!mmio_decoded(a, offset))
		return 0;
	vlapic_update(a, now);
	return vlapic_reg_read(a, offset, now);
}

/* SDM 11.4.7.2: while software-disabled, LVT mask bits stay set. */
static void write_lvt(struct vlapic *a, int i, u32 val)
{
	u32 old_mode = timer_mode(a);

	a->lvt[i] = val & lvt_writable[i];
	if (!(a->svr & APIC_SVR_ENABLE))
		a->lvt[i] |= APIC_LVT_MASKED;
	if (i != VLAPIC_LVT_IDX_TIMER || timer_mode(a) == old_mode)
		return;
	/* Entering or leaving TSC-deadline mode disarms the timer and
	 * clears the deadline (SDM 11.5.4.1); a reserved mode disarms it. */
	if (old_mode == APIC_TIMER_DEADLINE ||
	    timer_mode(a) == APIC_TIMER_DEADLINE || !timer_mode_counts(a)) {
		a->timer_running = false;
		a->tsc_deadline = 0;
	}
}

static void write_svr(struct vlapic *a, u32 val)
{
	/* Bits 9 (focus checking) and 12 (EOI-broadcast suppression) are
	 * not offered (SDM Figure 11-23). */
	a->svr = val & 0x1ff;
	if (!(a->svr & APIC_SVR_ENABLE))
		for (int i = 0; i < VLAPIC_NR_LVT; i++)
			a->lvt[i] |= APIC_LVT_MASKED;
}

static void write_tmict(struct vlapic *a, u32 val, u64 now)
{
	/* SDM 11.5.4.1: ignored in TSC-deadline mode. */
	if (!timer_mode_counts(a))
		return;
	a->tmict = val;
	timer_arm(a, now);
}

void vlapic_reg_write(struct vlapic *a, u32 offset, u32 val, u64 now)
{
	int lvt = lvt_index(offset);

	if (lvt >= 0) {
		write_lvt(a, lvt, val);
		return;
	}
	switch (offset) {
	case APIC_ID: a->id = val & HIGH_BYTE; break;
	case APIC_TPR: a->tpr = val & 0xff; break;
	case APIC_EOI: write_eoi(a); break;
	case APIC_LDR: a->ldr = val & HIGH_BYTE; break;
	case APIC_DFR: a->dfr = (val & 0xf0000000u) | 0x0fffffffu; break;
	case APIC_SVR: write_svr(a, val); break;
	case APIC_ESR:
		a->esr = a->esr_pending;
		a->esr_pending = 0;
		break;
	case APIC_ICR_LO:
		a->icr_lo = val & ICR_LO_WRITABLE;
		vlapic_send_ipi(a);
		break;
	case APIC_ICR_HI: a->icr_hi = val & HIGH_BYTE; break;
	case APIC_TMICT: write_tmict(a, val, now); break;
	case APIC_DCR: write_dcr(a, val, now); break;
	default: break; /* read-only or reserved */
	}
}

void vlapic_write(struct vlapic *a, u32 offset, u32 val, u64 now)
{
	if (!mmio_decoded(a, offset))
		return;
	/* Expiries before this write happened under the old settings. */
	vlapic_update(a, now);
	vlapic_reg_write(a, offset, val, now);
}
