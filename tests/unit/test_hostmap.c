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

#define WB PT_RWX
#define UC (PT_RWX | PT_UC)

static void expect_identity(u64 va, unsigned level, unsigned perm)
{
	struct pt_mapping m;

	assert_int_equal(pt_translate(&pt, va, &m), 0);
	assert_int_equal(m.pa, va);
	assert_int_equal(m.level, level);
	assert_int_equal(m.perm, perm);
}

static void expect_unmapped(u64 va)
{
	struct pt_mapping m;

	assert_int_equal(pt_translate(&pt, va, &m), -ENOENT);
}

/* Every 1G from @from below @top, and a few odd addresses in each, map 1:1
 * with @level leaves of type @perm. */
static void check_span(u64 from, u64 top, unsigned level, unsigned perm)
{
	for (u64 a = from; a < top; a += GiB(1)) {
		expect_identity(a, level, perm);
		expect_identity(a + MiB(3) + 0x123, level, perm);
		expect_identity(a + GiB(1) - 1, level, perm);
	}
}

static void check_destroy(void)
{
	pt_destroy(&pt);
	assert_int_equal(frame_free_count(), free_at_start);
}

/* RAM is write-back, firmware's ranges and the first MiB uncacheable,
 * holes unmapped; each part with the largest pages it allows. */
static void test_ram_wb_firmware_uc_holes_unmapped(void **state)
{
	(void)state;
	add(0, KiB(639), BOOT_MEM_AVAILABLE);
	add(MiB(1), MiB(127), BOOT_MEM_AVAILABLE);
	add(GiB(3) + MiB(512), MiB(256), BOOT_MEM_RESERVED);
	assert_int_equal(hostmap_build(&pt, &bi, true), 0);
	assert_ptr_equal(pt.fmt, &pt_host);
	expect_identity(0x1000, 1, WB);
	expect_identity(KiB(632), 1, WB);
	expect_identity(KiB(636), 1, UC); /* only partly RAM */
	expect_identity(KiB(640), 1, UC); /* EBDA, VGA, BIOS */
	expect_identity(0xf0000, 1, UC);
	expect_identity(MiB(1), 1, WB);
	expect_identity(MiB(2), 2, WB);
	expect_identity(MiB(128) - 1, 2, WB);
	expect_unmapped(MiB(128));
	expect_unmapped(GiB(1));
	expect_identity(GiB(3) + MiB(512), 2, UC);
	expect_identity(GiB(3) + MiB(768) - 1, 2, UC);
	expect_unmapped(GiB(3) + MiB(768));
	expect_unmapped(GiB(4) - 1);
	assert_int_equal(*pt_entry(&pt, GiB(3) + MiB(512), 2),
			 (GiB(3) + MiB(512)) | X86_PTE_P | X86_PTE_RW |
				 X86_PTE_PS | X86_PTE_PCD | X86_PTE_PWT);
	assert_int_equal(*pt_entry(&pt, MiB(4), 2),
			 MiB(4) | X86_PTE_P | X86_PTE_RW | X86_PTE_PS);
	assert_int_equal(*pt_entry(&pt, 0, 4) & 0xfff, X86_PTE_P | X86_PTE_RW);
	/* PML4, PDPT, the PDs of the first and fourth 1G, one PT for the
	 * first 2M. */
	assert_int_equal(pt.nr_tables, 5);
	check_destroy();
}

static void test_without_1g_pages(void **state)
{
	(void)state;
	add(MiB(2), GiB(2) - MiB(2), BOOT_MEM_AVAILABLE);
	assert_int_equal(hostmap_build(&pt, &bi, false), 0);
	assert_false(pt.leaf_levels & BIT(3));
	expect_identity(MiB(2), 2, WB);
	check_span(GiB(1), GiB(2), 2, WB);
	expect_unmapped(GiB(2));
	check_destroy();
}

static void test_empty_map_maps_first_mib(void **state)
{
	(void)state;
	assert_int_equal(hostmap_build(&pt, &bi, true), 0);
	expect_identity(0, 1, UC);
	expect_identity(MiB(1) - 1, 1, UC);
	expect_unmapped(MiB(1));
	expect_unmapped(GiB(4) - 1);
	check_destroy();
}

