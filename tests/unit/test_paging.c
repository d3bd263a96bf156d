// SPDX-License-Identifier: MIT
/* mm/paging.c and mm/pt_formats.c: the page-table walker/builder. */
#include "mm/frame.h"
#include "mm/paging.h"
#include "lib/phys.h"
#include "tests/unit/fake_phys.h"
#include "tests/unit/unit.h"

#define PG	 PAGE_SIZE
#define ADDR(e)	 ((e)&PTE_ADDR_MASK)
#define FLAGS(e) ((e) & ~PTE_ADDR_MASK)

/* x86-64 bits */
#define P  X86_PTE_P
#define RW X86_PTE_RW
#define US X86_PTE_US
#define PS X86_PTE_PS
#define NX X86_PTE_NX
/* EPT bits */
/* Guest RAM: write-back, guest PAT ignored (mm/pt_formats.c). */
#define WB (EPT_MT_WB << EPT_MT_SHIFT | EPT_IPAT) /* 0x70 */

static u64 free_at_start;
static struct pt pt;

static int setup(void **state)
{
	const struct boot_mem_range map[] = {
		{ 0, KiB(640), BOOT_MEM_AVAILABLE },
		{ MiB(1), FAKE_PHYS_SIZE - MiB(1), BOOT_MEM_AVAILABLE },
	};
	(void)state;
	if (frame_init(map, 2, NULL, 0))
		return -1;
	free_at_start = frame_free_count();
	return 0;
}

/* Every table frame pt_map allocated must come back to the allocator. */
static int teardown(void **state)
{
	(void)state;
	if (pt.root)
		pt_destroy(&pt);
	pt.root = 0;
	return 0;
}

static u64 entry(u64 va, unsigned level)
{
	u64 *e = pt_entry(&pt, va, level);

	assert_non_null(e);
	return *e;
}

/* Translate @va and check pa, level and permissions. */
static void expect_map(u64 va, phys_t pa, unsigned level, unsigned perm)
{
	struct pt_mapping m = { 0, 0, 0 };

	assert_int_equal(pt_translate(&pt, va, &m), 0);
	assert_int_equal(m.pa, pa);
	assert_int_equal(m.level, level);
	assert_int_equal(m.perm, perm);
}

static void expect_unmapped(u64 va)
{
	struct pt_mapping m;

	assert_int_equal(pt_translate(&pt, va, &m), -ENOENT);
}

static void check_destroy(void)
{
	pt_destroy(&pt);
	assert_int_equal(pt.root, 0);
	assert_int_equal(pt.nr_tables, 0);
	assert_int_equal(frame_free_count(), free_at_start);
}

/* --- init / basic walk ------------------------------------------------- */

static void test_init(void **state)
{
	static const u8 zero[PAGE_SIZE];
	(void)state;
	assert_int_equal(pt_init(&pt, &pt_host), 0);
	assert_ptr_equal(pt.fmt, &pt_host);
	assert_int_not_equal(pt.root, 0);
	assert_true(IS_ALIGNED(pt.root, PG));
	assert_false(frame_is_free(pt.root));
	assert_int_equal(pt.nr_tables, 1);
	assert_int_equal(pt.leaf_levels, BIT(1) | BIT(2) | BIT(3));
	assert_memory_equal(pa_to_va(pt.root), zero, PAGE_SIZE);
	assert_int_equal(frame_free_count(), free_at_start - 1);
	expect_unmapped(0);
	expect_unmapped(0x7fffffffe000ull);
	/* Level 4 always exists; below it the walk ends. */
	assert_ptr_equal(pt_entry(&pt, GiB(1), 4), pa_to_va(pt.root));
	assert_null(pt_entry(&pt, GiB(1), 3));
	check_destroy();
}

static void test_leaf_levels_of_formats(void **state)
{
	(void)state;
	assert_int_equal(pt_host.leaf_levels, 0xe);
	assert_int_equal(pt_npt.leaf_levels, 0xe);
	assert_int_equal(pt_ept.leaf_levels, 0xe);
	assert_int_equal(pt_init(&pt, &pt_ept), 0);
	pt_no_leaf_at(&pt, 3);
	assert_int_equal(pt.leaf_levels, 0x6);
	assert_int_equal(pt_ept.leaf_levels, 0xe); /* the format is untouched */
	check_destroy();
}

