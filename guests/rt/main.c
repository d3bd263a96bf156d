// SPDX-License-Identifier: MIT
/* C entry from entry.S: bring the runtime up, then run the guest. */
#include "rt.h"
#include <braid/marker.h>

void rt_start(u32 magic, u32 mbi);

void rt_start(u32 magic, u32 mbi)
{
	pic_mask_all();
	serial_init();
	tss_init();
	trap_init();
	mb_parse(magic, mbi);
	mem_init();
	printf("guest runtime: multiboot magic %#x, info at %#x\n", magic, mbi);
	mem_print();
	/* The measurement window of tools/tlbplugin: the guest's own work,
	 * the same instructions bare and under braid. */
	BRAID_MARK(BRAID_MARK_BEGIN, BRAID_WINDOW_GUEST);
	guest_main();
	report_summary(); /* ends the window */
}
