// SPDX-License-Identifier: MIT
/*
 * virtinsn: executes the vendor's "enter virtualization" instruction.
 *
 * VMXON (Intel) or VMRUN (AMD) in a guest must reach the hypervisor: in
 * VMX non-root operation VMXON always exits (SDM Vol. 3C 26.1.2), and SVM
 * requires the VMRUN intercept (APM Vol. 2 15.5.1). braid does not nest,
 * so it is expected to stop the guest there. On bare QEMU both raise #UD
 * (CR4.VMXE / EFER.SVME are clear). Either way, surviving is a FAIL.
 */
#include "rt.h"

static u8 *region; /* zeroed: VMXON region / VMCB */

static void do_vmxon(void *arg)
{
	u64 pa = (u64)arg;

	asm volatile("vmxon %0" : : "m"(pa) : "memory", "cc");
}

static void do_vmrun(void *arg)
{
	asm volatile("vmrun" : : "a"(arg) : "memory");
}

static void run(const char *insn, void (*fn)(void *))
{
	struct fault f;

	printf("virtinsn: executing %s with a zeroed page at %p\n", insn,
	       region);
	if (catch_fault(fn, region, &f))
		report(false, "virtinsn: %s raised %s (error %#lx) at rip %#lx",
		       insn, exception_name(f.vector), f.error_code, f.rip);
	else
		report(false, "virtinsn: %s completed in the guest", insn);
}

void guest_main(void)
{
	char vendor[13];

	cpu_vendor(vendor);
	region = page_alloc();
	printf("virtinsn: CPU vendor \"%s\"\n", vendor);
	if (!memcmp(vendor, "GenuineIntel", 12))
		run("VMXON", do_vmxon);
	else if (!memcmp(vendor, "AuthenticAMD", 12))
		run("VMRUN", do_vmrun);
	else
		report(false, "virtinsn: unknown CPU vendor \"%s\"", vendor);
	report_summary();
}
