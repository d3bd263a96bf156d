// SPDX-License-Identifier: MIT
/*
 * The vCPU scheduler (hv/sched.h): per-CPU run queues, weighted round
 * robin slices ended by braid's own timer, halted vCPUs that sleep until
 * their next device event, and moves between CPUs made only by the CPU
 * that gives a vCPU up, after vendor->vcpu_put().
 *
 * Lock discipline: each CPU's queues are guarded by that CPU's lock; no
 * code holds two of them at once, and none is held across a VM entry or
 * a call into a guest's devices. A vCPU's own fields (sched.*) are written
 * only by the CPU that holds it, under its lock where another CPU may look
 * (the queues, the state).
 */
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_state.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/vendor.h"
#include "hv/guest.h"
#include "hv/hostcons.h"
#include "hv/run.h"
#include "hv/sched.h"
#include "lib/atomic.h"
#include "lib/deferred.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "lib/spinlock.h"

struct sched_cpu {
	struct spinlock lock;
	struct vcpu *runq, *runq_tail; /* runnable, in the order they came */
	struct vcpu *halted;	       /* in HLT, in no particular order */
	u64 next_wake;		       /* the earliest wake_at among them */
	struct vcpu *current;	       /* running on this CPU now */
	/* The vCPU whose state this CPU may still hold (not yet put): the
	 * last one it ran. Running it again costs no switch. */
	struct vcpu *loaded;
	unsigned nr;  /* vCPUs this CPU holds, in any state */
	bool woken;   /* sched_wake() queued one: sched_tick() must look */
	bool recheck; /* the running vCPU's preemption point may have moved */
};

static struct sched_cpu cpus[MAX_CPUS];
static unsigned nr_cpus = 1;
static u64 usable; /* CPUs whose loops run: sched_cpu_gone() */
static u64 slice_tsc;
static bool stopping;

void sched_init(unsigned n, unsigned slice_ms)
{
	nr_cpus = n ? MIN(n, MAX_CPUS) : 1;
	slice_tsc = tsc_hz() / 1000 * (slice_ms ? slice_ms : 1);
	usable = nr_cpus >= 64 ? ~0ull : BIT(nr_cpus) - 1;
	for (unsigned i = 0; i < nr_cpus; i++) {
		cpus[i].lock = (struct spinlock)SPINLOCK_INIT("sched");
		spin_register(&cpus[i].lock);
	}
	stopping = false;
}

void sched_cpu_gone(unsigned cpu)
{
	usable &= ~BIT(cpu);
}

unsigned sched_nr_cpus(void)
{
	return nr_cpus;
}

static unsigned me(void)
{
	return this_cpu()->id;
}

/* Wake CPU @cpu if it waits in HLT, or bring its guest out with an exit
 * (braid's timer then looks at the run queue: sched_tick()). */
static void kick(unsigned cpu)
{
	if (cpu != me())
		smp_kick(cpu);
}

void sched_kick_all(void)
{
	for (unsigned i = 0; i < nr_cpus; i++)
		kick(i);
}

void sched_stop(void)
{
	atomic_store_release(&stopping, true);
	sched_kick_all();
}

static void enqueue(struct sched_cpu *c, struct vcpu *v)
{
	v->sched.state = VCPU_RUNNABLE;
	v->sched.next = NULL;
	if (c->runq_tail)
		c->runq_tail->sched.next = v;
	else
		c->runq = v;
	c->runq_tail = v;
}

static void enqueue_front(struct sched_cpu *c, struct vcpu *v)
{
	v->sched.state = VCPU_RUNNABLE;
	v->sched.next = c->runq;
	c->runq = v;
	if (!c->runq_tail)
		c->runq_tail = v;
}

static struct vcpu *dequeue(struct sched_cpu *c)
{
	struct vcpu *v = c->runq;

	if (v) {
		c->runq = v->sched.next;
		if (!c->runq)
			c->runq_tail = NULL;
		v->sched.next = NULL;
	}
	return v;
}

/* The allowed CPU holding the fewest vCPUs (read without the locks: a
 * placement hint, not a promise). */
static unsigned least_loaded(u64 allowed)
{
	unsigned best = ~0u, best_nr = ~0u;

	for (unsigned i = 0; i < nr_cpus; i++) {
		unsigned n = atomic_load_relaxed(&cpus[i].nr);

		if ((allowed & BIT(i)) && n < best_nr) {
			best = i;
			best_nr = n;
		}
	}
	return best;
}

/* Hand @v (put, held by no CPU, its sched.cpu already @cpu) to CPU
 * @cpu. */
static void give(unsigned cpu, struct vcpu *v)
{
	struct sched_cpu *c = &cpus[cpu];

	spin_lock(&c->lock);
	c->nr++;
	enqueue(c, v);
	spin_unlock(&c->lock);
	kick(cpu);
}

