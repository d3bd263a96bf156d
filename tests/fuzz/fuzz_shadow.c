// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the shadow and compound engine (mm/shadow.c, with the
 * compound policy of mm/compound.c and its twin) driven by a stream of
 * operations, as hv/mmu.c drives it: the guest writes entries of its
 * tables (and tells the shadow, as an emulated store does), loads CR3,
 * takes hidden page faults (emulating the store when told to), changes
 * CR0.WP/EFER.NXE/CR4.SMEP, resets, lets guest time pass for the compound
 * policy, makes tables nested as an A/D write by the CPU's walk would, and,
 * in a compound tree, scribbles on the pool through the window. After the
 * operations, or when the input asks, everything the unit tests check
 * (tests/unit/test_shadow.c, test_twin.c) is checked over the whole pool:
 * exact page accounting (free list, children, roots, hash chains, nested
 * counts), the twin equal to the tree entry by entry, no leaf outside
 * guest RAM or writable onto a protected table, EPT/NPT protection as the
 * shadow says, and every mapping braid holds agreeing with the guest's
 * own tables. Destroying it all must give back every frame.
 */
#include <stdarg.h>
#include <string.h>

#include "lib/panic.h"
#include "lib/phys.h"
#include "mm/compound.h"
#include "mm/frame.h"
#include "mm/pte.h"
#include "mm/shadow.h"
#include "tests/fuzz/fuzz.h"
#include "tests/unit/fake_phys.h"

#define PG	 PAGE_SIZE
#define GMEM	 MiB(4) /* two 2 MiB regions */
#define GPAGES	 (GMEM / PG)
#define WIN	 GiB(1) /* where the guest sees a compound pool */
#define MAX_POOL 96
#define MAX_GVAS 32

/* Guest frames the input uses: tables, data, and the second region. */
/* braid's own invariant broken (a frame freed twice, ...): a finding. */
void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static const u64 frames[32] = {
	0,  1,	2,  3,	4,  5,	6,  7,	8,   9,	  10,  11,  12,	 13,  14,  15,
	16, 17, 18, 19, 20, 21, 22, 23, 512, 513, 514, 515, 516, 517, 518, 519,
};

static phys_t gbase;
static u64 free_at_start;
static struct shadow s;
static struct compound cp;
static bool protected_now[GPAGES];
static bool scribbled[MAX_POOL][PT_ENTRIES];
static u64 gvas[MAX_GVAS];
static unsigned nr_gvas;
static u64 cr3;

static u64 *gpa_ptr(void *ctx, u64 gpa)
{
	FUZZ_CHECK(ctx == &s);
	return gpa < GMEM && GMEM - gpa >= 8 ? pa_to_va(gbase + gpa) : NULL;
}

static phys_t gfn_to_hpa(void *ctx, u64 gfn)
{
	FUZZ_CHECK(ctx == &s);
	return gfn < GPAGES ? gbase + gfn * PG : 0;
}

/* EPT/NPT protection: only for frames of the guest's RAM (hv/mmu.c
 * protect() would map host page 0 for anything else). */
static void protect(void *ctx, u64 gfn, bool on)
{
	FUZZ_CHECK(ctx == &s && gfn < GPAGES);
	protected_now[gfn] = on;
}

/* Once, for the process: the frame allocator and the guest's RAM. */
static void init_once(void)
{
	const struct boot_mem_range map[] = {
		{ MiB(1), FAKE_PHYS_SIZE - MiB(1), BOOT_MEM_AVAILABLE },
	};

	if (gbase)
		return;
	FUZZ_CHECK(frame_init(map, 1, NULL, 0) == 0);
	gbase = frame_alloc_contig(GPAGES, MiB(2));
	FUZZ_CHECK(gbase);
	free_at_start = frame_free_count();
}

static void clear_guest(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(frames); i++)
		fake_phys_clear(gbase + frames[i] * PG, PG);
}

/* --- Input ------------------------------------------------------------ */

