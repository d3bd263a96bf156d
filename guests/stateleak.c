// SPDX-License-Identifier: MIT
/*
 * stateleak: does one guest see register state another left behind?
 *
 * Neither the VMCS nor the VMCB switches the x87/SSE registers or debug
 * registers DR0-DR3, so a hypervisor that forgets them hands one guest's
 * values to the next guest on the same CPU. Run it twice, one guest after
 * the other:
 *
 *   plant   (with xcr0: where the CPU reports no XSAVE, first tries to
 *           turn XSAVE state on, which must be refused; where it does,
 *           sets XCR0 to x87|SSE|AVX and fills the upper halves of
 *           YMM0-15 too) fills XMM0-15, MXCSR, the x87 control word and
 *           ST0, and DR0-DR3 with a recognizable pattern, reads it all
 *           back (so the planting is known to have worked), and ends;
 *           also CR2 and a few MiB of its free RAM;
 *   (none)  reads the same registers and fails on any planted value;
 *           where the CPU reports XSAVE, XCR0 must read x87 only (its
 *           reset value), and with AVX turned on the upper halves of
 *           YMM0-15 must be zero.
 *
 * Guests must enable SSE themselves (CR4.OSFXSR), as a kernel does.
 */
#include "rt.h"

#define TAG	    0x5ec12e7000000000UL
#define MXCSR_PLANT 0x7f80 /* round toward zero, all exceptions masked */
#define FCW_PLANT   0x0c7f /* round toward zero */
#define FX_FCW	    0
#define FX_MXCSR    24
#define FX_XMM0	    160
#define NR_XMM	    16

/* FXSAVE image (SDM Vol. 1 table 10-2). */
static u8 fx[512] __attribute__((aligned(16)));

static void enable_sse(void)
{
	write_cr0((read_cr0() | BIT(1)) &
		  ~(BIT(2) | BIT(3)));		  /* MP, !EM, !TS */
	write_cr4(read_cr4() | BIT(9) | BIT(10)); /* OSFXSR, OSXMMEXCPT */
}

static u64 tag(unsigned i)
{
	return TAG | i;
}

#define RAM_PLANT (4 * MiB) /* bytes of free RAM planted */

/* The first free page: page_alloc() hands pages out from the bottom. */
static u64 *free_ram(void)
{
	static u64 *base;

	if (!base)
		base = page_alloc();
	return base;
}

/* Does the free RAM hold a planted word? */
static bool ram_planted(void)
{
	u64 n = mem_free_bytes() < 2 * RAM_PLANT ? mem_free_bytes()
						 : 2 * RAM_PLANT;
	u64 *p = free_ram(), *e = p + n / 8;

	for (; p < e; p++)
		if (*p == tag(0x4a))
			return true;
	return false;
}

static void plant(void)
{
	u64 st0 = TAG | 0x51;

	/* XMM registers and MXCSR through FXRSTOR of a saved image. */
	asm volatile("fxsaveq %0" : "=m"(fx));
	for (unsigned i = 0; i < NR_XMM; i++) {
		u64 lo = tag(i), hi = tag(0x80 + i);

		memcpy(fx + FX_XMM0 + 16 * i, &lo, 8);
		memcpy(fx + FX_XMM0 + 16 * i + 8, &hi, 8);
	}
	*(u32 *)(fx + FX_MXCSR) = MXCSR_PLANT;
	asm volatile("fxrstorq %0" : : "m"(fx));
	asm volatile("fninit; fildq %0; fldcw %1"
		     :
		     : "m"(st0), "m"((u16){ FCW_PLANT }));
	asm volatile("mov %0, %%db0" : : "r"(tag(0xd0)));
	asm volatile("mov %0, %%db1" : : "r"(tag(0xd1)));
	asm volatile("mov %0, %%db2" : : "r"(tag(0xd2)));
	asm volatile("mov %0, %%db3" : : "r"(tag(0xd3)));
	/* CR2 is not part of the VMCS, and the VMCB's is only loaded when
	 * braid says so; and RAM goes from one guest to the next. */
	asm volatile("mov %0, %%cr2" : : "r"(tag(0xc2)));
	for (u64 *p = free_ram(), *e = p + RAM_PLANT / 8; p < e; p++)
		*p = tag(0x4a);
}

static void set_osxsave(void *arg)
{
	(void)arg;
	write_cr4(read_cr4() | BIT(18));
}

/* XCR0 with AVX state (x87 | SSE | AVX), which FXSAVE would not cover. */
static void xsetbv_avx(void *arg)
{
	(void)arg;
	asm volatile("xsetbv" : : "c"(0), "a"(7), "d"(0));
}

static bool has_avx(void)
{
	u32 ecx = cpuid(1, 0).ecx;

	return (ecx & BIT(26)) && (ecx & BIT(28)) && (cpuid(0xd, 0).eax & 4);
}

static u64 xgetbv0(void)
{
	u32 lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return lo | (u64)hi << 32;
}

/* The upper halves of YMM0-15, 16 bytes each, through VEXTRACTF128
 * (AVX; the runtime itself uses no vector registers). */
#define YMM_HI(n) "vextractf128 $1, %%ymm" #n ", " #n "*16(%0)\n\t"
static void ymm_upper(u8 out[NR_XMM * 16])
{
	asm volatile(YMM_HI(0) YMM_HI(1) YMM_HI(2) YMM_HI(3) YMM_HI(4) YMM_HI(5)
			     YMM_HI(6) YMM_HI(7) YMM_HI(8) YMM_HI(9) YMM_HI(10)
				     YMM_HI(11) YMM_HI(12) YMM_HI(13) YMM_HI(14)
					     YMM_HI(15)
		     :
		     : "r"(out)
		     : "memory");
}

