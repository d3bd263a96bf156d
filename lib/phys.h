/* SPDX-License-Identifier: MIT */
/*
 * Turning a host-physical address into a pointer. braid runs identity-mapped,
 * so in the hypervisor this is a cast (mm/hostmap.c builds the tables that
 * make it true), inline: the shadow MMU turns page numbers into pointers
 * at every level of every walk, on every exit it handles. Host unit tests
 * (hosted C) link their own version, which maps "physical" addresses into
 * a test arena (tests/unit/fake_phys.c).
 */
#ifndef LIB_PHYS_H
#define LIB_PHYS_H

#include "lib/types.h"

#if __STDC_HOSTED__
void *pa_to_va(phys_t pa);
phys_t va_to_pa(const void *va);
#else
static inline void *pa_to_va(phys_t pa)
{
	/* No instruction, but GCC no longer sees a constant: it takes a
	 * low one (the BIOS data area's) for an offset from NULL and warns
	 * that every access through it is out of bounds. */
	asm("" : "+r"(pa));
	return (void *)(uintptr_t)pa;
}

static inline phys_t va_to_pa(const void *va)
{
	return (phys_t)(uintptr_t)va;
}
#endif

#endif
