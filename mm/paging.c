// SPDX-License-Identifier: MIT
/*
 * The walker/builder. Walks always run from level 4 down to level 1 and stop
 * at the first leaf; tables are allocated on demand from the frame
 * allocator, which hands out zeroed frames.
 */
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/paging.h"
#include "lib/phys.h"

static u64 *table(phys_t pa)
{
	return pa_to_va(pa & PTE_ADDR_MASK);
}

static bool leaf_allowed(const struct pt *pt, unsigned level)
{
	return pt->leaf_levels & (1u << level);
}

int pt_init(struct pt *pt, const struct pt_format *fmt)
{
	pt->fmt = fmt;
	pt->leaf_levels = fmt->leaf_levels;
	pt->root = frame_alloc();
	pt->nr_tables = 1;
	return pt->root ? 0 : -ENOMEM;
}

u64 *pt_entry(const struct pt *pt, u64 va, unsigned level)
{
	phys_t t = pt->root;

	for (unsigned l = PT_LEVELS;; l--) {
		u64 *e = &table(t)[PT_INDEX(va, l)];

		if (l == level)
			return e;
		if (!pt->fmt->present(*e) || pt->fmt->is_leaf(*e, l))
			return NULL;
		t = *e;
	}
}

/* Replace the large leaf *e at @level by a table of leaves one level down
 * that map the same memory with the same permissions. */
static int split(struct pt *pt, u64 *e, unsigned level)
{
	const struct pt_format *f = pt->fmt;
	phys_t base = *e & PTE_ADDR_MASK & ~(PT_LEVEL_SIZE(level) - 1);
	unsigned perm = f->perm(*e);
	phys_t t = frame_alloc();
	u64 *tab;

	if (!t)
		return -ENOMEM;
	pt->nr_tables++;
	tab = table(t);
	for (unsigned i = 0; i < PT_ENTRIES; i++)
		tab[i] = f->mk_leaf(base + i * PT_LEVEL_SIZE(level - 1), perm,
				    level - 1);
	*e = f->mk_table(t);
	return 0;
}

/* The entry for @va at @level, creating tables (and splitting large pages)
 * on the way down. */
static u64 *walk_create(struct pt *pt, u64 va, unsigned level)
{
	const struct pt_format *f = pt->fmt;
	phys_t t = pt->root;

	for (unsigned l = PT_LEVELS;; l--) {
		u64 *e = &table(t)[PT_INDEX(va, l)];

		if (l == level)
			return e;
		if (!f->present(*e)) {
			phys_t next = frame_alloc();

			if (!next)
				return NULL;
			pt->nr_tables++;
			*e = f->mk_table(next);
		} else if (f->is_leaf(*e, l) && split(pt, e, l)) {
			return NULL;
		}
		t = *e;
	}
}

static unsigned best_level(const struct pt *pt, u64 va, phys_t pa, u64 left)
{
	for (unsigned l = PT_LEVELS - 1; l > 1; l--) {
		u64 sz = PT_LEVEL_SIZE(l);

		if (leaf_allowed(pt, l) && IS_ALIGNED(va | pa, sz) &&
		    left >= sz)
			return l;
	}
	return 1;
}

/* Free the table @t at @level and every table below it. */
static void free_tables(struct pt *pt, phys_t t, unsigned level)
{
	u64 *tab = table(t);

	for (unsigned i = 0; level > 1 && i < PT_ENTRIES; i++)
		if (pt->fmt->present(tab[i]) &&
		    !pt->fmt->is_leaf(tab[i], level))
			free_tables(pt, tab[i] & PTE_ADDR_MASK, level - 1);
	frame_free(t & PTE_ADDR_MASK);
	pt->nr_tables--;
}

static void set_leaf(struct pt *pt, u64 *e, u64 v, unsigned level)
{
	if (level > 1 && pt->fmt->present(*e) && !pt->fmt->is_leaf(*e, level))
		free_tables(pt, *e & PTE_ADDR_MASK, level - 1);
	*e = v;
}

int pt_map(struct pt *pt, u64 va, phys_t pa, u64 size, unsigned perm)
{
	if (!IS_ALIGNED(va | pa | size, PAGE_SIZE))
		return -EINVAL;
	while (size) {
		unsigned l = best_level(pt, va, pa, size);
		u64 *e = walk_create(pt, va, l);

		if (!e)
			return -ENOMEM;
		set_leaf(pt, e, pt->fmt->mk_leaf(pa, perm, l), l);
		va += PT_LEVEL_SIZE(l);
		pa += PT_LEVEL_SIZE(l);
		size -= PT_LEVEL_SIZE(l);
	}
	return 0;
}

/* Walk to the entry that decides @va: the first non-present entry or
 * leaf on the way down. Creates nothing. */
static u64 *walk_find(const struct pt *pt, u64 va, unsigned *level)
{
	phys_t t = pt->root;

	for (unsigned l = PT_LEVELS;; l--) {
		u64 *e = &table(t)[PT_INDEX(va, l)];

		if (l == 1 || !pt->fmt->present(*e) ||
		    pt->fmt->is_leaf(*e, l)) {
			*level = l;
			return e;
		}
		t = *e;
	}
}

int pt_unmap(struct pt *pt, u64 va, u64 size)
{
	if (!IS_ALIGNED(va | size, PAGE_SIZE))
		return -EINVAL;
	while (size) {
		unsigned l;
		u64 *e = walk_find(pt, va, &l);
		u64 span = PT_LEVEL_SIZE(l), step = span - (va & (span - 1));

		if (pt->fmt->present(*e) && step == span && size >= span) {
			*e = 0; /* a whole leaf inside the range */
		} else if (pt->fmt->present(*e)) {
			/* A large leaf only partly inside: split, look again. */
			if (split(pt, e, l))
				return -ENOMEM;
			continue;
		}
		step = MIN(step, size);
		va += step;
		size -= step;
	}
	return 0;
}

int pt_translate(const struct pt *pt, u64 va, struct pt_mapping *m)
{
	const struct pt_format *f = pt->fmt;
	phys_t t = pt->root;

	for (unsigned l = PT_LEVELS; l >= 1; l--) {
		u64 e = table(t)[PT_INDEX(va, l)];

		if (!f->present(e))
			return -ENOENT;
		if (l == 1 || f->is_leaf(e, l)) {
			u64 off = va & (PT_LEVEL_SIZE(l) - 1);

			m->pa = (e & PTE_ADDR_MASK & ~(PT_LEVEL_SIZE(l) - 1)) +
				off;
			m->level = l;
			m->perm = f->perm(e);
			return 0;
		}
		t = e;
	}
	return -ENOENT;
}

/* The first table at or below @t (at @level) that the frame allocator
 * says is free, or 0. */
static phys_t first_free_table(const struct pt *pt, phys_t t, unsigned level)
{
	u64 *tab = table(t);
	phys_t bad = frame_is_free(t & PTE_ADDR_MASK) ? t & PTE_ADDR_MASK : 0;

	for (unsigned i = 0; !bad && level > 1 && i < PT_ENTRIES; i++)
		if (pt->fmt->present(tab[i]) &&
		    !pt->fmt->is_leaf(tab[i], level))
			bad = first_free_table(pt, tab[i], level - 1);
	return bad;
}

phys_t pt_first_free_table(const struct pt *pt)
{
	return pt->root ? first_free_table(pt, pt->root, PT_LEVELS) : 0;
}

void pt_destroy(struct pt *pt)
{
	if (pt->root)
		free_tables(pt, pt->root, PT_LEVELS);
	pt->root = 0;
}
