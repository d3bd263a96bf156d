// SPDX-License-Identifier: MIT
/*
 * mm/gwalk.c: the software walk of the guest's 4-level tables. The guest's
 * "RAM" is a plain buffer; the map callback hands out pointers into it, and
 * NULL beyond it (open bus). Error codes are checked against SDM Vol. 3A
 * 4.6 (permissions) and 4.7 (page-fault error code).
 */
#include <string.h>

#include "mm/gwalk.h"
#include "mm/pte.h"
#include "tests/unit/unit.h"

#define PG PAGE_SIZE

#define P   X86_PTE_P
#define RW  X86_PTE_RW
#define US  X86_PTE_US
#define A   X86_PTE_A
#define D   X86_PTE_D
#define PS  X86_PTE_PS
#define NX  X86_PTE_NX
#define PRW (P | RW | US) /* an entry that grants everything */

#define EP PFERR_P
#define EW PFERR_W
#define EU PFERR_U
#define ER PFERR_RSVD
#define EI PFERR_I

/* Guest RAM: 32 pages. Tables live at fixed guest-physical pages. */
#define RAM_PAGES 32
#define RAM_SIZE  (RAM_PAGES * PG)
#define PML4	  (1 * PG)
#define PDPT	  (2 * PG)
#define PD	  (3 * PG)
#define PT	  (4 * PG)
#define PML4B	  (5 * PG) /* spare tables */
#define PDPTB	  (6 * PG)

static _Alignas(4096) u8 ram[RAM_SIZE];
static unsigned map_calls;

/* Another vCPU's store, played when the walk maps the leaf table (after
 * it read the top-level entry, before it sets that entry's A bit): once,
 * or (race_always) on every walk. */
static u64 race_value;
static bool race_on, race_always;
static unsigned races;

static u64 *map(void *ctx, u64 gpa)
{
	assert_ptr_equal(ctx, ram);
	map_calls++;
	if (race_on && gpa >> 12 == PT >> 12) {
		/* Each time a different value: an ignored bit flips. */
		*(u64 *)(ram + PML4 + 0x0a5u * 8) = /* I4, below */
			race_value ^ ((u64)(race_always && ++races & 1) << 9);
		race_on = race_always;
	}
	if (gpa >= RAM_SIZE || RAM_SIZE - gpa < 8)
		return NULL;
	return (u64 *)(ram + gpa);
}

static u64 *ent(u64 table, unsigned idx)
{
	assert_true(table + PG <= RAM_SIZE);
	return (u64 *)(ram + table) + idx;
}

/* The virtual address used by most tests: no index is 0, none repeats. */
#define I4  0x0a5u
#define I3  0x1c3u
#define I2  0x07eu
#define I1  0x133u
#define OFF 0x5a8u
#define VA(i4, i3, i2, i1, off)                                      \
	(((u64)(i4) << 39) | ((u64)(i3) << 30) | ((u64)(i2) << 21) | \
	 ((u64)(i1) << 12) | (u64)(off))
#define GVA VA(I4, I3, I2, I1, OFF)

/* Leaf frames: deliberately far outside guest RAM (gwalk doesn't care). */
#define FRAME_4K 0x0000123456789000ull
#define FRAME_2M 0x0000000abcc00000ull
#define FRAME_1G 0x00000fed00000000ull

static const struct gwalk_mode mode_default = {
	.wp = true, .nxe = true, .smep = false, .pse1g = true, .maxphyaddr = 52
};

static int setup(void **state)
{
	(void)state;
	memset(ram, 0, sizeof(ram));
	map_calls = 0;
	race_on = race_always = false;
	races = 0;
	return 0;
}

/* A 4K path to GVA with the given flags (A/D clear) at each level. */
static void build_4k(u64 f4, u64 f3, u64 f2, u64 f1)
{
	*ent(PML4, I4) = PDPT | f4;
	*ent(PDPT, I3) = PD | f3;
	*ent(PD, I2) = PT | f2;
	*ent(PT, I1) = FRAME_4K | f1;
}

static u64 *level_entry(unsigned level)
{
	switch (level) {
	case 4: return ent(PML4, I4);
	case 3: return ent(PDPT, I3);
	case 2: return ent(PD, I2);
	default: return ent(PT, I1);
	}
}

