// SPDX-License-Identifier: MIT
/*
 * Starting the other CPUs (arch/x86_64/smp.h), one at a time, as the
 * MP spec (B.4) and the SDM (Vol. 3A 9.4.4.1) describe:
 *
 *   boot CPU                              the AP
 *   INIT to all others (parked)
 *   for each AP, up to cpus=:
 *     fill trampoline_params
 *     INIT, 10 ms
 *     SIPI (vector = trampoline page), 200 us
 *     SIPI (ignored if the first worked)  real -> protected -> long mode
 *     wait (bounded) for its check-in     ap_main: tables, APIC, VMXON/
 *                                         EFER.SVME; ONLINE or FAILED
 *   an AP that did not check in ONLINE: INIT again, reported by APIC ID
 *   each online AP runs a probe through smp_call, logged one line each
 *
 * Starting them one by one keeps one trampoline parameter block and keeps
 * the APs' bring-up (which allocates frames and prints) from running
 * alongside anything else.
 */
#define LOG_TAG "smp"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_state.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/mce.h"
#include "arch/x86_64/mptable_scan.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/vendor.h"
#include "boot/trampoline.h"
#include "lib/log.h"
#include "lib/phys.h"
#include "lib/printf.h"
#include "lib/report.h"
#include "lib/string.h"
#include "mm/frame.h"

/* MP spec B.4.1 and SDM 9.4.4.1's example: 10 ms after INIT, 200 us
 * between the two start-up IPIs. */
#define INIT_DELAY_US	   10000
#define SIPI_DELAY_US	   200
#define CHECKIN_TIMEOUT_US 1000000 /* an emulator's vCPU may start late */
/* A start-up IPI's vector is a page number, 0x01-0x9f: 0xa0-0xbf is the
 * VGA hole (SDM 9.4.4.1 lists them as invalid), and the EBDA sits just
 * below 640 KiB. */
#define TRAMPOLINE_TOP 0xa0000
_Static_assert(TRAMPOLINE_TOP <= FRAME_LOW_LIMIT,
	       "the frame allocator must never hand out the trampoline page");

enum ap_state { AP_WAITING, AP_ALIVE, AP_ONLINE, AP_FAILED };
static u32 ap_state; /* the AP being started writes it, the boot CPU reads */

static void delay_us(u64 us)
{
	u64 t0 = rdtsc(), ticks = tsc_hz() / 1000000 * us;

	while (rdtsc() - t0 < ticks)
		cpu_relax();
}

static bool page_in_ram(const struct boot_info *bi, phys_t pa)
{
	bool ram = false;

	for (unsigned i = 0; i < bi->nr_mmap; i++) {
		const struct boot_mem_range *r = &bi->mmap[i];
		bool overlaps =
			r->base < pa + PAGE_SIZE && pa < r->base + r->len;

		if (overlaps && r->type != BOOT_MEM_AVAILABLE)
			return false; /* overlapping entries: reserved wins */
		if (r->base <= pa && pa + PAGE_SIZE <= r->base + r->len)
			ram = true;
	}
	return ram;
}

/*
 * The highest page below TRAMPOLINE_TOP that the memory map calls RAM.
 * Nothing else of braid's lives below 1 MiB (the frame allocator never
 * hands it out, mm/frame.h), so no guest ever gets the page either.
 */
static phys_t find_trampoline_page(const struct boot_info *bi)
{
	for (phys_t pa = TRAMPOLINE_TOP - PAGE_SIZE; pa >= PAGE_SIZE;
	     pa -= PAGE_SIZE)
		if (page_in_ram(bi, pa))
			return pa;
	return 0;
}

/* The AP's path in C, on its own stack: bring it up as kmain brought up
 * the boot CPU, check in, and wait for work. */
void ap_main(unsigned cpu)
{
	struct percpu *c = &percpu[cpu];

	cpu_init_tables(cpu); /* GDT, TSS with the #DF/#MC/NMI stacks, IDT */
	__atomic_store_n(&ap_state, AP_ALIVE, __ATOMIC_RELEASE);
	cpu_state_cpu_init();
	mce_cpu_init();
	host_apic_cpu_init(); /* LINT1 stays the NMI input */
	if (host_apic_id() != c->apic_id) {
		pr_err("cpu %u woke with APIC ID %#x, not %#x", cpu,
		       host_apic_id(), c->apic_id);
	} else if (vendor->cpu_enable()) {
		pr_err("cpu %u (APIC ID %#x) cannot enter %s operation (see "
		       "above)",
		       cpu, c->apic_id, vendor == &vmx_ops ? "VMX" : "SVM");
	} else {
		__atomic_store_n(&ap_state, AP_ONLINE, __ATOMIC_RELEASE);
		smp_wait_for_calls();
	}
	__atomic_store_n(&ap_state, AP_FAILED, __ATOMIC_RELEASE);
	for (;;)
		asm volatile("cli; hlt");
}

