// SPDX-License-Identifier: MIT
/* dm/vrtc.c: the calendar, the register formats and the virtual RTC. */
#include <time.h>

#include "dm/vrtc.h"
#include "tests/unit/unit.h"

#define HZ 1000000000ull /* the fake TSC runs at 1 GHz */
#define T0 5000ull
/* 2024-02-29 13:45:56 UTC, a Thursday. */
#define LEAP_DAY 1709214356ull

static struct vrtc rtc;

static void out8(u16 port, u8 v, u64 now)
{
	assert_true(vrtc_io(&rtc, port, false, &v, now));
}

static u8 in8(u16 port, u64 now)
{
	u8 v = 0x5a;

	assert_true(vrtc_io(&rtc, port, true, &v, now));
	return v;
}

static u8 cmos_get(u8 reg, u64 now)
{
	out8(0x70, reg, now);
	return in8(0x71, now);
}

static void cmos_set(u8 reg, u8 v, u64 now)
{
	out8(0x70, reg, now);
	out8(0x71, v, now);
}

/* The clock's time, read through the registers in whatever format. */
static u64 read_epoch(u64 now)
{
	struct rtc_regs t = {
		.sec = cmos_get(RTC_SEC, now),
		.min = cmos_get(RTC_MIN, now),
		.hour = cmos_get(RTC_HOUR, now),
		.wday = cmos_get(RTC_WDAY, now),
		.mday = cmos_get(RTC_MDAY, now),
		.month = cmos_get(RTC_MONTH, now),
		.year = cmos_get(RTC_YEAR, now),
		.century = cmos_get(RTC_CENTURY, now),
		.b = cmos_get(RTC_REG_B, now),
	};

	return rtc_regs_to_epoch(&t);
}

static int setup(void **state)
{
	(void)state;
	vrtc_reset(&rtc, LEAP_DAY, HZ, T0);
	return 0;
}

/* --- The calendar ------------------------------------------------------ */

