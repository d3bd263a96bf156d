// SPDX-License-Identifier: MIT
/*
 * RDMSR/WRMSR from a guest. Every MSR access exits; the ones a guest may
 * use are listed here, each with what it does. Anything else raises #GP in
 * the guest, as an MSR the CPU does not implement would (SDM Vol. 2B,
 * RDMSR: "#GP(0) if ECX specifies a reserved or unimplemented MSR").
 */
#define LOG_TAG "msr"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/msr.h"
#include "hv/exit.h"
#include "hv/log.h"
#include "hv/mmu.h"

#define APIC_BASE_DEFAULT 0xfee00900ull /* BSP, xAPIC enabled */

static bool msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_IA32_EFER: *val = mmu_get_efer(v->guest); return true;
	case MSR_IA32_PAT: *val = vendor->get(v, VREG_PAT); return true;
	case MSR_IA32_TIME_STAMP_COUNTER: *val = rdtsc(); return true;
	case MSR_IA32_APIC_BASE: *val = APIC_BASE_DEFAULT; return true;
	/* No MTRRs, no microcode, no features to report. */
	case MSR_IA32_MTRRCAP:
	case MSR_IA32_MTRR_DEF_TYPE:
	case MSR_IA32_BIOS_SIGN_ID:
	case MSR_IA32_MISC_ENABLE: *val = 0; return true;
	default: return false;
	}
}

static bool msr_write(struct vcpu *v, u32 msr, u64 val)
{
	switch (msr) {
	case MSR_IA32_EFER: return mmu_set_efer(v->guest, val);
	case MSR_IA32_PAT: vendor->set(v, VREG_PAT, val); return true;
	case MSR_IA32_BIOS_SIGN_ID: /* microcode probes write 0 here */
		return true;
	default: return false;
	}
}

void handle_msr(struct guest *g, const struct vmexit *e)
{
	struct vcpu *v = &g->vcpu;
	u64 *gpr = v->regs.gpr;
	u32 msr = (u32)gpr[RCX];
	u64 val;

	if (e->kind == VMEXIT_RDMSR) {
		if (msr_read(v, msr, &val)) {
			gpr[RAX] = (u32)val;
			gpr[RDX] = val >> 32;
			vcpu_skip_insn(v, e->insn_len);
			return;
		}
	} else if (msr_write(v, msr, (gpr[RDX] << 32) | (u32)gpr[RAX])) {
		vcpu_skip_insn(v, e->insn_len);
		return;
	}
	guest_info(g, "%s of MSR 0x%x is not allowed: #GP injected",
		   e->kind == VMEXIT_RDMSR ? "RDMSR" : "WRMSR", msr);
	vendor->inject_exception(v, VEC_GP, true, 0);
}