/* INIT, then two start-up IPIs into the trampoline at @page. */
static bool send_init_sipi_sipi(u32 apic_id, phys_t page)
{
	u32 sipi = APIC_ICR_DM_STARTUP | (u32)(page >> 12);

	if (!host_apic_send_ipi(apic_id,
				APIC_ICR_DM_INIT | APIC_ICR_LEVEL_ASSERT))
		return false;
	delay_us(INIT_DELAY_US);
	if (!host_apic_send_ipi(apic_id, sipi))
		return false;
	delay_us(SIPI_DELAY_US);
	return host_apic_send_ipi(apic_id, sipi);
}

/* The state the AP reached: ONLINE, FAILED, or where it stopped when
 * the time was up (WAITING: it never ran the trampoline). */
static enum ap_state wait_for_checkin(void)
{
	u64 t0 = rdtsc(), limit = tsc_hz() / 1000000 * CHECKIN_TIMEOUT_US;
	u32 s;

	do {
		s = __atomic_load_n(&ap_state, __ATOMIC_ACQUIRE);
		if (s == AP_ONLINE || s == AP_FAILED)
			break;
		cpu_relax();
	} while (rdtsc() - t0 < limit);
	return s;
}

/* Start the CPU with @apic_id as percpu[@cpu]; true once it is online. */
static bool start_ap(unsigned cpu, u32 apic_id, phys_t page)
{
	struct percpu *c = &percpu[cpu];
	enum ap_state s;

	if (!c->stack) {
		phys_t pa = frame_alloc_contig(CPU_STACK_SIZE / PAGE_SIZE, 1);

		if (!pa) {
			pr_err("no memory for a stack for APIC ID %#x",
			       apic_id);
			return false;
		}
		c->stack = pa_to_va(pa);
	}
	c->apic_id = apic_id;
	trampoline_params = (struct trampoline_params){
		.cr3 = read_cr3(),
		.stack_top = (u64)(uintptr_t)c->stack + CPU_STACK_SIZE,
		.efer = rdmsr(MSR_IA32_EFER) & (EFER_LME | EFER_NXE),
		.cpu = cpu,
	};
	__atomic_store_n(&ap_state, AP_WAITING, __ATOMIC_SEQ_CST);
	s = send_init_sipi_sipi(apic_id, page) ? wait_for_checkin()
					       : AP_WAITING;
	if (s == AP_ONLINE)
		return true;
	/* INIT again: whatever it was doing, it now waits for a SIPI that
	 * never comes (SDM 9.4.4.1), out of braid's way. */
	host_apic_send_ipi(apic_id, APIC_ICR_DM_INIT | APIC_ICR_LEVEL_ASSERT);
	if (s != AP_FAILED)
		pr_err("APIC ID %#x %s within %u ms: left out, parked with INIT",
		       apic_id,
		       s == AP_WAITING ? "did not check in"
				       : "started but did not finish bring-up",
		       CHECKIN_TIMEOUT_US / 1000);
	else
		pr_err("APIC ID %#x left out, parked with INIT", apic_id);
	return false;
}

struct probe {
	u32 apic_id;
	bool svme, vmxe;
};

/* Run on the AP through smp_call: what the CPU itself says. */
static void probe_cpu(void *arg)
{
	struct probe *p = arg;

	p->apic_id = host_apic_id();
	p->svme = rdmsr(MSR_IA32_EFER) & EFER_SVME;
	p->vmxe = read_cr4() & CR4_VMXE;
}

/* Ask @cpu, through smp_call, for its APIC ID and whether it is in
 * VMX/SVM operation; one log line. False if it did not answer right. */
