// SPDX-License-Identifier: MIT
/*
 * Finding ACPI tables (ACPI 6.5, 5.2.5 and 5.2.7/5.2.8): the RSDP from the
 * boot loader's copy or the BIOS areas, then the XSDT (preferred) or the
 * RSDT. Every structure is checked (signature, length, checksum, and that
 * it lies in memory braid's identity map covers) before it is read.
 */
#define LOG_TAG "acpi"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/bda.h"
#include "lib/checksum.h"
#include "lib/log.h"
#include "lib/phys.h"
#include "lib/report.h"
#include "lib/string.h"
#include "mm/hostmap.h"

/* A table longer than this is taken for garbage (the largest real ones,
 * DSDTs, are a few hundred KiB). */
#define ACPI_TABLE_MAX MiB(16)

#define BIOS_AREA_START 0xe0000
#define BIOS_AREA_END	0x100000

static struct acpi_rsdp rsdp; /* our copy; rsdp_ok says it is valid */
static bool rsdp_ok;
static u64 phys_limit; /* the identity map's end */

/* Inside the memory map's span, and mapped (a table in a hole gets an
 * uncacheable mapping of its own). */
static bool readable(u64 pa, u64 len)
{
	return pa && len <= phys_limit && pa <= phys_limit - len &&
	       !hostmap_map_device(pa, len);
}

/* ACPI 6.5 5.2.5.3: the ACPI 1.0 part sums to 0, and from revision 2 on
 * the whole (ACPI 2.0+) structure too. */
static bool rsdp_valid(const struct acpi_rsdp *r, size_t avail)
{
	if (avail < ACPI_RSDP_V1_LENGTH ||
	    memcmp(r->signature, "RSD PTR ", 8) ||
	    byte_sum(r, ACPI_RSDP_V1_LENGTH))
		return false;
	if (r->revision < 2)
		return true;
	return avail >= sizeof(*r) && r->length >= sizeof(*r) &&
	       !byte_sum(r, sizeof(*r));
}

static void take_rsdp(const void *p, size_t n)
{
	memset(&rsdp, 0, sizeof(rsdp));
	memcpy(&rsdp, p, MIN(n, sizeof(rsdp)));
	if (rsdp.revision < 2) /* ACPI 1.0: no XSDT, whatever follows */
		rsdp.xsdt_address = 0;
	rsdp_ok = true;
}

/* ACPI 6.5 5.2.5.1: the RSDP sits on a 16-byte boundary in the first KiB
 * of the EBDA or in the BIOS area 0xE0000-0xFFFFF. */
static bool scan(u64 start, u64 end)
{
	for (u64 pa = ALIGN_UP(start, 16); pa + ACPI_RSDP_V1_LENGTH <= end;
	     pa += 16) {
		const struct acpi_rsdp *r = pa_to_va(pa);

		if (rsdp_valid(r, end - pa)) {
			take_rsdp(r, end - pa);
			return true;
		}
	}
	return false;
}

static bool find_rsdp(const struct boot_info *bi)
{
	u64 ebda;

	if (bi->rsdp_len) {
		if (rsdp_valid((const void *)bi->rsdp, bi->rsdp_len)) {
			take_rsdp(bi->rsdp, bi->rsdp_len);
			return true;
		}
		pr_warn("the boot loader's RSDP fails its checks; scanning");
	}
	ebda = (u64) * (const u16 *)pa_to_va(BDA_EBDA_SEGMENT) << 4;
	if (ebda >= 0x400 && ebda < BIOS_AREA_START &&
	    scan(ebda, ebda + KiB(1)))
		return true;
	return scan(BIOS_AREA_START, BIOS_AREA_END);
}

/* A table header at @pa whose length and checksum hold, or NULL. */
static const struct acpi_table_header *table_at(u64 pa)
{
	const struct acpi_table_header *t;

	if (!readable(pa, sizeof(*t)))
		return NULL;
	t = pa_to_va(pa);
	if (t->length < sizeof(*t) || t->length > ACPI_TABLE_MAX ||
	    !readable(pa, t->length) || byte_sum(t, t->length))
		return NULL;
	return t;
}

/* The XSDT (8-byte entries) if there is a valid one, else the RSDT
 * (4-byte entries): ACPI 6.5 5.2.7 and 5.2.8. */
static const struct acpi_table_header *root(unsigned *entry_size)
{
	const struct acpi_table_header *t;

	if (!rsdp_ok)
		return NULL;
	t = rsdp.xsdt_address ? table_at(rsdp.xsdt_address) : NULL;
	if (t && !memcmp(t->signature, "XSDT", 4)) {
		*entry_size = 8;
		return t;
	}
	t = table_at(rsdp.rsdt_address);
	if (t && !memcmp(t->signature, "RSDT", 4)) {
		*entry_size = 4;
		return t;
	}
	return NULL;
}

/* Entry @i of the root table (entries may be unaligned: 5.2.7). */
static u64 entry(const struct acpi_table_header *r, unsigned size, unsigned i)
{
	u64 pa = 0;

	memcpy(&pa, (const u8 *)(r + 1) + (size_t)i * size, size);
	return pa;
}

const struct acpi_table_header *acpi_find(const char sig[4], unsigned instance)
{
	unsigned size, n;
	const struct acpi_table_header *r = root(&size);

	if (!r)
		return NULL;
	n = (r->length - sizeof(*r)) / size;
	for (unsigned i = 0; i < n; i++) {
		const struct acpi_table_header *t = table_at(entry(r, size, i));

		if (t && !memcmp(t->signature, sig, 4) && !instance--)
			return t;
	}
	return NULL;
}

/* One line naming the root table and what it lists ("!" marks a table
 * that fails its checks). */
static void log_tables(void)
{
	char list[256];
	size_t len = 0;
	unsigned size, n;
	const struct acpi_table_header *r = root(&size);

	if (!r) {
		pr_warn("the RSDP points at no valid XSDT or RSDT");
		return;
	}
	n = (r->length - sizeof(*r)) / size;
	list[0] = '\0';
	for (unsigned i = 0; i < n && len + 7 < sizeof(list); i++) {
		u64 pa = entry(r, size, i);
		const struct acpi_table_header *t = table_at(pa);

		if (t) {
			memcpy(list + len, " ", 1);
			memcpy(list + len + 1, t->signature, 4);
			len += 5;
		} else {
			memcpy(list + len, " !", 2);
			len += 2;
		}
		list[len] = '\0';
	}
	pr_info("%.4s at %#llx:%s", r->signature,
		(unsigned long long)va_to_pa(r), list);
	report_note("acpi", "%.4s at %#llx:%s", r->signature,
		    (unsigned long long)va_to_pa(r), list);
}

void acpi_init(const struct boot_info *bi)
{
	rsdp_ok = false;
	phys_limit = hostmap_top(bi);
	if (!find_rsdp(bi)) {
		pr_info("no RSDP found: no ACPI tables");
		return;
	}
	log_tables();
}
