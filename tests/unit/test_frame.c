// SPDX-License-Identifier: MIT
/* mm/frame.c: the bitmap physical frame allocator. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mm/frame.h"
#include "tests/unit/fake_phys.h"
#include "tests/unit/unit.h"

#define AV BOOT_MEM_AVAILABLE
#define PG PAGE_SIZE

/* Every frame currently handed out by drain(). */
static phys_t *drained;
static u64 nr_drained;

static int cmp_phys(const void *a, const void *b)
{
	phys_t x = *(const phys_t *)a, y = *(const phys_t *)b;

	return x < y ? -1 : x > y;
}

/* Allocate frames one by one until the allocator says no; check each is a
 * page-aligned, non-zero, not-yet-seen frame, and that the count matches
 * what frame_free_count() promised. Leaves the frames sorted in drained[]. */
static void drain(void)
{
	u64 expect = frame_free_count();
	phys_t pa;

	free(drained);
	drained = calloc(FAKE_PHYS_SIZE / PG + 1, sizeof(*drained));
	assert_non_null(drained);
	nr_drained = 0;
	while ((pa = frame_alloc()) != 0) {
		assert_true(IS_ALIGNED(pa, PG));
		assert_true(pa >= FRAME_LOW_LIMIT);
		assert_true(pa < FAKE_PHYS_SIZE);
		assert_false(frame_is_free(pa));
		assert_true(nr_drained < FAKE_PHYS_SIZE / PG);
		drained[nr_drained++] = pa;
	}
	assert_int_equal(nr_drained, expect);
	assert_int_equal(frame_free_count(), 0);
	qsort(drained, nr_drained, sizeof(*drained), cmp_phys);
	for (u64 i = 1; i < nr_drained; i++)
		assert_true(drained[i] > drained[i - 1]); /* no duplicates */
}

/* Was any frame overlapping [start, end) handed out by drain()? */
static bool drained_in(phys_t start, phys_t end)
{
	for (u64 i = 0; i < nr_drained; i++)
		if (drained[i] < end && start < drained[i] + PG)
			return true;
	return false;
}

static bool was_drained(phys_t pa)
{
	return bsearch(&pa, drained, nr_drained, sizeof(pa), cmp_phys) != NULL;
}

static void undrain(void)
{
	u64 i;

	for (i = 0; i < nr_drained; i++)
		frame_free(drained[i]);
	assert_int_equal(frame_free_count(), nr_drained);
}

static int teardown(void **state)
{
	(void)state;
	free(drained);
	drained = NULL;
	nr_drained = 0;
	return 0;
}

/* --- init ------------------------------------------------------------- */

static void test_simple_map_exact_count(void **state)
{
	/* 16 MiB of RAM, 640K low + [1M, 16M): 4096 frames -> 512-byte
	 * bitmap -> one page, placed at the first spot above 1 MiB. */
	const struct boot_mem_range map[] = {
		{ 0, KiB(640), AV },
		{ KiB(640), KiB(384), BOOT_MEM_RESERVED },
		{ MiB(1), MiB(15), AV },
	};
	(void)state;
	assert_int_equal(frame_init(map, 3, NULL, 0), 0);
	assert_int_equal(frame_free_count(), (MiB(15) / PG) - 1);
	assert_false(frame_is_free(MiB(1))); /* the bitmap */
	assert_true(frame_is_free(MiB(1) + PG));
	assert_true(frame_is_free(MiB(16) - PG));
	assert_false(frame_is_free(MiB(16)));
	assert_false(frame_is_free(0));
	assert_false(frame_is_free(KiB(636))); /* available, but low */
	assert_int_equal(frame_largest_run(), MiB(15) / PG - 1);
	/* The first single frame comes right after the bitmap. */
	assert_int_equal(frame_alloc(), MiB(1) + PG);
	assert_int_equal(frame_alloc(), MiB(1) + 2 * PG);
}

