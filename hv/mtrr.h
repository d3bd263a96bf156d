/* SPDX-License-Identifier: MIT */
/* A guest's MTRRs: kept, checked, read back (hv/mtrr.c). */
#ifndef HV_MTRR_H
#define HV_MTRR_H

#include "arch/x86_64/vcpu.h"

void mtrr_reset(struct vcpu *v);
/* Is @msr one of the MTRR MSRs (MTRRcap, the ranges, the default type)? */
bool mtrr_msr(u32 msr);
u64 mtrr_read(const struct vcpu *v, u32 msr);
/* False for a value the CPU would refuse with #GP (or MTRRcap). */
bool mtrr_write(struct vcpu *v, u32 msr, u64 val);

#endif
