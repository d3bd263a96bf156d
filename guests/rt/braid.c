// SPDX-License-Identifier: MIT
#include "braid.h"
#include "x86.h"

#define CPUID_1_ECX_HYPERVISOR BIT(31)

unsigned long hypercall_count;

bool braid_present(void)
{
	struct cpuid_regs r = cpuid(1, 0);

	if (!(r.ecx & CPUID_1_ECX_HYPERVISOR))
		return false;
	r = cpuid(BRAID_CPUID_BASE, 0);
	return r.ebx == BRAID_CPUID_SIG_EBX && r.ecx == BRAID_CPUID_SIG_ECX &&
	       r.edx == BRAID_CPUID_SIG_EDX && r.eax >= BRAID_CPUID_INFO;
}

u32 braid_vendor(void)
{
	static u32 vendor;

	if (!vendor && braid_present())
		vendor = cpuid(BRAID_CPUID_INFO, 0).ebx;
	return vendor;
}

/*
 * VMCALL (0f 01 c1) exits on VMX; VMMCALL (0f 01 d9) exits on SVM. Each
 * raises #UD on the other vendor, so the choice must follow braid's leaf.
 */
long hypercall(u64 nr, u64 a, u64 b, u64 c)
{
	u64 ret = nr;

	hypercall_count++;
	if (braid_vendor() == BRAID_VENDOR_SVM)
		asm volatile("vmmcall"
			     : "+a"(ret), "+b"(a), "+c"(b), "+d"(c)
			     :
			     : "memory");
	else
		asm volatile("vmcall"
			     : "+a"(ret), "+b"(a), "+c"(b), "+d"(c)
			     :
			     : "memory");
	return (long)ret;
}
