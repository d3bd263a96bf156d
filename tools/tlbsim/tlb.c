// SPDX-License-Identifier: MIT
/* The translation-hardware model of tlb.h. */
#include <stdlib.h>
#include <string.h>

#include "tools/tlbsim/tlb.h"

static const unsigned size_shift[TLB_NR_SIZES] = { 12, 21, 30 };
/* Table levels a walk reads for a page of this size, from the PML4. */
static const unsigned walk_levels[TLB_NR_SIZES] = { 4, 3, 2 };

struct entry {
	bool valid;
	bool global; /* survives a CR3 load (SDM Vol. 3A 4.10.2.4) */
	uint8_t size;
	uint32_t asid;
	uint64_t vpn; /* va >> size_shift[size] */
	uint64_t lru; /* clock of the last use */
};

struct array {
	struct tlb_array_geometry g;
	unsigned sets;
	struct entry *e; /* sets * ways */
	/* Valid entries per page size: a lookup skips the sizes the array
	 * holds none of (a model speed-up, not a hardware feature). */
	unsigned nvalid[TLB_NR_SIZES];
};

struct level {
	struct array a[TLB_MAX_ARRAYS];
};

/* A page-walk cache: one fully associative array per table level. */
struct pwc {
	unsigned n;
	struct entry *e;
};

struct tlb {
	const struct tlb_geometry *g;
	struct level l1i, l1d, l2i, l2d;
	struct pwc pwc[TLB_PWC_LEVELS];
	uint64_t clock;
	/* The L1 entry of each side's last hit or fill: most accesses fall
	 * in the same page as the one before, and checking that one entry
	 * gives the answer the full lookup would, faster. [0] data, [1]
	 * instructions. */
	struct entry *hot[2];
	struct tlb_stats stats;
};

static bool array_init(struct array *a, const struct tlb_array_geometry *g)
{
	a->g = *g;
	if (!g->entries)
		return true;
	if (!g->ways || g->entries % g->ways)
		return false;
	a->sets = g->entries / g->ways;
	a->e = calloc(g->entries, sizeof(*a->e));
	return a->e != NULL;
}

static bool level_init(struct level *l, const struct tlb_level_geometry *g)
{
	for (int i = 0; i < TLB_MAX_ARRAYS; i++)
		if (!array_init(&l->a[i], &g->array[i]))
			return false;
	return true;
}

static void level_free(struct level *l)
{
	for (int i = 0; i < TLB_MAX_ARRAYS; i++)
		free(l->a[i].e);
}

struct tlb *tlb_create(const struct tlb_geometry *g)
{
	struct tlb *t = calloc(1, sizeof(*t));
	bool ok;

	if (!t)
		return NULL;
	t->g = g;
	ok = level_init(&t->l1i, &g->l1i) && level_init(&t->l1d, &g->l1d) &&
	     level_init(&t->l2d, &g->l2d) &&
	     (g->l2_unified || level_init(&t->l2i, &g->l2i));
	for (int i = 0; ok && i < TLB_PWC_LEVELS; i++) {
		t->pwc[i].n = g->pwc[i];
		t->pwc[i].e =
			calloc(g->pwc[i] ? g->pwc[i] : 1, sizeof(struct entry));
		ok = t->pwc[i].e != NULL;
	}
	if (!ok) {
		tlb_destroy(t);
		return NULL;
	}
	return t;
}

void tlb_destroy(struct tlb *t)
{
	if (!t)
		return;
	level_free(&t->l1i);
	level_free(&t->l1d);
	level_free(&t->l2i);
	level_free(&t->l2d);
	for (int i = 0; i < TLB_PWC_LEVELS; i++)
		free(t->pwc[i].e);
	free(t);
}

/* The size an array holds a page of @size as, or -1 if it cannot. */
static int held_as(const struct array *a, enum tlb_size size)
{
	if (!a->g.entries)
		return -1;
	if (size == TLB_1G && a->g.smash_1g &&
	    (a->g.sizes & TLB_SIZE_BIT(TLB_2M)))
		return TLB_2M;
	return a->g.sizes & TLB_SIZE_BIT(size) ? (int)size : -1;
}

/* Look @va up in one set-associative array; on a hit, make it the most
 * recently used. */
