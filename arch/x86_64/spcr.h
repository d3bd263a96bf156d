/* SPDX-License-Identifier: MIT */
/*
 * ACPI's Serial Port Console Redirection table (Microsoft, "Serial Port
 * Console Redirection Table", revision 2 and later; the interface types
 * are those of the DBG2 table's serial subtypes): where the firmware's
 * own console UART is, and at what speed.
 */
#ifndef ARCH_SPCR_H
#define ARCH_SPCR_H

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/serial.h"

struct acpi_spcr {
	struct acpi_table_header header; /* "SPCR" */
	u8 interface_type;		 /* SPCR_IF_* */
	u8 reserved[3];
	struct acpi_gas base_address;
	u8 interrupt_type;
	u8 irq;
	u32 global_system_interrupt;
	u8 configured_baud_rate; /* SPCR_BAUD_* */
	u8 parity;
	u8 stop_bits;
	u8 flow_control;
	u8 terminal_type;
	u8 language;
	u16 pci_device_id;
	u16 pci_vendor_id;
	u8 pci_bus_number;
	u8 pci_device_number;
	u8 pci_function_number;
	u32 pci_flags;
	u8 pci_segment;
	u32 uart_clock_frequency; /* revision 3 and later; 0: unknown */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_spcr) == 80, "SPCR revision 3 layout");
#define SPCR_LENGTH_REV2 76 /* up to and with pci_segment */

#define SPCR_IF_16550	     0x00 /* fully 16550-compatible */
#define SPCR_IF_16550_SUBSET 0x01 /* 16450: the DBGP revision 1 subset */
#define SPCR_IF_16550_GAS    0x12 /* 16550, registers as the GAS says */

#define SPCR_BAUD_AS_IS	 0 /* the UART is already set up: keep it */
#define SPCR_BAUD_9600	 3
#define SPCR_BAUD_19200	 4
#define SPCR_BAUD_57600	 6
#define SPCR_BAUD_115200 7

/* The UART @t names, in @out; -ENOTSUP for a kind braid does not drive
 * (not a 16550, PCI config space), -EINVAL for a malformed table. */
int spcr_parse(const struct acpi_table_header *t, struct uart_port *out);

#endif