static u64 fuzz_frame(struct fuzz_in *in)
{
	return frames[fuzz_u8(in) % ARRAY_SIZE(frames)];
}

/* A guest entry: flags, one of the frames (or one outside RAM), NX, and
 * a bit reserved below MAXPHYADDR 52. */
static u64 fuzz_entry(struct fuzz_in *in)
{
	u8 f0 = fuzz_u8(in), f1 = fuzz_u8(in);
	u64 e = f0 | frames[f1 & 31] * PG;

	if (f1 & 0x20)
		e |= X86_PTE_NX;
	if (f1 & 0x40)
		e += GiB(4); /* no RAM there */
	if (f1 & 0x80)
		e |= BIT(50);
	return e;
}

static u64 fuzz_gva(struct fuzz_in *in)
{
	u64 gva = fuzz_u8(in) << 4;

	for (unsigned l = 1; l <= 4; l++)
		gva |= (u64)fuzz_index(in) << PT_LEVEL_SHIFT(l);
	if (nr_gvas < MAX_GVAS)
		gvas[nr_gvas++] = gva;
	return gva;
}

static void read_mode(u8 b, struct gwalk_mode *m)
{
	m->wp = b & 1;
	m->nxe = b & 2;
	m->smep = b & 4;
}

/* --- Operations, as hv/mmu.c performs them ----------------------------- */

/* mmu_guest_wrote(): the guest stored [gpa, gpa + len). */
static void guest_wrote(u64 gpa, unsigned len)
{
	bool was_table = s.compound && shadow_protected(&s, gpa / PG);

	shadow_guest_wrote(&s, gpa, len);
	if (was_table)
		compound_wrote(&cp, gpa / PG);
}

static void guest_store(u64 gpa, const void *val, unsigned len)
{
	if (gpa >= GMEM || GMEM - gpa < len)
		return;
	memcpy(pa_to_va(gbase + gpa), val, len);
	guest_wrote(gpa, len);
}

/* The guest writes (part of) one entry, or two, of one of its tables. */
static void op_write(struct fuzz_in *in, u8 op)
{
	u64 gpa = fuzz_frame(in) * PG + fuzz_index(in) * 8, e[2];
	unsigned how = (op >> 4) & 3;

	e[0] = fuzz_entry(in);
	e[1] = e[0] ^ X86_PTE_RW;
	if (how == 0)
		guest_store(gpa, e, 8);
	else if (how == 1)
		guest_store(gpa + 4, (u8 *)e + 4, 4); /* the high half */
	else if (how == 2)
		guest_store(gpa, e, 1); /* the flags */
	else
		guest_store(gpa & (PG - 8) ? gpa - 8 : gpa, e, 16);
}

static void activate(void)
{
	FUZZ_CHECK(shadow_activate(&s, cr3, false));
}

static void op_cr3(struct fuzz_in *in)
{
	u8 b = fuzz_u8(in);

	cr3 = frames[b & 31] * PG | (b & 0x60) >> 2; /* PWT, PCD */
	if (b & 0x80)
		cr3 += GiB(4); /* a CR3 outside RAM */
	activate();
}

/* A hidden #PF; a store to a protected table is emulated: the guest's
 * value lands and the shadow hears of it. */
static void op_fault(struct fuzz_in *in)
{
	u64 gva = fuzz_gva(in), val;
	u32 error = fuzz_u8(in) & (PFERR_P | PFERR_W | PFERR_U | PFERR_I);
	struct gwalk w;

	memset(&w, 0, sizeof(w));
	switch (shadow_fault(&s, cr3, gva, error, &w)) {
	case SHADOW_EMULATE:
		FUZZ_CHECK(error & PFERR_W);
		FUZZ_CHECK(shadow_protected(&s, w.gpa / PG) || !w.writable);
		val = fuzz_entry(in);
		guest_store(w.gpa & ~7ull, &val, 8);
		break;
	case SHADOW_REFLECT:
		FUZZ_CHECK(w.fault);
		FUZZ_CHECK((w.error & (PFERR_W | PFERR_U)) ==
			   (error & (PFERR_W | PFERR_U)));
		break;
	case SHADOW_NO_MEMORY: FUZZ_CHECK(!w.fault && w.gpa >= GMEM); break;
	case SHADOW_FIXED: FUZZ_CHECK(s.root != SP_NONE); break;
	}
}