static void test_map_4k_host(void **state)
{
	const u64 va = GiB(5) + MiB(6) + 7 * PG;
	u64 e4, e3, e2, e1;
	(void)state;
	assert_int_equal(pt_init(&pt, &pt_host), 0);
	assert_int_equal(pt_map(&pt, va, 0x1234000, PG, PT_R | PT_W), 0);
	assert_int_equal(pt.nr_tables, 4);
	assert_int_equal(frame_free_count(), free_at_start - 4);
	e4 = entry(va, 4);
	e3 = entry(va, 3);
	e2 = entry(va, 2);
	e1 = entry(va, 1);
	/* Table entries: present + writable, nothing else. */
	assert_int_equal(FLAGS(e4), P | RW);
	assert_int_equal(FLAGS(e3), P | RW);
	assert_int_equal(FLAGS(e2), P | RW);
	assert_false(frame_is_free(ADDR(e4)));
	assert_false(frame_is_free(ADDR(e3)));
	assert_false(frame_is_free(ADDR(e2)));
	/* The entries sit at the right indices of each table. */
	assert_ptr_equal(pt_entry(&pt, va, 4), (u64 *)pa_to_va(pt.root) + 0);
	assert_ptr_equal(pt_entry(&pt, va, 3), (u64 *)pa_to_va(ADDR(e4)) + 5);
	assert_ptr_equal(pt_entry(&pt, va, 2), (u64 *)pa_to_va(ADDR(e3)) + 3);
	assert_ptr_equal(pt_entry(&pt, va, 1), (u64 *)pa_to_va(ADDR(e2)) + 7);
	assert_int_equal(e1, 0x1234000 | P | RW | NX);
	expect_map(va, 0x1234000, 1, PT_R | PT_W);
	expect_map(va + 0xabc, 0x1234abc, 1, PT_R | PT_W);
	expect_unmapped(va - PG);
	expect_unmapped(va + PG);
	check_destroy();
}

static void test_map_2m_leaf(void **state)
{
	const u64 va = GiB(3) + MiB(4);
	(void)state;
	assert_int_equal(pt_init(&pt, &pt_host), 0);
	assert_int_equal(pt_map(&pt, va, MiB(64), MiB(2), PT_RWX), 0);
	assert_int_equal(pt.nr_tables, 3);
	assert_int_equal(entry(va, 2), MiB(64) | P | RW | PS);
	assert_null(pt_entry(&pt, va, 1));
	expect_map(va, MiB(64), 2, PT_RWX);
	expect_map(va + 0x12345, MiB(64) + 0x12345, 2, PT_RWX);
	expect_map(va + MiB(2) - 1, MiB(66) - 1, 2, PT_RWX);
	expect_unmapped(va + MiB(2));
	expect_unmapped(va - 1);
	check_destroy();
}

static void test_map_1g_leaf(void **state)
{
	(void)state;
	assert_int_equal(pt_init(&pt, &pt_host), 0);
	/* The pa need not exist: only the tables live in RAM. */
	assert_int_equal(pt_map(&pt, GiB(2), GiB(7), GiB(1), PT_R), 0);
	assert_int_equal(pt.nr_tables, 2);
	assert_int_equal(entry(GiB(2), 3), GiB(7) | P | PS | NX);
	assert_null(pt_entry(&pt, GiB(2), 2));
	expect_map(GiB(2) + 0x3456789, GiB(7) + 0x3456789, 3, PT_R);
	expect_map(GiB(3) - 1, GiB(8) - 1, 3, PT_R);
	expect_unmapped(GiB(3));
	check_destroy();
}

static void test_map_picks_largest_pages(void **state)
{
	/* [1G-8K, 2G+2M+4K): two 4K pages, a 1G page, a 2M page, a 4K page.
	 * Identity, so va and pa alignment agree. */
	const u64 va = GiB(1) - 2 * PG;
	const u64 size = 2 * PG + GiB(1) + MiB(2) + PG;
	(void)state;
	assert_int_equal(pt_init(&pt, &pt_npt), 0);
	assert_int_equal(pt_map(&pt, va, va, size, PT_R | PT_W), 0);
	expect_map(va, va, 1, PT_R | PT_W | PT_U);
	expect_map(va + PG, va + PG, 1, PT_R | PT_W | PT_U);
	expect_map(GiB(1), GiB(1), 3, PT_R | PT_W | PT_U);
	expect_map(GiB(2) - PG, GiB(2) - PG, 3, PT_R | PT_W | PT_U);
	expect_map(GiB(2), GiB(2), 2, PT_R | PT_W | PT_U);
	expect_map(GiB(2) + MiB(2), GiB(2) + MiB(2), 1, PT_R | PT_W | PT_U);
	expect_unmapped(va - PG);
	expect_unmapped(GiB(2) + MiB(2) + PG);
	/* root, PDPT, PD+PT for the low end, PD+PT for the high end */
	assert_int_equal(pt.nr_tables, 6);
	check_destroy();
}