static struct entry *array_lookup(struct tlb *t, struct array *a, uint32_t asid,
				  uint64_t va, int size)
{
	uint64_t vpn = va >> size_shift[size];
	struct entry *set = a->e + (vpn % a->sets) * a->g.ways;

	for (unsigned w = 0; w < a->g.ways; w++) {
		struct entry *e = &set[w];

		if (e->valid && e->asid == asid && e->size == size &&
		    e->vpn == vpn) {
			e->lru = ++t->clock;
			return e;
		}
	}
	return NULL;
}

/* Put an entry in the least recently used way of its set. */
static struct entry *fill(struct tlb *t, struct entry *set, unsigned ways,
			  uint32_t asid, uint64_t vpn, int size, bool global,
			  unsigned *nvalid)
{
	struct entry *victim = &set[0];

	for (unsigned w = 0; w < ways; w++) {
		if (!set[w].valid) {
			victim = &set[w];
			break;
		}
		if (set[w].lru < victim->lru)
			victim = &set[w];
	}
	if (nvalid) {
		if (victim->valid)
			nvalid[victim->size]--;
		nvalid[size]++;
	}
	*victim = (struct entry){ .valid = true,
				  .global = global,
				  .size = (uint8_t)size,
				  .asid = asid,
				  .vpn = vpn,
				  .lru = ++t->clock };
	return victim;
}

static struct entry *array_fill(struct tlb *t, struct array *a, uint32_t asid,
				uint64_t va, int size, bool global)
{
	uint64_t vpn = va >> size_shift[size];

	return fill(t, a->e + (vpn % a->sets) * a->g.ways, a->g.ways, asid, vpn,
		    size, global, a->nvalid);
}

/* Fill the array of @l that holds pages of @size (none may: the page
 * then always misses at this level). */
static struct entry *level_fill(struct tlb *t, struct level *l, uint32_t asid,
				uint64_t va, enum tlb_size size, bool global)
{
	for (int i = 0; i < TLB_MAX_ARRAYS; i++) {
		int as = held_as(&l->a[i], size);

		if (as >= 0)
			return array_fill(t, &l->a[i], asid, va, as, global);
	}
	return NULL;
}

static bool pwc_lookup(struct tlb *t, struct pwc *p, uint32_t asid,
		       uint64_t key)
{
	for (unsigned i = 0; i < p->n; i++) {
		struct entry *e = &p->e[i];

		if (e->valid && e->asid == asid && e->vpn == key) {
			e->lru = ++t->clock;
			return true;
		}
	}
	return false;
}

/*
 * A walk: the deepest page-walk cache that holds an entry pointing at a
 * lower table lets the walk start below it (SDM Vol. 3A 4.10.3.2, "Using
 * the Paging-Structure Caches to Translate Linear Addresses"). PWC level i
 * caches the table entries of level i (0: PML4E, for va >> 39; 1: PDPTE,
 * va >> 30; 2: PDE, va >> 21) that point at a table, never leaves. Returns
 * the entries the walk reads.
 */
static unsigned walk(struct tlb *t, uint32_t asid, uint64_t va,
		     enum tlb_size size)
{
	static const unsigned key_shift[TLB_PWC_LEVELS] = { 39, 30, 21 };
	unsigned levels = walk_levels[size], start = 0;

	/* The levels above the leaf hold pointers to tables. */
	for (unsigned i = levels - 1; i-- > 0;) {
		if (pwc_lookup(t, &t->pwc[i], asid, va >> key_shift[i])) {
			start = i + 1;
			break;
		}
	}
	for (unsigned i = start; i + 1 < levels; i++)
		if (t->pwc[i].n)
			fill(t, t->pwc[i].e, t->pwc[i].n, asid,
			     va >> key_shift[i], 0, false, NULL);
	return levels - start;
}

static struct level *l2_of(struct tlb *t, bool insn)
{
	return insn && !t->g->l2_unified ? &t->l2i : &t->l2d;
}

/* Probe every array of @l at each page size it holds, as the hardware
 * looks all of them up at once: the entry that hit, or NULL. */
static struct entry *level_probe(struct tlb *t, struct level *l, uint32_t asid,
				 uint64_t va)
{
	for (int i = 0; i < TLB_MAX_ARRAYS; i++) {
		struct array *a = &l->a[i];

		if (!a->g.entries)
			continue;
		for (int s = 0; s < TLB_NR_SIZES; s++) {
			struct entry *e;

			if (!a->nvalid[s])
				continue;
			e = array_lookup(t, a, asid, va, s);
			if (e)
				return e;
		}
	}
	return NULL;
}

