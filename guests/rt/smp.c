// SPDX-License-Identifier: MIT
/* Starting the APs and handing them work (see smp.h). */
#include "smp.h"
#include "lapic.h"
#include "madt.h"
#include "mb.h"
#include "printf.h"
#include "report.h"
#include "trap.h"
#include "tsc.h"
#include "x86.h"

/*
 * The trampoline's page: below 1 MiB and 4 KiB aligned, as a STARTUP
 * IPI's vector can only name such a page. 0x7000 is ordinary RAM on a PC
 * and clear of what the loaders use (QEMU's multiboot info sits at 0x9000).
 */
#define TRAMPOLINE_PA	 0x7000UL
#define AP_STACK_SIZE	 16384
#define INIT_DEASSERT_MS 10 /* MP spec B.4: 10 ms after INIT */
#define SIPI_GAP_MS	 1  /* MP spec B.4: 200 us between STARTUP IPIs */
#define IPI_SEND_MS	 100

struct smp_cpu smp_cpus[SMP_MAX_CPUS];
unsigned int smp_ncpus = 1;

/* Read by entry.S's ap_start32 for the AP being started. */
u64 ap_boot_stack, ap_boot_cr3;
static volatile unsigned int ap_boot_cpu;
static u8 ap_stacks[SMP_MAX_CPUS][AP_STACK_SIZE] __aligned(16);
static u8 cpu_of_apic[256];

extern const u8 ap_trampoline[], ap_trampoline_end[];
void ap_main(void);

static void (*volatile work_fn)(unsigned int cpu);
static volatile u32 work_gen, work_done;

unsigned int smp_cpu_index(void)
{
	return cpu_of_apic[lapic_id()];
}

bool spin_until_at_least(volatile u32 *p, u32 want, u64 timeout_ms)
{
	u64 t0 = rdtsc(), ticks = timeout_ms * tsc_per_ms();

	while (*p < want) {
		if (rdtsc() - t0 > ticks)
			return false;
		asm volatile("pause" : : : "memory");
	}
	return true;
}

/* A spurious interrupt is not in service: no EOI (SDM Vol. 3A 11.9). */
static void spurious_handler(struct trap_frame *tf)
{
	(void)tf;
}

static void wake_handler(struct trap_frame *tf)
{
	(void)tf;
	lapic_eoi();
}

/*
 * An AP's idle loop. CLI, check, then STI;HLT: STI's shadow covers the
 * HLT (SDM Vol. 2B, STI), so a wake-up IPI arriving after the check still
 * ends the HLT instead of being taken before it and missed.
 */
static __noreturn void ap_idle(unsigned int me)
{
	u32 seen = 0;

	for (;;) {
		irq_off();
		if (work_gen == seen) {
			asm volatile("sti; hlt" : : : "memory");
			continue;
		}
		seen = work_gen;
		irq_on();
		work_fn(me);
		__atomic_fetch_add(&work_done, 1, __ATOMIC_RELEASE);
	}
}

/* C entry of an AP, from ap_long_entry in entry.S. */
void ap_main(void)
{
	unsigned int me = ap_boot_cpu;

	trap_load_idt();
	lapic_enable(SPURIOUS_VEC);
	__atomic_store_n(&smp_cpus[me].online, true, __ATOMIC_RELEASE);
	ap_idle(me);
}

void smp_post(void (*fn)(unsigned int cpu))
{
	unsigned int i;

	work_done = 0;
	work_fn = fn;
	__atomic_fetch_add(&work_gen, 1, __ATOMIC_RELEASE);
	for (i = 1; i < smp_ncpus; i++)
		lapic_send_ipi(smp_cpus[i].apic_id, ICR_FIXED | WAKE_VEC,
			       IPI_SEND_MS);
}

bool smp_wait(u64 timeout_ms)
{
	return spin_until_at_least(&work_done, smp_ncpus - 1, timeout_ms);
}

/*
 * INIT, then two STARTUP IPIs naming the trampoline's page (SDM Vol. 3A
 * 9.4.4.1; MP spec B.4). INIT is sent as a level assert followed by a
 * deassert, which older APICs need and newer ones ignore.
 */
