// SPDX-License-Identifier: MIT
/* The EBDA and table checksums (see biosarea.h). */
#include "biosarea.h"

#define BDA_EBDA_SEGMENT 0x40e

/* An EBDA lives just below 640 KiB: anything else is not one. */
u64 bios_ebda_base(void)
{
	const volatile u16 *seg = (const volatile u16 *)BDA_EBDA_SEGMENT;
	u64 ebda;

	asm("" : "+r"(seg)); /* GCC calls a constant low address bogus */
	ebda = (u64)*seg << 4;
	return ebda >= 0x80000 && ebda < 0xa0000 ? ebda : 0;
}

bool bytes_sum_zero(const void *p, u64 len)
{
	const u8 *b = p;
	u8 sum = 0;

	while (len--)
		sum += *b++;
	return sum == 0;
}
