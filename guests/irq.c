// SPDX-License-Identifier: MIT
/*
 * irq: interrupt delivery on the PC platform, checked by taking the
 * interrupts. The local APIC timer (one-shot, periodic, current count),
 * TPR masking through the APIC register and through CR8, the PIT through
 * the I/O APIC, a self-IPI, and the STI interrupt shadow.
 *
 * Time is measured with the TSC, whose rate comes from CPUID 0x15 or, when
 * that leaf is missing or incomplete, from PIT channel 2. The APIC timer
 * is programmed in TSC ticks: that is its rate under braid (CPUID 0x15
 * describes a "crystal" at the TSC rate). Natively it runs from the
 * crystal or the bus clock; the checks then hold as long as that is not
 * faster than the TSC nor more than ~5 times slower (QEMU: 1 GHz).
 */
#include "rt.h"
#include "lapic.h"
#include "pit.h"
#include "tsc.h"

/* --- I/O APIC, 82093AA data sheet 3.0-3.2 ------------------------------- */

#define IOAPIC_BASE	 0xfec00000UL
#define IOAPIC_IOREGSEL	 0x00
#define IOAPIC_IOWIN	 0x10
#define IOAPIC_REG_VER	 0x01
#define IOAPIC_REG_REDIR 0x10 /* pin n: 0x10 + 2n (low), 0x11 + 2n (high) */
#define RTE_MASKED	 BIT(16)
#define RTE_DELIVS	 BIT(12)
#define PIT_PIN		 2 /* ISA IRQ 0 on pin 2 (MP table, braid's wiring) */

/* --- 8254 PIT (data sheet: control word, modes 0 and 2) and 8259A ------ */

#define PIT_TICK_COUNT 1193 /* ~1 kHz */

#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xa0
#define PIC2_DATA 0xa1

/* --- Vectors ------------------------------------------------------------ */

#define TIMER_VEC    0x40
#define PIT_VEC	     0x31
#define IPI_VEC	     0x42
#define LONG_VEC     0x43
#define ERROR_VEC    0xfe
#define SPURIOUS_VEC 0xff

#define PERIODIC_TICKS	10
#define PIT_TICKS	5
#define MAX_LATENCY_MS	500 /* generous: a loaded host stalls emulators */
#define COUNTDOWN_MS	100 /* long: a busy host may stall an emulator */
#define LONG_HANDLER_MS 300 /* three of QEMU's round-robin kicks (100 ms) */

static u64 tsc_hz;
static u32 period; /* ~1 ms of TSC, the APIC timer's count at divide-by-1 */
static u32 apic_id;

/* What the handlers saw; volatile as the main flow polls them. */
static volatile u32 timer_hits, pit_hits, ipi_hits, spurious_hits, error_hits;
static volatile u64 timer_vec_seen, pit_vec_seen, ipi_vec_seen;
static volatile u64 timer_tsc, pit_tsc, timer_rip, timer_cost;
static volatile bool timer_check_isr, timer_isr_in, timer_isr_after;
static volatile u32 error_esr;
static volatile u32 seq, seq_at_irq; /* the STI shadow's order counter */
static volatile u32 long_hits, long_depth, long_max_depth;
static volatile u64 long_ticks;

static inline void irq_enable(void)
{
	asm volatile("sti" : : : "memory");
}

static inline void irq_disable(void)
{
	asm volatile("cli" : : : "memory");
}

static inline void pause(void)
{
	asm volatile("pause" : : : "memory");
}

/* ISR/IRR bit of a vector: register vector / 32, bit vector % 32 (11.8.4). */
static bool apic_vec_bit(u32 base, u8 vec)
{
	return lapic_read(base + 0x10 * (vec / 32)) & BIT(vec % 32);
}

static u32 iolapic_read(u8 reg)
{
	mmio_write(IOAPIC_BASE + IOAPIC_IOREGSEL, reg);
	return mmio_read(IOAPIC_BASE + IOAPIC_IOWIN);
}

static void iolapic_write(u8 reg, u32 v)
{
	mmio_write(IOAPIC_BASE + IOAPIC_IOREGSEL, reg);
	mmio_write(IOAPIC_BASE + IOAPIC_IOWIN, v);
}

static u64 ms_to_tsc(u64 ms)
{
	return tsc_hz / 1000 * ms;
}

