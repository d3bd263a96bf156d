// SPDX-License-Identifier: MIT
/*
 * Three configuration MSRs every AMD family 0Fh and later CPU has, whatever
 * CPUID says, and that Linux reads with plain RDMSR (no _safe) on such a
 * CPU, so that a #GP would be an "unchecked MSR access error":
 *
 *   SYSCFG (C001_0010, APM Vol. 2 7.9.1): the MTRR extensions for DRAM.
 *     Linux's MTRR code reads it on every AMD CPU of family 0Fh and up to
 *     clear MtrrFixDramModEn if firmware left it set. braid's firmware
 *     leaves the extensions off (reads 0): the fixed-range MTRRs hold
 *     plain memory types, TOP_MEM and TOM2 are not used, and no memory
 *     encryption (CPUID offers no SME). A write of another value would
 *     ask for a feature braid does not model: #GP.
 *   HWCR (C001_0015): TscFreqSel, the TSC counting at the P0 rate, which
 *     is what the invariant TSC that CPUID may report means; Linux reads
 *     it when CPUID says the TSC is invariant. FFDIS (bit 6), which
 *     Linux sets on family 0Fh (errata 63 and 122), turns off a TLB flush
 *     filter: kept and read back, it changes nothing, as braid's guests
 *     get every flush they ask for. Other changes: #GP.
 *   NB_CFG (C001_001F, BKDG for family 10h-16h): Linux sets
 *     EnableCf8ExtCfg, the extended PCI configuration registers through
 *     ports CF8h/CFCh, on family 10h and later; braid has no PCI bus
 *     behind those ports, so the bit is kept and read back and changes
 *     nothing. InitApicIdCpuIdLo reads 1: the core number is in the low
 *     bits of the APIC ID, as in braid's topology (one node, the APIC ID
 *     the core: hv/cpuid_policy.c). It is read-only here, as on family
 *     17h.
 */
#include "arch/x86_64/msr.h"
#include "hv/amd_cfg.h"

void amd_cfg_reset(struct vcpu *v)
{
	v->hwcr = HWCR_TSC_FREQ_SEL;
	v->nb_cfg = NB_CFG_INIT_APIC_ID_CPU_ID_LO;
}

bool amd_cfg_read(const struct vcpu *v, u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_SYSCFG: *val = 0; return true;
	case MSR_HWCR: *val = v->hwcr; return true;
	case MSR_NB_CFG: *val = v->nb_cfg; return true;
	default: return false;
	}
}

/* The bits a write may change; the others must be written as they read
 * (SYSCFG stays 0). */
static u64 writable(u32 msr)
{
	if (msr == MSR_HWCR)
		return HWCR_FFDIS;
	return msr == MSR_NB_CFG ? NB_CFG_ENABLE_CF8_EXT_CFG : 0;
}

int amd_cfg_write(struct vcpu *v, u32 msr, u64 val)
{
	u64 old;

	if (!amd_cfg_read(v, msr, &old))
		return -1;
	if ((val ^ old) & ~writable(msr))
		return 0;
	if (msr == MSR_HWCR)
		v->hwcr = val;
	else if (msr == MSR_NB_CFG)
		v->nb_cfg = val;
	return 1;
}
