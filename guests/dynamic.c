// SPDX-License-Identifier: MIT
/*
 * dynamic: a program whose mappings churn, the case nested paging is made
 * for: constant map/unmap/protect traffic on small windows, address-space
 * switches, and short-lived address spaces (fork, run briefly, exit).
 *
 *   0x300_0000_0000  window: 512 slots of 4 KiB (one page table)
 *
 * Four long-lived address spaces each have their own tables, identity map
 * included; they share nothing but the 256 data frames. For ITERATIONS
 * steps a random slot of the loaded space is mapped (to a random pool
 * frame, RW or RO), unmapped, re-protected (RW <-> RO) or remapped; each
 * change writes the PTE in place and INVLPGs the slot, then is checked by
 * accesses: a mapped slot shows its frame's tag, an unmapped one faults
 * with #PF P=0, a read-only one faults on write with P|W and keeps its
 * contents, a writable one takes a new tag. Every step also checks one
 * other random slot.
 *
 * Every SWITCH_EVERY steps CR3 moves to another of the four spaces (which
 * is then spot-checked). Every FORK_EVERY steps a child space is built
 * from free table pages (zeroed with REP STOSQ, the window table and the
 * identity directory copied from the parent with REP MOVSQ), runs
 * FORK_LIFE steps and exits; its table pages go back on a free list, so
 * the next child's tables are pages that were tables before, in other
 * roles. At the end every slot of every space is checked.
 *
 * switches= counts every CR3 load after set-up; spaces= counts every
 * address space built (the four, then the children).
 */
#include "rt.h"

#ifndef HC_CLASSIFY
#define HC_CLASSIFY 4 /* for an include/braid/abi.h without it */
#endif

#define WINDOW	     0x30000000000UL
#define SLOTS	     512
#define FRAMES	     256
#define ITERATIONS   6000
#define SPACES	     4
#define SWITCH_EVERY 64
#define FORK_EVERY   512
#define FORK_AT	     16 /* a child lives between two switches */
#define FORK_LIFE    32
#define QWORDS	     (PAGE_SIZE / 8)
#define NO_FRAME     0xffff
#define TABLE_FLAGS  (PTE_P | PTE_W | PTE_U)
#define TABLES	     6 /* per space: PML4, 2 PDPTs, 2 PDs, window PT */
#define TAG_BASE     0xd100000000000000UL

struct space {
	pte_t *root;
	pte_t *pt;    /* the window's page table: slot s is pt[s] */
	pte_t *id_pd; /* the identity map's directory (2 MiB pages) */
	pte_t *tables[TABLES];
	u16 frame[SLOTS]; /* pool index, or NO_FRAME */
	u8 ro[SLOTS];
};

static struct space spaces[SPACES], child;
static struct space *cur;
static u64 pool[FRAMES]; /* guest-physical frame addresses */
static u64 tag[FRAMES];	 /* qword 0 of the frame; the last qword is ~tag */
static u64 tag_serial;
static pte_t *free_tables[2 * TABLES];
static unsigned int nr_free;
static unsigned int errors, switches, nr_spaces;
static unsigned int maps, unmaps, protects, faults_checked;
static u64 rng_state = 0xd1a9a1c5eed00002UL;

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

/* Kernels clear and copy pages with string instructions; so do we. */
static void zero_page(void *p)
{
	u64 n = QWORDS;

	asm volatile("rep stosq" : "+D"(p), "+c"(n) : "a"(0UL) : "memory");
}

