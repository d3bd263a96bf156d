/* SPDX-License-Identifier: MIT */
#ifndef HV_PTWRITE_H
#define HV_PTWRITE_H

#include "hv/guest.h"

/* The guest's instruction at RIP wrote to a page table braid
 * write-protects (the access to @gva trapped): carry it out, keep the
 * shadow in step, and move the guest past it. */
void ptwrite_emulate(struct guest *g, u64 gva);

#endif
