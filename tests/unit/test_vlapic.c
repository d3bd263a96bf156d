// SPDX-License-Identifier: MIT
/* dm/vlapic.c: the guest's virtual xAPIC (Intel SDM Vol. 3A ch. 11). */
#include "dm/vlapic.h"
#include "tests/unit/unit.h"

#define HZ 1000000000ull /* 1 GHz TSC: the timer's input clock */

static struct vlapic A;

static int setup(void **state)
{
	(void)state;
	vlapic_reset(&A, 0, HZ, 0);
	return 0;
}

static u32 rd(u32 off)
{
	return vlapic_read(&A, off, 0);
}

static void wr(u32 off, u32 val)
{
	vlapic_write(&A, off, val, 0);
}

static void sw_enable(void)
{
	wr(APIC_SVR, 0x1ff);
}

/* IRR/ISR/TMR bit of @v as the guest reads it. */
static bool vbit(u32 base, u8 v)
{
	return rd(base + (v >> 5) * 0x10) & (1u << (v & 31));
}

static const u32 lvt_offsets[] = {
	APIC_LVT_CMCI,	APIC_LVT_TIMER, APIC_LVT_THERM, APIC_LVT_PERF,
	APIC_LVT_LINT0, APIC_LVT_LINT1, APIC_LVT_ERROR,
};

/* --- Registers ------------------------------------------------------ */

static void test_reset_values(void **state)
{
	(void)state;
	vlapic_reset(&A, 3, HZ, 12345);
	assert_int_equal(rd(APIC_ID), 0x03000000);
	assert_int_equal(rd(APIC_VERSION), 0x00050014);
	assert_int_equal(rd(APIC_TPR), 0);
	assert_int_equal(rd(APIC_PPR), 0);
	assert_int_equal(rd(APIC_LDR), 0);
	assert_int_equal(rd(APIC_DFR), 0xffffffff);
	assert_int_equal(rd(APIC_SVR), 0xff);
	assert_int_equal(rd(APIC_ESR), 0);
	assert_int_equal(rd(APIC_ICR_LO), 0);
	assert_int_equal(rd(APIC_ICR_HI), 0);
	for (unsigned i = 0; i < ARRAY_SIZE(lvt_offsets); i++)
		assert_int_equal(rd(lvt_offsets[i]), 0x00010000);
	for (u32 i = 0; i < 8; i++) {
		assert_int_equal(rd(APIC_ISR + i * 0x10), 0);
		assert_int_equal(rd(APIC_TMR + i * 0x10), 0);
		assert_int_equal(rd(APIC_IRR + i * 0x10), 0);
	}
	assert_int_equal(rd(APIC_TMICT), 0);
	assert_int_equal(rd(APIC_TMCCT), 0);
	assert_int_equal(rd(APIC_DCR), 0);
	assert_int_equal(vlapic_base_msr(&A), 0xfee00800); /* APIC 3: an AP */
	assert_int_equal(vlapic_pending(&A), -1);
	assert_true(vlapic_extint_open(&A));
	assert_int_equal(vlapic_next_event(&A, 0), ~0ull);
	assert_int_equal(vlapic_timer_count(&A), 0);
}

static void test_unknown_and_unaligned_offsets(void **state)
{
	static const u32 offs[] = { 0x000, 0x010, 0x040, 0x2a0, 0x3a0,
				    0x3f0, 0x400, 0xff0, 0x024, 0x0f4 };

	(void)state;
	sw_enable();
	for (unsigned i = 0; i < ARRAY_SIZE(offs); i++) {
		wr(offs[i], 0xffffffff);
		assert_int_equal(rd(offs[i]), 0);
	}
	assert_int_equal(rd(APIC_SVR), 0x1ff); /* 0x0f4 hit nothing */
	/* Read-only registers ignore writes. */
	wr(APIC_VERSION, 0);
	wr(APIC_PPR, 0xff);
	wr(APIC_IRR, 0xffffffff);
	wr(APIC_ISR + 0x70, 0xffffffff);
	wr(APIC_TMCCT, 5);
	assert_int_equal(rd(APIC_VERSION), 0x00050014);
	assert_int_equal(rd(APIC_PPR), 0);
	assert_int_equal(rd(APIC_IRR), 0);
	assert_int_equal(rd(APIC_ISR + 0x70), 0);
	assert_int_equal(rd(APIC_TMCCT), 0);
	assert_int_equal(rd(APIC_APR), 0);
	assert_int_equal(rd(APIC_RRD), 0);
}

