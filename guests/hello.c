// SPDX-License-Identifier: MIT
/*
 * hello: the smallest useful guest. Checks what the loader handed over and,
 * under braid, the hypercall ABI of include/braid/abi.h.
 */
#include "rt.h"

#define HC_UNKNOWN   0xdead
#define MIN_SANE_RAM (8 * MiB)
#define MAX_SANE_RAM (64 * GiB)

static char hc_text[128];
static struct braid_stats stats;

static void check_boot_info(void)
{
	report(boot.magic == MB_BOOT_MAGIC, "multiboot magic %#x", boot.magic);
	report(boot.flags & BIT(0), "multiboot info has mem_lower/mem_upper");
	report(boot.ram_bytes >= MIN_SANE_RAM && boot.ram_bytes <= MAX_SANE_RAM,
	       "RAM size sane: %lu KiB", boot.ram_bytes / KiB);
}

static void check_version(void)
{
	long v = hypercall(HC_VERSION, 0, 0, 0);

	report(v == BRAID_ABI_VERSION, "HC_VERSION = %ld (want %u)", v,
	       BRAID_ABI_VERSION);
	report(cpuid(BRAID_CPUID_INFO, 0).eax == BRAID_ABI_VERSION,
	       "CPUID 0x40000001 EAX = ABI version");
}

static void check_print(void)
{
	int n = snprintf(hc_text, sizeof(hc_text),
			 "hello from a guest, through HC_PRINT\n");
	long r = hypercall(HC_PRINT, (u64)hc_text, n, 0);
	u64 bad = ALIGN_UP(boot.ram_end, 16 * MiB) + 16 * MiB;

	report(r >= 0, "HC_PRINT returns %ld", r);
	r = hypercall(HC_PRINT, bad, 16, 0);
	report(r == HC_ERR_INVAL,
	       "HC_PRINT of gpa %#lx (outside RAM) = %ld (want %ld)", bad, r,
	       HC_ERR_INVAL);
}

static u64 abs_diff(u64 a, u64 b)
{
	return a > b ? a - b : b - a;
}

/* Counters are read after the CPUIDs and hypercalls they must include. */
static void check_stats(void)
{
	unsigned long cpuids = cpuid_count;
	unsigned long earlier = hypercall_count;
	long r = hypercall(HC_STATS, (u64)&stats, sizeof(stats), 0);

	report(r >= 0, "HC_STATS returns %ld", r);
	report(stats.exits_total > 0, "exits_total = %llu", stats.exits_total);
	report(stats.exits[EXIT_CPUID] >= cpuids,
	       "exits[EXIT_CPUID] = %llu >= %lu CPUIDs executed",
	       stats.exits[EXIT_CPUID], cpuids);
	report(stats.exits[EXIT_HYPERCALL] >= earlier,
	       "exits[EXIT_HYPERCALL] = %llu >= %lu earlier hypercalls",
	       stats.exits[EXIT_HYPERCALL], earlier);
	report(abs_diff(stats.mem_bytes, boot.ram_bytes) <= 1 * MiB,
	       "mem_bytes = %llu KiB, multiboot says %lu KiB (within 1 MiB)",
	       stats.mem_bytes / KiB, boot.ram_bytes / KiB);
	r = hypercall(HC_STATS, ALIGN_UP(boot.ram_end, 16 * MiB) + 16 * MiB,
		      sizeof(stats), 0);
	report(r == HC_ERR_INVAL, "HC_STATS outside RAM = %ld (want %ld)", r,
	       HC_ERR_INVAL);
}

static void check_braid(void)
{
	long r;

	printf("hello: braid detected, vendor %u (%s)\n", braid_vendor(),
	       braid_vendor() == BRAID_VENDOR_SVM ? "VMMCALL" : "VMCALL");
	check_version();
	check_print();
	r = hypercall(HC_UNKNOWN, 0, 0, 0);
	report(r == HC_ERR_NOSYS, "unknown hypercall %#x = %ld (want %ld)",
	       HC_UNKNOWN, r, HC_ERR_NOSYS);
	check_stats();
}

void guest_main(void)
{
	printf("hello: greetings from a braid toy guest\n");
	printf("hello: command line: \"%s\"\n",
	       boot.cmdline ? boot.cmdline : "(none)");
	mb_print();
	check_boot_info();
	if (braid_present())
		check_braid();
	else
		printf("hello: braid not detected (CPUID.1:ECX[31]=%u), "
		       "skipping hypercall checks\n",
		       !!(cpuid(1, 0).ecx & BIT(31)));
	report_summary();
}
