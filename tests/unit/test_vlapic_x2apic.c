// SPDX-License-Identifier: MIT
/* dm/vlapic_x2apic.c: the local APIC's modes and its x2APIC MSRs (Intel
 * SDM Vol. 3A 11.12). */
#include "dm/vlapic.h"
#include "tests/unit/unit.h"

#define HZ 1000000000ull
#define N  4
#define X2 (APIC_DEFAULT_BASE | APIC_BASE_EN | APIC_BASE_EXTD)
#define XA (APIC_DEFAULT_BASE | APIC_BASE_EN)

/* APIC IDs 0, 1, 2 and 19 (a second cluster in x2APIC logical mode). */
static struct vlapic A[N];
static const struct vlapic *ALL[N] = { &A[0], &A[1], &A[2], &A[3] };
static const u32 IDS[N] = { 0, 1, 2, 19 };

static u32 msr(u32 offset)
{
	return MSR_X2APIC_FIRST + (offset >> 4);
}

static u64 rdm(unsigned cpu, u32 offset)
{
	u64 v = 0xdead;

	assert_int_equal(vlapic_msr_read(&A[cpu], msr(offset), &v, 0), 0);
	return v;
}

static void wrm(unsigned cpu, u32 offset, u64 v)
{
	assert_int_equal(vlapic_msr_write(&A[cpu], msr(offset), v, 0), 0);
}

/* Every APIC in x2APIC mode, software-enabled. */
static int setup(void **state)
{
	(void)state;
	for (unsigned i = 0; i < N; i++) {
		vlapic_reset(&A[i], IDS[i], HZ, 0);
		assert_int_equal(vlapic_set_base_msr(&A[i], X2), 0);
		wrm(i, APIC_SVR, 0x1ff);
	}
	return 0;
}

static void test_mode_transitions(void **state)
{
	struct vlapic *a = &A[1];

	(void)state;
	vlapic_reset(a, 1, HZ, 0);
	assert_false(vlapic_x2apic(a));
	/* Disabled straight to x2APIC, and EXTD without EN: #GP. */
	assert_int_equal(vlapic_set_base_msr(a, APIC_DEFAULT_BASE), 0);
	assert_int_equal(vlapic_set_base_msr(a, X2), -EINVAL);
	assert_int_equal(
		vlapic_set_base_msr(a, APIC_DEFAULT_BASE | APIC_BASE_EXTD),
		-EINVAL);
	assert_int_equal(vlapic_set_base_msr(a, XA), 0);
	assert_int_equal(vlapic_set_base_msr(a, X2), 0);
	assert_true(vlapic_x2apic(a));
	assert_int_equal(vlapic_base_msr(a), X2);
	/* x2APIC straight back to xAPIC: #GP, nothing changed. */
	assert_int_equal(vlapic_set_base_msr(a, XA), -EINVAL);
	assert_true(vlapic_x2apic(a));
	/* Through disabled it may, back to the power-up state. */
	assert_int_equal(vlapic_set_base_msr(a, APIC_DEFAULT_BASE), 0);
	assert_false(vlapic_x2apic(a));
	assert_int_equal(vlapic_set_base_msr(a, XA), 0);
	assert_int_equal(vlapic_read(a, APIC_ID, 0), 1u << 24);
	assert_int_equal(vlapic_read(a, APIC_LDR, 0), 0);
}

static void test_ids_and_mmio(void **state)
{
	u64 v;

	(void)state;
	assert_int_equal(rdm(3, APIC_ID), 19);
	assert_int_equal(rdm(3, APIC_LDR), 1u << 16 | BIT(3)); /* 19 = 16+3 */
	assert_int_equal(rdm(2, APIC_LDR), BIT(2));
	assert_int_equal(rdm(0, APIC_VERSION), 0x00050014);
	/* The MMIO page is not decoded in x2APIC mode. */
	assert_int_equal(vlapic_read(&A[0], APIC_SVR, 0), 0);
	vlapic_write(&A[0], APIC_TPR, 0x20, 0);
	assert_int_equal(rdm(0, APIC_TPR), 0);
	/* ... and the MSRs are not there in xAPIC mode. */
	vlapic_reset(&A[0], 0, HZ, 0);
	assert_int_equal(vlapic_msr_read(&A[0], msr(APIC_ID), &v, 0), -EINVAL);
	assert_int_equal(vlapic_msr_write(&A[0], msr(APIC_TPR), 0, 0), -EINVAL);
}

