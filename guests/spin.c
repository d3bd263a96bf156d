// SPDX-License-Identifier: MIT
/*
 * spin: never ends, and never exits to the hypervisor: a loop on
 * registers only. braid must not let it keep the guests after it from
 * running: with timeout=SECONDS it stops the guest when the time is up.
 *
 *   (default)  spins with interrupts enabled (none is set up to come)
 *   cli        spins with interrupts disabled, as a hostile guest would;
 *              a host interrupt still exits on hardware (SDM 26.2) and on
 *              QEMU, but not on Bochs (docs/emulators.md)
 *
 * Bare hardware would spin forever; under braid the expected result is a
 * "stopped:" line naming the time limit.
 */
#include "rt.h"

void guest_main(void)
{
	if (boot.cmdline && cmdline_has(boot.cmdline, "cli")) {
		printf("spin: cli; spinning\n");
		asm volatile("cli; 1: jmp 1b");
	} else {
		printf("spin: sti; spinning\n");
		asm volatile("sti; 1: jmp 1b");
	}
	report(false, "spin: the loop ended");
	report_summary();
}
