/* SPDX-License-Identifier: MIT */
/*
 * a * mul / div for 64-bit a without a 128-bit intermediate: braid links no
 * libgcc, so an unsigned __int128 division would not link. Splitting a into
 * a quotient and a remainder of div keeps every product in 64 bits:
 *   a * mul / div = (q * div + r) * mul / div = q * mul + r * mul / div,
 * and r * mul < div * 2^32 <= 2^64. Exact, as long as the result fits.
 */
#ifndef LIB_MULDIV_H
#define LIB_MULDIV_H

#include "lib/types.h"

static inline u64 muldiv64(u64 a, u32 mul, u32 div)
{
	u64 q = a / div, r = a % div;

	return q * mul + r * mul / div;
}

/* The same, rounded up: r * mul + div - 1 < div * (mul + 1) <= 2^64. */
static inline u64 muldiv64_up(u64 a, u32 mul, u32 div)
{
	u64 q = a / div, r = a % div;

	return q * mul + (r * mul + div - 1) / div;
}

#endif
