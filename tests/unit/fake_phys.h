/* SPDX-License-Identifier: MIT */
/*
 * Host-test stand-in for lib/phys.h's identity map: "physical" addresses
 * [0, FAKE_PHYS_SIZE) live in an anonymous mapping, followed by an
 * inaccessible guard region so that a walk off the end of fake RAM faults
 * instead of reading host memory.
 */
#ifndef TESTS_UNIT_FAKE_PHYS_H
#define TESTS_UNIT_FAKE_PHYS_H

#include "lib/types.h"

#define FAKE_PHYS_SIZE MiB(256)

/* Host pointer to fake physical address @pa (no range check). */
void *fake_phys_ptr(phys_t pa);
/* Zero [pa, pa+len) of fake physical memory. */
void fake_phys_clear(phys_t pa, u64 len);
/* Fill [pa, pa+len) of fake physical memory with @byte. */
void fake_phys_fill(phys_t pa, u64 len, u8 byte);

#endif
