// SPDX-License-Identifier: MIT
/*
 * Intel VT-x: feature checks, VMXON, the VMCS of a guest, and translation
 * of VM exits into the vendor-neutral struct vmexit.
 * References are to the Intel SDM Vol. 3C (Dec 2022 numbering).
 */
#define LOG_TAG "vmx"
#include "lib/atomic.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpuid.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/nmi.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/vendor.h"
#include "arch/x86_64/state_dump.h"
#include "arch/x86_64/vmcs.h"
#include "arch/x86_64/vmx_check.h"
#include "arch/x86_64/vmx_errors.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "lib/report.h"
#include "include/braid/abi.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "lib/phys.h"

/* What this CPU offers, read once by vmx_check(). */
static struct {
	u32 revision;
	u32 pin, proc, proc2, exit, entry; /* the control values we use */
	u64 ept_cap;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	bool vpid, ept_ad;
	unsigned maxphyaddr; /* CPUID.80000008h:EAX[7:0] */
	bool preempt;	 /* VMX-preemption timer (pin control, SDM 26.5.1) */
	bool nmi_window; /* NMI-window exiting, with virtual NMIs */
	unsigned preempt_shift; /* it counts TSC >> this (SDM A.6) */
} caps;

struct vmx_vcpu {
	phys_t vmcs;
	bool launched;
	enum vcpu_mmu mmu;
	bool ept_off; /* compound, running on the twin (set_nested_paging) */
	u16 vpid;
	u64 cr2; /* the guest's CR2 while another vCPU's is in the CPU */
	/* MSRs the VMCS does not switch (SDM 27.3): the host never uses
	 * them, so the guest's values live in the CPU (percpu.msr_owner)
	 * and are kept here while another vCPU's are loaded. */
	u64 kernel_gs_base, star, lstar, cstar, sfmask;
	/* braid injected an NMI (or blocked NMIs again after an IRET
	 * fault), and has not yet seen the guest's IRET end the blocking:
	 * only then may the VMCS show NMIs blocked (vmx_inject_nmi()). */
	bool nmi_outstanding;
};

int vmx_enter(struct guest_regs *regs, int launched);
void vmx_exit_point(void);

static bool msrs_loaded(struct vmx_vcpu *x)
{
	return this_cpu()->msr_owner == x;
}

/* An MSR of those load_guest_msrs switches: in the CPU while @x owns
 * them, else in @saved. */
static u64 cpu_msr(struct vmx_vcpu *x, u64 saved, u32 msr)
{
	return msrs_loaded(x) ? rdmsr(msr) : saved;
}

/* VMREAD/VMWRITE fail only when braid has a bug (no current VMCS, or a
 * field this CPU lacks), so a failure panics (SDM 31.4, "VMfail"). */
/* VMREAD of a field every VMCS has, of the current VMCS: it cannot fail
 * (SDM Vol. 3C 30.3, VMREAD), so the exit path skips the check (three
 * instructions a read, on every exit). */
static inline u64 vmread_fast(enum vmcs_field f)
{
	u64 v;

	asm volatile("vmread %1, %0" : "=r"(v) : "r"((u64)f) : "cc");
	return v;
}

static u64 vmread(enum vmcs_field f)
{
	u64 v;
	bool fail;

	asm volatile("vmread %2, %0; setna %1"
		     : "=rm"(v), "=qm"(fail)
		     : "r"((u64)f)
		     : "cc");
	if (fail)
		panic("VMREAD of field 0x%x failed", f);
	return v;
}

static void vmwrite(enum vmcs_field f, u64 v)
{
	bool fail;

	asm volatile("vmwrite %1, %2; setna %0"
		     : "=qm"(fail)
		     : "rm"(v), "r"((u64)f)
		     : "cc");
	if (fail)
		panic("VMWRITE of field 0x%x = 0x%llx failed (error %llu)", f,
		      (unsigned long long)v,
		      (unsigned long long)vmread(VM_INSTRUCTION_ERROR));
}

/* VMXON, VMCLEAR and VMPTRLD take the physical address of a region as a
 * memory operand and report failure in CF/ZF (SDM 31.2). */
#define DEFINE_VMX_PA_OP(insn)                     \
	static bool insn(phys_t pa)                \
	{                                          \
		bool fail;                         \
		asm volatile(#insn " %1; setna %0" \
			     : "=qm"(fail)         \
			     : "m"(pa)             \
			     : "cc", "memory");    \
		return !fail;                      \
	}
DEFINE_VMX_PA_OP(vmxon)
DEFINE_VMX_PA_OP(vmclear)
DEFINE_VMX_PA_OP(vmptrld)

/* INVEPT/INVVPID descriptors: SDM 31.3, "INVEPT" and "INVVPID". */
static void invept_all(void)
{
	struct {
		u64 eptp, zero;
	} desc = { 0, 0 };

	if (caps.ept_cap & EPT_CAP_INVEPT_ALL)
		asm volatile("invept %0, %1" ::"m"(desc), "r"(2ull)
			     : "cc", "memory");
}

/* INVVPID types (SDM 31.3, "INVVPID"). */
enum invvpid_type {
	INVVPID_ADDR,	/* one linear address of one VPID */
	INVVPID_SINGLE, /* every address of one VPID */
	INVVPID_ALL,	/* every VPID but the host's */
};

static void invvpid(enum invvpid_type type, u16 vpid, u64 addr)
{
	struct {
		u64 vpid, addr;
	} desc = { vpid, addr };

	asm volatile("invvpid %0, %1" ::"m"(desc), "r"((u64)type)
		     : "cc", "memory");
}

/* Every mapping tagged @vpid, by the narrowest type the CPU has. */
static void invvpid_single(u16 vpid)
{
	if (!caps.vpid)
		return; /* every VM entry and exit flushes (SDM 29.4.3.1) */
	if (caps.ept_cap & VPID_CAP_INVVPID_SINGLE)
		invvpid(INVVPID_SINGLE, vpid, 0);
	else
		invvpid(INVVPID_ALL, 0, 0);
}

/* The mappings of one address: an individual-address INVVPID takes only
 * a canonical address (it fails otherwise, SDM 31.3), and a CPU may not
 * offer the type at all. */
static void vmx_flush_va(struct vcpu *v, u64 gva)
{
	struct vmx_vcpu *x = v->arch;

	if (caps.vpid && (caps.ept_cap & VPID_CAP_INVVPID_ADDR) &&
	    va_canonical(gva))
		invvpid(INVVPID_ADDR, x->vpid, gva);
	else
		invvpid_single(x->vpid);
}

/*
 * A control value from its capability MSR: bits 31:0 are the allowed
 * 0-settings (1 = must be 1), bits 63:32 the allowed 1-settings (SDM A.3).
 */
static u32 adjust(u32 msr, u32 want, u32 *missing)
{
	u64 cap = rdmsr(msr);
	u32 v = (want | (u32)cap) & (u32)(cap >> 32);

	*missing |= want & ~v;
	return v;
}

static int missing(const char *what)
{
	pr_err("missing: %s", what);
	return 1;
}

static int check_controls(void)
{
	bool tru = rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_TRUE_CTLS;
	u32 miss = 0, optional = 0;
	int bad = 0;

	/* The TRUE_ MSRs allow clearing the CR3-load/store exiting defaults
	 * (SDM A.3.2); the plain ones would force them on. */
	/* braid's timer must pull the CPU out of a guest (SDM 26.2). */
	caps.pin = adjust(tru ? MSR_IA32_VMX_TRUE_PINBASED_CTLS
			      : MSR_IA32_VMX_PINBASED_CTLS,
			  PIN_EXTERNAL_INTERRUPT_EXITING, &miss);
	/* Optional: the preemption timer brings a guest back even while it
	 * blocks interrupts (RFLAGS.IF=0), which some emulators need. */
	caps.pin |= adjust(tru ? MSR_IA32_VMX_TRUE_PINBASED_CTLS
			       : MSR_IA32_VMX_PINBASED_CTLS,
			   PIN_VMX_PREEMPTION_TIMER, &optional);
	caps.preempt = caps.pin & PIN_VMX_PREEMPTION_TIMER;
	/* Host NMIs (a BMC, a watchdog, a PCIe SERR) exit instead of landing
	 * in the guest's IDT; then the guest's IRET no longer unblocks NMIs
	 * unless "virtual NMIs" tracks its own (SDM 26.3, IRET): both or
	 * neither. */
	caps.pin |= adjust(tru ? MSR_IA32_VMX_TRUE_PINBASED_CTLS
			       : MSR_IA32_VMX_PINBASED_CTLS,
			   PIN_NMI_EXITING | PIN_VIRTUAL_NMIS, &optional);
	if (optional & (PIN_NMI_EXITING | PIN_VIRTUAL_NMIS)) {
		caps.pin &= ~(u32)(PIN_NMI_EXITING | PIN_VIRTUAL_NMIS);
		pr_warn("no NMI exiting with virtual NMIs: a host NMI that "
			"strikes while a guest runs goes to the guest");
	}
	caps.preempt_shift =
		rdmsr(MSR_IA32_VMX_MISC) & VMX_MISC_PREEMPTION_RATE;
	caps.proc =
		adjust(tru ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS
			   : MSR_IA32_VMX_PROCBASED_CTLS,
		       CPU_HLT_EXITING | CPU_UNCOND_IO_EXITING |
			       CPU_CR8_LOAD_EXITING | CPU_CR8_STORE_EXITING |
			       CPU_ACTIVATE_SECONDARY_CONTROLS |
			       CPU_USE_TSC_OFFSETTING,
		       &miss);
	/* Instructions a guest must never run on the real CPU: RDPMC would
	 * read the host's counters, MONITOR/MWAIT (hidden from CPUID) would
	 * park the CPU. INVD always exits (SDM 26.1.2). */
	caps.proc |= adjust(tru ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS
				: MSR_IA32_VMX_PROCBASED_CTLS,
			    CPU_RDPMC_EXITING | CPU_MWAIT_EXITING |
				    CPU_MONITOR_EXITING,
			    &miss);
	/* CR8 is the local APIC's TPR (SDM 11.8.6): without these exits a
	 * guest would write the host's, and could mask braid's timer. */
	if (miss)
		return missing("external-interrupt, HLT, I/O, CR8, RDPMC or "
			       "MONITOR/MWAIT exiting, or secondary controls");
	/* Optional: without MSR bitmaps every RDMSR/WRMSR exits. */
	if ((rdmsr(tru ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS
		       : MSR_IA32_VMX_PROCBASED_CTLS) >>
	     32) &
	    CPU_USE_MSR_BITMAPS)
		caps.proc |= CPU_USE_MSR_BITMAPS;
	/* Set and cleared per entry (vmx_want_irq_window): only check. */
	if (!((rdmsr(tru ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS
			 : MSR_IA32_VMX_PROCBASED_CTLS) >>
	       32) &
	      CPU_INTR_WINDOW_EXITING))
		return missing("interrupt-window exiting");
	/* Optional, and only with virtual NMIs (SDM 26.2.1.1): an exit the
	 * moment the guest's NMI handler has returned. */
	caps.nmi_window = (caps.pin & PIN_VIRTUAL_NMIS) &&
			  ((rdmsr(tru ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS
				      : MSR_IA32_VMX_PROCBASED_CTLS) >>
			    32) &
			   CPU_NMI_WINDOW_EXITING);
	caps.proc2 = adjust(MSR_IA32_VMX_PROCBASED_CTLS2,
			    SECONDARY_ENABLE_EPT | SECONDARY_UNRESTRICTED_GUEST,
			    &miss);
	if (miss & SECONDARY_ENABLE_EPT)
		bad |= missing("EPT (secondary control 'enable EPT')");
	if (miss & SECONDARY_UNRESTRICTED_GUEST)
		bad |= missing("unrestricted guest (secondary control bit 7)");
	caps.proc2 |= adjust(MSR_IA32_VMX_PROCBASED_CTLS2,
			     SECONDARY_ENABLE_VPID | SECONDARY_WBINVD_EXITING |
				     SECONDARY_ENABLE_RDTSCP,
			     &optional);
	caps.vpid = caps.proc2 & SECONDARY_ENABLE_VPID;
	/* Without "enable INVPCID" the guest's INVPCID is #UD (SDM 25.3). */
	if (cpuid(7, 0).ebx & EBX7_INVPCID)
		caps.proc2 |= adjust(MSR_IA32_VMX_PROCBASED_CTLS2,
				     SECONDARY_ENABLE_INVPCID, &optional);
	miss = 0;
	caps.exit = adjust(
		tru ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS,
		EXIT_HOST_ADDR_SPACE_SIZE | EXIT_SAVE_IA32_EFER |
			EXIT_LOAD_IA32_EFER | EXIT_SAVE_IA32_PAT |
			EXIT_LOAD_IA32_PAT | EXIT_SAVE_DEBUG_CONTROLS,
		&miss);
	caps.entry = adjust(tru ? MSR_IA32_VMX_TRUE_ENTRY_CTLS
				: MSR_IA32_VMX_ENTRY_CTLS,
			    ENTRY_LOAD_IA32_EFER | ENTRY_LOAD_IA32_PAT |
				    ENTRY_LOAD_DEBUG_CONTROLS,
			    &miss);
	caps.entry &= ~ENTRY_IA32E_MODE_GUEST;
	if (caps.preempt)
		caps.exit |= adjust(tru ? MSR_IA32_VMX_TRUE_EXIT_CTLS
					: MSR_IA32_VMX_EXIT_CTLS,
				    EXIT_SAVE_PREEMPTION_TIMER, &optional);
	if (miss)
		bad |= missing("64-bit host or EFER/PAT/debug load/save "
			       "controls");
	return bad;
}

