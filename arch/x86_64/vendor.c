// SPDX-License-Identifier: MIT
/* Pick VT-x or AMD-V from the CPU's vendor string (CPUID leaf 0). */
#define LOG_TAG "cpu"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/vendor.h"
#include "lib/log.h"
#include "lib/string.h"

const struct vendor_ops *vendor;

int vendor_select(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	char id[13];

	memcpy(id, &r.ebx, 4);
	memcpy(id + 4, &r.edx, 4);
	memcpy(id + 8, &r.ecx, 4);
	id[12] = '\0';
	if (!strcmp(id, "GenuineIntel"))
		vendor = &vmx_ops;
	else if (!strcmp(id, "AuthenticAMD") || !strcmp(id, "HygonGenuine"))
		vendor = &svm_ops;
	if (!vendor) {
		pr_err("unsupported CPU vendor \"%s\": braid needs Intel VT-x or AMD-V",
		       id);
		return -ENOTSUP;
	}
	pr_info("%s CPU, using %s", id, vendor->name);
	return vendor->check();
}