static void test_low_megabyte_never_handed_out(void **state)
{
	const struct boot_mem_range map[] = {
		{ 0, MiB(8), AV },
	};
	(void)state;
	assert_int_equal(frame_init(map, 1, NULL, 0), 0);
	assert_int_equal(frame_free_count(), MiB(7) / PG - 1);
	for (phys_t pa = 0; pa < MiB(1); pa += PG)
		assert_false(frame_is_free(pa));
	drain();
	assert_false(drained_in(0, MiB(1)));
	assert_int_equal(drained[0], MiB(1) + PG);
	assert_int_equal(drained[nr_drained - 1], MiB(8) - PG);
}

static void test_nothing_above_1m_is_enomem(void **state)
{
	const struct boot_mem_range low[] = {
		{ 0, KiB(640), AV },
		{ MiB(1), MiB(64), BOOT_MEM_RESERVED },
	};
	const struct boot_mem_range exactly[] = {
		{ 0, MiB(1), AV },
	};
	(void)state;
	assert_int_equal(frame_init(low, 2, NULL, 0), -ENOMEM);
	assert_int_equal(frame_init(exactly, 1, NULL, 0), -ENOMEM);
	assert_int_equal(frame_init(NULL, 0, NULL, 0), -ENOMEM);
}

static void test_no_room_for_bitmap_is_enomem(void **state)
{
	/* All RAM above 1M is the caller's (e.g. the hypervisor image). */
	const struct boot_mem_range map[] = {
		{ 0, MiB(4), AV },
	};
	const struct phys_range res[] = { { MiB(1), MiB(4) } };
	/* One page above 1M: the bitmap takes it, nothing is left. */
	const struct boot_mem_range one[] = {
		{ MiB(1), PG, AV },
	};
	(void)state;
	assert_int_equal(frame_init(map, 1, res, 1), -ENOMEM);
	assert_int_equal(frame_init(one, 1, NULL, 0), -ENOMEM);
}

static void test_bitmap_frames_reserved_large(void **state)
{
	/* 256 MiB: 65536 frames, 8 KiB of bitmap = two frames at 1 MiB. */
	const struct boot_mem_range map[] = {
		{ 0, KiB(639), AV },
		{ MiB(1), MiB(255), AV },
	};
	(void)state;
	assert_int_equal(frame_init(map, 2, NULL, 0), 0);
	assert_false(frame_is_free(MiB(1)));
	assert_false(frame_is_free(MiB(1) + PG));
	assert_true(frame_is_free(MiB(1) + 2 * PG));
	assert_int_equal(frame_free_count(), MiB(255) / PG - 2);
	assert_int_equal(frame_alloc(), MiB(1) + 2 * PG);
}

static void test_bitmap_avoids_reserved(void **state)
{
	/* The first MiB above 1M is the caller's, then a map hole, so the
	 * bitmap lands at 3M + 4K (after a partial reserved page at 3M). */
	const struct boot_mem_range map[] = {
		{ MiB(1), MiB(15), AV },
		{ MiB(2), MiB(1), BOOT_MEM_ACPI_NVS },
		{ MiB(3) + 0x10, 0x20, BOOT_MEM_RESERVED },
	};
	const struct phys_range res[] = { { MiB(1), MiB(2) } };
	(void)state;
	assert_int_equal(frame_init(map, 3, res, 1), 0);
	assert_false(frame_is_free(MiB(3)));	  /* partial reserved page */
	assert_false(frame_is_free(MiB(3) + PG)); /* bitmap */
	assert_true(frame_is_free(MiB(3) + 2 * PG));
	assert_int_equal(frame_free_count(), MiB(13) / PG - 2);
	drain();
	assert_int_equal(drained[0], MiB(3) + 2 * PG);
	assert_false(drained_in(0, MiB(3) + 2 * PG));
}

