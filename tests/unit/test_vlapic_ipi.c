// SPDX-License-Identifier: MIT
/* dm/vlapic_ipi.c: IPIs between virtual xAPICs (Intel SDM Vol. 3A 11.6). */
#include "dm/vlapic.h"
#include "tests/unit/unit.h"

#define HZ 1000000000ull
#define N  4

static struct vlapic A[N];
static const struct vlapic *ALL[N] = { &A[0], &A[1], &A[2], &A[3] };

/* N vCPUs, APIC IDs = indices, software-enabled. */
static int setup(void **state)
{
	(void)state;
	for (u32 i = 0; i < N; i++) {
		vlapic_reset(&A[i], i, HZ, 0);
		vlapic_write(&A[i], APIC_SVR, 0x1ff, 0);
	}
	return 0;
}

static u32 rd(unsigned cpu, u32 off)
{
	return vlapic_read(&A[cpu], off, 0);
}

static void wr(unsigned cpu, u32 off, u32 val)
{
	vlapic_write(&A[cpu], off, val, 0);
}

static bool irr(unsigned cpu, u8 v)
{
	return rd(cpu, APIC_IRR + (v >> 5) * 0x10) & (1u << (v & 31));
}

/* The targets of ICR (@lo, @hi) sent by vCPU @self. */
static u64 targets(unsigned self, u32 lo, u32 hi)
{
	struct vlapic_ipi ipi = vlapic_icr_decode(lo, hi);

	return vlapic_ipi_targets(&ipi, self, ALL, N);
}

/* What a caller does after vCPU @self writes ICR (hi, then lo): route the
 * IPI to the others, recording each target's event in @ev. */
static void send(unsigned self, u32 lo, u32 hi, enum vlapic_event *ev)
{
	struct vlapic_ipi ipi;
	u64 set;

	for (unsigned i = 0; i < N; i++)
		ev[i] = VLAPIC_EVENT_NONE;
	wr(self, APIC_ICR_HI, hi);
	wr(self, APIC_ICR_LO, lo);
	if (!vlapic_take_ipi(&A[self], &ipi))
		return;
	set = vlapic_ipi_targets(&ipi, self, ALL, N) & ~BIT(self);
	for (unsigned i = 0; i < N; i++)
		if (set & BIT(i))
			ev[i] = vlapic_accept_ipi(&A[i], &ipi);
}

/* --- Registers ------------------------------------------------------ */

static void test_id_register(void **state)
{
	(void)state;
	for (u32 i = 0; i < N; i++) {
		assert_int_equal(rd(i, APIC_ID), i << 24);
		/* Only APIC 0 is the BSP. */
		assert_int_equal(vlapic_base_msr(&A[i]),
				 i ? 0xfee00800 : 0xfee00900);
	}
	/* INIT keeps the ID and IA32_APIC_BASE (SDM 11.4.7.3). */
	wr(2, APIC_TPR, 0x20);
	vlapic_init(&A[2]);
	assert_int_equal(rd(2, APIC_ID), 2u << 24);
	assert_int_equal(rd(2, APIC_TPR), 0);
	assert_int_equal(rd(2, APIC_SVR), 0xff);
	assert_int_equal(vlapic_base_msr(&A[2]), 0xfee00800);
	/* So does a global disable and enable. */
	assert_int_equal(vlapic_set_base_msr(&A[3], 0xfee00000), 0);
	assert_int_equal(vlapic_set_base_msr(&A[3], 0xfee00800), 0);
	assert_int_equal(rd(3, APIC_ID), 3u << 24);
	assert_int_equal(vlapic_base_msr(&A[3]), 0xfee00800);
	assert_int_equal(vlapic_set_base_msr(&A[0], 0xfee00000), 0);
	assert_int_equal(vlapic_set_base_msr(&A[0], 0xfee00800), 0);
	assert_int_equal(vlapic_base_msr(&A[0]), 0xfee00900);
}

