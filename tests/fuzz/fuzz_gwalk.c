// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the guest page-table walk (mm/gwalk.c) over tables the
 * input writes into a 16-page guest RAM (entries pointing at any of its
 * pages, or outside it; large pages, reserved bits, NX, loops) under
 * fuzzed CR0.WP, EFER.NXE, CR4.SMEP, 1 GiB pages and MAXPHYADDR. Each walk
 * must report what the path it read implies: an error code with only the
 * access's own W/U bits, permissions that are the AND of the path and that
 * allow the access, table addresses that follow the entries, A/D set on
 * success and nothing written on a fault. A walk that succeeded succeeds
 * again as a read, and gwalk_sibling() agrees with a real walk.
 */
#include <string.h>

#include "mm/gwalk.h"
#include "mm/pte.h"
#include "tests/fuzz/fuzz.h"

#define RAM_PAGES 16
#define RAM_SIZE  (RAM_PAGES * PAGE_SIZE)

static _Alignas(4096) u8 ram[RAM_SIZE];

static u64 *map(void *ctx, u64 gpa)
{
	FUZZ_CHECK(ctx == ram && (gpa & 7) == 0);
	return gpa < RAM_SIZE ? (u64 *)(ram + gpa) : NULL;
}

/* An entry: flags, a page of guest RAM (or a frame outside it), NX, and
 * bits that are reserved in some modes or levels. */
static u64 fuzz_entry(struct fuzz_in *in)
{
	u8 f0 = fuzz_u8(in), f1 = fuzz_u8(in);
	u64 e = f0 | ((u64)(f1 & 15) << 12);

	if (f1 & 0x10)
		e |= X86_PTE_NX;
	if (f1 & 0x20)
		e |= BIT(40); /* reserved below MAXPHYADDR 41 */
	if (f1 & 0x40)
		e |= BIT(13); /* reserved in a 2 MiB or 1 GiB leaf */
	if (f1 & 0x80)
		e |= 0x100000ull << 12; /* outside RAM */
	return e;
}

static void read_mode(struct fuzz_in *in, struct gwalk_mode *m)
{
	static const unsigned widths[4] = { 36, 39, 46, 52 };
	u8 b = fuzz_u8(in);

	m->wp = b & 1;
	m->nxe = b & 2;
	m->smep = b & 4;
	m->pse1g = b & 8;
	m->maxphyaddr = widths[(b >> 4) & 3];
}

static void check_fault(const struct gwalk *w, u32 access,
			const struct gwalk_mode *m)
{
	u32 e = w->error;

	FUZZ_CHECK((e & ~(PFERR_P | PFERR_W | PFERR_U | PFERR_RSVD |
			  PFERR_I)) == 0);
	FUZZ_CHECK((e & (PFERR_W | PFERR_U)) == (access & (PFERR_W | PFERR_U)));
	FUZZ_CHECK(!(e & PFERR_RSVD) || (e & PFERR_P));
	if (e & PFERR_I)
		FUZZ_CHECK((access & PFERR_I) && (m->nxe || m->smep));
}

/* The path: table addresses follow the entries, permissions are their
 * AND, and the translation keeps the page offset. */
static void check_path(u64 cr3, u64 gva, const struct gwalk *w,
		       const struct gwalk_mode *m)
{
	bool wr = true, us = true, ex = true;
	u64 size = PT_LEVEL_SIZE(w->level);

	FUZZ_CHECK(w->level >= 1 && w->level <= 3);
	FUZZ_CHECK(w->level < 3 || m->pse1g);
	FUZZ_CHECK(w->table_gpa[4] == (cr3 & PTE_ADDR_MASK));
	for (unsigned l = 4; l >= w->level; l--) {
		u64 e = w->pte[l];

		FUZZ_CHECK(e & X86_PTE_P);
		if (l > w->level)
			FUZZ_CHECK(w->table_gpa[l - 1] == (e & PTE_ADDR_MASK));
		wr &= !!(e & X86_PTE_RW);
		us &= !!(e & X86_PTE_US);
		ex &= !(m->nxe && (e & X86_PTE_NX));
	}
	FUZZ_CHECK(w->writable == wr && w->user == us && w->exec == ex);
	FUZZ_CHECK((w->gpa & (size - 1)) == (gva & (size - 1)));
	FUZZ_CHECK((w->gpa & ~(size - 1)) ==
		   (w->pte[w->level] & PTE_ADDR_MASK & ~(size - 1)));
}

