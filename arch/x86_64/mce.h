/* SPDX-License-Identifier: MIT */
/*
 * Machine checks on the host (SDM Vol. 3B chapter 16; APM Vol. 2 chapter
 * 9): reporting enabled at boot, and every #MC logged bank by bank, whether
 * it struck braid itself or a guest (whose #MC exits: arch/x86_64/vmx.c,
 * svm.c).
 */
#ifndef ARCH_MCE_H
#define ARCH_MCE_H

#include "lib/types.h"

/* Enable machine-check reporting on this CPU (CR4.MCE, the banks' CTL
 * MSRs), logging and clearing what firmware's boot left in the banks. */
void mce_cpu_init(void);

/* A #MC was taken (@where: "in braid", or the guest's name). Log every
 * bank that holds an error, clear them and MCG_STATUS.MCIP. True if
 * execution may go on where it was interrupted (MCG_STATUS.RIPV set and no
 * bank says the processor context is corrupt). */
bool mce_handle(const char *where);

/* Machine checks seen on this CPU since boot. */
unsigned long long mce_count(void);

#endif
