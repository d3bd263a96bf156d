// SPDX-License-Identifier: MIT
/* hv/mtrr.c: the MTRRs a guest sees, kept and checked (SDM Vol. 3A 13.11). */
#include "arch/x86_64/msr.h"
#include "hv/mtrr.h"
#include "tests/unit/unit.h"

static struct vcpu v;

static int setup(void **state)
{
	(void)state;
	mtrr_reset(&v);
	return 0;
}

static void test_reset_state(void **state)
{
	(void)state;
	/* Eight variable ranges, fixed ranges, write combining. */
	assert_int_equal(mtrr_read(&v, MSR_IA32_MTRRCAP), 0x508);
	/* Enabled, fixed ranges off, write-back by default. */
	assert_int_equal(mtrr_read(&v, MSR_IA32_MTRR_DEF_TYPE), 0x806);
	assert_int_equal(mtrr_read(&v, MSR_IA32_MTRR_PHYSBASE0), 0);
	assert_int_equal(mtrr_read(&v, MSR_IA32_MTRR_FIX4K_C0000 + 7), 0);
}

static void test_which_msrs(void **state)
{
	(void)state;
	assert_true(mtrr_msr(MSR_IA32_MTRRCAP));
	assert_true(mtrr_msr(MSR_IA32_MTRR_DEF_TYPE));
	assert_true(mtrr_msr(MSR_IA32_MTRR_PHYSBASE0 + 15)); /* PHYSMASK7 */
	assert_false(mtrr_msr(MSR_IA32_MTRR_PHYSBASE0 + 16));
	assert_true(mtrr_msr(MSR_IA32_MTRR_FIX64K_00000));
	assert_true(mtrr_msr(MSR_IA32_MTRR_FIX16K_A0000));
	assert_false(mtrr_msr(MSR_IA32_MTRR_FIX16K_A0000 + 1));
	assert_true(mtrr_msr(MSR_IA32_MTRR_FIX4K_C0000 + 7));
	assert_false(mtrr_msr(MSR_IA32_MTRR_FIX4K_C0000 + 8));
	assert_false(mtrr_msr(0x277)); /* PAT is not one */
}

static void test_def_type(void **state)
{
	(void)state;
	assert_true(mtrr_write(&v, MSR_IA32_MTRR_DEF_TYPE, 0xc00));
	assert_int_equal(mtrr_read(&v, MSR_IA32_MTRR_DEF_TYPE), 0xc00);
	/* Type 2 is reserved, bit 12 too: #GP, nothing changed. */
	assert_false(mtrr_write(&v, MSR_IA32_MTRR_DEF_TYPE, 0x802));
	assert_false(mtrr_write(&v, MSR_IA32_MTRR_DEF_TYPE, 0x1806));
	assert_int_equal(mtrr_read(&v, MSR_IA32_MTRR_DEF_TYPE), 0xc00);
	/* MTRRcap is read-only. */
	assert_false(mtrr_write(&v, MSR_IA32_MTRRCAP, 0x508));
}

static void test_variable(void **state)
{
	u32 base1 = MSR_IA32_MTRR_PHYSBASE0 + 2, mask1 = base1 + 1;

	(void)state;
	assert_true(mtrr_write(&v, base1, 0x80000000 | 0)); /* UC */
	assert_true(mtrr_write(&v, mask1, 0xff80000800ull));
	assert_int_equal(mtrr_read(&v, base1), 0x80000000);
	assert_int_equal(mtrr_read(&v, mask1), 0xff80000800ull);
	/* Reserved: base bits 11:8, mask bits 10:0, a type of 7, an
	 * address bit above any MAXPHYADDR. */
	assert_false(mtrr_write(&v, base1, 0x80000100));
	assert_false(mtrr_write(&v, mask1, 0xff80000801ull));
	assert_false(mtrr_write(&v, base1, 0x80000007));
	assert_false(mtrr_write(&v, base1, 1ull << 63));
}

static void test_fixed(void **state)
{
	(void)state;
	assert_true(mtrr_write(&v, MSR_IA32_MTRR_FIX16K_A0000,
			       0x0000000000000000ull));
	assert_true(mtrr_write(&v, MSR_IA32_MTRR_FIX4K_C0000,
			       0x0505050506060606ull));
	assert_int_equal(mtrr_read(&v, MSR_IA32_MTRR_FIX4K_C0000),
			 0x0505050506060606ull);
	/* One byte of type 3 (reserved) refuses the whole write. */
	assert_false(mtrr_write(&v, MSR_IA32_MTRR_FIX64K_00000,
				0x0606060606030606ull));
	assert_int_equal(mtrr_read(&v, MSR_IA32_MTRR_FIX64K_00000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reset_state, setup),
		cmocka_unit_test_setup(test_which_msrs, setup),
		cmocka_unit_test_setup(test_def_type, setup),
		cmocka_unit_test_setup(test_variable, setup),
		cmocka_unit_test_setup(test_fixed, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
