// SPDX-License-Identifier: MIT
/*
 * mixws: the compound-paging showcase. One process holds a large, stable
 * region touched at random pages (whose page tables never change, so they
 * are cheapest to walk when shadowed) and, in the same address space, a
 * churning heap of short-lived mappings (whose page tables change all the
 * time, so they are cheapest under nested paging). A hypervisor that can
 * treat the two parts differently wins on both at once.
 *
 *   mixws [scale=S] [mib=MIB] [rounds=N] [touches=PER_ROUND]
 *         [slots=N] [maxpages=PAGES] [thp=0|1]
 *
 * scale multiplies the stable size (32 MiB) and the number of rounds. A
 * round makes `touches` random touches of the stable region, then
 * replaces one random heap slot: the old mapping is verified and unmapped,
 * and a new one of 1..maxpages pages is mapped and filled.
 * Checks: stable page tags and sum as in bigws, and every heap mapping
 * holds its own pattern when it is retired.
 */
#define _GNU_SOURCE
#include "wl.h"

#include <sys/mman.h>

#define MAX_SLOTS 256

struct slot {
	uint64_t *m;
	uint64_t pages;
	uint64_t salt;
};

static void heap_fill(struct slot *s)
{
	for (uint64_t p = 0; p < s->pages; p++)
		for (uint64_t w = 0; w < WL_PAGE_WORDS; w += 64)
			s->m[p * WL_PAGE_WORDS + w] = wl_tag(s->salt, p) + w;
}

/* Verify and unmap a slot's mapping; returns the number of bad pages. */
static uint64_t heap_retire(struct slot *s)
{
	uint64_t bad = 0;

	if (!s->m)
		return 0;
	for (uint64_t p = 0; p < s->pages; p++) {
		for (uint64_t w = 0; w < WL_PAGE_WORDS; w += 64) {
			if (s->m[p * WL_PAGE_WORDS + w] !=
			    wl_tag(s->salt, p) + w) {
				bad++;
				break;
			}
		}
	}
	bad += munmap(s->m, s->pages * WL_PAGE) != 0;
	s->m = NULL;
	return bad;
}

int main(int argc, char **argv)
{
	struct wl_param params[] = {
		{ "scale", 1, 0 },     { "mib", 32, 0 },
		{ "rounds", 3000, 0 }, { "touches", 200, 0 },
		{ "slots", 16, 0 },    { "maxpages", 64, 0 },
		{ "thp", 0, 0 },       { NULL, 0, 0 }
	};
	uint64_t pages, rounds, touches, nslots, maxpages;
	uint64_t rng = 0x6d69787773, added = 0, expect = 0, sum = 0;
	uint64_t badtags = 0, badheap = 0, mapped = 0, t0, t1;
	static struct slot slots[MAX_SLOTS];
	uint64_t *m;

	if (wl_parse("mixws", argc, argv, params))
		return 1;
	pages = wl_scaled(wl_get(params, "mib") * 256, wl_get(params, "scale"));
	rounds = wl_scaled(wl_get(params, "rounds"), wl_get(params, "scale"));
	touches = wl_scaled(wl_get(params, "touches"), 1);
	nslots = wl_scaled(wl_get(params, "slots"), 1);
	maxpages = wl_scaled(wl_get(params, "maxpages"), 1);
	if (nslots > MAX_SLOTS)
		nslots = MAX_SLOTS;

	BRAID_MARK(BRAID_MARK_BEGIN, BRAID_WINDOW_MIXWS);
	t0 = wl_now_ns();
	m = mmap(NULL, pages * WL_PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		printf("BRAID-RESULT mixws ok=0 error=mmap pages=%llu\n",
		       (unsigned long long)pages);
		return 1;
	}
	/* As in bigws: 4 KiB pages unless asked, so walks stay the cost. */
	if (!wl_get(params, "thp"))
		madvise(m, pages * WL_PAGE, MADV_NOHUGEPAGE);
	for (uint64_t p = 0; p < pages; p++) {
		m[p * WL_PAGE_WORDS] = wl_tag(3, p);
		expect += wl_tag(3, p);
	}

	for (uint64_t r = 0; r < rounds; r++) {
		struct slot *s;

		for (uint64_t i = 0; i < touches; i++) {
			uint64_t x = wl_rand(&rng);
			uint64_t p = x % pages;
			uint64_t w = 1 + (x >> 40) % (WL_PAGE_WORDS - 1);
			uint64_t d = x | 1;

			m[p * WL_PAGE_WORDS + w] += d;
			added += d;
		}

		s = &slots[wl_rand(&rng) % nslots];
		badheap += heap_retire(s);
		s->pages = 1 + wl_rand(&rng) % maxpages;
		s->salt = r;
		s->m = mmap(NULL, s->pages * WL_PAGE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (s->m == MAP_FAILED) {
			s->m = NULL;
			badheap++;
			continue;
		}
		heap_fill(s);
		mapped += s->pages;
	}
	for (uint64_t i = 0; i < nslots; i++)
		badheap += heap_retire(&slots[i]);
	t1 = wl_now_ns();
	BRAID_MARK(BRAID_MARK_END, BRAID_WINDOW_MIXWS);

	for (uint64_t p = 0; p < pages; p++) {
		badtags += m[p * WL_PAGE_WORDS] != wl_tag(3, p);
		for (uint64_t w = 0; w < WL_PAGE_WORDS; w++)
			sum += m[p * WL_PAGE_WORDS + w];
	}
	expect += added;

	int ok = badtags == 0 && badheap == 0 && sum == expect;

	printf("BRAID-RESULT mixws ok=%d mib=%llu rounds=%llu touches=%llu "
	       "heap_pages=%llu thp=%d badtags=%llu badheap=%llu "
	       "sum=%016llx expect=%016llx ns=%llu\n",
	       ok, (unsigned long long)(pages / 256),
	       (unsigned long long)rounds,
	       (unsigned long long)(rounds * touches),
	       (unsigned long long)mapped, wl_get(params, "thp") != 0,
	       (unsigned long long)badtags, (unsigned long long)badheap,
	       (unsigned long long)sum, (unsigned long long)expect,
	       (unsigned long long)(t1 - t0));
	return !ok;
}