/* update_walk_mode(): a change of CR0.WP, EFER.NXE or CR4.SMEP, through
 * shadow_set_mode(), which keeps the tree where its leaves still hold
 * (the leaf-rights check below says whether they do). */
static void op_mode(struct fuzz_in *in)
{
	struct gwalk_mode m = s.mode;

	read_mode(fuzz_u8(in), &m);
	shadow_set_mode(&s, &m);
	if (s.root == SP_NONE)
		activate();
}

/* mmu_npf(), a walk's A/D write to a protected table: hand it over. */
static void op_walk_write(struct fuzz_in *in)
{
	u64 gfn = fuzz_frame(in);

	if (!s.compound || !shadow_protected(&s, gfn))
		return;
	cp.gfns[gfn].nested = 1;
	shadow_make_nested(&s, gfn);
	if (shadow_protected(&s, gfn)) {
		cp.gfns[gfn].nested = 0;
		shadow_reset(&s);
		activate();
	}
}

/* The guest writes a compound page through the window: anything, or a
 * pointer to another pool page. */
static void op_scribble(struct fuzz_in *in)
{
	u32 sp = fuzz_u8(in) % s.nr_pages;
	unsigned idx = fuzz_index(in);
	u64 e = fuzz_entry(in);

	if (!s.compound)
		return;
	if (e & 0x100)
		e = (e & 0xfff) | (WIN + (e >> 12) % (s.nr_pages + 1) * PG);
	((u64 *)pa_to_va(s.pool + sp * PG))[idx] = e;
	scribbled[sp][idx] = true;
}

/* --- Checks ------------------------------------------------------------ */

/* The table braid reads its own links from: the twin, or the tree. */
static u64 *own_table(u32 sp)
{
	return pa_to_va((s.twin ? s.twin : s.pool) + sp * PG);
}

/* The pool page entry @e of an own table points at, or SP_NONE. */
static u32 own_child(u64 e)
{
	u64 base = s.twin ? s.twin : s.pool, a = e & PTE_ADDR_MASK;

	if ((e & (X86_PTE_P | X86_PTE_PS)) != X86_PTE_P || a < base ||
	    a >= base + s.nr_pages * PG)
		return SP_NONE;
	return (u32)((a - base) / PG);
}

static bool is_root(u32 sp)
{
	for (unsigned i = 0; i < SHADOW_ROOTS; i++)
		if (s.roots[i].sp == sp)
			return true;
	return false;
}

/* Free list, in-use count, roots, parents and children. */
static void check_accounting(void)
{
	u32 n = 0, used = 0, children[MAX_POOL] = { 0 };

	for (u32 i = s.free_head; i != SP_NONE; i = s.pages[i].next) {
		FUZZ_CHECK(i < s.nr_pages && !s.pages[i].in_use);
		FUZZ_CHECK(++n <= s.nr_pages);
	}
	FUZZ_CHECK(n == s.nr_free);
	for (u32 sp = 0; sp < s.nr_pages; sp++) {
		const struct shadow_page *p = &s.pages[sp];

		if (!p->in_use)
			continue;
		used++;
		FUZZ_CHECK(p->level >= 1 && p->level <= 4);
		if (p->parent == SP_NONE) {
			/* A page nobody points at is a root, or leaked. */
			FUZZ_CHECK(is_root(sp) && p->level == 4 && !p->direct);
			continue;
		}
		FUZZ_CHECK(p->parent < s.nr_pages);
		FUZZ_CHECK(s.pages[p->parent].in_use);
		FUZZ_CHECK(s.pages[p->parent].level == p->level + 1);
		FUZZ_CHECK(own_child(own_table(p->parent)[p->parent_idx]) ==
			   sp);
		children[p->parent]++;
	}
	FUZZ_CHECK(used == shadow_pages_in_use(&s));
	for (u32 sp = 0; sp < s.nr_pages; sp++)
		if (s.pages[sp].in_use)
			FUZZ_CHECK(s.pages[sp].children == children[sp]);
	FUZZ_CHECK(s.root == SP_NONE || is_root(s.root));
	for (unsigned i = 0; i < SHADOW_ROOTS; i++)
		if (s.roots[i].sp != SP_NONE)
			FUZZ_CHECK(s.pages[s.roots[i].sp].in_use);
}

