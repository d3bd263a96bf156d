// SPDX-License-Identifier: MIT
/*
 * XSETBV from a guest (SDM Vol. 2D, XSETBV; Vol. 1 13.3). It always exits
 * (VMX: unconditionally, SDM 26.1.2; SVM: braid intercepts it). braid
 * offers XSAVE with the state components it switches between vCPUs
 * (x87, SSE, AVX: arch/x86_64/cpu_state.c) and checks a new XCR0 as the
 * CPU would: #UD without CR4.OSXSAVE, #GP(0) at CPL > 0, for an XCR
 * other than 0, or for a value with x87 clear, AVX without SSE or a
 * component it does not offer. The accepted value goes into the CPU,
 * where it stays while the vCPU runs; XGETBV reads it there.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_state.h"
#include "arch/x86_64/vendor.h"
#include "hv/event.h"
#include "hv/exit.h"
#include "hv/mmu.h"

static bool xcr0_ok(u64 val)
{
	if (!(val & XCR0_X87) || (val & ~cpu_state_xcr0_mask()))
		return false;
	return !(val & XCR0_AVX) || (val & XCR0_SSE);
}

void handle_xsetbv(struct vcpu *v, const struct vmexit *e)
{
	u64 *gpr = v->regs.gpr;
	u64 val = (gpr[RDX] << 32) | (u32)gpr[RAX];

	if (!(mmu_guest_cr4(v) & CR4_OSXSAVE)) {
		guest_raise(v, VEC_UD, false, 0);
		return;
	}
	if (vendor->get(v, VREG_CPL) || (u32)gpr[RCX] || !xcr0_ok(val)) {
		guest_raise(v, VEC_GP, true, 0);
		return;
	}
	cpu_state_set_xcr0(v, val);
	vcpu_skip_insn(v, e->insn_len);
}