/* Spin (not HLT) for @ticks of TSC with RFLAGS as it is. */
static void spin_tsc(u64 ticks)
{
	u64 t0 = rdtsc();

	while (rdtsc() - t0 < ticks)
		pause();
}

/*
 * After a source is stopped or masked, an interrupt it raised before may
 * still sit in IRR: masking does not recall what the local APIC accepted
 * (82093AA 3.2.4, bit 16; SDM 11.5.1). Let it in, then count for @ticks:
 * nothing more may come.
 */
static u32 arrivals_after_stop(volatile u32 *ctr, u64 ticks)
{
	u32 before;

	irq_enable();
	spin_tsc(ticks / 4);
	irq_disable();
	before = *ctr;
	irq_enable();
	spin_tsc(ticks);
	irq_disable();
	return *ctr - before;
}

/* Spin with interrupts as they are until *ctr != old or @ticks pass. */
static bool spin_until_changed(volatile u32 *ctr, u32 old, u64 ticks)
{
	u64 t0 = rdtsc();

	while (*ctr == old && rdtsc() - t0 < ticks)
		pause();
	return *ctr != old;
}

/*
 * The classic idle: STI's interrupt shadow covers the HLT (SDM Vol. 2B,
 * STI), so an interrupt cannot slip in between and be missed. Until *ctr
 * reaches @want; at most @max wake-ups, in case other interrupts come.
 */
static bool halt_until(volatile u32 *ctr, u32 want, unsigned max)
{
	while (*ctr < want && max--)
		asm volatile("sti; hlt; cli" : : : "memory");
	return *ctr >= want;
}

/* --- Handlers ----------------------------------------------------------- */

static void timer_handler(struct trap_frame *tf)
{
	timer_tsc = rdtsc();
	timer_rip = tf->rip;
	timer_vec_seen = tf->vector;
	seq_at_irq = seq;
	/* In service until the EOI retires it (SDM 11.8.4, 11.8.5). Each
	 * APIC access is a VM exit under braid: only when asked. */
	if (timer_check_isr)
		timer_isr_in = apic_vec_bit(APIC_ISR, TIMER_VEC);
	lapic_write(APIC_EOI, 0);
	if (timer_check_isr)
		timer_isr_after = apic_vec_bit(APIC_ISR, TIMER_VEC);
	timer_hits++;
	timer_cost = rdtsc() - timer_tsc;
}

static void pit_handler(struct trap_frame *tf)
{
	pit_tsc = rdtsc();
	pit_vec_seen = tf->vector;
	lapic_write(APIC_EOI, 0);
	pit_hits++;
}

static void ipi_handler(struct trap_frame *tf)
{
	ipi_vec_seen = tf->vector;
	lapic_write(APIC_EOI, 0);
	ipi_hits++;
}

/* Through an interrupt gate, with IF clear all along: nothing may come
 * in until the IRET, however long it runs. It spins without PAUSE, which
 * under QEMU TCG would end the emulator's run of the CPU and so hide the
 * fault check_long_handler() looks for. */
static void long_handler(struct trap_frame *tf)
{
	u64 t0 = rdtsc();

	(void)tf;
	long_hits++;
	if (++long_depth > long_max_depth)
		long_max_depth = long_depth;
	while (rdtsc() - t0 < long_ticks)
		continue;
	lapic_write(APIC_EOI, 0);
	long_depth--;
}

/* SDM 11.9: a spurious interrupt sets no ISR bit and takes no EOI. */
static void spurious_handler(struct trap_frame *tf)
{
	(void)tf;
	spurious_hits++;
}

/* SDM 11.5.3: a write to ESR latches the errors seen since the last. */
static void error_handler(struct trap_frame *tf)
{
	(void)tf;
	lapic_write(APIC_ESR, 0);
	error_esr |= lapic_read(APIC_ESR);
	lapic_write(APIC_EOI, 0);
	error_hits++;
}

/* --- Setup -------------------------------------------------------------- */

/* The identity map covers 1 GiB only; the APICs sit below 4 GiB, UC. */
static void map_device(u64 pa)
{
	vm_map(vm_current(), pa, pa, PG_4K, PTE_P | PTE_W | PTE_PCD | PTE_PWT);
	invlpg(pa);
}

/*
 * Take the 8259 pair out of the way (8259A data sheet, ICW1-4 then OCW1):
 * vectors 0x20-0x2f, every line masked. The firmware may have left IRQ 0
 * open on vector 8, and LINT0 is ExtINT in virtual-wire mode.
 */