static void test_ldr_dfr_masks(void **state)
{
	(void)state;
	wr(1, APIC_LDR, 0xffffffff);
	assert_int_equal(rd(1, APIC_LDR), 0xff000000);
	wr(1, APIC_LDR, 0x00ffffff);
	assert_int_equal(rd(1, APIC_LDR), 0);
	/* DFR: the model in 31:28, the rest reads as 1s (SDM 11.6.2.2). */
	wr(1, APIC_DFR, 0);
	assert_int_equal(rd(1, APIC_DFR), 0x0fffffff);
	wr(1, APIC_DFR, 0x5a5a5a5a);
	assert_int_equal(rd(1, APIC_DFR), 0x5fffffff);
	wr(1, APIC_DFR, 0xffffffff);
	assert_int_equal(rd(1, APIC_DFR), 0xffffffff);
	/* INIT returns both to their reset values. */
	wr(1, APIC_LDR, 0x40000000);
	wr(1, APIC_DFR, 0);
	vlapic_init(&A[1]);
	assert_int_equal(rd(1, APIC_LDR), 0);
	assert_int_equal(rd(1, APIC_DFR), 0xffffffff);
}

static void test_icr_decode(void **state)
{
	static const struct {
		u32 lo, hi;
		struct vlapic_ipi want;
	} cases[] = {
		{ 0x000c4d9a,
		  0x05000000,
		  { .vector = 0x9a,
		    .delivery_mode = APIC_DM_INIT,
		    .dest_logical = true,
		    .level = true,
		    .shorthand = APIC_DEST_ALL_EXCL_SELF,
		    .destination = 5 } },
		{ 0x00008231,
		  0xff000000,
		  { .vector = 0x31,
		    .delivery_mode = APIC_DM_SMI,
		    .trigger_level = true,
		    .destination = APIC_DEST_BROADCAST } },
		{ 0x00040600,
		  0,
		  { .delivery_mode = APIC_DM_STARTUP,
		    .shorthand = APIC_DEST_SELF } },
		{ 0xffffffff,
		  0xffffffff,
		  { .vector = 0xff,
		    .delivery_mode = 7,
		    .dest_logical = true,
		    .level = true,
		    .trigger_level = true,
		    .shorthand = 3,
		    .destination = 0xff } },
	};

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct vlapic_ipi got =
			vlapic_icr_decode(cases[i].lo, cases[i].hi);
		const struct vlapic_ipi *w = &cases[i].want;

		assert_int_equal(got.vector, w->vector);
		assert_int_equal(got.delivery_mode, w->delivery_mode);
		assert_int_equal(got.dest_logical, w->dest_logical);
		assert_int_equal(got.level, w->level);
		assert_int_equal(got.trigger_level, w->trigger_level);
		assert_int_equal(got.shorthand, w->shorthand);
		assert_int_equal(got.destination, w->destination);
	}
}

/* --- Destinations --------------------------------------------------- */

static void test_physical(void **state)
{
	(void)state;
	for (u32 i = 0; i < N; i++)
		assert_int_equal(targets(0, 0x40, i << 24), BIT(i));
	assert_int_equal(targets(0, 0x40, 0x07000000), 0);
	assert_int_equal(targets(1, 0x40, 0xff000000), 0xf); /* broadcast */
	/* The ID register as the guest rewrote it decides. */
	wr(3, APIC_ID, 0x09000000);
	assert_int_equal(targets(0, 0x40, 0x09000000), BIT(3));
	assert_int_equal(targets(0, 0x40, 0x03000000), 0);
	/* A globally disabled APIC takes nothing, broadcast or shorthand. */
	assert_int_equal(vlapic_set_base_msr(&A[2], 0xfee00000), 0);
	assert_int_equal(targets(0, 0x40, 0x02000000), 0);
	assert_int_equal(targets(0, 0x40, 0xff000000), 0xb);
	assert_int_equal(targets(0, 0x80040, 0), 0xb);
	assert_false(vlapic_matches(&A[2], 0xff, false));
	assert_true(vlapic_matches(&A[1], 0xff, true));
}

static void test_logical_flat(void **state)
{
	(void)state;
	for (u32 i = 0; i < N; i++)
		wr(i, APIC_LDR, (1u << i) << 24);
	assert_int_equal(targets(0, 0x840, 0x05000000), 0x5);
	assert_int_equal(targets(0, 0x840, 0x08000000), 0x8);
	assert_int_equal(targets(0, 0x840, 0x30000000), 0);
	assert_int_equal(targets(0, 0x840, 0xff000000), 0xf);
	/* Physical mode ignores the LDR. */
	assert_int_equal(targets(0, 0x040, 0x05000000), 0);
	/* Two APICs may share logical ID bits. */
	wr(3, APIC_LDR, 0x03000000);
	assert_int_equal(targets(0, 0x840, 0x01000000), 0x9);
	/* An APIC with logical ID 0 only takes a broadcast. */
	wr(2, APIC_LDR, 0);
	assert_int_equal(targets(0, 0x840, 0x7f000000), 0xb);
	assert_int_equal(targets(0, 0x840, 0xff000000), 0xf);
}

