// SPDX-License-Identifier: MIT
/*
 * churn: stresses the TLB-visible side of page-table changes, the part a
 * shadow-paging or nested-paging hypervisor most easily gets wrong.
 *
 *  1. remap: 4096 times, point a random slot of a 256-page window at a
 *     random frame of a 64-frame pool (or just unmap it), INVLPG, check
 *     the old contents of the new frame show through, write a new pattern,
 *     and read it back through a second (alias) mapping. Unmapped slots
 *     must fault with #PF, P=0.
 *  2. cr3: four address spaces map the same VA to different frames;
 *     switch among them and check every access sees its own frame, also
 *     after an address space was edited while it was not loaded.
 *  3. recycle: page-table pages are unhooked, used as data, wiped and
 *     hooked up again.
 *
 *   0x100_0000_0000  window: 256 slots of 4 KiB
 *   0x100_4000_0000  alias: one slot, remapped for each check
 *   0x100_8000_0000  shared VA of phase 2, private VAs follow
 *   0x100_c000_0000  recycled tables of phase 3 (2 MiB per table)
 */
#include "rt.h"

#define WINDOW	       0x10000000000UL
#define ALIAS	       0x10040000000UL
#define SHARED	       0x10080000000UL
#define RECYCLE	       0x100c0000000UL
#define SLOTS	       256
#define FRAMES	       64
#define ITERATIONS     4096
#define SPACES	       4
#define SWITCHES       2048
#define RECYCLE_ROUNDS 64
#define QWORDS	       (PAGE_SIZE / 8)
#define NO_FRAME       (-1)

static pte_t *root;
static u8 *pool[FRAMES];
static u64 tag[FRAMES]; /* pattern tag each frame holds now */
static int slot_frame[SLOTS];
static u64 rng = 0x2545f4914f6cdd1dUL;
static unsigned int errors;