static void test_writable_masks(void **state)
{
	static const struct {
		u32 off, mask;
	} regs[] = {
		{ APIC_ID, 0xff000000 },     { APIC_TPR, 0xff },
		{ APIC_LDR, 0xff000000 },    { APIC_SVR, 0x1ff },
		{ APIC_LVT_CMCI, 0x107ff },  { APIC_LVT_TIMER, 0x700ff },
		{ APIC_LVT_THERM, 0x107ff }, { APIC_LVT_PERF, 0x107ff },
		{ APIC_LVT_LINT0, 0x1a7ff }, { APIC_LVT_LINT1, 0x1a7ff },
		{ APIC_LVT_ERROR, 0x100ff }, { APIC_DCR, 0xb },
		{ APIC_ICR_HI, 0xff000000 },
	};

	(void)state;
	sw_enable();
	for (unsigned i = 0; i < ARRAY_SIZE(regs); i++) {
		wr(regs[i].off, 0xffffffff);
		assert_int_equal(rd(regs[i].off), regs[i].mask);
	}
	/* DFR: only the model (31:28) is writable, the rest reads as 1s. */
	wr(APIC_DFR, 0);
	assert_int_equal(rd(APIC_DFR), 0x0fffffff);
	/* ICR low: delivery status (bit 12) always reads 0 (idle). The
	 * "all excluding self" shorthand sends nothing to us. */
	wr(APIC_ICR_LO, 0xffffffff);
	assert_int_equal(rd(APIC_ICR_LO), 0x000ccfff);
	assert_int_equal(vlapic_pending(&A), -1);
}

static void test_sw_disable_forces_lvt_masks(void **state)
{
	(void)state;
	/* SDM 11.4.7.2: while software-disabled, masks cannot be cleared. */
	wr(APIC_LVT_TIMER, 0x20);
	wr(APIC_LVT_LINT0, 0x700);
	assert_int_equal(rd(APIC_LVT_TIMER), 0x10020);
	assert_int_equal(rd(APIC_LVT_LINT0), 0x10700);
	sw_enable();
	assert_int_equal(rd(APIC_LVT_LINT0), 0x10700); /* stays masked */
	for (unsigned i = 0; i < ARRAY_SIZE(lvt_offsets); i++) {
		wr(lvt_offsets[i], 0x30);
		assert_int_equal(rd(lvt_offsets[i]), 0x30);
	}
	/* Clearing the enable bit masks every LVT entry. */
	wr(APIC_SVR, 0xff);
	for (unsigned i = 0; i < ARRAY_SIZE(lvt_offsets); i++)
		assert_int_equal(rd(lvt_offsets[i]), 0x10030);
}

static void test_extint_open(void **state)
{
	(void)state;
	/* Software-disabled: LINT0 is a plain INTR pin. */
	assert_true(vlapic_extint_open(&A));
	sw_enable();
	assert_false(vlapic_extint_open(&A)); /* LINT0 still masked */
	wr(APIC_LVT_LINT0, 0x700);	      /* ExtINT, unmasked */
	assert_true(vlapic_extint_open(&A));
	wr(APIC_LVT_LINT0, 0x10700); /* ExtINT, masked */
	assert_false(vlapic_extint_open(&A));
	wr(APIC_LVT_LINT0, 0x400); /* NMI */
	assert_false(vlapic_extint_open(&A));
	wr(APIC_LVT_LINT0, 0x30); /* fixed */
	assert_false(vlapic_extint_open(&A));
	/* Globally disabled: INTR goes straight to the core again. */
	assert_int_equal(vlapic_set_base_msr(&A, 0xfee00100), 0);
	assert_true(vlapic_extint_open(&A));
}

