/* SPDX-License-Identifier: MIT */
/*
 * Several CPUs in one guest. smp_boot() finds the CPUs in the ACPI MADT
 * (rt/madt.c), else in the MP table (rt/mptable.c), and starts each AP with INIT-SIPI-SIPI (SDM Vol. 3A 9.4.4, "MP
 * Initialization Example"; MP spec 1.4 B.4) through a real-mode
 * trampoline below 1 MiB. An AP enters long mode on the BSP's page
 * tables, loads the shared IDT, enables its local APIC and waits, halted,
 * for work: smp_post() hands a function to every AP and wakes them with
 * an IPI, smp_wait() waits until all have returned from it.
 *
 * APs run at CPL 0 only and have no TSS (so no double-fault stack), must
 * not use catch_fault() and should not print: the BSP reports.
 */
#ifndef GUEST_SMP_H
#define GUEST_SMP_H

#include "mptable.h"
#include "types.h"

#define SMP_MAX_CPUS MP_MAX_CPUS
#define SPURIOUS_VEC 0xff
#define WAKE_VEC     0xf1 /* "there is work": the handler only EOIs */

struct smp_cpu {
	u8 apic_id;
	volatile bool online;
};

/* CPUs running, the BSP first (index 0); smp_ncpus == 1 before smp_boot. */
extern struct smp_cpu smp_cpus[SMP_MAX_CPUS];
extern unsigned int smp_ncpus;

/*
 * Find the CPUs and start the APs; reports a FAIL for an AP that does
 * not check in within timeout_ms (and starts no more after it). Returns
 * the number of CPUs running. *mp says what the table listed.
 */
unsigned int smp_boot(struct mp_cpus *mp, u64 timeout_ms);

/* This CPU's index in smp_cpus[], from its local APIC ID. */
unsigned int smp_cpu_index(void);

/* Run fn(cpu index) on every AP, concurrently; returns at once. */
void smp_post(void (*fn)(unsigned int cpu));
/* Wait for every AP to return from the posted function; false on timeout. */
bool smp_wait(u64 timeout_ms);

/* Spin until *p >= want or timeout_ms pass; true if it got there. */
bool spin_until_at_least(volatile u32 *p, u32 want, u64 timeout_ms);

static inline void irq_on(void)
{
	asm volatile("sti" : : : "memory");
}

static inline void irq_off(void)
{
	asm volatile("cli" : : : "memory");
}

#endif
