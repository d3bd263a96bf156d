/* SPDX-License-Identifier: MIT */
#ifndef HV_PTWRITE_H
#define HV_PTWRITE_H

#include "hv/guest.h"

/* The guest's instruction at RIP wrote to a page table braid
 * write-protects: carry it out, keep the shadow or compound tree in step,
 * and move the guest past it. @addr is where the access trapped:
 * guest-virtual if @gpa is given (a #PF under shadow paging; an EPT
 * violation, which names the linear address too, under compound), else
 * guest-physical (an AMD NPF), for messages only. @gpa, if not NULL: the
 * guest's tables translate @addr there (the #PF's walk, or the CPU's),
 * so the store needs no walk of its own. @user: PFERR_U if the guest runs at
 * CPL 3, 0 if not (a #PF's error code says which), PTWRITE_CPL_UNKNOWN to
 * ask the CPU only if the store needs the general emulator. */
#define PTWRITE_CPL_UNKNOWN (~0u)
void ptwrite_emulate(struct vcpu *v, u64 addr, const u64 *gpa, u32 user);

#endif