static void pic_remap_masked(void)
{
	outb(PIC1_CMD, 0x11); /* ICW1: edge, cascade, ICW4 follows */
	outb(PIC2_CMD, 0x11);
	outb(PIC1_DATA, 0x20); /* ICW2: vector base */
	outb(PIC2_DATA, 0x28);
	outb(PIC1_DATA, 0x04); /* ICW3: slave on IR2 */
	outb(PIC2_DATA, 0x02);
	outb(PIC1_DATA, 0x01); /* ICW4: 8086 mode */
	outb(PIC2_DATA, 0x01);
	outb(PIC1_DATA, 0xff); /* OCW1: mask all */
	outb(PIC2_DATA, 0xff);
}

static bool setup(void)
{
	u64 base = rdmsr(MSR_APIC_BASE);
	u64 cpuid_hz = tsc_hz_from_cpuid();
	u64 pit_hz = tsc_hz_from_pit();

	report_info("TSC rate: CPUID 0x15 says %lu Hz, PIT channel 2 %lu Hz",
		    cpuid_hz, pit_hz);
	tsc_hz = cpuid_hz ? cpuid_hz : pit_hz;
	if (!report(tsc_hz >= 5000000UL, "TSC rate known (%lu Hz, from %s)",
		    tsc_hz, cpuid_hz ? "CPUID 0x15" : "PIT channel 2"))
		return false;
	period = (u32)(tsc_hz / 1000);

	report((base & APIC_BASE_EN) && (base & APIC_BASE_ADDR) == LAPIC_BASE,
	       "IA32_APIC_BASE %#lx: enabled at %#lx", base, LAPIC_BASE);
	map_device(LAPIC_BASE);
	map_device(IOAPIC_BASE);
	pic_remap_masked();

	irq_set_handler(TIMER_VEC, timer_handler);
	irq_set_handler(PIT_VEC, pit_handler);
	irq_set_handler(IPI_VEC, ipi_handler);
	irq_set_handler(LONG_VEC, long_handler);
	irq_set_handler(ERROR_VEC, error_handler);
	irq_set_handler(SPURIOUS_VEC, spurious_handler);
	return true;
}

/* --- a. Local APIC basics and a one-shot timer ---------------------------- */

/* Program the timer at divide-by-1 and return the TSC at the start. */
static u64 timer_start(u32 mode, u32 count)
{
	u64 t0;

	lapic_write(APIC_LVT_TIMER, mode | TIMER_VEC);
	lapic_write(APIC_DCR, DCR_DIV1);
	t0 = rdtsc();
	lapic_write(APIC_TMICT, count);
	return t0;
}

static void timer_stop(void)
{
	/* SDM 11.5.4: an initial count of 0 stops the timer in any mode. */
	lapic_write(APIC_TMICT, 0);
	lapic_write(APIC_LVT_TIMER, LVT_MASKED | TIMER_VEC);
}

static void check_apic_basics(void)
{
	u32 ver = lapic_read(APIC_VERSION);
	u32 svr;

	apic_id = lapic_read(APIC_ID) >> 24;
	report_info("local APIC ID %u, version register %#x", apic_id, ver);
	/* SDM Figure 11-7: version 1XH is an integrated APIC; max LVT is
	 * the number of LVT entries minus 1 (at least timer..error). */
	report((ver & 0xff) == 0x14, "APIC version %#x (want 0x14)",
	       ver & 0xff);
	report(((ver >> 16) & 0xff) >= 4, "APIC max LVT entry %u (want >= 4)",
	       (ver >> 16) & 0xff);

	/* SDM 11.4.3: SVR bit 8 software-enables the APIC; bits 7:0 are the
	 * spurious vector. */
	lapic_write(APIC_SVR, APIC_SVR_ENABLE | SPURIOUS_VEC);
	svr = lapic_read(APIC_SVR);
	report((svr & 0x1ff) == (APIC_SVR_ENABLE | SPURIOUS_VEC),
	       "SVR reads %#x after enabling with spurious vector %#x", svr,
	       SPURIOUS_VEC);
	lapic_write(APIC_TPR, 0);
	lapic_write(APIC_LVT_ERROR, ERROR_VEC);
	lapic_write(APIC_ESR, 0);
}

