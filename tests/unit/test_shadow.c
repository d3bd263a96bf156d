// SPDX-License-Identifier: MIT
/*
 * mm/shadow.c: the shadow MMU. The pool comes from the real frame allocator
 * over fake physical memory; the guest's RAM is a contiguous run of fake
 * physical frames too (gfn N lives at gbase + N * 4096), so shadow leaves
 * can be checked against exact host frames, and shadow tables can be read
 * back with pt_translate() or entry by entry.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mm/frame.h"
#include "mm/paging.h"
#include "lib/phys.h"
#include "mm/pte.h"
#include "mm/shadow.h"
#include "tests/unit/fake_phys.h"
#include "tests/unit/unit.h"

#define PG PAGE_SIZE

#define P     X86_PTE_P
#define RW    X86_PTE_RW
#define US    X86_PTE_US
#define A     X86_PTE_A
#define D     X86_PTE_D
#define PS    X86_PTE_PS
#define NX    X86_PTE_NX
#define PRW   (P | RW | US)
#define GW    SHADOW_GUEST_W	/* read-only only because it is a table */
#define UPPER (P | RW | US | A) /* what shadow.c puts above its leaves */

#define EP PFERR_P
#define EW PFERR_W
#define EU PFERR_U
#define ER PFERR_RSVD
#define EI PFERR_I

/* Guest RAM and where the guest's tables sit in it. */
#define GMEM	  MiB(8)
#define GPAGES	  (GMEM / PG)
#define PML4	  (1 * PG)
#define PDPT	  (2 * PG)
#define PD	  (3 * PG)
#define PT	  (4 * PG)
#define PT2	  (5 * PG)	      /* right after PT */
#define PML4_N(i) ((0x10 + (i)) * PG) /* more address spaces */
#define GFN(gpa)  ((gpa) >> PAGE_SHIFT)
#define DATA	  0x100 /* first data gfn */

#define I4 0x003u
#define I3 0x1c3u
#define I2 0x07eu
#define I1 0x133u
#define VA(i4, i3, i2, i1, off)                                      \
	(((u64)(i4) << 39) | ((u64)(i3) << 30) | ((u64)(i2) << 21) | \
	 ((u64)(i1) << 12) | (u64)(off))
#define GVA VA(I4, I3, I2, I1, 0)

/* The smallest pool shadow_init() takes. */
#ifdef SHADOW_POOL_MIN
#define TINY SHADOW_POOL_MIN
#else
#define TINY 16
#endif
/* Reverse-map entries per pool page (shadow.c's RMAP_PER_PAGE). */
#define RMAP_PER_PAGE 128

static phys_t gbase; /* host-physical address of guest-physical 0 */
static u64 free_at_start;
static struct shadow s;
static bool live;
static int ops_ctx;

static const struct gwalk_mode mode_default = {
	.wp = true, .nxe = true, .smep = false, .pse1g = true, .maxphyaddr = 46
};

static u64 *gpa_ptr(void *ctx, u64 gpa)
{
	assert_ptr_equal(ctx, &ops_ctx);
	if (gpa >= GMEM || GMEM - gpa < 8)
		return NULL;
	return pa_to_va(gbase + gpa);
}

static phys_t gfn_to_hpa(void *ctx, u64 gfn)
{
	assert_ptr_equal(ctx, &ops_ctx);
	return gbase + gfn * PG;
}

static const struct shadow_ops ops = { .ctx = &ops_ctx,
				       .gpa_ptr = gpa_ptr,
				       .gfn_to_hpa = gfn_to_hpa };

#define HPA(gfn) (gbase + (u64)(gfn)*PG)

static int setup(void **state)
{
	const struct boot_mem_range map[] = {
		{ 0, KiB(640), BOOT_MEM_AVAILABLE },
		{ MiB(1), FAKE_PHYS_SIZE - MiB(1), BOOT_MEM_AVAILABLE },
	};
	(void)state;
	if (frame_init(map, 2, NULL, 0))
		return -1;
	gbase = frame_alloc_contig(GPAGES, MiB(2)); /* zeroed */
	if (!gbase)
		return -1;
	free_at_start = frame_free_count();
	live = false;
	return 0;
}

/* Every test must leave the allocator as it found it. */
static int teardown(void **state)
{
	u64 free_now;
	(void)state;
	if (live)
		shadow_destroy(&s);
	live = false;
	free_now = frame_free_count();
	frame_free_contig(gbase, GPAGES);
	if (free_now != free_at_start) {
		print_error("shadow leaked %lld frames\n",
			    (long long)(free_at_start - free_now));
		return -1;
	}
	return 0;
}

static void start(u32 pool)
{
	assert_int_equal(shadow_init(&s, pool, GMEM, &ops), 0);
	s.mode = mode_default;
	live = true;
}

/* The guest's entry @idx of the table at guest-physical @table. */
static u64 *gent(u64 table, unsigned idx)
{
	assert_true(table + PG <= GMEM);
	return (u64 *)pa_to_va(gbase + table) + idx;
}

/* The guest edits one of its table entries: as the emulated store would,
 * then tells the shadow. */
static void guest_store(u64 table, unsigned idx, u64 val)
{
	*gent(table, idx) = val;
	shadow_guest_wrote(&s, table + idx * 8, 8);
}

/* The standard 4K path PML4[I4] -> PDPT[I3] -> PD[I2] -> PT. */
static void build_path(u64 pml4)
{
	*gent(pml4, I4) = PDPT | PRW;
	*gent(PDPT, I3) = PD | PRW;
	*gent(PD, I2) = PT | PRW;
}

/* The shadow's entry for @va at @level, 0 if the walk ends above it. */
static u64 sh_entry(u64 va, unsigned level)
{
	phys_t t = shadow_root_hpa(&s);

	assert_int_not_equal(t, 0);
	for (unsigned l = 4;; l--) {
		u64 e = ((u64 *)pa_to_va(t))[PT_INDEX(va, l)];

		if (l == level)
			return e;
		if (!(e & P))
			return 0;
		assert_int_equal(e & ~PTE_ADDR_MASK, UPPER);
		t = e & PTE_ADDR_MASK;
	}
}

static u64 sh_leaf(u64 va)
{
	return sh_entry(va, 1);
}

/* What the hardware would make of @va through the shadow. */
static void expect_sh_map(u64 va, phys_t pa, unsigned perm)
{
	struct pt pt = { .fmt = &pt_host, .root = shadow_root_hpa(&s) };
	struct pt_mapping m = { 0, 0, 0 };

	assert_int_equal(pt_translate(&pt, va, &m), 0);
	assert_int_equal(m.level, 1); /* shadow leaves are always 4K */
	assert_int_equal(m.pa, pa);
	assert_int_equal(m.perm, perm);
}

/* Exactly the guest frames @gfns (a list ended by ~0) are protected. */
static void expect_protected(const u64 *gfns)
{
	unsigned n = 0, want = 0;

	for (; gfns[want] != ~0ull; want++)
		if (!shadow_protected(&s, gfns[want]))
			fail_msg("gfn %#llx is not protected",
				 (unsigned long long)gfns[want]);
	for (u64 gfn = 0; gfn < GPAGES; gfn++)
		n += shadow_protected(&s, gfn);
	assert_int_equal(n, want);
}
#define PROTECTED(...) expect_protected((const u64[]){ __VA_ARGS__, ~0ull })

static enum shadow_fault fault_cr3(u64 cr3, u64 va, u32 error, struct gwalk *w)
{
	memset(w, 0, sizeof(*w));
	return shadow_fault(&s, cr3, va, error, w);
}

static enum shadow_fault fault(u64 va, u32 error, struct gwalk *w)
{
	return fault_cr3(PML4, va, error, w);
}

/* Fault like a guest that retries the access: the first fault may only
 * have reclaimed the pool. Returns the number of faults taken. */
static unsigned fault_until(u64 cr3, u64 va, u32 error, u64 need)
{
	struct gwalk w;

	for (unsigned n = 1; n <= 4; n++) {
		assert_int_equal(fault_cr3(cr3, va, error, &w), SHADOW_FIXED);
		if ((sh_leaf(va) & need) == need)
			return n;
	}
	fail_msg("va %#llx: not mapped (need %#llx) after 4 faults",
		 (unsigned long long)va, (unsigned long long)need);
	return 0;
}

/* --- init / activate / destroy ---------------------------------------- */

static void test_init_activate_destroy(void **state)
{
	static const u8 zero[PAGE_SIZE];
	phys_t root;
	(void)state;
	assert_int_equal(shadow_init(&s, TINY - 1, GMEM, &ops), -ENOMEM);
	assert_int_equal(frame_free_count(), free_at_start);
	start(64);
	assert_int_equal(shadow_pages_in_use(&s), 0);
	assert_int_equal(shadow_root_hpa(&s), 0);
	assert_true(frame_free_count() < free_at_start - 64);
	root = shadow_activate(&s, PML4, false);
	assert_int_not_equal(root, 0);
	assert_true(IS_ALIGNED(root, PG));
	assert_false(frame_is_free(root));
	assert_int_equal(shadow_root_hpa(&s), root);
	assert_int_equal(shadow_pages_in_use(&s), 1);
	assert_memory_equal(pa_to_va(root), zero, PAGE_SIZE);
	assert_true(shadow_protected(&s, GFN(PML4)));
	assert_false(shadow_protected(&s, GFN(PDPT)));
	assert_int_equal(s.stats.cr3_switches, 1);
	assert_int_equal(s.stats.root_hits, 0);
	assert_true(s.flush_self); /* the caller's own TLB */
	shadow_destroy(&s);
	live = false;
	assert_int_equal(frame_free_count(), free_at_start);
}

/*
 * shadow_init() that fails half way (here: the pool is larger than RAM,
 * the bookkeeping arrays are not) must return -ENOMEM and give back what
 * it took. Run in a child, because fake_phys aborts on a bad va_to_pa().
 */
