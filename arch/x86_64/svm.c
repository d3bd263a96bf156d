// SPDX-License-Identifier: MIT
/*
 * AMD-V (SVM): feature checks, EFER.SVME, the VMCB of a guest, and
 * translation of #VMEXITs into the vendor-neutral struct vmexit.
 * References are to the AMD64 APM Vol. 2 (rev. 3.41), chapter 15.
 */
#define LOG_TAG "svm"
#include "lib/atomic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpuid.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/state_dump.h"
#include "arch/x86_64/svm_check.h"
#include "arch/x86_64/vendor.h"
#include "arch/x86_64/tracebox.h"
#include "arch/x86_64/vmcb.h"
#include "lib/report.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "include/braid/abi.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "lib/phys.h"
#include "lib/printf.h"

static u32 features; /* CPUID 0x8000000A:EDX */
static u32 nr_asids;
static bool asids_reused;  /* ASIDs went round: svm_vcpu_arrive() */
static phys_t iopm, msrpm; /* shared by all guests: intercept everything */

/* What the last VMRUN entered with, of the state a triple fault turns
 * on (how exceptions are delivered, and where). */
struct svm_entered {
	u64 rip, rsp, rflags, cr0, cr2, cr3, cr4, efer;
	struct vmcb_seg cs, ss, tr, gdtr, idtr;
	u64 n_cr3, nested_ctl; /* what the guest's tables were read through */
};

struct svm_vcpu {
	phys_t vmcb;
	phys_t host_vmcb; /* VMSAVE area for the host's hidden state */
	u32 asid;
	bool nmi_masked; /* an injected NMI's handler has not yet IRETed */
	/* The IRET intercept came, at this RIP: the IRET runs at the next
	 * entry, and NMIs stay blocked until it has (svm_inject_nmi()). */
	bool iret_pending;
	u64 iret_rip;
	/* The exceptions intercepted only while it is awaited (iret_wait()). */
	u32 iret_watch;
	/* That IRET runs with RFLAGS.TF set by braid, so that the #DB right
	 * after it is an exit for an NMI that waits (svm_want_nmi_window());
	 * DR6 as it was before. */
	bool nmi_step;
	u64 nmi_step_dr6;
	/* After a shutdown the VMCB's guest state is undefined (APM 15.11),
	 * so the report shows this copy, made before each VMRUN. */
	struct svm_entered entered;
	/* The interrupt of this entry's EVENTINJ, handed to the CPU as a
	 * virtual interrupt instead (intr_to_virq()); 0: none. */
	u64 virq;
};

void svm_enter(phys_t vmcb, struct guest_regs *regs, phys_t host_vmcb);

static struct vmcb *vmcb_of(struct vcpu *v)
{
	return pa_to_va(((struct svm_vcpu *)v->arch)->vmcb);
}

static int missing(const char *what)
{
	pr_err("missing: %s", what);
	return 1;
}

static int svm_check(void)
{
	u64 vm_cr;
	int bad = 0;

	/* APM 15.4: SVM is present if CPUID 8000_0001h:ECX[SVM] = 1. */
	if (cpuid(0x80000000, 0).eax < 0x8000000a ||
	    !(cpuid(0x80000001, 0).ecx & ECX81_SVM)) {
		pr_err("missing: SVM (CPUID.80000001h:ECX.SVM[bit 2] = 0)");
		return -ENOTSUP;
	}
	/* APM 15.30.1: firmware may disable SVM and lock the choice. Bochs
	 * has no VM_CR at all; absent means not disabled. */
	if (!rdmsr_safe(MSR_VM_CR, &vm_cr) && (vm_cr & VM_CR_SVMDIS))
		bad |= missing(
			vm_cr & VM_CR_LOCK
				? "SVM is disabled by firmware (VM_CR.SVMDIS, locked)"
				: "SVM is disabled (VM_CR.SVMDIS)");
	features = cpuid(0x8000000a, 0).edx;
	nr_asids = cpuid(0x8000000a, 0).ebx;
	if (!(features & SVM_FEATURE_NP))
		bad |= missing(
			"nested paging (CPUID.8000000Ah:EDX.NP[bit 0] = 0)");
	if (nr_asids < 2)
		bad |= missing("guest ASIDs (CPUID.8000000Ah:EBX < 2)");
	if (bad)
		return -ENOTSUP;
	pr_info("NPT, %u ASIDs, NRIP save %s, VMCB clean bits %s, "
		"flush-by-ASID %s, decode assists %s",
		nr_asids, features & SVM_FEATURE_NRIPS ? "yes" : "no",
		features & SVM_FEATURE_VMCB_CLEAN ? "yes" : "no",
		features & SVM_FEATURE_FLUSH_ASID ? "yes" : "no",
		features & SVM_FEATURE_DECODE_ASSISTS ? "yes" : "no");
	report_note("virtualization",
		    "SVM: NPT, %u ASIDs, NRIP save %s, VMCB clean bits %s, "
		    "flush-by-ASID %s, decode assists %s",
		    nr_asids, features & SVM_FEATURE_NRIPS ? "yes" : "no",
		    features & SVM_FEATURE_VMCB_CLEAN ? "yes" : "no",
		    features & SVM_FEATURE_FLUSH_ASID ? "yes" : "no",
		    features & SVM_FEATURE_DECODE_ASSISTS ? "yes" : "no");
	return 0;
}

static phys_t alloc_filled(u64 bytes)
{
	phys_t pa = frame_alloc_contig(bytes / PAGE_SIZE, PAGE_SIZE);

	if (pa)
		memset(pa_to_va(pa), 0xff, bytes);
	return pa;
}

/*
 * Let the guest read and write @msr without an exit: clear its two bits in
 * the MSR permission map (APM Vol. 2 15.11: 2 bits per MSR, read then
 * write; MSRs 0-1FFFh from byte 0, C000_0000h-C000_1FFFh from 800h,
 * C001_0000h-C001_1FFFh from 1000h).
 */
static void msrpm_pass(u8 *map, u32 msr)
{
	u32 base = msr < 0x2000			? 0
		   : msr - 0xc0000000u < 0x2000 ? 0x800
						: 0x1000;
	u32 bit = 2 * (msr & 0x1fff);

	map[base + bit / 8] &= ~(3u << (bit % 8));
}

/*
 * The MSRs VMLOAD and VMSAVE switch with the guest's VMCB (APM Vol. 2
 * 15.5.2, "VMSAVE and VMLOAD Instructions"), and FS/GS bases, which
 * VMRUN and #VMEXIT switch with the segment state: braid's svm_enter
 * swaps them around every VMRUN, so the guest's values are in the CPU
 * whenever it runs and braid never sees the guest's. A kernel writes
 * FS_BASE and KERNEL_GS_BASE on context switches; each would otherwise be
 * an exit.
 */
static void pass_switched_msrs(u8 *map)
{
	static const u32 switched[] = {
		MSR_IA32_FS_BASE,	 MSR_IA32_GS_BASE,
		MSR_IA32_KERNEL_GS_BASE, MSR_IA32_STAR,
		MSR_IA32_LSTAR,		 MSR_IA32_CSTAR,
		MSR_IA32_FMASK,		 MSR_IA32_SYSENTER_CS,
		MSR_IA32_SYSENTER_ESP,	 MSR_IA32_SYSENTER_EIP,
	};

	for (unsigned i = 0; i < ARRAY_SIZE(switched); i++)
		msrpm_pass(map, switched[i]);
}

static void svm_cpu_disable(void)
{
	wrmsr(MSR_IA32_EFER, rdmsr(MSR_IA32_EFER) & ~EFER_SVME);
}

