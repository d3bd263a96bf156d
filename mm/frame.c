// SPDX-License-Identifier: MIT
/*
 * Bitmap frame allocator. Bit set = frame free. Order of construction:
 *   1. every frame in an "available" map range is marked free,
 *   2. every frame touched by any other range is marked used (a firmware map
 *      may overlap itself; reserved wins),
 *   3. the low megabyte, the caller's reserved ranges and the bitmap itself
 *      are marked used.
 * Partial frames at range edges are never free: available ranges are rounded
 * inwards, reserved ones outwards.
 *
 * Every CPU allocates (guests' RAM, tables, VMCSs), so the bitmap, the free
 * count and the hint change only under frame_lock. A frame is zeroed after
 * the lock is dropped: it is the caller's alone by then, and 4 KiB (or a
 * guest's 2 MiB chunk) of stores need not hold up the other CPUs.
 * frame_init() runs on the boot CPU before any other starts.
 */
#include "lib/atomic.h"
#include "lib/panic.h"
#include "lib/phys.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "mm/frame.h"

static struct spinlock frame_lock = SPINLOCK_INIT("frame");
static u64 *bitmap;	/* set at init, then only its bits change */
static u64 nr_frames;	/* frames covered by the bitmap: [0, nr_frames) */
static u64 free_frames; /* written under frame_lock, read without */
static u64 next_hint;	/* where the next single-frame search starts */

static bool test_bit(u64 f)
{
	return bitmap[f / 64] & BIT(f % 64);
}

/* The count is read without the lock (frame_free_count()): store it
 * whole. */
static void count_free(s64 delta)
{
	atomic_store_relaxed(&free_frames, free_frames + delta);
}

static void set_free(u64 f)
{
	if (!test_bit(f))
		count_free(1);
	bitmap[f / 64] |= BIT(f % 64);
}

static void set_used(u64 f)
{
	if (test_bit(f))
		count_free(-1);
	bitmap[f / 64] &= ~BIT(f % 64);
}

static void mark_range(phys_t start, phys_t end, bool free)
{
	u64 f, first, last;

	if (free) {
		first = ALIGN_UP(start, PAGE_SIZE) >> PAGE_SHIFT;
		last = ALIGN_DOWN(end, PAGE_SIZE) >> PAGE_SHIFT;
	} else {
		first = start >> PAGE_SHIFT;
		last = ALIGN_UP(end, PAGE_SIZE) >> PAGE_SHIFT;
	}
	last = MIN(last, nr_frames);
	for (f = first; f < last; f++)
		free ? set_free(f) : set_used(f);
}

static bool overlaps(phys_t s, phys_t e, const struct phys_range *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (s < r[i].end && r[i].start < e)
			return true;
	return false;
}

/* Does any non-available map range touch [s, e)? */
static bool map_reserves(const struct boot_mem_range *map, unsigned nr_map,
			 phys_t s, phys_t e)
{
	for (unsigned i = 0; i < nr_map; i++)
		if (map[i].type != BOOT_MEM_AVAILABLE &&
		    s < map[i].base + map[i].len && map[i].base < e)
			return true;
	return false;
}

/* Find room for the bitmap: the first page-aligned spot in available RAM,
 * above the low megabyte, that overlaps nothing reserved. */
static phys_t place_bitmap(const struct boot_mem_range *map, unsigned nr_map,
			   const struct phys_range *res, unsigned nr_res,
			   u64 bytes)
{
	for (unsigned i = 0; i < nr_map; i++) {
		phys_t s, e;

		if (map[i].type != BOOT_MEM_AVAILABLE)
			continue;
		s = ALIGN_UP(MAX(map[i].base, FRAME_LOW_LIMIT), PAGE_SIZE);
		e = ALIGN_DOWN(map[i].base + map[i].len, PAGE_SIZE);
		for (; s + bytes <= e; s += PAGE_SIZE)
			if (!overlaps(s, s + bytes, res, nr_res) &&
			    !map_reserves(map, nr_map, s, s + bytes))
				return s;
	}
	return 0;
}

int frame_init(const struct boot_mem_range *map, unsigned nr_map,
	       const struct phys_range *reserved, unsigned nr_reserved)
{
	phys_t top = 0, where;
	u64 bytes;
	unsigned i;

	spin_register(&frame_lock);

	for (i = 0; i < nr_map; i++)
		if (map[i].type == BOOT_MEM_AVAILABLE)
			top = MAX(top, map[i].base + map[i].len);
	if (top <= FRAME_LOW_LIMIT)
		return -ENOMEM;
	nr_frames = top >> PAGE_SHIFT;
	bytes = ALIGN_UP(ALIGN_UP(nr_frames, 64) / 8, PAGE_SIZE);
	where = place_bitmap(map, nr_map, reserved, nr_reserved, bytes);
	if (!where)
		return -ENOMEM;
	bitmap = pa_to_va(where);
	memset(bitmap, 0, bytes);
	free_frames = 0;
	for (i = 0; i < nr_map; i++)
		if (map[i].type == BOOT_MEM_AVAILABLE)
			mark_range(map[i].base, map[i].base + map[i].len, true);
	for (i = 0; i < nr_map; i++)
		if (map[i].type != BOOT_MEM_AVAILABLE)
			mark_range(map[i].base, map[i].base + map[i].len,
				   false);
	mark_range(0, FRAME_LOW_LIMIT, false);
	for (i = 0; i < nr_reserved; i++)
		mark_range(reserved[i].start, reserved[i].end, false);
	mark_range(where, where + bytes, false);
	next_hint = 0;
	return free_frames ? 0 : -ENOMEM;
}

