// SPDX-License-Identifier: MIT
/* Swapping the guest register state no VMCS/VMCB holds (cpu_state.h). */
#include "lib/atomic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpuid.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/cpu_state.h"
#include "arch/x86_64/percpu.h"
#include "lib/string.h"

/* FXSAVE image offsets (SDM Vol. 1 table 10-2). */
#define FX_FCW	 0
#define FX_MXCSR 24

#define FCW_RESET   0x037f
#define MXCSR_RESET 0x1f80
#define DR6_RESET   0xffff0ff0ull

/*
 * XCR0 (SDM Vol. 1 13.3) is shared by the host and every guest: no VMCS
 * or VMCB field switches it. braid keeps the running vCPU's value in the
 * CPU (it uses no XSAVE-managed state itself: -mgeneral-regs-only) and
 * swaps it with the registers below. At boot: x87 and SSE, whatever the
 * firmware left.
 */
static bool has_xsave(void)
{
	static int has = -1;

	if (has < 0)
		has = !!(cpuid(1, 0).ecx & ECX1_XSAVE);
	return has;
}

static void xsetbv0(u64 val)
{
	asm volatile("xsetbv" ::"c"(0), "a"((u32)val), "d"((u32)(val >> 32)));
}

static u64 xgetbv0(void)
{
	u32 lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((u64)hi << 32) | lo;
}

u64 cpu_state_xcr0_mask(void)
{
	static u64 mask; /* stored once, whole: another CPU may read it */
	u64 m = atomic_load_relaxed(&mask);

	if (!m && has_xsave()) {
		m = cpuid(0xd, 0).eax & (XCR0_X87 | XCR0_SSE | XCR0_AVX);
		/* AVX's area must be where braid's buffer has room. */
		if ((m & XCR0_AVX) &&
		    cpuid(0xd, 2).ebx + cpuid(0xd, 2).eax > XSAVE_AREA_SIZE)
			m &= ~XCR0_AVX;
		atomic_store_relaxed(&mask, m);
	}
	return m;
}

static void pin_xcr0(void)
{
	if (!has_xsave())
		return; /* no XCR0 at all */
	write_cr4(read_cr4() | CR4_OSXSAVE);
	xsetbv0(XCR0_X87 | XCR0_SSE);
}

void cpu_state_cpu_init(void)
{
	/* braid's page tables pick a PAT entry with PCD/PWT only (mm/
	 * pt_formats.c: 0 is WB, 3 is UC); firmware may have left other
	 * types in those entries (a write-combining framebuffer, say). */
	wrmsr(MSR_IA32_PAT, PAT_POWER_ON);
	write_cr0((read_cr0() | CR0_MP) & ~(u64)(CR0_EM | CR0_TS));
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	pin_xcr0();
}

void cpu_state_reset(struct vcpu *v)
{
	struct vcpu_cpu_state *s = &v->state;
	u16 fcw = FCW_RESET;
	u32 mxcsr = MXCSR_RESET;

	/* A zeroed XSAVE header: every component in its initial state
	 * (XRSTOR with XSTATE_BV 0), but MXCSR, which XRSTOR always loads. */
	memset(s, 0, sizeof(*s));
	memcpy(s->xsave + FX_FCW, &fcw, sizeof(fcw));
	memcpy(s->xsave + FX_MXCSR, &mxcsr, sizeof(mxcsr));
	s->xcr0 = XCR0_X87; /* SDM Vol. 1 13.3: x87 only after reset */
	s->dr6 = DR6_RESET;
	if (this_cpu()->state_owner == v)
		this_cpu()->state_owner = NULL; /* load the reset values */
}

