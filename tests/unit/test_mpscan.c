// SPDX-License-Identifier: MIT
/* arch/x86_64/mptable_scan.c: the CPUs of an MP table (MP spec 1.4)
 * built in fake physical memory, found where 4.1 says to look. */
#include <string.h>

#include "arch/x86_64/bda.h"
#include "arch/x86_64/mpspec.h"
#include "arch/x86_64/mptable_scan.h"
#include "tests/unit/fake_phys.h"
#include "tests/unit/unit.h"

#define EBDA	 0x9fc00
#define BIOS_ROM 0xf5a30
#define CONFIG	 0xf6000

void kprintf(const char *fmt, ...)
{
	(void)fmt;
}

static void fix_checksum(void *p, size_t n, u8 *field)
{
	u8 s = 0;

	*field = 0;
	for (size_t i = 0; i < n; i++)
		s += ((u8 *)p)[i];
	*field = (u8)-s;
}

static void set_bda(u16 ebda_segment, u16 base_kib)
{
	memcpy(fake_phys_ptr(BDA_EBDA_SEGMENT), &ebda_segment, 2);
	memcpy(fake_phys_ptr(BDA_BASE_MEM_KIB), &base_kib, 2);
}

static void make_floating(u64 pa, u32 config, u8 feature1)
{
	struct mp_floating *f = fake_phys_ptr(pa);

	memset(f, 0, sizeof(*f));
	memcpy(f->signature, "_MP_", 4);
	f->config = config;
	f->length = 1;
	f->spec_rev = MP_SPEC_REV_1_4;
	f->feature1 = feature1;
	fix_checksum(f, sizeof(*f), &f->checksum);
}

struct cpu_spec {
	u8 id, flags;
};

/* A configuration table with @n processors, a bus and an I/O APIC entry
 * between them (types must ascend in a real table, but the reader must
 * not care). */
static struct mp_config *make_config(const struct cpu_spec *cpus, unsigned n)
{
	struct mp_config *c = fake_phys_ptr(CONFIG);
	u8 *p = (u8 *)(c + 1);

	memset(c, 0, 0x1000);
	memcpy(c->signature, "PCMP", 4);
	c->spec_rev = MP_SPEC_REV_1_4;
	for (unsigned i = 0; i < n; i++) {
		struct mp_processor *cpu = (void *)p;

		cpu->type = MP_ENTRY_CPU;
		cpu->lapic_id = cpus[i].id;
		cpu->flags = cpus[i].flags;
		p += sizeof(*cpu);
		if (i == 0) {
			struct mp_bus *b = (void *)p;

			b->type = MP_ENTRY_BUS;
			memcpy(b->bus_type, "ISA   ", 6);
			p += sizeof(*b);
		}
	}
	c->entry_count = (u16)(n + (n > 0));
	c->length = (u16)(p - (u8 *)c);
	fix_checksum(c, c->length, &c->checksum);
	return c;
}

static int setup(void **state)
{
	(void)state;
	fake_phys_clear(0, MiB(1));
	set_bda(EBDA >> 4, 639);
	return 0;
}

static const struct cpu_spec four[] = {
	{ 0, MP_CPU_EN | MP_CPU_BP },
	{ 2, MP_CPU_EN },
	{ 4, 0 }, /* disabled: not a CPU to start */
	{ 6, MP_CPU_EN },
};

static void test_ebda_table(void **state)
{
	u32 ids[8] = { 0 };

	(void)state;
	make_config(four, 4);
	make_floating(EBDA + 0x10, CONFIG, 0);
	assert_int_equal(mptable_cpu_ids(ids, 8), 3);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 2);
	assert_int_equal(ids[2], 6);
}

/* A corrupt pointer in the EBDA is passed over; the BIOS ROM's is used. */
static void test_rom_table_after_bad_ebda(void **state)
{
	u32 ids[8];

	(void)state;
	make_config(four, 2);
	make_floating(EBDA, CONFIG, 0);
	((u8 *)fake_phys_ptr(EBDA))[11] ^= 1;
	assert_int_equal(mptable_cpu_ids(ids, 8), 0);
	make_floating(BIOS_ROM, CONFIG, 0);
	assert_int_equal(mptable_cpu_ids(ids, 8), 2);
	assert_int_equal(ids[1], 2);
}