static void test_init_failure_frees_everything(void **state)
{
	int status;
	pid_t pid;
	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static struct shadow s2;
		const u32 pool = FAKE_PHYS_SIZE / PG + 1024;
		int r = shadow_init(&s2, pool, GMEM, &ops);

		_exit(r == -ENOMEM && frame_free_count() == free_at_start ? 0
									  : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status))
		fail_msg("shadow_init() failure path died (signal %d)",
			 WTERMSIG(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* --- filling leaves ---------------------------------------------------- */

static void test_read_fault_clean_page(void **state)
{
	const u64 va = GVA + 0x234;
	struct gwalk w;
	phys_t root;
	(void)state;
	start(64);
	build_path(PML4);
	*gent(PT, I1) = ((u64)DATA << 12) | PRW; /* writable, D clear */
	root = shadow_activate(&s, PML4, false);
	assert_int_equal(fault(va, EU, &w), SHADOW_FIXED);
	assert_false(w.fault);
	assert_int_equal(w.gpa, ((u64)DATA << 12) + 0x234);
	/* Read-only until the first write, so that D can be set then. */
	assert_int_equal(sh_leaf(va), HPA(DATA) | P | A | US);
	expect_sh_map(va, HPA(DATA) + 0x234, PT_R | PT_U | PT_X);
	assert_int_equal(shadow_root_hpa(&s), root);
	assert_int_equal(shadow_pages_in_use(&s), 4);
	/* The guest's A bits are set along the path, D nowhere. */
	assert_int_equal(*gent(PML4, I4), PDPT | PRW | A);
	assert_int_equal(*gent(PDPT, I3), PD | PRW | A);
	assert_int_equal(*gent(PD, I2), PT | PRW | A);
	assert_int_equal(*gent(PT, I1), ((u64)DATA << 12) | PRW | A);
	assert_int_equal(s.stats.hidden_faults, 1);
	assert_int_equal(s.stats.reflected_faults, 0);
	/* Nothing else was filled. */
	assert_int_equal(sh_leaf(va + PG), 0);
	assert_int_equal(sh_entry(VA(I4, I3, I2 + 1, 0, 0), 2), 0);
	assert_int_equal(sh_entry(VA(I4 + 1, 0, 0, 0, 0), 4), 0);
}

static void test_leaf_carries_us_nx(void **state)
{
	struct gwalk w;
	(void)state;
	start(64);
	build_path(PML4);
	/* A dirty, writable, supervisor-only, no-execute page. */
	*gent(PT, I1) = ((u64)(DATA + 1) << 12) | P | RW | NX | D;
	shadow_activate(&s, PML4, false);
	assert_int_equal(fault(GVA, 0, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(GVA), HPA(DATA + 1) | P | A | RW | D | NX);
	expect_sh_map(GVA + 8, HPA(DATA + 1) + 8, PT_R | PT_W);
	/* NX higher up counts too; so does U/S=0 higher up. */
	*gent(PT, I1 + 1) = ((u64)(DATA + 2) << 12) | PRW | D;
	*gent(PD, I2 + 1) = PT2 | P | RW | NX;
	*gent(PT2, 0) = ((u64)(DATA + 3) << 12) | PRW | D;
	assert_int_equal(fault(GVA + PG, EW | EU, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(GVA + PG),
			 HPA(DATA + 2) | P | A | RW | D | US);
	assert_int_equal(fault(VA(I4, I3, I2 + 1, 0, 0), 0, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(VA(I4, I3, I2 + 1, 0, 0)),
			 HPA(DATA + 3) | P | A | RW | D | NX);
	/* Read-only in the guest and dirty: still read-only. */
	*gent(PT, I1 + 2) = ((u64)(DATA + 4) << 12) | P | US | D;
	assert_int_equal(fault(GVA + 2 * PG, EU, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(GVA + 2 * PG), HPA(DATA + 4) | P | A | US);
}

static void test_write_fault_sets_dirty(void **state)
{
	const u64 pte = ((u64)DATA << 12) | PRW;
	struct gwalk w;
	(void)state;
	start(64);
	build_path(PML4);
	*gent(PT, I1) = pte;
	*gent(PT, I1 + 1) = pte + PG;
	shadow_activate(&s, PML4, false);
	assert_int_equal(fault(GVA, EU, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(GVA), HPA(DATA) | P | A | US);
	s.need_flush = false;
	/* The hardware reports a protection fault on the read-only leaf. */
	assert_int_equal(fault(GVA + 0x10, EP | EW | EU, &w), SHADOW_FIXED);
	assert_int_equal(*gent(PT, I1), pte | A | D);
	assert_int_equal(sh_leaf(GVA), HPA(DATA) | P | A | US | RW | D);
	expect_sh_map(GVA + 0x10, HPA(DATA) + 0x10, PT_R | PT_W | PT_U | PT_X);
	/* Widened: the fault dropped the CPU's entry already. */
	assert_false(s.need_flush);
	/* A first touch that is a write maps writable at once. */
	assert_int_equal(fault(GVA + PG, EW, &w), SHADOW_FIXED);
	assert_int_equal(*gent(PT, I1 + 1), (pte + PG) | A | D);
	assert_int_equal(sh_leaf(GVA + PG),
			 HPA(DATA + 1) | P | A | US | RW | D);
	/* D was set only in the leaves. */
	assert_int_equal(*gent(PD, I2), PT | PRW | A);
	assert_int_equal(s.stats.hidden_faults, 3);
}

static void test_reflect_exact_error(void **state)
{
	struct gwalk w;
	(void)state;
	start(64);
	build_path(PML4);
	shadow_activate(&s, PML4, false);
	/* Not present (the hardware's P bit in @error is not the guest's). */
	assert_int_equal(fault(GVA, EP | EW | EU, &w), SHADOW_REFLECT);
	assert_true(w.fault);
	assert_int_equal(w.error, EW | EU);
	assert_int_equal(s.stats.reflected_faults, 1);
	assert_int_equal(sh_leaf(GVA), 0);
	assert_int_equal(*gent(PD, I2), PT | PRW); /* no A on a failed walk */
	/* Read-only user page: user write. */
	*gent(PT, I1) = ((u64)DATA << 12) | P | US;
	assert_int_equal(fault(GVA, EU, &w), SHADOW_FIXED);
	assert_int_equal(fault(GVA, EP | EW | EU, &w), SHADOW_REFLECT);
	assert_int_equal(w.error, EP | EW | EU);
	assert_int_equal(sh_leaf(GVA), HPA(DATA) | P | A | US); /* kept */
	/* ...and a supervisor write with CR0.WP=1. */
	assert_int_equal(fault(GVA, EP | EW, &w), SHADOW_REFLECT);
	assert_int_equal(w.error, EP | EW);
	/* Supervisor page: user read. */
	*gent(PT, I1 + 1) = ((u64)DATA << 12) | P | RW;
	assert_int_equal(fault(GVA + PG, EU, &w), SHADOW_REFLECT);
	assert_int_equal(w.error, EP | EU);
	/* NX page: user fetch (NXE=1 reports I/D). */
	*gent(PT, I1 + 2) = ((u64)DATA << 12) | PRW | NX;
	assert_int_equal(fault(GVA + 2 * PG, EI | EU, &w), SHADOW_REFLECT);
	assert_int_equal(w.error, EP | EI | EU);
	/* Reserved bit above MAXPHYADDR (46). */
	*gent(PT, I1 + 3) = BIT(47) | ((u64)DATA << 12) | PRW;
	assert_int_equal(fault(GVA + 3 * PG, EW, &w), SHADOW_REFLECT);
	assert_int_equal(w.error, EP | ER | EW);
	/* Not present at the top. */
	assert_int_equal(fault(VA(I4 + 1, 0, 0, 0, 0), EI, &w), SHADOW_REFLECT);
	assert_int_equal(w.error, EI);
	/* A table pointer outside guest RAM: open bus, P|RSVD. */
	*gent(PD, I2 + 1) = (GMEM + PG) | PRW;
	assert_int_equal(fault(VA(I4, I3, I2 + 1, 0, 0), EU, &w),
			 SHADOW_REFLECT);
	assert_int_equal(w.error, EP | ER | EU);
	assert_int_equal(s.stats.reflected_faults, 8);
	assert_int_equal(sh_leaf(GVA + PG), 0);
	assert_int_equal(sh_leaf(GVA + 2 * PG), 0);
	assert_int_equal(sh_leaf(GVA + 3 * PG), 0);
}

static void test_no_memory(void **state)
{
	struct gwalk w;
	(void)state;
	start(64);
	build_path(PML4);
	*gent(PT, I1) = (GMEM + 5 * PG) | PRW;
	*gent(PT, I1 + 1) = GiB(1024) | PRW;
	*gent(PT, I1 + 2) = (GMEM - PG) | PRW; /* the last page is RAM */
	shadow_activate(&s, PML4, false);
	assert_int_equal(fault(GVA + 0x42, EU, &w), SHADOW_NO_MEMORY);
	assert_int_equal(w.gpa, GMEM + 5 * PG + 0x42);
	assert_int_equal(sh_leaf(GVA), 0);
	assert_int_equal(fault(GVA + PG, EW, &w), SHADOW_NO_MEMORY);
	assert_int_equal(w.gpa, GiB(1024));
	assert_int_equal(sh_leaf(GVA + PG), 0);
	assert_int_equal(fault(GVA + 2 * PG, EU, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(GVA + 2 * PG), HPA(GPAGES - 1) | P | A | US);
	assert_int_equal(s.stats.reflected_faults, 0);
}

/* --- write protection ---------------------------------------------------- */

static void test_tables_protected(void **state)
{
	struct gwalk w;
	(void)state;
	start(64);
	build_path(PML4);
	*gent(PT, I1) = ((u64)DATA << 12) | PRW;
	shadow_activate(&s, PML4, false);
	assert_false(shadow_protected(&s, GFN(PT)));
	assert_int_equal(fault(GVA, 0, &w), SHADOW_FIXED);
	assert_true(shadow_protected(&s, GFN(PML4)));
	assert_true(shadow_protected(&s, GFN(PDPT)));
	assert_true(shadow_protected(&s, GFN(PD)));
	assert_true(shadow_protected(&s, GFN(PT)));
	assert_false(shadow_protected(&s, DATA));
	assert_false(shadow_protected(&s, GFN(PT2)));
	assert_false(shadow_protected(&s, 0));
	PROTECTED(GFN(PML4), GFN(PDPT), GFN(PD), GFN(PT));
	/* A gfn in the same hash bucket as the PT (gfn ^ gfn >> 10, mod
	 * SHADOW_HASH) is not confused with it. */
	assert_false(shadow_protected(&s, SHADOW_HASH + (GFN(PT) ^ 1)));
	/* A reflected walk protects nothing. */
	*gent(PD, I2 + 1) = PT2 | PRW;
	assert_int_equal(fault(VA(I4, I3, I2 + 1, 0, 0), 0, &w),
			 SHADOW_REFLECT);
	assert_false(shadow_protected(&s, GFN(PT2)));
	PROTECTED(GFN(PML4), GFN(PDPT), GFN(PD), GFN(PT));
	/* shadow_reset forgets everything. */
	shadow_reset(&s);
	PROTECTED(~0ull);
	assert_int_equal(shadow_pages_in_use(&s), 0);
	assert_int_equal(shadow_root_hpa(&s), 0);
	assert_false(shadow_protected(&s, GFN(PML4)));
	assert_false(shadow_protected(&s, GFN(PT)));
}

static void test_write_to_protected_is_emulated(void **state)
{
	struct gwalk w;
	(void)state;
	start(64);
	build_path(PML4);
	*gent(PT, I1) = ((u64)DATA << 12) | PRW;
	/* The guest maps its own PT and PML4, writable and dirty. */
	*gent(PT, I1 + 1) = PT | PRW | D;
	*gent(PT, I1 + 2) = PML4 | PRW | D;
	shadow_activate(&s, PML4, false);
	assert_int_equal(fault(GVA, 0, &w), SHADOW_FIXED);
	assert_int_equal(fault(GVA + PG + 8 * I1, EW, &w), SHADOW_EMULATE);
	assert_false(w.fault);
	assert_int_equal(w.gpa, PT + 8 * I1);
	assert_int_equal(sh_leaf(GVA + PG), 0);
	/* A read maps it, read-only although the guest says writable. */
	assert_int_equal(fault(GVA + PG, EU, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(GVA + PG), HPA(GFN(PT)) | P | A | US | GW);
	/* The write after it (a protection fault) is still emulated,
	 * found from the leaf (GW) and its guest entry, without a walk. */
	assert_int_equal(fault(GVA + PG, EP | EW | EU, &w), SHADOW_EMULATE);
	assert_false(w.fault);
	assert_int_equal(w.gpa, PT);
	assert_int_equal(sh_leaf(GVA + PG), HPA(GFN(PT)) | P | A | US | GW);
	assert_int_equal(fault(GVA + 2 * PG, EW | EU, &w), SHADOW_EMULATE);
	assert_int_equal(w.gpa, PML4);
	/* So is a CR0.WP=0 supervisor write. */
	s.mode.wp = false;
	*gent(PT, I1 + 3) = PD | P | US;
	assert_int_equal(fault(GVA + 3 * PG, EW, &w), SHADOW_EMULATE);
	/* A write the guest itself forbids is reflected, not emulated. */
	s.mode.wp = true;
	assert_int_equal(fault(GVA + 3 * PG, EW, &w), SHADOW_REFLECT);
	assert_int_equal(w.error, EP | EW);
}

/* The very first fault is a write through a mapping of a table on its own
 * path: the table only becomes protected during that fill, and the leaf
 * must not come out writable (then the write is emulated on the retry). */
static void test_first_fault_writes_own_table(void **state)
{
	const u64 va_ro = GVA + PG;
	struct gwalk w;
	(void)state;
	start(64);
	build_path(PML4);
	*gent(PT, I1) = PT | PRW | D;	 /* the PT maps itself, writable */
	*gent(PT, I1 + 1) = PT | P | US; /* and read-only */
	shadow_activate(&s, PML4, false);
	assert_false(shadow_protected(&s, GFN(PT)));
	assert_int_not_equal(fault(GVA, EW, &w), SHADOW_REFLECT);
	assert_true(shadow_protected(&s, GFN(PT)));
	assert_false(sh_leaf(GVA) & RW);
	assert_int_equal(fault(GVA, EP | EW, &w), SHADOW_EMULATE);
	assert_false(sh_leaf(GVA) & RW);
	/* The same with CR0.WP=0, through the read-only mapping. */
	shadow_reset(&s);
	s.mode.wp = false;
	shadow_activate(&s, PML4, false);
	assert_false(shadow_protected(&s, GFN(PT)));
	assert_int_not_equal(fault(va_ro, EW, &w), SHADOW_REFLECT);
	assert_true(shadow_protected(&s, GFN(PT)));
	assert_false(sh_leaf(va_ro) & RW);
	assert_int_equal(fault(va_ro, EP | EW, &w), SHADOW_EMULATE);
	assert_false(sh_leaf(va_ro) & RW);
}

/* A page mapped writable, which later becomes a guest page table, loses
 * RW in the shadow through the reverse map. */
static void test_rmap_write_protects_new_table(void **state)
{
	const u64 x = DATA + 0x10; /* the page that becomes a table */
	const u64 va2 = VA(I4, I3, I2 + 1, 5, 0);
	struct gwalk w;
	(void)state;
	start(64);
	build_path(PML4);
	*gent(PT, I1) = (x << 12) | PRW | D;
	*gent(PT, I1 + 7) = (x << 12) | P | RW | D; /* a supervisor alias */
	*gent(PT, I1 + 8) = ((u64)DATA << 12) | PRW | D;
	shadow_activate(&s, PML4, false);
	assert_int_equal(fault(GVA, EW | EU, &w), SHADOW_FIXED);
	assert_int_equal(fault(GVA + 7 * PG, 0, &w), SHADOW_FIXED);
	assert_int_equal(fault(GVA + 8 * PG, 0, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(GVA), HPA(x) | P | A | US | RW | D);
	assert_int_equal(sh_leaf(GVA + 7 * PG), HPA(x) | P | A | RW | D);
	assert_false(shadow_protected(&s, x));
	/* The guest writes a table into x, through that mapping (no trap)... */
	*(u64 *)pa_to_va(HPA(x) + 5 * 8) = ((u64)(DATA + 1) << 12) | PRW;
	/* ...and hooks it into its PD (trapped, PD is protected). */
	guest_store(PD, I2 + 1, (x << 12) | PRW);
	s.need_flush = false;
	assert_int_equal(fault(va2, EU, &w), SHADOW_FIXED);
	assert_true(shadow_protected(&s, x));
	assert_int_equal(sh_leaf(va2), HPA(DATA + 1) | P | A | US);
	/* Both writable mappings of x lost RW (and D), the other did not. */
	assert_int_equal(sh_leaf(GVA), HPA(x) | P | A | US | GW);
	assert_int_equal(sh_leaf(GVA + 7 * PG), HPA(x) | P | A | GW);
	assert_int_equal(sh_leaf(GVA + 8 * PG),
			 HPA(DATA) | P | A | US | RW | D);
	assert_true(s.need_flush);
	/* Writes to x now trap. */
	assert_int_equal(fault(GVA, EP | EW | EU, &w), SHADOW_EMULATE);
	assert_int_equal(w.gpa, x << 12);
	assert_int_equal(fault(GVA + 7 * PG, EP | EW, &w), SHADOW_EMULATE);
	/* A user store through the supervisor alias is the guest's own
	 * fault: GW does not make it a store to emulate. */
	assert_int_equal(fault(GVA + 7 * PG, EP | EW | EU, &w), SHADOW_REFLECT);
	assert_int_equal(w.error, EP | EW | EU);
	/* Once x is a table no more, a store through a GW leaf maps it
	 * writable again instead of being emulated. */
	guest_store(PD, I2 + 1, 0);
	assert_false(shadow_protected(&s, x));
	assert_int_equal(fault(GVA, EP | EW | EU, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(GVA), HPA(x) | P | A | US | RW | D);
}

/* The reverse map works across address spaces: a writable leaf under one
 * root is write-protected when the page becomes a table under another. */
static void test_rmap_across_roots(void **state)
{
	const u64 x = DATA + 0x20;
	struct gwalk w;
	(void)state;
	start(64);
	build_path(PML4);
	*gent(PT, I1) = (x << 12) | PRW | D;
	shadow_activate(&s, PML4, false);
	assert_int_equal(fault(GVA, EW, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(GVA), HPA(x) | P | A | US | RW | D);
	/* Address space B uses x as its PML4. */
	*(u64 *)pa_to_va(HPA(x) + I4 * 8) = PDPT | PRW;
	shadow_activate(&s, x << 12, false);
	assert_true(shadow_protected(&s, x));
	shadow_activate(&s, PML4, false);
	assert_int_equal(sh_leaf(GVA), HPA(x) | P | A | US | GW);
}

/* --- zapping on guest writes -------------------------------------------- */

static void test_guest_wrote_zaps_exactly(void **state)
{
	const u64 va_b = VA(I4, I3, I2 + 1, 0, 0);
	struct gwalk w;
	u64 leaf1, leaf2, leafb;
	(void)state;
	start(64);
	build_path(PML4);
	*gent(PD, I2 + 1) = PT2 | PRW;
	*gent(PT, I1) = ((u64)DATA << 12) | PRW;
	*gent(PT, I1 + 1) = ((u64)(DATA + 1) << 12) | PRW;
	*gent(PT, I1 + 2) = ((u64)(DATA + 2) << 12) | PRW;
	*gent(PT2, 0) = ((u64)(DATA + 3) << 12) | PRW;
	shadow_activate(&s, PML4, false);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(fault(GVA + i * PG, 0, &w), SHADOW_FIXED);
	assert_int_equal(fault(va_b, 0, &w), SHADOW_FIXED);
	assert_int_equal(shadow_pages_in_use(&s), 5);
	leaf1 = sh_leaf(GVA + PG);
	leaf2 = sh_leaf(GVA + 2 * PG);
	leafb = sh_leaf(va_b);
	s.need_flush = false;
	/* Remap PT[I1]: only that shadow entry goes. */
	guest_store(PT, I1, ((u64)(DATA + 9) << 12) | PRW);
	assert_int_equal(sh_leaf(GVA), 0);
	assert_int_equal(sh_leaf(GVA + PG), leaf1);
	assert_int_equal(sh_leaf(GVA + 2 * PG), leaf2);
	assert_int_equal(sh_leaf(va_b), leafb);
	/* The guest invalidates its own change (INVLPG): no flush here. */
	assert_false(s.need_flush);
	assert_int_equal(shadow_pages_in_use(&s), 5);
	assert_int_equal(fault(GVA, 0, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(GVA), HPA(DATA + 9) | P | A | US);
	/* A misaligned 8-byte store touches two entries. */
	shadow_guest_wrote(&s, PT + I1 * 8 + 4, 8);
	assert_int_equal(sh_leaf(GVA), 0);
	assert_int_equal(sh_leaf(GVA + PG), 0);
	assert_int_equal(sh_leaf(GVA + 2 * PG), leaf2);
	/* One byte in the middle of an entry: not the next entry. */
	assert_int_equal(fault(GVA, 0, &w), SHADOW_FIXED);
	assert_int_equal(fault(GVA + PG, 0, &w), SHADOW_FIXED);
	leaf1 = sh_leaf(GVA + PG);
	shadow_guest_wrote(&s, PT + I1 * 8 + 3, 1);
	assert_int_equal(sh_leaf(GVA), 0);
	assert_int_equal(sh_leaf(GVA + PG), leaf1);
	/* An aligned 16-byte store: two entries, not the third. */
	assert_int_equal(fault(GVA, 0, &w), SHADOW_FIXED);
	shadow_guest_wrote(&s, PT + I1 * 8, 16);
	assert_int_equal(sh_leaf(GVA), 0);
	assert_int_equal(sh_leaf(GVA + PG), 0);
	assert_int_equal(sh_leaf(GVA + 2 * PG), leaf2);
	/* The whole page; it was a mirrored table (the return value). */
	assert_true(shadow_guest_wrote(&s, PT, PAGE_SIZE));
	assert_int_equal(sh_leaf(GVA + 2 * PG), 0);
	assert_int_equal(sh_leaf(va_b), leafb);
	assert_int_equal(shadow_pages_in_use(&s), 5);
	/* Writes that change nothing shadowed: data pages, len 0, entries
	 * that were never filled. */
	s.need_flush = false;
	assert_false(shadow_guest_wrote(&s, (u64)DATA << 12, 8));
	shadow_guest_wrote(&s, PT2, 0);
	shadow_guest_wrote(&s, PT2 + 8, 8);
	assert_true(shadow_guest_wrote(&s, PT + (I1 + 100) * 8, 8));
	assert_true(shadow_guest_wrote(&s, PT, 0)); /* len 0: mirrored still */
	assert_false(s.need_flush);
	assert_int_equal(sh_leaf(va_b), leafb);
	assert_int_equal(shadow_pages_in_use(&s), 5);
	/* A PDE rewritten: its shadow table goes back to the pool, to be
	 * reused for other mappings, which the CPU's paging-structure
	 * caches must not reach: flush. */
	shadow_guest_wrote(&s, PD + I2 * 8, 8);
	assert_int_equal(shadow_pages_in_use(&s), 4);
	assert_true(s.need_flush);
}

/* A store that straddles two adjacent guest table pages. */
static void test_guest_wrote_across_pages(void **state)
{
	const u64 va_a = VA(I4, I3, I2, 511, 0),
		  va_b = VA(I4, I3, I2 + 1, 0, 0);
	const u64 va_c = VA(I4, I3, I2 + 1, 1, 0);
	struct gwalk w;
	(void)state;
	start(64);
	build_path(PML4);
	*gent(PD, I2 + 1) = PT2 | PRW;
	*gent(PT, 511) = ((u64)DATA << 12) | PRW;
	*gent(PT2, 0) = ((u64)(DATA + 1) << 12) | PRW;
	*gent(PT2, 1) = ((u64)(DATA + 2) << 12) | PRW;
	shadow_activate(&s, PML4, false);
	assert_int_equal(fault(va_a, 0, &w), SHADOW_FIXED);
	assert_int_equal(fault(va_b, 0, &w), SHADOW_FIXED);
	assert_int_equal(fault(va_c, 0, &w), SHADOW_FIXED);
	shadow_guest_wrote(&s, PT + 511 * 8 + 4, 8);
	assert_int_equal(sh_leaf(va_a), 0);
	assert_int_equal(sh_leaf(va_b), 0);
	assert_int_equal(sh_leaf(va_c), HPA(DATA + 2) | P | A | US);
}

static void test_zap_upper_frees_subtree(void **state)
{
	const u64 va_b = VA(I4, I3, I2 + 1, 0, 0);
	struct gwalk w;
	(void)state;
	start(64);
	build_path(PML4);
	*gent(PD, I2 + 1) = PT2 | PRW;
	*gent(PT, I1) = ((u64)DATA << 12) | PRW;
	*gent(PT2, 0) = ((u64)(DATA + 1) << 12) | PRW;
	shadow_activate(&s, PML4, false);
	assert_int_equal(fault(GVA, 0, &w), SHADOW_FIXED);
	assert_int_equal(shadow_pages_in_use(&s), 4);
	assert_int_equal(fault(va_b, 0, &w), SHADOW_FIXED);
	assert_int_equal(shadow_pages_in_use(&s), 5);
	/* A PDE: the PT mirror under it goes. */
	s.need_flush = false;
	guest_store(PD, I2, PT | PRW | A);
	assert_true(s.need_flush);
	assert_int_equal(shadow_pages_in_use(&s), 4);
	assert_int_equal(sh_entry(GVA, 2), 0);
	assert_int_equal(sh_leaf(va_b), HPA(DATA + 1) | P | A | US);
	assert_false(shadow_protected(&s, GFN(PT)));
	assert_true(shadow_protected(&s, GFN(PT2)));
	/* A PDPTE: the PD mirror and the PT2 mirror under it. */
	guest_store(PDPT, I3, PD | PRW | A);
	assert_int_equal(shadow_pages_in_use(&s), 2);
	assert_int_equal(sh_entry(GVA, 3), 0);
	assert_false(shadow_protected(&s, GFN(PD)));
	assert_false(shadow_protected(&s, GFN(PT2)));
	assert_true(shadow_protected(&s, GFN(PDPT)));
	/* A PML4E: everything but the root. */
	guest_store(PML4, I4, PDPT | PRW | A);
	assert_int_equal(shadow_pages_in_use(&s), 1);
	assert_int_equal(sh_entry(GVA, 4), 0);
	assert_false(shadow_protected(&s, GFN(PDPT)));
	assert_true(shadow_protected(&s, GFN(PML4)));
	PROTECTED(GFN(PML4));
	/* And it all comes back. */
	assert_int_equal(fault(GVA, 0, &w), SHADOW_FIXED);
	assert_int_equal(fault(va_b, 0, &w), SHADOW_FIXED);
	assert_int_equal(shadow_pages_in_use(&s), 5);
	assert_int_equal(sh_leaf(GVA), HPA(DATA) | P | A | US);
}

/* --- the root cache ------------------------------------------------------ */

static void test_root_cache_hit(void **state)
{
	const u64 b = PML4_N(0);
	phys_t ra, rb;
	struct gwalk w;
	(void)state;
	start(64);
	build_path(PML4);
	build_path(b);
	*gent(PT, I1) = ((u64)DATA << 12) | PRW;
	ra = shadow_activate(&s, PML4, false);
	assert_int_equal(fault(GVA, 0, &w), SHADOW_FIXED);
	rb = shadow_activate(&s, b, false);
	assert_int_not_equal(ra, rb);
	assert_int_equal(shadow_root_hpa(&s), rb);
	assert_int_equal(sh_entry(GVA, 4), 0); /* B is empty */
	assert_int_equal(fault_cr3(b, GVA + 8, 0, &w), SHADOW_FIXED);
	assert_int_equal(shadow_pages_in_use(&s), 8);
	assert_int_equal(s.stats.cr3_switches, 2);
	assert_int_equal(s.stats.root_hits, 0);
	/* Back to A: the same root, still filled, nothing rebuilt. */
	s.need_flush = false;
	assert_int_equal(shadow_activate(&s, PML4, false), ra);
	assert_int_equal(s.stats.root_hits, 1);
	assert_int_equal(s.stats.cr3_switches, 3);
	assert_true(s.flush_self); /* MOV to CR3 flushes */
	assert_int_equal(s.stats.cr3_keeps, 0);
	/* With PCIDE and bit 63 the TLB stays: the same root, no flush. */
	s.flush_self = false;
	assert_int_equal(shadow_activate(&s, b, true), rb);
	assert_int_equal(shadow_activate(&s, PML4, true), ra);
	assert_false(s.flush_self);
	assert_int_equal(s.stats.cr3_keeps, 2);
	assert_int_equal(s.stats.root_hits, 3);
	assert_int_equal(s.stats.cr3_switches, 5);
	assert_int_equal(shadow_pages_in_use(&s), 8);
	expect_sh_map(GVA + 0x77, HPA(DATA) + 0x77, PT_R | PT_U | PT_X);
	/* CR3 bits 11:0 (PCID, PWT, PCD) name the same address space. */
	assert_int_equal(shadow_activate(&s, b | 0x018, false), rb);
	assert_int_equal(shadow_activate(&s, PML4 | 0x005, false), ra);
	assert_int_equal(s.stats.root_hits, 5);
	assert_int_equal(shadow_pages_in_use(&s), 8);
}

static void test_root_lru_eviction(void **state)
{
	phys_t r[SHADOW_ROOTS + 1];
	struct gwalk w;
	u64 hits;
	(void)state;
	start(64);
	*gent(PT, I1) = ((u64)DATA << 12) | PRW;
	for (unsigned i = 0; i <= SHADOW_ROOTS; i++)
		build_path(PML4_N(i));
	build_path(PML4);
	for (unsigned i = 0; i < SHADOW_ROOTS; i++) {
		r[i] = shadow_activate(&s, PML4_N(i), false);
		if (i == 1) /* give root 1 a subtree */
			assert_int_equal(fault_cr3(PML4_N(1), GVA, 0, &w),
					 SHADOW_FIXED);
	}
	assert_int_equal(shadow_pages_in_use(&s), SHADOW_ROOTS + 3);
	assert_int_equal(s.stats.root_hits, 0);
	/* Touch 0: the least recently used is now 1. */
	assert_int_equal(shadow_activate(&s, PML4_N(0), false), r[0]);
	r[SHADOW_ROOTS] = shadow_activate(&s, PML4_N(SHADOW_ROOTS), false);
	assert_int_equal(s.stats.root_hits, 1);
	assert_int_equal(shadow_pages_in_use(&s), SHADOW_ROOTS);
	assert_false(shadow_protected(&s, GFN(PML4_N(1))));
	assert_false(shadow_protected(&s, GFN(PDPT)));
	for (unsigned i = 0; i <= SHADOW_ROOTS; i++)
		if (i != 1)
			assert_true(shadow_protected(&s, GFN(PML4_N(i))));
	/* Every survivor is a hit, with its old root. */
	hits = s.stats.root_hits;
	for (unsigned i = 0; i <= SHADOW_ROOTS; i++)
		if (i != 1)
			assert_int_equal(shadow_activate(&s, PML4_N(i), false),
					 r[i]);
	assert_int_equal(s.stats.root_hits, hits + SHADOW_ROOTS);
	/* 1 again is a miss, and evicts 0, now the least recently used. */
	shadow_activate(&s, PML4_N(1), false);
	assert_int_equal(s.stats.root_hits, hits + SHADOW_ROOTS);
	assert_false(shadow_protected(&s, GFN(PML4_N(0))));
	assert_true(shadow_protected(&s, GFN(PML4_N(1))));
	assert_int_equal(sh_entry(GVA, 4), 0); /* rebuilt empty */
	assert_int_equal(fault_cr3(PML4_N(1), GVA, 0, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(GVA), HPA(DATA) | P | A | US);
	assert_int_equal(s.stats.cr3_switches, 2 * SHADOW_ROOTS + 3);
	/* A miss that keeps the TLB (PCID no-flush) still evicts, and the
	 * freed root's translations must go from every PCID. */
	s.need_flush = s.flush_self = false;
	shadow_activate(&s, PML4_N(0), true);
	assert_false(s.flush_self);
	assert_true(s.need_flush);
	assert_int_equal(s.stats.cr3_keeps, 1);
}

/* --- a small pool ---------------------------------------------------------- */

/* Each 2M guest page is shadowed by its own 4K page of leaves, so 2 *
 * TINY + 8 of them cannot fit in a pool of TINY (16) shadow pages. */
static void test_reclaim_small_pool(void **state)
{
	const unsigned n = MIN(2 * TINY + 8, PT_ENTRIES);
	struct gwalk w;
	(void)state;
	start(TINY);
	build_path(PML4);
	for (unsigned j = 0; j < n; j++) /* alias the 4 2M pages of RAM */
		*gent(PD, j) = MiB(2) * (j % 4) | PRW | PS;
	shadow_activate(&s, PML4, false);
	for (unsigned j = 0; j < n; j++) {
		u64 va = VA(I4, I3, j, j, 8);

		fault_until(PML4, va, EU, P);
		assert_true(shadow_pages_in_use(&s) <= TINY);
		expect_sh_map(va, HPA((j % 4) * 512 + j) + 8,
			      PT_R | PT_U | PT_X);
	}
	assert_true(s.stats.reclaims > 0);
	assert_true(s.stats.pages_peak <= TINY);
	/* Everything still translates correctly, writes included. */
	for (unsigned j = 0; j < n; j += 5) {
		u64 va = VA(I4, I3, j, 511 - j, 0x10);
		u64 gfn = (j % 4) * 512 + 511 - j;

		if (gfn < 8) /* a guest table page: emulated, not mapped */
			continue;
		fault_until(PML4, va, EW | EU, P | RW);
		expect_sh_map(va, HPA(gfn) + 0x10, PT_R | PT_W | PT_U | PT_X);
		assert_true(*gent(PD, j) & D);
	}
	assert_int_equal(fault(VA(I4, I3, 0, 3, 0), EW, &w), SHADOW_EMULATE);
	assert_true(shadow_pages_in_use(&s) <= TINY);
}

/* More roots (with 6 pages each) than the pool holds: reclaims. */
static void test_reclaim_on_activate(void **state)
{
	const u64 va2 = VA(I4, I3 + 1, I2, I1, 0);
	struct gwalk w;
	(void)state;
	start(TINY);
	*gent(PT, I1) = ((u64)DATA << 12) | PRW;
	*gent(PDPT, I3 + 1) = PD | PRW; /* the same PD, via another PDPTE */
	for (unsigned i = 0; i < SHADOW_ROOTS; i++) {
		phys_t root;

		build_path(PML4_N(i));
		root = shadow_activate(&s, PML4_N(i), false);
		assert_int_equal(shadow_root_hpa(&s), root);
		/* (A reclaim may take GVA's leaf away again.) */
		fault_until(PML4_N(i), GVA, 0, P);
		assert_int_equal(sh_leaf(GVA), HPA(DATA) | P | A | US);
		fault_until(PML4_N(i), va2, 0, P);
		assert_int_equal(sh_leaf(va2), HPA(DATA) | P | A | US);
		assert_true(shadow_pages_in_use(&s) <= TINY);
	}
	assert_true(s.stats.reclaims > 0);
	assert_int_equal(s.stats.root_hits, 0);
	assert_int_equal(fault_cr3(PML4_N(7), GVA, EW, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(GVA), HPA(DATA) | P | A | US | RW | D);
}

/* --- guest large pages ------------------------------------------------------ */

static void test_guest_2m_page(void **state)
{
	const u64 base = VA(I4, I3, I2, 0, 0);
	struct gwalk w;
	(void)state;
	start(64);
	build_path(PML4);
	*gent(PD, I2) = MiB(4) | PRW | PS; /* gfns 0x400..0x5ff */
	shadow_activate(&s, PML4, false);
	assert_int_equal(fault(base + 0x12345, EU, &w), SHADOW_FIXED);
	assert_int_equal(w.level, 2);
	assert_int_equal(w.gpa, MiB(4) + 0x12345);
	assert_int_equal(sh_leaf(base + 0x12000), HPA(0x412) | P | A | US);
	expect_sh_map(base + 0x12345, HPA(0x412) + 0x345, PT_R | PT_U | PT_X);
	assert_false(sh_entry(base, 2) & PS);
	assert_int_equal(shadow_pages_in_use(&s), 4);
	/* Guest frames of a large page are not tables. */
	PROTECTED(GFN(PML4), GFN(PDPT), GFN(PD));
	/* Other 4K pieces of the same 2M page. */
	assert_int_equal(fault(base + 0x1ff008, EU, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(base + 0x1ff000), HPA(0x5ff) | P | A | US);
	assert_int_equal(fault(base, 0, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(base), HPA(0x400) | P | A | US);
	assert_int_equal(shadow_pages_in_use(&s), 4);
	assert_int_equal(sh_leaf(base + PG), 0);
	/* A write sets D in the PDE; then reads of other pieces are
	 * writable at once. */
	assert_int_equal(fault(base + 0x12345, EP | EW | EU, &w), SHADOW_FIXED);
	assert_int_equal(*gent(PD, I2), MiB(4) | PRW | PS | A | D);
	assert_int_equal(sh_leaf(base + 0x12000),
			 HPA(0x412) | P | A | US | RW | D);
	assert_int_equal(fault(base + 0x100000, EU, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(base + 0x100000),
			 HPA(0x500) | P | A | US | RW | D);
	/* Zapping the PDE frees the page of leaves. */
	guest_store(PD, I2, MiB(6) | P | PS | A);
	assert_int_equal(shadow_pages_in_use(&s), 3);
	assert_int_equal(sh_entry(base, 2), 0);
	assert_int_equal(fault(base + 0x3000, 0, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(base + 0x3000), HPA(0x603) | P | A);
}

/* What the hardware would make of @va through the shadow: a leaf at
 * @level mapping it to @pa. */
static void expect_sh_level(u64 va, unsigned level, phys_t pa)
{
	struct pt pt = { .fmt = &pt_host, .root = shadow_root_hpa(&s) };
	struct pt_mapping m = { 0, 0, 0 };

	assert_int_equal(pt_translate(&pt, va, &m), 0);
	assert_int_equal(m.level, level);
	assert_int_equal(m.pa, pa);
}

/* The first fault in a freshly mirrored table fills every entry the guest
 * has used (A set), and only those; later faults fill a block around
 * them. */
static void test_prefetch_whole_table_once(void **state)
{
	const u64 va0 = VA(I4, I3, I2, 0, 0);
	struct gwalk w;
	(void)state;
	start(64);
	build_path(PML4);
	for (unsigned i = 0; i < PT_ENTRIES; i += 8) /* every 8th: A set */
		*gent(PT, i) = ((u64)(DATA + i % 64) << 12) | PRW | A;
	*gent(PT, 3) = ((u64)DATA << 12) | PRW; /* used by no one yet */
	shadow_activate(&s, PML4, false);
	assert_int_equal(fault(va0 + 8 * PG, EU, &w), SHADOW_FIXED);
	for (unsigned i = 0; i < PT_ENTRIES; i += 8)
		assert_int_equal(sh_leaf(va0 + i * PG),
				 HPA(DATA + i % 64) | P | A | US);
	assert_int_equal(sh_leaf(va0 + 3 * PG), 0);
	assert_int_equal(*gent(PT, 3), ((u64)DATA << 12) | PRW); /* no A */
	assert_int_equal(s.stats.prefetched, PT_ENTRIES / 8 - 1);
	/* Entries used since, far apart: a fault fills only its block. */
	*gent(PT, 1) = ((u64)DATA << 12) | PRW | A;
	*gent(PT, 500) = ((u64)DATA << 12) | PRW | A;
	assert_int_equal(fault(va0 + 3 * PG, EU, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(va0 + PG), HPA(DATA) | P | A | US);
	assert_int_equal(sh_leaf(va0 + 500 * PG), 0);
}

/* A 64-page pool with 2 MiB leaves allowed, and the standard path. */
static void start_large(void)
{
	start(64);
	s.large = true;
	build_path(PML4);
}

/* With large leaves on: one 2 MiB leaf for a guest 2 MiB page, split when
 * a guest table appears inside it, and whole again once it is gone. */
static void test_guest_2m_page_large_leaf(void **state)
{
	const u64 base = VA(I4, I3, I2, 0, 0), va2 = VA(I4, I3, I2 + 1, 5, 0);
	const u64 pt_in = MiB(4) + 0x10 * PG; /* gfn 0x410: in the 2M page */
	struct gwalk w;
	(void)state;
	start_large();
	*gent(PD, I2) = MiB(4) | PRW | PS; /* gfns 0x400..0x5ff */
	shadow_activate(&s, PML4, false);
	assert_int_equal(fault(base + 0x12345, EU, &w), SHADOW_FIXED);
	/* Read first: read-only until the guest's D bit is set. */
	assert_int_equal(sh_entry(base, 2), HPA(0x400) | P | A | US | PS);
	expect_sh_level(base + 0x12345, 2, HPA(0x412) + 0x345);
	assert_ptr_equal(shadow_lookup(&s, base + 0x1fffff),
			 pa_to_va(HPA(0x5ff) + 0xfff));
	assert_int_equal(shadow_pages_in_use(&s), 3); /* no page of leaves */
	assert_int_equal(s.stats.large_leaves, 1);
	s.need_flush = false;
	assert_int_equal(fault(base + 0x12345, EP | EW | EU, &w), SHADOW_FIXED);
	assert_int_equal(*gent(PD, I2), MiB(4) | PRW | PS | A | D);
	assert_int_equal(sh_entry(base, 2),
			 HPA(0x400) | P | A | US | RW | D | PS);
	assert_false(s.need_flush); /* widened */
	/* A guest page table at gfn 0x410 (mapping va2): the frame must
	 * trap writes, so the 2M leaf goes. */
	*gent(PD, I2 + 1) = pt_in | PRW;
	*gent(pt_in, 5) = ((u64)DATA << 12) | PRW;
	assert_int_equal(fault(va2, EU, &w), SHADOW_FIXED);
	assert_int_equal(sh_entry(base, 2), 0);
	assert_true(s.need_flush);
	assert_int_equal(s.stats.large_splits, 1);
	/* Now 4K leaves, and the table's own frame read-only. */
	assert_int_equal(fault(base + 0x12345, EP | EW | EU, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(base + 0x12000),
			 HPA(0x412) | P | A | US | RW | D);
	assert_int_equal(fault(base + 0x10008, EW | EU, &w), SHADOW_EMULATE);
	assert_int_equal(w.gpa, pt_in + 8);
	assert_int_equal(fault(base + 0x10008, EU, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(base + 0x10000), HPA(0x410) | P | A | US | GW);
	/* The table unhooked (the store itself is emulated: the frame is
	 * not writable): the region may be one leaf again. */
	guest_store(PD, I2 + 1, 0);
	assert_int_equal(fault(base + 0x30000, EU, &w), SHADOW_FIXED);
	assert_true(sh_entry(base, 2) & PS);
	expect_sh_level(base + 0x10008, 2, HPA(0x410) + 8);
	assert_int_equal(shadow_pages_in_use(&s), 3);
}

/* A guest 1 GiB page: 2 MiB leaves where no table is inside, 4 KiB
 * leaves in the 2 MiB that holds the guest's own tables. */
static void test_guest_1g_page_large_leaves(void **state)
{
	const u64 base = VA(I4, I3 + 1, 0, 0, 0);
	struct gwalk w;
	(void)state;
	start_large();
	*gent(PDPT, I3 + 1) = 0 | PRW | PS | D; /* gpa 0: all of RAM */
	shadow_activate(&s, PML4, false);
	assert_int_equal(fault(base + MiB(4) + 0x1234, EW, &w), SHADOW_FIXED);
	expect_sh_level(base + MiB(4) + 0x1234, 2, HPA(0x400) + 0x1234);
	assert_int_equal(sh_entry(base + MiB(4), 2),
			 HPA(0x400) | P | A | US | RW | D | PS);
	/* The first 2 MiB holds PML4, PDPT and PD: 4 KiB there. */
	assert_int_equal(fault(base + 0x7008, 0, &w), SHADOW_FIXED);
	expect_sh_level(base + 0x7008, 1, HPA(7) + 8);
	assert_int_equal(s.stats.large_leaves, 1);
}

static void test_guest_1g_page(void **state)
{
	const u64 base = VA(I4, I3 + 1, 0, 0, 0);
	struct gwalk w;
	(void)state;
	start(64);
	build_path(PML4);
	*gent(PDPT, I3 + 1) = 0 | PRW | PS | D; /* gpa 0: all of RAM */
	shadow_activate(&s, PML4, false);
	assert_int_equal(fault(base + 0x345678, EU, &w), SHADOW_FIXED);
	assert_int_equal(w.level, 3);
	assert_int_equal(shadow_pages_in_use(&s), 4); /* root, L3, 2 direct */
	PROTECTED(GFN(PML4), GFN(PDPT));
	assert_int_equal(sh_leaf(base + 0x345000),
			 HPA(0x345) | P | A | US | RW | D);
	expect_sh_map(base + 0x345678, HPA(0x345) + 0x678,
		      PT_R | PT_W | PT_U | PT_X);
	assert_int_equal(fault(base + 0x346000, 0, &w), SHADOW_FIXED);
	assert_int_equal(shadow_pages_in_use(&s), 4); /* same 2M piece */
	assert_int_equal(fault(base + GMEM - PG, EU, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(base + GMEM - PG),
			 HPA(GPAGES - 1) | P | A | US | RW | D);
	assert_int_equal(shadow_pages_in_use(&s), 5); /* another 2M piece */
	/* Within the 1G page but beyond RAM. */
	assert_int_equal(fault(base + GMEM, EU, &w), SHADOW_NO_MEMORY);
	assert_int_equal(fault(base + GiB(1) - 1, EU, &w), SHADOW_NO_MEMORY);
	assert_int_equal(sh_leaf(base + GMEM), 0);
	/* The 1G page covers the guest's own tables: the PDPT (walked, so
	 * protected) stays read-only; the PT, never walked, is data. */
	assert_int_equal(fault(base + PDPT, EU, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(base + PDPT),
			 HPA(GFN(PDPT)) | P | A | US | GW);
	assert_int_equal(fault(base + PDPT, EP | EW, &w), SHADOW_EMULATE);
	assert_int_equal(fault(base + PT, EU, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(base + PT),
			 HPA(GFN(PT)) | P | A | US | RW | D);
	/* Zapping the PDPTE frees both levels of leaves. */
	guest_store(PDPT, I3 + 1, 0);
	assert_int_equal(shadow_pages_in_use(&s), 2);
	PROTECTED(GFN(PML4), GFN(PDPT));
	/* Without 1G pages the same entry has a reserved bit. */
	*gent(PDPT, I3 + 1) = 0 | PRW | PS;
	s.mode.pse1g = false;
	assert_int_equal(fault(base, EU, &w), SHADOW_REFLECT);
	assert_int_equal(w.error, EP | ER | EU);
}

/* --- CR0.WP=0 -------------------------------------------------------------- */

static void test_wp0_supervisor_write(void **state)
{
	struct gwalk w;
	(void)state;
	start(64);
	s.mode.wp = false;
	build_path(PML4);
	*gent(PT, I1) = ((u64)DATA << 12) | P | US; /* read-only user page */
	*gent(PT, I1 + 1) = ((u64)(DATA + 1) << 12) | P; /* read-only kernel */
	shadow_activate(&s, PML4, false);
	assert_int_equal(fault(GVA, EW, &w), SHADOW_FIXED);
	assert_int_equal(*gent(PT, I1), ((u64)DATA << 12) | P | US | A | D);
	/* Writable, but supervisor-only: a user access faults again. */
	assert_int_equal(sh_leaf(GVA), HPA(DATA) | P | A | RW | D);
	expect_sh_map(GVA, HPA(DATA), PT_R | PT_W | PT_X);
	assert_int_equal(fault(GVA, EP | EU, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(GVA), HPA(DATA) | P | A | US);
	assert_int_equal(fault(GVA, EP | EW | EU, &w), SHADOW_REFLECT);
	assert_int_equal(w.error, EP | EW | EU);
	/* A supervisor read of a clean read-only page maps it read-only. */
	assert_int_equal(fault(GVA + PG, 0, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(GVA + PG), HPA(DATA + 1) | P | A);
	assert_int_equal(fault(GVA + PG, EP | EW, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(GVA + PG), HPA(DATA + 1) | P | A | RW | D);
	/* Read-only higher up counts the same. */
	*gent(PT, I1 + 2) = ((u64)(DATA + 2) << 12) | PRW;
	guest_store(PD, I2, PT | P | US | A);
	assert_int_equal(fault(GVA + 2 * PG, EW, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(GVA + 2 * PG), HPA(DATA + 2) | P | A | RW | D);
	assert_int_equal(fault(GVA + 2 * PG, EW | EU, &w), SHADOW_REFLECT);
	assert_int_equal(w.error, EP | EW | EU);
}

/* CR0.WP 1 -> 0 keeps the tree; 0 -> 1 keeps it unless a WP=0 leaf was
 * made writable over a read-only page, which must go; NXE always drops
 * it (shadow_set_mode()). */
static void test_wp_toggle_keeps_tree(void **state)
{
	struct gwalk_mode m = mode_default;
	struct gwalk w;
	phys_t root;

	(void)state;
	start(64);
	build_path(PML4);
	*gent(PT, I1) = ((u64)DATA << 12) | P; /* read-only kernel page */
	root = shadow_activate(&s, PML4, false);
	assert_int_equal(fault(GVA, 0, &w), SHADOW_FIXED);
	m.wp = false;
	shadow_set_mode(&s, &m);
	assert_int_equal(shadow_root_hpa(&s), root);
	assert_int_equal(sh_leaf(GVA), HPA(DATA) | P | A); /* still RO */
	m.wp = true;
	shadow_set_mode(&s, &m);
	assert_int_equal(shadow_root_hpa(&s), root); /* nothing writable */
	assert_int_equal(s.stats.wp_keeps, 2);
	/* WP=0 and a supervisor write: a writable leaf the guest's entry
	 * does not allow, so WP going back to 1 drops the tree. */
	m.wp = false;
	shadow_set_mode(&s, &m);
	assert_int_equal(fault(GVA, EP | EW, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(GVA), HPA(DATA) | P | A | RW | D);
	m.wp = true;
	shadow_set_mode(&s, &m);
	assert_int_equal(s.root, SP_NONE);
	/* Rebuilt under WP=1, the same write now reaches the guest. */
	shadow_activate(&s, PML4, false);
	assert_int_equal(fault(GVA, EP | EW, &w), SHADOW_REFLECT);
	/* An NXE change always drops the tree. */
	assert_int_equal(fault(GVA, 0, &w), SHADOW_FIXED);
	m.nxe = false;
	shadow_set_mode(&s, &m);
	assert_int_equal(s.root, SP_NONE);
}

/* With CR4.SMEP, a supervisor-only leaf for a user page would let the
 * kernel run it: the CR0.WP=0 write is emulated instead (found by
 * tests/fuzz/fuzz_shadow.c). */
static void test_wp0_smep_user_page(void **state)
{
	struct gwalk w;
	(void)state;
	start(64);
	s.mode.wp = false;
	s.mode.smep = true;
	build_path(PML4);
	*gent(PT, I1) = ((u64)DATA << 12) | P | US | A | D; /* user, RO */
	shadow_activate(&s, PML4, false);
	assert_int_equal(fault(GVA, EW, &w), SHADOW_EMULATE);
	assert_int_equal(w.gpa, (u64)DATA << 12);
	assert_int_equal(sh_leaf(GVA), 0);
	/* A kernel page is still mapped writable for the write. */
	*gent(PT, I1 + 1) = ((u64)(DATA + 1) << 12) | P | A | D;
	assert_int_equal(fault(GVA + PG, EW, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(GVA + PG), HPA(DATA + 1) | P | A | RW | D);
}

/* --- recursive guest tables ------------------------------------------------ */

static void test_recursive_guest_tables(void **state)
{
	const unsigned R = 0x0ed;
	const u64 self = VA(R, R, R, R, 0);
	const u64 pte_window = VA(R, I4, I3, I2, 0);
	struct gwalk w;
	(void)state;
	start(64);
	build_path(PML4);
	*gent(PML4, R) = PML4 | PRW;
	*gent(PT, I1) = ((u64)DATA << 12) | PRW;
	shadow_activate(&s, PML4, false);
	assert_int_equal(fault(GVA, 0, &w), SHADOW_FIXED);
	assert_int_equal(fault(self + 8 * R, EU, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(self), HPA(GFN(PML4)) | P | A | US);
	assert_int_equal(fault(pte_window + 8 * I1, 0, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(pte_window), HPA(GFN(PT)) | P | A | US);
	assert_int_equal(shadow_pages_in_use(&s), 4 + 3 + 2);
	/* Writes through the window are writes to tables. */
	assert_int_equal(fault(self, EP | EW, &w), SHADOW_EMULATE);
	assert_int_equal(fault(pte_window + 8 * I1, EP | EW, &w),
			 SHADOW_EMULATE);
	assert_int_equal(w.gpa, PT + 8 * I1);
	/* Rewriting the self entry drops everything under it (several
	 * shadow pages mirror the PML4), but not the ordinary path. */
	guest_store(PML4, R, PML4 | PRW | A);
	assert_int_equal(shadow_pages_in_use(&s), 4);
	assert_int_equal(sh_entry(self, 4), 0);
	assert_int_equal(sh_leaf(GVA), HPA(DATA) | P | A | US);
	assert_true(shadow_protected(&s, GFN(PML4)));
	/* Rewriting a PTE through the window zaps the ordinary leaf. */
	assert_int_equal(fault(pte_window, 0, &w), SHADOW_FIXED);
	guest_store(PT, I1, ((u64)(DATA + 1) << 12) | PRW);
	assert_int_equal(sh_leaf(GVA), 0);
	assert_int_equal(sh_leaf(pte_window), HPA(GFN(PT)) | P | A | US | GW);
}

/* --- teardown ---------------------------------------------------------------- */

static void test_destroy_returns_frames(void **state)
{
	struct gwalk w;
	(void)state;
	start(SHADOW_POOL_DEFAULT);
	build_path(PML4);
	build_path(PML4_N(0));
	*gent(PD, I2 + 1) = MiB(2) | PRW | PS;
	*gent(PDPT, I3 + 1) = 0 | PRW | PS;
	for (unsigned i = 0; i < 512; i++)
		*gent(PT, i) = ((u64)(DATA + i) << 12) | PRW | D;
	shadow_activate(&s, PML4, false);
	for (unsigned i = 0; i < 512; i += 3)
		assert_int_equal(fault(VA(I4, I3, I2, i, 0), EW, &w),
				 SHADOW_FIXED);
	assert_int_equal(fault(VA(I4, I3, I2 + 1, 9, 0), EW, &w), SHADOW_FIXED);
	assert_int_equal(fault(VA(I4, I3 + 1, 2, 9, 0), 0, &w), SHADOW_FIXED);
	shadow_activate(&s, PML4_N(0), false);
	assert_int_equal(fault_cr3(PML4_N(0), GVA, 0, &w), SHADOW_FIXED);
	assert_true(shadow_pages_in_use(&s) > 8);
	assert_true(frame_free_count() < free_at_start);
	shadow_destroy(&s);
	live = false;
	assert_int_equal(frame_free_count(), free_at_start);
	/* And a second life in the same memory. */
	start(TINY);
	shadow_activate(&s, PML4, false);
	assert_int_equal(fault(GVA, EW, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(GVA), HPA(DATA + I1) | P | A | US | RW | D);
	shadow_destroy(&s);
	live = false;
	assert_int_equal(frame_free_count(), free_at_start);
}

/* --- reverse-map exhaustion ---------------------------------------------------- */

/*
 * A guest that keeps remapping one PTE and writing through it (a kmap-like
 * window). Every writable leaf takes a reverse-map entry; entries are only
 * ever given back by write_protect() when their page becomes a table, and
 * shadow_reset() does not return them. Once the 16 * 128 entries of a
 * 16-page pool are used up, every writable fill fails, reclaims the pool
 * and returns SHADOW_FIXED without a mapping: the guest faults forever.
 * (The same happens with any pool size, after pool * 128 fills.)
 */
static void test_rmap_survives_pte_churn(void **state)
{
	const unsigned rounds = TINY * RMAP_PER_PAGE + 64;
	struct gwalk w;
	(void)state;
	start(TINY);
	build_path(PML4);
	shadow_activate(&s, PML4, false);
	for (unsigned i = 0; i < rounds; i++) {
		unsigned n;

		guest_store(PT, I1, ((u64)(DATA + i % 2) << 12) | PRW | D);
		for (n = 0; n < 4; n++) {
			assert_int_equal(fault(GVA, EW, &w), SHADOW_FIXED);
			if (sh_leaf(GVA) & RW)
				break;
		}
		if (n == 4)
			fail_msg(
				"round %u: write to gva %#llx still not mapped "
				"writable after 4 faults (reclaims %llu, pages "
				"in use %u)",
				i, (unsigned long long)GVA,
				(unsigned long long)s.stats.reclaims,
				shadow_pages_in_use(&s));
		assert_int_equal(sh_leaf(GVA),
				 HPA(DATA + i % 2) | P | A | US | RW | D);
	}
}

/* --- a tree shared by vCPUs (hv/mmu_sync.c) ------------------------------ */

/* shadow_ops.sync stands for the shootdown: it counts, checks what the
 * caller must already have done, and may play another vCPU's last store
 * before that vCPU is shot down. */
static unsigned syncs;
static u32 freed_page = SP_NONE; /* must still be free at the sync */
static u64 *race_entry;		 /* written once, at the first sync */
static u64 race_value;

static void smp_sync(void *ctx)
{
	assert_ptr_equal(ctx, &ops_ctx);
	syncs++;
	if (freed_page != SP_NONE)
		assert_false(s.pages[freed_page].in_use);
	if (race_entry) {
		*race_entry = race_value;
		race_entry = NULL;
	}
}

static const struct shadow_ops ops_smp = { .ctx = &ops_ctx,
					   .gpa_ptr = gpa_ptr,
					   .gfn_to_hpa = gfn_to_hpa,
					   .sync = smp_sync };

static void start_smp(u32 pool)
{
	assert_int_equal(shadow_init(&s, pool, GMEM, &ops_smp), 0);
	s.mode = mode_default;
	live = true;
	syncs = 0;
	freed_page = SP_NONE;
	race_entry = NULL;
}

/* A freed page is reused only after the other vCPUs forgot it: their
 * paging-structure caches could still point at it. */
static void test_smp_sync_before_reuse(void **state)
{
	const u64 va_b = VA(I4, I3, I2 + 1, 0, 0);
	struct gwalk w;
	(void)state;
	start_smp(64);
	build_path(PML4);
	*gent(PD, I2 + 1) = PT2 | PRW;
	*gent(PT, I1) = ((u64)DATA << 12) | PRW;
	*gent(PT2, 0) = ((u64)(DATA + 1) << 12) | PRW;
	shadow_activate(&s, PML4, false);
	assert_int_equal(fault(GVA, 0, &w), SHADOW_FIXED);
	assert_int_equal(syncs, 0); /* nothing freed or narrowed yet */
	freed_page = s.free_head;   /* where a freed page would go: not it */
	guest_store(PD, I2, PT | PRW | A);
	freed_page = s.free_head; /* the PT mirror, freed: reused next */
	assert_false(s.pages[freed_page].in_use);
	assert_true(s.unsynced_frees);
	assert_int_equal(syncs, 0); /* not yet: only before the reuse */
	assert_int_equal(fault(va_b, 0, &w), SHADOW_FIXED);
	assert_int_equal(syncs, 1);
	assert_false(s.unsynced_frees);
	assert_true(s.pages[freed_page].in_use); /* reused after the sync */
	assert_int_equal(sh_leaf(va_b), HPA(DATA + 1) | P | A | US);
}

/* A page that becomes a table loses its writable leaves, and the other
 * vCPUs' writable translations go before the table is read: a store
 * through one just before the shootdown is seen by the fill, which drops
 * what it built from the old entry and lets the access fault again. */
static void test_smp_protect_syncs_and_rechecks(void **state)
{
	const u64 va_pt = VA(I4, I3, I2 + 1, 0, 0); /* maps PT itself */
	struct gwalk w;
	(void)state;
	start_smp(64);
	build_path(PML4);
	*gent(PD, I2 + 1) = PT2 | PRW;
	*gent(PT2, 0) = (GFN(PT) << 12) | PRW | D;
	*gent(PT, I1) = ((u64)DATA << 12) | PRW;
	shadow_activate(&s, PML4, false);
	assert_int_equal(fault(va_pt, EW | EU, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(va_pt), HPA(GFN(PT)) | P | A | US | RW | D);
	assert_int_equal(syncs, 0);
	/* Another vCPU, through that writable leaf, changes PT[I1] after
	 * this walk read it and before its translation is shot down. */
	race_entry = gent(PT, I1);
	race_value = ((u64)(DATA + 5) << 12) | PRW;
	assert_int_equal(fault(GVA, EU, &w), SHADOW_FIXED);
	assert_int_equal(syncs, 1);
	assert_true(shadow_protected(&s, GFN(PT)));
	assert_int_equal(sh_leaf(va_pt), HPA(GFN(PT)) | P | A | US | GW);
	assert_int_equal(sh_leaf(GVA), 0); /* built from the old entry: gone */
	assert_int_equal(fault(GVA, EU, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(GVA), HPA(DATA + 5) | P | A | US);
	assert_int_equal(*gent(PT, I1), race_value | A); /* A set on the new */
}

/* A root another vCPU runs on (pinned) survives the root cache's LRU
 * eviction and a reclaim; unpinned, it goes like any other. */
static void test_smp_pinned_root(void **state)
{
	struct gwalk w;
	u32 pinned;
	u16 gen;
	(void)state;
	start_smp(64);
	*gent(PT, I1) = ((u64)DATA << 12) | PRW;
	for (unsigned i = 0; i <= SHADOW_ROOTS; i++)
		build_path(PML4_N(i));
	shadow_activate(&s, PML4_N(0), false);
	assert_int_equal(fault_cr3(PML4_N(0), GVA, 0, &w), SHADOW_FIXED);
	pinned = s.root;
	gen = shadow_page_gen(&s, pinned);
	shadow_pin(&s, pinned, 1); /* another vCPU runs it */
	for (unsigned i = 1; i <= SHADOW_ROOTS; i++)
		shadow_activate(&s, PML4_N(i), false); /* 0 is the LRU one */
	assert_true(shadow_root_live(&s, pinned, gen, GFN(PML4_N(0))));
	assert_false(shadow_root_live(&s, pinned, gen, GFN(PML4_N(1))));
	assert_true(shadow_protected(&s, GFN(PML4_N(0))));
	s.root = pinned; /* its subtree is whole */
	assert_int_equal(sh_leaf(GVA), HPA(DATA) | P | A | US);
	shadow_activate(&s, PML4_N(1), false);
	shadow_pin(&s, pinned, -1);
	for (unsigned i = 2; i <= SHADOW_ROOTS; i++)
		shadow_activate(&s, PML4_N(i), false);
	assert_false(shadow_root_live(&s, pinned, gen, GFN(PML4_N(0))));
}

/* The walk changed under the fill (another vCPU repointed a PDE just
 * before its shootdown): nothing is built from the old walk, prefetch of
 * the old table's neighbours included. */
#define PD2 (6 * PG)
#define PT3 (7 * PG)
static void test_smp_no_prefetch_after_recheck(void **state)
{
	const u64 va_pd = VA(I4, I3 + 1, 0, 0, 0); /* maps PD itself */
	const u64 va_nb = VA(I4, I3, I2, I1 + 1, 0);
	struct gwalk w;
	(void)state;
	start_smp(64);
	build_path(PML4);
	*gent(PDPT, I3 + 1) = PD2 | PRW;
	*gent(PD2, 0) = PT3 | PRW;
	*gent(PT3, 0) = (GFN(PD) << 12) | PRW | D;
	*gent(PT, I1) = ((u64)DATA << 12) | PRW;
	*gent(PT, I1 + 1) = ((u64)(DATA + 1) << 12) | PRW | A;
	*gent(PT2, I1 + 1) = ((u64)(DATA + 7) << 12) | PRW | A;
	shadow_activate(&s, PML4, false);
	assert_int_equal(fault(va_pd, EW | EU, &w), SHADOW_FIXED);
	race_entry = gent(PD, I2);
	race_value = PT2 | PRW;
	assert_int_equal(fault(GVA, EU, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(va_nb), 0);
	assert_false(shadow_protected(&s, GFN(PT)));
	/* Faulting again walks the new table. */
	assert_int_equal(fault(va_nb, EU, &w), SHADOW_FIXED);
	assert_int_equal(sh_leaf(va_nb), HPA(DATA + 7) | P | A | US);
}

/* A vCPU whose root was freed makes one again while every other page
 * hangs below a root another vCPU runs on (pinned, spared by reclaim):
 * the tree starts afresh rather than leave it without a root. */
static void test_smp_activate_with_pool_pinned(void **state)
{
	struct gwalk w;
	u32 other;
	u16 gen;
	(void)state;
	start_smp(TINY);
	for (unsigned i = 0; i < 2; i++)
		build_path(PML4_N(i));
	for (unsigned i = 0; i < 512; i++)
		*gent(PT, i) = ((u64)(DATA + i) << 12) | PRW;
	shadow_activate(&s, PML4_N(0), false);
	for (unsigned i = 0; i < 64 && s.free_head != SP_NONE; i++) {
		*gent(PD, i) = PT | PRW;
		fault_cr3(PML4_N(0), VA(I4, I3, i, 0, 0), 0, &w);
	}
	assert_int_equal(s.nr_free, 0);
	other = s.root;
	gen = shadow_page_gen(&s, other);
	shadow_pin(&s, other, 1); /* vCPU A left the lock */
	s.root = SP_NONE;	  /* vCPU B's root was freed */
	assert_int_not_equal(shadow_activate(&s, PML4_N(1), false), 0);
	assert_int_not_equal(s.root, SP_NONE);
	assert_false(shadow_root_live(&s, other, gen, GFN(PML4_N(0))));
	assert_int_equal(fault_cr3(PML4_N(1), GVA, 0, &w), SHADOW_FIXED);
}

#define TS(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TS(test_init_activate_destroy),
		TS(test_init_failure_frees_everything),
		TS(test_read_fault_clean_page),
		TS(test_leaf_carries_us_nx),
		TS(test_write_fault_sets_dirty),
		TS(test_reflect_exact_error),
		TS(test_no_memory),
		TS(test_tables_protected),
		TS(test_write_to_protected_is_emulated),
		TS(test_first_fault_writes_own_table),
		TS(test_rmap_write_protects_new_table),
		TS(test_rmap_across_roots),
		TS(test_guest_wrote_zaps_exactly),
		TS(test_guest_wrote_across_pages),
		TS(test_zap_upper_frees_subtree),
		TS(test_root_cache_hit),
		TS(test_root_lru_eviction),
		TS(test_reclaim_small_pool),
		TS(test_reclaim_on_activate),
		TS(test_guest_2m_page),
		TS(test_guest_2m_page_large_leaf),
		TS(test_prefetch_whole_table_once),
		TS(test_guest_1g_page_large_leaves),
		TS(test_guest_1g_page),
		TS(test_wp0_supervisor_write),
		TS(test_wp_toggle_keeps_tree),
		TS(test_wp0_smep_user_page),
		TS(test_recursive_guest_tables),
		TS(test_destroy_returns_frames),
		TS(test_rmap_survives_pte_churn),
		TS(test_smp_sync_before_reuse),
		TS(test_smp_protect_syncs_and_rechecks),
		TS(test_smp_pinned_root),
		TS(test_smp_no_prefetch_after_recheck),
		TS(test_smp_activate_with_pool_pinned),
	};

	return cmocka_run_group_tests_name("shadow", tests, NULL, NULL);
}
