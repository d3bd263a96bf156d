// SPDX-License-Identifier: MIT
/*
 * The shadow MMU. See shadow.h for the scheme; in short:
 *
 *   guest CR3 ──> guest PML4 ──> guest PDPT ──> ...      (guest's tables)
 *                    ▲               ▲
 *                 mirrors         mirrors                 (same indices)
 *                    │               │
 *   hardware CR3 ─> shadow L4 ──> shadow L3 ──> ... ──> host frame
 *
 * Shadow leaves are 4 KiB; a guest 2 MiB or 1 GiB page is shadowed by
 * "direct" pages below the shadow entry that stands for the guest leaf.
 */
#include "lib/atomic.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "lib/phys.h"
#include "mm/pte.h"
#include "mm/shadow.h"

#define RMAP_PER_PAGE 128 /* reverse-map entries budgeted per shadow page */

static u64 *sp_table(const struct shadow *s, u32 i)
{
	return pa_to_va(s->pool + (u64)i * PAGE_SIZE);
}

static u64 *twin_table(const struct shadow *s, u32 i)
{
	return pa_to_va(s->twin + (u64)i * PAGE_SIZE);
}

/* The table whose leaves braid's write protection manages: the shadow
 * tree's own, or a compound tree's twin (the compound tree itself leaves
 * that to EPT/NPT). */
static u64 *leaf_table(const struct shadow *s, u32 i)
{
	return s->twin ? twin_table(s, i) : sp_table(s, i);
}

/* Does this tree protect guest tables in its own leaves? */
static bool leaf_protection(const struct shadow *s)
{
	return !s->compound || s->twin;
}

/*
 * SMP guests: make sure no other vCPU can still use what the tree held
 * (ops.sync, a shootdown). Their TLBs and paging-structure caches may
 * point into pages freed since, or allow writes the tree has just taken
 * away; the caller's own TLB is flushed before it enters, as always.
 */
static void sync_others(struct shadow *s)
{
	if (!s->ops.sync)
		return;
	s->ops.sync(s->ops.ctx);
	s->unsynced_frees = false;
	s->need_flush = false; /* the shootdown flushes every vCPU */
}

/* Where table pointers point: host-physical for a shadow tree, the
 * guest-physical window for a compound tree (docs/design.md §2). */
static u64 tree_base(const struct shadow *s)
{
	return s->compound ? s->window_gpa : s->pool;
}

static phys_t sp_pa(const struct shadow *s, u32 i)
{
	return tree_base(s) + (u64)i * PAGE_SIZE;
}

static u32 sp_of_entry(const struct shadow *s, u64 e)
{
	return (u32)(((e & PTE_ADDR_MASK) - tree_base(s)) / PAGE_SIZE);
}

/* Does entry @e point at a page of the pool? (A compound tree also holds
 * nested entries, which point at the guest's own tables.) */
static bool is_tree_ptr(const struct shadow *s, u64 e)
{
	u64 a = e & PTE_ADDR_MASK;

	return (e & X86_PTE_P) && a >= tree_base(s) &&
	       a < tree_base(s) + (u64)s->nr_pages * PAGE_SIZE;
}

static u32 hash_of(u64 gfn)
{
	return (u32)(gfn ^ (gfn >> 10)) % SHADOW_HASH;
}

u32 shadow_pages_in_use(const struct shadow *s)
{
	return s->nr_pages - s->nr_free;
}

bool shadow_protected(const struct shadow *s, u64 gfn)
{
	for (u32 i = s->hash[hash_of(gfn)]; i != SP_NONE; i = s->pages[i].next)
		if (s->pages[i].gfn == gfn)
			return true;
	return false;
}

/* Read-only for now: the guest's tables allow writes (SHADOW_GUEST_W). */
static u64 guest_w_only(u64 e)
{
	if (!(e & X86_PTE_RW))
		return e;
	return (e & ~(X86_PTE_RW | X86_PTE_D)) | SHADOW_GUEST_W;
}

/*
 * The twin of compound entry @e in a level-@level page: the same mapping
 * as the CPU sees it through EPT/NPT, in host-physical terms. A pointer
 * to a pool page points at that page's twin; a leaf at the host frame;
 * a leaf on a protected guest table is read-only (EPT/NPT protects it in
 * the compound tree, nothing would in the twin). A nested entry (the
 * guest's own table) has no twin: the root then never runs on its twin.
 * A leaf with no RAM behind it has none either: the access faults, and
 * the fault finds no RAM, as under EPT/NPT.
 *
 * With EPT/NPT off the twin is all that stands between the guest and
 * host memory, as a shadow tree is. It is safe by construction: braid
 * alone writes it, only here, from braid's own values; its pointers reach
 * only twin pages, its leaves only frames of the guest's own RAM; and it
 * is not in the window, so the guest cannot reach it.
 */
static u64 twin_entry(const struct shadow *s, unsigned level, u64 e)
{
	u64 a = e & PTE_ADDR_MASK, gfn = a >> PAGE_SHIFT, hpa;

	if (!(e & X86_PTE_P))
		return 0;
	if (level > 1 && !(e & X86_PTE_PS)) {
		if (!is_tree_ptr(s, e))
			return SHADOW_TWIN_NESTED;
		return (s->twin + (a - s->window_gpa)) | (e & ~PTE_ADDR_MASK);
	}
	if (gfn + (level == 2 ? PT_ENTRIES : 1) > s->nr_gfns)
		return 0; /* only the guest's own RAM, whole */
	hpa = s->ops.gfn_to_hpa(s->ops.ctx, gfn);
	if (!hpa || (level == 2 && (hpa & (PT_LEVEL_SIZE(2) - 1))))
		return 0;
	e = hpa | (e & ~PTE_ADDR_MASK);
	if (level == 2 ? s->tables_in_2m[gfn / PT_ENTRIES] != 0
		       : shadow_protected(s, gfn))
		e = guest_w_only(e);
	return e;
}

/* The root page above @sp (parents are braid's own records). */
static u32 root_of(const struct shadow *s, u32 sp)
{
	for (unsigned l = 0; l < 4 && s->pages[sp].parent != SP_NONE; l++)
		sp = s->pages[sp].parent;
	return sp;
}

static void count_nested(struct shadow *s, u32 sp, int delta)
{
	u32 *tree = &s->pages[root_of(s, sp)].nested_tree;

	s->pages[sp].nested += delta;
	/* The root may move to or from its twin: every vCPU on it looks
	 * again (hv/mmu.c, hw_root()). */
	if (!*tree != !(*tree + delta))
		s->need_flush = true;
	*tree += delta;
}

/* Every change to a tree entry goes through here, so that a twin, and
 * the count of nested entries below each root, stay exact. */
static void set_entry(struct shadow *s, u32 sp, unsigned idx, u64 e)
{
	u64 *t, was;

	sp_table(s, sp)[idx] = e;
	if (!s->twin)
		return;
	t = &twin_table(s, sp)[idx];
	was = *t;
	*t = twin_entry(s, s->pages[sp].level, e);
	if ((was == SHADOW_TWIN_NESTED) != (*t == SHADOW_TWIN_NESTED))
		count_nested(s, sp, *t == SHADOW_TWIN_NESTED ? 1 : -1);
}

