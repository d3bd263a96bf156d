/* SPDX-License-Identifier: MIT */
/* Reaching guest memory by guest-virtual address, as the guest's own
 * paging would translate it (used to fetch and emulate instructions). */
#ifndef HV_GVA_H
#define HV_GVA_H

#include "hv/guest.h"

/* Where an access of at most a page lands: one or two guest-physical
 * pieces (two when it crosses a page boundary). */
struct gva_span {
	unsigned nr;
	u64 gpa[2];
	unsigned len[2];
	u64 fault_gva; /* on -EFAULT: the first byte of the refused page */
};

/*
 * Translate the @n bytes (n <= 4096) at @gva for access kind @access
 * (PFERR_W/U/I), every page before any byte is touched, as the CPU does:
 * an access that faults on its second page changes nothing. 0; -EFAULT
 * with *pf the page-fault error code and s->fault_gva the address for
 * CR2 (where the refused page starts, for the second page of a crossing
 * access) if the guest's tables refuse it;
 * -ENOENT if a page translates to a gpa with no RAM.
 */
int gva_translate(struct vcpu *v, u64 gva, unsigned n, u32 access,
		  struct gva_span *s, u32 *pf);
/* Read @n bytes at @gva, with errors as gva_translate(); on -EFAULT,
 * *fault_gva (if not NULL) is the address for CR2. */
int gva_read(struct vcpu *v, u64 gva, void *buf, unsigned n, u32 access,
	     u32 *pf, u64 *fault_gva);

#endif