static void walk(u64 va, u32 access, const struct gwalk_mode *m,
		 struct gwalk *w)
{
	memset(w, 0xa5, sizeof(*w)); /* gwalk must set every field it reports */
	gwalk(PML4, va, access, m, map, ram, w);
}

static void expect_ok(u64 va, u32 access, const struct gwalk_mode *m, u64 gpa,
		      unsigned level)
{
	struct gwalk w;

	walk(va, access, m, &w);
	assert_false(w.fault);
	assert_int_equal(w.gpa, gpa);
	assert_int_equal(w.level, level);
}

static void expect_fault(u64 va, u32 access, const struct gwalk_mode *m,
			 u32 error)
{
	struct gwalk w;

	walk(va, access, m, &w);
	assert_true(w.fault);
	assert_int_equal(w.error, error);
}

/* Snapshot of guest RAM, to see that a walk wrote nothing. */
static u8 snap[RAM_SIZE];
static void take_snapshot(void)
{
	memcpy(snap, ram, RAM_SIZE);
}
static void expect_unchanged(void)
{
	assert_memory_equal(snap, ram, RAM_SIZE);
}

/* --- translation per page size ----------------------------------------- */

static void test_4k_translation(void **state)
{
	struct gwalk w;
	(void)state;
	build_4k(PRW, PRW, PRW, PRW);
	walk(GVA, 0, &mode_default, &w);
	assert_false(w.fault);
	assert_int_equal(w.gpa, FRAME_4K | OFF);
	assert_int_equal(w.level, 1);
	assert_true(w.writable);
	assert_true(w.user);
	assert_true(w.exec);
	assert_int_equal(w.table_gpa[4], PML4);
	assert_int_equal(w.table_gpa[3], PDPT);
	assert_int_equal(w.table_gpa[2], PD);
	assert_int_equal(w.table_gpa[1], PT);
	assert_int_equal(w.pte[4], PDPT | PRW | A);
	assert_int_equal(w.pte[3], PD | PRW | A);
	assert_int_equal(w.pte[2], PT | PRW | A);
	assert_int_equal(w.pte[1], FRAME_4K | PRW | A);
	/* Every offset within the page, and the neighbouring page unmapped. */
	expect_ok(VA(I4, I3, I2, I1, 0), 0, &mode_default, FRAME_4K, 1);
	expect_ok(VA(I4, I3, I2, I1, 0xfff), EW | EU, &mode_default,
		  FRAME_4K | 0xfff, 1);
	expect_fault(VA(I4, I3, I2, I1 + 1, 0), 0, &mode_default, 0);
	/* CR3 bits 11:0 (PCID, PWT, PCD) are not part of the address. */
	gwalk(PML4 | 0x018, GVA, 0, &mode_default, map, ram, &w);
	assert_false(w.fault);
	assert_int_equal(w.gpa, FRAME_4K | OFF);
}

static void test_2m_translation(void **state)
{
	const u64 off = 0x1abcdeull; /* 21-bit offset */
	const u64 va = VA(I4, I3, I2, 0, 0) + off;
	struct gwalk w;
	(void)state;
	build_4k(PRW, PRW, PRW, PRW);
	*ent(PD, I2) = FRAME_2M | PRW | PS;
	walk(va, EW, &mode_default, &w);
	assert_false(w.fault);
	assert_int_equal(w.level, 2);
	assert_int_equal(w.gpa, FRAME_2M + off);
	assert_int_equal(w.table_gpa[2], PD);
	/* The PAT bit (12) of a large leaf is not an address bit. */
	*ent(PD, I2) = FRAME_2M | BIT(12) | PRW | PS;
	expect_ok(va, 0, &mode_default, FRAME_2M + off, 2);
	expect_ok(VA(I4, I3, I2, 0, 0) + 0x1fffff, 0, &mode_default,
		  FRAME_2M + 0x1fffff, 2);
}

static void test_1g_translation(void **state)
{
	const u64 off = 0x2bcdef12ull; /* 30-bit offset */
	const u64 va = VA(I4, I3, 0, 0, 0) + off;
	struct gwalk w;
	(void)state;
	build_4k(PRW, PRW, PRW, PRW);
	*ent(PDPT, I3) = FRAME_1G | PRW | PS;
	walk(va, EW | EU, &mode_default, &w);
	assert_false(w.fault);
	assert_int_equal(w.level, 3);
	assert_int_equal(w.gpa, FRAME_1G + off);
	*ent(PDPT, I3) = FRAME_1G | BIT(12) | PRW | PS;
	expect_ok(va, 0, &mode_default, FRAME_1G + off, 3);
	expect_ok(VA(I4, I3, 0, 0, 0) + 0x3fffffff, 0, &mode_default,
		  FRAME_1G + 0x3fffffff, 3);
}