static void test_map_misaligned_pa_uses_small_pages(void **state)
{
	/* va is 1G aligned, pa only 4K (then 2M) aligned: no large leaf may
	 * be used where the two disagree. */
	(void)state;
	assert_int_equal(pt_init(&pt, &pt_host), 0);
	assert_int_equal(pt_map(&pt, GiB(1), MiB(2) + PG, MiB(4), PT_RWX), 0);
	expect_map(GiB(1), MiB(2) + PG, 1, PT_RWX);
	expect_map(GiB(1) + MiB(4) - PG, MiB(6), 1, PT_RWX);
	assert_int_equal(pt.nr_tables, 1 + 1 + 1 + 2);
	assert_int_equal(pt_map(&pt, GiB(2), GiB(1) + MiB(2), GiB(1), PT_RWX),
			 0);
	expect_map(GiB(2), GiB(1) + MiB(2), 2, PT_RWX);
	expect_map(GiB(3) - 1, GiB(2) + MiB(2) - 1, 2, PT_RWX);
	/* Size too small for a 2M page although both are 2M aligned. */
	assert_int_equal(pt_map(&pt, GiB(4), MiB(8), MiB(2) - PG, PT_RWX), 0);
	expect_map(GiB(4), MiB(8), 1, PT_RWX);
	expect_unmapped(GiB(4) + MiB(2) - PG);
	check_destroy();
}

static void test_no_leaf_at_1g(void **state)
{
	(void)state;
	assert_int_equal(pt_init(&pt, &pt_host), 0);
	pt_no_leaf_at(&pt, 3);
	assert_int_equal(pt_map(&pt, GiB(1), GiB(1), GiB(1), PT_RWX), 0);
	assert_int_equal(pt.nr_tables, 3); /* root, PDPT, one PD */
	assert_int_equal(FLAGS(entry(GiB(1), 3)), P | RW);
	for (u64 off = 0; off < GiB(1); off += MiB(2))
		assert_int_equal(entry(GiB(1) + off, 2),
				 (GiB(1) + off) | P | RW | PS);
	expect_map(GiB(1) + MiB(1000) + 5, GiB(1) + MiB(1000) + 5, 2, PT_RWX);
	check_destroy();
}

static void test_no_leaf_at_1g_or_2m(void **state)
{
	(void)state;
	assert_int_equal(pt_init(&pt, &pt_ept), 0);
	pt_no_leaf_at(&pt, 3);
	pt_no_leaf_at(&pt, 2);
	assert_int_equal(pt_map(&pt, 0, 0, MiB(4), PT_RWX), 0);
	assert_int_equal(pt.nr_tables, 5); /* root, PDPT, PD, 2 PTs */
	assert_int_equal(entry(MiB(2), 2) & 0xff, EPT_R | EPT_W | EPT_X);
	expect_map(MiB(4) - 1, MiB(4) - 1, 1, PT_RWX | PT_U);
	assert_int_equal(entry(MiB(3), 1), MiB(3) | 7 | WB);
	check_destroy();
}

static void test_einval_for_unaligned(void **state)
{
	(void)state;
	assert_int_equal(pt_init(&pt, &pt_host), 0);
	assert_int_equal(pt_map(&pt, 0x1001, 0x2000, PG, PT_RWX), -EINVAL);
	assert_int_equal(pt_map(&pt, 0x1000, 0x2800, PG, PT_RWX), -EINVAL);
	assert_int_equal(pt_map(&pt, 0x1000, 0x2000, PG + 1, PT_RWX), -EINVAL);
	assert_int_equal(pt_map(&pt, 0x1000, 0x2000, 0x800, PT_RWX), -EINVAL);
	assert_int_equal(pt_unmap(&pt, 0x1800, PG), -EINVAL);
	assert_int_equal(pt_unmap(&pt, 0x1000, 0xfff), -EINVAL);
	/* Nothing was built. */
	assert_int_equal(pt.nr_tables, 1);
	assert_int_equal(frame_free_count(), free_at_start - 1);
	expect_unmapped(0x1000);
	/* Size 0 is a no-op. */
	assert_int_equal(pt_map(&pt, 0x1000, 0x2000, 0, PT_RWX), 0);
	expect_unmapped(0x1000);
	check_destroy();
}

/* --- entry encodings ------------------------------------------------- */

struct enc {
	unsigned perm;
	u64 host, npt, ept;			/* flag bits of a 4K leaf */
	unsigned back_host, back_npt, back_ept; /* perm read back */
};

