// SPDX-License-Identifier: MIT
/*
 * loader/fwtables.c, dm/mptable.c and dm/acpi_tables.c: the firmware
 * tables a guest finds in its RAM, read back the way an OS finds them
 * (a scan of 0xE0000-0xFFFFF for "RSD PTR " and "_MP_", ACPI 6.5 5.2.5.1
 * and MP spec 1.4 4.1), with offsets written down here independently of
 * the builders' structures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dm/acpi_tables.h"
#include "dm/mptable.h"
#include "loader/fwtables.h"
#include "tests/unit/fake_guest.h"
#include "tests/unit/unit.h"

#define RAM_SIZE   MiB(2)
#define BIOS_START 0xe0000
#define BIOS_END   0x100000

static struct guest_mem mem = { .size = RAM_SIZE };
static struct load_target t = { "t", &mem, "", 1 };

static int setup(void **state)
{
	(void)state;
	memset(fake_ram, 0, RAM_SIZE);
	mem.size = RAM_SIZE;
	fake_log[0] = '\0';
	return 0;
}

static u16 get16(u64 pa)
{
	u16 v;

	memcpy(&v, fake_ram + pa, 2);
	return v;
}

static u32 get32(u64 pa)
{
	u32 v;

	memcpy(&v, fake_ram + pa, 4);
	return v;
}

static u64 get64(u64 pa)
{
	u64 v;

	memcpy(&v, fake_ram + pa, 8);
	return v;
}

static u8 sum(u64 pa, u32 n)
{
	u8 s = 0;

	while (n--)
		s += fake_ram[pa++];
	return s;
}

/* The one 16-byte aligned @sig in the BIOS area; fails on none or two. */
static u64 scan(const char *sig, size_t len)
{
	u64 pa, found = 0;

	for (pa = BIOS_START; pa < BIOS_END; pa += 16)
		if (!memcmp(fake_ram + pa, sig, len)) {
			assert_int_equal(found, 0);
			found = pa;
		}
	assert_int_not_equal(found, 0);
	return found;
}

/* --- the MP table (MP spec 1.4 chapter 4) ------------------------------- */

/* The entries after the processors: bus, I/O APIC, the 16 I/O interrupt
 * entries (ExtINT to pin 0, IRQ 0 to pin 2, IRQ n to pin n, no IRQ 2)
 * and LINT0 ExtINT, LINT1 NMI. Returns the end. */
static u64 expect_entry(u64 e, const char *bytes)
{
	assert_memory_equal(fake_ram + e, bytes, 8);
	return e + 8;
}

static u64 expect_mp_board(u64 e)
{
	unsigned irq;

	e = expect_entry(e, "\x01\x00ISA   ");
	e = expect_entry(e, "\x02\x01\x11\x01\x00\x00\xc0\xfe");
	e = expect_entry(e, "\x03\x03\x00\x00\x00\x00\x01\x00");
	e = expect_entry(e, "\x03\x00\x00\x00\x00\x00\x01\x02");
	for (irq = 1; irq < 16; irq++) {
		if (irq == 2)
			continue;
		assert_memory_equal(fake_ram + e, "\x03\x00\x00\x00\x00", 5);
		assert_int_equal(fake_ram[e + 5], irq);
		assert_int_equal(fake_ram[e + 6], 1);
		assert_int_equal(fake_ram[e + 7], irq);
		e += 8;
	}
	e = expect_entry(e, "\x04\x03\x00\x00\x00\x00\xff\x00");
	return expect_entry(e, "\x04\x01\x00\x00\x00\x00\xff\x01");
}