static void test_non_available_types_never_handed_out(void **state)
{
	const struct boot_mem_range map[] = {
		{ MiB(1), MiB(31), AV },
		{ MiB(4), MiB(1), BOOT_MEM_RESERVED },
		{ MiB(6), KiB(8), BOOT_MEM_ACPI_RECLAIM },
		{ MiB(7), KiB(12), BOOT_MEM_ACPI_NVS },
		{ MiB(8), KiB(4), BOOT_MEM_BAD },
		{ MiB(9), KiB(16), 7 },	 /* unknown type: reserved */
		{ MiB(10), KiB(20), 0 }, /* type 0: reserved */
		{ MiB(11), KiB(4), 0xffffffffu },
		/* Non-available ranges beyond the top of RAM are harmless. */
		{ MiB(512), GiB(3), BOOT_MEM_RESERVED },
	};
	const u64 holes = (MiB(1) + KiB(8 + 12 + 4 + 16 + 20 + 4)) / PG;
	(void)state;
	assert_int_equal(frame_init(map, ARRAY_SIZE(map), NULL, 0), 0);
	assert_int_equal(frame_free_count(), MiB(31) / PG - holes - 1);
	drain();
	for (unsigned i = 1; i < ARRAY_SIZE(map); i++)
		assert_false(drained_in(map[i].base, map[i].base + map[i].len));
	/* Neighbours of each hole are still usable. */
	assert_true(was_drained(MiB(4) - PG));
	assert_true(was_drained(MiB(5)));
	assert_true(was_drained(MiB(6) + KiB(8)));
	assert_true(was_drained(MiB(11) + PG));
	undrain();
}

static void test_partial_frames_at_edges(void **state)
{
	const struct boot_mem_range map[] = {
		/* Available, unaligned at both ends: rounded inwards. */
		{ MiB(1) + 0x800, MiB(2), AV },
		/* Less than a frame of available RAM: nothing. */
		{ MiB(5) + 0x100, 0xe00, AV },
		/* Crosses a frame boundary but covers no whole frame. */
		{ MiB(6) + 0x800, 0x1000, AV },
		/* Available, then a reserved sliver in the middle of a frame:
		 * the whole frame goes (rounded outwards). */
		{ MiB(8), MiB(1), AV },
		{ MiB(8) + 0x3010, 0x10, BOOT_MEM_RESERVED },
		/* Reserved range straddling a frame boundary: both frames. */
		{ MiB(8) + 0x5ff0, 0x20, BOOT_MEM_RESERVED },
	};
	(void)state;
	assert_int_equal(frame_init(map, ARRAY_SIZE(map), NULL, 0), 0);
	/* [1M+4K, 3M) from the first range, bitmap at 1M+4K. */
	assert_false(frame_is_free(MiB(1)));
	assert_false(frame_is_free(MiB(1) + PG)); /* bitmap */
	assert_true(frame_is_free(MiB(1) + 2 * PG));
	assert_true(frame_is_free(MiB(3) - PG));
	assert_false(frame_is_free(MiB(3)));
	assert_false(frame_is_free(MiB(5)));
	assert_false(frame_is_free(MiB(6)));
	assert_false(frame_is_free(MiB(6) + PG));
	assert_true(frame_is_free(MiB(8) + 0x2000));
	assert_false(frame_is_free(MiB(8) + 0x3000));
	assert_true(frame_is_free(MiB(8) + 0x4000));
	assert_false(frame_is_free(MiB(8) + 0x5000));
	assert_false(frame_is_free(MiB(8) + 0x6000));
	assert_true(frame_is_free(MiB(8) + 0x7000));
	assert_int_equal(frame_free_count(),
			 (MiB(2) - PG) / PG - 1 + MiB(1) / PG - 3);
	drain();
	assert_false(drained_in(MiB(1), MiB(1) + 2 * PG));
	assert_false(drained_in(MiB(3), MiB(8)));
	assert_false(drained_in(MiB(8) + 0x3000, MiB(8) + 0x4000));
	assert_false(drained_in(MiB(8) + 0x5000, MiB(8) + 0x7000));
}

