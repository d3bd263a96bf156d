// SPDX-License-Identifier: MIT
/*
 * SMP guests under shadow or compound paging: one tree, many vCPUs, all
 * of them in guest mode at once.
 *
 * The guest's tree (mm/shadow.h) is shared by its vCPUs, as KVM's shadow
 * MMU is. Three rules keep it exact:
 *
 *  1. One lock. Everything that reads or changes the tree (a hidden
 *     fault, a trapped page-table store and its emulation, a CR3 or mode
 *     change, the compound policy's scan) holds the guest's MMU lock. It
 *     is recursive per vCPU, since a handler that holds it may call
 *     another that takes it. Order: platform lock, then MMU lock
 *     (docs/architecture.md, "Locking").
 *
 *  2. A root per vCPU. Each vCPU runs its own address space: taking the
 *     lock makes its root the tree's current one (shadow.root); leaving
 *     it pins that root, so that another vCPU's reclaim or root eviction
 *     leaves it alone. A root freed all the same (a reset) is found stale
 *     by its generation, and the vCPU activates its CR3 again before it
 *     enters.
 *
 *  3. Shootdowns. The tree changes under vCPUs that run on other CPUs,
 *     with translations and paging-structure caches of their own. A
 *     change that removes or narrows what the tree allowed, or frees a
 *     page, bumps the guest's TLB generation; every other vCPU flushes
 *     its VPID/ASID before its next entry, and one in guest mode is made
 *     to exit (a host IPI) and waited for. The tree asks for this itself
 *     where waiting for the end of the locked section would be too late
 *     (shadow_ops.sync: a freed page about to be reused, a guest table
 *     just write-protected), and the lock's last release does it for
 *     the rest. A vCPU marks itself in guest mode, then reads the
 *     generation (a full barrier between): the sender bumps it, then
 *     reads the mark, so one of the two always sees the other. The
 *     sender waits holding the MMU lock; a vCPU clears its mark before
 *     it takes any lock and sets it after dropping them all, so the
 *     wait ends.
 *
 * The guest's own shootdowns (an IPI and INVLPG, as Linux does) still
 * work as on hardware: INVLPG flushes the vCPU's own TLB, and the tree
 * itself is always current, since every write to a mirrored table trapped.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "hv/mmu.h"
#include "lib/atomic.h"

_Static_assert(SHADOW_ROOTS >= GUEST_VCPUS_MAX,
	       "each vCPU's root is pinned in a slot of the root cache, and "
	       "the one taking a slot has none pinned");

/* The tree becomes @v's: its root is the current one, no longer pinned
 * (as the current root it is safe from eviction anyway). */
static void take_tree(struct vcpu *v)
{
	struct guest *g = v->guest;
	struct shadow *s = &g->shadow;
	struct gcpu *gc = gcpu(v);

	s->root = SP_NONE;
	if (gc->sroot != SP_NONE &&
	    shadow_root_live(s, gc->sroot, gc->sroot_gen, gc->sroot_gfn)) {
		shadow_pin(s, gc->sroot, -1);
		s->root = gc->sroot;
	}
	gc->sroot = SP_NONE;
	if (g->cfg.paging == PAGING_COMPOUND) {
		g->compound.now = guest_policy_time(g);
		gc->reclass_mark = g->compound.stats.to_nested +
				   g->compound.stats.to_shadow;
	}
}