/* Clear RW in every shadow leaf that maps @gfn writable: it is about to
 * become (or is) a guest table page that must trap writes. */
static void write_protect(struct shadow *s, u64 gfn)
{
	u32 i = s->rmap_head[gfn], next;

	for (; i != SP_NONE; i = next) {
		struct shadow_rmap_entry *r = &s->rmap[i];
		const struct shadow_page *p = &s->pages[r->sp];

		next = r->next;
		if (p->in_use && p->gen == r->gen && p->level == 1) {
			u64 *e = &leaf_table(s, r->sp)[r->idx];

			*e = guest_w_only(*e);
			s->need_flush = true;
		}
		r->next = s->rmap_free;
		s->rmap_free = i;
	}
	s->rmap_head[gfn] = SP_NONE;
}

/*
 * Drop the 2 MiB leaves of region @base (their reverse-map entries are
 * the level-2 ones on the list of the region's first frame; the rest of
 * that list stays): a guest table inside the region needs 4 KiB leaves
 * around it, so that only its own frame is read-only. Faults refill the
 * region with them.
 */
static void split_large(struct shadow *s, u64 base)
{
	u32 *link = &s->rmap_head[base];

	while (*link != SP_NONE) {
		u32 i = *link;
		struct shadow_rmap_entry *r = &s->rmap[i];
		const struct shadow_page *p = &s->pages[r->sp];
		u64 *e = &sp_table(s, r->sp)[r->idx];

		if (p->level != 2) {
			link = &r->next;
			continue;
		}
		/* Flush even if the leaf is gone: a guest that rewrote its PDE
		 * without INVLPG may still hold it in the TLB, writable, and
		 * a CR3 load that keeps the TLB would not end it. */
		if (p->in_use && p->gen == r->gen) {
			s->need_flush = true;
			if (*e & X86_PTE_PS) {
				set_entry(s, r->sp, r->idx, 0);
				s->stats.large_splits++;
			}
		}
		*link = r->next;
		r->next = s->rmap_free;
		s->rmap_free = i;
	}
}

/* Guest frame @gfn (in RAM) became one of the tables braid mirrors. */
static void protect(struct shadow *s, u64 gfn)
{
	bool pending = s->need_flush;

	s->need_flush = false;
	if (s->tables_in_2m[gfn / PT_ENTRIES]++ == 0 && leaf_protection(s))
		split_large(s, gfn & ~(u64)(PT_ENTRIES - 1));
	if (s->compound)
		s->ops.protect(s->ops.ctx, gfn, true);
	if (leaf_protection(s))
		write_protect(s, gfn);
	/* Another vCPU may still write the page through a translation it
	 * cached: not before the shootdown, as the caller reads the table
	 * next (the walk is checked again then: install()). */
	if (s->need_flush && s->ops.sync)
		sync_others(s); /* every flush asked for so far, too */
	else
		s->need_flush |= pending;
}

/* ... and is no longer: a shadow tree makes its leaves writable again
 * lazily, on the next write fault; EPT/NPT is told at once. */
static void unprotect(struct shadow *s, u64 gfn)
{
	s->tables_in_2m[gfn / PT_ENTRIES]--;
	if (s->compound)
		s->ops.protect(s->ops.ctx, gfn, false);
}

static bool rmap_add(struct shadow *s, u64 gfn, u32 sp, u16 idx)
{
	u32 i = s->rmap_free;

	if (i == SP_NONE)
		return false;
	s->rmap_free = s->rmap[i].next;
	s->rmap[i] = (struct shadow_rmap_entry){ sp, idx, s->pages[sp].gen,
						 s->rmap_head[gfn] };
	s->rmap_head[gfn] = i;
	return true;
}

/* The gfn hash chains are doubly linked: a guest may make thousands of
 * mirrors of one table, all on one chain, and freeing them one by one
 * must not walk it each time. */
static void hash_insert(struct shadow *s, u32 sp)
{
	u32 *head = &s->hash[hash_of(s->pages[sp].gfn)];

	s->pages[sp].prev = SP_NONE;
	s->pages[sp].next = *head;
	if (*head != SP_NONE)
		s->pages[*head].prev = sp;
	*head = sp;
}

static void hash_remove(struct shadow *s, u32 sp)
{
	const struct shadow_page *p = &s->pages[sp];

	if (p->prev == SP_NONE)
		s->hash[hash_of(p->gfn)] = p->next;
	else
		s->pages[p->prev].next = p->next;
	if (p->next != SP_NONE)
		s->pages[p->next].prev = p->prev;
}

/*
 * The child page braid hung at entry @i of page @sp, or SP_NONE. A
 * compound page is reachable by the guest through EPT/NPT (docs/design.md
 * §2), so its contents are never trusted: braid reads a compound tree's
 * pointers from its twin, which the guest cannot reach, and a child counts
 * only if braid's own records say it hangs exactly there.
 */
static u32 child_at(const struct shadow *s, u32 sp, unsigned i)
{
	u64 base = s->twin ? s->twin : tree_base(s);
	u64 e = s->twin ? twin_table(s, sp)[i] : sp_table(s, sp)[i];
	u64 a = e & PTE_ADDR_MASK;
	u32 c;

	if (!(e & X86_PTE_P) || (e & X86_PTE_PS) || a < base ||
	    a >= base + (u64)s->nr_pages * PAGE_SIZE)
		return SP_NONE;
	c = (u32)((a - base) / PAGE_SIZE);
	if (!s->pages[c].in_use || s->pages[c].parent != sp ||
	    s->pages[c].parent_idx != i)
		return SP_NONE;
	return c;
}

static bool is_child(const struct shadow *s, u32 sp, unsigned i)
{
	return child_at(s, sp, i) != SP_NONE;
}

/* Does entry @i of page @sp hold anything? A compound tree's twin says
 * what braid put there, whatever the guest wrote into the window. */
static bool entry_used(const struct shadow *s, u32 sp, unsigned i)
{
	return (sp_table(s, sp)[i] & X86_PTE_P) ||
	       (s->twin && twin_table(s, sp)[i]);
}

/* Free shadow page @sp and everything below it. The count of children
 * ends the scan for them early: most pages have a few, near each other. */
static void sp_free(struct shadow *s, u32 sp)
{
	struct shadow_page *p = &s->pages[sp];
	u32 c;

	for (unsigned i = 0; p->children && i < PT_ENTRIES; i++)
		if ((c = child_at(s, sp, i)) != SP_NONE)
			sp_free(s, c);
	/* Counted only while linked: a compound page the guest scribbled on
	 * (through the window) keeps its count, and its full scan. */
	if (p->parent != SP_NONE && is_child(s, p->parent, p->parent_idx))
		s->pages[p->parent].children--;
	if (p->nested && p->parent != SP_NONE)
		s->pages[root_of(s, sp)].nested_tree -= p->nested;
	if (!p->direct)
		hash_remove(s, sp);
	if (!p->direct && p->gfn < s->nr_gfns && !shadow_protected(s, p->gfn))
		unprotect(s, p->gfn);
	p->in_use = false;
	p->gen++;
	s->unsynced_frees = true;
	p->next = s->free_head;
	s->free_head = sp;
	s->nr_free++;
	s->need_flush = true;
}

