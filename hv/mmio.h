/* SPDX-License-Identifier: MIT */
/* Guest accesses to emulated device memory (today: the local APIC page). */
#ifndef HV_MMIO_H
#define HV_MMIO_H

#include "hv/guest.h"

/* Is a device braid emulates at guest-physical @gpa? */
bool mmio_is_device(struct guest *g, gpa_t gpa);
/* The instruction at the guest's RIP accessed device memory at @gpa
 * (an EPT violation / nested page fault, or a shadow-paging #PF that
 * translated to it): carry it out against the device and move on. */
void mmio_emulate(struct guest *g, gpa_t gpa);

#endif
