/* SPDX-License-Identifier: MIT */
/*
 * NMIs that reach braid: a BMC's diagnostic interrupt, a watchdog, a PCIe
 * SERR, the platform's "NMI button". They belong to the host, not to the
 * guest that happened to run (VMX NMI exiting, SVM NMI intercept), and are
 * counted, logged and survived.
 */
#ifndef ARCH_NMI_H
#define ARCH_NMI_H

#include "arch/x86_64/percpu.h"
#include "lib/types.h"

/* The host's NMI handler (vector 2): count, note the platform's reason,
 * return. It prints nothing: the NMI may have cut into a line. */
void host_nmi(void);

/* Log the NMIs taken since the last call, from ordinary context: a
 * compare on the way back into a guest, a line when there were some. */
void nmi_log(void);
static inline void nmi_report(void)
{
	struct percpu *c = this_cpu();

	if (__builtin_expect(c->nmis != c->nmis_logged, 0))
		nmi_log();
}

/* NMIs taken on this CPU since boot. */
unsigned long long nmi_count(void);

/* VMX: an NMI exit leaves NMIs blocked (SDM Vol. 3C 28.1); run the host
 * handler through INT 2, whose IRET unblocks them. */
static inline void nmi_run_host_handler(void)
{
	asm volatile("int $2" ::: "memory");
}

#endif
