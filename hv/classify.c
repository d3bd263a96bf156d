// SPDX-License-Identifier: MIT
/*
 * The classification dump: enumerate the guest's own page tables (every
 * present leaf, in address order), ask the shadow/compound tree how it
 * maps each leaf, and print maximal runs of equal answers. A kernel's
 * address space has tens of thousands of runs, so at most dump_lines= of
 * them are printed (default 400); the end line always has the totals.
 */
#include "arch/x86_64/cpu.h"
#include "hv/classify.h"
#include "lib/log.h"
#include "hv/mmu.h"
#include "lib/phys.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/pte.h"

struct run {
	struct guest *g;
	u64 va, len; /* the run being built */
	unsigned kind, sw, leaf;
	unsigned count; /* runs found */
	u64 bytes[3];	/* mapped bytes by kind */
	/* Per level 1-4, a bit per guest frame: walked as a table of that
	 * level already. */
	u8 *seen;
	u64 seen_bytes; /* per level */
	u64 aliased;	/* tables met again, not walked again */
};

static const char *const kind_name[] = { "untouched", "shadow", "nested" };

static void flush_run(struct run *r)
{
	if (!r->len)
		return;
	r->bytes[r->kind] += r->len;
	if (r->g->cfg.dump_lines && r->count >= r->g->cfg.dump_lines) {
		r->count++;
		r->len = 0;
		return;
	}
	r->count++;
	kprintf("braid: region {\"guest\":\"%s\",\"t\":%llu,\"va\":\"0x%llx\","
		"\"len\":\"0x%llx\",\"kind\":\"%s\",\"switch\":%u,\"leaf\":%u}\n",
		r->g->cfg.name, (unsigned long long)guest_exits_total(r->g),
		(unsigned long long)r->va, (unsigned long long)r->len,
		kind_name[r->kind], r->sw, r->leaf);
	r->len = 0;
}

/* Add the guest leaf at @va (size of @level) to the runs. */
static void add_leaf(struct run *r, u64 va, unsigned level)
{
	struct guest *g = r->g;
	unsigned kind = SHADOW_NESTED, sw = 4;

	if (g->cfg.paging != PAGING_NESTED) {
		kind = shadow_probe(&g->shadow, va, level, &sw);
		if (kind != SHADOW_NESTED)
			sw = 0;
	}
	if (r->len && r->va + r->len == va && r->kind == kind && r->sw == sw &&
	    r->leaf == level) {
		r->len += PT_LEVEL_SIZE(level);
		return;
	}
	flush_run(r);
	r->va = va;
	r->len = PT_LEVEL_SIZE(level);
	r->kind = kind;
	r->sw = sw;
	r->leaf = level;
}

/* Canonical form of a 48-bit address (SDM 3.3.7.1). */
static u64 canonical(u64 va)
{
	return va & BIT(47) ? va | 0xffff000000000000ull : va;
}

/*
 * Each guest table page is walked at most once per level. The guest owns
 * its tables: one PML4 whose 512 entries point at itself would otherwise
 * be 512^4 leaves, and braid would walk them for hours. Walked once per
 * level, a dump reads at most four times the guest's RAM. A table met
 * again (a recursive mapping, or a table shared between two places) is
 * counted in the end line instead; real kernels rarely share a table
 * within one address space.
 */
static bool first_visit(struct run *r, u64 table, unsigned level)
{
	u64 gfn = table >> PAGE_SHIFT;
	u8 *bits = r->seen + (level - 1) * r->seen_bytes;

	if (gfn / 8 >= r->seen_bytes)
		return false; /* not RAM: nothing to read */
	if (bits[gfn / 8] & (1u << (gfn % 8))) {
		r->aliased++;
		return false;
	}
	bits[gfn / 8] |= 1u << (gfn % 8);
	return true;
}

static void walk(struct run *r, u64 table, unsigned level, u64 base)
{
	if (!first_visit(r, table, level))
		return;
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		u64 *p = guest_ptr(r->g, table + i * 8, 8), e;
		u64 va = base + ((u64)i << PT_LEVEL_SHIFT(level));

		if (!p || !((e = *p) & X86_PTE_P))
			continue;
		if (level == 1 || (level < 4 && (e & X86_PTE_PS)))
			add_leaf(r, canonical(va), level);
		else
			walk(r, e & PTE_ADDR_MASK, level - 1, va);
	}
}

/* What the CPU walks for the guest now: the guest's own tables (through
 * EPT/NPT), braid's shadow tree, or a compound tree or its twin. */
static const char *hw_walk(const struct guest *g, const struct gcpu *gc)
{
	if (g->cfg.paging == PAGING_NESTED || !gc->hw_cr3)
		return "guest";
	if (g->cfg.paging == PAGING_SHADOW)
		return "shadow";
	return gc->on_twin ? "twin" : "tree";
}

void classify_dump(struct guest *g)
{
	struct run r = { .g = g };
	struct mmu_regs m;
	unsigned long long t = guest_exits_total(g);
	const struct compound_stats *c = &g->compound.stats;
	phys_t seen;
	u64 pages;

	mmu_guest_regs(guest_bsp(g), &m);
	r.seen_bytes = ALIGN_UP(g->cfg.mem / PAGE_SIZE, 8) / 8;
	pages = ALIGN_UP(4 * r.seen_bytes, PAGE_SIZE) / PAGE_SIZE;
	seen = frame_alloc_contig(pages, PAGE_SIZE);
	if (seen) {
		r.seen = pa_to_va(seen);
		memset(r.seen, 0, 4 * r.seen_bytes);
	}
	kprintf("braid: classify-begin {\"guest\":\"%s\",\"vendor\":\"%s\","
		"\"paging\":\"%s\",\"t\":%llu,\"cr3\":\"0x%llx\","
		"\"walk\":\"%s\",\"to_twin\":%llu,\"to_tree\":%llu}\n",
		g->cfg.name, vendor->name, paging_mode_name(g->cfg.paging), t,
		(unsigned long long)m.cr3, hw_walk(g, &g->cpus[0]),
		(unsigned long long)c->to_twin, (unsigned long long)c->to_tree);
	/* Only 4-level (IA-32e) paging has the layout walked here. */
	if (seen && (m.cr0 & CR0_PG) && (m.efer & BIT(10)))
		walk(&r, m.cr3 & PTE_ADDR_MASK, 4, 0);
	flush_run(&r);
	if (seen)
		frame_free_contig(seen, pages);
	else
		pr_warn("guest %s: no memory for a classify dump", g->cfg.name);
	kprintf("braid: classify-end {\"guest\":\"%s\",\"t\":%llu,\"regions\":%u,"
		"\"printed\":%u,\"aliased\":%llu,\"bytes\":{\"untouched\":%llu,"
		"\"shadow\":%llu,\"nested\":%llu}}\n",
		g->cfg.name, t, r.count,
		g->cfg.dump_lines ? MIN(r.count, g->cfg.dump_lines) : r.count,
		(unsigned long long)r.aliased, (unsigned long long)r.bytes[0],
		(unsigned long long)r.bytes[1], (unsigned long long)r.bytes[2]);
}
