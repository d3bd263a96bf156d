// SPDX-License-Identifier: MIT
/*
 * tools/tlbsim: the TLB model against answers worked out by hand from the
 * geometries (strides over N pages against M entries, working sets that
 * just fit or just miss, large against small pages, flushes).
 */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/unit.h"
#include "tools/tlbsim/tlb.h"

#define KIB4 4096ull
#define MIB2 (2ull << 20)
#define GIB1 (1ull << 30)

static struct tlb *mk(const char *cpu)
{
	const struct tlb_geometry *g = tlb_geometry_find(cpu);
	struct tlb *t;

	assert_non_null(g);
	t = tlb_create(g);
	assert_non_null(t);
	return t;
}

/* Touch @n pages of @stride bytes from @base, once each, as data. */
static void sweep(struct tlb *t, uint64_t base, unsigned n, uint64_t stride,
		  enum tlb_size s)
{
	for (unsigned i = 0; i < n; i++)
		tlb_access(t, 1, base + i * stride, s, false);
}

/* The data-side counters since @before. */
static struct tlb_side_stats since(struct tlb *t, struct tlb_side_stats b)
{
	struct tlb_side_stats d = tlb_stats(t)->data;

	d.accesses -= b.accesses;
	d.l1_hits -= b.l1_hits;
	d.l2_hits -= b.l2_hits;
	d.misses -= b.misses;
	d.walk_refs -= b.walk_refs;
	return d;
}

/* A fresh TLB of @cpu swept twice over @n pages of @size from 0: the data
 * counters of the second sweep, the steady state of a cyclic sweep. */
static struct tlb_side_stats second_sweep(const char *cpu, unsigned n,
					  uint64_t stride, enum tlb_size size)
{
	struct tlb *t = mk(cpu);
	struct tlb_side_stats z, d;

	sweep(t, 0, n, stride, size);
	z = tlb_stats(t)->data;
	sweep(t, 0, n, stride, size);
	d = since(t, z);
	tlb_destroy(t);
	return d;
}

static void test_geometries(void **state)
{
	(void)state;
	assert_non_null(tlb_geometry_find("skylake"));
	assert_non_null(tlb_geometry_find("zen2"));
	assert_null(tlb_geometry_find("pentium"));
	assert_string_equal(tlb_geometry_names(), "skylake zen2");
	assert_true(strlen(tlb_geometry_find("zen2")->source) > 20);
}

/* Skylake's L1 DTLB holds 64 4K pages in 16 sets of 4: 64 consecutive
 * pages fit, 4 to a set. The first sweep misses every page and walks 4
 * levels once, then 1 (the PDE is cached: all in one 2 MiB region). */
static void test_l1_fits(void **state)
{
	struct tlb *t = mk("skylake");
	struct tlb_side_stats d, z = { 0 };

	(void)state;
	sweep(t, 0x400000, 64, KIB4, TLB_4K);
	d = since(t, z);
	assert_int_equal(d.misses, 64);
	assert_int_equal(d.walk_refs, 4 + 63);
	z = tlb_stats(t)->data;
	for (int pass = 0; pass < 4; pass++)
		sweep(t, 0x400000, 64, KIB4, TLB_4K);
	d = since(t, z);
	assert_int_equal(d.l1_hits, 256);
	assert_int_equal(d.l2_hits + d.misses, 0);
	tlb_destroy(t);
}

/* 65 pages: set 0 gets five (pages 0, 16, 32, 48, 64) for four ways, and a
 * cyclic sweep under LRU misses all five every time; the STLB has them. */
static void test_l1_one_over(void **state)
{
	struct tlb_side_stats d = second_sweep("skylake", 65, KIB4, TLB_4K);

	(void)state;
	assert_int_equal(d.l1_hits, 60);
	assert_int_equal(d.l2_hits, 5);
	assert_int_equal(d.misses, 0);
}

/* The STLB: 1536 entries, 128 sets of 12. 1536 consecutive pages fit
 * exactly; one more puts 13 pages in set 0, which all miss on every
 * sweep (and the L1 is thrashed throughout). */
