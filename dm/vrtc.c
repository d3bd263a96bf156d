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
#include "lib/types.h"

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

/* The periodic interrupt's period in TSC ticks, 0 if off: rate select
 * 1 and 2 give 256 and 128 Hz, 3-15 give 32768 >> (RS - 1) Hz (data
 * sheet, table "Periodic Interrupt Rate"). */
static u64 period(const struct vrtc *r)
{
	unsigned rs = r->cmos[RTC_REG_A] & RTC_A_RS_MASK;
	unsigned shift = rs <= 2 ? rs + 6 : rs - 1;

	if (!rs || !running(r))
		return 0;
	return muldiv64(r->tsc_hz, 1ull << shift, 32768) ?: 1;
}

/* The alarm matches the time @secs shows; 0xC0-0xFF is "don't care". */
static bool alarm_matches(struct vrtc *r, u64 secs)
{
	static const u8 pair[3][2] = { { RTC_SEC_ALARM, RTC_SEC },
				       { RTC_MIN_ALARM, RTC_MIN },
				       { RTC_HOUR_ALARM, RTC_HOUR } };
	struct rtc_regs t = { .b = r->cmos[RTC_REG_B] };
	u8 now[3];

	rtc_epoch_to_regs(secs, &t);
	now[0] = t.sec, now[1] = t.min, now[2] = t.hour;
	for (unsigned i = 0; i < 3; i++) {
		u8 a = r->cmos[pair[i][0]];

		if ((a & 0xc0) != 0xc0 && a != now[i])
			return false;
	}
	return true;
}

/* Raise the flags of every period and update boundary in
 * (seen_tsc, now]; the alarm is checked at the last update only. */
static void raise_flags(struct vrtc *r, u64 now)
{
	u64 p = period(r), from = r->seen_tsc, secs;

	if (now <= from)
		return;
	r->seen_tsc = now;
	if (!running(r))
		return;
	if (from < r->base_tsc)
		from = r->base_tsc; /* the clock (re)started in between */
	if (p && (now - r->base_tsc) / p != (from - r->base_tsc) / p)
		r->cmos[RTC_REG_C] |= RTC_C_PF;
	secs = (now - r->base_tsc) / r->tsc_hz;
	if (secs == (from - r->base_tsc) / r->tsc_hz)
		return;
	r->cmos[RTC_REG_C] |= RTC_C_UF;
	if (alarm_matches(r, r->base_sec + secs))
		r->cmos[RTC_REG_C] |= RTC_C_AF;
}

bool vrtc_irq(struct vrtc *r, u64 now)
{
	u8 b = r->cmos[RTC_REG_B], c;

	raise_flags(r, now);
	c = r->cmos[RTC_REG_C];
	if (((c & RTC_C_PF) && (b & RTC_B_PIE)) ||
	    ((c & RTC_C_AF) && (b & RTC_B_AIE)) ||
	    ((c & RTC_C_UF) && (b & RTC_B_UIE)))
		r->cmos[RTC_REG_C] |= RTC_C_IRQF;
	return r->cmos[RTC_REG_C] & RTC_C_IRQF;
}

u64 vrtc_next_event(const struct vrtc *r, u64 now)
{
	u8 b = r->cmos[RTC_REG_B];
	u64 p = period(r), next = ~0ull, since = now - r->base_tsc;

	if (!running(r) || now < r->base_tsc)
		return next;
	if ((b & RTC_B_PIE) && p)
		next = r->base_tsc + (since / p + 1) * p;
	if (b & (RTC_B_UIE | RTC_B_AIE))
		next = MIN(next,
			   r->base_tsc + (since / r->tsc_hz + 1) * r->tsc_hz);
	return next;
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
		/* Reading clears the flags and lets IRQ 8 go. */
		vrtc_irq(r, now);
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
	bool was;
	u8 old_a = r->cmos[RTC_REG_A];

	raise_flags(r, now); /* under the old rate and time */
	was = running(r);
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
	r->seen_tsc = now;
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
