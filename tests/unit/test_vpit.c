// SPDX-License-Identifier: MIT
/* dm/vpit.c: the virtual 8254 PIT and port 0x61, against a fake TSC. */
#include "dm/vpit.h"
#include "tests/unit/unit.h"

#define LINUX_LATCH 4773 /* (PIT_HZ + HZ / 2) / HZ for HZ = 250 */
#define T0	    1000003ull

static struct vpit pit;
static u64 hz;

/* The first TSC of PIT tick @n, computed independently of vpit.c. */
static u64 at(u64 n)
{
	return T0 + (u64)(((unsigned __int128)n * hz + PIT_HZ - 1) / PIT_HZ);
}

static void out8(u16 port, u8 v, u64 now)
{
	assert_true(vpit_io(&pit, port, false, &v, now));
}

static u8 in8(u16 port, u64 now)
{
	u8 v = 0x5a;

	assert_true(vpit_io(&pit, port, true, &v, now));
	return v;
}

/* A control word and a two-byte count, the way Linux writes them. */
static void program(unsigned ch, u8 cw, u16 count, u64 now)
{
	out8(0x43, cw, now);
	out8(0x40 + ch, count & 0xff, now);
	out8(0x40 + ch, count >> 8, now);
}

/* Latch a channel's count and read it, LSB first. */
static u16 latched(unsigned ch, u64 now)
{
	u8 lo;

	out8(0x43, (u8)(ch << 6), now);
	lo = in8(0x40 + ch, now);
	return lo | in8(0x40 + ch, now) << 8;
}

static void reset_at(u64 tsc_hz)
{
	hz = tsc_hz;
	vpit_reset(&pit, hz, T0);
}

static int setup(void **state)
{
	(void)state;
	reset_at(1000000000ull);
	return 0;
}

/* --- Channel 0 and IRQ 0 ---------------------------------------------- */

/* Linux's periodic tick: mode 2, edges exactly every LATCH ticks; the
 * count is loaded on the CLK pulse after the write. */
static void check_mode2(u64 tsc_hz)
{
	u64 w = 100, first = w + 1 + LINUX_LATCH;

	reset_at(tsc_hz);
	program(0, 0x34, LINUX_LATCH, at(w));
	assert_int_equal(vpit_next_event(&pit, at(w)), at(first));
	assert_int_equal(vpit_irq0_edges(&pit, at(first) - 1), 0);
	assert_int_equal(vpit_irq0_edges(&pit, at(first)), 1);
	assert_int_equal(vpit_irq0_edges(&pit, at(first)), 0);
	assert_int_equal(vpit_next_event(&pit, at(first)),
			 at(first + LINUX_LATCH));
	assert_int_equal(
		vpit_irq0_edges(&pit, at(first + 10 * LINUX_LATCH) - 1), 9);
	assert_int_equal(vpit_irq0_edges(&pit, at(first + 10 * LINUX_LATCH)),
			 1);
	/* Counts LATCH .. 1, then reloads. */
	assert_int_equal(latched(0, at(first)), LINUX_LATCH);
	assert_int_equal(latched(0, at(first + 1)), LINUX_LATCH - 1);
	assert_int_equal(latched(0, at(first + LINUX_LATCH - 1)), 1);
}

static void test_mode2_periodic_1ghz(void **state)
{
	(void)state;
	check_mode2(1000000000ull);
}

static void test_mode2_periodic_3_2ghz(void **state)
{
	(void)state;
	check_mode2(3200000000ull);
}

static void test_mode2_one_second_of_edges(void **state)
{
	(void)state;
	reset_at(3200000000ull);
	program(0, 0x34, LINUX_LATCH, T0);
	/* 250 Hz, give or take the last partial period. */
	assert_int_equal(vpit_irq0_edges(&pit, T0 + hz), PIT_HZ / LINUX_LATCH);
}

/* Mode 3: a square wave; OUT high for the first half of each period,
 * edges at the same places as mode 2. The count goes down by two. */
