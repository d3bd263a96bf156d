/* SPDX-License-Identifier: MIT */
/* The host's real serial port (COM1) and the Bochs/QEMU 0xE9 debug port. */
#ifndef ARCH_SERIAL_H
#define ARCH_SERIAL_H

#include "lib/types.h"

void serial_init(void);
void serial_write(const char *s, size_t n);

#endif
