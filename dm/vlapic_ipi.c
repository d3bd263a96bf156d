// SPDX-License-Identifier: MIT
/*
 * Inter-processor interrupts of the virtual local APIC (Intel SDM Vol. 3A
 * 11.6, and 11.12.9-10 for x2APIC mode):
 * what a write of the ICR sends, which APICs a message reaches, and what
 * each of them does on receipt. Pure logic over struct vlapic: the vCPUs
 * behind the APICs, and when they run, are the caller's.
 *
 *   ICR low write -> vlapic_send_ipi: decode, check the vector, deliver the
 *                    sender's own share, keep the request for the caller
 *   caller        -> vlapic_take_ipi, vlapic_ipi_targets over its vCPUs,
 *                    vlapic_accept_ipi at each other target
 */
#include "dm/vlapic.h"

struct vlapic_ipi vlapic_icr_decode(u32 lo, u32 hi)
{
	return (struct vlapic_ipi){
		.vector = lo & 0xff,
		.delivery_mode = (lo >> APIC_ICR_DM_SHIFT) & 7,
		.dest_logical = lo & APIC_ICR_DEST_LOGICAL,
		.level = lo & APIC_ICR_LEVEL_ASSERT,
		.trigger_level = lo & APIC_ICR_TRIGGER_LEVEL,
		.shorthand = (lo >> APIC_ICR_SHORTHAND_SHIFT) & 3,
		.destination = hi >> APIC_ICR_DEST_SHIFT,
	};
}

/* Fixed and lowest priority carry an interrupt vector; SIPI's vector is
 * a page number, and the other modes ignore it. */
static bool has_vector(const struct vlapic_ipi *ipi)
{
	return ipi->delivery_mode == APIC_DM_FIXED ||
	       ipi->delivery_mode == APIC_DM_LOWPRI;
}

/* "INIT Level De-assert" (SDM 11.6.1): INIT with level 0 and trigger mode
 * level. Pentium 4 and later do not support it; Linux still sends it after
 * the INIT. Every APIC accepts it and nothing happens (braid keeps no
 * arbitration IDs to synchronize). */
static bool init_deassert(const struct vlapic_ipi *ipi)
{
	return ipi->delivery_mode == APIC_DM_INIT && !ipi->level &&
	       ipi->trigger_level;
}

/* --- Destinations (SDM 11.6.2) -------------------------------------- */

/* SDM 11.6.2.2: the flat model matches any common bit of the 8-bit
 * logical ID; the cluster model the cluster (high nibble) and a common
 * member bit (low nibble). */
static bool logical_match(const struct vlapic *a, u8 dest)
{
	u8 ldr = a->ldr >> APIC_LDR_SHIFT;

	/* An xAPIC message to an APIC in x2APIC mode (the I/O APIC's, or a
	 * guest mixing modes, which the SDM leaves undefined): the 8-bit
	 * destination read as cluster 0's member bits, as KVM reads it. */
	if (vlapic_x2apic(a))
		return (a->ldr >> 16) == 0 && (dest & a->ldr & 0xffff);

	if ((a->dfr >> APIC_DFR_MODEL_SHIFT) == APIC_DFR_MODEL_FLAT)
		return dest & ldr;
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf);
}

/* The ID physical destinations name: the x2APIC ID in x2APIC mode, the
 * ID register's bits 31:24 in xAPIC mode. */
static u32 apic_id(const struct vlapic *a)
{
	return vlapic_x2apic(a) ? a->x2apic_id : a->id >> APIC_ID_SHIFT;
}

bool vlapic_matches(const struct vlapic *a, u32 destination, bool logical)
{
	/* A globally disabled APIC takes no messages (SDM 11.4.3). */
	if (!vlapic_hw_enabled(a))
		return false;
	if (destination == APIC_DEST_BROADCAST)
		return true;
	if (logical)
		return logical_match(a, (u8)destination);
	return destination == apic_id(a);
}

/* SDM 11.12.10: an x2APIC message's destination is 32 bits, all ones is
 * every APIC, and logical destinations are always cluster-model: the
 * cluster in bits 31:16, a member bitmap in 15:0 (the LDR's layout). */
static bool x2apic_matches(const struct vlapic *a, u32 dest, bool logical)
{
	u32 ldr = vlapic_x2apic(a) ? a->ldr : vlapic_x2apic_ldr(a);

	if (!vlapic_hw_enabled(a))
		return false;
	if (dest == X2APIC_DEST_BROADCAST)
		return true;
	if (logical)
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xffff);
	return dest == apic_id(a);
}

/* Does @ipi from @all[self] reach @all[i]? The shorthands (SDM 11.6.1)
 * override the destination field. */