static void test_logical_cluster(void **state)
{
	static const u32 ldr[N] = { 0x11, 0x12, 0x21, 0x22 };

	(void)state;
	for (u32 i = 0; i < N; i++) {
		wr(i, APIC_DFR, 0x0fffffff);
		wr(i, APIC_LDR, ldr[i] << 24);
	}
	assert_int_equal(targets(0, 0x840, 0x13000000), 0x3);
	assert_int_equal(targets(0, 0x840, 0x12000000), 0x2);
	assert_int_equal(targets(0, 0x840, 0x22000000), 0x8);
	assert_int_equal(targets(0, 0x840, 0x2f000000), 0xc);
	assert_int_equal(targets(0, 0x840, 0x33000000), 0); /* no cluster 3 */
	assert_int_equal(targets(0, 0x840, 0x10000000), 0); /* no member */
	assert_int_equal(targets(0, 0x840, 0xff000000), 0xf);
	/* The flat reading of 0x13 would also take 0x21 and 0x22. */
	wr(2, APIC_DFR, 0xffffffff);
	assert_int_equal(targets(0, 0x840, 0x13000000), 0x7);
}

static void test_shorthands(void **state)
{
	/* The destination field is ignored with a shorthand, and the
	 * delivery mode does not change the set. */
	static const struct {
		unsigned self;
		u32 lo, hi;
		u64 want;
	} cases[] = {
		{ 1, 0x40040, 0x03000000, BIT(1) }, /* self */
		{ 1, 0x80040, 0x03000000, 0xf },    /* all including self */
		{ 1, 0xc0040, 0x01000000, 0xd },    /* all excluding self */
		{ 3, 0xc0840, 0xff000000, 0x7 },
		{ 2, 0xc0500, 0, 0xb }, /* INIT */
		{ 2, 0xc0400, 0, 0xb }, /* NMI */
	};

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++)
		assert_int_equal(
			targets(cases[i].self, cases[i].lo, cases[i].hi),
			cases[i].want);
}

static void test_lowest_priority(void **state)
{
	(void)state;
	/* Among several candidates exactly one is chosen. */
	assert_int_equal(targets(0, 0x140, 0xff000000), BIT(0)); /* self */
	assert_int_equal(targets(3, 0x140, 0xff000000), BIT(3));
	assert_int_equal(targets(3, 0xc0140, 0), BIT(0));
	assert_int_equal(targets(0, 0xc0140, 0), BIT(1));
	/* A software-disabled candidate is passed over... */
	wr(1, APIC_SVR, 0xff);
	assert_int_equal(targets(0, 0xc0140, 0), BIT(2));
	/* ...unless all are. */
	wr(2, APIC_SVR, 0xff);
	wr(3, APIC_SVR, 0xff);
	assert_int_equal(targets(0, 0xc0140, 0), BIT(1));
	/* No candidate, no target. */
	assert_int_equal(targets(0, 0x140, 0x07000000), 0);
}

/* --- Receiving ------------------------------------------------------ */

static void test_accept_fixed(void **state)
{
	struct vlapic_ipi ipi = vlapic_icr_decode(0xc8041, 0); /* level */

	(void)state;
	assert_int_equal(vlapic_accept_ipi(&A[1], &ipi), VLAPIC_EVENT_IRR);
	assert_true(irr(1, 0x41));
	/* An xAPIC sends level-triggered IPIs as edge: TMR stays clear. */
	assert_false(rd(1, APIC_TMR + 0x20) & BIT(1));
	assert_int_equal(vlapic_pending(&A[1]), 0x41);
	/* Lowest priority arrives as fixed. */
	ipi = vlapic_icr_decode(0x142, 0);
	assert_int_equal(vlapic_accept_ipi(&A[1], &ipi), VLAPIC_EVENT_IRR);
	assert_true(irr(1, 0x42));
	/* A software-disabled APIC drops fixed IPIs (SDM 11.4.7.2). */
	wr(2, APIC_SVR, 0xff);
	ipi = vlapic_icr_decode(0x43, 0);
	assert_int_equal(vlapic_accept_ipi(&A[2], &ipi), VLAPIC_EVENT_NONE);
	assert_false(irr(2, 0x43));
	/* An illegal vector arriving counts as a receive error. */
	ipi = vlapic_icr_decode(0x0f, 0);
	assert_int_equal(vlapic_accept_ipi(&A[3], &ipi), VLAPIC_EVENT_NONE);
	wr(3, APIC_ESR, 0);
	assert_int_equal(rd(3, APIC_ESR), APIC_ESR_RECV_ILLEGAL);
}