/* --- Base MSR --------------------------------------------------------- */

static void test_base_msr_errors(void **state)
{
	static const u64 bad[] = {
		0xfed00900,	      /* relocation */
		0xfee00500,	      /* x2APIC without EN */
		0xfee00901,	      /* reserved bit 0 */
		0xfee00b00,	      /* reserved bit 9 */
		0xfee00900 | BIT(40), /* above the base field */
		0xfee00900 | BIT(63),
	};

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(vlapic_set_base_msr(&A, bad[i]), -EINVAL);
		assert_int_equal(vlapic_base_msr(&A), 0xfee00900);
	}
	assert_int_equal(vlapic_set_base_msr(&A, 0xfee00900), 0);
	/* BSP is read-only. */
	assert_int_equal(vlapic_set_base_msr(&A, 0xfee00800), 0);
	assert_int_equal(vlapic_base_msr(&A), 0xfee00900);
}

static void test_global_disable_resets(void **state)
{
	(void)state;
	vlapic_reset(&A, 2, HZ, 0);
	sw_enable();
	wr(APIC_TPR, 0x20);
	wr(APIC_LVT_TIMER, 0x40);
	wr(APIC_TMICT, 100);
	vlapic_set_irr(&A, 0x50, false);
	assert_int_equal(vlapic_set_base_msr(&A, 0xfee00000), 0);
	assert_int_equal(vlapic_base_msr(&A), 0xfee00000); /* an AP */
	/* The page is not decoded and nothing is delivered. */
	assert_int_equal(rd(APIC_VERSION), 0);
	assert_int_equal(vlapic_pending(&A), -1);
	assert_int_equal(vlapic_next_event(&A, 0), ~0ull);
	wr(APIC_SVR, 0x1ff);
	vlapic_set_irr(&A, 0x60, false);
	/* Re-enabled: back in the power-up state, ID kept (SDM 11.4.3). */
	assert_int_equal(vlapic_set_base_msr(&A, 0xfee00900), 0);
	assert_int_equal(rd(APIC_ID), 0x02000000);
	assert_int_equal(rd(APIC_SVR), 0xff);
	assert_int_equal(rd(APIC_TPR), 0);
	assert_int_equal(rd(APIC_LVT_TIMER), 0x10000);
	assert_int_equal(rd(APIC_IRR + 0x20), 0);
	assert_int_equal(rd(APIC_IRR + 0x30), 0);
}

/* --- Timer ------------------------------------------------------------ */

static void test_oneshot_expiry_with_divisors(void **state)
{
	static const struct {
		u32 dcr, div;
	} dcrs[] = { { 0x0, 2 },  { 0x1, 4 },  { 0x2, 8 },   { 0x3, 16 },
		     { 0x8, 32 }, { 0x9, 64 }, { 0xa, 128 }, { 0xb, 1 } };
	const u64 t0 = 5000;

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(dcrs); i++) {
		u64 due = t0 + 1000ull * dcrs[i].div;

		vlapic_reset(&A, 0, HZ, 0);
		sw_enable();
		wr(APIC_LVT_TIMER, 0x40); /* one-shot, vector 0x40 */
		wr(APIC_DCR, dcrs[i].dcr);
		vlapic_write(&A, APIC_TMICT, 1000, t0);
		assert_int_equal(vlapic_next_event(&A, t0), due);
		vlapic_update(&A, due - 1);
		assert_int_equal(vlapic_pending(&A), -1);
		assert_int_equal(vlapic_read(&A, APIC_TMCCT, due - 1), 1);
		vlapic_update(&A, due);
		assert_int_equal(vlapic_pending(&A), 0x40);
		assert_int_equal(vlapic_timer_count(&A), 1);
		/* One-shot: the count stays 0, nothing more is due. */
		assert_int_equal(vlapic_read(&A, APIC_TMCCT, due * 9), 0);
		assert_int_equal(vlapic_next_event(&A, due), ~0ull);
		assert_int_equal(vlapic_read(&A, APIC_TMICT, due), 1000);
	}
}

