// SPDX-License-Identifier: MIT
/*
 * CPUID from a guest: the policy (an allow-list, hv/cpuid_policy.c) asked
 * with the CPU's own CPUID and the state of the vCPU asking, and the CR4
 * bits that the answer lets a guest set.
 */
#include "lib/atomic.h"
#include "lib/spinlock.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpuid.h"
#include "arch/x86_64/cpu_state.h"
#include "arch/x86_64/tsc.h"
#include "hv/cpuid_policy.h"
#include "hv/exit.h"
#include "hv/guest.h"
#include "hv/mmu.h"

static struct cpuid_regs host_cpuid(void *ctx, u32 leaf, u32 sub)
{
	(void)ctx;
	return cpuid(leaf, sub);
}

static const struct cpuid_host host = { host_cpuid, NULL };

/* "AuthenticAMD" and "HygonGenuine" use AMD's leaf layout; both run SVM
 * (vendor_select()). */
static bool amd_layout(void)
{
	return vendor->abi_id == BRAID_VENDOR_SVM;
}

/* Built by the first CPU to need it and read by all after: it is filled
 * with nr_vcpus 0, which the release store of its real value publishes,
 * so that no CPU copies it half-written. */
static struct cpuid_guest reset;

/* The first time: build it (out of line, so the hot check stays one load
 * and a branch). */
static __attribute__((noinline)) void build_reset_state(void)
{
	static struct spinlock once = SPINLOCK_INIT("cpuid reset state");
	struct cpuid_guest t = {
		.amd = amd_layout(),
		.apic_enabled = true,
		.xcr0 = XCR0_X87,
		.xcr0_offered = cpu_state_xcr0_mask(),
		.apic_id = 0,
		.nr_vcpus = 0, /* stored last */
		.tsc_hz = tsc_hz(),
		.abi_id = vendor->abi_id,
		.invpcid = vendor->guest_invpcid && vendor->guest_invpcid(),
	};

	spin_lock(&once);
	if (!reset.nr_vcpus) {
		reset = t;
		atomic_store_release(&reset.nr_vcpus, 1);
	}
	spin_unlock(&once);
}

/* The guest as its CPUID depends on it, at reset. The vCPU's initial
 * APIC ID is 0 and it is the only one, as the MP table (dm/mptable.c) and
 * its local APIC (hv/vplat.c) say. */
static const struct cpuid_guest *reset_state(void)
{
	if (__builtin_expect(!atomic_load_acquire(&reset.nr_vcpus), 0))
		build_reset_state();
	return &reset;
}

/* The answer for a leaf that depends on the state of @v as it is now, or
 * for any leaf of an SMP guest, whose vCPUs each have their own APIC ID
 * among vcpus= (the MADT and MP table say the same, loader/fwtables.c).
 * CPUID is a hot exit: the others take the reset state as it is, and
 * need neither this copy of it nor the stack frame it takes. */
static __attribute__((noinline)) struct cpuid_regs
live_answer(struct vcpu *v, u32 leaf, u32 sub)
{
	struct cpuid_guest live = *reset_state();

	live.apic_id = gcpu(v)->index;
	live.nr_vcpus = v->guest->nr_cpus;
	live.apic_enabled = vlapic_base_msr(&gcpu(v)->lapic) & APIC_BASE_EN;
	live.osxsave = mmu_guest_cr4(v) & CR4_OSXSAVE;
	live.xcr0 = cpu_state_xcr0(v);
	return cpuid_policy(&host, &live, leaf, sub);
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
	static u64 cached; /* stored once, whole: another CPU may read it */
	u64 allowed = atomic_load_relaxed(&cached);
	struct cpuid_guest g;

	if (allowed)
		return allowed;
	g = *reset_state();
	allowed = CR4_TSD | CR4_PCE;
	for (unsigned i = 0; i < ARRAY_SIZE(cr4_features); i++) {
		const struct cr4_feature *f = &cr4_features[i];
		struct cpuid_regs r = cpuid_policy(&host, &g, f->leaf, 0);
		u32 regs[3] = { r.ebx, r.ecx, r.edx };

		if (regs[f->reg] & f->bit)
			allowed |= f->cr4;
	}
	atomic_store_relaxed(&cached, allowed);
	return allowed;
}

void handle_cpuid(struct vcpu *v, const struct vmexit *e)
{
	u64 *gpr = v->regs.gpr;
	u32 leaf = gpr[RAX], sub = gpr[RCX];
	struct cpuid_regs r =
		cpuid_policy_reads_state(leaf) || v->guest->nr_cpus != 1
			? live_answer(v, leaf, sub)
			: cpuid_policy(&host, reset_state(), leaf, sub);

	gpr[RAX] = r.eax;
	gpr[RBX] = r.ebx;
	gpr[RCX] = r.ecx;
	gpr[RDX] = r.edx;
	vcpu_skip_insn(v, e->insn_len);
}
