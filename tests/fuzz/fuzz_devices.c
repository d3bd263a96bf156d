// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the device models' register interfaces (dm/vlapic.c,
 * dm/vpic.c, dm/vpit.c, dm/vrtc.c, dm/uart.c, dm/vioapic.c), as the exit
 * handlers reach them: MMIO reads and writes of the local and I/O APIC at
 * fuzzed offsets, port I/O to the PICs, PIT, RTC and UART, the APIC MSRs,
 * serial input, IRQ lines, time passing and the interrupt flow of
 * hv/irq.c (I/O APIC to local APIC, PIC INTA, EOIs back to the I/O APIC),
 * and the local APIC's x2APIC mode (its MSRs, and the mode changes).
 * Beyond no crash and no undefined behaviour: a pending vector is one
 * the APIC may deliver (16..255, in IRR, above the processor priority),
 * INTA answers what the PIC said was pending, the APIC timer's current
 * count never exceeds its initial count, an updated timer's next event
 * is in the future, and the UART's receive FIFO stays within its size
 * (one byte with FIFOs off).
 */
#include <string.h>

#include "dm/uart.h"
#include "dm/vioapic.h"
#include "dm/vlapic.h"
#include "dm/vpic.h"
#include "dm/vpit.h"
#include "dm/vrtc.h"
#include "tests/fuzz/fuzz.h"

struct machine {
	struct vlapic lapic;
	struct vioapic ioapic;
	struct vpic pic;
	struct vpit pit;
	struct vrtc rtc;
	struct vuart uart;
	u64 now, tsc_hz;
	unsigned sent; /* bytes the UART transmitted */
};

static void uart_tx(void *ctx, u8 c)
{
	struct machine *m = ctx;

	(void)c;
	m->sent++;
}

static bool vec_bit(const u32 *v, unsigned vector)
{
	return v[vector / 32] & BIT(vector % 32);
}

/* An offset in a device's page: mostly registers, sometimes anything. */
static u32 fuzz_offset(struct fuzz_in *in)
{
	u32 off = (u32)fuzz_take(in, 2) & 0xfff;

	return (off & 0x800) ? off : off & 0x3f0;
}

/* EXTD never without EN (SDM 11.12.5); in x2APIC mode the page is not
 * decoded, the ID MSR reads the x2APIC ID and the LDR is derived. */
static void check_x2apic(struct machine *m)
{
	struct vlapic *a = &m->lapic;
	u64 base = vlapic_base_msr(a), id = ~0ull;

	FUZZ_CHECK(!(base & APIC_BASE_EXTD) || (base & APIC_BASE_EN));
	if (!vlapic_x2apic(a))
		return;
	FUZZ_CHECK(vlapic_read(a, APIC_SVR, m->now) == 0);
	FUZZ_CHECK(!vlapic_msr_read(a, MSR_X2APIC_FIRST + 2, &id, m->now));
	FUZZ_CHECK(id == a->x2apic_id);
	FUZZ_CHECK(a->ldr == vlapic_x2apic_ldr(a));
}

static void check_lapic(struct machine *m)
{
	struct vlapic *a = &m->lapic;
	int v = vlapic_pending(a);

	if (v >= 0) {
		FUZZ_CHECK(v >= 16 && v <= 255 && vec_bit(a->irr, v));
		FUZZ_CHECK((v & 0xf0) > (vlapic_ppr(a) & 0xf0));
	} else {
		FUZZ_CHECK(v == -1);
	}
	FUZZ_CHECK(vlapic_read(a, APIC_TMCCT, m->now) <= a->tmict);
	vlapic_update(a, m->now);
	FUZZ_CHECK(vlapic_next_event(a, m->now) > m->now);
	check_x2apic(m);
}

static void check_pic(struct machine *m)
{
	int v = vpic_pending(&m->pic);

	FUZZ_CHECK(v >= -1 && v <= 255);
	if (v >= 0)
		FUZZ_CHECK(vpic_ack(&m->pic) == v);
}

static void check_uart(struct machine *m)
{
	unsigned room = (m->uart.fcr & UART_FCR_ENABLE) ? VUART_FIFO : 1;

	/* 16 bytes with FIFOs on, one without (FCR0 changes clear them). */
	FUZZ_CHECK(m->uart.rx_count <= room);
	FUZZ_CHECK(m->uart.rx_head < VUART_FIFO);
	FUZZ_CHECK(vuart_can_receive(&m->uart) == (m->uart.rx_count < room));
}

/* Port I/O to the PICs, PIT or RTC: a port near theirs, in or out. */
static void op_port(struct machine *m, struct fuzz_in *in, u8 op)
{
	static const u16 ports[] = { PIC_MASTER_CMD,
				     PIC_MASTER_DATA,
				     PIC_SLAVE_CMD,
				     PIC_SLAVE_DATA,
				     PIC_ELCR_MASTER,
				     PIC_ELCR_SLAVE,
				     0x40,
				     0x41,
				     0x42,
				     0x43,
				     0x61,
				     RTC_PORT_INDEX,
				     RTC_PORT_DATA,
				     0x72 };
	u16 port = ports[fuzz_u8(in) % ARRAY_SIZE(ports)];
	bool is_in = op & 0x10;
	u8 val = fuzz_u8(in);

	vpic_io(&m->pic, port, is_in, &val);
	vpit_io(&m->pit, port, is_in, &val, m->now);
	vrtc_io(&m->rtc, port, is_in, &val, m->now);
}

