/* SPDX-License-Identifier: MIT */
/*
 * Where PC firmware leaves its tables for an OS: the EBDA (its segment is
 * the BIOS data area's word at 0x40E) and the BIOS area below 1 MiB, each
 * table found by a signature and a byte sum of zero.
 */
#ifndef GUEST_BIOSAREA_H
#define GUEST_BIOSAREA_H

#include "types.h"

/* The EBDA's physical address, or 0 if the BDA names none plausible. */
u64 bios_ebda_base(void);
/* True if the len bytes at p add up to 0 (mod 256). */
bool bytes_sum_zero(const void *p, u64 len);

#endif
