// SPDX-License-Identifier: MIT
/*
 * mixed: both kinds of program in one address space, as a real one is.
 *
 *   0x200_0000_0000  stable "code and data": 8 MiB of 4 KiB pages, mapped
 *                    once, read and written at random all run long
 *   0x300_0000_0000  heap: 4 MiB of address space (two page tables) where
 *                    runs of 1-16 pages (small ones more often) are
 *                    mapped, written, checked and unmapped all the time
 *                    (malloc/free backed by mmap)
 *
 * The address space, heap page tables included, is built before it is
 * loaded, so afterwards the guest writes only the heap's two leaf tables.
 * HEAP_OPS heap operations (allocate or free) alternate with
 * STABLE_PER_OP stable-region accesses each.
 *
 * Stable pages carry a tag in one qword (other qwords stay 0), checked on
 * every read, as in the static guest. An allocation takes the next free
 * run of heap address space (next fit, so the whole heap is cycled
 * through), frames from a pool, writes PTEs without a flush (a
 * not-present entry is never cached, SDM Vol. 3A 4.10.4.3) and then a tag
 * into each page's first and last qword. A free checks those, clears the
 * PTEs, INVLPGs each page and checks that the first page now faults with
 * #PF P=0. At the end every stable tag and leaf entry and every live
 * allocation is checked; the live allocations stay mapped, so braid's
 * classification dump (HC_CLASSIFY, right before the summary) shows the
 * heap as it is in the steady state.
 */
#include "rt.h"

#ifndef HC_CLASSIFY
#define HC_CLASSIFY 4 /* for an include/braid/abi.h without it */
#endif

#define STABLE	      0x20000000000UL
#define STABLE_PAGES  2048 /* 8 MiB */
#define HEAP	      0x30000000000UL
#define HEAP_PAGES    1024 /* 4 MiB of address space */
#define HEAP_FRAMES   512
#define HEAP_OPS      6000
#define STABLE_PER_OP 60
#define MAX_RUN	      16
#define MAX_LIVE      24 /* at most 384 pages live */
#define QWORDS	      (PAGE_SIZE / 8)
#define STABLE_TAG    0x5a00000000000000UL
#define HEAP_TAG      0x4ea9000000000000UL

struct alloc {
	unsigned int first; /* heap page index */
	unsigned int n;
	u64 tag;
};

static u64 stable_frame[STABLE_PAGES];
static u64 stable_tag[STABLE_PAGES];
static u32 stable_version[STABLE_PAGES];
static pte_t *heap_pt[HEAP_PAGES / 512]; /* the heap's leaf tables */
static bool heap_used[HEAP_PAGES];
static unsigned int heap_cursor;
static u64 frame_stack[HEAP_FRAMES];
static unsigned int nr_frames;
static struct alloc live[MAX_LIVE];
static unsigned int nr_live;
static u64 alloc_serial;
static unsigned int errors, stable_accesses, heap_ops, allocs, frees;
static unsigned int pages_mapped;
static u64 rng_state = 0x3a1ed0c0ffee0003UL;