/* --- not present ------------------------------------------------------- */

static void test_not_present_each_level(void **state)
{
	static const u32 accesses[] = { 0, EW, EU, EW | EU, EI, EI | EU };
	(void)state;
	for (unsigned l = 1; l <= 4; l++) {
		for (unsigned a = 0; a < ARRAY_SIZE(accesses); a++) {
			u32 acc = accesses[a];

			memset(ram, 0, sizeof(ram));
			build_4k(PRW, PRW, PRW, PRW);
			/* Not present: every other bit is ignored, even
			 * reserved ones and NX without NXE. */
			*level_entry(l) =
				(*level_entry(l) & ~P) | BIT(51) | NX | PS;
			take_snapshot();
			expect_fault(GVA, acc, &mode_default, acc);
			expect_unchanged(); /* no A bit anywhere */
			{
				struct gwalk_mode m = mode_default;

				m.nxe = false;
				m.maxphyaddr = 36;
				/* I/D only with NXE or SMEP. */
				expect_fault(GVA, acc, &m, acc & ~EI);
				m.smep = true;
				expect_fault(GVA, acc, &m, acc);
			}
			expect_unchanged();
		}
	}
	/* An empty PML4. */
	memset(ram, 0, sizeof(ram));
	expect_fault(GVA, EW, &mode_default, EW);
}

/* --- R/W ------------------------------------------------------------- */

static void test_rw_each_level(void **state)
{
	struct gwalk_mode nowp = mode_default;
	(void)state;
	nowp.wp = false;
	for (unsigned l = 1; l <= 4; l++) {
		struct gwalk w;

		memset(ram, 0, sizeof(ram));
		build_4k(PRW, PRW, PRW, PRW);
		*level_entry(l) &= ~RW;
		take_snapshot();
		/* Reads are fine, from both modes; the path is read-only. */
		walk(GVA, 0, &mode_default, &w);
		assert_false(w.fault);
		assert_false(w.writable);
		assert_true(w.user);
		expect_ok(GVA, EU, &mode_default, FRAME_4K | OFF, 1);
		expect_ok(GVA, EI | EU, &mode_default, FRAME_4K | OFF, 1);
		/* Writes fault with P=1 (a protection fault). */
		memcpy(ram, snap, RAM_SIZE);
		expect_fault(GVA, EW, &mode_default, EP | EW);
		expect_fault(GVA, EW | EU, &mode_default, EP | EW | EU);
		expect_unchanged();
		/* CR0.WP=0: supervisor writes go through (and set D)... */
		walk(GVA, EW, &nowp, &w);
		assert_false(w.fault);
		assert_false(w.writable);
		assert_int_equal(w.gpa, FRAME_4K | OFF);
		assert_true(*ent(PT, I1) & D);
		/* ...but user writes never honour WP=0. */
		memcpy(ram, snap, RAM_SIZE);
		expect_fault(GVA, EW | EU, &nowp, EP | EW | EU);
		expect_unchanged();
	}
}

/* The effective permission is the AND over all levels. */
static void test_permissions_are_anded(void **state)
{
	struct gwalk w;
	(void)state;
	build_4k(P | RW, P | US, P | RW | US,
		 P | RW | US); /* RW at 3, US at 4 */
	walk(GVA, 0, &mode_default, &w);
	assert_false(w.fault);
	assert_false(w.writable);
	assert_false(w.user);
	assert_true(w.exec);
	expect_fault(GVA, EU, &mode_default, EP | EU);
	expect_fault(GVA, EW, &mode_default, EP | EW);
	/* Leaf with everything, upper level with NX. */
	build_4k(PRW, PRW, PRW | NX, PRW);
	walk(GVA, 0, &mode_default, &w);
	assert_true(w.writable);
	assert_true(w.user);
	assert_false(w.exec);
	/* A supervisor write to a user page is fine (no SMAP here). */
	build_4k(PRW, PRW, PRW, PRW);
	expect_ok(GVA, EW, &mode_default, FRAME_4K | OFF, 1);
}

/* --- U/S --------------------------------------------------------------- */

