// SPDX-License-Identifier: MIT
/* The MC146818A's calendar and register formats (arch/x86_64/mc146818.h). */
#include "arch/x86_64/mc146818.h"
#include "lib/muldiv.h"

#define SECS_PER_DAY  86400
#define DAYS_PER_400Y 146097
#define DAYS_PER_100Y 36524 /* a century whose last year is common */
#define DAYS_PER_4Y   1461
/* Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar. */
#define DAYS_MAR0_TO_1970 719468

/* --- The calendar --------------------------------------------------- */

/*
 * Counting years from March 1 puts the leap day last, so every month
 * starts on the same day of the year whether or not it is a leap year:
 * month m (March = 0) starts on day (153 * m + 2) / 5, since the lengths
 * 31 30 31 30 31 repeat every five months (153 days) from March on.
 */
static u32 march_month_start(u32 m)
{
	return (153 * m + 2) / 5;
}

u64 rtc_days_from_civil(u32 year, u32 month, u32 day)
{
	u64 y = year - (month < 3);
	u32 m = month < 3 ? month + 9 : month - 3;

	return y * 365 + y / 4 - y / 100 + y / 400 + march_month_start(m) +
	       day - 1 - DAYS_MAR0_TO_1970;
}

void rtc_civil_from_days(u64 days, u32 *year, u32 *month, u32 *day)
{
	u64 z = days + DAYS_MAR0_TO_1970, y = z / DAYS_PER_400Y * 400;
	u32 r = (u32)(z % DAYS_PER_400Y), c, q, n, m;

	/* Only the 4th century of 400 years ends with a leap day, so the
	 * 400-year cycle's last day would be century 4: it is century 3's.
	 * The same holds for the 4th year of four. */
	c = MIN(r / DAYS_PER_100Y, 3u);
	r -= c * DAYS_PER_100Y;
	q = r / DAYS_PER_4Y;
	r -= q * DAYS_PER_4Y;
	n = MIN(r / 365, 3u);
	r -= n * 365;
	m = (5 * r + 2) / 153; /* inverts march_month_start() */
	*day = r - march_month_start(m) + 1;
	*month = m < 10 ? m + 3 : m - 9;
	*year = (u32)(y + c * 100 + q * 4 + n + (*month < 3));
}

/* --- Register formats (register B: DM and 24/12) -------------------- */

static u8 to_reg(u32 v, u8 b)
{
	return (u8)(b & RTC_B_DM_BINARY ? v : (v / 10) << 4 | v % 10);
}

static u32 from_reg(u8 v, u8 b)
{
	return b & RTC_B_DM_BINARY ? v : (u32)(v >> 4) * 10 + (v & 15);
}

/* 12-hour mode shows 12 for midnight and noon, and bit 7 for PM. */
static u8 hour_to_reg(u32 h, u8 b)
{
	if (b & RTC_B_24H)
		return to_reg(h, b);
	return to_reg(h % 12 ? h % 12 : 12, b) | (h >= 12 ? RTC_HOUR_PM : 0);
}

static u32 hour_from_reg(u8 v, u8 b)
{
	if (b & RTC_B_24H)
		return from_reg(v, b);
	return from_reg(v & ~RTC_HOUR_PM, b) % 12 + (v & RTC_HOUR_PM ? 12 : 0);
}

void rtc_epoch_to_regs(u64 secs, struct rtc_regs *t)
{
	u64 days = secs / SECS_PER_DAY;
	u32 s = (u32)(secs % SECS_PER_DAY), y, mo, d;
	u8 b = t->b;

	rtc_civil_from_days(days, &y, &mo, &d);
	t->sec = to_reg(s % 60, b);
	t->min = to_reg(s / 60 % 60, b);
	t->hour = hour_to_reg(s / 3600, b);
	/* 1970-01-01 was a Thursday; the RTC counts Sunday as day 1. */
	t->wday = to_reg((u32)((days + 4) % 7) + 1, b);
	t->mday = to_reg(d, b);
	t->month = to_reg(mo, b);
	t->year = to_reg(y % 100, b);
	t->century = to_reg(y / 100, b);
}

static u32 clamp(u32 v, u32 lo, u32 hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

u64 rtc_regs_to_epoch(const struct rtc_regs *t)
{
	u8 b = t->b;
	u32 c = from_reg(t->century, b), year;

	year = (c >= 19 && c <= 99 ? c : 20) * 100 + from_reg(t->year, b) % 100;
	if (year < 1970)
		return 0;
	return rtc_days_from_civil(year, clamp(from_reg(t->month, b), 1, 12),
				   clamp(from_reg(t->mday, b), 1, 31)) *
		       SECS_PER_DAY +
	       MIN(hour_from_reg(t->hour, b), 23u) * 3600 +
	       MIN(from_reg(t->min, b), 59u) * 60 +
	       MIN(from_reg(t->sec, b), 59u);
}
