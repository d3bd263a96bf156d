// SPDX-License-Identifier: MIT
/* arch/x86_64/acpi.c: RSDP discovery and table lookup over synthetic
 * tables built in fake physical memory. */
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/acpi.h"
#include "tests/unit/fake_phys.h"
#include "tests/unit/unit.h"

#define EBDA	  0x9fc00
#define BIOS_RSDP 0xe4560
#define XSDT	  0x200000
#define RSDT	  0x201000
#define TABLES	  0x202000 /* one table per 4 KiB from here */

static char log_buf[4096];

void kprintf(const char *fmt, ...)
{
	va_list ap;
	size_t len = strlen(log_buf);

	va_start(ap, fmt);
	vsnprintf(log_buf + len, sizeof(log_buf) - len, fmt, ap);
	va_end(ap);
}

static struct boot_info bi;

static void fix_checksum(void *p, size_t n, u8 *field)
{
	u8 s = 0;

	*field = 0;
	for (size_t i = 0; i < n; i++)
		s += ((u8 *)p)[i];
	*field = (u8)-s;
}

/* A table at @pa with signature @sig and @len bytes (header included). */
static struct acpi_table_header *make_table(u64 pa, const char *sig, u32 len)
{
	struct acpi_table_header *t = fake_phys_ptr(pa);

	memset(t, 0, len);
	memcpy(t->signature, sig, 4);
	t->length = len;
	t->revision = 1;
	for (u32 i = sizeof(*t); i < len; i++)
		((u8 *)t)[i] = (u8)(i * 7);
	fix_checksum(t, len, &t->checksum);
	return t;
}

/* An XSDT (or RSDT, @size 4) listing @n tables. */
static void make_root(u64 pa, const char *sig, unsigned size, const u64 *pas,
		      unsigned n)
{
	struct acpi_table_header *t =
		make_table(pa, sig, sizeof(*t) + size * n);

	for (unsigned i = 0; i < n; i++)
		memcpy((u8 *)(t + 1) + i * size, &pas[i], size);
	fix_checksum(t, t->length, &t->checksum);
}

static void make_rsdp(struct acpi_rsdp *r, u8 rev, u32 rsdt, u64 xsdt)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->signature, "RSD PTR ", 8);
	memcpy(r->oem_id, "BRAIDT", 6);
	r->revision = rev;
	r->rsdt_address = rsdt;
	r->length = sizeof(*r);
	r->xsdt_address = xsdt;
	fix_checksum(r, ACPI_RSDP_V1_LENGTH, &r->checksum);
	fix_checksum(r, sizeof(*r), &r->extended_checksum);
}

/* The boot loader's copy of an RSDP (multiboot2 tag 15). */
static void give_rsdp(u8 rev, u32 rsdt, u64 xsdt)
{
	make_rsdp((struct acpi_rsdp *)bi.rsdp, rev, rsdt, xsdt);
	bi.rsdp_len = rev >= 2 ? 36 : 20;
}

static int setup(void **state)
{
	(void)state;
	fake_phys_clear(0, MiB(4));
	memset(&bi, 0, sizeof(bi));
	log_buf[0] = '\0';
	return 0;
}

static void test_xsdt_from_loader(void **state)
{
	u64 pas[] = { TABLES, TABLES + 0x1000, TABLES + 0x2000 };

	(void)state;
	make_table(pas[0], "FACP", 276);
	make_table(pas[1], "APIC", 100);
	make_table(pas[2], "APIC", 120);
	make_root(XSDT, "XSDT", 8, pas, 3);
	give_rsdp(2, 0, XSDT);
	acpi_init(&bi);
	assert_ptr_equal(acpi_find("FACP", 0), fake_phys_ptr(pas[0]));
	assert_ptr_equal(acpi_find("APIC", 0), fake_phys_ptr(pas[1]));
	assert_ptr_equal(acpi_find("APIC", 1), fake_phys_ptr(pas[2]));
	assert_null(acpi_find("APIC", 2));
	assert_null(acpi_find("SPCR", 0));
	assert_non_null(strstr(log_buf, "XSDT at 0x200000: FACP APIC APIC"));
}

/* An XSDT that fails its checksum: the RSDT is used instead. */
static void test_prefers_xsdt_falls_back_to_rsdt(void **state)
{
	u64 x[] = { TABLES };
	u64 r[] = { TABLES + 0x1000 };
	struct acpi_table_header *xsdt;

	(void)state;
	make_table(x[0], "SPCR", 80);
	make_table(r[0], "SPCR", 80);
	make_root(XSDT, "XSDT", 8, x, 1);
	make_root(RSDT, "RSDT", 4, r, 1);
	give_rsdp(2, RSDT, XSDT);
	acpi_init(&bi);
	assert_ptr_equal(acpi_find("SPCR", 0), fake_phys_ptr(x[0]));

	xsdt = fake_phys_ptr(XSDT);
	xsdt->checksum ^= 1;
	acpi_init(&bi);
	assert_ptr_equal(acpi_find("SPCR", 0), fake_phys_ptr(r[0]));
}