/* Every mirror is on its hash chain (shadow_protected() finds it), the
 * chains are well linked, and they hold nothing else. */
static void check_hash(void)
{
	u32 mirrors = 0, chained = 0;

	for (u32 sp = 0; sp < s.nr_pages; sp++) {
		if (!s.pages[sp].in_use || s.pages[sp].direct)
			continue;
		mirrors++;
		FUZZ_CHECK(shadow_protected(&s, s.pages[sp].gfn));
	}
	for (unsigned h = 0; h < SHADOW_HASH; h++) {
		u32 prev = SP_NONE;

		for (u32 i = s.hash[h]; i != SP_NONE; i = s.pages[i].next) {
			FUZZ_CHECK(i < s.nr_pages && s.pages[i].in_use &&
				   !s.pages[i].direct);
			FUZZ_CHECK(s.pages[i].prev == prev);
			FUZZ_CHECK(++chained <= mirrors);
			prev = i;
		}
	}
	FUZZ_CHECK(chained == mirrors);
}

/* A leaf braid lets the CPU use with EPT/NPT off (a shadow leaf, or a
 * twin leaf): guest RAM only, and never writable onto a guest table. */
static void check_host_leaf(unsigned level, u64 e)
{
	u64 a = e & PTE_ADDR_MASK, size = PT_LEVEL_SIZE(level);

	FUZZ_CHECK(level <= 2);
	FUZZ_CHECK(a >= gbase && a - gbase <= GMEM - size);
	FUZZ_CHECK(!(a & (size - 1)));
	if (!(e & X86_PTE_RW))
		return;
	for (u64 gfn = (a - gbase) / PG; gfn < (a - gbase + size) / PG; gfn++)
		FUZZ_CHECK(!shadow_protected(&s, gfn));
}

/* A pointer braid wrote reaches a page in use hanging exactly there:
 * never a freed page, which will hold other mappings. */
static void check_link(u32 sp, unsigned i, u32 c)
{
	FUZZ_CHECK(c != SP_NONE && s.pages[c].in_use);
	FUZZ_CHECK(s.pages[c].parent == sp && s.pages[c].parent_idx == i);
}

/* Every entry of the tables the CPU may walk with EPT/NPT off. */
static void check_host_tables(void)
{
	for (u32 sp = 0; sp < s.nr_pages; sp++) {
		const u64 *t = own_table(sp);
		unsigned level = s.pages[sp].level;

		if (!s.pages[sp].in_use)
			continue;
		for (unsigned i = 0; i < PT_ENTRIES; i++) {
			u64 e = t[i];

			if (s.twin && e == SHADOW_TWIN_NESTED) {
				FUZZ_CHECK(level > 1);
				continue;
			}
			if (!(e & X86_PTE_P))
				FUZZ_CHECK(e == 0);
			else if (level > 1 && !(e & X86_PTE_PS))
				check_link(sp, i, own_child(e));
			else
				check_host_leaf(level, e);
		}
	}
}

/* The twin entry compound entry @c of a level-@l page must have
 * (test_twin.c, check_entry()). */
