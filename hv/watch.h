/* SPDX-License-Identifier: MIT */
/* Data breakpoints on accesses braid carries out (hv/watch.c). */
#ifndef HV_WATCH_H
#define HV_WATCH_H

#include "arch/x86_64/vcpu.h"

/* The guest's instruction stored @size bytes at linear @gva: note the
 * DR0-DR3 write breakpoints it met. */
void watch_store(struct vcpu *v, u64 gva, unsigned size);
void watch_raise(struct vcpu *v, u64 dr6);

/* The instruction is done: raise the #DB trap for what it met, plus the
 * @dr6 bits given (DR6_BS for a single step), if any. */
static inline void watch_deliver(struct vcpu *v, u64 dr6)
{
	dr6 |= v->watch_hits;
	if (dr6)
		watch_raise(v, dr6);
}

#endif