static void expect_mptable(unsigned n)
{
	u64 mpf = scan("_MP_", 4), cfg = get32(mpf + 4), e;
	unsigned i;

	assert_int_equal(mpf, FW_MPTABLE_GPA);
	assert_int_equal(sum(mpf, 16), 0);
	assert_int_equal(fake_ram[mpf + 8], 1);	 /* 16 bytes */
	assert_int_equal(fake_ram[mpf + 9], 4);	 /* spec 1.4 */
	assert_int_equal(fake_ram[mpf + 11], 0); /* a table follows */
	assert_int_equal(fake_ram[mpf + 12], 0); /* no IMCRP: virtual wire */
	assert_memory_equal(fake_ram + cfg, "PCMP", 4);
	assert_int_equal(get16(cfg + 4), 44 + n * 20 + 2 * 8 + 18 * 8);
	assert_int_equal(fake_ram[cfg + 6], 4);
	assert_int_equal(sum(cfg, get16(cfg + 4)), 0);
	assert_memory_equal(fake_ram + cfg + 8, "BRAID   BRAIDHV     ", 20);
	assert_int_equal(get16(cfg + 34), n + 20);
	assert_int_equal(get32(cfg + 36), 0xfee00000);
	assert_int_equal(get16(cfg + 40), 0); /* no extended table */
	/* Processors (4.3.1): APIC ID i, xAPIC, enabled; BP on 0 alone. */
	for (i = 0, e = cfg + 44; i < n; i++, e += 20) {
		assert_int_equal(fake_ram[e], 0);
		assert_int_equal(fake_ram[e + 1], i);
		assert_int_equal(fake_ram[e + 2], 0x14);
		assert_int_equal(fake_ram[e + 3], i ? 1 : 3);
	}
	assert_int_equal(expect_mp_board(e), cfg + get16(cfg + 4));
}

/* --- ACPI (ACPI 6.5 chapter 5.2) ---------------------------------------- */

/* A description table at @pa with @sig whose length and checksum hold. */
static u32 expect_table(u64 pa, const char *sig)
{
	u32 len = get32(pa + 4);

	assert_memory_equal(fake_ram + pa, sig, 4);
	assert_true(len >= 36 && pa + len <= BIOS_END);
	assert_int_equal(sum(pa, len), 0);
	assert_memory_equal(fake_ram + pa + 10, "BRAID ", 6);
	return len;
}

/* The RSDP, and that the XSDT and RSDT list the same FADT and MADT. */
static void find_acpi(u64 *fadt, u64 *madt)
{
	u64 rsdp = scan("RSD PTR ", 8), xsdt, rsdt;

	assert_int_equal(rsdp, FW_ACPI_GPA + 0x40);
	assert_int_equal(sum(rsdp, 20), 0);
	assert_int_equal(fake_ram[rsdp + 15], 2);
	assert_int_equal(get32(rsdp + 20), 36);
	assert_int_equal(sum(rsdp, 36), 0);
	rsdt = get32(rsdp + 16);
	xsdt = get64(rsdp + 24);
	assert_int_equal(expect_table(xsdt, "XSDT"), 36 + 2 * 8);
	assert_int_equal(expect_table(rsdt, "RSDT"), 36 + 2 * 4);
	*fadt = get64(xsdt + 36);
	*madt = get64(xsdt + 44);
	assert_int_equal(get32(rsdt + 36), *fadt);
	assert_int_equal(get32(rsdt + 40), *madt);
}

/* An I/O GAS at FADT offset @at: @port, @bits wide, @access_size. */
static void expect_io_gas(u64 at, u16 port, u8 bits, u8 access_size)
{
	assert_int_equal(fake_ram[at], 1); /* System I/O */
	assert_int_equal(fake_ram[at + 1], bits);
	assert_int_equal(fake_ram[at + 2], 0);
	assert_int_equal(fake_ram[at + 3], access_size);
	assert_int_equal(get64(at + 4), port);
}

/* The PM1a event and control blocks and the 32-bit PM timer at the
 * ports dm/vpm.c answers, in both forms (ACPI 6.5 5.2.9); no PM1b, PM2
 * or GPE blocks. */