/* Where the CPU reports AVX: XCR0 with its state, and YMM0-15's upper
 * halves set to the pattern (VINSERTF128 of the planted XMM into itself). */
#define YMM_SET(n) "vinsertf128 $1, %%xmm" #n ", %%ymm" #n ", %%ymm" #n "\n\t"
static void plant_avx(void)
{
	write_cr4(read_cr4() | BIT(18));
	asm volatile("xsetbv" : : "c"(0), "a"(7), "d"(0));
	asm volatile(YMM_SET(0) YMM_SET(1) YMM_SET(2) YMM_SET(3) YMM_SET(4)
			     YMM_SET(5) YMM_SET(6) YMM_SET(7) YMM_SET(8)
				     YMM_SET(9) YMM_SET(10) YMM_SET(11)
					     YMM_SET(12) YMM_SET(13) YMM_SET(14)
						     YMM_SET(15)::
							     : "memory");
}

/* How many YMM upper halves hold the planted pattern (XMM i's). */
static unsigned avx_planted(void)
{
	static u8 hi[NR_XMM * 16] __attribute__((aligned(16)));
	unsigned n = 0;
	u64 w;

	ymm_upper(hi);
	for (unsigned i = 0; i < NR_XMM; i++) {
		memcpy(&w, hi + 16 * i, 8);
		n += w == tag(i);
	}
	return n;
}

/* The next guest: XCR0 at its reset value, and no upper half planted. */
static void sniff_avx(void)
{
	u64 xcr0;

	write_cr4(read_cr4() | BIT(18));
	xcr0 = xgetbv0();
	report(xcr0 == 1, "XCR0 starts as x87 only (%#lx)", xcr0);
	asm volatile("xsetbv" : : "c"(0), "a"(7), "d"(0));
	report(avx_planted() == 0,
	       "no YMM upper half of an earlier guest seen");
	asm volatile("xsetbv" : : "c"(0), "a"(1), "d"(0));
	write_cr4(read_cr4() & ~BIT(18));
}

/* A CPU that reports no XSAVE must refuse it: #GP at CR4.OSXSAVE or,
 * where the CPU underneath has XSAVE, #UD at XSETBV. XCR0 is shared by
 * every guest on the CPU (no VMCS or VMCB switches it), so one that could
 * set it could turn on AVX state that the next guest inherits. */
static void try_xcr0(void)
{
	struct fault f;

	if (cpuid(1, 0).ecx & BIT(26)) {
		report_skip("the CPU reports XSAVE: XCR0 is this guest's to "
			    "set (planted below where AVX is there)");
		return;
	}
	if (catch_fault(set_osxsave, NULL, &f)) {
		report(f.vector == X86_GP, "CR4.OSXSAVE refused (%s)",
		       exception_name(f.vector));
		return;
	}
	if (catch_fault(xsetbv_avx, NULL, &f))
		report(f.vector == X86_UD, "XSETBV refused (%s)",
		       exception_name(f.vector));
	else
		report(false, "XSETBV changed XCR0");
	write_cr4(read_cr4() & ~BIT(18));
}

static u64 read_dr(unsigned n)
{
	u64 v = 0;

	switch (n) {
	case 0: asm volatile("mov %%db0, %0" : "=r"(v)); break;
	case 1: asm volatile("mov %%db1, %0" : "=r"(v)); break;
	case 2: asm volatile("mov %%db2, %0" : "=r"(v)); break;
	case 3: asm volatile("mov %%db3, %0" : "=r"(v)); break;
	}
	return v;
}

/* How many of the planted values the registers hold now. */
static unsigned planted_seen(void)
{
	unsigned n = 0;
	u16 fcw;

	asm volatile("fxsaveq %0" : "=m"(fx));
	for (unsigned i = 0; i < NR_XMM; i++) {
		u64 lo, hi;

		memcpy(&lo, fx + FX_XMM0 + 16 * i, 8);
		memcpy(&hi, fx + FX_XMM0 + 16 * i + 8, 8);
		n += lo == tag(i);
		n += hi == tag(0x80 + i);
	}
	n += *(u32 *)(fx + FX_MXCSR) == MXCSR_PLANT;
	memcpy(&fcw, fx + FX_FCW, 2);
	n += fcw == FCW_PLANT;
	for (unsigned i = 0; i < 4; i++)
		n += read_dr(i) == tag(0xd0 + i);
	n += read_cr2() == tag(0xc2);
	n += ram_planted();
	return n;
}

void guest_main(void)
{
	/* XMM lo/hi, MXCSR, FCW, DR0-3, CR2, RAM */
	const unsigned all = 2 * NR_XMM + 2 + 4 + 2;
	unsigned seen;

	enable_sse();
	if (boot.cmdline && cmdline_has(boot.cmdline, "plant")) {
		if (cmdline_has(boot.cmdline, "xcr0"))
			try_xcr0();
		plant();
		seen = planted_seen();
		report(seen == all, "planted %u of %u register values", seen,
		       all);
		if (has_avx()) {
			plant_avx();
			report(avx_planted() == NR_XMM,
			       "planted %u of %u YMM upper halves",
			       avx_planted(), NR_XMM);
		}
		return;
	}
	seen = planted_seen();
	report(seen == 0,
	       "no register value of an earlier guest seen (%u of %u)", seen,
	       all);
	if (has_avx())
		sniff_avx();
}
