/* SPDX-License-Identifier: MIT */
/*
 * Every CPU braid uses: the other CPUs (the "APs") are found in the ACPI
 * MADT, or the MP table without one, started with INIT-SIPI-SIPI through
 * the low-memory trampoline (boot/trampoline.S), brought up as the boot
 * CPU was, and left waiting for work (arch/x86_64/smp_call.c). A CPU that
 * does not start, or cannot enter VMX/SVM operation, is reported by its
 * APIC ID and left out, parked with INIT.
 */
#ifndef ARCH_SMP_H
#define ARCH_SMP_H

#include "boot/bootinfo.h"
#include "lib/types.h"

/* Start the other CPUs, at most @limit CPUs in all counting this one (0:
 * every one), after host_apic_init() and the vendor's cpu_enable() on this
 * CPU; the rest are parked with INIT. Logs each CPU and notes the boot
 * report's "cpus" line. @bi's memory map says where the trampoline may go.
 * Returns how many CPUs are online, this one included. */
unsigned smp_start_aps(const struct boot_info *bi, unsigned limit);

/* Run @fn(@arg) on online CPU @cpu (not this one), which is waiting for
 * work: 0, -EBUSY if that CPU is still busy with an earlier call, -EINVAL
 * if it is not an online AP. Returns once posted; smp_cpu_idle() says
 * when it is done. */
int smp_call(unsigned cpu, void (*fn)(void *), void *arg);
/* True when @cpu is online and has no call posted or running. */
bool smp_cpu_idle(unsigned cpu);
/* Wake CPU @cpu (online, not this one) with the call IPI but no call. */
void smp_kick(unsigned cpu);
/* Every other CPU leaves VMX/SVM operation (before a reset). */
void smp_disable_others(void);
/* A panic elsewhere asked every CPU to stop (arch/x86_64/nmi.c). */
bool smp_stop_requested(void);
/* CPUs online in VMX/SVM operation, the boot CPU included. */
unsigned smp_nr_online(void);

/* An AP's last step of bring-up: wait for calls, forever. */
void smp_wait_for_calls(void) __attribute__((noreturn));

#endif