static const struct enc encodings[] = {
	{ PT_R, P | NX, P | US | NX, EPT_R | WB, PT_R, PT_R | PT_U,
	  PT_R | PT_U },
	{ PT_R | PT_W, P | RW | NX, P | RW | US | NX, EPT_R | EPT_W | WB,
	  PT_R | PT_W, PT_R | PT_W | PT_U, PT_R | PT_W | PT_U },
	{ PT_R | PT_X, P, P | US, EPT_R | EPT_X | WB, PT_R | PT_X,
	  PT_R | PT_X | PT_U, PT_R | PT_X | PT_U },
	{ PT_RWX, P | RW, P | RW | US, EPT_R | EPT_W | EPT_X | WB, PT_RWX,
	  PT_RWX | PT_U, PT_RWX | PT_U },
	{ PT_RWX | PT_U, P | RW | US, P | RW | US, EPT_R | EPT_W | EPT_X | WB,
	  PT_RWX | PT_U, PT_RWX | PT_U, PT_RWX | PT_U },
	{ PT_R | PT_U, P | US | NX, P | US | NX, EPT_R | WB, PT_R | PT_U,
	  PT_R | PT_U, PT_R | PT_U },
	{ PT_X, P | 0, P | US, EPT_X | WB, PT_R | PT_X, PT_R | PT_X | PT_U,
	  PT_X | PT_U },
};

static void check_encodings(const struct pt_format *fmt, u64 table_flags)
{
	for (unsigned i = 0; i < ARRAY_SIZE(encodings); i++) {
		const struct enc *c = &encodings[i];
		u64 flags = fmt == &pt_host  ? c->host
			    : fmt == &pt_npt ? c->npt
					     : c->ept;
		unsigned back = fmt == &pt_host	 ? c->back_host
				: fmt == &pt_npt ? c->back_npt
						 : c->back_ept;
		u64 large = fmt == &pt_ept ? EPT_PS : X86_PTE_PS;
		u64 va4 = GiB(8) + i * PG, va2 = GiB(9) + i * MiB(2);
		u64 va1 = GiB(16) + i * GiB(1);

		assert_int_equal(pt_init(&pt, fmt), 0);
		assert_int_equal(pt_map(&pt, va4, MiB(40), PG, c->perm), 0);
		assert_int_equal(pt_map(&pt, va2, MiB(40), MiB(2), c->perm), 0);
		assert_int_equal(pt_map(&pt, va1, GiB(40), GiB(1), c->perm), 0);
		assert_int_equal(entry(va4, 1), MiB(40) | flags);
		assert_int_equal(entry(va2, 2), MiB(40) | flags | large);
		assert_int_equal(entry(va1, 3), GiB(40) | flags | large);
		assert_int_equal(FLAGS(entry(va4, 4)), table_flags);
		assert_int_equal(FLAGS(entry(va4, 3)), table_flags);
		assert_int_equal(FLAGS(entry(va4, 2)), table_flags);
		expect_map(va4 + 8, MiB(40) + 8, 1, back);
		expect_map(va2 + MiB(1), MiB(41), 2, back);
		expect_map(va1 + MiB(3), GiB(40) + MiB(3), 3, back);
		check_destroy();
	}
}

static void test_entries_host(void **state)
{
	(void)state;
	check_encodings(&pt_host, P | RW);
}

static void test_entries_npt(void **state)
{
	(void)state;
	check_encodings(&pt_npt, P | RW | US);
}

static void test_entries_ept(void **state)
{
	(void)state;
	check_encodings(&pt_ept, EPT_R | EPT_W | EPT_X);
}

static void test_ept_exact_values(void **state)
{
	/* Spelled out, independent of the pte.h names. */
	(void)state;
	assert_int_equal(pt_init(&pt, &pt_ept), 0);
	assert_int_equal(pt_map(&pt, 0, 0x5000, PG, PT_RWX), 0);
	assert_int_equal(pt_map(&pt, MiB(2), MiB(2), MiB(2), PT_R | PT_W), 0);
	assert_int_equal(pt_map(&pt, GiB(1), GiB(1), GiB(1), PT_R), 0);
	/* MT 6 (WB) at bits 5:3, IPAT at bit 6, PS at bit 7. */
	assert_int_equal(entry(0, 1), 0x5077);
	assert_int_equal(entry(MiB(2), 2), 0x2000f3);
	assert_int_equal(entry(GiB(1), 3), 0x400000f1);
	assert_int_equal(entry(0, 4) & 0xfff, 0x007);
	check_destroy();
}