static u32 sp_alloc(struct shadow *s, unsigned level, u64 gfn, bool direct,
		    u32 parent, u16 parent_idx)
{
	u32 sp = s->free_head;
	struct shadow_page *p;

	if (sp == SP_NONE)
		return SP_NONE;
	/* Another vCPU's paging-structure caches may still point at a
	 * freed page: before it holds anything else, they must be gone. */
	if (s->unsynced_frees)
		sync_others(s);
	p = &s->pages[sp];
	s->free_head = p->next;
	s->nr_free--;
	memset(sp_table(s, sp), 0, PAGE_SIZE);
	if (s->twin)
		memset(twin_table(s, sp), 0, PAGE_SIZE);
	*p = (struct shadow_page){ .gfn = gfn,
				   .parent = parent,
				   .parent_idx = parent_idx,
				   .level = level,
				   .direct = direct,
				   .in_use = true,
				   .gen = p->gen,
				   .next = SP_NONE };
	if (!direct) {
		if (!shadow_protected(s, gfn) && gfn < s->nr_gfns)
			protect(s, gfn);
		hash_insert(s, sp);
	}
	if (parent != SP_NONE)
		s->pages[parent].children++;
	s->stats.pages_peak = MAX(s->stats.pages_peak, shadow_pages_in_use(s));
	return sp;
}

/*
 * Leaves encode CR0.WP, EFER.NXE and CR4.SMEP (leaf_flags()). An NXE or
 * SMEP change, or CR0.WP going 0 -> 1 after leaves were made writable for
 * a WP=0 supervisor write to a read-only page, leaves entries that allow
 * more than the new mode does: drop them all. CR0.WP going 1 -> 0 keeps
 * the tree (its leaves allow less than WP=0 does: a supervisor write to a
 * read-only page faults and gets its WP=0 leaf then), and so does going
 * back to 1 when no WP=0 leaf was made; a kernel that toggles WP around a
 * few writes pays a rebuild at most once per toggle pair instead of
 * twice, and none when it wrote nothing read-only.
 */
void shadow_set_mode(struct shadow *s, const struct gwalk_mode *m)
{
	bool wp_on = m->wp && !s->mode.wp;

	if (m->nxe != s->mode.nxe || m->smep != s->mode.smep ||
	    (wp_on && s->wp0_leaves))
		shadow_reset(s);
	else if (m->wp != s->mode.wp)
		s->stats.wp_keeps++;
	s->mode = *m;
}

void shadow_reset(struct shadow *s)
{
	s->wp0_leaves = 0;
	for (unsigned i = 0; i < SHADOW_ROOTS; i++) {
		if (s->roots[i].sp != SP_NONE)
			sp_free(s, s->roots[i].sp);
		s->roots[i].sp = SP_NONE;
	}
	s->root = SP_NONE;
	s->need_flush = true;
}

/* Zeroed frames for a bookkeeping array, as a pointer (NULL if none). */
static void *alloc_array(u64 bytes)
{
	phys_t pa = frame_alloc_contig(bytes / PAGE_SIZE, PAGE_SIZE);

	return pa ? pa_to_va(pa) : NULL;
}

static u64 regions_bytes(const struct shadow *s)
{
	return ALIGN_UP((s->nr_gfns / PT_ENTRIES + 1) * sizeof(u16), PAGE_SIZE);
}

static int alloc_arrays(struct shadow *s, u32 pool_pages, u64 guest_mem)
{
	u64 meta = ALIGN_UP(pool_pages * sizeof(*s->pages), PAGE_SIZE);
	u64 heads, rmap;

	s->nr_gfns = guest_mem / PAGE_SIZE;
	s->nr_rmap = pool_pages * RMAP_PER_PAGE;
	heads = ALIGN_UP(s->nr_gfns * sizeof(u32), PAGE_SIZE);
	s->tables_in_2m = alloc_array(regions_bytes(s));
	rmap = ALIGN_UP((u64)s->nr_rmap * sizeof(*s->rmap), PAGE_SIZE);
	/* 2 MiB aligned when it is a whole number of 2 MiB: a compound
	 * window is then mapped with large EPT/NPT pages, cheap to walk. */
	s->pool = frame_alloc_contig(pool_pages,
				     pool_pages % 512 ? PAGE_SIZE : MiB(2));
	s->pages = alloc_array(meta);
	s->rmap_head = alloc_array(heads);
	s->rmap = alloc_array(rmap);
	if (!s->pool || !s->pages || !s->rmap_head || !s->rmap ||
	    !s->tables_in_2m)
		return -ENOMEM;
	return 0;
}

int shadow_init(struct shadow *s, u32 pool_pages, u64 guest_mem,
		const struct shadow_ops *ops)
{
	memset(s, 0, sizeof(*s));
	s->ops = *ops;
	s->nr_pages = pool_pages;
	if (pool_pages < SHADOW_POOL_MIN ||
	    alloc_arrays(s, pool_pages, guest_mem)) {
		shadow_destroy(s);
		return -ENOMEM;
	}
	for (u32 i = 0; i < pool_pages; i++) {
		s->pages[i] = (struct shadow_page){ .next = i + 1 < pool_pages
								    ? i + 1
								    : SP_NONE };
	}
	s->free_head = 0;
	s->nr_free = pool_pages;
	for (u32 i = 0; i < s->nr_rmap; i++)
		s->rmap[i].next = i + 1 < s->nr_rmap ? i + 1 : SP_NONE;
	s->rmap_free = 0;
	memset(s->rmap_head, 0xff, s->nr_gfns * sizeof(u32));
	memset(s->hash, 0xff, sizeof(s->hash));
	for (unsigned i = 0; i < SHADOW_ROOTS; i++)
		s->roots[i].sp = SP_NONE;
	s->root = SP_NONE;
	return 0;
}

static void free_array(void *p, u64 bytes)
{
	if (p)
		frame_free_contig(va_to_pa(p),
				  ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE);
}

void shadow_destroy(struct shadow *s)
{
	if (s->pool)
		frame_free_contig(s->pool, s->nr_pages);
	if (s->twin)
		frame_free_contig(s->twin, s->nr_pages);
	if (s->pages)
		free_array(s->pages, s->nr_pages * sizeof(*s->pages));
	if (s->rmap_head)
		free_array(s->rmap_head, s->nr_gfns * sizeof(u32));
	if (s->tables_in_2m)
		free_array(s->tables_in_2m, regions_bytes(s));
	if (s->rmap)
		free_array(s->rmap, (u64)s->nr_rmap * sizeof(*s->rmap));
	memset(s, 0, sizeof(*s));
}

