/* SPDX-License-Identifier: MIT */
/*
 * Work that handlers in awkward places (an NMI, a printf in the middle of
 * an exit) leave for braid's main loop, which looks at one word on the way
 * back into a guest: the exit path pays a load and a branch for it.
 *
 * The word is per CPU: work deferred on a CPU is done by that CPU (its
 * NMI's log line, topping up the UART after its own prints), and the exit
 * loop reads it without a lock or an atomic instruction. It lives at a
 * fixed offset in struct percpu (arch/x86_64/percpu.h asserts it), read
 * through %gs as this_cpu() is: lib/ cannot include the arch layer, and
 * a fixed offset keeps the check a single load from %gs.
 */
#ifndef LIB_DEFERRED_H
#define LIB_DEFERRED_H

#include "lib/types.h"

#define DEFER_NMI_REPORT BIT(0) /* arch/x86_64/nmi.c: NMIs to log */
#define DEFER_CONSOLE	 BIT(1) /* hv/hostcons.c: bytes for the UART */
#define DEFER_HALT	 BIT(2) /* hv/exit.c: the vCPU executed HLT */
#define DEFER_RESCHED	 BIT(3) /* hv/sched.c: its slice is over */

/* offsetof(struct percpu, deferred_work) */
#define DEFERRED_WORK_OFFSET 12

/* Safe from an NMI handler: one OR instruction on this CPU's word cannot
 * be split by an interrupt or an NMI (they are taken between
 * instructions). LOCK makes it atomic for another CPU too, should one ever
 * post work here. */
static inline void defer(u32 what)
{
	asm volatile("lock orl %1, %%gs:%c0" ::"i"(DEFERRED_WORK_OFFSET),
		     "ir"(what)
		     : "memory");
}

/* Anything deferred on this CPU? (A load from %gs, no atomic needed: an
 * NMI that defers right after is seen at the next exit.) */
static inline u32 deferred_pending(void)
{
	return *(volatile u32 __seg_gs *)DEFERRED_WORK_OFFSET;
}

/* Take (and clear) what was deferred on this CPU: XCHG, so that an NMI's
 * OR lands either before (taken now) or after (left for the next). */
static inline u32 take_deferred(void)
{
	u32 w = 0;

	asm volatile("xchgl %0, %%gs:%c1"
		     : "+r"(w)
		     : "i"(DEFERRED_WORK_OFFSET)
		     : "memory");
	return w;
}

#endif