static void test_current_count_decreases(void **state)
{
	const u64 t0 = 777;

	(void)state;
	sw_enable();
	wr(APIC_LVT_TIMER, 0x40);
	wr(APIC_DCR, 0x3); /* /16 */
	vlapic_write(&A, APIC_TMICT, 100, t0);
	assert_int_equal(vlapic_read(&A, APIC_TMCCT, t0), 100);
	assert_int_equal(vlapic_read(&A, APIC_TMCCT, t0 + 15), 100);
	assert_int_equal(vlapic_read(&A, APIC_TMCCT, t0 + 16), 99);
	assert_int_equal(vlapic_read(&A, APIC_TMCCT, t0 + 160), 90);
	assert_int_equal(vlapic_read(&A, APIC_TMCCT, t0 + 175), 90);
	assert_int_equal(vlapic_read(&A, APIC_TMCCT, t0 + 1599), 1);
	assert_int_equal(vlapic_read(&A, APIC_TMCCT, t0 + 1600), 0);
	/* Reading the count accounted for the expiry. */
	assert_int_equal(vlapic_pending(&A), 0x40);
}

static void test_periodic_reload(void **state)
{
	(void)state;
	sw_enable();
	wr(APIC_LVT_TIMER, 0x20040); /* periodic */
	wr(APIC_DCR, 0xb);	     /* /1 */
	vlapic_write(&A, APIC_TMICT, 1000, 0);
	assert_int_equal(vlapic_next_event(&A, 0), 1000);
	vlapic_update(&A, 1000);
	assert_int_equal(vlapic_pending(&A), 0x40);
	assert_int_equal(vlapic_next_event(&A, 1000), 2000);
	assert_int_equal(vlapic_read(&A, APIC_TMCCT, 1000), 1000);
	assert_int_equal(vlapic_read(&A, APIC_TMCCT, 1500), 500);
	vlapic_accept(&A, 0x40);
	vlapic_write(&A, APIC_EOI, 0, 1600);
	/* Four expiries (2000..5000) while nobody looked: one IRR bit. */
	vlapic_update(&A, 5500);
	assert_int_equal(vlapic_timer_count(&A), 5);
	assert_int_equal(vlapic_pending(&A), 0x40);
	assert_int_equal(vlapic_next_event(&A, 5500), 6000);
	assert_int_equal(vlapic_read(&A, APIC_TMCCT, 5500), 500);
	vlapic_accept(&A, 0x40);
	assert_int_equal(vlapic_pending(&A), -1);
	assert_true(vbit(APIC_ISR, 0x40));
	assert_false(vbit(APIC_IRR, 0x40));
}

static void test_masked_expiry_lost(void **state)
{
	(void)state;
	sw_enable();
	wr(APIC_DCR, 0xb);
	wr(APIC_LVT_TIMER, 0x10040); /* one-shot, masked */
	vlapic_write(&A, APIC_TMICT, 100, 0);
	assert_int_equal(vlapic_next_event(&A, 0), ~0ull);
	vlapic_update(&A, 200);
	assert_int_equal(vlapic_timer_count(&A), 1);
	vlapic_write(&A, APIC_LVT_TIMER, 0x40, 300); /* unmask: too late */
	assert_int_equal(vlapic_pending(&A), -1);
	assert_int_equal(vlapic_read(&A, APIC_TMCCT, 300), 0);

	/* Periodic keeps counting while masked; unmasked, it fires again. */
	wr(APIC_LVT_TIMER, 0x30040);
	vlapic_write(&A, APIC_TMICT, 100, 1000);
	vlapic_update(&A, 1250);
	assert_int_equal(vlapic_pending(&A), -1);
	vlapic_write(&A, APIC_LVT_TIMER, 0x20040, 1250);
	assert_int_equal(vlapic_next_event(&A, 1250), 1300);
	vlapic_update(&A, 1300);
	assert_int_equal(vlapic_pending(&A), 0x40);
}

