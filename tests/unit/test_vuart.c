// SPDX-License-Identifier: MIT
/* dm/uart.c: the virtual 16550, as Linux's 8250 driver probes and uses it. */
#include <stdio.h>
#include <string.h>

#include "hv/console.h"
#include "hv/guest.h"
#include "lib/log.h"
#include "dm/uart.h"
#include "tests/unit/unit.h"

#define RBR 0
#define IER 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define MSR 6
#define SCR 7

/* --- kprintf stub: everything printed is appended to log_buf ---------- */

static char log_buf[4096];
static size_t log_len;

void kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(log_buf + log_len, sizeof(log_buf) - log_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		log_len = MIN(log_len + (size_t)n, sizeof(log_buf) - 1);
}

/* console=raw writes straight to the host serial port: into log_buf too.
 * break_line: other output ends the guest's line before its next bytes,
 * as another guest's line would (lib/conring.h). */
static bool break_line;

bool hostcons_write_raw(const void *tag, bool continuing, const char *s,
			size_t n)
{
	(void)tag;
	if (continuing && break_line) {
		break_line = false;
		s = "\n<other>\n";
		n = strlen(s);
		memcpy(log_buf + log_len, s, n);
		log_len += n;
		log_buf[log_len] = '\0';
		return false;
	}
	n = MIN(n, sizeof(log_buf) - 1 - log_len);
	memcpy(log_buf + log_len, s, n);
	log_len += n;
	log_buf[log_len] = '\0';
	return true;
}

/* Host console input: what serial_getc() hands out next. */
static const char *host_input = "";

int serial_getc(void)
{
	return *host_input ? (u8)*host_input++ : -1;
}

/* The console's output budget refills by TSC time: a rate so slow that
 * nothing refills during a test unless the test says so. */
static u64 fake_tsc_hz = 1000000000000000ull;

u64 tsc_hz(void)
{
	return fake_tsc_hz;
}

/* --- The register model, with a transmitter that records --------------- */

static struct vuart uart;
static char sent[256];
static size_t nsent;

static void record(void *ctx, u8 c)
{
	assert_ptr_equal(ctx, &uart);
	if (nsent < sizeof(sent) - 1)
		sent[nsent++] = (char)c;
}

static u8 in8(u16 off)
{
	return vuart_reg_read(&uart, off);
}

static void out8(u16 off, u8 v)
{
	vuart_reg_write(&uart, off, v, record, &uart);
}

static int setup(void **state)
{
	(void)state;
	vuart_reset(&uart);
	memset(sent, 0, sizeof(sent));
	nsent = 0;
	log_buf[0] = '\0';
	log_len = 0;
	return 0;
}

static void test_reset_state(void **state)
{
	(void)state;
	assert_int_equal(in8(IER), 0);
	assert_int_equal(in8(IIR), 0x01);
	assert_int_equal(in8(LCR), 0);
	assert_int_equal(in8(MCR), 0);
	assert_int_equal(in8(LSR), 0x60);
	assert_int_equal(in8(MSR), 0xb0);
	assert_false(vuart_irq(&uart));
}

/* serial8250's autoconfig(): IER test, loopback test, FIFO detection. */
static void test_linux_autoconfig(void **state)
{
	u8 save_ier, save_mcr;

	(void)state;
	out8(SCR, 0xa5);
	assert_int_equal(in8(SCR), 0xa5);
	save_ier = in8(IER);
	out8(IER, 0);
	assert_int_equal(in8(IER) & 0x0f, 0);
	out8(IER, 0x0f);
	assert_int_equal(in8(IER) & 0x0f, 0x0f);
	out8(IER, save_ier);
	save_mcr = in8(MCR);
	out8(MCR, 0x10 | 0x0a); /* LOOP | RTS | OUT2 */
	assert_int_equal(in8(MSR) & 0xf0, 0x90);
	out8(MCR, save_mcr);
	out8(LCR, 0xbf); /* EFR access on 16650s: here FCR */
	out8(FCR, 0);
	out8(LCR, 0);
	out8(FCR, 0x01);
	assert_int_equal(in8(IIR) >> 6, 3); /* a 16550A */
	/* Not a 16750 (IIR bit 5: 64-byte FIFO), not an XScale (IER.UUE). */
	out8(FCR, 0x01 | 0x20);
	assert_int_equal(in8(IIR) & 0x20, 0);
	out8(IER, 0x40);
	assert_int_equal(in8(IER), 0);
	/* Dropping FCR0 turns the FIFOs off: IIR bits 7:6 clear. */
	out8(FCR, 0);
	assert_int_equal(in8(IIR), 0x01);
}

