// SPDX-License-Identifier: MIT
/*
 * mm/shadow.c, compound trees with a twin: the host-physical copy of the
 * tree the CPU walks with EPT/NPT off while the active root has no nested
 * entry. After every step the whole pool is checked entry by entry: each
 * twin entry must be what the compound entry means in host-physical terms
 * (a pointer to the twin page, the host frame, read-only on a protected
 * guest table, a marker for a nested entry), and each root's count of
 * nested entries must match its tree.
 */
#include <stdio.h>
#include <string.h>

#include "lib/phys.h"
#include "mm/frame.h"
#include "mm/pte.h"
#include "mm/shadow.h"
#include "tests/unit/fake_phys.h"
#include "tests/unit/unit.h"

#define PG    PAGE_SIZE
#define P     X86_PTE_P
#define RW    X86_PTE_RW
#define US    X86_PTE_US
#define D     X86_PTE_D
#define PS    X86_PTE_PS
#define PRW   (P | RW | US)
#define GMEM  MiB(8)
#define GPAGE (GMEM / PG)
#define WIN   GiB(1) /* where the guest sees the pool */
#define PML4  (1 * PG)
#define PDPT  (2 * PG)
#define PD    (3 * PG)
#define PT    (4 * PG)
#define PML4B (6 * PG) /* a second address space, sharing PDPT */
#define DATA  0x100    /* first data gfn */
#define VA(i4, i3, i2, i1)                                           \
	(((u64)(i4) << 39) | ((u64)(i3) << 30) | ((u64)(i2) << 21) | \
	 ((u64)(i1) << 12))

static phys_t gbase;
static u64 free_at_start;
static struct shadow s;
static bool live;
static int ctx;
static u64 nested_gfn = ~0ull; /* the table the policy hands to the CPU */
static unsigned protected_now[GPAGE]; /* EPT/NPT protection, per gfn */

static u64 *gpa_ptr(void *c, u64 gpa)
{
	(void)c;
	return gpa + 8 <= GMEM ? pa_to_va(gbase + gpa) : NULL;
}

static phys_t gfn_to_hpa(void *c, u64 gfn)
{
	(void)c;
	return gfn < GPAGE ? gbase + gfn * PG : 0;
}

static void protect(void *c, u64 gfn, bool on)
{
	(void)c;
	protected_now[gfn] = on;
}

static bool nested(void *policy, u64 gfn)
{
	(void)policy;
	return gfn == nested_gfn;
}

static void nested_installed(void *policy, u32 sp, u16 idx, u64 gfn)
{
	(void)policy, (void)sp, (void)idx, (void)gfn;
}

static const struct shadow_ops ops = { &ctx,	gpa_ptr, gfn_to_hpa,
				       protect, nested,	 nested_installed,
				       NULL,	NULL };

static const struct gwalk_mode mode = {
	.wp = true, .nxe = true, .pse1g = true, .maxphyaddr = 46
};

static int setup(void **state)
{
	const struct boot_mem_range map[] = {
		{ MiB(1), FAKE_PHYS_SIZE - MiB(1), BOOT_MEM_AVAILABLE },
	};
	(void)state;
	if (frame_init(map, 1, NULL, 0))
		return -1;
	gbase = frame_alloc_contig(GPAGE, MiB(2));
	free_at_start = frame_free_count();
	nested_gfn = ~0ull;
	memset(protected_now, 0, sizeof(protected_now));
	return gbase ? 0 : -1;
}

/* Nothing leaked: every frame but the guest's RAM is back. */
static int teardown(void **state)
{
	(void)state;
	if (live)
		shadow_destroy(&s);
	live = false;
	frame_free_contig(gbase, GPAGE);
	return frame_free_count() == free_at_start + GPAGE ? 0 : -1;
}

static u64 *gent(u64 table, unsigned idx)
{
	return (u64 *)pa_to_va(gbase + table) + idx;
}

static void start(bool large)
{
	assert_int_equal(shadow_init(&s, 64, GMEM, &ops), 0);
	live = true;
	s.mode = mode;
	s.large = large;
	shadow_set_compound(&s, WIN);
	assert_int_equal(shadow_enable_twin(&s), 0);
	*gent(PML4, 1) = PDPT | PRW;
	*gent(PML4B, 1) = PDPT | PRW;
	*gent(PDPT, 2) = PD | PRW;
	*gent(PD, 3) = PT | PRW;
	for (unsigned i = 0; i < 8; i++)
		*gent(PT, i) = (DATA + i) * PG | PRW | X86_PTE_A | D;
	shadow_activate(&s, PML4, false);
}

