/* SPDX-License-Identifier: MIT */
/* A guest's virtual 16550 UART on COM1 (output side). */
#ifndef HV_UART_H
#define HV_UART_H

#include "lib/types.h"

#define VUART_BASE     0x3f8
#define VUART_PORTS    8
#define VUART_LINE_MAX 256

struct vuart {
	u8 ier, lcr, mcr, scr, dll, dlm;
	unsigned len;
	char line[VUART_LINE_MAX + 1];
};

struct guest;

void vuart_reset(struct vuart *u);
u8 vuart_read(struct guest *g, u16 offset);
void vuart_write(struct guest *g, u16 offset, u8 val);
/* Send text to the host console as the guest's, line by line. */
void guest_console_put(struct guest *g, const char *s, u64 n);
void guest_console_flush(struct guest *g);

#endif