static void check_twin_entry(unsigned l, u64 c, u64 t)
{
	u64 a = c & PTE_ADDR_MASK,
	    flags = ~(PTE_ADDR_MASK | X86_PTE_RW | X86_PTE_D | SHADOW_GUEST_W);

	if (!(c & X86_PTE_P)) {
		FUZZ_CHECK(t == 0);
	} else if (l > 1 && !(c & X86_PTE_PS)) {
		if (a >= WIN && a < WIN + s.nr_pages * PG)
			FUZZ_CHECK(t ==
				   s.twin + (a - WIN) + (c & ~PTE_ADDR_MASK));
		else
			FUZZ_CHECK(t == SHADOW_TWIN_NESTED);
	} else if (t) {
		FUZZ_CHECK((t & PTE_ADDR_MASK) == gbase + a);
		FUZZ_CHECK((t & flags) == (c & flags));
		FUZZ_CHECK(!(t & X86_PTE_RW) || (c & X86_PTE_RW));
	} else {
		/* No twin for a leaf with no RAM behind it. */
		FUZZ_CHECK(a + PT_LEVEL_SIZE(l) > GMEM);
	}
}

/* Compound: the twin is the tree, entry by entry (where the guest did not
 * scribble), and each root counts the nested entries below it. */
static void check_twin(void)
{
	u32 nested_in[MAX_POOL] = { 0 };

	for (u32 sp = 0; sp < s.nr_pages; sp++) {
		const u64 *c = pa_to_va(s.pool + sp * PG);
		const u64 *t = pa_to_va(s.twin + sp * PG);
		u32 root = sp, here = 0;

		if (!s.pages[sp].in_use)
			continue;
		for (unsigned l = 0; s.pages[root].parent != SP_NONE; l++) {
			FUZZ_CHECK(l < 4);
			root = s.pages[root].parent;
		}
		for (unsigned i = 0; i < PT_ENTRIES; i++) {
			if (!scribbled[sp][i])
				check_twin_entry(s.pages[sp].level, c[i], t[i]);
			here += t[i] == SHADOW_TWIN_NESTED;
		}
		FUZZ_CHECK(s.pages[sp].nested == here);
		nested_in[root] += here;
	}
	for (u32 sp = 0; sp < s.nr_pages; sp++)
		if (s.pages[sp].in_use && s.pages[sp].parent == SP_NONE)
			FUZZ_CHECK(s.pages[sp].nested_tree == nested_in[sp]);
}

/* Compound: EPT/NPT write-protects exactly the tables braid mirrors. */
static void check_protection(void)
{
	for (u64 gfn = 0; gfn < GPAGES; gfn++)
		FUZZ_CHECK(protected_now[gfn] == shadow_protected(&s, gfn));
}

/* A copy of each entry the walk reads, so that its A/D updates do not
 * reach the guest's tables: a look, not an access. */
static u64 *peek(void *ctx, u64 gpa)
{
	static u64 copies[8];
	static unsigned next;
	u64 *p = gpa_ptr(ctx, gpa);

	if (!p)
		return NULL;
	next = (next + 1) % 8;
	copies[next] = *p;
	return &copies[next];
}

/* The leaf braid's own tables (tree or twin) hold for @gva, or 0. */
static u64 own_leaf(u64 gva)
{
	u32 sp = s.root;

	for (unsigned l = 4; sp != SP_NONE; l--) {
		u64 e = own_table(sp)[PT_INDEX(gva, l)];

		if (l == 1 || (e & X86_PTE_PS))
			return e;
		sp = own_child(e);
	}
	return 0;
}

/* A look at the guest's tables for @gva: does @access pass? */
static bool guest_allows(u64 gva, u32 access, struct gwalk *w)
{
	gwalk(cr3, gva, access, &s.mode, peek, &s, w);
	return !w->fault;
}

/* A shadow leaf grants no more than the guest's tables do (shadow.c,
 * leaf_flags(): CR0.WP=0 makes some supervisor-only and writable). */
