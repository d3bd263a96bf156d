// SPDX-License-Identifier: MIT
/*
 * The local APIC's modes and its x2APIC interface (Intel SDM Vol. 3A
 * 11.12). IA32_APIC_BASE.EN and .EXTD select disabled, xAPIC or x2APIC
 * mode; in x2APIC mode the registers are MSRs 0x800 + offset / 16, the
 * MMIO page is not decoded, the ID is the 32-bit x2APIC ID, the logical
 * ID is derived from it, and the ICR is one 64-bit register with a 32-bit
 * destination. An MSR access is one exit with the value in registers,
 * where an MMIO access is a page fault and an instruction to decode: a
 * guest that uses x2APIC mode costs braid less per timer program and IPI.
 */
#include "dm/vlapic.h"

bool vlapic_x2apic(const struct vlapic *a)
{
	return (a->base_msr & (APIC_BASE_EN | APIC_BASE_EXTD)) ==
	       (APIC_BASE_EN | APIC_BASE_EXTD);
}

/* SDM 11.12.10.2: cluster ID = x2APIC ID[19:4] in bits 31:16, one bit
 * for x2APIC ID[3:0] in bits 15:0. */
u32 vlapic_x2apic_ldr(const struct vlapic *a)
{
	return (a->x2apic_id >> 4) << 16 | BIT(a->x2apic_id & 0xf);
}

u64 vlapic_base_msr(const struct vlapic *a)
{
	return a->base_msr;
}

/*
 * SDM 11.12.5, figure 11-26: disabled (EN=0, EXTD=0), xAPIC (1, 0) and
 * x2APIC (1, 1) are the states; EXTD without EN is invalid, and so are
 * x2APIC -> xAPIC and disabled -> x2APIC (software must go through xAPIC
 * mode one way and through disabled the other).
 */
static bool transition_ok(const struct vlapic *a, bool en, bool extd)
{
	if (extd && !en)
		return false;
	if (vlapic_x2apic(a) && en && !extd)
		return false;
	return !(extd && !vlapic_hw_enabled(a));
}

int vlapic_set_base_msr(struct vlapic *a, u64 val)
{
	bool en = val & APIC_BASE_EN, extd = val & APIC_BASE_EXTD;

	/* The base stays put (the caller maps one page), and BSP is a
	 * read-only status bit. */
	if ((val & ~(APIC_BASE_BSP | APIC_BASE_EN | APIC_BASE_EXTD)) !=
	    APIC_DEFAULT_BASE)
		return -EINVAL;
	if (!transition_ok(a, en, extd))
		return -EINVAL;
	if (!en) {
		/* SDM 11.4.3: clearing EN may return the APIC to its
		 * power-up state; doing so makes re-enabling well defined
		 * (in xAPIC mode: the LDR back to 0, hence EXTD first). */
		a->base_msr &= ~APIC_BASE_EXTD;
		if (vlapic_hw_enabled(a))
			vlapic_init(a);
		a->base_msr &= ~APIC_BASE_EN;
		return 0;
	}
	if (extd && !vlapic_x2apic(a)) {
		/* xAPIC -> x2APIC keeps the rest of the state; the logical
		 * ID becomes the derived one (SDM 11.12.5.1). */
		a->ldr = vlapic_x2apic_ldr(a);
	}
	a->base_msr |= APIC_BASE_EN | (extd ? APIC_BASE_EXTD : 0);
	return 0;
}

/* --- The registers as MSRs (SDM table 11-6) ---------------------------- */

enum x2apic_access { X_NONE = 0, X_RO = 1, X_WO = 2, X_RW = 3 };

/* What the x2APIC MSR at xAPIC @offset allows. APR, RRD, DFR and ICR
 * high have no MSR; SELF IPI has no MMIO register; LVT CMCI is beyond
 * the version register's last LVT entry (no CMCI is offered). */