static void test_us_each_level(void **state)
{
	struct gwalk_mode nowp = mode_default;
	(void)state;
	nowp.wp = false;
	for (unsigned l = 1; l <= 4; l++) {
		struct gwalk w;

		memset(ram, 0, sizeof(ram));
		build_4k(PRW, PRW, PRW, PRW);
		*level_entry(l) &= ~US;
		walk(GVA, EW, &mode_default, &w);
		assert_false(w.fault);
		assert_false(w.user);
		assert_true(w.writable);
		take_snapshot();
		expect_fault(GVA, EU, &mode_default, EP | EU);
		expect_fault(GVA, EU | EW, &mode_default, EP | EU | EW);
		expect_fault(GVA, EU | EW, &nowp, EP | EU | EW);
		expect_fault(GVA, EU | EI, &mode_default, EP | EU | EI);
		expect_unchanged();
	}
}

/* --- NX ---------------------------------------------------------------- */

static void test_nx_each_level(void **state)
{
	struct gwalk_mode nonxe = mode_default;
	(void)state;
	nonxe.nxe = false;
	for (unsigned l = 1; l <= 4; l++) {
		struct gwalk w;

		memset(ram, 0, sizeof(ram));
		build_4k(PRW, PRW, PRW, PRW);
		*level_entry(l) |= NX;
		/* NXE=1: data accesses are fine, fetches fault. */
		walk(GVA, EW | EU, &mode_default, &w);
		assert_false(w.fault);
		assert_false(w.exec);
		take_snapshot();
		expect_fault(GVA, EI, &mode_default, EP | EI);
		expect_fault(GVA, EI | EU, &mode_default, EP | EI | EU);
		expect_unchanged();
		/* NXE=0: bit 63 is reserved, for every access. */
		expect_fault(GVA, 0, &nonxe, EP | ER);
		expect_fault(GVA, EW | EU, &nonxe, EP | ER | EW | EU);
		expect_fault(GVA, EI, &nonxe, EP | ER); /* no I/D bit */
		nonxe.smep = true;
		expect_fault(GVA, EI, &nonxe, EP | ER | EI); /* SMEP: I/D */
		nonxe.smep = false;
		expect_unchanged();
	}
	/* Without NX anywhere, NXE=0 fetches work and report exec. */
	memset(ram, 0, sizeof(ram));
	build_4k(PRW, PRW, PRW, PRW);
	expect_ok(GVA, EI, &nonxe, FRAME_4K | OFF, 1);
}

/* The I/D bit appears only when NXE or SMEP is on; never for data. */
static void test_id_bit(void **state)
{
	struct gwalk_mode m = mode_default;
	(void)state;
	build_4k(PRW, PRW, PRW, P | RW); /* supervisor page */
	m.nxe = false;
	expect_fault(GVA, EU | EI, &m, EP | EU);
	m.nxe = true;
	expect_fault(GVA, EU | EI, &m, EP | EU | EI);
	m.nxe = false;
	m.smep = true;
	expect_fault(GVA, EU | EI, &m, EP | EU | EI);
	expect_fault(GVA, EU, &m, EP | EU);
	expect_fault(GVA, EU | EW, &m, EP | EU | EW);
}

/* --- SMEP -------------------------------------------------------------- */

static void test_smep(void **state)
{
	struct gwalk_mode smep = mode_default;
	(void)state;
	smep.smep = true;
	build_4k(PRW, PRW, PRW, PRW); /* a user page */
	take_snapshot();
	expect_fault(GVA, EI, &smep, EP | EI);
	expect_unchanged();
	smep.nxe = false;
	expect_fault(GVA, EI, &smep, EP | EI);
	smep.nxe = true;
	/* Without SMEP, the supervisor may fetch from a user page. */
	expect_ok(GVA, EI, &mode_default, FRAME_4K | OFF, 1);
	/* SMEP does not touch data accesses or user fetches. */
	expect_ok(GVA, 0, &smep, FRAME_4K | OFF, 1);
	expect_ok(GVA, EW, &smep, FRAME_4K | OFF, 1);
	expect_ok(GVA, EI | EU, &smep, FRAME_4K | OFF, 1);
	/* A page that is supervisor at any level is not a user page. */
	for (unsigned l = 1; l <= 4; l++) {
		memset(ram, 0, sizeof(ram));
		build_4k(PRW, PRW, PRW, PRW);
		*level_entry(l) &= ~US;
		expect_ok(GVA, EI, &smep, FRAME_4K | OFF, 1);
	}
}

