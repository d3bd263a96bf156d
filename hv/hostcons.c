// SPDX-License-Identifier: MIT
/*
 * braid's own console (hv/hostcons.h): which UART, and the ring buffer in
 * front of it. A byte sent takes ~87 us at 115200 baud; polling for each
 * one inside exit handling put that time into the guest's exit costs. Now
 * a write only queues, and the 16550's transmit FIFO (16 bytes, refilled
 * when LSR.THRE says it is empty: PC16550D, "FIFO Interrupt Mode
 * Operation") is topped up where no exit is being timed.
 *
 * Every CPU prints, so the ring (lib/conring.c) keeps each CPU's lines
 * whole and its lock also covers the UART, the screen and the choice of
 * UART. Nothing is printed with that lock held.
 */
#define LOG_TAG "boot"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fbcon.h"
#include "arch/x86_64/ns16550.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/spcr.h"
#include "hv/hostcons.h"
#include "lib/atomic.h"
#include "lib/conring.h"
#include "lib/deferred.h"
#include "lib/log.h"
#include "lib/printf.h"
#include "lib/report.h"
#include "mm/hostmap.h"

/* How long to wait for THRE before taking the UART for dead: far more
 * than a FIFO's 16 bytes take at 9600 baud. */
#define THRE_SPINS 10000000

_Static_assert(MAX_CPUS <= CONRING_CPUS, "a line buffer for every CPU");

enum state { UNDECIDED, TO_UART, NO_UART };

/* The ring, its line buffers and everything below are under cons.lock:
 * the UART's registers, the screen (arch/x86_64/fbcon.c) and state. */
static struct conring cons;
static enum state state = UNDECIDED;
static bool screen;
/* What hostcons_select() or a full ring chose, to be said once the lock
 * is dropped (saying it prints). */
static struct uart_port chosen;
static const char *chosen_how;
static enum { SAID, SAY_UART, SAY_NONE, SAY_UNMAPPED } to_say = SAID;
static enum console_source chosen_source;

/* This CPU's block, or NULL before cpu_init_tables() has pointed GS at
 * it (GS.base is then 0 and %gs:0 reads whatever is at address 0). */
static struct percpu *cpu_block(void)
{
	struct percpu *p = this_cpu();

	return p >= percpu && p < percpu + MAX_CPUS && p->self == p ? p : NULL;
}

/* This CPU's number (the boot CPU's before GS is set). */
static unsigned cpu(void)
{
	struct percpu *p = cpu_block();

	return p ? p->id : 0;
}

/* Have this CPU's exit loop top up the UART (hv/run.c); the word is in
 * the per-CPU block, so not before there is one (hostcons_flush() at
 * the end sends everything anyway). */
static void defer_drain(void)
{
	if (cpu_block())
		defer(DEFER_CONSOLE);
}

/* Up to one FIFO's worth, if the transmitter is empty; lock held. */
static bool send_fifo(void)
{
	if (!serial_tx_ready())
		return false;
	for (unsigned i = 0; i < UART_TX_FIFO && conring_queued(&cons); i++)
		serial_tx(conring_pop(&cons));
	return true;
}

/* The UART's turn between exits. A CPU that finds the console taken
 * leaves it: the holder is printing or draining, and the caller keeps
 * DEFER_CONSOLE while bytes wait (hv/run.c). */
void hostcons_drain(void)
{
	if (!conring_trylock(&cons, cpu()))
		return;
	if (state == TO_UART && conring_queued(&cons))
		send_fifo();
	conring_unlock(&cons);
}

/* Wait until the buffer is empty; a UART that never becomes ready loses
 * what is queued (braid must not hang on a dead console). Lock held. */
static void drain_all(void)
{
	unsigned spins = 0;

	while (state == TO_UART && conring_queued(&cons)) {
		if (send_fifo()) {
			spins = 0;
		} else if (++spins == THRE_SPINS) {
			state = NO_UART;
		} else {
			cpu_relax();
		}
	}
	if (state == NO_UART)
		conring_discard(&cons);
	/* The last 16 bytes are still in the FIFO: an emulator that exits
	 * or a machine that resets now would lose them. */
	for (spins = 0;
	     state == TO_UART && !serial_tx_empty() && ++spins < THRE_SPINS;)
		cpu_relax();
}

static void choose(const struct console_option *o);
static void say_choice(void);

/* The ring is full: before the UART is chosen, choose it as console=auto
 * would (said later); then send, waiting. Lock held. */
static void ring_full(struct conring *r)
{
	(void)r;
	if (state == UNDECIDED)
		choose(&(struct console_option){ CONSOLE_AUTO });
	drain_all();
}