static void expect_fadt_pm(u64 f)
{
	assert_int_equal(get32(f + 56), 0x600); /* PM1a_EVT_BLK */
	assert_int_equal(get32(f + 60), 0);	/* PM1b_EVT_BLK */
	assert_int_equal(get32(f + 64), 0x604); /* PM1a_CNT_BLK */
	assert_int_equal(get32(f + 68), 0);	/* PM1b_CNT_BLK */
	assert_int_equal(get32(f + 72), 0);	/* PM2_CNT_BLK */
	assert_int_equal(get32(f + 76), 0);	/* PM_TMR_BLK: none named */
	assert_int_equal(get32(f + 80), 0);	/* GPE0_BLK */
	assert_int_equal(fake_ram[f + 88], 4);	/* PM1_EVT_LEN */
	assert_int_equal(fake_ram[f + 89], 2);	/* PM1_CNT_LEN */
	assert_int_equal(fake_ram[f + 91], 0);	/* PM_TMR_LEN */
	assert_int_equal(fake_ram[f + 92], 0);	/* GPE0_BLK_LEN */
	assert_int_equal(get32(f + 112) & (1u << 8), 0); /* TMR_VAL_EXT */
	expect_io_gas(f + 148, 0x600, 32, 2);
	expect_io_gas(f + 172, 0x604, 16, 2);
	assert_int_equal(get64(f + 208 + 4), 0); /* X_PM_TMR_BLK */
	assert_int_equal(get64(f + 160 + 4), 0); /* X_PM1b_EVT_BLK */
	assert_int_equal(get64(f + 220 + 4), 0); /* X_GPE0_BLK */
}

/* The DSDT is \_S5 = Package (4) { 5, 5, 0, 0 } and nothing else. */
static void expect_dsdt(u64 dsdt)
{
	static const u8 aml[] = { 0x08, '_',  'S', '5',	 '_', 0x12, 0x08,
				  0x04, 0x0a, 5,   0x0a, 5,   0x00, 0x00 };

	assert_int_equal(expect_table(dsdt, "DSDT"), 36 + sizeof(aml));
	assert_memory_equal(fake_ram + dsdt + 36, aml, sizeof(aml));
}

/* A FADT of revision 6.5 naming the FACS and DSDT, SCI on IRQ 9, the PM1a
 * blocks and PM timer, no SMI command and no reset register; not
 * hardware-reduced (braid has a PIT and 8259s). */
static void expect_fadt(u64 f)
{
	u64 facs = get32(f + 36), dsdt = get32(f + 40);

	assert_int_equal(expect_table(f, "FACP"), 276);
	assert_int_equal(fake_ram[f + 8], 6);
	assert_int_equal(fake_ram[f + 131], 5);
	assert_int_equal(facs % 64, 0);
	assert_memory_equal(fake_ram + facs, "FACS", 4);
	assert_int_equal(get32(facs + 4), 64);
	assert_int_equal(get64(f + 132), 0); /* X_FIRMWARE_CTRL */
	assert_int_equal(get64(f + 140), dsdt);
	expect_dsdt(dsdt);
	assert_int_equal(get16(f + 46), 9);
	assert_int_equal(get32(f + 48), 0); /* SMI_CMD */
	expect_fadt_pm(f);
	assert_int_equal(get32(f + 112) & (1u << 20 | 1u << 10), 0);
	assert_int_equal(get64(f + 116 + 4), 0);   /* RESET_REG address */
	assert_int_equal(fake_ram[f + 108], 0x32); /* the RTC's century byte */
}

struct madt_seen {
	unsigned cpus, ioapics, overrides, nmis;
};