static void test_host_npt_exact_values(void **state)
{
	(void)state;
	assert_int_equal(pt_init(&pt, &pt_host), 0);
	assert_int_equal(pt_map(&pt, 0, 0x5000, PG, PT_RWX), 0);
	assert_int_equal(pt_map(&pt, MiB(2), MiB(2), MiB(2), PT_R | PT_W), 0);
	assert_int_equal(entry(0, 1), 0x5003);
	assert_int_equal(entry(MiB(2), 2), 0x8000000000200083ull);
	assert_int_equal(entry(0, 4) & 0xfff, 0x003);
	check_destroy();
	assert_int_equal(pt_init(&pt, &pt_npt), 0);
	assert_int_equal(pt_map(&pt, 0, 0x5000, PG, PT_RWX), 0);
	assert_int_equal(pt_map(&pt, GiB(1), GiB(1), GiB(1), PT_R), 0);
	assert_int_equal(entry(0, 1), 0x5007);
	assert_int_equal(entry(GiB(1), 3), 0x8000000040000085ull);
	assert_int_equal(entry(0, 4) & 0xfff, 0x007);
	assert_int_equal(entry(0, 3) & 0xfff, 0x007);
	assert_int_equal(entry(0, 2) & 0xfff, 0x007);
	check_destroy();
}

/* --- high addresses ---------------------------------------------------- */

static void test_all_pml4_slots(void **state)
{
	(void)state;
	assert_int_equal(pt_init(&pt, &pt_host), 0);
	/* Slot 511 (top of the canonical higher half) and slot 256. */
	assert_int_equal(
		pt_map(&pt, 0xffffffffc0000000ull, GiB(3), GiB(1), PT_RWX), 0);
	assert_int_equal(pt_map(&pt, 0xffff800000000000ull, MiB(6), PG, PT_R),
			 0);
	assert_int_equal(pt_map(&pt, GiB(512), MiB(8), PG, PT_R), 0);
	expect_map(0xffffffffc0001234ull, GiB(3) + 0x1234, 3, PT_RWX);
	expect_map(0xffff800000000010ull, MiB(6) + 0x10, 1, PT_R);
	expect_map(GiB(512) + 0x20, MiB(8) + 0x20, 1, PT_R);
	expect_unmapped(0);
	expect_unmapped(0xffff808000000000ull); /* slot 257 */
	assert_ptr_equal(pt_entry(&pt, 0xffffffffc0000000ull, 4),
			 (u64 *)pa_to_va(pt.root) + 511);
	assert_ptr_equal(pt_entry(&pt, 0xffff800000000000ull, 4),
			 (u64 *)pa_to_va(pt.root) + 256);
	assert_ptr_equal(pt_entry(&pt, GiB(512), 4),
			 (u64 *)pa_to_va(pt.root) + 1);
	check_destroy();
}

/* --- unmapping --------------------------------------------------------- */

static void test_unmap_4k_from_1g_splits(void **state)
{
	const u64 hole = GiB(1) + MiB(2) + 3 * PG;
	unsigned perm = PT_R | PT_W; /* not X: NX must survive the split */
	(void)state;
	assert_int_equal(pt_init(&pt, &pt_host), 0);
	assert_int_equal(pt_map(&pt, GiB(1), GiB(5), GiB(1), perm), 0);
	assert_int_equal(pt.nr_tables, 2);
	assert_int_equal(pt_unmap(&pt, hole, PG), 0);
	/* The 1G page became a PD of 2M pages, one of them a PT. */
	assert_int_equal(pt.nr_tables, 4);
	assert_int_equal(FLAGS(entry(GiB(1), 3)), P | RW);
	assert_int_equal(FLAGS(entry(hole, 2)), P | RW);
	expect_unmapped(hole);
	expect_unmapped(hole + PG - 1);
	assert_int_equal(entry(hole, 1), 0);
	/* Neighbours keep the translation and permissions. */
	expect_map(hole - PG, GiB(5) + MiB(2) + 2 * PG, 1, perm);
	expect_map(hole + PG, GiB(5) + MiB(2) + 4 * PG, 1, perm);
	expect_map(GiB(1) + MiB(2), GiB(5) + MiB(2), 1, perm);
	expect_map(GiB(1) + MiB(4) - 1, GiB(5) + MiB(4) - 1, 1, perm);
	expect_map(GiB(1), GiB(5), 2, perm);
	expect_map(GiB(1) + MiB(4), GiB(5) + MiB(4), 2, perm);
	expect_map(GiB(2) - 1, GiB(6) - 1, 2, perm);
	/* Exact bits of the split pieces. */
	assert_int_equal(entry(GiB(1), 2), GiB(5) | P | RW | PS | NX);
	assert_int_equal(entry(GiB(2) - MiB(2), 2),
			 (GiB(6) - MiB(2)) | P | RW | PS | NX);
	assert_int_equal(entry(hole - PG, 1),
			 (GiB(5) + MiB(2) + 2 * PG) | P | RW | NX);
	for (u64 off = 0; off < MiB(2); off += PG) {
		if (GiB(1) + MiB(2) + off == hole)
			continue;
		assert_int_equal(entry(GiB(1) + MiB(2) + off, 1),
				 (GiB(5) + MiB(2) + off) | P | RW | NX);
	}
	check_destroy();
}

