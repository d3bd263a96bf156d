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
#include "dm/vrtc.h"
#include "lib/muldiv.h"
#include "lib/string.h"

#define A_WRITABLE	0x7f
#define A_DEFAULT	0x26 /* DV = 010: 32.768 kHz base; 1.024 kHz rate */
#define UIP_US		244  /* UIP rises this long before an update */
#define PORT_INDEX_MASK 0x7f /* bit 7 of the index is NMI disable */

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
	if (port == RTC_PORT_INDEX) {
		if (in)
			*val = 0xff; /* write-only on the PC/AT */
		else
			r->index = *val & PORT_INDEX_MASK;
		return true;
	}
	if (port != RTC_PORT_DATA)
		return false;
	if (in)
		*val = read_reg(r, r->index, now);
	else
		write_reg(r, r->index, *val, now);
	return true;
}
