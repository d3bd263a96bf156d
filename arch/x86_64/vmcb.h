/* SPDX-License-Identifier: MIT */
/*
 * The AMD Virtual Machine Control Block (APM Vol. 2 appendix B, "Layout of
 * VMCB"): a 1 KiB control area followed by the state-save area. Offsets are
 * checked at compile time.
 */
#ifndef ARCH_VMCB_H
#define ARCH_VMCB_H

#include <stddef.h>

#include "lib/types.h"

struct vmcb_seg {
	u16 selector;
	u16 attrib; /* descriptor bits 47:40 and 55:52, packed (APM 15.5.1) */
	u32 limit;
	u64 base;
} __attribute__((packed));

struct vmcb_control {
	u16 intercept_cr_read;	  /* 0x000 */
	u16 intercept_cr_write;	  /* 0x002 */
	u16 intercept_dr_read;	  /* 0x004 */
	u16 intercept_dr_write;	  /* 0x006 */
	u32 intercept_exceptions; /* 0x008 */
	u32 intercept_misc1;	  /* 0x00c: INTERCEPT_* below */
	u32 intercept_misc2;	  /* 0x010: INTERCEPT2_* below */
	u32 intercept_misc3;	  /* 0x014 */
	u8 reserved1[0x03c - 0x018];
	u16 pause_filter_threshold; /* 0x03c */
	u16 pause_filter_count;	    /* 0x03e */
	u64 iopm_base_pa;	    /* 0x040 */
	u64 msrpm_base_pa;	    /* 0x048 */
	u64 tsc_offset;		    /* 0x050 */
	u32 guest_asid;		    /* 0x058 */
	u8 tlb_control;		    /* 0x05c */
	u8 reserved2[3];
	u64 vintr;	      /* 0x060: V_TPR, V_IRQ, ... */
	u64 interrupt_shadow; /* 0x068 */
	u64 exitcode;	      /* 0x070 */
	u64 exitinfo1;	      /* 0x078 */
	u64 exitinfo2;	      /* 0x080 */
	u64 exitintinfo;      /* 0x088 */
	u64 nested_ctl;	      /* 0x090: bit 0 NP_ENABLE */
	u64 avic_apic_bar;    /* 0x098 */
	u64 ghcb_pa;	      /* 0x0a0 */
	u64 eventinj;	      /* 0x0a8 */
	u64 n_cr3;	      /* 0x0b0 */
	u64 virt_ext;	      /* 0x0b8 */
	u32 clean_bits;	      /* 0x0c0 */
	u32 reserved3;
	u64 next_rip; /* 0x0c8: with NRIP save */
	u8 insn_len;  /* 0x0d0: with decode assists */
	u8 insn_bytes[15];
	u8 reserved4[0x400 - 0x0e0];
} __attribute__((packed));

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs; /* 0x400 */
	struct vmcb_seg gdtr, ldtr, idtr, tr;	/* 0x460 */
	u8 reserved1[0x4cb - 0x4a0];
	u8 cpl; /* 0x4cb */
	u32 reserved2;
	u64 efer; /* 0x4d0 */
	u8 reserved3[0x548 - 0x4d8];
	u64 cr4;    /* 0x548 */
	u64 cr3;    /* 0x550 */
	u64 cr0;    /* 0x558 */
	u64 dr7;    /* 0x560 */
	u64 dr6;    /* 0x568 */
	u64 rflags; /* 0x570 */
	u64 rip;    /* 0x578 */
	u8 reserved4[0x5d8 - 0x580];
	u64 rsp;				     /* 0x5d8 */
	u64 s_cet, ssp, isst_addr;		     /* 0x5e0 */
	u64 rax;				     /* 0x5f8 */
	u64 star, lstar, cstar, sfmask;		     /* 0x600 */
	u64 kernel_gs_base;			     /* 0x620 */
	u64 sysenter_cs, sysenter_esp, sysenter_eip; /* 0x628 */
	u64 cr2;				     /* 0x640 */
	u8 reserved5[0x668 - 0x648];
	u64 g_pat;  /* 0x668 */
	u64 dbgctl; /* 0x670 */
} __attribute__((packed));

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
} __attribute__((packed));

