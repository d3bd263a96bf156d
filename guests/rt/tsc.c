// SPDX-License-Identifier: MIT
/*
 * The TSC's rate. Guests measure time in TSC ticks; the rate comes from
 * CPUID leaf 15H where it is complete, otherwise from a PIT countdown.
 */
#include "tsc.h"
#include "pit.h"
#include "x86.h"

#define CAL_COUNT 11932 /* ~10 ms of PIT for calibrating the TSC */

/* SDM Vol. 2A CPUID leaf 15H: TSC = ECX * EBX / EAX when all are known. */
u64 tsc_hz_from_cpuid(void)
{
	struct cpuid_regs r;

	if (cpuid(0, 0).eax < 0x15)
		return 0;
	r = cpuid(0x15, 0);
	if (!r.eax || !r.ebx || !r.ecx)
		return 0;
	return (u64)r.ecx * r.ebx / r.eax;
}

/*
 * PIT channel 2 in mode 0 (interrupt on terminal count): OUT2, readable
 * in port 0x61 bit 5, goes high CAL_COUNT PIT clocks after the count is
 * written, with the gate (bit 0) high and the speaker (bit 1) off.
 */
u64 tsc_hz_from_pit(void)
{
	u8 portb = inb(PORT_B);
	unsigned long polls = 0;
	bool out2 = false;
	u64 t0, t1;

	outb(PORT_B, (portb & ~0x02) | 0x01);
	outb(PIT_CMD, 0xb0); /* channel 2, lobyte/hibyte, mode 0, binary */
	outb(PIT_CH2, CAL_COUNT & 0xff);
	outb(PIT_CH2, CAL_COUNT >> 8);
	t0 = rdtsc();
	while (!out2 && polls++ < 10000000UL)
		out2 = inb(PORT_B) & 0x20;
	t1 = rdtsc();
	outb(PORT_B, portb);
	return out2 ? (t1 - t0) * PIT_HZ / CAL_COUNT : 0;
}

/*
 * Without either source the TSC is assumed to run at 1 GHz: a wrong
 * guess only stretches or shrinks timeouts, it never changes a result.
 */
u64 tsc_per_ms(void)
{
	static u64 per_ms;
	u64 hz;

	if (!per_ms) {
		hz = tsc_hz_from_cpuid();
		if (!hz)
			hz = tsc_hz_from_pit();
		per_ms = hz >= 1000000 ? hz / 1000 : 1000000;
	}
	return per_ms;
}

void tsc_delay_ms(u64 ms)
{
	u64 t0 = rdtsc(), ticks = ms * tsc_per_ms();

	while (rdtsc() - t0 < ticks)
		asm volatile("pause" : : : "memory");
}