/* --- reserved bits ----------------------------------------------------- */

static void test_rsvd_above_maxphyaddr_each_level(void **state)
{
	struct gwalk_mode m = mode_default;
	(void)state;
	m.maxphyaddr = 40;
	for (unsigned l = 1; l <= 4; l++) {
		static const unsigned bits[] = { 40, 45, 51 };

		for (unsigned b = 0; b < ARRAY_SIZE(bits); b++) {
			memset(ram, 0, sizeof(ram));
			/* A leaf address below 2^40. */
			build_4k(PRW, PRW, PRW, PRW);
			*ent(PT, I1) = 0x12345000ull | PRW;
			*level_entry(l) |= BIT(bits[b]);
			take_snapshot();
			expect_fault(GVA, 0, &m, EP | ER);
			expect_fault(GVA, EW | EU, &m, EP | ER | EW | EU);
			expect_fault(GVA, EI, &m, EP | ER | EI);
			expect_unchanged();
		}
		/* Bits 62:52 are ignored, at any width. */
		memset(ram, 0, sizeof(ram));
		build_4k(PRW, PRW, PRW, PRW);
		*ent(PT, I1) = 0x12345000ull | PRW;
		*level_entry(l) |= BIT(52) | BIT(57) | BIT(62);
		expect_ok(GVA, 0, &m, 0x12345000ull | OFF, 1);
	}
	/* The same leaf address is fine when the width allows it. */
	memset(ram, 0, sizeof(ram));
	build_4k(PRW, PRW, PRW, PRW);
	expect_ok(GVA, 0, &mode_default, FRAME_4K | OFF, 1);
	m.maxphyaddr = 48;
	expect_ok(GVA, 0, &m, FRAME_4K | OFF, 1);
	m.maxphyaddr = 44; /* FRAME_4K has bit 44 set */
	expect_fault(GVA, 0, &m, EP | ER);
}

static void test_rsvd_ps_in_pml4e(void **state)
{
	(void)state;
	build_4k(PRW | PS, PRW, PRW, PRW);
	take_snapshot();
	expect_fault(GVA, 0, &mode_default, EP | ER);
	expect_fault(GVA, EW | EU | EI, &mode_default, EP | ER | EW | EU | EI);
	expect_unchanged();
}

static void test_rsvd_ps_in_pdpte_without_1g(void **state)
{
	struct gwalk_mode m = mode_default;
	(void)state;
	m.pse1g = false;
	build_4k(PRW, PRW, PRW, PRW);
	*ent(PDPT, I3) = FRAME_1G | PRW | PS;
	take_snapshot();
	expect_fault(GVA, 0, &m, EP | ER);
	expect_fault(GVA, EW | EU, &m, EP | ER | EW | EU);
	expect_unchanged();
	expect_ok(GVA, 0, &mode_default, FRAME_1G | (GVA & (GiB(1) - 1)), 3);
	/* Without PS the same pse1g=false walk goes on down. */
	memset(ram, 0, sizeof(ram));
	build_4k(PRW, PRW, PRW, PRW);
	expect_ok(GVA, 0, &m, FRAME_4K | OFF, 1);
}

static void test_rsvd_2m_leaf_bits(void **state)
{
	(void)state;
	for (unsigned b = 13; b <= 20; b++) {
		memset(ram, 0, sizeof(ram));
		build_4k(PRW, PRW, PRW, PRW);
		*ent(PD, I2) = FRAME_2M | BIT(b) | PRW | PS;
		take_snapshot();
		expect_fault(GVA, EU, &mode_default, EP | ER | EU);
		expect_unchanged();
	}
	/* Bits 20:13 of a non-leaf PDE are table address bits. */
	memset(ram, 0, sizeof(ram));
	build_4k(PRW, PRW, PRW, PRW);
	*ent(PD, I2) = (PT | BIT(13)) | PRW; /* table at page 6 */
	*ent(PT + PG * 2, I1) = FRAME_4K | PRW;
	expect_ok(GVA, 0, &mode_default, FRAME_4K | OFF, 1);
	/* Bit 12 (PAT) and bit 21 are fine in a 2M leaf. */
	*ent(PD, I2) = FRAME_2M | BIT(12) | BIT(21) | PRW | PS;
	expect_ok(VA(I4, I3, I2, 0, 0x777), 0, &mode_default,
		  (FRAME_2M | BIT(21)) + 0x777, 2);
}

