/* SPDX-License-Identifier: MIT */
/*
 * Decoding of the system instructions shadow paging intercepts, for CPUs
 * that do not decode them for us (AMD without decode assists, e.g. QEMU
 * TCG): MOV to/from CR, CLTS, LMSW, SMSW and INVLPG.
 */
#ifndef HV_SYSINSN_H
#define HV_SYSINSN_H

#include "arch/x86_64/vendor.h"
#include "hv/guest.h"

/* Fill the undecoded parts of @e (CR access or INVLPG) from the
 * instruction at the guest's RIP. 0, or -ENOTSUP with a report printed. */
int sysinsn_decode(struct guest *g, struct vmexit *e);

#endif
