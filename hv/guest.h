/* SPDX-License-Identifier: MIT */
/*
 * A guest: its configuration, its RAM, its nested page table, its vCPU,
 * its virtual devices and its counters. Nothing in here is shared with
 * another guest; a guest touches only its own struct guest.
 */
#ifndef HV_GUEST_H
#define HV_GUEST_H

#include "boot/bootinfo.h"
#include "dm/uart.h"
#include "hv/console.h"
#include "arch/x86_64/vcpu.h"
#include "hv/vplat.h"
#include "include/braid/abi.h"
#include "insn/decode.h"
#include "loader/target.h"
#include "lib/types.h"
#include "lib/spinlock.h"
#include "arch/x86_64/vendor.h"
#include "mm/paging.h"
#include "mm/compound.h"
#include "mm/guest_mem.h"
#include "mm/shadow.h"

#define GUEST_NAME_MAX 32
#define GUEST_CMDLINE_MAX \
	4097 /* longer than any kernel takes: the kernel's limit decides */
#define GUEST_MEM_DEFAULT      MiB(32)
#define GUEST_TIME_DEFAULT     600 /* s of CPU time for a multiboot guest (time=) */
#define GUEST_MEM_MIN	       MiB(2)
#define CLASSIFY_LINES_DEFAULT 400

enum paging_mode { PAGING_NESTED, PAGING_SHADOW, PAGING_COMPOUND };

/* entry_fault= (ENTRY_CHECK builds only, for tests): break the guest
 * state before the first entry, for braid's checker or the CPU to find. */
enum entry_fault { ENTRY_FAULT_NONE, ENTRY_FAULT_CHECK, ENTRY_FAULT_CPU };

struct guest_config {
	char name[GUEST_NAME_MAX];
	u64 mem; /* bytes, a multiple of GUEST_CHUNK */
	enum paging_mode paging;
	u32 shadow_pool; /* paging=shadow|compound: table pages */
	bool no_large;	 /* shadow/compound trees: 4 KiB leaves only */
	struct compound_knobs knobs; /* paging=compound: the policy */
	u64 trace;	   /* print the classification every this many exits */
	u64 timeout;	   /* seconds the guest may run (0: no limit) */
	u64 cpu_time;	   /* time=: seconds of CPU time it may use (0: none) */
	bool cpu_time_set; /* time= was given (else a default by kind) */
	bool raw_console;  /* COM1 bytes go to the host console unchanged */
	bool restart_on_reset; /* on_reset=restart: a reset starts it again */
	bool stop_unbacked;    /* unbacked=stop: no floating bus */
	u32 dump_lines; /* region lines per classification dump; 0: all */
	enum entry_fault entry_fault;
	u64 cpus;	 /* cpus=: the CPUs it may run on (0: any) */
	unsigned weight; /* weight=: its share of a busy CPU (default 1) */
	unsigned vcpus;	 /* vcpus=: CPUs of its machine (default 1) */
	char cmdline[GUEST_CMDLINE_MAX]; /* what the guest's kernel gets */
	bool dashdash; /* the line had "--": cmdline is only what followed */
};

enum guest_state {
	GUEST_CREATED,
	GUEST_RUNNING,
	GUEST_EXITED,  /* the guest reported a result and ended */
	GUEST_STOPPED, /* braid stopped it: it misbehaved */
	GUEST_RESET,   /* it reset its machine, and is to start again */
};

/*
 * The path an exit took through braid, finer than the exit reason: a #PF
 * exit may fill a shadow entry, be reflected, or emulate a page-table
 * store. handle_exit() sets it from the reason; the handlers refine it
 * (stats_path()). hv/run.c charges each path braid's TSC ticks from the
 * VM exit to the next VM entry, which under Bochs are instructions.
 */
enum exit_path {
	PATH_CPUID,
	PATH_IO,
	PATH_MSR,
	PATH_HYPERCALL,
	PATH_HLT,
	PATH_PF_FILL,	 /* a hidden #PF: braid filled its own entry */
	PATH_PF_REFLECT, /* a #PF braid handed to the guest */
	PATH_PT_WRITE,	 /* a guest page-table store, emulated */
	PATH_CR3,	 /* MOV to CR3 under shadow or compound paging */
	PATH_CR,	 /* other control-register accesses */
	PATH_INVLPG,
	PATH_NPF, /* EPT violation / NPF braid resolved itself */
	PATH_MMIO,
	PATH_INTR,
	PATH_IRQ_WINDOW,
	PATH_OTHER,
	PATH_NR
};

struct path_stats {
	u64 n, tsc, max;
};

/* What a guest can make braid report again and again (guest_report()). */
enum guest_report {
	REPORT_MSR,	 /* an MSR access refused with #GP */
	REPORT_PORT,	 /* a port nothing answers */
	REPORT_MMIO,	 /* an odd-sized device-memory access ignored */
	REPORT_UNBACKED, /* an access where it has no memory */
	REPORT_PT_DATA,	 /* a page table written as data (a stack, say) */
	REPORT_NR
};
#define GUEST_REPORTS_MAX 8 /* lines per reason; the rest only counted */

