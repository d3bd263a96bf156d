// SPDX-License-Identifier: MIT
/*
 * Per-guest memory virtualization.
 *
 * Nested paging: one EPT/NPT table maps the guest's RAM; the guest owns
 * its control registers.
 *
 * Shadow paging: braid keeps the guest's view of CR0/CR3/CR4/EFER
 * (g->gcr) and derives what the hardware holds from it:
 *
 *   guest paging off   nested paging on, over the same nested table as
 *                      paging=nested (real mode included: VMX's
 *                      unrestricted guest needs EPT, SDM 25.6.2)
 *   guest IA-32e       nested paging off, hardware IA-32e paging, CR3 =
 *                      the shadow root for the guest's CR3 (mm/shadow.c)
 *
 * Legacy 32-bit and PAE guest paging are not shadowed: such a guest is
 * stopped with a report.
 */
#include "lib/atomic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpuid.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/tsc.h"
#include "lib/log.h"
#include "hv/event.h"
#include "hv/exit.h"
#include "hv/mmu.h"
#include "lib/string.h"
#include "mm/compound.h"
#include "mm/frame.h"
#include "lib/phys.h"

/* The CR4 bits the hardware takes from the guest's CR4 under shadow and
 * compound paging (the paging bits are braid's). */
#define CR4_PASSTHROUGH                                             \
	(CR4_VME | CR4_PVI | CR4_TSD | CR4_DE | CR4_MCE | CR4_PCE | \
	 CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_FSGSBASE | CR4_PCIDE | CR4_OSXSAVE)
#define CR0_RESERVED_HIGH 0xffffffff00000000ull
#define EFER_GUEST_OK	  (EFER_SCE | EFER_LME | EFER_NXE)

/* Shadow and compound paging both virtualize CR0/CR3/CR4/EFER. */
static bool shadowed(const struct guest *g)
{
	return g->cfg.paging != PAGING_NESTED;
}

static bool compound(const struct guest *g)
{
	return g->cfg.paging == PAGING_COMPOUND;
}

static u64 *shadow_gpa_ptr(void *ctx, u64 gpa)
{
	return guest_ptr(ctx, gpa, 8);
}

static phys_t shadow_gfn_to_hpa(void *ctx, u64 gfn)
{
	struct guest *g = ctx;

	return guest_mem_hpa(&g->ram, gfn);
}

static int map_ram(struct guest *g, struct pt *pt, const struct pt_format *f)
{
	int err = pt_init(pt, f);

	if (err)
		return err;
	vendor->nested_restrict(pt);
	for (u64 i = 0; i < g->ram.nr_chunks && !err; i++)
		err = pt_map(pt, i * GUEST_CHUNK, g->ram.chunks[i], GUEST_CHUNK,
			     PT_RWX | PT_U);
	return err;
}

/* Compound: EPT/NPT makes guest table page @gfn read-only (or not). Only
 * a frame of the guest's own RAM is ever remapped: anything else (a CR3
 * outside RAM, say) has no host frame, and mapping "frame 0" would hand
 * the guest host-physical page 0. */
static void protect(void *ctx, u64 gfn, bool on)
{
	struct guest *g = ctx;
	u64 gpa = gfn << PAGE_SHIFT;
	phys_t hpa = gpa < g->cfg.mem ? shadow_gfn_to_hpa(g, gfn) : 0;

	if (!hpa)
		return;
	pt_map(&g->nested, gpa, hpa, PAGE_SIZE,
	       (on ? PT_R | PT_X : PT_RWX) | PT_U);
	g->shadow.need_flush = true;
}

/* A tree that vCPUs share while they run asks for shootdowns. */
static void (*smp_sync(const struct guest *g))(void *)
{
	return mmu_shared(g) ? mmu_shootdown : NULL;
}

/*
 * Compound paging: the nested table maps RAM, and the pool of compound
 * pages at a window just above it (hidden: the guest's memory map does
 * not list it). The window is writable in EPT/NPT because the CPU's walk
 * of it counts as a write (docs/emulators.md, "Compound walks: window permissions"); the shadow code never trusts
 * what it reads back from it.
 */
