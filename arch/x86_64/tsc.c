// SPDX-License-Identifier: MIT
/*
 * How fast the TSC runs. Guests read the TSC directly, so braid's virtual
 * PIT, RTC and local APIC timer all count in TSC ticks and need this rate.
 *
 * In order of trust:
 *  1. CPUID leaf 0x15, where the CPU reports its crystal clock: exact
 *     (SDM Vol. 3B 19.7.3);
 *  2. a measurement against a clock of known rate: the ACPI PM timer
 *     (3.579545 MHz; legacy-free boards have no 8254) or else the 8254
 *     PIT's channel 2. Five samples of 10 ms, the smallest kept: an SMI
 *     or a stalled emulator can only make a sample longer;
 *  3. the nominal rate: CPUID leaf 0x16 or MSR_PLATFORM_INFO's ratio
 *     times 100 MHz (Intel; SDM Vol. 4 2.17), if no clock answers.
 */
#define LOG_TAG "tsc"
#include "arch/x86_64/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpuid.h"
#include "arch/x86_64/i8254.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/tsc.h"
#include "lib/log.h"
#include "lib/muldiv.h"
#include "lib/report.h"

#define PIT_CH2_MODE0 0xb0 /* channel 2, lobyte/hibyte, mode 0 */
#define SAMPLES	      5
#define PIT_LATCH     (PIT_HZ / 100)	       /* 10 ms */
#define PM_TICKS      (ACPI_PM_TIMER_HZ / 100) /* 10 ms */
/* A clock that never moves must not hang the boot: give up after this
 * many reads (about a second of port reads on hardware) or TSC ticks. */
#define GIVE_UP_READS	  1000000u
#define GIVE_UP_TSC	  (1ull << 34)
#define FALLBACK_TSC_HZ	  1000000000ull
#define MSR_PLATFORM_INFO 0xce /* bits 15:8: maximum non-turbo ratio */

static u64 hz;
static const char *source;

const char *tsc_source(void)
{
	return source ? source : "assumed";
}

u64 tsc_hz(void)
{
	return hz;
}

/* CPUID.15H: TSC = crystal * EBX / EAX; 0 if not enumerated. */
static u64 from_cpuid_crystal(void)
{
	struct cpuid_regs r;

	if (cpuid(0, 0).eax < 0x15)
		return 0;
	r = cpuid(0x15, 0);
	if (!r.eax || !r.ebx || !r.ecx)
		return 0;
	return muldiv64(r.ecx, r.ebx, r.eax);
}

/* TSC ticks while PIT channel 2 counts PIT_LATCH down (mode 0 raises OUT
 * at terminal count: 8254 data sheet, "Mode 0"); 0 if OUT never rises. */
static u64 pit_sample(void)
{
	u8 b = inb(PORT_B);
	u64 t0, t1 = 0;

	outb(PORT_B, (b & ~PORT_B_SPEAKER) | PORT_B_GATE2);
	outb(PIT_PORT_CMD, PIT_CH2_MODE0);
	outb(PIT_PORT_CH2, PIT_LATCH & 0xff);
	outb(PIT_PORT_CH2, PIT_LATCH >> 8);
	t0 = rdtsc();
	for (unsigned n = 0; n < GIVE_UP_READS; n++) {
		if (inb(PORT_B) & PORT_B_OUT2) {
			t1 = rdtsc();
			break;
		}
		if (rdtsc() - t0 > GIVE_UP_TSC)
			break;
	}
	outb(PORT_B, b);
	return t1 ? muldiv64(t1 - t0, PIT_HZ, PIT_LATCH) : 0;
}

static u32 pm_read(void)
{
	u32 v = inl(acpi_platform.pm_timer_port);

	return acpi_platform.pm_timer_32bit ? v : v & 0xffffff;
}

static u32 pm_delta(u32 from, u32 to)
{
	return (to - from) & (acpi_platform.pm_timer_32bit ? ~0u : 0xffffffu);
}

/* The PM timer's next change after @c (its value returned), and the TSC
 * just after it in *@tsc; 0 ticks in *@tsc if it stands still. */