static void test_accept_nmi_smi_reserved(void **state)
{
	struct vlapic_ipi ipi = vlapic_icr_decode(0x4ff, 0);

	(void)state;
	wr(1, APIC_SVR, 0xff); /* NMI reaches a software-disabled APIC */
	assert_int_equal(vlapic_accept_ipi(&A[1], &ipi), VLAPIC_EVENT_NMI);
	assert_true(A[1].nmi_pending);
	assert_int_equal(vlapic_pending(&A[1]), -1);
	assert_false(irr(1, 0xff));
	ipi = vlapic_icr_decode(0x200, 0);
	assert_int_equal(vlapic_accept_ipi(&A[2], &ipi), VLAPIC_EVENT_SMI);
	for (u32 mode = 3; mode <= 7; mode += 4) {
		ipi = vlapic_icr_decode(mode << 8 | 0x50, 0);
		assert_int_equal(vlapic_accept_ipi(&A[2], &ipi),
				 VLAPIC_EVENT_NONE);
		assert_false(irr(2, 0x50));
	}
	assert_false(A[2].nmi_pending);
}

/* INIT, INIT de-assert, SIPI, SIPI: how Linux starts an AP. */
static void test_init_sipi(void **state)
{
	enum vlapic_event ev[N];

	(void)state;
	wr(2, APIC_TPR, 0x30);
	wr(2, APIC_LDR, 0x04000000);
	vlapic_set_irr(&A[2], 0x60, false);
	send(0, 0xc500, 0x02000000, ev); /* INIT, level, assert */
	assert_int_equal(ev[2], VLAPIC_EVENT_INIT);
	assert_int_equal(ev[1], VLAPIC_EVENT_NONE);
	assert_int_equal(rd(2, APIC_TPR), 0);
	assert_int_equal(rd(2, APIC_LDR), 0);
	assert_int_equal(rd(2, APIC_SVR), 0xff);
	assert_false(irr(2, 0x60));
	assert_int_equal(rd(2, APIC_ID), 0x02000000);
	/* De-assert: accepted, no effect; the APIC is not reset again. */
	wr(2, APIC_TPR, 0x30);
	send(0, 0x8500, 0x02000000, ev);
	assert_int_equal(ev[2], VLAPIC_EVENT_NONE);
	assert_int_equal(rd(2, APIC_TPR), 0x30);
	send(0, 0x69a, 0x02000000, ev); /* SIPI, start at 0x9a000 */
	assert_int_equal(ev[2], VLAPIC_EVENT_SIPI);
	assert_int_equal(rd(2, APIC_TPR), 0x30);
	/* The caller learns the start page from the request. */
	wr(0, APIC_ICR_LO, 0x69a);
	{
		struct vlapic_ipi ipi;

		assert_true(vlapic_take_ipi(&A[0], &ipi));
		assert_int_equal(ipi.delivery_mode, APIC_DM_STARTUP);
		assert_int_equal((u32)ipi.vector << 12, 0x9a000);
	}
	/* A SIPI's vector 0 is a page number, not an illegal vector. */
	send(0, 0x600, 0x02000000, ev);
	assert_int_equal(ev[2], VLAPIC_EVENT_SIPI);
	/* INIT to all excluding self, edge-triggered. */
	send(1, 0xc4500, 0, ev);
	assert_int_equal(ev[0], VLAPIC_EVENT_INIT);
	assert_int_equal(ev[1], VLAPIC_EVENT_NONE);
	assert_int_equal(ev[2], VLAPIC_EVENT_INIT);
	assert_int_equal(ev[3], VLAPIC_EVENT_INIT);
}

/* --- Sending -------------------------------------------------------- */

