// SPDX-License-Identifier: MIT
/*
 * ptfuzz: random page-table operations from a seed, every result hashed.
 *
 *   ptfuzz.elf seed=N ops=M
 *
 * Builds page tables under one PML4 slot from small pools (PDPTs, PDs,
 * PTs, data pages, two 2 MiB regions) and, from a xorshift generator,
 * edits them at every level: maps, unmaps, permission changes (W, U, NX,
 * a reserved bit), 4 KiB and 2 MiB leaves, tables shared between
 * directories, data pages that are also page tables, two address spaces
 * and CR3 switches, INVLPG; and accesses addresses in the region (reads,
 * writes, instruction fetches, at CPL 0 and CPL 3). Every access's result
 * goes into a digest: the exception and its error code and CR2, the value
 * read, and the accessed and dirty bits of the leaf that translated it.
 *
 * The architecture fixes every one of these (after each change to a
 * mapping the guest reloads CR3, so no stale TLB entry may differ), so
 * the digest must not depend on the paging mode braid virtualizes the
 * guest's memory with, and must equal the digest on the bare emulator
 * (make test and make fuzz-guest compare them). QEMU reports a reserved-
 * bit fault with P=0, hardware and braid's own walk with P=1: the digest
 * takes P=1 for those.
 */
#include "rt.h"

#define SLOT	  7UL /* PML4 slot of the fuzzed region */
#define BASE	  (SLOT << 39)
#define NR_PDPTE  2  /* PDPT entries used: 2 GiB */
#define NR_PDE	  4  /* PD entries used: 8 MiB per GiB */
#define NR_PTE	  16 /* PT entries used: 64 KiB per 2 MiB */
#define NR_DATA	  24
#define NR_PT	  10
#define NR_PD	  4
#define NR_PDPT	  2
#define NR_LARGE  2
#define RSVD_BIT  BIT(51) /* reserved while MAXPHYADDR <= 51 */
#define EXEC_OFFS 64	  /* a RET there in every data page */

static pte_t *roots[2];
static pte_t *pdpts[NR_PDPT], *pds[NR_PD], *pts[NR_PT];
static u64 *data[NR_DATA];
static u64 large[NR_LARGE]; /* 2 MiB aligned physical regions */
static unsigned cur_root;
static u64 rng, digest = 0xcbf29ce484222325ULL, counter;

static u64 next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned pick(unsigned n)
{
	return (unsigned)(next() % n);
}

/* FNV-1a over 64-bit words. */
static void mix(u64 v)
{
	for (unsigned i = 0; i < 8; i++) {
		digest ^= (v >> (8 * i)) & 0xff;
		digest *= 0x100000001b3ULL;
	}
}

static u64 arg(const char *key, u64 dflt)
{
	const char *p = boot.cmdline;
	unsigned n = strlen(key);

	for (; p && *p; p++) {
		u64 v = 0;

		if (memcmp(p, key, n) || (p != boot.cmdline && p[-1] != ' '))
			continue;
		for (p += n; *p >= '0' && *p <= '9'; p++)
			v = v * 10 + (u64)(*p - '0');
		return v;
	}
	return dflt;
}

/* Random leaf or table flags: mostly present, W, U and NX at random,
 * now and then a reserved bit. */
static u64 flags(bool leaf)
{
	u64 f = PTE_P;
	unsigned r = pick(64);

	if (r == 0)
		return 0; /* not present */
	if (pick(4))
		f |= PTE_W;
	if (pick(4))
		f |= PTE_U;
	if (leaf && !pick(4))
		f |= PTE_NX;
	if (r == 1)
		f |= RSVD_BIT;
	return f;
}

/* A frame a leaf may map: mostly data, now and then a page table. */
static u64 leaf_target(void)
{
	if (!pick(16))
		return (u64)pts[pick(NR_PT)];
	return (u64)data[pick(NR_DATA)];
}

static void reload(void)
{
	write_cr3((u64)roots[cur_root]);
}

static void edit_tables(void)
{
	switch (pick(4)) {
	case 0:
		pts[pick(NR_PT)][pick(NR_PTE)] =
			pick(8) ? leaf_target() | flags(true) : 0;
		break;
	case 1: {
		pte_t *e = &pds[pick(NR_PD)][pick(NR_PDE)];

		if (!pick(4))
			*e = large[pick(NR_LARGE)] | PTE_PS | flags(true);
		else
			*e = pick(8) ? (u64)pts[pick(NR_PT)] | flags(false) : 0;
		break;
	}
	case 2:
		pdpts[pick(NR_PDPT)][pick(NR_PDPTE)] =
			pick(8) ? (u64)pds[pick(NR_PD)] | flags(false) : 0;
		break;
	default:
		roots[pick(2)][SLOT] =
			(u64)pdpts[pick(NR_PDPT)] | (flags(false) | PTE_P);
	}
	reload();
}

static u64 fuzz_va(void)
{
	return BASE + (u64)pick(NR_PDPTE) * GiB + (u64)pick(NR_PDE) * 2 * MiB +
	       (u64)pick(NR_PTE) * PAGE_SIZE + 8 * pick(8);
}

/* The leaf that translates @va now, by the guest's own tables, or NULL. */
static pte_t *leaf_of(u64 va)
{
	pte_t *t = roots[cur_root];

	for (unsigned l = 4; l >= 1; l--) {
		pte_t e = t[(va >> (12 + 9 * (l - 1))) & 511];

		if (!(e & PTE_P))
			return NULL;
		if (l == 1 || (l == 2 && (e & PTE_PS)))
			return &t[(va >> (12 + 9 * (l - 1))) & 511];
		t = (pte_t *)(e & PTE_ADDR & ~RSVD_BIT);
	}
	return NULL;
}