static void check_oneshot(void)
{
	u32 hits = timer_hits;
	u64 t0, dt;
	bool got;

	timer_check_isr = true;
	t0 = timer_start(LVT_ONESHOT, period);
	got = halt_until(&timer_hits, hits + 1, 100);
	timer_check_isr = false;
	dt = timer_tsc - t0;
	if (!report(got && timer_hits == hits + 1 &&
			    timer_vec_seen == TIMER_VEC,
		    "one-shot timer: one interrupt on vector %#lx (want %#x)",
		    got ? timer_vec_seen : 0, TIMER_VEC))
		return;
	report(dt >= period && dt < ms_to_tsc(MAX_LATENCY_MS),
	       "one-shot timer fired after %lu TSC ticks (>= %u, < %d ms)", dt,
	       period, MAX_LATENCY_MS);
	report(timer_isr_in && !timer_isr_after,
	       "ISR bit %#x: set in the handler (%d), clear after EOI (%d)",
	       TIMER_VEC, timer_isr_in, timer_isr_after);
	report(!apic_vec_bit(APIC_IRR, TIMER_VEC) &&
		       !apic_vec_bit(APIC_ISR, TIMER_VEC),
	       "IRR and ISR clear for %#x after the handler", TIMER_VEC);
}

/* --- b. Periodic mode --------------------------------------------------- */

/*
 * The period is ~1 ms, unless taking one timer interrupt costs more than a
 * quarter of that: on an emulated CPU of 10 MIPS (Bochs), where each APIC
 * access exits to braid, the handler alone would fill every period and
 * the loop counting the ticks would never run again.
 */
static void check_periodic(void)
{
	u32 hits = timer_hits, p = period, after;
	u64 t0, dt, lo, hi;
	bool got;

	if (4 * timer_cost > p)
		p = (u32)(4 * timer_cost);
	report_info("periodic timer: period %u TSC ticks (a handler took %lu)",
		    p, timer_cost);
	lo = (u64)(PERIODIC_TICKS - 1) * p;
	hi = (u64)20 * PERIODIC_TICKS * p;
	t0 = timer_start(LVT_PERIODIC, p);
	got = halt_until(&timer_hits, hits + PERIODIC_TICKS,
			 10 * PERIODIC_TICKS);
	dt = timer_tsc - t0;
	timer_stop();
	if (!report(got, "periodic timer: %u ticks counted (want %u)",
		    timer_hits - hits, PERIODIC_TICKS))
		return;
	report(dt >= lo && dt <= hi,
	       "periodic: %u ticks in %lu TSC ticks (%lu periods of %u; want "
	       "%u..%u)",
	       PERIODIC_TICKS, dt, dt / p, p, PERIODIC_TICKS - 1,
	       20 * PERIODIC_TICKS);

	after = arrivals_after_stop(&timer_hits, 3 * (u64)p);
	report(after == 0,
	       "periodic timer stopped by initial count 0 (%u more ticks)",
	       after);
}

/* --- c. Current count --------------------------------------------------- */

/* SDM 11.5.4: the current count falls from the initial count to 0, where a
 * one-shot timer stays. */
static void check_current_count(void)
{
	u32 count = COUNTDOWN_MS * period, c1, c2, hits = timer_hits;
	u64 t0;

	t0 = timer_start(LVT_ONESHOT, count);
	c1 = lapic_read(APIC_TMCCT);
	while (rdtsc() - t0 < period)
		pause();
	c2 = lapic_read(APIC_TMCCT);
	report(c1 <= count && c2 < c1 && c2 > 0,
	       "current count falls while running: %u then %u (initial %u)", c1,
	       c2, count);
	if (!report(halt_until(&timer_hits, hits + 1, 100),
		    "one-shot of %u ticks expired", count))
		return;
	c1 = lapic_read(APIC_TMCCT);
	report(c1 == 0, "current count reads %u after the one-shot expired",
	       c1);
	report(lapic_read(APIC_TMICT) == count, "initial count still reads %u",
	       count);
}

/* --- d. TPR masking ----------------------------------------------------- */

static inline void write_cr8(u64 v)
{
	asm volatile("mov %0, %%cr8" : : "r"(v) : "memory");
}

static inline u64 read_cr8(void)
{
	u64 v;

	asm volatile("mov %%cr8, %0" : "=r"(v) : : "memory");
	return v;
}

