/* SPDX-License-Identifier: MIT */
/* The host machine's own CMOS real-time clock (MC146818A compatible). */
#ifndef ARCH_CMOS_H
#define ARCH_CMOS_H

#include "lib/types.h"

/* The host RTC's time as seconds since 1970, taking the RTC to hold UTC;
 * 0 if no plausible RTC answers. */
u64 host_rtc_epoch(void);

#endif
