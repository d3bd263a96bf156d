// SPDX-License-Identifier: MIT
/*
 * mtchurn: one process, several threads (one per online CPU, 2..8), all
 * changing and using the same address space at once, so that every
 * munmap, mprotect, MAP_FIXED remap and MADV_DONTNEED must reach the
 * other CPUs' TLBs (a shootdown) before the kernel may return.
 *
 *   mtchurn [scale=S] [rounds=N] [maxpages=PAGES] [threads=T]
 *
 * Every thread runs `rounds` rounds of three things:
 *
 * 1. Private churn: mmap 1..maxpages pages, write a per-thread, per-round
 *    pattern to every page, read it back; every other round make one page
 *    read-only, check that a write to it raises SIGSEGV at that address,
 *    make it writable, rewrite and re-check everything; munmap (in two
 *    pieces every fourth round). The pattern is deterministic, so `sum=`
 *    is the same on every run.
 *
 * 2. A shared region of SHARED_PAGES pages at a fixed address. Thread 0
 *    (the writer) replaces its contents, generation by generation:
 *
 *      started = k;                      (seq_cst)
 *      replace: MADV_DONTNEED, or mmap MAP_FIXED (with MAP_POPULATE or
 *               not) over the same address: fresh zero pages either way
 *      for each page: last word = tag(k, page); first word = tag(k, page)
 *                     (the first word a release store, after the last)
 *      done = k;                         (release)
 *
 *    The other threads read it: g1 = done, then the first and last word of
 *    every page, then s2 = started (all acquire). A page's frame belongs to
 *    one generation M, and holds either zeroes or that generation's tags.
 *    Once a reader has seen done = g1, the replacement of every generation
 *    up to g1 has returned, TLB flushes included, so the reader can no
 *    longer reach an older frame: M >= g1 from then on, and M = g1 means
 *    complete content. Hence for a correct kernel and CPU (hypervisor):
 *      - a word is 0 or a well-formed tag (magic, page number) of some k;
 *      - k >= g1, and k >= the first word's k for the last word (the
 *        writer stores the last word before the first);
 *      - k <= s2 (the tag's release store follows started = k);
 *      - a 0 means a replacement after the last complete generation seen
 *        (g1, or the first word's k) has started: s2 >= that + 1. This is
 *        what catches a stale translation to the shared zero page, or to
 *        a frame that was freed and zeroed.
 *    An older tag, or anything else, is a stale TLB entry (or worse).
 *
 * 3. A probe page. Thread 1 (the toggler) flips it between read-write and
 *    read-only with mprotect, bracketing each flip with a phase counter:
 *    odd while mprotect runs, even when stable; state = (phase / 2) & 1,
 *    1 meaning read-only. Every other thread reads phase, writes a new
 *    value to its own slot in the page (catching SIGSEGV), then reads
 *    phase again. If both reads are the same even value, the protection
 *    did not change around the write, so the write must have faulted if
 *    the state was read-only (a stale writable TLB entry on this CPU
 *    would let it through) and must not have faulted if it was
 *    read-write. A slot always holds the last value whose write went
 *    through.
 *
 * After the threads are joined, the shared region must hold the last
 * generation's tags and every slot its last value. Any failed check makes
 * ok=0 and names the first in why=.
 */
#define _GNU_SOURCE
#include "wl.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_THREADS  8
#define SHARED_PAGES 16
#define SHARED_LEN   (SHARED_PAGES * WL_PAGE)
#define TAG_MAGIC    0x6d74ull /* "mt" */
#define SLOT_WORDS   8	       /* a probe slot per thread, a cache line each */
#define CHECKS	     4	       /* shared-region checks per round, per reader */

static uint64_t rounds, maxpages, nthreads;

static uint64_t *shared;
static _Atomic uint64_t gen_started, gen_done;

static uint64_t *probe_page;
static _Atomic uint64_t phase;

static atomic_ulong nbad;
static _Atomic(const char *) first_why;

struct worker {
	pthread_t th;
	unsigned id;
	uint64_t rng;
	uint64_t pages, segv, sum;	      /* private churn */
	uint64_t gens;			      /* writer */
	uint64_t reads, zeros, newer;	      /* shared-region readers */
	uint64_t probes, rofaults, ambiguous; /* probe page */
	uint64_t seq, last;		      /* own probe slot */
};

static struct worker workers[MAX_THREADS];
static pthread_barrier_t start;

static void fail(const char *why)
{
	const char *none = NULL;

	atomic_fetch_add(&nbad, 1);
	atomic_compare_exchange_strong(&first_why, &none, why);
}

