/* SPDX-License-Identifier: MIT */
/*
 * Reporting a VM entry the CPU refused (or, in ENTRY_CHECK builds, one
 * braid's own checker refused before the CPU saw it).
 */
#ifndef HV_ENTRY_FAIL_H
#define HV_ENTRY_FAIL_H

#include "arch/x86_64/vendor.h"
#include "hv/guest.h"

/* Stop @g with one line naming the failure in the manual's words, then
 * dump the state it was refused (docs/testing.md, "Reading an
 * entry-failure report"). The other guests still run. */
void guest_entry_failed(struct vcpu *v, const struct vmexit *e);

#endif
