// SPDX-License-Identifier: MIT
/* dm/vpm.c: the ACPI PM1 event and control registers and the PM timer. */
#include "arch/x86_64/acpispec.h"
#include "dm/vpm.h"
#include "tests/unit/unit.h"

#define PER_TICK 1000ull /* TSC ticks per PM timer tick */
#define HZ	 (ACPI_PM_TIMER_HZ * PER_TICK)
#define T0	 7000ull
#define STS	 VPM_PM1A_EVT_BLK
#define EN	 (VPM_PM1A_EVT_BLK + 2)
#define CNT	 VPM_PM1A_CNT_BLK
#define TMR	 VPM_PM_TMR_BLK
#define HALF	 (1ull << 31) /* timer ticks between TMR_STS edges */

static struct vpm pm;

static u32 in(u16 port, u8 size, u64 now)
{
	u32 v = 0xdeadbeef;

	assert_true(vpm_io(&pm, port, true, size, &v, now));
	return v;
}

static void out(u16 port, u8 size, u32 v, u64 now)
{
	assert_true(vpm_io(&pm, port, false, size, &v, now));
}

static int setup(void **state)
{
	(void)state;
	vpm_reset(&pm, HZ, T0);
	return 0;
}

/* Power-on: in ACPI mode, nothing set, nothing enabled, timer at 0. */
static void test_reset_state(void **state)
{
	(void)state;
	assert_int_equal(in(CNT, 2, T0), PM1_CNT_SCI_EN);
	assert_int_equal(in(STS, 2, T0), 0);
	assert_int_equal(in(EN, 2, T0), 0);
	assert_int_equal(in(TMR, 4, T0), 0);
	assert_false(vpm_sci(&pm, T0));
	assert_int_equal(vpm_next_event(&pm, T0), ~0ull);
	assert_int_equal(vpm_take_sleep(&pm), VPM_NO_SLEEP);
}

/* 3.579545 MHz from the TSC, read whole or by halves or bytes. */
static void test_timer_counts(void **state)
{
	u64 now = T0 + HZ + 5 * PER_TICK;

	(void)state;
	assert_int_equal(in(TMR, 4, now), ACPI_PM_TIMER_HZ + 5);
	assert_int_equal(in(TMR, 4, T0 + PER_TICK - 1), 0);
	assert_int_equal(in(TMR, 2, now), (ACPI_PM_TIMER_HZ + 5) & 0xffff);
	assert_int_equal(in(TMR + 2, 2, now), (ACPI_PM_TIMER_HZ + 5) >> 16);
	assert_int_equal(in(TMR + 1, 1, now),
			 ((ACPI_PM_TIMER_HZ + 5) >> 8) & 0xff);
	out(TMR, 4, 0, now); /* read-only */
	assert_int_equal(in(TMR, 4, now), ACPI_PM_TIMER_HZ + 5);
}

/* A TSC faster than 2^32 Hz is scaled down first, and still exact. */
static void test_timer_fast_tsc(void **state)
{
	u64 hz = 5000000000ull;

	(void)state;
	vpm_reset(&pm, hz, T0);
	assert_int_equal(in(TMR, 4, T0 + hz), ACPI_PM_TIMER_HZ);
	assert_int_equal(in(TMR, 4, T0 + 10 * hz), 10 * ACPI_PM_TIMER_HZ);
}

/* 32 bits wide: it wraps, and TMR_STS sets each time bit 31 changes
 * (4.8.3.3) until written with 1 (4.8.3.1). */
static void test_timer_wrap_and_tmr_sts(void **state)
{
	u64 edge = T0 + HALF * PER_TICK;

	(void)state;
	assert_int_equal(in(STS, 2, edge - 1), 0);
	assert_int_equal(in(STS, 2, edge), PM1_STS_TMR);
	assert_int_equal(in(TMR, 4, edge), 0x80000000u);
	out(STS, 2, 0xfffe, edge); /* 0 in TMR_STS: stays set */
	assert_int_equal(in(STS, 2, edge), PM1_STS_TMR);
	out(STS, 2, PM1_STS_TMR, edge + 1);
	assert_int_equal(in(STS, 2, edge + 1), 0);
	assert_int_equal(in(STS, 2, edge + HALF * PER_TICK), PM1_STS_TMR);
	assert_int_equal(in(TMR, 4, edge + HALF * PER_TICK + 3 * PER_TICK), 3);
}