/*
 * With the timer interrupt armed and interrupts enabled, spin (no HLT)
 * five periods: a task priority of class 15 holds it in IRR (SDM 11.8.3:
 * delivered only if its class is above PPR's). True if it did.
 */
static bool tpr_holds(const char *how, bool *pending)
{
	u32 hits = timer_hits;
	u64 t0;

	t0 = timer_start(LVT_ONESHOT, period);
	irq_enable();
	while (rdtsc() - t0 < 5 * (u64)period)
		pause();
	/* Natively the APIC timer need not run at the TSC rate: make sure it
	 * has expired, then give the expiry a period to reach IRR. */
	while (lapic_read(APIC_TMCCT) &&
	       rdtsc() - t0 < ms_to_tsc(MAX_LATENCY_MS))
		pause();
	spin_tsc(period);
	irq_disable();
	*pending = apic_vec_bit(APIC_IRR, TIMER_VEC);
	return report(timer_hits == hits && *pending,
		      "%s: no interrupt for 5+ periods (%u arrived), "
		      "vector %#x pending in IRR (%d)",
		      how, timer_hits - hits, TIMER_VEC, *pending);
}

/* After lowering the priority, the held interrupt comes (IF=1). */
static void tpr_releases(const char *how, u32 hits)
{
	bool got;
	u64 t0 = rdtsc();

	irq_enable();
	got = spin_until_changed(&timer_hits, hits, ms_to_tsc(10));
	irq_disable();
	report(got && timer_hits == hits + 1,
	       "%s: the held interrupt arrives (after %lu TSC ticks)", how,
	       rdtsc() - t0);
}

static void check_tpr(void)
{
	u32 tpr, ppr, hits;
	bool pending;
	u64 cr8;

	lapic_write(APIC_TPR, 0xf0);
	tpr = lapic_read(APIC_TPR);
	ppr = lapic_read(APIC_PPR);
	/* SDM 11.8.3.1: nothing in service, so PPR = TPR. */
	report(tpr == 0xf0 && ppr == 0xf0, "TPR %#x, PPR %#x (want 0xf0)", tpr,
	       ppr);
	cr8 = read_cr8();
	report(cr8 == 15, "MOV from CR8 reads %lu with TPR 0xf0 (want 15)",
	       cr8);
	hits = timer_hits;
	if (tpr_holds("TPR 0xf0", &pending)) {
		lapic_write(APIC_TPR, 0);
		tpr_releases("TPR 0", hits);
	}
	timer_stop();

	/*
	 * SDM 11.8.6.1: in 64-bit mode CR8[3:0] is TPR[7:4]; writing CR8
	 * writes the TPR (bits 3:0 cleared), reading it reads TPR[7:4].
	 */
	write_cr8(15);
	cr8 = read_cr8();
	report(cr8 == 15, "MOV to CR8 15, MOV from CR8 reads %lu", cr8);
	tpr = lapic_read(APIC_TPR);
	report((tpr & 0xf0) == 0xf0, "TPR register reads %#x after CR8 = 15",
	       tpr);
	hits = timer_hits;
	if (tpr_holds("CR8 15", &pending)) {
		write_cr8(0);
		tpr_releases("CR8 0", hits);
	}
	write_cr8(0);
	timer_stop();
	cr8 = read_cr8();
	tpr = lapic_read(APIC_TPR);
	report(cr8 == 0 && tpr == 0, "CR8 0 and TPR %#x at the end", tpr);
}

/* --- e. PIT through the I/O APIC ------------------------------------------- */

/*
 * The PIT's count: ~1 kHz, unless an interrupt costs more than a quarter
 * of that (check_periodic() says why). Measured by the APIC timer's
 * handler; the PIT's also waits for an interrupt window after the IRET.
 */
static u32 pit_count(void)
{
	u64 n = 4 * timer_cost * PIT_HZ / tsc_hz + 1;

	if (n < PIT_TICK_COUNT)
		return PIT_TICK_COUNT;
	return n > 0xffff ? 0xffff : (u32)n;
}

