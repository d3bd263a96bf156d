/* SPDX-License-Identifier: MIT */
/*
 * The 8-bit checksum of PC firmware tables (ACPI 6.5 5.2.5.3 and 5.2.6,
 * MP spec 1.4 4.1 and 4.2): a structure is valid when its bytes sum to
 * zero modulo 256, and its checksum byte is chosen to make them so.
 */
#ifndef LIB_CHECKSUM_H
#define LIB_CHECKSUM_H

#include <stddef.h>

#include "lib/types.h"

/* The sum of @n bytes at @p, modulo 256: 0 for a valid structure. */
static inline u8 byte_sum(const void *p, size_t n)
{
	const u8 *b = p;
	u8 sum = 0;

	while (n--)
		sum += *b++;
	return sum;
}

/* The checksum byte for @n bytes at @p whose checksum byte is still 0. */
static inline u8 byte_checksum(const void *p, size_t n)
{
	return (u8)-byte_sum(p, n);
}

#endif