/* What a successful walk allows, and what it wrote (SDM 4.6, 4.8). */
static void check_success(u64 cr3, u64 gva, u32 access, const struct gwalk *w,
			  const struct gwalk_mode *m)
{
	bool user = access & PFERR_U;

	check_path(cr3, gva, w, m);
	FUZZ_CHECK(!user || w->user);
	if (access & PFERR_W)
		FUZZ_CHECK(w->writable || (!user && !m->wp));
	if (access & PFERR_I)
		FUZZ_CHECK(w->exec && (user || !w->user || !m->smep));
	/* An upper entry may be the leaf itself (a loop): its D bit
	 * is the leaf's, set after the entry was read. */
	for (unsigned l = 4; l >= w->level; l--) {
		u64 *p = map(ram, w->table_gpa[l] + PT_INDEX(gva, l) * 8);

		FUZZ_CHECK(p && (*p & X86_PTE_A));
		FUZZ_CHECK(((*p ^ w->pte[l]) & ~X86_PTE_D) == 0);
	}
	if (access & PFERR_W)
		FUZZ_CHECK(w->pte[w->level] & X86_PTE_D);
}

/* gwalk_sibling() for another entry of the leaf's page table, against a
 * real (read) walk once that entry is written. */
static void check_sibling(struct fuzz_in *in, u64 cr3, u64 gva,
			  const struct gwalk *w, const struct gwalk_mode *m)
{
	unsigned idx = fuzz_index(in);
	u64 sgva = (gva & ~(0x1ffull << 12)) | ((u64)idx << 12);
	u64 pte = fuzz_entry(in) | X86_PTE_A, *slot;
	struct gwalk s, real;

	if (w->level != 1 || !gwalk_sibling(m, w, sgva, pte, &s))
		return;
	slot = map(ram, w->table_gpa[1] + idx * 8);
	FUZZ_CHECK(slot);
	*slot = pte;
	gwalk(cr3, sgva, 0, m, map, ram, &real);
	/* The real walk re-reads the upper levels: they may be the page
	 * table just written (a self-map), in which case it differs. */
	if (memcmp(real.table_gpa, w->table_gpa, sizeof(real.table_gpa)) ||
	    memcmp(&real.pte[2], &w->pte[2], 3 * sizeof(u64)))
		return;
	FUZZ_CHECK(!real.fault && real.gpa == s.gpa && real.level == 1);
	FUZZ_CHECK(real.writable == s.writable && real.user == s.user &&
		   real.exec == s.exec);
}

static void walk_once(struct fuzz_in *in, u8 op, u64 cr3,
		      const struct gwalk_mode *m)
{
	static u8 before[RAM_SIZE];
	u32 access = ((op & 1) ? PFERR_W : 0) | ((op & 2) ? PFERR_U : 0) |
		     ((op & 4) ? PFERR_I : 0);
	u64 gva = fuzz_take(in, 2) & 0xfff;
	struct gwalk w, again;

	for (unsigned l = 1; l <= 4; l++)
		gva |= (u64)fuzz_index(in) << PT_LEVEL_SHIFT(l);
	memcpy(before, ram, RAM_SIZE);
	memset(&w, 0xa5, sizeof(w));
	gwalk(cr3, gva, access, m, map, ram, &w);
	if (w.fault) {
		check_fault(&w, access, m);
		FUZZ_CHECK(!memcmp(before, ram, RAM_SIZE));
		return;
	}
	check_success(cr3, gva, access, &w, m);
	/* Fewer rights asked for: the same translation. */
	gwalk(cr3, gva, access & PFERR_U, m, map, ram, &again);
	FUZZ_CHECK(!again.fault && again.gpa == w.gpa &&
		   again.level == w.level);
	check_sibling(in, cr3, gva, &again, m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct gwalk_mode m;
	u64 cr3;

	memset(ram, 0, sizeof(ram));
	read_mode(&in, &m);
	cr3 = fuzz_take(&in, 2) & 0xf0fff; /* a RAM page, PCID/PWT/PCD bits */
	while (in.n) {
		u8 op = fuzz_u8(&in);

		if (op & 0x80) {
			walk_once(&in, op, cr3, &m);
		} else {
			u64 *t = (u64 *)(ram + (op & 15) * PAGE_SIZE);

			t[fuzz_index(&in)] = fuzz_entry(&in);
		}
	}
	return 0;
}
