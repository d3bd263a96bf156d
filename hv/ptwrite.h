/* SPDX-License-Identifier: MIT */
#ifndef HV_PTWRITE_H
#define HV_PTWRITE_H

#include "hv/guest.h"

/* The guest's instruction at RIP wrote to a page table braid
 * write-protects: carry it out, keep the shadow or compound tree in step,
 * and move the guest past it. @addr is where the access trapped, for
 * messages: guest-virtual under shadow paging (#PF), guest-physical under
 * compound paging (EPT violation / NPF). @gpa, if not NULL: a #PF's walk
 * of the guest's tables for this store translated @addr there, so the
 * store needs no walk of its own. */
void ptwrite_emulate(struct guest *g, u64 addr, const u64 *gpa);

#endif
