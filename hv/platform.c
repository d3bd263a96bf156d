// SPDX-License-Identifier: MIT
/*
 * How a run ends. On real hardware braid halts (or reboots); under an
 * emulator it can end the emulator with a status a test can read:
 *   QEMU:  isa-debug-exit at port 0xf4: QEMU exits with (value << 1) | 1.
 *   Bochs: a magic breakpoint (xchg %bx,%bx) makes the debugger quit with
 *          status 0, port 0x8900 "Shutdown" with status 1 (docs/emulators.md, "Exit status under each emulator").
 */
#define LOG_TAG "hv"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/vendor.h"
#include "lib/log.h"
#include "hv/hostcons.h"
#include "arch/x86_64/smp.h"
#include "hv/platform.h"

#define BOCHS_SHUTDOWN_PORT  0x8900
#define BRAID_QEMU_EXIT_PORT 0xf4
#define KBC_COMMAND	     0x64 /* 8042: command (write), status (read) */
#define KBC_STATUS_IBF	     0x02 /* input buffer full */
#define KBC_PULSE_RESET	     0xfe
#define RST_CNT		     0xcf9 /* PCH/PIIX reset control */
#define RST_CNT_SYS_RST	     0x02  /* full (not soft) reset */
#define RST_CNT_RST_CPU	     0x04  /* 0 to 1: reset now */

static enum exit_action action = EXIT_ACTION_HALT;

void platform_set_exit(enum exit_action a)
{
	action = a;
}

static void bochs_shutdown(void)
{
	for (const char *s = "Shutdown"; *s; s++)
		outb(BOCHS_SHUTDOWN_PORT, *s);
}

/* Give a reset method time to act before trying the next (~100 ms of
 * port 0x80 writes on hardware). */
static void settle(void)
{
	for (unsigned i = 0; i < 100000; i++)
		outb(0x80, 0);
}

static void acpi_reset(void)
{
	const struct acpi_platform *p = &acpi_platform;

	if (!p->has_reset_reg)
		return;
	pr_info("reset: ACPI reset register (%s 0x%llx = 0x%x)",
		p->reset_reg.address_space_id == ACPI_GAS_SYSTEM_IO ? "port"
								    : "memory",
		(unsigned long long)p->reset_reg.address, p->reset_value);
	hostcons_flush();
	if (p->reset_reg.address_space_id == ACPI_GAS_SYSTEM_IO)
		outb((u16)p->reset_reg.address, p->reset_value);
	else
		*(volatile u8 *)(uintptr_t)p->reset_reg.address =
			p->reset_value;
	settle();
}

/*
 * Reset the machine, each way after the one before has had its chance
 * (as Linux's reboot=acpi,pci,kbd,triple): virtualization off first, on
 * every CPU, or an INIT-based reset would be held off; then the ACPI reset
 * register
 * (ACPI 6.5 4.8.4.6), the chipset's reset control at 0xCF9, the 8042's
 * reset line, and a triple fault, which resets the processor on any PC.
 */
static void reset_machine(void)
{
	smp_disable_others();
	if (vendor && vendor->cpu_disable)
		vendor->cpu_disable();
	acpi_reset();
	pr_info("reset: port 0xcf9");
	hostcons_flush();
	outb(RST_CNT, RST_CNT_SYS_RST);
	outb(RST_CNT, RST_CNT_SYS_RST | RST_CNT_RST_CPU);
	settle();
	pr_info("reset: keyboard controller");
	hostcons_flush();
	for (unsigned i = 0; i < 100000 && (inb(KBC_COMMAND) & KBC_STATUS_IBF);
	     i++)
		;
	outb(KBC_COMMAND, KBC_PULSE_RESET);
	settle();
	pr_info("reset: triple fault");
	hostcons_flush();
	asm volatile("lidt %0; int3" ::"m"((struct {
		u16 limit;
		u64 base;
	} __attribute__((packed))){ 0, 0 }));
}

void platform_exit(bool ok, u32 code)
{
	/* Before the emulator ends: tests read the last line of the log. */
	hostcons_flush();
	switch (action) {
	case EXIT_ACTION_QEMU: outl(BRAID_QEMU_EXIT_PORT, code); break;
	case EXIT_ACTION_BOCHS:
		if (ok)
			asm volatile("xchg %bx, %bx");
		else
			bochs_shutdown();
		break;
	case EXIT_ACTION_REBOOT:
		pr_info("rebooting");
		reset_machine();
		break;
	case EXIT_ACTION_HALT: break;
	}
	pr_info("halting");
	hostcons_flush();
	cpu_halt_forever();
}
