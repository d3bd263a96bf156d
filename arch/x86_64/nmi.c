// SPDX-License-Identifier: MIT
/*
 * Host NMIs. The handler runs on its own stack (IST2, arch/x86_64/desc.c)
 * with further NMIs held off by the CPU until its IRET (SDM Vol. 3A
 * 6.7.1); it only counts and reads the legacy reason bits, so it cannot
 * fault (a fault's IRET would let the next NMI nest) and takes no lock.
 * nmi_report() prints what it saw later, outside any line being written.
 */
#define LOG_TAG "nmi"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/i8254.h"
#include "arch/x86_64/nmi.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "lib/deferred.h"
#include "lib/log.h"

/* NMI status and control, port 0x61's upper bits on every PC chipset
 * (ICH/PCH datasheets, "NMI_SC"): the sources that raise legacy NMIs. */
#define NMI_SC_SERR	  0x80 /* PCI/PCIe system error */
#define NMI_SC_IOCHK	  0x40 /* I/O channel check */
#define NMI_SC_SERR_EN_N  0x04 /* write 1: disable (and clear) SERR NMIs */
#define NMI_SC_IOCHK_EN_N 0x08 /* write 1: disable (and clear) IOCHK NMIs */

/* On every CPU, for the "host events" line. */
unsigned long long nmi_count(void)
{
	unsigned long long n = 0;

	for (unsigned i = 0; i < MAX_CPUS; i++)
		n += __atomic_load_n(&percpu[i].nmis, __ATOMIC_RELAXED);
	return n;
}

void host_nmi(void)
{
	struct percpu *c = this_cpu();
	u8 sc;

	if (smp_stop_requested())
		cpu_halt_forever(); /* another CPU panics (smp_call.c) */
	sc = inb(PORT_B);
	c->nmis++;
	c->nmi_reasons |= sc & (NMI_SC_SERR | NMI_SC_IOCHK);
	defer(DEFER_NMI_REPORT);
	/* A latched SERR/IOCHK keeps NMI asserted: pulse its enable to clear
	 * it, as an OS does. Only the low, writable bits are written back. */
	if (sc & (NMI_SC_SERR | NMI_SC_IOCHK)) {
		sc &= PORT_B_WRITABLE;
		outb(PORT_B, sc | NMI_SC_SERR_EN_N | NMI_SC_IOCHK_EN_N);
		outb(PORT_B, sc & ~(NMI_SC_SERR_EN_N | NMI_SC_IOCHK_EN_N));
	}
}

void nmi_log(void)
{
	struct percpu *c = this_cpu();
	unsigned long long n = c->nmis;
	u8 why = c->nmi_reasons;

	c->nmi_reasons = 0;
	pr_warn("%llu NMI%s received (%llu since boot; source: %s); "
		"braid goes on",
		n - c->nmis_logged, n - c->nmis_logged == 1 ? "" : "s", n,
		why & NMI_SC_SERR    ? "PCI SERR"
		: why & NMI_SC_IOCHK ? "I/O channel check"
				     : "not a legacy one (IPI, BMC, watchdog)");
	c->nmis_logged = n;
}
