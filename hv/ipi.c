// SPDX-License-Identifier: MIT
/*
 * IPIs between a guest's vCPUs, and the start-up of its APs (hv/ipi.h).
 *
 * The sender's local APIC decodes its ICR (dm/vlapic_ipi.c) and takes its
 * own share; braid hands the rest to each target's APIC under the guest's
 * platform lock, and then makes sure the target looks: its next entry
 * takes the full pass (hv/vplat.c), and a target that runs on another CPU
 * is kicked out of the guest, one that sleeps in HLT is woken
 * (sched_wake()). braid runs with host interrupts off, so a kick that
 * arrives before the target's next VM entry is not lost: it ends that
 * entry at once.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/vendor.h"
#include "lib/string.h"
#include "hv/exit.h"
#include "hv/ipi.h"
#include "hv/mmu.h"
#include "hv/sched.h"

void ipi_notify(struct gcpu *gc)
{
	gc->settled = false;
	sched_wake(&gc->vcpu);
}

/* INIT resets the target's APIC (vlapic_accept_ipi() did) and sends the
 * CPU to wait-for-SIPI; the bootstrap CPU's INIT would reset the whole
 * machine on some boards, and is ignored here as by most. */
static void deliver_init(struct gcpu *t)
{
	if (t->index == 0)
		return;
	t->sipi_pending = false; /* one that came before the INIT is gone */
	if (t->wait_sipi)
		return; /* it waits already, and runs nothing */
	t->init_pending = true;
	ipi_notify(t);
}

/* A SIPI only starts a CPU that waits for one; any other ignores it, as
 * the second SIPI of INIT-SIPI-SIPI is ignored by a CPU the first
 * started (SDM Vol. 3A 9.4.4.1). */
static void deliver_sipi(struct gcpu *t, u8 vector)
{
	if ((!t->wait_sipi && !t->init_pending) || t->sipi_pending)
		return;
	t->sipi_vector = vector;
	t->sipi_pending = true;
	ipi_notify(t);
}

/* True if it arrived (an SMI, or one the APIC drops, does not). */
static bool deliver(struct gcpu *t, const struct vlapic_ipi *ipi)
{
	/* The bootstrap CPU ignores INIT (deliver_init()), and so its APIC
	 * is not reset either. */
	if (t->index == 0 && ipi->delivery_mode == APIC_DM_INIT)
		return false;
	switch (vlapic_accept_ipi(&t->lapic, ipi)) {
	case VLAPIC_EVENT_IRR:
	case VLAPIC_EVENT_NMI: ipi_notify(t); return true;
	case VLAPIC_EVENT_INIT: deliver_init(t); return true;
	case VLAPIC_EVENT_SIPI: deliver_sipi(t, ipi->vector); return true;
	default: return false; /* braid has no SMM */
	}
}

void ipi_route(struct vcpu *src)
{
	struct guest *g = src->guest;
	unsigned self = gcpu(src)->index;
	const struct vlapic *all[GUEST_VCPUS_MAX];
	struct vlapic_ipi ipi;
	u64 targets;

	if (!vlapic_take_ipi(&gcpu(src)->lapic, &ipi))
		return;
	g->stats.ipis_sent++; /* the platform lock guards these two */
	for (unsigned i = 0; i < g->nr_cpus; i++)
		all[i] = &g->cpus[i].lapic;
	/* The sender's own share went in with the ICR write. */
	targets = vlapic_ipi_targets(&ipi, self, all, g->nr_cpus) & ~BIT(self);
	for (unsigned i = 0; i < g->nr_cpus; i++) {
		if ((targets & BIT(i)) && deliver(&g->cpus[i], &ipi))
			g->stats.ipis_delivered++;
	}
}

void ipi_apic_written(struct vcpu *v)
{
	int vec = vlapic_take_level_eoi(&gcpu(v)->lapic);

	if (vec >= 0)
		vioapic_eoi(&v->guest->plat.ioapic, (u8)vec);
	ipi_route(v);
}

void ipi_take_init(struct vcpu *v)
{
	struct gcpu *gc = gcpu(v);

	gc->init_pending = false;
	gc->wait_sipi = true; /* a SIPI may have come already: kept */
	v->halted = true;
}

bool ipi_take_sipi(struct vcpu *v)
{
	struct gcpu *gc = gcpu(v);

	if (!gc->sipi_pending)
		return false;
	gc->sipi_pending = false;
	gc->wait_sipi = false;
	gc->requeued = 0;
	v->delivering = false;
	v->state_undefined = false;
	memset(v->regs.gpr, 0, sizeof(v->regs.gpr));
	vendor->vcpu_reset_sipi(v, gc->sipi_vector);
	msr_reset(v);
	mmu_reset(v, CR0_CD | CR0_NW | CR0_ET);
	v->halted = false;
	return true;
}