static void check_pit_ioapic(void)
{
	u32 ver = iolapic_read(IOAPIC_REG_VER), lo, hits = pit_hits, after;
	u8 reg = IOAPIC_REG_REDIR + 2 * PIT_PIN;
	u32 count = pit_count();
	u64 t0, dt, lo_b, hi_b;
	u64 tick = tsc_hz * count / PIT_HZ;
	bool got;

	/* 82093AA 3.2.2: bits 7:0 version, 23:16 the last redirection entry. */
	report_info("I/O APIC version register %#x", ver);
	report(((ver >> 16) & 0xff) >= 15,
	       "I/O APIC has %u redirection entries (want >= 16)",
	       ((ver >> 16) & 0xff) + 1);

	/* 82093AA 3.2.4: destination first, then unmask with the low half:
	 * fixed, physical, active high, edge. */
	iolapic_write(reg + 1, apic_id << 24);
	iolapic_write(reg, PIT_VEC);
	lo = iolapic_read(reg);
	report((lo & ~RTE_DELIVS) == PIT_VEC,
	       "I/O APIC pin %d entry reads %#x (vector %#x, unmasked)",
	       PIT_PIN, lo, PIT_VEC);

	/* 8254 mode 2 (rate generator): one OUT pulse every count clocks. */
	report_info("PIT: count %u (a timer interrupt took %lu TSC ticks)",
		    count, timer_cost);
	outb(PIT_CMD, 0x34); /* channel 0, lobyte/hibyte, mode 2, binary */
	t0 = rdtsc();
	outb(PIT_CH0, count & 0xff);
	outb(PIT_CH0, count >> 8);
	got = halt_until(&pit_hits, hits + PIT_TICKS, 10 * PIT_TICKS);
	dt = pit_tsc - t0;

	iolapic_write(reg, RTE_MASKED | PIT_VEC);
	/* Mode 0 waits for a count that never comes: channel 0 is idle. */
	outb(PIT_CMD, 0x30);

	if (!report(got && pit_vec_seen == PIT_VEC,
		    "PIT via I/O APIC pin %d: %u interrupts on vector %#lx "
		    "(want %u on %#x)",
		    PIT_PIN, pit_hits - hits, pit_vec_seen, PIT_TICKS, PIT_VEC))
		return;
	lo_b = (PIT_TICKS - 1) * tick;
	hi_b = 20 * PIT_TICKS * tick;
	report(dt >= lo_b && dt <= hi_b,
	       "PIT: %u ticks in %lu TSC ticks (%lu PIT periods; want %u..%u)",
	       PIT_TICKS, dt, dt / tick, PIT_TICKS - 1, 20 * PIT_TICKS);

	after = arrivals_after_stop(&pit_hits, 3 * tick);
	report(after == 0, "no PIT interrupt once pin %d is masked (%u)",
	       PIT_PIN, after);
}

/* --- f. Self-IPI --------------------------------------------------------- */

static void check_self_ipi(void)
{
	u32 hits = ipi_hits, icr;
	bool pending;

	/* SDM 11.6.1: writing ICR low sends; shorthand 01 = self. */
	lapic_write(APIC_ICR_HI, 0);
	lapic_write(APIC_ICR_LO, ICR_DEST_SELF | ICR_FIXED | IPI_VEC);
	icr = lapic_read(APIC_ICR_LO);
	pending = apic_vec_bit(APIC_IRR, IPI_VEC);
	report(ipi_hits == hits,
	       "self-IPI waits while IF=0 (IRR bit %d, ICR low %#x)", pending,
	       icr);
	irq_enable();
	spin_tsc(2 * (u64)period);
	irq_disable();
	report(ipi_hits == hits + 1 && ipi_vec_seen == IPI_VEC,
	       "self-IPI delivered once on vector %#lx (%u times)",
	       ipi_vec_seen, ipi_hits - hits);
	report(!(lapic_read(APIC_ICR_LO) & ICR_DELIV_STATUS),
	       "ICR delivery status idle afterwards");
}

/*
 * One interrupt, one handler run, however long the handler spins with IF
 * clear and without a VM exit (SDM Vol. 3A 6.8.1: an interrupt gate
 * clears IF). QEMU TCG delivered an interrupt injected through SVM's
 * EVENTINJ a second time, on the vector it left pending, when its loop
 * was next asked to stop (with two CPUs, at least every 100 ms):
 * the handler was entered again inside itself.
 */
static void check_long_handler(void)
{
	long_ticks = ms_to_tsc(LONG_HANDLER_MS);
	long_hits = long_max_depth = 0;
	lapic_write(APIC_ICR_HI, 0);
	lapic_write(APIC_ICR_LO, ICR_DEST_SELF | ICR_FIXED | LONG_VEC);
	irq_enable();
	spin_until_changed(&long_hits, 0, ms_to_tsc(MAX_LATENCY_MS));
	irq_disable();
	report(long_hits == 1 && long_max_depth == 1,
	       "a %d ms handler with IF clear runs once, not re-entered "
	       "(%u runs, nested %u deep)",
	       LONG_HANDLER_MS, long_hits, long_max_depth);
}

