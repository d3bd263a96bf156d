// SPDX-License-Identifier: MIT
/*
 * ptmod: modifies page tables in the ways a kernel does and checks every
 * access afterwards. Under shadow paging each of these is a write to a
 * write-protected guest page table that the hypervisor must trap, decode
 * and emulate (or a CR3 load / INVLPG it must intercept), so the
 * instruction forms matter and are forced with inline assembly.
 *
 *  map      new PTEs used without INVLPG (SDM 4.10.4.3: not-present
 *           entries are never cached), writes reach the frames, A/D set,
 *           remapping present PTEs, unmapping (#PF with P=0 for every
 *           access kind), mapping again
 *  perm     RW->RO->RW, U->S->U, NX on/off on the PTE, then R/W in a PDE,
 *           U/S in a PDPTE and XD in a PML4E, each followed by INVLPG
 *  atomic   PTE updates with xchg, lock cmpxchg (hit and miss), lock
 *           cmpxchg8b, lock or/and (A and R/W), lock orb/andb,
 *           lock bts/btr with an immediate (R/W, XD, P) and with a register
 *           bit offset that lands in the next PTE, movb, two movl halves in
 *           both orders, movnti (64- and 32-bit)
 *  stos     a page table cleared with rep stosq and rep stosb (whole and
 *           partial, flushed by INVLPG or by a CR3 load), and filled with
 *           present entries by rep stosq
 *  reuse    an unhooked page table written as data through another
 *           mapping (with data that looks like PTEs); a data page turned
 *           into a page table and edited through its old data mapping
 *  split    a 2M page split into 512 4K PTEs and merged back, with one 4K
 *           entry remapped and one made read-only while split
 *  fork     fork-like deep copies of an address space (tables copied with
 *           rep movsq into recycled pages), writable leaves made read-only
 *           and marked copy-on-write (an available bit) in both spaces,
 *           then a seeded random walk of reads and supervisor/user writes
 *           across the spaces: write faults are resolved like a kernel's
 *           COW handler (copy, or reuse when the frame is no longer
 *           shared); spaces exit and their tables are recycled
 *  cr3      thousands of CR3 loads among the spaces, each checked
 *
 * Every message is fixed text or a count that a correct MMU determines,
 * so the output is identical under any correct MMU. Detail lines (with
 * addresses) appear only after a FAIL.
 *
 * Layout (PML4 slot 2 for most sections, slot 3 for the fork region):
 *
 *   0x100_0000_0000  map/perm/atomic pages (one page table)
 *   0x100_0020_0000  alias windows
 *   0x100_0040_0000  stos table
 *   0x100_0060_0000  reuse: table that becomes data
 *   0x100_0080_0000  reuse: data page that becomes a table
 *   0x100_00a0_0000  split: 2M page
 *   0x180_0000_0000  fork region: 8 pages in each of 2 page tables
 */
#include "rt.h"

#define MAP_VA	  0x10000000000UL
#define ALIAS_VA  0x10000200000UL
#define STOS_VA	  0x10000400000UL
#define REUSE_VA  0x10000600000UL
#define REUSE2_VA 0x10000800000UL
#define SPLIT_VA  0x10000a00000UL
#define FORK_VA	  0x18000000000UL

#define PAGE	  PAGE_SIZE
#define SIZE_2M	  (2 * MiB)
#define NO_FAULT  (-1L)
#define TFLAGS	  (PTE_P | PTE_W | PTE_U) /* table entries and plain leaves */
#define PTE_COW	  BIT(9)		  /* available to software */
#define QWORDS	  (PAGE / 8)
#define LAST	  (QWORDS - 1)
#define MAX_SHOWN 24 /* detail lines printed after FAILs */

/* A tag's low byte is RET, so a page holding one can be executed. */
#define TAG(x) (((u64)(x) << 8) | 0xc3)

static pte_t *root;
static bool has_nx;
static u64 ei; /* PFEC_I when EFER.NXE is on (SDM 4.7) */
static unsigned int shown;
static u64 rng = 0x9e3779b97f4a7c15UL;

/* --- helpers --------------------------------------------------------- */

