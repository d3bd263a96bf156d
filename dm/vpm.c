// SPDX-License-Identifier: MIT
/*
 * The guest's ACPI PM1 event and control registers and its PM timer
 * (ACPI 6.5 4.8.3.1-4.8.3.3), laid out as dm/vpm.h says.
 *
 * The timer counts at ACPI_PM_TIMER_HZ from the TSC, the clock the guest
 * reads itself, so the two always agree. It is 32 bits wide (the FADT's
 * TMR_VAL_EXT); TMR_STS is set whenever its bit 31 changes (4.8.3.3),
 * that is whenever ticks >> 31 differs from its value when the guest last
 * cleared TMR_STS. No other status bit ever sets: braid has no power or
 * sleep button, no RTC alarm wake, no bus masters and no firmware taking
 * the global lock. Their enable bits are plain storage.
 */
#include "arch/x86_64/acpispec.h"
#include "dm/vpm.h"
#include "lib/muldiv.h"

#define PM1_EN_BITS                                                \
	(PM1_EN_TMR | PM1_EN_GBL | PM1_EN_PWRBTN | PM1_EN_SLPBTN | \
	 PM1_EN_RTC | PM1_EN_PCIEXP_WAKE)
/* What PM1_CNT keeps: SCI_EN is fixed at 1, GBL_RLS and SLP_EN are
 * write-only and read 0 (Table 4.13). */
#define PM1_CNT_KEPT  (PM1_CNT_BM_RLD | PM1_CNT_SLP_TYP)
#define TMR_TOP_SHIFT 31

/* Timer ticks since reset (all 64 bits; the guest sees the low 32). */
static u64 ticks(const struct vpm *p, u64 now)
{
	return muldiv64((now - p->base_tsc) >> p->shift, ACPI_PM_TIMER_HZ,
			p->tsc_div);
}

static u16 pm1_sts(const struct vpm *p, u64 now)
{
	return ticks(p, now) >> TMR_TOP_SHIFT != p->tmr_half ? PM1_STS_TMR : 0;
}

void vpm_reset(struct vpm *p, u64 tsc_hz, u64 now)
{
	p->shift = 0;
	while ((tsc_hz >> p->shift) > 0xffffffffull)
		p->shift++;
	p->tsc_div = (u32)(tsc_hz >> p->shift);
	p->base_tsc = now;
	p->tmr_half = 0;
	p->en = 0;
	p->cnt = 0;
	p->sleep_typ = VPM_NO_SLEEP;
}

/* The 16-bit register at @port's even address, as the guest reads it. */
static u16 reg_read(const struct vpm *p, u16 reg, u64 now)
{
	switch (reg) {
	case VPM_PM1A_EVT_BLK: return pm1_sts(p, now);
	case VPM_PM1A_EVT_BLK + 2: return p->en;
	case VPM_PM1A_CNT_BLK: return p->cnt | PM1_CNT_SCI_EN;
	case VPM_PM_TMR_BLK: return (u16)ticks(p, now);
	default: return (u16)(ticks(p, now) >> 16); /* timer, high half */
	}
}

/* A write of @val to the bytes @mask selects of 16-bit register @reg. */
static void reg_write(struct vpm *p, u16 reg, u16 val, u16 mask, u64 now)
{
	val &= mask;
	switch (reg) {
	case VPM_PM1A_EVT_BLK: /* write 1 to clear (4.8.3.1) */
		if (val & PM1_STS_TMR)
			p->tmr_half = ticks(p, now) >> TMR_TOP_SHIFT;
		break;
	case VPM_PM1A_EVT_BLK + 2:
		p->en = (u16)((p->en & ~mask) | (val & PM1_EN_BITS));
		break;
	case VPM_PM1A_CNT_BLK:
		p->cnt = (u16)((p->cnt & ~mask) | (val & PM1_CNT_KEPT));
		if (val & PM1_CNT_SLP_EN)
			p->sleep_typ = (p->cnt & PM1_CNT_SLP_TYP) >>
				       PM1_CNT_SLP_TYP_SHIFT;
		break;
	default: break; /* the timer is read-only */
	}
}

static bool ours(u16 port)
{
	return (port >= VPM_PM1A_EVT_BLK &&
		port < VPM_PM1A_EVT_BLK + PM1_EVT_LEN) ||
	       (port >= VPM_PM1A_CNT_BLK &&
		port < VPM_PM1A_CNT_BLK + PM1_CNT_LEN) ||
	       (port >= VPM_PM_TMR_BLK && port < VPM_PM_TMR_BLK + PM_TMR_LEN);
}

/* One byte of an access; a wider one is its bytes in order, all taken
 * at the same @now, so that a 32-bit timer read is one value. */
static void byte_io(struct vpm *p, u16 port, bool in, u8 *b, u64 now)
{
	u16 reg = port & ~1, shift = (port & 1) * 8;

	if (in)
		*b = (u8)(reg_read(p, reg, now) >> shift);
	else
		reg_write(p, reg, (u16)(*b << shift), (u16)(0xff << shift),
			  now);
}

bool vpm_io(struct vpm *p, u16 port, bool in, u8 size, u32 *val, u64 now)
{
	u32 out = 0;
	u8 i, b;

	if (!ours(port) || !ours((u16)(port + size - 1)))
		return false;
	for (i = 0; i < size; i++) {
		b = (u8)(*val >> (8 * i));
		byte_io(p, (u16)(port + i), in, &b, now);
		out |= (u32)b << (8 * i);
	}
	if (in)
		*val = out;
	return true;
}

bool vpm_sci(const struct vpm *p, u64 now)
{
	return pm1_sts(p, now) & p->en;
}

u64 vpm_next_event(const struct vpm *p, u64 now)
{
	u64 tick;

	if (!(p->en & PM1_EN_TMR) || vpm_sci(p, now))
		return ~0ull;
	tick = (p->tmr_half + 1) << TMR_TOP_SHIFT;
	return p->base_tsc +
	       (muldiv64_up(tick, p->tsc_div, ACPI_PM_TIMER_HZ) << p->shift);
}

int vpm_take_sleep(struct vpm *p)
{
	int typ = p->sleep_typ;

	p->sleep_typ = VPM_NO_SLEEP;
	return typ;
}
