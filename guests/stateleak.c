// SPDX-License-Identifier: MIT
/*
 * stateleak: does one guest see register state another left behind?
 *
 * Neither the VMCS nor the VMCB switches the x87/SSE registers or debug
 * registers DR0-DR3, so a hypervisor that forgets them hands one guest's
 * values to the next guest on the same CPU. Run it twice, one guest after
 * the other:
 *
 *   plant   (with xcr0: first tries to turn on XSAVE state, which a CPU
 *           that reports no XSAVE must refuse) fills XMM0-15, MXCSR, the
 *           x87 control
 *           word and ST0, and DR0-DR3 with a recognizable pattern, reads
 *           it all back (so the planting is known to have worked), and
 *           ends; also CR2 and a few MiB of its free RAM;
 *   (none)  reads the same registers and fails on any planted value.
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

/* A CPU that reports no XSAVE (as braid's guests are shown) must refuse
 * it: #GP at CR4.OSXSAVE or, where the CPU underneath has XSAVE, #UD at
 * XSETBV. XCR0 is shared by every guest on the CPU (no VMCS or VMCB
 * switches it), so one that could set it could turn on AVX state that
 * the next guest inherits. */
static void try_xcr0(void)
{
	struct fault f;

	if (cpuid(1, 0).ecx & BIT(26)) {
		report_skip(
			"the CPU reports XSAVE: XCR0 is this guest's to set");
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
		return;
	}
	seen = planted_seen();
	report(seen == 0,
	       "no register value of an earlier guest seen (%u of %u)", seen,
	       all);
}