static int svm_cpu_enable(void)
{
	struct percpu *c = this_cpu();
	u64 vm_cr;

	/* VM_CR is each CPU's own (APM 15.30.1): with SVMDIS set, setting
	 * EFER.SVME would #GP. */
	if (!rdmsr_safe(MSR_VM_CR, &vm_cr) && (vm_cr & VM_CR_SVMDIS)) {
		pr_err("missing on cpu %u: SVM is disabled (VM_CR.SVMDIS)",
		       c->id);
		return -ENOTSUP;
	}
	wrmsr(MSR_IA32_EFER, rdmsr(MSR_IA32_EFER) | EFER_SVME);
	c->host_save = frame_alloc();
	if (!c->host_save)
		return -ENOMEM;
	wrmsr(MSR_VM_HSAVE_PA, c->host_save);
	tracebox_set_hsave(c->id, c->host_save);
	/* Every port exits, and every MSR but those VMLOAD/VMSAVE switch:
	 * braid decides each one. */
	if (!iopm)
		iopm = alloc_filled(SVM_IOPM_SIZE);
	if (!msrpm) {
		msrpm = alloc_filled(SVM_MSRPM_SIZE);
		if (msrpm)
			pass_switched_msrs(pa_to_va(msrpm));
	}
	return iopm && msrpm ? 0 : -ENOMEM;
}

/*
 * Shadow paging: nested paging off, the guest runs on braid's tables; and
 * compound paging: nested paging on, hardware CR3 at braid's compound root.
 * SVM has no CR read shadows, so reads of CR0/CR3/CR4 are intercepted too,
 * as are their writes and every #PF (APM 15.9, 15.12); INVLPG too under
 * shadow paging.
 */
static void setup_paging_control(struct vmcb_control *c, enum vcpu_mmu mmu)
{
	u16 crs = BIT(0) | BIT(3) | BIT(4);

	c->intercept_cr_read |= crs;
	c->intercept_cr_write |= crs;
	c->intercept_exceptions |= BIT(VEC_PF);
	/* N_CR3 stays: shadow paging runs real mode on the nested table. */
	if (mmu == VCPU_SHADOW) {
		c->nested_ctl = 0;
		c->intercept_misc1 |= INTERCEPT_INVLPG;
	}
}

static void setup_control(struct vmcb_control *c, u32 asid, enum vcpu_mmu mmu,
			  phys_t ncr3)
{
	/* INVD would discard the host's dirty cache lines; RDPMC would read
	 * the host's counters; MONITOR/MWAIT (hidden from CPUID) would park
	 * the CPU: none may run natively. */
	c->intercept_misc1 = INTERCEPT_INTR | INTERCEPT_NMI | INTERCEPT_CPUID |
			     INTERCEPT_HLT | INTERCEPT_INVLPGA |
			     INTERCEPT_IOIO_PROT | INTERCEPT_MSR_PROT |
			     INTERCEPT_SHUTDOWN | INTERCEPT_INVD |
			     INTERCEPT_RDPMC;
	c->intercept_exceptions = VEC_INTERCEPTED;
	/* Host interrupts (braid's timer) exit, and the guest's RFLAGS.IF
	 * masks only the virtual ones (APM 15.21.1). */
	c->vintr = V_INTR_MASKING;
	/* CR8 is the guest's local APIC TPR, which braid emulates: under
	 * V_INTR_MASKING it would only reach V_TPR (APM 15.21.2). */
	c->intercept_cr_read = BIT(8);
	/* SVM has no CR masks: writes of CR0 and CR4 exit in every paging
	 * mode so that braid can refuse a value the guest's CPU would (#GP),
	 * instead of VMRUN failing on it (APM 15.5.1). */
	c->intercept_cr_write = BIT(8) | BIT(0) | BIT(4);
	/* VMRUN must be intercepted (APM 15.5.1, consistency checks); the
	 * other SVM instructions would let a guest act on host state. */
	c->intercept_misc2 =
		INTERCEPT2_VMRUN | INTERCEPT2_VMMCALL | INTERCEPT2_VMLOAD |
		INTERCEPT2_VMSAVE | INTERCEPT2_STGI | INTERCEPT2_CLGI |
		INTERCEPT2_SKINIT | INTERCEPT2_XSETBV | INTERCEPT2_WBINVD |
		INTERCEPT2_MONITOR | INTERCEPT2_MWAIT;
	c->iopm_base_pa = iopm;
	c->msrpm_base_pa = msrpm;
	c->guest_asid = asid;
	/* First run: the ASID may have served an earlier guest. */
	c->tlb_control = features & SVM_FEATURE_FLUSH_ASID
				 ? TLB_CONTROL_FLUSH_ASID
				 : TLB_CONTROL_FLUSH_ALL;
	c->clean_bits = 0;
	c->nested_ctl = NESTED_CTL_NP_ENABLE;
	c->n_cr3 = ncr3;
	if (mmu != VCPU_NESTED)
		setup_paging_control(c, mmu);
}

static int svm_vcpu_create(struct vcpu *v, enum vcpu_mmu mmu,
			   phys_t nested_root)
{
	static u32 asids_given; /* any CPU may create a vCPU: atomic */
	u32 given;
	phys_t page = frame_alloc();
	struct svm_vcpu *s;

	if (!page)
		return -ENOMEM;
	s = pa_to_va(page);
	s->vmcb = frame_alloc();
	s->host_vmcb = frame_alloc();
	if (!s->vmcb || !s->host_vmcb) {
		frame_free(s->vmcb);
		frame_free(s->host_vmcb);
		frame_free(page);
		return -ENOMEM;
	}
	/* 1 to nr_asids - 1, then round again: ASID 0 is the host's (APM
	 * 15.16). Once round, two live vCPUs may share one: every switch
	 * then flushes (svm_vcpu_arrive()). */
	given = atomic_fetch_add(&asids_given, 1);
	s->asid = 1 + given % MAX(nr_asids - 1, 1);
	if (given >= MAX(nr_asids - 1, 1))
		atomic_store_relaxed(&asids_reused, true);
	v->arch = s;
	setup_control(&vmcb_of(v)->control, s->asid, mmu, nested_root);
	return 0;
}

static void svm_vcpu_destroy(struct vcpu *v)
{
	struct svm_vcpu *s = v->arch;

	frame_free(s->vmcb);
	frame_free(s->host_vmcb);
	frame_free(va_to_pa(s));
	v->arch = NULL;
}

static void svm_flush_tlb(struct vcpu *v);

/* Nothing of a vCPU stays in the CPU between VMRUNs under SVM: VMRUN
 * and #VMEXIT switch everything, or svm_entry.S's VMLOAD/VMSAVE do. */
static void svm_vcpu_put(struct vcpu *v)
{
	(void)v;
}

/*
 * The CPU is about to run @v. If it last ran elsewhere, the clean bits
 * describe what another CPU cached, so they must all be clear (APM
 * 15.15.3), and this CPU's TLB may hold the ASID's translations from an
 * earlier stay. Once ASIDs have been handed out twice (more vCPUs than
 * the CPU has ASIDs), the TLB may hold another vCPU's under the same tag.
 */
static void svm_vcpu_arrive(struct vcpu *v, enum vcpu_arrival how)
{
	if (how == ARRIVE_MOVED)
		vmcb_of(v)->control.clean_bits = 0;
	if (how == ARRIVE_MOVED ||
	    (how == ARRIVE_SWITCH && atomic_load_relaxed(&asids_reused)))
		svm_flush_tlb(v);
}

/* Segment attributes in the VMCB's packed form (APM 15.5.1): descriptor
 * bits 47:40 in 7:0, bits 55:52 in 11:8. */
#define ATTR_CODE32	0x0c9b
#define ATTR_DATA32	0x0c93
#define ATTR_TSS32_BUSY 0x008b
#define ATTR_LDT	0x0082

static void flat(struct vmcb_seg *s, u16 sel, u16 attrib)
{
	*s = (struct vmcb_seg){ sel, attrib, 0xffffffff, 0 };
}

/*
 * The faults an IRET can raise in protected and long mode (SDM Vol. 2A,
 * IRET, "Protected Mode Exceptions"); #DB and #AC are intercepted anyway.
 */
#define IRET_FAULTS \
	(BIT(VEC_TS) | BIT(VEC_NP) | BIT(VEC_SS) | BIT(VEC_GP) | BIT(VEC_PF))

/*
 * Await the NMI handler's IRET, whose intercept has come (on), or stop.
 * Meanwhile the faults it can raise exit too: one that goes to the guest
 * at the IRET means the IRET did not complete (iret_faulted()), and while
 * braid steps it, the frame the fault pushes must not carry braid's TF
 * (nmi_step_end() takes it back at that exit). Such an exit is reflected
 * as it came (e->exc.reflect).
 */
