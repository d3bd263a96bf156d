// SPDX-License-Identifier: MIT
#include "report.h"
#include <braid/marker.h>
#include "printf.h"
#include "x86.h"
#include <braid/abi.h>

static unsigned int tests, failures, skipped;

static void vreport(const char *tag, const char *fmt, va_list ap)
{
	printf("%s: ", tag);
	vprintf(fmt, ap);
	printf("\n");
}

bool report(bool cond, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (!cond)
		failures++;
	va_start(ap, fmt);
	vreport(cond ? "PASS" : "FAIL", fmt, ap);
	va_end(ap);
	return cond;
}

void report_skip(const char *fmt, ...)
{
	va_list ap;

	skipped++;
	va_start(ap, fmt);
	vreport("SKIP", fmt, ap);
	va_end(ap);
}

void report_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport("INFO", fmt, ap);
	va_end(ap);
}

unsigned int report_failures(void)
{
	return failures;
}

void report_summary(void)
{
	/* The end of the measurement window rt_start opened: guests that
	 * end here never return to it. */
	BRAID_MARK(BRAID_MARK_END, BRAID_WINDOW_GUEST);
	printf("SUMMARY: %u tests, %u failures", tests, failures);
	if (skipped)
		printf(", %u skipped", skipped);
	printf("\n");
	guest_exit(failures ? 1 : BRAID_RESULT_PASS);
}

/*
 * isa-debug-exit takes the value and ends the machine (QEMU exits with
 * (v << 1) | 1). Bochs has no such port: there (bare, without braid) a
 * pass is its magic breakpoint and a failure its 0x8900 shutdown port,
 * which end a run of tools/run-bochs.sh with 0 or 1 (docs/emulators.md).
 * Anywhere else, park the CPU.
 */
void guest_exit(u32 code)
{
	const char *shutdown = "Shutdown";

	outl(BRAID_DEBUG_EXIT_PORT, code);
	if (code == BRAID_RESULT_PASS)
		asm volatile("xchg %%bx, %%bx" ::: "memory");
	for (; *shutdown; shutdown++)
		outb(0x8900, (u8)*shutdown);
	halt_forever();
}
