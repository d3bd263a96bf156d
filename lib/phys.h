/* SPDX-License-Identifier: MIT */
/*
 * Turning a host-physical address into a pointer. braid runs identity-mapped,
 * so in the hypervisor this is a cast; host unit tests link their own version
 * that maps "physical" addresses into a test arena.
 */
#ifndef LIB_PHYS_H
#define LIB_PHYS_H

#include "lib/types.h"

void *pa_to_va(phys_t pa);
phys_t va_to_pa(const void *va);

#endif