void sched_add(struct vcpu *v)
{
	u64 all = usable;
	unsigned cpu;

	if (!(v->sched.allowed & all))
		v->sched.allowed = all;
	if (!v->sched.weight)
		v->sched.weight = 1;
	cpu = least_loaded(v->sched.allowed & all);
	v->sched.off_since = rdtsc();
	v->sched.halted_until = 0;
	v->sched.cpu = cpu; /* a waker before this finds it idle */
	give(cpu, v);
}

/*
 * Halted vCPUs whose time has come go back to the run queue, at its
 * front: a vCPU that slept until its timer is usually quick to sleep
 * again, and its ticks must not wait for every busy vCPU's slice (the
 * boost Xen's credit scheduler gives a waking vCPU). Returns how many
 * woke; c->next_wake becomes the earliest one still asleep. Under the
 * CPU's lock.
 */
static unsigned wake_due(struct sched_cpu *c, u64 now)
{
	struct vcpu **pp = &c->halted, *v;
	unsigned woke = 0;

	c->next_wake = ~0ull;
	while ((v = *pp)) {
		if (v->sched.wake_at > now) {
			c->next_wake = MIN(c->next_wake, v->sched.wake_at);
			pp = &v->sched.next;
			continue;
		}
		*pp = v->sched.next;
		v->sched.halted_until = now;
		enqueue_front(c, v);
		woke++;
	}
	return woke;
}

/* Nothing to run: sleep until braid's timer (the next halted vCPU's
 * event) or another CPU's kick. The check and the HLT happen with
 * interrupts off, so a kick sent in between is not lost: it stays pending
 * and ends the HLT at once (STI's one-instruction shadow). */
static void idle(struct sched_cpu *c)
{
	u64 next;

	spin_lock(&c->lock);
	wake_due(c, rdtsc());
	next = c->next_wake;
	if (c->runq || (atomic_load_acquire(&stopping) && !c->nr)) {
		spin_unlock(&c->lock);
		return;
	}
	spin_unlock(&c->lock);
	this_cpu()->preempt_at = ~0ull;
	host_timer_arm(next);
	hostcons_drain(); /* idle time: the UART's turn */
	host_wait_for_irq();
}

static struct vcpu *pick(struct sched_cpu *c)
{
	struct vcpu *v;

	spin_lock(&c->lock);
	wake_due(c, rdtsc());
	v = dequeue(c);
	if (v) {
		v->sched.state = VCPU_RUNNING;
		v->sched.wake_pending = false; /* it looks now */
		c->current = v;
	}
	spin_unlock(&c->lock);
	return v;
}

/*
 * One CPU at a time holds a vCPU, from switch_to() to put(): two would
 * run the guest from one VMCS/VMCB and one register file (VMX even
 * forbids a VMCS active on two CPUs, SDM Vol. 3C 25.11.1), and each would
 * save its own half of the guest over the other's. The queues promise
 * it; a broken promise is braid's own bug, and stops braid by name rather
 * than surfacing later as a guest's unexplained triple fault.
 */
static void claim(struct vcpu *v)
{
	u32 none = 0, mine = me() + 1;

	if (!atomic_cmpxchg(&v->running_on, &none, mine))
		panic("guest %s: vCPU %u taken by CPU %u while CPU %u holds it",
		      v->guest->cfg.name, gcpu(v)->index, mine - 1, none - 1);
}

/* Everything of @v this CPU holds back into memory. */
static void put(struct sched_cpu *c, struct vcpu *v)
{
	vendor->vcpu_put(v);
	cpu_state_put(v);
	if (c->loaded == v)
		c->loaded = NULL;
	atomic_store_release(&v->running_on, 0);
}

/*
 * The time @v spent off the CPU: halted (its idle time, which stays in
 * the path time of its HLT exit, as when braid waited inside the exit)
 * and then waiting for the CPU (left out of every time it is charged).
 */
static void account_return(struct vcpu *v, u64 now)
{
	u64 off = v->sched.off_since, woke = v->sched.halted_until;
	u64 wait;

	if (woke >= off && woke <= now) {
		/* Halted in an exit (HLT) whose path time will hold it; an AP
		 * waiting for its first SIPI has no exit to charge. */
		if (!v->exit_charged)
			gcpu(v)->stats.idle_tsc += woke - off;
		wait = now - woke;
	} else {
		wait = now - off;
	}
	v->sched.halted_until = 0;
	v->sched.wait_tsc += wait;
	v->last_exit_tsc += wait;
}

/* Make @v this CPU's loaded vCPU: put the one before, and let the vendor
 * code make it current (and rebind it if it comes from elsewhere). */