_Static_assert(sizeof(struct vmcb_control) == 0x400, "VMCB control area");
_Static_assert(offsetof(struct vmcb_control, exitcode) == 0x70, "EXITCODE");
_Static_assert(offsetof(struct vmcb_control, n_cr3) == 0xb0, "N_CR3");
_Static_assert(offsetof(struct vmcb_control, next_rip) == 0xc8, "nRIP");
_Static_assert(offsetof(struct vmcb, save.efer) == 0x4d0, "EFER");
_Static_assert(offsetof(struct vmcb, save.cr4) == 0x548, "CR4");
_Static_assert(offsetof(struct vmcb, save.rsp) == 0x5d8, "RSP");
_Static_assert(offsetof(struct vmcb, save.rax) == 0x5f8, "RAX");
_Static_assert(offsetof(struct vmcb, save.cr2) == 0x640, "CR2");
_Static_assert(offsetof(struct vmcb, save.g_pat) == 0x668, "G_PAT");

/* Intercept vector at 0x00c (APM table B-1) */
#define INTERCEPT_INTR	    BIT(0)
#define INTERCEPT_NMI	    BIT(1)
#define INTERCEPT_VINTR	    BIT(4)
#define INTERCEPT_IRET	    BIT(20)
#define INTERCEPT_RDPMC	    BIT(15)
#define INTERCEPT_CPUID	    BIT(18)
#define INTERCEPT_INVD	    BIT(22)
#define INTERCEPT_PAUSE	    BIT(23)
#define INTERCEPT_HLT	    BIT(24)
#define INTERCEPT_INVLPG    BIT(25)
#define INTERCEPT_INVLPGA   BIT(26)
#define INTERCEPT_IOIO_PROT BIT(27)
#define INTERCEPT_MSR_PROT  BIT(28)
#define INTERCEPT_SHUTDOWN  BIT(31)
/* Intercept vector at 0x010 */
#define INTERCEPT2_VMRUN   BIT(0)
#define INTERCEPT2_VMMCALL BIT(1)
#define INTERCEPT2_VMLOAD  BIT(2)
#define INTERCEPT2_VMSAVE  BIT(3)
#define INTERCEPT2_STGI	   BIT(4)
#define INTERCEPT2_CLGI	   BIT(5)
#define INTERCEPT2_SKINIT  BIT(6)
#define INTERCEPT2_WBINVD  BIT(9)
#define INTERCEPT2_MONITOR BIT(10)
#define INTERCEPT2_MWAIT   BIT(11) /* unconditionally */
#define INTERCEPT2_XSETBV  BIT(13)

/* VMCB clean bits (APM 15.15.3): set = "unchanged since the last VMRUN,
 * the CPU may use its cached copy". */
#define VMCB_CLEAN_INTERCEPTS BIT(0)
#define VMCB_CLEAN_TPR	      BIT(3) /* V_TPR, V_IRQ, ... V_INTR_MASKING */
#define VMCB_CLEAN_NP	      BIT(4) /* nested control, N_CR3, G_PAT */
#define VMCB_CLEAN_CRX	      BIT(5) /* CR0, CR3, CR4, EFER */
#define VMCB_CLEAN_DR	      BIT(6) /* DR6, DR7 */
#define VMCB_CLEAN_CR2	      BIT(9)
#define VMCB_CLEAN_ALL	      0xfffu

#define NESTED_CTL_NP_ENABLE   BIT(0)
#define TLB_CONTROL_FLUSH_ALL  1
#define TLB_CONTROL_FLUSH_ASID 3

