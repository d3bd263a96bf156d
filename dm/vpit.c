// SPDX-License-Identifier: MIT
/*
 * The guest's 8254 PIT (Intel 8254 Programmable Interval Timer data sheet,
 * order no. 231164) and port 0x61 (IBM PC/AT Technical Reference, "System
 * Timers" and "I/O Address Map": port B).
 *
 * Time is a grid of PIT ticks (CLK pulses) counted from the TSC at reset.
 * A count written at tick T is loaded into the counting element on the
 * next CLK pulse, tick T+1 (the data sheet's "load" pulse), and each pulse
 * after that counts. Everything a channel shows (count, OUT, edges) is then
 * a function of k, the ticks since that load, so nothing has to run as time
 * passes. The one exception is a count written in modes 2 and 3 while the
 * channel counts: it takes effect at the end of the current period, which
 * is remembered as pending_tick and applied lazily by sync().
 */
#include "dm/vpit.h"
#include "lib/muldiv.h"
#include "lib/string.h"

/* The AT's DRAM refresh request came every 18 PIT ticks (15.08 us, channel
 * 1 in mode 2); port B bit 4 toggles with each one. */
#define REFRESH_TICKS 18
#define NEVER	      (~0ull)

static u64 pit_tick(const struct vpit *t, u64 now)
{
	if (now <= t->t0)
		return 0;
	return muldiv64((now - t->t0) >> t->shift, PIT_HZ, t->tsc_div);
}

/* The first TSC at which pit_tick() reaches @tick. */
static u64 tick_tsc(const struct vpit *t, u64 tick)
{
	return t->t0 + (muldiv64_up(tick, t->tsc_div, PIT_HZ) << t->shift);
}

/* A count of 0 is the largest: 2^16 in binary, 10^4 in BCD. */
static u32 modulus(const struct vpit_channel *ch)
{
	return ch->bcd ? 10000 : 65536;
}

static u32 decode(const struct vpit_channel *ch, u16 raw)
{
	u32 n = raw;

	if (ch->bcd)
		n = (raw >> 12) * 1000 + ((raw >> 8) & 15) * 100 +
		    ((raw >> 4) & 15) * 10 + (raw & 15);
	return n ? n : modulus(ch);
}

static u16 encode(const struct vpit_channel *ch, u32 v)
{
	v %= modulus(ch);
	if (!ch->bcd)
		return (u16)v;
	return (u16)((v / 1000) << 12 | (v / 100 % 10) << 8 |
		     (v / 10 % 10) << 4 | v % 10);
}

/* GATE low stops counting in modes 0, 2, 3 and 4; in modes 1 and 5 the
 * gate only triggers. */
static bool stopped(const struct vpit_channel *ch)
{
	return !ch->gate && ch->mode != 1 && ch->mode != 5;
}

/* k: CLK pulses counted since the load pulse. */
static u64 elapsed(const struct vpit_channel *ch, u64 tick)
{
	if (!ch->loaded)
		return 0;
	if (stopped(ch))
		return ch->frozen;
	return tick < ch->load_tick ? 0 : tick - ch->load_tick;
}

/* Mode 3 counts down by two, twice per period. An odd count N spends
 * (N+1)/2 pulses with OUT high (N, N-1, N-3, ... 2) and (N-1)/2 with OUT
 * low (N, N-3, N-5, ... 2): data sheet, "Mode 3". */
static u32 mode3_value(u32 n, u64 k)
{
	u32 p = (u32)(k % n), high = (n + 1) / 2;
	bool low = p >= high;

	if (low)
		p -= high;
	if (!p)
		return n;
	if (!(n & 1))
		return n - 2 * p;
	return low ? n - 1 - 2 * p : n + 1 - 2 * p;
}

/* What the counting element holds at @tick, in binary. */
static u32 ce_value(const struct vpit_channel *ch, u64 tick)
{
	u64 k = elapsed(ch, tick);
	u32 n = ch->count, m = modulus(ch);

	if (!ch->loaded)
		return ch->held;
	switch (ch->mode) {
	case 2: return n - (u32)(k % n);
	case 3: return mode3_value(n, k);
	default: return (n + m - (u32)(k % m)) % m; /* counts on past 0 */
	}
}

static bool out(const struct vpit_channel *ch, u64 tick)
{
	u64 k = elapsed(ch, tick);
	u32 n = ch->count;

	/* After a control word, OUT is low in mode 0, high otherwise. */
	if (!ch->loaded)
		return ch->mode != 0;
	switch (ch->mode) {
	case 0:
	case 1: return k >= n;
	/* Modes 2 and 3: GATE low forces OUT high at once. */
	case 2: return stopped(ch) || k % n != n - 1;
	case 3: return stopped(ch) || k % n < (n + 1) / 2;
	default: return k != n; /* 4, 5: low for one pulse at count 0 */
	}
}

