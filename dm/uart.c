// SPDX-License-Identifier: MIT
/*
 * The guest's COM1: a 16550 (National Semiconductor PC16550D data sheet)
 * complete enough for Linux's 8250 driver, interrupts included.
 *
 * The transmitter is infinitely fast: a byte written to THR is sent at
 * once, so LSR always shows THRE and TEMT and a guest never waits. The
 * THRE interrupt still follows the data sheet (Table IV, "Interrupt
 * Control Functions"): it is raised when the transmitter becomes empty,
 * which is right after each THR write and when ETBEI is enabled while THR
 * is empty, and is cleared by reading IIR while it is the source shown, or
 * by writing THR. The receiver is fed by vuart_receive(). There is no
 * clock: a byte waiting below the FIFO trigger level reports the character
 * timeout interrupt at once instead of four characters later.
 *
 * A pure device model: it knows nothing of guests; transmitted bytes go to
 * the caller's callback (hv/console.c sends them to the host console).
 */
#include "dm/uart.h"
#include "lib/string.h"

#define MCR_WRITABLE 0x1f

void vuart_reset(struct vuart *u)
{
	memset(u, 0, sizeof(*u));
}

/* --- Receiver ---------------------------------------------------------- */

static unsigned rx_room(const struct vuart *u)
{
	/* Without FIFOs (16450 mode) RBR holds a single byte. */
	return u->fcr & UART_FCR_ENABLE ? VUART_FIFO : 1;
}

bool vuart_can_receive(const struct vuart *u)
{
	return u->rx_count < rx_room(u);
}

bool vuart_receive(struct vuart *u, u8 c)
{
	if (!vuart_can_receive(u)) {
		u->lsr_err |= UART_LSR_OE;
		return false;
	}
	u->rx[(u->rx_head + u->rx_count) % VUART_FIFO] = c;
	u->rx_count++;
	return true;
}

static u8 rx_pop(struct vuart *u)
{
	u8 c;

	if (!u->rx_count)
		return 0;
	c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % VUART_FIFO;
	u->rx_count--;
	return c;
}