/* The reverse map ran dry (it also holds entries of freed pages, which
 * only go stale): make every shadow leaf read-only and start it afresh.
 * Writes fault once more and re-enter the pages they need. */
static void rmap_flush(struct shadow *s)
{
	s->stats.rmap_flushes++;
	for (u32 sp = 0; sp < s->nr_pages; sp++) {
		u64 *tab = leaf_table(s, sp);

		if (!s->pages[sp].in_use || s->pages[sp].level > 2)
			continue;
		for (unsigned i = 0; i < PT_ENTRIES; i++) {
			if (s->pages[sp].level == 2) {
				if (sp_table(s, sp)[i] & X86_PTE_PS)
					set_entry(s, sp, i, 0); /* refilled on
								 * a fault */
			} else {
				tab[i] = guest_w_only(tab[i]);
			}
		}
	}
	for (u32 i = 0; i < s->nr_rmap; i++)
		s->rmap[i].next = i + 1 < s->nr_rmap ? i + 1 : SP_NONE;
	s->rmap_free = 0;
	memset(s->rmap_head, 0xff, s->nr_gfns * sizeof(u32));
	s->need_flush = true;
	/* No writable leaf is tracked any more: none may stay cached. */
	sync_others(s);
}

/* Is cached root @sp one braid may free now? Not the caller's, nor one
 * another vCPU runs on. */
static bool root_busy(const struct shadow *s, u32 sp)
{
	return sp == s->root || s->pages[sp].pinned;
}

/* The pool ran dry: free the cached roots no vCPU runs on; if there are
 * none, empty the caller's root (its page stays). */
static void reclaim(struct shadow *s)
{
	bool freed = false;

	s->stats.reclaims++;
	for (unsigned i = 0; i < SHADOW_ROOTS; i++) {
		if (s->roots[i].sp == SP_NONE || root_busy(s, s->roots[i].sp))
			continue;
		sp_free(s, s->roots[i].sp);
		s->roots[i].sp = SP_NONE;
		freed = true;
	}
	if (freed || s->root == SP_NONE)
		return;
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		u32 c = child_at(s, s->root, i);

		if (c != SP_NONE)
			sp_free(s, c);
		set_entry(s, s->root, i, 0);
	}
	s->need_flush = true;
}

/* The slot for @gcr3: a cached root, or the least recently used slot
 * no other vCPU runs on (the caller's own root is not pinned: hv/mmu.c;
 * SHADOW_ROOTS is at least the most vCPUs a guest has). */
static unsigned root_slot(struct shadow *s, u64 gcr3, bool *hit)
{
	unsigned victim = SHADOW_ROOTS;

	for (unsigned i = 0; i < SHADOW_ROOTS; i++) {
		u32 sp = s->roots[i].sp;

		if (sp != SP_NONE && s->roots[i].gcr3 == gcr3) {
			*hit = true;
			return i;
		}
		if (sp != SP_NONE && s->pages[sp].pinned)
			continue;
		if (victim == SHADOW_ROOTS || sp == SP_NONE ||
		    s->roots[i].used < s->roots[victim].used)
			victim = i;
	}
	*hit = false;
	return victim < SHADOW_ROOTS ? victim : 0; /* not reached (above) */
}

static phys_t activate(struct shadow *s, u64 gcr3, bool count, bool keep_tlb)
{
	bool hit;
	unsigned i;

	gcr3 &= PTE_ADDR_MASK;
	i = root_slot(s, gcr3, &hit);
	s->stats.cr3_switches += count;
	/* MOV to CR3 flushes the TLB, unless CR4.PCIDE and bit 63 keep the
	 * new PCID's translations (SDM Vol. 3A 4.10.4.1). Kept ones are
	 * still exact: every change that narrows the tree or frees a page
	 * flushes every PCID (need_flush). */
	if (keep_tlb)
		s->stats.cr3_keeps += count;
	else
		s->flush_self = true;
	if (hit) {
		s->stats.root_hits += count;
	} else {
		if (s->roots[i].sp == s->root)
			s->root = SP_NONE;
		if (s->roots[i].sp != SP_NONE)
			sp_free(s, s->roots[i].sp);
		s->roots[i].sp =
			sp_alloc(s, 4, gcr3 >> PAGE_SHIFT, false, SP_NONE, 0);
		if (s->roots[i].sp == SP_NONE) {
			/* Pool dry: make room among the other roots. */
			reclaim(s);
			s->roots[i].sp = sp_alloc(s, 4, gcr3 >> PAGE_SHIFT,
						  false, SP_NONE, 0);
		}
		if (s->roots[i].sp == SP_NONE) {
			/* Still dry: every page hangs below roots other vCPUs
			 * run on (reclaim() spares them). Start afresh; they
			 * find their roots gone by generation (hv/mmu_sync.c)
			 * and make them again. */
			shadow_reset(s);
			i = root_slot(s, gcr3, &hit);
			s->roots[i].sp = sp_alloc(s, 4, gcr3 >> PAGE_SHIFT,
						  false, SP_NONE, 0);
		}
		s->roots[i].gcr3 = gcr3;
	}
	s->roots[i].used = ++s->clock;
	s->root = s->roots[i].sp;
	return sp_pa(s, s->root);
}

phys_t shadow_activate(struct shadow *s, u64 gcr3, bool keep_tlb)
{
	return activate(s, gcr3, true, keep_tlb);
}

void shadow_pin(struct shadow *s, u32 sp, int delta)
{
	s->pages[sp].pinned += delta;
}

bool shadow_root_live(const struct shadow *s, u32 sp, u16 gen, u64 gfn)
{
	const struct shadow_page *p;

	if (sp >= s->nr_pages)
		return false;
	p = &s->pages[sp];
	/* The gfn too: a generation of 16 bits can come round again. */
	return p->in_use && p->gen == gen && p->parent == SP_NONE &&
	       p->gfn == gfn;
}

/* Shadow entries above the leaves grant everything: shadow pages are
 * never shared between paths, so each leaf can carry the permissions of
 * its whole guest path, combined as the CPU would (SDM 4.6). That also
 * lets a CR0.WP=0 supervisor write go through a read-only guest path. */
#define UPPER_FLAGS (X86_PTE_P | X86_PTE_RW | X86_PTE_US | X86_PTE_A)

static u64 leaf_flags(struct shadow *s, const struct gwalk *w, u32 access,
		      u64 gfn, bool *writable)
{
	bool dirty = w->pte[w->level] & X86_PTE_D;
	bool user = w->user, table = !s->compound && shadow_protected(s, gfn);
	bool guest_w = w->writable && dirty; /* as the guest's tables say */
	u64 f = X86_PTE_P | X86_PTE_A;

	*writable = guest_w && !table;
	/* CR0.WP=0 lets the kernel write read-only pages (SDM 4.6.1): map
	 * the page writable but supervisor-only, so a user access faults
	 * again and gets the guest's own permissions back. */
	if (!w->writable && !s->mode.wp && (access & PFERR_W) &&
	    !(access & PFERR_U)) {
		guest_w = dirty;
		*writable = dirty && !shadow_protected(s, gfn);
		user = false;
		s->wp0_leaves += *writable;
	}
	if (user)
		f |= X86_PTE_US;
	if (*writable)
		f |= X86_PTE_RW | X86_PTE_D;
	else if (guest_w && table)
		f |= SHADOW_GUEST_W;
	if (!w->exec && s->mode.nxe)
		f |= X86_PTE_NX;
	return f;
}