static void iret_wait(struct svm_vcpu *s, struct vmcb_control *c, bool on)
{
	s->iret_pending = on;
	c->intercept_exceptions &= ~s->iret_watch;
	s->iret_watch = on ? IRET_FAULTS & ~c->intercept_exceptions : 0;
	c->intercept_exceptions |= s->iret_watch;
	c->clean_bits &= ~VMCB_CLEAN_INTERCEPTS;
}

/*
 * An exception braid delivers at the IRET it awaits was raised by that
 * IRET (or came before it ran): the NMI handler has not ended. NMIs stay
 * blocked until the next IRET, whichever handler runs it (any IRET
 * unblocks them, SDM Vol. 3A 6.7.1), so the intercept goes back on. CPUs
 * differ here: QEMU keeps NMIs blocked after a faulting IRET, Intel's
 * unblock them before the fault (SDM Vol. 3C 28.2.3) and so does Bochs.
 * Blocked is the choice that can only delay an NMI, up to that next
 * IRET, and never nest one in a handler that may not expect it.
 */
static void iret_faulted(struct svm_vcpu *s, struct vmcb *vmcb)
{
	u64 ev = vmcb->control.eventinj;

	if (!(ev & EVENTINJ_VALID) ||
	    (ev & EVENTINJ_TYPE_MASK) != EVENTINJ_TYPE_EXCEPTION ||
	    vmcb->save.rip != s->iret_rip)
		return;
	iret_wait(s, &vmcb->control, false);
	vmcb->control.intercept_misc1 |= INTERCEPT_IRET;
}

/* A reset vCPU is in no NMI handler: nothing masked, no IRET awaited
 * (VMX's reset clears the blocking in its interruptibility state); and
 * an event braid meant to inject goes with the old state. */
static void forget_events(struct vcpu *v)
{
	struct svm_vcpu *sv = v->arch;
	struct vmcb_control *c = &vmcb_of(v)->control;

	sv->nmi_masked = false;
	iret_wait(sv, c, false);
	sv->nmi_step = false;
	c->eventinj = 0;
	c->intercept_misc1 &= ~(u32)INTERCEPT_IRET;
	c->clean_bits &= ~VMCB_CLEAN_INTERCEPTS;
}

static void svm_vcpu_reset_multiboot(struct vcpu *v, u32 entry)
{
	struct vmcb_save *s = &vmcb_of(v)->save;

	memset(s, 0, sizeof(*s));
	vmcb_of(v)->control.clean_bits = 0; /* every field is new */
	flat(&s->cs, 0x08, ATTR_CODE32);
	flat(&s->ds, 0x10, ATTR_DATA32);
	flat(&s->es, 0x10, ATTR_DATA32);
	flat(&s->ss, 0x10, ATTR_DATA32);
	flat(&s->fs, 0x10, ATTR_DATA32);
	flat(&s->gs, 0x10, ATTR_DATA32);
	s->tr = (struct vmcb_seg){ 0, ATTR_TSS32_BUSY, 0x67, 0 };
	s->ldtr = (struct vmcb_seg){ 0, ATTR_LDT, 0, 0 };
	s->cr0 = CR0_PE | CR0_ET;
	/* EFER.SVME must be set in the guest state (APM 15.5.1); the guest
	 * never sees it (VREG_EFER masks it, RDMSR is intercepted). */
	s->efer = EFER_SVME;
	s->rflags = RFLAGS_FIXED;
	s->rip = entry;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->g_pat = 0x0007040600070406ull;
	s->rax = v->regs.gpr[RAX];
	forget_events(v);
}

#define ATTR_CODE16 0x009b /* real mode: execute/read, accessed */
#define ATTR_DATA16 0x0093 /* read/write, accessed */
#define ATTR_LDT16  0x0082

/* A real-mode segment: base = selector << 4, 64 KiB. */
static void real_seg(struct vmcb_seg *s, u16 sel, u16 attrib)
{
	*s = (struct vmcb_seg){ sel, attrib, 0xffff, (u64)sel << 4 };
}

/*
 * The state INIT leaves and a SIPI with vector @vv starts (SDM Vol. 3A
 * 9.1.1 table 9-1, 10.4.4.1; APM Vol. 2 14.1.3 and 16.5): real mode,
 * CS = vv00h:0000h, CR0 = 60000010h (CD, NW, ET), everything else at its
 * reset value. SVM runs real mode as it is (nested paging maps what the
 * guest addresses).
 */
static void svm_vcpu_reset_sipi(struct vcpu *v, u8 vv)
{
	struct vmcb_save *s = &vmcb_of(v)->save;

	memset(s, 0, sizeof(*s));
	vmcb_of(v)->control.clean_bits = 0; /* every field is new */
	real_seg(&s->cs, (u16)(vv << 8), ATTR_CODE16);
	real_seg(&s->ds, 0, ATTR_DATA16);
	real_seg(&s->es, 0, ATTR_DATA16);
	real_seg(&s->ss, 0, ATTR_DATA16);
	real_seg(&s->fs, 0, ATTR_DATA16);
	real_seg(&s->gs, 0, ATTR_DATA16);
	real_seg(&s->ldtr, 0, ATTR_LDT16);
	real_seg(&s->tr, 0, ATTR_TSS32_BUSY);
	s->gdtr.limit = 0xffff;
	s->idtr.limit = 0xffff;
	s->cr0 = CR0_CD | CR0_NW | CR0_ET;
	s->efer = EFER_SVME; /* as in svm_vcpu_reset_multiboot() */
	s->rflags = RFLAGS_FIXED;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->g_pat = 0x0007040600070406ull;
	s->rax = 0;
	forget_events(v);
}

static bool svm_set_pause_exiting(struct vcpu *v, bool on)
{
	struct vmcb_control *c = &vmcb_of(v)->control;

	if (on)
		c->intercept_misc1 |= INTERCEPT_PAUSE;
	else
		c->intercept_misc1 &= ~(u32)INTERCEPT_PAUSE;
	c->clean_bits = 0;
	return true;
}

static const char *virt_insn_name(u64 code)
{
	switch (code) {
	case SVM_EXIT_VMRUN: return "VMRUN";
	case SVM_EXIT_VMLOAD: return "VMLOAD";
	case SVM_EXIT_VMSAVE: return "VMSAVE";
	case SVM_EXIT_STGI: return "STGI";
	case SVM_EXIT_CLGI: return "CLGI";
	case SVM_EXIT_SKINIT: return "SKINIT";
	case SVM_EXIT_INVLPGA: return "INVLPGA";
	default: return NULL;
	}
}

/*
 * Without NRIP save (QEMU TCG has none) the length of an intercepted
 * instruction is known from its opcode for the fixed-length ones
 * (docs/emulators.md, "QEMU TCG: missing SVM features"), but prefixes may
 * come before it (a REX.W or 66 on CPUID is legal and ignored): *opcode_only
 * says hv/exit.c must count them. For IOIO, EXITINFO2 holds the next RIP
 * (APM 15.10.2).
 */
static unsigned insn_len(struct vmcb *vmcb, u64 code, bool *opcode_only)
{
	*opcode_only = false;
	if (features & SVM_FEATURE_NRIPS && vmcb->control.next_rip)
		return vmcb->control.next_rip - vmcb->save.rip;
	if (code == SVM_EXIT_IOIO)
		return vmcb->control.exitinfo2 - vmcb->save.rip;
	*opcode_only = true;
	switch (code) {
	case SVM_EXIT_CPUID:
	case SVM_EXIT_MSR:
	case SVM_EXIT_RDPMC:
	case SVM_EXIT_INVD:
	case SVM_EXIT_WBINVD: return 2;
	case SVM_EXIT_HLT: return 1;
	case SVM_EXIT_PAUSE: /* F3 90: its F3 is no prefix to count */
		*opcode_only = false;
		return 2;
	case SVM_EXIT_VMMCALL: return 3;
	default: *opcode_only = false; return 0;
	}
}

/* CR read/write intercepts: with decode assists, EXITINFO1 bit 63 says a
 * MOV CRx was decoded and bits 3:0 name its register (APM 15.33.1);
 * otherwise (QEMU TCG) braid decodes the instruction itself. */