/* The SIGSEGV a probe write expects; any other one ends the run. */
static __thread sigjmp_buf seg_env;
static __thread volatile int seg_armed;
static __thread void *volatile seg_addr;
static __thread volatile int seg_hit;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	static const char msg[] =
		"BRAID-RESULT mtchurn ok=0 error=unexpected-segv addr=0x";
	char hex[17];
	uintptr_t a = (uintptr_t)si->si_addr;

	(void)sig;
	(void)uc;
	if (seg_armed) {
		seg_armed = 0;
		seg_hit = si->si_addr == seg_addr;
		siglongjmp(seg_env, 1);
	}
	for (int i = 15; i >= 0; i--, a >>= 4)
		hex[i] = "0123456789abcdef"[a & 15];
	hex[16] = '\n';
	(void)!write(1, msg, sizeof(msg) - 1);
	(void)!write(1, hex, sizeof(hex));
	_exit(1);
}

/* 0 if the write of v to p went through, 1 if it raised SIGSEGV at p,
 * -1 if it raised SIGSEGV somewhere else. */
static int try_write(volatile uint64_t *p, uint64_t v)
{
	seg_addr = (void *)p;
	seg_hit = 0;
	if (sigsetjmp(seg_env, 1) == 0) {
		seg_armed = 1;
		atomic_signal_fence(memory_order_seq_cst);
		*p = v;
		atomic_signal_fence(memory_order_seq_cst);
		seg_armed = 0;
		return 0;
	}
	return seg_hit ? 1 : -1;
}

/* ---- 1. private churn ---- */

static void fill(uint64_t *m, uint64_t pages, uint64_t salt)
{
	for (uint64_t p = 0; p < pages; p++) {
		uint64_t t = wl_tag(salt, p);

		m[p * WL_PAGE_WORDS] = t;
		m[p * WL_PAGE_WORDS + WL_PAGE_WORDS / 2] = p ^ salt;
		m[p * WL_PAGE_WORDS + WL_PAGE_WORDS - 1] = ~t;
	}
}

static uint64_t check(const uint64_t *m, uint64_t pages, uint64_t salt,
		      uint64_t *sum)
{
	uint64_t bad = 0;

	for (uint64_t p = 0; p < pages; p++) {
		uint64_t a = m[p * WL_PAGE_WORDS];
		uint64_t b = m[p * WL_PAGE_WORDS + WL_PAGE_WORDS / 2];
		uint64_t c = m[p * WL_PAGE_WORDS + WL_PAGE_WORDS - 1];

		bad += a != wl_tag(salt, p) || b != (p ^ salt) || c != ~a;
		*sum += a;
	}
	return bad;
}

static void churn(struct worker *w, uint64_t r)
{
	uint64_t pages = 1 + wl_rand(&w->rng) % maxpages;
	uint64_t len = pages * WL_PAGE, half = pages / 2 * WL_PAGE;
	uint64_t salt = (uint64_t)w->id << 48 ^ r;
	uint64_t *m;

	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (m == MAP_FAILED) {
		fail("private-mmap");
		return;
	}
	fill(m, pages, salt);
	if (check(m, pages, salt, &w->sum))
		fail("private-data");
	w->pages += pages;

	if (r % 2 == 0) {
		uint64_t *pg = m + wl_rand(&w->rng) % pages * WL_PAGE_WORDS;

		/* One page read-only in the middle of the area: a split. */
		if (mprotect(pg, WL_PAGE, PROT_READ))
			fail("private-mprotect");
		if (try_write(pg + 1, 1) == 1)
			w->segv++;
		else
			fail("private-ro-write");
		if (check(m, pages, salt, &w->sum))
			fail("private-data-ro");
		if (mprotect(pg, WL_PAGE, PROT_READ | PROT_WRITE))
			fail("private-mprotect");
		fill(m, pages, ~salt);
		if (check(m, pages, ~salt, &w->sum))
			fail("private-data-rw");
		w->pages += pages;
	}

	if (r % 4 == 1 && half && munmap(m, half))
		fail("private-munmap");
	if (r % 4 != 1)
		half = 0;
	if (munmap((char *)m + half, len - half))
		fail("private-munmap");
}

/* ---- 2. the shared region ---- */

static uint64_t shared_tag(uint64_t page, uint64_t k)
{
	return TAG_MAGIC << 48 | page << 32 | k;
}

/* Write generation k's content; the region must be fresh zero pages. */
static void shared_write(uint64_t k)
{
	for (uint64_t p = 0; p < SHARED_PAGES; p++) {
		uint64_t *pg = shared + p * WL_PAGE_WORDS;

		__atomic_store_n(&pg[WL_PAGE_WORDS - 1], shared_tag(p, k),
				 __ATOMIC_RELAXED);
		__atomic_store_n(&pg[0], shared_tag(p, k), __ATOMIC_RELEASE);
	}
}