/* Descend from the root towards @gva, creating shadow pages as the guest
 * walk @w says; return the level-1 shadow page, or SP_NONE if the pool is
 * dry. */
/* Flags of a compound entry that stands for guest entry @gpte: the CPU
 * combines them along the walk, with the guest's own entries below a
 * nested entry (SDM 4.6), so they must be the guest's. */
static u64 guest_flags(const struct shadow *s, u64 gpte)
{
	u64 f = X86_PTE_P | X86_PTE_A | (gpte & (X86_PTE_RW | X86_PTE_US));

	if (s->mode.nxe && (gpte & X86_PTE_NX))
		f |= X86_PTE_NX;
	return f;
}

#define SP_NESTED 0xfffffffeu /* descend() ended at a nested entry */

/* Fill the empty entry @idx of page @sp (level @l) on the way to @gva: a
 * new child page, or in a compound tree a nested entry. */
static u32 fill_upper(struct shadow *s, u32 sp, u16 idx, unsigned l,
		      const struct gwalk *w)
{
	bool direct = l <= w->level;
	u64 gfn = direct ? (w->gpa & ~(PT_LEVEL_SIZE(l) - 1)) >> PAGE_SHIFT
			 : w->table_gpa[l - 1] >> PAGE_SHIFT;
	u64 flags;
	u32 child;

	if (s->compound && !direct && s->ops.nested(s->ops.policy, gfn)) {
		set_entry(s, sp, idx,
			  (w->pte[l] & PTE_ADDR_MASK) |
				  guest_flags(s, w->pte[l]));
		s->ops.nested_installed(s->ops.policy, sp, idx, gfn);
		return SP_NESTED;
	}
	child = sp_alloc(s, l - 1, gfn, direct, sp, idx);
	if (child == SP_NONE)
		return SP_NONE;
	/* Below a guest large page, the guest's leaf decides. */
	flags = s->compound ? guest_flags(s, w->pte[MAX(l, w->level)])
			    : UPPER_FLAGS;
	set_entry(s, sp, idx, sp_pa(s, child) | flags);
	return child;
}

/* Is entry @idx of page @sp a 2 MiB leaf (in the tree or its twin)? */
static bool is_large(const struct shadow *s, u32 sp, u16 idx)
{
	const u64 large = X86_PTE_P | X86_PTE_PS;

	return (sp_table(s, sp)[idx] & large) == large ||
	       (s->twin && (twin_table(s, sp)[idx] & large) == large);
}

/* Descend from the root towards @gva, creating shadow pages as the guest
 * walk @w says; return the page at level @leaf (1, or 2 for a 2 MiB
 * leaf), SP_NONE if the pool is dry, or SP_NESTED where the CPU walks the
 * guest's own tables from here. A 2 MiB leaf on the way to a 4 KiB one
 * (its region now holds a guest table) makes way for a page of them. */
static u32 descend(struct shadow *s, u64 gva, const struct gwalk *w,
		   unsigned leaf)
{
	u32 sp = s->root;

	if (sp == SP_NONE)
		return SP_NONE; /* no root: the caller starts afresh */

	for (unsigned l = 4; l > leaf; l--) {
		u16 idx = PT_INDEX(gva, l);
		u32 c;

		if (is_large(s, sp, idx)) {
			set_entry(s, sp, idx, 0);
			s->need_flush = true;
		}
		if (!entry_used(s, sp, idx)) {
			c = fill_upper(s, sp, idx, l, w);
			if (c == SP_NONE || c == SP_NESTED)
				return c;
		} else if ((c = child_at(s, sp, idx)) == SP_NONE) {
			/* A nested entry (or, in a compound page without a
			 * twin, something the guest wrote there: the CPU's
			 * walk of it is still bounded by EPT/NPT). */
			return SP_NESTED;
		}
		sp = c;
	}
	return sp;
}

/*
 * Does leaf @now take away something leaf @was gave? Then the TLB must
 * forget @was. A leaf made writable once the guest's D bit is set, or
 * with A now set, widens it: the fault that led here already dropped the
 * CPU's stale entry for the address (SDM Vol. 3A 4.10.4.1): no flush.
 */
static bool narrows(u64 was, u64 now)
{
	const u64 grant = X86_PTE_P | X86_PTE_RW | X86_PTE_US;

	if (!(was & X86_PTE_P))
		return false;
	return (was & PTE_ADDR_MASK) != (now & PTE_ADDR_MASK) ||
	       (was & grant & ~now) || (now & X86_PTE_NX & ~was) ||
	       ((was ^ now) & (X86_PTE_PWT | X86_PTE_PCD | X86_PTE_G));
}

/*
 * Can the translation @w of @gva be one 2 MiB leaf? The guest maps the
 * whole 2 MiB region around it with one large page (2 MiB, 4 MiB or
 * 1 GiB), the region is guest RAM, no frame in it is a guest table braid
 * protects (a shadow leaf cannot be read-only for one 4 KiB frame of it;
 * a compound tree's are protected by EPT/NPT, 4 KiB at a time), and, for
 * a shadow leaf, one 2 MiB host chunk backs it (mm/guest_mem.h). Returns
 * the leaf's address: host-physical, or guest-physical in a compound tree.
 */
static bool large_leaf(const struct shadow *s, const struct gwalk *w, u64 *addr)
{
	u64 base = (w->gpa >> PAGE_SHIFT) & ~(u64)(PT_ENTRIES - 1);
	phys_t hpa;

	if (!s->large || w->level < 2 || base + PT_ENTRIES > s->nr_gfns)
		return false;
	if (!leaf_protection(s)) {
		*addr = base << PAGE_SHIFT;
		return true;
	}
	hpa = s->ops.gfn_to_hpa(s->ops.ctx, base);
	if (s->tables_in_2m[base / PT_ENTRIES] || !hpa ||
	    (hpa & (PT_LEVEL_SIZE(2) - 1)))
		return false;
	*addr = s->compound ? base << PAGE_SHIFT : hpa;
	return true;
}

/* Free what hangs at entry @idx of page @sp, about to become a leaf: a
 * page of 4 KiB leaves a large one replaces. */
static void clear_for_leaf(struct shadow *s, u32 sp, u16 idx)
{
	u32 c = child_at(s, sp, idx);

	if (c != SP_NONE) {
		sp_free(s, c);
		set_entry(s, sp, idx, 0);
	}
}

