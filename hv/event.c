// SPDX-License-Identifier: MIT
/*
 * Raising an exception in the guest as the CPU would.
 *
 * braid raises exceptions while handling an exit: a #PF its own walk
 * found, a #GP for a bad MSR or control-register value, a #UD. If that
 * exit cut short the delivery of another event (the CPU was reading the
 * guest's IDT or pushing on its stack when braid's tables or intercepts
 * stopped it), the new exception arose during that delivery, and the two
 * combine by the rules of SDM Vol. 3A 6.15, table 6-5 (APM Vol. 2 8.5):
 *
 *   first \ second   benign    contributory   page fault
 *   benign           serial    serial         serial
 *   contributory     serial    #DF            serial
 *   page fault       serial    #DF            #DF
 *   double fault     serial    shutdown       shutdown
 *
 * "Serial": the second is delivered; an external interrupt whose delivery
 * it cut short is delivered after it (hv/vplat.c), so it is not lost with
 * its in-service bit set. Shutdown is a triple fault: the guest stops, as
 * it does when the CPU reports one itself.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/vendor.h"
#include "hv/event.h"
#include "hv/vplat.h"

enum exc_class { BENIGN, CONTRIBUTORY, PAGE_FAULT, DOUBLE_FAULT };

/* SDM Vol. 3A table 6-4. */
static enum exc_class class_of(u8 vector)
{
	switch (vector) {
	case VEC_DE:
	case VEC_TS:
	case VEC_NP:
	case VEC_SS:
	case VEC_GP: return CONTRIBUTORY;
	case VEC_PF: return PAGE_FAULT;
	case VEC_DF: return DOUBLE_FAULT;
	default: return BENIGN;
	}
}

/* What @vector becomes, raised during the delivery the last exit cut
 * short: itself, VEC_DF, or -1 for shutdown. */
static int combine(struct vcpu *v, u8 vector)
{
	enum exc_class first, second = class_of(vector);

	if (!v->delivering)
		return vector;
	if (v->delivering_kind == EVENT_INTR) {
		vplat_requeue(v, v->delivering_vector);
		return vector;
	}
	if (v->delivering_kind != EVENT_EXCEPTION)
		return vector; /* NMI, or an instruction's: runs again */
	first = class_of(v->delivering_vector);
	if (first == DOUBLE_FAULT && second != BENIGN)
		return -1;
	if ((first == CONTRIBUTORY && second == CONTRIBUTORY) ||
	    (first == PAGE_FAULT && second != BENIGN))
		return VEC_DF;
	return vector;
}

/* Fault-class exceptions (SDM Vol. 3A table 6-1): the instruction did
 * not complete and runs again after the handler. */
static bool fault_class(u8 vector)
{
	switch (vector) {
	case VEC_DE:
	case 5:
	case VEC_UD:
	case 7:
	case 10:
	case 11:
	case VEC_SS:
	case VEC_GP:
	case VEC_PF:
	case 16:
	case VEC_AC:
	case 19:
	case 20:
	case 21: return true;
	default: return false;
	}
}

/*
 * The CPU sets RF in the RFLAGS image it pushes for a fault, so that an
 * instruction breakpoint on the faulting instruction does not fire again
 * when the handler returns to it (SDM Vol. 3A 18.3.1.1). An event braid
 * injects is pushed with the guest's RFLAGS as they are at entry: set RF
 * there (the delivery clears it in RFLAGS itself, SDM 6.12.1.3).
 */
static void set_rf_for(struct vcpu *v, int vector)
{
	u64 rflags;

	if (vector < 0 || !fault_class((u8)vector))
		return;
	rflags = vendor->get(v, VREG_RFLAGS);
	if (!(rflags & RFLAGS_RF))
		vendor->set(v, VREG_RFLAGS, rflags | RFLAGS_RF);
}

void guest_raise(struct vcpu *v, u8 vector, bool has_error, u32 error)
{
	struct guest *g = v->guest;
	int vec = combine(v, vector);

	v->delivering = false; /* combined once */
	if (vec < 0) {
		guest_stop(g, "triple fault");
		return;
	}
	if (vec == VEC_DF) {
		has_error = true; /* always 0 (SDM 6.15, Interrupt 8) */
		error = 0;
	}
	set_rf_for(v, vec);
	vendor->inject_exception(v, (u8)vec, has_error, error);
}

void guest_raise_pf(struct vcpu *v, u64 cr2, u32 error)
{
	struct guest *g = v->guest;
	int vec = combine(v, VEC_PF);

	v->delivering = false;
	if (vec < 0) {
		guest_stop(g, "triple fault");
		return;
	}
	/* CR2 takes the address even when the fault turns into a #DF: the
	 * page fault was detected (SDM Vol. 3A 6.15, Interrupt 14). */
	set_rf_for(v, vec);
	vendor->inject_pf(v, cr2, error);
	if (vec == VEC_DF)
		vendor->inject_exception(v, VEC_DF, true, 0);
}
