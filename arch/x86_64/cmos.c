// SPDX-License-Identifier: MIT
/*
 * The host's CMOS real-time clock, read once to give guests the wall-clock
 * time. The MC146818A (Motorola data sheet, "Update Cycle") copies its
 * counters into the time registers once a second; a read during that copy
 * may mix two seconds. UIP in register A warns 244 us ahead, so braid
 * starts reading once UIP is clear and repeats until two reads agree.
 */
#include "arch/x86_64/cmos.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/mc146818.h"

#define UIP_SPINS  200000 /* port reads: well over an update's 2 ms */
#define READ_TRIES 8

static u8 cmos_read(u8 reg)
{
	/* Bit 7 of the index clear: NMIs stay enabled. */
	outb(RTC_PORT_INDEX, reg);
	return inb(RTC_PORT_DATA);
}

static void wait_uip_clear(void)
{
	for (unsigned i = 0; i < UIP_SPINS; i++) {
		if (!(cmos_read(RTC_REG_A) & RTC_A_UIP))
			return;
		cpu_relax();
	}
}

static void read_regs(struct rtc_regs *t)
{
	wait_uip_clear();
	t->sec = cmos_read(RTC_SEC);
	t->min = cmos_read(RTC_MIN);
	t->hour = cmos_read(RTC_HOUR);
	t->wday = cmos_read(RTC_WDAY);
	t->mday = cmos_read(RTC_MDAY);
	t->month = cmos_read(RTC_MONTH);
	t->year = cmos_read(RTC_YEAR);
	t->century = cmos_read(RTC_CENTURY);
	t->b = cmos_read(RTC_REG_B);
}

static bool same(const struct rtc_regs *a, const struct rtc_regs *b)
{
	return a->sec == b->sec && a->min == b->min && a->hour == b->hour &&
	       a->mday == b->mday && a->month == b->month &&
	       a->year == b->year && a->century == b->century && a->b == b->b;
}

/* An absent RTC reads all ones; a month outside 1-12 is no clock. */
static bool plausible(const struct rtc_regs *t)
{
	u8 m = t->month;

	if (!(t->b & RTC_B_DM_BINARY))
		m = (u8)((m >> 4) * 10 + (m & 15));
	return t->sec != 0xff && m >= 1 && m <= 12;
}

u64 host_rtc_epoch(void)
{
	struct rtc_regs a, b;

	read_regs(&a);
	for (unsigned i = 0; i < READ_TRIES; i++) {
		read_regs(&b);
		if (same(&a, &b))
			break;
		a = b;
	}
	return plausible(&b) ? rtc_regs_to_epoch(&b) : 0;
}
