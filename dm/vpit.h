/* SPDX-License-Identifier: MIT */
/*
 * A guest's virtual 8254 programmable interval timer (Intel 8254 data
 * sheet) at ports 0x40-0x43, and the PC/AT "port B" at 0x61 that gates
 * channel 2 and shows its OUT. A pure device model: it touches no
 * hardware; the caller passes the current TSC as "now".
 *
 * The 8254's input clock (PIT_HZ) is derived from the TSC, the clock the
 * guest reads itself, so guest calibration loops measure the real rate:
 * tick n of the PIT happens at the first TSC >= reset TSC + n * tsc_hz /
 * PIT_HZ. Channel 0 drives ISA IRQ 0 (vpit_irq0_edges), channel 1 counts
 * but drives nothing (it refreshed DRAM on the PC), channel 2 is gated by
 * port 0x61 bit 0 and its OUT is port 0x61 bit 5.
 */
#ifndef DM_VPIT_H
#define DM_VPIT_H

#include "arch/x86_64/i8254.h"
#include "lib/types.h"

struct vpit_channel {
	u8 mode;	/* 0-5 (6 and 7 are stored as 2 and 3) */
	u8 rw;		/* access: 1 LSB, 2 MSB, 3 LSB then MSB */
	bool bcd;	/* count in 4 BCD digits */
	bool gate;	/* the GATE input */
	bool loaded;	/* the counting element holds a count */
	bool pending;	/* modes 2/3: next is loaded at pending_tick */
	bool write_msb; /* write flip-flop: the next byte is the MSB */
	bool read_msb;	/* read flip-flop (unlatched reads) */
	bool status_latched;
	u8 latch_left;	  /* count bytes latched and not yet read */
	u8 status;	  /* the latched status byte */
	u8 wlsb;	  /* the LSB of a two-byte count being written */
	u16 latch;	  /* the latched count, as read (binary or BCD) */
	u32 count;	  /* the count the counting element counts from */
	u32 next;	  /* the count register: the last count written */
	u32 held;	  /* what the counting element shows while unloaded */
	u64 load_tick;	  /* PIT tick at which the counter held @count */
	u64 pending_tick; /* modes 2/3: end of the current period */
	u64 frozen;	  /* ticks counted when the gate stopped counting */
};

struct vpit {
	struct vpit_channel ch[PIT_CHANNELS];
	u64 t0;		/* TSC of PIT tick 0 */
	u32 tsc_div;	/* tsc_hz >> shift: fits muldiv64's divisor */
	u8 shift;	/* TSC bits dropped so that tsc_hz fits 32 bits */
	u8 port_b;	/* bits 3:0 of port 0x61 as written */
	u64 irq0_tick;	/* channel 0's edges are counted up to here */
	u64 irq0_edges; /* ... and this many not yet collected */
};

/* Power-on state: channels unprogrammed, gate 2 low, speaker off. */
void vpit_reset(struct vpit *t, u64 tsc_hz, u64 now);
/* One byte access to a port; false if @port is not the PIT's
 * (0x40-0x43, 0x61). */
bool vpit_io(struct vpit *t, u16 port, bool in, u8 *val, u64 now);
/* Rising edges of channel 0's OUT since the last call: the caller pulses
 * ISA IRQ 0 if nonzero (the 8259 sees one edge however many there were). */
unsigned vpit_irq0_edges(struct vpit *t, u64 now);
/* TSC of channel 0's first rising OUT edge not yet collected by
 * vpit_irq0_edges(), or ~0ull if none will come. It may be <= @now: an
 * edge is due. */
u64 vpit_next_event(const struct vpit *t, u64 now);

#endif