/* Write the leaf for walk @w at entry @idx of page @sp (level @leaf: 1,
 * or 2 for a 2 MiB leaf at @addr); @hpa backs a 4 KiB one. */
static bool fill_leaf(struct shadow *s, u32 sp, u16 idx, unsigned leaf,
		      const struct gwalk *w, u32 access, phys_t hpa, u64 addr)
{
	u64 gfn = w->gpa >> PAGE_SHIFT, flags;
	bool writable;

	flags = leaf_flags(s, w, access, gfn, &writable);
	if (leaf == 2) {
		clear_for_leaf(s, sp, idx);
		flags |= X86_PTE_PS;
		hpa = addr;
		gfn &= ~(u64)(PT_ENTRIES - 1); /* the reverse map's key */
		s->stats.large_leaves++;
	}
	/* A compound leaf holds the gpa, and EPT/NPT protects the guest's
	 * tables: only a twin needs the reverse map. */
	if (s->compound)
		hpa = leaf == 2 ? addr : gfn << PAGE_SHIFT;
	if (writable && leaf_protection(s) && !rmap_add(s, gfn, sp, idx)) {
		rmap_flush(s);
		if (!rmap_add(s, gfn, sp, idx))
			return false;
	}
	if (narrows(sp_table(s, sp)[idx], hpa | flags))
		s->need_flush = true;
	set_entry(s, sp, idx, hpa | flags);
	return true;
}

/*
 * SMP guests: the walk read the guest's tables before braid protected the
 * ones it just mirrored, and another vCPU may have written them between
 * the two (no trap yet). Now that they are protected (and that vCPU's
 * writable translations shot down: protect()), read the path again; if an
 * entry changed, drop what was built from the old one and let the access
 * fault again, to be walked anew (the time-of-check/time-of-use gap that
 * KVM's FNAME(fetch) closes the same way). Mirrored tables are current by
 * write protection; a compound tree's nested part is the CPU's own walk.
 */
static bool walk_changed(struct shadow *s, u64 gva, const struct gwalk *w)
{
	for (unsigned l = 4; l >= w->level; l--) {
		u64 gpa = w->table_gpa[l] + PT_INDEX(gva, l) * 8;
		const u64 *p = s->ops.gpa_ptr(s->ops.ctx, gpa);

		if (p && atomic_load_relaxed(p) != w->pte[l]) {
			shadow_guest_wrote(s, gpa, 8);
			return true;
		}
	}
	return false;
}

/* False if the pool is dry; *again if the walk changed under it (the
 * access faults again: nothing may be built from @w, prefetch neither). */
static bool install(struct shadow *s, u64 gva, const struct gwalk *w,
		    u32 access, phys_t hpa, bool *again)
{
	u64 addr = 0;
	unsigned leaf = large_leaf(s, w, &addr) ? 2 : 1;
	u32 sp = descend(s, gva, w, leaf);

	if (sp == SP_NONE) {
		reclaim(s);
		sp = descend(s, gva, w, leaf);
		if (sp == SP_NONE)
			return false;
	}
	*again = s->ops.sync && walk_changed(s, gva, w);
	if (*again)
		return true;
	if (sp == SP_NESTED) {
		/* The CPU walks the guest's own tables: its TLB held an
		 * older entry of theirs. */
		s->flush_self = true;
		return true;
	}
	return fill_leaf(s, sp, PT_INDEX(gva, leaf), leaf, w, access, hpa,
			 addr);
}

/* The level-1 page of the active tree on the way to @gva, or SP_NONE.
 * Only braid writes a shadow tree or a twin: a present upper entry holds
 * the host address of a page of the pool (or of the twin, page for page),
 * followed as it is; only the last one becomes a page number. On every
 * write fault (protected_store()). */
static u32 leaf_page(const struct shadow *s, u64 gva)
{
	phys_t base = s->twin ? s->twin : s->pool;
	const u64 *t;

	if (s->root == SP_NONE)
		return SP_NONE;
	t = leaf_table(s, s->root);
	for (unsigned l = 4; l > 1; l--) {
		u64 e = t[PT_INDEX(gva, l)];

		if ((e & (X86_PTE_P | X86_PTE_PS)) != X86_PTE_P)
			return SP_NONE;
		t = pa_to_va(e & PTE_ADDR_MASK);
	}
	return (u32)((va_to_pa(t) - base) / PAGE_SIZE);
}

/*
 * shadow_lookup() in a tree of host addresses (a shadow tree, or a
 * compound tree's twin). Only braid writes it, so a present upper entry
 * holds the host address of the next table itself: follow it, with no
 * detour through page numbers. The guest's instruction fetch goes
 * through here on every trapped page-table store.
 */
static void *lookup_host(const struct shadow *s, u64 gva)
{
	const u64 *t;
	u64 e = 0, size;
	unsigned l;

	if (s->root == SP_NONE)
		return NULL;
	t = leaf_table(s, s->root);
	for (l = 4; l > 1; l--) {
		e = t[PT_INDEX(gva, l)];
		if ((e & (X86_PTE_P | X86_PTE_PS)) != X86_PTE_P)
			break;
		t = pa_to_va(e & PTE_ADDR_MASK);
	}
	if (l == 1)
		e = t[PT_INDEX(gva, 1)];
	if (!(e & X86_PTE_P))
		return NULL;
	size = PT_LEVEL_SIZE(l);
	return pa_to_va((e & PTE_ADDR_MASK & ~(size - 1)) | (gva & (size - 1)));
}

/* shadow_lookup() in a compound tree without a twin: it holds
 * guest-physical addresses, and the guest can write it, so a child
 * counts only as braid's records say (is_child()). Out of line: the
 * lookup in a tree of host addresses then needs no stack frame. */
static __attribute__((noinline)) void *lookup_compound(const struct shadow *s,
						       u64 gva)
{
	u32 sp = s->root;
	u64 e = 0, size = PAGE_SIZE, addr;
	u8 *page;

	for (unsigned l = 4; l >= 1 && sp != SP_NONE; l--) {
		unsigned i = PT_INDEX(gva, l);

		e = sp_table(s, sp)[i];
		if (l == 1 || (e & (X86_PTE_P | X86_PTE_PS)) ==
				      (X86_PTE_P | X86_PTE_PS)) {
			size = PT_LEVEL_SIZE(l);
			break;
		}
		if (is_child(s, sp, i))
			sp = sp_of_entry(s, e);
		else
			sp = SP_NONE; /* nothing yet, or a nested entry */
		e = 0;
	}
	if (!(e & X86_PTE_P))
		return NULL;
	/* A compound leaf holds the guest-physical address. */
	addr = (e & PTE_ADDR_MASK & ~(size - 1)) | (gva & (size - 1));
	page = (u8 *)s->ops.gpa_ptr(s->ops.ctx, addr & ~(u64)(PAGE_SIZE - 1));
	return page ? page + (addr & (PAGE_SIZE - 1)) : NULL;
}