struct guest_stats {
	u64 exits[EXIT_NR];
	u64 exits_total;
	u64 hv_tsc;    /* TSC ticks from each VM exit to the next entry */
	u64 guest_tsc; /* TSC ticks from VM entry to VM exit */
	u64 idle_tsc;  /* TSC ticks the guest sat in HLT (within hv_tsc) */
	u64 irqs;      /* interrupts injected */
	u64 mmio;      /* device-memory accesses emulated */
	u64 unbacked;  /* accesses where it has no memory (unbacked=float) */
	u64 ipis_sent; /* ICR writes that sent an IPI (hv/ipi.c) */
	u64 ipis_delivered; /* ... and arrivals at other vCPUs' APICs */
	/* SMP shadow and compound trees (hv/mmu_sync.c): */
	u64 mmu_lock_waits;	 /* the MMU lock was held by another vCPU */
	u64 mmu_lock_wait_tsc;	 /* ... TSC ticks spent waiting for it */
	u64 shootdown_wait_tsc;	 /* TSC ticks waiting for targets to exit */
	u64 entry_retries;	 /* a shootdown came between the last checks */
	u64 shootdowns_sent;	 /* other vCPUs made to leave guest mode */
	u64 shootdowns_received; /* ... this one, by another */
	u64 reclassified;	 /* compound regions it caused to change kind */
	u32 reports[REPORT_NR];	 /* reports made, by reason */
	u64 suppressed[REPORT_NR]; /* ... and not printed */
	struct path_stats path[PATH_NR];
};

/* Exits a vCPU remembers for the report when its guest stops. */
#define GUEST_RECENT_EXITS 16

/* The most vCPUs a guest may have (vcpus=). */
#define GUEST_VCPUS_MAX 8 /* options.c says so in its hint */

/*
 * One CPU of a guest's machine. `vcpu` is what the vendor code sees (the
 * registers, the VMCS or VMCB: arch/x86_64/vcpu.h); around it is what
 * braid keeps per CPU of the machine it emulates: the control registers
 * shadow paging tracks, the exit being handled, the decoded-instruction
 * memo, the local APIC and the counters. Only the CPU running the vCPU
 * touches these, except its local APIC (under the guest's platform lock).
 */
struct gcpu {
	struct vcpu vcpu;
	unsigned index;	     /* 0: the bootstrap CPU; also its APIC ID */
	struct mmu_regs gcr; /* the guest's CR0, CR3, CR4, EFER */
	bool paged;	     /* guest CR0.PG */
	phys_t hw_cr3;	     /* the root the hardware CR3 holds (and a PCID) */
	bool on_twin;	     /* compound: EPT/NPT off, on the twin */
	u64 twin_since;	     /* ... since this guest_tsc */
	u64 loop_addr, loop_rip, loop_count; /* see fault_loop() */
	/* Its last exits, by the vendor's own code (SVM exit code, VMX
	 * basic exit reason), for the report when it stops: a ring. */
	u32 recent[GUEST_RECENT_EXITS];
	unsigned recent_n;
	enum exit_path path;	   /* of the exit being handled */
	struct x86_memo insn_memo; /* its instructions braid decoded lately */
	struct guest_stats stats;  /* its exits; summed in the stats line */
	struct vlapic lapic;
	/* Its place in the guest's shared tree (hv/mmu_sync.c): its root
	 * while it holds no MMU lock (pinned), the lock's depth, the TLB
	 * generation it flushed for, whether it is in guest mode and on
	 * which CPU, and a flush of its own to make before it enters. */
	u32 sroot;
	u16 sroot_gen;
	u64 sroot_gfn;
	unsigned mmu_depth;
	u64 tlb_seen;
	bool in_guest;
	unsigned guest_cpu;
	bool flush_pending;
	u64 reclass_mark;
	/* The last full pass left nothing to inject and braid's timer set
	 * for next_due: see vplat_before_entry(). */
	bool settled;
	u64 next_due;
	/* An interrupt to deliver again, vector + 1 (0: none); see
	 * vplat_requeue(). */
	u16 requeued;
	/* Start-up (hv/ipi.c): an AP waits for a SIPI after power-on and
	 * after an INIT, as on a PC (SDM Vol. 3A 9.4). Set by other vCPUs
	 * under the platform lock; acted on by this vCPU's CPU. */
	bool wait_sipi;	   /* in wait-for-SIPI: it runs nothing */
	bool init_pending; /* an INIT arrived while it ran */
	bool sipi_pending; /* a SIPI arrived while it waited */
	u8 sipi_vector;
};

static inline struct gcpu *gcpu(struct vcpu *v)
{
	return container_of(v, struct gcpu, vcpu);
}