/* The compound policy's clock is the guest's running time in TSC ticks
 * (guest_policy_time()); its knobs come in microseconds. */
static u64 us_to_ticks(u64 us)
{
	return MAX(us * (tsc_hz() / 1000000), 1);
}

static int create_compound(struct guest *g)
{
	struct shadow_ops ops = { g,
				  shadow_gpa_ptr,
				  shadow_gfn_to_hpa,
				  protect,
				  compound_nested,
				  compound_nested_installed,
				  &g->compound,
				  smp_sync(g) };
	u64 window = ALIGN_UP(g->cfg.mem, GiB(1));
	struct compound_knobs k = g->cfg.knobs;
	int err = map_ram(g, &g->nested, vendor->nested_format);

	k.window = us_to_ticks(k.window);
	k.quiet = us_to_ticks(k.quiet);
	err = err
		      ?: shadow_init(&g->shadow, g->cfg.shadow_pool, g->cfg.mem,
				     &ops);
	err = err ?: compound_init(&g->compound, &g->shadow, g->cfg.mem, &k);
	/* The twin is braid's own record of the tree too (the guest can
	 * write the window): kept even when cp_twin=off never runs on it. */
	err = err ?: shadow_enable_twin(&g->shadow);
	if (err)
		return err;
	g->shadow.large = !g->cfg.no_large;
	shadow_set_compound(&g->shadow, window);
	return pt_map(&g->nested, window, g->shadow.pool,
		      (u64)g->shadow.nr_pages * PAGE_SIZE, PT_RWX | PT_U);
}

int mmu_create(struct guest *g)
{
	struct shadow_ops ops = { .ctx = g,
				  .gpa_ptr = shadow_gpa_ptr,
				  .gfn_to_hpa = shadow_gfn_to_hpa,
				  .sync = smp_sync(g) };
	int err;

	if (!shadowed(g))
		return map_ram(g, &g->nested, vendor->nested_format);
	if (compound(g))
		return create_compound(g);
	err = shadow_init(&g->shadow, g->cfg.shadow_pool, g->cfg.mem, &ops);
	g->shadow.large = !g->cfg.no_large;
	/* The nested table too: the guest runs on it while its paging is
	 * off (run_unpaged()). */
	return err ?: map_ram(g, &g->nested, vendor->nested_format);
}

void mmu_destroy(struct guest *g)
{
	pt_destroy(&g->nested);
	if (shadowed(g))
		shadow_destroy(&g->shadow);
	if (compound(g))
		compound_destroy(&g->compound);
}

void mmu_guest_regs(struct vcpu *v, struct mmu_regs *r)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);

	if (shadowed(g)) {
		*r = gc->gcr;
		return;
	}
	r->cr0 = vendor->get(v, VREG_CR0);
	r->cr3 = vendor->get(v, VREG_CR3);
	r->cr4 = vendor->get(v, VREG_CR4);
	r->efer = vendor->get(v, VREG_EFER);
}

/* The paging features the guest sees (hv/cpuid.c passes these through),
 * read once: this runs on every emulated access. */
static void cpu_paging_features(bool *pse1g, unsigned *maxphyaddr)
{
	static bool have_1g;
	static unsigned width;

	/* Any CPU may be first: width, stored last with release order, says
	 * have_1g is there (an acquire load is a plain MOV on x86). */
	unsigned w = atomic_load_acquire(&width);

	if (!w) {
		have_1g = cpuid(0x80000001, 0).edx & EDX81_PAGE1GB;
		w = cpuid(0x80000008, 0).eax & EAX88_PHYS_BITS;
		atomic_store_release(&width, w);
	}
	*pse1g = have_1g;
	*maxphyaddr = w;
}

void mmu_walk_mode(struct vcpu *v, struct gwalk_mode *m)
{
	struct mmu_regs r;

	mmu_guest_regs(v, &r);
	m->wp = r.cr0 & CR0_WP;
	m->nxe = r.efer & EFER_NXE;
	m->smep = false; /* hidden from CPUID */
	cpu_paging_features(&m->pse1g, &m->maxphyaddr);
}

