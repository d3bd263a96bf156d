// SPDX-License-Identifier: MIT
/* dm/vpic.c: the guest's two cascaded 8259As and the ELCR. */
#include "dm/vpic.h"
#include "tests/unit/unit.h"

static struct vpic P;

static void out(u16 port, u8 val)
{
	assert_true(vpic_io(&P, port, false, &val));
}

static u8 in(u16 port)
{
	u8 val = 0x5a;

	assert_true(vpic_io(&P, port, true, &val));
	return val;
}

/* The sequence Linux's init_8259A uses: vectors 0x30 and 0x38, slave on
 * IR2, 8086 mode, optionally AEOI on the master. */
static void init_pair(bool master_aeoi, bool slave_aeoi)
{
	out(0x20, 0x11);
	out(0x21, 0x30);
	out(0x21, 0x04);
	out(0x21, master_aeoi ? 0x03 : 0x01);
	out(0xa0, 0x11);
	out(0xa1, 0x38);
	out(0xa1, 0x02);
	out(0xa1, slave_aeoi ? 0x03 : 0x01);
}

static int setup(void **state)
{
	(void)state;
	vpic_reset(&P);
	init_pair(false, false);
	return 0;
}

static u8 read_isr(u16 cmd)
{
	out(cmd, 0x0b);
	return in(cmd);
}

static u8 read_irr(u16 cmd)
{
	out(cmd, 0x0a);
	return in(cmd);
}

static void pulse(unsigned irq)
{
	vpic_set_irq(&P, irq, true);
	vpic_set_irq(&P, irq, false);
}

/* --- Ports and initialization ------------------------------------------ */

static void test_reset_state_and_ports(void **state)
{
	u8 v = 0;

	(void)state;
	vpic_reset(&P);
	assert_int_equal(in(0x21), 0xff);
	assert_int_equal(in(0xa1), 0xff);
	assert_int_equal(in(0x20), 0); /* IRR */
	assert_int_equal(in(0x4d0), 0);
	assert_int_equal(in(0x4d1), 0);
	assert_int_equal(vpic_pending(&P), -1);
	assert_int_equal(vpic_ack(&P), -1);
	assert_false(vpic_io(&P, 0x22, true, &v));
	assert_false(vpic_io(&P, 0x40, false, &v));
	assert_false(vpic_io(&P, 0xa2, true, &v));
	assert_false(vpic_io(&P, 0x4d2, true, &v));
	/* Reset vectors are the BIOS's: IRQ 0 at 0x08, IRQ 8 at 0x70. */
	out(0x21, 0xfe);
	pulse(0);
	assert_int_equal(vpic_pending(&P), 0x08);
	out(0x21, 0xfb);
	out(0xa1, 0xfe);
	pulse(8);
	assert_int_equal(vpic_pending(&P), 0x70);
}

static void test_imr_probe(void **state)
{
	(void)state;
	vpic_reset(&P);
	out(0x21, 0xff);
	assert_int_equal(in(0x21), 0xff);
	out(0x21, 0xa5);
	assert_int_equal(in(0x21), 0xa5);
	out(0xa1, 0x3c);
	assert_int_equal(in(0xa1), 0x3c);
	assert_int_equal(in(0x21), 0xa5);
}

