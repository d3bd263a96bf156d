/* SPDX-License-Identifier: MIT */
/*
 * A guest's ACPI fixed power-management hardware (ACPI 6.5 4.8.3), at the
 * I/O ports the FADT names (dm/acpi_tables.c), where QEMU's PIIX4 PM puts
 * them:
 *
 *   0x600  PM1a_EVT_BLK  PM1_STS (2 bytes), then PM1_EN (2 bytes)
 *   0x604  PM1a_CNT_BLK  PM1_CNT (2 bytes)
 *   0x608  PM_TMR_BLK    the 32-bit PM timer, 3.579545 MHz (modelled, but
 *                        not named in the FADT yet: dm/acpi_tables.c)
 *
 * The board is always in ACPI mode (SCI_EN reads 1, no SMI_CMD). The only
 * event source is the timer's TMR_STS; the SCI (IRQ 9) is asserted while
 * it is set and TMR_EN is on. A write of SLP_EN records the sleep state
 * asked for, for the platform to act on (vpm_take_sleep()).
 * A pure device model: the caller passes the current TSC as "now".
 */
#ifndef DM_VPM_H
#define DM_VPM_H

#include "lib/types.h"

#define VPM_PM1A_EVT_BLK 0x600
#define VPM_PM1A_CNT_BLK 0x604
#define VPM_PM_TMR_BLK	 0x608
/* The SLP_TYP of S5 (soft off), as the DSDT's \_S5 object says. */
#define VPM_SLP_TYP_S5 5
#define VPM_NO_SLEEP   (-1)

struct vpm {
	u16 en;	       /* PM1_EN */
	u16 cnt;       /* PM1_CNT's read/write bits */
	u8 shift;      /* TSC ticks are counted in units of 2^shift */
	u32 tsc_div;   /* tsc_hz >> shift, so that it fits muldiv64() */
	u64 base_tsc;  /* the timer read 0 here */
	u64 tmr_half;  /* timer ticks >> 31 when TMR_STS was last clear */
	int sleep_typ; /* SLP_TYP written with SLP_EN, or VPM_NO_SLEEP */
};

/* Power-on state: timer at 0, nothing enabled, SCI_EN set. */
void vpm_reset(struct vpm *p, u64 tsc_hz, u64 now);
/* An access of @size bytes at @port; false if no register is there. */
bool vpm_io(struct vpm *p, u16 port, bool in, u8 size, u32 *val, u64 now);
/* Is the SCI asserted (an enabled status bit is set)? */
bool vpm_sci(const struct vpm *p, u64 now);
/* When the SCI will next rise (~0: never, as things stand). */
u64 vpm_next_event(const struct vpm *p, u64 now);
/* The SLP_TYP the guest asked to enter since the last call, or
 * VPM_NO_SLEEP. */
int vpm_take_sleep(struct vpm *p);

#endif