/* serial8250_do_startup()'s THRE tests: enabling THRI with THR empty
 * raises THRE, reading IIR clears it, re-enabling raises it again. */
static void test_linux_thre_test(void **state)
{
	(void)state;
	out8(FCR, 0x07);
	assert_int_not_equal(in8(LSR), 0xff);
	out8(IER, 0x02);
	assert_int_equal(in8(IIR), 0xc2);
	assert_int_equal(in8(IIR), 0xc1);
	out8(IER, 0);
	out8(IER, 0x02);
	assert_int_equal(in8(LSR) & 0x40, 0x40);
	assert_int_equal(in8(IIR), 0xc2);
	out8(IER, 0);
	/* Rewriting IER with THRI already set raises nothing. */
	out8(IER, 0x02);
	in8(IIR);
	out8(IER, 0x02);
	assert_int_equal(in8(IIR), 0xc1);
}

/* Interrupt-driven output: each THR write is sent at once and THRE is
 * pending again; the IRQ line needs OUT2. */
static void test_thre_output(void **state)
{
	(void)state;
	out8(MCR, 0x0b); /* DTR RTS OUT2 */
	out8(IER, 0x02);
	assert_true(vuart_irq(&uart));
	assert_int_equal(in8(IIR), 0x02);
	assert_false(vuart_irq(&uart));
	out8(RBR, 'o');
	out8(RBR, 'k');
	assert_string_equal(sent, "ok");
	assert_true(vuart_irq(&uart));
	assert_int_equal(in8(IIR), 0x02);
	assert_false(vuart_irq(&uart));
	/* With THRI off the pending THRE is not shown. */
	out8(RBR, '!');
	out8(IER, 0);
	assert_int_equal(in8(IIR), 0x01);
	assert_false(vuart_irq(&uart));
	/* Writing THR clears a pending THRE before setting it again: the
	 * transmitter empties at once, so it stays pending. */
	out8(IER, 0x02);
	out8(RBR, '?');
	assert_true(vuart_irq(&uart));
	assert_int_equal(nsent, 4);
}

static void test_out2_gates_irq(void **state)
{
	(void)state;
	out8(IER, 0x02);
	assert_false(vuart_irq(&uart));
	out8(MCR, 0x08);
	assert_true(vuart_irq(&uart));
	out8(MCR, 0x08 | 0x10); /* loopback disconnects the line */
	assert_false(vuart_irq(&uart));
	out8(MCR, 0x03);
	assert_false(vuart_irq(&uart));
	assert_int_equal(in8(IIR), 0x02); /* still pending inside */
}

/* The receiver: FIFO order, DR, and the data-available interrupts. */
static void test_rx_fifo(void **state)
{
	(void)state;
	out8(FCR, 0x81); /* FIFOs on, trigger at 8, as Linux sets */
	out8(MCR, 0x08);
	out8(IER, 0x01);
	assert_int_equal(in8(LSR) & 0x01, 0);
	assert_true(vuart_receive(&uart, 'a'));
	assert_int_equal(in8(LSR) & 0x01, 0x01);
	/* Below the trigger level: the character timeout. */
	assert_int_equal(in8(IIR), 0xcc);
	assert_true(vuart_irq(&uart));
	for (char c = 'b'; c <= 'h'; c++)
		assert_true(vuart_receive(&uart, (u8)c));
	assert_int_equal(in8(IIR), 0xc4);
	for (char c = 'a'; c <= 'h'; c++)
		assert_int_equal(in8(RBR), c);
	assert_int_equal(in8(LSR) & 0x01, 0);
	assert_int_equal(in8(IIR), 0xc1);
	assert_false(vuart_irq(&uart));
	/* FCR bit 1 empties the receiver. */
	vuart_receive(&uart, 'x');
	out8(FCR, 0x83);
	assert_int_equal(in8(LSR) & 0x01, 0);
}

/* 16 bytes fit; the 17th is lost and reported as an overrun, with the
 * line status interrupt taking priority. */
static void test_overrun(void **state)
{
	(void)state;
	out8(FCR, 0x01);
	out8(IER, 0x05);
	for (unsigned i = 0; i < 16; i++) {
		assert_true(vuart_can_receive(&uart));
		assert_true(vuart_receive(&uart, (u8)i));
	}
	assert_false(vuart_can_receive(&uart));
	assert_false(vuart_receive(&uart, 0xee));
	assert_int_equal(in8(IIR), 0xc6);
	assert_int_equal(in8(LSR), 0x63);
	assert_int_equal(in8(LSR), 0x61); /* OE cleared by the read */
	assert_int_equal(in8(IIR), 0xc4);
	for (unsigned i = 0; i < 16; i++)
		assert_int_equal(in8(RBR), i);
}

