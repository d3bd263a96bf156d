/* SPDX-License-Identifier: MIT */
/* Thin wrappers around single x86 instructions. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include "lib/types.h"

/* Control-register bits (SDM Vol. 3A 2.5). */
#define CR0_PE	       BIT(0)
#define CR0_MP	       BIT(1)
#define CR0_EM	       BIT(2)
#define CR0_TS	       BIT(3)
#define CR0_ET	       BIT(4)
#define CR0_NE	       BIT(5)
#define CR0_WP	       BIT(16)
#define CR0_AM	       BIT(18)
#define CR0_NW	       BIT(29)
#define CR0_CD	       BIT(30)
#define CR0_PG	       BIT(31)
#define CR4_VME	       BIT(0)
#define CR4_PVI	       BIT(1)
#define CR4_TSD	       BIT(2)
#define CR4_DE	       BIT(3)
#define CR4_PSE	       BIT(4)
#define CR4_PAE	       BIT(5)
#define CR4_MCE	       BIT(6)
#define CR4_PGE	       BIT(7)
#define CR4_PCE	       BIT(8)
#define CR4_OSFXSR     BIT(9)
#define CR4_OSXMMEXCPT BIT(10)
#define CR4_UMIP       BIT(11)
#define CR4_LA57       BIT(12)
#define CR4_VMXE       BIT(13)
#define CR4_FSGSBASE   BIT(16)
#define CR4_PCIDE      BIT(17)
#define CR4_OSXSAVE    BIT(18)
/* CR3 with CR4.PCIDE (SDM Vol. 3A 4.10.1, 4.10.4.1) */
#define CR3_PCID_MASK	 0xfffull
#define CR3_PCID_NOFLUSH BIT(63) /* MOV to CR3 only; never stored */
/* XCR0 state components (SDM Vol. 1 13.3) */
#define XCR0_X87     BIT(0)
#define XCR0_SSE     BIT(1)
#define XCR0_AVX     BIT(2)
#define CR4_SMEP     BIT(20)
#define CR4_SMAP     BIT(21)
#define CR4_PKE	     BIT(22)
#define RFLAGS_FIXED BIT(1)
#define RFLAGS_TF    BIT(8)
#define RFLAGS_IF    BIT(9)
#define RFLAGS_RF    BIT(16)
#define DR6_BS	     BIT(14) /* single step (SDM Vol. 3A 18.2.3) */
#define DR6_B0_B3    0xfull  /* breakpoint conditions met */
#define DR6_BD	     BIT(13) /* debug register access detected */
#define DR7_GD	     BIT(13) /* general detect enable */
#define DR7_L0_G3    0xffull /* breakpoints 0-3 enabled, locally or globally */
/* Pending debug exceptions: an enabled breakpoint was met (SDM 24.4.2) */
#define PENDING_DBG_ENABLED_BP BIT(12)

/* Exception vectors braid injects or intercepts (SDM Vol. 3A 6.15). */
#define VEC_DE	0  /* divide error */
#define VEC_DB	1  /* debug */
#define VEC_NMI 2  /* non-maskable interrupt */
#define VEC_BP	3  /* breakpoint (INT3) */
#define VEC_OF	4  /* overflow (INTO) */
#define VEC_UD	6  /* invalid opcode */
#define VEC_DF	8  /* double fault */
#define VEC_TS	10 /* invalid TSS */
#define VEC_NP	11 /* segment not present */
#define VEC_SS	12 /* stack fault */
#define VEC_GP	13 /* general protection */
#define VEC_PF	14 /* page fault */
#define VEC_AC	17 /* alignment check */
#define VEC_MC	18 /* machine check */
/* The exceptions that push an error code (SDM Vol. 3A 6.13, Table 6-1);
 * a real-mode guest gets none (the vendors' inject_exception()). */
#define VEC_HAS_ERROR                                                          \
	(BIT(VEC_DF) | BIT(VEC_TS) | BIT(VEC_NP) | BIT(VEC_SS) | BIT(VEC_GP) | \
	 BIT(VEC_PF) | BIT(VEC_AC))
