// SPDX-License-Identifier: MIT
/*
 * The MTRRs a guest sees (SDM Vol. 3A 13.11): CPUID says the CPU has them,
 * so every MTRR MSR reads back what was written and refuses what the CPU
 * would (#GP). They change nothing: braid maps guest memory write-back
 * either way, and no guest can make host memory uncacheable through them.
 * Eight variable ranges, the fixed ranges and write combining, as the
 * CPUs braid runs on report.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpuid.h"
#include "arch/x86_64/msr.h"
#include "hv/mtrr.h"
#include "lib/string.h"

#define MTRRCAP_VCNT	 8
#define MTRRCAP_FIX	 BIT(8)
#define MTRRCAP_WC	 BIT(10)
#define MTRR_NR_VAR_MSRS (2 * MTRRCAP_VCNT)
#define DEF_TYPE_FE	 BIT(10)
#define DEF_TYPE_E	 BIT(11)
#define PHYSMASK_VALID	 BIT(11)
#define MTRR_TYPE_WB	 6

/* Memory types an MTRR may hold: UC, WC, WT, WP, WB (Table 13-8). */
static bool type_ok(u8 t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

/* Bits above the guest's MAXPHYADDR are reserved. */
static u64 phys_mask(void)
{
	static u64 mask;

	if (!mask)
		mask = BIT(cpuid(0x80000008, 0).eax & EAX88_PHYS_BITS) - 1;
	return mask;
}

/* The index into fixed[] of a fixed-range MTRR, or -1. */
static int fixed_index(u32 msr)
{
	if (msr == MSR_IA32_MTRR_FIX64K_00000)
		return 0;
	if (msr == MSR_IA32_MTRR_FIX16K_80000 ||
	    msr == MSR_IA32_MTRR_FIX16K_A0000)
		return 1 + (int)(msr - MSR_IA32_MTRR_FIX16K_80000);
	if (msr >= MSR_IA32_MTRR_FIX4K_C0000 &&
	    msr < MSR_IA32_MTRR_FIX4K_C0000 + 8)
		return 3 + (int)(msr - MSR_IA32_MTRR_FIX4K_C0000);
	return -1;
}

static bool var_ok(u32 n, u64 val)
{
	u64 reserved = ~phys_mask() | (n & 1 ? 0x7ff : 0xf00);

	if (val & reserved)
		return false;
	return (n & 1) || type_ok((u8)val);
}

/* Power-on state as firmware leaves it for a flat RAM map: MTRRs
 * enabled, everything write-back by default, no ranges. */
void mtrr_reset(struct vcpu *v)
{
	memset(&v->mtrr, 0, sizeof(v->mtrr));
	v->mtrr.def_type = DEF_TYPE_E | MTRR_TYPE_WB;
}

bool mtrr_msr(u32 msr)
{
	return msr == MSR_IA32_MTRRCAP || msr == MSR_IA32_MTRR_DEF_TYPE ||
	       (msr >= MSR_IA32_MTRR_PHYSBASE0 &&
		msr < MSR_IA32_MTRR_PHYSBASE0 + MTRR_NR_VAR_MSRS) ||
	       fixed_index(msr) >= 0;
}

u64 mtrr_read(const struct vcpu *v, u32 msr)
{
	int f = fixed_index(msr);

	if (msr == MSR_IA32_MTRRCAP)
		return MTRRCAP_VCNT | MTRRCAP_FIX | MTRRCAP_WC;
	if (msr == MSR_IA32_MTRR_DEF_TYPE)
		return v->mtrr.def_type;
	if (f >= 0)
		return v->mtrr.fixed[f];
	return v->mtrr.var[msr - MSR_IA32_MTRR_PHYSBASE0];
}

bool mtrr_write(struct vcpu *v, u32 msr, u64 val)
{
	int f = fixed_index(msr);

	if (msr == MSR_IA32_MTRRCAP)
		return false; /* read-only */
	if (msr == MSR_IA32_MTRR_DEF_TYPE) {
		if ((val & ~(u64)(0xff | DEF_TYPE_FE | DEF_TYPE_E)) ||
		    !type_ok((u8)val))
			return false;
		v->mtrr.def_type = val;
		return true;
	}
	if (f >= 0) {
		for (unsigned i = 0; i < 8; i++)
			if (!type_ok((u8)(val >> (8 * i))))
				return false;
		v->mtrr.fixed[f] = val;
		return true;
	}
	if (!var_ok(msr - MSR_IA32_MTRR_PHYSBASE0, val))
		return false;
	v->mtrr.var[msr - MSR_IA32_MTRR_PHYSBASE0] = val;
	return true;
}