static void test_send_fixed(void **state)
{
	enum vlapic_event ev[N];
	struct vlapic_ipi ipi;

	(void)state;
	send(1, 0x4051, 0x03000000, ev);
	assert_int_equal(ev[3], VLAPIC_EVENT_IRR);
	assert_true(irr(3, 0x51));
	assert_false(irr(1, 0x51));
	assert_false(irr(0, 0x51));
	/* Delivery status reads idle: braid delivers at once. */
	assert_int_equal(rd(1, APIC_ICR_LO), 0x4051);
	assert_false(rd(1, APIC_ICR_LO) & APIC_ICR_PENDING);
	/* The request is taken once. */
	assert_false(vlapic_take_ipi(&A[1], &ipi));
	/* All including self: the sender's own share inside the write. */
	send(1, 0x80052, 0, ev);
	for (unsigned i = 0; i < N; i++)
		assert_true(irr(i, 0x52));
	assert_int_equal(ev[1], VLAPIC_EVENT_NONE); /* not routed twice */
	/* All excluding self. */
	send(1, 0xc0053, 0, ev);
	for (unsigned i = 0; i < N; i++)
		assert_int_equal(irr(i, 0x53), i != 1);
	/* Self. */
	send(2, 0x40054, 0, ev);
	for (unsigned i = 0; i < N; i++)
		assert_int_equal(irr(i, 0x54), i == 2);
}

static void test_send_lowest_priority_once(void **state)
{
	enum vlapic_event ev[N];

	(void)state;
	/* The sender is a candidate: it takes it, nobody else. */
	send(2, 0x155, 0xff000000, ev);
	for (unsigned i = 0; i < N; i++)
		assert_int_equal(irr(i, 0x55), i == 2);
	/* It is not: exactly one other does. */
	send(2, 0xc0156, 0, ev);
	for (unsigned i = 0; i < N; i++)
		assert_int_equal(irr(i, 0x56), i == 0);
}

static void test_send_illegal_vector(void **state)
{
	/* fixed: physical, self, all, all but self; lowest priority */
	static const u32 illegal[] = { 0xf, 0x40000, 0x8000f, 0xc000a, 0x10f };
	enum vlapic_event ev[N];
	struct vlapic_ipi ipi;

	(void)state;
	for (unsigned k = 0; k < ARRAY_SIZE(illegal); k++) {
		wr(0, APIC_ESR, 0);
		send(0, illegal[k], 0xff000000, ev);
		assert_false(vlapic_take_ipi(&A[0], &ipi));
		for (unsigned i = 0; i < N; i++) {
			assert_int_equal(rd(i, APIC_IRR), 0);
			assert_int_equal(ev[i], VLAPIC_EVENT_NONE);
		}
		wr(0, APIC_ESR, 0);
		assert_int_equal(rd(0, APIC_ESR), APIC_ESR_SEND_ILLEGAL);
		/* The receivers saw nothing. */
		wr(1, APIC_ESR, 0);
		assert_int_equal(rd(1, APIC_ESR), 0);
	}
	/* NMI ignores its vector field: no error. */
	wr(0, APIC_ESR, 0);
	send(0, 0x405, 0x01000000, ev);
	assert_int_equal(ev[1], VLAPIC_EVENT_NMI);
	wr(0, APIC_ESR, 0);
	assert_int_equal(rd(0, APIC_ESR), 0);
}

static void test_send_to_self_by_id(void **state)
{
	enum vlapic_event ev[N];

	(void)state;
	/* NMI to its own APIC ID waits in nmi_pending. */
	send(3, 0x4400, 0x03000000, ev);
	assert_true(A[3].nmi_pending);
	for (unsigned i = 0; i < N; i++)
		assert_int_equal(ev[i], VLAPIC_EVENT_NONE);
	/* INIT, SMI and SIPI to itself: dropped, the APIC keeps its state. */
	wr(3, APIC_TPR, 0x40);
	send(3, 0x4500, 0x03000000, ev);
	send(3, 0x4200, 0x03000000, ev);
	send(3, 0x4612, 0x03000000, ev);
	assert_int_equal(rd(3, APIC_TPR), 0x40);
	assert_int_equal(rd(3, APIC_SVR), 0x1ff);
	/* A fixed one to its logical ID. */
	wr(3, APIC_LDR, 0x80000000);
	send(3, 0x857, 0x80000000, ev);
	assert_true(irr(3, 0x57));
}

#define TS(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TS(test_id_register),
		TS(test_ldr_dfr_masks),
		TS(test_icr_decode),
		TS(test_physical),
		TS(test_logical_flat),
		TS(test_logical_cluster),
		TS(test_shorthands),
		TS(test_lowest_priority),
		TS(test_accept_fixed),
		TS(test_accept_nmi_smi_reserved),
		TS(test_init_sipi),
		TS(test_send_fixed),
		TS(test_send_lowest_priority_once),
		TS(test_send_illegal_vector),
		TS(test_send_to_self_by_id),
	};

	return cmocka_run_group_tests_name("vlapic_ipi", tests, NULL, NULL);
}
