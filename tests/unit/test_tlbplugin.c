// SPDX-License-Identifier: MIT
/*
 * tools/tlbplugin's pure parts: the hardware page walk over a RAM image
 * (1-D and 2-D, each page size, the smaller of two leaves, failures) and
 * the recognition of the instructions the plugin watches.
 */
#include <stdlib.h>
#include <string.h>

#include "mm/pte.h"
#include "tests/unit/unit.h"
#include "tools/tlbplugin/hwwalk.h"
#include "tools/tlbplugin/insn_kind.h"
#include "include/braid/marker.h"

#define RAM_SIZE (64ull << 20)
#define KIB4	 4096ull
#define MIB2	 (2ull << 20)
#define GIB1	 (1ull << 30)
#define TABLE	 (X86_PTE_P | X86_PTE_RW)

static uint8_t *ram;
static struct phys_mem mem;
static uint64_t next_table;

static int setup(void **state)
{
	(void)state;
	ram = calloc(1, RAM_SIZE);
	mem = (struct phys_mem){ ram, RAM_SIZE };
	next_table = 0x100000;
	return ram ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

static uint64_t *entry(uint64_t table, uint64_t va, unsigned level)
{
	return (uint64_t *)(ram + table + 8 * PT_INDEX(va, level));
}

static uint64_t new_table(void)
{
	uint64_t t = next_table;

	next_table += KIB4;
	return t;
}

/* Map @va to @pa with a leaf at @leaf (1: 4K, 2: 2M, 3: 1G) in the tree
 * at @root, whose tables are named by their address minus @name_off (a
 * gPA, when nested tables map name to name + name_off). */
static void map(uint64_t root, uint64_t name_off, uint64_t va, uint64_t pa,
		unsigned leaf, uint64_t flags)
{
	uint64_t table = root;

	for (unsigned l = 4; l > leaf; l--) {
		uint64_t *e = entry(table, va, l);

		if (!(*e & X86_PTE_P))
			*e = (new_table() - name_off) | TABLE;
		table = (*e & PTE_ADDR_MASK) + name_off;
	}
	*entry(table, va, leaf) =
		pa | X86_PTE_P | flags | (leaf > 1 ? X86_PTE_PS : 0);
}

static void test_one_dimension_each_size(void **state)
{
	uint64_t root = new_table();
	struct hw_paging p = { root, root, false, 0 };
	struct hw_walk w;

	(void)state;
	map(root, 0, 0x400000, 0x200000, 1, 0);
	map(root, 0, 0x40000000, 0x600000, 2, X86_PTE_G);
	map(root, 0, 0x80000000, 0, 3, 0);

	assert_true(hw_walk(&mem, &p, 0x400123, &w));
	assert_int_equal(w.size, TLB_4K);
	assert_int_equal(w.spa, 0x200123);
	assert_int_equal(w.levels, 4);
	assert_false(w.global);

	assert_true(hw_walk(&mem, &p, 0x40012345, &w));
	assert_int_equal(w.size, TLB_2M);
	assert_int_equal(w.spa, 0x612345);
	assert_int_equal(w.levels, 3);
	assert_true(w.global);

	assert_true(hw_walk(&mem, &p, 0x80123456, &w));
	assert_int_equal(w.size, TLB_1G);
	assert_int_equal(w.spa, 0x123456);
	assert_int_equal(w.levels, 2);
}

static void test_not_present_and_outside_ram(void **state)
{
	uint64_t root = new_table();
	struct hw_paging p = { root, root, false, 0 };
	struct hw_walk w;

	(void)state;
	map(root, 0, 0x400000, 0x200000, 1, 0);
	assert_false(hw_walk(&mem, &p, 0x401000, &w)); /* PTE not present */
	assert_false(hw_walk(&mem, &p, 0x7f0000000000, &w)); /* PML4E */
	/* A table pointer past the end of RAM. */
	*entry(root, 0xc0000000, 4) = (RAM_SIZE + GIB1) | TABLE;
	assert_false(hw_walk(&mem, &p, 0xc0000000, &w));
}

/* Nested tables at @ncr3 mapping gPA [0, 16M) to sPA [16M, 32M) with
 * 2 MiB pages, except gPA [4M, 6M) with 4 KiB pages. */
static uint64_t build_npt(void)
{
	uint64_t ncr3 = new_table();

	for (uint64_t gpa = 0; gpa < (16ull << 20); gpa += MIB2) {
		if (gpa == 4ull << 20) {
			for (uint64_t o = 0; o < MIB2; o += KIB4)
				map(ncr3, 0, gpa + o, (16ull << 20) + gpa + o,
				    1, 0);
		} else {
			map(ncr3, 0, gpa, (16ull << 20) + gpa, 2, 0);
		}
	}
	return ncr3;
}

static void test_two_dimensions(void **state)
{
	uint64_t ncr3 = build_npt();
	uint64_t off = 16ull << 20; /* sPA = gPA + off */
	uint64_t root_spa, root_gpa;
	struct hw_paging p;
	struct hw_walk w;
	enum tlb_size ns;

	(void)state;
	/* The guest's tables live in sPA [16M, 32M), named by gPA. */
	next_table = off + 0x100000;
	root_spa = new_table();
	root_gpa = root_spa - off;
	p = (struct hw_paging){ root_spa, root_gpa, true, ncr3 };

	assert_true(npt_translate(&mem, ncr3, 0x1234, &root_spa, &ns));
	assert_int_equal(root_spa, off + 0x1234);
	assert_int_equal(ns, TLB_2M);

	/* Guest 4K page: 4K, wherever the nested leaf is larger. */
	map(p.root_spa, off, 0x400000, 0x200000, 1, 0);
	assert_true(hw_walk(&mem, &p, 0x400abc, &w));
	assert_int_equal(w.size, TLB_4K);
	assert_int_equal(w.gpa, 0x200abc);
	assert_int_equal(w.spa, off + 0x200abc);
	assert_int_equal(w.levels, 4);
	assert_int_equal(w.table_gpa[0], root_gpa);
	assert_int_equal(w.data_nsize, TLB_2M);

	/* Guest 2M page over 2M nested pages: 2M. */
	map(p.root_spa, off, 0x40000000, 0x600000, 2, 0);
	assert_true(hw_walk(&mem, &p, 0x40000010, &w));
	assert_int_equal(w.size, TLB_2M);
	assert_int_equal(w.spa, off + 0x600010);

	/* Guest 2M page over 4K nested pages: the TLB holds 4K. */
	map(p.root_spa, off, 0x40200000, 0x400000, 2, 0);
	assert_true(hw_walk(&mem, &p, 0x40234567, &w));
	assert_int_equal(w.size, TLB_4K);
	assert_int_equal(w.data_nsize, TLB_4K);
	assert_int_equal(w.spa, off + 0x434567);

	/* A guest table pointer to a gPA the nested tables don't map. */
	*entry(p.root_spa, 0x7f0000000000, 4) = (32ull << 20) | TABLE;
	assert_false(hw_walk(&mem, &p, 0x7f0000000000, &w));
}

static enum insn_kind kind_of(const uint8_t *b, size_t n)
{
	unsigned op = 99, window = 99;

	return insn_kind(b, n, &op, &window);
}

static void test_insn_kinds(void **state)
{
	static const uint8_t vmrun[] = { 0x0f, 0x01, 0xd8 };
	static const uint8_t vmload[] = { 0x0f, 0x01, 0xda };
	static const uint8_t cr3_rdi[] = { 0x0f, 0x22, 0xdf };
	static const uint8_t cr3_r15[] = { 0x41, 0x0f, 0x22, 0xdf };
	static const uint8_t cr11[] = { 0x44, 0x0f, 0x22, 0xd8 };
	static const uint8_t cr4[] = { 0x0f, 0x22, 0xe0 };
	static const uint8_t cr3_read[] = { 0x0f, 0x20, 0xd8 };
	static const uint8_t invlpg[] = { 0x0f, 0x01, 0x38 };
	static const uint8_t invlpg_disp[] = { 0x41, 0x0f, 0x01,
					       0x7c, 0x24, 0x08 };
	static const uint8_t swapgs[] = { 0x0f, 0x01, 0xf8 };
	static const uint8_t invlpga[] = { 0x0f, 0x01, 0xdf };
	static const uint8_t mark_end[] = { 0x0f, 0x1f, 0x80, 0x03,
					    0x02, 0x52, 0x42 };
	static const uint8_t other_nop[] = { 0x0f, 0x1f, 0x80, 0x00,
					     0x00, 0x00, 0x00 };
	static const uint8_t truncated[] = { 0x0f, 0x22 };
	unsigned op = 0, window = 0;

	(void)state;
	assert_int_equal(kind_of(vmrun, 3), INSN_VMRUN);
	assert_int_equal(kind_of(vmload, 3), INSN_OTHER);
	assert_int_equal(kind_of(cr3_rdi, 3), INSN_MOV_TO_CR3);
	assert_int_equal(kind_of(cr3_r15, 4), INSN_MOV_TO_CR3);
	assert_int_equal(kind_of(cr11, 4), INSN_OTHER);
	assert_int_equal(kind_of(cr4, 3), INSN_OTHER);
	assert_int_equal(kind_of(cr3_read, 3), INSN_OTHER);
	assert_int_equal(kind_of(invlpg, 3), INSN_INVLPG);
	assert_int_equal(kind_of(invlpg_disp, 6), INSN_INVLPG);
	assert_int_equal(kind_of(swapgs, 3), INSN_OTHER);
	assert_int_equal(kind_of(invlpga, 3), INSN_INVLPGA);
	assert_int_equal(kind_of(other_nop, 7), INSN_OTHER);
	assert_int_equal(kind_of(truncated, 2), INSN_OTHER);
	assert_int_equal(insn_kind(mark_end, 7, &op, &window), INSN_MARK);
	assert_int_equal(op, BRAID_MARK_END);
	assert_int_equal(window, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_dimension_each_size,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_not_present_and_outside_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_dimensions, setup,
						teardown),
		T(test_insn_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
