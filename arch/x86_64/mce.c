// SPDX-License-Identifier: MIT
/*
 * Machine-check architecture. Without CR4.MCE a machine check shuts the
 * processor down (SDM Vol. 3B 16.1), so a failing DIMM or cache would
 * reset a lab machine without a word. braid enables reporting, and its
 * #MC handler logs each bank's IA32_MCi_STATUS, ADDR and MISC (16.3.2)
 * before deciding whether the interrupted code can go on.
 */
#define LOG_TAG "mce"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpuid.h"
#include "arch/x86_64/mce.h"
#include "lib/atomic.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/percpu.h"
#include "lib/log.h"
#include "lib/report.h"

static unsigned nr_banks;
static unsigned long long seen;

unsigned long long mce_count(void)
{
	return atomic_load_relaxed(&seen);
}

/* Log and clear bank @i; true if it held an error that corrupted the
 * processor context (PCC). */
static bool log_bank(unsigned i, const char *where)
{
	u64 status = 0, addr = 0, misc = 0;

	if (rdmsr_safe(MSR_IA32_MC0_STATUS + 4 * i, &status) ||
	    !(status & MCI_STATUS_VAL))
		return false;
	if (status & MCI_STATUS_ADDRV)
		rdmsr_safe(MSR_IA32_MC0_ADDR + 4 * i, &addr);
	if (status & MCI_STATUS_MISCV)
		rdmsr_safe(MSR_IA32_MC0_MISC + 4 * i, &misc);
	pr_err("machine check %s: bank %u status 0x%016llx addr 0x%llx "
	       "misc 0x%llx (%s%s%s)",
	       where, i, (unsigned long long)status, (unsigned long long)addr,
	       (unsigned long long)misc,
	       status & MCI_STATUS_UC ? "uncorrected" : "corrected",
	       status & MCI_STATUS_PCC ? ", processor context corrupt" : "",
	       status & MCI_STATUS_OVER ? ", overflow" : "");
	/* Software clears a logged bank (16.3.2.2): else the next error
	 * there looks like an overflow. */
	wrmsr_safe(MSR_IA32_MC0_STATUS + 4 * i, 0);
	return status & MCI_STATUS_PCC;
}

bool mce_handle(const char *where)
{
	u64 mcg = 0;
	bool corrupt = false;

	atomic_inc_relaxed(&seen); /* #MCs may come on several CPUs */
	rdmsr_safe(MSR_IA32_MCG_STATUS, &mcg);
	for (unsigned i = 0; i < nr_banks; i++)
		corrupt |= log_bank(i, where);
	pr_err("machine check %s: MCG_STATUS 0x%llx (%s)", where,
	       (unsigned long long)mcg,
	       mcg & MCG_STATUS_RIPV ? "restartable" : "not restartable");
	/* A second #MC while MCIP is set shuts the processor down (16.3.1.2):
	 * clear it once the banks are read. */
	wrmsr_safe(MSR_IA32_MCG_STATUS, 0);
	return (mcg & MCG_STATUS_RIPV) && !corrupt;
}

/* Intel P6-family processors before Nehalem reserve MC0_CTL to firmware
 * (SDM Vol. 3B 16.3.2.1): leave it alone there. */
static bool may_write_bank0(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	u32 sig = cpuid(1, 0).eax;
	unsigned family = (sig >> 8) & 0xf;
	unsigned model = ((sig >> 4) & 0xf) | ((sig >> 12) & 0xf0);
	bool intel = r.ebx == 0x756e6547; /* "Genu" */

	return !(intel && family == 6 && model < 0x1a);
}

void mce_cpu_init(void)
{
	u32 edx = cpuid(1, 0).edx;
	u64 cap = 0;

	if (!(edx & EDX1_MCE)) {
		if (this_cpu()->id)
			return;
		pr_warn("this CPU has no machine-check exception: a hardware "
			"error will reset it without a log");
		report_note("machine checks", "none (no CPUID.1:EDX.MCE)");
		return;
	}
	if ((edx & EDX1_MCA) && !rdmsr_safe(MSR_IA32_MCG_CAP, &cap)) {
		nr_banks = cap & MCG_CAP_COUNT;
		/* Errors latched before braid ran (the previous boot's, or
		 * firmware's): logged now, then cleared. */
		for (unsigned i = 0; i < nr_banks; i++)
			log_bank(i, "found at boot");
		if (cap & MCG_CAP_CTL_P)
			wrmsr_safe(MSR_IA32_MCG_CTL, ~0ull);
		for (unsigned i = may_write_bank0() ? 0 : 1; i < nr_banks; i++)
			wrmsr_safe(MSR_IA32_MC0_CTL + 4 * i, ~0ull);
	}
	write_cr4(read_cr4() | CR4_MCE);
	if (this_cpu()->id)
		return; /* the boot CPU has said it for all */
	pr_info("machine checks reported (%u banks)", nr_banks);
	report_note("machine checks",
		    "CR4.MCE on, %u banks, #MC intercepted "
		    "in guests",
		    nr_banks);
}