/* PM1_EN keeps its defined bits (Table 4.12), reserved ones read 0. */
static void test_enable_bits(void **state)
{
	(void)state;
	out(EN, 2, 0xffff, T0);
	assert_int_equal(in(EN, 2, T0), PM1_EN_TMR | PM1_EN_GBL |
						PM1_EN_PWRBTN | PM1_EN_SLPBTN |
						PM1_EN_RTC |
						PM1_EN_PCIEXP_WAKE);
	out(EN + 1, 1, 0, T0); /* a byte write leaves the other byte */
	assert_int_equal(in(EN, 2, T0), PM1_EN_TMR | PM1_EN_GBL);
	/* Both halves of the event block in one 32-bit access. */
	out(STS, 4, 0, T0);
	assert_int_equal(in(STS, 4, T0), 0);
}

/* The SCI follows TMR_STS while TMR_EN is on; braid knows when. */
static void test_sci_from_timer(void **state)
{
	u64 edge = T0 + HALF * PER_TICK;

	(void)state;
	out(EN, 2, PM1_EN_PWRBTN | PM1_EN_RTC, T0);
	assert_false(vpm_sci(&pm, edge)); /* TMR_STS set, not enabled */
	assert_int_equal(vpm_next_event(&pm, T0), ~0ull);
	out(EN, 2, PM1_EN_TMR, T0);
	assert_int_equal(vpm_next_event(&pm, T0), edge);
	assert_false(vpm_sci(&pm, edge - 1));
	assert_true(vpm_sci(&pm, edge));
	assert_int_equal(vpm_next_event(&pm, edge), ~0ull);
	out(STS, 2, PM1_STS_TMR, edge);
	assert_false(vpm_sci(&pm, edge));
	assert_int_equal(vpm_next_event(&pm, edge), edge + HALF * PER_TICK);
}

/* PM1_CNT (Table 4.13): SCI_EN stays 1, GBL_RLS and SLP_EN read 0,
 * BM_RLD and SLP_TYP are kept, and SLP_EN hands SLP_TYP over once. */
static void test_control_and_sleep(void **state)
{
	u16 s5 = VPM_SLP_TYP_S5 << PM1_CNT_SLP_TYP_SHIFT;

	(void)state;
	out(CNT, 2, PM1_CNT_BM_RLD | PM1_CNT_GBL_RLS, T0);
	assert_int_equal(in(CNT, 2, T0), PM1_CNT_SCI_EN | PM1_CNT_BM_RLD);
	out(CNT, 2, s5, T0); /* ACPICA writes SLP_TYP, then SLP_EN */
	assert_int_equal(vpm_take_sleep(&pm), VPM_NO_SLEEP);
	assert_int_equal(in(CNT, 2, T0), PM1_CNT_SCI_EN | s5);
	out(CNT, 2, s5 | PM1_CNT_SLP_EN, T0);
	assert_int_equal(in(CNT, 2, T0), PM1_CNT_SCI_EN | s5);
	assert_int_equal(vpm_take_sleep(&pm), VPM_SLP_TYP_S5);
	assert_int_equal(vpm_take_sleep(&pm), VPM_NO_SLEEP);
	/* By bytes: the high byte carries SLP_TYP and SLP_EN. */
	out(CNT + 1, 1, (3 << 2) | (PM1_CNT_SLP_EN >> 8), T0);
	assert_int_equal(vpm_take_sleep(&pm), 3);
}

/* Only the three blocks' ports, and no access straddling out of one. */
static void test_ports(void **state)
{
	u32 v = 0;

	(void)state;
	assert_false(vpm_io(&pm, STS - 1, true, 1, &v, T0));
	assert_false(vpm_io(&pm, CNT + 2, true, 1, &v, T0));
	assert_false(vpm_io(&pm, CNT, true, 4, &v, T0));
	assert_false(vpm_io(&pm, TMR + 4, true, 1, &v, T0));
	assert_false(vpm_io(&pm, TMR + 2, true, 4, &v, T0));
	assert_true(vpm_io(&pm, TMR + 3, true, 1, &v, T0));
}

#define TV(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TV(test_reset_state),	    TV(test_timer_counts),
		TV(test_timer_fast_tsc),    TV(test_timer_wrap_and_tmr_sts),
		TV(test_enable_bits),	    TV(test_sci_from_timer),
		TV(test_control_and_sleep), TV(test_ports),
	};

	return cmocka_run_group_tests_name("vpm", tests, NULL, NULL);
}
