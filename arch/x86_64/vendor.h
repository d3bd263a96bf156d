/* SPDX-License-Identifier: MIT */
/*
 * The vendor API: everything hv/ asks of VT-x or AMD-V goes through these
 * operations. arch/x86_64/vmx.c and svm.c implement them; vendor.c picks one
 * at boot from CPUID, so a single image serves both.
 */
#ifndef ARCH_VENDOR_H
#define ARCH_VENDOR_H

#include "arch/x86_64/vcpu.h"
#include "lib/types.h"
#include "mm/paging.h"

/* Builds with ENTRY_CHECK=1 (make ENTRY_CHECK=1, build/entrycheck/)
 * check every guest state in software before entering it
 * (arch/x86_64/vmx_check.c, svm_check.c). */
#ifndef ENTRY_CHECK
#define ENTRY_CHECK 0
#endif

/* Why the guest stopped running, in vendor-neutral terms. */
enum vmexit_kind {
	VMEXIT_CPUID,
	VMEXIT_IO,
	VMEXIT_HLT,
	VMEXIT_RDMSR,
	VMEXIT_WRMSR,
	VMEXIT_HYPERCALL,
	VMEXIT_NPF, /* EPT violation / nested page fault */
	VMEXIT_EXCEPTION,
	VMEXIT_CR_ACCESS, /* MOV to/from CR0/CR3/CR4, CLTS, LMSW */
	VMEXIT_INVLPG,
	VMEXIT_INVPCID,
	VMEXIT_INTR,	   /* a host interrupt (braid's timer) */
	VMEXIT_IRQ_WINDOW, /* the guest can take an interrupt now */
	VMEXIT_TRIPLE_FAULT,
	VMEXIT_VIRT_INSN, /* the guest executed a VMX/SVM instruction */
	VMEXIT_XSETBV,	  /* the guest tried to change XCR0 */
	VMEXIT_CACHE,	  /* INVD or WBINVD */
	VMEXIT_RDPMC,
	VMEXIT_MONITOR,	      /* MONITOR or MWAIT */
	VMEXIT_PAUSE,	      /* PAUSE, where braid asked (set_pause_exiting) */
	VMEXIT_ENTRY_FAILED,  /* the CPU refused our guest state */
	VMEXIT_NMI,	      /* a host NMI (its handler has run) */
	VMEXIT_MACHINE_CHECK, /* a host #MC struck the guest or its entry */
	VMEXIT_UNHANDLED,
};

struct vmexit {
	enum vmexit_kind kind;
	u64 raw;	   /* the vendor's own exit code, for reports */
	unsigned insn_len; /* length of the exiting instruction, if known */
	/* insn_len counts only the opcode: any prefixes before it are
	 * still to be added (SVM without NRIP save, hv/exit.c). */
	bool insn_len_no_prefixes;
	union {
		struct {
			u16 port;
			u8 size; /* 1, 2 or 4 */
			bool in;
			bool string; /* INS/OUTS (hv/io_string.c decodes the rest) */
		} io;
		struct {
			gpa_t gpa;
			bool write, exec;
			bool mapped; /* the nested table had some mapping */
			bool walk;   /* it was the CPU's walk of guest tables */
			bool gva_valid; /* VMX: the access was to gva, which
					 * the guest's paging maps to gpa */
			u64 gva;
		} npf;
		struct {
			u8 vector;
			bool has_error;
			u32 error;
			u64 cr2; /* #PF: the faulting address */
			/* Intercepted only for the vendor's own bookkeeping
			 * (svm.c, an NMI handler's IRET): deliver it as is. */
			bool reflect;
		} exc;
		struct {
			bool decoded; /* false: decode the instruction at RIP */
			u8 type;  /* CR_MOV_TO, CR_MOV_FROM, CR_CLTS, CR_LMSW */
			u8 cr;	  /* 0, 3 or 4 */
			u8 gpr;	  /* MOV: the register, index into guest_regs */
			u16 lmsw; /* LMSW: the source operand */
		} cr;
		struct {
			bool decoded; /* false: decode the instruction at RIP */
			bool gva_known; /* false: flush every address */
			u64 gva;
		} invlpg;
		struct {
			u8 type_gpr; /* the register with the type */
			u8 seg;	     /* the descriptor's segment (X86_SEG_*) */
			/* ... and its offset in it, wrapped at the
			 * instruction's address size */
			u64 offset;
		} invpcid;
		const char *insn; /* VMEXIT_VIRT_INSN: its mnemonic */
		/* VMEXIT_ENTRY_FAILED: what failed, in the manual's words
		 * ("VM-entry failure: invalid guest state"); for braid's own
		 * checker (ENTRY_CHECK builds) the rule, its section and
		 * the register it was broken on. */
		struct {
			const char *what;
			bool checker;	     /* found before entry, by braid */
			const char *section; /* "SDM 27.3.1.2" */
			const char *reg;     /* "TR", or "" */
			/* What e->raw is: "VM-instruction error" */
			const char *code_name;
			bool has_qual;
			u64 qual; /* exit qualification / EXITINFO1 */
			const char *qual_text;
		} entry;
	};
};