static void test_init_sequence(void **state)
{
	(void)state;
	vpic_reset(&P);
	out(0x21, 0x12);
	pulse(3);
	out(0x20, 0x11); /* ICW1: IMR cleared, edge sense reset */
	assert_int_equal(in(0x21), 0);
	assert_int_equal(in(0x20), 0);
	out(0x21, 0x30); /* ICW2, not the IMR */
	assert_int_equal(in(0x21), 0);
	out(0x21, 0x04); /* ICW3 */
	out(0x21, 0x01); /* ICW4 */
	out(0x21, 0x02); /* now OCW1 */
	assert_int_equal(in(0x21), 0x02);
	assert_int_equal(vpic_pending(&P), -1); /* IRQ 3's edge is gone */
	pulse(1);
	assert_int_equal(vpic_pending(&P), -1); /* masked */
	out(0x21, 0x00);
	assert_int_equal(vpic_ack(&P), 0x31);
	assert_int_equal(read_isr(0x20), 0x02);
	/* Re-initializing clears ISR and selects IRR reads again. */
	out(0x20, 0x11);
	assert_int_equal(in(0x20), 0); /* IRR, not ISR */
	assert_int_equal(read_isr(0x20), 0);
	/* Single mode without ICW4: ICW2 only, then OCW1. */
	out(0x20, 0x12);
	out(0x21, 0x48);
	out(0x21, 0x77);
	assert_int_equal(in(0x21), 0x77);
	/* Cascade mode without ICW4: ICW2, ICW3, then OCW1. */
	out(0x20, 0x10);
	out(0x21, 0x50);
	out(0x21, 0x04);
	out(0x21, 0xfe);
	assert_int_equal(in(0x21), 0xfe);
	pulse(0);
	assert_int_equal(vpic_pending(&P), 0x50);
}

/* --- Priorities and EOI -------------------------------------------------- */

static void test_priority_and_nesting(void **state)
{
	(void)state;
	pulse(4);
	pulse(1);
	assert_int_equal(read_irr(0x20), 0x12);
	assert_int_equal(vpic_pending(&P), 0x31); /* IR1 beats IR4 */
	assert_int_equal(vpic_ack(&P), 0x31);
	assert_int_equal(read_isr(0x20), 0x02);
	assert_int_equal(read_irr(0x20), 0x10);
	assert_int_equal(vpic_pending(&P), -1); /* IR4 blocked by IR1 */
	pulse(1);
	assert_int_equal(vpic_pending(&P), -1); /* equal priority too */
	pulse(0);
	assert_int_equal(vpic_ack(&P), 0x30); /* higher priority nests */
	assert_int_equal(read_isr(0x20), 0x03);
	out(0x20, 0x20); /* non-specific EOI: IR0 */
	assert_int_equal(read_isr(0x20), 0x02);
	assert_int_equal(vpic_pending(&P), -1);
	out(0x20, 0x20);
	assert_int_equal(read_isr(0x20), 0);
	assert_int_equal(vpic_ack(&P), 0x31);
	out(0x20, 0x20);
	assert_int_equal(vpic_ack(&P), 0x34);
	out(0x20, 0x20);
	assert_int_equal(vpic_ack(&P), -1);
}

static void test_specific_eoi(void **state)
{
	(void)state;
	pulse(3);
	assert_int_equal(vpic_ack(&P), 0x33);
	pulse(1);
	assert_int_equal(vpic_ack(&P), 0x31);
	assert_int_equal(read_isr(0x20), 0x0a);
	out(0x20, 0x63); /* specific EOI for IR3, the lower priority */
	assert_int_equal(read_isr(0x20), 0x02);
	out(0x20, 0xe1); /* rotate on specific EOI: acts as the EOI */
	assert_int_equal(read_isr(0x20), 0);
}

static void test_mask_keeps_request(void **state)
{
	(void)state;
	out(0x21, 0x20);
	pulse(5);
	assert_int_equal(vpic_pending(&P), -1);
	assert_int_equal(read_irr(0x20), 0x20);
	out(0x21, 0x00);
	assert_int_equal(vpic_ack(&P), 0x35);
}

static void test_aeoi(void **state)
{
	(void)state;
	vpic_reset(&P);
	init_pair(true, false);
	pulse(0);
	assert_int_equal(vpic_ack(&P), 0x30);
	assert_int_equal(read_isr(0x20), 0); /* no EOI needed */
	pulse(1);
	assert_int_equal(vpic_pending(&P), 0x31);
	/* A re-init without ICW4 drops AEOI. */
	out(0x20, 0x10);
	out(0x21, 0x30);
	out(0x21, 0x04);
	pulse(0);
	assert_int_equal(vpic_ack(&P), 0x30);
	assert_int_equal(read_isr(0x20), 0x01);
}

