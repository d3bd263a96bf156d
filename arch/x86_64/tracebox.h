/* SPDX-License-Identifier: MIT */
/*
 * braid's side of the trace box (include/braid/tracebox.h): which guest
 * and which VMCB each physical CPU runs, for a measurement plugin outside
 * the machine. Writing a slot costs a few stores; nothing reads it inside
 * braid.
 */
#ifndef ARCH_TRACEBOX_H
#define ARCH_TRACEBOX_H

#include "include/braid/tracebox.h"
#include "lib/types.h"

void tracebox_init(void);
/* CPU @cpu now runs guest @name with paging @paging (TRACEBOX_*) and
 * @mem bytes of RAM from guest-physical 0. */
void tracebox_set_guest(unsigned cpu, const char *name, u32 paging, u64 mem);
/* CPU @cpu saves its host state at VMRUN in the page at @hsave. */
void tracebox_set_hsave(unsigned cpu, phys_t hsave);
/* CPU @cpu is about to VMRUN with the VMCB at @vmcb. */
void tracebox_set_vmcb(unsigned cpu, phys_t vmcb);

#endif
