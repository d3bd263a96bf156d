// SPDX-License-Identifier: MIT
/* mm/hostmap.c: braid's own identity map. */
#include <string.h>

#include "mm/frame.h"
#include "mm/hostmap.h"
#include "tests/unit/fake_phys.h"
#include "tests/unit/unit.h"

static u64 free_at_start;
static struct pt pt;
static struct boot_info bi;

static int setup(void **state)
{
	const struct boot_mem_range map[] = {
		{ MiB(1), FAKE_PHYS_SIZE - MiB(1), BOOT_MEM_AVAILABLE },
	};
	(void)state;
	memset(&bi, 0, sizeof(bi));
	memset(&pt, 0, sizeof(pt));
	if (frame_init(map, 1, NULL, 0))
		return -1;
	free_at_start = frame_free_count();
	return 0;
}

static void add(u64 base, u64 len, u32 type)
{
	bi.mmap[bi.nr_mmap++] = (struct boot_mem_range){ base, len, type };
}

static void expect_identity(u64 va, unsigned level)
{
	struct pt_mapping m;

	assert_int_equal(pt_translate(&pt, va, &m), 0);
	assert_int_equal(m.pa, va);
	assert_int_equal(m.level, level);
	assert_int_equal(m.perm, PT_RWX);
}

static void expect_unmapped(u64 va)
{
	struct pt_mapping m;

	assert_int_equal(pt_translate(&pt, va, &m), -ENOENT);
}

/* Every 1G boundary below @top, and a few odd addresses, map 1:1. */
static void check_covers(u64 top, unsigned level)
{
	for (u64 a = 0; a < top; a += GiB(1)) {
		expect_identity(a, level);
		expect_identity(a + MiB(3) + 0x123, level);
		expect_identity(a + GiB(1) - 1, level);
	}
	expect_unmapped(top);
	expect_unmapped(top + GiB(1) - 1);
}

static void check_destroy(void)
{
	pt_destroy(&pt);
	assert_int_equal(frame_free_count(), free_at_start);
}

static void test_small_ram_maps_4g_with_1g_pages(void **state)
{
	(void)state;
	add(0, KiB(639), BOOT_MEM_AVAILABLE);
	add(MiB(1), MiB(127), BOOT_MEM_AVAILABLE);
	assert_int_equal(hostmap_build(&pt, &bi, true), 0);
	assert_ptr_equal(pt.fmt, &pt_host);
	assert_int_equal(pt.nr_tables, 2);
	check_covers(GiB(4), 3);
	for (u64 a = 0; a < GiB(4); a += GiB(1))
		assert_int_equal(*pt_entry(&pt, a, 3),
				 a | X86_PTE_P | X86_PTE_RW | X86_PTE_PS);
	assert_int_equal(*pt_entry(&pt, 0, 4) & 0xfff, X86_PTE_P | X86_PTE_RW);
	check_destroy();
}

static void test_small_ram_maps_4g_without_1g_pages(void **state)
{
	(void)state;
	add(MiB(1), MiB(127), BOOT_MEM_AVAILABLE);
	assert_int_equal(hostmap_build(&pt, &bi, false), 0);
	assert_false(pt.leaf_levels & BIT(3));
	assert_int_equal(pt.nr_tables, 1 + 1 + 4);
	check_covers(GiB(4), 2);
	assert_int_equal(*pt_entry(&pt, GiB(3) + MiB(2), 2),
			 (GiB(3) + MiB(2)) | X86_PTE_P | X86_PTE_RW |
				 X86_PTE_PS);
	check_destroy();
}

static void test_empty_map_still_maps_4g(void **state)
{
	(void)state;
	assert_int_equal(hostmap_build(&pt, &bi, true), 0);
	check_covers(GiB(4), 3);
	check_destroy();
}