static void test_expiry_before_mask_write_kept(void **state)
{
	(void)state;
	sw_enable();
	wr(APIC_DCR, 0xb);
	wr(APIC_LVT_TIMER, 0x40);
	vlapic_write(&A, APIC_TMICT, 100, 0);
	/* The guest masks at 150; the expiry at 100 happened unmasked. */
	vlapic_write(&A, APIC_LVT_TIMER, 0x10040, 150);
	assert_int_equal(vlapic_pending(&A), 0x40);
}

static void test_initial_count_restart_and_stop(void **state)
{
	(void)state;
	sw_enable();
	wr(APIC_DCR, 0xb);
	wr(APIC_LVT_TIMER, 0x40);
	vlapic_write(&A, APIC_TMICT, 100, 0);
	vlapic_write(&A, APIC_TMICT, 100, 50); /* restart */
	assert_int_equal(vlapic_next_event(&A, 50), 150);
	vlapic_update(&A, 120);
	assert_int_equal(vlapic_pending(&A), -1);
	vlapic_write(&A, APIC_TMICT, 0, 120); /* stop */
	assert_int_equal(vlapic_next_event(&A, 120), ~0ull);
	assert_int_equal(vlapic_read(&A, APIC_TMCCT, 130), 0);
	vlapic_update(&A, 1000);
	assert_int_equal(vlapic_pending(&A), -1);
	assert_int_equal(vlapic_timer_count(&A), 0);
}

static void test_deadline_mode_disarms(void **state)
{
	(void)state;
	sw_enable();
	wr(APIC_DCR, 0xb);
	wr(APIC_LVT_TIMER, 0x40);
	vlapic_write(&A, APIC_TMICT, 100, 0);
	wr(APIC_LVT_TIMER, 0x40040); /* TSC-deadline */
	assert_int_equal(vlapic_next_event(&A, 0), ~0ull);
	vlapic_write(&A, APIC_TMICT, 500, 10); /* ignored */
	assert_int_equal(rd(APIC_TMICT), 100);
	assert_int_equal(vlapic_next_event(&A, 10), ~0ull);
	vlapic_update(&A, 10000);
	assert_int_equal(vlapic_pending(&A), -1);
	/* Back to one-shot: disarmed until the next initial count. */
	wr(APIC_LVT_TIMER, 0x40);
	assert_int_equal(vlapic_next_event(&A, 10000), ~0ull);
	vlapic_write(&A, APIC_TMICT, 10, 10000);
	assert_int_equal(vlapic_next_event(&A, 10000), 10010);
}

/* IA32_TSC_DEADLINE (SDM 11.5.4.1): arms in TSC-deadline mode only,
 * fires once when the TSC reaches it and then reads 0; 0 disarms; a
 * deadline already past fires at once; leaving the mode clears it. */
