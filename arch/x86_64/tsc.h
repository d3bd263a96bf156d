/* SPDX-License-Identifier: MIT */
/* The TSC's frequency: every virtual timer braid offers runs off the TSC. */
#ifndef ARCH_TSC_H
#define ARCH_TSC_H

#include "lib/types.h"

/* Measure the TSC frequency once, at boot. Logs how it was found. */
void tsc_calibrate(void);
/* TSC ticks per second (after tsc_calibrate()). */
u64 tsc_hz(void);
/* How that rate was found, for the boot report. */
const char *tsc_source(void);

#endif
