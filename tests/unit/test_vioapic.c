// SPDX-License-Identifier: MIT
/* dm/vioapic.c: the guest's virtual I/O APIC (Intel 82093AA datasheet). */
#include "dm/vioapic.h"
#include "tests/unit/unit.h"

#define MASKED	  0x10000u
#define LEVEL	  0x08000u
#define RIRR	  0x04000u
#define POL_LOW	  0x02000u
#define DELIVS	  0x01000u
#define LOGICAL	  0x00800u
#define DM_EXTINT 0x00700u
#define DM_NMI	  0x00400u
#define DM_LOWPRI 0x00100u

static struct vioapic IO;

static int setup(void **state)
{
	(void)state;
	vioapic_reset(&IO, 1);
	return 0;
}

static u32 rd(u8 reg)
{
	vioapic_write(&IO, IOAPIC_IOREGSEL, reg);
	return vioapic_read(&IO, IOAPIC_IOWIN);
}

static void wr(u8 reg, u32 val)
{
	vioapic_write(&IO, IOAPIC_IOREGSEL, reg);
	vioapic_write(&IO, IOAPIC_IOWIN, val);
}

/* Program entry @pin: low dword @lo, destination APIC ID 0. */
static void route(unsigned pin, u32 lo)
{
	wr(0x11 + 2 * pin, 0);
	wr(0x10 + 2 * pin, lo);
}

/* The next interrupt for the local APIC: its vector, or -1 if none. */
static int next(bool *level)
{
	u8 vec;
	bool lvl = false;

	if (!vioapic_next(&IO, &vec, &lvl))
		return -1;
	if (level)
		*level = lvl;
	return vec;
}

static void pulse(unsigned pin)
{
	vioapic_set_irq(&IO, pin, true);
	vioapic_set_irq(&IO, pin, false);
}

/* --- Registers ------------------------------------------------------ */

static void test_reset_state(void **state)
{
	unsigned pin;

	(void)state;
	for (pin = 0; pin < VIOAPIC_PINS; pin++) {
		assert_int_equal(rd(0x10 + 2 * pin), MASKED);
		assert_int_equal(rd(0x11 + 2 * pin), 0);
	}
	/* Masked: a raised input delivers nothing. */
	vioapic_set_irq(&IO, 4, true);
	assert_int_equal(next(NULL), -1);
	/* Past the 24 entries and outside the two registers: zero. */
	assert_int_equal(rd(0x40), 0);
	assert_int_equal(rd(0xff), 0);
	assert_int_equal(vioapic_read(&IO, 0x04), 0);
	assert_int_equal(vioapic_read(&IO, 0x20), 0);
}

static void test_id_ver_arb(void **state)
{
	(void)state;
	assert_int_equal(rd(0x00), 0x01000000);
	assert_int_equal(rd(0x01), 0x00170011);
	assert_int_equal(rd(0x02), 0x01000000);
	/* Only bits 27:24 of the ID are writable; ARB follows the ID. */
	wr(0x00, 0xffffffff);
	assert_int_equal(rd(0x00), 0x0f000000);
	assert_int_equal(rd(0x02), 0x0f000000);
	/* VER and ARB are read-only. */
	wr(0x01, 0);
	wr(0x02, 0x05000000);
	assert_int_equal(rd(0x01), 0x00170011);
	assert_int_equal(rd(0x02), 0x0f000000);
	vioapic_reset(&IO, 0x3);
	assert_int_equal(rd(0x00), 0x03000000);
}