/* The twin entry compound entry @c in a level-@l page must have. */
static void check_entry(u32 sp, unsigned i, unsigned l, u64 c, u64 t)
{
	u64 a = c & PTE_ADDR_MASK,
	    flags = ~(PTE_ADDR_MASK | RW | D | SHADOW_GUEST_W);

	if (!(c & P)) {
		assert_int_equal(t, 0);
		return;
	}
	if (l > 1 && !(c & PS)) {
		if (a >= WIN && a < WIN + 64 * PG)
			assert_int_equal(t, s.twin + (a - WIN) +
						    (c & ~PTE_ADDR_MASK));
		else
			assert_int_equal(t, SHADOW_TWIN_NESTED);
		return;
	}
	assert_int_equal(t & PTE_ADDR_MASK, gfn_to_hpa(NULL, a / PG));
	assert_int_equal(t & flags, c & flags);
	if (t & RW) {
		assert_true(c & RW);
		assert_false(l == 1 && shadow_protected(&s, a / PG));
	}
	(void)sp, (void)i;
}

/* Every entry of every page in use, and every root's nested count. */
static void check_twin(void)
{
	u32 nested_in[64] = { 0 };

	for (u32 sp = 0; sp < s.nr_pages; sp++) {
		const u64 *c = pa_to_va(s.pool + sp * PG);
		const u64 *t = pa_to_va(s.twin + sp * PG);
		u32 root = sp;

		if (!s.pages[sp].in_use)
			continue;
		while (s.pages[root].parent != SP_NONE)
			root = s.pages[root].parent;
		for (unsigned i = 0; i < 512; i++) {
			check_entry(sp, i, s.pages[sp].level, c[i], t[i]);
			nested_in[root] += t[i] == SHADOW_TWIN_NESTED;
		}
	}
	for (u32 sp = 0; sp < s.nr_pages; sp++)
		if (s.pages[sp].in_use && s.pages[sp].parent == SP_NONE)
			assert_int_equal(s.pages[sp].nested_tree,
					 nested_in[sp]);
}

static enum shadow_fault fault(u64 cr3, u64 va, u32 error)
{
	struct gwalk w;

	memset(&w, 0, sizeof(w));
	return shadow_fault(&s, cr3, va, error, &w);
}

/* The twin maps what the compound tree maps, in host-physical terms. */
static void test_twin_follows_faults(void **state)
{
	(void)state;
	start(false);
	assert_int_equal(fault(PML4, VA(1, 2, 3, 0), 0), SHADOW_FIXED);
	assert_int_equal(fault(PML4, VA(1, 2, 3, 5), PFERR_W), SHADOW_FIXED);
	check_twin();
	assert_int_equal(shadow_twin_root(&s), s.twin + s.root * PG);
	/* The guest changes a PTE: the compound leaf and its twin go. */
	*gent(PT, 5) = 0;
	shadow_guest_wrote(&s, PT + 5 * 8, 8);
	check_twin();
	/* The guest drops its PD entry: the subtree goes, twin included. */
	*gent(PD, 3) = 0;
	shadow_guest_wrote(&s, PD + 3 * 8, 8);
	check_twin();
	assert_int_equal(shadow_pages_in_use(&s), 3);
}

/* A data page that becomes a guest table is writable in the compound tree
 * (EPT/NPT protects it) but read-only in the twin, found by the reverse
 * map. */
static void test_twin_write_protects_new_table(void **state)
{
	u64 *t;

	(void)state;
	start(false);
	assert_int_equal(fault(PML4, VA(1, 2, 3, 4), PFERR_W), SHADOW_FIXED);
	t = pa_to_va(s.twin + PG * 3); /* pages 0-3: PML4, PDPT, PD, PT */
	assert_true(t[4] & RW);
	/* Page DATA + 4 becomes the PT of a second path. */
	*gent(PD, 4) = (DATA + 4) * PG | PRW;
	assert_int_equal(fault(PML4, VA(1, 2, 4, 0), 0), SHADOW_REFLECT);
	*gent((DATA + 4) * PG, 0) = (DATA + 9) * PG | PRW | X86_PTE_A;
	assert_int_equal(fault(PML4, VA(1, 2, 4, 0), 0), SHADOW_FIXED);
	assert_true(protected_now[DATA + 4]);
	check_twin();
	assert_false(t[4] & RW);
	assert_true(t[4] & SHADOW_GUEST_W);
	assert_true(((u64 *)pa_to_va(s.pool + PG * 3))[4] & RW);
	/* A write through the twin is a store to a protected table. */
	assert_int_equal(fault(PML4, VA(1, 2, 3, 4), PFERR_P | PFERR_W),
			 SHADOW_EMULATE);
}

/* A nested entry anywhere below the root keeps it off its twin; when the
 * entry goes (dropped, or its subtree freed), the twin is usable again. */
