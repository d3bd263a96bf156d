// SPDX-License-Identifier: MIT
/*
 * triple: shuts the (virtual) CPU down with a triple fault.
 *
 * With an IDT limit of 0 no vector can be delivered: INT3 finds no gate
 * and raises #GP, the #GP finds none and becomes #DF, and a fault while
 * delivering #DF is a triple fault, which shuts the processor down (SDM
 * Vol. 3A 6.15, "Interrupt 8 - Double Fault Exception"). A hypervisor sees
 * a triple-fault exit; bare QEMU with -no-reboot exits.
 */
#include "rt.h"

void guest_main(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed empty_idt = { 0, 0 };

	printf("triple: about to triple fault\n");
	asm volatile("lidt %0\n\t"
		     "int3\n\t"
		     "ud2"
		     :
		     : "m"(empty_idt));
	/* Not reached: nothing can take an exception any more. */
	report(false, "triple: still running after the triple fault");
	report_summary();
}