static void test_tsc_deadline(void **state)
{
	(void)state;
	sw_enable();
	vlapic_set_tsc_deadline(&A, 1000, 0); /* one-shot mode: ignored */
	assert_int_equal(vlapic_tsc_deadline(&A, 0), 0);
	assert_int_equal(vlapic_next_event(&A, 0), ~0ull);

	wr(APIC_LVT_TIMER, 0x40040); /* vector 0x40, TSC-deadline */
	assert_int_equal(vlapic_tsc_deadline(&A, 10), 0);
	vlapic_set_tsc_deadline(&A, 1000, 10);
	assert_int_equal(vlapic_tsc_deadline(&A, 10), 1000);
	assert_int_equal(vlapic_next_event(&A, 10), 1000);
	assert_int_equal(rd(APIC_TMCCT), 0);
	vlapic_update(&A, 999);
	assert_int_equal(vlapic_pending(&A), -1);
	vlapic_update(&A, 1000);
	assert_int_equal(vlapic_pending(&A), 0x40);
	assert_int_equal(vlapic_tsc_deadline(&A, 1000), 0);
	assert_int_equal(vlapic_next_event(&A, 1000), ~0ull);
	vlapic_accept(&A, 0x40);
	wr(APIC_EOI, 0);

	vlapic_set_tsc_deadline(&A, 5000, 1000);
	vlapic_set_tsc_deadline(&A, 0, 1100); /* disarm */
	vlapic_update(&A, 9000);
	assert_int_equal(vlapic_pending(&A), -1);

	vlapic_set_tsc_deadline(&A, 5, 9000); /* already past */
	vlapic_update(&A, 9000);
	assert_int_equal(vlapic_pending(&A), 0x40);
	vlapic_accept(&A, 0x40);
	wr(APIC_EOI, 0);

	/* Masked: the expiry disarms but raises nothing. */
	wr(APIC_LVT_TIMER, 0x50040);
	vlapic_set_tsc_deadline(&A, 9500, 9000);
	vlapic_update(&A, 9600);
	assert_int_equal(vlapic_pending(&A), -1);
	assert_int_equal(vlapic_tsc_deadline(&A, 9600), 0);

	/* Leaving the mode clears an armed deadline. */
	wr(APIC_LVT_TIMER, 0x40040);
	vlapic_set_tsc_deadline(&A, 20000, 9600);
	wr(APIC_LVT_TIMER, 0x40);
	assert_int_equal(vlapic_tsc_deadline(&A, 9700), 0);
	wr(APIC_LVT_TIMER, 0x40040);
	assert_int_equal(vlapic_tsc_deadline(&A, 9700), 0);
	assert_int_equal(vlapic_next_event(&A, 9700), ~0ull);
}

static void test_divisor_change_midway(void **state)
{
	(void)state;
	sw_enable();
	wr(APIC_DCR, 0xb); /* /1 */
	wr(APIC_LVT_TIMER, 0x40);
	vlapic_write(&A, APIC_TMICT, 1000, 0);
	vlapic_write(&A, APIC_DCR, 0x0, 400); /* /2 with 600 left */
	assert_int_equal(vlapic_read(&A, APIC_TMCCT, 400), 600);
	assert_int_equal(vlapic_read(&A, APIC_TMCCT, 1000), 300);
	assert_int_equal(vlapic_next_event(&A, 1000), 1600);
}

static void test_timer_large_values(void **state)
{
	const u64 t0 = 1ull << 60;
	const u64 hz = 5000000000ull;

	(void)state;
	vlapic_reset(&A, 0, hz, t0);
	sw_enable();
	wr(APIC_LVT_TIMER, 0x20040);
	wr(APIC_DCR, 0xa); /* /128 */
	vlapic_write(&A, APIC_TMICT, 0xffffffff, t0);
	assert_int_equal(vlapic_next_event(&A, t0), t0 + 0xffffffffull * 128);
	assert_int_equal(vlapic_read(&A, APIC_TMCCT, t0 + 128 * 5),
			 0xffffffff - 5);
	vlapic_update(&A, t0 + 0xffffffffull * 128 * 3 + 1);
	assert_int_equal(vlapic_timer_count(&A), 3);
	assert_int_equal(vlapic_next_event(&A, 0),
			 t0 + 0xffffffffull * 128 * 4);
}

/* --- Priorities, EOI, IPIs --------------------------------------------- */

static void test_tpr_ppr_blocking(void **state)
{
	(void)state;
	sw_enable();
	vlapic_set_irr(&A, 0x51, false);
	assert_int_equal(vlapic_pending(&A), 0x51);
	wr(APIC_TPR, 0x50); /* same class: blocked */
	assert_int_equal(rd(APIC_PPR), 0x50);
	assert_int_equal(vlapic_pending(&A), -1);
	wr(APIC_TPR, 0x4f);
	assert_int_equal(vlapic_pending(&A), 0x51);
	wr(APIC_TPR, 0x20);
	vlapic_accept(&A, 0x51);
	/* PPR = ISRV class when it is above the TPR's, else TPR. */
	assert_int_equal(rd(APIC_PPR), 0x50);
	wr(APIC_TPR, 0x5a);
	assert_int_equal(rd(APIC_PPR), 0x5a);
	assert_int_equal(vlapic_ppr(&A), 0x5a);
	vlapic_set_irr(&A, 0x5f, false);
	assert_int_equal(vlapic_pending(&A), -1);
	vlapic_set_irr(&A, 0x60, false);
	assert_int_equal(vlapic_pending(&A), 0x60);
}