static void test_special_mask_mode(void **state)
{
	(void)state;
	pulse(1);
	assert_int_equal(vpic_ack(&P), 0x31);
	pulse(4);
	assert_int_equal(vpic_pending(&P), -1);
	out(0x21, 0x02);
	out(0x20, 0x68); /* set special mask mode */
	assert_int_equal(vpic_pending(&P), 0x34);
	out(0x20, 0x48); /* reset it */
	assert_int_equal(vpic_pending(&P), -1);
}

/* --- Cascade -------------------------------------------------------------- */

static void test_slave_cascade(void **state)
{
	(void)state;
	pulse(12);
	assert_int_equal(read_irr(0x20), 0x04);
	assert_int_equal(read_irr(0xa0), 0x10);
	assert_int_equal(vpic_pending(&P), 0x3c);
	assert_int_equal(vpic_ack(&P), 0x3c);
	assert_int_equal(read_isr(0x20), 0x04);
	assert_int_equal(read_isr(0xa0), 0x10);
	pulse(9); /* higher on the slave, but master IR2 is in service */
	assert_int_equal(vpic_pending(&P), -1);
	out(0xa0, 0x20);
	assert_int_equal(vpic_pending(&P), -1);
	out(0x20, 0x20);
	assert_int_equal(vpic_ack(&P), 0x39);
	out(0xa0, 0x20);
	out(0x20, 0x20);
	assert_int_equal(vpic_ack(&P), -1);
	/* The cascade (IR2) outranks the master's IR3. */
	pulse(3);
	pulse(8);
	assert_int_equal(vpic_ack(&P), 0x38);
	out(0xa0, 0x20);
	out(0x20, 0x20);
	assert_int_equal(vpic_ack(&P), 0x33);
	/* IRQ 2 is the cascade itself and out-of-range lines do nothing. */
	out(0x20, 0x20);
	pulse(2);
	pulse(16);
	assert_int_equal(vpic_pending(&P), -1);
}

static void test_slave_masked_by_imr(void **state)
{
	(void)state;
	out(0xa1, 0x02); /* IRQ 9 masked on the slave */
	pulse(9);
	assert_int_equal(vpic_pending(&P), -1);
	out(0x21, 0x04); /* cascade masked on the master */
	pulse(10);
	assert_int_equal(vpic_pending(&P), -1);
	out(0x21, 0x00);
	assert_int_equal(vpic_ack(&P), 0x3a);
}

static void test_slave_aeoi_second_request(void **state)
{
	(void)state;
	vpic_reset(&P);
	init_pair(false, true);
	pulse(9);
	pulse(12);
	assert_int_equal(vpic_ack(&P), 0x39);
	assert_int_equal(read_isr(0xa0), 0);
	/* The slave still requests IRQ 12: seen once the master's EOI
	 * lets IR2 through again. */
	assert_int_equal(vpic_pending(&P), -1);
	out(0x20, 0x62);
	assert_int_equal(vpic_ack(&P), 0x3c);
}

/* --- Trigger modes --------------------------------------------------------- */

static void test_elcr_fixed_bits(void **state)
{
	(void)state;
	out(0x4d0, 0xff);
	out(0x4d1, 0xff);
	assert_int_equal(in(0x4d0), 0xf8); /* IRQ 0, 1, 2 edge */
	assert_int_equal(in(0x4d1), 0xde); /* IRQ 8, 13 edge */
	out(0x4d0, 0x00);
	assert_int_equal(in(0x4d0), 0);
}