static void test_mode3_square_wave(void **state)
{
	u64 l = 11; /* load tick */

	(void)state;
	program(0, 0x36, 1000, at(10));
	assert_int_equal(vpit_next_event(&pit, at(10)), at(l + 1000));
	assert_int_equal(latched(0, at(l)), 1000);
	assert_int_equal(latched(0, at(l + 1)), 998);
	assert_int_equal(latched(0, at(l + 499)), 2);
	assert_int_equal(latched(0, at(l + 500)), 1000);
	assert_int_equal(latched(0, at(l + 501)), 998);
	/* Status: OUT is bit 7. */
	out8(0x43, 0xe2, at(l + 499));
	assert_int_equal(in8(0x40, at(l + 499)), 0x80 | 0x36);
	out8(0x43, 0xe2, at(l + 500));
	assert_int_equal(in8(0x40, at(l + 500)), 0x36);
	assert_int_equal(vpit_irq0_edges(&pit, at(l + 3000)), 3);
}

/* Odd counts: (N+1)/2 pulses high, (N-1)/2 low (data sheet, mode 3). */
static void test_mode3_odd_count(void **state)
{
	u64 l = 1;

	(void)state;
	program(0, 0x36, 5, at(0));
	assert_int_equal(latched(0, at(l)), 5);
	assert_int_equal(latched(0, at(l + 1)), 4);
	assert_int_equal(latched(0, at(l + 2)), 2);
	out8(0x43, 0xe2, at(l + 2));
	assert_int_equal(in8(0x40, at(l + 2)) & 0x80, 0x80);
	assert_int_equal(latched(0, at(l + 3)), 5);
	assert_int_equal(latched(0, at(l + 4)), 2);
	out8(0x43, 0xe2, at(l + 4));
	assert_int_equal(in8(0x40, at(l + 4)) & 0x80, 0);
	assert_int_equal(latched(0, at(l + 5)), 5);
}

/* Mode 0: OUT rises N+1 pulses after the write, once; the counter keeps
 * counting down past zero. */
static void test_mode0_one_shot(void **state)
{
	u64 l = 51, n = 300;

	(void)state;
	program(0, 0x30, (u16)n, at(50));
	assert_int_equal(vpit_next_event(&pit, at(50)), at(l + n));
	assert_int_equal(vpit_irq0_edges(&pit, at(l + n) - 1), 0);
	assert_int_equal(latched(0, at(l + n - 1)), 1);
	assert_int_equal(vpit_irq0_edges(&pit, at(l + n)), 1);
	assert_int_equal(vpit_next_event(&pit, at(l + n)), ~0ull);
	assert_int_equal(vpit_irq0_edges(&pit, at(l + 10 * n)), 0);
	assert_int_equal(latched(0, at(l + n + 5)), 0x10000 - 5);
}

/* Linux's one-shot clockevent: control word 0x38 (mode 4) once, then a
 * count per event; OUT strobes low at count 0 and the IRQ is the edge
 * back up, N+1 pulses after the count is loaded. */
static void test_mode4_linux_oneshot(void **state)
{
	u64 w = 20, n = 1193;

	(void)state;
	out8(0x43, 0x38, at(w));
	assert_int_equal(vpit_next_event(&pit, at(w)), ~0ull);
	out8(0x40, n & 0xff, at(w));
	out8(0x40, n >> 8, at(w));
	assert_int_equal(vpit_next_event(&pit, at(w)), at(w + 1 + n + 1));
	assert_int_equal(vpit_irq0_edges(&pit, at(w + n + 1)), 0);
	assert_int_equal(vpit_irq0_edges(&pit, at(w + n + 2)), 1);
	assert_int_equal(vpit_next_event(&pit, at(w + n + 2)), ~0ull);
	/* The next event: a new count retriggers. */
	w += 5000;
	out8(0x40, 100, at(w));
	out8(0x40, 0, at(w));
	assert_int_equal(vpit_next_event(&pit, at(w)), at(w + 102));
	assert_int_equal(vpit_irq0_edges(&pit, at(w + 102)), 1);
}

/* pit_shutdown(): 0x30 stops channel 0, then a count of 0 makes one more
 * edge after 65536 + 1 pulses. Edges before the stop are kept. */