static void test_rsvd_1g_leaf_bits(void **state)
{
	(void)state;
	for (unsigned b = 13; b <= 29; b++) {
		memset(ram, 0, sizeof(ram));
		build_4k(PRW, PRW, PRW, PRW);
		*ent(PDPT, I3) = FRAME_1G | BIT(b) | PRW | PS;
		take_snapshot();
		expect_fault(GVA, EW, &mode_default, EP | ER | EW);
		expect_unchanged();
	}
	memset(ram, 0, sizeof(ram));
	build_4k(PRW, PRW, PRW, PRW);
	*ent(PDPT, I3) = FRAME_1G | BIT(12) | BIT(30) | PRW | PS;
	expect_ok(VA(I4, I3, 0, 0, 0x777), 0, &mode_default,
		  (FRAME_1G | BIT(30)) + 0x777, 3);
}

/* A reserved bit beats a permission fault, and ends the walk: what is
 * below it (even not present) does not matter. */
static void test_rsvd_precedence(void **state)
{
	struct gwalk_mode m = mode_default;
	(void)state;
	m.maxphyaddr = 40;
	build_4k(PRW, PRW, P | BIT(45), 0); /* leaf not present */
	expect_fault(GVA, EW | EU, &m, EP | ER | EW | EU);
	/* Not present above a reserved bit: P=0, no RSVD. */
	build_4k(PRW, 0, P | BIT(45), PRW);
	*ent(PDPT, I3) = PD | BIT(45); /* P=0 and a reserved bit */
	expect_fault(GVA, EW | EU, &m, EW | EU);
	/* A read-only, supervisor leaf with a reserved bit: RSVD, not U/S. */
	build_4k(PRW, PRW, PRW, P | BIT(41));
	expect_fault(GVA, EW | EU, &m, EP | ER | EW | EU);
}

/* --- open bus ---------------------------------------------------------- */

static void test_table_outside_ram(void **state)
{
	static const u64 far[] = { RAM_SIZE, GiB(2), 0x000ffffffffff000ull };
	(void)state;
	for (unsigned l = 1; l <= 4; l++) {
		for (unsigned f = 0; f < ARRAY_SIZE(far); f++) {
			struct gwalk w;
			u64 table = far[f];

			memset(ram, 0, sizeof(ram));
			build_4k(PRW, PRW, PRW, PRW);
			take_snapshot();
			if (l == 4) {
				memset(&w, 0, sizeof(w));
				gwalk(table, GVA, EW | EU, &mode_default, map,
				      ram, &w);
			} else {
				*level_entry(l + 1) = table | PRW;
				take_snapshot();
				walk(GVA, EW | EU, &mode_default, &w);
			}
			assert_true(w.fault);
			assert_int_equal(w.error, EP | ER | EW | EU);
			assert_int_equal(w.table_gpa[l], table);
			expect_unchanged();
		}
	}
	/* The last entry of the last page of RAM is still inside it. */
	memset(ram, 0, sizeof(ram));
	build_4k(PRW, PRW, PRW, PRW);
	*ent(PD, I2) = (RAM_SIZE - PG) | PRW;
	*ent(RAM_SIZE - PG, 511) = FRAME_4K | PRW;
	expect_ok(VA(I4, I3, I2, 511, 1), 0, &mode_default, FRAME_4K | 1, 1);
}

/* --- accessed / dirty -------------------------------------------------- */