static int check_ept(void)
{
	int bad = 0;

	if (!(caps.proc2 & SECONDARY_ENABLE_EPT))
		return 0; /* already reported */
	caps.ept_cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	if (!(caps.ept_cap & EPT_CAP_WALK_LENGTH_4))
		bad |= missing("4-level EPT page walk");
	if (!(caps.ept_cap & EPT_CAP_WB))
		bad |= missing("write-back EPT memory type");
	if (!(caps.ept_cap & EPT_CAP_INVEPT) ||
	    !(caps.ept_cap & EPT_CAP_INVEPT_ALL))
		bad |= missing("INVEPT (all-context)");
	caps.ept_ad = caps.ept_cap & EPT_CAP_AD;
	/* VPIDs are worth having only with a way to flush one (SDM A.10):
	 * without INVVPID, run without them (every entry flushes). */
	if (!(caps.ept_cap & VPID_CAP_INVVPID) ||
	    !(caps.ept_cap &
	      (VPID_CAP_INVVPID_SINGLE | VPID_CAP_INVVPID_ALL))) {
		caps.vpid = false;
		caps.proc2 &= ~SECONDARY_ENABLE_VPID;
	}
	return bad;
}

static int vmx_check(void)
{
	u64 fc;
	int bad = 0;

	if (!(cpuid(1, 0).ecx & ECX1_VMX)) {
		pr_err("missing: VMX (CPUID.1:ECX.VMX[bit 5] = 0)");
		return -ENOTSUP;
	}
	/* SDM 24.7: VMXON needs IA32_FEATURE_CONTROL bit 2 once locked. */
	fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if ((fc & FEATURE_CONTROL_LOCKED) &&
	    !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX))
		bad |= missing(
			"VMX is disabled by firmware "
			"(IA32_FEATURE_CONTROL locked with bit 2 clear)");
	caps.revision = rdmsr(MSR_IA32_VMX_BASIC) & 0x7fffffff;
	caps.cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	caps.cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	caps.cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	caps.cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	caps.maxphyaddr = cpuid(0x80000000, 0).eax >= 0x80000008
				  ? cpuid(0x80000008, 0).eax & 0xff
				  : 36; /* SDM Vol. 3A 4.1.4 */
	bad |= check_controls();
	bad |= check_ept();
	if (bad)
		return -ENOTSUP;
	pr_info("VMCS revision 0x%x, EPT%s, VPID %s, EPT A/D %s", caps.revision,
		(caps.ept_cap & EPT_CAP_1G_PAGES) ? " 1G" : "",
		caps.vpid ? "yes" : "no", caps.ept_ad ? "yes" : "no");
	report_note(
		"virtualization",
		"VMX: EPT%s%s, unrestricted guest, VPID %s, NMI exiting %s, "
		"preemption timer %s, MSR bitmaps %s",
		(caps.ept_cap & EPT_CAP_1G_PAGES) ? " with 1G pages" : "",
		caps.ept_ad ? " and A/D bits" : " (no A/D bits)",
		caps.vpid ? "yes" : "no",
		caps.pin & PIN_NMI_EXITING ? "yes" : "no",
		caps.preempt ? "yes" : "no",
		caps.proc & CPU_USE_MSR_BITMAPS ? "yes" : "no");
	return 0;
}

static phys_t msr_bitmap; /* shared by every vCPU: the same MSRs pass */

/* Let the guest read and write @msr without an exit: clear its bit in
 * the read and write halves of the MSR bitmap (SDM 24.6.9: read-low at
 * 0, read-high (C000_0000h-C000_1FFFh) at 400h, write-low at 800h,
 * write-high at C00h; one bit per MSR). */
static void msr_bitmap_pass(u8 *map, u32 msr)
{
	u32 base = msr < 0x2000 ? 0 : 0x400, bit = msr & 0x1fff;

	map[base + bit / 8] &= ~(1u << (bit % 8));
	map[0x800 + base + bit / 8] &= ~(1u << (bit % 8));
}

/*
 * The MSRs a guest may own outright: FS/GS bases and the SYSENTER MSRs
 * are guest-state fields VM entry and exit switch (SDM 25.3.2.1,
 * 27.3.1), and KERNEL_GS_BASE and the SYSCALL MSRs are left in the CPU
 * for the vCPU that owns them (load_guest_msrs), since braid never runs
 * SYSCALL or SWAPGS. A kernel writes FS_BASE and KERNEL_GS_BASE on every
 * context switch; each would otherwise be an exit.
 */
static int build_msr_bitmap(void)
{
	static const u32 owned[] = {
		MSR_IA32_FS_BASE,	 MSR_IA32_GS_BASE,
		MSR_IA32_KERNEL_GS_BASE, MSR_IA32_STAR,
		MSR_IA32_LSTAR,		 MSR_IA32_CSTAR,
		MSR_IA32_FMASK,		 MSR_IA32_SYSENTER_CS,
		MSR_IA32_SYSENTER_ESP,	 MSR_IA32_SYSENTER_EIP,
	};
	u8 *map;

	if (msr_bitmap || !(caps.proc & CPU_USE_MSR_BITMAPS))
		return 0;
	msr_bitmap = frame_alloc();
	if (!msr_bitmap)
		return -ENOMEM;
	map = pa_to_va(msr_bitmap);
	memset(map, 0xff, PAGE_SIZE);
	for (unsigned i = 0; i < ARRAY_SIZE(owned); i++)
		msr_bitmap_pass(map, owned[i]);
	return 0;
}

static void vmx_cpu_disable(void)
{
	if (!this_cpu()->vmxon_region)
		return;
	asm volatile("vmxoff" ::: "cc", "memory");
	write_cr4(read_cr4() & ~CR4_VMXE);
	this_cpu()->vmxon_region = 0;
	this_cpu()->vmcs = 0;
}

