// SPDX-License-Identifier: MIT
/*
 * sleeper: halts in ways nothing can wake, to check that braid stops the
 * guest with a reason instead of waiting forever (and stays up).
 *
 *   (default)  masks every interrupt class with CR8 = 15 (SDM Vol. 3A
 *              11.8.6), arms its local APIC timer, then STI; HLT: the
 *              timer's interrupt stays pending in IRR behind the TPR
 *   cli        CLI; HLT: with RFLAGS.IF = 0 only NMI/SMI could wake it
 *   nap        the opposite: HLT that its APIC timer does wake, in 250 ms
 *              naps for about 8 s, then passes. Under braid the CPU
 *              waits in braid's own HLT meanwhile, so the test suite can
 *              deliver host NMIs and machine checks there.
 *
 * Bare hardware would hang; that is the point. Under braid the expected
 * result is a "stopped:" line naming the HLT.
 */
#include "rt.h"

#define LAPIC_BASE	0xfee00000ul
#define LAPIC_LVT_TIMER 0xfee00320ul
#define LAPIC_TMICT	0xfee00380ul
#define LAPIC_SVR	0xfee000f0ul
#define LAPIC_EOI	0xfee000b0ul
#define LAPIC_DCR	0xfee003e0ul
#define TIMER_VEC	0x40

static void lapic_write(u64 addr, u32 val)
{
	*(volatile u32 *)addr = val;
}

static volatile unsigned naps;

static void nap_handler(struct trap_frame *tf)
{
	(void)tf;
	lapic_write(LAPIC_EOI, 0);
	naps++;
}

/* The APIC timer counts at the TSC rate under braid (CPUID 0x15 says so;
 * 0x16 gives it in MHz). */
static void nap(void)
{
	u64 mhz = cpuid(0x16, 0).eax & 0xffff;
	unsigned want = 32;

	if (!report(mhz, "nap: TSC rate from CPUID 0x16 (%lu MHz)", mhz)) {
		report_summary();
		return;
	}
	irq_set_handler(TIMER_VEC, nap_handler);
	lapic_write(LAPIC_SVR, 0x1ff);
	lapic_write(LAPIC_DCR, 0xb);			      /* divide by 1 */
	lapic_write(LAPIC_LVT_TIMER, TIMER_VEC | (1u << 17)); /* periodic */
	lapic_write(LAPIC_TMICT, (u32)(mhz * 250000));
	printf("sleeper: napping\n");
	while (naps < want)
		asm volatile("sti; hlt; cli" ::: "memory");
	lapic_write(LAPIC_TMICT, 0);
	report(true, "nap: woke %u times from HLT", want);
	report_summary();
}

void guest_main(void)
{
	/* The runtime maps only the first 1 GiB; the APIC page, uncached. */
	vm_map(vm_current(), LAPIC_BASE, LAPIC_BASE, PG_4K,
	       PTE_P | PTE_W | PTE_PCD | PTE_PWT);
	if (boot.cmdline && cmdline_has(boot.cmdline, "nap")) {
		nap();
		return;
	}
	if (boot.cmdline && cmdline_has(boot.cmdline, "cli")) {
		printf("sleeper: cli; hlt\n");
		asm volatile("cli; hlt");
	} else {
		printf("sleeper: cr8 = 15, timer armed, sti; hlt\n");
		asm volatile("mov %0, %%cr8" : : "r"(15ul));
		lapic_write(LAPIC_SVR, 0x1ff);
		lapic_write(LAPIC_LVT_TIMER, TIMER_VEC); /* one-shot */
		lapic_write(LAPIC_TMICT, 100000);
		asm volatile("sti; hlt; cli");
	}
	report(false, "sleeper: woke up, but nothing should have woken it");
	report_summary();
}
