// SPDX-License-Identifier: MIT
/* arch/x86_64/spcr.c: SPCR tables as firmware writes them. */
#include <string.h>

#include "arch/x86_64/spcr.h"
#include "tests/unit/unit.h"

static struct acpi_spcr t;

/* A revision 2 SPCR for a 16550 at I/O port @port, 115200 baud. */
static void make(u8 type, u8 space, u64 addr)
{
	memset(&t, 0, sizeof(t));
	memcpy(t.header.signature, "SPCR", 4);
	t.header.length = SPCR_LENGTH_REV2;
	t.header.revision = 2;
	t.interface_type = type;
	t.base_address.address_space_id = space;
	t.base_address.register_bit_width = 8;
	t.base_address.address = addr;
	t.configured_baud_rate = SPCR_BAUD_115200;
}

static void test_io_port(void **state)
{
	struct uart_port p = { 0 };

	(void)state;
	make(SPCR_IF_16550, ACPI_GAS_SYSTEM_IO, 0x2f8);
	assert_int_equal(spcr_parse(&t.header, &p), 0);
	assert_int_equal(p.space, UART_SPACE_IO);
	assert_int_equal(p.base, 0x2f8);
	assert_int_equal(p.width, 1);
	assert_int_equal(p.baud, 115200);
	assert_int_equal(p.clock, 0);
	t.configured_baud_rate = SPCR_BAUD_AS_IS;
	assert_int_equal(spcr_parse(&t.header, &p), 0);
	assert_int_equal(p.baud, 0); /* keep what the firmware set */
	t.configured_baud_rate = SPCR_BAUD_9600;
	assert_int_equal(spcr_parse(&t.header, &p), 0);
	assert_int_equal(p.baud, 9600);
}

/* A dword-wide MMIO 16550 (revision 3 gives its clock). */
static void test_mmio_dword(void **state)
{
	struct uart_port p = { 0 };

	(void)state;
	make(SPCR_IF_16550_GAS, ACPI_GAS_SYSTEM_MEMORY, 0xfe030000);
	t.base_address.register_bit_width = 32;
	t.base_address.access_size = 3;
	t.header.revision = 3;
	t.header.length = sizeof(t);
	t.uart_clock_frequency = 48000000;
	assert_int_equal(spcr_parse(&t.header, &p), 0);
	assert_int_equal(p.space, UART_SPACE_MMIO);
	assert_int_equal(p.base, 0xfe030000);
	assert_int_equal(p.width, 4);
	assert_int_equal(p.clock, 48000000);
}

static void test_rejected(void **state)
{
	struct uart_port p = { 7, 7, 7, 7, 7 };

	(void)state;
	make(0x03, ACPI_GAS_SYSTEM_MEMORY, 0x9000000); /* an ARM PL011 */
	assert_int_equal(spcr_parse(&t.header, &p), -ENOTSUP);
	make(SPCR_IF_16550, 2, 0x2f8); /* PCI configuration space */
	assert_int_equal(spcr_parse(&t.header, &p), -ENOTSUP);
	make(SPCR_IF_16550, ACPI_GAS_SYSTEM_IO, 0);
	assert_int_equal(spcr_parse(&t.header, &p), -ENOTSUP);
	make(SPCR_IF_16550, ACPI_GAS_SYSTEM_MEMORY, 0xfe030000);
	t.base_address.register_bit_width = 16;
	assert_int_equal(spcr_parse(&t.header, &p), -ENOTSUP);
	make(SPCR_IF_16550, ACPI_GAS_SYSTEM_IO, 0x3f8);
	t.configured_baud_rate = 5; /* reserved */
	assert_int_equal(spcr_parse(&t.header, &p), -EINVAL);
	make(SPCR_IF_16550, ACPI_GAS_SYSTEM_IO, 0x3f8);
	t.header.length = 60; /* truncated */
	assert_int_equal(spcr_parse(&t.header, &p), -EINVAL);
	make(SPCR_IF_16550, ACPI_GAS_SYSTEM_IO, 0x3f8);
	memcpy(t.header.signature, "DBG2", 4);
	assert_int_equal(spcr_parse(&t.header, &p), -EINVAL);
	assert_int_equal(p.base, 7); /* untouched on error */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_io_port),
		T(test_mmio_dword),
		T(test_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