static void op_uart(struct machine *m, struct fuzz_in *in, u8 op)
{
	u16 off = fuzz_u8(in) % VUART_PORTS;
	u8 val = fuzz_u8(in);

	if (op & 0x10)
		vuart_reg_read(&m->uart, off);
	else if (op & 0x20)
		vuart_receive(&m->uart, val);
	else
		vuart_reg_write(&m->uart, off, val, uart_tx, m);
	vuart_irq(&m->uart);
}

static void op_ioapic(struct machine *m, struct fuzz_in *in, u8 op)
{
	u32 off = (op & 0x20)	? fuzz_offset(in)
		  : (op & 0x10) ? IOAPIC_IOWIN
				: 0;

	if (op & 0x40)
		vioapic_read(&m->ioapic, off);
	else
		vioapic_write(&m->ioapic, off, (u32)fuzz_take(in, 4));
}

/* The interrupt plumbing of hv/irq.c: I/O APIC to local APIC, the CPU
 * taking the highest vector, EOIs of level vectors back to the I/O APIC,
 * and the PIC's INTA. */
static void deliver(struct machine *m, u8 op)
{
	u8 vector;
	bool level;
	int v, eoi;

	for (unsigned n = 0; vioapic_next(&m->ioapic, &vector, &level); n++) {
		FUZZ_CHECK(n < 256); /* each call consumes what it returns */
		vlapic_set_irr(&m->lapic, vector, level);
	}
	v = vlapic_pending(&m->lapic);
	if (v >= 0 && (op & 0x10))
		vlapic_accept(&m->lapic, (u8)v);
	if (op & 0x20)
		vlapic_write(&m->lapic, APIC_EOI, 0, m->now);
	while ((eoi = vlapic_take_level_eoi(&m->lapic)) >= 0)
		vioapic_eoi(&m->ioapic, (u8)eoi);
	if ((op & 0x40) && vlapic_extint_open(&m->lapic))
		vpic_ack(&m->pic);
}

/* Time passes (by up to ~2^40 ticks); the PIT's edges reach IRQ0/pin 2. */
static void op_time(struct machine *m, struct fuzz_in *in, u8 op)
{
	unsigned edges;

	m->now += fuzz_take(in, 2) << ((op >> 4) * 3 % 25);
	vlapic_update(&m->lapic, m->now);
	edges = vpit_irq0_edges(&m->pit, m->now);
	if (edges) {
		vpic_set_irq(&m->pic, 0, true);
		vpic_set_irq(&m->pic, 0, false);
		vioapic_set_irq(&m->ioapic, 2, true);
		vioapic_set_irq(&m->ioapic, 2, false);
	}
	FUZZ_CHECK(vpit_next_event(&m->pit, m->now) >= m->now);
}

static void op_line(struct machine *m, struct fuzz_in *in, u8 op)
{
	u8 b = fuzz_u8(in);
	bool level = op & 0x10;

	if (op & 0x20)
		vpic_set_irq(&m->pic, b % 16, level);
	else
		vioapic_set_irq(&m->ioapic, b % VIOAPIC_PINS, level);
}

/* IA32_APIC_BASE for xAPIC, x2APIC and disabled: a random value would
 * hardly ever name a mode. */
static const u64 apic_bases[] = { 0xfee00900, 0xfee00d00, 0xfee00100 };

static void op_msr(struct machine *m, struct fuzz_in *in, u8 op)
{
	u64 val = fuzz_u64(in), got;
	u32 x2apic_msr = MSR_X2APIC_FIRST + (u8)(val >> 56);

	if (op & 0x10)
		vlapic_set_base_msr(&m->lapic,
				    (op & 0x20) ? val : apic_bases[val % 3]);
	else if (op & 0x40 && op & 0x20)
		vlapic_msr_write(&m->lapic, x2apic_msr, fuzz_u64(in), m->now);
	else if (op & 0x40)
		vlapic_msr_read(&m->lapic, x2apic_msr, &got, m->now);
	else if (op & 0x20)
		vlapic_set_tsc_deadline(&m->lapic, m->now + (val & 0xffffff),
					m->now);
	else
		vlapic_tsc_deadline(&m->lapic, m->now);
}

static void run_op(struct machine *m, struct fuzz_in *in, u8 op)
{
	switch (op % 10) {
	case 0:
	case 1:
		vlapic_write(&m->lapic, fuzz_offset(in), (u32)fuzz_take(in, 4),
			     m->now);
		break;
	case 2: vlapic_read(&m->lapic, fuzz_offset(in), m->now); break;
	case 3: op_port(m, in, op); break;
	case 4: op_uart(m, in, op); break;
	case 5: op_ioapic(m, in, op); break;
	case 6: deliver(m, op); break;
	case 7: op_time(m, in, op); break;
	case 8: op_line(m, in, op); break;
	default: op_msr(m, in, op); break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const u64 hz[4] = { 1000000000ull, 2500000000ull, 3000000ull,
				   4000000000000ull };
	static struct machine m;
	struct fuzz_in in = { data, size };
	u8 b = fuzz_u8(&in);

	memset(&m, 0, sizeof(m));
	m.tsc_hz = hz[b & 3];
	m.now = fuzz_take(&in, 4) << ((b >> 2) & 31);
	vlapic_reset(&m.lapic, 0, m.tsc_hz, m.now);
	vioapic_reset(&m.ioapic, 1);
	vpic_reset(&m.pic);
	vpit_reset(&m.pit, m.tsc_hz, m.now);
	vrtc_reset(&m.rtc, fuzz_take(&in, 4), m.tsc_hz, m.now);
	vuart_reset(&m.uart);
	while (in.n) {
		run_op(&m, &in, fuzz_u8(&in));
		check_uart(&m);
		check_lapic(&m);
	}
	check_pic(&m);
	return 0;
}
