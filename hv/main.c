// SPDX-License-Identifier: MIT
/*
 * braid's boot path, from the long-mode entry in boot/entry.S to the last
 * guest: copy the boot information, bring up this CPU, memory and the
 * virtualization extensions, then run the guest modules (hv/dispatch.c)
 * and print a summary.
 */
#define LOG_TAG "boot"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_state.h"
#include "arch/x86_64/cpuid.h"
#include "arch/x86_64/mc146818.h"
#include "arch/x86_64/mce.h"
#include "arch/x86_64/nmi.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/tracebox.h"
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/vendor.h"
#include "boot/bootinfo.h"
#include "hv/dispatch.h"
#include "hv/guest.h"
#include "hv/hostcons.h"
#include "lib/log.h"
#include "hv/options.h"
#include "hv/panic.h"
#include "hv/platform.h"
#include "lib/report.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/hostmap.h"
#include "lib/phys.h"

void kmain(u32 magic, u32 info);

extern char _image_start[], _image_end[];

static struct boot_info boot_info;
static struct pt host_pt;

/* The memory map in one line: how much RAM, how much of it above 4 GiB
 * (which only braid's own map reaches), what is left for guests. */
static void note_memory(void)
{
	u64 ram = 0, high = 0;

	for (unsigned i = 0; i < boot_info.nr_mmap; i++) {
		const struct boot_mem_range *r = &boot_info.mmap[i];
		u64 end = r->base + r->len;

		if (r->type != BOOT_MEM_AVAILABLE)
			continue;
		ram += r->len;
		if (end > GiB(4))
			high += end - MAX(r->base, GiB(4));
	}
	report_note("memory",
		    "%u map entries%s, %llu MiB usable RAM (%llu MiB above "
		    "4 GiB), %llu MiB free for guests",
		    boot_info.nr_mmap,
		    boot_info.truncated ? " (some dropped)" : "",
		    (unsigned long long)(ram >> 20),
		    (unsigned long long)(high >> 20),
		    (unsigned long long)(frame_free_count() * PAGE_SIZE >> 20));
}

static void init_memory(void)
{
	struct phys_range reserved[BOOT_MAX_MODULES + 1];
	unsigned n = 0;
	bool has_1g = cpuid(0x80000001, 0).edx & EDX81_PAGE1GB;

	reserved[n++] = (struct phys_range){ va_to_pa(_image_start),
					     va_to_pa(_image_end) };
	for (unsigned i = 0; i < boot_info.nr_modules; i++)
		reserved[n++] = (struct phys_range){ boot_info.modules[i].start,
						     boot_info.modules[i].end };
	if (frame_init(boot_info.mmap, boot_info.nr_mmap, reserved, n)) {
		pr_err("no usable RAM in the memory map; halting");
		platform_exit(false, 1);
	}
	if (hostmap_build(&host_pt, &boot_info, has_1g)) {
		pr_err("not enough memory for the hypervisor's page tables");
		platform_exit(false, 1);
	}
	write_cr3(host_pt.root);
	hostmap_set_live(&host_pt);
	pr_info("%llu MiB free for guests",
		(unsigned long long)(frame_free_count() * PAGE_SIZE >> 20));
	note_memory();
}

/*
 * Other CPUs stay in firmware's loop, in memory braid may give a guest,
 * and the next NMI, SMI or #MC there would run whatever the guest wrote:
 * each is started into braid's own code, up to cpus=, or parked with
 * INIT (arch/x86_64/smp.c).
 */
static void start_other_cpus(unsigned limit)
{
	smp_start_aps(&boot_info, limit);
	report_note("reset",
		    "%sport 0xcf9, then the 8042, then a triple "
		    "fault (braid's exit= decides when)",
		    acpi_platform.has_reset_reg ? "ACPI reset register, then "
						: "");
}

/* How often each kind of lock was taken, and how often a CPU had to wait
 * for it (docs/architecture.md, "Locking"). */
static void report_locks(void)
{
	char buf[400];

	spin_report(buf, sizeof(buf));
	pr_info("locks (taken/waited): %s", buf);
}

void kmain(u32 magic, u32 info)
{
	struct braid_options opts;
	struct dispatch_options dispatch;
	struct tally t = { 0, 0, 0, 1 };

	hostcons_init(); /* buffered until the UART is chosen */
	hv_panic_init();
	tracebox_init();
	cpu_init_tables(0);
	cpu_state_cpu_init();
	kprintf("braid: boot: braid hypervisor starting\n");
	mce_cpu_init();
	if (bootinfo_parse(magic, info, &boot_info)) {
		pr_err("%s; halting", boot_info.error);
		platform_exit(false, 1);
	}
	pr_info("multiboot%s, command line \"%s\", %u modules",
		boot_info.protocol == 2 ? "2" : "", boot_info.cmdline,
		boot_info.nr_modules);
	if (boot_info.cmdline_truncated)
		pr_warn("braid's command line is longer than %d bytes and was cut",
			BOOT_CMDLINE_MAX - 1);
	if (boot_info.truncated)
		pr_warn("%u memory-map entries or modules did not fit and were dropped",
			boot_info.truncated);
	parse_braid_options(boot_info.cmdline, &opts);
	platform_set_exit(opts.exit);
	init_memory();
	/* SPCR may name the console: ACPI first, then the UART, then the
	 * lines so far go out. */
	acpi_init(&boot_info);
	acpi_platform_init();
	hostcons_select(&opts.console);
	hostcons_screen(&boot_info);
	if (vendor_select() || vendor->cpu_enable()) {
		pr_err("this CPU cannot run guests (see the lines above); halting");
		platform_exit(false, 1);
	}
	/* Guests' virtual timers count in TSC ticks; braid's own APIC timer
	 * brings a running guest back when one of them is due. */
	tsc_calibrate();
	host_apic_init();
	start_other_cpus(opts.cpus);
	report_print();
	if (!boot_info.nr_modules)
		pr_warn("no guest modules given: nothing to run");
	dispatch.serial = opts.serial;
	dispatch.slice_ms = opts.slice_ms;
	dispatch.guest_cpus = opts.guest_cpus;
	dispatch_run(&boot_info, &dispatch, &t);
	nmi_report();
	pr_info("host events: %llu NMIs, %llu machine checks, %llu stray "
		"interrupts",
		nmi_count(), mce_count(), host_stray_count());
	report_locks();
	kprintf("braid: summary: %u guests, %u passed, %u failed\n", t.guests,
		t.passed, t.failed);
	/* With one guest, pass its own result through unchanged, so a kernel
	 * reports the same status under braid as on bare QEMU. */
	platform_exit(t.guests && !t.failed,
		      t.guests == 1 ? t.last_code : t.failed != 0);
}
