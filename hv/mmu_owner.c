// SPDX-License-Identifier: MIT
/*
 * SMP guests under shadow or compound paging: one vCPU at a time.
 *
 * Their tree is braid's, one per guest, with one active root and one walk
 * mode (mm/shadow.h). Until each vCPU has its own roots and every change
 * to the tree is followed by a shootdown (docs/architecture.md, "Where it
 * is heading"), such a guest runs as a uniprocessor time-shares its
 * processes: the vCPU that holds the guest's MMU (`mmu_owner`) is the only
 * one in guest mode or in an exit handler; another that is picked to run
 * leaves its CPU again and tells the holder, which gives the MMU up at
 * its next PAUSE, HLT or slice end. A vCPU that takes it over activates
 * its own root and walk mode and flushes its TLB tag (apply() and the
 * flush before entry), so nothing another vCPU changed meanwhile stays
 * cached. Correct by construction; no parallelism inside such a guest.
 */
#include "hv/mmu.h"
#include "hv/sched.h"
#include "lib/atomic.h"

static bool one_at_a_time(const struct guest *g)
{
	return g->nr_cpus > 1 && g->cfg.paging != PAGING_NESTED;
}

bool mmu_take(struct vcpu *v)
{
	struct guest *g = v->guest;
	struct vcpu *none = NULL, *holder;

	if (!one_at_a_time(g))
		return true;
	if (atomic_load_relaxed(&g->mmu_owner) == v)
		return true;
	if (!atomic_cmpxchg(&g->mmu_owner, &none, v)) {
		holder = none;
		/* Once per holder: it ends its slice for us. */
		if (!atomic_xchg(&holder->sched.contended, true))
			sched_wake(holder);
		return false;
	}
	if (g->mmu_last != v) {
		g->mmu_last = v;
		g->stats.mmu_handovers++; /* the holder alone writes it */
		mmu_switch_in(v);
	}
	return true;
}

void mmu_give_up(struct vcpu *v)
{
	struct guest *g = v->guest;

	if (!one_at_a_time(g) || atomic_load_relaxed(&g->mmu_owner) != v)
		return;
	atomic_store_relaxed(&v->sched.contended, false);
	atomic_store_release(&g->mmu_owner, NULL);
}
