/* SPDX-License-Identifier: MIT */
/*
 * Work that handlers in awkward places (an NMI, a printf in the middle of
 * an exit) leave for braid's main loop, which looks at one word on the way
 * back into a guest: the exit path pays a load and a branch for it.
 */
#ifndef LIB_DEFERRED_H
#define LIB_DEFERRED_H

#include "lib/types.h"

#define DEFER_NMI_REPORT BIT(0) /* arch/x86_64/nmi.c: NMIs to log */
#define DEFER_CONSOLE	 BIT(1) /* hv/hostcons.c: bytes for the UART */
#define DEFER_HALT	 BIT(2) /* hv/exit.c: the vCPU executed HLT */
#define DEFER_RESCHED	 BIT(3) /* hv/sched.c: its slice is over */

extern u32 deferred_work;

/* Safe from an NMI handler: an atomic OR. */
static inline void defer(u32 what)
{
	__atomic_fetch_or(&deferred_work, what, __ATOMIC_RELAXED);
}

/* Take (and clear) what was deferred. */
static inline u32 take_deferred(void)
{
	return __atomic_exchange_n(&deferred_work, 0, __ATOMIC_RELAXED);
}

#endif