static void switch_to(struct sched_cpu *c, struct vcpu *v)
{
	unsigned cpu = me();

	if (c->loaded == v) {
		vendor->vcpu_arrive(v, ARRIVE_AGAIN);
		return;
	}
	if (c->loaded)
		put(c, c->loaded);
	claim(v);
	vendor->vcpu_arrive(v, v->cpu != cpu ? ARRIVE_MOVED : ARRIVE_SWITCH);
	if (v->cpu != cpu && v->sched.ran_on)
		v->sched.migrations++;
	v->cpu = cpu;
	v->sched.ran_on |= BIT(cpu);
	v->sched.switches++;
	gcpu(v)->settled = false; /* braid's timer was another's */
	c->loaded = v;
}

/* Another allowed CPU with nothing at all to run, for a vCPU whose slice
 * ended while others wait here; ~0u if none. */
static unsigned idle_cpu_for(const struct vcpu *v)
{
	for (unsigned i = 0; i < nr_cpus; i++)
		if (i != me() && (v->sched.allowed & usable & BIT(i)) &&
		    !atomic_load_relaxed(&cpus[i].nr))
			return i;
	return ~0u;
}

/* @v's slice ended with others waiting: to the back of this CPU's queue,
 * or, if an allowed CPU sits idle, over there. */
static void requeue(struct sched_cpu *c, struct vcpu *v)
{
	unsigned to;

	if (v->sched.yielded) {
		v->sched.yields++;
		v->sched.yielded = false;
		v->sched.slice_end = 0;
		spin_lock(&c->lock);
		enqueue(c, v);
		spin_unlock(&c->lock);
		return;
	}
	if (v->sched.off_since < v->sched.slice_end) {
		/* A woken vCPU went first: the rest of the slice is its. */
		spin_lock(&c->lock);
		enqueue_front(c, v);
		spin_unlock(&c->lock);
		return;
	}
	v->sched.preemptions++;
	v->sched.slice_end = 0;
	to = idle_cpu_for(v);
	if (to == ~0u) {
		spin_lock(&c->lock);
		enqueue(c, v);
		spin_unlock(&c->lock);
		return;
	}
	put(c, v);
	/* The new CPU is named under the old CPU's lock: a waker holding
	 * that lock (lock_cpu_of()) then either finished before the move,
	 * or finds the vCPU gone and goes to the new CPU, where it finds it
	 * still running (a wake_pending for pick() to clear) or queued.
	 * Named under the new lock only, a waker that saw the old CPU could
	 * queue it there as well, and two CPUs would run it. */
	spin_lock(&c->lock);
	c->nr--;
	atomic_store_relaxed(&v->sched.cpu, to);
	spin_unlock(&c->lock);
	give(to, v);
}

static void halt(struct sched_cpu *c, struct vcpu *v)
{
	v->sched.slice_end = 0; /* it gave the CPU up: a new slice next */
	spin_lock(&c->lock);
	if (v->sched.wake_pending) {
		/* Woken after it looked: it looks again. */
		v->sched.wake_pending = false;
		enqueue_front(c, v);
		spin_unlock(&c->lock);
		return;
	}
	v->sched.state = VCPU_HALTED;
	v->sched.next = c->halted;
	c->halted = v;
	c->next_wake = MIN(c->next_wake, v->sched.wake_at);
	spin_unlock(&c->lock);
}

/* Its guest ended: the vCPU leaves this CPU for good, and the last of
 * the guest's vCPUs to leave hands it to @done. The others are woken
 * (or kicked out of the guest) so that they see it too. */
static void finish(struct sched_cpu *c, struct vcpu *v,
		   void (*done)(struct vcpu *v))
{
	struct guest *g = v->guest;

	put(c, v);
	spin_lock(&c->lock);
	c->nr--;
	v->sched.state = VCPU_IDLE;
	spin_unlock(&c->lock);
	for (unsigned i = 0; i < g->nr_cpus; i++)
		if (&g->cpus[i].vcpu != v)
			sched_wake(&g->cpus[i].vcpu);
	if (atomic_fetch_sub(&g->live, 1) == 1)
		done(v);
}

void sched_yield(struct vcpu *v)
{
	if (!atomic_load_relaxed(&cpus[me()].runq))
		return; /* nobody to give way to */
	v->sched.yielded = true;
	defer(DEFER_RESCHED);
}

/* The CPU whose queues hold @v, locked. */
static struct sched_cpu *lock_cpu_of(struct vcpu *v)
{
	for (;;) {
		unsigned cpu = atomic_load_relaxed(&v->sched.cpu);
		struct sched_cpu *c = &cpus[cpu];

		spin_lock(&c->lock);
		if (v->sched.cpu == cpu)
			return c;
		spin_unlock(&c->lock); /* it moved meanwhile */
	}
}

