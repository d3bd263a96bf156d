/* SPDX-License-Identifier: MIT */
/* Guest accesses to emulated device memory (the local and I/O APIC pages)
 * and to guest-physical space where nothing is. */
#ifndef HV_MMIO_H
#define HV_MMIO_H

#include "hv/guest.h"

/* Is a device braid emulates at guest-physical @gpa? */
bool mmio_is_device(struct guest *g, gpa_t gpa);
/* The instruction at the guest's RIP accessed device memory at @gpa
 * (an EPT violation / nested page fault, or a shadow-paging #PF that
 * translated to it): carry it out against the device and move on. Where
 * no device is, loads read all ones and stores are dropped. */
void mmio_emulate(struct vcpu *v, gpa_t gpa);

#endif
