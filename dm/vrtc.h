/* SPDX-License-Identifier: MIT */
/*
 * A guest's virtual MC146818A real-time clock and its 128 bytes of CMOS
 * (Motorola MC146818A data sheet) at ports 0x70 (index) and 0x71 (data).
 * A pure device model: the caller passes the current TSC as "now". The
 * clock runs off the TSC, the clock the guest reads itself. Register C's
 * flags (periodic, alarm, update-ended) rise on time, and IRQ 8 is
 * asserted while one of them is set with its enable bit in register B,
 * until the guest reads register C.
 *
 * Register names and the calendar come from arch/x86_64/mc146818.h, shared
 * with the host's own RTC reader (arch/x86_64/cmos.c).
 */
#ifndef DM_VRTC_H
#define DM_VRTC_H

#include "arch/x86_64/mc146818.h"
#include "lib/types.h"

struct vrtc {
	u8 index;		/* selected register, NMI bit dropped */
	u8 cmos[RTC_CMOS_SIZE]; /* time registers: only while stopped */
	u64 tsc_hz;
	u64 base_sec; /* seconds since 1970 at base_tsc */
	u64 base_tsc; /* a second boundary of the running clock */
	u64 seen_tsc; /* flags raised up to here */
};

/* Power-on state, the clock set to @epoch_seconds (UTC, since 1970). */
void vrtc_reset(struct vrtc *r, u64 epoch_seconds, u64 tsc_hz, u64 now);
/* One byte access; false if @port is not 0x70 or 0x71. */
bool vrtc_io(struct vrtc *r, u16 port, bool in, u8 *val, u64 now);
/* Raise the flags due by @now; is IRQ 8 asserted? */
bool vrtc_irq(struct vrtc *r, u64 now);
/* When the next enabled flag rises (~0: none is enabled). */
u64 vrtc_next_event(const struct vrtc *r, u64 now);

#endif
