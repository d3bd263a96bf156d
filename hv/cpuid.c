// SPDX-License-Identifier: MIT
/*
 * CPUID as a guest sees it: the host's answer, minus what braid does not
 * virtualize, plus the hypervisor bit, the TSC frequency and braid's own
 * leaves (include/braid/abi.h). Bit positions: SDM Vol. 2A, CPUID; APM
 * Vol. 3, appendix E.
 *
 * The rule for hiding a feature: braid hides what it does not virtualize
 * for every mode (so nested, shadow and compound present one CPU), what
 * would hand the guest a physical resource (performance counters, machine
 * check banks, power management MSRs), and what a guest would reach
 * through an MSR braid does not emulate.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpuid.h"
#include "arch/x86_64/cpu_state.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/tsc.h"
#include "hv/exit.h"
#include "hv/guest.h"
#include "hv/mmu.h"

#define ECX1_HIDDEN                                                       \
	(ECX1_DTES64 | ECX1_MONITOR | ECX1_DS_CPL | ECX1_VMX | ECX1_SMX | \
	 ECX1_EST | ECX1_TM2 | ECX1_XTPR | ECX1_PDCM | ECX1_PCID |        \
	 ECX1_X2APIC | ECX1_TSC_DEADLINE)
/* CPUID.1:EDX: machine check, debug store, thermal/ACPI MSRs, HTT */
#define EDX1_HIDDEN                                                       \
	(EDX1_MCE | EDX1_MCA | EDX1_DS | EDX1_ACPI | EDX1_HTT | EDX1_TM | \
	 EDX1_PBE)
/* CPUID.7.0:EBX: the AVX-512 family needs XSAVE state braid does not
 * switch (opmask, ZMM); AVX2 (bit 5) only AVX's */
#define EBX7_AVX2 BIT(5)
#define EBX7_AVX_MASK                                                          \
	(BIT(16) | BIT(17) | BIT(21) | BIT(26) | BIT(27) | BIT(28) | BIT(30) | \
	 BIT(31))
/* CPUID.7.0: paging features no mode of braid virtualizes yet (shadow
 * paging would have to emulate them), hidden in every mode so that all
 * three present one CPU; and features reached through MSRs or CR4 bits
 * braid does not emulate (SGX, INVPCID, RDT, MPX, PT, UMIP,
 * WAITPKG, RDPID's TSC_AUX). */
#define EBX7_HIDDEN                                                           \
	(EBX7_AVX_MASK | EBX7_SMEP | EBX7_SMAP | BIT(2) | BIT(10) | BIT(12) | \
	 BIT(14) | BIT(15) | BIT(25))
#define ECX7_HIDDEN \
	(ECX7_UMIP | ECX7_PKU | ECX7_WAITPKG | ECX7_LA57 | ECX7_RDPID)
/* CPUID.80000001h:ECX: SVM, IBS, SKINIT, WDT, LWP, performance counters,
 * MWAITX (RDTSCP, in EDX, is offered: TSC_AUX is switched per vCPU) */
#define ECX81_HIDDEN                                                   \
	(ECX81_SVM | BIT(10) | BIT(12) | BIT(13) | BIT(15) | BIT(23) | \
	 BIT(24) | BIT(28) | BIT(29))

/* The TSC frequency leaves, so that a guest need not time the PIT: 0x15
 * as a 1:1 ratio to a "crystal" running at the TSC rate (the local APIC
 * timer braid emulates runs at that rate too), 0x16 in MHz. Above 4.29
 * GHz the crystal is a fraction of the TSC; Linux then takes the APIC
 * timer for that slower clock and its ticks come early (time stays right:
 * it keeps time by the TSC). */
#define LEAF_TSC_CRYSTAL 0x15
#define LEAF_FREQ	 0x16

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

static void tsc_leaves(struct cpuid_regs *r, u32 leaf)
{
	u32 mhz = (u32)(tsc_hz() / 1000000);

	*r = (struct cpuid_regs){ 0 };
	if (leaf == LEAF_TSC_CRYSTAL) {
		/* TSC = ECX * EBX / EAX: a TSC above 4.29 GHz does not fit
		 * ECX, so scale the "crystal" down by an integer ratio. */
		r->eax = 1;
		r->ebx = (u32)((tsc_hz() >> 32) + 1);
		r->ecx = (u32)(tsc_hz() / r->ebx);
	} else {
		r->eax = r->ebx = mhz;
		r->ecx = mhz;
	}
}

