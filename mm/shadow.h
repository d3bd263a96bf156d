/* SPDX-License-Identifier: MIT */
/*
 * Shadow paging: hypervisor-owned tables that map guest-virtual addresses
 * straight to host-physical ones, kept in step with the guest's own tables.
 *
 * Every shadow table page mirrors one guest table page (a "mirror" page,
 * same level, same entry indices), or stands in for part of a guest large
 * page (a "direct" page, which maps it in 4 KiB pieces). Shadow pages form
 * a tree under each root, filled lazily on page faults.
 *
 * Coherence comes from write protection: every guest table page that has a
 * mirror is mapped read-only in every shadow leaf (the reverse map finds
 * the writable ones when a page becomes a table), so each guest write to
 * it traps, is emulated, and zaps the shadow entries it changes. Shadow
 * roots can therefore be cached per guest CR3.
 */
#ifndef MM_SHADOW_H
#define MM_SHADOW_H

#include "lib/types.h"
#include "mm/gwalk.h"

#define SHADOW_PREFETCH	    16	/* leaves filled per hidden fault, at most */
#define SHADOW_POOL_DEFAULT 512 /* the least default pool (hv/options.c) */
/* One instruction may touch code, stack and two operands, each needing a
 * path of three pages below the root: the pool must hold at least that. */
#define SHADOW_POOL_MIN 32
#define SHADOW_ROOTS	8 /* cached roots (address spaces) per guest */
#define SHADOW_HASH	1024

struct shadow_page {
	u64 gfn;    /* mirror: the guest table page; direct: first gfn mapped */
	u32 parent; /* index of the parent page, SP_NONE for a root */
	u16 parent_idx; /* entry in the parent that points here */
	u8 level;	/* 1..4 */
	u16 children;	/* pages hanging below this one */
	bool direct;
	bool in_use;
	bool filled; /* level 1: prefetch() filled the whole table once */
	u8 pinned;   /* a root: vCPUs other than the caller running on it */
	u16 gen;     /* bumped on free, so stale reverse-map entries are seen */
	u16 nested;  /* compound with a twin: nested entries in this page */
	u32 nested_tree; /* a root: nested entries anywhere below it */
	u32 next;	 /* gfn hash chain, or free list */
	u32 prev;	 /* gfn hash chain: the page before, SP_NONE first */
};

struct shadow_rmap_entry {
	u32 sp;	 /* shadow page: level 1, or 2 for a 2 MiB leaf (kept on
		  * the list of its region's first frame) */
	u16 idx; /* leaf entry in it */
	u16 gen; /* the page's generation when the entry was made */
	u32 next;
};

struct shadow_stats {
	u64 pt_write_traps;   /* guest writes to its protected tables */
	u64 reclaims;	      /* times the pool ran dry and was emptied */
	u64 rmap_flushes;     /* times the reverse map ran dry (all RO) */
	u64 hidden_faults;    /* #PFs braid resolved itself */
	u64 prefetched;	      /* leaves filled ahead of a fault */
	u64 large_leaves;     /* 2 MiB leaves installed */
	u64 large_splits;     /* 2 MiB leaves dropped for a table inside */
	u64 reflected_faults; /* #PFs handed to the guest */
	u64 cr3_switches;
	u64 root_hits; /* CR3 switches that found a cached root */
	u64 cr3_keeps; /* CR3 switches that kept the TLB (PCID no-flush) */
	u64 invlpgs;
	u64 flushes;	  /* whole-VPID/ASID TLB flushes */
	u64 flushes_addr; /* single-address flushes (INVLPG) */
	u64 pages_peak;
	u64 unshadows; /* tree dropped: a table written as data */
	u64 wp_keeps;  /* CR0.WP toggles that kept the tree */
};

