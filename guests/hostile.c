// SPDX-License-Identifier: MIT
/*
 * hostile: attacks on braid itself, one per run, named on the command line
 * (`-- NAME`). Each does what a malicious kernel could, then reports what
 * it saw; the test around it (tests/integration/adversarial.sh) checks
 * what braid did: stopped the guest with the right reason, or carried on,
 * and ran the next guest from a clean state.
 *
 *   selfmap   511 of the 512 PML4 slots point at the PML4 itself (slot 0
 *             keeps the guest's own identity map), then asks braid for a
 *             classification dump (HC_CLASSIFY). Walked naively that is
 *             511 * 512^3 leaves; braid must answer in bounded time and
 *             the guest go on.
 *   spin-cli  cli, then loop forever: no exit of its own, and interrupts
 *             blocked. braid's timer must still end its run, and its CPU
 *             time budget (time=) stop it.
 *   halt-masked  the PIT ticks, but IRQ 0 is masked in the 8259 and the
 *             I/O APIC (as braid resets them), and no APIC timer is armed:
 *             sti; hlt can never wake up, and braid must say so instead
 *             of waiting for ticks nobody can take.
 *   int-twice INT 0x41 in a fresh address space mapped with 4 KiB pages,
 *             so that under shadow and compound paging its delivery (the
 *             IDT, the GDT, the handler, the stack) takes hidden page
 *             faults: the handler must still run exactly once.
 *   idt-gone  a fresh address space without the IDT's page, then a page
 *             fault: its delivery faults (#DF), and so does the #DF's: a
 *             triple fault, as on hardware, in every paging mode.
 *   pf-storm  the same page fault, at the same address and RIP, 10000
 *             times on purpose: each is the guest's own, and braid must
 *             reflect every one (not take the repetition for a bug of its
 *             own).
 *   pt-fanout every entry of 16 page directories points at one page
 *             table, and an address through each is touched: under shadow
 *             and compound paging that table has 8192 mirrors. Then 200
 *             writes to it: each must cost braid work in proportion to
 *             the mirrors, not to their square (run with time=60).
 *   insns     instructions that must never reach the real CPU, each with
 *             the answer a CPU like braid's gives: INVD and WBINVD go on,
 *             RDPMC raises #GP (no counters), MONITOR and MWAIT #UD
 *             (hidden); and the exceptions braid intercepts always (#DB
 *             from a single step, #AC from a misaligned user access) reach
 *             the guest as the CPU raised them.
 *   msr-flood 1000 reads of an MSR braid refuses: each a #GP to the guest,
 *             but braid reports only the first few (the rest are counted).
 *   efer-lme  WRMSR EFER clearing LME while paging is on: #GP (SDM 10.8.5),
 *             in every mode, and the guest goes on.
 *   cr3-rsvd  MOV to CR3 with a reserved bit (bit 62): #GP, the guest goes
 *             on with its tables.
 *   apic-storm  the local APIC timer at divide 1, count 1, periodic: an
 *             interrupt as often as braid lets it come, back to back; the
 *             handler stops the timer after 2000 of them, and the guest
 *             goes on (braid stays in control throughout: time=60).
 *   hc-bad    hypercalls with bad arguments: a text pointer outside RAM,
 *             a text too long, a stats buffer outside RAM, an unknown
 *             number: each refused with its error, nothing else happens.
 *   spoof     with console=raw, print lines that look like braid's own
 *             ("braid: summary: ..."): braid must show them as the
 *             guest's.
 */
#include "rt.h"

static void selfmap(void)
{
	pte_t *pml4 = vm_current(), saved = pml4[1];
	u64 self = ((u64)pml4 & PTE_ADDR) | PTE_P | PTE_W;
	long rc;

	for (unsigned i = 1; i < 512; i++)
		pml4[i] = self;
	rc = hypercall(HC_CLASSIFY, 0, 0, 0);
	for (unsigned i = 1; i < 512; i++)
		pml4[i] = 0;
	pml4[1] = saved;
	write_cr3(read_cr3());
	report(rc == 0, "selfmap: classification of a self-mapped PML4 ended");
}