/* Rising edges of OUT from the load through @tick. */
static u64 rises(const struct vpit_channel *ch, u64 tick)
{
	u64 k = elapsed(ch, tick);
	u32 n = ch->count;

	if (!ch->loaded)
		return 0;
	switch (ch->mode) {
	case 0:
	case 1: return k >= n;
	case 2:
	case 3: return k / n; /* each period starts with a rising edge */
	default: return k > n;
	}
}

/* The first tick after @tick at which OUT rises, or NEVER. */
static u64 next_rise(const struct vpit_channel *ch, u64 tick)
{
	u64 k = elapsed(ch, tick);
	u32 n = ch->count;

	if (!ch->loaded || stopped(ch))
		return NEVER;
	switch (ch->mode) {
	case 0:
	case 1: return k < n ? ch->load_tick + n : NEVER;
	case 2:
	case 3: return ch->load_tick + (k / n + 1) * n;
	default: return k <= n ? ch->load_tick + n + 1 : NEVER;
	}
}

/* Count channel 0's edges up to @tick, before anything changes it. */
static void collect_irq0(struct vpit *t, u64 tick)
{
	const struct vpit_channel *ch = &t->ch[0];

	if (tick <= t->irq0_tick)
		return;
	t->irq0_edges += rises(ch, tick) - rises(ch, t->irq0_tick);
	t->irq0_tick = tick;
}

/* Apply the reloads of modes 2 and 3 that fell due by @tick. */
static void sync(struct vpit *t, u64 tick)
{
	for (unsigned i = 0; i < PIT_CHANNELS; i++) {
		struct vpit_channel *ch = &t->ch[i];

		if (!ch->pending || stopped(ch) || tick < ch->pending_tick)
			continue;
		if (i == 0)
			collect_irq0(t, ch->pending_tick);
		ch->count = ch->next;
		ch->load_tick = ch->pending_tick;
		ch->pending = false;
	}
	collect_irq0(t, tick);
}

/* Load the count register into the counting element on the next pulse. */
static void start(struct vpit_channel *ch, u64 tick)
{
	ch->count = ch->next;
	ch->loaded = true;
	ch->pending = false;
	ch->frozen = 0;
	ch->load_tick = tick + 1;
}

static void latch_count(struct vpit_channel *ch, u64 tick)
{
	/* A latched count is held until read; later latches are ignored. */
	if (ch->latch_left)
		return;
	ch->latch = encode(ch, ce_value(ch, tick));
	ch->latch_left = ch->rw == RW_WORD ? 2 : 1;
}

static u8 status(const struct vpit_channel *ch, u64 tick)
{
	/* Null count: a count was written but is not in the counting
	 * element yet (or no count since the control word). */
	bool null = !ch->loaded || ch->pending;

	return (out(ch, tick) ? STATUS_OUT : 0) | (null ? STATUS_NULL : 0) |
	       ch->rw << 4 | ch->mode << 1 | (ch->bcd ? CW_BCD : 0);
}

static void read_back(struct vpit *t, u8 cmd, u64 tick)
{
	for (unsigned i = 0; i < PIT_CHANNELS; i++) {
		struct vpit_channel *ch = &t->ch[i];

		if (!(cmd & RB_CHANNEL(i)))
			continue;
		if (!(cmd & RB_NO_COUNT))
			latch_count(ch, tick);
		if (!(cmd & RB_NO_STATUS) && !ch->status_latched) {
			ch->status = status(ch, tick);
			ch->status_latched = true;
		}
	}
}

static void write_control(struct vpit *t, u8 cw, u64 tick)
{
	struct vpit_channel *ch;
	u8 mode = CW_MODE(cw);

	if (CW_SC(cw) == SC_READ_BACK) {
		read_back(t, cw, tick);
		return;
	}
	ch = &t->ch[CW_SC(cw)];
	if (CW_RW(cw) == RW_LATCH) {
		latch_count(ch, tick);
		return;
	}
	/* "All Control Logic is immediately reset": the counter waits for
	 * a new count, keeping whatever its counting element showed. */
	ch->held = ce_value(ch, tick);
	ch->mode = mode > 5 ? mode - 4 : mode; /* 6, 7 are 2, 3 */
	ch->rw = CW_RW(cw);
	ch->bcd = cw & CW_BCD;
	ch->loaded = false;
	ch->pending = false;
	ch->next = 0;
	ch->write_msb = false;
	ch->read_msb = false;
	ch->latch_left = 0;
	ch->status_latched = false;
}

/* Modes 2 and 3: the tick at which the period running at @tick ends
 * (never, while the gate stops counting: a rising gate reloads). */
static u64 period_end(const struct vpit_channel *ch, u64 tick)
{
	if (stopped(ch))
		return NEVER;
	return ch->load_tick + (elapsed(ch, tick) / ch->count + 1) * ch->count;
}