static void test_linux_shutdown(void **state)
{
	u64 w = 0, stop = w + 1 + 3 * LINUX_LATCH + 10;

	(void)state;
	program(0, 0x34, LINUX_LATCH, at(w));
	out8(0x43, 0x30, at(stop));
	assert_int_equal(vpit_next_event(&pit, at(stop)), at(stop));
	assert_int_equal(vpit_irq0_edges(&pit, at(stop + 100000)), 3);
	assert_int_equal(vpit_next_event(&pit, at(stop + 100000)), ~0ull);
	out8(0x40, 0, at(stop + 100000));
	out8(0x40, 0, at(stop + 100000));
	assert_int_equal(vpit_next_event(&pit, at(stop + 100000)),
			 at(stop + 100000 + 65537));
	assert_int_equal(vpit_irq0_edges(&pit, at(stop + 300000)), 1);
}

/* A count written while mode 2 counts takes over at the end of the
 * current period; no edge is lost or doubled. */
static void test_mode2_new_count_at_period_end(void **state)
{
	u64 l = 1;

	(void)state;
	program(0, 0x34, 1000, at(0));
	out8(0x40, 500 & 0xff, at(l + 1500));
	out8(0x40, 500 >> 8, at(l + 1500));
	assert_int_equal(vpit_irq0_edges(&pit, at(l + 1500)), 1);
	assert_int_equal(vpit_next_event(&pit, at(l + 1500)), at(l + 2000));
	assert_int_equal(latched(0, at(l + 1999)), 1);
	assert_int_equal(vpit_irq0_edges(&pit, at(l + 1999)), 0);
	assert_int_equal(vpit_next_event(&pit, at(l + 1999)), at(l + 2000));
	assert_int_equal(latched(0, at(l + 2000)), 500);
	assert_int_equal(vpit_irq0_edges(&pit, at(l + 2000)), 1);
	assert_int_equal(vpit_next_event(&pit, at(l + 2000)), at(l + 2500));
	assert_int_equal(vpit_irq0_edges(&pit, at(l + 4000)), 4);
}

static void test_unprogrammed_and_pending(void **state)
{
	(void)state;
	assert_int_equal(vpit_next_event(&pit, T0), ~0ull);
	assert_int_equal(vpit_irq0_edges(&pit, at(1000)), 0);
	program(0, 0x34, 100, at(1000));
	/* Not collected by vpit_irq0_edges(): the first one is due. */
	assert_int_equal(vpit_next_event(&pit, at(5000)), at(1101));
	/* Collected by an access to the PIT: due now. */
	in8(0x61, at(5000));
	assert_int_equal(vpit_next_event(&pit, at(5000)), at(5000));
	assert_int_equal(vpit_irq0_edges(&pit, at(5000)), 39);
	assert_int_equal(vpit_next_event(&pit, at(5000)), at(5001));
}

/* --- Reading counts ---------------------------------------------------- */

static void test_latch_holds_until_read(void **state)
{
	(void)state;
	program(0, 0x30, 0x1234, at(0));
	out8(0x43, 0x00, at(1 + 0x34));
	/* A second latch before the first is read is ignored. */
	out8(0x43, 0x00, at(1 + 0x100));
	assert_int_equal(in8(0x40, at(5000)), 0x00);
	assert_int_equal(in8(0x40, at(6000)), 0x12);
	/* Unlatched again: the live count. */
	assert_int_equal(latched(0, at(1 + 0x234)), 0x1000);
}

