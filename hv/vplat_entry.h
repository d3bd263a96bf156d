/* SPDX-License-Identifier: MIT */
/*
 * The platform's check before each entry (hv/vplat.c), inline in the run
 * loop (hv/run.c): on most exits it finds nothing to do, and a call to
 * find that out is a tenth of a CPUID exit's cost.
 */
#ifndef HV_VPLAT_ENTRY_H
#define HV_VPLAT_ENTRY_H

#include "arch/x86_64/cpu.h"
#include "hv/guest.h"

/* Bring the devices up to @now, inject what is due and arm braid's timer
 * for the next deadline. */
void vplat_full_pass(struct vcpu *v, u64 now);

/*
 * Exits whose handlers touch no device, no interrupt line and no timer:
 * after one of them the platform is as the last full pass left it.
 * Anything else (port I/O, MMIO, MSRs, CR8, HLT, braid's own timer firing,
 * an interrupt window, a hypercall) takes the full pass.
 */
static inline bool vplat_leaves_devices_alone(enum exit_path p)
{
	switch (p) {
	case PATH_CPUID:
	case PATH_PF_FILL:
	case PATH_PF_REFLECT:
	case PATH_PT_WRITE:
	case PATH_CR3:
	case PATH_INVLPG: return true;
	default: return false;
	}
}

/* Just before entering the guest: devices, interrupts, host timer. */
static inline void vplat_before_entry(struct vcpu *v)
{
	struct gcpu *gc = gcpu(v);
	u64 now = rdtsc();

	/* The fast path (most exits under shadow and compound paging): no
	 * device was touched, none is due before the deadline braid's timer
	 * is already set for, and nothing waits to be injected. If that
	 * timer fires early, its exit takes the full pass and sets it again. */
	if (gc->settled && now < gc->next_due &&
	    vplat_leaves_devices_alone(gc->path))
		return;
	vplat_full_pass(v, now);
}

#endif
