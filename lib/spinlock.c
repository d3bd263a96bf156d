// SPDX-License-Identifier: MIT
/* Ticket spinlocks (lib/spinlock.h). */
#include "lib/atomic.h"
#include "lib/spinlock.h"

#ifdef SPIN_HOSTED
/* Host unit tests run the locks in threads, which the host may preempt:
 * a waiter whose ticket comes up while it is descheduled holds up every
 * later one (a ticket lock assumes each taker owns its CPU), so there the
 * wait gives the CPU away. */
#include <sched.h>
static inline void spin_wait(void)
{
	sched_yield();
}
#else
static inline void spin_wait(void)
{
	asm volatile("pause" ::: "memory");
}
#endif

void spin_lock(struct spinlock *l)
{
	u32 me = atomic_fetch_add(&l->next, 1);

	if (atomic_load_acquire(&l->serving) != me) {
		/* Only the waiter counts, and only once the lock is its own:
		 * the counters are then written under the lock. */
		while (atomic_load_acquire(&l->serving) != me)
			spin_wait();
		l->contended++;
	}
	l->acquired++;
}

bool spin_trylock(struct spinlock *l)
{
	u32 now = atomic_load_relaxed(&l->serving);

	/* Free means no ticket drawn beyond the one being served: draw it
	 * only if next still equals serving. */
	if (!atomic_cmpxchg(&l->next, &now, now + 1))
		return false;
	l->acquired++;
	return true;
}

void spin_unlock(struct spinlock *l)
{
	/* Only the holder writes serving: a plain increment published with
	 * release order, after everything done under the lock. */
	atomic_store_release(&l->serving, l->serving + 1);
}

bool spin_is_locked(const struct spinlock *l)
{
	return atomic_load_relaxed(&l->next) !=
	       atomic_load_relaxed(&l->serving);
}