static bool reaches(const struct vlapic_ipi *ipi, unsigned self, unsigned i,
		    const struct vlapic *a)
{
	switch (ipi->shorthand) {
	case APIC_DEST_SELF: return i == self;
	case APIC_DEST_ALL_INCL_SELF: return vlapic_hw_enabled(a);
	case APIC_DEST_ALL_EXCL_SELF: return i != self && vlapic_hw_enabled(a);
	default:
		if (ipi->x2apic)
			return x2apic_matches(a, ipi->destination,
					      ipi->dest_logical);
		return vlapic_matches(a, ipi->destination, ipi->dest_logical);
	}
}

/* Lowest priority: which of the candidates takes it is model-specific
 * (SDM 11.6.2.4; the TPR-based arbitration is not architectural), so any
 * one candidate is a valid choice. The sender itself if it is one: its
 * share is delivered inside the ICR write, before the caller sees the
 * others, so the sender must be able to decide alone. Otherwise the
 * lowest-numbered candidate that is software-enabled (a disabled one
 * would drop it, SDM 11.4.7.2), else the lowest-numbered. */
static u64 lowest_priority(u64 set, unsigned self,
			   const struct vlapic *const *all)
{
	if (set & BIT(self))
		return BIT(self);
	for (u64 s = set; s; s &= s - 1)
		if (vlapic_sw_enabled(all[__builtin_ctzll(s)]))
			return s & -s;
	return set & -set;
}

u64 vlapic_ipi_targets(const struct vlapic_ipi *ipi, unsigned self,
		       const struct vlapic *const *all, unsigned n)
{
	u64 set = 0;

	for (unsigned i = 0; i < n && i < 64; i++)
		if (reaches(ipi, self, i, all[i]))
			set |= BIT(i);
	if (ipi->delivery_mode == APIC_DM_LOWPRI && set)
		set = lowest_priority(set, self, all);
	return set;
}

/* --- Receiving ------------------------------------------------------ */

enum vlapic_event vlapic_accept_ipi(struct vlapic *a,
				    const struct vlapic_ipi *ipi)
{
	switch (ipi->delivery_mode) {
	case APIC_DM_FIXED:
	case APIC_DM_LOWPRI:
		/* An xAPIC issues level-triggered IPIs as edge-triggered
		 * (SDM 11.6.1, valid ICR combinations for the Pentium 4 and
		 * Xeon, note 2): TMR stays clear, EOI goes to no I/O APIC. */
		return vlapic_set_irr(a, ipi->vector, false)
			       ? VLAPIC_EVENT_IRR
			       : VLAPIC_EVENT_NONE;
	case APIC_DM_NMI:
		/* NMI, INIT, SMI and SIPI reach a software-disabled APIC too
		 * (SDM 11.4.7.2). */
		a->nmi_pending = true;
		return VLAPIC_EVENT_NMI;
	case APIC_DM_SMI: return VLAPIC_EVENT_SMI;
	case APIC_DM_INIT:
		if (init_deassert(ipi))
			return VLAPIC_EVENT_NONE;
		vlapic_init(a);
		return VLAPIC_EVENT_INIT;
	case APIC_DM_STARTUP: return VLAPIC_EVENT_SIPI;
	default: return VLAPIC_EVENT_NONE; /* modes 3 and 7: reserved */
	}
}

/* --- Sending (SDM 11.6.1) ------------------------------------------- */

/* The modes the sender can take from itself inside its own ICR write.
 * INIT, SMI and SIPI to itself would stop or restart the CPU that is
 * writing: the valid-combinations table makes them invalid with the self
 * and all-including-self shorthands, and braid drops a physical one too. */
static bool self_deliverable(const struct vlapic_ipi *ipi)
{
	return has_vector(ipi) || ipi->delivery_mode == APIC_DM_NMI;
}

void vlapic_send(struct vlapic *a, const struct vlapic_ipi *ipi)
{
	const struct vlapic *self[1] = { a };

	/* SDM 11.5.3 "Send Illegal Vector": nothing is sent. */
	if (has_vector(ipi) && ipi->vector < 16) {
		vlapic_error(a, APIC_ESR_SEND_ILLEGAL);
		return;
	}
	a->ipi = *ipi;
	a->ipi_sent = true;
	if (self_deliverable(ipi) && vlapic_ipi_targets(ipi, 0, self, 1))
		vlapic_accept_ipi(a, ipi);
}

void vlapic_send_ipi(struct vlapic *a)
{
	struct vlapic_ipi ipi = vlapic_icr_decode(a->icr_lo, a->icr_hi);

	vlapic_send(a, &ipi);
}

bool vlapic_take_ipi(struct vlapic *a, struct vlapic_ipi *ipi)
{
	if (!a->ipi_sent)
		return false;
	*ipi = a->ipi;
	a->ipi_sent = false;
	return true;
}
