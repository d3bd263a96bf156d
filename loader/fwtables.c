// SPDX-License-Identifier: MIT
/* A guest's firmware tables in its "BIOS ROM" area (see fwtables.h). */
#include "dm/acpi_tables.h"
#include "dm/mptable.h"
#include "loader/fwtables.h"

_Static_assert(FW_MAX_VCPUS <= MPTABLE_MAX_CPUS &&
		       FW_MAX_VCPUS <= ACPI_TABLES_MAX_CPUS,
	       "FW_MAX_VCPUS");
_Static_assert(FW_MPTABLE_GPA + MPTABLE_MAX_SIZE <= FW_ACPI_GPA,
	       "MP table overlaps the ACPI tables");
_Static_assert(FW_ACPI_GPA + ACPI_TABLES_MAX_SIZE <= 0x100000,
	       "ACPI tables leave the BIOS area");

int fw_tables_write(const struct load_target *t, unsigned n)
{
	u8 *mp = guest_mem_ptr(t->ram, FW_MPTABLE_GPA, MPTABLE_MAX_SIZE);
	u8 *acpi = guest_mem_ptr(t->ram, FW_ACPI_GPA, ACPI_TABLES_MAX_SIZE);

	if (!n || n > FW_MAX_VCPUS) {
		load_err(t, "%u vCPUs; the firmware tables describe 1 to %u", n,
			 FW_MAX_VCPUS);
		return -E2BIG;
	}
	if (!mp || !acpi) {
		load_err(t, "its RAM does not reach the BIOS area at 0x%x",
			 FW_AREA_GPA);
		return -EFAULT;
	}
	mptable_build(mp, FW_MPTABLE_GPA, n);
	acpi_tables_build(acpi, FW_ACPI_GPA, n);
	return 0;
}
