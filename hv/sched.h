/* SPDX-License-Identifier: MIT */
/*
 * The vCPU scheduler: which vCPU each CPU runs, and for how long.
 *
 * Every vCPU belongs to one CPU at a time, whose queues hold it: the run
 * queue (runnable, waiting for the CPU), the halted list (in HLT, until
 * its next device event or a wake-up), or the CPU's current slot. Only
 * that CPU runs it, and only that CPU moves it to another (after putting
 * it, vendor->vcpu_put()), so a vCPU's state is never held by two CPUs.
 *
 * Slices are weighted round robin: a vCPU runs for weight x the base
 * slice (slice= on braid's line) when others wait for its CPU, and for as
 * long as it likes when none does. braid's own timer ends a slice
 * (host_timer_arm() folds percpu.preempt_at in), so a spinning guest that
 * never exits still yields on time.
 */
#ifndef HV_SCHED_H
#define HV_SCHED_H

#include "arch/x86_64/vcpu.h"
#include "lib/types.h"

enum vcpu_run_state {
	VCPU_IDLE,     /* not given to the scheduler */
	VCPU_RUNNABLE, /* in a run queue */
	VCPU_RUNNING,  /* a CPU's current vCPU */
	VCPU_HALTED,   /* in HLT, on its CPU's halted list */
};

#define SCHED_SLICE_MS_DEFAULT 10

/* Before any vCPU is added: @nr_cpus CPUs run guests (0 .. nr_cpus-1),
 * each slice is @slice_ms times a vCPU's weight. */
void sched_init(unsigned nr_cpus, unsigned slice_ms);
unsigned sched_nr_cpus(void);
/* CPU @cpu runs no scheduler loop after all: give it no vCPU. */
void sched_cpu_gone(unsigned cpu);

/* Give @v (runnable, put: on no CPU) to the scheduler: to the CPU of its
 * allowed set with the fewest vCPUs. */
void sched_add(struct vcpu *v);

/*
 * Run vCPUs on this CPU until sched_stop() and nothing is left to run.
 * @done is called on this CPU for a vCPU that ended (its guest no longer
 * running); it owns the vCPU from then on.
 */
void sched_cpu_loop(void (*done)(struct vcpu *v));
/* Let every CPU's loop return once it has no vCPU left. */
void sched_stop(void);
/* Wake the CPUs' loops, e.g. to see sched_stop(). */
void sched_kick_all(void);

/* Something arrived for @v from another vCPU or CPU (an IPI, the end of
 * its guest): if it sleeps in HLT it goes to the front of its CPU's run
 * queue; if it runs, its CPU is kicked, so that it exits and looks, and
 * it does not go to sleep before it has. */
void sched_wake(struct vcpu *v);

/* @v spins (PAUSE): if another vCPU waits for this CPU, @v goes behind it
 * now rather than at its slice's end. */
void sched_yield(struct vcpu *v);

/* braid's timer brought @v back: is its slice over, with others waiting?
 * Then it leaves the CPU after this exit (DEFER_RESCHED). */
void sched_tick(struct vcpu *v);

/* The CPUs a mask names, as "0,2-3", for the stats line. */
int sched_format_cpus(u64 mask, char *buf, size_t len);

#endif
