// SPDX-License-Identifier: MIT
/* The hardware's page walk over RAM: see hwwalk.h. */
#include <string.h>

#include "mm/pte.h"
#include "tools/tlbplugin/hwwalk.h"

bool phys_read64(const struct phys_mem *m, uint64_t pa, uint64_t *val)
{
	if (pa > m->size - 8 || (pa & 7))
		return false;
	memcpy(val, m->base + pa, 8);
	return true;
}

/* The page size of a leaf found at level @l (1: PTE, 2: PDE, 3: PDPTE). */
static enum tlb_size leaf_size(unsigned l)
{
	return l == 3 ? TLB_1G : l == 2 ? TLB_2M : TLB_4K;
}

/* One 4-level walk of @va from the table at @top (system-physical). With
 * @nested, table addresses in entries are gPAs translated through it.
 * Fills the leaf's output address and level, and the tables read. */
struct walk1 {
	uint64_t out;
	unsigned leaf_level;
	bool global;
	unsigned n;
	uint64_t table[PT_LEVELS];
	enum tlb_size nsize[PT_LEVELS];
};

static bool walk_one(const struct phys_mem *m, uint64_t top, uint64_t top_name,
		     enum tlb_size top_nsize, const uint64_t *ncr3, uint64_t va,
		     struct walk1 *r)
{
	uint64_t table_spa = top, table_name = top_name;
	enum tlb_size nsize = top_nsize;

	r->n = 0;
	for (unsigned l = PT_LEVELS; l >= 1; l--) {
		uint64_t e, next;

		r->table[r->n] = table_name;
		r->nsize[r->n++] = nsize;
		if (!phys_read64(m, table_spa + 8 * PT_INDEX(va, l), &e) ||
		    !(e & X86_PTE_P))
			return false;
		if (l == 1 || (l <= 3 && (e & X86_PTE_PS))) {
			uint64_t mask = PT_LEVEL_SIZE(l) - 1;

			r->out = (e & PTE_ADDR_MASK & ~mask) | (va & mask);
			r->leaf_level = l;
			r->global = e & X86_PTE_G;
			return true;
		}
		next = e & PTE_ADDR_MASK;
		table_name = next;
		if (!ncr3) {
			table_spa = next;
			nsize = TLB_4K;
		} else if (!npt_translate(m, *ncr3, next, &table_spa, &nsize)) {
			return false;
		}
	}
	return false;
}

bool npt_translate(const struct phys_mem *m, uint64_t ncr3, uint64_t gpa,
		   uint64_t *spa, enum tlb_size *size)
{
	struct walk1 r;

	if (!walk_one(m, ncr3, ncr3, TLB_4K, NULL, gpa, &r))
		return false;
	*spa = r.out;
	*size = leaf_size(r.leaf_level);
	return true;
}

bool hw_walk(const struct phys_mem *m, const struct hw_paging *p, uint64_t va,
	     struct hw_walk *w)
{
	enum tlb_size size, top_nsize = TLB_4K;
	uint64_t top_spa;
	struct walk1 r;

	/* The nested page size of the top table, for the nested dimension's
	 * page-walk caches; unknown (4K) if it was found by a scan. */
	if (p->np && p->root_gpa != HW_GPA_UNKNOWN)
		npt_translate(m, p->ncr3, p->root_gpa, &top_spa, &top_nsize);
	if (!walk_one(m, p->root_spa, p->root_gpa, top_nsize,
		      p->np ? &p->ncr3 : NULL, va, &r))
		return false;
	size = leaf_size(r.leaf_level);
	w->gpa = r.out;
	w->global = r.global;
	w->levels = r.n;
	memcpy(w->table_gpa, r.table, sizeof(r.table));
	memcpy(w->table_nsize, r.nsize, sizeof(r.nsize));
	w->data_nsize = TLB_4K;
	w->spa = r.out;
	if (p->np) {
		if (!npt_translate(m, p->ncr3, r.out, &w->spa, &w->data_nsize))
			return false;
		if (w->data_nsize < size)
			size = w->data_nsize;
	}
	w->size = size;
	return true;
}
