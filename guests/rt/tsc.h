/* SPDX-License-Identifier: MIT */
/* The TSC's rate, and waits measured with it. */
#ifndef GUEST_TSC_H
#define GUEST_TSC_H

#include "types.h"

/* TSC Hz from CPUID leaf 15H, 0 when the leaf is missing or incomplete. */
u64 tsc_hz_from_cpuid(void);
/* TSC Hz measured against ~10 ms of PIT channel 2, 0 if it never ran out. */
u64 tsc_hz_from_pit(void);
/* TSC ticks per millisecond: CPUID 15H, else the PIT; measured once. */
u64 tsc_per_ms(void);
/* Spin (PAUSE, interrupts as they are) for ms milliseconds. */
void tsc_delay_ms(u64 ms);

#endif