static void test_twin_nested_entries_counted(void **state)
{
	phys_t root;

	(void)state;
	start(false);
	nested_gfn = PT / PG;
	assert_int_equal(fault(PML4, VA(1, 2, 3, 0), 0), SHADOW_FIXED);
	check_twin();
	assert_int_equal(shadow_twin_root(&s), 0);
	assert_int_equal(s.pages[s.root].nested_tree, 1);
	/* Another address space, sharing nothing of braid's: its own. */
	root = shadow_activate(&s, PML4B, false);
	assert_int_not_equal(root, 0);
	assert_int_equal(shadow_twin_root(&s), s.twin + s.root * PG);
	/* Back: the PD entry is dropped by the guest; the subtree with the
	 * nested entry is freed and the count follows. */
	shadow_activate(&s, PML4, false);
	assert_int_equal(shadow_twin_root(&s), 0);
	*gent(PDPT, 2) = 0;
	shadow_guest_wrote(&s, PDPT + 2 * 8, 8);
	check_twin();
	assert_int_equal(shadow_twin_root(&s), s.twin + s.root * PG);
}

/* shadow_make_nested() and shadow_drop_nested() keep the count too. */
static void test_twin_make_and_drop_nested(void **state)
{
	u32 pd;

	(void)state;
	start(false);
	assert_int_equal(fault(PML4, VA(1, 2, 3, 0), 0), SHADOW_FIXED);
	assert_int_not_equal(shadow_twin_root(&s), 0);
	assert_int_equal(shadow_make_nested(&s, PT / PG), 1);
	check_twin();
	assert_int_equal(shadow_twin_root(&s), 0);
	pd = 2; /* PML4, PDPT, PD: the PD mirror holds the nested entry */
	assert_true(shadow_drop_nested(&s, pd, 3, shadow_page_gen(&s, pd),
				       PT / PG));
	check_twin();
	assert_int_equal(shadow_twin_root(&s), s.twin + s.root * PG);
}

/* A 2 MiB guest page is a 2 MiB leaf in both, until a guest table
 * appears inside it: then both split, and 4 KiB leaves come back. */
static void test_twin_large_leaf_split(void **state)
{
	u64 *pd;

	(void)state;
	start(true);
	*gent(PD, 5) = MiB(2) | PRW | PS | X86_PTE_A | D;
	assert_int_equal(fault(PML4, VA(1, 2, 5, 7), PFERR_W), SHADOW_FIXED);
	check_twin();
	pd = pa_to_va(s.twin + 2 * PG);
	assert_int_equal(pd[5] & (PS | RW | PTE_ADDR_MASK),
			 PS | RW | gfn_to_hpa(NULL, 512));
	/* Guest frame 512 + 9 becomes a page table of another path. */
	*gent(PD, 6) = (MiB(2) + 9 * PG) | PRW;
	*gent(MiB(2) + 9 * PG, 0) = (DATA + 1) * PG | PRW | X86_PTE_A;
	assert_int_equal(fault(PML4, VA(1, 2, 6, 0), 0), SHADOW_FIXED);
	check_twin();
	assert_int_equal(pd[5], 0);
	assert_int_equal(fault(PML4, VA(1, 2, 5, 7), PFERR_W), SHADOW_FIXED);
	check_twin();
	assert_false(((u64 *)pa_to_va(s.pool + 2 * PG))[5] & PS);
}

/* Reclaiming and resetting leave nothing stale behind. */
static void test_twin_reset(void **state)
{
	(void)state;
	start(false);
	nested_gfn = PT / PG;
	assert_int_equal(fault(PML4, VA(1, 2, 3, 0), 0), SHADOW_FIXED);
	shadow_reset(&s);
	nested_gfn = ~0ull;
	shadow_activate(&s, PML4, false);
	assert_int_equal(fault(PML4, VA(1, 2, 3, 0), 0), SHADOW_FIXED);
	check_twin();
	assert_int_not_equal(shadow_twin_root(&s), 0);
}

/* The guest can write the compound pages (they sit in its window): what
 * braid frees and counts comes from the twin, which it cannot reach. */
static void test_twin_window_scribble(void **state)
{
	(void)state;
	start(false);
	assert_int_equal(fault(PML4, VA(1, 2, 3, 0), 0), SHADOW_FIXED);
	assert_int_equal(shadow_pages_in_use(&s), 4);
	for (u32 sp = 0; sp < 4; sp++)
		memset(pa_to_va(s.pool + sp * PG), 0, PG);
	*gent(PD, 3) = 0;
	shadow_guest_wrote(&s, PD + 3 * 8, 8);
	assert_int_equal(shadow_pages_in_use(&s), 3); /* the PT mirror */
	assert_int_equal(((u64 *)pa_to_va(s.twin + 2 * PG))[3], 0);
	shadow_reset(&s);
	assert_int_equal(shadow_pages_in_use(&s), 0);
}

#define TS(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TS(test_twin_follows_faults),
		TS(test_twin_write_protects_new_table),
		TS(test_twin_nested_entries_counted),
		TS(test_twin_make_and_drop_nested),
		TS(test_twin_large_leaf_split),
		TS(test_twin_reset),
		TS(test_twin_window_scribble),
	};
	return cmocka_run_group_tests_name("twin", tests, NULL, NULL);
}
