// SPDX-License-Identifier: MIT
/*
 * diffcpu: a differential conformance guest. It does not judge what it
 * sees: it prints it, one deterministic "D: " line per observation, and the
 * integration suite (tests/integration/differential.sh) compares the lines
 * of a run under braid, in each paging mode, with those of a run of the
 * same emulator without braid. The bare CPU is the oracle; the few lines
 * that must differ by design are listed, each with its reason, in
 * tests/integration/differences.
 *
 * Sections (all by default; name some on the command line to run those):
 *   cpuid     leaves a guest kernel reads, and OSXSAVE following CR4
 *   msr       RDMSR/WRMSR of architectural and model MSRs: #GP or value
 *   cr        every CR0/CR4/EFER bit toggled, XCR0 values, CR8
 *   exc       exceptions: vector, error code, RF, where RIP points
 *   debug     single step over exiting instructions, DR0-3 breakpoints,
 *             DR7.GD, ICEBP, a watchpoint on a store braid emulates
 *   tsc       WRMSR to the TSC, TSC_ADJUST, RDTSCP, CR4.TSD
 *   apic      the local APIC as handed over, self-IPI, NMI (also around
 *             an IRET that faults in its handler) and INIT/SIPI
 *             IPIs, global disable and enable
 *   platform  PIT, 8259 and RTC as firmware leaves them; IRQ0 wakes HLT
 *   io        INS/OUTS with REP, DF, a 32-bit address size and a fault
 *   memory    guest-physical space where nothing is (reads, writes), and
 *             one page fault taken 5000 times at the same RIP
 *   stack     an interrupt pushed onto a page that was a page table
 *   pcid      CR4.PCIDE's rules, CR3 with a PCID and its no-flush bit,
 *             two address spaces switched by PCID without a flush;
 *             INVPCID's four types and its faults
 *   mode      down to 16-bit protected mode and real mode, and back
 *
 * Every line must be the same on every run of one emulator: no addresses
 * of the image, no times, only values and offsets.
 */
#include "rt.h"
#include "lapic.h"

#define D(...) printf("D: " __VA_ARGS__)

#define LAPIC	  LAPIC_BASE
#define RFLAGS_TF BIT(8)
#define RFLAGS_RF BIT(16)
#define RFLAGS_AC BIT(18)
#define DR6_BS	  BIT(14)
#define DR6_INIT  0xffff0ff0UL

/* --- Probes: one instruction run under catch_fault() --- */

static u32 p_msr;
static u64 p_val;
static u64 p_cr;

static void do_rdmsr(void *a)
{
	(void)a;
	p_val = rdmsr(p_msr);
}

static void do_wrmsr(void *a)
{
	(void)a;
	wrmsr(p_msr, p_val);
}

static void do_cr0(void *a)
{
	(void)a;
	write_cr0(p_cr);
}

static void do_cr4(void *a)
{
	(void)a;
	write_cr4(p_cr);
}

static void do_xsetbv(void *a)
{
	(void)a;
	asm volatile("xsetbv"
		     :
		     : "c"(0), "a"((u32)p_val), "d"((u32)(p_val >> 32))
		     : "memory");
}

static void do_xgetbv1(void *a)
{
	u32 lo, hi;

	(void)a;
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(1));
	p_val = lo | (u64)hi << 32;
}

/* "#GP", "#UD" ... or "ok" for a probe that did not fault. */
static const char *outcome(bool faulted, const struct fault *f)
{
	static const char *const names[32] = {
		[0] = "#DE",  [1] = "#DB",  [2] = "NMI",  [3] = "#BP",
		[6] = "#UD",  [8] = "#DF",  [11] = "#NP", [12] = "#SS",
		[13] = "#GP", [14] = "#PF", [17] = "#AC",
	};

	if (!faulted)
		return "ok";
	static char other[16];

	if (f->vector >= 0 && f->vector < 32 && names[f->vector])
		return names[f->vector];
	snprintf(other, sizeof(other), "vector %d", f->vector);
	return other;
}

static bool msr_read(u32 msr, u64 *v)
{
	struct fault f;

	p_msr = msr;
	if (catch_fault(do_rdmsr, NULL, &f))
		return false;
	*v = p_val;
	return true;
}

static bool msr_write(u32 msr, u64 v)
{
	struct fault f;

	p_msr = msr;
	p_val = v;
	return !catch_fault(do_wrmsr, NULL, &f);
}

/* --- cpuid --- */

static void section_cpuid(void)
{
	static const u32 leaves[][2] = {
		{ 0, 0 },	   { 1, 0 },	      { 7, 0 },
		{ 0xd, 0 },	   { 0xd, 1 },	      { 0x80000000, 0 },
		{ 0x80000001, 0 }, { 0x80000007, 0 }, { 0x80000008, 0 },
	};
	struct cpuid_regs r;

	for (unsigned i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		r = cpuid(leaves[i][0], leaves[i][1]);
		D("cpuid %#x.%u: %08x %08x %08x %08x\n", leaves[i][0],
		  leaves[i][1], r.eax, r.ebx, r.ecx, r.edx);
	}
	/* CPUID.1:ECX.OSXSAVE[27] mirrors CR4.OSXSAVE (SDM Vol. 2A CPUID). */
	if (cpuid(1, 0).ecx & BIT(26)) {
		write_cr4(read_cr4() | BIT(18));
		D("cpuid 1 OSXSAVE with CR4.OSXSAVE set: %u\n",
		  (cpuid(1, 0).ecx >> 27) & 1);
		write_cr4(read_cr4() & ~BIT(18));
		D("cpuid 1 OSXSAVE with CR4.OSXSAVE clear: %u\n",
		  (cpuid(1, 0).ecx >> 27) & 1);
	}
}

/* --- msr --- */

/* MSRs read by the section; @value: print what it reads (not for
 * counters that move). */
static const struct {
	u32 msr;
	bool value;
} msrs[] = {
	{ 0x0, true },	      { 0x1, true },	    { 0x10, false },
	{ 0x17, true },	      { 0x1b, true },	    { 0x2a, true },
	{ 0x3a, true },	      { 0x3b, true },	    { 0x48, true },
	{ 0x8b, true },	      { 0xc1, true },	    { 0xe7, false },
	{ 0xe8, false },      { 0xfe, true },	    { 0x10a, true },
	{ 0x174, true },      { 0x175, true },	    { 0x176, true },
	{ 0x179, true },      { 0x17a, true },	    { 0x186, true },
	{ 0x1a0, true },      { 0x1d9, true },	    { 0x200, true },
	{ 0x201, true },      { 0x250, true },	    { 0x258, true },
	{ 0x268, true },      { 0x277, true },	    { 0x2ff, true },
	{ 0x345, true },      { 0x38f, true },	    { 0x400, true },
	{ 0x401, true },      { 0x402, true },	    { 0x403, true },
	{ 0x480, true },      { 0x6e0, true },	    { 0xda0, true },
	{ 0xc0000080, true }, { 0xc0000081, true }, { 0xc0000082, true },
	{ 0xc0000083, true }, { 0xc0000084, true }, { 0xc0000100, true },
	{ 0xc0000101, true }, { 0xc0000102, true }, { 0xc0000103, true },
	{ 0xc0010000, true }, { 0xc0010001, true }, { 0xc0010002, true },
	{ 0xc0010003, true }, { 0xc0010004, true }, { 0xc0010005, true },
	{ 0xc0010006, true }, { 0xc0010007, true }, { 0xc0010010, true },
	{ 0xc0010015, true }, { 0xc001001f, true }, { 0xc0010114, true },
	{ 0xc0010117, true }, { 0xc0010140, true }, { 0x40000000, true },
	{ 0x4b564d00, true }, { 0xdeadbeef, true },
};

/* WRMSR probes: the value written; the old value is put back after. */
static const struct {
	u32 msr;
	u64 val;
} msr_writes[] = {
	{ 0x277, 0x0007010600070106UL }, /* PAT */
	{ 0x277, 0x0007040600070402UL }, /* PAT type 2: reserved */
	{ 0x2ff, 0xc06 },		 /* MTRRdefType */
	{ 0x2ff, 0x1000 },		 /* reserved bit */
	{ 0x174, 0x10 },		 /* SYSENTER_CS */
	{ 0x175, 0xffff800000001000UL },
	{ 0x176, 0x12345678 },
	{ 0xc0000081, 0x0023001000000000UL }, /* STAR */
	{ 0xc0000082, 0xffff800000002000UL }, /* LSTAR */
	{ 0xc0000082, 0x8000000000000000UL }, /* non-canonical */
	{ 0xc0000083, 0xffff800000003000UL }, /* CSTAR */
	{ 0xc0000084, 0x47700 },	      /* SFMASK */
	{ 0xc0000102, 0x1234000 },	      /* KERNEL_GS_BASE */
	{ 0xc0000103, 0x55 },		      /* TSC_AUX */
	{ 0x1d9, 0 },			      /* DEBUGCTL */
	{ 0x1d9, 0x8000 },		      /* reserved bit */
	{ 0x17a, 0 },			      /* MCG_STATUS */
	{ 0x400, ~0UL },		      /* MC0_CTL */
	{ 0x401, 0 },			      /* MC0_STATUS */
	{ 0x6e0, 0 },			      /* TSC_DEADLINE */
	{ 0x1b, 0xfee00900 },		      /* APIC_BASE as it is */
	{ 0x1b, 0xfee00b00 },		      /* reserved bit 9 */
	{ 0xc0010000, 0x430076 },	      /* PerfEvtSel0 */
	{ 0xc0010004, 0x1234 },		      /* PerfCtr0 */
	{ 0xc0000080, 0xd01 | BIT(2) },	      /* EFER reserved bit */
	{ 0x3a, 0 },			      /* FEATURE_CONTROL */
	{ 0xc0010114, 0 },		      /* VM_CR */
};