static void unlink_halted(struct sched_cpu *c, struct vcpu *v)
{
	struct vcpu **pp = &c->halted;

	while (*pp && *pp != v)
		pp = &(*pp)->sched.next;
	if (*pp)
		*pp = v->sched.next;
}

static void unlink_runq(struct sched_cpu *c, struct vcpu *v)
{
	struct vcpu *prev = NULL, *p = c->runq;

	while (p && p != v) {
		prev = p;
		p = p->sched.next;
	}
	if (!p)
		return;
	if (prev)
		prev->sched.next = v->sched.next;
	else
		c->runq = v->sched.next;
	if (c->runq_tail == v)
		c->runq_tail = prev;
	v->sched.next = NULL;
}

void sched_wake(struct vcpu *v)
{
	struct sched_cpu *c = lock_cpu_of(v);

	switch (v->sched.state) {
	case VCPU_HALTED:
		unlink_halted(c, v);
		v->sched.halted_until = rdtsc();
		enqueue_front(c, v);
		c->woken = true;
		kick(v->sched.cpu);
		break;
	case VCPU_RUNNABLE:
		/* An IPI waits for it, and its sender likely waits for the
		 * answer: it goes first, as a woken one does. */
		if (c->runq != v) {
			unlink_runq(c, v);
			enqueue_front(c, v);
		}
		c->woken = true;
		kick(v->sched.cpu);
		break;
	case VCPU_RUNNING:
		v->sched.wake_pending = true;
		c->recheck = true; /* the wake may need it to stop */
		kick(v->sched.cpu);
		break;
	default: break; /* idle: gone */
	}
	spin_unlock(&c->lock);
}

/* When braid's timer must look again: at the slice's end if someone
 * waits for the CPU (a slice only matters then), and when the first
 * halted vCPU here is due to wake. */
static void preempt_point(struct sched_cpu *c, struct vcpu *v)
{
	u64 at = atomic_load_relaxed(&c->runq) ? v->sched.slice_end : ~0ull;

	this_cpu()->preempt_at = MIN(at, atomic_load_relaxed(&c->next_wake));
}

static void run_one(struct sched_cpu *c, struct vcpu *v,
		    void (*done)(struct vcpu *v))
{
	u64 now = rdtsc();

	switch_to(c, v);
	account_return(v, now);
	if (now >= v->sched.slice_end)
		v->sched.slice_end = now + slice_tsc * v->sched.weight;
	preempt_point(c, v);
	vcpu_run(v);
	v->sched.off_since = rdtsc();
	c->current = NULL;
	if (v->guest->state != GUEST_RUNNING)
		finish(c, v, done);
	else if (v->halted)
		halt(c, v);
	else
		requeue(c, v);
}

void sched_cpu_loop(void (*done)(struct vcpu *v))
{
	struct sched_cpu *c = &cpus[me()];
	struct vcpu *v;

	for (;;) {
		v = pick(c);
		if (v) {
			run_one(c, v, done);
			continue;
		}
		if (atomic_load_acquire(&stopping) &&
		    !atomic_load_relaxed(&c->nr))
			break;
		idle(c);
	}
	if (c->loaded)
		put(c, c->loaded);
	this_cpu()->preempt_at = ~0ull;
	host_timer_arm(~0ull);
}

/*
 * braid's timer or a kick brought @v back. A halted vCPU here may be due
 * (it goes first), @v's slice may be over with others waiting, or a vCPU
 * may have arrived while @v ran without a slice.
 */
void sched_tick(struct vcpu *v)
{
	struct sched_cpu *c = &cpus[me()];
	u64 now = rdtsc();
	unsigned woke;

	if (now < this_cpu()->preempt_at && this_cpu()->preempt_at != ~0ull &&
	    !atomic_load_relaxed(&c->woken) &&
	    !atomic_load_relaxed(&c->recheck))
		return;
	spin_lock(&c->lock);
	woke = wake_due(c, now) + c->woken;
	c->woken = false;
	c->recheck = false;
	spin_unlock(&c->lock);
	if (woke || (c->runq && now >= v->sched.slice_end)) {
		defer(DEFER_RESCHED);
		return;
	}
	preempt_point(c, v);
}

int sched_format_cpus(u64 mask, char *buf, size_t len)
{
	int n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < 64 && (size_t)n < len; i++) {
		unsigned j = i;

		if (!(mask & BIT(i)))
			continue;
		while (j + 1 < 64 && (mask & BIT(j + 1)))
			j++;
		n += snprintf(buf + n, len - n, "%s%u", n ? "," : "", i);
		if (j > i)
			n += snprintf(buf + n, len - n, "-%u", j);
		i = j;
	}
	return n;
}