static void test_days_known_dates(void **state)
{
	(void)state;
	assert_int_equal(rtc_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(rtc_days_from_civil(1972, 2, 29), 789);
	assert_int_equal(rtc_days_from_civil(2000, 2, 29), 11016);
	assert_int_equal(rtc_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(rtc_days_from_civil(2038, 1, 19), 24855);
	assert_int_equal(rtc_days_from_civil(2100, 3, 1), 47541);
	assert_int_equal(rtc_days_from_civil(2100, 2, 28), 47540);
}

/* Every day from 1970 to 2500 against the C library's gmtime(). */
static void test_days_against_libc(void **state)
{
	u32 y, m, d;
	struct tm tm;

	(void)state;
	for (u64 days = 0; days < 194000; days++) {
		time_t t = (time_t)(days * 86400);

		gmtime_r(&t, &tm);
		rtc_civil_from_days(days, &y, &m, &d);
		assert_int_equal(y, (u32)tm.tm_year + 1900);
		assert_int_equal(m, (u32)tm.tm_mon + 1);
		assert_int_equal(d, (u32)tm.tm_mday);
		assert_int_equal(rtc_days_from_civil(y, m, d), days);
	}
}

static void test_regs_round_trip(void **state)
{
	static const u8 formats[] = { 0x00, 0x02, 0x04, 0x06 };
	struct rtc_regs t;

	(void)state;
	for (unsigned f = 0; f < 4; f++)
		for (u64 s = 0; s < 5000000000ull; s += 86400 * 37 + 3599) {
			t = (struct rtc_regs){ .b = formats[f] };
			rtc_epoch_to_regs(s, &t);
			assert_int_equal(rtc_regs_to_epoch(&t), s);
		}
}

static void test_regs_to_epoch_edge_cases(void **state)
{
	struct rtc_regs t = {
		0x56, 0x45, 0x13, 5, 0x29, 0x02, 0x24, 0x20, 0x02
	};

	(void)state;
	assert_int_equal(rtc_regs_to_epoch(&t), LEAP_DAY);
	/* An implausible century byte: the year is 20yy. */
	t.century = 0x00;
	assert_int_equal(rtc_regs_to_epoch(&t), LEAP_DAY);
	t.century = 0xff;
	assert_int_equal(rtc_regs_to_epoch(&t), LEAP_DAY);
	/* Before 1970. */
	t.century = 0x19;
	t.year = 0x69;
	assert_int_equal(rtc_regs_to_epoch(&t), 0);
	t.year = 0x99;
	assert_int_equal(rtc_regs_to_epoch(&t),
			 rtc_days_from_civil(1999, 2, 28) * 86400 + 86400 +
				 13 * 3600 + 45 * 60 + 56);
}

/* --- Formats ------------------------------------------------------------- */

static void test_reset_state_bcd_24h(void **state)
{
	(void)state;
	assert_int_equal(cmos_get(RTC_SEC, T0), 0x56);
	assert_int_equal(cmos_get(RTC_MIN, T0), 0x45);
	assert_int_equal(cmos_get(RTC_HOUR, T0), 0x13);
	assert_int_equal(cmos_get(RTC_WDAY, T0), 5); /* Sunday = 1 */
	assert_int_equal(cmos_get(RTC_MDAY, T0), 0x29);
	assert_int_equal(cmos_get(RTC_MONTH, T0), 0x02);
	assert_int_equal(cmos_get(RTC_YEAR, T0), 0x24);
	assert_int_equal(cmos_get(RTC_CENTURY, T0), 0x20);
	assert_int_equal(cmos_get(RTC_REG_A, T0), 0x26);
	assert_int_equal(cmos_get(RTC_REG_B, T0), 0x02);
	assert_int_equal(cmos_get(RTC_REG_C, T0), 0x00);
	assert_int_equal(cmos_get(RTC_REG_D, T0), 0x80);
}

static void test_binary_and_12h(void **state)
{
	(void)state;
	cmos_set(RTC_REG_B, 0x04, T0); /* binary, 12-hour */
	assert_int_equal(cmos_get(RTC_SEC, T0), 56);
	assert_int_equal(cmos_get(RTC_HOUR, T0), 0x80 | 1);
	assert_int_equal(cmos_get(RTC_YEAR, T0), 24);
	assert_int_equal(cmos_get(RTC_CENTURY, T0), 20);
	cmos_set(RTC_REG_B, 0x00, T0); /* BCD, 12-hour */
	assert_int_equal(cmos_get(RTC_HOUR, T0), 0x81);
	/* Midnight and noon are both 12. */
	vrtc_reset(&rtc, 86400 * 3, HZ, T0);
	cmos_set(RTC_REG_B, 0x00, T0);
	assert_int_equal(cmos_get(RTC_HOUR, T0), 0x12);
	assert_int_equal(cmos_get(RTC_HOUR, T0 + 12 * 3600 * HZ), 0x92);
	assert_int_equal(cmos_get(RTC_HOUR, T0 + 23 * 3600 * HZ), 0x91);
	cmos_set(RTC_REG_B, 0x06, T0); /* binary, 24-hour */
	assert_int_equal(cmos_get(RTC_HOUR, T0 + 23 * 3600 * HZ), 23);
}

/* --- Time passing ------------------------------------------------------ */

static void test_time_advances(void **state)
{
	(void)state;
	assert_int_equal(cmos_get(RTC_SEC, T0 + HZ - 1), 0x56);
	assert_int_equal(cmos_get(RTC_SEC, T0 + HZ), 0x57);
	assert_int_equal(cmos_get(RTC_MIN, T0 + 4 * HZ), 0x46);
	assert_int_equal(cmos_get(RTC_SEC, T0 + 4 * HZ), 0x00);
	/* Across the leap day and a day of the week. */
	assert_int_equal(read_epoch(T0 + 86400 * HZ), LEAP_DAY + 86400);
	assert_int_equal(cmos_get(RTC_MONTH, T0 + 86400 * HZ), 0x03);
	assert_int_equal(cmos_get(RTC_MDAY, T0 + 86400 * HZ), 0x01);
	assert_int_equal(cmos_get(RTC_WDAY, T0 + 86400 * HZ), 6);
}

static void test_new_century(void **state)
{
	u64 eve = rtc_days_from_civil(2099, 12, 31) * 86400 + 86399;

	(void)state;
	vrtc_reset(&rtc, eve, HZ, T0);
	assert_int_equal(cmos_get(RTC_YEAR, T0), 0x99);
	assert_int_equal(cmos_get(RTC_CENTURY, T0), 0x20);
	assert_int_equal(cmos_get(RTC_YEAR, T0 + HZ), 0x00);
	assert_int_equal(cmos_get(RTC_CENTURY, T0 + HZ), 0x21);
	assert_int_equal(cmos_get(RTC_MONTH, T0 + HZ), 0x01);
	assert_int_equal(cmos_get(RTC_HOUR, T0 + HZ), 0x00);
}

/* UIP is set only for the last 244 us before each update. */
static void test_uip_window(void **state)
{
	u64 window = HZ / 1000000 * 244;

	(void)state;
	assert_int_equal(cmos_get(RTC_REG_A, T0) & 0x80, 0);
	assert_int_equal(cmos_get(RTC_REG_A, T0 + HZ - window - 1) & 0x80, 0);
	assert_int_equal(cmos_get(RTC_REG_A, T0 + HZ - window) & 0x80, 0x80);
	assert_int_equal(cmos_get(RTC_REG_A, T0 + HZ - 1) & 0x80, 0x80);
	assert_int_equal(cmos_get(RTC_REG_A, T0 + HZ) & 0x80, 0);
	/* Stopped clocks do not update. */
	cmos_set(RTC_REG_B, 0x82, T0);
	assert_int_equal(cmos_get(RTC_REG_A, T0 + HZ - 1) & 0x80, 0);
}

/* Linux's mc146818_set_time(): SET, divider reset, the time registers,
 * then B and A restored. The first update comes half a second later. */
static void test_linux_set_time(void **state)
{
	u64 t = T0 + 10 * HZ + HZ / 3;

	(void)state;
	cmos_set(RTC_REG_B, 0x82, t);
	cmos_set(RTC_REG_A, 0x26 | 0x60, t);
	/* Frozen: the registers keep what was in them. */
	assert_int_equal(cmos_get(RTC_SEC, t + 5 * HZ), 0x06);
	assert_int_equal(cmos_get(RTC_MIN, t + 5 * HZ), 0x46);
	cmos_set(RTC_SEC, 0x30, t);
	cmos_set(RTC_MIN, 0x15, t);
	cmos_set(RTC_HOUR, 0x08, t);
	cmos_set(RTC_MDAY, 0x04, t);
	cmos_set(RTC_MONTH, 0x07, t);
	cmos_set(RTC_YEAR, 0x25, t);
	t += 3 * HZ;
	cmos_set(RTC_REG_B, 0x02, t);
	assert_int_equal(cmos_get(RTC_SEC, t + 7 * HZ), 0x30);
	cmos_set(RTC_REG_A, 0x26, t + 7 * HZ);
	t += 7 * HZ;
	assert_int_equal(read_epoch(t),
			 rtc_days_from_civil(2025, 7, 4) * 86400 + 8 * 3600 +
				 15 * 60 + 30);
	assert_int_equal(cmos_get(RTC_SEC, t + HZ / 2 - 1), 0x30);
	assert_int_equal(cmos_get(RTC_SEC, t + HZ / 2), 0x31);
	assert_int_equal(cmos_get(RTC_WDAY, t), 6); /* a Friday */
}

/* SET alone keeps the divider's phase: updates stay on the old second
 * boundaries. */
static void test_set_keeps_phase(void **state)
{
	(void)state;
	cmos_set(RTC_REG_B, 0x82, T0 + HZ / 4);
	cmos_set(RTC_SEC, 0x00, T0 + HZ / 4);
	cmos_set(RTC_REG_B, 0x02, T0 + 5 * HZ + HZ / 2);
	assert_int_equal(cmos_get(RTC_SEC, T0 + 6 * HZ - 1), 0x00);
	assert_int_equal(cmos_get(RTC_SEC, T0 + 6 * HZ), 0x01);
	assert_int_equal(cmos_get(RTC_MIN, T0 + 6 * HZ), 0x45);
}

/* Writing a time register of a running clock sets it, phase kept. */
static void test_write_while_running(void **state)
{
	(void)state;
	cmos_set(RTC_MIN, 0x10, T0 + HZ / 2);
	assert_int_equal(cmos_get(RTC_MIN, T0 + HZ / 2), 0x10);
	assert_int_equal(cmos_get(RTC_SEC, T0 + HZ - 1), 0x56);
	assert_int_equal(cmos_get(RTC_SEC, T0 + HZ), 0x57);
	assert_int_equal(read_epoch(T0 + HZ), LEAP_DAY - 35 * 60 + 1);
}

/* Setting SET clears UIE (data sheet, register B). */
static void test_set_clears_uie(void **state)
{
	(void)state;
	cmos_set(RTC_REG_B, 0x92, T0);
	assert_int_equal(cmos_get(RTC_REG_B, T0), 0x82);
	cmos_set(RTC_REG_B, 0x12, T0);
	assert_int_equal(cmos_get(RTC_REG_B, T0), 0x12);
}

static void test_nvram_and_ports(void **state)
{
	u8 v = 0;

	(void)state;
	for (unsigned r = 0x0e; r < 0x80; r++) {
		if (r == RTC_CENTURY)
			continue;
		assert_int_equal(cmos_get((u8)r, T0), 0);
		cmos_set((u8)r, (u8)(r ^ 0xa5), T0);
	}
	for (unsigned r = 0x0e; r < 0x80; r++)
		if (r != RTC_CENTURY)
			assert_int_equal(cmos_get((u8)r, T0), r ^ 0xa5);
	/* Bit 7 of the index disables NMIs, not a register bit. */
	out8(0x70, 0x80 | 0x20, T0);
	assert_int_equal(in8(0x71, T0), 0x20 ^ 0xa5);
	/* C and D are read-only; the alarms are plain bytes. */
	cmos_set(RTC_REG_D, 0x00, T0);
	assert_int_equal(cmos_get(RTC_REG_D, T0), 0x80);
	cmos_set(RTC_REG_C, 0xff, T0);
	assert_int_equal(cmos_get(RTC_REG_C, T0), 0x00);
	cmos_set(RTC_HOUR_ALARM, 0xc0, T0);
	assert_int_equal(cmos_get(RTC_HOUR_ALARM, T0), 0xc0);
	assert_false(vrtc_io(&rtc, 0x72, true, &v, T0));
	assert_false(vrtc_io(&rtc, 0x6f, false, &v, T0));
}

/* Register C's flags rise on time and IRQ 8 follows their enables; a
 * read of C clears both (data sheet, registers B and C). */
static void test_periodic_interrupt(void **state)
{
	u64 p = HZ / 1024; /* rate select 6: 1024 Hz */

	(void)state;
	assert_false(vrtc_irq(&rtc, T0 + 10 * p));
	assert_int_equal(vrtc_next_event(&rtc, T0), ~0ull);
	cmos_set(RTC_REG_B, RTC_B_24H | RTC_B_PIE, T0 + 10 * p);
	assert_true(vrtc_next_event(&rtc, T0 + 10 * p) <= T0 + 12 * p);
	/* PF rose in the 10 periods before the enable: IRQ at once. */
	assert_true(vrtc_irq(&rtc, T0 + 10 * p));
	assert_int_equal(cmos_get(RTC_REG_C, T0 + 10 * p),
			 RTC_C_IRQF | RTC_C_PF);
	assert_false(vrtc_irq(&rtc, T0 + 10 * p));
	assert_true(vrtc_irq(&rtc, T0 + 12 * p));
	/* Rate 0: no periodic flag any more. */
	cmos_get(RTC_REG_C, T0 + 12 * p);
	cmos_set(RTC_REG_A, 0x20, T0 + 12 * p);
	assert_false(vrtc_irq(&rtc, T0 + 100 * p));
	assert_int_equal(vrtc_next_event(&rtc, T0 + 100 * p), ~0ull);
}

static void test_update_and_alarm(void **state)
{
	(void)state;
	/* Alarm at any hour and minute, second 30 (BCD): 56 + 34 s on. */
	cmos_set(RTC_SEC_ALARM, 0x30, T0);
	cmos_set(RTC_MIN_ALARM, 0xc0, T0);
	cmos_set(RTC_HOUR_ALARM, 0xc0, T0);
	cmos_set(RTC_REG_B, RTC_B_24H | RTC_B_UIE, T0);
	assert_false(vrtc_irq(&rtc, T0 + HZ / 2));
	assert_true(vrtc_irq(&rtc, T0 + HZ + 1));
	/* PF rises too, enabled or not: the default rate is 1024 Hz. */
	assert_int_equal(cmos_get(RTC_REG_C, T0 + HZ + 1),
			 RTC_C_IRQF | RTC_C_PF | RTC_C_UF);
	cmos_set(RTC_REG_B, RTC_B_24H | RTC_B_AIE, T0 + HZ + 1);
	assert_false(vrtc_irq(&rtc, T0 + 33 * HZ + 1));
	assert_true(vrtc_irq(&rtc, T0 + 34 * HZ + 1));
	assert_int_equal(cmos_get(RTC_REG_C, T0 + 34 * HZ + 1),
			 RTC_C_IRQF | RTC_C_PF | RTC_C_AF | RTC_C_UF);
}

#define TR(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TR(test_days_known_dates),    TR(test_days_against_libc),
		TR(test_regs_round_trip),     TR(test_regs_to_epoch_edge_cases),
		TR(test_reset_state_bcd_24h), TR(test_binary_and_12h),
		TR(test_time_advances),	      TR(test_new_century),
		TR(test_uip_window),	      TR(test_linux_set_time),
		TR(test_set_keeps_phase),     TR(test_write_while_running),
		TR(test_set_clears_uie),      TR(test_nvram_and_ports),
		TR(test_periodic_interrupt),  TR(test_update_and_alarm),
	};

	return cmocka_run_group_tests_name("vrtc", tests, NULL, NULL);
}