#define DEFINE_DR(n)                                                 \
	static u64 read_dr##n(void)                                  \
	{                                                            \
		u64 v;                                               \
		asm volatile("mov %%db" #n ", %0" : "=r"(v));        \
		return v;                                            \
	}                                                            \
	static void write_dr##n(u64 v)                               \
	{                                                            \
		asm volatile("mov %0, %%db" #n ::"r"(v) : "memory"); \
	}
DEFINE_DR(0)
DEFINE_DR(1)
DEFINE_DR(2)
DEFINE_DR(3)
#undef DEFINE_DR

bool cpu_state_has_tsc_aux(void)
{
	static int has = -1;

	if (has < 0)
		has = !!(cpuid(0x80000001, 0).edx & EDX81_RDTSCP);
	return has;
}

u64 cpu_state_dr(unsigned n)
{
	u64 (*const read[4])(void) = { read_dr0, read_dr1, read_dr2, read_dr3 };

	return read[n & 3]();
}

static void save(struct vcpu_cpu_state *s)
{
	u64 rfbm = cpu_state_xcr0_mask();

	/* XSAVE stores only what XCR0 enables, and a guest's XCR0 may leave
	 * out state it still has in the registers (SSE with XCR0 = x87):
	 * save everything braid offers, under the full mask. load() sets
	 * XCR0 again in any case. The XCR0 saved is the CPU's: an XSETBV
	 * that made no exit (QEMU TCG under SVM) has set it there. */
	if (rfbm) {
		s->xcr0 = xgetbv0();
		xsetbv0(rfbm);
		asm volatile("xsave64 %0"
			     : "+m"(s->xsave)
			     : "a"((u32)rfbm), "d"((u32)(rfbm >> 32)));
	} else {
		asm volatile("fxsaveq %0" : "=m"(s->xsave));
	}
	s->dr[0] = read_dr0();
	s->dr[1] = read_dr1();
	s->dr[2] = read_dr2();
	s->dr[3] = read_dr3();
	s->dr6 = read_dr6();
	if (cpu_state_has_tsc_aux())
		s->tsc_aux = rdmsr(MSR_IA32_TSC_AUX);
}

/* FXRSTOR, or XRSTOR of every component guests may have with XCR0
 * enabling them all, loads every register of that state, so nothing of
 * the previous owner's survives (SDM Vol. 2A, FXRSTOR; Vol. 1 13.8: a
 * component marked initial is initialised); only then does XCR0 become
 * the new owner's. */
static void load(const struct vcpu_cpu_state *s)
{
	u64 rfbm = cpu_state_xcr0_mask();

	if (rfbm) {
		xsetbv0(rfbm);
		asm volatile("xrstor64 %0"
			     :
			     : "m"(s->xsave), "a"((u32)rfbm),
			       "d"((u32)(rfbm >> 32)));
		xsetbv0(s->xcr0);
	} else {
		asm volatile("fxrstorq %0" ::"m"(s->xsave));
	}
	write_dr0(s->dr[0]);
	write_dr1(s->dr[1]);
	write_dr2(s->dr[2]);
	write_dr3(s->dr[3]);
	write_dr6(s->dr6);
	if (cpu_state_has_tsc_aux())
		wrmsr(MSR_IA32_TSC_AUX, s->tsc_aux);
}

void cpu_state_load(struct vcpu *v)
{
	struct vcpu *old = this_cpu()->state_owner;

	if (old == v)
		return;
	if (old)
		save(&old->state);
	load(&v->state);
	this_cpu()->state_owner = v;
}

void cpu_state_set_xcr0(struct vcpu *v, u64 xcr0)
{
	v->state.xcr0 = xcr0;
	if (this_cpu()->state_owner == v)
		xsetbv0(xcr0);
}

u64 cpu_state_xcr0(const struct vcpu *v)
{
	if (this_cpu()->state_owner == v && cpu_state_xcr0_mask())
		return xgetbv0();
	return v->state.xcr0;
}

void cpu_state_put(struct vcpu *v)
{
	if (this_cpu()->state_owner != v)
		return;
	save(&v->state);
	this_cpu()->state_owner = NULL;
}

void cpu_state_drop(struct vcpu *v)
{
	if (this_cpu()->state_owner == v)
		this_cpu()->state_owner = NULL;
}
