/* SPDX-License-Identifier: MIT */
/*
 * The PC's real-time clock, a Motorola MC146818A (or compatible) behind
 * ports 0x70 (index) and 0x71 (data): register names and bits as the data
 * sheet gives them, and the two formats its date registers may use
 * (register B: BCD or binary, 12- or 24-hour). Both the host's RTC reader
 * (arch/x86_64/cmos.c) and the guest's virtual RTC (dm/vrtc.c) use them.
 */
#ifndef ARCH_MC146818_H
#define ARCH_MC146818_H

#include "lib/types.h"

#define RTC_PORT_INDEX 0x70
#define RTC_PORT_DATA  0x71
#define RTC_CMOS_SIZE  128 /* bytes of clock registers and NVRAM */

/* MC146818A register numbers; 0x32 is the IBM PC/AT century byte. */
#define RTC_SEC		0x00
#define RTC_SEC_ALARM	0x01
#define RTC_MIN		0x02
#define RTC_MIN_ALARM	0x03
#define RTC_HOUR	0x04
#define RTC_HOUR_ALARM	0x05
#define RTC_WDAY	0x06
#define RTC_MDAY	0x07
#define RTC_MONTH	0x08
#define RTC_YEAR	0x09
#define RTC_REG_A	0x0a
#define RTC_REG_B	0x0b
#define RTC_REG_C	0x0c
#define RTC_REG_D	0x0d
#define RTC_CENTURY	0x32
#define RTC_NVRAM_FIRST 0x0e /* battery-backed RAM from here on */

#define RTC_A_UIP	0x80 /* update in progress (within 244 us) */
#define RTC_A_DV_MASK	0x70 /* divider select */
#define RTC_A_DV_RESET	0x60 /* DV2 DV1 = 1 1: divider chain held reset */
#define RTC_B_SET	0x80 /* updates inhibited, time may be set */
#define RTC_B_PIE	0x40 /* periodic interrupt enable */
#define RTC_B_AIE	0x20 /* alarm interrupt enable */
#define RTC_B_UIE	0x10 /* update-ended interrupt enable */
#define RTC_C_IRQF	0x80 /* IRQ asserted: a flag below and its enable */
#define RTC_C_PF	0x40 /* periodic */
#define RTC_C_AF	0x20 /* alarm */
#define RTC_C_UF	0x10 /* update ended */
#define RTC_A_RS_MASK	0x0f /* periodic rate select */
#define RTC_SEC_ALARM	0x01
#define RTC_MIN_ALARM	0x03
#define RTC_HOUR_ALARM	0x05
#define RTC_B_DM_BINARY 0x04 /* data mode: binary, else BCD */
#define RTC_B_24H	0x02 /* 24-hour mode, else 12-hour with PM bit */
#define RTC_HOUR_PM	0x80
#define RTC_D_VRT	0x80 /* valid RAM and time */

/* The date and time registers as raw bytes, in the format @b (register
 * B: RTC_B_DM_BINARY, RTC_B_24H) selects. */
struct rtc_regs {
	u8 sec, min, hour, wday, mday, month, year, century, b;
};

/* Days since 1970-01-01 of a Gregorian date (year >= 1970). */
u64 rtc_days_from_civil(u32 year, u32 month, u32 day);
void rtc_civil_from_days(u64 days, u32 *year, u32 *month, u32 *day);
/* Seconds since 1970 that @t shows. A century byte outside 19-99 is
 * ignored: the year is then 20yy. Dates before 1970 give 0. */
u64 rtc_regs_to_epoch(const struct rtc_regs *t);
/* Fill @t with @secs in the format t->b selects. */
void rtc_epoch_to_regs(u64 secs, struct rtc_regs *t);

#endif