static void test_read_back(void **state)
{
	(void)state;
	program(2, 0xb4, 0x4321, at(0)); /* channel 2, mode 2, gate low */
	program(0, 0x30, 0x0100, at(0));
	/* Count and status of channels 0 and 2: status first. */
	out8(0x43, 0xc0 | 0x08 | 0x02, at(1 + 0x10));
	assert_int_equal(in8(0x40, at(1 + 0x20)), 0x30); /* OUT low */
	assert_int_equal(in8(0x40, at(1 + 0x20)), 0xf0);
	assert_int_equal(in8(0x40, at(1 + 0x20)), 0x00);
	assert_int_equal(in8(0x42, at(1 + 0x30)), 0x80 | 0x34);
	assert_int_equal(in8(0x42, at(1 + 0x30)), 0x21);
	assert_int_equal(in8(0x42, at(1 + 0x30)), 0x43);
	/* Status only, then count only. */
	out8(0x43, 0xe2, at(1 + 0x100));
	assert_int_equal(in8(0x40, at(1 + 0x100)), 0x80 | 0x30);
	out8(0x43, 0xd2, at(1 + 0x80));
	assert_int_equal(in8(0x40, at(1 + 0x100)), 0x80);
	assert_int_equal(in8(0x40, at(1 + 0x100)), 0x00);
}

static void test_null_count_status(void **state)
{
	(void)state;
	out8(0x43, 0x34, at(0));
	out8(0x43, 0xe2, at(0));
	assert_int_equal(in8(0x40, at(0)), 0x80 | 0x40 | 0x34);
	out8(0x40, 10, at(0));
	out8(0x40, 0, at(0));
	out8(0x43, 0xe2, at(2));
	assert_int_equal(in8(0x40, at(2)), 0x80 | 0x34);
}

/* LSB-then-MSB reads of a live count alternate; LSB-only and MSB-only
 * access modes read and write one byte. */
static void test_flip_flops(void **state)
{
	(void)state;
	program(0, 0x30, 0xabcd, at(0));
	assert_int_equal(in8(0x40, at(1)), 0xcd);
	assert_int_equal(in8(0x40, at(1 + 0x100)), 0xaa);
	assert_int_equal(in8(0x40, at(1 + 0x101)), 0xcc);
	assert_int_equal(in8(0x40, at(1 + 0x101)), 0xaa);
	out8(0x43, 0x10, at(0x1000)); /* LSB only, mode 0 */
	out8(0x40, 0x80, at(0x1000));
	assert_int_equal(in8(0x40, at(0x1001 + 0x10)), 0x70);
	assert_int_equal(in8(0x40, at(0x1001 + 0x20)), 0x60);
	out8(0x43, 0x20, at(0x2000)); /* MSB only, mode 0 */
	out8(0x40, 0x02, at(0x2000));
	assert_int_equal(in8(0x40, at(0x2001 + 0x100)), 0x01);
	out8(0x43, 0x00, at(0x2001 + 0xff)); /* latch 0x0101: one byte */
	assert_int_equal(in8(0x40, at(0x2001 + 0x300)), 0x01);
	assert_int_equal(in8(0x40, at(0x2001 + 0x300)), 0xff); /* live */
	/* A control word resets the write flip-flop. */
	out8(0x43, 0x30, at(0x3000));
	out8(0x40, 0x11, at(0x3000));
	out8(0x43, 0x30, at(0x3000));
	out8(0x40, 0x22, at(0x3000));
	out8(0x40, 0x00, at(0x3000));
	assert_int_equal(latched(0, at(0x3001)), 0x0022);
}

/* BCD counting: 4 decimal digits, a count of 0 is 10000. */
static void test_bcd(void **state)
{
	(void)state;
	program(0, 0x31, 0x1000, at(0)); /* 1000 decimal */
	assert_int_equal(latched(0, at(1 + 1)), 0x0999);
	assert_int_equal(vpit_next_event(&pit, at(0)), at(1 + 1000));
	out8(0x43, 0xe2, at(5));
	assert_int_equal(in8(0x40, at(5)), 0x31);
	assert_int_equal(vpit_irq0_edges(&pit, at(0x10000)), 1);
	program(0, 0x35, 0x0000, at(0x10000)); /* mode 2, 10000 */
	assert_int_equal(vpit_next_event(&pit, at(0x10000)),
			 at(0x10001 + 10000));
	assert_int_equal(latched(0, at(0x10001 + 1)), 0x9999);
}

