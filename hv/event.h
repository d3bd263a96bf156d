/* SPDX-License-Identifier: MIT */
#ifndef HV_EVENT_H
#define HV_EVENT_H

#include "hv/guest.h"

/*
 * Raise exception @vector (with @error if @has_error) in the guest at the
 * next entry, combined with an event whose delivery the last exit cut
 * short as the CPU would: it may become a #DF, or a triple fault, which
 * stops the guest (hv/event.c).
 */
void guest_raise(struct vcpu *v, u8 vector, bool has_error, u32 error);
/* The same for a page fault at @cr2. */
void guest_raise_pf(struct vcpu *v, u64 cr2, u32 error);

#endif