/* PT_UC: EPT memory type 0 without IPAT; x86-64 PCD|PWT (PAT entry 3);
 * both survive a split. */
static void test_uncacheable(void **state)
{
	(void)state;
	assert_int_equal(pt_init(&pt, &pt_ept), 0);
	assert_int_equal(pt_map(&pt, 0, 0, GiB(1), PT_R | PT_W | PT_UC), 0);
	assert_int_equal(entry(0, 3) & 0xfff, 0x83);
	assert_int_equal(pt_unmap(&pt, MiB(10), MiB(2)), 0);
	expect_map(MiB(12), MiB(12), 2, PT_R | PT_W | PT_U | PT_UC);
	assert_int_equal(entry(MiB(12), 2), MiB(12) | 0x83);
	check_destroy();
	assert_int_equal(pt_init(&pt, &pt_host), 0);
	assert_int_equal(pt_map(&pt, 0, 0, MiB(2), PT_RWX | PT_UC), 0);
	assert_int_equal(pt_map(&pt, MiB(2), MiB(2), MiB(2), PT_RWX), 0);
	assert_int_equal(entry(0, 2) & 0xfff, 0x9b);
	assert_int_equal(entry(MiB(2), 2) & 0xfff, 0x83);
	assert_int_equal(pt_unmap(&pt, 0, PG), 0);
	expect_map(PG, PG, 1, PT_RWX | PT_UC);
	check_destroy();
}

static void test_unmap_ept_split_keeps_perm(void **state)
{
	(void)state;
	assert_int_equal(pt_init(&pt, &pt_ept), 0);
	assert_int_equal(pt_map(&pt, 0, 0, GiB(1), PT_R | PT_X), 0);
	assert_int_equal(pt_unmap(&pt, MiB(10), MiB(2)), 0);
	assert_int_equal(pt.nr_tables, 3);
	expect_unmapped(MiB(10));
	expect_unmapped(MiB(12) - 1);
	expect_map(MiB(10) - 1, MiB(10) - 1, 2, PT_R | PT_X | PT_U);
	expect_map(MiB(12), MiB(12), 2, PT_R | PT_X | PT_U);
	assert_int_equal(entry(MiB(12), 2), MiB(12) | 0x80 | 0x70 | 0x5);
	assert_int_equal(entry(0, 3) & 0xfff, 0x7);
	check_destroy();
}

static void test_unmap_across_large_page_edges(void **state)
{
	/* Three 2M pages [2M, 8M); unmap [3M, 7M): keep [2M, 3M) and
	 * [7M, 8M) as 4K pages, [4M, 6M) becomes not present. */
	(void)state;
	assert_int_equal(pt_init(&pt, &pt_npt), 0);
	assert_int_equal(pt_map(&pt, MiB(2), GiB(2) + MiB(2), MiB(6), PT_R), 0);
	assert_int_equal(pt.nr_tables, 3);
	assert_int_equal(pt_unmap(&pt, MiB(3), MiB(4)), 0);
	assert_int_equal(pt.nr_tables, 5);
	expect_map(MiB(2), GiB(2) + MiB(2), 1, PT_R | PT_U);
	expect_map(MiB(3) - 1, GiB(2) + MiB(3) - 1, 1, PT_R | PT_U);
	expect_unmapped(MiB(3));
	expect_unmapped(MiB(4));
	expect_unmapped(MiB(6) - 1);
	expect_unmapped(MiB(7) - 1);
	expect_map(MiB(7), GiB(2) + MiB(7), 1, PT_R | PT_U);
	expect_map(MiB(8) - 1, GiB(2) + MiB(8) - 1, 1, PT_R | PT_U);
	expect_unmapped(MiB(8));
	assert_int_equal(entry(MiB(4), 2), 0);
	assert_int_equal(entry(MiB(7), 1), (GiB(2) + MiB(7)) | P | US | NX);
	check_destroy();
}