static void gen_round(struct worker *w)
{
	uint64_t k = atomic_load_explicit(&gen_done, memory_order_relaxed) + 1;
	void *m;

	atomic_store(&gen_started, k);
	switch (k % 3) {
	case 0:
		if (madvise(shared, SHARED_LEN, MADV_DONTNEED))
			fail("shared-madvise");
		break;
	default:
		m = mmap(shared, SHARED_LEN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
				 (k % 3 == 2 ? MAP_POPULATE : 0),
			 -1, 0);
		if (m != shared) {
			/* Nothing sane is mapped there now: stop here. */
			printf("BRAID-RESULT mtchurn ok=0 error=shared-mmap\n");
			fflush(stdout);
			_exit(1);
		}
		break;
	}
	shared_write(k);
	atomic_store_explicit(&gen_done, k, memory_order_release);
	w->gens++;
}

/* One word read from the shared region, in the order read. zmin: the
 * generation a replacement must have started for a 0 to be legal; nzmin:
 * the oldest generation a tag may have. */
static void shared_word(struct worker *w, uint64_t v, uint64_t p, uint64_t g1,
			uint64_t s2, uint64_t *zmin, uint64_t *nzmin, int first)
{
	uint64_t k = (uint32_t)v;

	w->reads++;
	if (!v) {
		w->zeros++;
		if (s2 < *zmin)
			fail("shared-stale-zero");
		if (*nzmin < *zmin)
			*nzmin = *zmin;
		return;
	}
	if (v != shared_tag(p, k))
		fail("shared-garbage");
	else if (k < *nzmin)
		fail("shared-stale");
	else if (k > s2)
		fail("shared-future");
	w->newer += k > g1;
	if (first) {
		/* The last word was written before this one. */
		*nzmin = k;
		*zmin = k + 1;
	}
}

static void gen_check(struct worker *w)
{
	uint64_t first[SHARED_PAGES], last[SHARED_PAGES], g1, s2;

	g1 = atomic_load_explicit(&gen_done, memory_order_acquire);
	for (uint64_t p = 0; p < SHARED_PAGES; p++) {
		uint64_t *pg = shared + p * WL_PAGE_WORDS;

		first[p] = __atomic_load_n(&pg[0], __ATOMIC_ACQUIRE);
		last[p] = __atomic_load_n(&pg[WL_PAGE_WORDS - 1],
					  __ATOMIC_ACQUIRE);
	}
	s2 = atomic_load_explicit(&gen_started, memory_order_acquire);
	for (uint64_t p = 0; p < SHARED_PAGES; p++) {
		uint64_t zmin = g1 + 1, nzmin = g1;

		shared_word(w, first[p], p, g1, s2, &zmin, &nzmin, 1);
		shared_word(w, last[p], p, g1, s2, &zmin, &nzmin, 0);
	}
}

/* ---- 3. the probe page ---- */

static int phase_ro(uint64_t ph)
{
	return (ph / 2) & 1;
}

static void toggle(void)
{
	uint64_t ph = atomic_load_explicit(&phase, memory_order_relaxed);

	atomic_store(&phase, ph + 1);
	if (mprotect(probe_page, WL_PAGE,
		     phase_ro(ph + 2) ? PROT_READ : PROT_READ | PROT_WRITE))
		fail("probe-mprotect");
	atomic_store(&phase, ph + 2);
}

static void probe(struct worker *w)
{
	volatile uint64_t *slot = probe_page + w->id * SLOT_WORDS;
	uint64_t ph1, ph2, v;
	int r;

	ph1 = atomic_load(&phase);
	if (*slot != w->last)
		fail("probe-slot");
	if (ph1 & 1) {
		w->ambiguous++;
		return;
	}
	v = (uint64_t)w->id << 56 | ++w->seq;
	r = try_write(slot, v);
	atomic_thread_fence(memory_order_seq_cst);
	ph2 = atomic_load(&phase);
	if (r < 0) {
		fail("probe-segv-elsewhere");
		return;
	}
	if (r == 0) {
		w->last = v;
		if (*slot != v)
			fail("probe-readback");
	}
	if (ph2 != ph1) {
		w->ambiguous++;
		return;
	}
	w->probes++;
	if (phase_ro(ph1) && r == 0)
		fail("probe-ro-write-went-through");
	else if (!phase_ro(ph1) && r == 1)
		fail("probe-rw-write-faulted");
	w->rofaults += r == 1;
}

/* ---- the threads ---- */