static void decode_cr(struct vmcb *vmcb, u64 code, struct vmexit *e)
{
	u64 info1 = vmcb->control.exitinfo1;

	e->kind = VMEXIT_CR_ACCESS;
	e->cr.cr = code & 0xf;
	e->cr.type = code >= SVM_EXIT_CR0_WRITE ? CR_MOV_TO : CR_MOV_FROM;
	e->cr.decoded =
		(features & SVM_FEATURE_DECODE_ASSISTS) && (info1 & BIT(63));
	e->cr.gpr = info1 & 0xf;
}

static void decode_exit(struct vmcb *vmcb, struct vmexit *e)
{
	u64 code = vmcb->control.exitcode & 0xffffffff;
	u64 info1 = vmcb->control.exitinfo1;

	e->raw = code;
	e->insn_len = insn_len(vmcb, code, &e->insn_len_no_prefixes);
	/* An intercepted #MC does not reach the host's handler by itself
	 * (APM 15.12): hv/exit.c logs it. */
	if (code == SVM_EXIT_EXCP_BASE + VEC_MC) {
		e->kind = VMEXIT_MACHINE_CHECK;
		return;
	}
	if (code >= SVM_EXIT_EXCP_BASE && code < SVM_EXIT_EXCP_BASE + 32) {
		e->kind = VMEXIT_EXCEPTION;
		e->exc.vector = code - SVM_EXIT_EXCP_BASE;
		e->exc.error = info1;
		e->exc.has_error = BIT(e->exc.vector) & VEC_HAS_ERROR;
		e->exc.cr2 = vmcb->control.exitinfo2; /* #PF: the address */
		return;
	}
	if (code <= SVM_EXIT_CR15_WRITE) {
		decode_cr(vmcb, code, e);
		return;
	}
	switch (code) {
	case SVM_EXIT_INTR: e->kind = VMEXIT_INTR; break;
	/* The NMI stayed pending while GIF was 0 and was taken by the host's
	 * handler at svm_enter's STGI (APM 15.17.1). */
	case SVM_EXIT_NMI: e->kind = VMEXIT_NMI; break;
	case SVM_EXIT_VINTR: e->kind = VMEXIT_IRQ_WINDOW; break;
	case SVM_EXIT_IRET: /* the NMI handler ends: NMIs may come again */
		vmcb->control.intercept_misc1 &= ~INTERCEPT_IRET;
		vmcb->control.clean_bits &= ~VMCB_CLEAN_INTERCEPTS;
		e->kind = VMEXIT_IRQ_WINDOW;
		break;
	case SVM_EXIT_CPUID: e->kind = VMEXIT_CPUID; break;
	case SVM_EXIT_XSETBV: e->kind = VMEXIT_XSETBV; break;
	case SVM_EXIT_INVD:
	case SVM_EXIT_WBINVD: e->kind = VMEXIT_CACHE; break;
	case SVM_EXIT_RDPMC: e->kind = VMEXIT_RDPMC; break;
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT: e->kind = VMEXIT_MONITOR; break;
	case SVM_EXIT_HLT: e->kind = VMEXIT_HLT; break;
	case SVM_EXIT_PAUSE: e->kind = VMEXIT_PAUSE; break;
	case SVM_EXIT_VMMCALL: e->kind = VMEXIT_HYPERCALL; break;
	case SVM_EXIT_SHUTDOWN: e->kind = VMEXIT_TRIPLE_FAULT; break;
	case SVM_EXIT_INVLPG:
		/* Decode assists give the address in EXITINFO1 (APM 15.33). */
		e->kind = VMEXIT_INVLPG;
		e->invlpg.decoded = features & SVM_FEATURE_DECODE_ASSISTS;
		e->invlpg.gva_known = e->invlpg.decoded;
		e->invlpg.gva = info1;
		break;
	case SVM_EXIT_INVALID:
		/* VMRUN refused the VMCB (APM 15.5.1); EXITINFO1/2 are
		 * not defined for it, so none is reported. */
		e->kind = VMEXIT_ENTRY_FAILED;
		e->entry.what = "VMRUN failed: VMEXIT_INVALID, an illegal "
				"guest state or control";
		e->entry.section = "APM 15.5.1";
		e->entry.reg = "";
		e->entry.code_name = "exit code";
		break;
	case SVM_EXIT_MSR: e->kind = info1 ? VMEXIT_WRMSR : VMEXIT_RDMSR; break;
	case SVM_EXIT_IOIO:
		e->kind = VMEXIT_IO;
		e->io.in = info1 & IOIO_TYPE_IN;
		e->io.string = info1 & IOIO_STR;
		e->io.size = info1 & IOIO_SZ32 ? 4 : info1 & IOIO_SZ16 ? 2 : 1;
		e->io.port = info1 >> 16;
		break;
	case SVM_EXIT_NPF:
		e->kind = VMEXIT_NPF;
		e->npf.gpa = vmcb->control.exitinfo2;
		e->npf.write = info1 & NPF_RW;
		e->npf.exec = info1 & NPF_ID;
		e->npf.mapped = info1 & NPF_P;
		e->npf.walk = info1 & NPF_GUEST_WALK;
		break;
	default:
		e->insn = virt_insn_name(code);
		e->kind = e->insn ? VMEXIT_VIRT_INSN : VMEXIT_UNHANDLED;
	}
}

/* Was the event in EXITINTINFO raised by an instruction (INTn, INT3,
 * INTO)? Its delivery had not completed, so the guest's RIP still points
 * at that instruction. */
static bool from_instruction(u64 info)
{
	u64 type = info & EVENTINJ_TYPE_MASK;
	u8 vector = info & 0xff;

	return type == EVENTINJ_TYPE_SOFT_INTR ||
	       (type == EVENTINJ_TYPE_EXCEPTION &&
		(vector == VEC_BP || vector == VEC_OF));
}

/*
 * An intercept taken while an event was being delivered leaves the event
 * in EXITINTINFO; it must be injected again (APM 15.7.2). QEMU TCG reports
 * an interrupt there as an exception with its vector >= 32
 * (docs/emulators.md, "QEMU TCG: where it differs from AMD hardware"):
 * fix the type. An event an instruction raised is not injected but raised
 * again by running that instruction again: injected, its handler would
 * return to the instruction and run twice (injecting a software event
 * needs its length, which only NRIP save gives, and only for intercepted
 * instructions; APM 15.20, 15.7.1).
 */
static bool reinject_exitintinfo(struct vcpu *v, struct vmcb_control *c)
{
	u64 info = c->exitintinfo, type;

	c->eventinj = 0;
	if (!(info & EVENTINJ_VALID) || from_instruction(info))
		return false;
	if ((info & EVENTINJ_TYPE_MASK) == EVENTINJ_TYPE_EXCEPTION &&
	    (info & 0xff) >= 32)
		info &= ~(u64)EVENTINJ_TYPE_MASK; /* type 0: interrupt */
	type = info & EVENTINJ_TYPE_MASK;
	v->delivering_vector = info & 0xff;
	v->delivering_kind = type == EVENTINJ_TYPE_INTR	       ? EVENT_INTR
			     : type == EVENTINJ_TYPE_NMI       ? EVENT_NMI
			     : type == EVENTINJ_TYPE_EXCEPTION ? EVENT_EXCEPTION
							       : EVENT_SOFT;
	c->eventinj = info;
	return true;
}

/* ENTRY_CHECK builds: VMRUN's consistency checks in software (APM
 * 15.5.1), before QEMU makes some of them. False: @e reports the broken
 * rule and VMRUN is not attempted. */
static bool entry_check(const struct vmcb *vmcb, struct vmexit *e)
{
	enum svm_rule bad = svm_check_vmrun(vmcb);

	if (!bad)
		return true;
	e->kind = VMEXIT_ENTRY_FAILED;
	e->raw = bad;
	e->entry.what = svm_rule_text(bad);
	e->entry.checker = true;
	e->entry.section = "APM 15.5.1";
	e->entry.reg = "";
	return false;
}

static void remember_entry(struct svm_entered *m, const struct vmcb *vmcb)
{
	const struct vmcb_save *s = &vmcb->save;

	*m = (struct svm_entered){
		.rip = s->rip,
		.rsp = s->rsp,
		.rflags = s->rflags,
		.cr0 = s->cr0,
		.cr2 = s->cr2,
		.cr3 = s->cr3,
		.cr4 = s->cr4,
		.efer = s->efer,
		.cs = s->cs,
		.ss = s->ss,
		.tr = s->tr,
		.gdtr = s->gdtr,
		.idtr = s->idtr,
		.n_cr3 = vmcb->control.n_cr3,
		.nested_ctl = vmcb->control.nested_ctl,
	};
}