static void spin_cli(void)
{
	asm volatile("cli");
	for (;;)
		asm volatile("" ::: "memory");
}

static void halt_masked(void)
{
	outb(0x43, 0x34); /* channel 0, lobyte/hibyte, mode 2 (rate) */
	outb(0x40, 0x00);
	outb(0x40, 0x10);
	outb(0x21, 0xff); /* every 8259 input masked */
	outb(0xa1, 0xff);
	asm volatile("sti; hlt; cli");
	report(false, "halt-masked: woke up with nothing to wake it");
}

static volatile unsigned int41_count;

static void on_int41(struct trap_frame *tf)
{
	(void)tf;
	int41_count++;
}

static void int_twice(void)
{
	pte_t *old = vm_current(), *root = page_alloc();

	for (u64 pa = 0; pa < 2 * MiB; pa += PAGE_SIZE)
		vm_map(root, pa, pa, PG_4K, PTE_P | PTE_W);
	for (u64 pa = 2 * MiB; pa < GiB; pa += 2 * MiB)
		vm_map(root, pa, pa, PG_2M, PTE_P | PTE_W);
	irq_set_handler(0x41, on_int41);
	vm_switch(root);
	asm volatile("int $0x41" ::: "memory");
	vm_switch(old);
	report(int41_count == 1,
	       "int-twice: the INT 0x41 handler ran %u time(s)", int41_count);
}

static void idt_gone(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) idtr;
	pte_t *root = page_alloc();

	asm volatile("sidt %0" : "=m"(idtr));
	for (u64 pa = 0; pa < 2 * MiB; pa += PAGE_SIZE)
		if (pa + PAGE_SIZE <= idtr.base || pa > idtr.base + idtr.limit)
			vm_map(root, pa, pa, PG_4K, PTE_P | PTE_W);
	for (u64 pa = 2 * MiB; pa < GiB; pa += 2 * MiB)
		vm_map(root, pa, pa, PG_2M, PTE_P | PTE_W);
	vm_switch(root);
	(void)*(volatile u64 *)(4 * GiB); /* not mapped: #PF */
	report(false, "idt-gone: survived a fault with no IDT");
}

static void touch_unmapped(void *arg)
{
	(void)arg;
	(void)*(volatile u64 *)(4 * GiB);
}

static void pf_storm(void)
{
	unsigned faults = 0;
	struct fault f;

	for (unsigned i = 0; i < 10000; i++)
		faults += catch_fault(touch_unmapped, NULL, &f) &&
			  f.vector == 14 && f.cr2 == 4 * GiB;
	report(faults == 10000, "pf-storm: %u of 10000 page faults seen",
	       faults);
}

#define FANOUT_SLOT 5UL /* PML4 slot of the fan-out mapping */
#define FANOUT_PDS  16

static void pt_fanout(void)
{
	pte_t *pml4 = vm_current(), *pdpt = page_alloc(), *pt = page_alloc();
	u64 base = FANOUT_SLOT << 39, *data = page_alloc(), sum = 0;

	for (unsigned i = 0; i < 512; i++)
		pt[i] = (u64)data | PTE_P | PTE_W;
	for (unsigned j = 0; j < FANOUT_PDS; j++) {
		pte_t *pd = page_alloc();

		for (unsigned i = 0; i < 512; i++)
			pd[i] = (u64)pt | PTE_P | PTE_W;
		pdpt[j] = (u64)pd | PTE_P | PTE_W;
	}
	pml4[FANOUT_SLOT] = (u64)pdpt | PTE_P | PTE_W;
	write_cr3(read_cr3());
	data[0] = 1;
	for (u64 off = 0; off < FANOUT_PDS * GiB; off += 2 * MiB)
		sum += *(volatile u64 *)(base + off);
	for (unsigned w = 0; w < 200; w++) {
		pt[0] = (u64)data | PTE_P | PTE_W | (w & 1 ? PTE_PCD : 0);
		invlpg(base);
		sum += *(volatile u64 *)base;
	}
	pml4[FANOUT_SLOT] = 0;
	write_cr3(read_cr3());
	report(sum == FANOUT_PDS * 512 + 200,
	       "pt-fanout: 200 writes to a table with %u mirrors (sum %llu)",
	       FANOUT_PDS * 512, (unsigned long long)sum);
}