void *shadow_lookup(const struct shadow *s, u64 gva)
{
	/* A shadow tree or a twin holds host addresses, and only braid
	 * writes it. */
	if (leaf_protection(s))
		return lookup_host(s, gva);
	return lookup_compound(s, gva);
}

/* The guest frame leaf @idx of level-1 page @sp maps: a direct page maps
 * consecutive frames; a mirror's guest entry says (it is current: it is
 * in a protected table). 0 if it cannot be read. */
static u64 leaf_gfn(const struct shadow *s, u32 sp, u16 idx)
{
	const struct shadow_page *p = &s->pages[sp];
	u64 *gpte;

	if (p->direct)
		return p->gfn + idx;
	gpte = s->ops.gpa_ptr(s->ops.ctx, (p->gfn << PAGE_SHIFT) + idx * 8);
	return gpte ? (*gpte & PTE_ADDR_MASK) >> PAGE_SHIFT : 0;
}

/*
 * A write fault on a leaf marked SHADOW_GUEST_W, to a page still
 * protected: the guest's tables allow the write, as they did when the
 * leaf was made (any change to them since would have removed it: they are
 * all protected), so the store only needs emulating. The leaf's own guest
 * entry says where it goes; no walk of the guest's tables is needed. A
 * user access needs a user leaf (CR0.WP=0 makes some supervisor-only).
 */
static bool protected_store(struct shadow *s, u64 gva, u32 error,
			    struct gwalk *w)
{
	u16 idx = PT_INDEX(gva, 1);
	u32 sp;
	u64 e, gfn;

	if (!leaf_protection(s) || (error & (PFERR_P | PFERR_W | PFERR_RSVD |
					     PFERR_I)) != (PFERR_P | PFERR_W))
		return false;
	sp = leaf_page(s, gva);
	if (sp == SP_NONE)
		return false;
	e = leaf_table(s, sp)[idx];
	if ((e & (X86_PTE_P | X86_PTE_RW | SHADOW_GUEST_W)) !=
		    (X86_PTE_P | SHADOW_GUEST_W) ||
	    ((error & PFERR_U) && !(e & X86_PTE_US)))
		return false;
	gfn = leaf_gfn(s, sp, idx);
	if (!gfn || !shadow_protected(s, gfn))
		return false;
	w->gpa = (gfn << PAGE_SHIFT) | (gva & (PAGE_SIZE - 1));
	w->fault = false;
	return true;
}

/*
 * After filling the leaf for @gva, fill its neighbours in the same guest
 * page table, so that a guest touching nearby pages does not exit once
 * per page (as KVM's pte_prefetch and Xen's SHOPT_PREFETCH do): the whole
 * table on the first fault after it was mirrored (a table the guest has
 * already used, as after fork or a switch back to a process, costs one
 * exit instead of one per page; 512 entries looked at once, a handful of
 * exits' worth, bounds what a sparse table can cost), then an aligned
 * block of SHADOW_PREFETCH entries on each later fault. Only entries the
 * guest already marked accessed, mapped read-only unless already dirty,
 * with RAM behind them: a prefetched leaf is one the CPU could have
 * cached.
 */
static void prefetch(struct shadow *s, u64 gva, const struct gwalk *w)
{
	unsigned idx = PT_INDEX(gva, 1), first, n;
	u64 *gpt, base = gva & ~(PT_LEVEL_SIZE(2) - 1);
	struct gwalk sib;
	u32 sp;

	if (w->level != 1)
		return;
	gpt = s->ops.gpa_ptr(s->ops.ctx, w->table_gpa[1]);
	sp = descend(s, gva, w, 1);
	if (!gpt || sp == SP_NONE || sp == SP_NESTED)
		return;
	n = s->pages[sp].filled ? SHADOW_PREFETCH : PT_ENTRIES;
	first = idx & ~(n - 1);
	s->pages[sp].filled = true;
	for (unsigned i = first; i < first + n; i++) {
		u64 va = base | (u64)i << PAGE_SHIFT, gfn;
		phys_t hpa;

		if (i == idx || (sp_table(s, sp)[i] & X86_PTE_P) ||
		    !gwalk_sibling(&s->mode, w, va, gpt[i], &sib))
			continue;
		gfn = sib.gpa >> PAGE_SHIFT;
		hpa = gfn < s->nr_gfns ? s->ops.gfn_to_hpa(s->ops.ctx, gfn) : 0;
		/* The leaf page is @sp: no descent from the root per entry. */
		if (hpa && fill_leaf(s, sp, i, 1, &sib, 0, hpa, 0))
			s->stats.prefetched++;
	}
}

enum shadow_fault shadow_fault(struct shadow *s, u64 gcr3, u64 gva, u32 error,
			       struct gwalk *w)
{
	u32 access = error & (PFERR_W | PFERR_U | PFERR_I);
	bool again = false;
	phys_t hpa;
	u64 gfn;

	if (protected_store(s, gva, error, w)) {
		s->stats.hidden_faults++;
		return SHADOW_EMULATE;
	}
	gwalk(gcr3, gva, access, &s->mode, s->ops.gpa_ptr, s->ops.ctx, w);
	if (w->raced)
		return SHADOW_FIXED; /* run it again */
	if (w->fault) {
		s->stats.reflected_faults++;
		return SHADOW_REFLECT;
	}
	gfn = w->gpa >> PAGE_SHIFT;
	hpa = gfn < s->nr_gfns ? s->ops.gfn_to_hpa(s->ops.ctx, gfn) : 0;
	if (!hpa)
		return SHADOW_NO_MEMORY;
	s->stats.hidden_faults++;
	if ((access & PFERR_W) && shadow_protected(s, gfn))
		return SHADOW_EMULATE;
	/* CR0.WP=0 writes to read-only pages: a compound tree carries the
	 * guest's R/W bits above nested entries, and the supervisor-only
	 * leaf leaf_flags() makes for a user page would let the kernel run
	 * it although CR4.SMEP forbids that (SDM 4.6.1): emulate those. */
	if ((access & PFERR_W) && !w->writable &&
	    (s->compound || (s->mode.smep && w->user)))
		return SHADOW_EMULATE;
	if (!install(s, gva, w, access, hpa, &again)) {
		/* Still dry after reclaiming: empty everything, keep the
		 * current address space; the guest faults again and refills. */
		s->stats.reclaims++;
		shadow_reset(s);
		activate(s, gcr3, false, false);
		return SHADOW_FIXED;
	}
	if (!again)
		prefetch(s, gva, w);
	return SHADOW_FIXED;
}

/*
 * Drop the entries of shadow page @sp that mirror bytes [first, last] of
 * its guest table page. The TLB may keep what they mapped: the guest
 * changed its own entry, and until it invalidates (INVLPG, a CR3 load)
 * the CPU may use the old translation as well (SDM Vol. 3A 4.10.4.3), and
 * it points only at the guest's own memory. A freed subtree is another
 * matter: its pages go back to the pool and will hold other mappings,
 * which the paging-structure caches must not reach (sp_free() flushes).
 */
