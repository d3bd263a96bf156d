/* SPDX-License-Identifier: MIT */
/*
 * ACPI table discovery (ACPI 6.5, chapter 5.2): the RSDP, the XSDT or
 * RSDT it points to, and the tables they list, each checked before it is
 * handed out. The layouts are in acpispec.h.
 */
#ifndef ARCH_ACPI_H
#define ARCH_ACPI_H

#include "arch/x86_64/acpispec.h"
#include "boot/bootinfo.h"
#include "lib/types.h"

/* What braid uses of the FADT and MADT (arch/x86_64/acpi_platform.c). */
struct acpi_platform {
	u16 pm_timer_port; /* 0: none */
	bool pm_timer_32bit;
	bool has_reset_reg;
	struct acpi_gas reset_reg;
	u8 reset_value;
	unsigned nr_cpus; /* enabled or online-capable, this one too */
};
extern struct acpi_platform acpi_platform;
/* Fill acpi_platform from the tables acpi_init() found. */
void acpi_platform_init(void);
/* The APIC IDs of the CPUs the MADT lists as usable, up to @max; returns
 * how many there are. */
unsigned acpi_cpu_ids(u32 *ids, unsigned max);

/* Find the tables: the RSDP the boot loader handed over in @bi, else the
 * one the BIOS areas hold. Without one, acpi_find() finds nothing. */
void acpi_init(const struct boot_info *bi);
/* The @instance-th (from 0) valid table with signature @sig, or NULL when
 * there is none or it fails its checksum or length checks. */
const struct acpi_table_header *acpi_find(const char sig[4], unsigned instance);

#endif