static void test_ram_above_4g(void **state)
{
	(void)state;
	add(MiB(1), MiB(2047), BOOT_MEM_AVAILABLE);
	add(GiB(4), GiB(2) + 1, BOOT_MEM_AVAILABLE); /* ends at 6G + 1 */
	assert_int_equal(hostmap_build(&pt, &bi, true), 0);
	check_span(GiB(4), GiB(6), 3, WB);
	/* The page only one byte of RAM touches is not mapped. */
	expect_unmapped(GiB(6));
	expect_unmapped(GiB(3));
	check_destroy();
}

static void test_unsorted_map_and_types(void **state)
{
	/* Any order; ACPI memory is RAM; a reserved range inside RAM stays
	 * uncacheable. */
	(void)state;
	add(GiB(8), GiB(1), BOOT_MEM_AVAILABLE);
	add(GiB(20) + MiB(1), MiB(2), BOOT_MEM_RESERVED);
	add(MiB(1), MiB(100), BOOT_MEM_AVAILABLE);
	add(GiB(9), MiB(2), BOOT_MEM_ACPI_NVS);
	add(MiB(16), KiB(4), BOOT_MEM_RESERVED);
	assert_int_equal(hostmap_build(&pt, &bi, true), 0);
	check_span(GiB(8), GiB(9), 3, WB);
	expect_identity(GiB(9), 2, WB);
	expect_unmapped(GiB(9) + MiB(2));
	expect_identity(GiB(20) + MiB(1), 1, UC);
	expect_identity(GiB(20) + MiB(3) - 1, 1, UC);
	expect_unmapped(GiB(20) + MiB(3));
	expect_identity(MiB(16), 1, UC);
	expect_identity(MiB(16) + KiB(4), 1, WB);
	check_destroy();
}

static void test_beyond_512g_uses_more_pml4_slots(void **state)
{
	(void)state;
	add(MiB(2), MiB(100), BOOT_MEM_AVAILABLE);
	add(GiB(1024), PAGE_SIZE, BOOT_MEM_AVAILABLE); /* 1 TiB */
	assert_int_equal(hostmap_build(&pt, &bi, true), 0);
	expect_identity(GiB(1024), 1, WB);
	expect_unmapped(GiB(1024) + 0x5000);
	expect_unmapped(GiB(600));
	check_destroy();
}

/* A device's page in a hole is mapped uncacheable on demand; RAM and
 * pages already mapped are left as they are. */
static void test_map_device(void **state)
{
	(void)state;
	add(MiB(1), MiB(100), BOOT_MEM_AVAILABLE);
	assert_int_equal(hostmap_build(&pt, &bi, true), 0);
	hostmap_set_live(&pt);
	assert_int_equal(hostmap_map_device(0xfee00000, 0x1000), 0);
	expect_identity(0xfee00000, 1, UC);
	expect_unmapped(0xfee01000);
	assert_int_equal(hostmap_map_device(MiB(4) + 0x10, 0x2000), 0);
	expect_identity(MiB(4), 2, WB);
	assert_int_equal(hostmap_map_device(GiB(3) - 8, 16), 0);
	expect_identity(GiB(3) - PAGE_SIZE, 1, UC);
	expect_identity(GiB(3), 1, UC);
	hostmap_set_live(NULL);
	check_destroy();
}

static void test_out_of_frames(void **state)
{
	/* Too few frames for RAM at 15G without 1G pages (PML4, PDPT, a PD
	 * and a PT for the first MiB, one more PD): -ENOMEM, nothing kept. */
	const struct boot_mem_range map[] = {
		{ MiB(1), KiB(12), BOOT_MEM_AVAILABLE },
	};
	u64 before;

	(void)state;
	assert_int_equal(frame_init(map, 1, NULL, 0), 0);
	before = frame_free_count();
	add(GiB(15), GiB(1), BOOT_MEM_AVAILABLE);
	assert_int_equal(hostmap_build(&pt, &bi, false), -ENOMEM);
	pt_destroy(&pt);
	assert_int_equal(frame_free_count(), before);
}

#define TP(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TP(test_ram_wb_firmware_uc_holes_unmapped),
		TP(test_without_1g_pages),
		TP(test_empty_map_maps_first_mib),
		TP(test_ram_above_4g),
		TP(test_unsorted_map_and_types),
		TP(test_beyond_512g_uses_more_pml4_slots),
		TP(test_map_device),
		TP(test_out_of_frames),
	};

	return cmocka_run_group_tests_name("hostmap", tests, NULL, NULL);
}
