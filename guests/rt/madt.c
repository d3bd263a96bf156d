// SPDX-License-Identifier: MIT
/* Reading the Processor Local APIC entries of the ACPI MADT (see madt.h). */
#include "madt.h"
#include "biosarea.h"

#define BIOS_AREA_START 0xe0000
#define BIOS_AREA_END	0x100000

static const struct acpi_rsdp *scan_rsdp(u64 start, u64 end)
{
	u64 pa;

	for (pa = start; pa + 20 <= end; pa += 16)
		if (!memcmp((const void *)pa, "RSD PTR ", 8) &&
		    bytes_sum_zero((const void *)pa, 20))
			return (const void *)pa;
	return NULL;
}

/* ACPI 5.2.5.1: on a 16-byte boundary in the EBDA's first KiB, or in
 * the BIOS area 0xE0000-0xFFFFF. */
static const struct acpi_rsdp *find_rsdp(void)
{
	u64 ebda = bios_ebda_base();
	const struct acpi_rsdp *rsdp = NULL;

	if (ebda)
		rsdp = scan_rsdp(ebda, ebda + KiB);
	return rsdp ? rsdp : scan_rsdp(BIOS_AREA_START, BIOS_AREA_END);
}

/* Tables are used only below 1 GiB: what the runtime maps. */
static const struct acpi_sdt_header *table_at(u64 pa, const char *sig)
{
	const struct acpi_sdt_header *h = (const void *)pa;

	if (!pa || pa >= GiB || memcmp(h->signature, sig, 4) ||
	    !bytes_sum_zero(h, h->length))
		return NULL;
	return h;
}

/* The MADT among the RSDT's 32-bit or the XSDT's 64-bit pointers. */
static const struct acpi_madt *find_madt(const struct acpi_rsdp *rsdp)
{
	bool x = rsdp->revision >= 2 && rsdp->xsdt_address;
	const struct acpi_sdt_header *root =
		x ? table_at(rsdp->xsdt_address, "XSDT")
		  : table_at(rsdp->rsdt_address, "RSDT");
	unsigned int i, n, width = x ? 8 : 4;

	if (!root)
		return NULL;
	n = (root->length - sizeof(*root)) / width;
	for (i = 0; i < n; i++) {
		const u8 *ent = (const u8 *)(root + 1) + i * width;
		u64 pa = x ? *(const u64 *)ent : *(const u32 *)ent;
		const struct acpi_sdt_header *h = table_at(pa, "APIC");

		if (h)
			return (const struct acpi_madt *)h;
	}
	return NULL;
}

bool madt_find_cpus(struct mp_cpus *out)
{
	const struct acpi_rsdp *rsdp = find_rsdp();
	const struct acpi_madt *madt = rsdp ? find_madt(rsdp) : NULL;
	const u8 *p, *end;

	*out = (struct mp_cpus){ .source = "MADT", .bsp = -1 };
	if (!madt)
		return false;
	out->table_pa = (u64)madt;
	out->lapic_address = madt->local_apic_address;
	end = (const u8 *)madt + madt->header.length;
	for (p = (const u8 *)(madt + 1); p + 2 <= end && p[1]; p += p[1]) {
		const struct acpi_madt_local_apic *e = (const void *)p;

		if (e->type == MADT_TYPE_LOCAL_APIC &&
		    (e->flags & MADT_LAPIC_ENABLED) && out->n < MP_MAX_CPUS)
			out->apic_id[out->n++] = e->apic_id;
	}
	return out->n > 0;
}
