// SPDX-License-Identifier: MIT
/* Reading the SPCR table (arch/x86_64/spcr.h) into a struct uart_port. */
#include "arch/x86_64/spcr.h"
#include "lib/string.h"

static int spcr_baud(u8 code, u32 *baud)
{
	switch (code) {
	case SPCR_BAUD_AS_IS: *baud = 0; return 0;
	case SPCR_BAUD_9600: *baud = 9600; return 0;
	case SPCR_BAUD_19200: *baud = 19200; return 0;
	case SPCR_BAUD_57600: *baud = 57600; return 0;
	case SPCR_BAUD_115200: *baud = 115200; return 0;
	default: return -EINVAL;
	}
}

/* The register width a GAS gives: its access size (ACPI 6.5 5.2.3.2),
 * else its bit width; 1 or 4 bytes, nothing else is a 16550 braid knows. */
static int gas_width(const struct acpi_gas *g, u8 *width)
{
	u8 bits = g->access_size ? 8u << (g->access_size - 1)
				 : g->register_bit_width;

	if (bits == 8 || bits == 0)
		*width = 1;
	else if (bits == 32)
		*width = 4;
	else
		return -ENOTSUP;
	return 0;
}

int spcr_parse(const struct acpi_table_header *t, struct uart_port *out)
{
	const struct acpi_spcr *s = (const void *)t;
	const struct acpi_gas *g = &s->base_address;
	struct uart_port p = { 0 };

	if (memcmp(t->signature, "SPCR", 4) || t->length < SPCR_LENGTH_REV2)
		return -EINVAL;
	if (s->interface_type != SPCR_IF_16550 &&
	    s->interface_type != SPCR_IF_16550_SUBSET &&
	    s->interface_type != SPCR_IF_16550_GAS)
		return -ENOTSUP;
	if (!g->address || (g->address_space_id != ACPI_GAS_SYSTEM_IO &&
			    g->address_space_id != ACPI_GAS_SYSTEM_MEMORY))
		return -ENOTSUP;
	p.space = g->address_space_id == ACPI_GAS_SYSTEM_IO ? UART_SPACE_IO
							    : UART_SPACE_MMIO;
	p.base = g->address;
	if (gas_width(g, &p.width) ||
	    (p.space == UART_SPACE_IO && (p.width != 1 || p.base > 0xfff8)))
		return -ENOTSUP;
	if (spcr_baud(s->configured_baud_rate, &p.baud))
		return -EINVAL;
	if (t->revision >= 3 && t->length >= sizeof(*s))
		p.clock = s->uart_clock_frequency;
	*out = p;
	return 0;
}
