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
	u32 abi_id; /* BRAID_VENDOR_VMX or BRAID_VENDOR_SVM */
};

struct cpuid_regs cpuid_policy(const struct cpuid_host *h,
			       const struct cpuid_guest *g, u32 leaf, u32 sub);

#endif