/* Without FIFOs the receiver holds one byte. */
static void test_no_fifo_one_byte(void **state)
{
	(void)state;
	out8(IER, 0x01);
	assert_true(vuart_receive(&uart, 'x'));
	assert_false(vuart_receive(&uart, 'y'));
	assert_int_equal(in8(IIR), 0x04);
	assert_int_equal(in8(LSR), 0x63);
	assert_int_equal(in8(RBR), 'x');
	assert_int_equal(in8(RBR), 0);
	/* Turning the FIFOs on or off empties the receiver. */
	vuart_receive(&uart, 'z');
	out8(FCR, 0x01);
	assert_int_equal(in8(LSR) & 0x01, 0);
}

/* Loopback: THR goes to the receiver, the modem outputs to the inputs,
 * with delta bits and the modem status interrupt. */
static void test_loopback(void **state)
{
	(void)state;
	out8(FCR, 0x01);
	out8(IER, 0x09);
	out8(MCR, 0x10);
	assert_int_equal(in8(MSR), 0x0b); /* DCD, DSR, CTS dropped */
	out8(RBR, 'L');
	assert_int_equal(nsent, 0);
	assert_int_equal(in8(LSR) & 0x01, 0x01);
	assert_int_equal(in8(IIR), 0xc4); /* trigger level 1 */
	assert_int_equal(in8(RBR), 'L');
	assert_int_equal(in8(IIR), 0xc1);
	out8(MCR, 0x10 | 0x01); /* DTR -> DSR */
	assert_int_equal(in8(IIR), 0xc0);
	assert_int_equal(in8(MSR), 0x22);
	assert_int_equal(in8(IIR), 0xc1);
	out8(MCR, 0x10 | 0x04); /* OUT1 -> RI */
	assert_int_equal(in8(MSR), 0x42);
	out8(MCR, 0x10); /* RI falls: TERI */
	assert_int_equal(in8(MSR), 0x04);
	out8(MCR, 0x10 | 0x0f);
	assert_int_equal(in8(MSR), 0xfb);
	out8(MCR, 0x0f);
	assert_int_equal(in8(MSR), 0xb4);
	assert_int_equal(in8(MSR), 0xb0);
}

static void test_divisor_latch(void **state)
{
	(void)state;
	out8(IER, 0x05);
	out8(LCR, 0x83);
	out8(RBR, 0x01);
	out8(IER, 0x00);
	assert_int_equal(in8(RBR), 0x01);
	assert_int_equal(in8(IER), 0x00);
	assert_int_equal(nsent, 0);
	out8(LCR, 0x03);
	assert_int_equal(in8(IER), 0x05);
	assert_int_equal(in8(LCR), 0x03);
	out8(LCR, 0x83);
	assert_int_equal(in8(IER), 0x00);
}

/* --- The guest's console ------------------------------------------------ */

static void test_guest_console(void **state)
{
	static struct guest g;

	(void)state;
	strcpy(g.cfg.name, "deb");
	vuart_reset(&g.uart);
	vuart_write(&g, UART_IER, 0x02);
	assert_int_equal(vuart_read(&g, UART_IIR_FCR), 0x02);
	for (const char *s = "hi\r\n\nbye"; *s; s++)
		vuart_write(&g, UART_RBR_THR, (u8)*s);
	assert_string_equal(log_buf, "[deb] hi\n[deb]\n");
	guest_console_flush(&g);
	assert_string_equal(log_buf, "[deb] hi\n[deb]\n[deb] bye\n");
	assert_int_equal(vuart_read(&g, UART_IIR_FCR), 0x02);
}

/* console=raw: a prompt without a newline, CR and escapes pass as they are. */
static void test_guest_console_raw(void **state)
{
	static struct guest g;

	(void)state;
	strcpy(g.cfg.name, "deb");
	g.cfg.raw_console = true;
	vuart_reset(&g.uart);
	for (const char *s = "~ # \x1b[6n\r\n"; *s; s++)
		vuart_write(&g, UART_RBR_THR, (u8)*s);
	assert_string_equal(log_buf, "~ # \x1b[6n\r\n");
}

