/* SPDX-License-Identifier: MIT */
/*
 * The one page-table walker and builder of braid. A struct pt_format says how
 * one kind of table encodes its entries; the walker knows nothing else, so
 * the same code builds the host's tables, EPT and NPT tables, and reads the
 * guest's own tables.
 */
#ifndef MM_PAGING_H
#define MM_PAGING_H

#include "lib/types.h"
#include "mm/pte.h"

/* Vendor-neutral permissions of a mapping. */
#define PT_R   BIT(0)
#define PT_W   BIT(1)
#define PT_X   BIT(2)
#define PT_U   BIT(3)
#define PT_RWX (PT_R | PT_W | PT_X)
/* Uncacheable: memory-mapped I/O and holes, never RAM (hostmap.c). RAM is
 * write-back in every table braid builds. */
#define PT_UC BIT(4)

struct pt_format {
	const char *name;
	/* Bitmask over levels 1..4 where a leaf may sit (bit 1 = 4 KiB). */
	unsigned leaf_levels;
	u64 (*mk_table)(phys_t next);
	u64 (*mk_leaf)(phys_t pa, unsigned perm, unsigned level);
	bool (*present)(u64 e);
	bool (*is_leaf)(u64 e, unsigned level);
	unsigned (*perm)(u64 e);
};

extern const struct pt_format pt_host; /* x86-64, supervisor */
extern const struct pt_format pt_npt;  /* x86-64 with U=1 (APM 15.25.5) */
extern const struct pt_format pt_ept;  /* Intel EPT, write-back */

struct pt {
	const struct pt_format *fmt;
	phys_t root; /* level-4 table */
	/* Levels where pt_map may place leaves: the format's, less what the
	 * CPU lacks (1 GiB pages are optional in x86-64, EPT and NPT alike). */
	unsigned leaf_levels;
	u64 nr_tables; /* table pages allocated, root included */
};

/* What a translation found. */
struct pt_mapping {
	phys_t pa;	/* the address @va translates to */
	unsigned level; /* where the leaf was: 1 = 4K, 2 = 2M, 3 = 1G */
	unsigned perm;	/* PT_* bits of the leaf entry */
};

int pt_init(struct pt *pt, const struct pt_format *fmt);
/* Forbid leaves at @level in @pt (e.g. 1 GiB pages the CPU lacks). */
static inline void pt_no_leaf_at(struct pt *pt, unsigned level)
{
	pt->leaf_levels &= ~(1u << level);
}
/* Map [va, va+size) to [pa, pa+size) with the largest pages alignment and
 * the format allow. Existing mappings in the range are replaced. */
int pt_map(struct pt *pt, u64 va, phys_t pa, u64 size, unsigned perm);
/* Remove mappings of [va, va+size), splitting large pages at the edges. */
int pt_unmap(struct pt *pt, u64 va, u64 size);
/* Translate @va; -ENOENT if it is not mapped. */
int pt_translate(const struct pt *pt, u64 va, struct pt_mapping *m);
/* The entry for @va at @level, or NULL if the walk ends above it. */
u64 *pt_entry(const struct pt *pt, u64 va, unsigned level);
/* Free every table page of @pt (not the memory it maps). */
void pt_destroy(struct pt *pt);
/* A table page of @pt that the frame allocator holds free (a table
 * still in use given back: braid's bug), or 0 when there is none. */
phys_t pt_first_free_table(const struct pt *pt);

#endif