static void test_eoi_nested(void **state)
{
	(void)state;
	sw_enable();
	vlapic_set_irr(&A, 0x30, false);
	assert_int_equal(vlapic_pending(&A), 0x30);
	vlapic_accept(&A, 0x30);
	assert_int_equal(rd(APIC_ISR + 0x10), 0x00010000);
	assert_int_equal(rd(APIC_PPR), 0x30);
	vlapic_set_irr(&A, 0x35, false); /* same class as in service */
	assert_int_equal(vlapic_pending(&A), -1);
	vlapic_set_irr(&A, 0x80, false);
	assert_int_equal(vlapic_pending(&A), 0x80);
	vlapic_accept(&A, 0x80);
	assert_int_equal(rd(APIC_PPR), 0x80);
	assert_int_equal(vlapic_pending(&A), -1);
	wr(APIC_EOI, 0); /* retires 0x80, the highest */
	assert_false(vbit(APIC_ISR, 0x80));
	assert_true(vbit(APIC_ISR, 0x30));
	assert_int_equal(rd(APIC_PPR), 0x30);
	assert_int_equal(vlapic_pending(&A), -1);
	wr(APIC_EOI, 0);
	assert_int_equal(rd(APIC_PPR), 0);
	assert_int_equal(vlapic_pending(&A), 0x35);
	vlapic_accept(&A, 0x35);
	wr(APIC_EOI, 0);
	wr(APIC_EOI, 0); /* nothing in service: harmless */
	assert_int_equal(vlapic_pending(&A), -1);
}

static void test_level_sets_tmr(void **state)
{
	(void)state;
	sw_enable();
	vlapic_set_irr(&A, 0x41, true);
	assert_int_equal(rd(APIC_TMR + 0x20), 0x2);
	assert_int_equal(rd(APIC_IRR + 0x20), 0x2);
	vlapic_accept(&A, 0x41);
	assert_int_equal(rd(APIC_ISR + 0x20), 0x2);
	assert_int_equal(vlapic_take_level_eoi(&A), -1);
	wr(APIC_EOI, 0);
	assert_int_equal(rd(APIC_TMR + 0x20), 0);
	assert_int_equal(rd(APIC_ISR + 0x20), 0);
	/* The EOI of a level-triggered vector goes to the I/O APIC, once. */
	assert_int_equal(vlapic_take_level_eoi(&A), 0x41);
	assert_int_equal(vlapic_take_level_eoi(&A), -1);
	/* An edge-triggered one's does not. */
	vlapic_set_irr(&A, 0x43, false);
	vlapic_accept(&A, 0x43);
	wr(APIC_EOI, 0);
	assert_int_equal(vlapic_take_level_eoi(&A), -1);
	vlapic_set_irr(&A, 0x42, true);
	vlapic_set_irr(&A, 0x42, false); /* edge acceptance clears TMR */
	assert_false(vbit(APIC_TMR, 0x42));
}

static void test_disabled_drops_fixed(void **state)
{
	(void)state;
	vlapic_set_irr(&A, 0x40, false); /* software-disabled */
	assert_false(vbit(APIC_IRR, 0x40));
	sw_enable();
	vlapic_set_irr(&A, 0x40, false);
	wr(APIC_SVR, 0xff);
	assert_int_equal(vlapic_pending(&A), -1); /* held, not delivered */
	sw_enable();
	assert_int_equal(vlapic_pending(&A), 0x40);
}

