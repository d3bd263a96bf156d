// SPDX-License-Identifier: MIT
/*
 * RDMSR/WRMSR from a guest. Every MSR access exits; the ones a guest may
 * use are listed here, each with what it does. Anything else raises #GP in
 * the guest, as an MSR the CPU does not implement would (SDM Vol. 2B,
 * RDMSR: "#GP(0) if ECX specifies a reserved or unimplemented MSR");
 * kernels probe optional MSRs that way.
 *
 * The ones Debian's Linux 6.1 probes under braid, all with rdmsr_safe, and
 * why a #GP is the right answer to each:
 *   0x34 SMI_COUNT, 0x140 MISC_FEATURES_ENABLES   no SMIs, no CPUID faulting
 *   0x3a FEATURE_CONTROL                          no VMX/SGX to enable
 *   0x179 MCG_CAP                                 no machine check (CPUID)
 *   0xc0011020 LS_CFG                             no SSBD control (AMD 15h-17h)
 *   0xc0011029 DE_CFG                             LFENCE stays as it is
 * AMD's SYSCFG, HWCR and NB_CFG, which Linux reads without _safe on AMD
 * CPUs, are emulated (hv/amd_cfg.c).
 * MSRs that only a CPUID bit announces stay unimplemented because the
 * bit is not offered (hv/cpuid_policy.c lists what is): TME_ACTIVATE
 * 0x982 (7.0:ECX[13]), OSVW 0xc0010140 (80000001h:ECX[9]), NodeId
 * 0xc001100c (80000001h:ECX[19]), ARCH_CAPABILITIES 0x10a and
 * CORE_CAPABILITIES 0xcf (7.0:EDX[29], [30]), and DEBUGCTL's bus-lock
 * bit 2 (7.0:ECX[24]), which the write check above refuses.
 */
#define LOG_TAG "msr"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_state.h"
#include "arch/x86_64/cpuid.h"
#include "arch/x86_64/msr.h"
#include "hv/amd_cfg.h"
#include "hv/event.h"
#include "hv/ipi.h"
#include "hv/exit.h"
#include "lib/log.h"
#include "hv/mmu.h"
#include "hv/mtrr.h"

/* MSRs that are guest state the vendor code switches (vendor.h). */
static bool msr_vreg(u32 msr, enum vreg *r)
{
	switch (msr) {
	case MSR_IA32_PAT: *r = VREG_PAT; return true;
	case MSR_IA32_FS_BASE: *r = VREG_FS_BASE; return true;
	case MSR_IA32_GS_BASE: *r = VREG_GS_BASE; return true;
	case MSR_IA32_KERNEL_GS_BASE: *r = VREG_KERNEL_GS_BASE; return true;
	case MSR_IA32_STAR: *r = VREG_STAR; return true;
	case MSR_IA32_LSTAR: *r = VREG_LSTAR; return true;
	case MSR_IA32_CSTAR: *r = VREG_CSTAR; return true;
	case MSR_IA32_FMASK: *r = VREG_SFMASK; return true;
	case MSR_IA32_SYSENTER_CS: *r = VREG_SYSENTER_CS; return true;
	case MSR_IA32_SYSENTER_ESP: *r = VREG_SYSENTER_ESP; return true;
	case MSR_IA32_SYSENTER_EIP: *r = VREG_SYSENTER_EIP; return true;
	default: return false;
	}
}

/* Each PAT entry must name a memory type (SDM 13.12.2); 2, 3 and 8-255
 * are reserved and would fail VM entry. */