static void rx_clear(struct vuart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

/* FCR bits 7:6: 1, 4, 8 or 14 bytes raise "received data available". */
static unsigned rx_trigger(const struct vuart *u)
{
	static const u8 level[] = { 1, 4, 8, 14 };

	return u->fcr & UART_FCR_ENABLE ? level[u->fcr >> 6] : 1;
}

/* --- Interrupts ---------------------------------------------------------- */

/* The highest-priority enabled source, as IIR bits 3:0 (Table IV). */
static u8 irq_source(const struct vuart *u)
{
	if ((u->ier & UART_IER_ELSI) && u->lsr_err)
		return UART_IIR_RLS;
	if ((u->ier & UART_IER_ERBFI) && u->rx_count)
		return u->rx_count >= rx_trigger(u) ? UART_IIR_RDA
						    : UART_IIR_TIMEOUT;
	if ((u->ier & UART_IER_ETBEI) && u->thre_irq)
		return UART_IIR_THRE;
	if ((u->ier & UART_IER_EDSSI) && u->msr_delta)
		return UART_IIR_MSR;
	return UART_IIR_NONE;
}

bool vuart_irq(const struct vuart *u)
{
	/* In loopback the OUT2 pin is forced inactive, which on a PC
	 * disconnects the IRQ line. */
	return irq_source(u) != UART_IIR_NONE && (u->mcr & UART_MCR_OUT2) &&
	       !(u->mcr & UART_MCR_LOOP);
}

static u8 read_iir(struct vuart *u)
{
	u8 src = irq_source(u);

	if (src == UART_IIR_THRE)
		u->thre_irq = false;
	return src | (u->fcr & UART_FCR_ENABLE ? UART_IIR_FIFO : 0);
}

/* --- Modem lines ---------------------------------------------------------- */

/* MSR bits 7:4. In loopback the outputs DTR, RTS, OUT1, OUT2 are wired to
 * DSR, CTS, RI, DCD; otherwise a modem is present and ready (no ring). */
static u8 modem_inputs(const struct vuart *u)
{
	u8 m = u->mcr;

	if (!(m & UART_MCR_LOOP))
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	return (m & UART_MCR_DTR ? UART_MSR_DSR : 0) |
	       (m & UART_MCR_RTS ? UART_MSR_CTS : 0) |
	       (m & UART_MCR_OUT1 ? UART_MSR_RI : 0) |
	       (m & UART_MCR_OUT2 ? UART_MSR_DCD : 0);
}

/* A change of the inputs sets MSR's delta bits 3:0: DCTS, DDSR, DDCD on
 * any change, TERI when RI goes low. */
static void write_mcr(struct vuart *u, u8 val)
{
	u8 old = modem_inputs(u), now, changed;

	u->mcr = val & MCR_WRITABLE;
	now = modem_inputs(u);
	changed = (old ^ now) & (UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
	u->msr_delta |= (changed | (old & ~now & UART_MSR_RI)) >> 4;
}

static u8 read_msr(struct vuart *u)
{
	u8 v = modem_inputs(u) | u->msr_delta;

	u->msr_delta = 0;
	return v;
}

/* --- Registers ---------------------------------------------------------- */

static u8 read_lsr(struct vuart *u)
{
	u8 v = (u->rx_count ? UART_LSR_DR : 0) | u->lsr_err | UART_LSR_THRE |
	       UART_LSR_TEMT;

	u->lsr_err = 0;
	return v;
}

static void write_ier(struct vuart *u, u8 val)
{
	/* Enabling ETBEI while THR is empty (it always is) raises THRE. */
	if (!(u->ier & UART_IER_ETBEI) && (val & UART_IER_ETBEI))
		u->thre_irq = true;
	u->ier = val & 0x0f;
}

static void write_fcr(struct vuart *u, u8 val)
{
	/* Changing FCR0 clears both FIFOs; the other bits are written
	 * only with FCR0 set. The transmit FIFO is always empty. */
	if ((val ^ u->fcr) & UART_FCR_ENABLE)
		rx_clear(u);
	if (!(val & UART_FCR_ENABLE)) {
		u->fcr = 0;
		return;
	}
	if (val & UART_FCR_CLEAR_RX)
		rx_clear(u);
	u->fcr = val & (UART_FCR_ENABLE | UART_FCR_TRIGGER);
}

static void write_thr(struct vuart *u, u8 val, vuart_tx_fn *tx, void *ctx)
{
	if (u->mcr & UART_MCR_LOOP)
		vuart_receive(u, val);
	else
		tx(ctx, val);
	u->thre_irq = true; /* sent: the transmitter is empty again */
}

u8 vuart_reg_read(struct vuart *u, u16 off)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (off) {
	case UART_RBR_THR: return dlab ? u->dll : rx_pop(u);
	case UART_IER: return dlab ? u->dlm : u->ier;
	case UART_IIR_FCR: return read_iir(u);
	case UART_LCR: return u->lcr;
	case UART_MCR: return u->mcr;
	case UART_LSR: return read_lsr(u);
	case UART_MSR: return read_msr(u);
	default: return u->scr;
	}
}

void vuart_reg_write(struct vuart *u, u16 off, u8 val, vuart_tx_fn *tx,
		     void *ctx)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (off) {
	case UART_RBR_THR:
		if (dlab)
			u->dll = val;
		else
			write_thr(u, val, tx, ctx);
		break;
	case UART_IER:
		if (dlab)
			u->dlm = val;
		else
			write_ier(u, val);
		break;
	case UART_IIR_FCR: write_fcr(u, val); break;
	case UART_LCR: u->lcr = val; break;
	case UART_MCR: write_mcr(u, val); break;
	case UART_SCR: u->scr = val; break;
	default: break; /* LSR and MSR are read-only */
	}
}
