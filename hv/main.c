// SPDX-License-Identifier: MIT
/*
 * braid's boot path, from the long-mode entry in boot/entry.S to the last
 * guest: copy the boot information, bring up this CPU, memory and the
 * virtualization extensions, then run each guest module to completion and
 * print a summary.
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
#include "hv/classify.h"
#include "hv/guest.h"
#include "hv/hostcons.h"
#include "loader/linux.h"
#include "loader/multiboot.h"
#include "lib/log.h"
#include "hv/options.h"
#include "hv/panic.h"
#include "hv/platform.h"
#include "hv/run.h"
#include "hv/stats.h"
#include "lib/report.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/hostmap.h"
#include "lib/phys.h"

void kmain(u32 magic, u32 info);

extern char _image_start[], _image_end[];

static struct boot_info boot_info;
static struct pt host_pt;
static struct guest guest; /* the one running now; see docs/ for SMP plans */

struct tally {
	unsigned guests, passed, failed;
	u32 last_code;
};

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
 * Linux learns the TSC rate from CPUID leaf 0x15 only on Intel CPUs
 * (braid offers it, hv/cpuid.c); elsewhere it times the PIT, and its
 * checks reject a PIT whose every read is a VM exit as slow as an
 * emulator's. braid knows the rate, so it says so on the command line
 * (Documentation/admin-guide/kernel-parameters.txt, tsc_early_khz=)
 * unless the user already did.
 */
static const char *linux_cmdline(const struct guest *g, char *buf, size_t n)
{
	const char *user = g->cfg.dashdash ? g->cfg.cmdline : "";

	if (vendor == &vmx_ops || strstr(user, "tsc_early_khz="))
		return user;
	snprintf(buf, n, "%s%stsc_early_khz=%llu", user, *user ? " " : "",
		 (unsigned long long)(tsc_hz() / 1000));
	return buf;
}

/* A Linux bzImage gets @extra as its initrd and only the words after
 * "--"; anything else is loaded as a multiboot kernel. */
static int load_guest(struct guest *g, const struct boot_module *m,
		      const struct boot_module *extra)
{
	static char cmdline[GUEST_NAME_MAX + GUEST_CMDLINE_MAX + 32];
	const u8 *image = pa_to_va(m->start);
	u64 size = m->end - m->start;
	struct load_target t = { g->cfg.name, &g->ram, g->cfg.cmdline };
	struct boot_entry entry;
	int err;

	if (linux_is_bzimage(image, size)) {
		err = load_linux(&t, image, size, extra,
				 linux_cmdline(g, cmdline, sizeof(cmdline)),
				 &entry);
	} else {
		/* As GRUB and QEMU do, the kernel's name comes first (its
		 * argv[0], which many kernels skip), then its arguments. */
		snprintf(cmdline, sizeof(cmdline), "%s%s%s", g->cfg.name,
			 g->cfg.cmdline[0] ? " " : "", g->cfg.cmdline);
		t.cmdline = cmdline;
		err = load_multiboot(&t, image, size, extra, &entry);
	}
	/* A toy kernel that never ends is a bug; Linux runs as long as its
	 * user wants, unless told otherwise. */
	if (!g->cfg.cpu_time_set && !linux_is_bzimage(image, size))
		g->cfg.cpu_time = GUEST_TIME_DEFAULT;
	if (!err)
		guest_reset(g, &entry);
	return err;
}

/* Parse the guest's options; a module line the boot information could
 * not hold whole is an error, not a silently shorter command line. */
static int guest_options(unsigned index, const struct boot_module *m,
			 const struct boot_module *extra,
			 struct guest_config *cfg, char *why, size_t len)
{
	int err = parse_guest_options(m->cmdline, index, cfg, why, len);

	if (m->truncated || (extra && extra->truncated)) {
		snprintf(why, len,
			 "a module command line is longer than %d bytes",
			 BOOT_MODLINE_MAX - 1);
		return -E2BIG;
	}
	return err;
}

