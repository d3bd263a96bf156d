// SPDX-License-Identifier: MIT
/*
 * bigws: one large working set, mapped once and then touched at random
 * pages for the rest of the run. Nearly every touch lands on a page whose
 * translation is not cached, so the cost of a TLB miss (a page walk, two
 * dimensional under nested paging) dominates; the page tables themselves
 * never change after the first pass.
 *
 *   bigws [scale=S] [mib=MIB] [touches=N] [thp=0|1]
 *
 * scale multiplies both the size (64 MiB) and the number of touches. The
 * region is kept out of transparent huge pages unless thp=1: with 2 MiB
 * pages it would fit the TLB and the walks this workload is about would
 * mostly vanish.
 * Checks: the first word of every page still holds that page's tag (two
 * pages sharing a frame would overwrite each other's), and the sum of the
 * whole region equals its initial sum plus everything the touches added.
 */
#define _GNU_SOURCE
#include "wl.h"

#include <sys/mman.h>

int main(int argc, char **argv)
{
	struct wl_param params[] = { { "scale", 1, 0 },
				     { "mib", 64, 0 },
				     { "touches", 4000000, 0 },
				     { "thp", 0, 0 },
				     { NULL, 0, 0 } };
	uint64_t pages, touches, rng = 0x62696777, added = 0, expect = 0;
	uint64_t sum = 0, badtags = 0, t0, t1, t2;
	uint64_t *m;

	if (wl_parse("bigws", argc, argv, params))
		return 1;
	pages = wl_scaled(wl_get(params, "mib") * 256, wl_get(params, "scale"));
	touches = wl_scaled(wl_get(params, "touches"), wl_get(params, "scale"));

	BRAID_MARK(BRAID_MARK_BEGIN, BRAID_WINDOW_BIGWS);
	t0 = wl_now_ns();
	m = mmap(NULL, pages * WL_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		printf("BRAID-RESULT bigws ok=0 error=mmap pages=%llu\n",
		       (unsigned long long)pages);
		return 1;
	}
	if (!wl_get(params, "thp"))
		madvise(m, pages * WL_PAGE, MADV_NOHUGEPAGE);
	for (uint64_t p = 0; p < pages; p++) {
		m[p * WL_PAGE_WORDS] = wl_tag(2, p);
		expect += wl_tag(2, p);
	}
	t1 = wl_now_ns();

	for (uint64_t i = 0; i < touches; i++) {
		uint64_t r = wl_rand(&rng);
		uint64_t p = r % pages;
		uint64_t w = 1 + (r >> 40) % (WL_PAGE_WORDS - 1);
		uint64_t d = r | 1;

		m[p * WL_PAGE_WORDS + w] += d;
		added += d;
	}
	t2 = wl_now_ns();
	BRAID_MARK(BRAID_MARK_END, BRAID_WINDOW_BIGWS);

	for (uint64_t p = 0; p < pages; p++) {
		badtags += m[p * WL_PAGE_WORDS] != wl_tag(2, p);
		for (uint64_t w = 0; w < WL_PAGE_WORDS; w++)
			sum += m[p * WL_PAGE_WORDS + w];
	}
	expect += added;

	printf("BRAID-RESULT bigws ok=%d mib=%llu pages=%llu touches=%llu "
	       "thp=%d badtags=%llu sum=%016llx expect=%016llx "
	       "populate_ns=%llu ns=%llu\n",
	       badtags == 0 && sum == expect, (unsigned long long)(pages / 256),
	       (unsigned long long)pages, (unsigned long long)touches,
	       wl_get(params, "thp") != 0, (unsigned long long)badtags,
	       (unsigned long long)sum, (unsigned long long)expect,
	       (unsigned long long)(t1 - t0), (unsigned long long)(t2 - t1));
	return !(badtags == 0 && sum == expect);
}