static bool check_ap(unsigned cpu)
{
	struct probe p = { ~0u, false, false };
	bool svm = vendor == &svm_ops, ok;
	u64 t0 = rdtsc();

	if (smp_call(cpu, probe_cpu, &p))
		return false;
	while (!smp_cpu_idle(cpu) && rdtsc() - t0 < tsc_hz())
		cpu_relax();
	ok = smp_cpu_idle(cpu) && p.apic_id == percpu[cpu].apic_id &&
	     (svm ? p.svme : p.vmxe);
	kprintf("braid: smp: %scpu %u (APIC ID %#x) %s: smp_call ran there "
		"(APIC ID %#x, %s %u)\n",
		ok ? "" : "error: ", cpu, percpu[cpu].apic_id,
		ok ? (svm ? "online in SVM" : "online in VMX")
		   : "failed its check",
		p.apic_id, svm ? "EFER.SVME" : "CR4.VMXE",
		svm ? p.svme : p.vmxe);
	return ok;
}

/* The CPUs the firmware lists: the MADT, else the MP table. */
static unsigned list_cpus(u32 *ids, const char **source)
{
	unsigned n = acpi_cpu_ids(ids, MAX_CPUS);

	*source = "the MADT";
	if (!n) {
		n = mptable_cpu_ids(ids, MAX_CPUS);
		*source = "the MP table";
	}
	return n;
}

static void report(unsigned listed, const char *source, unsigned online,
		   unsigned parked, const char *failed, unsigned limit)
{
	const char *ext = vendor == &vmx_ops ? "VMX" : "SVM";
	char left[48] = "";

	if (parked)
		snprintf(left, sizeof(left), ", %u parked with INIT%s", parked,
			 limit ? " (cpus=)" : "");
	if (!listed) {
		pr_info("no MADT or MP table: braid on the boot CPU, INIT "
			"sent to any others");
		report_note("cpus",
			    "none listed (no MADT or MP table): 1 online in "
			    "%s, INIT sent to any others",
			    ext);
		return;
	}
	pr_info("%u CPU%s in %s, %u online in %s%s%s%s", listed,
		listed == 1 ? "" : "s", source, online, ext, left,
		*failed ? ", left out: APIC ID" : "", failed);
	report_note("cpus", "%u in %s: %u online in %s%s%s%s", listed, source,
		    online, ext, left, *failed ? ", left out: APIC ID" : "",
		    failed);
}

/* Start, then check, the AP with @apic_id as percpu[@cpu]: true once it
 * is online; otherwise it is parked with INIT and the slot is free. */
static bool bring_up(unsigned cpu, u32 apic_id, phys_t page)
{
	if (!host_apic_reaches(apic_id)) {
		pr_err("APIC ID %#x needs x2APIC mode, which firmware did not "
		       "enable: left out",
		       apic_id);
		return false;
	}
	if (!start_ap(cpu, apic_id, page))
		return false;
	__atomic_store_n(&percpu[cpu].online, true, __ATOMIC_RELEASE);
	if (check_ap(cpu))
		return true;
	__atomic_store_n(&percpu[cpu].online, false, __ATOMIC_RELEASE);
	host_apic_send_ipi(apic_id, APIC_ICR_DM_INIT | APIC_ICR_LEVEL_ASSERT);
	return false;
}

/* Append " 0xID" to the list of CPUs left out, as far as it fits. */
static void note_failed(char *list, size_t size, u32 apic_id)
{
	size_t len = strlen(list);

	snprintf(list + len, size - len, " %#x", apic_id);
}

unsigned smp_start_aps(const struct boot_info *bi, unsigned limit)
{
	static u32 ids[MAX_CPUS];
	char failed[64] = "";
	const char *source;
	unsigned listed = list_cpus(ids, &source), online = 1, tried = 0;
	phys_t page = find_trampoline_page(bi);

	percpu[0].apic_id = host_apic_id();
	__atomic_store_n(&percpu[0].online, true, __ATOMIC_RELEASE);
	host_apic_park_others(); /* all of them out of firmware's code */
	if (!page && listed > 1 && limit != 1)
		pr_err("no free page below 640 KiB for the start-up "
		       "trampoline: only the boot CPU is used");
	if (page)
		memcpy(pa_to_va(page), trampoline_start,
		       trampoline_end - trampoline_start);
	for (unsigned i = 0; i < MIN(listed, MAX_CPUS) && page; i++) {
		if (ids[i] == percpu[0].apic_id)
			continue;
		if ((limit && online >= limit) || online >= MAX_CPUS)
			break;
		tried++;
		if (bring_up(online, ids[i], page))
			online++;
		else
			note_failed(failed, sizeof(failed), ids[i]);
	}
	report(listed, source, online,
	       listed > 1 + tried ? listed - 1 - tried : 0, failed, limit);
	return online;
}