/* CPUID.80000001H:EDX[20]; read once, apply() runs on every CR3 write. */
static bool host_has_nx(void)
{
	static int nx = -1;

	if (nx < 0)
		nx = !!(cpuid(0x80000001, 0).edx & EDX81_NX);
	return nx;
}

/* Shadow entries encode CR0.WP, EFER.NXE and CR4.SMEP (shadow.c,
 * leaf_flags()): the shadow decides what a change costs. The tree has one
 * mode, that of the vCPUs that walk it: a vCPU with paging off (an AP in
 * its trampoline) does not change it. */
static void update_walk_mode(struct vcpu *v)
{
	struct guest *g = v->guest;
	struct gwalk_mode m;

	if (!gcpu(v)->paged)
		return;
	mmu_walk_mode(v, &m);
	shadow_set_mode(&g->shadow, &m);
}

/* Compound: the twin of the active root, if the CPU may walk it now. */
static phys_t twin_root(const struct guest *g)
{
	return g->cfg.knobs.no_twin ? 0 : shadow_twin_root(&g->shadow);
}

/* What the hardware CR3 must hold for the active root: its twin if it can
 * run there, else the root itself. */
static phys_t hw_root(const struct guest *g)
{
	return twin_root(g) ?: shadow_root_hpa(&g->shadow);
}

/* Compound: move the running address space to its twin (EPT/NPT off) or
 * back to the compound tree, and account for the time on the twin. */
static void use_twin(struct vcpu *v, bool on)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);
	struct compound_stats *c = &g->compound.stats;

	if (on == gc->on_twin)
		return;
	if (on) {
		c->to_twin++;
		gc->twin_since = gc->stats.guest_tsc;
	} else {
		c->to_tree++;
		c->twin_tsc += gc->stats.guest_tsc - gc->twin_since;
	}
	gc->on_twin = on;
	vendor->set_nested_paging(v, !on);
}

/*
 * Compound paging: with paging off, or with 32-bit/PAE paging, the guest
 * runs as under nested paging (its own CR3). With IA-32e paging the
 * hardware CR3 is the compound root in the window, or, while no entry
 * below that root is nested, its host-physical twin with EPT/NPT off: the
 * same translations, walked in one dimension (docs/design.md). CR0.WP is
 * forced so that read-only leaves catch the first write for the guest's
 * D bits.
 */
static void apply_compound(struct vcpu *v, bool new_cr3, bool keep_tlb)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);
	struct mmu_regs *gcr = &gc->gcr, hw = *gcr;
	bool paged = gcr->cr0 & CR0_PG, lm = paged && (gcr->efer & EFER_LME);
	phys_t twin = 0;

	if (paged != gc->paged) {
		shadow_reset(&g->shadow);
		gc->paged = paged;
	}
	update_walk_mode(v);
	gcr->efer = lm ? gcr->efer | EFER_LMA : gcr->efer & ~EFER_LMA;
	hw.efer = gcr->efer;
	if (lm) {
		hw.cr0 |= CR0_WP;
		hw.cr3 = new_cr3 || !shadow_root_hpa(&g->shadow)
				 ? shadow_activate(&g->shadow, gcr->cr3,
						   keep_tlb)
				 : shadow_root_hpa(&g->shadow);
		twin = twin_root(g);
		hw.cr3 = twin ?: hw.cr3;
	}
	use_twin(v, twin != 0);
	gc->hw_cr3 = lm ? hw.cr3 : 0;
	/* The guest's PCID goes with its root (hardware CR4.PCIDE is the
	 * guest's), on both vendors: its INVLPG and INVPCID (VMX) run
	 * natively here and act on the translations tagged with the PCID
	 * they name (SDM Vol. 3A 4.10.1). */
	if (lm && (gcr->cr4 & CR4_PCIDE))
		hw.cr3 |= gcr->cr3 & CR3_PCID_MASK;
	vendor->set_mmu(v, gcr, &hw);
	g->shadow.flush_self |= !keep_tlb;
}

