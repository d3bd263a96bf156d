// SPDX-License-Identifier: MIT
/* Swapping the guest register state no VMCS/VMCB holds (cpu_state.h). */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpuid.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/cpu_state.h"
#include "arch/x86_64/percpu.h"
#include "lib/string.h"

/* FXSAVE image offsets (SDM Vol. 1 table 10-2). */
#define FX_FCW	 0
#define FX_MXCSR 24

#define XCR0_X87 BIT(0)
#define XCR0_SSE BIT(1)

#define FCW_RESET   0x037f
#define MXCSR_RESET 0x1f80
#define DR6_RESET   0xffff0ff0ull

/*
 * XCR0 (SDM Vol. 1 13.3) is shared by the host and every guest: no VMCS
 * or VMCB field switches it. Pinned to x87 and SSE, and with XSETBV
 * intercepted on both vendors (hv/exit.c), no guest can turn on a state
 * component (AVX and later) that FXSAVE/FXRSTOR would not swap, whatever
 * the firmware left in it.
 */
static void pin_xcr0(void)
{
	if (!(cpuid(1, 0).ecx & ECX1_XSAVE))
		return; /* no XCR0 at all */
	write_cr4(read_cr4() | CR4_OSXSAVE);
	asm volatile("xsetbv" ::"c"(0), "a"(XCR0_X87 | XCR0_SSE), "d"(0));
}

void cpu_state_cpu_init(void)
{
	write_cr0((read_cr0() | CR0_MP) & ~(u64)(CR0_EM | CR0_TS));
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	pin_xcr0();
}

void cpu_state_reset(struct vcpu *v)
{
	struct vcpu_cpu_state *s = &v->state;
	u16 fcw = FCW_RESET;
	u32 mxcsr = MXCSR_RESET;

	memset(s, 0, sizeof(*s));
	memcpy(s->fxsave + FX_FCW, &fcw, sizeof(fcw));
	memcpy(s->fxsave + FX_MXCSR, &mxcsr, sizeof(mxcsr));
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

/* IA32_TSC_AUX is there with RDTSCP (CPUID 80000001h:EDX[27]). */
static bool has_tsc_aux(void)
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
	asm volatile("fxsaveq %0" : "=m"(s->fxsave));
	s->dr[0] = read_dr0();
	s->dr[1] = read_dr1();
	s->dr[2] = read_dr2();
	s->dr[3] = read_dr3();
	s->dr6 = read_dr6();
	if (has_tsc_aux())
		s->tsc_aux = rdmsr(MSR_IA32_TSC_AUX);
}

/* FXRSTOR loads every x87 and SSE register, so nothing of the previous
 * owner's survives (SDM Vol. 2A, FXRSTOR). */
static void load(const struct vcpu_cpu_state *s)
{
	asm volatile("fxrstorq %0" ::"m"(s->fxsave));
	write_dr0(s->dr[0]);
	write_dr1(s->dr[1]);
	write_dr2(s->dr[2]);
	write_dr3(s->dr[3]);
	write_dr6(s->dr6);
	if (has_tsc_aux())
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

void cpu_state_drop(struct vcpu *v)
{
	if (this_cpu()->state_owner == v)
		this_cpu()->state_owner = NULL;
}