static void test_indirection(void **state)
{
	(void)state;
	vioapic_write(&IO, IOAPIC_IOREGSEL, 0x12);
	assert_int_equal(vioapic_read(&IO, IOAPIC_IOREGSEL), 0x12);
	vioapic_write(&IO, IOAPIC_IOWIN, 0x31);
	vioapic_write(&IO, IOAPIC_IOREGSEL, 0x13);
	vioapic_write(&IO, IOAPIC_IOWIN, 0xab000000);
	/* Entry 1 got both halves, entry 0 nothing. */
	assert_int_equal(rd(0x12), 0x31);
	assert_int_equal(rd(0x13), 0xab000000);
	assert_int_equal(rd(0x10), MASKED);
	assert_int_equal(rd(0x11), 0);
	/* Entry 23 is the last: 0x3E/0x3F. */
	wr(0x3e, 0x1ab40);
	assert_int_equal(rd(0x3e), 0x1ab40);
	/* Writes outside the table or the two registers go nowhere. */
	wr(0x40, 0x55);
	vioapic_write(&IO, 0x08, 0x12345678);
	assert_int_equal(rd(0x40), 0);
	assert_int_equal(rd(0x12), 0x31);
}

static void test_read_only_bits(void **state)
{
	(void)state;
	/* Delivery status (12), Remote IRR (14) and reserved bits ignored. */
	wr(0x10, 0xffffffff);
	assert_int_equal(rd(0x10), 0x1afff);
	wr(0x11, 0xffffffff);
	assert_int_equal(rd(0x11), 0xff000000);
	wr(0x10, 0);
	assert_int_equal(rd(0x10), 0);
}

/* --- Delivery -------------------------------------------------------- */

static void test_edge_once_per_rising_edge(void **state)
{
	bool level = true;

	(void)state;
	route(2, 0x30);
	vioapic_set_irq(&IO, 2, true);
	assert_int_equal(rd(0x14), 0x30 | DELIVS);
	assert_int_equal(next(&level), 0x30);
	assert_false(level);
	assert_int_equal(rd(0x14), 0x30);
	/* Held high: no second interrupt, nor from raising it again. */
	assert_int_equal(next(NULL), -1);
	vioapic_set_irq(&IO, 2, true);
	assert_int_equal(next(NULL), -1);
	/* Two edges before delivery collapse into one. */
	vioapic_set_irq(&IO, 2, false);
	pulse(2);
	vioapic_set_irq(&IO, 2, true);
	assert_int_equal(next(NULL), 0x30);
	assert_int_equal(next(NULL), -1);
	/* An EOI does nothing to an edge entry. */
	vioapic_eoi(&IO, 0x30);
	assert_int_equal(next(NULL), -1);
}

static void test_masked_edge_lost(void **state)
{
	(void)state;
	route(4, 0x34 | MASKED);
	pulse(4);
	route(4, 0x34);
	assert_int_equal(next(NULL), -1);
	/* An edge latched, then masked before delivery: dropped too. */
	pulse(4);
	route(4, 0x34 | MASKED);
	route(4, 0x34);
	assert_int_equal(next(NULL), -1);
	/* Unmasking with the input high is no edge. */
	route(4, 0x34 | MASKED);
	vioapic_set_irq(&IO, 4, true);
	route(4, 0x34);
	assert_int_equal(next(NULL), -1);
	vioapic_set_irq(&IO, 4, false);
	vioapic_set_irq(&IO, 4, true);
	assert_int_equal(next(NULL), 0x34);
}

static void test_level_remote_irr_eoi(void **state)
{
	bool level = false;

	(void)state;
	route(9, 0x49 | LEVEL);
	vioapic_set_irq(&IO, 9, true);
	assert_int_equal(rd(0x22), 0x49 | LEVEL | DELIVS);
	assert_int_equal(next(&level), 0x49);
	assert_true(level);
	assert_int_equal(rd(0x22), 0x49 | LEVEL | RIRR);
	/* Remote IRR holds further messages off until the EOI. */
	assert_int_equal(next(NULL), -1);
	vioapic_eoi(&IO, 0x48); /* another vector */
	assert_int_equal(next(NULL), -1);
	/* Still asserted at the EOI: delivered again. */
	vioapic_eoi(&IO, 0x49);
	assert_int_equal(rd(0x22), 0x49 | LEVEL | DELIVS);
	assert_int_equal(next(NULL), 0x49);
	/* Deasserted before the EOI: nothing more. */
	vioapic_set_irq(&IO, 9, false);
	vioapic_eoi(&IO, 0x49);
	assert_int_equal(rd(0x22), 0x49 | LEVEL);
	assert_int_equal(next(NULL), -1);
	/* Remote IRR is read-only, but an edge entry has none. */
	vioapic_set_irq(&IO, 9, true);
	assert_int_equal(next(NULL), 0x49);
	route(9, 0x49 | LEVEL);
	assert_int_equal(rd(0x22), 0x49 | LEVEL | RIRR);
	route(9, 0x49 | MASKED);
	route(9, 0x49 | LEVEL);
	assert_int_equal(next(NULL), 0x49);
}

