/* SPDX-License-Identifier: MIT */
/*
 * Ticket spinlocks. A CPU takes the next ticket and waits until the lock
 * serves it, so waiters are served in the order they came and none starves
 * (a plain test-and-set lock lets one CPU win again and again). The wait
 * loop runs PAUSE, which tells the CPU it spins (SDM Vol. 2B "PAUSE"; on
 * a hyperthreaded core it frees resources for the other thread and avoids
 * the memory-order flush when the lock is released).
 *
 * A lock has a name and counts the acquisitions that had to wait, for the
 * stats to report contention. The locks braid has, their order and which
 * contexts may take them: docs/architecture.md, "Locking". In short: no
 * lock is taken in NMI context, and none is held across a VM entry.
 */
#ifndef LIB_SPINLOCK_H
#define LIB_SPINLOCK_H

#include "lib/types.h"

struct spinlock {
	u32 next;	  /* the ticket the next taker draws */
	u32 serving;	  /* the ticket that holds the lock */
	u64 contended;	  /* acquisitions that found it taken */
	u64 acquired;	  /* all acquisitions */
	const char *name; /* for the stats and for panics */
};

#define SPINLOCK_INIT(n)        \
	{                       \
		0, 0, 0, 0, (n) \
	}

void spin_lock(struct spinlock *l);
/* Take @l only if it is free now; true if taken. */
bool spin_trylock(struct spinlock *l);
void spin_unlock(struct spinlock *l);
/* Held by some CPU (a hint: it may change right after). */
bool spin_is_locked(const struct spinlock *l);

/* Count @l in spin_report() (once; locks of one name are summed). */
void spin_register(struct spinlock *l);
/* One line of contention counts, by lock name: "frame 120/3 ..."
 * (acquisitions / those that had to wait). */
int spin_report(char *buf, size_t len);

#endif
