// SPDX-License-Identifier: MIT
/*
 * The facts braid takes from ACPI's fixed tables: the PM timer (a 3.58 MHz
 * counter that, unlike the 8254, legacy-free boards still have) and the
 * reset register from the FADT; the CPUs from the MADT.
 */
#define LOG_TAG "acpi"
#include "arch/x86_64/acpi.h"
#include "lib/log.h"
#include "lib/string.h"
#include "mm/hostmap.h"

struct acpi_platform acpi_platform;

/* The FADT's field at @off, if the table is long enough to hold @len of
 * it (older revisions end earlier). */
static const void *field(const struct acpi_table_header *t, unsigned off,
			 unsigned len)
{
	return t->length >= off + len ? (const u8 *)t + off : NULL;
}

static void read_fadt(const struct acpi_table_header *f)
{
	const u32 *blk = field(f, FADT_PM_TMR_BLK, 4);
	const u8 *len = field(f, FADT_PM_TMR_LEN, 1);
	const u32 *flags = field(f, FADT_FLAGS, 4);
	const struct acpi_gas *xblk = field(f, FADT_X_PM_TMR_BLK, 12);
	const struct acpi_gas *reset = field(f, FADT_RESET_REG, 12);
	const u8 *value = field(f, FADT_RESET_VALUE, 1);
	struct acpi_platform *p = &acpi_platform;

	/* X_PM_TMR_BLK wins when it names an I/O port (5.2.9). */
	if (xblk && xblk->address_space_id == ACPI_GAS_SYSTEM_IO &&
	    xblk->address && xblk->address < 0x10000)
		p->pm_timer_port = (u16)xblk->address;
	else if (blk && len && *len == 4 && *blk && *blk < 0x10000)
		p->pm_timer_port = (u16)*blk;
	p->pm_timer_32bit = flags && (*flags & FADT_FLAG_TMR_VAL_EXT);
	if (flags && (*flags & FADT_FLAG_RESET_REG_SUP) && reset && value &&
	    reset->address &&
	    (reset->address_space_id == ACPI_GAS_SYSTEM_IO ||
	     (reset->address_space_id == ACPI_GAS_SYSTEM_MEMORY &&
	      !hostmap_map_device(reset->address, 1)))) {
		p->has_reset_reg = true;
		memcpy(&p->reset_reg, reset, sizeof(*reset));
		p->reset_value = *value;
	}
}

unsigned acpi_cpu_ids(u32 *ids, unsigned max)
{
	const struct acpi_table_header *m = acpi_find("APIC", 0);
	const u8 *p, *end;
	unsigned n = 0;

	if (!m || m->length < MADT_ENTRIES)
		return 0;
	end = (const u8 *)m + m->length;
	for (p = (const u8 *)m + MADT_ENTRIES;
	     p + 2 <= end && p[1] >= 2 && p + p[1] <= end; p += p[1]) {
		u32 id, flags;

		if (p[0] == MADT_TYPE_LAPIC && p[1] >= 8) {
			id = p[3];
			memcpy(&flags, p + 4, 4);
		} else if (p[0] == MADT_TYPE_X2APIC && p[1] >= 16) {
			memcpy(&id, p + 4, 4);
			memcpy(&flags, p + 8, 4);
		} else {
			continue;
		}
		if (!(flags & (MADT_LAPIC_ENABLED | MADT_LAPIC_ONLINE_CAPABLE)))
			continue;
		if (n < max)
			ids[n] = id;
		n++;
	}
	return n;
}

void acpi_platform_init(void)
{
	const struct acpi_table_header *f = acpi_find("FACP", 0);

	memset(&acpi_platform, 0, sizeof(acpi_platform));
	if (f)
		read_fadt(f);
	acpi_platform.nr_cpus = acpi_cpu_ids(NULL, 0);
}