static void test_overlapping_unsorted_map_reserved_wins(void **state)
{
	const struct boot_mem_range map[] = {
		{ MiB(8), MiB(8), AV },
		{ MiB(12), MiB(2), BOOT_MEM_RESERVED }, /* inside [8M, 16M) */
		{ MiB(1), MiB(8), AV },			/* overlaps [8M, 9M) */
		{ MiB(3), MiB(2), BOOT_MEM_ACPI_RECLAIM },
		{ MiB(2), MiB(1), AV }, /* duplicate of part of [1M, 9M) */
		{ MiB(4), MiB(6), BOOT_MEM_RESERVED }, /* spans two ranges */
		{ MiB(15), MiB(4), BOOT_MEM_BAD }, /* sticks out past the top */
	};
	(void)state;
	assert_int_equal(frame_init(map, ARRAY_SIZE(map), NULL, 0), 0);
	/* Free: [1M, 3M) + [10M, 12M) + [14M, 15M), less the bitmap page,
	 * which goes in the first spot of the first available map entry that
	 * nothing reserves: 10M. */
	assert_int_equal(frame_free_count(),
			 (MiB(2) + MiB(2) + MiB(1)) / PG - 1);
	assert_false(frame_is_free(MiB(10)));
	assert_true(frame_is_free(MiB(10) + PG));
	drain();
	assert_false(drained_in(MiB(3), MiB(10) + PG));
	assert_false(drained_in(MiB(12), MiB(14)));
	assert_false(drained_in(MiB(15), MiB(20)));
	assert_true(was_drained(MiB(1)));
	assert_true(was_drained(MiB(3) - PG));
	assert_true(was_drained(MiB(10) + PG));
	assert_true(was_drained(MiB(15) - PG));
	undrain();
}

static void test_reserved_before_available_in_map(void **state)
{
	/* Order in the map does not matter: reserved listed first still
	 * wins over the available range listed after it. */
	const struct boot_mem_range map[] = {
		{ MiB(2), MiB(1), BOOT_MEM_RESERVED },
		{ MiB(1), MiB(3), AV },
	};
	(void)state;
	assert_int_equal(frame_init(map, 2, NULL, 0), 0);
	assert_int_equal(frame_free_count(), MiB(2) / PG - 1);
	drain();
	assert_false(drained_in(MiB(2), MiB(3)));
	assert_true(was_drained(MiB(3)));
	assert_true(was_drained(MiB(2) - PG));
}

static void test_caller_reserved_ranges(void **state)
{
	const struct boot_mem_range map[] = {
		{ MiB(1), MiB(15), AV },
	};
	const struct phys_range res[] = {
		{ MiB(2), MiB(3) },		     /* the hypervisor image */
		{ MiB(5) + 0x123, MiB(6) + 0x456 },  /* a module, unaligned */
		{ MiB(7) + 0xfff, MiB(7) + 0x1001 }, /* two frames, 2 bytes */
		{ MiB(100), MiB(200) },		     /* beyond RAM: ignored */
	};
	(void)state;
	assert_int_equal(frame_init(map, 1, res, ARRAY_SIZE(res)), 0);
	assert_int_equal(frame_free_count(),
			 (MiB(15) - MiB(1) - MiB(1) - PG - 2 * PG) / PG - 1);
	assert_true(frame_is_free(MiB(5) - PG));
	assert_false(frame_is_free(MiB(5)));
	assert_false(frame_is_free(MiB(6)));
	assert_true(frame_is_free(MiB(6) + PG));
	assert_false(frame_is_free(MiB(7)));
	assert_false(frame_is_free(MiB(7) + PG));
	drain();
	for (unsigned i = 0; i < ARRAY_SIZE(res); i++)
		assert_false(drained_in(res[i].start, res[i].end));
	undrain();
}

/* --- single frames ---------------------------------------------------- */

static void test_exhaustion_and_realloc(void **state)
{
	/* 16 frames of RAM, one of them the bitmap: 15 to hand out. */
	const struct boot_mem_range map[] = {
		{ MiB(1), KiB(64), AV },
	};
	phys_t got[15];
	(void)state;
	assert_int_equal(frame_init(map, 1, NULL, 0), 0);
	assert_int_equal(frame_free_count(), 15);
	for (unsigned i = 0; i < 15; i++) {
		got[i] = frame_alloc();
		assert_int_equal(got[i], MiB(1) + (i + 1) * PG);
		assert_int_equal(frame_free_count(), 14 - i);
	}
	assert_int_equal(frame_alloc(), 0);
	assert_int_equal(frame_alloc_contig(1, 0), 0);
	assert_int_equal(frame_largest_run(), 0);
	/* A freed frame comes back, and is the only one. */
	frame_free(got[6]);
	assert_int_equal(frame_free_count(), 1);
	assert_true(frame_is_free(got[6]));
	assert_int_equal(frame_alloc(), got[6]);
	assert_int_equal(frame_alloc(), 0);
	frame_free(got[3]);
	assert_int_equal(frame_free_count(), 1);
	frame_free_contig(got[9], 3);
	assert_int_equal(frame_free_count(), 4);
	assert_int_equal(frame_largest_run(), 3);
	assert_int_equal(frame_alloc_contig(3, 0), got[9]);
	assert_int_equal(frame_alloc(), got[3]);
	assert_int_equal(frame_alloc(), 0);
	/* Frames beyond the managed range are ignored by free. */
	frame_free(MiB(100));
	assert_int_equal(frame_free_count(), 0);
	assert_false(frame_is_free(MiB(100)));
}