static void test_accessed_dirty_4k(void **state)
{
	struct gwalk w;
	(void)state;
	build_4k(PRW, PRW, PRW, PRW);
	walk(GVA, 0, &mode_default, &w);
	assert_false(w.fault);
	assert_int_equal(*ent(PML4, I4), PDPT | PRW | A);
	assert_int_equal(*ent(PDPT, I3), PD | PRW | A);
	assert_int_equal(*ent(PD, I2), PT | PRW | A);
	assert_int_equal(*ent(PT, I1), FRAME_4K | PRW | A);
	/* A fetch and a user read set no D either. */
	walk(GVA, EI | EU, &mode_default, &w);
	assert_int_equal(*ent(PT, I1), FRAME_4K | PRW | A);
	/* A write sets D in the leaf only. */
	walk(GVA, EW, &mode_default, &w);
	assert_false(w.fault);
	assert_int_equal(*ent(PML4, I4), PDPT | PRW | A);
	assert_int_equal(*ent(PDPT, I3), PD | PRW | A);
	assert_int_equal(*ent(PD, I2), PT | PRW | A);
	assert_int_equal(*ent(PT, I1), FRAME_4K | PRW | A | D);
	assert_int_equal(w.pte[1], FRAME_4K | PRW | A | D);
	/* Nothing else in RAM was touched. */
	take_snapshot();
	*ent(PML4, I4) = *ent(PDPT, I3) = *ent(PD, I2) = *ent(PT, I1) = 0;
	for (unsigned i = 0; i < RAM_SIZE; i++)
		assert_int_equal(ram[i], 0);
	memcpy(ram, snap, RAM_SIZE);
	/* A write straight away sets A and D together. */
	memset(ram, 0, sizeof(ram));
	build_4k(PRW, PRW, PRW, PRW);
	walk(GVA, EW | EU, &mode_default, &w);
	assert_int_equal(*ent(PT, I1), FRAME_4K | PRW | A | D);
	assert_int_equal(*ent(PD, I2), PT | PRW | A);
}

static void test_accessed_dirty_large(void **state)
{
	struct gwalk w;
	(void)state;
	build_4k(PRW, PRW, PRW, PRW);
	*ent(PD, I2) = FRAME_2M | PRW | PS;
	walk(GVA, EW, &mode_default, &w);
	assert_false(w.fault);
	assert_int_equal(*ent(PML4, I4), PDPT | PRW | A);
	assert_int_equal(*ent(PDPT, I3), PD | PRW | A);
	assert_int_equal(*ent(PD, I2), FRAME_2M | PRW | PS | A | D);
	assert_int_equal(*ent(PT, I1), FRAME_4K | PRW); /* not used */
	assert_int_equal(w.pte[2], FRAME_2M | PRW | PS | A | D);

	memset(ram, 0, sizeof(ram));
	build_4k(PRW, PRW, PRW, PRW);
	*ent(PDPT, I3) = FRAME_1G | PRW | PS;
	walk(GVA, 0, &mode_default, &w);
	assert_int_equal(*ent(PML4, I4), PDPT | PRW | A);
	assert_int_equal(*ent(PDPT, I3), FRAME_1G | PRW | PS | A);
	assert_int_equal(*ent(PD, I2), PT | PRW);
	walk(GVA, EW, &mode_default, &w);
	assert_int_equal(*ent(PDPT, I3), FRAME_1G | PRW | PS | A | D);
}

/* No A or D on any faulting walk: not present, reserved, protection. */
static void test_no_ad_on_fault(void **state)
{
	struct gwalk_mode smep = mode_default;
	(void)state;
	smep.smep = true;
	build_4k(PRW, PRW, PRW, P | US); /* read-only user leaf */
	take_snapshot();
	expect_fault(GVA, EW | EU, &mode_default, EP | EW | EU);
	expect_fault(GVA, EI, &smep, EP | EI);
	expect_unchanged();
	*ent(PT, I1) |= NX;
	take_snapshot();
	expect_fault(GVA, EI | EU, &mode_default, EP | EI | EU);
	expect_unchanged();
	*ent(PT, I1) = FRAME_4K | PRW | BIT(51);
	{
		struct gwalk_mode m = mode_default;

		m.maxphyaddr = 46;
		take_snapshot();
		expect_fault(GVA, EW, &m, EP | ER | EW);
		expect_unchanged();
	}
	*ent(PT, I1) = 0;
	take_snapshot();
	expect_fault(GVA, EW, &mode_default, EW);
	expect_unchanged();
}

/* Entries that already carry A/D keep them; a read does not clear D. */
static void test_ad_preserved(void **state)
{
	struct gwalk w;
	(void)state;
	build_4k(PRW | A, PRW | A, PRW | A, PRW | A | D);
	walk(GVA, 0, &mode_default, &w);
	assert_false(w.fault);
	assert_int_equal(*ent(PT, I1), FRAME_4K | PRW | A | D);
	assert_int_equal(w.pte[1], FRAME_4K | PRW | A | D);
}

/* --- recursive tables -------------------------------------------------- */