static void test_mode_6_7_alias_2_3(void **state)
{
	(void)state;
	program(0, 0x3c, 100, at(0)); /* mode 6 = 2 */
	assert_int_equal(vpit_next_event(&pit, at(0)), at(101));
	out8(0x43, 0xe2, at(0));
	assert_int_equal(in8(0x40, at(0)) & 0x0e, 2 << 1);
	program(0, 0x3e, 100, at(1000)); /* mode 7 = 3 */
	assert_int_equal(latched(0, at(1002)), 98);
}

/* --- Channel 2 and port 0x61 ------------------------------------------ */

/* Linux's pit_calibrate_tsc(): gate high, mode 0, poll bit 5. */
static void test_port61_calibrate_tsc(void **state)
{
	u64 w = 77, latch = PIT_HZ / 20, t;

	(void)state;
	reset_at(3200000000ull);
	assert_int_equal(in8(0x61, at(w)) & 0x23, 0x00);
	out8(0x61, (in8(0x61, at(w)) & ~0x02) | 0x01, at(w));
	program(2, 0xb0, (u16)latch, at(w));
	assert_int_equal(in8(0x61, at(w)) & 0x21, 0x01);
	for (t = at(w); !(in8(0x61, t) & 0x20); t += 997)
		;
	assert_true(t >= at(w + 1 + latch) && t < at(w + 1 + latch) + 997);
	/* 50 ms of TSC, to a few PIT ticks. */
	assert_true(t - at(w) > hz / 20 - hz / 100000);
	assert_true(t - at(w) < hz / 20 + hz / 100000);
	/* OUT stays high; channel 2 never raises IRQ 0. */
	assert_int_equal(in8(0x61, t + hz) & 0x20, 0x20);
	assert_int_equal(vpit_irq0_edges(&pit, t + hz), 0);
}

/* Linux's quick_pit_calibrate(): mode 0 from 0xffff, LSB/MSB pairs of
 * live reads; the MSB steps down every 256 pulses. */
static void test_port61_quick_calibrate_msb(void **state)
{
	u64 l = 1001;

	(void)state;
	reset_at(2904000000ull);
	out8(0x61, (in8(0x61, at(1000)) & ~0x02) | 0x01, at(1000));
	program(2, 0xb0, 0xffff, at(1000));
	for (unsigned i = 0; i < 200; i++) {
		/* Count 0xffff - k: MSB 0xff - i while k is in
		 * [256 i, 256 i + 255]. */
		u64 first = l + 256 * i, last = first + 255;

		in8(0x42, at(first));
		assert_int_equal(in8(0x42, at(first)), 0xff - i);
		in8(0x42, at(last + 1) - 1);
		assert_int_equal(in8(0x42, at(last + 1) - 1), 0xff - i);
	}
}

/* Gate low stops mode 0 counting, high resumes it. */
static void test_gate_mode0(void **state)
{
	(void)state;
	out8(0x61, 0x01, at(0));
	program(2, 0xb0, 1000, at(0));
	out8(0x61, 0x00, at(1 + 100));
	assert_int_equal(latched(2, at(5000)), 900);
	assert_int_equal(in8(0x61, at(5000)) & 0x21, 0x00);
	out8(0x61, 0x01, at(6000));
	assert_int_equal(latched(2, at(6001 + 50)), 850);
	assert_int_equal(in8(0x61, at(6001 + 899)) & 0x20, 0);
	assert_int_equal(in8(0x61, at(6001 + 900)) & 0x20, 0x20);
}

/* A count written with the gate low is loaded but does not count. */
static void test_gate_low_at_write(void **state)
{
	(void)state;
	program(2, 0xb0, 1000, at(0));
	assert_int_equal(latched(2, at(500)), 1000);
	out8(0x61, 0x01, at(600));
	assert_int_equal(latched(2, at(601 + 10)), 990);
}

/* Modes 2 and 3: gate low forces OUT high, a rising gate reloads. */
static void test_gate_mode2(void **state)
{
	(void)state;
	out8(0x61, 0x01, at(0));
	program(2, 0xb4, 100, at(0));
	assert_int_equal(in8(0x61, at(1 + 99)) & 0x20, 0);
	out8(0x61, 0x00, at(1 + 99));
	assert_int_equal(in8(0x61, at(1 + 99)) & 0x20, 0x20);
	assert_int_equal(latched(2, at(500)), 1);
	out8(0x61, 0x01, at(1000));
	assert_int_equal(latched(2, at(1001)), 100);
	assert_int_equal(latched(2, at(1001 + 30)), 70);
	assert_int_equal(in8(0x61, at(1001 + 99)) & 0x20, 0);
}