/* console=raw: a line that would start like one of braid's own ("braid:")
 * gets the guest's name in front; lines that only start with part of it,
 * or have it later on, pass unchanged, and the guest's end releases what
 * was held back. */
static void test_guest_console_raw_no_spoof(void **state)
{
	static struct guest g;
	const char *in = "braid: summary: 9 guests\nbrai\nx braid: y\nbr";

	(void)state;
	strcpy(g.cfg.name, "evil");
	g.cfg.raw_console = true;
	vuart_reset(&g.uart);
	for (const char *s = in; *s; s++)
		vuart_write(&g, UART_RBR_THR, (u8)*s);
	guest_console_flush(&g);
	assert_string_equal(log_buf, "[evil] braid: summary: 9 guests\n"
				     "brai\nx braid: y\nbr");
}

/* console=raw beside other output: a guest whose unfinished line was
 * ended by someone else's starts a new line with its next byte, and that
 * line is checked like any other, so it cannot wait for a break to forge
 * one of braid's. */
static void test_guest_console_raw_broken_line(void **state)
{
	static struct guest g;

	(void)state;
	strcpy(g.cfg.name, "evil");
	g.cfg.raw_console = true;
	vuart_reset(&g.uart);
	vuart_write(&g, UART_RBR_THR, 'x');
	vuart_write(&g, UART_RBR_THR, 'y');
	break_line = true;
	for (const char *s = "braid: forged\n"; *s; s++)
		vuart_write(&g, UART_RBR_THR, (u8)*s);
	assert_string_equal(log_buf, "xy\n<other>\n[evil] braid: forged\n");
}

/* A flood: CONSOLE_BURST bytes are printed, the rest dropped with one
 * line saying so and counted; once the budget has refilled, output
 * resumes with a line saying how much was lost. */
static void test_guest_console_flood(void **state)
{
	static struct guest g;
	static char chunk[4096];

	(void)state;
	strcpy(g.cfg.name, "loud");
	memset(chunk, 'x', sizeof(chunk));
	for (unsigned i = 127; i < sizeof(chunk); i += 128)
		chunk[i] = '\n';
	for (unsigned n = 0; n < CONSOLE_BURST; n += sizeof(chunk))
		guest_console_put(&g, chunk, sizeof(chunk));
	assert_int_equal(g.console.dropped, 0);
	log_len = 0;
	log_buf[0] = '\0';
	guest_console_put(&g, chunk, 100);
	assert_non_null(strstr(log_buf, "braid: guest loud: prints more than "
					"256 KiB"));
	assert_int_equal(g.console.dropped, 100);
	guest_console_put(&g, "y\n", 2);
	assert_int_equal(g.console.dropped, 102);
	assert_null(strstr(log_buf, "[loud] y"));
	/* Much later: the bucket is full again. */
	fake_tsc_hz = CONSOLE_RATE;
	g.console.credit_tsc = 1;
	guest_console_put(&g, "z\n", 2);
	fake_tsc_hz = 1000000000000000ull;
	assert_non_null(strstr(log_buf, "output resumes (102 bytes dropped"));
	assert_non_null(strstr(log_buf, "[loud] z\n"));
}

/* A guest that polls LSR with the receive interrupt off still gets what
 * is typed on the host console, in order. */
static void test_guest_console_polled_input(void **state)
{
	static struct guest g;

	(void)state;
	vuart_reset(&g.uart);
	host_input = "ok";
	assert_int_equal(vuart_read(&g, UART_LSR) & 0x01, 0x01);
	assert_int_equal(vuart_read(&g, UART_RBR_THR), 'o');
	assert_int_equal(vuart_read(&g, UART_RBR_THR), 'k');
	assert_int_equal(vuart_read(&g, UART_LSR) & 0x01, 0);
	assert_string_equal(host_input, "");
}

#define TU(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TU(test_reset_state),
		TU(test_linux_autoconfig),
		TU(test_linux_thre_test),
		TU(test_thre_output),
		TU(test_out2_gates_irq),
		TU(test_rx_fifo),
		TU(test_overrun),
		TU(test_no_fifo_one_byte),
		TU(test_loopback),
		TU(test_divisor_latch),
		TU(test_guest_console),
		TU(test_guest_console_raw),
		TU(test_guest_console_raw_no_spoof),
		TU(test_guest_console_raw_broken_line),
		TU(test_guest_console_flood),
		TU(test_guest_console_polled_input),
	};

	return cmocka_run_group_tests_name("vuart", tests, NULL, NULL);
}
