/* SPDX-License-Identifier: MIT */
/*
 * braid's own console: the UART it writes to (chosen by console=, ACPI's
 * SPCR, or probing COM1-COM4), the 0xE9 mirror, the screen, and the
 * buffer in front of the UART. Output is queued, and sent to the UART's
 * FIFO between exits, outside the time braid charges to a guest's exits
 * (hv/run.c), while a guest halts (hv/vplat.c), and whole at the end
 * (hv/platform.c). A writer that finds the buffer full waits for room:
 * nothing braid prints is dropped.
 */
#ifndef HV_HOSTCONS_H
#define HV_HOSTCONS_H

#include "boot/bootinfo.h"
#include "hv/console_option.h"

/* Start buffering (the UART is chosen later, by hostcons_select()). */
void hostcons_init(void);
/* Choose the UART as @o says (CONSOLE_AUTO: SPCR, else probing; ACPI must
 * be initialised), say which, and send what was buffered. */
void hostcons_select(const struct console_option *o);
/* Also show braid's lines on the loader's framebuffer, if it gave one. */
void hostcons_screen(const struct boot_info *bi);
/* Lines of braid's and guests' "[name] ..." lines: to every output. */
void hostcons_write(const char *s, unsigned long n);
/* A guest's raw console bytes (console=raw: UART and 0xE9, not the
 * screen), @tag: which guest. @continuing: they go
 * on with @tag's own unfinished line; false, and nothing written, if other
 * output ended that line meanwhile (lib/conring.h). */
bool hostcons_write_raw(const void *tag, bool continuing, const char *s,
			size_t n);
/* Bytes wait for a UART that is there. */
bool hostcons_busy(void);

/* Send what the UART's FIFO takes now, without waiting. */
void hostcons_drain(void);
/* Send everything, waiting for the UART. */
void hostcons_flush(void);

#endif