/* One MADT entry at @e (ACPI 6.5 5.2.12.2-7), checked by type. */
static void madt_entry(u64 e, unsigned n, struct madt_seen *s)
{
	switch (fake_ram[e]) {
	case 0: /* Processor Local APIC: UID = APIC ID = index, Enabled */
		assert_int_equal(fake_ram[e + 1], 8);
		assert_int_equal(fake_ram[e + 2], s->cpus);
		assert_int_equal(fake_ram[e + 3], s->cpus);
		assert_int_equal(get32(e + 4), 1);
		assert_true(++s->cpus <= n);
		break;
	case 1: /* I/O APIC 1 at 0xFEC00000, from GSI 0 */
		assert_memory_equal(fake_ram + e, "\x01\x0c\x01\x00", 4);
		assert_int_equal(get32(e + 4), 0xfec00000);
		assert_int_equal(get32(e + 8), 0);
		s->ioapics++;
		break;
	case 2: /* ISA IRQ 0 -> GSI 2 (bus's flags); 9 -> 9 level high */
		assert_int_equal(fake_ram[e + 1], 10);
		assert_int_equal(fake_ram[e + 2], 0);
		if (fake_ram[e + 3] == 0) {
			assert_int_equal(get32(e + 4), 2);
			assert_int_equal(get16(e + 8), 0);
		} else {
			assert_int_equal(fake_ram[e + 3], 9);
			assert_int_equal(get32(e + 4), 9);
			assert_int_equal(get16(e + 8), 0xd);
		}
		assert_int_equal(s->overrides++ ? 9 : 0, fake_ram[e + 3]);
		break;
	case 4: /* NMI on LINT1 of every processor */
		assert_memory_equal(fake_ram + e, "\x04\x06\xff\x00\x00\x01",
				    6);
		s->nmis++;
		break;
	default:
		fail_msg("MADT entry type %u at %#llx", fake_ram[e],
			 (unsigned long long)e);
	}
}

static void expect_madt(u64 m, unsigned n)
{
	u32 len = expect_table(m, "APIC");
	struct madt_seen s = { 0 };
	u64 e;

	assert_int_equal(len, 44 + n * 8 + 12 + 2 * 10 + 6);
	assert_int_equal(get32(m + 36), 0xfee00000);
	assert_int_equal(get32(m + 40), 1); /* PCAT_COMPAT */
	for (e = m + 44; e < m + len; e += fake_ram[e + 1]) {
		assert_true(fake_ram[e + 1] >= 2);
		madt_entry(e, n, &s);
	}
	assert_int_equal(e, m + len);
	assert_int_equal(s.cpus, n);
	assert_int_equal(s.ioapics, 1);
	assert_int_equal(s.overrides, 2);
	assert_int_equal(s.nmis, 1);
}

/* --- fw_tables_write() -------------------------------------------------- */

static void expect_tables(unsigned n)
{
	u64 fadt, madt;

	setup(NULL);
	assert_int_equal(fw_tables_write(&t, n), 0);
	assert_string_equal(fake_log, "");
	expect_mptable(n);
	find_acpi(&fadt, &madt);
	expect_fadt(fadt);
	expect_madt(madt, n);
}

static void test_one_to_eight(void **state)
{
	static const unsigned counts[] = { 1, 2, 4, 8 };
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		expect_tables(counts[i]);
}

/* The largest count still fits the areas, and nothing lands after them. */
static void test_most(void **state)
{
	(void)state;
	expect_tables(FW_MAX_VCPUS);
	assert_int_equal(fake_ram[FW_MPTABLE_GPA + MPTABLE_MAX_SIZE], 0);
	assert_int_equal(fake_ram[FW_ACPI_GPA + ACPI_TABLES_MAX_SIZE], 0);
}

/* A guest with vcpus=1, the default, and the most vcpus= allows. */
static void test_boot_vcpus(void **state)
{
	(void)state;
	expect_tables(1);
	setup(NULL);
	expect_tables(8);
}

static void test_refused(void **state)
{
	(void)state;
	assert_int_equal(fw_tables_write(&t, 0), -E2BIG);
	assert_string_equal(fake_log, "braid: guest t: error: 0 vCPUs; the "
				      "firmware tables describe 1 to 64\n");
	setup(NULL);
	assert_int_equal(fw_tables_write(&t, FW_MAX_VCPUS + 1), -E2BIG);
	setup(NULL);
	mem.size = 0xf0000; /* RAM ends below the BIOS area */
	assert_int_equal(fw_tables_write(&t, 1), -EFAULT);
	assert_string_equal(fake_log, "braid: guest t: error: its RAM does "
				      "not reach the BIOS area at 0xf0000\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_one_to_eight, setup),
		cmocka_unit_test_setup(test_most, setup),
		cmocka_unit_test_setup(test_boot_vcpus, setup),
		cmocka_unit_test_setup(test_refused, setup),
	};

	fake_ram = calloc(1, RAM_SIZE);
	assert_non_null(fake_ram);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