static void test_stlb_fits_or_just_misses(void **state)
{
	struct tlb_side_stats d = second_sweep("skylake", 1536, KIB4, TLB_4K);

	(void)state;
	assert_int_equal(d.misses, 0);
	assert_int_equal(d.l2_hits, 1536);
	d = second_sweep("skylake", 1537, KIB4, TLB_4K);
	assert_int_equal(d.misses, 13);
	assert_int_equal(d.l2_hits, 1537 - 13);
}

/* 64 MiB touched every 4 KiB. As 2M pages: 32 pages, which Skylake's 2M
 * DTLB (32 entries, 8 sets of 4) holds: 32 misses, walks of 3 levels then
 * 1 (PDPTE cached). As 4K pages: 16384 pages, far beyond the STLB: every
 * access misses; walks read 4 entries once, 2 at each new 2 MiB region
 * (PDPTE cached) and 1 elsewhere (PDE cached; 32 PDEs fit in its 32). */
static void test_large_vs_small_pages(void **state)
{
	struct tlb *t = mk("skylake");
	struct tlb_side_stats d, z = { 0 };

	(void)state;
	sweep(t, GIB1, 16384, KIB4, TLB_2M);
	d = since(t, z);
	assert_int_equal(d.misses, 32);
	assert_int_equal(d.walk_refs, 3 + 31);
	assert_int_equal(d.l1_hits, 16384 - 32);
	tlb_destroy(t);

	t = mk("skylake");
	sweep(t, GIB1, 16384, KIB4, TLB_4K);
	d = since(t, z);
	assert_int_equal(d.misses, 16384);
	assert_int_equal(d.walk_refs, 4 + 31 * 2 + (16384 - 32));
	z = tlb_stats(t)->data;
	sweep(t, GIB1, 16384, KIB4, TLB_4K);
	d = since(t, z);
	assert_int_equal(d.misses, 16384);
	assert_int_equal(d.walk_refs, 16384);
	tlb_destroy(t);
}

static void test_flushes(void **state)
{
	struct tlb *t = mk("skylake");

	(void)state;
	assert_int_equal(tlb_access(t, 1, 0x1000, TLB_4K, false), TLB_MISS);
	assert_int_equal(tlb_access(t, 2, 0x1000, TLB_4K, false), TLB_MISS);
	assert_int_equal(tlb_access(t, 1, 0x1000, TLB_4K, false), TLB_L1_HIT);
	/* Entries are tagged: flushing space 1 leaves space 2's. */
	tlb_flush_asid(t, 1);
	assert_int_equal(tlb_access(t, 1, 0x1000, TLB_4K, false), TLB_MISS);
	assert_int_equal(tlb_access(t, 2, 0x1000, TLB_4K, false), TLB_L1_HIT);
	/* INVLPG drops one page of one space, at every level. */
	assert_int_equal(tlb_access(t, 2, 0x2000, TLB_4K, false), TLB_MISS);
	tlb_flush_va(t, 2, 0x1abc);
	assert_int_equal(tlb_access(t, 2, 0x1000, TLB_4K, false), TLB_MISS);
	assert_int_equal(tlb_access(t, 2, 0x2000, TLB_4K, false), TLB_L1_HIT);
	tlb_flush_all(t);
	assert_int_equal(tlb_access(t, 2, 0x2000, TLB_4K, false), TLB_MISS);
	assert_int_equal(tlb_access(t, 1, 0x1000, TLB_4K, false), TLB_MISS);
	assert_int_equal(tlb_stats(t)->flushes, 3);
	tlb_destroy(t);
}

/* Zen 2's L1 DTLB is fully associative (64 entries): a cyclic sweep of 65
 * pages misses it every time under LRU, and the L2 holds them all. */
static void test_fully_associative(void **state)
{
	struct tlb_side_stats d = second_sweep("zen2", 65, KIB4, TLB_4K);

	(void)state;
	assert_int_equal(d.l1_hits, 0);
	assert_int_equal(d.l2_hits, 65);
}

/* Zen 2's L2 TLBs hold a 1 GiB page as the 2 MiB piece that was used: once
 * the L1 has lost it, the same piece hits in L2 and another piece of the
 * same 1G page walks again. */
