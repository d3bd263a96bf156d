// SPDX-License-Identifier: MIT
/*
 * Port I/O from a guest. Each port a guest may use is listed here or in
 * the virtual platform (hv/vplat.c); guests never reach real hardware. A
 * port nothing answers behaves as on a PC where no device decodes it: it
 * reads as all ones and ignores writes (operating systems probe for
 * hardware this way), and braid reports the first access to each.
 */
#include "hv/console.h"
#include "hv/exit.h"
#include "lib/log.h"
#include "hv/vplat.h"

#define PORT_POST 0x80 /* POST codes; kernels write here as a delay */
/* The PC's two ways to reset by port: the chipset's Reset Control
 * register (Intel ICH/PCH datasheets, "RST_CNT", I/O 0xCF9: bit 2 starts
 * the reset), and the 8042 keyboard controller's command 0xFE (pulse the
 * CPU reset line). */
#define PORT_RST_CNT	  0xcf9
#define RST_CNT_RST_CPU	  0x04
#define PORT_8042_CMD	  0x64
#define I8042_PULSE_RESET 0xfe
#define PORT_E9		  0xe9 /* Bochs/QEMU debug console convention */

/* Serial ports other than COM1 are deliberately absent: reads float high. */
static bool absent_uart(u16 port)
{
	return (port >= 0x2f8 && port < 0x300) ||
	       (port >= 0x3e8 && port < 0x3f0) ||
	       (port >= 0x2e8 && port < 0x2f0);
}

static bool port_in(struct guest *g, u16 port, u8 size, u32 *val)
{
	if (port >= VUART_BASE && port < VUART_BASE + VUART_PORTS) {
		*val = vuart_read(g, port - VUART_BASE);
		return true;
	}
	if (port == PORT_RST_CNT && size == 1) {
		*val = g->plat.rst_cnt;
		return true;
	}
	if (absent_uart(port) || port == PORT_POST || port == PORT_E9 ||
	    port == BRAID_DEBUG_EXIT_PORT) {
		*val = size == 4 ? 0xffffffff : (1u << (8 * size)) - 1;
		return true;
	}
	return false;
}

static bool port_out(struct guest *g, u16 port, u8 size, u32 val)
{
	char c = (char)val;

	if (port >= VUART_BASE && port < VUART_BASE + VUART_PORTS) {
		vuart_write(g, port - VUART_BASE, val);
		return true;
	}
	if (port == BRAID_DEBUG_EXIT_PORT) {
		/* Same contract as QEMU's isa-debug-exit: the value written is
		 * the result. */
		guest_exit(g, val);
		return true;
	}
	if (port == PORT_E9) {
		guest_console_put(g, &c, 1);
		return true;
	}
	/* Byte writes only: a dword at 0xCF8 is a PCI configuration
	 * address, not a reset. */
	if (port == PORT_RST_CNT && size == 1) {
		g->plat.rst_cnt = val & 0x0e;
		if (val & RST_CNT_RST_CPU)
			guest_machine_reset(g, "port 0xCF9");
		return true;
	}
	if (port == PORT_8042_CMD && size == 1 && val == I8042_PULSE_RESET) {
		guest_machine_reset(g, "8042 command 0xFE");
		return true;
	}
	return absent_uart(port) || port == PORT_POST;
}

void io_port(struct guest *g, u16 port, bool in, u8 size, u32 *val)
{
	u32 mask = size == 4 ? 0xffffffff : (1u << (8 * size)) - 1;

	/* The devices are the guest's, shared by its vCPUs. */
	spin_lock(&g->plat_lock);
	if (vplat_io(g, port, in, size, val) ||
	    (in ? port_in(g, port, size, val) : port_out(g, port, size, *val)))
		goto out;
	vplat_report_port(g, port, in);
	if (in)
		*val = mask;
out:
	spin_unlock(&g->plat_lock);
}

void handle_io(struct vcpu *v, const struct vmexit *e)
{
	struct guest *g = v->guest;
	u64 *rax = &v->regs.gpr[RAX];
	u32 mask = e->io.size == 4 ? 0xffffffff : (1u << (8 * e->io.size)) - 1;
	u32 val = (u32)*rax & mask;

	if (e->io.string) {
		handle_string_io(v, e);
		return;
	}
	io_port(g, e->io.port, e->io.in, e->io.size, &val);
	/* A 32-bit IN zero-extends into RAX; 8/16-bit ones merge. */
	if (e->io.in)
		*rax = e->io.size == 4 ? val
				       : (*rax & ~(u64)mask) | (val & mask);
	vcpu_skip_insn(v, e->insn_len);
}
