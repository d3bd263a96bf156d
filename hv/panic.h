/* SPDX-License-Identifier: MIT */
#ifndef HV_PANIC_H
#define HV_PANIC_H

#include "lib/panic.h"

/* From now on a panic names its CPU, dumps the vCPU that CPU runs and
 * ends the run (hv/platform.c). */
void hv_panic_init(void);

#endif
