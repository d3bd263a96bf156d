/* SPDX-License-Identifier: MIT */
/*
 * The CPUID a guest sees, as a pure function of the host's CPUID and the
 * guest's own state (hv/cpuid_policy.c): hv/cpuid.c feeds it the CPU's
 * answers, tests/unit/test_cpuid.c recorded dumps of real CPUs.
 */
#ifndef HV_CPUID_POLICY_H
#define HV_CPUID_POLICY_H

#include "arch/x86_64/cpu.h"
#include "lib/types.h"

/* The host's answer to CPUID(@leaf, @sub); @ctx is the caller's. */
struct cpuid_host {
	struct cpuid_regs (*read)(void *ctx, u32 leaf, u32 sub);
	void *ctx;
};

/* What of the guest its CPUID depends on. */
struct cpuid_guest {
	bool amd;	   /* an AMD-style CPU: AMD's topology leaves */
	bool apic_enabled; /* IA32_APIC_BASE.EN */
	bool osxsave;	   /* CR4.OSXSAVE */
	u64 xcr0;	   /* the guest's XCR0 */
	u64 xcr0_offered;  /* the XSAVE components braid switches, 0: none */
	u32 apic_id;	   /* the vCPU's initial APIC ID */
	u32 nr_vcpus;	   /* in the guest's one package, one thread each */
	u64 tsc_hz;
	u32 abi_id;   /* BRAID_VENDOR_VMX or BRAID_VENDOR_SVM */
	bool invpcid; /* INVPCID works in every paging mode (the vendor) */
};

/* Whether the answer to @leaf reads apic_enabled, osxsave or xcr0 (the
 * rest of struct cpuid_guest is fixed for a vCPU): CPUID is a hot exit,
 * and those take reads of the vCPU to gather. */
static inline bool cpuid_policy_reads_state(u32 leaf)
{
	return leaf == 1 || leaf == 0xd || leaf == 0x80000001;
}

/* The highest basic leaf braid fills (it synthesizes 0xB, 0x15, 0x16 and
 * 0x1F). */
#define CPUID_BASIC_MAX 0x1fu

struct cpuid_regs cpuid_policy_leaf(const struct cpuid_host *h,
				    const struct cpuid_guest *g, u32 leaf,
				    u32 sub);

/* The guest's answer to CPUID(@leaf, @sub). Leaf 0, the vendor and the
 * highest leaf, is inline: it is the leaf guests ask most (and exitcost
 * measures). */
static inline struct cpuid_regs cpuid_policy(const struct cpuid_host *h,
					     const struct cpuid_guest *g,
					     u32 leaf, u32 sub)
{
	struct cpuid_regs r;

	if (leaf != 0)
		return cpuid_policy_leaf(h, g, leaf, sub);
	r = h->read(h->ctx, 0, 0);
	r.eax = CPUID_BASIC_MAX;
	return r;
}

#endif