static void test_self_ipi(void **state)
{
	(void)state;
	vlapic_reset(&A, 1, HZ, 0);
	sw_enable();
	wr(APIC_ICR_LO, 0x40031); /* shorthand self */
	assert_int_equal(rd(APIC_ICR_LO), 0x40031);
	assert_true(vbit(APIC_IRR, 0x31));
	wr(APIC_ICR_LO, 0x80032); /* all including self */
	assert_true(vbit(APIC_IRR, 0x32));
	wr(APIC_ICR_LO, 0xc0033); /* all excluding self */
	assert_false(vbit(APIC_IRR, 0x33));
	wr(APIC_ICR_HI, 0x01000000); /* physical, own ID */
	wr(APIC_ICR_LO, 0x34);
	assert_true(vbit(APIC_IRR, 0x34));
	wr(APIC_ICR_HI, 0x05000000); /* another CPU */
	wr(APIC_ICR_LO, 0x35);
	assert_false(vbit(APIC_IRR, 0x35));
	wr(APIC_ICR_HI, 0xff000000); /* broadcast */
	wr(APIC_ICR_LO, 0x36);
	assert_true(vbit(APIC_IRR, 0x36));
	/* Logical, flat model. */
	wr(APIC_LDR, 0x04000000);
	wr(APIC_ICR_HI, 0x0c000000);
	wr(APIC_ICR_LO, 0x837);
	assert_true(vbit(APIC_IRR, 0x37));
	wr(APIC_ICR_HI, 0x03000000);
	wr(APIC_ICR_LO, 0x838);
	assert_false(vbit(APIC_IRR, 0x38));
	/* INIT, SIPI, NMI to self: accepted and ignored. */
	wr(APIC_ICR_LO, 0x44539);
	wr(APIC_ICR_LO, 0x4063a);
	wr(APIC_ICR_LO, 0x4043b);
	for (u8 v = 0x39; v <= 0x3b; v++)
		assert_false(vbit(APIC_IRR, v));
	assert_int_equal(vlapic_pending(&A), 0x37);
}

static void test_esr_and_illegal_vectors(void **state)
{
	(void)state;
	sw_enable();
	wr(APIC_ICR_LO, 0x40005); /* self IPI, illegal vector */
	assert_int_equal(rd(APIC_IRR), 0);
	assert_int_equal(rd(APIC_ESR), 0); /* not latched yet */
	wr(APIC_ESR, 0);
	assert_int_equal(rd(APIC_ESR), APIC_ESR_SEND_ILLEGAL);
	wr(APIC_ESR, 0);
	assert_int_equal(rd(APIC_ESR), 0);
	/* With the error LVT unmasked, errors interrupt. */
	wr(APIC_LVT_ERROR, 0xfe);
	vlapic_set_irr(&A, 3, false);
	assert_int_equal(vlapic_pending(&A), 0xfe);
	wr(APIC_ESR, 0);
	assert_int_equal(rd(APIC_ESR), APIC_ESR_RECV_ILLEGAL);
}

#define TS(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TS(test_reset_values),
		TS(test_unknown_and_unaligned_offsets),
		TS(test_writable_masks),
		TS(test_sw_disable_forces_lvt_masks),
		TS(test_extint_open),
		TS(test_base_msr_errors),
		TS(test_global_disable_resets),
		TS(test_oneshot_expiry_with_divisors),
		TS(test_current_count_decreases),
		TS(test_periodic_reload),
		TS(test_masked_expiry_lost),
		TS(test_expiry_before_mask_write_kept),
		TS(test_initial_count_restart_and_stop),
		TS(test_deadline_mode_disarms),
		TS(test_tsc_deadline),
		TS(test_divisor_change_midway),
		TS(test_timer_large_values),
		TS(test_tpr_ppr_blocking),
		TS(test_eoi_nested),
		TS(test_level_sets_tmr),
		TS(test_disabled_drops_fixed),
		TS(test_self_ipi),
		TS(test_esr_and_illegal_vectors),
	};

	return cmocka_run_group_tests_name("vlapic", tests, NULL, NULL);
}
