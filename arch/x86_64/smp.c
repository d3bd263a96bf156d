// SPDX-License-Identifier: MIT
/* TEMPORARY placeholder until the smpboot branch lands. */
#include "arch/x86_64/smp.h"
#include "lib/types.h"

unsigned smp_nr_online(void)
{
	return 1;
}

int smp_call(unsigned cpu, void (*fn)(void *), void *arg)
{
	(void)cpu, (void)fn, (void)arg;
	return -ENODEV;
}

bool smp_cpu_idle(unsigned cpu)
{
	(void)cpu;
	return true;
}

void smp_kick(unsigned cpu)
{
	(void)cpu;
}