enum cr_access_type { CR_MOV_TO, CR_MOV_FROM, CR_CLTS, CR_LMSW };

/* How a vCPU's memory is virtualized (see hv/mmu.c). */
enum vcpu_mmu {
	VCPU_NESTED,   /* EPT/NPT on, the guest owns CR0/CR3/CR4 */
	VCPU_SHADOW,   /* EPT/NPT off; CRs, INVLPG and #PF intercepted */
	VCPU_COMPOUND, /* EPT/NPT on; CRs and #PF intercepted */
};

/* Control registers as the hardware holds them under shadow paging. */
struct mmu_regs {
	u64 cr0, cr3, cr4, efer;
};

/* Where a vCPU's last entry started, for a report of its walk. */
struct vcpu_entered {
	u64 rip, cr3;
	bool paging4;	    /* 4-level paging: CR0.PG, EFER.LMA, no LA57 */
	phys_t nested_root; /* the EPT/NPT the CPU read through; 0: off */
};

/* Guest state registers the vendor code keeps in its VMCS/VMCB. */
enum vreg {
	VREG_RIP,
	VREG_RSP,
	VREG_RFLAGS,
	VREG_CR0, /* as the guest sees it */
	VREG_CR3,
	VREG_CR4, /* as the guest sees it */
	VREG_PAT,
	VREG_EFER,    /* as the guest sees it; read only, see set_efer */
	VREG_CPL,     /* read only */
	VREG_CS_MODE, /* read only: 16, 32 or 64 (bits of code) */
	VREG_FS_BASE,
	VREG_GS_BASE,
	/* The SYSCALL/SYSENTER and SWAPGS MSRs (SDM Vol. 3A 5.8.8, 5.8.7). */
	VREG_KERNEL_GS_BASE,
	VREG_STAR,
	VREG_LSTAR,
	VREG_CSTAR,
	VREG_SFMASK,
	VREG_SYSENTER_CS,
	VREG_SYSENTER_ESP,
	VREG_SYSENTER_EIP,
	/* Read only: the other segment bases, which count outside 64-bit
	 * mode (SDM Vol. 3A 3.4.3, 5.2). */
	VREG_ES_BASE,
	VREG_CS_BASE,
	VREG_SS_BASE,
	VREG_DS_BASE,
};

/* How a vCPU comes to run on this CPU (vendor_ops.vcpu_arrive). */
enum vcpu_arrival {
	ARRIVE_AGAIN,  /* it is the last vCPU this CPU ran */
	ARRIVE_SWITCH, /* another vCPU ran here since it last did */
	ARRIVE_MOVED,  /* it last ran on another CPU, or never ran */
};