static u32 pm_edge(u32 c, u64 *tsc)
{
	u64 t0 = rdtsc();
	u32 v;

	for (unsigned n = 0; n < GIVE_UP_READS && rdtsc() - t0 < GIVE_UP_TSC;
	     n++) {
		v = pm_read();
		if (v != c) {
			*tsc = rdtsc();
			return v;
		}
	}
	*tsc = 0;
	return c;
}

/* TSC ticks while the PM timer advances PM_TICKS, timed from one change
 * of its count to another, so that its coarse steps (an emulator's may
 * be microseconds) do not bias the sample; 0 if it stands still. */
static u64 pm_sample(void)
{
	u64 t0, t1 = 0;
	u32 c0 = pm_edge(pm_read(), &t0), c1 = c0;

	if (!t0)
		return 0;
	while (pm_delta(c0, c1) < PM_TICKS) {
		c1 = pm_edge(c1, &t1);
		if (!t1)
			return 0;
	}
	return muldiv64(t1 - t0, ACPI_PM_TIMER_HZ, pm_delta(c0, c1));
}

static u64 measure(u64 (*sample)(void))
{
	u64 best = 0;

	for (unsigned i = 0; i < SAMPLES; i++) {
		u64 s = sample();

		if (!s)
			return 0;
		best = best ? MIN(best, s) : s;
	}
	return best;
}

/* The nominal rate (Intel): CPUID.16H:EAX in MHz, else the maximum
 * non-turbo ratio times the 100 MHz bus clock. */
static u64 nominal(void)
{
	u64 info;

	if (cpuid(0, 0).eax >= 0x16 && (cpuid(0x16, 0).eax & 0xffff))
		return (cpuid(0x16, 0).eax & 0xffffull) * 1000000;
	if (!rdmsr_safe(MSR_PLATFORM_INFO, &info) && ((info >> 8) & 0xff))
		return ((info >> 8) & 0xff) * 100000000ull;
	return 0;
}

static const char *find_rate(void)
{
	if ((hz = from_cpuid_crystal()))
		return "CPUID leaf 0x15";
	if (acpi_platform.pm_timer_port && (hz = measure(pm_sample)))
		return "the ACPI PM timer, best of 5";
	if ((hz = measure(pit_sample)))
		return "the PIT, best of 5";
	if ((hz = nominal()))
		return "the nominal rate (no PM timer or PIT answered)";
	hz = FALLBACK_TSC_HZ;
	return NULL;
}

/* What a TSC and an APIC timer need to be trusted as clocks (SDM Vol. 3B
 * 18.17.1, Vol. 3A 11.5.4). */
static void check_clock_features(void)
{
	u32 max_ext = cpuid(0x80000000, 0).eax;
	bool invariant = max_ext >= 0x80000007 &&
			 (cpuid(0x80000007, 0).edx & EDX87_INVARIANT_TSC);
	bool arat = cpuid(0, 0).eax >= 6 && (cpuid(6, 0).eax & EAX6_ARAT);

	report_note("tsc", "%llu kHz from %s; invariant %s, ARAT %s",
		    (unsigned long long)(hz / 1000),
		    source ? source : "no clock (assumed)",
		    invariant ? "yes" : "no", arat ? "yes" : "no");
	if (!invariant)
		pr_warn("the TSC is not invariant: its rate may follow P- and "
			"C-state changes, and guest timers with it");
	if (!arat)
		pr_warn("the APIC timer may stop in deep C-states (no ARAT); "
			"braid idles only in HLT (C1), where it keeps running");
}

void tsc_calibrate(void)
{
	const char *how = find_rate();

	source = how;

	if (!how)
		pr_warn("cannot measure the TSC (no CPUID 0x15, PM timer, PIT "
			"or nominal rate); guest timers assume %llu MHz",
			(unsigned long long)(FALLBACK_TSC_HZ / 1000000));
	else
		pr_info("TSC runs at %llu kHz (measured with %s)",
			(unsigned long long)(hz / 1000), how);
	check_clock_features();
}