/* Lock held: the 0xE9 mirror, and the screen for braid's lines. */
static void echo(const char *s, size_t n, bool raw)
{
	for (size_t i = 0; i < n; i++)
		serial_debugcon(s[i]);
	if (screen && !raw)
		fbcon_write(s, n);
}

static const struct conring_ops cons_ops = { ring_full, echo };

/* This CPU already holds the console: a machine check (mce.c logs from
 * its handler) came in the middle of a print or a drain. Waiting would
 * never end, so the text goes straight to the UART and 0xE9, perhaps
 * inside the interrupted line. */
static void write_direct(const char *s, size_t n)
{
	for (; n; n--, s++) {
		serial_debugcon(*s);
		for (unsigned spins = 0; state == TO_UART &&
					 !serial_tx_ready() &&
					 ++spins < THRE_SPINS;)
			cpu_relax();
		if (state == TO_UART)
			serial_tx(*s);
	}
}

void hostcons_flush(void)
{
	unsigned me = cpu();

	if (!conring_flush_line(&cons, me) || !conring_lock(&cons, me))
		return; /* this CPU is inside the console: see write_direct */
	if (state == UNDECIDED) /* ended before the UART was chosen */
		choose(&(struct console_option){ CONSOLE_AUTO });
	conring_unlock(&cons);
	say_choice();
	if (!conring_lock(&cons, me))
		return;
	drain_all();
	conring_unlock(&cons);
}

bool hostcons_busy(void)
{
	return state == TO_UART && conring_busy(&cons);
}

bool hostcons_write_raw(const void *tag, bool continuing, const char *s,
			size_t n)
{
	enum conring_raw r =
		conring_write_raw(&cons, cpu(), tag, continuing, s, n);

	if (r == CONRING_BROKEN)
		return false;
	if (r == CONRING_BUSY)
		write_direct(s, n);
	else
		defer_drain();
	return true;
}

void hostcons_write(const char *s, unsigned long n)
{
	unsigned me = cpu();

	if (!conring_write(&cons, me, s, n))
		return write_direct(s, n);
	defer_drain();
}

void hostcons_init(void)
{
	conring_init(&cons, &cons_ops);
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

/* Choose the UART as @o says, printing nothing (the lock is held): what
 * to say is left in to_say. */
static void choose(const struct console_option *o)
{
	bool found = o->source == CONSOLE_GIVEN;

	chosen = o->port;
	chosen_how = "console=";
	chosen_source = o->source;
	to_say = SAY_NONE;
	if (o->source == CONSOLE_AUTO)
		found = find_uart(&chosen, &chosen_how);
	/* An MMIO UART sits in a hole of the memory map, which braid's own
	 * map leaves out until a driver asks (mm/hostmap.c). */
	if (found && chosen.space == UART_SPACE_MMIO &&
	    hostmap_map_device(chosen.base, 8ull * chosen.width)) {
		to_say = SAY_UNMAPPED;
		found = false;
	}
	serial_use(found ? &chosen : NULL);
	state = found ? TO_UART : NO_UART;
	if (found)
		to_say = SAY_UART;
}

/* Say what choose() chose, once; without the lock. */
static void say_choice(void)
{
	const char *why =
		chosen_source == CONSOLE_NONE ? "console=none" : "none answers";

	switch (atomic_xchg(&to_say, SAID)) {
	case SAID: return;
	case SAY_UART: say(&chosen, chosen_how); return;
	case SAY_UNMAPPED:
		pr_err("cannot map the UART at %#llx",
		       (unsigned long long)chosen.base);
		break;
	case SAY_NONE: break;
	}
	pr_info("console: no UART (%s)", why);
	report_note("console", "no UART (%s)", why);
}

void hostcons_select(const struct console_option *o)
{
	unsigned me = cpu();

	if (!conring_lock(&cons, me))
		return;
	if (state == UNDECIDED)
		choose(o);
	conring_unlock(&cons);
	say_choice();
	if (!conring_lock(&cons, me))
		return;
	drain_all();
	conring_unlock(&cons);
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
	/* Boot CPU, before the others start: screen is then read-only. */
	screen = !hostmap_map_device(fb->addr, size) && !fbcon_init(fb);
	report_note("screen", "%s %ux%u, %u bits a %s at %#llx%s", fb_kind(fb),
		    fb->width, fb->height, fb->bpp,
		    fb->type == BOOT_FB_EGA_TEXT ? "cell" : "pixel",
		    (unsigned long long)fb->addr,
		    screen ? "" : " (not used: braid cannot draw on it)");
}