/* Is @e, an L1 entry, valid for @va in @asid? */
static bool hits(const struct entry *e, uint32_t asid, uint64_t va)
{
	return e && e->valid && e->asid == asid &&
	       e->vpn == va >> size_shift[e->size];
}

enum tlb_result tlb_lookup(struct tlb *t, uint32_t asid, uint64_t va, bool insn)
{
	struct tlb_side_stats *st = insn ? &t->stats.insn : &t->stats.data;
	struct level *l1 = insn ? &t->l1i : &t->l1d, *l2 = l2_of(t, insn);
	struct entry *e = t->hot[insn];

	st->accesses++;
	if (!hits(e, asid, va))
		e = level_probe(t, l1, asid, va);
	if (e) {
		e->lru = ++t->clock;
		t->hot[insn] = e;
		st->l1_hits++;
		return TLB_L1_HIT;
	}
	e = level_probe(t, l2, asid, va);
	if (e) {
		st->l2_hits++;
		t->hot[insn] = level_fill(t, l1, asid, va, e->size, e->global);
		return TLB_L2_HIT;
	}
	return TLB_MISS;
}

unsigned tlb_fill(struct tlb *t, uint32_t asid, uint64_t va, enum tlb_size size,
		  bool insn, bool global)
{
	struct tlb_side_stats *st = insn ? &t->stats.insn : &t->stats.data;
	unsigned refs = walk(t, asid, va, size);

	st->misses++;
	st->walk_refs += refs;
	level_fill(t, l2_of(t, insn), asid, va, size, global);
	t->hot[insn] =
		level_fill(t, insn ? &t->l1i : &t->l1d, asid, va, size, global);
	return refs;
}

enum tlb_result tlb_access(struct tlb *t, uint32_t asid, uint64_t va,
			   enum tlb_size size, bool insn)
{
	enum tlb_result r = tlb_lookup(t, asid, va, insn);

	if (r == TLB_MISS)
		tlb_fill(t, asid, va, size, insn, false);
	return r;
}

unsigned tlb_walk(struct tlb *t, uint32_t asid, uint64_t va, enum tlb_size size)
{
	return walk(t, asid, va, size);
}

/* Drop the entries of one array that the arguments select. */
static void array_drop(struct array *a, bool all, uint32_t asid, bool one_va,
		       uint64_t va, bool keep_global)
{
	for (unsigned i = 0; i < a->g.entries; i++) {
		struct entry *e = &a->e[i];

		if (!e->valid || (!all && e->asid != asid))
			continue;
		if (keep_global && e->global)
			continue;
		if (one_va && e->vpn != va >> size_shift[e->size])
			continue;
		e->valid = false;
		a->nvalid[e->size]--;
	}
}

static void drop(struct tlb *t, bool all, uint32_t asid, bool one_va,
		 uint64_t va, bool keep_global)
{
	struct level *levels[] = { &t->l1i, &t->l1d, &t->l2i, &t->l2d };

	for (unsigned l = 0; l < 4; l++)
		for (int i = 0; i < TLB_MAX_ARRAYS; i++)
			array_drop(&levels[l]->a[i], all, asid, one_va, va,
				   keep_global);
	for (int i = 0; i < TLB_PWC_LEVELS; i++) {
		struct array a = { .g = { t->pwc[i].n, t->pwc[i].n, 0, false },
				   .sets = 1,
				   .e = t->pwc[i].e };

		array_drop(&a, all, asid, false, 0, false);
	}
	t->stats.flushes++;
}

void tlb_flush_all(struct tlb *t)
{
	drop(t, true, 0, false, 0, false);
}

void tlb_flush_asid(struct tlb *t, uint32_t asid)
{
	drop(t, false, asid, false, 0, false);
}

void tlb_flush_nonglobal(struct tlb *t, uint32_t asid)
{
	drop(t, false, asid, false, 0, true);
}

void tlb_flush_va(struct tlb *t, uint32_t asid, uint64_t va)
{
	drop(t, false, asid, true, va, false);
}

const struct tlb_stats *tlb_stats(const struct tlb *t)
{
	return &t->stats;
}
