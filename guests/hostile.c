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
 *   cr-bits   MOV to CR0/CR4 of values a CPU with braid's CPUID refuses:
 *             reserved bits, PG without PE, NW without CD, hidden
 *             features (VMXE, SMEP, OSXSAVE, PKE; PCIDE, or with PCID
 *             offered, PCIDE with CR3[11:0] != 0), PAE off in long
 *             mode: #GP each, in every mode; allowed writes still work.
 *   msr-rsvd  reserved EFER and PAT values (#GP); non-canonical segment
 *             bases and SYSCALL targets, whose WRMSR the CPU may run
 *             itself: printed, for the suite to compare across modes.
 *   dr-xcr    DR6/DR7 reserved bits (#GP), DR4 with CR4.DE (#UD), XSETBV
 *             without XSAVE (#UD); then DR0-DR3/DR7 left armed for the
 *             survivor to find (it must not).
 *   vm-insns  the other vendor's virtualization instructions (#UD, as on
 *             a CPU without them), then the own vendor's VMXON/VMRUN:
 *             braid stops the guest.
 *   pt-outside  a PTE naming guest-physical memory that does not exist:
 *             as on a PC, loads read all ones and stores go nowhere (with
 *             unbacked=stop, as "outside-stop" runs it: stopped, with the
 *             address).
 *   loops     a PDPT, a PD and a PT that each map themselves: tables read
 *             through themselves, a PTE written through the alias takes
 *             effect, and a classification dump ends.
 *   cr3-many  48 address spaces, 1920 CR3 switches, each checking its own
 *             page; then CR3 outside RAM.
 *   df-guard  a #PF whose delivery pushes onto an unmapped stack guard
 *             page: #DF, on its IST stack, as on hardware.
 *   pt-cross  8-byte stores across a page boundary onto a page table:
 *             data+table writes both halves; table+unmapped page faults
 *             at the second page and writes nothing.
 *   seg-store FS-based stores to a page table and a GS-based store to the
 *             APIC TPR: the segment base is part of the address.
 *   hc-flood  4 MiB of HC_PRINT: braid shows a bounded part and counts
 *             the rest.
 *   pit-storm the PIT at count 1 (an interrupt as often as it can), then
 *             at count 0 (65536, the slowest): 2000 and 3 ticks.
 *   seg-compat  stores from compatibility mode through data segments
 *             based at the local APIC and just below a page table:
 *             outside 64-bit mode every segment's base is part of the
 *             address braid emulates.
 *   real-mode from compatibility mode, paging off and then CR0.PE off: in
 *             real mode it ends itself with HC_EXIT(0), in every mode
 *             (shadow paging runs unpaged code on the nested table).
 *   msr-kept  AMD's PerfEvtSel0-3/PerfCtr0-3 read back what is written (a
 *             test suite's start-up writes them), Intel's #GP; Intel's
 *             MISC_ENABLE keeps what is written.
 *   rf-faults faults braid raises after an exit (RDMSR, RDPMC, WRMSR
 *             EFER) push RFLAGS with RF set, as the CPU's own faults
 *             do (SDM Vol. 3A 18.3.1.1).
 *   reset-cf9 a reset through the chipset's Reset Control register: with
 *             on_reset=restart the guest boots again, its CMOS RAM kept.
 *   reset-kbd a reset through the 8042 (command 0xFE): stopped, "reset".
 *   step-emulated  TF over CPUID, RDMSR, OUT and a page-table store (each
 *             carried out by braid in some mode): the single-step #DB
 *             follows at the next instruction, DR6.BS set.
 *   prefixed  CPUID and RDMSR behind segment, operand-size and REX
 *             prefixes: each runs once and the guest resumes after it
 *             (SVM without NRIP save reports only the opcode's length).
 */
#include "rt.h"
#include "lapic.h"

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

#define LAPIC	  LAPIC_BASE
#define STORM_VEC 0x42

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

/* --- Control registers and MSRs: every value a CPU like braid's refuses. */

static u64 cr_value; /* the value the next do_* writes */

static void do_cr0(void *a)
{
	(void)a;
	write_cr0(cr_value);
}

static void do_cr4(void *a)
{
	(void)a;
	write_cr4(cr_value);
}

static void expect_cr(const char *what, void (*fn)(void *), u64 val)
{
	cr_value = val;
	expect_fault(what, fn, X86_GP);
}

static void cr_bits(void)
{
	u64 cr0 = read_cr0(), cr4 = read_cr4();

	expect_cr("cr-bits: CR0 bit 32", do_cr0, cr0 | BIT(32));
	expect_cr("cr-bits: CR0.PE clear with PG set", do_cr0, cr0 & ~BIT(0));
	expect_cr("cr-bits: CR0.NW without CD", do_cr0,
		  (cr0 & ~BIT(30)) | BIT(29));
	expect_cr("cr-bits: CR0.PG clear in 64-bit mode", do_cr0,
		  cr0 & ~BIT(31));
	expect_cr("cr-bits: CR4.VMXE (hidden)", do_cr4, cr4 | BIT(13));
	expect_cr("cr-bits: CR4.SMEP (hidden)", do_cr4, cr4 | BIT(20));
	if (cpuid(1, 0).ecx & BIT(17)) {
		/* PCID offered (the host has it): PCIDE only with CR3[11:0]
		 * = 0 (SDM Vol. 2B, MOV to CR4). */
		u64 cr3 = read_cr3();

		write_cr3(cr3 | 1); /* bit 0: ignored without PCIDE */
		expect_cr("cr-bits: CR4.PCIDE with CR3[11:0] = 1", do_cr4,
			  cr4 | BIT(17));
		write_cr3(cr3);
	} else {
		expect_cr("cr-bits: CR4.PCIDE (hidden)", do_cr4, cr4 | BIT(17));
	}
	/* OSXSAVE is hidden only where the CPU has no XSAVE. */
	if (!(cpuid(1, 0).ecx & BIT(26)))
		expect_cr("cr-bits: CR4.OSXSAVE (hidden)", do_cr4,
			  cr4 | BIT(18));
	expect_cr("cr-bits: CR4.PKE (hidden)", do_cr4, cr4 | BIT(22));
	expect_cr("cr-bits: CR4 bit 31 (reserved)", do_cr4, cr4 | BIT(31));
	expect_cr("cr-bits: CR4.PAE clear in IA-32e mode", do_cr4,
		  cr4 & ~BIT(5));
	report(read_cr0() == cr0 && read_cr4() == cr4,
	       "cr-bits: CR0 %#lx and CR4 %#lx unchanged", read_cr0(),
	       read_cr4());
	/* What the CPU does allow still works. */
	write_cr4(cr4 ^ BIT(7)); /* PGE: a global flush */
	write_cr4(cr4);
	write_cr0(cr0 | BIT(3)); /* TS, cleared again by CLTS */
	asm volatile("clts");
	report(read_cr0() == cr0 && read_cr4() == cr4,
	       "cr-bits: CR4.PGE toggled and CLTS done");
}

static u32 msr_index;
static u64 msr_value;

static void do_wrmsr(void *a)
{
	(void)a;
	wrmsr(msr_index, msr_value);
}

static void expect_wrmsr_gp(const char *what, u32 msr, u64 val)
{
	u64 before = rdmsr(msr);

	msr_index = msr;
	msr_value = val;
	expect_fault(what, do_wrmsr, X86_GP);
	report(rdmsr(msr) == before, "%s: MSR %#x still %#lx", what, msr,
	       before);
}

#define NONCANONICAL 0x0000800000000000UL

/* WRMSR of @val: "GP" if refused (and the MSR unchanged), "took" if the
 * MSR now reads @val, "kept-low" if only its low half was taken (as
 * Bochs does with SFMASK), "bad" otherwise. A segment base taken
 * non-canonical may read back sign-extended: QEMU's VMRUN and VMLOAD
 * canonicalize the bases they load (svm_canonicalization()), so a VM exit
 * between the write and the read, which no guest can rule out, shows it
 * so. That is the value taken whole too. */
static const char *wrmsr_outcome(u32 msr, u64 val)
{
	u64 before = rdmsr(msr), after;
	struct fault f;
	bool faulted;

	msr_index = msr;
	msr_value = val;
	faulted = catch_fault(do_wrmsr, NULL, &f);
	after = rdmsr(msr);
	msr_value = before;
	do_wrmsr(NULL);
	if (faulted)
		return f.vector == X86_GP && after == before ? "GP" : "bad";
	if (after == val || after == (u64)((s64)(val << 16) >> 16))
		return "took";
	return after == (u32)val ? "kept-low" : "bad";
}

/*
 * EFER and PAT writes always reach braid, which must refuse what the CPU
 * would. The segment bases and SYSCALL MSRs may be the CPU's own (VMX MSR
 * bitmap, SVM VMLOAD/VMSAVE): then the emulated CPU underneath decides
 * (Bochs refuses non-canonical values, QEMU's TCG takes them). What braid
 * owes is the same answer in every paging mode, and no entry failure:
 * the outcomes are printed on one line that the suite compares.
 */
static void msr_rsvd(void)
{
	static const u32 bases[] = { 0xc0000100, 0xc0000101, 0xc0000102,
				     0xc0000082, 0xc0000083 };
	u64 efer = rdmsr(0xc0000080);
	char line[96] = "";
	const char *o;
	unsigned n = 0;
	bool bad = false;

	expect_wrmsr_gp("msr-rsvd: EFER bit 1 (reserved)", 0xc0000080,
			efer | BIT(1));
	expect_wrmsr_gp("msr-rsvd: EFER.SVME (hidden)", 0xc0000080,
			efer | BIT(12));
	expect_wrmsr_gp("msr-rsvd: EFER bit 63", 0xc0000080, efer | BIT(63));
	expect_wrmsr_gp("msr-rsvd: PAT type 2", 0x277, 0x0007040600070402UL);
	expect_wrmsr_gp("msr-rsvd: PAT type 8", 0x277, 0x0007040600070408UL);
	for (unsigned i = 0; i <= sizeof(bases) / sizeof(bases[0]); i++) {
		if (i < sizeof(bases) / sizeof(bases[0]))
			o = wrmsr_outcome(bases[i], NONCANONICAL);
		else
			o = wrmsr_outcome(0xc0000084, BIT(32)); /* SFMASK */
		bad |= o[0] == 'b';
		n += snprintf(line + n, sizeof(line) - n, " %s", o);
	}
	printf("msr-rsvd: non-canonical FS/GS/KGS base, LSTAR, CSTAR; SFMASK "
	       "bit 32:%s\n",
	       line);
	report(!bad, "msr-rsvd: each refused or taken whole");
}

/* --- Debug registers and XCR0: refused where the CPU refuses, and what a
 * guest may set is not seen by the next one (the survivor checks). */

static void do_dr7_high(void *a)
{
	(void)a;
	asm volatile("mov %0, %%db7" : : "r"(BIT(32) | 0x400UL));
}

static void do_dr6_high(void *a)
{
	(void)a;
	asm volatile("mov %0, %%db6" : : "r"(BIT(40) | 0xffff0ff0UL));
}

static void do_dr4(void *a)
{
	u64 v;

	(void)a;
	asm volatile("mov %%db4, %0" : "=r"(v));
}

static void do_xsetbv(void *a)
{
	(void)a;
	asm volatile("xsetbv" : : "c"(0), "a"(7), "d"(0));
}

static void dr_xcr(void)
{
	u64 cr4 = read_cr4();

	expect_fault("dr-xcr: DR7 bit 32", do_dr7_high, X86_GP);
	expect_fault("dr-xcr: DR6 bit 40", do_dr6_high, X86_GP);
	write_cr4(cr4 | BIT(3)); /* DE: DR4/DR5 are reserved */
	expect_fault("dr-xcr: DR4 with CR4.DE", do_dr4, X86_UD);
	write_cr4(cr4);
	expect_fault("dr-xcr: XSETBV without CR4.OSXSAVE", do_xsetbv, X86_UD);
	/* Breakpoints on addresses nobody touches, for the next guest to
	 * find if braid does not clear them. */
	asm volatile("mov %0, %%db0" : : "r"(0x7ff000UL));
	asm volatile("mov %0, %%db1" : : "r"(0x7ff100UL));
	asm volatile("mov %0, %%db2" : : "r"(0x7ff200UL));
	asm volatile("mov %0, %%db3" : : "r"(0x7ff300UL));
	asm volatile("mov %0, %%db7" : : "r"(0x4055UL)); /* L0-L3 | GD=0 */
	report(true, "dr-xcr: DR0-DR3 and DR7 left set for the next guest");
}

/* --- The other vendor's virtualization instructions are #UD; braid's own
 * vendor's stop the guest (it does not nest). */

static void do_vmxoff(void *a)
{
	(void)a;
	asm volatile("vmxoff" ::: "cc");
}

static void do_vmcall(void *a)
{
	(void)a;
	asm volatile("vmcall" : : "a"(0UL) : "memory");
}

static void do_invept(void *a)
{
	static u64 desc[2];

	(void)a;
	asm volatile("invept %0, %1" : : "m"(desc), "r"(1UL) : "cc");
}

static void do_vmload(void *a)
{
	asm volatile("vmload" : : "a"(a) : "memory");
}

static void do_stgi(void *a)
{
	(void)a;
	asm volatile("stgi");
}

static void do_vmmcall(void *a)
{
	(void)a;
	asm volatile("vmmcall" : : "a"(0UL) : "memory");
}

static void do_vmxon(void *a)
{
	asm volatile("vmxon %0" : : "m"(a) : "memory", "cc");
}

static void do_vmrun(void *a)
{
	asm volatile("vmrun" : : "a"(a) : "memory");
}

static void vm_insns(void)
{
	bool svm = braid_vendor() == BRAID_VENDOR_SVM;

	if (svm) {
		expect_fault("vm-insns: VMXOFF", do_vmxoff, X86_UD);
		expect_fault("vm-insns: VMCALL", do_vmcall, X86_UD);
		expect_fault("vm-insns: INVEPT", do_invept, X86_UD);
		printf("vm-insns: now VMRUN\n");
		do_vmrun(page_alloc());
	} else {
		expect_fault("vm-insns: VMLOAD", do_vmload, X86_UD);
		expect_fault("vm-insns: STGI", do_stgi, X86_UD);
		expect_fault("vm-insns: VMMCALL", do_vmmcall, X86_UD);
		printf("vm-insns: now VMXON\n");
		do_vmxon(page_alloc());
	}
	report(false, "vm-insns: still running after the vendor's own entry");
}

/* --- Page tables that point outside the guest's RAM. */

#define OUTSIDE_PA 0xf0000000UL
#define OUTSIDE_VA (7UL << 39)

static void pt_outside(void)
{
	pte_t *root = vm_current();
	volatile u64 *p = (volatile u64 *)OUTSIDE_VA;
	volatile u32 *q = (volatile u32 *)(OUTSIDE_VA + 0x10);
	u64 first, after;

	vm_map(root, OUTSIDE_VA, OUTSIDE_PA, PG_4K, PTE_P | PTE_W);
	invlpg(OUTSIDE_VA);
	printf("pt-outside: reading guest-physical %#lx\n", OUTSIDE_PA);
	first = *p;
	*p = 0x1234;
	*q = 0;
	after = *p;
	report(first == ~0UL && after == ~0UL && *q == ~0u,
	       "pt-outside: where nothing is, loads read all ones (%#lx, then "
	       "%#lx) and stores go nowhere",
	       first, after);
}

/* --- Self-maps at every level below the PML4: each table reachable as
 * data through itself, and a PTE written through the alias must take
 * effect. */

#define LOOP_SLOT 6UL

static void loops(void)
{
	pte_t *pml4 = vm_current(), *pdpt = page_alloc(), *pd = page_alloc();
	pte_t *pt = page_alloc();
	u64 *data = page_alloc(), *other = page_alloc();
	u64 base = LOOP_SLOT << 39, flags = PTE_P | PTE_W;
	volatile u64 *alias_pt, *va;
	bool ok = true;

	pml4[LOOP_SLOT] = (u64)pdpt | flags;
	pdpt[0] = (u64)pd | flags;
	pdpt[1] = (u64)pdpt | flags; /* PDPT[1] -> PDPT */
	pd[0] = (u64)pt | flags;
	pd[1] = (u64)pd | flags; /* PD[1] -> PD */
	pt[0] = (u64)data | flags;
	pt[1] = (u64)pt | flags; /* PT[1] -> PT */
	write_cr3(read_cr3());
	data[0] = 0x1111;
	other[0] = 0x2222;
	va = (volatile u64 *)base;
	alias_pt = (volatile u64 *)(base + 0x1000); /* PT[1]: the PT */
	ok &= *va == 0x1111;
	ok &= (alias_pt[0] & PTE_ADDR) == (u64)data;
	ok &= (alias_pt[1] & PTE_ADDR) == (u64)pt;
	/* PDPT[1] taken as PD, PT and data page in turn: the PDPT. */
	ok &= (*(volatile u64 *)(base + (1UL << 30) + (1UL << 21) + 0x1000 +
				 8) &
	       PTE_ADDR) == (u64)pdpt;
	/* PD[1] taken as PT and data page: the PD. */
	ok &= (*(volatile u64 *)(base + (1UL << 21) + 0x1000 + 8) & PTE_ADDR) ==
	      (u64)pd;
	/* A PTE written through the alias: the mapping must change. */
	alias_pt[0] = (u64)other | flags;
	invlpg(base);
	ok &= *va == 0x2222;
	alias_pt[0] = (u64)data | flags;
	invlpg(base);
	ok &= *va == 0x1111;
	report(hypercall(HC_CLASSIFY, 0, 0, 0) == 0,
	       "loops: classification of self-mapped levels ended");
	pml4[LOOP_SLOT] = 0;
	write_cr3(read_cr3());
	report(ok, "loops: tables read and written through themselves");
}

/* --- Many address spaces, switched often: each must see its own page. */

#define CR3_ROOTS  48
#define CR3_ROUNDS 40
#define CR3_VA	   (8UL << 39)

static void cr3_many(void)
{
	pte_t *home = vm_current(), *roots[CR3_ROOTS];
	unsigned bad = 0;

	for (unsigned i = 0; i < CR3_ROOTS; i++) {
		u64 *page = page_alloc();

		roots[i] = page_alloc();
		for (unsigned s = 0; s < 512; s++)
			roots[i][s] = home[s];
		page[0] = i;
		vm_map(roots[i], CR3_VA, (u64)page, PG_4K, PTE_P | PTE_W);
	}
	for (unsigned r = 0; r < CR3_ROUNDS; r++)
		for (unsigned i = 0; i < CR3_ROOTS; i++) {
			unsigned k = (i * 7 + r) % CR3_ROOTS;

			write_cr3((u64)roots[k]);
			bad += *(volatile u64 *)CR3_VA != k;
		}
	write_cr3((u64)home);
	report(bad == 0, "cr3-many: %u switches among %u roots, %u wrong",
	       CR3_ROOTS * CR3_ROUNDS, CR3_ROOTS, bad);
	printf("cr3-many: now CR3 outside RAM\n");
	write_cr3(OUTSIDE_PA);
	report(false, "cr3-many: ran with CR3 outside RAM");
}

/* --- A fault whose delivery hits a stack guard page: #DF, on IST1. */

static u8 *guard_stack; /* a mapped page with an unmapped page below */

static void fault_on_guard(void *a)
{
	(void)a;
	asm volatile("mov %%rsp, %%rbx\n\t"
		     "mov %0, %%rsp\n\t"
		     "movq (%1), %%rax\n\t" /* #PF: its push faults */
		     "mov %%rbx, %%rsp"
		     :
		     : "r"(guard_stack), "r"(4 * GiB)
		     : "rax", "rbx", "memory");
}

#define GUARD_VA (9UL << 39)

static void df_guard(void)
{
	struct fault f;
	u8 *page = page_alloc();

	vm_map(vm_current(), GUARD_VA + PAGE_SIZE, (u64)page, PG_4K,
	       PTE_P | PTE_W);
	guard_stack = (u8 *)(GUARD_VA + PAGE_SIZE); /* first push: below */
	trap_catch_df = true;
	catch_fault(fault_on_guard, NULL, &f);
	trap_catch_df = false;
	report(f.vector == X86_DF && f.error_code == 0,
	       "df-guard: %s (error %lu) through the guard page (want #DF)",
	       f.vector < 0 ? "no fault" : exception_name(f.vector),
	       f.error_code);
}

/* --- Stores that cross a page boundary, onto a guest page table. */

#define CROSS_VA (10UL << 39)

static void do_store8(void *a)
{
	*(volatile u64 *)a = 0x1111111111111111UL;
}

static void pt_cross(void)
{
	pte_t *root = vm_current();
	u8 *data = page_alloc(), *target = page_alloc();
	pte_t *pt = page_alloc();
	volatile u64 *through = (volatile u64 *)(CROSS_VA + 2 * MiB);
	u64 want, got;
	struct fault f;

	/* @pt is the page table of CROSS_VA + 2M (its entry 0 maps
	 * @target), and is also mapped as data at CROSS_VA + 4K, right after
	 * a data page; CROSS_VA + 8K is not mapped. */
	vm_map(root, CROSS_VA, (u64)data, PG_4K, PTE_P | PTE_W);
	vm_map(root, CROSS_VA + 0x1000, (u64)pt, PG_4K, PTE_P | PTE_W);
	pt[0] = (u64)target | PTE_P | PTE_W;
	*vm_entry(root, CROSS_VA + 2 * MiB, PG_2M, true) =
		(u64)pt | PTE_P | PTE_W;
	write_cr3(read_cr3());
	((u64 *)target)[0] = 0xabc;
	report(*through == 0xabc, "pt-cross: the table maps its target");
	/* 8 bytes from 4 before the table: 4 into the data page, 4 into the
	 * low half of PTE 0. */
	want = (pt[0] & ~0xffffffffUL) | 0x11111111UL;
	do_store8((void *)(CROSS_VA + 0x1000 - 4));
	got = pt[0];
	report(got == want && *(u32 *)(data + 0xffc) == 0x11111111,
	       "pt-cross: a store across data and a page table wrote both "
	       "(PTE %#lx, want %#lx)",
	       got, want);
	pt[0] = (u64)target | PTE_P | PTE_W;
	invlpg((u64)through);
	report(*through == 0xabc, "pt-cross: the table maps its target again");
	/* The table, then the unmapped page: the store faults on the
	 * second page and writes nothing (the CPU checks both first). */
	want = pt[511];
	catch_fault(do_store8, (void *)(CROSS_VA + 0x2000 - 4), &f);
	report(f.vector == X86_PF && f.cr2 == CROSS_VA + 0x2000 &&
		       pt[511] == want,
	       "pt-cross: a store across a page table and an unmapped page: "
	       "%s at %#lx, PTE 511 %#lx (want #PF at %#lx, %#lx)",
	       f.vector < 0 ? "no fault" : exception_name(f.vector), f.cr2,
	       pt[511], CROSS_VA + 0x2000, want);
}

/* --- Stores through FS and GS: to a page table, and to the APIC. */

static void seg_store(void)
{
	pte_t *root = vm_current(), *pt = page_alloc();
	u64 *a = page_alloc(), *b = page_alloc(), fs = rdmsr(0xc0000100);
	u64 gs = rdmsr(0xc0000101), va = CROSS_VA + 4 * MiB;
	u32 tpr;

	vm_map(root, CROSS_VA + 0x5000, (u64)pt, PG_4K, PTE_P | PTE_W);
	pt[0] = (u64)a | PTE_P | PTE_W;
	*vm_entry(root, va, PG_2M, true) = (u64)pt | PTE_P | PTE_W;
	write_cr3(read_cr3());
	a[0] = 0xa;
	b[0] = 0xb;
	report(*(volatile u64 *)va == 0xa, "seg-store: the table maps page a");
	/* FS base 0x100 below the table: %fs:0x100 is its entry 0. */
	wrmsr(0xc0000100, CROSS_VA + 0x5000 - 0x100);
	asm volatile("movq %0, %%fs:0x100"
		     :
		     : "r"((u64)b | PTE_P | PTE_W)
		     : "memory");
	wrmsr(0xc0000100, fs);
	invlpg(va);
	report(*(volatile u64 *)va == 0xb,
	       "seg-store: an FS-based store to the table took effect");
	vm_map(root, LAPIC_BASE, LAPIC_BASE, PG_4K,
	       PTE_P | PTE_W | PTE_PCD | PTE_PWT);
	wrmsr(0xc0000101, LAPIC_BASE);
	asm volatile("movl %0, %%gs:0x80" : : "r"(0x30u) : "memory");
	wrmsr(0xc0000101, gs);
	tpr = *(volatile u32 *)(LAPIC_BASE + 0x80);
	*(volatile u32 *)(LAPIC_BASE + 0x80) = 0;
	report(tpr == 0x30,
	       "seg-store: a GS-based store set the APIC TPR "
	       "to %#x (want 0x30)",
	       tpr);
}

/* --- A flood of output: braid prints a bounded amount of it. */

static void hc_flood(void)
{
	static char text[4096];
	long bad = 0;

	for (unsigned i = 0; i < sizeof(text); i++)
		text[i] = i % 128 == 127 ? '\n' : 'a' + i % 26;
	for (unsigned i = 0; i < 1000; i++)
		bad += hypercall(HC_PRINT, (u64)text, sizeof(text), 0) !=
		       sizeof(text);
	report(bad == 0, "hc-flood: 1000 HC_PRINTs of 4 KiB accepted");
}

/* --- The PIT at its fastest (count 1) and slowest (count 0 = 65536). */

#define PIT_VEC 0x20

static volatile unsigned pit_ticks;

static void on_pit(struct trap_frame *tf)
{
	(void)tf;
	if (++pit_ticks == 2000)
		outb(0x21, 0xff); /* mask IRQ 0: the storm ends */
	outb(0x20, 0x20);	  /* non-specific EOI */
}

static void pic_init(void)
{
	outb(0x20, 0x11); /* ICW1: edge, cascade, ICW4 */
	outb(0x21, PIT_VEC);
	outb(0x21, 0x04);
	outb(0x21, 0x01); /* 8086 mode */
	outb(0xa0, 0x11);
	outb(0xa1, PIT_VEC + 8);
	outb(0xa1, 0x02);
	outb(0xa1, 0x01);
	outb(0xa1, 0xff);
}

static void pit_rate(u16 count)
{
	outb(0x43, 0x34); /* channel 0, lobyte/hibyte, mode 2 */
	outb(0x40, count & 0xff);
	outb(0x40, count >> 8);
}

static void pit_storm(void)
{
	u64 t0;

	irq_set_handler(PIT_VEC, on_pit);
	pic_init();
	pit_rate(1);
	outb(0x21, 0xfe); /* only IRQ 0 */
	asm volatile("sti");
	while (pit_ticks < 2000)
		asm volatile("pause" ::: "memory");
	asm volatile("cli");
	report(pit_ticks == 2000, "pit-storm: %u ticks at count 1", pit_ticks);
	/* Count 0 is 65536 (about 55 ms): a few ticks, not a storm. */
	pit_ticks = 0;
	pit_rate(0);
	outb(0x21, 0xfe);
	t0 = rdtsc();
	asm volatile("sti");
	while (pit_ticks < 3)
		asm volatile("pause" ::: "memory");
	asm volatile("cli");
	outb(0x21, 0xff);
	report(pit_ticks == 3,
	       "pit-storm: 3 ticks at count 0 took %lu TSC "
	       "ticks",
	       rdtsc() - t0);
}

/* --- Prefixes before an intercepted instruction: the guest must resume
 * after the whole instruction, not inside it (where, on SVM without NRIP
 * save, only the opcode's length is known). Each runs its instruction
 * once: braid's exit counters must say so. */

static u64 exits_of(unsigned reason)
{
	static struct braid_stats st;

	hypercall(HC_STATS, (u64)&st, sizeof(st), 0);
	return st.exits[reason];
}

static void prefixed(void)
{
	u64 before, marker = 0;
	u32 a, b, c, d;

	before = exits_of(EXIT_CPUID);
	asm volatile(
		".byte 0x2e, 0x66, 0x48, 0x0f, 0xa2\n\t" /* cs o16 rex.w cpuid */
		"mov $0x5a5a, %%esi"
		: "=a"(a), "=b"(b), "=c"(c), "=d"(d), "=S"(marker)
		: "a"(0), "c"(0));
	report(exits_of(EXIT_CPUID) - before == 1 && marker == 0x5a5a,
	       "prefixed: cs o16 rex.w CPUID ran once (%lu exits)",
	       exits_of(EXIT_CPUID) - before);
	before = exits_of(EXIT_MSR);
	marker = 0;
	asm volatile(
		".byte 0x3e, 0x3e, 0x3e, 0x0f, 0x32\n\t" /* ds ds ds rdmsr */
		"mov $0xa5a5, %%esi"
		: "=a"(a), "=d"(d), "=S"(marker)
		: "c"(0xc0000080));
	report(exits_of(EXIT_MSR) - before == 1 && marker == 0xa5a5 &&
		       (a & BIT(8)),
	       "prefixed: ds ds ds RDMSR EFER ran once (%lu exits, EFER "
	       "%#x)",
	       exits_of(EXIT_MSR) - before, a);
}

/* --- Segment bases outside 64-bit mode: a store from compatibility mode
 * through a data segment based at the local APIC. */

#define SEL_APICDATA 0x40 /* slot 8 of the attack's own GDT */
#define SEL_PTDATA   0x48 /* slot 9 */

static u64 seg_gdt[GDT_ENTRIES + 2] __attribute__((aligned(16)));

/* A 32-bit data descriptor (SDM Vol. 3A 3.4.5): base, byte limit,
 * present, DPL 0, read/write, accessed, D/B = 1. */
static u64 data_desc32(u32 base, u32 limit)
{
	return (limit & 0xffff) | ((u64)(base & 0xffffff) << 16) |
	       (0x93UL << 40) | ((u64)(limit >> 16 & 0xf) << 48) |
	       (0x4UL << 52) | ((u64)(base >> 24) << 56);
}

/* Entered from 64-bit mode by LRETQ to SEL_KCODE32: store EDX at
 * DS:EDI with DS = SI, then far-jump back through the pointer at EBX. */
asm(".pushsection .text\n"
    ".code32\n"
    "compat_store:\n"
    "	mov %si, %ds\n"
    "	movl %edx, (%edi)\n"
    "	mov $0x10, %si\n"
    "	mov %si, %ds\n"
    "	ljmp *(%ebx)\n"
    ".code64\n"
    ".popsection\n");

static void store_from_compat(u16 sel, u32 off, u32 val)
{
	static struct {
		u32 offset;
		u16 sel;
	} __attribute__((packed)) back = { 0, SEL_KCODE };
	u64 rsi = sel, rdi = off, rdx = val, rbx = (u64)&back;

	/* Compatibility mode leaves the upper halves of the registers it
	 * used undefined (SDM Vol. 1 3.4.1.1): all are outputs. */
	asm volatile("lea 1f(%%rip), %%rax\n\t"
		     "movl %%eax, (%%rbx)\n\t"
		     "pushq $0x18\n\t"
		     "lea compat_store(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:"
		     : "+S"(rsi), "+D"(rdi), "+d"(rdx), "+b"(rbx)
		     :
		     : "rax", "memory");
}

static void seg_compat(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) old, now;
	pte_t *pt = page_alloc();
	u64 *a = page_alloc(), *b = page_alloc(), va = CROSS_VA + 6 * MiB;
	u32 tpr;

	/* @pt maps @a at @va; the guest RAM it sits in is identity-mapped
	 * below 4 GiB, where compatibility mode can reach it. */
	pt[0] = (u64)a | PTE_P | PTE_W;
	*vm_entry(vm_current(), va, PG_2M, true) = (u64)pt | PTE_P | PTE_W;
	write_cr3(read_cr3());
	a[0] = 0xa;
	b[0] = 0xb;
	report(*(volatile u64 *)va == 0xa, "seg-compat: the table maps page a");
	asm volatile("sgdt %0" : "=m"(old));
	for (unsigned i = 0; i < GDT_ENTRIES; i++)
		seg_gdt[i] = ((u64 *)old.base)[i];
	seg_gdt[SEL_APICDATA / 8] = data_desc32(LAPIC_BASE, 0xfff);
	seg_gdt[SEL_PTDATA / 8] = data_desc32((u32)(u64)pt - 0x100, 0xfff);
	now.limit = sizeof(seg_gdt) - 1;
	now.base = (u64)seg_gdt;
	asm volatile("lgdt %0" : : "m"(now));
	vm_map(vm_current(), LAPIC_BASE, LAPIC_BASE, PG_4K,
	       PTE_P | PTE_W | PTE_PCD | PTE_PWT);
	store_from_compat(SEL_APICDATA, 0x80, 0x40); /* TPR */
	tpr = *(volatile u32 *)(LAPIC_BASE + 0x80);
	*(volatile u32 *)(LAPIC_BASE + 0x80) = 0;
	/* The table's entry 0 is at offset 0x100 of the second segment. */
	store_from_compat(SEL_PTDATA, 0x100, (u32)(u64)b | PTE_P | PTE_W);
	asm volatile("lgdt %0" : : "m"(old));
	invlpg(va);
	report(tpr == 0x40,
	       "seg-compat: a store through DS based at the APIC set its TPR "
	       "to %#x (want 0x40)",
	       tpr);
	report(*(volatile u64 *)va == 0xb,
	       "seg-compat: a store through DS based below a page table "
	       "remapped its entry (PTE %#lx)",
	       pt[0]);
}

/* --- Back to real mode: from compatibility mode, paging off (leaving
 * IA-32e mode), then CR0.PE off; still in the 32-bit code segment (its
 * descriptor stays cached), it ends itself with HC_EXIT(0). */

asm(".pushsection .text\n"
    ".code32\n"
    "compat_to_real:\n"
    "	mov %cr0, %eax\n"
    "	and $0x7fffffff, %eax\n" /* PG off: IA-32e mode ends */
    "	mov %eax, %cr0\n"
    "	and $0xfffffffe, %eax\n" /* PE off: real mode */
    "	mov %eax, %cr0\n"
    "	mov $2, %eax\n" /* HC_EXIT */
    "	xor %ebx, %ebx\n"
    "	test %esi, %esi\n"
    "	jz 1f\n"
    "	vmmcall\n"
    "1:	vmcall\n"
    "	hlt\n"
    ".code64\n"
    ".popsection\n");

static void real_mode(void)
{
	u64 svm = braid_vendor() == BRAID_VENDOR_SVM;

	printf("real-mode: leaving long mode for real mode\n");
	asm volatile("cli\n\t"
		     "pushq $0x18\n\t"
		     "lea compat_to_real(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq"
		     :
		     : "S"(svm)
		     : "rax", "memory");
}

/* --- MSRs the CPU model has whatever CPUID says: AMD's legacy counter
 * MSRs on AMD (kept, counting nothing), #GP on Intel; MISC_ENABLE keeps
 * what is written. */

static void msr_kept(void)
{
	bool amd = cpuid(0, 0).ebx == 0x68747541;
	unsigned ok = 0;
	struct fault f;

	for (u32 i = 0; i < 8; i++) {
		u64 val = 0x0000123456789000UL + i, want = val;

		msr_index = 0xc0010000 + i;
		msr_value = val;
		if (catch_fault(do_wrmsr, NULL, &f))
			ok += !amd && f.vector == X86_GP;
		else
			ok += amd && rdmsr(msr_index) == want;
		if (amd)
			wrmsr(msr_index, 0);
	}
	report(ok == 8,
	       "msr-kept: %s: %u of 8 counter MSRs as the CPU has them",
	       amd ? "AMD" : "Intel", ok);
	if (!amd) {
		u64 misc = rdmsr(0x1a0);

		wrmsr(0x1a0, misc | 1); /* fast strings */
		report(rdmsr(0x1a0) == (misc | 1),
		       "msr-kept: MISC_ENABLE keeps what is written");
		wrmsr(0x1a0, misc);
	}
}

/* --- RF in the RFLAGS image of a fault: set for every fault class
 * exception (SDM Vol. 3A 18.3.1.1), whether the CPU raised it or braid
 * injected it after an exit. */

static void do_ud2(void *a)
{
	(void)a;
	asm volatile("ud2");
}

static void do_bad_ds(void *a)
{
	(void)a;
	asm volatile("mov %0, %%ds" : : "r"(0xfff8) : "memory");
}

static void do_pf(void *a)
{
	(void)a;
	(void)*(volatile u64 *)(4 * GiB);
}

/* @fn's fault, printed with the RF bit of its RFLAGS image; @want_rf:
 * -1 to print only (the CPU raised it: the emulator underneath decides,
 * and QEMU's TCG never sets RF), else the RF it must have. */
static void rf_check(const char *what, void (*fn)(void *), int want_rf)
{
	struct fault f;
	unsigned rf;

	catch_fault(fn, NULL, &f);
	rf = (f.rflags >> 16) & 1;
	if (want_rf < 0)
		printf("rf-faults: %s: %s, RF %u\n", what,
		       f.vector < 0 ? "no fault" : exception_name(f.vector),
		       rf);
	else
		report(f.vector >= 0 && rf == (unsigned)want_rf,
		       "rf-faults: %s: %s, RF %u (want %d)", what,
		       f.vector < 0 ? "no fault" : exception_name(f.vector), rf,
		       want_rf);
}

/* Faults braid raises after an exit must look like the CPU's own. */
static void rf_faults(void)
{
	rf_check("UD2", do_ud2, -1);
	rf_check("MOV DS, bad selector", do_bad_ds, -1);
	rf_check("load from unmapped 4 GiB", do_pf, -1);
	asm volatile("mov $0x10, %%ax; mov %%ax, %%ds" ::: "rax");
	rf_check("RDMSR of no MSR (#GP from braid)", rdmsr_bad, 1);
	rf_check("RDPMC (#GP from braid)", do_rdpmc, 1);
	/* On a CPU without MONITOR (QEMU's qemu64) the #UD is the CPU's. */
	rf_check("MONITOR", do_monitor, -1);
	rf_check("WRMSR EFER.LME off with paging (#GP from braid)",
		 efer_clear_lme, 1);
}

/* --- Resetting the machine: by the chipset's 0xCF9 (run with
 * on_reset=restart: the second boot finds the mark it left in CMOS RAM,
 * which a reset keeps) and by the 8042 (braid stops it: "reset"). */

#define CMOS_MARK_REG 0x40
#define CMOS_MARK     0x5a

static u8 cmos_read(u8 reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static void cmos_write(u8 reg, u8 val)
{
	outb(0x70, reg);
	outb(0x71, val);
}

static void reset_cf9(void)
{
	if (cmos_read(CMOS_MARK_REG) == CMOS_MARK) {
		cmos_write(CMOS_MARK_REG, 0);
		report(true, "reset-cf9: started again after the reset, CMOS "
			     "RAM kept");
		return;
	}
	cmos_write(CMOS_MARK_REG, CMOS_MARK);
	printf("reset-cf9: resetting through port 0xCF9\n");
	outb(0xcf9, 0x02); /* SYS_RST alone: no reset yet */
	report(inb(0xcf9) == 0x02, "reset-cf9: RST_CNT reads back 0x02");
	outb(0xcf9, 0x06); /* RST_CPU */
	report(false, "reset-cf9: still running after the reset");
}

static void reset_kbd(void)
{
	printf("reset-kbd: pulsing the reset line through the 8042\n");
	outb(0x64, 0xfe);
	report(false, "reset-kbd: still running after the reset");
}

/* --- Single-stepping over instructions braid carries out for the guest
 * (CPUID, RDMSR, OUT, a store to a page table under shadow paging): the
 * #DB trap must follow each, at the next instruction, with DR6.BS. */

extern char step_cpuid_next[], step_rdmsr_next[], step_out_next[];
extern char step_store_next[];

static void step_cpuid(void *a)
{
	u32 eax = 0, ecx = 0;

	(void)a;
	asm volatile("pushfq; orq $0x100, (%%rsp); popfq\n\t"
		     "cpuid\n"
		     "step_cpuid_next: nop"
		     : "+a"(eax), "+c"(ecx)
		     :
		     : "rbx", "rdx", "memory", "cc");
}

static void step_rdmsr(void *a)
{
	(void)a;
	asm volatile("pushfq; orq $0x100, (%%rsp); popfq\n\t"
		     "rdmsr\n"
		     "step_rdmsr_next: nop"
		     :
		     : "c"(0xc0000080)
		     : "rax", "rdx", "memory", "cc");
}

static void step_out(void *a)
{
	(void)a;
	asm volatile("pushfq; orq $0x100, (%%rsp); popfq\n\t"
		     "outb %%al, $0x80\n"
		     "step_out_next: nop"
		     :
		     : "a"(0)
		     : "memory", "cc");
}

static void step_store(void *a)
{
	asm volatile("pushfq; orq $0x100, (%%rsp); popfq\n\t"
		     "movq %1, (%0)\n"
		     "step_store_next: nop"
		     :
		     : "r"(a), "r"(*(u64 *)a)
		     : "memory", "cc");
}

static void expect_step(const char *what, void (*fn)(void *), void *arg,
			const char *next)
{
	struct fault f;
	u64 dr6;

	asm volatile("mov %0, %%db6" : : "r"(0xffff0ff0UL));
	catch_fault(fn, arg, &f);
	asm volatile("mov %%db6, %0" : "=r"(dr6));
	report(f.vector == 1 && f.rip == (u64)next && (dr6 & BIT(14)),
	       "step-emulated: %s: %s at %#lx, DR6 %#lx (want #DB at %#lx, "
	       "BS)",
	       what, f.vector < 0 ? "no fault" : exception_name(f.vector),
	       f.rip, dr6, (u64)next);
}

static void step_emulated(void)
{
	pte_t *pt = page_alloc();
	u64 va = CROSS_VA + 8 * MiB;

	expect_step("CPUID", step_cpuid, NULL, step_cpuid_next);
	expect_step("RDMSR", step_rdmsr, NULL, step_rdmsr_next);
	expect_step("OUT", step_out, NULL, step_out_next);
	/* A page table in use (so shadowed), rewritten with its own value. */
	pt[0] = (u64)page_alloc() | PTE_P | PTE_W;
	*vm_entry(vm_current(), va, PG_2M, true) = (u64)pt | PTE_P | PTE_W;
	write_cr3(read_cr3());
	(void)*(volatile u64 *)va;
	expect_step("store to a page table", step_store, pt, step_store_next);
}

static const struct attack {
	const char *name;
	void (*run)(void);
} attacks[] = {
	{ "selfmap", selfmap },
	{ "spin-cli", spin_cli },
	{ "halt-masked", halt_masked },
	{ "int-twice", int_twice },
	{ "idt-gone", idt_gone },
	{ "pf-storm", pf_storm },
	{ "pt-fanout", pt_fanout },
	{ "insns", insns },
	{ "msr-flood", msr_flood },
	{ "spoof", spoof },
	{ "efer-lme", efer_lme },
	{ "cr3-rsvd", cr3_rsvd },
	{ "apic-storm", apic_storm },
	{ "hc-bad", hc_bad },
	{ "cr-bits", cr_bits },
	{ "msr-rsvd", msr_rsvd },
	{ "dr-xcr", dr_xcr },
	{ "vm-insns", vm_insns },
	{ "pt-outside", pt_outside },
	{ "outside-stop", pt_outside },
	{ "loops", loops },
	{ "cr3-many", cr3_many },
	{ "df-guard", df_guard },
	{ "pt-cross", pt_cross },
	{ "seg-store", seg_store },
	{ "hc-flood", hc_flood },
	{ "pit-storm", pit_storm },
	{ "prefixed", prefixed },
	{ "seg-compat", seg_compat },
	{ "real-mode", real_mode },
	{ "msr-kept", msr_kept },
	{ "rf-faults", rf_faults },
	{ "reset-cf9", reset_cf9 },
	{ "reset-kbd", reset_kbd },
	{ "step-emulated", step_emulated },
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
