/* SPDX-License-Identifier: MIT */
/*
 * Guest register state that neither the VMCS nor the VMCB switches: the
 * x87/SSE registers (SDM Vol. 1 10.5, FXSAVE area) and debug registers
 * DR0-DR3 and DR6 (SDM Vol. 3C 28.3: DR7 alone is in the VMCS; APM 15.5:
 * DR6 and DR7 alone are in the VMCB), and IA32_TSC_AUX, which RDTSCP
 * reads in the guest. braid itself uses neither (it is
 * built with -mgeneral-regs-only), so a vCPU's values stay in the CPU
 * across its exits; they are swapped only when another vCPU runs on that
 * CPU (percpu.state_owner), and a new vCPU starts from the reset values,
 * never from what the previous guest left behind. XCR0, which nothing
 * switches either, is swapped with them, and the registers are saved with
 * XSAVE (x87, SSE and AVX) where the CPU has it, FXSAVE otherwise.
 */
#ifndef ARCH_CPU_STATE_H
#define ARCH_CPU_STATE_H

#include "arch/x86_64/vcpu.h"

/* This CPU: enable FXSAVE/FXRSTOR and SSE (CR4.OSFXSR, CR0.MP, no EM or
 * TS), so that braid can save and load the SSE registers. */
void cpu_state_cpu_init(void);
/* @v's state from scratch: x87 as after FNINIT (FCW 0x37F, every
 * register empty), MXCSR and XMM0-15 as after RESET (0x1F80, 0), DR0-3 0
 * and DR6 0xFFFF0FF0 (SDM Vol. 3A table 10-1). */
void cpu_state_reset(struct vcpu *v);
/* @v is about to run on this CPU: put its state in the CPU, saving the
 * previous owner's. */
void cpu_state_load(struct vcpu *v);
/* The XCR0 components braid can switch between vCPUs, so may offer
 * guests: x87, SSE and AVX where the CPU has them; 0 without XSAVE. */
u64 cpu_state_xcr0_mask(void);
/* IA32_TSC_AUX is there with RDTSCP (CPUID 80000001h:EDX[27]). */
bool cpu_state_has_tsc_aux(void);
/* The running vCPU's new XCR0 (XSETBV, hv/xcr0.c): into the CPU. */
void cpu_state_set_xcr0(struct vcpu *v, u64 xcr0);
/* @v's XCR0: the CPU's while @v owns it (an XSETBV that did not exit is
 * in there too: QEMU's TCG does not intercept it under SVM). */
u64 cpu_state_xcr0(const struct vcpu *v);
/* DR@n (0-3) as the CPU holds it: the running vCPU's, during its exits. */
u64 cpu_state_dr(unsigned n);
/* @v goes away: this CPU no longer holds state worth saving. */
void cpu_state_drop(struct vcpu *v);
/* @v leaves this CPU, maybe for another: its state back into memory. */
void cpu_state_put(struct vcpu *v);

#endif
