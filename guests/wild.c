// SPDX-License-Identifier: MIT
/*
 * wild: reads guest-physical memory that has no RAM behind it.
 *
 * 0xE0000000 is identity-mapped with one large page (1G if the CPU has
 * them, else 2M); the page tables are fine, only the physical address is
 * bad. Under braid the access should stop the guest (an EPT violation or
 * nested page fault on an address outside guest RAM). If the read returns
 * anything at all, the guest was not stopped: FAIL.
 */
#include "rt.h"

#define WILD_PA 0xe0000000UL

static void map_wild(void)
{
	enum pg_level l = cpu_has_1g_pages() ? PG_1G : PG_2M;
	u64 base = ALIGN_DOWN(WILD_PA, level_size(l));

	if (vm_map(vm_current(), base, base, l, PTE_P | PTE_W) < 0) {
		report(false, "wild: could not map %#lx", WILD_PA);
		report_summary();
	}
	invlpg(WILD_PA);
	printf("wild: %#lx identity-mapped with a %s page; RAM ends at %#lx\n",
	       WILD_PA, level_name(l), boot.ram_end);
}

void guest_main(void)
{
	u32 v;

	map_wild();
	printf("wild: reading %#lx\n", WILD_PA);
	v = *(volatile u32 *)WILD_PA;
	printf("wild: read %#x from %#lx\n", v, WILD_PA);
	report(false, "wild: guest survived a read of non-RAM gpa %#lx",
	       WILD_PA);
	report_summary();
}