static void zap_range(struct shadow *s, u32 sp, unsigned first, unsigned last)
{
	for (unsigned i = first / 8; i <= last / 8; i++) {
		if (!entry_used(s, sp, i))
			continue;
		u32 c = s->pages[sp].level > 1 ? child_at(s, sp, i) : SP_NONE;

		if (c != SP_NONE)
			sp_free(s, c);
		set_entry(s, sp, i, 0);
	}
}

static bool any_present(const struct shadow *s, u32 sp, unsigned first,
			unsigned last)
{
	for (unsigned i = first / 8; i <= last / 8; i++)
		if (entry_used(s, sp, i))
			return true;
	return false;
}

bool shadow_guest_wrote(struct shadow *s, u64 gpa, unsigned len)
{
	u64 gfn = gpa >> PAGE_SHIFT;
	unsigned first = gpa & (PAGE_SIZE - 1);
	unsigned last = MIN(first + len - 1, PAGE_SIZE - 1);
	bool mirrored = false;
	u32 i;

	if (!len)
		return shadow_protected(s, gfn);
	/* One pass over the hash chain, whatever the number of mirrors (a
	 * guest can point every entry of its directories at one table). A
	 * zap frees subtrees, which may unlink the next page of this very
	 * chain (a table that maps itself): then start again from the head;
	 * mirrors already zapped have nothing left to zap. Nothing is
	 * zapped before the first mirror is met, so meeting one says what
	 * shadow_protected() would have said before the write. */
	for (i = s->hash[hash_of(gfn)]; i != SP_NONE;) {
		u32 next = s->pages[i].next;
		u16 next_gen = next != SP_NONE ? s->pages[next].gen : 0;

		if (s->pages[i].gfn == gfn)
			mirrored = true;
		if (s->pages[i].gfn == gfn && any_present(s, i, first, last)) {
			zap_range(s, i, first, last);
			if (next != SP_NONE && s->pages[next].gen != next_gen) {
				i = s->hash[hash_of(gfn)];
				continue;
			}
		}
		i = next;
	}
	if (first + len > PAGE_SIZE)
		shadow_guest_wrote(s, (gfn + 1) << PAGE_SHIFT,
				   first + len - PAGE_SIZE);
	return mirrored;
}

void shadow_set_compound(struct shadow *s, u64 window_gpa)
{
	s->compound = true;
	s->window_gpa = window_gpa;
}

int shadow_enable_twin(struct shadow *s)
{
	s->twin = frame_alloc_contig(s->nr_pages, PAGE_SIZE);
	return s->twin ? 0 : -ENOMEM;
}

/* The first mirror of @gfn below the root, or SP_NONE. */
static u32 find_mirror(const struct shadow *s, u64 gfn)
{
	for (u32 i = s->hash[hash_of(gfn)]; i != SP_NONE; i = s->pages[i].next)
		if (s->pages[i].gfn == gfn && s->pages[i].level < 4)
			return i;
	return SP_NONE;
}

/* Drop cached roots, other than the active one, that mirror @gfn: a
 * guest may reuse an old top-level table as a lower-level one. */
static unsigned evict_roots(struct shadow *s, u64 gfn)
{
	unsigned n = 0;

	for (unsigned i = 0; i < SHADOW_ROOTS; i++) {
		u32 sp = s->roots[i].sp;

		if (sp == SP_NONE || root_busy(s, sp) ||
		    s->pages[sp].gfn != gfn)
			continue;
		sp_free(s, sp);
		s->roots[i].sp = SP_NONE;
		n++;
	}
	return n;
}

unsigned shadow_make_nested(struct shadow *s, u64 gfn)
{
	unsigned n = evict_roots(s, gfn);
	u32 sp;

	while ((sp = find_mirror(s, gfn)) != SP_NONE) {
		struct shadow_page *p = &s->pages[sp];
		u64 *gpte = s->ops.gpa_ptr(
			s->ops.ctx, (s->pages[p->parent].gfn << PAGE_SHIFT) +
					    p->parent_idx * 8);
		u32 psp = p->parent;
		u16 pidx = p->parent_idx;

		/* The parent mirrors the guest table that points here, and
		 * is write-protected: its guest entry is current. */
		u64 e = gpte ? (*gpte & PTE_ADDR_MASK) | guest_flags(s, *gpte)
			     : 0;

		sp_free(s, sp); /* while still linked: see sp_free() */
		set_entry(s, psp, pidx, e);
		if (gpte)
			s->ops.nested_installed(s->ops.policy, psp, pidx, gfn);
		n++;
	}
	s->need_flush = true;
	return n;
}

bool shadow_drop_nested(struct shadow *s, u32 sp, u16 idx, u16 gen, u64 gfn)
{
	u64 *e;

	if (sp >= s->nr_pages || !s->pages[sp].in_use ||
	    s->pages[sp].gen != gen)
		return false;
	e = &sp_table(s, sp)[idx];
	if (!(*e & X86_PTE_P) || (*e & X86_PTE_PS) || is_tree_ptr(s, *e) ||
	    (*e & PTE_ADDR_MASK) != gfn << PAGE_SHIFT)
		return false;
	set_entry(s, sp, idx, 0);
	s->need_flush = true;
	return true;
}

void shadow_census(const struct shadow *s, u32 mirrors[5], u32 nested[5])
{
	memset(mirrors, 0, 5 * sizeof(u32));
	memset(nested, 0, 5 * sizeof(u32));
	for (u32 sp = 0; sp < s->nr_pages; sp++) {
		const struct shadow_page *p = &s->pages[sp];
		const u64 *tab = sp_table(s, sp);

		if (!p->in_use)
			continue;
		if (!p->direct)
			mirrors[p->level]++;
		for (unsigned i = 0; p->level > 1 && i < PT_ENTRIES; i++)
			if (s->twin ? twin_table(s, sp)[i] == SHADOW_TWIN_NESTED
				    : (tab[i] & (X86_PTE_P | X86_PTE_PS)) ==
						      X86_PTE_P &&
					      !is_tree_ptr(s, tab[i]))
				nested[p->level - 1]++;
	}
}

u16 shadow_page_gen(const struct shadow *s, u32 sp)
{
	return s->pages[sp].gen;
}

enum shadow_kind shadow_probe(const struct shadow *s, u64 gva, unsigned leaf,
			      unsigned *level)
{
	u32 sp = s->root;

	*level = 0;
	if (sp == SP_NONE)
		return SHADOW_UNTOUCHED;
	for (unsigned l = 4; l >= 1; l--) {
		unsigned i = PT_INDEX(gva, l);
		u32 c;

		if (!entry_used(s, sp, i))
			return SHADOW_UNTOUCHED;
		/* At the guest's leaf level: braid maps (part of) it. */
		if (l == leaf)
			return SHADOW_MIRRORED;
		if ((c = child_at(s, sp, i)) == SP_NONE) {
			*level = l - 1; /* the CPU walks the guest's table */
			return SHADOW_NESTED;
		}
		sp = c;
	}
	return SHADOW_MIRRORED;
}