static void section_msr(void)
{
	u64 v, old, back;
	bool ok;

	for (unsigned i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++) {
		if (!msr_read(msrs[i].msr, &v))
			D("rdmsr %#x: #GP\n", msrs[i].msr);
		else if (msrs[i].value)
			D("rdmsr %#x: %#lx\n", msrs[i].msr, v);
		else
			D("rdmsr %#x: ok\n", msrs[i].msr);
	}
	for (unsigned i = 0; i < sizeof(msr_writes) / sizeof(msr_writes[0]);
	     i++) {
		u32 msr = msr_writes[i].msr;

		if (!msr_read(msr, &old)) {
			ok = msr_write(msr, msr_writes[i].val);
			D("wrmsr %#x=%#lx: %s (no RDMSR)\n", msr,
			  msr_writes[i].val, ok ? "ok" : "#GP");
			continue;
		}
		ok = msr_write(msr, msr_writes[i].val);
		back = 0;
		if (ok)
			msr_read(msr, &back);
		msr_write(msr, old);
		if (ok)
			D("wrmsr %#x=%#lx: ok, reads %#lx\n", msr,
			  msr_writes[i].val, back);
		else
			D("wrmsr %#x=%#lx: #GP\n", msr, msr_writes[i].val);
	}
}

/* --- cr --- */

static void cr_toggle(const char *name, void (*fn)(void *), u64 (*rd)(void),
		      unsigned bit)
{
	u64 old = rd(), now;
	struct fault f, restore;
	bool faulted;

	p_cr = old ^ BIT(bit);
	faulted = catch_fault(fn, NULL, &f);
	now = rd();
	p_cr = old;
	catch_fault(fn, NULL, &restore);
	if (faulted)
		D("%s bit %u toggled: %s\n", name, bit, outcome(true, &f));
	else
		D("%s bit %u toggled: ok, reads %#lx\n", name, bit, now ^ old);
}

static u64 efer_read(void)
{
	return rdmsr(MSR_EFER);
}

static void do_efer(void *a)
{
	(void)a;
	wrmsr(MSR_EFER, p_cr);
}

static void xcr0_probe(u64 val)
{
	struct fault f;
	u32 lo, hi;

	p_val = val;
	if (catch_fault(do_xsetbv, NULL, &f)) {
		D("xsetbv %#lx: %s\n", val, outcome(true, &f));
		return;
	}
	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	D("xsetbv %#lx: ok, reads %#lx\n", val, lo | (u64)hi << 32);
}

static u64 user_xsetbv(u64 a)
{
	(void)a;
	asm volatile("xsetbv" : : "c"(0), "a"(1), "d"(0) : "memory");
	return 0;
}

static void do_user_xsetbv(void *a)
{
	(void)a;
	user_call(user_xsetbv, 0);
}

static void section_xcr0(void)
{
	struct fault f;

	if (!(cpuid(1, 0).ecx & BIT(26))) {
		D("xsave: absent\n");
		return;
	}
	write_cr4(read_cr4() | BIT(18));
	xcr0_probe(1);
	xcr0_probe(3);
	xcr0_probe(7);
	xcr0_probe(2);
	xcr0_probe(0);
	xcr0_probe(1UL << 62);
	D("xgetbv 1: %s\n", outcome(catch_fault(do_xgetbv1, NULL, &f), &f));
	D("xsetbv at CPL 3: %s\n",
	  outcome(catch_fault(do_user_xsetbv, NULL, &f), &f));
	p_val = 1; /* back to x87 only, quietly */
	catch_fault(do_xsetbv, NULL, &f);
	write_cr4(read_cr4() & ~BIT(18));
	D("xsetbv with CR4.OSXSAVE clear: %s\n",
	  outcome(catch_fault(do_xsetbv, NULL, &f), &f));
}

/* The CPUID bit of a CR4 or EFER feature: leaf, register (0-3 for EAX to
 * EDX) and bit; leaf 0 where the bit has no CPUID bit (always there). */
struct feature {
	unsigned bit;
	u32 leaf, reg, cpuid_bit;
};

static const struct feature cr4_features[] = {
	{ 0, 1, 3, 1 },	 { 1, 1, 3, 1 },   { 2, 1, 3, 4 },   { 3, 1, 3, 2 },
	{ 4, 1, 3, 3 },	 { 6, 1, 3, 7 },   { 7, 1, 3, 13 },  { 8, 0, 0, 0 },
	{ 9, 1, 3, 24 }, { 10, 1, 3, 25 }, { 11, 7, 2, 2 },  { 13, 1, 2, 5 },
	{ 14, 1, 2, 6 }, { 16, 7, 1, 0 },  { 17, 1, 2, 17 }, { 18, 1, 2, 26 },
	{ 22, 7, 2, 3 }, { 23, 7, 2, 7 },  { 24, 7, 2, 31 },
};

static const struct feature efer_features[] = {
	{ 0, 0x80000001, 3, 11 },  { 11, 0x80000001, 3, 20 },
	{ 12, 0x80000001, 2, 2 },  { 14, 0x80000001, 3, 25 },
	{ 15, 0x80000001, 2, 17 },
};

static bool has_feature(const struct feature *f)
{
	struct cpuid_regs r;
	u32 regs[4];

	if (!f->leaf)
		return true;
	r = cpuid(f->leaf, 0);
	regs[0] = r.eax, regs[1] = r.ebx, regs[2] = r.ecx, regs[3] = r.edx;
	return (regs[f->reg] >> f->cpuid_bit) & 1;
}

/*
 * Only the bits of features CPUID reports are toggled: QEMU's TCG hangs
 * or loses long mode on reserved and absent ones (the adversarial suite
 * checks braid's #GP for those, and for PG, PE, PAE, LA57, LME and LMA).
 * SMEP and SMAP are not in the list: the runtime's kernel runs from user
 * pages, so setting either would end it.
 */
static void toggle_features(const char *name, void (*fn)(void *),
			    u64 (*rd)(void), const struct feature *f,
			    unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (has_feature(&f[i]))
			cr_toggle(name, fn, rd, f[i].bit);
		else
			D("%s bit %u: not in CPUID\n", name, f[i].bit);
	}
}

static void section_cr(void)
{
	static const unsigned cr0_bits[] = { 1, 2, 3, 5, 16, 18, 29, 30 };
	u64 cr8;

	for (unsigned i = 0; i < sizeof(cr0_bits) / sizeof(cr0_bits[0]); i++)
		cr_toggle("cr0", do_cr0, read_cr0, cr0_bits[i]);
	toggle_features("cr4", do_cr4, read_cr4, cr4_features,
			sizeof(cr4_features) / sizeof(cr4_features[0]));
	toggle_features("efer", do_efer, efer_read, efer_features,
			sizeof(efer_features) / sizeof(efer_features[0]));
	section_xcr0();
	asm volatile("mov %0, %%cr8" : : "r"(5UL));
	asm volatile("mov %%cr8, %0" : "=r"(cr8));
	D("cr8 after writing 5: %lu\n", cr8);
	asm volatile("mov %0, %%cr8" : : "r"(0UL));
}

/* --- exc --- */

static void ex_de(void *a)
{
	(void)a;
	asm volatile("xor %%ecx, %%ecx; div %%ecx" ::: "rax", "rcx", "rdx");
}

static void ex_ud(void *a)
{
	(void)a;
	asm volatile("ud2");
}

static void ex_bp(void *a)
{
	(void)a;
	asm volatile("int3");
}

static void ex_into(void *a)
{
	(void)a;
	asm volatile(".byte 0xce"); /* INTO: #UD in 64-bit mode */
}

static void ex_gp_noncanon(void *a)
{
	(void)a;
	(void)*(volatile u64 *)0x8000000000000000UL;
}

static void ex_ss_noncanon(void *a)
{
	(void)a;
	asm volatile("push %%rbp; mov %0, %%rbp; mov (%%rbp), %%rax; pop %%rbp"
		     :
		     : "r"(0x8000000000000000UL)
		     : "rax", "memory");
}

static void ex_np(void *a)
{
	(void)a;
	asm volatile("mov %0, %%ds" : : "r"(0xfff8) : "memory");
}

static void ex_rdmsr(void *a)
{
	(void)a;
	(void)rdmsr(0xdeadbeef);
}

static void ex_pf(void *a)
{
	(void)a;
	(void)*(volatile u64 *)(64UL << 40);
}

static u64 user_int3(u64 a)
{
	(void)a;
	asm volatile("int3");
	return 0;
}

static u64 user_int_n(u64 a)
{
	(void)a;
	asm volatile("int $0x41");
	return 0;
}

static u64 user_cli(u64 a)
{
	(void)a;
	asm volatile("cli");
	return 0;
}

static u64 user_ac(u64 a)
{
	/* RFLAGS.AC with CR0.AM: a misaligned load at CPL 3 (SDM 6.15,
	 * interrupt 17). */
	asm volatile("pushfq; orq %1, (%%rsp); popfq\n\t"
		     "movl 1(%0), %%eax\n\t"
		     "pushfq; andq %2, (%%rsp); popfq"
		     :
		     : "r"(a), "i"(RFLAGS_AC), "i"(~RFLAGS_AC)
		     : "rax", "memory", "cc");
	return 0;
}

static u64 ac_word[2];

static void ex_user(void *fn)
{
	user_call((u64(*)(u64))fn, (u64)ac_word);
}

/* One exception: its vector, error code, RF in the pushed RFLAGS and the
 * CPL it came from. */
static void exc_line(const char *what, void (*fn)(void *), void *arg)
{
	struct fault f;

	if (!catch_fault(fn, arg, &f)) {
		D("exc %s: none\n", what);
		return;
	}
	D("exc %s: %s err %#lx rf %lu cpl %lu\n", what, outcome(true, &f),
	  f.error_code, (f.rflags >> 16) & 1, f.cs & 3);
}

static volatile unsigned int41;

static void on_int41(struct trap_frame *tf)
{
	(void)tf;
	int41++;
}

/* --- memory: where there is no RAM and no device, a PC reads all ones
 * and drops writes; and a guest may fault on purpose as often as it
 * likes. */

#define NOTHING_PA 0xff000000UL /* no RAM, no device on either emulator */
#define NOTHING_VA 0x7000600000UL

