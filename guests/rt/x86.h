/* SPDX-License-Identifier: MIT */
/*
 * Thin wrappers around x86 instructions and the architectural bits the
 * runtime and the guests name. Bit names follow the SDM.
 */
#ifndef GUEST_X86_H
#define GUEST_X86_H

#include "types.h"

/* CR0, SDM Vol. 3A 2.5 */
#define CR0_PE BIT(0)
#define CR0_WP BIT(16)
#define CR0_PG BIT(31)

/* CR4, SDM Vol. 3A 2.5 */
#define CR4_PAE	 BIT(5)
#define CR4_VMXE BIT(13)

/* IA32_EFER, SDM Vol. 3A 2.2.1 */
#define MSR_EFER  0xc0000080u
#define EFER_LME  BIT(8)
#define EFER_NXE  BIT(11)
#define EFER_SVME BIT(12)

/* RFLAGS, SDM Vol. 1 3.4.3 */
#define RFLAGS_FIXED BIT(1) /* bit 1 always reads as 1 */

/* Exception vectors, SDM Vol. 3A 6.3.1 */
#define X86_DE	0
#define X86_DB	1
#define X86_NMI 2
#define X86_BP	3
#define X86_UD	6
#define X86_DF	8
#define X86_GP	13
#define X86_PF	14

static inline u64 read_cr0(void)
{
	u64 v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline void write_cr0(u64 v)
{
	asm volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline u64 read_cr2(void)
{
	u64 v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline u64 read_cr3(void)
{
	u64 v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

/* Loading CR3 also flushes all non-global TLB entries (SDM Vol. 3A 4.10.4.1). */
static inline void write_cr3(u64 v)
{
	asm volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline u64 read_cr4(void)
{
	u64 v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline void write_cr4(u64 v)
{
	asm volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr"
		     :
		     : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))
		     : "memory");
}

static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(u16 port, u32 v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void invlpg(u64 va)
{
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((u64)hi << 32) | lo;
}

static inline __noreturn void halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

/*
 * Every CPUID the guest executes goes through here (or is counted by the
 * boot code), so tests can compare against the hypervisor's exit count.
 */
struct cpuid_regs cpuid(u32 leaf, u32 subleaf);
extern unsigned long cpuid_count;

/* Feature probes used by several guests. */
bool cpu_has_nx(void);		   /* CPUID.80000001H:EDX[20] */
bool cpu_has_1g_pages(void);	   /* CPUID.80000001H:EDX[26] */
unsigned int cpu_maxphyaddr(void); /* CPUID.80000008H:EAX[7:0] */
void cpu_vendor(char out[13]);	   /* CPUID.0: EBX, EDX, ECX */

void set_efer_nxe(bool on);
void set_cr0_wp(bool on);

#endif