static void test_level_masked(void **state)
{
	(void)state;
	route(10, 0x4a | LEVEL | MASKED);
	vioapic_set_irq(&IO, 10, true);
	assert_int_equal(next(NULL), -1);
	/* A level still asserted at unmask is delivered. */
	route(10, 0x4a | LEVEL);
	assert_int_equal(next(NULL), 0x4a);
}

static void test_polarity_low(void **state)
{
	(void)state;
	/* Edge, active low: a falling wire is the asserting edge. */
	route(5, 0x35 | POL_LOW);
	vioapic_set_irq(&IO, 5, true);
	assert_int_equal(next(NULL), -1);
	vioapic_set_irq(&IO, 5, false);
	assert_int_equal(next(NULL), 0x35);
	/* Level, active low: asserted while the wire is low. */
	route(11, 0x4b | POL_LOW | LEVEL);
	assert_int_equal(next(NULL), 0x4b);
	vioapic_set_irq(&IO, 11, true);
	vioapic_eoi(&IO, 0x4b);
	assert_int_equal(next(NULL), -1);
	vioapic_set_irq(&IO, 11, false);
	assert_int_equal(next(NULL), 0x4b);
}

static void test_two_pins(void **state)
{
	(void)state;
	route(2, 0x30);
	route(4, 0x34);
	vioapic_set_irq(&IO, 4, true);
	vioapic_set_irq(&IO, 2, true);
	assert_int_equal(next(NULL), 0x30);
	assert_int_equal(next(NULL), 0x34);
	assert_int_equal(next(NULL), -1);
	pulse(4);
	assert_int_equal(next(NULL), -1); /* pin 4 is still high: no edge */
	vioapic_set_irq(&IO, 4, false);
	pulse(4);
	assert_int_equal(next(NULL), 0x34);
}

static void test_delivery_modes(void **state)
{
	(void)state;
	/* ExtINT is the 8259's path (LINT0), NMI is ignored. */
	route(0, 0x20 | DM_EXTINT);
	route(1, 0x21 | DM_NMI);
	pulse(0);
	pulse(1);
	assert_int_equal(next(NULL), -1);
	route(3, 0x23 | DM_LOWPRI);
	pulse(3);
	assert_int_equal(next(NULL), 0x23);
	/* Out-of-range pins are ignored. */
	vioapic_set_irq(&IO, VIOAPIC_PINS, true);
	assert_int_equal(next(NULL), -1);
}

static void test_destination(void **state)
{
	(void)state;
	/* Physical: APIC ID 0 and broadcast reach the CPU, others do not. */
	route(6, 0x36);
	wr(0x1d, 0xff000000);
	pulse(6);
	assert_int_equal(next(NULL), 0x36);
	wr(0x1d, 0x01000000);
	pulse(6);
	assert_int_equal(next(NULL), -1);
	/* Logical: any set bit, not an empty set. */
	wr(0x1c, 0x36 | LOGICAL);
	pulse(6);
	assert_int_equal(next(NULL), 0x36);
	wr(0x1d, 0);
	pulse(6);
	assert_int_equal(next(NULL), -1);
}

#define TS(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TS(test_reset_state),
		TS(test_id_ver_arb),
		TS(test_indirection),
		TS(test_read_only_bits),
		TS(test_edge_once_per_rising_edge),
		TS(test_masked_edge_lost),
		TS(test_level_remote_irr_eoi),
		TS(test_level_masked),
		TS(test_polarity_low),
		TS(test_two_pins),
		TS(test_delivery_modes),
		TS(test_destination),
	};

	return cmocka_run_group_tests_name("vioapic", tests, NULL, NULL);
}