/* A complete count was written (data sheet, each mode's description). */
static void load_count(struct vpit_channel *ch, u16 raw, u64 tick)
{
	ch->next = decode(ch, raw);
	if (ch->mode == 1 || ch->mode == 5)
		return; /* waits for a rising edge on GATE */
	if ((ch->mode == 2 || ch->mode == 3) && ch->loaded) {
		/* "The new count is loaded at the end of the current
		 * period": a running period is never cut short. */
		ch->pending = true;
		ch->pending_tick = period_end(ch, tick);
		return;
	}
	start(ch, tick);
}

static void write_count(struct vpit_channel *ch, u8 v, u64 tick)
{
	switch (ch->rw) {
	case RW_LSB: load_count(ch, v, tick); return;
	case RW_MSB: load_count(ch, (u16)(v << 8), tick); return;
	}
	if (ch->write_msb) {
		ch->write_msb = false;
		load_count(ch, (u16)(v << 8 | ch->wlsb), tick);
		return;
	}
	ch->wlsb = v;
	ch->write_msb = true;
	/* Mode 0: "writing the first byte disables counting", OUT low. */
	if (ch->mode == 0) {
		ch->held = ce_value(ch, tick);
		ch->loaded = false;
	}
}

static u8 read_count(struct vpit_channel *ch, u64 tick)
{
	u16 v;

	if (ch->status_latched) {
		ch->status_latched = false;
		return ch->status;
	}
	if (ch->latch_left) {
		v = ch->latch;
		ch->latch_left--;
		if (ch->rw == RW_MSB || (ch->rw == RW_WORD && !ch->latch_left))
			return v >> 8;
		return v & 0xff;
	}
	v = encode(ch, ce_value(ch, tick));
	if (ch->rw == RW_WORD) {
		ch->read_msb = !ch->read_msb;
		return ch->read_msb ? v & 0xff : v >> 8;
	}
	return ch->rw == RW_MSB ? v >> 8 : v & 0xff;
}

static void set_gate(struct vpit_channel *ch, bool gate, u64 tick)
{
	if (gate == ch->gate)
		return;
	if (!gate) {
		ch->frozen = elapsed(ch, tick);
		ch->gate = false;
		return;
	}
	ch->gate = true;
	if (ch->mode == 0 || ch->mode == 4) {
		/* Counting resumes where it stopped. */
		ch->load_tick = tick + 1 - ch->frozen;
		return;
	}
	/* Modes 1, 2, 3, 5: a rising edge (re)starts from the count
	 * register, if one was written. */
	if (ch->next)
		start(ch, tick);
}

static u8 port_b_read(const struct vpit *t, u64 tick)
{
	u8 v = t->port_b;

	if ((tick / REFRESH_TICKS) & 1)
		v |= PORT_B_REFRESH;
	if (out(&t->ch[2], tick))
		v |= PORT_B_OUT2;
	return v;
}

static void port_b_write(struct vpit *t, u8 v, u64 tick)
{
	t->port_b = v & PORT_B_WRITABLE;
	set_gate(&t->ch[2], v & PORT_B_GATE2, tick);
}

void vpit_reset(struct vpit *t, u64 tsc_hz, u64 now)
{
	memset(t, 0, sizeof(*t));
	while ((tsc_hz >> t->shift) > 0xffffffffull)
		t->shift++;
	t->tsc_div = (u32)(tsc_hz >> t->shift);
	if (!t->tsc_div)
		t->tsc_div = 1;
	t->t0 = now;
	for (unsigned i = 0; i < PIT_CHANNELS; i++) {
		t->ch[i].rw = RW_WORD;
		/* Channels 0 and 1 have GATE tied high on a PC. */
		t->ch[i].gate = i != 2;
	}
}

bool vpit_io(struct vpit *t, u16 port, bool in, u8 *val, u64 now)
{
	u64 tick;

	if ((port < PIT_PORT_CH0 || port > PIT_PORT_CMD) && port != PORT_B)
		return false;
	tick = pit_tick(t, now);
	sync(t, tick);
	if (port == PORT_B) {
		if (in)
			*val = port_b_read(t, tick);
		else
			port_b_write(t, *val, tick);
	} else if (port == PIT_PORT_CMD) {
		if (in)
			*val = 0xff; /* the control word is write-only */
		else
			write_control(t, *val, tick);
	} else if (in) {
		*val = read_count(&t->ch[port - PIT_PORT_CH0], tick);
	} else {
		write_count(&t->ch[port - PIT_PORT_CH0], *val, tick);
	}
	return true;
}

unsigned vpit_irq0_edges(struct vpit *t, u64 now)
{
	u64 n;

	sync(t, pit_tick(t, now));
	n = t->irq0_edges;
	t->irq0_edges = 0;
	return n > 0xffffffffull ? 0xffffffffu : (unsigned)n;
}

u64 vpit_next_event(const struct vpit *t, u64 now)
{
	u64 tick;

	if (t->irq0_edges)
		return now;
	tick = next_rise(&t->ch[0], t->irq0_tick);
	return tick == NEVER ? NEVER : tick_tsc(t, tick);
}