/* splitmix64: deterministic, so a failing run can be replayed. */
static u64 rnd(void)
{
	u64 z = (rng_state += 0x9e3779b97f4a7c15UL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
	return z ^ (z >> 31);
}

static void expect(bool ok, const char *what, u64 va, u64 got, u64 want)
{
	if (!ok && errors++ < 8)
		printf("  error: %s at va %#lx: got %#lx, want %#lx\n", what,
		       va, got, want);
}

/* --- The stable region --------------------------------------------------- */

static unsigned int tag_slot(u64 p)
{
	return (unsigned int)((p * 0x9e3779b1UL) >> 7) & (QWORDS - 1);
}

static volatile u64 *stable_qword(u64 p, unsigned int i)
{
	return (volatile u64 *)(STABLE + p * PAGE_SIZE + i * 8UL);
}

static void stable_access(void)
{
	u64 r = rnd();
	u64 p = r % STABLE_PAGES;
	unsigned int kind = (r >> 12) & 3, i = (r >> 16) & (QWORDS - 1);
	unsigned int slot = tag_slot(p);
	volatile u64 *q;
	u64 v, want;

	stable_accesses++;
	if (kind == 0) {
		stable_tag[p] = STABLE_TAG | (p << 24) |
				(++stable_version[p] & 0xffffff);
		*stable_qword(p, slot) = stable_tag[p];
		return;
	}
	if (kind == 1) {
		q = stable_qword(p, i);
		want = i == slot ? stable_tag[p] : 0;
	} else {
		q = stable_qword(p, slot);
		want = stable_tag[p];
	}
	v = *q;
	expect(v == want, "stable qword", (u64)q, v, want);
}

/* --- The heap ------------------------------------------------------------ */

static u64 heap_va(unsigned int h)
{
	return HEAP + h * PAGE_SIZE;
}

static pte_t *heap_pte(unsigned int h)
{
	return &heap_pt[h / 512][h % 512];
}

/* Next fit: the first free run of n pages at or after the cursor. */
static bool find_run(unsigned int n, unsigned int *first)
{
	unsigned int tried, h = heap_cursor, len = 0;

	for (tried = 0; tried < HEAP_PAGES + MAX_RUN; tried++, h++) {
		if (h == HEAP_PAGES) {
			h = 0;
			len = 0;
		}
		len = heap_used[h] ? 0 : len + 1;
		if (len == n) {
			*first = h + 1 - n;
			heap_cursor = (h + 1) % HEAP_PAGES;
			return true;
		}
	}
	return false;
}

static u64 page_tag(const struct alloc *a, unsigned int j)
{
	return a->tag | j;
}

/*
 * 1 to MAX_RUN pages, small runs more likely (as malloc sizes are):
 * 1 + a * b / 15 for a, b uniform in 0..15, mean about 4.75 pages.
 */
static unsigned int run_length(void)
{
	u64 r = rnd();

	return 1 + (unsigned int)((r % MAX_RUN) * ((r >> 8) % MAX_RUN) /
				  (MAX_RUN - 1));
}

static bool heap_alloc(void)
{
	unsigned int n = run_length(), first, j;
	struct alloc *a;

	if (nr_frames < n || !find_run(n, &first))
		return false;
	a = &live[nr_live++];
	*a = (struct alloc){ first, n, HEAP_TAG | (++alloc_serial << 8) };
	for (j = 0; j < n; j++) {
		heap_used[first + j] = true;
		*heap_pte(first + j) = frame_stack[--nr_frames] | PTE_P | PTE_W;
	}
	for (j = 0; j < n; j++) {
		volatile u64 *q = (volatile u64 *)heap_va(first + j);

		q[0] = page_tag(a, j);
		q[QWORDS - 1] = ~page_tag(a, j);
		expect(q[0] == page_tag(a, j), "heap write read back", (u64)q,
		       q[0], page_tag(a, j));
	}
	pages_mapped += n;
	allocs++;
	return true;
}

static void check_alloc(const struct alloc *a)
{
	unsigned int j;

	for (j = 0; j < a->n; j++) {
		volatile u64 *q = (volatile u64 *)heap_va(a->first + j);

		expect(q[0] == page_tag(a, j), "heap page head", (u64)q, q[0],
		       page_tag(a, j));
		expect(q[QWORDS - 1] == ~page_tag(a, j), "heap page tail",
		       (u64)q, q[QWORDS - 1], ~page_tag(a, j));
	}
}

static void heap_free(unsigned int k)
{
	struct alloc a = live[k];
	struct fault f;
	unsigned int j;
	u64 va = heap_va(a.first), val;

	check_alloc(&a);
	for (j = 0; j < a.n; j++) {
		pte_t *e = heap_pte(a.first + j);

		frame_stack[nr_frames++] = *e & PTE_ADDR;
		*e = 0;
		invlpg(heap_va(a.first + j));
		heap_used[a.first + j] = false;
	}
	if (try_access(ACC_READ, 0, va, &val, &f))
		expect(f.vector == X86_PF && !(f.error_code & PFEC_P) &&
			       f.cr2 == va,
		       "freed page: wrong fault", va,
		       ((u64)f.vector << 32) | f.error_code, X86_PF);
	else
		expect(false, "freed page still readable", va, val, 0);
	live[k] = live[--nr_live];
	frees++;
}

static void heap_op(void)
{
	bool alloc = nr_live == 0 || (nr_live < MAX_LIVE && rnd() % 2);

	if (!alloc || !heap_alloc())
		heap_free(rnd() % nr_live);
	heap_ops++;
}

/* --- Set-up and checks --------------------------------------------------- */

static pte_t *build_space(void)
{
	pte_t *root = vm_create();
	unsigned int p, k;

	for (p = 0; p < STABLE_PAGES; p++) {
		stable_frame[p] = (u64)page_alloc();
		vm_map(root, STABLE + p * PAGE_SIZE, stable_frame[p], PG_4K,
		       PTE_P | PTE_W);
	}
	for (k = 0; k < ARRAY_SIZE(heap_pt); k++)
		heap_pt[k] = vm_entry(root, heap_va(k * 512), PG_4K, true);
	for (nr_frames = 0; nr_frames < HEAP_FRAMES; nr_frames++)
		frame_stack[nr_frames] = (u64)page_alloc();
	return root;
}

static void touch_stable(void)
{
	u64 p;

	for (p = 0; p < STABLE_PAGES; p++) {
		volatile u64 *t = stable_qword(p, tag_slot(p));

		expect(*t == 0, "fresh page not zero", (u64)t, *t, 0);
		stable_tag[p] = STABLE_TAG | (p << 24);
		*t = stable_tag[p];
	}
}

static void final_check(pte_t *root)
{
	unsigned int before = errors, k, h, mapped = 0;
	u64 p;

	for (p = 0; p < STABLE_PAGES; p++) {
		u64 va = STABLE + p * PAGE_SIZE;
		volatile u64 *t = stable_qword(p, tag_slot(p));
		pte_t *e = vm_entry(root, va, PG_4K, false);
		u64 want = stable_frame[p] | PTE_P | PTE_W | PTE_A | PTE_D;
		u64 got = e ? *e : 0;

		expect(*t == stable_tag[p], "final stable tag", (u64)t, *t,
		       stable_tag[p]);
		expect((got & (PTE_ADDR | PTE_P | PTE_W | PTE_A | PTE_D)) ==
			       want,
		       "stable leaf entry", va, got, want);
	}
	for (k = 0; k < nr_live; k++)
		check_alloc(&live[k]);
	for (h = 0; h < HEAP_PAGES; h++) {
		bool present = *heap_pte(h) & PTE_P;

		expect(present == heap_used[h], "heap PTE", heap_va(h),
		       *heap_pte(h), heap_used[h]);
		mapped += present;
	}
	expect(mapped + nr_frames == HEAP_FRAMES, "heap frames accounted", 0,
	       mapped + nr_frames, HEAP_FRAMES);
	report(errors == before,
	       "final: %u stable tags and leaf entries (A and D set), %u live allocations (%u pages)",
	       STABLE_PAGES, nr_live, mapped);
}

void guest_main(void)
{
	u64 need = (STABLE_PAGES + HEAP_FRAMES + 64) * PAGE_SIZE;
	unsigned int op, i, before;
	pte_t *root;

	if (!report(mem_free_bytes() >= need,
		    "%lu KiB free for %lu KiB of frames and tables",
		    mem_free_bytes() / KiB, need / KiB))
		report_summary();

	root = build_space();
	vm_switch(root);
	touch_stable();
	report(!errors, "set-up: %u stable pages mapped at %#lx and touched",
	       STABLE_PAGES, STABLE);

	before = errors;
	for (op = 0; op < HEAP_OPS; op++) {
		for (i = 0; i < STABLE_PER_OP; i++)
			stable_access();
		heap_op();
	}
	report(errors == before,
	       "%u stable accesses and %u heap operations (%u allocations of %u pages, %u frees) verified",
	       stable_accesses, heap_ops, allocs, pages_mapped, frees);

	final_check(root);
	if (errors)
		printf("mixed: %u errors in total\n", errors);
	printf("RESULT mixed stable_accesses=%u heap_ops=%u\n", stable_accesses,
	       heap_ops);
	if (braid_present())
		hypercall(HC_CLASSIFY, 0, 0, 0);
	report_summary();
}