static int vmx_cpu_enable(void)
{
	struct percpu *c = this_cpu();
	u64 fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	u32 *region;

	/* IA32_FEATURE_CONTROL is each CPU's own (SDM 24.7): firmware may
	 * have locked VMX off on this one even if the boot CPU allows it,
	 * and VMXON would then #GP. */
	if ((fc & FEATURE_CONTROL_LOCKED) &&
	    !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		pr_err("missing on cpu %u: VMX is disabled by firmware "
		       "(IA32_FEATURE_CONTROL locked with bit 2 clear)",
		       c->id);
		return -ENOTSUP;
	}
	if (!(fc & FEATURE_CONTROL_LOCKED))
		wrmsr(MSR_IA32_FEATURE_CONTROL,
		      fc | FEATURE_CONTROL_LOCKED |
			      FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	/* SDM 24.8: CR0 and CR4 must respect the fixed bits in VMX operation. */
	write_cr0((read_cr0() | caps.cr0_fixed0) & caps.cr0_fixed1);
	write_cr4((read_cr4() | caps.cr4_fixed0 | CR4_VMXE) & caps.cr4_fixed1);
	c->vmxon_region = frame_alloc();
	if (!c->vmxon_region)
		return -ENOMEM;
	region = pa_to_va(c->vmxon_region);
	region[0] = caps.revision;
	if (!vmxon(c->vmxon_region)) {
		pr_err("VMXON failed on cpu %u", c->id);
		frame_free(c->vmxon_region);
		c->vmxon_region = 0;
		return -EIO;
	}
	invept_all();
	return build_msr_bitmap();
}

static void setup_host_state(void)
{
	struct percpu *c = this_cpu();
	struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) gdtr, idtr;

	asm volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
	vmwrite(HOST_CR0, read_cr0());
	vmwrite(HOST_CR3, read_cr3());
	vmwrite(HOST_CR4, read_cr4());
	vmwrite(HOST_CS_SELECTOR, SEL_CODE64);
	vmwrite(HOST_SS_SELECTOR, SEL_DATA);
	vmwrite(HOST_DS_SELECTOR, SEL_DATA);
	vmwrite(HOST_ES_SELECTOR, SEL_DATA);
	vmwrite(HOST_FS_SELECTOR, 0);
	vmwrite(HOST_GS_SELECTOR, 0);
	vmwrite(HOST_TR_SELECTOR, SEL_TSS);
	vmwrite(HOST_FS_BASE, 0);
	vmwrite(HOST_GS_BASE, (u64)(uintptr_t)c);
	vmwrite(HOST_TR_BASE, (u64)(uintptr_t)&c->tss);
	vmwrite(HOST_GDTR_BASE, gdtr.base);
	vmwrite(HOST_IDTR_BASE, idtr.base);
	vmwrite(HOST_IA32_SYSENTER_CS, 0);
	vmwrite(HOST_IA32_SYSENTER_ESP, 0);
	vmwrite(HOST_IA32_SYSENTER_EIP, 0);
	vmwrite(HOST_IA32_EFER, rdmsr(MSR_IA32_EFER));
	vmwrite(HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	vmwrite(HOST_RIP, (u64)(uintptr_t)vmx_exit_point);
}

/* Make @vmcs current on this CPU (@c) unless it is already (SDM 24.1: it
 * stays current until another VMPTRLD or a VMCLEAR of it). */
static void make_current(struct percpu *c, phys_t vmcs)
{
	if (c->vmcs == vmcs)
		return;
	if (!vmptrld(vmcs))
		panic("VMPTRLD failed");
	c->vmcs = vmcs;
}

/*
 * Shadow paging runs the guest on braid's tables with EPT off. Without EPT
 * there is no unrestricted guest (SDM 25.6.2), so the guest always runs
 * with hardware paging on; braid intercepts CR3 loads/stores, INVLPG, every
 * #PF (PFEC mask/match 0/0, SDM 26.2) and owns every CR0/CR4 bit except
 * TS, MP and EM, so guest reads come from the read shadows.
 */
static void setup_paging_controls(enum vcpu_mmu mmu)
{
	u32 proc = caps.proc | CPU_CR3_LOAD_EXITING | CPU_CR3_STORE_EXITING;

	/* Compound paging keeps EPT (and so unrestricted guest); the guest's
	 * INVLPG works on it unaided (docs/design.md §2). */
	if (mmu == VCPU_SHADOW) {
		proc |= CPU_INVLPG_EXITING;
		vmwrite(SECONDARY_VM_EXEC_CONTROL,
			caps.proc2 & ~(SECONDARY_ENABLE_EPT |
				       SECONDARY_UNRESTRICTED_GUEST));
	}
	vmwrite(CPU_BASED_VM_EXEC_CONTROL, proc);
	vmwrite(EXCEPTION_BITMAP, BIT(VEC_PF) | VEC_INTERCEPTED);
	vmwrite(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmwrite(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmwrite(CR0_GUEST_HOST_MASK, ~(u64)(CR0_TS | CR0_MP | CR0_EM));
	vmwrite(CR4_GUEST_HOST_MASK, ~0ull);
}

static void setup_controls(struct vmx_vcpu *x, phys_t nested_root,
			   u64 cr4_guest_ok)
{
	u64 eptp = nested_root | EPTP_MT_WB | EPTP_WALK_LENGTH_4;

	vmwrite(PIN_BASED_VM_EXEC_CONTROL, caps.pin);
	vmwrite(CPU_BASED_VM_EXEC_CONTROL, caps.proc);
	if (caps.proc & CPU_USE_MSR_BITMAPS)
		vmwrite(MSR_BITMAP, msr_bitmap);
	vmwrite(SECONDARY_VM_EXEC_CONTROL, caps.proc2);
	vmwrite(VM_EXIT_CONTROLS, caps.exit);
	vmwrite(VM_ENTRY_CONTROLS, caps.entry);
	vmwrite(EXCEPTION_BITMAP, VEC_INTERCEPTED);
	vmwrite(CR3_TARGET_COUNT, 0);
	vmwrite(VM_EXIT_MSR_STORE_COUNT, 0);
	vmwrite(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(VM_ENTRY_INTR_INFO_FIELD, 0);
	if (caps.ept_ad)
		eptp |= EPTP_AD_ENABLE;
	vmwrite(EPT_POINTER, eptp);
	if (caps.vpid)
		vmwrite(VIRTUAL_PROCESSOR_ID, x->vpid);
	/* Bits the guest may not own: CR0.NE (forced to 1, SDM 24.8), every
	 * CR4 bit VMX fixes, VMXE included, and the CR4 bits of features
	 * the guest's CPUID does not report (the CPU would accept those the
	 * host has). Writes that would change them exit; reads see the read
	 * shadow. PE and PG are free thanks to unrestricted guest. */
	vmwrite(CR0_GUEST_HOST_MASK,
		(caps.cr0_fixed0 & ~(CR0_PE | CR0_PG)) | ~caps.cr0_fixed1);
	vmwrite(CR4_GUEST_HOST_MASK,
		caps.cr4_fixed0 | ~caps.cr4_fixed1 | ~cr4_guest_ok);
	vmwrite(VMCS_LINK_POINTER, ~0ull);
	if (caps.preempt)
		vmwrite(VMX_PREEMPTION_TIMER_VALUE, ~0u);
	if (x->mmu != VCPU_NESTED)
		setup_paging_controls(x->mmu);
}

static int vmx_vcpu_create(struct vcpu *v, enum vcpu_mmu mmu,
			   phys_t nested_root)
{
	static u32 vpids_given; /* any CPU may create a vCPU: atomic */
	phys_t page = frame_alloc();
	struct vmx_vcpu *x;

	if (!page)
		return -ENOMEM;
	x = pa_to_va(page);
	memset(x, 0, sizeof(*x)); /* guest MSRs start at 0 */
	x->vmcs = frame_alloc();
	if (!x->vmcs) {
		frame_free(page);
		return -ENOMEM;
	}
	*(u32 *)pa_to_va(x->vmcs) = caps.revision;
	/* 1 to 0xffff, then round again: VPID 0 belongs to the host (SDM
	 * 29.1). */
	x->vpid = 1 + atomic_fetch_add(&vpids_given, 1) % 0xffff;
	if (!vmclear(x->vmcs) || !vmptrld(x->vmcs))
		panic("VMCLEAR/VMPTRLD of a fresh VMCS failed");
	this_cpu()->vmcs = x->vmcs;
	x->mmu = mmu;
	x->ept_off = mmu == VCPU_SHADOW; /* until real mode needs it */
	v->arch = x;
	setup_host_state();
	setup_controls(x, nested_root, v->cr4_guest_ok);
	/* The EPT root and VPID may be recycled from an earlier guest. */
	invept_all();
	invvpid_single(x->vpid);
	return 0;
}

static void vmx_vcpu_destroy(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;

	if (msrs_loaded(x))
		this_cpu()->msr_owner = NULL;
	if (this_cpu()->cr2_owner == x)
		this_cpu()->cr2_owner = NULL;
	if (this_cpu()->vmcs == x->vmcs)
		this_cpu()->vmcs = 0; /* VMCLEAR of the current VMCS */
	vmclear(x->vmcs);
	frame_free(x->vmcs);
	frame_free(va_to_pa(x));
	v->arch = NULL;
}

/*
 * Leaving this CPU for now: its MSRs and CR2 back into memory, and the
 * VMCS cleared. A VMCS may be active on one CPU only, and only VMCLEAR on
 * that CPU writes its cached state back (SDM 24.11.1), so a vCPU that may
 * run elsewhere next must be cleared here; its next entry is a VMLAUNCH.
 */
static void vmx_vcpu_put(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;

	if (msrs_loaded(x)) {
		x->kernel_gs_base = rdmsr(MSR_IA32_KERNEL_GS_BASE);
		x->star = rdmsr(MSR_IA32_STAR);
		x->lstar = rdmsr(MSR_IA32_LSTAR);
		x->cstar = rdmsr(MSR_IA32_CSTAR);
		x->sfmask = rdmsr(MSR_IA32_FMASK);
		this_cpu()->msr_owner = NULL;
	}
	if (this_cpu()->cr2_owner == x) {
		x->cr2 = read_cr2();
		this_cpu()->cr2_owner = NULL;
	}
	/* Whether the guest's IRET ended the NMI braid gave it, before
	 * another vCPU's run here can leave blocking in this VMCS. */
	make_current(this_cpu(), x->vmcs);
	if (!(vmread(GUEST_INTERRUPTIBILITY_INFO) & INTERRUPTIBILITY_NMI))
		x->nmi_outstanding = false;
	this_cpu()->vmcs = 0;
	vmclear(x->vmcs);
	x->launched = false;
}

/*
 * The CPU is about to run @v. Its VMCS becomes current again (creating or
 * ending another guest here may have made another one current). If it
 * last ran elsewhere, the host-state area names that CPU (GS.base, TR,
 * GDTR: SDM 25.5.2), and this CPU's TLB may hold its translations from an
 * earlier stay, made stale by changes braid made to its tables elsewhere
 * since (SDM 29.4.3.3). VPIDs are never handed out twice to live vCPUs
 * (vmx_vcpu_create), so a vCPU that stays needs no flush.
 */
static void vmx_vcpu_arrive(struct vcpu *v, enum vcpu_arrival how)
{
	struct vmx_vcpu *x = v->arch;

	make_current(this_cpu(), x->vmcs);
	if (how != ARRIVE_MOVED)
		return;
	setup_host_state();
	invept_all();
	invvpid_single(x->vpid);
}

static void set_segment(enum vmcs_field sel, u16 s, u32 ar)
{
	/* Selector, base, limit and access-rights fields of one segment
	 * are at fixed offsets from the selector field (SDM B.1.2-B.4.3). */
	u32 idx = sel - GUEST_ES_SELECTOR;

	vmwrite(sel, s);
	vmwrite(GUEST_ES_BASE + idx, 0);
	vmwrite(GUEST_ES_LIMIT + idx, 0xffffffff);
	vmwrite(GUEST_ES_AR_BYTES + idx, ar);
}

/* What a multiboot start and a SIPI start share: paging off, no CR4
 * bits, RIP @rip, and every MSR and event field the VMCS holds at its
 * reset value. */
static void reset_common(u64 rip)
{
	vmwrite(GUEST_CR3, 0);
	vmwrite(GUEST_CR4, caps.cr4_fixed0);
	vmwrite(CR4_READ_SHADOW, 0);
	vmwrite(GUEST_DR7, 0x400);
	vmwrite(GUEST_RSP, 0);
	vmwrite(GUEST_RIP, rip);
	vmwrite(GUEST_RFLAGS, RFLAGS_FIXED);
	vmwrite(GUEST_IA32_EFER, 0);
	vmwrite(GUEST_IA32_PAT, PAT_POWER_ON);
	vmwrite(GUEST_IA32_DEBUGCTL, 0);
	vmwrite(GUEST_SYSENTER_CS, 0);
	vmwrite(GUEST_SYSENTER_ESP, 0);
	vmwrite(GUEST_SYSENTER_EIP, 0);
	vmwrite(GUEST_ACTIVITY_STATE, 0);
	vmwrite(GUEST_INTERRUPTIBILITY_INFO, 0); /* no NMI handler either */
	vmwrite(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmwrite(VM_ENTRY_CONTROLS, caps.entry);
}

static void vmx_vcpu_reset_multiboot(struct vcpu *v, u32 entry)
{
	struct vmx_vcpu *x = v->arch;

	/* A guest's vCPUs are created together. */
	make_current(this_cpu(), x->vmcs);
	x->launched = false;
	set_segment(GUEST_CS_SELECTOR, 0x08, AR_CODE32);
	set_segment(GUEST_DS_SELECTOR, 0x10, AR_DATA32);
	set_segment(GUEST_ES_SELECTOR, 0x10, AR_DATA32);
	set_segment(GUEST_SS_SELECTOR, 0x10, AR_DATA32);
	set_segment(GUEST_FS_SELECTOR, 0x10, AR_DATA32);
	set_segment(GUEST_GS_SELECTOR, 0x10, AR_DATA32);
	set_segment(GUEST_LDTR_SELECTOR, 0, AR_UNUSABLE);
	set_segment(GUEST_TR_SELECTOR, 0, AR_TSS32_BUSY);
	vmwrite(GUEST_TR_LIMIT, 0x67);
	vmwrite(GUEST_GDTR_BASE, 0);
	vmwrite(GUEST_GDTR_LIMIT, 0);
	vmwrite(GUEST_IDTR_BASE, 0);
	vmwrite(GUEST_IDTR_LIMIT, 0);
	/* Multiboot: PE=1, PG=0. NE is forced on but hidden by the shadow. */
	vmwrite(GUEST_CR0, (CR0_PE | CR0_ET | caps.cr0_fixed0) & ~(u64)CR0_PG);
	vmwrite(CR0_READ_SHADOW, CR0_PE | CR0_ET);
	reset_common(entry);
	x->nmi_outstanding = false;
}

/* A real-mode segment: base = selector << 4, 64 KiB. */
static void real_segment(enum vmcs_field sel, u16 s, u32 ar)
{
	u32 idx = sel - GUEST_ES_SELECTOR;

	vmwrite(sel, s);
	vmwrite(GUEST_ES_BASE + idx, (u64)s << 4);
	vmwrite(GUEST_ES_LIMIT + idx, 0xffff);
	vmwrite(GUEST_ES_AR_BYTES + idx, ar);
}

/*
 * The state INIT leaves and a SIPI with vector @vv starts (SDM Vol. 3A
 * 9.1.1 table 9-1, 10.4.4.1): real mode, CS = vv00h:0000h, CR0 = 60000010h
 * (CD, NW, ET), the rest at reset values. Real mode needs unrestricted
 * guest, and so EPT (SDM 25.6.2); under shadow paging braid's MMU turns
 * EPT on while guest paging is off (hv/mmu.c, run_unpaged()).
 */
static void vmx_vcpu_reset_sipi(struct vcpu *v, u8 vv)
{
	struct vmx_vcpu *x = v->arch;
	const u64 cr0 = CR0_CD | CR0_NW | CR0_ET;

	make_current(this_cpu(), x->vmcs);
	x->launched = false;
	real_segment(GUEST_CS_SELECTOR, (u16)(vv << 8), AR_CODE16);
	real_segment(GUEST_DS_SELECTOR, 0, AR_DATA16);
	real_segment(GUEST_ES_SELECTOR, 0, AR_DATA16);
	real_segment(GUEST_SS_SELECTOR, 0, AR_DATA16);
	real_segment(GUEST_FS_SELECTOR, 0, AR_DATA16);
	real_segment(GUEST_GS_SELECTOR, 0, AR_DATA16);
	real_segment(GUEST_LDTR_SELECTOR, 0, AR_LDT16);
	real_segment(GUEST_TR_SELECTOR, 0, AR_TSS32_BUSY);
	vmwrite(GUEST_GDTR_BASE, 0);
	vmwrite(GUEST_GDTR_LIMIT, 0xffff);
	vmwrite(GUEST_IDTR_BASE, 0);
	vmwrite(GUEST_IDTR_LIMIT, 0xffff);
	vmwrite(GUEST_CR0, (cr0 | caps.cr0_fixed0) & ~(u64)(CR0_PE | CR0_PG) &
				   caps.cr0_fixed1);
	vmwrite(CR0_READ_SHADOW, cr0);
	reset_common(0);
	((struct vmx_vcpu *)v->arch)->nmi_outstanding = false;
}

/* PAUSE exiting, if the CPU allows the control to be 1 (SDM A.3.2). */
static bool vmx_set_pause_exiting(struct vcpu *v, bool on)
{
	struct vmx_vcpu *x = v->arch;
	bool tru = rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_TRUE_CTLS;
	u64 cap = rdmsr(tru ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS
			    : MSR_IA32_VMX_PROCBASED_CTLS);
	u32 proc;

	if (!((cap >> 32) & CPU_PAUSE_EXITING))
		return false;
	make_current(this_cpu(), x->vmcs);
	proc = (u32)vmread(CPU_BASED_VM_EXEC_CONTROL);
	proc = on ? proc | CPU_PAUSE_EXITING : proc & ~(u32)CPU_PAUSE_EXITING;
	vmwrite(CPU_BASED_VM_EXEC_CONTROL, proc);
	return true;
}

static const char *virt_insn_name(u32 reason)
{
	switch (reason) {
	case EXIT_REASON_VMCALL: return "VMCALL";
	case EXIT_REASON_VMCLEAR: return "VMCLEAR";
	case EXIT_REASON_VMLAUNCH: return "VMLAUNCH";
	case EXIT_REASON_VMPTRLD: return "VMPTRLD";
	case EXIT_REASON_VMPTRST: return "VMPTRST";
	case EXIT_REASON_VMREAD: return "VMREAD";
	case EXIT_REASON_VMRESUME: return "VMRESUME";
	case EXIT_REASON_VMWRITE: return "VMWRITE";
	case EXIT_REASON_VMXOFF: return "VMXOFF";
	case EXIT_REASON_VMXON: return "VMXON";
	case EXIT_REASON_INVEPT: return "INVEPT";
	case EXIT_REASON_INVVPID: return "INVVPID";
	case EXIT_REASON_VMFUNC: return "VMFUNC";
	case EXIT_REASON_GETSEC: return "GETSEC";
	default: return NULL;
	}
}

static void decode_io(struct vmexit *e, u64 q)
{
	/* SDM 28.2.1, table 28-5 */
	e->kind = VMEXIT_IO;
	e->io.size = (q & 7) + 1;
	e->io.in = q & BIT(3);
	e->io.string = q & BIT(4);
	e->io.port = q >> 16;
}

/*
 * An exit that struck an IRET of the guest's after it had unblocked
 * virtual NMIs (a #PF or an EPT violation on the stack it pops) leaves
 * them unblocked, though the IRET will run again: block them again, or an
 * NMI injected now would nest in the guest's handler (SDM 28.2.3, 30.7.1.2).
 */
static void recover_nmi_blocking(bool unblocked)
{
	if (unblocked && (caps.pin & PIN_VIRTUAL_NMIS)) {
		vmwrite(GUEST_INTERRUPTIBILITY_INFO,
			vmread(GUEST_INTERRUPTIBILITY_INFO) |
				INTERRUPTIBILITY_NMI);
		((struct vmx_vcpu *)this_cpu()->vcpu->arch)->nmi_outstanding =
			true;
	}
}

/*
 * Events of the host's that exit as "exception or NMI": an NMI (NMI
 * exiting), which leaves further NMIs blocked once the exit completes
 * (SDM 28.1): INT 2 runs the host's handler, whose IRET unblocks them; a
 * machine check (exception bitmap bit 18), which the host logs before
 * anything else touches the banks.
 */
static bool host_event_exit(struct vmexit *e, u32 info)
{
	if ((info & INTR_INFO_TYPE_MASK) == INTR_TYPE_NMI) {
		nmi_run_host_handler();
		e->kind = VMEXIT_NMI;
		return true;
	}
	if ((info & 0xff) == VEC_MC &&
	    (info & INTR_INFO_TYPE_MASK) == INTR_TYPE_HW_EXCEPTION) {
		e->kind = VMEXIT_MACHINE_CHECK;
		return true;
	}
	return false;
}

/*
 * INVPCID's operands (SDM Vol. 3C 28.2.5, the instruction information of
 * INVEPT, INVPCID and INVVPID): the exit qualification holds the
 * displacement, the information field the rest of the memory operand and
 * the register with the type. The descriptor's offset in its segment is
 * computed here; hv/cr.c adds the segment's base.
 */
static void decode_invpcid(struct vcpu *v, struct vmexit *e, u64 disp)
{
	u32 info = vmread(VMX_INSTRUCTION_INFO);
	unsigned size = 16u << ((info >> 7) & 7); /* 0: 16, 1: 32, 2: 64 */
	u64 off = disp;

	if (!(info & BIT(27))) /* base register valid */
		off += vcpu_gpr(v, (info >> 23) & 0xf);
	if (!(info & BIT(22))) /* index register valid */
		off += vcpu_gpr(v, (info >> 18) & 0xf) << (info & 3);
	if (size < 64)
		off &= (1ull << size) - 1;
	e->kind = VMEXIT_INVPCID;
	e->invpcid.type_gpr = (info >> 28) & 0xf;
	e->invpcid.seg = (info >> 15) & 7;
	e->invpcid.offset = off;
}

static void decode_exit(struct vcpu *v, struct vmexit *e, u32 reason)
{
	u64 q = 0;
	u32 info;

	/* A VMREAD on every exit for the few that use the qualification:
	 * read it only for those. The exit-information fields read here
	 * are in every VMCS, and this one is current: vmread_fast(). */
	switch (reason) {
	case EXIT_REASON_EXCEPTION_NMI:
	case EXIT_REASON_IO_INSTRUCTION:
	case EXIT_REASON_CR_ACCESS:
	case EXIT_REASON_INVLPG:
	case EXIT_REASON_INVPCID:
	case EXIT_REASON_EPT_VIOLATION:
		q = vmread_fast(EXIT_QUALIFICATION);
		break;
	}
	switch (reason) {
	case EXIT_REASON_EXCEPTION_NMI:
		info = vmread_fast(VM_EXIT_INTR_INFO);
		/* The common case, a plain #PF, in one compare; the rest may
		 * be the host's NMI or #MC, or follow an IRET that had
		 * unblocked NMIs. */
		if (__builtin_expect(
			    (info & (INTR_INFO_TYPE_MASK | 0xff |
				     INTR_INFO_NMI_UNBLOCKED_BY_IRET)) !=
				    (INTR_TYPE_HW_EXCEPTION | VEC_PF),
			    0)) {
			if (host_event_exit(e, info))
				break;
			recover_nmi_blocking(
				(info & INTR_INFO_NMI_UNBLOCKED_BY_IRET) &&
				(info & 0xff) != VEC_DF);
		}
		e->kind = VMEXIT_EXCEPTION;
		e->exc.vector = info & 0xff;
		e->exc.has_error = info & INTR_INFO_DELIVER_CODE;
		e->exc.error = e->exc.has_error
				       ? vmread_fast(VM_EXIT_INTR_ERROR_CODE)
				       : 0;
		e->exc.cr2 = q; /* #PF: the linear address (SDM 28.2.1) */
		e->exc.reflect = false;
		/* A #DB that exits leaves DR6 alone and gives its bits in
		 * the qualification (SDM 28.2.1, 27.1): set them, as the
		 * delivery would have (B0-B3 replaced, BD/BS sticky). */
		if (e->exc.vector == VEC_DB)
			write_dr6((read_dr6() & ~0xfull) | (q & 0x600f));
		/* Nor does it clear DR7.GD, which the delivery does (SDM
		 * 18.2.4): or the handler's own DR access would fault again. */
		if (e->exc.vector == VEC_DB && (q & DR6_BD))
			vmwrite(GUEST_DR7, vmread(GUEST_DR7) & ~DR7_GD);
		/* ICEBP (INT1) is a trap: its #DB returns past it. The exit
		 * leaves RIP on it (SDM 28.2.1), and braid re-raises the #DB
		 * as a hardware exception: move RIP first. */
		if ((info & INTR_INFO_TYPE_MASK) ==
		    INTR_TYPE_PRIV_SOFT_EXCEPTION)
			vmwrite(GUEST_RIP,
				vmread(GUEST_RIP) +
					vmread(VM_EXIT_INSTRUCTION_LEN));
		break;
	case EXIT_REASON_EXTERNAL_INTERRUPT:
	case EXIT_REASON_PREEMPTION_TIMER: e->kind = VMEXIT_INTR; break;
	case EXIT_REASON_INTERRUPT_WINDOW:
	case EXIT_REASON_NMI_WINDOW: e->kind = VMEXIT_IRQ_WINDOW; break;
	case EXIT_REASON_TRIPLE_FAULT: e->kind = VMEXIT_TRIPLE_FAULT; break;
	/* CPUID, HLT, PAUSE, VMCALL, RDMSR, WRMSR, INVD, WBINVD, RDPMC,
	 * MWAIT and MONITOR never get here: plain_kind[]. */
	case EXIT_REASON_XSETBV: e->kind = VMEXIT_XSETBV; break;
	case EXIT_REASON_IO_INSTRUCTION: decode_io(e, q); break;
	case EXIT_REASON_CR_ACCESS:
		/* SDM table 28-3: bits 3:0 CR, 5:4 type, 11:8 the register,
		 * 31:16 the LMSW source. */
		e->kind = VMEXIT_CR_ACCESS;
		e->cr.decoded = true;
		e->cr.cr = q & 0xf;
		e->cr.type = (q >> 4) & 3;
		e->cr.gpr = (q >> 8) & 0xf;
		e->cr.lmsw = q >> 16;
		break;
	case EXIT_REASON_INVLPG:
		e->kind = VMEXIT_INVLPG;
		e->invlpg.decoded = true;
		e->invlpg.gva_known = true;
		e->invlpg.gva = q;
		break;
	case EXIT_REASON_INVPCID: decode_invpcid(v, e, q); break;
	case EXIT_REASON_EPT_VIOLATION:
		recover_nmi_blocking(q & EPT_QUAL_NMI_UNBLOCKED_BY_IRET);
		e->kind = VMEXIT_NPF;
		e->npf.gpa = vmread(GUEST_PHYSICAL_ADDRESS);
		e->npf.write = q & EPT_QUAL_WRITE;
		e->npf.exec = q & EPT_QUAL_FETCH;
		e->npf.mapped = q & EPT_QUAL_MAPPED;
		e->npf.walk = (q & EPT_QUAL_LINEAR_VALID) &&
			      !(q & EPT_QUAL_TRANSLATED);
		/* The linear address the guest's own paging translated to
		 * gpa (SDM 28.2.1, table 28-7). */
		e->npf.gva_valid = (q & EPT_QUAL_LINEAR_VALID) &&
				   (q & EPT_QUAL_TRANSLATED);
		if (e->npf.gva_valid)
			e->npf.gva = vmread(GUEST_LINEAR_ADDRESS);
		break;
	default:
		e->insn = virt_insn_name(reason);
		e->kind = e->insn ? VMEXIT_VIRT_INSN : VMEXIT_UNHANDLED;
	}
}

/*
 * An exit in the middle of delivering an event (say, a #PF intercepted
 * while the guest's IDT was being read) loses that event unless it is
 * injected again on the next entry (SDM 28.2.4, 27.6.1). A handler that
 * injects something else overwrites it.
 */
static bool reinject_vectoring(struct vcpu *v)
{
	/* On every exit but instruction exits: a field of every VMCS, of
	 * the current one (vmread_fast()). */
	u32 info = vmread_fast(IDT_VECTORING_INFO_FIELD);
	u32 type = info & INTR_INFO_TYPE_MASK;

	/* A VM exit clears the valid bit of the VM-entry interruption
	 * information (SDM 28.2): nothing to cancel otherwise. */
	if (!(info & INTR_INFO_VALID))
		return false;
	v->delivering_vector = info & 0xff;
	v->delivering_kind = type == INTR_TYPE_EXT_INTR	      ? EVENT_INTR
			     : type == INTR_TYPE_NMI	      ? EVENT_NMI
			     : type == INTR_TYPE_HW_EXCEPTION ? EVENT_EXCEPTION
							      : EVENT_SOFT;
	if (info & INTR_INFO_DELIVER_CODE)
		vmwrite(VM_ENTRY_EXCEPTION_ERROR_CODE,
			vmread(IDT_VECTORING_ERROR_CODE));
	/* Software interrupts and exceptions need their length again. */
	if (type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_SOFT_EXCEPTION ||
	    type == INTR_TYPE_PRIV_SOFT_EXCEPTION)
		vmwrite(VM_ENTRY_INSTRUCTION_LEN,
			vmread(VM_EXIT_INSTRUCTION_LEN));
	vmwrite(VM_ENTRY_INTR_INFO_FIELD, info & ~INTR_INFO_RESERVED_12);
	return true;
}

/*
 * The exits whose kind is all braid needs of them, by reason (the kind
 * plus 1; 0 for the rest, which decode_exit() reads further): one load
 * for the most frequent exits, not the two switches. All are instruction
 * exits (below), so no event was being delivered.
 */
static const u8 plain_kind[] = {
	[EXIT_REASON_CPUID] = VMEXIT_CPUID + 1,
	[EXIT_REASON_HLT] = VMEXIT_HLT + 1,
	[EXIT_REASON_PAUSE] = VMEXIT_PAUSE + 1,
	[EXIT_REASON_VMCALL] = VMEXIT_HYPERCALL + 1,
	[EXIT_REASON_MSR_READ] = VMEXIT_RDMSR + 1,
	[EXIT_REASON_MSR_WRITE] = VMEXIT_WRMSR + 1,
	[EXIT_REASON_INVD] = VMEXIT_CACHE + 1,
	[EXIT_REASON_WBINVD] = VMEXIT_CACHE + 1,
	[EXIT_REASON_RDPMC] = VMEXIT_RDPMC + 1,
	[EXIT_REASON_MWAIT] = VMEXIT_MONITOR + 1,
	[EXIT_REASON_MONITOR] = VMEXIT_MONITOR + 1,
};

/* An exit caused by executing an instruction cannot occur while an event
 * is being delivered, so its IDT-vectoring information is never valid
 * (SDM 28.2.4): the most frequent exits need not read it. */
static bool instruction_exit(u32 reason)
{
	switch (reason) {
	case EXIT_REASON_CPUID:
	case EXIT_REASON_HLT:
	case EXIT_REASON_INVLPG:
	case EXIT_REASON_INVPCID:
	case EXIT_REASON_VMCALL:
	case EXIT_REASON_CR_ACCESS:
	case EXIT_REASON_IO_INSTRUCTION:
	case EXIT_REASON_MSR_READ:
	case EXIT_REASON_MSR_WRITE:
	case EXIT_REASON_INVD:
	case EXIT_REASON_WBINVD:
	case EXIT_REASON_RDPMC:
	case EXIT_REASON_PAUSE:
	case EXIT_REASON_MWAIT:
	case EXIT_REASON_MONITOR: return true;
	default: return false;
	}
}

/* Switch the CPU's SYSCALL/SWAPGS MSRs to this vCPU's, saving those of
 * the vCPU that had them (it writes them without exits, and its SWAPGS
 * changes KERNEL_GS_BASE). */
static void load_guest_msrs(struct vmx_vcpu *x)
{
	struct vmx_vcpu *old = this_cpu()->msr_owner;

	if (old) {
		old->kernel_gs_base = rdmsr(MSR_IA32_KERNEL_GS_BASE);
		old->star = rdmsr(MSR_IA32_STAR);
		old->lstar = rdmsr(MSR_IA32_LSTAR);
		old->cstar = rdmsr(MSR_IA32_CSTAR);
		old->sfmask = rdmsr(MSR_IA32_FMASK);
	}
	wrmsr(MSR_IA32_KERNEL_GS_BASE, x->kernel_gs_base);
	wrmsr(MSR_IA32_STAR, x->star);
	wrmsr(MSR_IA32_LSTAR, x->lstar);
	wrmsr(MSR_IA32_CSTAR, x->cstar);
	wrmsr(MSR_IA32_FMASK, x->sfmask);
	this_cpu()->msr_owner = x;
}

/*
 * CR2 is not part of the VMCS: VM entry loads none and VM exit saves none
 * (SDM 27.3.2.1, 28.3), and a #PF that causes an exit leaves it alone
 * (SDM 28.1). So the guest's CR2 simply stays in the CPU across its exits
 * (braid takes no page faults of its own); it is saved and replaced only
 * when another vCPU runs here, so no guest sees another's fault address.
 */
static void load_guest_cr2(struct vmx_vcpu *x)
{
	struct vmx_vcpu *old = this_cpu()->cr2_owner;

	if (old)
		old->cr2 = read_cr2();
	write_cr2(x->cr2);
	this_cpu()->cr2_owner = x;
}

/* The guest state and controls VM entry checks (vmx_check.h). */
static void read_entry_state(struct vmx_entry_state *s)
{
	s->pin = vmread(PIN_BASED_VM_EXEC_CONTROL);
	s->proc = vmread(CPU_BASED_VM_EXEC_CONTROL);
	s->proc2 = vmread(SECONDARY_VM_EXEC_CONTROL);
	s->exit = vmread(VM_EXIT_CONTROLS);
	s->entry = vmread(VM_ENTRY_CONTROLS);
	s->exception_bitmap = vmread(EXCEPTION_BITMAP);
	s->eptp = vmread(EPT_POINTER);
	s->entry_intr_info = vmread(VM_ENTRY_INTR_INFO_FIELD);
	s->entry_exception_error_code = vmread(VM_ENTRY_EXCEPTION_ERROR_CODE);
	s->entry_instruction_len = vmread(VM_ENTRY_INSTRUCTION_LEN);
	s->cr0_fixed0 = caps.cr0_fixed0;
	s->cr0_fixed1 = caps.cr0_fixed1;
	s->cr4_fixed0 = caps.cr4_fixed0;
	s->cr4_fixed1 = caps.cr4_fixed1;
	s->maxphyaddr = caps.maxphyaddr;
	s->cr0 = vmread(GUEST_CR0);
	s->cr3 = vmread(GUEST_CR3);
	s->cr4 = vmread(GUEST_CR4);
	s->dr7 = vmread(GUEST_DR7);
	s->rsp = vmread(GUEST_RSP);
	s->rip = vmread(GUEST_RIP);
	s->rflags = vmread(GUEST_RFLAGS);
	/* The fields of one segment are at fixed distances from ES's
	 * (SDM B.1.2-B.4.3): 2 apart per segment. */
	for (int i = 0; i < SEG_NR; i++) {
		s->seg[i].selector = vmread(GUEST_ES_SELECTOR + 2 * i);
		s->seg[i].base = vmread(GUEST_ES_BASE + 2 * i);
		s->seg[i].limit = vmread(GUEST_ES_LIMIT + 2 * i);
		s->seg[i].ar = vmread(GUEST_ES_AR_BYTES + 2 * i);
	}
	s->gdtr_base = vmread(GUEST_GDTR_BASE);
	s->gdtr_limit = vmread(GUEST_GDTR_LIMIT);
	s->idtr_base = vmread(GUEST_IDTR_BASE);
	s->idtr_limit = vmread(GUEST_IDTR_LIMIT);
	s->ia32_debugctl = vmread(GUEST_IA32_DEBUGCTL);
	s->ia32_pat = vmread(GUEST_IA32_PAT);
	s->ia32_efer = vmread(GUEST_IA32_EFER);
	s->sysenter_esp = vmread(GUEST_SYSENTER_ESP);
	s->sysenter_eip = vmread(GUEST_SYSENTER_EIP);
	s->activity_state = vmread(GUEST_ACTIVITY_STATE);
	s->interruptibility_info = vmread(GUEST_INTERRUPTIBILITY_INFO);
	s->pending_dbg_exceptions = vmread(GUEST_PENDING_DBG_EXCEPTIONS);
	s->vmcs_link_pointer = vmread(VMCS_LINK_POINTER);
}

/* ENTRY_CHECK builds: the guest-state checks of SDM 27.3.1 in software,
 * before the CPU makes them (Bochs makes fewer). False: @e reports the
 * broken rule and the entry is not attempted. */
static bool entry_check(struct vmexit *e)
{
	struct vmx_entry_state s;
	struct vmx_violation bad;

	read_entry_state(&s);
	bad = vmx_check_guest_state(&s);
	if (!bad.rule)
		return true;
	e->kind = VMEXIT_ENTRY_FAILED;
	e->raw = bad.rule;
	e->entry = (typeof(e->entry)){
		.what = vmx_rule_text(bad.rule),
		.checker = true,
		.section = vmx_rule_section(bad.rule),
		.reg = vmx_seg_name(bad.seg),
	};
	return false;
}

/* VMLAUNCH/VMRESUME failed as an instruction (VMfailValid, SDM 31.2):
 * the VM-instruction error field says why (SDM 31.4). */
static void insn_failed(struct vmexit *e)
{
	u64 err = vmread(VM_INSTRUCTION_ERROR);
	const char *text = vmx_insn_error_text(err);

	e->kind = VMEXIT_ENTRY_FAILED;
	e->raw = err;
	e->entry = (typeof(e->entry)){
		.what = text ? text : "VM-instruction error (unnumbered)",
		.section = "SDM 31.4",
		.reg = "",
		.code_name = "VM-instruction error",
	};
}

/* The CPU loaded part of the guest state and gave up: a VM exit with
 * bit 31 of the exit reason set (SDM 27.8). */
static void entry_failed(struct vmexit *e, u32 reason)
{
	const char *text = vmx_entry_failure_text(reason);
	u64 q = vmread(EXIT_QUALIFICATION);

	e->kind = VMEXIT_ENTRY_FAILED;
	e->entry = (typeof(e->entry)){
		.what = text ? text : "VM-entry failure (unknown exit reason)",
		.section = "SDM 27.8",
		.reg = "",
		.has_qual = true,
		.qual = q,
		.qual_text = vmx_entry_qual_text(reason, q),
	};
}

static void vmx_vcpu_run(struct vcpu *v, struct vmexit *e)
{
	struct vmx_vcpu *x = v->arch;
	struct percpu *c = this_cpu(); /* once: each read is a %gs load */
	u32 reason, kind;

	make_current(c, x->vmcs);
	/* Not cleared: decode_exit() sets every field of the kind it
	 * reports (a store saved on every exit). */
	if (c->msr_owner != x)
		load_guest_msrs(x);
	if (c->cr2_owner != x)
		load_guest_cr2(x);
	if (ENTRY_CHECK && !v->entry_check_off && !entry_check(e)) {
		/* No entry: stamp as the stub would have (hv/run.c). */
		v->regs.entry_tsc = v->regs.exit_tsc = rdtsc();
		return;
	}
	if (vmx_enter(&v->regs, x->launched)) {
		insn_failed(e);
		return;
	}
	x->launched = true;
	reason = vmread_fast(VM_EXIT_REASON);
	e->raw = reason & 0xffff;
	e->insn_len = vmread_fast(VM_EXIT_INSTRUCTION_LEN);
	if (reason & EXIT_REASON_FAILED_ENTRY) {
		entry_failed(e, reason);
		/* A machine check during entry (SDM 27.8) is the host's: it
		 * is logged as one, then reported as the failure it is. */
		if ((reason & 0xffff) == EXIT_REASON_MACHINE_CHECK)
			e->kind = VMEXIT_MACHINE_CHECK;
		return;
	}
	reason &= 0xffff;
	kind = reason < ARRAY_SIZE(plain_kind) ? plain_kind[reason] : 0;
	if (kind) {
		v->delivering = false;
		e->kind = kind - 1;
		return;
	}
	v->delivering = !instruction_exit(reason) && reinject_vectoring(v);
	decode_exit(v, e, reason);
}

/* What a guest MOV from CR reads: host-owned bits (set in the mask) come
 * from the read shadow, the rest from the real register (SDM 25.6.6). */
static u64 guest_view(enum vmcs_field real, enum vmcs_field shadow,
		      enum vmcs_field mask)
{
	u64 m = vmread(mask);

	return (vmread(real) & ~m) | (vmread(shadow) & m);
}

/*
 * A MOV to CR0 that braid emulates must do what the CPU would: setting PG
 * with EFER.LME activates IA-32e mode (EFER.LMA = 1), clearing PG leaves it
 * (SDM Vol. 3A 10.8.5). The "IA-32e mode guest" entry control must match
 * EFER.LMA (SDM 27.3.1.1).
 */
static void update_long_mode(u64 cr0)
{
	u32 entry = vmread(VM_ENTRY_CONTROLS);
	u64 efer = vmread(GUEST_IA32_EFER);

	if ((cr0 & CR0_PG) && (efer & EFER_LME)) {
		efer |= EFER_LMA;
		entry |= ENTRY_IA32E_MODE_GUEST;
	} else {
		efer &= ~EFER_LMA;
		entry &= ~ENTRY_IA32E_MODE_GUEST;
	}
	vmwrite(GUEST_IA32_EFER, efer);
	vmwrite(VM_ENTRY_CONTROLS, entry);
}

/* Bits of code the guest runs: CS.L in IA-32e mode, else CS.D (SDM 3.4.5). */
static u64 cs_mode(void)
{
	u32 ar = vmread(GUEST_CS_AR_BYTES);

	if ((vmread(GUEST_IA32_EFER) & EFER_LMA) && (ar & BIT(13)))
		return 64;
	return ar & BIT(14) ? 32 : 16;
}

static u64 vmx_get(struct vcpu *v, enum vreg r)
{
	struct vmx_vcpu *x = v->arch;

	switch (r) {
	case VREG_RIP: return vmread(GUEST_RIP);
	case VREG_RSP: return vmread(GUEST_RSP);
	case VREG_RFLAGS: return vmread(GUEST_RFLAGS);
	case VREG_CR0:
		return guest_view(GUEST_CR0, CR0_READ_SHADOW,
				  CR0_GUEST_HOST_MASK);
	case VREG_CR3: return vmread(GUEST_CR3);
	case VREG_CR4:
		return guest_view(GUEST_CR4, CR4_READ_SHADOW,
				  CR4_GUEST_HOST_MASK);
	case VREG_PAT: return vmread(GUEST_IA32_PAT);
	case VREG_EFER: return vmread(GUEST_IA32_EFER);
	case VREG_CS_MODE: return cs_mode();
	case VREG_FS_BASE: return vmread(GUEST_FS_BASE);
	case VREG_GS_BASE: return vmread(GUEST_GS_BASE);
	case VREG_ES_BASE: return vmread(GUEST_ES_BASE);
	case VREG_CS_BASE: return vmread(GUEST_CS_BASE);
	case VREG_SS_BASE: return vmread(GUEST_SS_BASE);
	case VREG_DS_BASE: return vmread(GUEST_DS_BASE);
	case VREG_KERNEL_GS_BASE: /* SWAPGS changes it without an exit */
		return cpu_msr(x, x->kernel_gs_base, MSR_IA32_KERNEL_GS_BASE);
	/* The guest writes these without exits (build_msr_bitmap). */
	case VREG_STAR: return cpu_msr(x, x->star, MSR_IA32_STAR);
	case VREG_LSTAR: return cpu_msr(x, x->lstar, MSR_IA32_LSTAR);
	case VREG_CSTAR: return cpu_msr(x, x->cstar, MSR_IA32_CSTAR);
	case VREG_SFMASK: return cpu_msr(x, x->sfmask, MSR_IA32_FMASK);
	case VREG_SYSENTER_CS: return vmread(GUEST_SYSENTER_CS);
	case VREG_SYSENTER_ESP: return vmread(GUEST_SYSENTER_ESP);
	case VREG_SYSENTER_EIP: return vmread(GUEST_SYSENTER_EIP);
	/* CPL is SS.DPL (SDM 25.4.1). */
	case VREG_CPL: return (vmread(GUEST_SS_AR_BYTES) >> 5) & 3;
	}
	return 0;
}

/* A guest MSR the VMCS does not hold: keep it, and put it in the CPU. */
static void set_cpu_msr(struct vmx_vcpu *x, u64 *slot, u32 msr, u64 val)
{
	*slot = val;
	if (msrs_loaded(x))
		wrmsr(msr, val);
}

/* Moving RIP past an instruction braid carried out ends any STI or MOV SS
 * interrupt shadow that instruction sat in (SDM 25.4.2, table 25-3). */
static void set_rip(u64 val)
{
	u64 intr = vmread_fast(GUEST_INTERRUPTIBILITY_INFO);

	vmwrite(GUEST_RIP, val);
	if (intr & INTERRUPTIBILITY_SHADOW)
		vmwrite(GUEST_INTERRUPTIBILITY_INFO,
			intr & ~(u64)INTERRUPTIBILITY_SHADOW);
}

/* The CPU delivers a pending single-step trap (BS in the pending debug
 * exceptions field) right after VM entry (SDM Vol. 3C 27.7.3). */
/* The CPU delivers pending debug exceptions after VM entry, as if the
 * instruction had raised them (SDM 24.4.2, 26.7.3); bit 12 says a data
 * breakpoint enabled in DR7 was met. */
static u64 vmx_get_dr7(struct vcpu *v)
{
	(void)v;
	return vmread_fast(GUEST_DR7); /* saved at every exit (SDM 28.3.1) */
}

static void vmx_debug_trap(struct vcpu *v, u64 dr6)
{
	(void)v;
	if (dr6 & DR6_B0_B3)
		dr6 |= PENDING_DBG_ENABLED_BP;
	vmwrite(GUEST_PENDING_DBG_EXCEPTIONS,
		vmread(GUEST_PENDING_DBG_EXCEPTIONS) | dr6);
}

static void vmx_skip_insn(struct vcpu *v, unsigned len)
{
	set_rip(vmread_fast(GUEST_RIP) + len);
	if (vmread_fast(GUEST_RFLAGS) & RFLAGS_TF)
		vmx_debug_trap(v, DR6_BS);
}

static void vmx_set(struct vcpu *v, enum vreg r, u64 val)
{
	struct vmx_vcpu *x = v->arch;

	switch (r) {
	case VREG_RIP: set_rip(val); break;
	case VREG_RSP: vmwrite(GUEST_RSP, val); break;
	case VREG_RFLAGS: vmwrite(GUEST_RFLAGS, val); break;
	case VREG_CR0:
		vmwrite(CR0_READ_SHADOW, val);
		vmwrite(GUEST_CR0,
			(val | (caps.cr0_fixed0 & ~(CR0_PE | CR0_PG))) &
				caps.cr0_fixed1);
		update_long_mode(val);
		break;
	case VREG_CR3: vmwrite(GUEST_CR3, val); break;
	case VREG_CR4:
		vmwrite(CR4_READ_SHADOW, val);
		vmwrite(GUEST_CR4, (val | caps.cr4_fixed0) & caps.cr4_fixed1);
		break;
	case VREG_PAT: vmwrite(GUEST_IA32_PAT, val); break;
	case VREG_FS_BASE: vmwrite(GUEST_FS_BASE, val); break;
	case VREG_GS_BASE: vmwrite(GUEST_GS_BASE, val); break;
	case VREG_KERNEL_GS_BASE:
		set_cpu_msr(x, &x->kernel_gs_base, MSR_IA32_KERNEL_GS_BASE,
			    val);
		break;
	case VREG_STAR: set_cpu_msr(x, &x->star, MSR_IA32_STAR, val); break;
	case VREG_LSTAR: set_cpu_msr(x, &x->lstar, MSR_IA32_LSTAR, val); break;
	case VREG_CSTAR: set_cpu_msr(x, &x->cstar, MSR_IA32_CSTAR, val); break;
	case VREG_SFMASK:
		set_cpu_msr(x, &x->sfmask, MSR_IA32_FMASK, val);
		break;
	case VREG_SYSENTER_CS: vmwrite(GUEST_SYSENTER_CS, val); break;
	case VREG_SYSENTER_ESP: vmwrite(GUEST_SYSENTER_ESP, val); break;
	case VREG_SYSENTER_EIP: vmwrite(GUEST_SYSENTER_EIP, val); break;
	case VREG_ES_BASE:
	case VREG_CS_BASE:
	case VREG_SS_BASE:
	case VREG_DS_BASE: /* read only */
	case VREG_EFER:
	case VREG_CS_MODE:
	case VREG_CPL: break; /* EFER goes through set_efer */
	}
}

/* EFER.LMA is the CPU's to set, and it must agree with the "IA-32e mode
 * guest" entry control (SDM 27.3.1.1); keep whatever the last exit
 * stored there (SDM 28.2, the control is updated on every exit). */
static void vmx_set_efer(struct vcpu *v, u64 efer)
{
	u64 lma = vmread(VM_ENTRY_CONTROLS) & ENTRY_IA32E_MODE_GUEST ? EFER_LMA
								     : 0;

	(void)v;
	vmwrite(GUEST_IA32_EFER, (efer & ~EFER_LMA) | lma);
}

static void vmx_inject_exception(struct vcpu *v, u8 vector, bool has_error,
				 u32 error)
{
	u32 info = vector | INTR_TYPE_HW_EXCEPTION | INTR_INFO_VALID;

	/* No error code in real mode (SDM 27.2.1.3). */
	if (has_error && (vmx_get(v, VREG_CR0) & CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE;
		vmwrite(VM_ENTRY_EXCEPTION_ERROR_CODE, error);
	}
	vmwrite(VM_ENTRY_INTR_INFO_FIELD, info);
}

/* SDM 26.3.1.1 / 27.6.5: an external interrupt can be delivered when
 * RFLAGS.IF = 1 and there is no STI or MOV SS blocking. */
static bool vmx_irq_window_open(struct vcpu *v)
{
	(void)v;
	if (vmread(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID)
		return false;
	if (vmread(GUEST_INTERRUPTIBILITY_INFO) & INTERRUPTIBILITY_SHADOW)
		return false;
	return vmread(GUEST_RFLAGS) & RFLAGS_IF;
}

static void vmx_inject_irq(struct vcpu *v, u8 vector)
{
	(void)v;
	vmwrite(VM_ENTRY_INTR_INFO_FIELD,
		vector | INTR_TYPE_EXT_INTR | INTR_INFO_VALID);
}

/* RDTSC and RDTSCP add TSC_OFFSET (SDM 26.3, "Use TSC offsetting"). */
static void vmx_set_tsc_offset(struct vcpu *v, u64 offset)
{
	(void)v;
	vmwrite(TSC_OFFSET, offset);
}

/*
 * With virtual NMIs on, the guest's NMI blocking is virtual-NMI blocking:
 * set only by an NMI braid injects, ended by the guest's IRET (SDM Vol.
 * 3C 25.3, 27.6.1.2). Bochs 2.7 shows it in a VMCS whose guest was given
 * no NMI, after another VMCS ran on the same CPU inside its NMI handler
 * (docs/emulators.md): left there, it would hold off that guest's NMIs
 * until some later IRET of its own. (Without virtual NMIs the blocking is
 * real, from a host NMI the guest took, and stays.)
 */
static u64 drop_stray_nmi_blocking(u64 intr)
{
	intr &= ~(u64)INTERRUPTIBILITY_NMI;
	vmwrite(GUEST_INTERRUPTIBILITY_INFO, intr);
	return intr;
}

/* Virtual-NMI blocking in the VMCS with no NMI of braid's outstanding:
 * Bochs may leave one from another guest's VMCS (drop_stray_nmi_blocking()). */
static bool stray_nmi_blocking(const struct vmx_vcpu *x, u64 intr)
{
	return (intr & INTERRUPTIBILITY_NMI) && !x->nmi_outstanding &&
	       (caps.pin & PIN_VIRTUAL_NMIS);
}

/* An injected NMI blocks further NMIs until the guest's IRET, and the CPU
 * shows that in the interruptibility state: real NMI blocking, or virtual
 * NMI blocking with "virtual NMIs" on (SDM 27.6.1.2, 25.4.2). */
static bool vmx_inject_nmi(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;
	u64 intr = vmread(GUEST_INTERRUPTIBILITY_INFO);

	/* The stray blocking goes even when the NMI must wait: it would also
	 * hold off the NMI-window exit (vmx_want_nmi_window()). */
	if (!(intr & INTERRUPTIBILITY_NMI))
		x->nmi_outstanding = false; /* its IRET came */
	else if (stray_nmi_blocking(x, intr))
		intr = drop_stray_nmi_blocking(intr);
	if (vmread(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID)
		return false;
	if (intr & (INTERRUPTIBILITY_SHADOW | INTERRUPTIBILITY_NMI))
		return false;
	vmwrite(VM_ENTRY_INTR_INFO_FIELD,
		VEC_NMI | INTR_TYPE_NMI | INTR_INFO_VALID);
	x->nmi_outstanding = true;
	return true;
}

/* Blocking by NMI in the VMCS counts only for an NMI braid delivered. */
static bool vmx_nmi_blocked(struct vcpu *v)
{
	u64 intr = vmread(GUEST_INTERRUPTIBILITY_INFO);

	return (intr & INTERRUPTIBILITY_NMI) &&
	       !stray_nmi_blocking(v->arch, intr);
}

/* Interrupt-window exiting: exit before the first instruction at which
 * the guest could take an interrupt (SDM 26.2, 27.7.5). */
static void vmx_want_irq_window(struct vcpu *v, bool on)
{
	u64 proc = vmread(CPU_BASED_VM_EXEC_CONTROL);

	(void)v;
	if (on == !!(proc & CPU_INTR_WINDOW_EXITING))
		return; /* called before every entry */
	proc = on ? proc | CPU_INTR_WINDOW_EXITING
		  : proc & ~(u64)CPU_INTR_WINDOW_EXITING;
	vmwrite(CPU_BASED_VM_EXEC_CONTROL, proc);
}

/* NMI-window exiting: exit before the first instruction without NMI
 * blocking, that is right after the guest's NMI handler's IRET (SDM 26.2,
 * 27.7.6). */
static bool vmx_want_nmi_window(struct vcpu *v, bool on)
{
	u64 proc;

	(void)v;
	if (!caps.nmi_window)
		return false;
	/* A CPU may take the window's exit inside an STI shadow, where the
	 * NMI still cannot be injected (SDM 26.7.6), and would exit again at
	 * once: the interrupt window, which waits for the shadow, does. */
	if (on && (vmread(GUEST_INTERRUPTIBILITY_INFO) & INTERRUPTIBILITY_STI))
		on = false;
	proc = vmread(CPU_BASED_VM_EXEC_CONTROL);
	if (on != !!(proc & CPU_NMI_WINDOW_EXITING))
		vmwrite(CPU_BASED_VM_EXEC_CONTROL,
			on ? proc | CPU_NMI_WINDOW_EXITING
			   : proc & ~(u64)CPU_NMI_WINDOW_EXITING);
	return on;
}

static void vmx_dump(struct vcpu *v)
{
	kprintf("braid: vmx: guest rip 0x%llx rsp 0x%llx rflags 0x%llx "
		"cr0 0x%llx cr3 0x%llx cr4 0x%llx efer 0x%llx\n",
		(unsigned long long)vmread(GUEST_RIP),
		(unsigned long long)vmread(GUEST_RSP),
		(unsigned long long)vmread(GUEST_RFLAGS),
		(unsigned long long)vmread(GUEST_CR0),
		(unsigned long long)vmread(GUEST_CR3),
		(unsigned long long)vmread(GUEST_CR4),
		(unsigned long long)vmread(GUEST_IA32_EFER));
	(void)v;
}

/* Every field VM entry checks and the controls, for a failed entry. */
static void vmx_dump_entry(struct vcpu *v)
{
	struct vmx_entry_state s;

	(void)v;
	read_entry_state(&s);
	const struct dump_field f[] = {
		{ "cr0", s.cr0 },
		{ "cr3", s.cr3 },
		{ "cr4", s.cr4 },
		{ "dr7", s.dr7 },
		{ "rsp", s.rsp },
		{ "rip", s.rip },
		{ "rflags", s.rflags },
		{ "gdtr_base", s.gdtr_base },
		{ "gdtr_limit", s.gdtr_limit },
		{ "idtr_base", s.idtr_base },
		{ "idtr_limit", s.idtr_limit },
		{ "ia32_debugctl", s.ia32_debugctl },
		{ "ia32_pat", s.ia32_pat },
		{ "ia32_efer", s.ia32_efer },
		{ "activity", s.activity_state },
		{ "interruptibility", s.interruptibility_info },
		{ "pending_dbg", s.pending_dbg_exceptions },
		{ "vmcs_link", s.vmcs_link_pointer },
		{ "entry_intr_info", s.entry_intr_info },
		{ "entry_error_code", s.entry_exception_error_code },
		{ "entry_insn_len", s.entry_instruction_len },
		{ "pin", s.pin },
		{ "proc", s.proc },
		{ "proc2", s.proc2 },
		{ "entry", s.entry },
		{ "exit", s.exit },
		{ "exception_bitmap", s.exception_bitmap },
		{ "eptp", s.eptp },
	};

	for (int i = 0; i < SEG_NR; i++)
		dump_segment("vmx", vmx_seg_name(i), s.seg[i].selector,
			     s.seg[i].base, s.seg[i].limit, s.seg[i].ar);
	dump_fields("vmx", f, ARRAY_SIZE(f));
}

/* entry_fault=: TR must be usable (SDM 27.3.1.2); Bochs checks it too. */
static void vmx_break_entry(struct vcpu *v)
{
	(void)v;
	vmwrite(GUEST_TR_AR_BYTES, vmread(GUEST_TR_AR_BYTES) | AR_UNUSABLE);
}

static void vmx_set_mmu(struct vcpu *v, const struct mmu_regs *guest,
			const struct mmu_regs *hw)
{
	struct vmx_vcpu *x = v->arch;
	u32 entry = vmread(VM_ENTRY_CONTROLS) & ~ENTRY_IA32E_MODE_GUEST;
	u64 fixed0 = caps.cr0_fixed0;

	/* With EPT, unrestricted guest frees PE and PG (SDM 25.6.2). */
	if (x->mmu != VCPU_NESTED && !x->ept_off)
		fixed0 &= ~(CR0_PE | CR0_PG);
	vmwrite(CR0_READ_SHADOW, guest->cr0);
	vmwrite(CR4_READ_SHADOW, guest->cr4);
	vmwrite(GUEST_CR0, (hw->cr0 | fixed0) & caps.cr0_fixed1);
	vmwrite(GUEST_CR4, (hw->cr4 | caps.cr4_fixed0) & caps.cr4_fixed1);
	vmwrite(GUEST_CR3, hw->cr3);
	vmwrite(GUEST_IA32_EFER, hw->efer);
	if (hw->efer & EFER_LMA)
		entry |= ENTRY_IA32E_MODE_GUEST;
	vmwrite(VM_ENTRY_CONTROLS, entry);
}

/*
 * Compound paging, per address space: EPT and unrestricted guest on for
 * the compound tree, off for its twin (the twin runs only under the
 * guest's IA-32e paging, where CR0.PE and PG are 1 anyway). The VPID's
 * cached translations are flushed at the switch: with EPT on the CPU
 * keeps combined mappings, with it off linear ones (SDM 29.4.1), and
 * neither kind may outlive what braid changed while the other ran.
 */
static void vmx_set_nested_paging(struct vcpu *v, bool on)
{
	struct vmx_vcpu *x = v->arch;
	const u32 ept = SECONDARY_ENABLE_EPT | SECONDARY_UNRESTRICTED_GUEST;

	if (x->ept_off == !on)
		return;
	x->ept_off = !on;
	vmwrite(SECONDARY_VM_EXEC_CONTROL, on ? caps.proc2 : caps.proc2 & ~ept);
	invvpid_single(x->vpid);
}

/*
 * External-interrupt exiting already brings the guest back at braid's
 * timer, whatever RFLAGS.IF (SDM 26.2); the preemption timer makes sure of
 * it (Bochs 2.7 does not exit on a host interrupt while the guest has
 * IF=0: docs/emulators.md). It counts down from the value written, at the
 * TSC's rate >> preempt_shift, and the exit saves what is left, so the
 * next entries go on counting (SDM 26.5.1).
 */
static void vmx_set_timer(struct vcpu *v, u64 deadline)
{
	u64 now = rdtsc(), left;

	(void)v;
	if (!caps.preempt)
		return;
	/* As braid's own timer, never closer than HOST_TIMER_MIN_US: a
	 * deadline already due would exit before the guest's first
	 * instruction, entry after entry. */
	left = MAX(deadline > now ? deadline - now : 0,
		   tsc_hz() / 1000000 * HOST_TIMER_MIN_US);
	left >>= caps.preempt_shift;
	vmwrite(VMX_PREEMPTION_TIMER_VALUE, MIN(left, 0xffffffffull));
}

/* With VPID, TLB entries survive VM entries and exits, so braid flushes
 * the vCPU's own tag (SDM 29.4.3); without VPID every entry flushes. */
static void vmx_flush_tlb(struct vcpu *v)
{
	struct vmx_vcpu *x = v->arch;

	invvpid_single(x->vpid);
	if (x->mmu == VCPU_COMPOUND)
		invept_all(); /* EPT permissions of guest tables changed */
}

static void vmx_inject_pf(struct vcpu *v, u64 cr2, u32 error)
{
	struct vmx_vcpu *x = v->arch;

	x->cr2 = cr2;
	if (this_cpu()->cr2_owner == x)
		write_cr2(cr2);
	vmx_inject_exception(v, VEC_PF, true, error);
}

static void ept_restrict(struct pt *pt)
{
	if (!(caps.ept_cap & EPT_CAP_1G_PAGES))
		pt_no_leaf_at(pt, 3);
	if (!(caps.ept_cap & EPT_CAP_2M_PAGES))
		pt_no_leaf_at(pt, 2);
}

/*
 * INVPCID runs natively under nested and compound paging: the hardware
 * CR3 carries the guest's PCID (hv/mmu.c), so a PCID the guest names is
 * the one its translations are tagged with. Under shadow paging "INVLPG
 * exiting" makes it exit (SDM 26.1.3), and hv/cr.c carries it out.
 */
static bool vmx_guest_invpcid(void)
{
	return caps.proc2 & SECONDARY_ENABLE_INVPCID;
}

const struct vendor_ops vmx_ops = {
	.name = "vmx",
	.nested_name = "EPT",
	.abi_id = BRAID_VENDOR_VMX,
	.check = vmx_check,
	.guest_invpcid = vmx_guest_invpcid,
	.cpu_enable = vmx_cpu_enable,
	.cpu_disable = vmx_cpu_disable,
	.vcpu_put = vmx_vcpu_put,
	.vcpu_arrive = vmx_vcpu_arrive,
	.nested_format = &pt_ept,
	.nested_restrict = ept_restrict,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_destroy = vmx_vcpu_destroy,
	.vcpu_reset_multiboot = vmx_vcpu_reset_multiboot,
	.vcpu_reset_sipi = vmx_vcpu_reset_sipi,
	.set_pause_exiting = vmx_set_pause_exiting,
	.set_mmu = vmx_set_mmu,
	.set_nested_paging = vmx_set_nested_paging,
	.set_timer = vmx_set_timer,
	.flush_tlb = vmx_flush_tlb,
	.flush_va = vmx_flush_va,
	/* INVVPID names a VPID and an address, never a PCID: it drops the
	 * address in all of them (SDM 31.3, "INVVPID"). */
	.flush_va_every_pcid = true,
	.inject_pf = vmx_inject_pf,
	.vcpu_run = vmx_vcpu_run,
	.get = vmx_get,
	.set = vmx_set,
	.skip_insn = vmx_skip_insn,
	.debug_trap = vmx_debug_trap,
	.get_dr7 = vmx_get_dr7,
	.set_efer = vmx_set_efer,
	.inject_exception = vmx_inject_exception,
	.irq_window_open = vmx_irq_window_open,
	.inject_irq = vmx_inject_irq,
	.want_irq_window = vmx_want_irq_window,
	.want_nmi_window = vmx_want_nmi_window,
	.inject_nmi = vmx_inject_nmi,
	.nmi_blocked = vmx_nmi_blocked,
	.set_tsc_offset = vmx_set_tsc_offset,
	.dump = vmx_dump,
	.dump_entry = vmx_dump_entry,
	.break_entry = vmx_break_entry,
};