/* EVENTINJ (APM 15.20) */
#define EVENTINJ_VALID		BIT(31)
#define EVENTINJ_EV		BIT(11) /* push an error code */
#define EVENTINJ_TYPE_MASK	(7u << 8)
#define EVENTINJ_TYPE_INTR	(0u << 8)
#define EVENTINJ_TYPE_NMI	(2u << 8)
#define EVENTINJ_TYPE_EXCEPTION (3u << 8)
#define EVENTINJ_TYPE_SOFT_INTR (4u << 8) /* INTn */

/* VINTR at 0x060 (APM 15.21) */
#define V_IRQ		    BIT(8)
#define V_INTR_PRIO_MAX	    (0xfull << 16)
#define V_IGN_TPR	    BIT(20)
#define V_INTR_MASKING	    BIT(24)
#define V_INTR_VECTOR_SHIFT 32	   /* V_INTR_VECTOR, bits 39:32 */
#define INTERRUPT_SHADOW    BIT(0) /* at 0x068 */

/* Exit codes (APM appendix C) */
enum svm_exit_code {
	SVM_EXIT_CR0_READ = 0x000,  /* + n: read of CRn */
	SVM_EXIT_CR0_WRITE = 0x010, /* + n: write of CRn */
	SVM_EXIT_CR15_WRITE = 0x01f,
	SVM_EXIT_EXCP_BASE = 0x040,
	SVM_EXIT_INTR = 0x060,
	SVM_EXIT_NMI = 0x061,
	SVM_EXIT_VINTR = 0x064,
	SVM_EXIT_IRET = 0x074,
	SVM_EXIT_RDPMC = 0x06f,
	SVM_EXIT_CPUID = 0x072,
	SVM_EXIT_INVD = 0x076,
	SVM_EXIT_PAUSE = 0x077,
	SVM_EXIT_HLT = 0x078,
	SVM_EXIT_INVLPG = 0x079,
	SVM_EXIT_INVLPGA = 0x07a,
	SVM_EXIT_IOIO = 0x07b,
	SVM_EXIT_MSR = 0x07c,
	SVM_EXIT_SHUTDOWN = 0x07f,
	SVM_EXIT_VMRUN = 0x080,
	SVM_EXIT_VMMCALL = 0x081,
	SVM_EXIT_VMLOAD = 0x082,
	SVM_EXIT_VMSAVE = 0x083,
	SVM_EXIT_STGI = 0x084,
	SVM_EXIT_CLGI = 0x085,
	SVM_EXIT_SKINIT = 0x086,
	SVM_EXIT_WBINVD = 0x089,
	SVM_EXIT_MONITOR = 0x08a,
	SVM_EXIT_MWAIT = 0x08b,
	SVM_EXIT_XSETBV = 0x08d,
	SVM_EXIT_NPF = 0x400,
	SVM_EXIT_INVALID = 0xffffffff, /* TCG writes only 32 bits of -1 */
};

/* IOIO EXITINFO1 (APM 15.10.2) */
#define IOIO_TYPE_IN BIT(0)
#define IOIO_STR     BIT(2)
#define IOIO_SZ8     BIT(4)
#define IOIO_SZ16    BIT(5)
#define IOIO_SZ32    BIT(6)

/* NPF EXITINFO1, a #PF-style error code (APM 15.25.6) */
#define NPF_P	       BIT(0)
#define NPF_RW	       BIT(1)
#define NPF_ID	       BIT(4)
#define NPF_GUEST_WALK BIT(33) /* during the walk of guest tables */

/* CPUID 0x8000000A:EDX, the SVM feature bits (APM vol. 3, CPUID) */
#define SVM_FEATURE_NP		   BIT(0)
#define SVM_FEATURE_NRIPS	   BIT(3)
#define SVM_FEATURE_VMCB_CLEAN	   BIT(5)
#define SVM_FEATURE_FLUSH_ASID	   BIT(6)
#define SVM_FEATURE_DECODE_ASSISTS BIT(7)

#define SVM_IOPM_SIZE  (3 * 4096)
#define SVM_MSRPM_SIZE (2 * 4096)

#endif