/* CPUID.1:EDX.APIC follows IA32_APIC_BASE.EN of the vCPU asking (SDM
 * Vol. 3A 11.4.3); out of line, and found through this CPU's vCPU, so
 * that the hot path (every other leaf) pays nothing for it. */
static __attribute__((noinline)) u32 apic_bit(u32 edx)
{
	const struct vcpu *v = this_cpu()->vcpu;

	if (v && v->guest &&
	    !(vlapic_base_msr(&v->guest->plat.lapic) & APIC_BASE_EN))
		return edx & ~(u32)EDX1_APIC;
	return edx;
}

/* XSAVE and AVX as far as braid switches their state (cpu_state.c), and
 * OSXSAVE as the guest's CR4 has it (SDM Vol. 2A, CPUID). */
static u32 xsave_bits(u32 ecx)
{
	const struct vcpu *v = this_cpu()->vcpu;
	u64 mask = cpu_state_xcr0_mask();

	ecx &= ~(u32)ECX1_OSXSAVE;
	if (!mask)
		ecx &= ~(u32)(ECX1_XSAVE | ECX1_AVX);
	if (!(mask & XCR0_AVX))
		ecx &= ~(u32)ECX1_AVX;
	if (mask && v && v->guest && (mmu_guest_cr4(v->guest) & CR4_OSXSAVE))
		ecx |= ECX1_OSXSAVE;
	return ecx;
}

static void leaf1(struct cpuid_regs *r)
{
	r->ecx = xsave_bits(r->ecx & ~(u32)ECX1_HIDDEN);
	/* The virtual local APIC offers TSC-deadline mode whatever the host
	 * has: its timer runs on the TSC the guest reads (dm/vlapic.c). A
	 * timer programmed by WRMSR costs a short MSR exit, not a decoded
	 * APIC MMIO access. */
	r->ecx |= ECX1_HYPERVISOR | ECX1_TSC_DEADLINE;
	r->edx = apic_bit(r->edx & ~(u32)EDX1_HIDDEN);
	r->ebx &= 0x0000ffff; /* one logical CPU, initial APIC ID 0 */
}

static void leaf7(struct cpuid_regs *r, u32 sub)
{
	if (sub != 0) {
		*r = (struct cpuid_regs){ 0 };
		return;
	}
	r->eax = 0; /* no further subleaves */
	r->ebx &= ~(u32)EBX7_HIDDEN;
	if (!(cpu_state_xcr0_mask() & XCR0_AVX))
		r->ebx &= ~(u32)EBX7_AVX2;
	r->ecx &= ~(u32)ECX7_HIDDEN;
	r->edx = 0; /* speculation-control MSRs and the like */
}

/*
 * Leaf 0xD, XSAVE (SDM Vol. 2A, CPUID; Vol. 1 13.2) for the components
 * braid offers: sub-leaf 0's EAX/EDX and ECX (the area for all of them)
 * cut down to those; EBX (for the current XCR0, the guest's, which is in
 * the CPU) as the CPU says. Sub-leaf 1: XSAVEOPT, XSAVEC and XGETBV with
 * ECX=1, not XSAVES (IA32_XSS is not emulated). Sub-leaf n: component n,
 * if offered.
 */
static __attribute__((noinline)) void xsave_leaf(struct cpuid_regs *r, u32 sub)
{
	u64 mask = cpu_state_xcr0_mask();

	if (sub == 0 && mask) {
		r->eax &= (u32)mask;
		r->edx = 0;
		r->ecx = mask & XCR0_AVX
				 ? cpuid(0xd, 2).ebx + cpuid(0xd, 2).eax
				 : 512 + 64; /* legacy region and header */
	} else if (sub == 1 && mask) {
		r->eax &= BIT(0) | BIT(1) | BIT(2);
		r->ecx = r->edx = 0;
	} else if (sub < 2 || sub > 63 || !(mask & BIT(sub))) {
		*r = (struct cpuid_regs){ 0 };
	}
}

