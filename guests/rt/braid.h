/* SPDX-License-Identifier: MIT */
/* Talking to braid: discovery through CPUID and hypercalls (braid/abi.h). */
#ifndef GUEST_BRAID_H
#define GUEST_BRAID_H

#include "types.h"
#include <braid/abi.h>

/* CPUID.1:ECX[31] set and the "BraidBraidHV" signature at 0x40000000. */
bool braid_present(void);
/* BRAID_VENDOR_VMX or BRAID_VENDOR_SVM from CPUID 0x40000001; 0 if absent. */
u32 braid_vendor(void);

/*
 * Hypercall nr with up to three arguments; returns RAX. Uses VMCALL or
 * VMMCALL as braid_vendor() says. Only valid if braid_present().
 */
long hypercall(u64 nr, u64 a, u64 b, u64 c);
extern unsigned long hypercall_count;

#endif
