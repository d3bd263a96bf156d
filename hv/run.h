/* SPDX-License-Identifier: MIT */
#ifndef HV_RUN_H
#define HV_RUN_H

#include "hv/guest.h"

/* Make @g (created and loaded) ready to run: its time limits start now. */
void guest_start(struct guest *g);
/* Run @v on the calling CPU until its guest ends or is stopped, it halts
 * with nothing to deliver (v->halted) or its slice is over. The scheduler
 * (hv/sched.c) has made it this CPU's loaded vCPU. */
void vcpu_run(struct vcpu *v);

#endif