/*
 * Guest paging off (real mode, or protected mode before paging): there is
 * nothing to shadow, and guest-physical is what the guest addresses. Run
 * it with nested paging on over the nested table, the guest's CR0, CR4
 * and EFER as they are. On VMX that is also what lets real mode run at
 * all (unrestricted guest needs EPT, SDM 25.6.2), including the moment
 * after CR0.PE is set and before the far jump that loads a protected-mode
 * CS; on SVM nested paging (APM 15.25).
 */
static void run_unpaged(struct vcpu *v)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);
	struct mmu_regs hw = gc->gcr;

	gc->gcr.efer &= ~EFER_LMA;
	hw.efer = gc->gcr.efer;
	hw.cr3 = 0;
	if (gc->paged) {
		/* The cached shadow roots are not kept in step while guest
		 * paging is off. */
		shadow_reset(&g->shadow);
		gc->paged = false;
	}
	vendor->set_nested_paging(v, true);
	vendor->set_mmu(v, &gc->gcr, &hw);
	gc->hw_cr3 = 0;
	g->shadow.flush_self = true;
}

/* Load the hardware state that stands for the guest's g->gcr; @new_cr3:
 * the guest loaded CR3, so switch roots; @keep_tlb: with CR3's no-flush
 * bit under CR4.PCIDE, so its TLB stays. */
static void apply_cr3(struct vcpu *v, bool new_cr3, bool keep_tlb)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);

	if (compound(g))
		return apply_compound(v, new_cr3, keep_tlb);
	struct mmu_regs *gcr = &gc->gcr, hw;
	bool paged = gcr->cr0 & CR0_PG;

	hw.cr0 = gcr->cr0 | CR0_PE | CR0_PG | CR0_WP | CR0_NE | CR0_ET;
	hw.cr4 = (gcr->cr4 & CR4_PASSTHROUGH) | CR4_PAE;
	hw.efer = (gcr->efer & EFER_SCE) | (host_has_nx() ? EFER_NXE : 0);
	if (paged && !(gcr->efer & EFER_LME)) {
		guest_stop(g,
			   "enabled %s paging: paging=shadow supports only "
			   "4-level (IA-32e) paging",
			   gcr->cr4 & CR4_PAE ? "PAE" : "32-bit");
		return;
	}
	if (!paged) {
		run_unpaged(v);
		return;
	}
	vendor->set_nested_paging(v, false);
	if (!gc->paged) {
		shadow_reset(&g->shadow); /* see run_unpaged() */
		gc->paged = true;
	}
	update_walk_mode(v);
	gcr->efer |= EFER_LMA;
	hw.efer |= EFER_LME | EFER_LMA;
	hw.cr3 = new_cr3 || !shadow_root_hpa(&g->shadow)
			 ? shadow_activate(&g->shadow, gcr->cr3, keep_tlb)
			 : shadow_root_hpa(&g->shadow);
	gc->hw_cr3 = hw.cr3;
	/* The guest's PCID tags what the CPU caches from braid's root, as
	 * under compound paging: with CR4.PCIDE the other address spaces'
	 * translations may stay (SDM Vol. 3A 4.10.1). */
	if (gcr->cr4 & CR4_PCIDE)
		hw.cr3 |= gcr->cr3 & CR3_PCID_MASK;
	vendor->set_mmu(v, gcr, &hw);
	g->shadow.flush_self |= !keep_tlb;
}

static void apply(struct vcpu *v, bool new_cr3)
{
	apply_cr3(v, new_cr3, false);
}

void mmu_reset(struct vcpu *v, u64 cr0)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);

	if (!shadowed(g))
		return;
	gc->gcr = (struct mmu_regs){ cr0, 0, 0, 0 };
	gc->paged = false;
	mmu_lock(v);
	apply(v, false);
	mmu_unlock(v);
}

void mmu_unshadow_all(struct vcpu *v)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);

	if (!shadowed(g) || !gc->paged)
		return;
	mmu_lock(v);
	shadow_reset(&g->shadow);
	apply(v, true);
	mmu_unlock(v);
}