/*
 * The IRET intercept is taken before the IRET runs (APM 15.9): the NMI
 * handler has ended only once the guest has moved past it, at the first
 * exit after (KVM waits the same way). Injected earlier, an NMI would
 * nest inside the handler and overwrite its frame on an IST stack.
 */
static void nmi_iret_done(struct svm_vcpu *s, struct vmcb *vmcb)
{
	if (vmcb->control.exitcode == SVM_EXIT_SHUTDOWN ||
	    vmcb->save.rip == s->iret_rip)
		return;
	iret_wait(s, &vmcb->control, false);
	s->nmi_masked = false;
}

/*
 * The single step svm_want_nmi_window() armed ends at the first exit. A
 * #DB is the trap after the IRET (single-step traps come before NMIs and
 * interrupts, SDM Vol. 3A 6.9), whatever the RIP: an IRET may return to
 * its own address (a stub shared by every handler). Nothing else can
 * raise one first, since the step is armed only while the guest uses
 * neither TF nor breakpoints; so DR6.BS is not asked for (Bochs leaves
 * the VMCB's DR6 as it was at an intercepted #DB, QEMU sets BS). It is
 * braid's: true, the NMI handler has ended, the guest's DR6 is as it was,
 * and RFLAGS is the one the IRET popped, TF included. Any other exit came
 * before the IRET ran, or the IRET faulted (iret_wait() makes every fault
 * of its exit): braid takes its TF back, so that a fault's frame does not
 * push it, and the next full pass arms it again if the IRET is still to
 * run. (KVM leaves that TF in a faulting IRET's frame.)
 */
static bool nmi_step_end(struct svm_vcpu *s, struct vmcb *vmcb)
{
	s->nmi_step = false;
	if (vmcb->control.exitcode == SVM_EXIT_SHUTDOWN)
		return false; /* the guest state is undefined (APM 15.11) */
	if (vmcb->control.exitcode == SVM_EXIT_EXCP_BASE + VEC_DB) {
		vmcb->save.dr6 = s->nmi_step_dr6;
		vmcb->control.clean_bits &= ~VMCB_CLEAN_DR;
		iret_wait(s, &vmcb->control, false);
		s->nmi_masked = false;
		return true;
	}
	if (vmcb->save.rip == s->iret_rip)
		vmcb->save.rflags &= ~RFLAGS_TF;
	return false;
}

/*
 * An external interrupt goes to the guest as a virtual interrupt (V_IRQ
 * with its vector in V_INTR_VECTOR, V_IGN_TPR, no VINTR intercept; APM
 * 15.21.4), not through EVENTINJ, whenever the guest can take it at once
 * (RFLAGS.IF set, no interrupt shadow): the CPU then takes it before the
 * guest's first instruction, which is what EVENTINJ does. The reason is
 * QEMU TCG (7.2 and later): it delivers an EVENTINJ interrupt inside
 * VMRUN but leaves the vector behind as a pending exception number, and
 * the next time its loop is asked to stop without an exit (another CPU's
 * interrupt, the round-robin kick of a second CPU) it delivers that
 * vector again, whatever RFLAGS.IF: a Linux guest took the same timer
 * interrupt twice, the second inside the first's entry code
 * (docs/emulators.md). Its virtual interrupt path leaves nothing behind.
 * Everything else (exceptions, NMIs, an interrupt that must go in with IF
 * clear) still goes through EVENTINJ, and so does every interrupt on a
 * CPU found to take V_IRQ late (virq_after_exit(); Bochs).
 */
static bool virq_late; /* one CPU model for all: any CPU may set it */

static void intr_to_virq(struct svm_vcpu *s, struct vmcb *vmcb)
{
	struct vmcb_control *c = &vmcb->control;
	u64 ev = c->eventinj;

	s->virq = 0;
	if ((ev & (EVENTINJ_VALID | EVENTINJ_TYPE_MASK)) !=
		    (EVENTINJ_VALID | EVENTINJ_TYPE_INTR) ||
	    !(vmcb->save.rflags & RFLAGS_IF) ||
	    (c->interrupt_shadow & INTERRUPT_SHADOW) || virq_late)
		return;
	s->virq = ev;
	c->eventinj = 0;
	c->vintr = (c->vintr & ~(0xffull << V_INTR_VECTOR_SHIFT)) | V_IRQ |
		   V_INTR_PRIO_MAX | V_IGN_TPR |
		   ((ev & 0xff) << V_INTR_VECTOR_SHIFT);
	c->intercept_misc1 &= ~INTERCEPT_VINTR;
	c->clean_bits &= ~(VMCB_CLEAN_TPR | VMCB_CLEAN_INTERCEPTS);
}

/*
 * Did the exit come before the guest's first instruction, with V_IRQ still
 * set? Only an exit from outside can (a host interrupt or NMI at that
 * boundary, APM 15.21.4 and 15.21.1), and then the guest is where the
 * entry left it. Checked, not assumed: Bochs may run on and take braid's
 * timer later.
 */
static bool exit_before_guest_ran(const struct svm_vcpu *s,
				  const struct vmcb *vmcb)
{
	u64 code = vmcb->control.exitcode;

	return (code == SVM_EXIT_INTR || code == SVM_EXIT_NMI) &&
	       vmcb->save.rip == s->entered.rip &&
	       (vmcb->save.rflags & RFLAGS_IF);
}

/* A CPU model takes V_IRQ late, not a one-off (a guest #PF that cut its
 * delivery short, which QEMU then retries, looks the same once). */
#define VIRQ_LATE_AFTER 3

static void virq_not_taken(struct vcpu *v, u64 virq)
{
	static unsigned seen;

	v->irq_not_taken = (u16)((virq & 0xff) + 1);
	if (virq_late ||
	    __atomic_add_fetch(&seen, 1, __ATOMIC_RELAXED) < VIRQ_LATE_AFTER)
		return;
	virq_late = true;
	pr_info("V_IRQ is taken late on this CPU: interrupts go in through "
		"EVENTINJ");
}

/*
 * After the exit, with V_IRQ:
 * - cleared: the CPU took the interrupt; if the exit cut its delivery
 *   short, EXITINTINFO has it, as for EVENTINJ;
 * - still set and its vector in EXITINTINFO: the same; QEMU leaves V_IRQ
 *   set then and writes the event as an exception (with an error code for
 *   vectors 8, 10-14 and 17): put the interrupt's own encoding back;
 * - still set after an exit before the guest's first instruction: the
 *   interrupt is owed exactly like one whose delivery that exit cut
 *   short, so it is reported as one and goes in again at the next entry;
 * - still set otherwise: the guest ran on without taking it (or delivered
 *   an event of its own). It goes back to braid's platform
 *   (v->irq_not_taken) to wait for the interrupt window, as one raised
 *   now would; a CPU that does this every time (Bochs takes V_IRQ only at
 *   the guest's next change of RFLAGS.IF) gets its interrupts through
 *   EVENTINJ from then on.
 * After a shutdown or a failed VMRUN the guest ends: nothing to do.
 */
static void virq_after_exit(struct vcpu *v, struct svm_vcpu *s,
			    struct vmcb *vmcb)
{
	struct vmcb_control *c = &vmcb->control;
	u64 info = c->exitintinfo;

	if (!s->virq)
		return;
	if (c->exitcode == SVM_EXIT_SHUTDOWN ||
	    (u32)c->exitcode == (u32)SVM_EXIT_INVALID) {
		/* nothing: the guest stops */
	} else if ((info & EVENTINJ_VALID) &&
		   (info & 0xff) == (s->virq & 0xff)) {
		if (c->vintr & V_IRQ)
			c->exitintinfo = s->virq;
	} else if (!(c->vintr & V_IRQ)) {
		/* taken and delivered */
	} else if (!(info & EVENTINJ_VALID) && exit_before_guest_ran(s, vmcb)) {
		c->exitintinfo = s->virq;
	} else {
		virq_not_taken(v, s->virq);
	}
	c->vintr &= ~((0xffull << V_INTR_VECTOR_SHIFT) | V_IRQ |
		      V_INTR_PRIO_MAX | V_IGN_TPR);
	c->clean_bits &= ~VMCB_CLEAN_TPR;
	s->virq = 0;
}

