// SPDX-License-Identifier: MIT
/* C entry from entry.S: bring the runtime up, then run the guest. */
#include "rt.h"

void rt_start(u32 magic, u32 mbi);

void rt_start(u32 magic, u32 mbi)
{
	serial_init();
	tss_init();
	trap_init();
	mb_parse(magic, mbi);
	mem_init();
	printf("guest runtime: multiboot magic %#x, info at %#x\n", magic, mbi);
	mem_print();
	guest_main();
	report_summary();
}