/* Intercepted in every paging mode and reflected: a #DB or #AC raised
 * while the CPU delivers the same exception makes some CPUs loop in
 * microcode, deaf to interrupts (CVE-2015-8104, CVE-2015-5307); as exits,
 * braid keeps control and the guest's time budget ends it. */
#define VEC_ALWAYS_INTERCEPTED (BIT(VEC_DB) | BIT(VEC_AC))
/* Intercepted and kept by the host: a machine check reports a hardware
 * error of the host's, which braid logs (arch/x86_64/mce.c); the guest is
 * stopped, since its CPUID offers no machine-check architecture. */
#define VEC_HOST_OWNED	BIT(VEC_MC)
#define VEC_INTERCEPTED (VEC_ALWAYS_INTERCEPTED | VEC_HOST_OWNED)

/* A canonical 48-bit linear address: bits 63:47 all equal (SDM Vol. 1
 * 3.3.7.1); the CPU refuses the rest with #GP (#SS on the stack). */
static inline bool va_canonical(u64 a)
{
	return (u64)((s64)(a << 16) >> 16) == a;
}

/* DR6 (SDM Vol. 3A 18.2.3): also the guest's while its vCPU owns the CPU
 * (cpu_state.c). */

static inline u64 read_dr6(void)
{
	u64 v;

	asm volatile("mov %%db6, %0" : "=r"(v));
	return v;
}

static inline void write_dr6(u64 v)
{
	asm volatile("mov %0, %%db6" ::"r"(v) : "memory");
}

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(u32 leaf, u32 subleaf)
{
	struct cpuid_regs r;

	asm volatile("cpuid"
		     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

/*
 * RDMSR of an MSR that may not exist (#GP on hardware or emulators that
 * lack it). The faulting instruction and its fixup are recorded in
 * .extable; host_exception() resumes at the fixup instead of panicking.
 * Returns 0, or -1 if the MSR does not exist.
 */
static inline int rdmsr_safe(u32 msr, u64 *v)
{
	u32 lo = 0, hi = 0;
	int err = 0;

	asm volatile("1: rdmsr\n"
		     "2:\n"
		     ".pushsection .extable, \"a\"\n"
		     ".quad 1b, 3f\n"
		     ".popsection\n"
		     ".pushsection .text.fixup, \"ax\"\n"
		     "3: movl $-1, %2\n"
		     "jmp 2b\n"
		     ".popsection"
		     : "+a"(lo), "+d"(hi), "+r"(err)
		     : "c"(msr));
	*v = ((u64)hi << 32) | lo;
	return err;
}

static inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" ::"c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

/* WRMSR that may #GP (an MSR or a value the CPU refuses): 0 or -1, as
 * rdmsr_safe(). */
static inline int wrmsr_safe(u32 msr, u64 v)
{
	int err = 0;

	asm volatile("1: wrmsr\n"
		     "2:\n"
		     ".pushsection .extable, \"a\"\n"
		     ".quad 1b, 3f\n"
		     ".popsection\n"
		     ".pushsection .text.fixup, \"ax\"\n"
		     "3: movl $-1, %0\n"
		     "jmp 2b\n"
		     ".popsection"
		     : "+r"(err)
		     : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
	return err;
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

#define DEFINE_CR(n)                                                 \
	static inline u64 read_cr##n(void)                           \
	{                                                            \
		u64 v;                                               \
		asm volatile("mov %%cr" #n ", %0" : "=r"(v));        \
		return v;                                            \
	}                                                            \
	static inline void write_cr##n(u64 v)                        \
	{                                                            \
		asm volatile("mov %0, %%cr" #n ::"r"(v) : "memory"); \
	}
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline u8 inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outw(u16 port, u16 v)
{
	asm volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}

static inline void outl(u16 port, u32 v)
{
	asm volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}

static inline void invlpg(u64 va)
{
	asm volatile("invlpg (%0)" ::"r"(va) : "memory");
}

static inline void cpu_relax(void)
{
	asm volatile("pause");
}

static inline __attribute__((noreturn)) void cpu_halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

#endif