struct guest {
	unsigned id;
	struct guest_config cfg;
	struct guest_mem ram; /* cfg.mem bytes from guest-physical 0 */
	struct pt nested;     /* guest-physical -> host-physical (EPT/NPT) */
	/* paging=shadow: see hv/mmu.c */
	struct shadow shadow;	  /* also the compound tree */
	struct compound compound; /* paging=compound: the policy's state */
	u64 unbacked_page; /* the last unbacked page reported (hv/mmio.c) */
	u64 next_trace;	   /* exit count of the next classification trace */
	u64 run_deadline;  /* host TSC at which timeout= stops it; ~0: none */
	u64 cpu_budget;	   /* TSC ticks of CPU time time= allows; 0: none */
	unsigned nr_cpus;  /* vcpus= */
	unsigned live;	   /* vCPUs the scheduler holds (hv/sched.c) */
	/* Shadow or compound with vcpus>1 (hv/mmu_sync.c): the MMU lock,
	 * the vCPU holding it, and the TLB generation shootdowns bump. */
	struct spinlock mmu_lock;
	struct vcpu *mmu_holder;
	u64 tlb_gen;
	struct gcpu cpus[GUEST_VCPUS_MAX];
	/* The devices its vCPUs share (struct vplat, the UART, the local
	 * APICs as IPIs reach them): every access from an exit handler. */
	struct spinlock plat_lock;
	struct vuart uart;
	struct console_line console; /* its output, line by line */
	struct vplat plat;	     /* PIC, PIT, RTC...: see hv/vplat.h */
	struct guest_stats stats;    /* what is not per vCPU: reports */
	enum guest_state state;
	u32 result; /* GUEST_EXITED: the value it reported */
};

/* The bootstrap vCPU: the one a loader sets up, and the one a guest with
 * one vCPU has. */
static inline struct vcpu *guest_bsp(struct guest *g)
{
	return &g->cpus[0].vcpu;
}

/* The compound policy's clock: guest time, as the bootstrap vCPU has run
 * it (one clock for the guest-wide policy, and it only moves forward). */
static inline u64 guest_policy_time(const struct guest *g)
{
	return g->cpus[0].stats.guest_tsc;
}

/* Its exits so far, on all its vCPUs: the time stamp of its dumps. */
static inline u64 guest_exits_total(const struct guest *g)
{
	u64 n = 0;

	for (unsigned i = 0; i < g->nr_cpus; i++)
		n += g->cpus[i].stats.exits_total;
	return n;
}

/* Allocate RAM, the tables and the vCPU, load nothing. On failure (-ENOMEM
 * when memory is short), @why says what was missing; nothing is printed. */
int guest_create(struct guest *g, const struct guest_config *cfg, char *why,
		 size_t len);
void guest_destroy(struct guest *g);

/* The guest's RAM (mm/guest_mem.h): a host pointer to [gpa, gpa+len) if
 * it lies in one chunk, else NULL; copies that fail with -EFAULT if any
 * byte lies outside it. */
static inline void *guest_ptr(struct guest *g, gpa_t gpa, u64 len)
{
	return guest_mem_ptr(&g->ram, gpa, len);
}

static inline int guest_write(struct guest *g, gpa_t gpa, const void *src,
			      u64 len)
{
	return guest_mem_write(&g->ram, gpa, src, len);
}

static inline int guest_read(struct guest *g, gpa_t gpa, void *dst, u64 len)
{
	return guest_mem_read(&g->ram, gpa, dst, len);
}

/* Put its vCPU in the entry state a loader chose (loader/target.h). */
void guest_reset(struct guest *g, const struct boot_entry *e);
/* End the guest: it reported @result. */
void guest_exit(struct guest *g, u32 result);
/* Stop the guest if its timeout= has passed or its time= is used up. */
void guest_check_time(struct guest *g);
/* The host TSC by which braid must call guest_check_time() again if the
 * guest keeps running: never more than a second away, so that braid's
 * timer is never off while a guest runs. */
u64 guest_time_due(const struct guest *g, u64 now);
/* The guest reset its machine through @how (a port): it stops with reason
 * "reset", or with on_reset=restart is started again (hv/main.c). */
void guest_machine_reset(struct guest *g, const char *how);
/* The guest turned its machine off through @how: it ends as stopped,
 * having reported no result, with one line saying so and no register
 * dump (it did not misbehave). */
void guest_power_off(struct guest *g, const char *how);

/* Stop a misbehaving guest with a one-line report naming the reason and
 * its RIP. */
void guest_stop(struct guest *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A line about something the guest did that it may do without end: the
 * first GUEST_REPORTS_MAX per reason are printed, the rest counted in
 * the stats line, so that no guest can flood braid's console. */
void guest_report(struct guest *g, enum guest_report why, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define guest_info(g, fmt, ...) \
	kprintf("braid: guest %s: " fmt "\n", (g)->cfg.name, ##__VA_ARGS__)
#define guest_err(g, fmt, ...)                                      \
	kprintf("braid: guest %s: error: " fmt "\n", (g)->cfg.name, \
		##__VA_ARGS__)

const char *paging_mode_name(enum paging_mode m);

#endif