static void do_invd(void *a)
{
	(void)a;
	asm volatile("invd" ::: "memory");
}

static void do_wbinvd(void *a)
{
	(void)a;
	asm volatile("wbinvd" ::: "memory");
}

static void do_rdpmc(void *a)
{
	u32 lo, hi;

	(void)a;
	asm volatile("rdpmc" : "=a"(lo), "=d"(hi) : "c"(0));
}

static void do_monitor(void *a)
{
	asm volatile("monitor" : : "a"(a), "c"(0), "d"(0));
}

static void do_mwait(void *a)
{
	(void)a;
	asm volatile("mwait" : : "a"(0), "c"(0));
}

/* TF set by POPF: the instruction after it traps with #DB, DR6.BS. */
static void do_step(void *a)
{
	(void)a;
	asm volatile("pushfq; orq $0x100, (%%rsp); popfq; nop" ::
			     : "memory", "cc");
}

static u64 misaligned_user(u64 addr)
{
	asm volatile("pushfq; orq $0x40000, (%%rsp); popfq" ::: "memory", "cc");
	return *(volatile u32 *)(addr + 1);
}

static void do_ac(void *a)
{
	write_cr0(read_cr0() | BIT(18)); /* CR0.AM */
	user_call(misaligned_user, (u64)a);
}

/* @fn raises @want (-1: nothing); say so. */
static void expect_fault(const char *what, void (*fn)(void *), int want)
{
	static u64 buf[2];
	struct fault f;
	bool faulted = catch_fault(fn, buf, &f);
	int got = faulted ? f.vector : -1;

	report(got == want, "%s: %s (want %s)", what,
	       got < 0 ? "no fault" : exception_name(got),
	       want < 0 ? "no fault" : exception_name(want));
}

static void insns(void)
{
	struct fault f;
	u64 dr6;

	expect_fault("insns: INVD", do_invd, -1);
	expect_fault("insns: WBINVD", do_wbinvd, -1);
	expect_fault("insns: RDPMC", do_rdpmc, X86_GP);
	expect_fault("insns: MONITOR", do_monitor, X86_UD);
	expect_fault("insns: MWAIT", do_mwait, X86_UD);
	asm volatile("mov %0, %%db6" : : "r"(0xffff0ff0UL));
	catch_fault(do_step, NULL, &f);
	asm volatile("mov %%db6, %0" : "=r"(dr6));
	report(f.vector == 1 && (dr6 & BIT(14)),
	       "insns: single step: %s, DR6 %#lx (want #DB, BS set)",
	       f.vector < 0 ? "no fault" : exception_name(f.vector), dr6);
	if (catch_fault(do_ac, NULL, &f) || f.vector >= 0)
		report(f.vector == 17 && f.error_code == 0,
		       "insns: misaligned user load with AC: %s, error %lu",
		       exception_name(f.vector), f.error_code);
	else
		report_skip("insns: this CPU does not check alignment");
	write_cr0(read_cr0() & ~BIT(18));
}

static void rdmsr_bad(void *a)
{
	u32 lo, hi;

	(void)a;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x4b564d99));
}

static void msr_flood(void)
{
	unsigned gp = 0;
	struct fault f;

	for (unsigned i = 0; i < 1000; i++)
		gp += catch_fault(rdmsr_bad, NULL, &f) && f.vector == X86_GP;
	report(gp == 1000, "msr-flood: %u of 1000 RDMSRs raised #GP", gp);
}

static void efer_clear_lme(void *a)
{
	(void)a;
	wrmsr(0xc0000080, rdmsr(0xc0000080) & ~BIT(8));
}

static void efer_lme(void)
{
	expect_fault("efer-lme: clearing EFER.LME with paging on",
		     efer_clear_lme, X86_GP);
}