static void section_memory(void)
{
	volatile u32 *p = (volatile u32 *)NOTHING_VA;
	unsigned faults = 0;
	struct fault f;
	u32 before;

	vm_map(vm_current(), NOTHING_VA, NOTHING_PA, PG_4K,
	       PTE_P | PTE_W | PTE_PCD | PTE_PWT);
	before = p[0];
	p[0] = 0x12345678;
	D("nothing at %#lx: reads %#x, after a write %#x\n", NOTHING_PA, before,
	  p[0]);
	for (unsigned i = 0; i < 5000; i++)
		faults += catch_fault(ex_pf, NULL, &f) && f.vector == X86_PF;
	D("the same page fault 5000 times: %u taken\n", faults);
}

static void section_exc(void)
{
	exc_line("div by 0", ex_de, NULL);
	exc_line("ud2", ex_ud, NULL);
	exc_line("int3", ex_bp, NULL);
	exc_line("into", ex_into, NULL);
	exc_line("non-canonical load", ex_gp_noncanon, NULL);
	exc_line("non-canonical stack load", ex_ss_noncanon, NULL);
	exc_line("mov ds, a selector beyond the GDT", ex_np, NULL);
	asm volatile("mov %0, %%ds" : : "r"(SEL_KDATA));
	exc_line("rdmsr of no MSR", ex_rdmsr, NULL);
	exc_line("load from an unmapped page", ex_pf, NULL);
	exc_line("int3 at CPL 3", ex_user, (void *)user_int3);
	exc_line("int 0x41 at CPL 3", ex_user, (void *)user_int_n);
	exc_line("cli at CPL 3", ex_user, (void *)user_cli);
	write_cr0(read_cr0() | BIT(18));
	exc_line("misaligned load at CPL 3, AM and AC", ex_user,
		 (void *)user_ac);
	write_cr0(read_cr0() & ~BIT(18));
	exc_line("misaligned load at CPL 3, AC only", ex_user, (void *)user_ac);
	irq_set_handler(0x41, on_int41);
	asm volatile("int $0x41");
	D("int 0x41 at CPL 0: handled %u\n", int41);
	irq_set_handler(0x41, NULL);
}

/* --- debug --- */

extern char st_nop_next[], st_cpuid_next[], st_rdmsr_next[], st_out_next[],
	st_in_next[], st_cr8_next[], st_wrmsr_next[], st_cr3_next[],
	st_invlpg_next[], st_store_next[], st_pause_next[], st_hlt_next[];

