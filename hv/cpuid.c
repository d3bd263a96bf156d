// SPDX-License-Identifier: MIT
/*
 * CPUID as a guest sees it: the host's answer, minus what braid does not
 * virtualize, plus the hypervisor bit and braid's own leaves
 * (include/braid/abi.h). Bit positions: SDM Vol. 2A, CPUID; APM Vol. 3.
 */
#include "arch/x86_64/cpu.h"
#include "hv/exit.h"

/* CPUID.1:ECX */
#define ECX1_MONITOR	  BIT(3)
#define ECX1_VMX	  BIT(5)
#define ECX1_PCID	  BIT(17)
#define ECX1_X2APIC	  BIT(21)
#define ECX1_TSC_DEADLINE BIT(24)
#define ECX1_XSAVE	  BIT(26)
#define ECX1_OSXSAVE	  BIT(27)
#define ECX1_AVX	  BIT(28)
#define ECX1_HYPERVISOR	  BIT(31)
/* CPUID.7.0:EBX: AVX2 and the AVX-512 family need XSAVE state */
#define EBX7_AVX_MASK                                                         \
	(BIT(5) | BIT(16) | BIT(17) | BIT(21) | BIT(26) | BIT(27) | BIT(28) | \
	 BIT(30) | BIT(31))
/* CPUID.7.0: paging features no mode of braid virtualizes yet (shadow
 * paging would have to emulate them), hidden in every mode so that all
 * three present one CPU */
#define EBX7_SMEP BIT(7)
#define EBX7_SMAP BIT(20)
#define ECX7_PKU  BIT(3)
#define ECX7_LA57 BIT(16)
/* CPUID.80000001h:ECX */
#define ECX81_SVM BIT(2)

static void braid_leaves(struct cpuid_regs *r, u32 leaf)
{
	if (leaf == BRAID_CPUID_BASE) {
		r->eax = BRAID_CPUID_INFO;
		r->ebx = BRAID_CPUID_SIG_EBX;
		r->ecx = BRAID_CPUID_SIG_ECX;
		r->edx = BRAID_CPUID_SIG_EDX;
	} else {
		r->eax = BRAID_ABI_VERSION;
		r->ebx = vendor->abi_id;
		r->ecx = r->edx = 0;
	}
}

static struct cpuid_regs guest_cpuid(u32 leaf, u32 sub)
{
	struct cpuid_regs r = cpuid(leaf, sub);

	switch (leaf) {
	case 1:
		/* No nested virtualization, no MONITOR/MWAIT (they would
		 * sleep the physical CPU), no x2APIC, no XSAVE state yet. */
		r.ecx &= ~(ECX1_VMX | ECX1_MONITOR | ECX1_X2APIC | ECX1_PCID |
			   ECX1_TSC_DEADLINE | ECX1_XSAVE | ECX1_OSXSAVE |
			   ECX1_AVX);
		r.ecx |= ECX1_HYPERVISOR;
		r.ebx &= 0x00ffffff; /* initial APIC ID: vCPU 0 */
		break;
	case 7:
		if (sub == 0) {
			r.ebx &= ~(EBX7_AVX_MASK | EBX7_SMEP | EBX7_SMAP);
			r.ecx &= ~(ECX7_PKU | ECX7_LA57);
		}
		break;
	case 0xd: r.eax = r.ebx = r.ecx = r.edx = 0; break;
	case 0x80000001: r.ecx &= ~ECX81_SVM; break;
	case 0x8000000a: r.eax = r.ebx = r.ecx = r.edx = 0; break;
	case BRAID_CPUID_BASE:
	case BRAID_CPUID_INFO: braid_leaves(&r, leaf); break;
	default:
		if (leaf > BRAID_CPUID_INFO && leaf < 0x80000000)
			r.eax = r.ebx = r.ecx = r.edx = 0;
	}
	return r;
}

void handle_cpuid(struct guest *g, const struct vmexit *e)
{
	u64 *gpr = g->vcpu.regs.gpr;
	struct cpuid_regs r = guest_cpuid((u32)gpr[RAX], (u32)gpr[RCX]);

	gpr[RAX] = r.eax;
	gpr[RBX] = r.ebx;
	gpr[RCX] = r.ecx;
	gpr[RDX] = r.edx;
	vcpu_skip_insn(&g->vcpu, e->insn_len);
}
