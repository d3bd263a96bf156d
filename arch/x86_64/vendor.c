// SPDX-License-Identifier: MIT
/* Pick VT-x or AMD-V from the CPU's vendor string (CPUID leaf 0). */
#define LOG_TAG "cpu"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/vendor.h"
#include "lib/log.h"
#include "lib/report.h"
#include "lib/string.h"

const struct vendor_ops *vendor;

/* Vendor, family/model/stepping (SDM Vol. 2A, CPUID leaf 1: the extended
 * fields count for family 6 and 15) and the brand string. */
static void note_cpu(const char *id)
{
	u32 sig = cpuid(1, 0).eax, brand[13] = { 0 };
	unsigned family = (sig >> 8) & 0xf, model = (sig >> 4) & 0xf;
	const char *b = (const char *)brand;

	if (family == 6 || family == 15)
		model |= (sig >> 12) & 0xf0;
	if (family == 15)
		family += (sig >> 20) & 0xff;
	if (cpuid(0x80000000, 0).eax >= 0x80000004)
		for (u32 i = 0; i < 3; i++) {
			struct cpuid_regs r = cpuid(0x80000002 + i, 0);

			memcpy(brand + 4 * i, &r, 16);
		}
	while (*b == ' ')
		b++;
	report_note("cpu", "%s family 0x%x model 0x%x stepping %u \"%s\"", id,
		    family, model, sig & 0xf, b);
}

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
	note_cpu(id);
	return vendor->check();
}