static void svm_vcpu_run(struct vcpu *v, struct vmexit *e)
{
	struct svm_vcpu *s = v->arch;
	struct vmcb *vmcb = pa_to_va(s->vmcb);
	bool stepped, watched;
	u32 code;

	*e = (struct vmexit){ 0 };
	if (ENTRY_CHECK && !v->entry_check_off && !entry_check(vmcb, e)) {
		/* No VMRUN: stamp as the stub would have (hv/run.c). */
		v->regs.entry_tsc = v->regs.exit_tsc = rdtsc();
		return;
	}
	if (s->iret_pending)
		iret_faulted(s, vmcb);
	vmcb->save.rax = v->regs.gpr[RAX];
	intr_to_virq(s, vmcb);
	v->entry_event = vmcb->control.eventinj | s->virq;
	remember_entry(&s->entered, vmcb);
	tracebox_set_vmcb(v->cpu, s->vmcb);
	svm_enter(s->vmcb, &v->regs, s->host_vmcb);
	v->regs.gpr[RAX] = vmcb->save.rax;
	if (features & SVM_FEATURE_VMCB_CLEAN)
		vmcb->control.clean_bits = VMCB_CLEAN_ALL;
	vmcb->control.tlb_control = 0;
	virq_after_exit(v, s, vmcb);
	v->exit_event = vmcb->control.exitintinfo;
	v->delivering = reinject_exitintinfo(v, &vmcb->control);
	code = (u32)vmcb->control.exitcode - SVM_EXIT_EXCP_BASE;
	watched = code < 32 && (BIT(code) & s->iret_watch);
	stepped = s->nmi_step && nmi_step_end(s, vmcb);
	if (vmcb->control.exitcode == SVM_EXIT_IRET) {
		iret_wait(s, &vmcb->control, true);
		s->iret_rip = vmcb->save.rip;
	} else if (s->iret_pending) {
		nmi_iret_done(s, vmcb);
	}
	decode_exit(vmcb, e);
	if (stepped)
		e->kind = VMEXIT_IRQ_WINDOW;
	if (watched)
		e->exc.reflect = true;
	/* After a shutdown the VMCB's guest state is undefined (APM 15.11,
	 * "shutdown intercept"): nothing may read it as the guest's. */
	v->state_undefined = vmcb->control.exitcode == SVM_EXIT_SHUTDOWN;
}

static u64 svm_get(struct vcpu *v, enum vreg r)
{
	struct vmcb_save *s = &vmcb_of(v)->save;

	switch (r) {
	case VREG_RIP: return s->rip;
	case VREG_RSP: return s->rsp;
	case VREG_RFLAGS: return s->rflags;
	case VREG_CR0: return s->cr0;
	case VREG_CR3: return s->cr3;
	case VREG_CR4: return s->cr4;
	case VREG_PAT: return s->g_pat;
	case VREG_FS_BASE: return s->fs.base;
	case VREG_GS_BASE: return s->gs.base;
	case VREG_ES_BASE: return s->es.base;
	case VREG_CS_BASE: return s->cs.base;
	case VREG_SS_BASE: return s->ss.base;
	case VREG_DS_BASE: return s->ds.base;
	/* VMLOAD/VMSAVE switch these (APM 15.5.2, VMLOAD). */
	case VREG_KERNEL_GS_BASE: return s->kernel_gs_base;
	case VREG_STAR: return s->star;
	case VREG_LSTAR: return s->lstar;
	case VREG_CSTAR: return s->cstar;
	case VREG_SFMASK: return s->sfmask;
	case VREG_SYSENTER_CS: return s->sysenter_cs;
	case VREG_SYSENTER_ESP: return s->sysenter_esp;
	case VREG_SYSENTER_EIP: return s->sysenter_eip;
	/* CS.L in long mode, else CS.D (APM 4.8); attrib bits 9 and 10. */
	case VREG_CS_MODE:
		if ((s->efer & EFER_LMA) && (s->cs.attrib & BIT(9)))
			return 64;
		return s->cs.attrib & BIT(10) ? 32 : 16;
	case VREG_EFER: return s->efer & ~EFER_SVME;
	case VREG_CPL: return s->cpl;
	}
	return 0;
}

/* A CR0 write braid emulates must do what the CPU would: setting PG with
 * EFER.LME activates long mode (EFER.LMA = 1), clearing PG leaves it
 * (APM Vol. 2 14.6.1). */
static void set_cr0(struct vmcb_save *s, u64 cr0)
{
	s->cr0 = cr0;
	if ((cr0 & CR0_PG) && (s->efer & EFER_LME))
		s->efer |= EFER_LMA;
	else if (!(cr0 & CR0_PG))
		s->efer &= ~EFER_LMA;
}

static void svm_set(struct vcpu *v, enum vreg r, u64 val)
{
	struct vmcb_save *s = &vmcb_of(v)->save;
	struct vmcb_control *c = &vmcb_of(v)->control;

	if (r == VREG_CR0 || r == VREG_CR3 || r == VREG_CR4)
		c->clean_bits &= ~VMCB_CLEAN_CRX;
	if (r == VREG_PAT)
		c->clean_bits &= ~VMCB_CLEAN_NP;

	switch (r) {
	case VREG_RIP:
		/* Moving past an instruction ends its STI shadow. */
		s->rip = val;
		c->interrupt_shadow &= ~(u64)INTERRUPT_SHADOW;
		break;
	case VREG_RSP: s->rsp = val; break;
	case VREG_RFLAGS: s->rflags = val; break;
	case VREG_CR0: set_cr0(s, val); break;
	case VREG_CR3: s->cr3 = val; break;
	case VREG_CR4: s->cr4 = val; break;
	case VREG_PAT: s->g_pat = val; break;
	case VREG_FS_BASE: s->fs.base = val; break;
	case VREG_GS_BASE: s->gs.base = val; break;
	case VREG_KERNEL_GS_BASE: s->kernel_gs_base = val; break;
	case VREG_STAR: s->star = val; break;
	case VREG_LSTAR: s->lstar = val; break;
	case VREG_CSTAR: s->cstar = val; break;
	case VREG_SFMASK: s->sfmask = val; break;
	case VREG_SYSENTER_CS: s->sysenter_cs = val; break;
	case VREG_SYSENTER_ESP: s->sysenter_esp = val; break;
	case VREG_SYSENTER_EIP: s->sysenter_eip = val; break;
	case VREG_ES_BASE:
	case VREG_CS_BASE:
	case VREG_SS_BASE:
	case VREG_DS_BASE: /* read only */
	case VREG_EFER:
	case VREG_CS_MODE:
	case VREG_CPL: break; /* EFER goes through set_efer */
	}
}

/* The guest writes EFER through an intercepted WRMSR; SVME stays set in
 * the real guest state, and LMA is the CPU's (it follows CR0.PG). */
static void svm_set_efer(struct vcpu *v, u64 efer)
{
	struct vmcb_save *s = &vmcb_of(v)->save;

	s->efer = (efer & ~EFER_LMA) | (s->efer & EFER_LMA) | EFER_SVME;
	vmcb_of(v)->control.clean_bits &= ~VMCB_CLEAN_CRX;
}

static void svm_inject_exception(struct vcpu *v, u8 vector, bool has_error,
				 u32 error)
{
	struct vmcb_control *c = &vmcb_of(v)->control;

	c->eventinj = vector | EVENTINJ_TYPE_EXCEPTION | EVENTINJ_VALID;
	if (has_error && (svm_get(v, VREG_CR0) & CR0_PE))
		c->eventinj |= EVENTINJ_EV | ((u64)error << 32);
}

/* APM 15.20-15.21: an interrupt is taken when RFLAGS.IF = 1, outside an
 * interrupt shadow, and nothing else is being injected. While braid steps
 * an NMI handler's IRET, it waits for that one instruction
 * (svm_want_nmi_window()). */
