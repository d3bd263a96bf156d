// SPDX-License-Identifier: MIT
/*
 * static: a program whose mappings never change, the case shadow paging
 * is made for. A large working set is mapped once and then read and
 * written at random; after set-up the guest writes no page-table entry.
 *
 *   0x200_0000_0000  16 MiB of frames as 4 KiB pages (8 page tables)
 *
 * Set-up builds the whole address space (identity map, region, tables)
 * before loading it, so no table braid has ever mirrored is written
 * afterwards. Every page carries a tag in one qword (at an offset that
 * depends on the page); every other qword stays 0. An access picks a
 * page and either reads the tag, reads another qword, or writes a new
 * tag; each read is checked against what the guest last wrote there. At
 * the end every tag is read back and every leaf entry checked: same
 * frame, P|W, and A and D set (each page was written).
 *
 * The region stays loaded at the end so that braid's classification dump
 * (HC_CLASSIFY, right before the summary) shows it.
 */
#include "rt.h"

#ifndef HC_CLASSIFY
#define HC_CLASSIFY 4 /* for an include/braid/abi.h without it */
#endif

#define REGION	 0x20000000000UL
#define PAGES	 4096 /* 16 MiB */
#define ACCESSES 400000
#define QWORDS	 (PAGE_SIZE / 8)
#define TAG_BASE 0x5a00000000000000UL

static u64 frame[PAGES];   /* guest-physical address of each page */
static u64 tag[PAGES];	   /* what the page's tag qword holds now */
static u32 version[PAGES]; /* writes of the tag so far */
static unsigned int errors;
static u64 rng_state = 0x5eed0005a71c0001UL;

/* splitmix64: deterministic, so a failing run can be replayed. */
static u64 rnd(void)
{
	u64 z = (rng_state += 0x9e3779b97f4a7c15UL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
	return z ^ (z >> 31);
}

/* Readable tags: page number and version in plain hex. */
static u64 make_tag(u64 p, u64 v)
{
	return TAG_BASE | (p << 24) | (v & 0xffffff);
}

/* Which qword of page p holds its tag: spread over the page. */
static unsigned int tag_slot(u64 p)
{
	return (unsigned int)((p * 0x9e3779b1UL) >> 7) & (QWORDS - 1);
}

static volatile u64 *qword(u64 p, unsigned int i)
{
	return (volatile u64 *)(REGION + p * PAGE_SIZE + i * 8UL);
}

/* Count every mismatch, print the first few. */
static void expect(bool ok, const char *what, u64 va, u64 got, u64 want)
{
	if (!ok && errors++ < 8)
		printf("  error: %s at va %#lx: got %#lx, want %#lx\n", what,
		       va, got, want);
}

static pte_t *build_space(void)
{
	pte_t *root = vm_create();
	u64 p;

	for (p = 0; p < PAGES; p++) {
		frame[p] = (u64)page_alloc();
		vm_map(root, REGION + p * PAGE_SIZE, frame[p], PG_4K,
		       PTE_P | PTE_W);
	}
	return root;
}

static void touch_all(void)
{
	u64 p;

	for (p = 0; p < PAGES; p++) {
		volatile u64 *t = qword(p, tag_slot(p));

		expect(*t == 0, "fresh page not zero", (u64)t, *t, 0);
		tag[p] = make_tag(p, 0);
		*t = tag[p];
	}
}

static void one_access(void)
{
	u64 r = rnd();
	u64 p = r % PAGES;
	unsigned int kind = (r >> 12) & 3, i = (r >> 16) & (QWORDS - 1);
	unsigned int slot = tag_slot(p);
	volatile u64 *q;
	u64 v;

	switch (kind) {
	case 0: /* write a new tag */
		tag[p] = make_tag(p, ++version[p]);
		*qword(p, slot) = tag[p];
		break;
	case 1: /* read some qword: the tag or a zero */
		q = qword(p, i);
		v = *q;
		expect(v == (i == slot ? tag[p] : 0), "wrong qword", (u64)q, v,
		       i == slot ? tag[p] : 0);
		break;
	default: /* read the tag */
		q = qword(p, slot);
		v = *q;
		expect(v == tag[p], "wrong tag", (u64)q, v, tag[p]);
		break;
	}
}

/* Every tag, and every leaf the guest wrote at set-up. */
static void final_check(pte_t *root)
{
	unsigned int before = errors;
	u64 p;

	for (p = 0; p < PAGES; p++) {
		u64 va = REGION + p * PAGE_SIZE;
		volatile u64 *t = qword(p, tag_slot(p));
		pte_t *e = vm_entry(root, va, PG_4K, false);
		u64 want = frame[p] | PTE_P | PTE_W | PTE_A | PTE_D;
		u64 got = e ? *e : 0;

		expect(*t == tag[p], "final tag", (u64)t, *t, tag[p]);
		expect((got & (PTE_ADDR | PTE_P | PTE_W | PTE_A | PTE_D)) ==
			       want,
		       "leaf entry", va, got, want);
	}
	report(errors == before,
	       "final: %u tags, and leaf entries unchanged with A and D set",
	       PAGES);
}

void guest_main(void)
{
	u64 need = PAGES * PAGE_SIZE + 64 * PAGE_SIZE;
	unsigned int n, before;
	pte_t *root;

	if (!report(mem_free_bytes() >= need,
		    "%lu KiB free for %lu KiB of working set and tables",
		    mem_free_bytes() / KiB, need / KiB))
		report_summary();

	root = build_space();
	vm_switch(root);

	touch_all();
	report(!errors, "set-up: %u pages mapped at %#lx and touched", PAGES,
	       REGION);

	before = errors;
	for (n = 0; n < ACCESSES; n++)
		one_access();
	report(errors == before, "%u random 8-byte accesses verified",
	       ACCESSES);

	final_check(root);
	if (errors)
		printf("static: %u errors in total\n", errors);
	printf("RESULT static pages=%u accesses=%u\n", PAGES, ACCESSES);
	if (braid_present())
		hypercall(HC_CLASSIFY, 0, 0, 0);
	report_summary();
}
