// SPDX-License-Identifier: MIT
/*
 * The host local APIC's timer in one-shot mode (SDM Vol. 3A 11.5.4). Its
 * input clock differs between machines, so its rate is measured against
 * the TSC once; a deadline in TSC ticks then becomes an initial count.
 */
#define LOG_TAG "apic"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/i8259.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/tsc.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "lib/muldiv.h"
#include "mm/hostmap.h"

/* Shared by every CPU: the APIC's address and rate are the same on all. */
static volatile u32 *regs; /* xAPIC: the identity-mapped MMIO page */
static bool x2apic;	   /* firmware left the APIC in x2APIC mode */
static u64 apic_hz;

static u32 apic_read(u32 reg)
{
	return x2apic ? (u32)rdmsr(MSR_X2APIC_FIRST + reg / 16) : regs[reg / 4];
}

static void apic_write(u32 reg, u32 val)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_FIRST + reg / 16, val);
	else
		regs[reg / 4] = val;
}

/* Count the timer down from its maximum for 10 ms of TSC time. */
static u64 measure(void)
{
	u64 t0, span = tsc_hz() / 100;

	apic_write(APIC_DCR, APIC_DCR_DIV_BY_1);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | HOST_TIMER_VECTOR);
	apic_write(APIC_TMICT, 0xffffffff);
	t0 = rdtsc();
	while (rdtsc() - t0 < span)
		cpu_relax();
	return (u64)(0xffffffffu - apic_read(APIC_TMCCT)) * 100;
}

/*
 * Firmware leaves the 8259s delivering IRQ 0-15 at vectors 8-15 and
 * 0x70-0x77: an IRQ the mask lets slip (the 8259's spurious IRQ 7 needs
 * no unmasked line at all) would look like a #DF. Move them to 0x20-0x2f
 * first (8259A data sheet, ICW1-ICW4), then mask every line: braid takes
 * no interrupt but its own APIC timer's.
 */
static void remap_and_mask_legacy_pic(void)
{
	outb(PIC_MASTER_CMD, ICW1_INIT | ICW1_IC4);
	outb(PIC_SLAVE_CMD, ICW1_INIT | ICW1_IC4);
	outb(PIC_MASTER_DATA, HOST_PIC_VECTOR_BASE);	/* ICW2 */
	outb(PIC_SLAVE_DATA, HOST_PIC_VECTOR_BASE + 8); /* ICW2 */
	outb(PIC_MASTER_DATA, BIT(PIC_CASCADE_IR));	/* ICW3: slave on IR2 */
	outb(PIC_SLAVE_DATA, PIC_CASCADE_IR);		/* ICW3: its ID */
	outb(PIC_MASTER_DATA, ICW4_8086);
	outb(PIC_SLAVE_DATA, ICW4_8086);
	outb(PIC_MASTER_DATA, 0xff);
	outb(PIC_SLAVE_DATA, 0xff);
}

/*
 * The LVT entries braid does not use keep what firmware set: a thermal or
 * performance-counter interrupt at some vector, LINT0 as ExtINT. Mask
 * them; LINT1 stays the platform's NMI input (virtual-wire mode, MP spec
 * 3.6.2.2), which braid handles (arch/x86_64/nmi.c). The CMCI, thermal
 * and counter entries exist only up to the APIC's max LVT (SDM 11.5.1).
 */
static void mask_unused_lvts(void)
{
	unsigned max = APIC_VERSION_MAXLVT(apic_read(APIC_VERSION));

	apic_write(APIC_LVT_LINT0,
		   APIC_LVT_MASKED | APIC_DM_EXTINT << APIC_LVT_DM_SHIFT);
	apic_write(APIC_LVT_LINT1, APIC_DM_NMI << APIC_LVT_DM_SHIFT);
	apic_write(APIC_LVT_ERROR, APIC_LVT_MASKED | HOST_SPURIOUS_VECTOR);
	if (max >= 4)
		apic_write(APIC_LVT_PERF, APIC_LVT_MASKED);
	if (max >= 5)
		apic_write(APIC_LVT_THERM, APIC_LVT_MASKED);
	if (max >= 6)
		apic_write(APIC_LVT_CMCI, APIC_LVT_MASKED);
}

/* Software-enable this CPU's APIC in the mode the boot CPU's firmware
 * chose, with braid's spurious vector and every unused LVT masked. */
static void enable_local_apic(u64 base)
{
	wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN);
	/* x2APIC is entered from xAPIC mode, never from disabled (SDM
	 * 11.12.5, figure 11-27). */
	if (x2apic && !(base & APIC_BASE_EXTD))
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | HOST_SPURIOUS_VECTOR);
	apic_write(APIC_TPR, 0); /* no priority class masks the timer */
	mask_unused_lvts();
}

/* braid's timer: one-shot, divide by 1 (the rate measure() found). */
static void arm_timer_lvt(void)
{
	apic_write(APIC_DCR, APIC_DCR_DIV_BY_1);
	apic_write(APIC_TMICT, 0);
	apic_write(APIC_LVT_TIMER, HOST_TIMER_VECTOR); /* one-shot, unmasked */
	this_cpu()->timer_deadline = ~0ull;
}