static bool svm_irq_window_open(struct vcpu *v)
{
	struct vmcb *vmcb = vmcb_of(v);

	if (((struct svm_vcpu *)v->arch)->nmi_step ||
	    (vmcb->control.eventinj & EVENTINJ_VALID))
		return false;
	if (vmcb->control.interrupt_shadow & INTERRUPT_SHADOW)
		return false;
	return vmcb->save.rflags & RFLAGS_IF;
}

static void svm_inject_irq(struct vcpu *v, u8 vector)
{
	vmcb_of(v)->control.eventinj =
		vector | EVENTINJ_TYPE_INTR | EVENTINJ_VALID;
}

/* RDTSC and RDTSCP in the guest add TSC_OFFSET (APM 15.30.5); the field
 * is cached with the intercepts (clean bit I, APM 15.15.3). */
static void svm_set_tsc_offset(struct vcpu *v, u64 offset)
{
	struct vmcb_control *c = &vmcb_of(v)->control;

	c->tsc_offset = offset;
	c->clean_bits &= ~VMCB_CLEAN_INTERCEPTS;
}

/*
 * SVM does not show whether the guest is inside an NMI handler: after
 * injecting one, braid intercepts IRET and counts NMIs blocked until it
 * (APM 15.20; the IRET itself then runs on re-entry).
 */
static bool svm_inject_nmi(struct vcpu *v)
{
	struct svm_vcpu *s = v->arch;
	struct vmcb_control *c = &vmcb_of(v)->control;

	if (s->nmi_masked || (c->eventinj & EVENTINJ_VALID) ||
	    (c->interrupt_shadow & INTERRUPT_SHADOW))
		return false;
	c->eventinj = VEC_NMI | EVENTINJ_TYPE_NMI | EVENTINJ_VALID;
	c->intercept_misc1 |= INTERCEPT_IRET;
	c->clean_bits &= ~VMCB_CLEAN_INTERCEPTS;
	s->nmi_masked = true;
	return true;
}

static bool svm_nmi_blocked(struct vcpu *v)
{
	return ((struct svm_vcpu *)v->arch)->nmi_masked;
}

/*
 * An exit right after the NMI handler's IRET, for an NMI that waits for
 * it. SVM has no NMI-window exit, and the IRET intercept comes before the
 * IRET runs (APM 15.9), so braid single-steps the IRET, as KVM does: TF
 * set when it runs makes a #DB trap after it (SDM Vol. 3A 17.3.1.4),
 * which braid intercepts anyway (VEC_ALWAYS_INTERCEPTED). Not where the
 * guest debugs itself (its own TF or breakpoints): the NMI then waits for
 * the next exit. Until the IRET intercept has come, it will bring the
 * exit.
 */
static bool svm_want_nmi_window(struct vcpu *v, bool on)
{
	struct svm_vcpu *s = v->arch;
	struct vmcb *vmcb = vmcb_of(v);
	struct vmcb_save *save = &vmcb->save;

	if (!on || !s->nmi_masked)
		return false;
	if (!s->iret_pending || s->nmi_step)
		return true;
	if ((save->rflags & RFLAGS_TF) || (save->dr7 & DR7_L0_G3))
		return false;
	/* An event injected now would be delivered before the IRET runs,
	 * push braid's TF with RFLAGS, and its exits would look like the end
	 * of the NMI handler (nmi_iret_done()). */
	if (vmcb->control.eventinj & EVENTINJ_VALID)
		return false;
	s->nmi_step = true;
	s->nmi_step_dr6 = save->dr6;
	save->rflags |= RFLAGS_TF;
	return true;
}

/* A virtual interrupt request (V_IRQ) with the VINTR intercept exits the
 * moment the guest could take it (APM 15.21.4), and is not delivered:
 * braid then injects the real vector (intr_to_virq() may hand it over as
 * a V_IRQ of its own, without the intercept). */
static void svm_want_irq_window(struct vcpu *v, bool on)
{
	struct vmcb_control *c = &vmcb_of(v)->control;

	/* The #DB after the IRET braid steps is the exit: a virtual
	 * interrupt's would come before the IRET, at every entry. */
	if (((struct svm_vcpu *)v->arch)->nmi_step)
		on = false;
	if (on == !!(c->intercept_misc1 & INTERCEPT_VINTR))
		return; /* called before every entry: keep the clean bits */
	if (on) {
		c->vintr |= V_IRQ | V_INTR_PRIO_MAX | V_IGN_TPR;
		c->intercept_misc1 |= INTERCEPT_VINTR;
	} else {
		c->vintr &= ~(u64)(V_IRQ | V_INTR_PRIO_MAX | V_IGN_TPR);
		c->intercept_misc1 &= ~INTERCEPT_VINTR;
	}
	c->clean_bits &= ~(VMCB_CLEAN_TPR | VMCB_CLEAN_INTERCEPTS);
}

static void svm_dump(struct vcpu *v)
{
	struct vmcb *vmcb = vmcb_of(v);
	struct vmcb_save *s = &vmcb->save;

	kprintf("braid: svm: guest rip 0x%llx rsp 0x%llx rflags 0x%llx cr0 0x%llx "
		"cr3 0x%llx cr4 0x%llx efer 0x%llx exitcode 0x%llx info1 0x%llx "
		"info2 0x%llx\n",
		(unsigned long long)s->rip, (unsigned long long)s->rsp,
		(unsigned long long)s->rflags, (unsigned long long)s->cr0,
		(unsigned long long)s->cr3, (unsigned long long)s->cr4,
		(unsigned long long)s->efer,
		(unsigned long long)vmcb->control.exitcode,
		(unsigned long long)vmcb->control.exitinfo1,
		(unsigned long long)vmcb->control.exitinfo2);
}

static void dump_save_area(const struct vmcb_save *s)
{
	static const char *const names[] = {
		"es", "cs", "ss", "ds", "fs", "gs", "gdtr", "ldtr", "idtr", "tr"
	};
	const struct vmcb_seg *seg = &s->es;
	const struct dump_field f[] = {
		{ "cr0", s->cr0 },	 { "cr2", s->cr2 },
		{ "cr3", s->cr3 },	 { "cr4", s->cr4 },
		{ "dr6", s->dr6 },	 { "dr7", s->dr7 },
		{ "efer", s->efer },	 { "rflags", s->rflags },
		{ "rip", s->rip },	 { "rsp", s->rsp },
		{ "cpl", s->cpl },	 { "g_pat", s->g_pat },
		{ "dbgctl", s->dbgctl },
	};

	/* ES to TR are consecutive in the save area (APM table B-2). */
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
		dump_segment("svm", names[i], seg[i].selector, seg[i].base,
			     seg[i].limit, seg[i].attrib);
	dump_fields("svm", f, ARRAY_SIZE(f));
}

/* For a shutdown report: the state the last VMRUN entered with, or the
 * one the exit left in the VMCB (undefined by the APM, but an emulator
 * may leave the real one there: CR2 then names the last fault). */
static void svm_describe_state(struct vcpu *v, bool at_exit, char *buf,
			       size_t len)
{
	struct svm_entered left;
	const struct svm_entered *m = &((struct svm_vcpu *)v->arch)->entered;

	if (at_exit) {
		remember_entry(&left, vmcb_of(v));
		m = &left;
	}

	snprintf(buf, len,
		 "rip 0x%llx rsp 0x%llx rflags 0x%llx cr0 0x%llx cr2 0x%llx "
		 "cr3 0x%llx cr4 0x%llx efer 0x%llx cs 0x%x/0x%x ss 0x%x/0x%x "
		 "tr 0x%x/0x%x at 0x%llx gdtr 0x%llx/0x%x idtr 0x%llx/0x%x "
		 "np %u n_cr3 0x%llx",
		 (unsigned long long)m->rip, (unsigned long long)m->rsp,
		 (unsigned long long)m->rflags, (unsigned long long)m->cr0,
		 (unsigned long long)m->cr2, (unsigned long long)m->cr3,
		 (unsigned long long)m->cr4, (unsigned long long)m->efer,
		 m->cs.selector, m->cs.attrib, m->ss.selector, m->ss.attrib,
		 m->tr.selector, m->tr.attrib, (unsigned long long)m->tr.base,
		 (unsigned long long)m->gdtr.base, m->gdtr.limit,
		 (unsigned long long)m->idtr.base, m->idtr.limit,
		 (unsigned)(m->nested_ctl & NESTED_CTL_NP_ENABLE),
		 (unsigned long long)m->n_cr3);
}