static bool send_init_sipi_sipi(u8 apic_id)
{
	u32 sipi = ICR_DM_SIPI | (u32)(TRAMPOLINE_PA >> 12);
	bool ok;

	ok = lapic_send_ipi(apic_id, ICR_DM_INIT | ICR_LEVEL | ICR_ASSERT,
			    IPI_SEND_MS);
	ok &= lapic_send_ipi(apic_id, ICR_DM_INIT | ICR_LEVEL, IPI_SEND_MS);
	tsc_delay_ms(INIT_DEASSERT_MS);
	ok &= lapic_send_ipi(apic_id, sipi, IPI_SEND_MS);
	tsc_delay_ms(SIPI_GAP_MS);
	ok &= lapic_send_ipi(apic_id, sipi, IPI_SEND_MS);
	return ok;
}

/* Start CPU i and wait for it to check in. */
static bool start_ap(unsigned int i, u64 timeout_ms)
{
	u64 t0, ticks = timeout_ms * tsc_per_ms();

	ap_boot_cpu = i;
	ap_boot_stack = (u64)ap_stacks[i] + AP_STACK_SIZE;
	if (!send_init_sipi_sipi(smp_cpus[i].apic_id)) {
		report(false, "cpu %u (APIC %u): IPIs sent (ICR stayed busy)",
		       i, smp_cpus[i].apic_id);
		return false;
	}
	t0 = rdtsc();
	while (!__atomic_load_n(&smp_cpus[i].online, __ATOMIC_ACQUIRE)) {
		if (rdtsc() - t0 > ticks) {
			report(false,
			       "cpu %u (APIC %u) checked in within %lu ms "
			       "of its STARTUP IPIs",
			       i, smp_cpus[i].apic_id, timeout_ms);
			return false;
		}
		asm volatile("pause" : : : "memory");
	}
	return true;
}

/* smp_cpus[] from the table: the BSP first, then the APs in table order. */
static void list_cpus(const struct mp_cpus *mp, u8 bsp_id)
{
	unsigned int i, n = 1;

	smp_cpus[0].apic_id = bsp_id;
	for (i = 0; i < mp->n; i++)
		if (mp->apic_id[i] != bsp_id)
			smp_cpus[n++].apic_id = mp->apic_id[i];
	for (i = 0; i < n; i++)
		cpu_of_apic[smp_cpus[i].apic_id] = (u8)i;
}

static bool trampoline_ready(void)
{
	u64 len = (u64)(ap_trampoline_end - ap_trampoline);

	if (!report(mb_ram_range_end(TRAMPOLINE_PA) >=
			    TRAMPOLINE_PA + PAGE_SIZE,
		    "trampoline page %#lx is RAM", TRAMPOLINE_PA) ||
	    !report(read_cr3() < 4 * GiB, "CR3 %#lx is below 4 GiB for the APs",
		    read_cr3()))
		return false;
	memcpy((void *)TRAMPOLINE_PA, ap_trampoline, len);
	return true;
}

unsigned int smp_boot(struct mp_cpus *mp, u64 timeout_ms)
{
	u8 bsp_id;
	unsigned int i, listed;

	lapic_map((u64 *)(read_cr3() & ~0xfffUL));
	irq_set_handler(SPURIOUS_VEC, spurious_handler);
	irq_set_handler(WAKE_VEC, wake_handler);
	lapic_enable(SPURIOUS_VEC);
	bsp_id = lapic_id();
	smp_cpus[0].online = true;
	/* The MADT first, as Linux does; SeaBIOS's MP table, for one,
	 * lists only the first CPU of each package. */
	if (!madt_find_cpus(mp) && !mp_find_cpus(mp)) {
		report_info("no MADT, no MP table: the BSP (APIC %u) alone",
			    bsp_id);
		list_cpus(mp, bsp_id);
		return smp_ncpus = 1;
	}
	list_cpus(mp, bsp_id);
	listed = mp->n;
	ap_boot_cr3 = read_cr3();
	if (listed > 1 && !trampoline_ready())
		return smp_ncpus = 1;
	tsc_per_ms(); /* measured once, before anyone else could */
	for (i = 1; i < listed; i++) {
		if (!start_ap(i, timeout_ms))
			break; /* a late AP would share the next one's stack */
		smp_ncpus = i + 1;
	}
	return smp_ncpus;
}
