/* SPDX-License-Identifier: MIT */
#ifndef GUEST_CPU_H
#define GUEST_CPU_H

void tss_init(void);

#endif