static void svm_last_entry(struct vcpu *v, struct vcpu_entered *e)
{
	const struct svm_entered *m = &((struct svm_vcpu *)v->arch)->entered;

	e->rip = m->rip;
	e->cr3 = m->cr3;
	e->paging4 = (m->cr0 & CR0_PG) && (m->efer & EFER_LMA) &&
		     !(m->cr4 & CR4_LA57);
	e->nested_root = m->nested_ctl & NESTED_CTL_NP_ENABLE ? m->n_cr3 : 0;
}

/* The save area and the control fields VMRUN checks, for a failed VMRUN. */
static void svm_dump_entry(struct vcpu *v)
{
	const struct vmcb_control *c = &vmcb_of(v)->control;
	const struct dump_field f[] = {
		{ "intercept_cr_read", c->intercept_cr_read },
		{ "intercept_cr_write", c->intercept_cr_write },
		{ "intercept_exceptions", c->intercept_exceptions },
		{ "intercept_misc1", c->intercept_misc1 },
		{ "intercept_misc2", c->intercept_misc2 },
		{ "guest_asid", c->guest_asid },
		{ "tlb_control", c->tlb_control },
		{ "np_enable", c->nested_ctl & NESTED_CTL_NP_ENABLE },
		{ "n_cr3", c->n_cr3 },
		{ "eventinj", c->eventinj },
		{ "vintr", c->vintr },
		{ "interrupt_shadow", c->interrupt_shadow },
		{ "vmcb_clean", c->clean_bits },
		{ "exitcode", c->exitcode },
		{ "exitinfo1", c->exitinfo1 },
		{ "exitinfo2", c->exitinfo2 },
	};

	dump_save_area(&vmcb_of(v)->save);
	dump_fields("svm", f, ARRAY_SIZE(f));
}

/* entry_fault=: EFER.SVME must be 1 in the guest (APM 15.5.1); QEMU
 * checks it too. */
static void svm_break_entry(struct vcpu *v)
{
	vmcb_of(v)->save.efer &= ~(u64)EFER_SVME;
	vmcb_of(v)->control.clean_bits &= ~VMCB_CLEAN_CRX;
}

static void svm_set_mmu(struct vcpu *v, const struct mmu_regs *guest,
			const struct mmu_regs *hw)
{
	struct vmcb *vmcb = vmcb_of(v);

	(void)guest; /* CR reads are intercepted: hv/ answers them */
	vmcb->save.cr0 = hw->cr0;
	vmcb->save.cr3 = hw->cr3;
	vmcb->save.cr4 = hw->cr4;
	vmcb->save.efer = hw->efer | EFER_SVME;
	vmcb->control.clean_bits &= ~VMCB_CLEAN_CRX;
}

static void svm_flush_tlb(struct vcpu *v)
{
	vmcb_of(v)->control.tlb_control = features & SVM_FEATURE_FLUSH_ASID
						  ? TLB_CONTROL_FLUSH_ASID
						  : TLB_CONTROL_FLUSH_ALL;
}

/*
 * Compound paging, per address space: NP_ENABLE for the compound tree,
 * off for its host-physical twin (APM 15.25.3). The ASID's TLB entries
 * are flushed at the switch: the APM does not say that entries made with
 * nested paging on stand for the same thing with it off.
 */
static void svm_set_nested_paging(struct vcpu *v, bool on)
{
	struct vmcb_control *c = &vmcb_of(v)->control;
	u64 ctl = on ? NESTED_CTL_NP_ENABLE : 0;

	if (c->nested_ctl == ctl)
		return;
	c->nested_ctl = ctl;
	c->clean_bits &= ~VMCB_CLEAN_NP;
	svm_flush_tlb(v);
}

/* A host interrupt always ends the guest's run, whatever its RFLAGS.IF
 * (V_INTR_MASKING, APM 15.21.1): braid's timer is enough. */
static void svm_set_timer(struct vcpu *v, u64 deadline)
{
	(void)v, (void)deadline;
}

/* INVLPGA: one page of one ASID, from the host (APM 15.16.2; rAX holds
 * the address, ECX the ASID). */
static void svm_flush_va(struct vcpu *v, u64 gva)
{
	struct svm_vcpu *s = v->arch;

	asm volatile("invlpga %%rax, %%ecx" ::"a"(gva), "c"(s->asid)
		     : "memory");
}

static void svm_inject_pf(struct vcpu *v, u64 cr2, u32 error)
{
	vmcb_of(v)->save.cr2 = cr2;
	vmcb_of(v)->control.clean_bits &= ~VMCB_CLEAN_CR2;
	svm_inject_exception(v, VEC_PF, true, error);
}

static void npt_restrict(struct pt *pt)
{
	/* NPT uses the host's page sizes (APM 15.25.3). */
	if (!(cpuid(0x80000001, 0).edx & EDX81_PAGE1GB))
		pt_no_leaf_at(pt, 3);
}

/* SVM has no pending-debug field: inject the #DB trap, DR6.BS set (an
 * injected event is not intercepted, APM 15.20). */
static u64 svm_get_dr7(struct vcpu *v)
{
	return vmcb_of(v)->save.dr7;
}

static void svm_debug_trap(struct vcpu *v, u64 dr6)
{
	struct vmcb *vmcb = vmcb_of(v);

	/* A fault of the instruction itself comes first; a #DB already on
	 * its way takes the new conditions too. */
	if (vmcb->control.eventinj & EVENTINJ_VALID &&
	    vmcb->control.eventinj !=
		    (VEC_DB | EVENTINJ_TYPE_EXCEPTION | EVENTINJ_VALID))
		return;
	vmcb->save.dr6 |= dr6;
	vmcb->control.clean_bits &= ~VMCB_CLEAN_DR;
	svm_inject_exception(v, VEC_DB, false, 0);
}

static void svm_skip_insn(struct vcpu *v, unsigned len)
{
	svm_set(v, VREG_RIP, vmcb_of(v)->save.rip + len);
	if (vmcb_of(v)->save.rflags & RFLAGS_TF)
		svm_debug_trap(v, DR6_BS);
}

const struct vendor_ops svm_ops = {
	.name = "svm",
	.nested_name = "NPT",
	.abi_id = BRAID_VENDOR_SVM,
	.check = svm_check,
	.cpu_enable = svm_cpu_enable,
	.cpu_disable = svm_cpu_disable,
	.vcpu_put = svm_vcpu_put,
	.vcpu_arrive = svm_vcpu_arrive,
	.nested_format = &pt_npt,
	.nested_restrict = npt_restrict,
	.vcpu_create = svm_vcpu_create,
	.vcpu_destroy = svm_vcpu_destroy,
	.vcpu_reset_multiboot = svm_vcpu_reset_multiboot,
	.vcpu_reset_sipi = svm_vcpu_reset_sipi,
	.set_pause_exiting = svm_set_pause_exiting,
	.set_mmu = svm_set_mmu,
	.set_nested_paging = svm_set_nested_paging,
	.set_timer = svm_set_timer,
	.flush_tlb = svm_flush_tlb,
	.flush_va = svm_flush_va,
	/* The APM does not say that INVLPGA reaches every PCID, and no
	 * emulator here has PCID with SVM to show it: keep flushing. */
	.flush_va_every_pcid = false,
	.inject_pf = svm_inject_pf,
	.vcpu_run = svm_vcpu_run,
	.get = svm_get,
	.set = svm_set,
	.skip_insn = svm_skip_insn,
	.debug_trap = svm_debug_trap,
	.get_dr7 = svm_get_dr7,
	.set_efer = svm_set_efer,
	.inject_exception = svm_inject_exception,
	.irq_window_open = svm_irq_window_open,
	.inject_irq = svm_inject_irq,
	.want_irq_window = svm_want_irq_window,
	.inject_nmi = svm_inject_nmi,
	.nmi_blocked = svm_nmi_blocked,
	.want_nmi_window = svm_want_nmi_window,
	.set_tsc_offset = svm_set_tsc_offset,
	.dump = svm_dump,
	.dump_entry = svm_dump_entry,
	.describe_state = svm_describe_state,
	.last_entry = svm_last_entry,
	.break_entry = svm_break_entry,
};
