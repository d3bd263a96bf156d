/* SPDX-License-Identifier: MIT */
/* TEMPORARY placeholder until the smpboot branch lands. */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H

#include "lib/types.h"

unsigned smp_nr_online(void);
int smp_call(unsigned cpu, void (*fn)(void *), void *arg);
bool smp_cpu_idle(unsigned cpu);
void smp_kick(unsigned cpu);

#endif