static u64 rand64(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Print a detail line for a failed check (only the first few). */
static bool __printf(2, 3) chk(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok || shown++ >= MAX_SHOWN)
		return ok;
	printf("  detail: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	return ok;
}

static u64 pattern(u64 t, unsigned int i)
{
	return t ^ (i * 0x9e3779b97f4a7c15UL);
}

static void fill(u64 va, u64 t)
{
	volatile u64 *p = (u64 *)va;
	unsigned int i;

	for (i = 0; i < QWORDS; i++)
		p[i] = pattern(t, i);
}

static bool check_fill(u64 va, u64 t)
{
	volatile u64 *p = (u64 *)va;
	unsigned int i;

	for (i = 0; i < QWORDS; i++)
		if (p[i] != pattern(t, i))
			return chk(false, "page %#lx qword %u: %#lx, want %#lx",
				   va, i, p[i], pattern(t, i));
	return true;
}

static u64 q(u64 va, unsigned int i)
{
	return ((volatile u64 *)va)[i];
}

/* kernel-style clear_page / copy_page */
static void stosq(void *dst, u64 val, u64 count)
{
	asm volatile("rep stosq"
		     : "+D"(dst), "+c"(count)
		     : "a"(val)
		     : "memory");
}

static void stosb(void *dst, u8 val, u64 count)
{
	asm volatile("rep stosb"
		     : "+D"(dst), "+c"(count)
		     : "a"(val)
		     : "memory");
}

static void movsq(void *dst, const void *src, u64 count)
{
	asm volatile("rep movsq"
		     : "+D"(dst), "+S"(src), "+c"(count)
		     :
		     : "memory");
}

static void flush_all(void)
{
	write_cr3(read_cr3());
}

/*
 * Free pages: page-table pages and frames given back by one section are
 * handed out again by the next, so former tables become data and former
 * data becomes tables. Recycled pages are cleared with rep stosq.
 */
static void *free_list[128];
static unsigned int nr_free;

static void page_put(void *p)
{
	if (nr_free < ARRAY_SIZE(free_list))
		free_list[nr_free++] = p;
}

static void *page_get(void)
{
	void *p;

	if (!nr_free)
		return page_alloc();
	p = free_list[--nr_free];
	stosq(p, 0, QWORDS);
	return p;
}

/* A frame whose first and last qwords hold tag and ~tag. */
static u64 frame_new(u64 tag)
{
	u64 *p = page_get();

	p[0] = tag;
	p[LAST] = ~tag;
	return (u64)p;
}

static pte_t *pte_of(u64 va)
{
	return vm_entry(root, va, PG_4K, true);
}

static pte_t *pde_of(u64 va)
{
	return vm_entry(root, va, PG_2M, true);
}

static const char *acc_str(enum access acc, int cpl)
{
	static const char *const n[2][3] = {
		{ "S-read", "S-write", "S-exec" },
		{ "U-read", "U-write", "U-exec" },
	};

	return n[cpl == 3][acc];
}

/*
 * One access; want is the #PF error code or NO_FAULT. A fault must have
 * CR2 = va (and RIP = va for a fetch). *val: value to write / value read.
 */
static bool access_is(enum access acc, int cpl, u64 va, long want, u64 *val)
{
	struct fault f;
	u64 v = val ? *val : 0;
	bool faulted = try_access(acc, cpl, va, &v, &f);

	if (val)
		*val = v;
	if (want == NO_FAULT)
		return chk(!faulted, "%s %#lx: %s %#lx, want no fault",
			   acc_str(acc, cpl), va, exception_name(f.vector),
			   f.error_code);
	if (!faulted)
		return chk(false, "%s %#lx: no fault, want #PF %#lx",
			   acc_str(acc, cpl), va, (u64)want);
	return chk(f.vector == X86_PF && f.error_code == (u64)want &&
			   f.cr2 == va && (acc != ACC_EXEC || f.rip == va),
		   "%s %#lx: %s %#lx cr2 %#lx rip %#lx, want #PF %#lx",
		   acc_str(acc, cpl), va, exception_name(f.vector),
		   f.error_code, f.cr2, f.rip, (u64)want);
}

/* Read at cpl without a fault and see want. */
static bool reads(int cpl, u64 va, u64 want)
{
	u64 v = 0;

	if (!access_is(ACC_READ, cpl, va, NO_FAULT, &v))
		return false;
	return chk(v == want, "%s %#lx: read %#lx, want %#lx",
		   acc_str(ACC_READ, cpl), va, v, want);
}

static bool writes(int cpl, u64 va, u64 v)
{
	return access_is(ACC_WRITE, cpl, va, NO_FAULT, &v);
}

static bool faults(enum access acc, int cpl, u64 va, u64 err)
{
	u64 v = TAG(0xdead);

	return access_is(acc, cpl, va, (long)err, &v);
}

/* Error codes (SDM 4.7), with I only when EFER.NXE is on. */
#define E_NP(w, u)     (((w) ? PFEC_W : 0) | ((u) ? PFEC_U : 0))
#define E_PROT(w, u)   (PFEC_P | E_NP(w, u))
#define E_NP_EXEC(u)   (ei | ((u) ? PFEC_U : 0))
#define E_PROT_EXEC(u) (PFEC_P | E_NP_EXEC(u))

/* --- PTE updates with a forced instruction form ---------------------- */

static u64 pte_xchg(pte_t *p, u64 v)
{
	asm volatile("xchgq %0, %1" : "+r"(v), "+m"(*p) : : "memory");
	return v;
}

/* lock cmpxchg: true if *p was *old; *old gets what *p held. */
static bool pte_cmpxchg(pte_t *p, u64 *old, u64 new)
{
	bool z;

	asm volatile("lock cmpxchgq %3, %1"
		     : "=@ccz"(z), "+m"(*p), "+a"(*old)
		     : "r"(new)
		     : "memory");
	return z;
}

static bool pte_cmpxchg8b(pte_t *p, u64 *old, u64 new)
{
	u32 lo = (u32)*old, hi = (u32)(*old >> 32);
	bool z;

	asm volatile("lock cmpxchg8b %1"
		     : "=@ccz"(z), "+m"(*p), "+a"(lo), "+d"(hi)
		     : "b"((u32) new), "c"((u32)(new >> 32))
		     : "memory");
	*old = ((u64)hi << 32) | lo;
	return z;
}

static void pte_or(pte_t *p, u64 bits)
{
	asm volatile("lock orq %1, %0" : "+m"(*p) : "er"(bits) : "memory");
}

static void pte_and(pte_t *p, u64 mask)
{
	asm volatile("lock andq %1, %0" : "+m"(*p) : "er"(mask) : "memory");
}

static void pte_orb(pte_t *p, u8 bits)
{
	asm volatile("lock orb %1, %0"
		     : "+m"(*(u8 *)p)
		     : "iq"(bits)
		     : "memory");
}

static void pte_andb(pte_t *p, u8 mask)
{
	asm volatile("lock andb %1, %0"
		     : "+m"(*(u8 *)p)
		     : "iq"(mask)
		     : "memory");
}

static void pte_movb(pte_t *p, u8 v)
{
	asm volatile("movb %1, %0" : "=m"(*(u8 *)p) : "iq"(v) : "memory");
}

/* lock bts/btr with an immediate bit number; returns the old bit (CF). */
#define PTE_BT_IMM(name, insn)                      \
	static bool name(pte_t *p, int bit)         \
	{                                           \
		bool c;                             \
		asm volatile("lock " insn " %2, %1" \
			     : "=@ccc"(c), "+m"(*p) \
			     : "J"(bit)             \
			     : "memory");           \
		return c;                           \
	}
PTE_BT_IMM(pte_bts, "btsq")
PTE_BT_IMM(pte_btr, "btrq")

/*
 * lock btr with a register bit offset: the offset is signed and may
 * address a later qword (SDM Vol. 2A "BT": bit string addressing), as a
 * kernel's clear_bit(nr, base) does for a large nr.
 */
static bool pte_btr_reg(pte_t *base, u64 nr)
{
	bool c;

	asm volatile("lock btrq %2, %1"
		     : "=@ccc"(c), "+m"(*base)
		     : "r"(nr)
		     : "memory");
	return c;
}

static void pte_movl(pte_t *p, int half, u32 v)
{
	asm volatile("movl %1, %0"
		     : "=m"(((u32 *)p)[half])
		     : "r"(v)
		     : "memory");
}

static void pte_movnti(pte_t *p, u64 v)
{
	asm volatile("movnti %1, %0\n\tsfence" : "=m"(*p) : "r"(v) : "memory");
}

static void pte_movntil(pte_t *p, int half, u32 v)
{
	asm volatile("movnti %1, %0\n\tsfence"
		     : "=m"(((u32 *)p)[half])
		     : "r"(v)
		     : "memory");
}

/* --- map / unmap ------------------------------------------------------ */

#define NMAP 8

static u64 map_frames[NMAP];

static u64 map_va(unsigned int i)
{
	return MAP_VA + i * PAGE;
}

static bool all_read(int cpl, const u64 *frames, unsigned int n, int rot)
{
	unsigned int i;
	bool ok = true;

	for (i = 0; i < n; i++)
		ok &= reads(cpl, map_va(i), q(frames[(i ^ rot) % n], 0));
	return ok;
}

static void section_map(void)
{
	unsigned int i;
	bool ok = true, ad = true;

	for (i = 0; i < NMAP; i++)
		map_frames[i] = frame_new(TAG(0xa00 + i));
	for (i = 0; i < NMAP; i++)
		*pte_of(map_va(i)) = map_frames[i] | TFLAGS; /* no INVLPG */
	report(all_read(0, map_frames, NMAP, 0),
	       "map: 8 new PTEs work without INVLPG (SDM 4.10.4.3)");
	for (i = 0; i < NMAP; i++) {
		ok &= writes(i & 1 ? 3 : 0, map_va(i), TAG(0xb00 + i));
		ok &= chk(q(map_frames[i], 0) == TAG(0xb00 + i),
			  "write via %#lx missed frame %#lx", map_va(i),
			  map_frames[i]);
	}
	report(ok, "map: S and U writes through them reach their frames");
	for (i = 0; i < NMAP; i++)
		ad &= chk((*pte_of(map_va(i)) & (PTE_A | PTE_D)) ==
				  (PTE_A | PTE_D),
			  "pte %u = %#lx: A and D not both set", i,
			  *pte_of(map_va(i)));
	report(ad, "map: the accesses set A and D in every PTE");

	for (i = 0; i < NMAP; i++) {
		*pte_of(map_va(i)) = map_frames[i ^ 1] | TFLAGS;
		invlpg(map_va(i));
	}
	report(all_read(3, map_frames, NMAP, 1),
	       "map: 8 present PTEs pointed at other frames (INVLPG)");

	for (i = 0; i < NMAP; i++) {
		*pte_of(map_va(i)) = 0;
		invlpg(map_va(i));
	}
	ok = true;
	for (i = 0; i < NMAP; i++)
		ok &= faults(ACC_READ, 0, map_va(i), E_NP(0, 0));
	report(ok, "unmap: S-read faults with #PF 0x0");
	ok = true;
	for (i = 0; i < NMAP; i++)
		ok &= faults(ACC_WRITE, 0, map_va(i), E_NP(1, 0));
	report(ok, "unmap: S-write faults with #PF 0x2");
	ok = true;
	for (i = 0; i < NMAP; i++)
		ok &= faults(ACC_READ, 3, map_va(i), E_NP(0, 1));
	report(ok, "unmap: U-read faults with #PF 0x4");
	ok = true;
	for (i = 0; i < NMAP; i++)
		ok &= faults(ACC_WRITE, 3, map_va(i), E_NP(1, 1));
	report(ok, "unmap: U-write faults with #PF 0x6");
	ok = true;
	for (i = 0; i < NMAP; i++)
		ok &= faults(ACC_EXEC, 0, map_va(i), E_NP_EXEC(0)) &
		      faults(ACC_EXEC, 3, map_va(i), E_NP_EXEC(1));
	report(ok, "unmap: S-exec and U-exec fault with P=0%s",
	       has_nx ? ", I=1" : "");
	ok = true;
	for (i = 0; i < NMAP; i++)
		ok &= chk(q(map_frames[i], 0) == TAG(0xb00 + i),
			  "frame %u changed after unmap", i);
	report(ok, "unmap: the frames keep their data");

	for (i = 0; i < NMAP; i++)
		*pte_of(map_va(i)) = map_frames[i] | TFLAGS; /* no INVLPG */
	report(all_read(0, map_frames, NMAP, 0),
	       "map: mapping again after the faults needs no INVLPG");
	for (i = 0; i < NMAP; i++) {
		*pte_of(map_va(i)) = 0;
		invlpg(map_va(i));
	}
}

/* --- permissions ------------------------------------------------------ */

static void set_entry(pte_t *e, u64 v, u64 va)
{
	*e = v;
	invlpg(va);
}

static void section_perm(void)
{
	u64 va = map_va(8), fr = frame_new(TAG(0xc00));
	pte_t *pte = pte_of(va);
	pte_t *pde = pde_of(va);
	pte_t *pdpte = vm_entry(root, va, PG_1G, false);
	pte_t *pml4e = &root[(va >> 39) & 511];
	bool ok;

	set_entry(pte, fr | TFLAGS, va);
	report(reads(0, va, TAG(0xc00)) && reads(3, va, TAG(0xc00)) &&
		       writes(0, va, TAG(0xc01)) && writes(3, va, TAG(0xc02)),
	       "perm: RW user page: S and U read and write");

	set_entry(pte, *pte & ~PTE_W, va);
	ok = faults(ACC_WRITE, 0, va, E_PROT(1, 0)) &&
	     faults(ACC_WRITE, 3, va, E_PROT(1, 1)) &&
	     chk(q(fr, 0) == TAG(0xc02), "RO write changed memory");
	report(ok,
	       "perm: RW->RO: S-write #PF 0x3, U-write #PF 0x7, memory unchanged");
	report(reads(0, va, TAG(0xc02)) && reads(3, va, TAG(0xc02)),
	       "perm: RO: S-read and U-read still work");

	set_entry(pte, (*pte | PTE_W) & ~PTE_D, va);
	ok = writes(0, va, TAG(0xc03)) && writes(3, va, TAG(0xc04)) &&
	     chk(q(fr, 0) == TAG(0xc04), "RW write missed memory") &&
	     chk(*pte & PTE_D, "D not set: %#lx", *pte);
	report(ok, "perm: RO->RW: S and U writes work and set D");

	set_entry(pte, *pte & ~PTE_U, va);
	ok = faults(ACC_READ, 3, va, E_PROT(0, 1)) &&
	     faults(ACC_WRITE, 3, va, E_PROT(1, 1)) &&
	     faults(ACC_EXEC, 3, va, E_PROT_EXEC(1));
	report(ok,
	       "perm: U->S: U-read #PF 0x5, U-write #PF 0x7, U-exec #PF %#lx",
	       E_PROT_EXEC(1));
	ok = reads(0, va, TAG(0xc04)) && writes(0, va, TAG(0xc05)) &&
	     access_is(ACC_EXEC, 0, va, NO_FAULT, NULL);
	report(ok, "perm: supervisor page: S read, write and exec work");
	set_entry(pte, *pte | PTE_U, va);
	report(reads(3, va, TAG(0xc05)) &&
		       access_is(ACC_EXEC, 3, va, NO_FAULT, NULL),
	       "perm: S->U: U-read and U-exec work again");

	if (has_nx) {
		set_entry(pte, *pte | PTE_NX, va);
		ok = faults(ACC_EXEC, 0, va, E_PROT_EXEC(0)) &&
		     faults(ACC_EXEC, 3, va, E_PROT_EXEC(1)) &&
		     reads(0, va, TAG(0xc05)) && reads(3, va, TAG(0xc05));
		report(ok,
		       "perm: NX on: S-exec #PF 0x11, U-exec #PF 0x15, reads work");
		set_entry(pte, *pte & ~PTE_NX, va);
		ok = access_is(ACC_EXEC, 0, va, NO_FAULT, NULL) &&
		     access_is(ACC_EXEC, 3, va, NO_FAULT, NULL);
		report(ok, "perm: NX off: S-exec and U-exec work");
	} else {
		report_skip("perm: NX on/off: no NX support");
	}

	set_entry(pde, *pde & ~PTE_W, va);
	ok = faults(ACC_WRITE, 0, va, E_PROT(1, 0)) && reads(0, va, TAG(0xc05));
	set_entry(pde, *pde | PTE_W, va);
	ok &= writes(0, va, TAG(0xc06));
	report(ok, "perm: PDE R/W=0 makes the page read-only, R/W=1 undoes it");

	set_entry(pdpte, *pdpte & ~PTE_U, va);
	ok = faults(ACC_READ, 3, va, E_PROT(0, 1)) && reads(0, va, TAG(0xc06));
	set_entry(pdpte, *pdpte | PTE_U, va);
	ok &= reads(3, va, TAG(0xc06));
	report(ok,
	       "perm: PDPTE U/S=0 makes the page supervisor-only, U/S=1 undoes it");

	if (has_nx) {
		set_entry(pml4e, *pml4e | PTE_NX, va);
		ok = faults(ACC_EXEC, 0, va, E_PROT_EXEC(0));
		set_entry(pml4e, *pml4e & ~PTE_NX, va);
		ok &= access_is(ACC_EXEC, 0, va, NO_FAULT, NULL);
		report(ok,
		       "perm: PML4E XD=1 forbids fetches, XD=0 allows them");
	} else {
		report_skip("perm: PML4E XD: no NX support");
	}
	set_entry(pte, 0, va);
	page_put((void *)fr);
}

/* --- atomic and partial PTE updates ---------------------------------- */

#define AD (PTE_A | PTE_D)

static void section_atomic(void)
{
	u64 va = map_va(9), va2 = map_va(10);
	pte_t *pte = pte_of(va), *pte2 = pte_of(va2);
	u64 fa = frame_new(TAG(0xd0a)), fb = frame_new(TAG(0xd0b));
	u64 fc = frame_new(TAG(0xd0c)), old, exp;
	bool ok, c;

	set_entry(pte, fa | TFLAGS, va);
	(void)reads(0, va, TAG(0xd0a));

	old = pte_xchg(pte, fb | TFLAGS);
	invlpg(va);
	ok = chk((old & ~AD) == (fa | TFLAGS), "xchg old %#lx", old) &&
	     reads(0, va, TAG(0xd0b));
	report(ok, "atomic: xchg remaps the page and returns the old PTE");

	exp = *pte;
	ok = pte_cmpxchg(pte, &exp, fc | TFLAGS);
	invlpg(va);
	ok = chk(ok, "lock cmpxchg missed") && reads(3, va, TAG(0xd0c));
	report(ok, "atomic: lock cmpxchg with the right old value remaps");
	exp = fa | TFLAGS;
	c = pte_cmpxchg(pte, &exp, fb | TFLAGS);
	invlpg(va);
	ok = chk(!c, "lock cmpxchg hit") &&
	     chk((exp & ~AD) == (fc | TFLAGS), "cmpxchg read %#lx", exp) &&
	     reads(0, va, TAG(0xd0c));
	report(ok,
	       "atomic: lock cmpxchg with a stale old value leaves the PTE");

	exp = *pte;
	ok = pte_cmpxchg8b(pte, &exp, fa | TFLAGS);
	invlpg(va);
	ok = chk(ok, "lock cmpxchg8b missed") && reads(0, va, TAG(0xd0a));
	report(ok, "atomic: lock cmpxchg8b remaps");

	set_entry(pte, fb | TFLAGS, va);
	pte_and(pte, ~PTE_A);
	invlpg(va);
	ok = chk(!(*pte & PTE_A), "A still set") && reads(0, va, TAG(0xd0b)) &&
	     chk(*pte & PTE_A, "A not set again: %#lx", *pte);
	report(ok, "atomic: lock and clears A, the next access sets it again");
	pte_or(pte, PTE_A);
	ok = chk(*pte & PTE_A, "lock or A");
	pte_and(pte, ~PTE_W);
	invlpg(va);
	ok &= faults(ACC_WRITE, 0, va, E_PROT(1, 0)) &&
	      chk(q(fb, 0) == TAG(0xd0b), "RO write changed memory");
	report(ok, "atomic: lock andq clears R/W: S-write #PF 0x3");
	pte_or(pte, PTE_W);
	invlpg(va);
	report(writes(0, va, TAG(0xd1b)),
	       "atomic: lock orq sets R/W: S-write works");

	pte_andb(pte, (u8)~PTE_W);
	invlpg(va);
	ok = faults(ACC_WRITE, 3, va, E_PROT(1, 1));
	pte_orb(pte, PTE_W);
	invlpg(va);
	ok &= writes(3, va, TAG(0xd2b));
	report(ok, "atomic: lock andb/orb on the flags byte clear and set R/W");

	c = pte_btr(pte, 1);
	invlpg(va);
	ok = chk(c, "btr R/W: CF=0") && faults(ACC_WRITE, 0, va, E_PROT(1, 0));
	c = pte_bts(pte, 1);
	invlpg(va);
	ok &= chk(!c, "bts R/W: CF=1") && writes(0, va, TAG(0xd3b));
	report(ok, "atomic: lock btr/bts $1 clear and set R/W (CF = old bit)");
	if (has_nx) {
		c = pte_bts(pte, 63);
		invlpg(va);
		ok = chk(!c, "bts XD: CF=1") &&
		     faults(ACC_EXEC, 0, va, E_PROT_EXEC(0));
		c = pte_btr(pte, 63);
		invlpg(va);
		ok &= chk(c, "btr XD: CF=0") &&
		      access_is(ACC_EXEC, 0, va, NO_FAULT, NULL);
		report(ok, "atomic: lock bts/btr $63 set and clear XD");
	} else {
		report_skip("atomic: lock bts/btr $63: no NX support");
	}
	c = pte_btr(pte, 0);
	invlpg(va);
	ok = chk(c, "btr P: CF=0") && faults(ACC_READ, 0, va, E_NP(0, 0));
	c = pte_bts(pte, 0);
	ok &= chk(!c, "bts P: CF=1") && reads(0, va, TAG(0xd3b));
	report(ok, "atomic: lock btr/bts $0 unmap and map the page again");

	set_entry(pte2, fc | TFLAGS, va2);
	c = pte_btr_reg(pte, 64 + 1);
	invlpg(va2);
	ok = chk(c, "btr reg: CF=0") &&
	     faults(ACC_WRITE, 0, va2, E_PROT(1, 0)) &&
	     writes(0, va, TAG(0xd4b));
	report(ok,
	       "atomic: lock btr %%reg with offset 65 clears R/W of the next PTE");
	set_entry(pte2, 0, va2);

	pte_movb(pte, (u8)(PTE_P | PTE_U));
	invlpg(va);
	ok = faults(ACC_WRITE, 3, va, E_PROT(1, 1)) && reads(3, va, TAG(0xd4b));
	pte_movb(pte, (u8)TFLAGS);
	invlpg(va);
	ok &= writes(3, va, TAG(0xd5b));
	report(ok, "atomic: movb rewrites the flags byte (R/W off, then on)");

	/* 32-bit halves: low then high, then high then low (PAE style). */
	pte_movl(pte, 0, (u32)(fc | TFLAGS));
	pte_movl(pte, 1, has_nx ? (u32)(PTE_NX >> 32) : 0);
	invlpg(va);
	ok = reads(0, va, TAG(0xd0c)) &&
	     (!has_nx || faults(ACC_EXEC, 0, va, E_PROT_EXEC(0)));
	report(ok, "atomic: two movl (low, high) remap%s",
	       has_nx ? " and set XD" : "");
	pte_movl(pte, 0, 0);
	pte_movl(pte, 1, 0);
	invlpg(va);
	ok = faults(ACC_READ, 0, va, E_NP(0, 0));
	pte_movl(pte, 1, 0);
	pte_movl(pte, 0, (u32)(fa | TFLAGS));
	ok &= reads(0, va, TAG(0xd0a)) &&
	      access_is(ACC_EXEC, 0, va, NO_FAULT, NULL);
	report(ok,
	       "atomic: two movl clear (low first) and set (high first) the PTE");

	pte_movnti(pte, fb | TFLAGS);
	invlpg(va);
	ok = reads(3, va, TAG(0xd5b));
	pte_movntil(pte, 0, (u32)(fc | TFLAGS));
	invlpg(va);
	ok &= reads(3, va, TAG(0xd0c));
	report(ok, "atomic: movnti (64-bit, then 32-bit low half) remaps");

	old = pte_xchg(pte, 0);
	invlpg(va);
	ok = faults(ACC_READ, 0, va, E_NP(0, 0)) &&
	     chk((old & ~AD) == (fc | TFLAGS), "xchg clear old %#lx", old);
	report(ok, "atomic: xchg with 0 unmaps and returns the old PTE");
	set_entry(pte, fc | TFLAGS, va);
	ok = writes(0, va, TAG(0xd6c));
	old = pte_xchg(pte, 0);
	invlpg(va);
	report(ok && chk((old & AD) == AD, "old %#lx lacks A/D", old) &&
		       faults(ACC_WRITE, 0, va, E_NP(1, 0)),
	       "atomic: the PTE taken by xchg after a write has A and D");

	page_put((void *)fa);
	page_put((void *)fb);
	page_put((void *)fc);
}

/* --- rep stos on a page table ---------------------------------------- */

#define NSTOS 8

static u64 stos_frames[NSTOS];

static u64 stos_va(unsigned int i)
{
	return STOS_VA + i * PAGE;
}

/*
 * Entries below `same` map frame fr, entries in [from, 512) map their own
 * frame, the others fault.
 */
static bool stos_check(unsigned int same, u64 fr, unsigned int from)
{
	unsigned int i;
	bool ok = true;

	for (i = 0; i < 512; i++) {
		if (i < same)
			ok &= reads(0, stos_va(i), q(fr, 0));
		else if (i >= from)
			ok &= reads(0, stos_va(i),
				    q(stos_frames[i % NSTOS], 0));
		else
			ok &= faults(ACC_READ, 0, stos_va(i), E_NP(0, 0));
	}
	return ok;
}

static void section_stos(void)
{
	pte_t *pde = pde_of(STOS_VA);
	pte_t *table = page_get();
	unsigned int i;

	for (i = 0; i < NSTOS; i++)
		stos_frames[i] = frame_new(TAG(0xe00 + i));
	for (i = 0; i < 512; i++)
		table[i] = stos_frames[i % NSTOS] | TFLAGS;
	*pde = (u64)table | TFLAGS;
	report(stos_check(0, 0, 0),
	       "stos: 512 PTEs in one table map their frames");

	stosq(table, 0, 256);
	for (i = 0; i < 256; i++)
		invlpg(stos_va(i));
	report(stos_check(0, 0, 256),
	       "stos: rep stosq clears PTEs 0-255 (INVLPG each): they fault, 256-511 map");

	stosb((u8 *)table + 256 * 8, 0, 128 * 8);
	flush_all();
	report(stos_check(0, 0, 384),
	       "stos: rep stosb clears PTEs 256-383 (CR3 load): they fault, 384-511 map");

	stosq(table, stos_frames[7] | TFLAGS, 384); /* were not present */
	report(stos_check(384, stos_frames[7], 384),
	       "stos: rep stosq fills PTEs 0-383 with one present entry (no flush needed)");

	stosb(table, 0, PAGE);
	for (i = 0; i < 512; i++)
		invlpg(stos_va(i));
	report(stos_check(0, 0, 512),
	       "stos: rep stosb clears the whole table: all 512 fault");

	*pde = 0;
	flush_all();
	page_put(table);
}

/* --- page-table pages reused as data and the other way round --------- */

#define NREUSE 16

static void section_reuse(void)
{
	pte_t *pde = pde_of(REUSE_VA), *pde2 = pde_of(REUSE2_VA);
	pte_t *alias = pte_of(ALIAS_VA), *alias2 = pte_of(ALIAS_VA + PAGE);
	pte_t *t = page_get(), *d;
	u64 fr[NREUSE], decoy = frame_new(TAG(0xf99));
	unsigned int i;
	bool ok = true;

	for (i = 0; i < NREUSE; i++) {
		fr[i] = frame_new(TAG(0xf00 + i));
		t[i] = fr[i] | TFLAGS;
	}
	*pde = (u64)t | TFLAGS;
	for (i = 0; i < NREUSE; i++)
		ok &= reads(0, REUSE_VA + i * PAGE, TAG(0xf00 + i));
	report(ok, "reuse: 16 pages mapped by a fresh table");

	/* Unhook the table, then use it as data through an alias. */
	*pde = 0;
	for (i = 0; i < NREUSE; i++)
		invlpg(REUSE_VA + i * PAGE);
	ok = true;
	for (i = 0; i < NREUSE; i++)
		ok &= faults(ACC_READ, 0, REUSE_VA + i * PAGE, E_NP(0, 0));
	report(ok,
	       "reuse: after the PDE is cleared (INVLPG each) the pages fault");
	set_entry(alias, (u64)t | TFLAGS, ALIAS_VA);
	for (i = 0; i < 256; i++) /* data that looks like present PTEs */
		((volatile u64 *)ALIAS_VA)[i] = decoy | TFLAGS;
	for (i = 256; i < 512; i++)
		((volatile u64 *)ALIAS_VA)[i] = pattern(0x7777, i);
	ok = true;
	for (i = 0; i < 512; i++)
		ok &= chk(
			((volatile u64 *)t)[i] ==
				(i < 256 ? decoy | TFLAGS : pattern(0x7777, i)),
			"old table qword %u", i);
	report(ok,
	       "reuse: the old table written as data via an alias reads back via the identity map");
	ok = true;
	for (i = 0; i < NREUSE; i++)
		ok &= faults(ACC_READ, 0, REUSE_VA + i * PAGE, E_NP(0, 0));
	report(ok, "reuse: PTE-like data in the old table maps nothing");
	fill((u64)t, 0x8888);
	report(check_fill(ALIAS_VA, 0x8888),
	       "reuse: identity-map writes to the old table show through the alias");
	set_entry(alias, 0, ALIAS_VA);
	page_put(t);

	/* A data page, in use through an alias, becomes a page table. */
	d = page_get();
	set_entry(alias2, (u64)d | TFLAGS, ALIAS_VA + PAGE);
	fill(ALIAS_VA + PAGE, 0x9999);
	report(check_fill((u64)d, 0x9999),
	       "reuse: a data page written via an alias");
	stosq((void *)(ALIAS_VA + PAGE), 0, QWORDS);
	for (i = 0; i < NREUSE; i++)
		((volatile u64 *)(ALIAS_VA + PAGE))[i] = fr[i] | TFLAGS;
	*pde2 = (u64)d | TFLAGS; /* not present before: no flush needed */
	ok = true;
	for (i = 0; i < NREUSE; i++)
		ok &= reads(3, REUSE2_VA + i * PAGE, TAG(0xf00 + i));
	report(ok,
	       "reuse: the data page, cleared and filled via the alias, works as a page table");
	((volatile u64 *)(ALIAS_VA + PAGE))[0] = decoy | TFLAGS;
	invlpg(REUSE2_VA);
	((volatile u64 *)(ALIAS_VA + PAGE))[1] = 0;
	invlpg(REUSE2_VA + PAGE);
	d[2] &= ~PTE_W;
	invlpg(REUSE2_VA + 2 * PAGE);
	ok = reads(0, REUSE2_VA, TAG(0xf99)) &&
	     faults(ACC_READ, 0, REUSE2_VA + PAGE, E_NP(0, 0)) &&
	     faults(ACC_WRITE, 0, REUSE2_VA + 2 * PAGE, E_PROT(1, 0)) &&
	     reads(0, REUSE2_VA + 3 * PAGE, TAG(0xf03));
	report(ok,
	       "reuse: PTE edits via the alias (remap, unmap) and the identity map (RO) take effect");

	*pde2 = 0;
	flush_all();
	set_entry(alias2, 0, ALIAS_VA + PAGE);
	page_put(d);
	for (i = 0; i < NREUSE; i++)
		page_put((void *)fr[i]);
	page_put((void *)decoy);
}

/* --- 2M split and merge ----------------------------------------------- */

static u64 alloc_2m(void)
{
	u64 p = (u64)page_alloc();
	unsigned int i;

	while (p & (SIZE_2M - 1)) {
		page_put((void *)p);
		p = (u64)page_alloc();
	}
	for (i = 1; i < 512; i++)
		if ((u64)page_alloc() != p + i * PAGE)
			return 0;
	return p;
}

static bool split_check(u64 chunk, unsigned int skip)
{
	unsigned int i;
	bool ok = true;

	for (i = 0; i < 512; i++)
		if (i != skip)
			ok &= reads(0, SPLIT_VA + i * PAGE,
				    q(chunk + i * PAGE, 0)) &&
			      reads(0, SPLIT_VA + i * PAGE + LAST * 8,
				    q(chunk + i * PAGE, LAST));
	return ok;
}

static void section_split(void)
{
	u64 chunk = alloc_2m(), other = frame_new(TAG(0x1299));
	pte_t *pde = pde_of(SPLIT_VA), *pt;
	unsigned int i;
	bool ok;

	if (!chunk) {
		report(false, "split: no contiguous 2M of RAM");
		return;
	}
	for (i = 0; i < 512; i++) {
		((u64 *)(chunk + i * PAGE))[0] = TAG(0x1000 + i);
		((u64 *)(chunk + i * PAGE))[LAST] = ~TAG(0x1000 + i);
	}
	*pde = chunk | TFLAGS | PTE_PS;
	ok = split_check(chunk, 512) &&
	     writes(0, SPLIT_VA + 5 * PAGE, TAG(0x1105));
	report(ok && chk((*pde & AD) == AD, "PDE %#lx lacks A/D", *pde),
	       "split: 2M page: all 512 4K parts read, a write sets D in the PDE");

	pt = page_get(); /* a recycled page */
	for (i = 0; i < 512; i++)
		pt[i] = (chunk + i * PAGE) | TFLAGS | AD;
	*pde = (u64)pt | TFLAGS;
	for (i = 0; i < 512; i++)
		invlpg(SPLIT_VA + i * PAGE);
	report(split_check(chunk, 512),
	       "split: into 512 PTEs (INVLPG each): same data everywhere");

	set_entry(&pt[5], other | TFLAGS, SPLIT_VA + 5 * PAGE);
	set_entry(&pt[6], pt[6] & ~PTE_W, SPLIT_VA + 6 * PAGE);
	ok = reads(0, SPLIT_VA + 5 * PAGE, TAG(0x1299)) &&
	     faults(ACC_WRITE, 0, SPLIT_VA + 6 * PAGE, E_PROT(1, 0)) &&
	     writes(0, SPLIT_VA + 7 * PAGE, TAG(0x1107)) &&
	     split_check(chunk, 5);
	report(ok,
	       "split: one PTE remapped and one made read-only, the rest unchanged");

	*pde = chunk | TFLAGS | PTE_PS;
	for (i = 0; i < 512; i++)
		invlpg(SPLIT_VA + i * PAGE);
	ok = split_check(chunk, 512) &&
	     writes(0, SPLIT_VA + 6 * PAGE, TAG(0x1106)) &&
	     chk(q(chunk + 6 * PAGE, 0) == TAG(0x1106), "merged write missed");
	report(ok,
	       "split: merged back into a 2M page (INVLPG each): original frames, writable");

	fill((u64)pt, 0x1313); /* the split table is data again */
	report(check_fill((u64)pt, 0x1313) && split_check(chunk, 512),
	       "split: the old split table reused as data does not affect the 2M page");
	*pde = 0;
	flush_all();
	page_put(pt);
	page_put((void *)other);
}

/* --- fork, copy-on-write, CR3 switches -------------------------------- */

#define NPAGES	   16
#define NCOW	   12 /* pages 0-11 writable (COW after fork) */
#define NRO	   2  /* 12-13 read-only, 14-15 never mapped */
#define MAX_SPACES 4
#define STEPS	   1500
#define SWITCHES   3000

struct space {
	pte_t *root;
	bool live;
	bool w[NPAGES];	 /* model: write allowed without a fault */
	u64 val[NPAGES]; /* model: qword 0 of the page as this space sees it */
};

static struct space spaces[MAX_SPACES];
static int cur = -1; /* space loaded in CR3 */
static unsigned int switches, forks, cow_copies, cow_reuses, ro_faults;

/* Frames mapped in the fork region, with the number of spaces mapping them. */
static u64 rc_frame[64];
static unsigned int rc_count[64];

static unsigned int *refcount(u64 pa)
{
	unsigned int i, empty = ARRAY_SIZE(rc_frame);

	for (i = 0; i < ARRAY_SIZE(rc_frame); i++) {
		if (rc_count[i] && rc_frame[i] == pa)
			return &rc_count[i];
		if (!rc_count[i] && empty == ARRAY_SIZE(rc_frame))
			empty = i;
	}
	if (empty == ARRAY_SIZE(rc_frame)) {
		report(false, "fork: refcount table full");
		report_summary();
	}
	rc_frame[empty] = pa;
	return &rc_count[empty];
}

static u64 fork_va(unsigned int p)
{
	return FORK_VA + (p / 8) * SIZE_2M + (p % 8) * PAGE;
}

static void switch_to(int s)
{
	if (cur != s) {
		vm_switch(spaces[s].root);
		cur = s;
		switches++;
	}
}

/*
 * Deep-copy one table of the fork region. Leaves that are writable become
 * read-only + COW in both copies (in the source with lock btr, as a kernel
 * does on a live table).
 */
static pte_t *copy_table(pte_t *src, int level)
{
	pte_t *dst = page_get();
	unsigned int i;

	movsq(dst, src, QWORDS);
	for (i = 0; i < 512; i++) {
		if (!(src[i] & PTE_P))
			continue;
		if (level > 1) {
			dst[i] = (u64)copy_table((pte_t *)(src[i] & PTE_ADDR),
						 level - 1) |
				 (src[i] & ~PTE_ADDR);
			continue;
		}
		(*refcount(src[i] & PTE_ADDR))++;
		if (src[i] & PTE_W) {
			pte_btr(&src[i], 1);
			pte_or(&src[i], PTE_COW);
			dst[i] = (dst[i] & ~PTE_W) | PTE_COW;
		}
	}
	return dst;
}

static int fork_space(int from)
{
	int s, p, slot = (FORK_VA >> 39) & 511;
	struct space *sp;

	for (s = 0; s < MAX_SPACES && spaces[s].live; s++)
		;
	sp = &spaces[s];
	switch_to(from);
	sp->root = page_get();
	movsq(sp->root, spaces[from].root, QWORDS); /* the rest is shared */
	sp->root[slot] =
		(u64)copy_table((pte_t *)(spaces[from].root[slot] & PTE_ADDR),
				3) |
		(spaces[from].root[slot] & ~PTE_ADDR);
	flush_all(); /* the source's leaves lost R/W */
	for (p = 0; p < NPAGES; p++) {
		spaces[from].w[p] = false;
		sp->w[p] = false;
		sp->val[p] = spaces[from].val[p];
	}
	sp->live = true;
	forks++;
	return s;
}

static void free_table(pte_t *t, int level)
{
	unsigned int i;

	for (i = 0; i < 512; i++) {
		unsigned int *rc;

		if (!(t[i] & PTE_P))
			continue;
		if (level > 1) {
			free_table((pte_t *)(t[i] & PTE_ADDR), level - 1);
			continue;
		}
		rc = refcount(t[i] & PTE_ADDR);
		if (!--*rc)
			page_put((void *)(t[i] & PTE_ADDR));
	}
	page_put(t);
}

static void exit_space(int s)
{
	int slot = (FORK_VA >> 39) & 511;

	if (cur == s)
		switch_to(0);
	free_table((pte_t *)(spaces[s].root[slot] & PTE_ADDR), 3);
	page_put(spaces[s].root);
	spaces[s].live = false;
}

/* A kernel's write-fault handler for the fork region. */
static bool cow_fault(int s, u64 va)
{
	pte_t *pte = vm_entry(spaces[s].root, va, PG_4K, false);
	u64 old, pa;
	unsigned int *rc;

	if (!pte || !(*pte & PTE_COW))
		return false;
	pa = *pte & PTE_ADDR;
	rc = refcount(pa);
	if (*rc > 1) {
		u64 *copy = page_get();

		movsq(copy, (void *)pa, QWORDS);
		(*rc)--;
		(*refcount((u64)copy))++;
		*pte = (u64)copy | TFLAGS;
		cow_copies++;
	} else {
		old = *pte;
		*pte = (old & ~PTE_COW) | PTE_W;
		cow_reuses++;
	}
	invlpg(va);
	return true;
}

static bool space_read(int s, unsigned int p, int cpl)
{
	u64 va = fork_va(p);

	switch_to(s);
	if (p >= NCOW + NRO)
		return faults(ACC_READ, cpl, va, E_NP(0, cpl));
	return reads(cpl, va, spaces[s].val[p]) &&
	       reads(cpl, va + LAST * 8, ~spaces[s].val[p]);
}

static bool space_write(int s, unsigned int p, int cpl, u64 v)
{
	struct space *sp = &spaces[s];
	u64 va = fork_va(p), nv = ~v;
	bool ok;

	switch_to(s);
	if (p >= NCOW + NRO)
		return faults(ACC_WRITE, cpl, va, E_NP(1, cpl));
	if (p >= NCOW) {
		ro_faults++;
		return faults(ACC_WRITE, cpl, va, E_PROT(1, cpl)) &&
		       reads(cpl, va, sp->val[p]);
	}
	if (!sp->w[p]) {
		ok = faults(ACC_WRITE, cpl, va, E_PROT(1, cpl)) &&
		     chk(cow_fault(s, va), "no COW mark at %#lx", va);
		if (!ok)
			return false;
		sp->w[p] = true;
	}
	sp->val[p] = v;
	return writes(cpl, va, v) && writes(cpl, va + LAST * 8, nv);
}

static bool check_all_spaces(void)
{
	unsigned int p;
	bool ok = true;
	int s;

	for (s = 0; s < MAX_SPACES; s++)
		if (spaces[s].live)
			for (p = 0; p < NPAGES; p++)
				ok &= space_read(s, p, 0);
	return ok;
}

static int random_live(void)
{
	int s;

	do
		s = (int)(rand64() % MAX_SPACES);
	while (!spaces[s].live);
	return s;
}

static void section_fork(void)
{
	struct space *parent = &spaces[0];
	unsigned int p, i, before, ok_steps = 0;
	int c1;
	bool ok;

	parent->root = root;
	parent->live = true;
	cur = 0;
	for (p = 0; p < NCOW + NRO; p++) {
		u64 fr = frame_new(parent->val[p] = TAG(0x2000 + p));

		*pte_of(fork_va(p)) = fr | (p < NCOW ? TFLAGS : PTE_P | PTE_U);
		parent->w[p] = p < NCOW;
		(*refcount(fr))++;
	}
	for (p = NCOW + NRO; p < NPAGES; p++)
		pte_of(fork_va(p)); /* tables only */
	report(check_all_spaces(),
	       "fork: parent maps 12 RW, 2 RO and 2 absent pages");

	c1 = fork_space(0);
	ok = check_all_spaces();
	for (p = 0; p < NCOW; p++) /* writes before any fault: all COW */
		ok &= chk(!(*vm_entry(parent->root, fork_va(p), PG_4K, false) &
			    PTE_W),
			  "parent page %u still writable", p);
	report(ok,
	       "fork: child is a copy; both see the same data, RW leaves now read-only");

	for (i = 0; i < STEPS; i++) {
		int s = random_live(), cpl = rand64() % 2 ? 3 : 0;
		unsigned int r = rand64() % 4;

		p = rand64() % NPAGES;
		if (i == STEPS / 3)
			fork_space(c1);
		if (i == 2 * STEPS / 3) {
			exit_space(c1); /* its tables go to the free list */
			fork_space(0);	/* which the new child's copy uses */
		}
		if (r < 2)
			ok_steps += space_read(s, p, cpl);
		else
			ok_steps += space_write(
				s, p, cpl,
				TAG(((u64)i << 8) | (u64)s << 4 | p));
	}
	report(ok_steps == STEPS,
	       "fork: %u random steps over %u forks: %u COW copies, %u COW reuses, %u RO faults",
	       STEPS, forks, cow_copies, cow_reuses, ro_faults);
	report(check_all_spaces(),
	       "fork: every space sees its own data at the end");

	ok = true;
	before = switches;
	for (i = 0; i < SWITCHES; i++) {
		int s;

		do
			s = random_live();
		while (s == cur);
		p = rand64() % (NCOW + NRO);
		switch_to(s);
		ok &= reads(0, fork_va(p), spaces[s].val[p]);
	}
	report(ok,
	       "cr3: %u switches among the live spaces, a read checked after each",
	       SWITCHES);
	report(switches - before == SWITCHES, "cr3: %u CR3 loads in all",
	       switches);

	for (i = 1; i < MAX_SPACES; i++)
		if (spaces[i].live)
			exit_space((int)i);
	switch_to(0);
	ok = check_all_spaces();
	for (p = 0; p < NCOW; p++)
		ok &= space_write(0, p, 0, TAG(0x3000 + p));
	report(ok && check_all_spaces(),
	       "fork: after the children exit the parent can write every RW page again");
}

void guest_main(void)
{
	pte_t *boot_root = vm_current();

	has_nx = cpu_has_nx();
	ei = has_nx ? PFEC_I : 0;
	printf("ptmod: NX %s\n", has_nx ? "yes" : "no");
	root = vm_create();
	vm_switch(root);

	section_map();
	section_perm();
	section_atomic();
	section_stos();
	section_reuse();
	section_split();
	section_fork();

	vm_switch(boot_root);
	report_summary();
}