/* Mark @nr frames from @f used; the caller holds frame_lock. */
static u64 take(u64 f, u64 nr)
{
	for (u64 i = 0; i < nr; i++)
		set_used(f + i);
	return f;
}

/* Zero what was taken (outside the lock) and return its address; 0 for
 * nothing. */
static phys_t zeroed(u64 f, u64 nr)
{
	if (!nr)
		return 0;
	memset(pa_to_va(f << PAGE_SHIFT), 0, nr * PAGE_SIZE);
	return f << PAGE_SHIFT;
}

/* One free frame, taken, or 0 for none (never frame 0: it is below
 * FRAME_LOW_LIMIT); the caller holds frame_lock. */
static u64 find_one(void)
{
	for (u64 n = 0; n < nr_frames; n++) {
		u64 f = (next_hint + n) % nr_frames;

		if (!bitmap[f / 64]) { /* skip a whole used word */
			n += 63 - f % 64;
			continue;
		}
		if (test_bit(f)) {
			next_hint = f + 1;
			return take(f, 1);
		}
	}
	return 0;
}

phys_t frame_alloc(void)
{
	u64 f;

	spin_lock(&frame_lock);
	f = find_one();
	spin_unlock(&frame_lock);
	return zeroed(f, f ? 1 : 0);
}

/* The first run of @nr free frames at a multiple of @step, taken, or 0;
 * the caller holds frame_lock. */
static u64 find_run(u64 nr, u64 step)
{
	for (u64 f = 0; f + nr <= nr_frames; f += step) {
		u64 i;

		for (i = 0; i < nr && test_bit(f + i); i++)
			;
		if (i == nr)
			return take(f, nr);
		/* Skip past the used frame, to the next aligned start. */
		f = ALIGN_DOWN(f + i, step);
	}
	return 0;
}

phys_t frame_alloc_contig(u64 nr, u64 align)
{
	u64 f;

	if (!nr)
		return 0;
	spin_lock(&frame_lock);
	f = find_run(nr, MAX(align, PAGE_SIZE) >> PAGE_SHIFT);
	spin_unlock(&frame_lock);
	return zeroed(f, f ? nr : 0);
}

void frame_free(phys_t pa)
{
	frame_free_contig(pa, 1);
}

/*
 * A frame freed twice was, in between, possibly handed to someone else:
 * the first owner's late free would give the second owner's frame away
 * (to be zeroed under it). That is braid's bug, so it stops by name here
 * rather than as a guest's unexplained fault later.
 */
void frame_free_contig(phys_t pa, u64 nr)
{
	u64 first = pa >> PAGE_SHIFT, end = MIN(first + nr, nr_frames);

	if (!pa)
		return; /* nothing, as free(NULL): frame 0 is never handed out */
	spin_lock(&frame_lock);
	for (u64 f = first; f < end; f++) {
		if (test_bit(f)) {
			spin_unlock(&frame_lock);
			panic("frame 0x%llx freed twice",
			      (unsigned long long)(f << PAGE_SHIFT));
		}
	}
	for (u64 f = first; f < end; f++)
		set_free(f);
	spin_unlock(&frame_lock);
}

/* A snapshot: other CPUs may change it right after. */
u64 frame_free_count(void)
{
	return atomic_load_relaxed(&free_frames);
}

u64 frame_largest_run(void)
{
	u64 best = 0, run = 0;

	spin_lock(&frame_lock);
	for (u64 f = 0; f < nr_frames; f++) {
		run = test_bit(f) ? run + 1 : 0;
		best = MAX(best, run);
	}
	spin_unlock(&frame_lock);
	return best;
}

bool frame_is_free(phys_t pa)
{
	u64 f = pa >> PAGE_SHIFT;
	bool free;

	spin_lock(&frame_lock);
	free = f < nr_frames && test_bit(f);
	spin_unlock(&frame_lock);
	return free;
}

phys_t frame_first_free(phys_t pa, u64 nr)
{
	u64 f = pa >> PAGE_SHIFT, end = f + nr;

	spin_lock(&frame_lock);
	for (; f < end && f < nr_frames && !test_bit(f); f++)
		;
	spin_unlock(&frame_lock);
	return f < end && f < nr_frames ? f << PAGE_SHIFT : 0;
}