/* ... and is left: pin @v's root, and pass on the flushes asked for. */
static void leave_tree(struct vcpu *v)
{
	struct guest *g = v->guest;
	struct shadow *s = &g->shadow;
	struct gcpu *gc = gcpu(v);

	/* Only while it runs on the tree: one with paging off (an AP
	 * after INIT) must not keep its old root from being reclaimed. */
	if (s->root != SP_NONE && gc->hw_cr3) {
		shadow_pin(s, s->root, 1);
		gc->sroot = s->root;
		gc->sroot_gen = shadow_page_gen(s, s->root);
		gc->sroot_gfn = shadow_page_gfn(s, s->root);
	}
	s->root = SP_NONE;
	if (s->flush_self)
		gc->flush_pending = true;
	s->flush_self = false;
	if (s->need_flush || s->unsynced_frees) {
		mmu_shootdown(g);
		s->need_flush = false;
		s->unsynced_frees = false;
	}
	if (g->cfg.paging == PAGING_COMPOUND)
		gc->stats.reclassified += g->compound.stats.to_nested +
					  g->compound.stats.to_shadow -
					  gc->reclass_mark;
}

void mmu_lock_smp(struct vcpu *v)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);

	if (atomic_load_relaxed(&g->mmu_holder) == v) {
		gc->mmu_depth++;
		return;
	}
	if (!spin_trylock(&g->mmu_lock)) {
		u64 t0 = rdtsc();

		spin_lock(&g->mmu_lock);
		gc->stats.mmu_lock_waits++;
		gc->stats.mmu_lock_wait_tsc += rdtsc() - t0;
	}
	atomic_store_relaxed(&g->mmu_holder, v);
	gc->mmu_depth = 1;
	take_tree(v);
	/* Another vCPU freed this one's root (a reset) while it was out of
	 * guest mode: activate its CR3 again before anything walks from the
	 * root (a fault that waited for the lock, say). */
	if (g->shadow.root == SP_NONE && gc->hw_cr3)
		mmu_reload_root(v);
}

void mmu_unlock_smp(struct vcpu *v)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);

	if (--gc->mmu_depth)
		return;
	leave_tree(v);
	atomic_store_relaxed(&g->mmu_holder, NULL);
	spin_unlock(&g->mmu_lock);
}

/* Under the MMU lock (shadow_ops.sync, or its last release). */
void mmu_shootdown(void *ctx)
{
	struct guest *g = ctx;
	struct vcpu *self = g->mmu_holder;
	u64 gen = atomic_fetch_add(&g->tlb_gen, 1) + 1;

	for (unsigned i = 0; i < g->nr_cpus; i++) {
		struct gcpu *o = &g->cpus[i];

		if (&o->vcpu == self || !atomic_load_acquire(&o->in_guest) ||
		    atomic_load_acquire(&o->tlb_seen) >= gen)
			continue; /* it flushes before it enters */
		u64 t0 = rdtsc();

		smp_kick(atomic_load_relaxed(&o->guest_cpu));
		gcpu(self)->stats.shootdowns_sent++;
		o->stats.shootdowns_received++; /* senders hold the lock */
		while (atomic_load_acquire(&o->in_guest) &&
		       atomic_load_acquire(&o->tlb_seen) < gen)
			cpu_relax();
		gcpu(self)->stats.shootdown_wait_tsc += rdtsc() - t0;
	}
}

/* Before an entry, the lock not held: the flush other vCPUs asked for,
 * with a root that moved (a reclaim, a reset, to or from its twin), and
 * the compound policy's scan when due. */
void mmu_before_entry_smp(struct vcpu *v)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);

	mmu_lock_smp(v);
	if (g->cfg.paging == PAGING_COMPOUND)
		compound_tick(&g->compound, guest_policy_time(g));
	atomic_store_relaxed(&gc->tlb_seen, atomic_load_acquire(&g->tlb_gen));
	mmu_flush_now(v);
	gc->flush_pending = false;
	mmu_unlock_smp(v);
}

bool mmu_enter_smp(struct vcpu *v)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);

	atomic_store_relaxed(&gc->guest_cpu, this_cpu()->id);
	(void)atomic_xchg(&gc->in_guest, true); /* a full barrier */
	if (atomic_load_acquire(&g->tlb_gen) == gc->tlb_seen &&
	    !gc->flush_pending)
		return true;
	atomic_store_release(&gc->in_guest, false);
	gc->stats.entry_retries++;
	return false;
}