/* xorshift64: deterministic, so a failing run can be replayed. */
static u64 rand64(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static u64 pattern(u64 t, unsigned int i)
{
	return t ^ (i * 0x9e3779b97f4a7c15UL);
}

static void fill(volatile u64 *p, u64 t)
{
	unsigned int i;

	for (i = 0; i < QWORDS; i++)
		p[i] = pattern(t, i);
}

/* First mismatching qword index, or -1. */
static int check(volatile u64 *p, u64 t)
{
	unsigned int i;

	for (i = 0; i < QWORDS; i++)
		if (p[i] != pattern(t, i))
			return (int)i;
	return -1;
}

/* Print the first few problems in detail; all are counted. */
static bool expect(bool ok, const char *what, u64 va, u64 detail)
{
	if (!ok && errors++ < 8)
		printf("  error: %s at va %#lx (%#lx)\n", what, va, detail);
	return ok;
}

static void map_page(u64 va, void *frame)
{
	vm_map(root, va, (u64)frame, PG_4K, PTE_P | PTE_W);
	invlpg(va);
}

static void unmap_page(u64 va)
{
	vm_unmap(root, va, PG_4K);
	invlpg(va);
}

static bool faults_not_present(u64 va)
{
	struct fault f;
	u64 val;
	bool ok;

	if (!try_access(ACC_READ, 0, va, &val, &f))
		return expect(false, "unmapped page readable", va, val);
	ok = f.vector == X86_PF && !(f.error_code & PFEC_P) && f.cr2 == va;
	return expect(ok, "wrong fault on unmapped page", va,
		      ((u64)f.vector << 32) | f.error_code);
}

/* Map slot -> frame f: the frame's old contents, then a new pattern. */
static void remap_slot(unsigned int s, int f, u64 new_tag)
{
	u64 va = WINDOW + s * PAGE_SIZE;
	int bad;

	map_page(va, pool[f]);
	slot_frame[s] = f;
	bad = check((u64 *)va, tag[f]);
	expect(bad < 0, "stale or wrong frame after remap", va, (u64)bad);
	fill((u64 *)va, new_tag);
	tag[f] = new_tag;
	map_page(ALIAS, pool[f]);
	bad = check((u64 *)ALIAS, new_tag);
	expect(bad < 0, "alias does not see the write", va, (u64)bad);
}

static void unmap_slot(unsigned int s)
{
	u64 va = WINDOW + s * PAGE_SIZE;

	unmap_page(va);
	slot_frame[s] = NO_FRAME;
	faults_not_present(va);
}

static void phase_remap(void)
{
	unsigned int i, s, unmaps = 0;

	for (i = 0; i < FRAMES; i++) {
		pool[i] = page_alloc();
		tag[i] = i;
		fill((u64 *)pool[i], tag[i]);
	}
	for (s = 0; s < SLOTS; s++)
		slot_frame[s] = NO_FRAME;
	for (i = 0; i < ITERATIONS; i++) {
		s = rand64() % SLOTS;
		if (slot_frame[s] != NO_FRAME) {
			unmap_slot(s);
			unmaps++;
			if (rand64() % 4 == 0)
				continue; /* leave it unmapped */
		}
		remap_slot(s, (int)(rand64() % FRAMES), 0x1000000UL + i);
	}
	for (s = 0; s < SLOTS; s++) {
		u64 va = WINDOW + s * PAGE_SIZE;

		if (slot_frame[s] == NO_FRAME)
			faults_not_present(va);
		else
			expect(check((u64 *)va, tag[slot_frame[s]]) < 0,
			       "final contents", va, (u64)slot_frame[s]);
	}
	report(!errors, "remap: %u iterations, %u unmaps, every slot checked",
	       ITERATIONS, unmaps);
}

struct space {
	pte_t *root;
	u8 *frames[2]; /* the shared VA alternates between these */
	u8 *frame;
	u64 tag;
};

static struct space spaces[SPACES];

static u64 private_va(unsigned int k)
{
	return SHARED + (k + 1) * PAGE_SIZE;
}

/* Read through the shared VA, then check who else's private VA shows. */
static void check_space(unsigned int k)
{
	unsigned int j;
	u64 val;

	expect(*(volatile u64 *)SHARED == spaces[k].tag,
	       "wrong frame at shared VA", SHARED, k);
	for (j = 0; j < SPACES; j++) {
		struct fault f;
		bool faulted = try_access(ACC_READ, 0, private_va(j), &val, &f);

		expect(faulted == (j != k), "private VA visibility",
		       private_va(j), ((u64)k << 8) | j);
	}
}

/*
 * Retarget space k's shared VA at its other frame while k is not loaded:
 * no INVLPG, the next CR3 load must be enough.
 */
static void swap_frame(unsigned int k, u64 new_tag)
{
	struct space *sp = &spaces[k];

	sp->frame = sp->frame == sp->frames[0] ? sp->frames[1] : sp->frames[0];
	sp->tag = new_tag;
	*(volatile u64 *)sp->frame = new_tag;
	vm_map(sp->root, SHARED, (u64)sp->frame, PG_4K, PTE_P | PTE_W);
}

static void phase_cr3(void)
{
	unsigned int i, k, before = errors;

	for (k = 0; k < SPACES; k++) {
		spaces[k].root = vm_create();
		spaces[k].frames[0] = page_alloc();
		spaces[k].frames[1] = page_alloc();
		vm_map(spaces[k].root, private_va(k), (u64)pool[k], PG_4K,
		       PTE_P | PTE_W);
		swap_frame(k, 0x2000000UL + k);
	}
	for (i = 0; i < SWITCHES; i++) {
		k = rand64() % SPACES;
		vm_switch(spaces[k].root); /* flushes (SDM 4.10.4.1) */
		check_space(k);
		spaces[k].tag ^= 0xff00;
		*(volatile u64 *)SHARED = spaces[k].tag;
		expect(*(volatile u64 *)spaces[k].frame == spaces[k].tag,
		       "write through shared VA missed the frame", SHARED, k);
		swap_frame((k + 1) % SPACES, 0x3000000UL + i);
	}
	vm_switch(root);
	report(errors == before, "cr3: %u switches among %u address spaces",
	       SWITCHES, SPACES);
}

/*
 * Unhook a page table (PDE cleared, full flush: INVLPG alone does not
 * cover the whole 2 MiB), scribble on it as data, then zero it and hook it
 * up again with a single fresh mapping. Stale entries must not survive.
 */
static void recycle_round(unsigned int r, pte_t *pde, pte_t *table)
{
	u64 va = RECYCLE + (r % 512) * PAGE_SIZE;
	u64 t = 0x4000000UL + r;

	*pde = 0;
	write_cr3(read_cr3());
	faults_not_present(va);
	fill((u64 *)table, t); /* the old table, now a data page */
	expect(check((u64 *)table, t) < 0, "recycled table as data", (u64)table,
	       r);
	memset(table, 0, PAGE_SIZE);
	*pde = (u64)table | PTE_P | PTE_W | PTE_U;
	write_cr3(read_cr3());
	map_page(va, pool[r % FRAMES]);
	expect(check((u64 *)va, tag[r % FRAMES]) < 0,
	       "mapping in recycled table", va, r);
	faults_not_present(va ^ PAGE_SIZE); /* the neighbour was wiped */
}

static void phase_recycle(void)
{
	unsigned int r, before = errors;
	pte_t *pde, *table;

	for (r = 0; r < 512; r++)
		map_page(RECYCLE + r * PAGE_SIZE, pool[r % FRAMES]);
	pde = vm_entry(root, RECYCLE, PG_2M, false);
	table = (pte_t *)(*pde & PTE_ADDR);
	for (r = 0; r < RECYCLE_ROUNDS; r++)
		recycle_round(r, pde, table);
	report(errors == before, "recycle: %u rounds of page-table reuse",
	       RECYCLE_ROUNDS);
}

void guest_main(void)
{
	pte_t *boot_root = vm_current();

	root = vm_create();
	vm_switch(root);
	phase_remap();
	phase_cr3();
	phase_recycle();
	vm_switch(boot_root);
	if (errors)
		printf("churn: %u errors in total\n", errors);
	report_summary();
}
