/* SPDX-License-Identifier: MIT */
/* The host's real serial port (COM1) and the Bochs/QEMU 0xE9 debug port.
 * Input is polled too: it feeds the running guest's virtual UART. */
#ifndef ARCH_SERIAL_H
#define ARCH_SERIAL_H

#include "lib/types.h"

void serial_init(void);
void serial_write(const char *s, size_t n);
/* A byte typed on the host console, or -1 if none is waiting. */
int serial_getc(void);

#endif