void mmu_flush_now(struct vcpu *v)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);
	struct shadow *s = &g->shadow;

	/* Every change to the tree asks for a flush, a root that moved with
	 * the rest: nothing to look at until one does. */
	if (gc->hw_cr3 && hw_root(g) != gc->hw_cr3)
		apply(v, false); /* the pool was reclaimed (the root moved or
				  * is gone), or it moved to or from its twin */
	vendor->flush_tlb(v);
	s->flush_self = false; /* done now */
	s->stats.flushes++;
}

void mmu_reload_root(struct vcpu *v)
{
	apply(v, false); /* no root: it activates one (apply_compound()) */
}

void mmu_shadow_flush(struct vcpu *v)
{
	mmu_flush_now(v);
	v->guest->shadow.need_flush = false;
}

u64 mmu_get_efer(struct vcpu *v)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);

	return shadowed(g) ? gc->gcr.efer : vendor->get(v, VREG_EFER);
}

bool mmu_set_efer(struct vcpu *v, u64 efer)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);
	u64 ok = EFER_SCE | EFER_LME | (host_has_nx() ? EFER_NXE : 0);
	struct mmu_regs r;

	if (efer & ~(ok | EFER_LMA))
		return false; /* reserved bit (SDM Vol. 4, IA32_EFER) */
	/* LME may not change while paging is on (SDM Vol. 3A 10.8.5): #GP,
	 * in every mode (under nested paging the CPU would refuse the next
	 * entry instead). */
	mmu_guest_regs(v, &r);
	if ((r.cr0 & CR0_PG) && ((efer ^ r.efer) & EFER_LME))
		return false;
	if (!shadowed(g)) {
		vendor->set_efer(v, efer);
		return true;
	}
	gc->gcr.efer = (efer & ~EFER_LMA) | (gc->gcr.efer & EFER_LMA);
	mmu_lock(v);
	apply(v, false);
	mmu_unlock(v);
	return true;
}

/* The #GP rules of MOV to CR0 (SDM Vol. 2B, MOV-Move to/from Control
 * Registers, protected mode exceptions), against the guest's registers
 * @r in any paging mode. */
static bool cr0_ok(struct vcpu *v, const struct mmu_regs *r, u64 val)
{
	if (val & CR0_RESERVED_HIGH)
		return false;
	if ((val & CR0_PG) && !(val & CR0_PE))
		return false;
	if ((val & CR0_NW) && !(val & CR0_CD))
		return false;
	if ((val & CR0_PG) && !(r->cr0 & CR0_PG) && (r->efer & EFER_LME) &&
	    !(r->cr4 & CR4_PAE))
		return false;
	if (!(val & CR0_PG) && (r->efer & EFER_LMA) &&
	    vendor->get(v, VREG_CS_MODE) == 64)
		return false;
	/* PCIDs exist only in IA-32e mode: paging stays on with PCIDE. */
	if (!(val & CR0_PG) && (r->cr4 & CR4_PCIDE))
		return false;
	return true;
}

/* CR3 bits at and above MAXPHYADDR are reserved (SDM Vol. 3A 4.5,
 * table 4-12): MOV to CR3 #GP. With CR4.PCIDE, bit 63 is not stored but
 * asks the CPU to keep the PCID's translations (SDM Vol. 3A 4.10.4.1). */
static bool cr3_ok(const struct mmu_regs *r, u64 val)
{
	bool pse1g;
	unsigned maxphyaddr;

	cpu_paging_features(&pse1g, &maxphyaddr);
	if (r->cr4 & CR4_PCIDE)
		val &= ~CR3_PCID_NOFLUSH;
	return !(val >> maxphyaddr);
}

/* CR4: only bits the guest's CPUID reports (hv/cpuid.c); PAE stays set
 * and LA57 unchanged in IA-32e mode; PCIDE set only in IA-32e mode with
 * CR3[11:0] = 0 (SDM Vol. 2B, MOV to CR4). */
static bool cr4_ok(const struct mmu_regs *r, u64 val)
{
	if (val & ~guest_cr4_allowed())
		return false;
	if ((val & ~r->cr4 & CR4_PCIDE) &&
	    (!(r->efer & EFER_LMA) || (r->cr3 & CR3_PCID_MASK)))
		return false;
	if (!(r->efer & EFER_LMA))
		return true;
	return (val & CR4_PAE) && !((val ^ r->cr4) & CR4_LA57);
}

