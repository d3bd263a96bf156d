/* SPDX-License-Identifier: MIT */
#ifndef GUEST_CPU_H
#define GUEST_CPU_H

#include "types.h"

void tss_init(void);

/* The 8259 masks as firmware left them, before pic_mask_all(). */
extern u8 pic_handover_masks[2];
void pic_mask_all(void);

#endif