void host_apic_init(void)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE);

	remap_and_mask_legacy_pic();
	/* UEFI firmware on real machines often hands over in x2APIC mode,
	 * where the MMIO page no longer answers (SDM 11.12.1). */
	x2apic = base & APIC_BASE_EXTD;
	regs = (volatile u32 *)(uintptr_t)(base & APIC_BASE_MASK);
	/* Not RAM: braid's map has it only when asked (mm/hostmap.c). */
	if (!x2apic &&
	    hostmap_map_device(base & APIC_BASE_MASK, APIC_MMIO_SIZE))
		panic("cannot map the local APIC at %#llx",
		      (unsigned long long)(base & APIC_BASE_MASK));
	enable_local_apic(base);
	apic_hz = measure();
	if (!apic_hz)
		panic("the local APIC timer does not count: braid cannot "
		      "bring guests back on time");
	arm_timer_lvt();
	pr_info("local APIC%s timer runs at %llu kHz",
		x2apic ? " (x2APIC)" : "",
		(unsigned long long)(apic_hz / 1000));
}

void host_apic_cpu_init(void)
{
	enable_local_apic(rdmsr(MSR_IA32_APIC_BASE));
	arm_timer_lvt();
}

u32 host_apic_id(void)
{
	u32 id = apic_read(APIC_ID);

	return x2apic ? id : id >> APIC_ID_SHIFT;
}

bool host_apic_reaches(u32 apic_id)
{
	return x2apic || apic_id <= 0xff;
}

/*
 * x2APIC: one 64-bit write of the ICR MSR, destination in bits 63:32,
 * and no delivery status to wait for (SDM 11.12.9). xAPIC: the
 * destination goes to ICR_HI first, since writing ICR_LO sends; a
 * previous IPI must have left (delivery status idle) before the next.
 */
bool host_apic_send_ipi(u32 apic_id, u32 icr_lo)
{
	u64 t0 = rdtsc();

	if (x2apic) {
		wrmsr(MSR_X2APIC_FIRST + APIC_ICR_LO / 16,
		      (u64)apic_id << 32 | icr_lo);
		return true;
	}
	while (apic_read(APIC_ICR_LO) & APIC_ICR_PENDING) {
		if (rdtsc() - t0 > tsc_hz() / 1000)
			return false;
		cpu_relax();
	}
	apic_write(APIC_ICR_HI, apic_id << APIC_ICR_DEST_SHIFT);
	apic_write(APIC_ICR_LO, icr_lo);
	return true;
}

void host_apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

void host_timer_arm(u64 deadline)
{
	u64 *armed = &this_cpu()->timer_deadline;
	u64 now = rdtsc(), ticks;

	if (deadline == *armed && deadline == ~0ull)
		return; /* off already: spare the MMIO write on every entry */
	*armed = deadline;
	if (deadline == ~0ull) {
		apic_write(APIC_TMICT, 0);
		return;
	}
	/* Not closer than HOST_TIMER_MIN_US: a guest timer with a tiny
	 * period must not turn into back-to-back exits. */
	ticks = MAX(deadline > now ? deadline - now : 0,
		    tsc_hz() / 1000000 * HOST_TIMER_MIN_US);
	/* muldiv64 takes a 32-bit multiplier: scale both rates to kHz. */
	ticks = muldiv64(ticks, apic_hz / 1000, tsc_hz() / 1000);
	apic_write(APIC_TMICT, (u32)MIN(MAX(ticks, 1ull), 0xffffffffull));
}

void host_irq_window(void)
{
	/* STI takes effect after the next instruction (SDM Vol. 2B, STI). */
	asm volatile("sti; nop; cli" ::: "memory");
}

void host_wait_for_irq(void)
{
	asm volatile("sti; hlt; cli" ::: "memory");
}

/* Called from the IDT stub: acknowledge the timer interrupt. */
void host_timer_eoi(void)
{
	host_apic_eoi();
}

/* INIT is level-asserted and broadcast to all but this CPU, as in the
 * SDM's MP initialization example (9.4.4.1); the old de-assert IPI is not
 * needed since the Pentium 4, and x2APIC has none. */
void host_apic_park_others(void)
{
	apic_write(APIC_ICR_HI, 0);
	apic_write(APIC_ICR_LO, APIC_ICR_ALL_BUT_SELF | APIC_ICR_LEVEL_ASSERT |
					APIC_ICR_DM_INIT);
	/* 10 ms for the INIT to land, as the SDM's example waits. */
	for (u64 t0 = rdtsc(); rdtsc() - t0 < tsc_hz() / 100;)
		cpu_relax();
}

/* An interrupt the APIC delivered sits in its in-service register until
 * EOI and holds off every lower class (SDM 11.8.4); one from the 8259 or
 * the APIC's spurious vector is not there and takes no EOI. */
void host_stray_irq(u8 vector)
{
	this_cpu()->spurious++;
	if (regs || x2apic) {
		u32 isr = apic_read(APIC_ISR + (vector / 32) * 16);

		if (isr & BIT(vector % 32))
			apic_write(APIC_EOI, 0);
	}
}

/* On every CPU, for the "host events" line. */
unsigned long long host_stray_count(void)
{
	unsigned long long n = 0;

	for (unsigned i = 0; i < MAX_CPUS; i++)
		n += __atomic_load_n(&percpu[i].spurious, __ATOMIC_RELAXED);
	return n;
}