static void test_alloc_wraps_around(void **state)
{
	/* After freeing a frame below the search hint, frame_alloc still
	 * finds it once the frames above are gone. */
	const struct boot_mem_range map[] = {
		{ MiB(1), MiB(1), AV },
	};
	phys_t first, pa;
	u64 n;
	(void)state;
	assert_int_equal(frame_init(map, 1, NULL, 0), 0);
	first = frame_alloc();
	assert_int_equal(first, MiB(1) + PG);
	frame_free(first);
	for (n = 0; (pa = frame_alloc()) != 0; n++)
		assert_true(pa >= MiB(1) + PG && pa < MiB(2));
	assert_int_equal(n, MiB(1) / PG - 1);
}

static void test_frames_are_zeroed(void **state)
{
	const struct boot_mem_range map[] = {
		{ MiB(1), MiB(7), AV },
	};
	static const u8 zero[PAGE_SIZE * 4];
	phys_t pa, pc;
	(void)state;
	fake_phys_fill(MiB(1), MiB(7), 0xa5);
	assert_int_equal(frame_init(map, 1, NULL, 0), 0);
	pa = frame_alloc();
	assert_int_not_equal(pa, 0);
	assert_memory_equal(fake_phys_ptr(pa), zero, PAGE_SIZE);
	pc = frame_alloc_contig(4, MiB(2));
	assert_int_equal(pc, MiB(2));
	assert_memory_equal(fake_phys_ptr(pc), zero, sizeof(zero));
	/* Dirty, free, get back: zero again. */
	memset(fake_phys_ptr(pc), 0x5a, sizeof(zero));
	frame_free_contig(pc, 4);
	assert_int_equal(frame_alloc_contig(4, MiB(2)), pc);
	assert_memory_equal(fake_phys_ptr(pc), zero, sizeof(zero));
	/* The neighbours were not touched. */
	assert_int_equal(*(u8 *)fake_phys_ptr(pc + 4 * PG), 0xa5);
	assert_int_equal(*(u8 *)fake_phys_ptr(pc - 1), 0xa5);
}

/* --- contiguous runs -------------------------------------------------- */