static bool pat_ok(u64 pat)
{
	for (unsigned i = 0; i < 8; i++) {
		u8 t = pat >> (8 * i);

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

/* The #GP rules of WRMSR for the MSRs the vendor code holds: a value the
 * CPU would refuse must not reach the VMCS/VMCB or the CPU itself. */
static bool msr_value_ok(enum vreg r, u64 val)
{
	switch (r) {
	case VREG_PAT: return pat_ok(val);
	case VREG_SFMASK: return !(val >> 32); /* bits 63:32 reserved */
	case VREG_STAR: return true;
	case VREG_SYSENTER_CS: return !(val >> 32);
	default: return va_canonical(val); /* bases and entry points */
	}
}

/*
 * AMD's legacy performance counters (PerfEvtSel0-3, PerfCtr0-3) belong to
 * every AMD64 CPU, whatever CPUID says (APM Vol. 2 13.2.1); kernels and
 * test suites program them unasked. braid keeps their values, but they
 * count nothing (as on a CPU whose counters are never enabled: braid does
 * not hand the host's counters to a guest). On Intel they do not exist.
 */
/* AMD and Hygon CPUs, and only they, run SVM (vendor_select()). */
static bool amd(void)
{
	return vendor->abi_id == BRAID_VENDOR_SVM;
}

static u64 *k7_perf(struct vcpu *v, u32 msr)
{
	if (!amd() || msr < MSR_K7_EVNTSEL0 || msr > MSR_K7_PERFCTR0 + 3)
		return NULL;
	return &v->k7_perf[msr - MSR_K7_EVNTSEL0];
}

/*
 * The guest's TSC runs at the host's rate, TSC_OFFSET ahead of it. A
 * write to IA32_TSC moves it, and IA32_TSC_ADJUST by the same amount; a
 * write to IA32_TSC_ADJUST moves the TSC by its change (SDM Vol. 3A
 * 18.17.3). The local APIC's deadline is kept in host TSC units.
 */
static u64 guest_tsc(const struct vcpu *v)
{
	return rdtsc() + v->tsc_offset;
}

static void move_tsc(struct vcpu *v, u64 delta)
{
	v->tsc_offset += delta;
	v->tsc_adjust += delta;
	vendor->set_tsc_offset(v, v->tsc_offset);
}

/* IA32_TSC_ADJUST exists where CPUID.(7,0):EBX[1] says so (passed on). */
static bool has_tsc_adjust(void)
{
	static int has = -1;

	if (has < 0)
		has = cpuid(0, 0).eax >= 7 && (cpuid(7, 0).ebx & BIT(1));
	return has;
}

/* Under the platform lock: an INIT from another vCPU may reset the APIC
 * meanwhile. */
static bool apic_base_write(struct vcpu *v, u64 val)
{
	bool bad;

	spin_lock(&v->guest->plat_lock);
	bad = vlapic_set_base_msr(&gcpu(v)->lapic, val);
	spin_unlock(&v->guest->plat_lock);
	return !bad;
}

/* x2APIC mode's registers (dm/vlapic_x2apic.c), under the platform
 * lock as the MMIO page's are; -1: not an x2APIC MSR. */
static int x2apic_read(struct vcpu *v, u32 msr, u64 *val)
{
	int err;

	if (!vlapic_x2apic_msr(msr))
		return -1;
	spin_lock(&v->guest->plat_lock);
	err = vlapic_msr_read(&gcpu(v)->lapic, msr, val, rdtsc());
	spin_unlock(&v->guest->plat_lock);
	return !err;
}

static int x2apic_write(struct vcpu *v, u32 msr, u64 val)
{
	int err;

	if (!vlapic_x2apic_msr(msr))
		return -1;
	spin_lock(&v->guest->plat_lock);
	err = vlapic_msr_write(&gcpu(v)->lapic, msr, val, rdtsc());
	if (!err)
		ipi_apic_written(v);
	spin_unlock(&v->guest->plat_lock);
	return !err;
}

static bool tsc_read(struct vcpu *v, u32 msr, u64 *val)
{
	u64 d;

	switch (msr) {
	case MSR_IA32_TIME_STAMP_COUNTER: *val = guest_tsc(v); return true;
	case MSR_IA32_TSC_ADJUST: *val = v->tsc_adjust; return has_tsc_adjust();
	case MSR_IA32_TSC_DEADLINE:
		spin_lock(&v->guest->plat_lock);
		d = vlapic_tsc_deadline(&gcpu(v)->lapic, rdtsc());
		spin_unlock(&v->guest->plat_lock);
		*val = d ? d + v->tsc_offset : 0;
		return true;
	default: return false;
	}
}

/* -1: not a TSC MSR; else whether the write is taken. */
static int tsc_write(struct vcpu *v, u32 msr, u64 val)
{
	switch (msr) {
	case MSR_IA32_TIME_STAMP_COUNTER:
		move_tsc(v, val - guest_tsc(v));
		return 1;
	case MSR_IA32_TSC_ADJUST:
		if (!has_tsc_adjust())
			return 0;
		move_tsc(v, val - v->tsc_adjust);
		return 1;
	case MSR_IA32_TSC_DEADLINE:
		spin_lock(&v->guest->plat_lock);
		vlapic_set_tsc_deadline(&gcpu(v)->lapic,
					val ? val - v->tsc_offset : 0, rdtsc());
		spin_unlock(&v->guest->plat_lock);
		return 1;
	default: return -1;
	}
}

/* The MSR state of a vCPU at power-on, as firmware leaves it. */
void msr_reset(struct vcpu *v)
{
	v->misc_enable = MISC_ENABLE_FAST_STRING;
	v->tsc_offset = 0;
	v->tsc_adjust = 0;
	vendor->set_tsc_offset(v, 0);
	mtrr_reset(v);
	amd_cfg_reset(v);
}

static bool msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	enum vreg r;
	u64 *kept = k7_perf(v, msr);
	int x2apic = x2apic_read(v, msr, val);

	if (x2apic >= 0)
		return x2apic;

	if (kept) {
		*val = *kept;
		return true;
	}

	if (msr_vreg(msr, &r)) {
		*val = vendor->get(v, r);
		return true;
	}
	if (mtrr_msr(msr)) {
		*val = mtrr_read(v, msr);
		return true;
	}
	if (amd() && amd_cfg_read(v, msr, val))
		return true;
	if (tsc_read(v, msr, val))
		return true;
	switch (msr) {
	/* The guest's TSC_AUX is in the CPU while braid handles its exit,
	 * as its debug registers are (arch/x86_64/cpu_state.h); RDTSCP
	 * reads it there. */
	case MSR_IA32_TSC_AUX:
		*val = cpu_state_has_tsc_aux() ? rdmsr(MSR_IA32_TSC_AUX) : 0;
		return cpu_state_has_tsc_aux();
	case MSR_IA32_EFER: *val = mmu_get_efer(v); return true;
	case MSR_IA32_APIC_BASE:
		*val = vlapic_base_msr(&gcpu(v)->lapic); /* only it writes */
		return true;
	/* What the guest wrote: none of its bits changes what braid's
	 * CPU does (fast strings, thermal control and the like). */
	case MSR_IA32_MISC_ENABLE: *val = v->misc_enable; return true;
	/* No microcode, no debug controls in use. */
	case MSR_IA32_BIOS_SIGN_ID:
	case MSR_IA32_DEBUGCTL:
	/* No C1E or SMI message pending: Linux asks on the family 0Fh
	 * CPUs QEMU models (AMD erratum 400). */
	case MSR_K8_INT_PENDING_MSG: *val = 0; return true;
	default: return false;
	}
}

static bool msr_write(struct vcpu *v, u32 msr, u64 val)
{
	enum vreg r;
	u64 *kept = k7_perf(v, msr);
	int tsc = tsc_write(v, msr, val), amd_w;
	int x2apic = x2apic_write(v, msr, val);

	if (tsc >= 0)
		return tsc;
	if (x2apic >= 0)
		return x2apic;
	if (mtrr_msr(msr))
		return mtrr_write(v, msr, val);
	if (amd() && (amd_w = amd_cfg_write(v, msr, val)) >= 0)
		return amd_w;

	if (kept) {
		/* PerfCtr is 48 bits wide (APM Vol. 2 13.2.1). */
		*kept = msr >= MSR_K7_PERFCTR0 ? val & (BIT(48) - 1) : val;
		return true;
	}

	if (msr_vreg(msr, &r)) {
		if (!msr_value_ok(r, val))
			return false;
		vendor->set(v, r, val);
		return true;
	}
	switch (msr) {
	case MSR_IA32_TSC_AUX: /* bits 63:32 are reserved (SDM Vol. 4) */
		if (!cpu_state_has_tsc_aux() || val >> 32)
			return false;
		wrmsr(MSR_IA32_TSC_AUX, val);
		return true;
	case MSR_IA32_EFER: return mmu_set_efer(v, val);
	case MSR_IA32_APIC_BASE: return apic_base_write(v, val);
	case MSR_IA32_BIOS_SIGN_ID: /* microcode probes write 0 here */
		return true;
	case MSR_IA32_MISC_ENABLE: v->misc_enable = val; return true;
	case MSR_IA32_DEBUGCTL: return val == 0; /* no LBR/BTF to offer */
	default: return false;
	}
}

void handle_msr(struct vcpu *v, const struct vmexit *e)
{
	struct guest *g = v->guest;
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
	guest_report(g, REPORT_MSR,
		     "%s of MSR 0x%x is not allowed: #GP injected",
		     e->kind == VMEXIT_RDMSR ? "RDMSR" : "WRMSR", msr);
	guest_raise(v, VEC_GP, true, 0);
}

/* RDPMC: braid's CPU has no performance counters (CPUID leaf 0xA is
 * zero; the AMD counter MSRs raise #GP, above), so every counter number
 * is invalid: #GP(0) (SDM Vol. 2B, RDPMC). The host's counters must never
 * be read from a guest. */
void handle_rdpmc(struct vcpu *v, const struct vmexit *e)
{
	(void)e;
	guest_raise(v, VEC_GP, true, 0);
}