static void test_unmap_whole_large_pages(void **state)
{
	(void)state;
	assert_int_equal(pt_init(&pt, &pt_host), 0);
	assert_int_equal(pt_map(&pt, 0, 0, GiB(2), PT_RWX), 0);
	assert_int_equal(pt_unmap(&pt, GiB(1), GiB(1)), 0);
	assert_int_equal(pt.nr_tables, 2);
	assert_int_equal(entry(GiB(1), 3), 0);
	expect_unmapped(GiB(1));
	expect_map(GiB(1) - 1, GiB(1) - 1, 3, PT_RWX);
	/* Unmapping what was never mapped is fine too. */
	assert_int_equal(pt_unmap(&pt, GiB(100), MiB(4)), 0);
	expect_unmapped(GiB(100));
	check_destroy();
}

static void test_unmap_4k_pages_then_remap(void **state)
{
	(void)state;
	assert_int_equal(pt_init(&pt, &pt_host), 0);
	assert_int_equal(pt_map(&pt, 0x400000, 0x800000, 16 * PG, PT_RWX), 0);
	assert_int_equal(pt_unmap(&pt, 0x404000, 2 * PG), 0);
	expect_map(0x403000, 0x803000, 1, PT_RWX);
	expect_unmapped(0x404000);
	expect_unmapped(0x405000);
	expect_map(0x406000, 0x806000, 1, PT_RWX);
	assert_int_equal(pt_map(&pt, 0x404000, 0x1000000, PG, PT_R), 0);
	expect_map(0x404000, 0x1000000, 1, PT_R);
	assert_int_equal(pt.nr_tables, 4);
	check_destroy();
}

/* --- remapping --------------------------------------------------------- */

static void test_remap_large_over_tables_frees_them(void **state)
{
	u64 pd, pt1;
	(void)state;
	assert_int_equal(pt_init(&pt, &pt_host), 0);
	/* 2M of 4K pages (pa not 2M aligned). */
	assert_int_equal(pt_map(&pt, MiB(2), MiB(2) + PG, MiB(2), PT_R), 0);
	assert_int_equal(pt.nr_tables, 4);
	pt1 = ADDR(entry(MiB(2), 2));
	assert_false(frame_is_free(pt1));
	/* The same range as one 2M page: the PT goes back. */
	assert_int_equal(pt_map(&pt, MiB(2), MiB(32), MiB(2), PT_RWX), 0);
	assert_int_equal(pt.nr_tables, 3);
	assert_int_equal(frame_free_count(), free_at_start - 3);
	assert_true(frame_is_free(pt1));
	expect_map(MiB(2) + 5, MiB(32) + 5, 2, PT_RWX);

	/* Fill a whole 1G region with 4K pages in several PTs and a 2M page,
	 * then map it as one 1G page: PD and all PTs go back. */
	assert_int_equal(pt_map(&pt, 0, PG, MiB(6), PT_R), 0);
	/* Three new PTs under the PD (the 2M page at 2M is split). */
	assert_int_equal(pt.nr_tables, 6);
	pd = ADDR(entry(0, 3));
	assert_int_equal(pt_map(&pt, 0, GiB(4), GiB(1), PT_RWX), 0);
	assert_int_equal(pt.nr_tables, 2);
	assert_int_equal(frame_free_count(), free_at_start - 2);
	assert_true(frame_is_free(pd));
	expect_map(MiB(3), GiB(4) + MiB(3), 3, PT_RWX);
	check_destroy();
}

static void test_remap_4k_into_large_page(void **state)
{
	/* Mapping one 4K page inside an existing 2M page splits it: the rest
	 * keeps the old translation. */
	(void)state;
	assert_int_equal(pt_init(&pt, &pt_host), 0);
	assert_int_equal(pt_map(&pt, MiB(4), MiB(8), MiB(2), PT_R | PT_W), 0);
	assert_int_equal(pt_map(&pt, MiB(5), MiB(100), PG, PT_RWX), 0);
	assert_int_equal(pt.nr_tables, 4);
	expect_map(MiB(5), MiB(100), 1, PT_RWX);
	expect_map(MiB(5) - PG, MiB(9) - PG, 1, PT_R | PT_W);
	expect_map(MiB(5) + PG, MiB(9) + PG, 1, PT_R | PT_W);
	expect_map(MiB(4), MiB(8), 1, PT_R | PT_W);
	check_destroy();
}

/* --- destroy / out of memory ------------------------------------------ */