static void test_access_rules(void **state)
{
	static const u32 read_only[] = { APIC_ID,  APIC_VERSION,
					 APIC_PPR, APIC_LDR,
					 APIC_ISR, APIC_TMR + 0x70,
					 APIC_IRR, APIC_TMCCT };
	static const u32 absent[] = { APIC_APR,	    APIC_RRD, APIC_DFR,
				      APIC_ICR_HI,  0x400,    0xff0,
				      APIC_LVT_CMCI };
	struct vlapic *a = &A[1];
	u64 v;

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(read_only); i++)
		assert_int_equal(vlapic_msr_write(a, msr(read_only[i]), 0, 0),
				 -EINVAL);
	for (unsigned i = 0; i < ARRAY_SIZE(absent); i++) {
		assert_int_equal(vlapic_msr_read(a, msr(absent[i]), &v, 0),
				 -EINVAL);
		assert_int_equal(vlapic_msr_write(a, msr(absent[i]), 0, 0),
				 -EINVAL);
	}
	/* Write-only: EOI and SELF IPI. */
	assert_int_equal(vlapic_msr_read(a, msr(APIC_EOI), &v, 0), -EINVAL);
	assert_int_equal(vlapic_msr_read(a, msr(APIC_SELF_IPI), &v, 0),
			 -EINVAL);
	/* Reserved bits 63:32, a non-zero EOI or ESR: #GP. */
	assert_int_equal(vlapic_msr_write(a, msr(APIC_TPR), BIT(32), 0),
			 -EINVAL);
	assert_int_equal(vlapic_msr_write(a, msr(APIC_EOI), 1, 0), -EINVAL);
	assert_int_equal(vlapic_msr_write(a, msr(APIC_ESR), 1, 0), -EINVAL);
	/* ... and any other reserved bit (SDM 11.12.1.3). */
	assert_int_equal(vlapic_msr_write(a, msr(APIC_TPR), 0x100, 0), -EINVAL);
	assert_int_equal(vlapic_msr_write(a, msr(APIC_SELF_IPI), 0x140, 0),
			 -EINVAL);
	assert_int_equal(
		vlapic_msr_write(a, msr(APIC_ICR_LO), BIT(13) | 0x40, 0),
		-EINVAL);
	assert_int_equal(
		vlapic_msr_write(a, msr(APIC_ICR_LO), BIT(20) | 0x40, 0),
		-EINVAL);
	wrm(1, APIC_ESR, 0);
	/* The TPR is one register, for the MSR and for CR8. */
	wrm(1, APIC_TPR, 0x30);
	assert_int_equal(vlapic_get_tpr(a), 0x30);
	vlapic_set_tpr(a, 0x50);
	assert_int_equal(rdm(1, APIC_TPR), 0x50);
}

/* What the caller does after vCPU @self writes its ICR MSR: the targets
 * other than @self. */
static u64 send(unsigned self, u64 icr)
{
	struct vlapic_ipi ipi;

	wrm(self, APIC_ICR_LO, icr);
	if (!vlapic_take_ipi(&A[self], &ipi))
		return 0;
	assert_true(ipi.x2apic);
	return vlapic_ipi_targets(&ipi, self, ALL, N) & ~BIT(self);
}

