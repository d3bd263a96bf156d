/* SPDX-License-Identifier: MIT */
#ifndef HV_PANIC_H
#define HV_PANIC_H

#include "lib/panic.h"

/* From now on a panic names its CPU, dumps the vCPU that CPU runs and
 * ends the run (hv/platform.c). */
void hv_panic_init(void);

/* Called once by the CPU that reports a panic, before it prints: stop the
 * other CPUs. Weak, a no-op by default (one CPU runs); the AP code
 * overrides it. */
void panic_stop_other_cpus(void);

#endif
