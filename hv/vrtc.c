// SPDX-License-Identifier: MIT
/*
 * The guest's real-time clock: a Motorola MC146818A (data sheet,
 * "Address Map", "Registers A-D", "Update Cycle") behind the PC/AT's
 * index/data ports 0x70/0x71, with bytes 0x0E-0x7F as plain NVRAM and
 * 0x32 as the IBM century byte.
 *
 * While the clock runs, the time is base_sec plus whole seconds of TSC
 * since base_tsc, formatted on every read in the mode register B selects;
 * base_tsc is a second boundary, so the divider chain's phase is base_tsc
 * modulo tsc_hz. While the clock is stopped (register B's SET bit, or the
 * divider chain held in reset through register A), the time registers are
 * plain bytes the guest may write; when the clock starts again it takes
 * the time they show.
 */
#include "hv/vrtc.h"
#include "lib/muldiv.h"
#include "lib/string.h"

#define SECS_PER_DAY  86400
#define DAYS_PER_400Y 146097
#define DAYS_PER_100Y 36524 /* a century whose last year is common */
#define DAYS_PER_4Y   1461
/* Days from 0000-03-01 to 1970-01-01 in the proleptic Gregorian calendar. */
#define DAYS_MAR0_TO_1970 719468
#define A_WRITABLE	  0x7f
#define A_DEFAULT	  0x26 /* DV = 010: 32.768 kHz base; 1.024 kHz rate */
#define UIP_US		  244  /* UIP rises this long before an update */
#define PORT_INDEX_MASK	  0x7f /* bit 7 of the index is NMI disable */

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

/* --- The device ----------------------------------------------------- */

static bool is_time_reg(u8 idx)
{
	return idx == RTC_SEC || idx == RTC_MIN || idx == RTC_HOUR ||
	       (idx >= RTC_WDAY && idx <= RTC_YEAR) || idx == RTC_CENTURY;
}

static void regs_get(const struct vrtc *r, struct rtc_regs *t)
{
	const u8 *c = r->cmos;

	*t = (struct rtc_regs){ c[RTC_SEC],  c[RTC_MIN],     c[RTC_HOUR],
				c[RTC_WDAY], c[RTC_MDAY],    c[RTC_MONTH],
				c[RTC_YEAR], c[RTC_CENTURY], c[RTC_REG_B] };
}

static void regs_put(struct vrtc *r, const struct rtc_regs *t)
{
	u8 *c = r->cmos;

	c[RTC_SEC] = t->sec;
	c[RTC_MIN] = t->min;
	c[RTC_HOUR] = t->hour;
	c[RTC_WDAY] = t->wday;
	c[RTC_MDAY] = t->mday;
	c[RTC_MONTH] = t->month;
	c[RTC_YEAR] = t->year;
	c[RTC_CENTURY] = t->century;
}

/* Updates happen unless SET inhibits them or the divider is in reset. */
static bool running(const struct vrtc *r)
{
	return !(r->cmos[RTC_REG_B] & RTC_B_SET) &&
	       (r->cmos[RTC_REG_A] & RTC_A_DV_RESET) != RTC_A_DV_RESET;
}

/* TSC ticks since the last second boundary. */
static u64 phase(const struct vrtc *r, u64 now)
{
	return (now - r->base_tsc) % r->tsc_hz;
}

/* Write the running clock's time into the time registers. */
static void snapshot(struct vrtc *r, u64 now)
{
	struct rtc_regs t = { .b = r->cmos[RTC_REG_B] };

	rtc_epoch_to_regs(r->base_sec + (now - r->base_tsc) / r->tsc_hz, &t);
	regs_put(r, &t);
}

/* Run the clock from the time registers, the next update at @second. */
static void rebase(struct vrtc *r, u64 second)
{
	struct rtc_regs t;

	regs_get(r, &t);
	r->base_sec = rtc_regs_to_epoch(&t);
	r->base_tsc = second;
}

/* UIP is set for the last 244 us before each update (data sheet,
 * "Update Cycle"), so that a reader who sees it clear has that long. */
static bool uip(const struct vrtc *r, u64 now)
{
	u64 window = muldiv64(r->tsc_hz, UIP_US, 1000000);

	return running(r) && phase(r, now) >= r->tsc_hz - window;
}

static u8 read_reg(struct vrtc *r, u8 idx, u64 now)
{
	u8 v;

	if (is_time_reg(idx) && running(r))
		snapshot(r, now);
	switch (idx) {
	case RTC_REG_A:
		return (r->cmos[idx] & A_WRITABLE) |
		       (uip(r, now) ? RTC_A_UIP : 0);
	case RTC_REG_C:
		/* Reading clears the flags; none are raised here. */
		v = r->cmos[idx];
		r->cmos[idx] = 0;
		return v;
	case RTC_REG_D: return RTC_D_VRT;
	default: return r->cmos[idx];
	}
}

/* The clock stopped or started through register A or B. */
static void run_changed(struct vrtc *r, bool was, u8 old_a, u64 now)
{
	bool div_was_reset = (old_a & RTC_A_DV_RESET) == RTC_A_DV_RESET;

	if (was && !running(r)) {
		snapshot(r, now);
	} else if (!was && running(r)) {
		/* Leaving divider reset, "the first update cycle begins
		 * one-half second later"; after SET, the divider kept its
		 * phase. */
		rebase(r, div_was_reset ? now - r->tsc_hz / 2
					: now - phase(r, now));
	}
}

static void write_reg(struct vrtc *r, u8 idx, u8 v, u64 now)
{
	bool was = running(r);
	u8 old_a = r->cmos[RTC_REG_A];

	switch (idx) {
	case RTC_REG_A: r->cmos[idx] = v & A_WRITABLE; break;
	case RTC_REG_B:
		/* Setting SET clears UIE (data sheet, register B). */
		r->cmos[idx] = v & RTC_B_SET ? v & ~RTC_B_UIE : v;
		break;
	case RTC_REG_C:
	case RTC_REG_D: return; /* read-only */
	default:
		if (is_time_reg(idx) && was) {
			/* Setting the time without SET: the clock takes
			 * the new value and keeps counting. */
			snapshot(r, now);
			r->cmos[idx] = v;
			rebase(r, now - phase(r, now));
			return;
		}
		r->cmos[idx] = v;
		return;
	}
	run_changed(r, was, old_a, now);
}

void vrtc_reset(struct vrtc *r, u64 epoch_seconds, u64 tsc_hz, u64 now)
{
	memset(r, 0, sizeof(*r));
	r->cmos[RTC_REG_A] = A_DEFAULT;
	/* The PC default: 24-hour mode, BCD. */
	r->cmos[RTC_REG_B] = RTC_B_24H;
	r->tsc_hz = tsc_hz ? tsc_hz : 1;
	r->base_sec = epoch_seconds;
	r->base_tsc = now;
}

bool vrtc_io(struct vrtc *r, u16 port, bool in, u8 *val, u64 now)
{
	if (port == VRTC_PORT_INDEX) {
		if (in)
			*val = 0xff; /* write-only on the PC/AT */
		else
			r->index = *val & PORT_INDEX_MASK;
		return true;
	}
	if (port != VRTC_PORT_DATA)
		return false;
	if (in)
		*val = read_reg(r, r->index, now);
	else
		write_reg(r, r->index, *val, now);
	return true;
}