static void check_rights(u64 gva, u64 e)
{
	struct gwalk w;

	if (e & X86_PTE_RW)
		FUZZ_CHECK(guest_allows(gva, PFERR_W, &w) &&
			   (w.pte[w.level] & X86_PTE_D));
	if (e & X86_PTE_US)
		FUZZ_CHECK(guest_allows(gva, PFERR_U, &w));
	if ((e & X86_PTE_RW) && (e & X86_PTE_US))
		FUZZ_CHECK(guest_allows(gva, PFERR_W | PFERR_U, &w));
	/* Fetches, as the CPU checks them on the leaf (SDM 4.6). */
	if (s.mode.nxe && (e & X86_PTE_NX))
		return;
	if (!(s.mode.smep && (e & X86_PTE_US)))
		FUZZ_CHECK(guest_allows(gva, PFERR_I, &w));
	if (e & X86_PTE_US)
		FUZZ_CHECK(guest_allows(gva, PFERR_I | PFERR_U, &w));
}

/* What braid maps, the guest's tables map: every store to them went
 * through shadow_guest_wrote(), which drops what they no longer say. */
static void check_coherent(void)
{
	for (unsigned i = 0; i < nr_gvas; i++) {
		u8 *p = shadow_lookup(&s, gvas[i]);
		struct gwalk w;

		if (!p)
			continue;
		FUZZ_CHECK(guest_allows(gvas[i], 0, &w));
		FUZZ_CHECK(p == (u8 *)pa_to_va(gbase + w.gpa));
		if (!s.compound)
			check_rights(gvas[i], own_leaf(gvas[i]));
	}
}

static void check_all(void)
{
	check_accounting();
	check_hash();
	check_host_tables();
	if (s.compound) {
		check_twin();
		check_protection();
	}
	if (s.root != SP_NONE)
		check_coherent();
}

/* --- Driver ------------------------------------------------------------ */

/* The header: the paging mode and pool, the walk mode, the policy. */
static void start(struct fuzz_in *in)
{
	const struct shadow_ops ops = { &s,
					gpa_ptr,
					gfn_to_hpa,
					protect,
					compound_nested,
					compound_nested_installed,
					&cp,
					NULL };
	u8 b = fuzz_u8(in), m = fuzz_u8(in);
	struct compound_knobs k = {
		.writes = fuzz_u8(in) % 16,
		.window = 1000,
		.quiet = 1 + fuzz_u8(in) * 16ull,
		.start_nested = b & 4,
	};

	FUZZ_CHECK(shadow_init(&s, SHADOW_POOL_MIN + (b >> 3) * 2, GMEM,
			       &ops) == 0);
	read_mode(m, &s.mode);
	s.mode.pse1g = m & 8;
	s.mode.maxphyaddr = (m & 16) ? 52 : 46;
	s.large = b & 2;
	if (b & 1) {
		FUZZ_CHECK(compound_init(&cp, &s, GMEM, &k) == 0);
		shadow_set_compound(&s, WIN);
		FUZZ_CHECK(shadow_enable_twin(&s) == 0);
	} else {
		s.ops.protect = NULL;
		s.ops.nested = NULL;
		s.ops.nested_installed = NULL;
	}
	cr3 = 0;
	activate();
}

static void run_op(struct fuzz_in *in, u8 op)
{
	switch (op % 10) {
	case 0:
	case 1: op_write(in, op); break;
	case 2: op_cr3(in); break;
	case 3:
	case 4: op_fault(in); break;
	case 5: op_mode(in); break;
	case 6:
		shadow_reset(&s);
		activate();
		break;
	case 7:
		if (s.compound)
			compound_tick(&cp, cp.now + fuzz_u8(in) * 64ull);
		else
			op_walk_write(in);
		break;
	case 8:
		if (s.compound && (op & 0x80))
			op_walk_write(in);
		else
			op_scribble(in);
		break;
	default: check_all(); break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };

	init_once();
	clear_guest();
	memset(protected_now, 0, sizeof(protected_now));
	memset(scribbled, 0, sizeof(scribbled));
	nr_gvas = 0;
	start(&in);
	while (in.n)
		run_op(&in, fuzz_u8(&in));
	check_all();
	if (s.compound)
		compound_destroy(&cp);
	shadow_destroy(&s);
	FUZZ_CHECK(frame_free_count() == free_at_start);
	return 0;
}
