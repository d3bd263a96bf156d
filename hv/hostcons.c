// SPDX-License-Identifier: MIT
/*
 * braid's own console (hv/hostcons.h): which UART, and the ring buffer in
 * front of it. A byte sent takes ~87 us at 115200 baud; polling for each
 * one inside exit handling put that time into the guest's exit costs. Now
 * a write only queues, and the 16550's transmit FIFO (16 bytes, refilled
 * when LSR.THRE says it is empty: PC16550D, "FIFO Interrupt Mode
 * Operation") is topped up where no exit is being timed.
 */
#define LOG_TAG "boot"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fbcon.h"
#include "arch/x86_64/ns16550.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/spcr.h"
#include "hv/hostcons.h"
#include "lib/report.h"
#include "lib/deferred.h"
#include "lib/log.h"
#include "lib/printf.h"
#include "mm/hostmap.h"

#define RING_SIZE 32768 /* a power of two */
/* How long to wait for THRE before taking the UART for dead: far more
 * than a FIFO's 16 bytes take at 9600 baud. */
#define THRE_SPINS 10000000

enum state { UNDECIDED, TO_UART, NO_UART };

static char ring[RING_SIZE];
/* Free-running: the bytes queued are head - tail. */
static u32 head, tail;
static enum state state = UNDECIDED;
static bool screen;

/* Up to one FIFO's worth, if the transmitter is empty. */
static bool send_fifo(void)
{
	if (!serial_tx_ready())
		return false;
	for (unsigned i = 0; i < UART_TX_FIFO && tail != head; i++)
		serial_tx(ring[tail++ % RING_SIZE]);
	return true;
}

void hostcons_drain(void)
{
	if (state == TO_UART && tail != head)
		send_fifo();
}

/* Wait until the buffer is empty; a UART that never becomes ready loses
 * what is queued (braid must not hang on a dead console). */
static void drain_all(void)
{
	unsigned spins = 0;

	while (state == TO_UART && tail != head) {
		if (send_fifo()) {
			spins = 0;
		} else if (++spins == THRE_SPINS) {
			tail = head;
			state = NO_UART;
		} else {
			cpu_relax();
		}
	}
	if (state == NO_UART)
		tail = head;
	/* The last 16 bytes are still in the FIFO: an emulator that exits
	 * or a machine that resets now would lose them. */
	for (spins = 0;
	     state == TO_UART && !serial_tx_empty() && ++spins < THRE_SPINS;)
		cpu_relax();
}

void hostcons_flush(void)
{
	if (state == UNDECIDED) /* ended before the UART was chosen */
		hostcons_select(&(struct console_option){ CONSOLE_AUTO });
	drain_all();
}

static void queue(char c)
{
	if (state == NO_UART)
		return;
	if (head - tail == RING_SIZE)
		hostcons_flush();
	ring[head++ % RING_SIZE] = c;
}

bool hostcons_busy(void)
{
	return state == TO_UART && tail != head;
}

void hostcons_write_raw(const char *s, size_t n)
{
	defer(DEFER_CONSOLE); /* hv/run.c drains it between exits */
	for (; n; n--, s++) {
		serial_debugcon(*s);
		if (*s == '\n')
			queue('\r');
		queue(*s);
	}
}

void hostcons_write(const char *s, unsigned long n)
{
	hostcons_write_raw(s, n);
	if (screen)
		fbcon_write(s, n);
}

void hostcons_init(void)
{
	serial_init();
	console_set_sink(hostcons_write);
}

static const u16 legacy[] = { COM1_BASE, COM2_BASE, COM3_BASE, COM4_BASE };

/* ACPI's SPCR, else the first legacy port that passes the scratch test;
 * @how says which found it. */
static bool find_uart(struct uart_port *p, const char **how)
{
	const struct acpi_table_header *t = acpi_find("SPCR", 0);

	if (t && !spcr_parse(t, p)) {
		*how = "ACPI SPCR";
		return true;
	}
	for (unsigned i = 0; i < ARRAY_SIZE(legacy); i++) {
		*p = (struct uart_port){ UART_SPACE_IO, 1, legacy[i], 115200,
					 0 };
		if (serial_probe(p)) {
			*how = "probed";
			return true;
		}
	}
	return false;
}

/* "com2", "io", "mmio": for the boot line. */
static const char *port_name(const struct uart_port *p)
{
	static const char *const com[] = { "com1", "com2", "com3", "com4" };

	for (unsigned i = 0; p->space == UART_SPACE_IO && i < 4; i++)
		if (p->base == legacy[i])
			return com[i];
	return p->space == UART_SPACE_IO ? "io" : "mmio";
}

static void say(const struct uart_port *p, const char *how)
{
	char speed[32], width[16] = "";

	if (p->baud)
		snprintf(speed, sizeof(speed), "%u baud", p->baud);
	else
		snprintf(speed, sizeof(speed), "firmware's settings");
	if (p->space == UART_SPACE_MMIO)
		snprintf(width, sizeof(width), ", %u-byte registers", p->width);
	pr_info("console %s (%#llx%s, %s, %s)", port_name(p),
		(unsigned long long)p->base, width, speed, how);
	report_note("console", "%s (%#llx%s, %s, %s)", port_name(p),
		    (unsigned long long)p->base, width, speed, how);
}

void hostcons_select(const struct console_option *o)
{
	struct uart_port p = o->port;
	const char *how = "console=";
	bool found = o->source == CONSOLE_GIVEN;

	if (state != UNDECIDED)
		return;
	if (o->source == CONSOLE_AUTO)
		found = find_uart(&p, &how);
	/* An MMIO UART sits in a hole of the memory map, which braid's own
	 * map leaves out until a driver asks (mm/hostmap.c). */
	if (found && p.space == UART_SPACE_MMIO &&
	    hostmap_map_device(p.base, 8ull * p.width)) {
		pr_err("cannot map the UART at %#llx",
		       (unsigned long long)p.base);
		found = false;
	}
	serial_use(found ? &p : NULL);
	state = found ? TO_UART : NO_UART;
	if (found) {
		say(&p, how);
	} else {
		pr_info("console: no UART (%s)", o->source == CONSOLE_NONE
							 ? "console=none"
							 : "none answers");
		report_note("console", "no UART (%s)",
			    o->source == CONSOLE_NONE ? "console=none"
						      : "none answers");
	}
	drain_all();
}

static const char *fb_kind(const struct boot_fb *fb)
{
	switch (fb->type) {
	case BOOT_FB_RGB: return "RGB";
	case BOOT_FB_EGA_TEXT: return "EGA text";
	default: return "indexed colour";
	}
}

/* The framebuffer, mapped uncacheable if braid's map lacks it. */
void hostcons_screen(const struct boot_info *bi)
{
	const struct boot_fb *fb = &bi->fb;
	u64 size = (u64)fb->pitch * fb->height;

	if (!bi->has_fb) {
		report_note("screen", "none from the loader");
		return;
	}
	screen = !hostmap_map_device(fb->addr, size) && !fbcon_init(fb);
	report_note("screen", "%s %ux%u, %u bits a %s at %#llx%s", fb_kind(fb),
		    fb->width, fb->height, fb->bpp,
		    fb->type == BOOT_FB_EGA_TEXT ? "cell" : "pixel",
		    (unsigned long long)fb->addr,
		    screen ? "" : " (not used: braid cannot draw on it)");
}
