/* SPDX-License-Identifier: MIT */
/*
 * The 16550 UART (National Semiconductor PC16550D data sheet): register
 * offsets from its base port (Table II) and their bits. braid's own
 * console (arch/x86_64/serial.c) and the guest's virtual COM1 (dm/uart.c)
 * use these names.
 */
#ifndef ARCH_NS16550_H
#define ARCH_NS16550_H

/* The PC's legacy serial ports, COM1 to COM4, by their usual bases. */
#define COM1_BASE 0x3f8
#define COM2_BASE 0x2f8
#define COM3_BASE 0x3e8
#define COM4_BASE 0x2e8

/* The PC's UART clock, 1.8432 MHz: 115200 baud at divisor 1 (16x). */
#define UART_CLOCK_PC 1843200
#define UART_TX_FIFO  16 /* bytes the 16550's transmit FIFO holds */

#define UART_RBR_THR 0 /* DLL when LCR.DLAB */
#define UART_DLL     0
#define UART_IER     1 /* DLM when LCR.DLAB */
#define UART_DLM     1
#define UART_IIR_FCR 2 /* IIR on reads, FCR on writes */
#define UART_LCR     3
#define UART_MCR     4
#define UART_LSR     5
#define UART_MSR     6
#define UART_SCR     7

#define UART_IER_ERBFI 0x01 /* received data available */
#define UART_IER_ETBEI 0x02 /* transmitter holding register empty */
#define UART_IER_ELSI  0x04 /* receiver line status */
#define UART_IER_EDSSI 0x08 /* modem status */

#define UART_IIR_NONE	 0x01 /* no interrupt pending */
#define UART_IIR_MSR	 0x00
#define UART_IIR_THRE	 0x02
#define UART_IIR_RDA	 0x04
#define UART_IIR_RLS	 0x06
#define UART_IIR_TIMEOUT 0x0c
#define UART_IIR_FIFO	 0xc0 /* FIFOs enabled */

#define UART_FCR_ENABLE	  0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04
#define UART_FCR_TRIGGER  0xc0

#define UART_LCR_8N1  0x03
#define UART_LCR_DLAB 0x80 /* divisor latch access */

#define UART_MCR_DTR  0x01
#define UART_MCR_RTS  0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08 /* gates the IRQ line on a PC */
#define UART_MCR_LOOP 0x10

#define UART_LSR_DR   0x01 /* data ready */
#define UART_LSR_OE   0x02 /* overrun */
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI  0x40
#define UART_MSR_DCD 0x80

#endif