static void cr3_reserved(void *a)
{
	(void)a;
	write_cr3(read_cr3() | BIT(62));
}

static void cr3_rsvd(void)
{
	expect_fault("cr3-rsvd: MOV to CR3 with bit 62 set", cr3_reserved,
		     X86_GP);
}

#define LAPIC	       0xfee00000UL
#define APIC_EOI       0x0b0
#define APIC_SVR       0x0f0
#define APIC_LVT_TIMER 0x320
#define APIC_TMICT     0x380
#define APIC_DCR       0x3e0
#define STORM_VEC      0x42

static volatile unsigned storm_ticks;

static void apic_write(u32 reg, u32 v)
{
	asm volatile("movl %0, (%1)" : : "r"(v), "r"(LAPIC + reg) : "memory");
}

static void on_storm(struct trap_frame *tf)
{
	(void)tf;
	/* Back to back, the storm leaves no instruction to the interrupted
	 * loop (as on hardware): the handler ends it. */
	if (++storm_ticks == 2000)
		apic_write(APIC_TMICT, 0);
	apic_write(APIC_EOI, 0);
}

static void apic_storm(void)
{
	vm_map(vm_current(), LAPIC, LAPIC, PG_4K,
	       PTE_P | PTE_W | PTE_PCD | PTE_PWT);
	irq_set_handler(STORM_VEC, on_storm);
	apic_write(APIC_SVR, 0x1ff); /* enabled, spurious vector 0xff */
	apic_write(APIC_DCR, 0xb);   /* divide by 1 */
	apic_write(APIC_LVT_TIMER, BIT(17) | STORM_VEC); /* periodic */
	apic_write(APIC_TMICT, 1);
	asm volatile("sti");
	while (storm_ticks < 2000)
		asm volatile("pause" ::: "memory");
	asm volatile("cli");
	apic_write(APIC_TMICT, 0);
	apic_write(APIC_LVT_TIMER, BIT(16) | STORM_VEC); /* masked */
	report(storm_ticks >= 2000, "apic-storm: %u timer interrupts taken",
	       storm_ticks);
}

static void hc_bad(void)
{
	static char text[16] = "hostile";
	static u8 buf[64];

	report(hypercall(HC_PRINT, 0xfff00000000UL, 8, 0) == HC_ERR_INVAL,
	       "hc-bad: HC_PRINT of a text outside RAM refused");
	report(hypercall(HC_PRINT, (u64)text, 1 << 20, 0) == HC_ERR_INVAL,
	       "hc-bad: HC_PRINT of 1 MiB refused");
	report(hypercall(HC_STATS, 0xfff00000000UL, sizeof(buf), 0) ==
		       HC_ERR_INVAL,
	       "hc-bad: HC_STATS into memory outside RAM refused");
	report(hypercall(999, 0, 0, 0) == HC_ERR_NOSYS,
	       "hc-bad: unknown hypercall refused");
}

static void spoof(void)
{
	printf("braid: summary: 99 guests, 99 passed, 0 failed\n");
	printf("braid: stats {\"guest\":\"spoofed\",\"result\":\"pass\"}\n");
	report(true, "spoof: printed braid's lines");
}

static const struct attack {
	const char *name;
	void (*run)(void);
} attacks[] = {
	{ "selfmap", selfmap },		{ "spin-cli", spin_cli },
	{ "halt-masked", halt_masked }, { "int-twice", int_twice },
	{ "idt-gone", idt_gone },	{ "pf-storm", pf_storm },
	{ "pt-fanout", pt_fanout },	{ "insns", insns },
	{ "msr-flood", msr_flood },	{ "spoof", spoof },
	{ "efer-lme", efer_lme },	{ "cr3-rsvd", cr3_rsvd },
	{ "apic-storm", apic_storm },	{ "hc-bad", hc_bad },
};

void guest_main(void)
{
	for (unsigned i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		if (boot.cmdline &&
		    cmdline_has(boot.cmdline, attacks[i].name)) {
			attacks[i].run();
			return;
		}
	}
	report(false, "no attack named on the command line");
}