static void test_ram_above_4g_rounded_to_1g(void **state)
{
	(void)state;
	add(MiB(1), MiB(2047), BOOT_MEM_AVAILABLE);
	add(GiB(4), GiB(2) + 1, BOOT_MEM_AVAILABLE); /* ends at 6G + 1 */
	assert_int_equal(hostmap_build(&pt, &bi, true), 0);
	assert_int_equal(pt.nr_tables, 2);
	check_covers(GiB(7), 3);
	check_destroy();
	memset(&pt, 0, sizeof(pt));
	assert_int_equal(hostmap_build(&pt, &bi, false), 0);
	assert_int_equal(pt.nr_tables, 1 + 1 + 7);
	check_covers(GiB(7), 2);
	check_destroy();
}

static void test_exact_4g_top(void **state)
{
	(void)state;
	add(GiB(3), GiB(1), BOOT_MEM_AVAILABLE); /* ends exactly at 4G */
	assert_int_equal(hostmap_build(&pt, &bi, true), 0);
	check_covers(GiB(4), 3);
	check_destroy();
}

static void test_unsorted_map_uses_highest_end(void **state)
{
	/* The top is the highest end of any range (of any type, e.g. a
	 * reserved MMIO window high up), whatever the order. */
	(void)state;
	add(GiB(8), GiB(1), BOOT_MEM_AVAILABLE);
	add(GiB(20) + MiB(1), MiB(2), BOOT_MEM_RESERVED);
	add(MiB(1), MiB(100), BOOT_MEM_AVAILABLE);
	add(GiB(9), MiB(2), BOOT_MEM_ACPI_NVS);
	assert_int_equal(hostmap_build(&pt, &bi, true), 0);
	check_covers(GiB(21), 3);
	check_destroy();
}

static void test_beyond_512g_uses_more_pml4_slots(void **state)
{
	(void)state;
	add(MiB(1), MiB(100), BOOT_MEM_AVAILABLE);
	add(GiB(1024), PAGE_SIZE, BOOT_MEM_AVAILABLE); /* 1 TiB */
	assert_int_equal(hostmap_build(&pt, &bi, true), 0);
	/* [0, 1T + 1G): PML4 slots 0, 1, 2, one PDPT each. */
	assert_int_equal(pt.nr_tables, 1 + 3);
	expect_identity(GiB(1024) + 0x5000, 3);
	expect_identity(GiB(600), 3);
	expect_identity(GiB(1025) - 1, 3);
	expect_unmapped(GiB(1025));
	check_destroy();
	memset(&pt, 0, sizeof(pt));
	assert_int_equal(hostmap_build(&pt, &bi, false), 0);
	assert_int_equal(pt.nr_tables, 1 + 3 + 1025);
	expect_identity(GiB(1024) + 0x5000, 2);
	expect_unmapped(GiB(1025));
	check_destroy();
}

static void test_out_of_frames(void **state)
{
	/* 15 usable frames: a 16 GiB map without 1G pages needs 18. */
	const struct boot_mem_range map[] = {
		{ MiB(1), KiB(64), BOOT_MEM_AVAILABLE },
	};
	(void)state;
	assert_int_equal(frame_init(map, 1, NULL, 0), 0);
	add(GiB(15), GiB(1), BOOT_MEM_AVAILABLE);
	assert_int_equal(hostmap_build(&pt, &bi, false), -ENOMEM);
	pt_destroy(&pt);
	assert_int_equal(frame_free_count(), 15);
	/* With 1G pages, 2 tables are enough. */
	memset(&pt, 0, sizeof(pt));
	assert_int_equal(hostmap_build(&pt, &bi, true), 0);
	assert_int_equal(pt.nr_tables, 2);
	check_covers(GiB(16), 3);
}

#define TP(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TP(test_small_ram_maps_4g_with_1g_pages),
		TP(test_small_ram_maps_4g_without_1g_pages),
		TP(test_empty_map_still_maps_4g),
		TP(test_ram_above_4g_rounded_to_1g),
		TP(test_exact_4g_top),
		TP(test_unsorted_map_uses_highest_end),
		TP(test_beyond_512g_uses_more_pml4_slots),
		TP(test_out_of_frames),
	};

	return cmocka_run_group_tests_name("hostmap", tests, NULL, NULL);
}