/* Mode 1: a rising gate triggers a one-shot with OUT low. */
static void test_gate_mode1(void **state)
{
	(void)state;
	program(2, 0xb2, 50, at(0));
	assert_int_equal(in8(0x61, at(10)) & 0x20, 0x20);
	out8(0x61, 0x01, at(10));
	assert_int_equal(in8(0x61, at(11)) & 0x20, 0);
	assert_int_equal(latched(2, at(11 + 20)), 30);
	assert_int_equal(in8(0x61, at(11 + 50)) & 0x20, 0x20);
}

static void test_port61_bits(void **state)
{
	(void)state;
	out8(0x61, 0xff, at(0));
	assert_int_equal(in8(0x61, at(0)) & 0xcf, 0x0f);
	/* Refresh toggles every 18 pulses. */
	assert_int_equal(in8(0x61, at(17)) & 0x10, 0);
	assert_int_equal(in8(0x61, at(18)) & 0x10, 0x10);
	assert_int_equal(in8(0x61, at(36)) & 0x10, 0);
}

static void test_other_ports(void **state)
{
	u8 v = 0;

	(void)state;
	assert_false(vpit_io(&pit, 0x44, true, &v, T0));
	assert_false(vpit_io(&pit, 0x3f, false, &v, T0));
	assert_false(vpit_io(&pit, 0x60, true, &v, T0));
	assert_int_equal(in8(0x43, T0), 0xff);
	/* Channel 1 counts like the others and drives nothing. */
	program(1, 0x74, 18, at(0));
	assert_int_equal(latched(1, at(1 + 5)), 13);
	assert_int_equal(vpit_irq0_edges(&pit, at(1000)), 0);
}

/* A TSC above 2^32 Hz: ticks are still PIT_HZ per second. */
static void test_fast_tsc(void **state)
{
	u64 n;

	(void)state;
	reset_at(9876543210ull);
	program(0, 0x34, 0, T0); /* 65536 */
	n = vpit_irq0_edges(&pit, T0 + 100 * hz);
	assert_int_equal(n, (100ull * PIT_HZ - 1) / 65536);
	/* tsc_hz loses its low bits to fit 32 bits: 1 ppb at most. */
	n = vpit_next_event(&pit, T0 + 100 * hz);
	assert_true(n + 100 * hz / 1000000000 >= at(1 + 65536 * 1821) &&
		    n <= at(1 + 65536 * 1821) + 100 * hz / 1000000000);
	assert_int_equal(vpit_irq0_edges(&pit, n - 1), 0);
	assert_int_equal(vpit_irq0_edges(&pit, n), 1);
}

#define TP(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TP(test_mode2_periodic_1ghz),
		TP(test_mode2_periodic_3_2ghz),
		TP(test_mode2_one_second_of_edges),
		TP(test_mode3_square_wave),
		TP(test_mode3_odd_count),
		TP(test_mode0_one_shot),
		TP(test_mode4_linux_oneshot),
		TP(test_linux_shutdown),
		TP(test_mode2_new_count_at_period_end),
		TP(test_unprogrammed_and_pending),
		TP(test_latch_holds_until_read),
		TP(test_read_back),
		TP(test_null_count_status),
		TP(test_flip_flops),
		TP(test_bcd),
		TP(test_mode_6_7_alias_2_3),
		TP(test_port61_calibrate_tsc),
		TP(test_port61_quick_calibrate_msb),
		TP(test_gate_mode0),
		TP(test_gate_low_at_write),
		TP(test_gate_mode2),
		TP(test_gate_mode1),
		TP(test_port61_bits),
		TP(test_other_ports),
		TP(test_fast_tsc),
	};

	return cmocka_run_group_tests_name("vpit", tests, NULL, NULL);
}