/* Every leaf but 0: what braid changes in the host's answer @r. */
static __attribute__((noinline)) struct cpuid_regs
other_leaf(struct cpuid_regs r, u32 leaf, u32 sub)
{
	switch (leaf) {
	case 1: leaf1(&r); break;
	case 5:	  /* MONITOR/MWAIT */
	case 0xa: /* performance monitoring */
		r = (struct cpuid_regs){ 0 };
		break;
	case 0xd: xsave_leaf(&r, sub); break;
	case 6: /* only ARAT: the APIC timer always runs (braid's is virtual) */
		r = (struct cpuid_regs){ .eax = EAX6_ARAT };
		break;
	case 7: leaf7(&r, sub); break;
	case LEAF_TSC_CRYSTAL:
	case LEAF_FREQ: tsc_leaves(&r, leaf); break;
	case 0x80000001: r.ecx &= ~(u32)ECX81_HIDDEN; break;
	case 0x80000008: r.ebx = 0; break; /* IBPB, SSBD, ... MSRs */
	case 0x8000000a: r = (struct cpuid_regs){ 0 }; break;
	case BRAID_CPUID_BASE:
	case BRAID_CPUID_INFO: braid_leaves(&r, leaf); break;
	default:
		if (leaf > BRAID_CPUID_INFO && leaf < 0x80000000)
			r = (struct cpuid_regs){ 0 };
		if (leaf >= 0x8000001f && leaf < 0x80000100)
			r = (struct cpuid_regs){ 0 }; /* SEV, SME, ... */
	}
	return r;
}

/* Inlined into handle_cpuid(), the hot path (the CR4 table below calls
 * it too, once): leaf 0 here, the rest out of line. */
static inline __attribute__((always_inline)) struct cpuid_regs
guest_cpuid(u32 leaf, u32 sub)
{
	static u32 host_max;
	struct cpuid_regs r;

	if (!host_max)
		host_max = cpuid(0, 0).eax;
	if (leaf > host_max && leaf < BRAID_CPUID_BASE &&
	    leaf != LEAF_TSC_CRYSTAL && leaf != LEAF_FREQ)
		return (struct cpuid_regs){ 0 };
	r = cpuid(leaf, sub);
	if (leaf == 0) {
		r.eax = MAX(r.eax, (u32)LEAF_FREQ);
		return r;
	}
	return other_leaf(r, leaf, sub);
}

/* The CR4 bits each CPUID feature brings (SDM Vol. 3A 2.5). Setting a bit
 * whose feature the guest's CPUID does not report is #GP (SDM Vol. 2B,
 * MOV to CR4), in every paging mode; TSD and PCE exist on every 64-bit
 * CPU. */
struct cr4_feature {
	u64 cr4;
	u32 leaf, reg; /* reg: 0 EBX, 1 ECX, 2 EDX */
	u32 bit;
};

static const struct cr4_feature cr4_features[] = {
	{ CR4_VME | CR4_PVI, 1, 2, EDX1_VME },
	{ CR4_DE, 1, 2, EDX1_DE },
	{ CR4_PSE, 1, 2, EDX1_PSE },
	{ CR4_PAE, 1, 2, EDX1_PAE },
	{ CR4_MCE, 1, 2, EDX1_MCE },
	{ CR4_PGE, 1, 2, EDX1_PGE },
	{ CR4_OSFXSR, 1, 2, EDX1_FXSR },
	{ CR4_OSXMMEXCPT, 1, 2, EDX1_SSE },
	{ CR4_PCIDE, 1, 1, ECX1_PCID },
	{ CR4_OSXSAVE, 1, 1, ECX1_XSAVE },
	{ CR4_UMIP, 7, 1, ECX7_UMIP },
	{ CR4_LA57, 7, 1, ECX7_LA57 },
	{ CR4_PKE, 7, 1, ECX7_PKU },
	{ CR4_FSGSBASE, 7, 0, EBX7_FSGSBASE },
	{ CR4_SMEP, 7, 0, EBX7_SMEP },
	{ CR4_SMAP, 7, 0, EBX7_SMAP },
};

u64 guest_cr4_allowed(void)
{
	static u64 allowed;

	if (allowed)
		return allowed;
	allowed = CR4_TSD | CR4_PCE;
	for (unsigned i = 0; i < ARRAY_SIZE(cr4_features); i++) {
		const struct cr4_feature *f = &cr4_features[i];
		struct cpuid_regs r = guest_cpuid(f->leaf, 0);
		u32 regs[3] = { r.ebx, r.ecx, r.edx };

		if (regs[f->reg] & f->bit)
			allowed |= f->cr4;
	}
	return allowed;
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