static enum x2apic_access access_of(u32 offset)
{
	if (offset >= APIC_ISR && offset < APIC_ESR)
		return X_RO; /* ISR, TMR, IRR */
	if (offset >= APIC_LVT_TIMER && offset <= APIC_LVT_ERROR)
		return X_RW;
	switch (offset) {
	case APIC_ID:
	case APIC_VERSION:
	case APIC_PPR:
	case APIC_LDR:
	case APIC_TMCCT: return X_RO;
	case APIC_EOI:
	case APIC_SELF_IPI: return X_WO;
	case APIC_TPR:
	case APIC_SVR:
	case APIC_ESR:
	case APIC_ICR_LO:
	case APIC_TMICT:
	case APIC_DCR: return X_RW;
	default: return X_NONE;
	}
}

/* The xAPIC offset of x2APIC MSR @msr, or -1 outside x2APIC mode or the
 * MSR range. */
static int offset_of(const struct vlapic *a, u32 msr)
{
	if (!vlapic_x2apic(a) || !vlapic_x2apic_msr(msr))
		return -1;
	return (int)(msr - MSR_X2APIC_FIRST) << 4;
}

int vlapic_msr_read(struct vlapic *a, u32 msr, u64 *val, u64 now)
{
	int off = offset_of(a, msr);

	if (off < 0 || !(access_of(off) & X_RO))
		return -EINVAL;
	vlapic_update(a, now);
	switch (off) {
	case APIC_ID: *val = a->x2apic_id; break;
	case APIC_ICR_LO: *val = (u64)a->icr_hi << 32 | a->icr_lo; break;
	default: *val = vlapic_reg_read(a, off, now); break;
	}
	return 0;
}

/* SDM 11.12.9: one 64-bit write sends; delivery status is gone. */
static void write_icr(struct vlapic *a, u64 val)
{
	struct vlapic_ipi ipi;

	a->icr_lo = (u32)val & ~APIC_ICR_PENDING;
	a->icr_hi = val >> 32;
	ipi = vlapic_icr_decode(a->icr_lo, 0);
	ipi.destination = a->icr_hi;
	ipi.x2apic = true;
	vlapic_send(a, &ipi);
}

/* SDM 11.12.11: a fixed, edge-triggered IPI to itself, vector in 7:0. */
static void write_self_ipi(struct vlapic *a, u64 val)
{
	struct vlapic_ipi ipi = {
		.vector = val & 0xff,
		.delivery_mode = APIC_DM_FIXED,
		.shorthand = APIC_DEST_SELF,
		.x2apic = true,
	};

	vlapic_send(a, &ipi);
}

/* Bits a WRMSR may set (SDM 11.12.1.3: any other is #GP): bits 63:32
 * are reserved but in the ICR, whose reserved bits are 13, 17:16 and
 * 31:20 (figure 11-28); TPR and SELF IPI hold 8 bits; EOI and ESR take
 * only 0 (table 11-6 notes). The other registers keep their xAPIC
 * writable masks. */
static u64 writable(u32 offset)
{
	switch (offset) {
	case APIC_ICR_LO: return ~(u64)(0xfff00000u | 0x30000u | BIT(13));
	case APIC_TPR:
	case APIC_SELF_IPI: return 0xff;
	case APIC_EOI:
	case APIC_ESR: return 0;
	default: return 0xffffffffu;
	}
}

int vlapic_msr_write(struct vlapic *a, u32 msr, u64 val, u64 now)
{
	int off = offset_of(a, msr);

	if (off < 0 || !(access_of(off) & X_WO))
		return -EINVAL;
	if (val & ~writable(off))
		return -EINVAL;
	vlapic_update(a, now);
	switch (off) {
	case APIC_ICR_LO: write_icr(a, val); break;
	case APIC_SELF_IPI: write_self_ipi(a, val); break;
	default: vlapic_reg_write(a, off, (u32)val, now); break;
	}
	return 0;
}