bool mmu_cr_ok(struct vcpu *v, unsigned cr, u64 val)
{
	struct mmu_regs r;

	mmu_guest_regs(v, &r);
	switch (cr) {
	case 0: return cr0_ok(v, &r, val);
	case 3: return cr3_ok(&r, val);
	case 4: return cr4_ok(&r, val);
	default: return false;
	}
}

/*
 * May this CR3 load keep the TLB? Only with CR4.PCIDE and bit 63 (SDM
 * Vol. 3A 4.10.4.1), and only where braid's leaves, which never carry G,
 * cannot hold a guest global page beyond what the guest's invalidations
 * reach: INVLPG drops a global page in every PCID. Under shadow paging
 * INVLPG exits and flush_va must reach every PCID; under compound paging
 * it runs natively and reaches only the current PCID's copy of a page
 * braid mirrors, so there the guest must have no global pages (CR4.PGE
 * clear).
 */
static bool keeps_tlb(const struct guest *g, const struct mmu_regs *r, u64 cr3)
{
	if (!(r->cr4 & CR4_PCIDE) || !(cr3 & CR3_PCID_NOFLUSH))
		return false;
	return compound(g) ? !(r->cr4 & CR4_PGE) : vendor->flush_va_every_pcid;
}

bool mmu_write_cr(struct vcpu *v, unsigned cr, u64 val)
{
	struct gcpu *gc = gcpu(v);
	bool keep = false;

	if (!mmu_cr_ok(v, cr, val))
		return false;
	switch (cr) {
	case 0: gc->gcr.cr0 = val | CR0_ET; break;
	case 3: /* bit 63 is not stored (SDM Vol. 3A 4.10.4.1) */
		keep = keeps_tlb(v->guest, &gc->gcr, val);
		gc->gcr.cr3 =
			gc->gcr.cr4 & CR4_PCIDE ? val & ~CR3_PCID_NOFLUSH : val;
		break;
	default: gc->gcr.cr4 = val; break;
	}
	mmu_lock(v);
	apply_cr3(v, cr == 3, keep);
	mmu_unlock(v);
	return true;
}

u64 mmu_guest_cr4(struct vcpu *v)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);

	return shadowed(g) ? gc->gcr.cr4 : vendor->get(v, VREG_CR4);
}

u64 mmu_read_cr(struct vcpu *v, unsigned cr)
{
	struct gcpu *gc = gcpu(v);

	return cr == 0 ? gc->gcr.cr0 : cr == 3 ? gc->gcr.cr3 : gc->gcr.cr4;
}

void mmu_invlpg(struct vcpu *v, bool gva_known, u64 gva)
{
	struct guest *g = v->guest;

	/* Every change to a shadowed table was trapped already, so the
	 * shadow is current; only the hardware TLB may hold the old entry,
	 * for this address alone (zaps leave the rest to the guest's own
	 * invalidation, mm/shadow.c). */
	mmu_lock(v);
	g->shadow.stats.invlpgs++;
	if (gva_known) {
		vendor->flush_va(v, gva);
		g->shadow.stats.flushes_addr++;
	} else {
		g->shadow.flush_self = true;
	}
	mmu_unlock(v);
}

/*
 * A fault braid resolves must not come back forever: the same address
 * faulting at the same RIP this many times in a row means braid's tables
 * disagree with the guest's, a braid bug. Stop the guest with the facts
 * instead of spinning. Only faults braid resolved itself count: a fault
 * the guest's own tables raise is the guest's business, however often it
 * asks for it (a test of access rights may fault thousands of times on
 * purpose).
 */
#define FAULT_LOOP_LIMIT 4096