/* How the shadow code reaches the guest's RAM. */
struct shadow_ops {
	void *ctx;
	/* Host pointer to guest-physical @gpa (8 bytes), or NULL. */
	u64 *(*gpa_ptr)(void *ctx, u64 gpa);
	/* Host-physical frame backing guest frame @gfn, or 0 if none. */
	phys_t (*gfn_to_hpa)(void *ctx, u64 gfn);
	/*
	 * Compound trees only (NULL otherwise). protect: make the guest
	 * table page @gfn read-only in EPT/NPT (or writable again). nested:
	 * should the guest table @gfn be walked by the CPU itself (a nested
	 * entry) rather than mirrored? nested_installed: such an entry was
	 * written at entry @idx of compound page @sp.
	 */
	void (*protect)(void *ctx, u64 gfn, bool on);
	bool (*nested)(void *policy, u64 gfn);
	void (*nested_installed)(void *policy, u32 sp, u16 idx, u64 gfn);
	void *policy;
	/*
	 * SMP guests only (NULL otherwise): make every other vCPU of the
	 * guest forget what the tree held so far (a shootdown: each one in
	 * guest mode is made to exit, and flushes before it enters again),
	 * and return once none can still use it. Called before a freed page
	 * is reused and once a guest table is write-protected.
	 */
	void (*sync)(void *ctx);
};

struct shadow {
	struct shadow_ops ops;
	/* Compound tree: every pointer in it is a guest-physical address.
	 * The pool is seen by the guest at window_gpa, through EPT/NPT. */
	bool compound;
	u64 window_gpa;
	/* Compound only, 0 if off: the host-physical twin of the tree, page
	 * for page (twin page i stands for pool page i), which the CPU walks
	 * with EPT/NPT off while the active root has no nested entry. */
	phys_t twin;
	struct gwalk_mode mode;
	phys_t pool; /* nr_pages contiguous table pages */
	struct shadow_page *pages;
	u32 nr_pages, nr_free, free_head;
	u32 hash[SHADOW_HASH];
	u32 *rmap_head; /* per guest frame */
	/* Per 2 MiB region of guest RAM: how many of its frames are guest
	 * tables braid protects (a region with none may be one leaf). */
	u16 *tables_in_2m;
	bool large; /* 2 MiB leaves allowed (shadow_large=) */
	/* Leaves made writable for a CR0.WP=0 supervisor write to a page
	 * the guest maps read-only, since the last reset. */
	u32 wp0_leaves;
	u64 nr_gfns;
	struct shadow_rmap_entry *rmap;
	u32 nr_rmap, rmap_free;
	struct {
		u64 gcr3;
		u32 sp;
		u64 used; /* LRU stamp */
	} roots[SHADOW_ROOTS];
	u64 clock;
	/* The root the caller works on, SP_NONE in physical mode. With
	 * several vCPUs, each has its own (hv/mmu.c sets it under the
	 * guest's MMU lock); the others' are pinned. */
	u32 root;
	bool need_flush;     /* a mapping was removed or narrowed: flush TLBs */
	bool flush_self;     /* the caller loaded a root: flush its TLB */
	bool unsynced_frees; /* pages freed since the last ops.sync */
	struct shadow_stats stats;
};

#define SP_NONE 0xffffffffu

/* In a shadow leaf, a bit the CPU ignores (SDM Vol. 3A 4.5, table 4-20):
 * the guest's tables allow writes here, and the leaf is read-only only
 * because the page is one of those tables (shadow.c, protected_store()). */
#define SHADOW_GUEST_W BIT(9)
/* In a twin entry that is not present (so the CPU ignores every other
 * bit, SDM Vol. 3A 4.5): the compound entry it stands for is nested. */
#define SHADOW_TWIN_NESTED BIT(10)

enum shadow_fault {
	SHADOW_FIXED,	  /* the shadow now maps it: resume the guest */
	SHADOW_REFLECT,	  /* the guest's own tables fault: inject #PF */
	SHADOW_EMULATE,	  /* a write to a protected guest table: emulate */
	SHADOW_NO_MEMORY, /* translates to a gpa with no RAM behind it */
};

int shadow_init(struct shadow *s, u32 pool_pages, u64 guest_mem,
		const struct shadow_ops *ops);
/* Make @s a compound tree whose pages the guest sees at @window_gpa. */
void shadow_set_compound(struct shadow *s, u64 window_gpa);
/* Compound: keep a host-physical twin of the tree (-ENOMEM if no room),
 * before the first root is made. */
