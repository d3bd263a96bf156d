// SPDX-License-Identifier: MIT
/*
 * mmapchurn: anonymous mappings of varying sizes that live for one round
 * each. A round maps a region, writes a pattern to every page, makes it
 * read-only, checks that a write now faults and that the data reads back,
 * makes it writable again, rewrites and re-checks it, and unmaps it (in
 * two pieces, so the kernel splits the area first). Page tables see
 * constant creation, permission changes and teardown.
 *
 *   mmapchurn [scale=S] [rounds=N] [maxpages=PAGES]
 *
 * Checks: every page reads back what was written after each permission
 * change, and every write to a read-only page raises SIGSEGV at the
 * faulting address.
 */
#define _GNU_SOURCE
#include "wl.h"

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

static sigjmp_buf probe_env;
static volatile void *probe_addr;
static volatile int probe_hit;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	probe_hit = si->si_addr == probe_addr;
	siglongjmp(probe_env, 1);
}

/* 1 if a write to p faults with p as the fault address. */
static int write_faults(uint64_t *p)
{
	probe_addr = p;
	probe_hit = 0;
	if (sigsetjmp(probe_env, 1) == 0) {
		*(volatile uint64_t *)p = 0;
		return 0;
	}
	return probe_hit;
}

static void fill(uint64_t *m, uint64_t pages, uint64_t salt)
{
	for (uint64_t p = 0; p < pages; p++) {
		m[p * WL_PAGE_WORDS] = wl_tag(salt, p);
		m[p * WL_PAGE_WORDS + WL_PAGE_WORDS - 1] = ~wl_tag(salt, p);
	}
}

/* Number of pages whose two pattern words are not what fill() wrote. */
static uint64_t check(const uint64_t *m, uint64_t pages, uint64_t salt,
		      uint64_t *sum)
{
	uint64_t bad = 0;

	for (uint64_t p = 0; p < pages; p++) {
		uint64_t a = m[p * WL_PAGE_WORDS];
		uint64_t b = m[p * WL_PAGE_WORDS + WL_PAGE_WORDS - 1];

		bad += a != wl_tag(salt, p) || b != ~a;
		*sum += a;
	}
	return bad;
}

int main(int argc, char **argv)
{
	struct wl_param params[] = { { "scale", 1, 0 },
				     { "rounds", 800, 0 },
				     { "maxpages", 256, 0 },
				     { NULL, 0, 0 } };
	uint64_t rounds, maxpages, rng = 0x6d6d6170, bad = 0, faults = 0;
	uint64_t touched = 0, sum = 0, t0, t1;
	struct sigaction sa;

	if (wl_parse("mmapchurn", argc, argv, params))
		return 1;
	rounds = wl_scaled(wl_get(params, "rounds"), wl_get(params, "scale"));
	maxpages = wl_scaled(wl_get(params, "maxpages"), 1);

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);

	BRAID_MARK(BRAID_MARK_BEGIN, BRAID_WINDOW_MMAPCHURN);
	t0 = wl_now_ns();
	for (uint64_t r = 0; r < rounds; r++) {
		uint64_t pages = 1 + wl_rand(&rng) % maxpages;
		uint64_t len = pages * WL_PAGE, half = pages / 2 * WL_PAGE;
		uint64_t *probe;
		uint64_t *m;

		m = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED) {
			bad++;
			break;
		}
		fill(m, pages, r);
		touched += pages;

		if (mprotect(m, len, PROT_READ))
			bad++;
		probe = m + (wl_rand(&rng) % pages) * WL_PAGE_WORDS;
		faults += write_faults(probe);
		bad += check(m, pages, r, &sum);

		if (mprotect(m, len, PROT_READ | PROT_WRITE))
			bad++;
		fill(m, pages, ~r);
		bad += check(m, pages, ~r, &sum);
		touched += pages;

		if (half && munmap(m, half))
			bad++;
		if (munmap((char *)m + half, len - half))
			bad++;
	}
	t1 = wl_now_ns();
	BRAID_MARK(BRAID_MARK_END, BRAID_WINDOW_MMAPCHURN);

	bad += faults != rounds;
	printf("BRAID-RESULT mmapchurn ok=%d rounds=%llu pages=%llu "
	       "segv=%llu bad=%llu sum=%016llx ns=%llu\n",
	       bad == 0, (unsigned long long)rounds,
	       (unsigned long long)touched, (unsigned long long)faults,
	       (unsigned long long)bad, (unsigned long long)sum,
	       (unsigned long long)(t1 - t0));
	return bad != 0;
}
