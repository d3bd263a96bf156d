/* SPDX-License-Identifier: MIT */
/*
 * braid's console= option: which UART braid's own output goes to.
 *   console=com1 .. com4         a legacy port (0x3f8, 0x2f8, 0x3e8, 0x2e8)
 *   console=io:PORT              a 16550 at any I/O port (a PCI UART's BAR)
 *   console=mmio:ADDR[,1|,4]     a 16550 in MMIO, registers 1 or 4 bytes
 *                                wide (and as far apart); default 1
 * each optionally followed by ",BAUD" (300 or more, dividing 115200; default
 * 115200) or ",keep" (leave the firmware's divisor and line settings), or
 *   console=none                 no UART (0xE9 and the screen still work)
 * Without it, ACPI's SPCR table decides, else the first of COM1-COM4 that
 * answers (hv/hostcons.c).
 */
#ifndef HV_CONSOLE_OPTION_H
#define HV_CONSOLE_OPTION_H

#include "arch/x86_64/serial.h"

enum console_source {
	CONSOLE_AUTO,  /* no option: SPCR, else probe */
	CONSOLE_NONE,  /* console=none */
	CONSOLE_GIVEN, /* console=com2, io:..., mmio:... */
};

struct console_option {
	enum console_source source;
	struct uart_port port; /* CONSOLE_GIVEN */
};

/* Parse the @n bytes after "console="; 0, or -EINVAL with @o untouched. */
int parse_console_option(const char *v, size_t n, struct console_option *o);

#endif