static void copy_page(void *dst, const void *src)
{
	u64 n = QWORDS;

	asm volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static pte_t *table_alloc(void)
{
	pte_t *t = nr_free ? free_tables[--nr_free] : page_alloc();

	zero_page(t);
	return t;
}

static void table_free(pte_t *t)
{
	free_tables[nr_free++] = t;
}

static unsigned int index_at(u64 va, int level)
{
	return (va >> (12 + 9 * (level - 1))) & 511;
}

static u64 slot_va(unsigned int s)
{
	return WINDOW + s * PAGE_SIZE;
}

/*
 * Tables for an identity map of the first 1 GiB (2 MiB pages, as the
 * runtime needs) and for the window. From a parent, the identity
 * directory and the window table are copies of the parent's.
 */
static void build_space(struct space *sp, const struct space *parent)
{
	pte_t *id_pdpt, *w_pdpt, *w_pd;
	unsigned int i;

	for (i = 0; i < TABLES; i++)
		sp->tables[i] = table_alloc();
	sp->root = sp->tables[0];
	id_pdpt = sp->tables[1];
	sp->id_pd = sp->tables[2];
	w_pdpt = sp->tables[3];
	w_pd = sp->tables[4];
	sp->pt = sp->tables[5];
	if (parent) {
		copy_page(sp->id_pd, parent->id_pd);
		copy_page(sp->pt, parent->pt);
		memcpy(sp->frame, parent->frame, sizeof(sp->frame));
		memcpy(sp->ro, parent->ro, sizeof(sp->ro));
	} else {
		for (i = 0; i < 512; i++)
			sp->id_pd[i] = i * level_size(PG_2M) | PTE_P | PTE_W |
				       PTE_U | PTE_PS;
		for (i = 0; i < SLOTS; i++)
			sp->frame[i] = NO_FRAME;
	}
	id_pdpt[0] = (u64)sp->id_pd | TABLE_FLAGS;
	sp->root[0] = (u64)id_pdpt | TABLE_FLAGS;
	w_pd[index_at(WINDOW, 2)] = (u64)sp->pt | TABLE_FLAGS;
	w_pdpt[index_at(WINDOW, 3)] = (u64)w_pd | TABLE_FLAGS;
	sp->root[index_at(WINDOW, 4)] = (u64)w_pdpt | TABLE_FLAGS;
	nr_spaces++;
}

static void free_space(struct space *sp)
{
	unsigned int i;

	for (i = 0; i < TABLES; i++)
		table_free(sp->tables[i]);
	sp->root = NULL;
}

static void load(struct space *sp)
{
	vm_switch(sp->root);
	cur = sp;
	switches++;
}

static void set_pte(struct space *sp, unsigned int s)
{
	if (sp->frame[s] == NO_FRAME)
		sp->pt[s] = 0;
	else
		sp->pt[s] =
			pool[sp->frame[s]] | PTE_P | (sp->ro[s] ? 0 : PTE_W);
}

/* The access must fault with #PF, error code want, CR2 = va. */
static void expect_fault(enum access acc, u64 va, u64 val, u64 want)
{
	struct fault f;
	u64 ec;

	faults_checked++;
	if (!try_access(acc, 0, va, &val, &f)) {
		expect(false,
		       acc == ACC_READ ? "read did not fault"
				       : "write did not fault",
		       va, val, want);
		return;
	}
	ec = f.error_code & (PFEC_P | PFEC_W | PFEC_U | PFEC_RSVD | PFEC_I);
	expect(f.vector == X86_PF, "not a #PF", va, (u64)f.vector, X86_PF);
	expect(ec == want, "#PF error code", va, f.error_code, want);
	expect(f.cr2 == va, "#PF CR2", va, f.cr2, va);
}

/* Check slot s of the loaded space against what the guest mapped there. */
static void check_slot(unsigned int s)
{
	u64 va = slot_va(s);
	volatile u64 *q = (volatile u64 *)va;
	unsigned int f = cur->frame[s];

	if (f == NO_FRAME) {
		expect_fault(ACC_READ, va, 0, 0);
		return;
	}
	expect(q[0] == tag[f], "frame tag", va, q[0], tag[f]);
	expect(q[QWORDS - 1] == ~tag[f], "frame tail", va, q[QWORDS - 1],
	       ~tag[f]);
	if (cur->ro[s]) {
		/* If the write wrongly goes through, it changes nothing. */
		expect_fault(ACC_WRITE, va, tag[f], PFEC_P | PFEC_W);
		expect(q[0] == tag[f], "read-only frame changed", va, q[0],
		       tag[f]);
	}
}

/* A new tag through slot s (writable), read back. */
static void write_slot(unsigned int s)
{
	u64 va = slot_va(s);
	volatile u64 *q = (volatile u64 *)va;
	unsigned int f = cur->frame[s];

	tag[f] = TAG_BASE | ((u64)f << 32) | ++tag_serial;
	q[0] = tag[f];
	q[QWORDS - 1] = ~tag[f];
	expect(q[0] == tag[f], "write read back", va, q[0], tag[f]);
}

static void step(void)
{
	u64 r = rnd();
	unsigned int s = r % SLOTS, op = (r >> 16) % 3;

	if (cur->frame[s] == NO_FRAME || op == 2) {
		/* map, or remap to another frame */
		cur->frame[s] = (r >> 24) % FRAMES;
		cur->ro[s] = (r >> 40) % 4 == 0;
		maps++;
	} else if (op == 0) {
		cur->frame[s] = NO_FRAME;
		unmaps++;
	} else {
		cur->ro[s] ^= 1;
		protects++;
	}
	set_pte(cur, s);
	invlpg(slot_va(s));
	check_slot(s);
	if (cur->frame[s] != NO_FRAME && !cur->ro[s])
		write_slot(s);
	check_slot((r >> 48) % SLOTS);
}

static void check_all(struct space *sp)
{
	unsigned int s;

	load(sp);
	for (s = 0; s < SLOTS; s++)
		check_slot(s);
}

static void setup(void)
{
	unsigned int f, k, s;

	for (f = 0; f < FRAMES; f++) {
		pool[f] = (u64)page_alloc();
		tag[f] = TAG_BASE | ((u64)f << 32);
		((u64 *)pool[f])[0] = tag[f];
		((u64 *)pool[f])[QWORDS - 1] = ~tag[f];
	}
	/* Start from a window three quarters full, as the churn keeps it. */
	for (k = 0; k < SPACES; k++) {
		build_space(&spaces[k], NULL);
		for (s = 0; s < SLOTS; s++) {
			u64 r = rnd();

			if (r % 4 == 0)
				continue;
			spaces[k].frame[s] = (r >> 8) % FRAMES;
			spaces[k].ro[s] = (r >> 20) % 4 == 0;
			set_pte(&spaces[k], s);
		}
	}
}

void guest_main(void)
{
	struct space *parent = NULL;
	unsigned int i, k = 0, life = 0, before;

	setup();
	load(&spaces[0]);
	switches = 0;
	for (i = 0; i < ITERATIONS; i++) {
		if (i && i % SWITCH_EVERY == 0 && !life) {
			k = (k + 1 + rnd() % (SPACES - 1)) % SPACES;
			load(&spaces[k]);
			check_slot(rnd() % SLOTS);
			check_slot(rnd() % SLOTS);
		}
		if (i % FORK_EVERY == FORK_AT && !life) {
			parent = cur;
			build_space(&child, parent);
			load(&child);
			life = FORK_LIFE;
		}
		step();
		if (life && !--life) {
			load(parent);
			free_space(&child);
		}
	}
	before = errors;
	report(!errors,
	       "churn: %u steps (%u maps, %u unmaps, %u protection changes), %u expected faults",
	       ITERATIONS, maps, unmaps, protects, faults_checked);
	for (k = 1; k <= SPACES; k++)
		check_all(&spaces[k % SPACES]);
	report(errors == before, "final: all %u slots of %u spaces", SLOTS,
	       SPACES);
	report(nr_spaces > SPACES && switches > ITERATIONS / SWITCH_EVERY,
	       "%u CR3 loads, %u address spaces built", switches, nr_spaces);
	if (errors)
		printf("dynamic: %u errors in total\n", errors);
	printf("RESULT dynamic iterations=%u switches=%u spaces=%u\n",
	       ITERATIONS, switches, nr_spaces);
	if (braid_present())
		hypercall(HC_CLASSIFY, 0, 0, 0);
	report_summary();
}
