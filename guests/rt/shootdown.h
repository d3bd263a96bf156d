/* SPDX-License-Identifier: MIT */
/*
 * TLB shootdown inside the guest, the way Linux does it (SDM Vol. 3A
 * 4.10.5, "Propagation of Paging-Structure Changes to Multiple
 * Processors"): after changing an entry the initiator sends a fixed IPI
 * to every other CPU that may cache it; each invalidates (INVLPG, or a
 * CR3 reload for everything) and acknowledges; the initiator waits for
 * all acknowledgements before it relies on the change, e.g. before it
 * reuses the frame an old entry named. One initiator at a time.
 */
#ifndef GUEST_SHOOTDOWN_H
#define GUEST_SHOOTDOWN_H

#include "smp.h"
#include "types.h"

#define SHOOTDOWN_VEC 0xf2
#define FLUSH_ALL     (~0UL) /* va meaning "every non-global entry" */

/* Shootdown IPIs each CPU handled. */
extern volatile u32 shootdowns_received[SMP_MAX_CPUS];

void shootdown_init(void);
/* Flush va (or FLUSH_ALL) here and on every other running CPU; false if
 * some CPU did not acknowledge within timeout_ms. */
bool tlb_shootdown(u64 va, u64 timeout_ms);

#endif
