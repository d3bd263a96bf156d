// SPDX-License-Identifier: MIT
/* hv/amd_cfg.c: AMD's SYSCFG, HWCR and NB_CFG as braid's guests see them,
 * and the writes Linux makes to them (APM Vol. 2 7.9.1; BKDG 10h-16h). */
#include "arch/x86_64/msr.h"
#include "hv/amd_cfg.h"
#include "tests/unit/unit.h"

/* RDMSR through amd_cfg_read(), which must know the MSR. */
static u64 rd(const struct vcpu *v, u32 msr)
{
	u64 val = 0xdead;

	assert_true(amd_cfg_read(v, msr, &val));
	return val;
}

static void test_which_msrs(void **state)
{
	struct vcpu v = { 0 };
	u64 val;

	(void)state;
	amd_cfg_reset(&v);
	assert_false(amd_cfg_read(&v, 0xc0011020, &val)); /* LS_CFG: #GP */
	assert_false(amd_cfg_read(&v, 0xc0010011, &val));
	assert_int_equal(amd_cfg_write(&v, 0xc0011020, 0), -1);
}

/* Each MSR: its value at reset, a write braid takes (and reads back), two
 * it refuses (#GP, nothing changed). */
static const struct cfg_case {
	u32 msr;
	u64 reset, taken, refused[2];
} cases[] = {
	/* Linux clears MtrrFixDramModEn only if it reads as set: it must
	 * not; no MTRR extension may be turned on. */
	{ MSR_SYSCFG,
	  0,
	  0,
	  { SYSCFG_MTRR_VAR_DRAM_EN, SYSCFG_MTRR_FIX_DRAM_MOD_EN } },
	/* TscFreqSel set, or Linux warns "TSC doesn't count with P0
	 * frequency"; FFDIS kept (family 0Fh sets it), nothing else. */
	{ MSR_HWCR,
	  HWCR_TSC_FREQ_SEL,
	  HWCR_TSC_FREQ_SEL | HWCR_FFDIS,
	  { HWCR_FFDIS, HWCR_TSC_FREQ_SEL | BIT(30) } },
	/* Linux's amd_bus_cpu_online(): read, set EnableCf8ExtCfg if clear,
	 * write back. InitApicIdCpuIdLo is read-only 1. */
	{ MSR_NB_CFG,
	  BIT(54),
	  BIT(54) | BIT(46),
	  { BIT(46), BIT(54) | BIT(0) } },
};

static void test_values_and_writes(void **state)
{
	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct cfg_case *c = &cases[i];
		struct vcpu v = { 0 };

		amd_cfg_reset(&v);
		assert_int_equal(rd(&v, c->msr), c->reset);
		for (unsigned k = 0; k < 2; k++) {
			assert_int_equal(
				amd_cfg_write(&v, c->msr, c->refused[k]), 0);
			assert_int_equal(rd(&v, c->msr), c->reset);
		}
		assert_int_equal(amd_cfg_write(&v, c->msr, c->taken), 1);
		assert_int_equal(rd(&v, c->msr), c->taken);
		assert_int_equal(amd_cfg_write(&v, c->msr, c->reset), 1);
		assert_int_equal(rd(&v, c->msr), c->reset);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_which_msrs),
		cmocka_unit_test(test_values_and_writes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
