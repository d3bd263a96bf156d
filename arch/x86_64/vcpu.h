/* SPDX-License-Identifier: MIT */
/*
 * A virtual CPU: the vendor-neutral view of one guest CPU. General-purpose
 * registers live here (the entry stubs save and restore them); RIP, RSP,
 * RFLAGS and the control registers live in the VMCS/VMCB and are reached
 * through the vendor API (arch/x86_64/vendor.h).
 */
#ifndef ARCH_VCPU_H
#define ARCH_VCPU_H

#include "lib/types.h"

/*
 * In the order of the x86 register encoding (SDM Vol. 2A 2.1.5), so the
 * register number an exit reports indexes gpr[] directly. The RSP slot is
 * not used: RSP lives in the VMCS/VMCB. The entry stubs in
 * arch/x86_64/{vmx,svm}_entry.S depend on this layout.
 */
enum gpr {
	RAX,
	RCX,
	RDX,
	RBX,
	RSP,
	RBP,
	RSI,
	RDI,
	R8,
	R9,
	R10,
	R11,
	R12,
	R13,
	R14,
	R15,
	NR_GPRS
};

struct guest_regs {
	u64 gpr[NR_GPRS];
	/* TSC at the VM exit and at the last VM entry, read by the entry
	 * stubs as close to the switch as they can (hv/run.c: braid's path
	 * length per exit). The stubs depend on this layout too. */
	u64 exit_tsc, entry_tsc;
	/* VMX: the host RSP the VMCS holds, so that the stub writes it only
	 * when it changes (0: not written yet). */
	u64 host_rsp;
};

struct guest;

/* What arch/x86_64/cpu_state.c swaps: the FXSAVE image (x87, MXCSR,
 * XMM0-15; 16-byte aligned) and DR0-DR3, DR6. */
/* The XSAVE area braid keeps per vCPU: the legacy region and header (576
 * bytes) and AVX's upper halves (256 at offset 576, SDM Vol. 1 13.4,
 * CPUID.(0xD,2)); the only state components guests get (hv/xcr0.c). */
#define XSAVE_AREA_SIZE 1024

struct vcpu_cpu_state {
	u8 xsave[XSAVE_AREA_SIZE] __attribute__((aligned(64)));
	u64 xcr0; /* the guest's XCR0, in the CPU while it runs */
	u64 dr[4], dr6;
	u64 tsc_aux; /* IA32_TSC_AUX, which RDTSCP reads */
};

/* Kinds of event the CPU delivers (SDM Vol. 3A 6.15, table 6-4). */
enum vcpu_event_kind {
	EVENT_INTR, /* an external interrupt */
	EVENT_NMI,
	EVENT_EXCEPTION, /* a hardware exception */
	EVENT_SOFT,	 /* INTn, INT3, INTO, INT1: raised by an instruction */
};

struct vcpu {
	struct guest *guest;
	struct guest_regs regs;
	unsigned cpu; /* the physical CPU it is bound to */
	/* The last exit interrupted the delivery of an event (it will be
	 * delivered again): the instruction at RIP did not cause the exit.
	 * Which event, for the double-fault rules (hv/event.c). */
	bool delivering;
	u8 delivering_vector;
	u8 delivering_kind; /* enum vcpu_event_kind */
	/* An interrupt the last entry offered that the CPU did not take
	 * (vector + 1; 0: none): braid's platform delivers it again
	 * (hv/run.c). */
	u16 irq_not_taken;
	void *arch; /* the vendor's per-vCPU state: VMCS or VMCB and friends */
	/* The CPU left the guest state undefined (an SVM shutdown, APM Vol.
	 * 2 15.11): nothing of it may be read or printed as if valid. */
	bool state_undefined;
	/* The event the last entry injected, in the vendor's own encoding
	 * (SVM EVENTINJ, also for an interrupt handed over as V_IRQ), and
	 * the one the exit left half delivered (SVM EXITINTINFO): for the
	 * report when the guest state is undefined. */
	u64 entry_event, exit_event;
	/* ENTRY_CHECK builds: skip braid's checker before entry, so that the
	 * CPU itself meets the state (entry_fault=cpu). */
	bool entry_check_off;
	/* The CR4 bits its CPUID lets the guest set: a write of any other
	 * must exit (to raise #GP) in every paging mode. */
	u64 cr4_guest_ok;
	/* MSRs braid keeps for the guest (hv/msr.c). */
	u64 misc_enable;
	u64 watch_hits; /* DR6 B0-B3 of the instruction braid carries out */
	/* The MTRRs the guest programs (hv/mtrr.c): kept and read back;
	 * braid's own memory type decides. */
	struct {
		u64 var[16]; /* PHYSBASE0, PHYSMASK0, ... PHYSMASK7 */
		u64 fixed[11];
		u64 def_type;
	} mtrr;
	u64 tsc_offset;	  /* guest TSC - host TSC (WRMSR TSC/TSC_ADJUST) */
	u64 tsc_adjust;	  /* IA32_TSC_ADJUST as the guest sees it */
	u64 k7_perf[8];	  /* AMD PerfEvtSel0-3, PerfCtr0-3 */
	u64 hwcr, nb_cfg; /* AMD HWCR and NB_CFG (hv/amd_cfg.c) */
	struct vcpu_cpu_state state; /* while another vCPU owns the CPU */
	/* Owned by the scheduler (hv/sched.c), under its CPU's lock. */
	struct {
		struct vcpu *next; /* in a CPU's run queue or halted list */
		u8 state;	   /* enum vcpu_run_state (hv/sched.h) */
		unsigned cpu;	   /* the CPU whose queues hold it */
		unsigned weight;   /* its slice, in base slices */
		u64 allowed;	   /* CPUs it may run on (a mask) */
		u64 ran_on;	   /* CPUs it has run on (a mask) */
		u64 wake_at;	  /* halted: TSC its next device event is due */
		u64 slice_end;	  /* TSC its current slice ends; 0: none */
		u64 off_since;	  /* TSC it left the CPU */
		u64 halted_until; /* TSC it stopped being halted (woken) */
		bool wake_pending; /* sched_wake() came while it ran */
		bool yielded;	   /* sched_yield(): to the back of the queue */
		u64 yields;	   /* times it gave the CPU up spinning */
		u64 wait_tsc;	   /* runnable, but another vCPU had the CPU */
		u64 switches;	   /* times a CPU switched to it */
		u64 migrations;	   /* times it moved to another CPU */
		u64 preemptions;   /* slices that ended with others waiting */
	} sched;
	/* The run loop's place across a descheduling (hv/run.c). */
	u64 last_exit_tsc;
	bool exit_charged;
	bool halted; /* in HLT: the scheduler runs it when it can be woken */
	/* The CPU holding it (hv/sched.c, switch_to() to put()), plus 1;
	 * 0: none. */
	u32 running_on;
};

#endif
