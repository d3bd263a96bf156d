/* SPDX-License-Identifier: MIT */
/* Reaching guest memory by guest-virtual address, as the guest's own
 * paging would translate it (used to fetch and emulate instructions). */
#ifndef HV_GVA_H
#define HV_GVA_H

#include "hv/guest.h"
#include "mm/gwalk.h"

/* Read or write @n bytes at @gva with access kind @access (PFERR_W/U/I).
 * 0; -EFAULT with *pf the page-fault error code if the guest's tables
 * refuse it; -ENOENT if it translates to a gpa with no RAM. A write to a
 * guest page table braid shadows updates the shadow. */
int gva_read(struct guest *g, u64 gva, void *buf, unsigned n, u32 access,
	     u32 *pf);
int gva_write(struct guest *g, u64 gva, const void *buf, unsigned n, u32 access,
	      u32 *pf);

/* Does a write to @gva land on a guest table braid write-protects? */
bool gva_protected(struct guest *g, u64 gva, u32 access);

/* The guest's paging controls, for gwalk(). */
void guest_walk_mode(struct guest *g, struct gwalk_mode *m);

#endif