static void test_contig_alignment(void **state)
{
	const struct boot_mem_range map[] = {
		{ MiB(1), MiB(15), AV },
	};
	const struct phys_range res[] = { { MiB(4) + 5 * PG,
					    MiB(4) + 6 * PG } };
	u64 before;
	(void)state;
	assert_int_equal(frame_init(map, 1, res, 1), 0);
	before = frame_free_count();
	assert_int_equal(frame_alloc_contig(0, 0), 0);
	/* Unaligned request: the first free frame. */
	assert_int_equal(frame_alloc_contig(3, 0), MiB(1) + PG);
	assert_int_equal(frame_alloc_contig(1, PG), MiB(1) + 4 * PG);
	/* 2 MiB aligned: 1M is taken, 2M is free. */
	assert_int_equal(frame_alloc_contig(512, MiB(2)), MiB(2));
	/* Next 2 MiB start is 4M, but 4M+20K is reserved: skip to 6M. */
	assert_int_equal(frame_alloc_contig(6, MiB(2)), MiB(6));
	/* ... although 5 frames at 4M fit. */
	assert_int_equal(frame_alloc_contig(5, MiB(2)), MiB(4));
	/* 64K alignment: 1M is the bitmap, 1M+64K is the first free one. */
	assert_int_equal(frame_alloc_contig(2, KiB(64)), MiB(1) + KiB(64));
	/* 16K alignment, 4 frames: 1M+16K is taken (the single frame
	 * above), so 1M+32K, then 1M+48K. */
	assert_int_equal(frame_alloc_contig(4, KiB(16)), MiB(1) + KiB(32));
	assert_int_equal(frame_alloc_contig(4, KiB(16)), MiB(1) + KiB(48));
	assert_int_equal(frame_free_count(),
			 before - 3 - 1 - 512 - 6 - 5 - 2 - 8);
	/* Larger than any run: 0, nothing taken. */
	assert_int_equal(frame_alloc_contig(MiB(16) / PG, 0), 0);
	assert_int_equal(frame_alloc_contig(~0ull, 0), 0);
	/* Only 14M-ish of RAM: no 8 MiB aligned 8 MiB run except [8M, 16M). */
	assert_int_equal(frame_alloc_contig(MiB(8) / PG, MiB(8)), MiB(8));
	assert_int_equal(frame_alloc_contig(1, MiB(8)), 0);
	assert_int_equal(frame_free_count(),
			 before - 3 - 1 - 512 - 6 - 5 - 2 - 8 - MiB(8) / PG);
}

static void test_contig_results_are_in_use(void **state)
{
	const struct boot_mem_range map[] = {
		{ MiB(1), MiB(7), AV },
	};
	phys_t pa;
	(void)state;
	assert_int_equal(frame_init(map, 1, NULL, 0), 0);
	pa = frame_alloc_contig(16, KiB(64));
	assert_int_equal(pa, MiB(1) + KiB(64));
	for (u64 i = 0; i < 16; i++)
		assert_false(frame_is_free(pa + i * PG));
	assert_true(frame_is_free(pa + 16 * PG));
	/* Single-frame allocation never returns part of the run. */
	drain();
	assert_false(drained_in(pa, pa + 16 * PG));
	/* Giving the run back makes exactly those frames free again. */
	undrain();
	frame_free_contig(pa, 16);
	assert_int_equal(frame_free_count(), MiB(7) / PG - 1);
	assert_int_equal(frame_largest_run(), MiB(7) / PG - 1);
}

/* frame_first_free() finds a hole in a run the caller believes taken
 * (braid's check that a guest's end left the others' RAM alone). */
static void test_first_free_in_run(void **state)
{
	const struct boot_mem_range map[] = {
		{ MiB(1), MiB(7), AV },
	};
	phys_t pa;
	(void)state;
	assert_int_equal(frame_init(map, 1, NULL, 0), 0);
	pa = frame_alloc_contig(16, KiB(64));
	assert_int_equal(frame_first_free(pa, 16), 0);
	frame_free(pa + 9 * PG);
	frame_free(pa + 12 * PG);
	assert_int_equal(frame_first_free(pa, 16), pa + 9 * PG);
	assert_int_equal(frame_first_free(pa, 9), 0);
	assert_int_equal(frame_first_free(pa + 10 * PG, 6), pa + 12 * PG);
}

/* A frame freed twice is braid's bug, stopped by name (its first owner's
 * late free would give the next owner's frame away). */
static void test_double_free_panics(void **state)
{
	const struct boot_mem_range map[] = {
		{ MiB(1), MiB(7), AV },
	};
	phys_t pa, run;
	u64 before;
	(void)state;
	assert_int_equal(frame_init(map, 1, NULL, 0), 0);
	pa = frame_alloc();
	run = frame_alloc_contig(4, PG);
	frame_free(pa);
	before = frame_free_count();
	expect_assert_failure(frame_free(pa));
	frame_free(run + PG);
	expect_assert_failure(frame_free_contig(run, 4));
	frame_free(0); /* as free(NULL) */
	/* Nothing was counted twice, and the lock was let go. */
	assert_int_equal(frame_free_count(), before + 1);
	assert_true(frame_is_free(pa));
	assert_false(frame_is_free(run));
	assert_int_not_equal(frame_alloc(), 0);
}