static void test_recursive(void **state)
{
	const unsigned R = 0x0ed;
	struct gwalk w;
	(void)state;
	build_4k(PRW, PRW, PRW, PRW);
	*ent(PML4, R) = PML4 | PRW;
	/* R,R,R,R: the PML4 itself. */
	expect_ok(VA(R, R, R, R, 0x123), 0, &mode_default, PML4 + 0x123, 1);
	/* R,R,R,I4: the PDPT; R,R,I4,I3: the PD; R,I4,I3,I2: the PT. */
	expect_ok(VA(R, R, R, I4, 8), 0, &mode_default, PDPT + 8, 1);
	expect_ok(VA(R, R, I4, I3, 16), 0, &mode_default, PD + 16, 1);
	expect_ok(VA(R, I4, I3, I2, I1 * 8), 0, &mode_default, PT + I1 * 8, 1);
	/* Through the recursive window, the real PTE reads as expected. */
	walk(VA(R, I4, I3, I2, I1 * 8), 0, &mode_default, &w);
	assert_int_equal(w.table_gpa[4], PML4);
	assert_int_equal(w.table_gpa[3], PML4);
	assert_int_equal(w.table_gpa[2], PDPT);
	assert_int_equal(w.table_gpa[1], PD);
	assert_int_equal(*(u64 *)(ram + w.gpa) & PTE_ADDR_MASK, FRAME_4K);
	/* A write through R,R,R,R: the same entry is used at all four
	 * levels, so it ends up with A and D. */
	walk(VA(R, R, R, R, 0), EW, &mode_default, &w);
	assert_false(w.fault);
	assert_int_equal(*ent(PML4, R), PML4 | PRW | A | D);
	assert_int_equal(w.level, 1);
	/* A read-only self entry makes the whole window read-only. */
	*ent(PML4, R) = PML4 | P | US;
	expect_fault(VA(R, R, I4, I3, 0), EW, &mode_default, EP | EW);
	expect_ok(VA(R, R, I4, I3, 0), 0, &mode_default, PD, 1);
}

/* A and D are set with a compare-and-exchange on what the walk read: a
 * store another vCPU made in between is kept (here it takes write access
 * away), and the walk starts again and sees it. A plain read-modify-write
 * would have put RW back. */
static void test_accessed_set_atomically(void **state)
{
	struct gwalk w;
	(void)state;
	build_4k(P | RW | US, P | RW | US, P | RW | US, P | RW | US);
	race_value = PDPT | P | US;
	race_on = true;
	walk(GVA, EU, &mode_default, &w);
	assert_false(w.fault);
	assert_false(w.writable);
	assert_int_equal(*ent(PML4, I4), PDPT | P | US | A);
	assert_int_equal(w.pte[4], PDPT | P | US | A);
	/* A write now faults on the new entry, as on a CPU. */
	walk(GVA, EW | EU, &mode_default, &w);
	assert_true(w.fault);
	assert_false(w.raced);
	assert_int_equal(w.error, EP | EW | EU);
}

/* An entry that changes under every try: the walk gives up after a
 * bound, as a race (not the guest's fault: the access runs again). */
static void test_walk_gives_up_racing(void **state)
{
	struct gwalk w;
	(void)state;
	build_4k(P | RW | US, P | RW | US, P | RW | US, P | RW | US);
	race_value = PDPT | P | RW | US;
	race_on = race_always = true;
	walk(GVA, EU, &mode_default, &w);
	assert_true(w.fault);
	assert_true(w.raced);
}

#define TG(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TG(test_4k_translation),
		TG(test_2m_translation),
		TG(test_1g_translation),
		TG(test_not_present_each_level),
		TG(test_rw_each_level),
		TG(test_permissions_are_anded),
		TG(test_us_each_level),
		TG(test_nx_each_level),
		TG(test_id_bit),
		TG(test_smep),
		TG(test_rsvd_above_maxphyaddr_each_level),
		TG(test_rsvd_ps_in_pml4e),
		TG(test_rsvd_ps_in_pdpte_without_1g),
		TG(test_rsvd_2m_leaf_bits),
		TG(test_rsvd_1g_leaf_bits),
		TG(test_rsvd_precedence),
		TG(test_table_outside_ram),
		TG(test_accessed_dirty_4k),
		TG(test_accessed_dirty_large),
		TG(test_no_ad_on_fault),
		TG(test_ad_preserved),
		TG(test_recursive),
		TG(test_accessed_set_atomically),
		TG(test_walk_gives_up_racing),
	};

	return cmocka_run_group_tests_name("gwalk", tests, NULL, NULL);
}
