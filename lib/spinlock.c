// SPDX-License-Identifier: MIT
/* Ticket spinlocks (lib/spinlock.h). */
#include "lib/atomic.h"
#include "lib/printf.h"
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

#define SPIN_REGISTERED_MAX 96

static struct spinlock *registered[SPIN_REGISTERED_MAX];
static u32 nr_registered;

void spin_register(struct spinlock *l)
{
	u32 i = atomic_fetch_add(&nr_registered, 1);

	if (i < SPIN_REGISTERED_MAX)
		atomic_store_release(&registered[i], l);
}

static bool same_name(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* The locks called @name: their acquisitions and waits, summed. */
static void sum_named(const char *name, u32 n, u64 *acq, u64 *wait)
{
	*acq = *wait = 0;
	for (u32 j = 0; j < n; j++) {
		struct spinlock *l = atomic_load_acquire(&registered[j]);

		if (l && same_name(l->name, name)) {
			*acq += atomic_load_relaxed(&l->acquired);
			*wait += atomic_load_relaxed(&l->contended);
		}
	}
}

/* Has a lock before @i the same name (already reported)? */
static bool seen_before(u32 i, const char *name)
{
	for (u32 j = 0; j < i; j++) {
		struct spinlock *l = atomic_load_acquire(&registered[j]);

		if (l && same_name(l->name, name))
			return true;
	}
	return false;
}

int spin_report(char *buf, size_t len)
{
	u32 n = MIN(atomic_load_relaxed(&nr_registered),
		    (u32)SPIN_REGISTERED_MAX);
	int used = 0;

	buf[0] = '\0';
	for (u32 i = 0; i < n && (size_t)used + 1 < len; i++) {
		struct spinlock *l = atomic_load_acquire(&registered[i]);
		u64 acq, wait;

		if (!l || seen_before(i, l->name))
			continue;
		sum_named(l->name, n, &acq, &wait);
		used += snprintf(buf + used, len - used, "%s%s %llu/%llu",
				 used ? ", " : "", l->name,
				 (unsigned long long)acq,
				 (unsigned long long)wait);
	}
	return used;
}