/* --- g. The STI interrupt shadow ------------------------------------------ */

/* Arm a one-shot with IF=0 and wait until its vector is pending in IRR. */
static bool arm_and_wait_pending(u32 *hits)
{
	u64 t0;

	*hits = timer_hits;
	t0 = timer_start(LVT_ONESHOT, period);
	while (!apic_vec_bit(APIC_IRR, TIMER_VEC))
		if (rdtsc() - t0 > ms_to_tsc(MAX_LATENCY_MS))
			return false;
	return timer_hits == *hits;
}

static void check_sti_shadow(void)
{
	u64 t0, label;
	u32 hits = timer_hits;
	bool ok;

	/* STI; HLT, the timer firing while halted: the interrupt returns to
	 * the instruction after HLT (SDM Vol. 2A, HLT). */
	t0 = timer_start(LVT_ONESHOT, period);
	asm volatile("sti\n\t"
		     "hlt\n\t"
		     "1: cli\n\t"
		     "lea 1b(%%rip), %0"
		     : "=r"(label)
		     :
		     : "memory");
	report(timer_hits == hits + 1 && timer_rip == label &&
		       timer_tsc - t0 >= period,
	       "sti; hlt: woken by the timer after %lu TSC ticks, "
	       "returning to %#lx (want %#lx)",
	       timer_tsc - t0, timer_rip, label);

	/* STI; HLT with the interrupt already pending: the shadow covers
	 * the HLT, which then wakes at once (no lost wake-up). */
	ok = arm_and_wait_pending(&hits);
	if (report(ok, "one-shot pending in IRR with IF=0, not delivered")) {
		asm volatile("sti\n\t"
			     "hlt\n\t"
			     "1: cli\n\t"
			     "lea 1b(%%rip), %0"
			     : "=r"(label)
			     :
			     : "memory");
		report(timer_hits == hits + 1 && timer_rip == label,
		       "sti; hlt with the interrupt pending: taken after the "
		       "hlt, at %#lx (want %#lx)",
		       timer_rip, label);
	}

	/*
	 * CLI; (interrupt pending); STI; NOP: the shadow delays it past the
	 * NOP, and no further (SDM Vol. 2B, STI). The handler copies seq,
	 * which the instruction after the NOP increments.
	 */
	ok = arm_and_wait_pending(&hits);
	if (!report(ok, "one-shot pending in IRR with IF=0, not delivered"))
		return;
	seq = 0;
	seq_at_irq = ~0u;
	asm volatile("sti\n\t"
		     "nop\n\t"
		     "1: incl %1\n\t"
		     "cli\n\t"
		     "lea 1b(%%rip), %0"
		     : "=r"(label), "+m"(seq)
		     :
		     : "memory");
	report(timer_hits == hits + 1 && timer_rip == label &&
		       seq_at_irq == 0 && seq == 1,
	       "sti; nop: taken right after the nop (rip %#lx, want %#lx; "
	       "counter %u in the handler, want 0)",
	       timer_rip, label, seq_at_irq);
}

/* --- The end ---------------------------------------------------------------- */

static void quiesce(void)
{
	timer_stop();
	lapic_write(APIC_LVT_LINT0, LVT_MASKED);
	lapic_write(APIC_LVT_LINT1, LVT_MASKED);
	lapic_write(APIC_LVT_ERROR, LVT_MASKED | ERROR_VEC);
	iolapic_write(IOAPIC_REG_REDIR + 2 * PIT_PIN, RTE_MASKED | PIT_VEC);
	report(spurious_hits == 0 && error_hits == 0,
	       "no spurious (%u) or APIC error (%u, ESR %#x) interrupts",
	       spurious_hits, error_hits, error_esr);
}

void guest_main(void)
{
	irq_disable();
	if (!setup())
		report_summary();
	check_apic_basics();
	check_oneshot();
	check_periodic();
	check_current_count();
	check_tpr();
	check_pit_ioapic();
	check_self_ipi();
	check_long_handler();
	check_sti_shadow();
	quiesce();
	report_summary();
}