static void test_smashed_1g(void **state)
{
	struct tlb *t = mk("zen2");

	(void)state;
	assert_int_equal(tlb_access(t, 1, 0x1000, TLB_1G, false), TLB_MISS);
	sweep(t, 0x8000000000ull, 64, KIB4, TLB_4K); /* evicts the L1 */
	assert_int_equal(tlb_access(t, 1, 0x2000, TLB_1G, false), TLB_L2_HIT);
	sweep(t, 0x8000000000ull, 64, KIB4, TLB_4K);
	assert_int_equal(tlb_access(t, 1, MIB2 + 0x1000, TLB_1G, false),
			 TLB_MISS);
	tlb_destroy(t);
}

/* Skylake's STLB serves both sides; Zen 2 has separate L2 TLBs. */
static void test_unified_l2(void **state)
{
	struct tlb *t = mk("skylake");

	(void)state;
	assert_int_equal(tlb_access(t, 1, 0x5000, TLB_4K, true), TLB_MISS);
	assert_int_equal(tlb_access(t, 1, 0x5000, TLB_4K, false), TLB_L2_HIT);
	assert_int_equal(tlb_stats(t)->insn.misses, 1);
	assert_int_equal(tlb_stats(t)->data.l2_hits, 1);
	tlb_destroy(t);
	t = mk("zen2");
	assert_int_equal(tlb_access(t, 1, 0x5000, TLB_4K, true), TLB_MISS);
	assert_int_equal(tlb_access(t, 1, 0x5000, TLB_4K, false), TLB_MISS);
	tlb_destroy(t);
}

/* tlb_lookup probes every size, as the hardware does: an entry filled as
 * 2 MiB hits for any address in its page, before anything is walked. */
static void test_lookup_any_size(void **state)
{
	struct tlb *t = mk("skylake");

	(void)state;
	assert_int_equal(tlb_lookup(t, 1, MIB2 + 0x5000, false), TLB_MISS);
	assert_int_equal(tlb_fill(t, 1, MIB2 + 0x5000, TLB_2M, false, false),
			 3);
	assert_int_equal(tlb_lookup(t, 1, MIB2 + 0x1ff000, false), TLB_L1_HIT);
	assert_int_equal(tlb_lookup(t, 1, 2 * MIB2, false), TLB_MISS);
	assert_int_equal(tlb_stats(t)->data.misses, 1);
	assert_int_equal(tlb_stats(t)->data.accesses, 3);
	/* The page-walk caches now hold the PML4E and PDPTE: a 4K walk in
	 * the same 1 GiB reads the PDE and the PTE only. */
	assert_int_equal(tlb_walk(t, 1, 2 * MIB2, TLB_4K), 2);
	tlb_destroy(t);
}

/* A CR3 load keeps global entries; a flush of the space does not. */
static void test_global_entries(void **state)
{
	struct tlb *t = mk("zen2");

	(void)state;
	tlb_lookup(t, 1, 0x1000, false);
	tlb_fill(t, 1, 0x1000, TLB_4K, false, true);
	tlb_lookup(t, 1, 0x2000, false);
	tlb_fill(t, 1, 0x2000, TLB_4K, false, false);
	tlb_flush_nonglobal(t, 1);
	assert_int_equal(tlb_lookup(t, 1, 0x1000, false), TLB_L1_HIT);
	assert_int_equal(tlb_lookup(t, 1, 0x2000, false), TLB_MISS);
	tlb_flush_asid(t, 1);
	assert_int_equal(tlb_lookup(t, 1, 0x1000, false), TLB_MISS);
	tlb_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_geometries),	      T(test_l1_fits),
		T(test_l1_one_over),	      T(test_stlb_fits_or_just_misses),
		T(test_large_vs_small_pages), T(test_flushes),
		T(test_fully_associative),    T(test_smashed_1g),
		T(test_unified_l2),	      T(test_lookup_any_size),
		T(test_global_entries),
	};

	return cmocka_run_group_tests_name("tlb", tests, NULL, NULL);
}
