/* SPDX-License-Identifier: MIT */
/*
 * A guest's memory virtualization, whatever its paging mode: creating the
 * nested table or the shadow MMU, and, under shadow paging, virtualizing
 * CR0/CR3/CR4/EFER, INVLPG and page faults (mm/shadow.c does the tables).
 */
#ifndef HV_MMU_H
#define HV_MMU_H

#include "arch/x86_64/vendor.h"
#include "lib/atomic.h"
#include "hv/guest.h"
#include "mm/gwalk.h"

int mmu_create(struct guest *g);
void mmu_destroy(struct guest *g);
/* Paging off, CR0 = @cr0: PE|ET as a multiboot loader leaves it, CD|NW|ET
 * (real mode) as INIT and a SIPI leave an AP. */
void mmu_reset(struct vcpu *v, u64 cr0);
/* A change to the shadow or compound tree asked for a TLB flush (and
 * maybe moved the root): load the root, flush. */
void mmu_shadow_flush(struct vcpu *v);
/* Shadow and compound paging: drop every shadow page and start again from
 * the guest's CR3, so that no guest page is write-protected as a table
 * any more (until it is walked again). */
void mmu_unshadow_all(struct vcpu *v);

/* SMP guests under shadow or compound paging (hv/mmu_sync.c). */
static inline bool mmu_shared(const struct guest *g)
{
	return g->nr_cpus > 1 && g->cfg.paging != PAGING_NESTED;
}
void mmu_lock_smp(struct vcpu *v);
void mmu_unlock_smp(struct vcpu *v);
void mmu_before_entry_smp(struct vcpu *v);
bool mmu_enter_smp(struct vcpu *v);
/* Shoot down every other vCPU's translations of the tree (under the MMU
 * lock; @ctx is the guest: shadow_ops.sync). */
void mmu_shootdown(void *ctx);
/* Load the root if it moved, and flush the TLB (the lock held). */
void mmu_flush_now(struct vcpu *v);
/* @v's root is gone: make one for its CR3 again (the lock held). */
void mmu_reload_root(struct vcpu *v);

/* The guest's MMU lock: what reads or changes its shadow or compound
 * tree holds it. Recursive for one vCPU; nothing to take in a guest of
 * one vCPU, or under nested paging. */
static inline void mmu_lock(struct vcpu *v)
{
	if (mmu_shared(v->guest))
		mmu_lock_smp(v);
}

static inline void mmu_unlock(struct vcpu *v)
{
	if (mmu_shared(v->guest))
		mmu_unlock_smp(v);
}

/* Just before each VM entry: the compound policy's clock, and a pending
 * flush (shadow and compound paging; nested paging has nothing to do).
 * Inline: it runs on every exit path, most of which change neither. */
static inline void mmu_before_entry(struct vcpu *v)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);

	if (g->cfg.paging == PAGING_NESTED)
		return;
	if (g->nr_cpus > 1) {
		if (gc->flush_pending ||
		    atomic_load_acquire(&g->tlb_gen) != gc->tlb_seen ||
		    (g->cfg.paging == PAGING_COMPOUND &&
		     guest_policy_time(g) >= g->compound.next_scan))
			mmu_before_entry_smp(v);
		return;
	}
	if (g->cfg.paging == PAGING_COMPOUND)
		compound_tick(&g->compound, guest_policy_time(g));
	if (g->shadow.need_flush || g->shadow.flush_self)
		mmu_shadow_flush(v);
}

/* The last step before VM entry, nothing left to do after it: a vCPU of
 * an SMP shadow or compound guest is in guest mode from here, unless a
 * shootdown came after mmu_before_entry() (false: go round again). */
static inline bool mmu_enter(struct vcpu *v)
{
	return !mmu_shared(v->guest) || mmu_enter_smp(v);
}

/* Just after VM exit: out of guest mode (a shootdown need not wait). */
static inline void mmu_exited(struct vcpu *v)
{
	if (mmu_shared(v->guest))
		atomic_store_release(&gcpu(v)->in_guest, false);
}

/* The host TSC by which braid must run again for the MMU, even if the
 * guest makes no exit (the compound policy's next scan, due in guest
 * time; at most as far ahead in host time), or ~0. */
static inline u64 mmu_next_event(const struct guest *g, u64 now)
{
	u64 due, ran = guest_policy_time(g);

	if (g->cfg.paging != PAGING_COMPOUND)
		return ~0ull;
	due = compound_next_scan(&g->compound);
	return due > ran ? now + (due - ran) : now;
}

/* The guest's own view of its control registers and EFER. */
void mmu_guest_regs(struct vcpu *v, struct mmu_regs *r);
u64 mmu_get_efer(struct vcpu *v);
/* WRMSR EFER; false if it must #GP. */
bool mmu_set_efer(struct vcpu *v, u64 efer);

/* The guest's paging controls, for a walk of its tables (mm/gwalk.c). */
void mmu_walk_mode(struct vcpu *v, struct gwalk_mode *m);

/* Shadow and compound paging: MOV to/from CR0/CR3/CR4 (hv/cr.c decodes
 * the instruction). mmu_write_cr is false if the value must #GP. */
bool mmu_write_cr(struct vcpu *v, unsigned cr, u64 val);
/* Whether MOV to CR0/CR3/CR4 of @val is legal now (false: #GP), in any
 * paging mode. */
bool mmu_cr_ok(struct vcpu *v, unsigned cr, u64 val);
u64 mmu_read_cr(struct vcpu *v, unsigned cr);
/* CR4 as the guest sees it, in every paging mode. */
u64 mmu_guest_cr4(struct vcpu *v);
void mmu_invlpg(struct vcpu *v, bool gva_known, u64 gva);

/*
 * What a fault needs next. The MMU resolves what is its own (a shadow
 * entry to fill, a fault to reflect, a table to hand to the CPU); a store
 * to a table braid protects and an access where the guest has no RAM go
 * back to the exit handler, which has the emulators (hv/ptwrite.c,
 * hv/mmio.c).
 */
enum mmu_fault {
	MMU_NOT_MINE,  /* not a fault of the shadow/compound MMU */
	MMU_DONE,      /* resolved, or the guest was stopped */
	MMU_REFLECTED, /* a fault of the guest's own, injected into it */
	MMU_PT_WRITE,  /* a store to a protected guest page table (#PF: the
			* guest's tables translate it to *gpa) */
	MMU_NO_MEMORY, /* translated to *gpa, where the guest has no RAM */
};

/* A #PF intercepted under shadow or compound paging. The caller holds
 * the MMU lock (hv/exit.c: the emulation that may follow needs it too). */
enum mmu_fault mmu_page_fault(struct vcpu *v, u64 gva, u32 error, u64 *gpa);
/* Compound paging: an EPT violation / NPF on a protected guest table
 * (MMU_NOT_MINE for any other). The caller holds the MMU lock. */
enum mmu_fault mmu_npf(struct vcpu *v, const struct vmexit *e);
/* Is @gpa a guest page table braid write-protects? */
bool mmu_gpa_protected(struct vcpu *v, u64 gpa);
/* Braid wrote guest RAM on the guest's behalf (emulation by @v). */
void mmu_guest_wrote(struct vcpu *v, u64 gpa, unsigned len);
/* shadow_lookup() in @v's own address space. */
void *mmu_lookup(struct vcpu *v, u64 gva);

#endif