/* A value read, with a pool page's address replaced by its index: the
 * digest must not depend on where the loader left free RAM. */
static u64 canon(u64 v)
{
	u64 pa = v & PTE_ADDR & ~RSVD_BIT, rest = v & ~pa;

	for (unsigned i = 0; i < NR_DATA; i++)
		if (pa == (u64)data[i])
			return rest | (u64)i << 12 | BIT(62);
	for (unsigned i = 0; i < NR_PT; i++)
		if (pa == (u64)pts[i])
			return rest | (u64)i << 12 | BIT(61);
	return v;
}

/* Does leaf @e (mapping @va) lead to one of the page-table pages? */
static bool is_table(pte_t e, u64 va)
{
	u64 pa = e & PTE_ADDR & ~RSVD_BIT;

	if (e & PTE_PS)
		return false; /* the large regions hold data only */
	for (unsigned i = 0; i < NR_PT; i++)
		if (pa == (u64)pts[i])
			return true;
	(void)va;
	return false;
}

struct fuzz_acc {
	u64 va, val;
	unsigned kind; /* 0 read, 1 write, 2 fetch */
};

static void do_access(void *arg)
{
	struct fuzz_acc *a = arg;

	if (a->kind == 0)
		a->val = *(volatile u64 *)a->va;
	else if (a->kind == 1)
		*(volatile u64 *)a->va = a->val;
	else
		((void (*)(void))((a->va & ~(PAGE_SIZE - 1)) + EXEC_OFFS))();
}

static u64 user_access(u64 arg)
{
	do_access((void *)arg);
	return 0;
}

static void user_wrap(void *arg)
{
	user_call(user_access, (u64)arg);
}

static void fuzz_access(void)
{
	struct fuzz_acc a = { fuzz_va(), 0, pick(3) };
	bool user = !pick(4);
	struct fault f;
	pte_t *leaf;

	/* Fetch only where a RET waits: not from a page table a leaf maps
	 * (the guest's own tables say which page that is). */
	if (a.kind == 2 && (leaf = leaf_of(a.va)) && is_table(*leaf, a.va))
		a.kind = 0;
	/* A write stores a value a table could hold without pointing
	 * outside RAM: what a write lands on may be a page table. */
	if (a.kind == 1)
		a.val = pick(2) ? 0 : (u64)data[pick(NR_DATA)] | PTE_P;
	mix(a.va | a.kind | (u64)user << 2);
	if (catch_fault(user ? user_wrap : do_access, &a, &f)) {
		u64 err = f.error_code;

		if (f.vector == 14 && (err & PFEC_RSVD))
			err |= PFEC_P;
		mix((u64)f.vector << 32 | err);
		mix(f.vector == 14 ? f.cr2 : 0);
		reload();
		return;
	}
	mix(canon(a.val));
	leaf = leaf_of(a.va);
	mix(leaf ? *leaf & (PTE_A | PTE_D) : ~0ULL);
	if (a.kind == 1)
		reload();
}

static void *page_with_ret(void)
{
	u8 *p = page_alloc();

	p[EXEC_OFFS] = 0xc3; /* RET */
	return p;
}

static void setup(void)
{
	pte_t *r0 = vm_current();

	for (unsigned i = 0; i < NR_DATA; i++) {
		data[i] = page_with_ret();
		data[i][0] = 0xda7a000000000000ULL | i;
	}
	for (unsigned i = 0; i < NR_PT; i++)
		pts[i] = page_alloc();
	for (unsigned i = 0; i < NR_PD; i++)
		pds[i] = page_alloc();
	for (unsigned i = 0; i < NR_PDPT; i++)
		pdpts[i] = page_alloc();
	for (unsigned i = 0; i < NR_LARGE; i++) {
		u8 *p = page_alloc();

		while ((u64)p & (2 * MiB - 1))
			p = page_alloc();
		large[i] = (u64)p;
		for (unsigned j = 1; j < 512; j++)
			page_alloc();
		for (unsigned j = 0; j < 512; j++)
			p[j * PAGE_SIZE + EXEC_OFFS] = 0xc3;
	}
	/* Two address spaces: the runtime's own, and a copy of it. */
	roots[0] = r0;
	roots[1] = page_alloc();
	for (unsigned i = 0; i < 512; i++)
		roots[1][i] = r0[i];
	roots[0][SLOT] = (u64)pdpts[0] | PTE_P | PTE_W | PTE_U;
	roots[1][SLOT] = (u64)pdpts[1] | PTE_P | PTE_W | PTE_U;
	cur_root = 0;
	reload();
}

void guest_main(void)
{
	u64 seed = arg("seed=", 1), ops = arg("ops=", 10000);

	rng = seed * 0x9e3779b97f4a7c15ULL | 1;
	set_efer_nxe(true);
	setup();
	for (counter = 0; counter < ops; counter++) {
		switch (pick(8)) {
		case 0:
		case 1: edit_tables(); break;
		case 2:
			cur_root ^= 1;
			reload();
			break;
		case 3: invlpg(fuzz_va()); break;
		default: fuzz_access();
		}
	}
	cur_root = 0;
	roots[0][SLOT] = 0;
	reload();
	printf("ptfuzz: seed=%lu ops=%lu digest=%016lx\n", seed, ops, digest);
	report(true, "ptfuzz: %lu operations", ops);
}