static bool fault_loop(struct vcpu *v, u64 addr, const char *what)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);
	u64 rip = vendor->get(v, VREG_RIP);

	if (addr != gc->loop_addr || rip != gc->loop_rip) {
		gc->loop_addr = addr;
		gc->loop_rip = rip;
		gc->loop_count = 0;
		return false;
	}
	if (++gc->loop_count < FAULT_LOOP_LIMIT)
		return false;
	/* The facts braid has, for the bug report: the root the hardware
	 * walks against the tree's, and whether braid's tables map it. */
	if (shadowed(g))
		guest_info(g,
			   "fault loop on vCPU %u: hardware CR3 0x%llx, tree "
			   "root 0x%llx, the tree %s 0x%llx%s",
			   gc->index, (unsigned long long)gc->hw_cr3,
			   (unsigned long long)hw_root(g),
			   shadow_lookup(&g->shadow, addr) ? "maps"
							   : "does not map",
			   (unsigned long long)addr,
			   v->delivering ? ", during event delivery" : "");
	guest_stop(g, "braid bug: %s at 0x%llx keeps recurring", what,
		   (unsigned long long)addr);
	return true;
}

enum mmu_fault mmu_page_fault(struct vcpu *v, u64 gva, u32 error, u64 *gpa)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);
	struct gwalk w;

	if (compound(g) && !gc->hw_cr3) {
		/* The CPU walked the guest's own tables: its fault. */
		guest_raise_pf(v, gva, error);
		return MMU_REFLECTED;
	}
	if (!gc->paged) {
		*gpa = gva; /* paging off: the address is guest-physical */
		return MMU_NO_MEMORY;
	}
	switch (shadow_fault(&g->shadow, gc->gcr.cr3, gva, error, &w)) {
	case SHADOW_FIXED: fault_loop(v, gva, "page fault"); return MMU_DONE;
	case SHADOW_REFLECT:
		gc->loop_count = 0;
		guest_raise_pf(v, gva, w.error);
		return MMU_REFLECTED;
	case SHADOW_EMULATE: *gpa = w.gpa; return MMU_PT_WRITE;
	case SHADOW_NO_MEMORY: *gpa = w.gpa; return MMU_NO_MEMORY;
	}
	return MMU_DONE;
}

bool mmu_gpa_protected(struct vcpu *v, u64 gpa)
{
	struct guest *g = v->guest;
	bool r;

	if (!shadowed(g))
		return false;
	mmu_lock(v);
	r = shadow_protected(&g->shadow, gpa >> PAGE_SHIFT);
	mmu_unlock(v);
	return r;
}

void mmu_guest_wrote(struct vcpu *v, u64 gpa, unsigned len)
{
	struct guest *g = v->guest;
	bool was_table;

	if (!shadowed(g))
		return;
	mmu_lock(v);
	was_table = shadow_guest_wrote(&g->shadow, gpa, len);
	if (compound(g) && was_table)
		compound_wrote(&g->compound, gpa >> PAGE_SHIFT);
	mmu_unlock(v);
}

void *mmu_lookup(struct vcpu *v, u64 gva)
{
	void *p;

	mmu_lock(v);
	p = shadow_lookup(&v->guest->shadow, gva);
	mmu_unlock(v);
	return p;
}

enum mmu_fault mmu_npf(struct vcpu *v, const struct vmexit *e)
{
	struct guest *g = v->guest;
	u64 gfn = e->npf.gpa >> PAGE_SHIFT;

	if (!compound(g) || e->npf.gpa >= g->cfg.mem || !e->npf.write ||
	    !shadow_protected(&g->shadow, gfn))
		return MMU_NOT_MINE;
	if (fault_loop(v, e->npf.gpa,
		       e->npf.walk ? "page-walk write to a protected table"
				   : "write to a protected table"))
		return MMU_DONE;
	if (e->npf.walk) {
		/* The CPU itself, walking a nested part of the tree, sets
		 * A/D bits in a table braid mirrors elsewhere: hand the
		 * table to the CPU everywhere. */
		g->compound.gfns[gfn].nested = 1;
		shadow_make_nested(&g->shadow, gfn);
		g->compound.stats.to_nested++;
		if (shadow_protected(&g->shadow, gfn)) {
			/* It is the active top-level table, used lower down
			 * too (a recursive mapping): mirror every path to it
			 * instead, so the CPU never walks it. */
			g->compound.gfns[gfn].nested = 0;
			shadow_reset(&g->shadow);
			apply(v, true);
		}
		return MMU_DONE;
	}
	return MMU_PT_WRITE;
}
