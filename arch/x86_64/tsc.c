// SPDX-License-Identifier: MIT
/*
 * How fast the TSC runs. Guests read the TSC directly, so braid's virtual
 * PIT, RTC and local APIC timer all count in TSC ticks and need this rate.
 *
 * CPUID leaf 0x15 gives it exactly where the CPU reports its crystal clock
 * (SDM Vol. 3B 19.7.3); elsewhere (older CPUs, AMD, the emulators) braid
 * times 50 ms of the 8254 PIT's channel 2, which every PC-compatible
 * machine braid runs on still has (port 0x61 gates it, bit 5 is its OUT).
 */
#define LOG_TAG "tsc"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/i8254.h"
#include "arch/x86_64/tsc.h"
#include "lib/log.h"
#include "lib/muldiv.h"

#define PIT_CH2_MODE0	0xb0	      /* channel 2, lobyte/hibyte, mode 0 */
#define CAL_LATCH	(PIT_HZ / 20) /* 50 ms */
#define CAL_GIVE_UP	(1ull << 36)  /* TSC ticks: no PIT at all */
#define FALLBACK_TSC_HZ 1000000000ull

static u64 hz;

u64 tsc_hz(void)
{
	return hz;
}

/* CPUID.15H: TSC = crystal * EBX / EAX; 0 if not enumerated. */
static u64 from_cpuid(void)
{
	struct cpuid_regs r;

	if (cpuid(0, 0).eax < 0x15)
		return 0;
	r = cpuid(0x15, 0);
	if (!r.eax || !r.ebx || !r.ecx)
		return 0;
	return muldiv64(r.ecx, r.ebx, r.eax);
}

/* Count TSC ticks while PIT channel 2 counts CAL_LATCH ticks down (mode 0
 * raises OUT at terminal count: 8254 data sheet, "Mode 0"). */
static u64 from_pit(void)
{
	u8 b = inb(PORT_B);
	u64 t0, t1;

	outb(PORT_B, (b & ~PORT_B_SPEAKER) | PORT_B_GATE2);
	outb(PIT_PORT_CMD, PIT_CH2_MODE0);
	outb(PIT_PORT_CH2, CAL_LATCH & 0xff);
	outb(PIT_PORT_CH2, CAL_LATCH >> 8);
	t0 = rdtsc();
	while (!(inb(PORT_B) & PORT_B_OUT2)) {
		if (rdtsc() - t0 > CAL_GIVE_UP) {
			outb(PORT_B, b);
			return 0;
		}
	}
	t1 = rdtsc();
	outb(PORT_B, b);
	return muldiv64(t1 - t0, PIT_HZ, CAL_LATCH);
}

void tsc_calibrate(void)
{
	const char *how = "CPUID leaf 0x15";

	hz = from_cpuid();
	if (!hz) {
		how = "the PIT";
		hz = from_pit();
	}
	if (!hz) {
		pr_warn("cannot measure the TSC (no CPUID 0x15, no PIT); "
			"guest timers assume %llu MHz",
			(unsigned long long)(FALLBACK_TSC_HZ / 1000000));
		hz = FALLBACK_TSC_HZ;
		return;
	}
	pr_info("TSC runs at %llu kHz (measured with %s)",
		(unsigned long long)(hz / 1000), how);
}