struct vendor_ops {
	const char *name;	 /* "vmx" or "svm" */
	const char *nested_name; /* its nested page table: "EPT" or "NPT" */
	u32 abi_id;		 /* BRAID_VENDOR_* of include/braid/abi.h */
	/* Check every feature braid relies on; print one line per missing
	 * piece and return -ENOTSUP if any is missing. */
	int (*check)(void);
	/* May guests run INVPCID (in every paging mode: natively, or as an
	 * exit braid carries out)? NULL: no, it stays #UD and hidden. */
	bool (*guest_invpcid)(void);
	/* Turn virtualization on for this CPU (VMXON / EFER.SVME). */
	int (*cpu_enable)(void);
	/* And off again, before a reset: in VMX root operation INIT is
	 * blocked (SDM 24.8), and many chipsets reset a CPU with INIT. */
	void (*cpu_disable)(void);
	/* The nested-paging format and the tables for a guest of this vendor. */
	const struct pt_format *nested_format;
	void (*nested_restrict)(struct pt *pt);
	/* @nested_root: the EPT/NPT root (unused for VCPU_SHADOW). */
	int (*vcpu_create)(struct vcpu *v, enum vcpu_mmu mmu,
			   phys_t nested_root);
	/* Shadow and compound paging: what the guest believes its control
	 * registers hold, and what the hardware is to hold. */
	void (*set_mmu)(struct vcpu *v, const struct mmu_regs *guest,
			const struct mmu_regs *hw);
	/* Compound paging: walk the compound tree through EPT/NPT (@on), or
	 * walk its host-physical twin with EPT/NPT off. Call before set_mmu,
	 * whose CR0 rules depend on it. */
	void (*set_nested_paging)(struct vcpu *v, bool on);
	/* Make sure the guest's run ends by host TSC @deadline even if it
	 * keeps interrupts blocked (braid's timer is armed for it too). */
	void (*set_timer)(struct vcpu *v, u64 deadline);
	/* Drop every TLB entry of this vCPU (its VPID or ASID), and cached
	 * EPT/NPT translations. */
	void (*flush_tlb)(struct vcpu *v);
	/* Drop this vCPU's TLB entries for the page of @gva, as INVLPG
	 * would (and its paging-structure-cache entries). */
	void (*flush_va)(struct vcpu *v, u64 gva);
	/* flush_va drops the page in every PCID: then a guest CR3 load may
	 * keep the TLB (hv/mmu.c, keeps_tlb()). */
	bool flush_va_every_pcid;
	/* Reflect a page fault to the guest, with its CR2. */
	void (*inject_pf)(struct vcpu *v, u64 cr2, u32 error);
	void (*vcpu_destroy)(struct vcpu *v);
	/* Scheduling (hv/sched.c). put: this CPU stops running @v for now;
	 * everything of it the CPU holds between exits goes back to memory,
	 * so that any CPU may run it next. arrive: this CPU is about to run
	 * @v (each time it picks it). */
	void (*vcpu_put)(struct vcpu *v);
	void (*vcpu_arrive)(struct vcpu *v, enum vcpu_arrival how);
	/* Set the state a multiboot loader leaves: 32-bit protected mode,
	 * paging off, flat segments, EIP = @entry. EAX/EBX are in v->regs. */
	void (*vcpu_reset_multiboot)(struct vcpu *v, u32 entry);
	/* INIT, then a start-up IPI with vector @vv: real mode at vv00:0. */
	void (*vcpu_reset_sipi)(struct vcpu *v, u8 vv);
	/* PAUSE exits (a vCPU of an SMP guest spinning on another that may
	 * wait for this CPU); false if the CPU cannot. */
	bool (*set_pause_exiting)(struct vcpu *v, bool on);
	/* Run the guest until the next exit and describe it. */
	void (*vcpu_run)(struct vcpu *v, struct vmexit *exit);
	u64 (*get)(struct vcpu *v, enum vreg r);
	void (*set)(struct vcpu *v, enum vreg r, u64 val);
	/* RIP += @len, as set(VREG_RIP) does it (ending an STI shadow), and
	 * the single-step trap if RFLAGS.TF (single_step): the most common
	 * update, in one call. */
	void (*skip_insn)(struct vcpu *v, unsigned len);
	/* An instruction braid carried out ends in a #DB trap: @dr6 holds
	 * BS (it ran with RFLAGS.TF, SDM Vol. 3A 18.3.1.4) and/or the B0-B3
	 * bits of the data breakpoints it hit (18.3.1.2). */
	void (*debug_trap)(struct vcpu *v, u64 dr6);
	/* The guest's DR7, read on the page-table write path: one field. */
	u64 (*get_dr7)(struct vcpu *v);
	/* Guest EFER as the CPU holds it (with any bit braid forces). */
	void (*set_efer)(struct vcpu *v, u64 efer);
	void (*inject_exception)(struct vcpu *v, u8 vector, bool has_error,
				 u32 error);
	/* External interrupts (hv/vplat.c decides which): may one be injected
	 * at the next entry (RFLAGS.IF set, no STI/MOV SS shadow, no event
	 * already being injected)? */
	bool (*irq_window_open)(struct vcpu *v);
	void (*inject_irq)(struct vcpu *v, u8 vector);
	/* Inject an NMI if the guest can take one now (no event being
	 * injected, no MOV SS/STI shadow, no NMI handler still running
	 * before its IRET); false: try again at a later exit. */
	bool (*inject_nmi)(struct vcpu *v);
	/* Is the guest in its NMI handler (an NMI delivered, its IRET not
	 * yet seen)? A pending NMI waits for that IRET (SDM Vol. 3A 6.7.1). */
	bool (*nmi_blocked)(struct vcpu *v);
	/* The guest's TSC is the host's plus @offset. */
	void (*set_tsc_offset)(struct vcpu *v, u64 offset);
	/* Exit with VMEXIT_IRQ_WINDOW as soon as the window opens. */
	void (*want_irq_window)(struct vcpu *v, bool on);
	/* Exit with VMEXIT_IRQ_WINDOW as soon as the guest's NMI handler has
	 * returned (VMX: NMI-window exiting; SVM: a single-stepped IRET);
	 * false: not this time, the NMI waits for the interrupt window or the
	 * next exit. */
	bool (*want_nmi_window)(struct vcpu *v, bool on);
	/* Print the guest state, for reports and panics. */
	void (*dump)(struct vcpu *v);
	/* Print the whole guest-state area and the controls, for a failed
	 * VM entry (arch/x86_64/state_dump.h gives the format). */
	void (*dump_entry)(struct vcpu *v);
	/* For a guest whose state the CPU left undefined (NULL: it never
	 * does): describe the state the last entry started from, or
	 * (@at_exit) what the exit left, for what it is worth. */
	void (*describe_state)(struct vcpu *v, bool at_exit, char *buf,
			       size_t len);
	/* With describe_state: where the last entry started, and the
	 * EPT/NPT root it read the guest's tables through (0: none). */
	void (*last_entry)(struct vcpu *v, struct vcpu_entered *e);
	/* ENTRY_CHECK builds, the entry_fault= option: break one guest-state
	 * rule that both braid's checker and the CPU enforce, so that the
	 * next entry fails (VMX: TR unusable; SVM: EFER.SVME clear). */
	void (*break_entry)(struct vcpu *v);
};

extern const struct vendor_ops *vendor;
extern const struct vendor_ops vmx_ops, svm_ops;

/* Pick the vendor from CPUID and check its features. 0 or -ENOTSUP. */
int vendor_select(void);

/* General-purpose register @n (x86 encoding order): RSP lives in the
 * VMCS/VMCB, the others in v->regs. */
static inline u64 vcpu_gpr(struct vcpu *v, unsigned n)
{
	return n == RSP ? vendor->get(v, VREG_RSP) : v->regs.gpr[n];
}

static inline void vcpu_set_gpr(struct vcpu *v, unsigned n, u64 val)
{
	if (n == RSP)
		vendor->set(v, VREG_RSP, val);
	else
		v->regs.gpr[n] = val;
}

static inline void vcpu_skip_insn(struct vcpu *v, unsigned len)
{
	vendor->skip_insn(v, len);
}

#endif