/* --- several CPUs at once ---------------------------------------------- */

#define RACE_THREADS 4
#define RACE_ROUNDS  1000
#define RACE_HELD    24 /* frames a thread holds at a time */

/* Which thread holds each frame (0: none), claimed by compare-and-swap so
 * that two threads handed the same frame cannot both claim it. */
static int race_owner[FAKE_PHYS_SIZE / PG];
static int race_errors;

static bool race_claim(phys_t pa, int me)
{
	int none = 0;

	if (!pa || !IS_ALIGNED(pa, PG) || pa >= FAKE_PHYS_SIZE)
		return false;
	return __atomic_compare_exchange_n(&race_owner[pa / PG], &none, me,
					   false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

/* The frame still carries @me's stamp: nobody was handed it (and zeroed
 * it) meanwhile. Then unclaim it, before the allocator can reuse it. */
static bool race_release(phys_t pa, int me)
{
	bool ok = *(volatile int *)fake_phys_ptr(pa) == me &&
		  __atomic_load_n(&race_owner[pa / PG], __ATOMIC_SEQ_CST) == me;

	__atomic_store_n(&race_owner[pa / PG], 0, __ATOMIC_SEQ_CST);
	return ok;
}

/* Take frames singly and in pairs, stamp them, give them back, over and
 * over; count whatever goes wrong. */
static void *race_thread(void *arg)
{
	int me = (int)(intptr_t)arg, errors = 0;
	phys_t held[RACE_HELD];
	u64 nr[RACE_HELD];

	for (int r = 0; r < RACE_ROUNDS; r++) {
		for (int i = 0; i < RACE_HELD; i++) {
			nr[i] = (i + r) % 3 ? 1 : 2;
			held[i] = nr[i] == 1 ? frame_alloc()
					     : frame_alloc_contig(2, PG);
			for (u64 k = 0; k < nr[i]; k++)
				if (!race_claim(held[i] + k * PG, me))
					errors++;
				else
					*(volatile int *)fake_phys_ptr(
						held[i] + k * PG) = me;
		}
		for (int i = 0; i < RACE_HELD; i++) {
			for (u64 k = 0; k < nr[i]; k++)
				if (!race_release(held[i] + k * PG, me))
					errors++;
			frame_free_contig(held[i], nr[i]);
		}
	}
	__atomic_fetch_add(&race_errors, errors, __ATOMIC_SEQ_CST);
	return NULL;
}

static void test_concurrent_alloc_free(void **state)
{
	const struct boot_mem_range map[] = { { MiB(1), MiB(3), AV } };
	pthread_t t[RACE_THREADS];
	u64 before;

	(void)state;
	assert_int_equal(frame_init(map, 1, NULL, 0), 0);
	before = frame_free_count();
	/* Few enough frames that the threads keep meeting in the bitmap:
	 * 4 threads hold up to 4 * 24 * 2 of 767. */
	race_errors = 0;
	for (int i = 0; i < RACE_THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race_thread,
						(void *)(intptr_t)(i + 1)),
				 0);
	for (int i = 0; i < RACE_THREADS; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(race_errors, 0);
	assert_int_equal(frame_free_count(), before);
	assert_int_equal(frame_largest_run(), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_simple_map_exact_count),
		T(test_low_megabyte_never_handed_out),
		T(test_nothing_above_1m_is_enomem),
		T(test_no_room_for_bitmap_is_enomem),
		T(test_bitmap_frames_reserved_large),
		T(test_bitmap_avoids_reserved),
		T(test_non_available_types_never_handed_out),
		T(test_partial_frames_at_edges),
		T(test_overlapping_unsorted_map_reserved_wins),
		T(test_reserved_before_available_in_map),
		T(test_caller_reserved_ranges),
		T(test_exhaustion_and_realloc),
		T(test_alloc_wraps_around),
		T(test_frames_are_zeroed),
		T(test_contig_alignment),
		T(test_contig_results_are_in_use),
		T(test_first_free_in_run),
		T(test_double_free_panics),
		T(test_concurrent_alloc_free),
	};

	return cmocka_run_group_tests_name("frame", tests, NULL, teardown);
}