static void *run(void *arg)
{
	struct worker *w = arg;

	pthread_barrier_wait(&start);
	for (uint64_t r = 0; r < rounds; r++) {
		churn(w, r);
		for (int c = 0; c < CHECKS; c++) {
			if (w->id != 0)
				gen_check(w);
			if (w->id != 1)
				probe(w);
		}
		if (w->id == 0)
			gen_round(w);
		if (w->id == 1)
			toggle();
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct wl_param params[] = { { "scale", 1, 0 },
				     { "rounds", 300, 0 },
				     { "maxpages", 64, 0 },
				     { "threads", 0, 0 },
				     { NULL, 0, 0 } };
	struct worker tot = { 0 };
	struct sigaction sa;
	uint64_t t0, t1, bad;
	const char *why;
	long cpus;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (wl_parse("mtchurn", argc, argv, params))
		return 1;
	rounds = wl_scaled(wl_get(params, "rounds"), wl_get(params, "scale"));
	maxpages = wl_scaled(wl_get(params, "maxpages"), 1);
	nthreads = (uint64_t)wl_get(params, "threads");
	if (!nthreads) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		nthreads = cpus < 2 ? 2 : (uint64_t)cpus;
	}
	if (nthreads < 2)
		nthreads = 2;
	if (nthreads > MAX_THREADS)
		nthreads = MAX_THREADS;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_segv;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);

	shared = mmap(NULL, SHARED_LEN, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	probe_page = mmap(NULL, WL_PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED || probe_page == MAP_FAILED) {
		printf("BRAID-RESULT mtchurn ok=0 error=mmap\n");
		return 1;
	}
	/* Generation 1 before anyone reads. */
	atomic_store(&gen_started, 1);
	shared_write(1);
	atomic_store(&gen_done, 1);

	pthread_barrier_init(&start, NULL, (unsigned)nthreads + 1);
	for (unsigned i = 0; i < nthreads; i++) {
		workers[i].id = i;
		workers[i].rng = 0x6d746368 + i;
		if (pthread_create(&workers[i].th, NULL, run, &workers[i])) {
			printf("BRAID-RESULT mtchurn ok=0 error=pthread_create\n");
			return 1;
		}
	}

	BRAID_MARK(BRAID_MARK_BEGIN, BRAID_WINDOW_MTCHURN);
	t0 = wl_now_ns();
	pthread_barrier_wait(&start);
	for (unsigned i = 0; i < nthreads; i++)
		pthread_join(workers[i].th, NULL);
	t1 = wl_now_ns();
	BRAID_MARK(BRAID_MARK_END, BRAID_WINDOW_MTCHURN);

	/* Quiet now: the last generation complete, every slot its last. */
	if (atomic_load(&gen_started) != atomic_load(&gen_done))
		fail("final-gen");
	for (uint64_t p = 0; p < SHARED_PAGES; p++) {
		uint64_t t = shared_tag(p, atomic_load(&gen_done));

		if (shared[p * WL_PAGE_WORDS] != t ||
		    shared[p * WL_PAGE_WORDS + WL_PAGE_WORDS - 1] != t)
			fail("final-shared");
	}
	for (unsigned i = 0; i < nthreads; i++) {
		struct worker *w = &workers[i];

		if (probe_page[i * SLOT_WORDS] != w->last)
			fail("final-slot");
		tot.pages += w->pages;
		tot.segv += w->segv;
		tot.sum += w->sum;
		tot.gens += w->gens;
		tot.reads += w->reads;
		tot.zeros += w->zeros;
		tot.newer += w->newer;
		tot.probes += w->probes;
		tot.rofaults += w->rofaults;
		tot.ambiguous += w->ambiguous;
	}
	/* Every even round of every thread probes one read-only page. */
	if (tot.segv != nthreads * ((rounds + 1) / 2))
		fail("private-segv-count");

	bad = atomic_load(&nbad);
	why = atomic_load(&first_why);
	printf("BRAID-RESULT mtchurn ok=%d threads=%llu rounds=%llu pages=%llu "
	       "segv=%llu gens=%llu reads=%llu zeros=%llu newer=%llu "
	       "probes=%llu rofaults=%llu ambiguous=%llu bad=%llu%s%s "
	       "sum=%016llx ns=%llu\n",
	       bad == 0, (unsigned long long)nthreads,
	       (unsigned long long)rounds, (unsigned long long)tot.pages,
	       (unsigned long long)tot.segv, (unsigned long long)tot.gens,
	       (unsigned long long)tot.reads, (unsigned long long)tot.zeros,
	       (unsigned long long)tot.newer, (unsigned long long)tot.probes,
	       (unsigned long long)tot.rofaults,
	       (unsigned long long)tot.ambiguous, (unsigned long long)bad,
	       why ? " why=" : "", why ? why : "", (unsigned long long)tot.sum,
	       (unsigned long long)(t1 - t0));
	return bad != 0;
}