/*
 * After a reset (on_reset=restart): the machine again, as at power-on,
 * with its image loaded afresh, RAM zeroed and every device reset, but
 * the CMOS memory kept, as a PC's battery keeps it. 0, or the guest is
 * left stopped.
 */
static int restart_guest(struct guest *g, const struct boot_module *m,
			 const struct boot_module *extra)
{
	static struct guest_config cfg;
	static u8 cmos[RTC_CMOS_SIZE];

	cfg = g->cfg;
	memcpy(cmos, g->plat.rtc.cmos, sizeof(cmos));
	guest_destroy(g);
	if (guest_create(g, &cfg) || load_guest(g, m, extra)) {
		guest_info(g, "not started again");
		g->state = GUEST_STOPPED;
		return -ENOMEM;
	}
	memcpy(g->plat.rtc.cmos + RTC_NVRAM_FIRST, cmos + RTC_NVRAM_FIRST,
	       sizeof(cmos) - RTC_NVRAM_FIRST);
	return 0;
}

/* Boot one guest module (and the module attached to it, if any). */
static void run_guest(unsigned index, const struct boot_module *m,
		      const struct boot_module *extra, struct tally *t)
{
	static struct guest_config cfg; /* 4 KiB: not on the boot stack */
	char why[160];
	bool ok;

	t->guests++;
	t->last_code = 1;
	if (guest_options(index, m, extra, &cfg, why, sizeof(why))) {
		kprintf("braid: guest %s: error: %s\n", cfg.name, why);
		kprintf("braid: guest %s: not started\n", cfg.name);
		t->failed++;
		return;
	}
	if (guest_create(&guest, &cfg)) {
		kprintf("braid: guest %s: not started\n", cfg.name);
		t->failed++;
		return;
	}
	guest_info(&guest, "starting: %s paging, %llu MiB",
		   paging_mode_name(cfg.paging),
		   (unsigned long long)(cfg.mem >> 20));
	if (load_guest(&guest, m, extra)) {
		guest_info(&guest, "not started");
		guest_destroy(&guest);
		t->failed++;
		return;
	}
	guest_run(&guest);
	while (guest.state == GUEST_RESET && !restart_guest(&guest, m, extra))
		guest_run(&guest);
	ok = guest.state == GUEST_EXITED && guest.result == BRAID_RESULT_PASS;
	if (guest.state == GUEST_EXITED)
		guest_info(&guest, "exited with result %u (%s)", guest.result,
			   ok ? "pass" : "fail");
	classify_dump(&guest);
	stats_print(&guest);
	t->last_code = guest.state == GUEST_EXITED ? guest.result : 1;
	ok ? t->passed++ : t->failed++;
	guest_destroy(&guest);
	hostcons_flush(); /* between guests: nothing is timed */
}

static void run_all_guests(struct tally *t)
{
	unsigned index = 0;

	for (unsigned i = 0; i < boot_info.nr_modules; i++) {
		const struct boot_module *m = &boot_info.modules[i];
		const struct boot_module *extra = NULL;

		if (m->cmdline[0] == '+') {
			pr_warn("module %u (\"%s\") follows no guest; ignored",
				i, m->cmdline);
			continue;
		}
		if (i + 1 < boot_info.nr_modules &&
		    boot_info.modules[i + 1].cmdline[0] == '+')
			extra = &boot_info.modules[++i];
		run_guest(index++, m, extra, t);
		nmi_report();
	}
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

void kmain(u32 magic, u32 info)
{
	struct braid_options opts;
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
	run_all_guests(&t);
	nmi_report();
	pr_info("host events: %llu NMIs, %llu machine checks, %llu stray "
		"interrupts",
		nmi_count(), mce_count(), host_stray_count());
	kprintf("braid: summary: %u guests, %u passed, %u failed\n", t.guests,
		t.passed, t.failed);
	/* With one guest, pass its own result through unchanged, so a kernel
	 * reports the same status under braid as on bare QEMU. */
	platform_exit(t.guests && !t.failed,
		      t.guests == 1 ? t.last_code : t.failed != 0);
}