/* A table with a bad checksum, one whose length runs short of its own
 * header, and one that claims more than memory braid maps: none is
 * handed out, and the valid one after them still is. */
static void test_bad_tables_skipped(void **state)
{
	u64 pas[] = { TABLES, TABLES + 0x1000, GiB(5), TABLES + 0x2000 };
	struct acpi_table_header *bad;

	(void)state;
	bad = make_table(pas[0], "HPET", 56);
	bad->checksum += 1;
	bad = make_table(pas[1], "HPET", 56);
	bad->length = 20; /* truncated: shorter than the header */
	fix_checksum(bad, 20, &bad->checksum);
	make_table(pas[3], "HPET", 56);
	make_root(XSDT, "XSDT", 8, pas, 4);
	give_rsdp(2, 0, XSDT);
	acpi_init(&bi);
	assert_ptr_equal(acpi_find("HPET", 0), fake_phys_ptr(pas[3]));
	assert_null(acpi_find("HPET", 1));
	assert_non_null(strstr(log_buf, ": ! ! ! HPET"));
}

/* A table whose length reaches past the end of mapped memory. */
static void test_table_past_map_end(void **state)
{
	u64 pas[] = { TABLES };
	struct acpi_table_header *t;

	(void)state;
	t = make_table(pas[0], "BERT", 48);
	t->length = 0xfffffff0u; /* longer than ACPI_TABLE_MAX */
	make_root(XSDT, "XSDT", 8, pas, 1);
	give_rsdp(2, 0, XSDT);
	acpi_init(&bi);
	assert_null(acpi_find("BERT", 0));
}

/* No loader copy: the RSDP is found in the BIOS area on a 16-byte
 * boundary (a bad one before it is passed over). An ACPI 1.0 RSDP
 * (revision 0) is used through its RSDT. */
static void test_scan_bios_area(void **state)
{
	u64 r[] = { TABLES };
	struct acpi_rsdp *bad = fake_phys_ptr(BIOS_RSDP - 0x30);

	(void)state;
	make_table(r[0], "FACP", 116);
	make_root(RSDT, "RSDT", 4, r, 1);
	make_rsdp(fake_phys_ptr(BIOS_RSDP), 0, RSDT, 0);
	make_rsdp(bad, 0, RSDT, 0);
	bad->checksum ^= 0x55;
	acpi_init(&bi);
	assert_ptr_equal(acpi_find("FACP", 0), fake_phys_ptr(r[0]));
}

/* The EBDA's first KiB is searched first (ACPI 6.5 5.2.5.1). */
static void test_scan_ebda(void **state)
{
	u64 e[] = { TABLES }, b[] = { TABLES + 0x1000 };
	u16 seg = EBDA >> 4;

	(void)state;
	memcpy(fake_phys_ptr(0x40e), &seg, 2);
	make_table(e[0], "FACP", 116);
	make_table(b[0], "FACP", 116);
	make_root(RSDT, "RSDT", 4, e, 1);
	make_root(RSDT + 0x800, "RSDT", 4, b, 1);
	make_rsdp(fake_phys_ptr(EBDA + 0x20), 0, RSDT, 0);
	make_rsdp(fake_phys_ptr(BIOS_RSDP), 0, RSDT + 0x800, 0);
	acpi_init(&bi);
	assert_ptr_equal(acpi_find("FACP", 0), fake_phys_ptr(e[0]));
}

/* A loader copy that fails its extended checksum is not trusted; with
 * nothing in the BIOS areas there are no tables at all. */
static void test_bad_rsdp_no_tables(void **state)
{
	u64 pas[] = { TABLES };

	(void)state;
	make_table(pas[0], "FACP", 116);
	make_root(XSDT, "XSDT", 8, pas, 1);
	give_rsdp(2, 0, XSDT);
	bi.rsdp[35] ^= 1; /* reserved byte: only the extended sum sees it */
	acpi_init(&bi);
	assert_null(acpi_find("FACP", 0));
	assert_non_null(strstr(log_buf, "no RSDP found"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_xsdt_from_loader, setup),
		cmocka_unit_test_setup(test_prefers_xsdt_falls_back_to_rsdt,
				       setup),
		cmocka_unit_test_setup(test_bad_tables_skipped, setup),
		cmocka_unit_test_setup(test_table_past_map_end, setup),
		cmocka_unit_test_setup(test_scan_bios_area, setup),
		cmocka_unit_test_setup(test_scan_ebda, setup),
		cmocka_unit_test_setup(test_bad_rsdp_no_tables, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