static void test_destroy_frees_everything(void **state)
{
	(void)state;
	assert_int_equal(pt_init(&pt, &pt_ept), 0);
	/* Lots of scattered small mappings across several PML4 slots. */
	for (u64 i = 0; i < 40; i++)
		assert_int_equal(pt_map(&pt, i * (GiB(512) / 8 + MiB(2) + PG),
					MiB(1) * i, 3 * PG, PT_R),
				 0);
	assert_int_equal(pt_map(&pt, 0, 0, GiB(4), PT_RWX), 0);
	assert_int_equal(pt_unmap(&pt, MiB(7), PG), 0);
	assert_true(pt.nr_tables > 40);
	assert_int_equal(frame_free_count(), free_at_start - pt.nr_tables);
	check_destroy();
	/* A destroyed table can be destroyed again harmlessly. */
	pt_destroy(&pt);
	assert_int_equal(frame_free_count(), free_at_start);
}

/* A table given back while the tree still uses it is found (braid's
 * check of the other guests' EPT/NPT when one ends). */
static void test_first_free_table(void **state)
{
	u64 pd;
	(void)state;
	assert_int_equal(pt_init(&pt, &pt_npt), 0);
	assert_int_equal(pt_map(&pt, 0, MiB(32), MiB(8), PT_RWX), 0);
	assert_int_equal(pt_map(&pt, GiB(3), MiB(64), PG, PT_R), 0);
	assert_int_equal(pt_first_free_table(&pt), 0);
	pd = ADDR(entry(GiB(3), 3));
	frame_free(pd);
	assert_int_equal(pt_first_free_table(&pt), pd);
	/* Taken again (by anyone), it no longer shows. */
	while (!frame_is_free(pd) || frame_alloc() != pd)
		;
	assert_int_equal(pt_first_free_table(&pt), 0);
}

static void test_out_of_memory(void **state)
{
	/* 16 frames, one for the bitmap: root + 14 tables. */
	const struct boot_mem_range map[] = {
		{ MiB(1), KiB(64), BOOT_MEM_AVAILABLE },
	};
	int err = 0;
	unsigned i;
	(void)state;
	assert_int_equal(frame_init(map, 1, NULL, 0), 0);
	assert_int_equal(frame_free_count(), 15);
	assert_int_equal(pt_init(&pt, &pt_host), 0);
	/* Each 4K page in a new 1G region needs a PD and a PT; the first
	 * also needs the PDPT: 1 + 3 + 2 * 5 = 14 frames for 6 pages. */
	for (i = 0; i < 10 && !err; i++)
		err = pt_map(&pt, i * GiB(1), 0, PG, PT_R);
	assert_int_equal(err, -ENOMEM);
	assert_int_equal(i, 7);
	assert_int_equal(frame_free_count(), 0);
	assert_int_equal(pt.nr_tables, 15);
	expect_map(5 * GiB(1), 0, 1, PT_R);
	expect_unmapped(6 * GiB(1));
	pt_destroy(&pt);
	assert_int_equal(pt.nr_tables, 0);
	assert_int_equal(frame_free_count(), 15);
	/* And pt_init itself fails cleanly with no memory. */
	for (i = 0; i < 15; i++)
		assert_int_not_equal(frame_alloc(), 0);
	assert_int_equal(pt_init(&pt, &pt_host), -ENOMEM);
	assert_int_equal(pt.root, 0);
}

#define TP(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TP(test_init),
		TP(test_leaf_levels_of_formats),
		TP(test_map_4k_host),
		TP(test_map_2m_leaf),
		TP(test_map_1g_leaf),
		TP(test_map_picks_largest_pages),
		TP(test_map_misaligned_pa_uses_small_pages),
		TP(test_no_leaf_at_1g),
		TP(test_no_leaf_at_1g_or_2m),
		TP(test_einval_for_unaligned),
		TP(test_entries_host),
		TP(test_entries_npt),
		TP(test_entries_ept),
		TP(test_ept_exact_values),
		TP(test_host_npt_exact_values),
		TP(test_all_pml4_slots),
		TP(test_unmap_4k_from_1g_splits),
		TP(test_uncacheable),
		TP(test_unmap_ept_split_keeps_perm),
		TP(test_unmap_across_large_page_edges),
		TP(test_unmap_whole_large_pages),
		TP(test_unmap_4k_pages_then_remap),
		TP(test_remap_large_over_tables_frees_them),
		TP(test_remap_4k_into_large_page),
		TP(test_destroy_frees_everything),
		TP(test_first_free_table),
		TP(test_out_of_memory),
	};

	return cmocka_run_group_tests_name("paging", tests, NULL, NULL);
}
