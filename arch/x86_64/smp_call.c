// SPDX-License-Identifier: MIT
/*
 * The smallest way to hand an online AP work: one mailbox per CPU and a
 * wake-up IPI.
 *
 *   caller (any CPU)                         the AP (smp_wait_for_calls)
 *   CAS state FREE -> CLAIMED (else -EBUSY)  cli; state POSTED? run it;
 *   write fn, arg                            else sti; hlt (the IPI wakes it)
 *   store state = POSTED (release)           take fn, arg; state = RUNNING
 *   IPI HOST_CALL_VECTOR                     fn(arg); state = FREE (release)
 *
 * The AP checks the mailbox with interrupts off and sleeps with STI; HLT:
 * STI holds interrupts off until after the next instruction (SDM Vol. 2B,
 * STI), so an IPI sent after the check wakes the HLT instead of being
 * taken before it and lost. The IPI's handler only sends EOI (trap.c).
 * The release stores pair with the acquire loads, so fn and arg are seen
 * before POSTED, and fn's effects before FREE.
 */
#define LOG_TAG "smp"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "lib/log.h"
#include "arch/x86_64/vendor.h"
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/cpu.h"
#include "lib/atomic.h"

enum mailbox_state { MBOX_FREE, MBOX_CLAIMED, MBOX_POSTED, MBOX_RUNNING };

struct mailbox {
	u32 state; /* enum mailbox_state */
	void (*fn)(void *);
	void *arg;
} __attribute__((aligned(64))); /* one cache line per CPU */

static struct mailbox mailbox[MAX_CPUS];

static bool is_online_ap(unsigned cpu)
{
	return cpu && cpu < MAX_CPUS &&
	       __atomic_load_n(&percpu[cpu].online, __ATOMIC_ACQUIRE);
}

int smp_call(unsigned cpu, void (*fn)(void *), void *arg)
{
	u32 free = MBOX_FREE;
	struct mailbox *m = &mailbox[cpu];

	if (!is_online_ap(cpu) || cpu == this_cpu()->id)
		return -EINVAL;
	if (!__atomic_compare_exchange_n(&m->state, &free, MBOX_CLAIMED, false,
					 __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return -EBUSY;
	m->fn = fn;
	m->arg = arg;
	__atomic_store_n(&m->state, MBOX_POSTED, __ATOMIC_RELEASE);
	host_apic_send_ipi(percpu[cpu].apic_id,
			   APIC_ICR_DM_FIXED | HOST_CALL_VECTOR);
	return 0;
}

bool smp_cpu_idle(unsigned cpu)
{
	return is_online_ap(cpu) &&
	       __atomic_load_n(&mailbox[cpu].state, __ATOMIC_ACQUIRE) ==
		       MBOX_FREE;
}

/* The same IPI with no call behind it: an idle CPU re-checks what it
 * waits for, and a CPU running a guest takes an exit (the scheduler's
 * kick, hv/sched.c). */
void smp_kick(unsigned cpu)
{
	if (cpu < MAX_CPUS && cpu != this_cpu()->id &&
	    __atomic_load_n(&percpu[cpu].online, __ATOMIC_ACQUIRE))
		host_apic_send_ipi(percpu[cpu].apic_id,
				   APIC_ICR_DM_FIXED | HOST_CALL_VECTOR);
}

/* On an AP: leave VMX/SVM operation before a reset (smp_disable_others). */
static void ap_disable(void *unused)
{
	(void)unused;
	vendor->cpu_disable();
}

/*
 * Before braid resets the machine: every AP leaves VMX/SVM operation too,
 * since INIT is blocked in VMX root operation (SDM 24.8) and some resets
 * go through INIT. Each gets a call and at most 10 ms to do it; one that
 * does not is named, and the reset goes on.
 */
void smp_disable_others(void)
{
	for (unsigned cpu = 1; cpu < MAX_CPUS; cpu++) {
		u64 t0 = rdtsc();

		if (!is_online_ap(cpu) || smp_call(cpu, ap_disable, NULL))
			continue;
		while (!smp_cpu_idle(cpu) && rdtsc() - t0 < tsc_hz() / 100)
			cpu_relax();
		if (!smp_cpu_idle(cpu))
			pr_warn("cpu %u did not leave %s operation before the "
				"reset",
				cpu, vendor->name);
		__atomic_store_n(&percpu[cpu].online, false, __ATOMIC_RELEASE);
	}
}

static bool stop_all; /* a panic: every other CPU halts at its next NMI */

/* Called by the panicking CPU (hv/panic.c): an NMI reaches a CPU whatever
 * it does, in braid or in a guest (NMI exiting / the NMI intercept bring
 * it to host_nmi()), and its handler halts it for good, with NMIs still
 * blocked (no IRET), so that nothing runs on while the report is made. */
void panic_stop_other_cpus(void)
{
	atomic_store_release(&stop_all, true);
	for (unsigned cpu = 0; cpu < MAX_CPUS; cpu++)
		if (cpu != this_cpu()->id &&
		    __atomic_load_n(&percpu[cpu].online, __ATOMIC_ACQUIRE))
			host_apic_send_ipi(percpu[cpu].apic_id,
					   APIC_ICR_DM_NMI);
}

bool smp_stop_requested(void)
{
	return atomic_load_acquire(&stop_all);
}

unsigned smp_nr_online(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < MAX_CPUS; i++)
		n += __atomic_load_n(&percpu[i].online, __ATOMIC_ACQUIRE);
	return n;
}

void smp_wait_for_calls(void)
{
	struct mailbox *m = &mailbox[this_cpu()->id];

	for (;;) {
		void (*fn)(void *);
		void *arg;

		asm volatile("cli" ::: "memory");
		if (__atomic_load_n(&m->state, __ATOMIC_ACQUIRE) !=
		    MBOX_POSTED) {
			host_wait_for_irq(); /* sti; hlt; cli */
			continue;
		}
		fn = m->fn;
		arg = m->arg;
		__atomic_store_n(&m->state, MBOX_RUNNING, __ATOMIC_RELAXED);
		fn(arg);
		__atomic_store_n(&m->state, MBOX_FREE, __ATOMIC_RELEASE);
	}
}