/* Without an EBDA, the last KiB of base memory is searched (4.1 b). */
static void test_base_memory_without_ebda(void **state)
{
	u32 ids[8];

	(void)state;
	set_bda(0, 512);
	make_config(four, 4);
	make_floating(KiB(512) - 0x20, CONFIG, 0);
	assert_int_equal(mptable_cpu_ids(ids, 8), 3);
	/* Outside that KiB it is not found. */
	fake_phys_clear(KiB(512) - 0x20, 16);
	make_floating(KiB(512) - KiB(1) - 0x10, CONFIG, 0);
	assert_int_equal(mptable_cpu_ids(ids, 8), 0);
}

static void test_no_table(void **state)
{
	u32 ids[8];

	(void)state;
	assert_int_equal(mptable_cpu_ids(ids, 8), 0);
}

/* Feature byte 1 non-zero: a default configuration (chapter 5), two
 * processors with APIC IDs 0 and 1, and no table to read. */
static void test_default_configuration(void **state)
{
	u32 ids[8] = { 9, 9, 9 };

	(void)state;
	make_floating(BIOS_ROM, 0, 5);
	assert_int_equal(mptable_cpu_ids(ids, 8), 2);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 1);
	assert_int_equal(ids[2], 9);
}

static void test_bad_config(void **state)
{
	struct mp_config *c;
	u32 ids[8];

	(void)state;
	make_floating(BIOS_ROM, CONFIG, 0);
	c = make_config(four, 4);
	c->checksum ^= 0x40;
	assert_int_equal(mptable_cpu_ids(ids, 8), 0);
	c = make_config(four, 4);
	memcpy(c->signature, "PCMQ", 4);
	fix_checksum(c, c->length, &c->checksum);
	assert_int_equal(mptable_cpu_ids(ids, 8), 0);
	make_floating(BIOS_ROM, 0, 0); /* no table, no default */
	assert_int_equal(mptable_cpu_ids(ids, 8), 0);
}

/* An entry count beyond the table's length, or an entry type the spec
 * does not define, ends the walk inside the table. */
static void test_walk_bounded(void **state)
{
	struct mp_config *c;
	u32 ids[8];

	(void)state;
	make_floating(BIOS_ROM, CONFIG, 0);
	c = make_config(four, 4);
	c->entry_count = 1000;
	fix_checksum(c, c->length, &c->checksum);
	assert_int_equal(mptable_cpu_ids(ids, 8), 3);
	c = make_config(four, 4);
	/* The second processor entry (after the bus) becomes type 0x80. */
	((u8 *)(c + 1))[20 + 8] = 0x80;
	fix_checksum(c, c->length, &c->checksum);
	assert_int_equal(mptable_cpu_ids(ids, 8), 1);
	/* A table whose length cuts a processor entry short. */
	c = make_config(four, 1);
	c->length -= 9 + 8; /* into the processor entry */
	c->entry_count = 2;
	fix_checksum(c, c->length, &c->checksum);
	assert_int_equal(mptable_cpu_ids(ids, 8), 0);
}

/* More CPUs than room: all are counted, @max are stored. */
static void test_max(void **state)
{
	u32 ids[2] = { 0 };

	(void)state;
	make_floating(BIOS_ROM, CONFIG, 0);
	make_config(four, 4);
	assert_int_equal(mptable_cpu_ids(ids, 1), 3);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[1], 0); /* not written */
	assert_int_equal(mptable_cpu_ids(NULL, 0), 3);
}

#define TS(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TS(test_ebda_table),
		TS(test_rom_table_after_bad_ebda),
		TS(test_base_memory_without_ebda),
		TS(test_no_table),
		TS(test_default_configuration),
		TS(test_bad_config),
		TS(test_walk_bounded),
		TS(test_max),
	};

	return cmocka_run_group_tests_name("mpscan", tests, NULL, NULL);
}