int shadow_enable_twin(struct shadow *s);
/* Compound with a twin: the twin of the active root, if no entry below it
 * is nested (the CPU can then walk it with EPT/NPT off), else 0. */
static inline phys_t shadow_twin_root(const struct shadow *s)
{
	if (!s->twin || s->root == SP_NONE || s->pages[s->root].nested_tree)
		return 0;
	return s->twin + (u64)s->root * PAGE_SIZE;
}
/* Compound: hand every mirror of guest table @gfn to the CPU (a nested
 * entry in its parent), and drop inactive cached roots that mirror it;
 * returns how many were switched or dropped. Only the active root can
 * keep @gfn protected afterwards. */
unsigned shadow_make_nested(struct shadow *s, u64 gfn);
/* Compound: drop the nested entry @idx of page @sp if it still points at
 * @gfn and the page is still generation @gen (the next walk mirrors it). */
bool shadow_drop_nested(struct shadow *s, u32 sp, u16 idx, u16 gen, u64 gfn);
u16 shadow_page_gen(const struct shadow *s, u32 sp);

enum shadow_kind { SHADOW_UNTOUCHED, SHADOW_MIRRORED, SHADOW_NESTED };
/* How the active tree maps the guest page at @gva (a guest leaf at level
 * @leaf): not yet, by braid's own entries, or by handing the walk to the
 * guest's table at *level (compound). */
enum shadow_kind shadow_probe(const struct shadow *s, u64 gva, unsigned leaf,
			      unsigned *level);
/* Compound: count mirror pages and nested entries per level (1..4); a
 * nested entry in a level-L page hands over a level L-1 guest table. */
void shadow_census(const struct shadow *s, u32 mirrors[5], u32 nested[5]);
void shadow_destroy(struct shadow *s);

/* Make the root for guest CR3 @gcr3 active; return its host address. */
phys_t shadow_activate(struct shadow *s, u64 gcr3, bool keep_tlb);
/* The active root's address (it moves when the pool is reclaimed): host-
 * physical, or in the window for a compound tree. Checked before every
 * entry, so inline. */
static inline phys_t shadow_root_hpa(const struct shadow *s)
{
	if (s->root == SP_NONE)
		return 0;
	return (s->compound ? s->window_gpa : s->pool) +
	       (u64)s->root * PAGE_SIZE;
}
/* Another vCPU runs on root @sp (@delta +1), or no longer (-1): reclaim
 * and root eviction leave it alone. */
void shadow_pin(struct shadow *s, u32 sp, int delta);
/* Is @sp still the root page it was at generation @gen, for guest table
 * @gfn? */
bool shadow_root_live(const struct shadow *s, u32 sp, u16 gen, u64 gfn);
static inline u64 shadow_page_gfn(const struct shadow *s, u32 sp)
{
	return s->pages[sp].gfn;
}
/* Forget every shadow page (guest paging turned off, or mode changed). */
void shadow_reset(struct shadow *s);
/* The guest's CR0.WP, EFER.NXE or CR4.SMEP may have changed: take mode
 * @m, dropping the shadow pages only where their leaves no longer hold
 * (shadow.c says when). */
void shadow_set_mode(struct shadow *s, const struct gwalk_mode *m);

/* Resolve a #PF at @gva with error code @error; @w gets the guest walk. */
enum shadow_fault shadow_fault(struct shadow *s, u64 gcr3, u64 gva, u32 error,
			       struct gwalk *w);
/* The guest wrote [gpa, gpa + len): drop the shadow entries it changed.
 * True if gpa's page was a table braid mirrors (shadow_protected() as it
 * was before the write), which the caller need not look up again. */
bool shadow_guest_wrote(struct shadow *s, u64 gpa, unsigned len);
/* Where in host memory the active tree maps guest-virtual @gva (what the
 * CPU uses while it runs on that tree), or NULL if no leaf of braid's
 * maps it: none yet, or the part of a compound tree the guest's own
 * tables map. */
void *shadow_lookup(const struct shadow *s, u64 gva);
/* Is guest frame @gfn one of the table pages braid write-protects? */
bool shadow_protected(const struct shadow *s, u64 gfn);
u32 shadow_pages_in_use(const struct shadow *s);

#endif
