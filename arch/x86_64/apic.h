/* SPDX-License-Identifier: MIT */
/*
 * The host's own local APIC, used for one thing: a one-shot timer that
 * pulls the CPU out of a guest when one of the guest's virtual timers is
 * due. Its interrupt causes a VM exit (VMX "external-interrupt exiting",
 * SVM INTR intercept); braid then takes it with interrupts briefly on.
 */
#ifndef ARCH_APIC_H
#define ARCH_APIC_H

#include "lib/types.h"

#define HOST_TIMER_VECTOR    0xf0
#define HOST_CALL_VECTOR     0xf1 /* wakes an idle CPU (arch/x86_64/smp_call.c) */
#define HOST_SPURIOUS_VECTOR 0xff
#define HOST_PIC_VECTOR_BASE 0x20 /* the masked 8259s, IRQ 0-15 */

/* Enable this CPU's local APIC and measure its timer against the TSC.
 * Call after tsc_calibrate(). */
void host_apic_init(void);
/* braid's timer never fires closer than this after being armed: a guest
 * timer with a tiny period must not turn into back-to-back exits, and the
 * guest must get to run between them. */
#define HOST_TIMER_MIN_US 20
/* Interrupt this CPU at TSC value @deadline (or soon after); ~0: never. */
void host_timer_arm(u64 deadline);
/* Let pending host interrupts in (the timer handler only sends EOI). */
void host_irq_window(void);
/* Sleep until the next host interrupt. */
void host_wait_for_irq(void);
/* For the IDT: the timer and spurious-interrupt entry points. */
void host_timer_entry(void);
void host_spurious_entry(void);
/* Any other interrupt vector (trap.c): count it, EOI it if the APIC
 * delivered it. */
void host_stray_irq(u8 vector);
/* Send every other CPU an INIT, which leaves it waiting for a start-up
 * IPI in its own state, out of firmware's code and memory (SDM 9.4.4.1).
 * Call after host_apic_init(). */
void host_apic_park_others(void);
/* Another CPU's local APIC, as host_apic_init() left the boot CPU's:
 * the same mode (xAPIC or x2APIC), software-enabled, LVTs masked, braid's
 * one-shot timer ready; the timer's rate is not measured again, nor the
 * 8259s touched. */
void host_apic_cpu_init(void);
/* This CPU's local APIC ID (all 32 bits in x2APIC mode). */
u32 host_apic_id(void);
/* The APIC addresses IDs above 0xff only in x2APIC mode (SDM 11.12). */
bool host_apic_reaches(u32 apic_id);
/* Send @icr_lo (delivery mode, vector, level) to the CPU with @apic_id;
 * false if an xAPIC's previous IPI never left (SDM 11.6.1). */
bool host_apic_send_ipi(u32 apic_id, u32 icr_lo);
/* End of interrupt for the vector in service. */
void host_apic_eoi(void);
/* Stray interrupts taken on this CPU since boot. */
unsigned long long host_stray_count(void);

#endif
