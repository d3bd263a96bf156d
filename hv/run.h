/* SPDX-License-Identifier: MIT */
#ifndef HV_RUN_H
#define HV_RUN_H

#include "hv/guest.h"

/* Run @g on the calling CPU until it exits or is stopped. */
void guest_run(struct guest *g);

#endif
