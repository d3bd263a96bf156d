/* SPDX-License-Identifier: MIT */
/* AMD's SYSCFG, HWCR and NB_CFG as a guest sees them (hv/amd_cfg.c); for
 * AMD-layout CPUs only, which the caller checks. */
#ifndef HV_AMD_CFG_H
#define HV_AMD_CFG_H

#include "arch/x86_64/vcpu.h"

/* Their values at power-on, as braid's firmware leaves them. */
void amd_cfg_reset(struct vcpu *v);
/* RDMSR: false if @msr is none of them. */
bool amd_cfg_read(const struct vcpu *v, u32 msr, u64 *val);
/* WRMSR: -1 if @msr is none of them, else whether the value is taken (0:
 * a change braid does not model, #GP). */
int amd_cfg_write(struct vcpu *v, u32 msr, u64 val);

#endif