#define STEP_FN(name, insn, ...)                                           \
	static void name(void *a)                                          \
	{                                                                  \
		(void)a;                                                   \
		asm volatile("pushfq; orq $0x100, (%%rsp); popfq\n\t" insn \
			     "\n" #name "_next: nop" __VA_ARGS__);         \
	}

STEP_FN(st_nop, "nop", ::: "memory", "cc")
STEP_FN(st_cpuid, "cpuid", : : "a"(0), "c"(0) : "rbx", "rdx", "memory", "cc")
STEP_FN(st_rdmsr, "rdmsr", : : "c"(MSR_EFER) : "rax", "rdx", "memory", "cc")
STEP_FN(st_out, "outb %%al, $0x80", : : "a"(0) : "memory", "cc")
STEP_FN(st_in, "inb $0x21, %%al", : : : "rax", "memory", "cc")
STEP_FN(st_cr8, "mov %%rax, %%cr8", : : "a"(0) : "memory", "cc")
STEP_FN(st_wrmsr, "wrmsr", : : "c"(0xc0000084), "a"(0), "d"(0) : "memory", "cc")
STEP_FN(st_cr3, "mov %%cr3, %%rax; mov %%rax, %%cr3",
	:
	:
	: "rax", "memory", "cc")
STEP_FN(st_invlpg, "invlpg (%%rax)", : : "a"(0x200000) : "memory", "cc")
STEP_FN(st_pause, "pause", ::: "memory", "cc")

static u64 *store_at;

static void st_store(void *a)
{
	(void)a;
	asm volatile("pushfq; orq $0x100, (%%rsp); popfq\n\t"
		     "movq %1, (%0)\n"
		     "st_store_next: nop"
		     :
		     : "r"(store_at), "r"(*store_at)
		     : "memory", "cc");
}

static u64 dr6_read(void)
{
	u64 v;

	asm volatile("mov %%db6, %0" : "=r"(v));
	return v;
}

static void dr6_write(u64 v)
{
	asm volatile("mov %0, %%db6" : : "r"(v));
}

static void dr7_write(u64 v)
{
	asm volatile("mov %0, %%db7" : : "r"(v));
}

/* A single step: where the #DB trap points (0: right after the stepped
 * instruction, as it must) and DR6. */
static void step_line(const char *what, void (*fn)(void *), const char *next)
{
	struct fault f;
	u64 dr6;

	dr6_write(DR6_INIT);
	catch_fault(fn, NULL, &f);
	dr6 = dr6_read();
	if (f.vector < 0)
		D("step over %s: no #DB, dr6 %#lx\n", what, dr6);
	else
		D("step over %s: %s at next + %ld, dr6 %#lx\n", what,
		  outcome(true, &f), (long)(f.rip - (u64)next), dr6);
}

static volatile u64 watched;
extern char bp_exec[], watch_next[], icebp_next[], pt_watch_next[];

static void do_bp_exec(void *a)
{
	(void)a;
	asm volatile("bp_exec: nop" ::: "memory");
}

static void do_watch(void *a)
{
	asm volatile("movq $1, (%0)\n"
		     "watch_next: nop"
		     :
		     : "r"(a)
		     : "memory");
}

static void do_pt_watch(void *a)
{
	asm volatile("movq %1, (%0)\n"
		     "pt_watch_next: nop"
		     :
		     : "r"(a), "r"(*(u64 *)a)
		     : "memory");
}

static void do_icebp(void *a)
{
	(void)a;
	asm volatile(".byte 0xf1\n"
		     "icebp_next: nop" ::
			     : "memory");
}

static void do_gd(void *a)
{
	u64 v;

	(void)a;
	asm volatile("mov %1, %%db7; mov %%db0, %0"
		     : "=r"(v)
		     : "r"(0x400UL | BIT(13)));
}

static void bp_line(const char *what, void (*fn)(void *), void *arg,
		    const char *at)
{
	struct fault f;
	u64 dr6;

	dr6_write(DR6_INIT);
	catch_fault(fn, arg, &f);
	dr6 = dr6_read();
	dr7_write(0x400);
	if (f.vector < 0)
		D("%s: no #DB, dr6 %#lx\n", what, dr6);
	else
		D("%s: %s at mark + %ld rf %lu, dr6 %#lx\n", what,
		  outcome(true, &f), at ? (long)(f.rip - (u64)at) : 0L,
		  (f.rflags >> 16) & 1, dr6);
}

/* A page table in use (so braid shadows and write-protects it under
 * shadow and compound paging): one PTE of a fresh table mapping va. */
static u64 *live_pte(u64 va)
{
	pte_t *pt = page_alloc();

	pt[0] = (u64)page_alloc() | PTE_P | PTE_W;
	*vm_entry(vm_current(), va, PG_2M, true) = (u64)pt | PTE_P | PTE_W;
	write_cr3(read_cr3());
	(void)*(volatile u64 *)va;
	return pt;
}

static void section_debug(void)
{
	u64 dr7;

	asm volatile("mov %%db7, %0" : "=r"(dr7));
	D("dr7 at start: %#lx\n", dr7);
	dr6_write(0);
	D("dr6 after writing 0: %#lx\n", dr6_read());
	step_line("nop", st_nop, st_nop_next);
	step_line("cpuid", st_cpuid, st_cpuid_next);
	step_line("rdmsr", st_rdmsr, st_rdmsr_next);
	step_line("wrmsr", st_wrmsr, st_wrmsr_next);
	step_line("out", st_out, st_out_next);
	step_line("in", st_in, st_in_next);
	step_line("mov cr8", st_cr8, st_cr8_next);
	step_line("mov cr3 (two instructions)", st_cr3, st_cr3_next);
	step_line("invlpg", st_invlpg, st_invlpg_next);
	step_line("pause", st_pause, st_pause_next);
	store_at = live_pte(0x7000000000UL);
	step_line("a store to a page table", st_store, st_store_next);

	asm volatile("mov %0, %%db0" : : "r"((u64)bp_exec));
	dr7_write(0x401);
	bp_line("execute breakpoint", do_bp_exec, NULL, bp_exec);
	asm volatile("mov %0, %%db1" : : "r"((u64)&watched));
	dr7_write(0x400 | BIT(2) | (1UL << 20) | (3UL << 22));
	bp_line("write watchpoint", do_watch, (void *)&watched, watch_next);
	asm volatile("mov %0, %%db1" : : "r"((u64)store_at));
	dr7_write(0x400 | BIT(2) | (1UL << 20) | (2UL << 22));
	bp_line("write watchpoint on a page table", do_pt_watch, store_at,
		pt_watch_next);
	bp_line("icebp", do_icebp, NULL, icebp_next);
	bp_line("mov from dr0 with DR7.GD", do_gd, NULL, NULL);
	asm volatile("mov %%db7, %0" : "=r"(dr7));
	D("dr7 after the DR7.GD fault: %#lx\n", dr7);
	dr6_write(DR6_INIT);
}

/* --- tsc --- */

static u64 user_rdtsc(u64 a)
{
	(void)a;
	return rdtsc();
}

static void do_user_rdtsc(void *a)
{
	(void)a;
	user_call(user_rdtsc, 0);
}

static void section_tsc(void)
{
	const u64 t = 1UL << 40;
	bool adj = cpuid(7, 0).ebx & BIT(1);
	u64 a0 = 0, a1 = 0, now, later;
	struct fault f;
	bool ok;

	if (adj)
		msr_read(0x3b, &a0);
	ok = msr_write(0x10, t);
	now = rdtsc();
	later = rdtsc();
	D("wrmsr tsc=2^40: %s, reads within 2^32 after: %u, then counts up: "
	  "%u\n",
	  ok ? "ok" : "#GP", now >= t && now - t<(1UL << 32), later> now);
	if (adj) {
		msr_read(0x3b, &a1);
		D("tsc_adjust moved by the write: %u\n",
		  a1 - a0 >= t - (1UL << 36) && a1 - a0 <= t);
		ok = msr_write(0x3b, a1 + (1UL << 41));
		now = rdtsc();
		D("wrmsr tsc_adjust +2^41: %s, tsc moved: %u\n",
		  ok ? "ok" : "#GP", now >= 3 * t && now - 3 * t < (1UL << 33));
	}
	if (cpuid(0x80000001, 0).edx & BIT(27)) {
		u32 aux;

		msr_write(0xc0000103, 0x2a);
		asm volatile("rdtscp" : "=c"(aux) : : "rax", "rdx");
		D("rdtscp aux: %#x\n", aux);
	}
	write_cr4(read_cr4() | BIT(2));
	D("rdtsc at CPL 3 with CR4.TSD: %s\n",
	  outcome(catch_fault(do_user_rdtsc, NULL, &f), &f));
	write_cr4(read_cr4() & ~BIT(2));
	D("rdtsc at CPL 3: %s\n",
	  outcome(catch_fault(do_user_rdtsc, NULL, &f), &f));
}

/* --- apic --- */

static u32 apic_rd(u32 reg)
{
	return *(volatile u32 *)(LAPIC + reg);
}

static void apic_wr(u32 reg, u32 v)
{
	*(volatile u32 *)(LAPIC + reg) = v;
}

static volatile unsigned ipis;

static void on_ipi(struct trap_frame *tf)
{
	(void)tf;
	ipis++;
	apic_wr(APIC_EOI, 0);
}

static void icr_send(u32 dest, u32 lo)
{
	apic_wr(APIC_ICR_HI, dest << 24);
	apic_wr(APIC_ICR_LO, lo);
}

static u32 nmi_dest, nmi_lo;

static void send_nmi(void *a)
{
	(void)a;
	icr_send(nmi_dest, nmi_lo);
	/* An NMI sent to itself arrives by the next instruction boundary. */
	asm volatile("nop; nop" ::: "memory");
}

#define APIC_TDCR 0x3e0 /* timer divide configuration */

static volatile unsigned timer_irqs, nmi_runs, woke_by_timer;

static void on_timer_irq(struct trap_frame *tf)
{
	(void)tf;
	timer_irqs++;
	apic_wr(APIC_EOI, 0);
}

/*
 * In the NMI handler NMIs are blocked until its IRET (SDM Vol. 3A 6.7.1).
 * HLT there, with a second NMI pending and IF set: only an enabled
 * interrupt resumes it (SDM Vol. 2A, HLT), here the APIC timer's; the
 * blocked NMI must not. It is taken after the IRET.
 */
static void nmi_hlt_handler(struct trap_frame *tf)
{
	(void)tf;
	if (nmi_runs++)
		return;
	icr_send(apic_rd(APIC_ID) >> 24, ICR_DM_NMI | ICR_ASSERT);
	apic_wr(APIC_TDCR, 0xb); /* divide by 1 */
	apic_wr(APIC_LVT_TIMER, 0x43);
	apic_wr(APIC_TMICT, 20000000);
	asm volatile("sti; hlt; cli" ::: "memory");
	woke_by_timer = timer_irqs;
}

/* An IRET unblocks NMIs, in a handler or not (SDM Vol. 3A 6.7.1): the
 * NMI catch_fault() took above returned without one. */
static void iret_to_self(void)
{
	asm volatile("mov %%rsp, %%rax\n\t"
		     "pushq %0\n\t"
		     "pushq %%rax\n\t"
		     "pushfq\n\t"
		     "pushq %1\n\t"
		     "lea 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "iretq\n"
		     "1:"
		     :
		     : "i"(SEL_KDATA), "i"(SEL_KCODE)
		     : "rax", "memory");
}

static volatile unsigned spins, spins_at_first, spins_at_second;

static void nmi_twice_handler(struct trap_frame *tf)
{
	(void)tf;
	if (nmi_runs++) {
		spins_at_second = spins;
		return;
	}
	spins_at_first = spins;
	icr_send(apic_rd(APIC_ID) >> 24, ICR_DM_NMI | ICR_ASSERT);
}

/* A second NMI sent from the handler, back to code with IF clear that
 * makes no exit: it comes right after the IRET, before that code runs an
 * instruction (SDM Vol. 3A 6.7.1). */
static void nmi_after_iret(void)
{
	nmi_runs = 0;
	spins = 0;
	spins_at_second = ~0u;
	nmi_set_handler(nmi_twice_handler);
	icr_send(apic_rd(APIC_ID) >> 24, ICR_DM_NMI | ICR_ASSERT);
	for (unsigned i = 0; i < 100000 && nmi_runs < 2; i++)
		spins++;
	for (unsigned i = 0; i < 1000 && nmi_runs < 2; i++)
		cpuid(0, 0);
	nmi_set_handler(NULL);
	D("a second NMI sent from the handler: taken %u\n", nmi_runs);
	/* Not a D line (differential.sh checks it): under braid it holds
	 * where braid learns that the IRET has run, which on SVM is not the
	 * case while the guest debugs itself (TF, breakpoints). */
	printf("NMI: the second right after the handler's IRET: %s\n",
	       spins_at_second == spins_at_first ? "yes" : "no");
}

static void nmi_hlt(void)
{
	irq_set_handler(0x43, on_timer_irq);
	nmi_set_handler(nmi_hlt_handler);
	iret_to_self();
	icr_send(apic_rd(APIC_ID) >> 24, ICR_DM_NMI | ICR_ASSERT);
	/* The second NMI follows the handler's IRET: at once on the bare
	 * CPU and under braid (nmi_after_iret() checks that); the CPUIDs
	 * only bound the wait. */
	for (unsigned i = 0; i < 1000 && nmi_runs < 2; i++)
		cpuid(0, 0);
	nmi_set_handler(NULL);
	apic_wr(APIC_LVT_TIMER, 0x10000);
	irq_set_handler(0x43, NULL);
	D("HLT in the NMI handler, a second NMI pending: ended by the timer "
	  "%u, NMIs taken %u\n",
	  woke_by_timer, nmi_runs);
	nmi_after_iret();
}

/* IRET to a null code selector: #GP(0), raised by the IRET itself (SDM
 * Vol. 2A, IRET: "IF return code segment selector is NULL"). */
static void null_cs_iret(void *a)
{
	(void)a;
	asm volatile("mov %%rsp, %%rax\n\t"
		     "pushq %0\n\t"
		     "pushq %%rax\n\t"
		     "pushfq\n\t"
		     "pushq $0\n\t"
		     "lea 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "iretq\n"
		     "1:"
		     :
		     : "i"(SEL_KDATA)
		     : "rax", "memory");
}

static struct fault iret_fault;
static bool nmi_sent_first;
static volatile unsigned nmi_depth, nmi_deepest;

static void nmi_iret_fault_handler(struct trap_frame *tf)
{
	u32 self = apic_rd(APIC_ID) >> 24;

	(void)tf;
	if (++nmi_depth > nmi_deepest)
		nmi_deepest = nmi_depth;
	if (nmi_runs++ == 0) {
		if (nmi_sent_first)
			icr_send(self, ICR_DM_NMI | ICR_ASSERT);
		catch_fault(null_cs_iret, NULL, &iret_fault);
		if (!nmi_sent_first)
			icr_send(self, ICR_DM_NMI | ICR_ASSERT);
		/* Exits, at which a hypervisor that took the faulting IRET
		 * for the handler's end would deliver the second NMI. */
		for (unsigned i = 0; i < 100; i++)
			cpuid(0, 0);
	}
	nmi_depth--;
}

/*
 * An IRET that faults in the NMI handler, with a second NMI sent before
 * it or after. The fault's frame holds the RFLAGS of the handler (a
 * hypervisor that single-steps the IRET must not leave its TF there);
 * where the second NMI comes is the CPU's: QEMU keeps NMIs blocked until
 * the handler's real IRET, Bochs unblocks them at the faulting one.
 */
static void nmi_iret_fault(bool sent_first)
{
	nmi_runs = nmi_depth = nmi_deepest = 0;
	nmi_sent_first = sent_first;
	iret_fault.vector = -1;
	nmi_set_handler(nmi_iret_fault_handler);
	icr_send(apic_rd(APIC_ID) >> 24, ICR_DM_NMI | ICR_ASSERT);
	for (unsigned i = 0; i < 1000 && nmi_runs < 2; i++)
		cpuid(0, 0);
	nmi_set_handler(NULL);
	D("NMI handler's IRET faults, second NMI sent %s it: %s error %#lx "
	  "TF pushed %d; NMIs taken %u, %u deep\n",
	  sent_first ? "before" : "after", exception_name(iret_fault.vector),
	  iret_fault.error_code, !!(iret_fault.rflags & RFLAGS_TF), nmi_runs,
	  nmi_deepest);
}

static void apic_state(const char *when)
{
	D("apic %s: id %#x version %#x svr %#x tpr %#x lint0 %#x lint1 %#x "
	  "timer %#x error %#x\n",
	  when, apic_rd(APIC_ID), apic_rd(APIC_VERSION), apic_rd(APIC_SVR),
	  apic_rd(APIC_TPR), apic_rd(APIC_LVT_LINT0), apic_rd(APIC_LVT_LINT1),
	  apic_rd(APIC_LVT_TIMER), apic_rd(APIC_LVT_ERROR));
}

static void section_apic(void)
{
	u32 id, irr, lint0, lint1;
	u64 base = 0;
	struct fault f;

	vm_map(vm_current(), LAPIC, LAPIC, PG_4K,
	       PTE_P | PTE_W | PTE_PCD | PTE_PWT);
	msr_read(MSR_APIC_BASE, &base);
	D("apic base as handed over: %#lx\n", base);
	apic_state("as handed over");
	id = apic_rd(APIC_ID) >> 24;
	lint0 = apic_rd(APIC_LVT_LINT0);
	lint1 = apic_rd(APIC_LVT_LINT1);
	apic_wr(APIC_SVR, 0x1ff);
	irq_set_handler(0x42, on_ipi);
	icr_send(0, ICR_DEST_SELF | 0x42);
	irr = apic_rd(APIC_IRR + 0x20) & BIT(2);
	asm volatile("sti; nop; cli" ::: "memory");
	D("self-IPI with IF=0: pending %u, taken after STI %u\n", irr != 0,
	  ipis);
	icr_send(0, ICR_DEST_ALL | 0x42);
	asm volatile("sti; nop; cli" ::: "memory");
	D("fixed IPI to all including self: taken %u\n", ipis);
	nmi_dest = id;
	nmi_lo = ICR_DM_NMI | ICR_ASSERT;
	D("NMI to its own APIC ID: %s\n",
	  outcome(catch_fault(send_nmi, NULL, &f), &f));
	nmi_lo = ICR_DEST_OTHERS | ICR_DM_NMI | ICR_ASSERT;
	D("NMI to all excluding self: %s\n",
	  outcome(catch_fault(send_nmi, NULL, &f), &f));
	icr_send(0, ICR_DEST_OTHERS | ICR_DM_INIT | ICR_ASSERT);
	icr_send(0, ICR_DEST_OTHERS | ICR_DM_SIPI | 0x01);
	D("INIT and SIPI to all excluding self: still running\n");
	nmi_hlt();
	nmi_iret_fault(true);
	nmi_iret_fault(false);

	/* Global disable (SDM Vol. 3A 11.4.3): the APIC's CPUID bit goes. */
	msr_read(MSR_APIC_BASE, &base);
	D("apic base in xAPIC mode: %#lx\n", base);
	msr_write(MSR_APIC_BASE, base & ~APIC_BASE_EN);
	D("globally disabled: cpuid 1 edx.apic %u\n",
	  (cpuid(1, 0).edx >> 9) & 1);
	D("re-enable: %s\n", msr_write(MSR_APIC_BASE, base) ? "ok" : "#GP");
	D("enabled again: cpuid 1 edx.apic %u\n", (cpuid(1, 0).edx >> 9) & 1);
	apic_state("after global disable and enable");
	apic_wr(APIC_SVR, 0x1ff);
	apic_wr(APIC_LVT_LINT0, lint0);
	apic_wr(APIC_LVT_LINT1, lint1);
	icr_send(0, ICR_DEST_SELF | 0x42);
	asm volatile("sti; nop; cli" ::: "memory");
	D("self-IPI after enabling again: taken %u\n", ipis);
	irq_set_handler(0x42, NULL);
}

/* --- x2apic --- */

/* x2APIC mode's registers are MSRs 0x800 + (MMIO offset >> 4) (SDM Vol.
 * 3A 11.12.1, table 11-6). */
#define X2APIC_MSR(reg) (0x800u + ((reg) >> 4))
#define X2_ID		X2APIC_MSR(APIC_ID)
#define X2_VERSION	X2APIC_MSR(APIC_VERSION)
#define X2_TPR		X2APIC_MSR(APIC_TPR)
#define X2_PPR		0x80a
#define X2_EOI		X2APIC_MSR(APIC_EOI)
#define X2_LDR		0x80d
#define X2_SVR		X2APIC_MSR(APIC_SVR)
#define X2_ESR		0x828
#define X2_ICR		0x830
#define X2_SELF_IPI	0x83f

static volatile unsigned x2_ipis;

static void on_x2_ipi(struct trap_frame *tf)
{
	(void)tf;
	x2_ipis++;
	msr_write(X2_EOI, 0); /* the MMIO page is not decoded in x2APIC mode */
}

/* "msr:ok" or "msr:#GP" for a read of each of @msrs. */
static void x2_reads(const char *what, const u32 *msrs, unsigned n)
{
	char line[256];
	unsigned at = 0;
	u64 v;

	for (unsigned i = 0; i < n && at < sizeof(line); i++)
		at += snprintf(line + at, sizeof(line) - at, " %#x:%s", msrs[i],
			       msr_read(msrs[i], &v) ? "ok" : "#GP");
	D("x2apic: %s:%s\n", what, line);
}

static const char *x2_wr(u32 msr, u64 v)
{
	return msr_write(msr, v) ? "ok" : "#GP";
}

/* Interrupts taken after an STI, counted by on_x2_ipi. */
static unsigned x2_taken(void)
{
	unsigned before = x2_ipis;

	asm volatile("sti; nop; cli" ::: "memory");
	return x2_ipis - before;
}

/* The MSRs' rules in x2APIC mode (SDM Vol. 3A 11.12): read-only,
 * write-only and absent registers #GP, as do reserved bits; the mode
 * changes of figure 11-27, and back to xAPIC mode for what follows. */
static void section_x2apic(void)
{
	static const u32 absent[] = { 0x800, 0x801, 0x804, 0x809,
				      0x80c, 0x80e, 0x831, 0x8ff };
	static const u32 write_only[] = { X2_EOI, X2_SELF_IPI };
	u64 base = 0, xbase = 0, v[5] = { 0 };
	const char *what;

	if (!(cpuid(1, 0).ecx & BIT(21))) {
		D("x2apic: not in CPUID\n");
		return;
	}
	vm_map(vm_current(), LAPIC, LAPIC, PG_4K,
	       PTE_P | PTE_W | PTE_PCD | PTE_PWT);
	msr_read(MSR_APIC_BASE, &base);
	D("x2apic: ID MSR in xAPIC mode: %s\n",
	  msr_read(X2_ID, &v[0]) ? "ok" : "#GP");
	D("x2apic: EXTD without EN: %s\n",
	  x2_wr(MSR_APIC_BASE, (base & ~APIC_BASE_EN) | APIC_BASE_EXTD));
	D("x2apic: enter: %s\n", x2_wr(MSR_APIC_BASE, base | APIC_BASE_EXTD));
	msr_read(MSR_APIC_BASE, &xbase);
	D("x2apic: base reads %#lx, cpuid x2apic %u, svr 0x1ff %s\n", xbase,
	  (cpuid(1, 0).ecx >> 21) & 1, x2_wr(X2_SVR, 0x1ff));
	msr_read(X2_ID, &v[0]);
	msr_read(X2_VERSION, &v[1]);
	msr_read(X2_LDR, &v[2]);
	msr_read(X2_PPR, &v[3]);
	msr_read(X2_SVR, &v[4]);
	D("x2apic: id %#lx version %#lx ldr %#lx ppr %#lx svr %#lx\n", v[0],
	  v[1], v[2], v[3], v[4]);
	x2_reads("reads of absent registers", absent,
		 sizeof(absent) / sizeof(absent[0]));
	x2_reads("reads of write-only registers", write_only,
		 sizeof(write_only) / sizeof(write_only[0]));
	D("x2apic: writes: id %s version %s ldr %s ppr %s eoi 0 %s eoi 1 %s "
	  "esr 0 %s esr 1 %s\n",
	  x2_wr(X2_ID, v[0]), x2_wr(X2_VERSION, v[1]), x2_wr(X2_LDR, v[2]),
	  x2_wr(X2_PPR, 0), x2_wr(X2_EOI, 0), x2_wr(X2_EOI, 1),
	  x2_wr(X2_ESR, 0), x2_wr(X2_ESR, 1));
	D("x2apic: tpr 0x20 %s, tpr 0x100 %s, high half %s\n",
	  x2_wr(X2_TPR, 0x20), x2_wr(X2_TPR, 0x100), x2_wr(X2_TPR, 1ul << 32));
	msr_read(X2_TPR, &v[0]);
	msr_write(X2_TPR, 0);
	D("x2apic: tpr reads %#lx\n", v[0]);
	irq_set_handler(0x42, on_x2_ipi);
	/* One statement each: the order of a call's arguments is unspecified
	 * in C, and each count must follow its write. */
	what = x2_wr(X2_SELF_IPI, 0x142);
	D("x2apic: self ipi with reserved bits %s, taken %u\n", what,
	  x2_taken());
	what = x2_wr(X2_SELF_IPI, 0x42);
	D("x2apic: self ipi 0x42 %s, taken %u\n", what, x2_taken());
	what = x2_wr(X2_ICR, ICR_DEST_SELF | 0x42);
	D("x2apic: icr to self %s, taken %u\n", what, x2_taken());
	msr_read(X2_ICR, &v[0]);
	D("x2apic: icr reads %#lx\n", v[0]);
	what = x2_wr(X2_ICR, ICR_DEST_SELF | BIT(13) | 0x42);
	D("x2apic: icr with bit 13 %s, taken %u\n", what, x2_taken());
	D("x2apic: back to xAPIC mode: %s\n", x2_wr(MSR_APIC_BASE, base));
	D("x2apic: disable: %s\n",
	  x2_wr(MSR_APIC_BASE, base & ~(APIC_BASE_EN | APIC_BASE_EXTD)));
	D("x2apic: disabled to x2APIC: %s\n",
	  x2_wr(MSR_APIC_BASE, base | APIC_BASE_EXTD));
	D("x2apic: disabled to xAPIC: %s\n", x2_wr(MSR_APIC_BASE, base));
	msr_read(MSR_APIC_BASE, &xbase);
	apic_wr(APIC_SVR, 0x1ff);
	icr_send(0, ICR_DEST_SELF | 0x42);
	D("x2apic: xAPIC again: base %#lx, mmio id %#x\n", xbase,
	  apic_rd(APIC_ID));
	D("x2apic: xAPIC again: self-IPI taken %u\n", x2_taken());
	irq_set_handler(0x42, NULL);
}

/* --- platform --- */

static u8 cmos(u8 reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static u16 pit0_count(void)
{
	u8 lo, hi;

	outb(0x43, 0x00); /* latch channel 0 */
	lo = inb(0x40);
	hi = inb(0x40);
	return lo | hi << 8;
}

static volatile unsigned ticks;

static void on_irq0(struct trap_frame *tf)
{
	(void)tf;
	ticks++;
	outb(0x20, 0x20); /* non-specific EOI */
}

static void pic_remap(u8 imr0, u8 imr1)
{
	/* ICW1-4 (8259A data sheet): edge, cascade, bases 0x20 and 0x28. */
	outb(0x20, 0x11);
	outb(0xa0, 0x11);
	outb(0x21, 0x20);
	outb(0xa1, 0x28);
	outb(0x21, 0x04);
	outb(0xa1, 0x02);
	outb(0x21, 0x01);
	outb(0xa1, 0x01);
	outb(0x21, imr0);
	outb(0xa1, imr1);
}

static volatile unsigned rtc_irqs;
static volatile u8 rtc_c;

static void on_irq8(struct trap_frame *tf)
{
	(void)tf;
	rtc_irqs++;
	rtc_c = cmos(0x0c); /* reading C lets IRQ 8 go */
	outb(0xa0, 0x20);   /* EOI to the slave, then the master */
	outb(0x20, 0x20);
}

/* The RTC's periodic interrupt (register B PIE, rate 13: 8 Hz, slow
 * enough for an emulator with exits to keep up) on IRQ 8 through the
 * slave 8259 wakes HLT; register C says why. */
static void rtc_periodic(void)
{
	u8 a = cmos(0x0a) & 0x7f, b = cmos(0x0b);

	irq_set_handler(0x28, on_irq8);
	pic_remap(0xfb, 0xfe); /* cascade and IRQ 8 */
	outb(0x70, 0x0a);
	outb(0x71, (a & 0xf0) | 13);
	(void)cmos(0x0c);
	outb(0x70, 0x0b);
	outb(0x71, b | 0x40);
	asm volatile("sti; hlt; cli" ::: "memory");
	outb(0x70, 0x0b);
	outb(0x71, b);
	outb(0x70, 0x0a);
	outb(0x71, a);
	pic_remap(0xff, 0xff);
	irq_set_handler(0x28, NULL);
	D("rtc periodic interrupt: woke hlt %u, register c irqf %u pf %u\n",
	  rtc_irqs >= 1, (rtc_c >> 7) & 1, (rtc_c >> 6) & 1);
	(void)cmos(0x0c);
}

static void section_platform(void)
{
	u16 c0, c1;
	u8 irr = 0, status;
	unsigned i;

	D("pic masks as handed over: %#x %#x\n", pic_handover_masks[0],
	  pic_handover_masks[1]);
	outb(0x43, 0xe2); /* read-back: status of channel 0 */
	status = inb(0x40);
	D("pit0 status: mode %u access %u bcd %u\n", (status >> 1) & 7,
	  (status >> 4) & 3, status & 1);
	c0 = pit0_count();
	for (i = 0; i < 1000 && pit0_count() == c0; i++)
		for (unsigned j = 0; j < 100; j++)
			asm volatile("pause");
	c1 = pit0_count();
	D("pit0 counting: %u\n", c1 != c0);
	/* IRQ0 reaches the 8259's IRR while interrupts are off. */
	outb(0x20, 0x0a); /* OCW3: read IRR */
	for (i = 0; i < 2000 && !(irr & 1); i++) {
		for (unsigned j = 0; j < 5000; j++)
			asm volatile("pause");
		irr = inb(0x20);
	}
	D("pic irr bit 0 within the wait: %u\n", irr & 1);
	D("rtc: a %#x b %#x d %#x\n", cmos(0x0a) & 0x7f, cmos(0x0b),
	  cmos(0x0d));
	/* Vectors 0x20-0x2f, IRQ0 only: firmware's PIT tick wakes HLT. */
	irq_set_handler(0x20, on_irq0);
	pic_remap(0xfe, 0xff);
	asm volatile("sti; hlt; cli" ::: "memory");
	D("sti; hlt: woken by irq0 %u\n", ticks >= 1);
	pic_remap(0xff, 0xff);
	irq_set_handler(0x20, NULL);
	rtc_periodic();
}

/* --- io: string I/O, which braid carries out element by element --- */

struct sio {
	u64 rsi, rdi, rcx;
};

static struct sio sio;

static void sio_outsb(void *a)
{
	(void)a;
	asm volatile("rep outsb"
		     : "+S"(sio.rsi), "+c"(sio.rcx)
		     : "d"(0x80)
		     : "memory");
}

static void sio_insb(void *a)
{
	(void)a;
	asm volatile("rep insb"
		     : "+D"(sio.rdi), "+c"(sio.rcx)
		     : "d"(0x21)
		     : "memory");
}

static void sio_insb_down(void *a)
{
	(void)a;
	asm volatile("std; rep insb; cld"
		     : "+D"(sio.rdi), "+c"(sio.rcx)
		     : "d"(0x21)
		     : "memory");
}

static void sio_insw32(void *a)
{
	(void)a;
	asm volatile("addr32 rep insb"
		     : "+D"(sio.rdi), "+c"(sio.rcx)
		     : "d"(0x21)
		     : "memory");
}

/* @fn on @buf + @at; a fault leaves the registers unknown here (the
 * handler does not return to the asm), so only memory and CR2 speak. */
static void sio_line(const char *what, void (*fn)(void *), u8 *buf, u64 at)
{
	struct fault f;
	bool faulted;

	sio.rsi = sio.rdi = (u64)buf + at;
	faulted = catch_fault(fn, NULL, &f);
	D("%s: %s, bytes %02x %02x %02x %02x %02x\n", what,
	  outcome(faulted, &f), buf[at - 1], buf[at], buf[at + 1], buf[at + 2],
	  buf[at + 3]);
	if (faulted && f.vector == X86_PF)
		D("%s: cr2 at buffer +%ld\n", what, (long)(f.cr2 - (u64)buf));
	else
		D("%s: rsi +%ld rdi +%ld rcx %#lx\n", what,
		  (long)(sio.rsi - (u64)buf - at),
		  (long)(sio.rdi - (u64)buf - at), sio.rcx);
}

static void section_io(void)
{
	u64 va = 0x7000400000UL;
	u8 *buf = (u8 *)va, *low = page_alloc();

	/* Two pages, the second unmapped: an INS that runs into it faults
	 * there. @low is below 4 GiB, for a 32-bit address size. */
	vm_map(vm_current(), va, (u64)page_alloc(), PG_4K, PTE_P | PTE_W);
	vm_unmap(vm_current(), va + PAGE_SIZE, PG_4K);
	invlpg(va + PAGE_SIZE);
	memset(buf, 0x5a, PAGE_SIZE);
	memset(low, 0x5a, PAGE_SIZE);
	sio.rcx = 4;
	sio_line("rep outsb to port 0x80", sio_outsb, buf, 16);
	sio.rcx = 3;
	sio_line("rep insb from port 0x21", sio_insb, buf, 32);
	sio.rcx = 2;
	sio_line("std; rep insb from port 0x21", sio_insb_down, buf, 64);
	sio.rcx = 0x100000002UL;
	sio_line("addr32 rep insb from port 0x21, ecx 2", sio_insw32, low, 128);
	sio.rcx = 0;
	sio_line("rep insb with rcx 0", sio_insb, buf, 256);
	sio.rcx = 8;
	sio_line("rep insb into an unmapped page", sio_insb, buf,
		 PAGE_SIZE - 4);
}

/* --- stack: an interrupt delivered onto a page that was a page table.
 * The guest unhooks the table and makes the page its stack; a hypervisor
 * that still treats it as a table must complete the delivery. */

static volatile unsigned stack_hits;

static void on_stack_vec(struct trap_frame *tf)
{
	(void)tf;
	stack_hits++;
}

/* INT 0x43 with RSP at @top: the CPU pushes the frame just below it. */
static void int_on_stack(u64 top)
{
	asm volatile("mov %%rsp, %%rbx\n\t"
		     "mov %0, %%rsp\n\t"
		     "int $0x43\n\t"
		     "mov %%rbx, %%rsp"
		     :
		     : "r"(top)
		     : "rbx", "memory");
}

static void section_stack(void)
{
	u64 va = 0x7000200000UL, *pte = live_pte(va);

	*vm_entry(vm_current(), va, PG_2M, false) = 0;
	invlpg(va);
	irq_set_handler(0x43, on_stack_vec);
	int_on_stack((u64)pte + PAGE_SIZE);
	D("interrupt with the stack on a former page table: handled %u\n",
	  stack_hits);
	/* Now a page that is a live table and the stack at once: the frame
	 * lands in entries no access uses (the table maps va with entry 0
	 * only). */
	pte = live_pte(va);
	int_on_stack((u64)pte + PAGE_SIZE);
	irq_set_handler(0x43, NULL);
	D("interrupt with the stack on a live page table: handled %u, the "
	  "table still maps: %u\n",
	  stack_hits, *(volatile u64 *)va == 0);
}

/* --- mode: long mode -> 32-bit legacy protected mode -> 16-bit protected
 * mode -> real mode, a few real-mode checks, and back the way firmware
 * and boot loaders do it (SDM Vol. 3A 10.8.5, 10.9). The 16-bit part runs
 * from a copy of rm_stub at RM_BASE; its results land at RM_RES. */

#define RM_BASE	   0x5000UL
#define RM_SEG	   0x0500
#define RM_IVT	   0x1000 /* offsets from RM_BASE */
#define RM_RES	   0x1800
#define SEL_CODE16 0x40
#define SEL_DATA16 0x48

/* Result slots, words at RM_RES + 2 * n. */
enum {
	R_PM16_POP,
	R_PM16_FLAGS,
	R_PM16_MSW,
	R_INT80,
	R_BP_IP,
	R_DE_IP,
	R_UD_IP,
	R_SEG_LO,
	R_SEG_HI,
	R_ROL_LO,
	R_ROL_HI,
	R_FLAGS,
	R_CR0_LO,
	R_CR0_HI,
	R_VENDOR_LO,
	R_VENDOR_HI,
	R_FAR_CS,
	R_MOVS,
	R_DONE,
};

extern char rm_stub[], rm_stub_end[], rm_pm16[], rm_real[], rm_h_int80[],
	rm_h_bp[], rm_h_de[], rm_h_ud[], rm_after_bp[], rm_div[], rm_ud[],
	rm_to32[], rm_src[], rm_dst[];
static u64 rm_saved_rsp __attribute__((used));
static u64 rm_gdt[GDT_ENTRIES + 2] __attribute__((aligned(16)));

asm(".pushsection .text\n"
    ".code32\n"
    "rm_to32:\n"
    "	mov %cr0, %eax\n"
    "	and $0x7fffffff, %eax\n" /* PG off: IA-32e mode ends */
    "	mov %eax, %cr0\n"
    "	mov $0xc0000080, %ecx\n"
    "	rdmsr\n"
    "	and $0xfffffeff, %eax\n" /* EFER.LME off */
    "	wrmsr\n"
    "	ljmp $0x40, $(rm_pm16 - rm_stub)\n"
    "rm_back32:\n"
    "	mov $0x10, %ax\n"
    "	mov %ax, %ds\n"
    "	mov %ax, %es\n"
    "	mov %ax, %ss\n"
    "	mov $0xc0000080, %ecx\n"
    "	rdmsr\n"
    "	or $0x100, %eax\n"
    "	wrmsr\n"
    "	mov %cr0, %eax\n"
    "	or $0x80000000, %eax\n"
    "	mov %eax, %cr0\n"
    "	ljmp $0x08, $rm_back64\n"
    ".code16\n"
    ".balign 16\n"
    "rm_stub:\n"
    "rm_pm16:\n"
    "	mov $0x48, %ax\n"
    "	mov %ax, %ds\n"
    "	mov %ax, %es\n"
    "	mov %ax, %ss\n"
    "	mov $0x2000, %sp\n"
    "	pushw $0x1234\n"
    "	popw %ax\n"
    "	mov %ax, 0x1800\n"
    "	xor %ax, %ax\n"
    "	pushf\n"
    "	pop %ax\n"
    "	mov %ax, 0x1802\n"
    "	smsw %ax\n"
    "	mov %ax, 0x1804\n"
    "	mov %cr0, %eax\n"
    "	and $0xfffffffe, %eax\n"
    "	mov %eax, %cr0\n"
    "	ljmp $0x0500, $(rm_real - rm_stub)\n"
    "rm_real:\n"
    "	mov $0x0500, %ax\n"
    "	mov %ax, %ds\n"
    "	mov %ax, %es\n"
    "	mov %ax, %ss\n"
    "	mov $0x2000, %sp\n"
    "	lidt (rm_idtr - rm_stub)\n"
    "	int $0x80\n"
    "	int3\n"
    "rm_after_bp:\n"
    "	xor %bl, %bl\n"
    "	mov $1, %ax\n"
    "rm_div:\n"
    "	div %bl\n"
    "rm_ud:\n"
    "	ud2\n"
    "	mov $0x0600, %ax\n"
    "	mov %ax, %es\n"
    "	mov %es:0x840, %eax\n"
    "	mov %eax, 0x180e\n"
    "	mov $0x0500, %ax\n"
    "	mov %ax, %es\n"
    "	mov $0x12345678, %ecx\n"
    "	rol $8, %ecx\n"
    "	mov %ecx, 0x1812\n"
    "	xor %ax, %ax\n"
    "	pushf\n"
    "	pop %ax\n"
    "	mov %ax, 0x1816\n"
    "	mov %cr0, %eax\n"
    "	mov %eax, 0x1818\n"
    "	xor %eax, %eax\n"
    "	cpuid\n"
    "	mov %ebx, 0x181c\n"
    "	lcall $0x0500, $(rm_far - rm_stub)\n"
    "	mov $(rm_src - rm_stub), %si\n"
    "	mov $(rm_dst - rm_stub), %di\n"
    "	mov $16, %cx\n"
    "	cld\n"
    "	rep movsb\n"
    "	movw $1, 0x1824\n"
    "	mov %cr0, %eax\n"
    "	or $1, %eax\n"
    "	mov %eax, %cr0\n"
    "	ljmpl $0x18, $rm_back32\n"
    "rm_far:\n"
    "	mov %cs, %ax\n"
    "	mov %ax, 0x1820\n"
    "	lret\n"
    "rm_h_int80:\n"
    "	incw 0x1806\n"
    "	iret\n"
    "rm_h_bp:\n" /* the return IP of INT3: the next instruction */
    "	push %bp\n"
    "	mov %sp, %bp\n"
    "	mov 2(%bp), %ax\n"
    "	mov %ax, 0x1808\n"
    "	pop %bp\n"
    "	iret\n"
    "rm_h_de:\n" /* #DE returns to the DIV itself: skip its 2 bytes */
    "	push %bp\n"
    "	mov %sp, %bp\n"
    "	mov 2(%bp), %ax\n"
    "	mov %ax, 0x180a\n"
    "	addw $2, 2(%bp)\n"
    "	pop %bp\n"
    "	iret\n"
    "rm_h_ud:\n"
    "	push %bp\n"
    "	mov %sp, %bp\n"
    "	mov 2(%bp), %ax\n"
    "	mov %ax, 0x180c\n"
    "	addw $2, 2(%bp)\n"
    "	pop %bp\n"
    "	iret\n"
    "rm_idtr:\n"
    "	.word 0x3ff\n"
    "	.long 0x6000\n"
    "rm_src:\n"
    "	.ascii \"real mode movsb.\"\n"
    "rm_dst:\n"
    "	.skip 16\n"
    "rm_stub_end:\n"
    ".code64\n"
    ".popsection\n");

static u64 desc16(u8 access)
{
	/* Base RM_BASE, limit 0xffff, byte granular, 16-bit (SDM Vol. 3A
	 * 3.4.5). */
	return 0xffffUL | (RM_BASE << 16) | ((u64)access << 40);
}

static void rm_ivt_set(u16 *ivt, unsigned vec, const char *handler)
{
	ivt[vec * 2] = (u16)(handler - rm_stub);
	ivt[vec * 2 + 1] = RM_SEG;
}

static bool rm_low_memory_free(void)
{
	for (unsigned i = 0; i < boot.nr_ranges; i++) {
		const struct mb_range *r = &boot.ranges[i];

		if (r->type == MB_RAM && r->addr <= RM_BASE &&
		    r->addr + r->len >= RM_BASE + 0x2000)
			return true;
	}
	return false;
}

static __attribute__((noinline)) void rm_call(void)
{
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) gdt, idt, now;

	asm volatile("sgdt %0; sidt %1" : "=m"(gdt), "=m"(idt));
	for (unsigned i = 0; i < GDT_ENTRIES; i++)
		rm_gdt[i] = ((u64 *)gdt.base)[i];
	rm_gdt[SEL_CODE16 / 8] = desc16(0x9b);
	rm_gdt[SEL_DATA16 / 8] = desc16(0x93);
	now.limit = sizeof(rm_gdt) - 1;
	now.base = (u64)rm_gdt;
	asm volatile("cli; lgdt %0" : : "m"(now));
	asm volatile("push %%rbx; push %%rbp; push %%r12; push %%r13\n\t"
		     "push %%r14; push %%r15\n\t"
		     "mov %%rsp, rm_saved_rsp(%%rip)\n\t"
		     "pushq $0x18\n\t"
		     "lea rm_to32(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "rm_back64:\n\t"
		     "mov $0x10, %%ax\n\t"
		     "mov %%ax, %%ds\n\t"
		     "mov %%ax, %%es\n\t"
		     "mov %%ax, %%ss\n\t"
		     "mov rm_saved_rsp(%%rip), %%rsp\n\t"
		     "pop %%r15; pop %%r14; pop %%r13; pop %%r12\n\t"
		     "pop %%rbp; pop %%rbx"
		     :
		     :
		     : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10",
		       "r11", "memory", "cc");
	asm volatile("lgdt %0; lidt %1" : : "m"(gdt), "m"(idt));
}

static void section_mode(void)
{
	u8 *base = (u8 *)RM_BASE;
	u16 *res = (u16 *)(RM_BASE + RM_RES);
	u32 *src = (u32 *)(RM_BASE + RM_RES + 0x40);

	if (!rm_low_memory_free()) {
		D("mode: no free RAM at %#lx\n", RM_BASE);
		return;
	}
	memset(base, 0, 0x2000);
	memcpy(base, rm_stub, rm_stub_end - rm_stub);
	rm_ivt_set((u16 *)(base + RM_IVT), 0, rm_h_de);
	rm_ivt_set((u16 *)(base + RM_IVT), 3, rm_h_bp);
	rm_ivt_set((u16 *)(base + RM_IVT), 6, rm_h_ud);
	rm_ivt_set((u16 *)(base + RM_IVT), 0x80, rm_h_int80);
	/* Real-mode ES 0x600 + 0x840 is linear 0x6840 = RM_RES + 0x40. */
	*src = 0xcafef00d;
	rm_call();
	D("mode: back in long mode, real-mode part done %u\n", res[R_DONE]);
	D("pm16: pop %#x flags %#x msw %#x\n", res[R_PM16_POP],
	  res[R_PM16_FLAGS], res[R_PM16_MSW]);
	D("real: int 0x80 handled %u, int3 returns to +%d, #DE at +%d, #UD "
	  "at +%d\n",
	  res[R_INT80], res[R_BP_IP] - (int)(rm_after_bp - rm_stub),
	  res[R_DE_IP] - (int)(rm_div - rm_stub),
	  res[R_UD_IP] - (int)(rm_ud - rm_stub));
	D("real: es:0x840 reads %#x, rol %#x, flags %#x, cr0 %#x\n",
	  res[R_SEG_LO] | res[R_SEG_HI] << 16,
	  res[R_ROL_LO] | res[R_ROL_HI] << 16, res[R_FLAGS],
	  res[R_CR0_LO] | res[R_CR0_HI] << 16);
	D("real: cpuid 0 ebx %#x, far call cs %#x, movsb copied %u\n",
	  res[R_VENDOR_LO] | res[R_VENDOR_HI] << 16, res[R_FAR_CS],
	  memcmp(base + (rm_dst - rm_stub), base + (rm_src - rm_stub), 16) ==
		  0);
}

/* --- pcid --- */

#define CR4_PCIDE   BIT(17)
#define CR4_PGE	    BIT(7)
#define CR3_NOFLUSH BIT(63)
#define PCID_VA	    0x300000000000UL /* outside every identity map */

static void do_cr3(void *a)
{
	(void)a;
	write_cr3(p_cr);
}

static const char *try_cr(void (*fn)(void *), u64 val)
{
	struct fault f;

	p_cr = val;
	return outcome(catch_fault(fn, NULL, &f), &f);
}

/* Two address spaces, PCIDs 1 and 2, mapping PCID_VA to pages tagged
 * 0xa and 0xb; each switch keeps the other's translations (bit 63). What
 * is read must be the current space's page: a PCID's cached
 * translations never answer for another (SDM Vol. 3A 4.10.1). */
static void pcid_switches(u64 cr3)
{
	pte_t *other = vm_create();
	u64 *pa = page_alloc(), *pb = page_alloc(), seen = 0;

	*pa = 0xa;
	*pb = 0xb;
	vm_map((pte_t *)cr3, PCID_VA, (u64)pa, PG_4K, PTE_P | PTE_W);
	vm_map(other, PCID_VA, (u64)pb, PG_4K, PTE_P | PTE_W);
	write_cr3(cr3 | 1);
	for (int i = 0; i < 8; i++) {
		write_cr3((i & 1 ? cr3 | 1 : (u64)other | 2) | CR3_NOFLUSH);
		seen = seen << 4 | *(volatile u64 *)PCID_VA;
	}
	D("pcid: two spaces, PCIDs 1 and 2, no-flush switches read %#lx\n",
	  seen);
	write_cr3(cr3 | 1);
	vm_unmap((pte_t *)cr3, PCID_VA, PG_4K);
}

/* A global page seen from PCIDs 1 and 2 through one shared table, moved
 * while PCID 2 runs and invalidated there with INVLPG, which drops a
 * global translation in every PCID (SDM Vol. 3A 4.10.4.1): after a
 * no-flush switch back PCID 1 must read the new page. */
static void pcid_global_invlpg(u64 cr3)
{
	pte_t *other = vm_create(), *root = (pte_t *)cr3;
	u64 *pa = page_alloc(), *pb = page_alloc(), seen, cr4 = read_cr4();
	unsigned top = (PCID_VA >> 39) & 511;

	*pa = 0xa;
	*pb = 0xb;
	vm_map(root, PCID_VA, (u64)pa, PG_4K, PTE_P | PTE_W | PTE_G);
	other[top] = root[top];
	write_cr4(cr4 | CR4_PGE);
	write_cr3(cr3 | 1);
	seen = *(volatile u64 *)PCID_VA;
	write_cr3((u64)other | 2 | CR3_NOFLUSH);
	seen = seen << 4 | *(volatile u64 *)PCID_VA;
	vm_map(root, PCID_VA, (u64)pb, PG_4K, PTE_P | PTE_W | PTE_G);
	invlpg(PCID_VA);
	seen = seen << 4 | *(volatile u64 *)PCID_VA;
	write_cr3(cr3 | 1 | CR3_NOFLUSH);
	seen = seen << 4 | *(volatile u64 *)PCID_VA;
	D("pcid: a global page moved and INVLPG'd under PCID 2 reads %#lx\n",
	  seen);
	write_cr3(cr3 | 1);
	write_cr4(cr4);
	vm_unmap(root, PCID_VA, PG_4K);
	other[top] = 0;
}

/* INVPCID (SDM Vol. 2A, INVPCID): its type in a register, a 16-byte
 * descriptor in memory (PCID in bits 11:0, an address in 127:64). */
static u64 p_type;
static u64 p_desc[2] __attribute__((aligned(16)));
static u64 *p_desc_at = p_desc;

static void do_invpcid(void *a)
{
	(void)a;
	asm volatile("invpcid (%0), %1"
		     :
		     : "r"(p_desc_at), "r"(p_type)
		     : "memory");
}

static u64 user_invpcid(u64 a)
{
	do_invpcid((void *)a);
	return 0;
}

static void do_user_invpcid(void *a)
{
	(void)a;
	user_call(user_invpcid, 0);
}

static const char *try_invpcid(u64 type, u64 pcid, u64 addr)
{
	struct fault f;

	p_type = type;
	p_desc[0] = pcid;
	p_desc[1] = addr;
	return outcome(catch_fault(do_invpcid, NULL, &f), &f);
}

/* After each type, the page PCID_VA maps now: the PTE moved from one
 * page to the other, and the invalidation makes the move visible
 * (what is read before it is the TLB's business, not compared). */
static void invpcid_flushes(pte_t *space, u64 pcid)
{
	u64 *pa = page_alloc(), *pb = page_alloc(), seen = 0;

	*pa = 0xa;
	*pb = 0xb;
	for (u64 type = 0; type < 4; type++) {
		u64 *to = type & 1 ? pa : pb;

		vm_map(space, PCID_VA, (u64)(type & 1 ? pb : pa), PG_4K,
		       PTE_P | PTE_W);
		(void)*(volatile u64 *)PCID_VA;
		vm_map(space, PCID_VA, (u64)to, PG_4K, PTE_P | PTE_W);
		try_invpcid(type, pcid, PCID_VA);
		seen = seen << 4 | *(volatile u64 *)PCID_VA;
	}
	D("invpcid: types 0-3 after a remap read %#lx\n", seen);
	vm_unmap(space, PCID_VA, PG_4K);
}

/* With CR4.PCIDE set, CR3's PCID 1: the four types, and what is #GP. */
static void invpcid_rules(u64 cr3)
{
	struct fault f;

	invpcid_flushes((pte_t *)cr3, 1);
	D("invpcid: type 4: %s\n", try_invpcid(4, 1, 0));
	D("invpcid: type 0, descriptor bit 12: %s\n",
	  try_invpcid(0, BIT(12) | 1, PCID_VA));
	D("invpcid: type 2, descriptor bit 63: %s\n",
	  try_invpcid(2, BIT(63), 0));
	D("invpcid: type 0, non-canonical address: %s\n",
	  try_invpcid(0, 1, 0x800000000000UL));
	D("invpcid: type 1, another PCID (9): %s\n", try_invpcid(1, 9, 0));
	D("invpcid: type 0, another PCID, any address: %s\n",
	  try_invpcid(0, 9, 0x7000));
	p_desc_at = (u64 *)(PCID_VA + 0x1000); /* mapped nowhere */
	p_type = 2;
	catch_fault(do_invpcid, NULL, &f);
	D("invpcid: descriptor not mapped: %s, error %#lx, cr2 at it %d\n",
	  outcome(f.vector >= 0, &f), f.error_code, f.cr2 == PCID_VA + 0x1000);
	p_desc_at = p_desc;
	p_type = 2;
	D("invpcid: at CPL 3: %s\n",
	  outcome(catch_fault(do_user_invpcid, NULL, &f), &f));
}

/* With CR4.PCIDE clear: a PCID other than 0 is #GP for types 0 and 1. */
static void invpcid_no_pcide(void)
{
	D("invpcid: no PCIDE, type 0 PCID 1: %s, PCID 0: %s\n",
	  try_invpcid(0, 1, PCID_VA), try_invpcid(0, 0, PCID_VA));
	D("invpcid: no PCIDE, type 1 PCID 1: %s, PCID 0: %s\n",
	  try_invpcid(1, 1, 0), try_invpcid(1, 0, 0));
	D("invpcid: no PCIDE, types 2 and 3: %s, %s\n", try_invpcid(2, 0, 0),
	  try_invpcid(3, 0, 0));
}

static void section_pcid(void)
{
	u64 cr3 = read_cr3() & ~0xfffUL, cr4 = read_cr4();
	const char *what;
	bool invpcid;

	if (!(cpuid(1, 0).ecx & BIT(17))) {
		D("pcid: not in CPUID\n");
		return;
	}
	D("pcid: cr3 bit 63 without PCIDE: %s\n",
	  try_cr(do_cr3, cr3 | CR3_NOFLUSH));
	write_cr3(cr3 | 0x5);
	D("pcid: PCIDE set with CR3[11:0]=5: %s\n",
	  try_cr(do_cr4, cr4 | CR4_PCIDE));
	write_cr3(cr3);
	D("pcid: PCIDE set with CR3[11:0]=0: %s\n",
	  try_cr(do_cr4, cr4 | CR4_PCIDE));
	write_cr3(cr3 | 5);
	D("pcid: cr3 with PCID 5 reads %#lx\n", read_cr3() & 0xfff);
	what = try_cr(do_cr3, cr3 | 7 | CR3_NOFLUSH);
	D("pcid: cr3 with PCID 7 and bit 63: %s, reads %#lx, bit 63 %lu\n",
	  what, read_cr3() & 0xfff, read_cr3() >> 63);
	pcid_switches(cr3);
	pcid_global_invlpg(cr3);
	invpcid = cpuid(7, 0).ebx & BIT(10);
	D("invpcid: in CPUID: %d\n", invpcid);
	if (invpcid)
		invpcid_rules(cr3);
	what = try_cr(do_cr4, cr4);
	D("pcid: PCIDE cleared with PCID 1: %s, cr3 reads %#lx\n", what,
	  read_cr3() & 0xfff);
	write_cr3(cr3);
	write_cr4(cr4);
	if (invpcid)
		invpcid_no_pcide();
}

/* @alone: run only when named, in a boot of its own. */
static const struct section {
	const char *name;
	void (*run)(void);
	bool alone;
} sections[] = {
	{ "cpuid", section_cpuid, false },
	{ "msr", section_msr, false },
	{ "cr", section_cr, false },
	{ "exc", section_exc, false },
	{ "debug", section_debug, false },
	{ "tsc", section_tsc, false },
	{ "platform", section_platform, false },
	{ "apic", section_apic, false },
	{ "io", section_io, false },
	{ "memory", section_memory, false },
	{ "stack", section_stack, false },
	{ "pcid", section_pcid, false },
	{ "mode", section_mode, false },
	/* It ends with the APIC disabled and enabled again, after which Bochs
	 * no longer decodes the APIC page: the apic section could not follow. */
	{ "x2apic", section_x2apic, true },
};

void guest_main(void)
{
	bool any = false;

	for (unsigned i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		any |= boot.cmdline &&
		       cmdline_has(boot.cmdline, sections[i].name);
	for (unsigned i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		bool named = any && cmdline_has(boot.cmdline, sections[i].name);

		if (any ? !named : sections[i].alone)
			continue;
		D("section %s\n", sections[i].name);
		sections[i].run();
	}
	D("end\n");
}
