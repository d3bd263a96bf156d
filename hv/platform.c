// SPDX-License-Identifier: MIT
/*
 * How a run ends. On real hardware braid halts (or reboots); under an
 * emulator it can end the emulator with a status a test can read:
 *   QEMU:  isa-debug-exit at port 0xf4: QEMU exits with (value << 1) | 1.
 *   Bochs: a magic breakpoint (xchg %bx,%bx) makes the debugger quit with
 *          status 0, port 0x8900 "Shutdown" with status 1 (docs/emulators.md, "Exit status under each emulator").
 */
#define LOG_TAG "hv"
#include "arch/x86_64/cpu.h"
#include "lib/log.h"
#include "hv/hostcons.h"
#include "hv/platform.h"

#define BOCHS_SHUTDOWN_PORT  0x8900
#define BRAID_QEMU_EXIT_PORT 0xf4
#define KBC_COMMAND	     0x64
#define KBC_PULSE_RESET	     0xfe

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
		outb(KBC_COMMAND, KBC_PULSE_RESET);
		break;
	case EXIT_ACTION_HALT: break;
	}
	pr_info("halting");
	hostcons_flush();
	cpu_halt_forever();
}