static void test_edge_latches(void **state)
{
	(void)state;
	pulse(5); /* the line is already low again: still latched */
	assert_int_equal(vpic_ack(&P), 0x35);
	vpic_set_irq(&P, 5, true);
	out(0x20, 0x20);
	assert_int_equal(vpic_pending(&P), 0x35); /* rising edge after ack */
	assert_int_equal(vpic_ack(&P), 0x35);
	out(0x20, 0x20);
	/* A line that stays high asks only once. */
	vpic_set_irq(&P, 5, true);
	assert_int_equal(vpic_pending(&P), -1);
}

static void test_level_follows_line(void **state)
{
	(void)state;
	out(0x4d0, 0x20); /* IRQ 5 level-triggered */
	vpic_set_irq(&P, 5, true);
	assert_int_equal(vpic_pending(&P), 0x35);
	vpic_set_irq(&P, 5, false);
	assert_int_equal(vpic_pending(&P), -1);
	assert_int_equal(read_irr(0x20), 0);
	vpic_set_irq(&P, 5, true);
	assert_int_equal(vpic_ack(&P), 0x35);
	out(0x20, 0x20);
	/* Still high after the EOI: asks again. */
	assert_int_equal(vpic_ack(&P), 0x35);
	vpic_set_irq(&P, 5, false);
	out(0x20, 0x20);
	assert_int_equal(vpic_pending(&P), -1);
}

/* --- Poll and spurious ------------------------------------------------------ */

static void test_poll(void **state)
{
	(void)state;
	pulse(6);
	pulse(3);
	out(0x20, 0x0c); /* poll */
	assert_int_equal(in(0x20), 0x83);
	assert_int_equal(read_isr(0x20), 0x08);
	out(0x20, 0x0c);
	assert_int_equal(in(0x20), 0x00); /* IR6 blocked by IR3 */
	out(0x20, 0x20);
	out(0x20, 0x0c);
	assert_int_equal(in(0x21), 0x86); /* the next read, either port */
	assert_int_equal(in(0x21), 0x00); /* IMR again */
	out(0x20, 0x20);
	/* Polling the cascade: the master says IR2, then ask the slave. */
	pulse(11);
	out(0x20, 0x0c);
	assert_int_equal(in(0x20), 0x82);
	out(0xa0, 0x0c);
	assert_int_equal(in(0xa0), 0x83);
	assert_int_equal(read_isr(0xa0), 0x08);
	assert_int_equal(vpic_pending(&P), -1);
	out(0xa0, 0x20);
	out(0x20, 0x20);
	assert_int_equal(vpic_pending(&P), -1); /* no stray IR2 edge */
}

static void test_spurious_irq15(void **state)
{
	(void)state;
	out(0x4d1, 0x04); /* IRQ 10 level-triggered */
	vpic_set_irq(&P, 10, true);
	assert_int_equal(vpic_pending(&P), 0x3a);
	/* The request vanishes after the master latched IR2's edge. */
	vpic_set_irq(&P, 10, false);
	assert_int_equal(vpic_pending(&P), 0x3f);
	assert_int_equal(vpic_ack(&P), 0x3f);
	assert_int_equal(read_isr(0x20), 0x04);
	assert_int_equal(read_isr(0xa0), 0x00); /* IR7 not in service */
	out(0x20, 0x20);
	assert_int_equal(vpic_pending(&P), -1);
	assert_int_equal(vpic_ack(&P), -1);
}

#define TS(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TS(test_reset_state_and_ports),
		TS(test_imr_probe),
		TS(test_init_sequence),
		TS(test_priority_and_nesting),
		TS(test_specific_eoi),
		TS(test_mask_keeps_request),
		TS(test_aeoi),
		TS(test_special_mask_mode),
		TS(test_slave_cascade),
		TS(test_slave_masked_by_imr),
		TS(test_slave_aeoi_second_request),
		TS(test_elcr_fixed_bits),
		TS(test_edge_latches),
		TS(test_level_follows_line),
		TS(test_poll),
		TS(test_spurious_irq15),
	};

	return cmocka_run_group_tests_name("vpic", tests, NULL, NULL);
}