static void test_icr_destinations(void **state)
{
	(void)state;
	/* Physical: the 32-bit x2APIC ID. */
	assert_int_equal(send(0, (u64)19 << 32 | 0x40), BIT(3));
	assert_int_equal(rdm(0, APIC_ICR_LO), (u64)19 << 32 | 0x40);
	assert_int_equal(send(0, (u64)2 << 32 | 0x40), BIT(2));
	/* ID 19 is not 0x13000000's xAPIC reading, nor ID 3. */
	assert_int_equal(send(0, (u64)3 << 32 | 0x40), 0);
	/* All ones: everyone. */
	assert_int_equal(send(0, (u64)0xffffffff << 32 | 0x40),
			 BIT(1) | BIT(2) | BIT(3));
	/* Logical, cluster 0 members 1 and 2; cluster 1 member 3 (ID 19). */
	assert_int_equal(send(0, (u64)0x6 << 32 | APIC_ICR_DEST_LOGICAL | 0x40),
			 BIT(1) | BIT(2));
	assert_int_equal(
		send(0, (u64)0x10008 << 32 | APIC_ICR_DEST_LOGICAL | 0x40),
		BIT(3));
	assert_int_equal(send(0, (u64)0x8 << 32 | APIC_ICR_DEST_LOGICAL | 0x40),
			 0);
	/* Shorthands as in xAPIC mode. */
	assert_int_equal(send(1, APIC_ICR_ALL_BUT_SELF | 0x40),
			 BIT(0) | BIT(2) | BIT(3));
	/* An xAPIC-format message (the I/O APIC's): physical by ID, logical
	 * as cluster 0's members. */
	assert_true(vlapic_matches(&A[3], 19, false));
	assert_true(vlapic_matches(&A[2], 0x04, true));
	assert_false(vlapic_matches(&A[3], 0x08, true));
	assert_true(vlapic_matches(&A[3], 0xff, true));
}

static bool irr(unsigned cpu, u8 v)
{
	return rdm(cpu, APIC_IRR + (v >> 5) * 0x10) & (1u << (v & 31));
}

static void test_self_ipi_and_eoi(void **state)
{
	struct vlapic_ipi ipi;

	(void)state;
	wrm(2, APIC_SELF_IPI, 0x55);
	assert_true(irr(2, 0x55));
	/* Only the sender: the caller has nobody else to deliver to. */
	assert_true(vlapic_take_ipi(&A[2], &ipi));
	assert_int_equal(vlapic_ipi_targets(&ipi, 2, ALL, N), BIT(2));
	assert_int_equal(vlapic_pending(&A[2]), 0x55);
	vlapic_accept(&A[2], 0x55);
	wrm(2, APIC_EOI, 0);
	assert_int_equal(vlapic_pending(&A[2]), -1);
	assert_int_equal(rdm(2, APIC_ISR + 0x20), 0);
	/* An illegal vector sends nothing and says so in the ESR. */
	wrm(2, APIC_SELF_IPI, 5);
	assert_false(vlapic_take_ipi(&A[2], &ipi));
	wrm(2, APIC_ESR, 0);
	assert_int_equal(rdm(2, APIC_ESR), APIC_ESR_SEND_ILLEGAL);
}

static void test_init_keeps_mode(void **state)
{
	struct vlapic_ipi init =
		vlapic_icr_decode(APIC_ICR_DM_INIT | APIC_ICR_LEVEL_ASSERT, 0);

	(void)state;
	wrm(3, APIC_TPR, 0x40);
	assert_int_equal(vlapic_accept_ipi(&A[3], &init), VLAPIC_EVENT_INIT);
	assert_true(vlapic_x2apic(&A[3]));
	assert_int_equal(rdm(3, APIC_ID), 19);
	assert_int_equal(rdm(3, APIC_LDR), 1u << 16 | BIT(3));
	assert_int_equal(rdm(3, APIC_TPR), 0);
	assert_int_equal(rdm(3, APIC_SVR), 0xff);
}

static void test_timer_through_msrs(void **state)
{
	(void)state;
	wrm(1, APIC_DCR, APIC_DCR_DIV_BY_1);
	wrm(1, APIC_LVT_TIMER, 0x60);
	wrm(1, APIC_TMICT, 1000);
	assert_int_equal(rdm(1, APIC_TMICT), 1000);
	vlapic_update(&A[1], 400);
	assert_int_equal(rdm(1, APIC_TMCCT), 1000); /* now is 0 in rdm() */
	assert_int_equal(
		vlapic_msr_read(&A[1], msr(APIC_TMCCT), &(u64){ 0 }, 1001), 0);
	assert_true(irr(1, 0x60));
}

#define TS(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TS(test_mode_transitions),   TS(test_ids_and_mmio),
		TS(test_access_rules),	     TS(test_icr_destinations),
		TS(test_self_ipi_and_eoi),   TS(test_init_keeps_mode),
		TS(test_timer_through_msrs),
	};

	return cmocka_run_group_tests_name("vlapic_x2apic", tests, NULL, NULL);
}
