/* SPDX-License-Identifier: MIT */
/*
 * CPUID feature bits and fields braid reads or offers, by the manuals' names (Intel SDM
 * Vol. 2A, "CPUID"; AMD APM Vol. 3, appendix E). The policy of which a
 * guest sees is hv/cpuid.c's.
 */
#ifndef ARCH_CPUID_H
#define ARCH_CPUID_H

#include "lib/types.h"

/* CPUID.1:EBX */
#define EBX1_BRAND_CLFLUSH 0x0000ffffu /* brand index, CLFLUSH line size */
#define EBX1_LOGICAL_SHIFT 16	       /* [23:16] addressable logical IDs */
#define EBX1_APIC_ID_SHIFT 24	       /* [31:24] initial APIC ID */

/* CPUID.1:ECX */
#define ECX1_SSE3	  BIT(0)
#define ECX1_PCLMULQDQ	  BIT(1)
#define ECX1_DTES64	  BIT(2)
#define ECX1_MONITOR	  BIT(3)
#define ECX1_DS_CPL	  BIT(4)
#define ECX1_VMX	  BIT(5)
#define ECX1_SMX	  BIT(6)
#define ECX1_EST	  BIT(7)
#define ECX1_TM2	  BIT(8)
#define ECX1_SSSE3	  BIT(9)
#define ECX1_FMA	  BIT(12)
#define ECX1_CX16	  BIT(13)
#define ECX1_XTPR	  BIT(14)
#define ECX1_PDCM	  BIT(15)
#define ECX1_PCID	  BIT(17)
#define ECX1_SSE4_1	  BIT(19)
#define ECX1_SSE4_2	  BIT(20)
#define ECX1_X2APIC	  BIT(21)
#define ECX1_MOVBE	  BIT(22)
#define ECX1_POPCNT	  BIT(23)
#define ECX1_TSC_DEADLINE BIT(24)
#define ECX1_AES	  BIT(25)
#define ECX1_XSAVE	  BIT(26)
#define ECX1_OSXSAVE	  BIT(27)
#define ECX1_AVX	  BIT(28)
#define ECX1_F16C	  BIT(29)
#define ECX1_RDRAND	  BIT(30)
#define ECX1_HYPERVISOR	  BIT(31)

/* CPUID.1:EDX */
#define EDX1_FPU   BIT(0)
#define EDX1_VME   BIT(1)
#define EDX1_DE	   BIT(2)
#define EDX1_PSE   BIT(3)
#define EDX1_TSC   BIT(4)
#define EDX1_MSR   BIT(5)
#define EDX1_PAE   BIT(6)
#define EDX1_MCE   BIT(7)
#define EDX1_CX8   BIT(8)
#define EDX1_APIC  BIT(9)
#define EDX1_SEP   BIT(11)
#define EDX1_MTRR  BIT(12)
#define EDX1_PGE   BIT(13)
#define EDX1_MCA   BIT(14)
#define EDX1_CMOV  BIT(15)
#define EDX1_PAT   BIT(16)
#define EDX1_PSE36 BIT(17)
#define EDX1_CLFSH BIT(19)
#define EDX1_DS	   BIT(21)
#define EDX1_ACPI  BIT(22)
#define EDX1_MMX   BIT(23)
#define EDX1_FXSR  BIT(24)
#define EDX1_SSE   BIT(25)
#define EDX1_SSE2  BIT(26)
#define EDX1_SS	   BIT(27)
#define EDX1_HTT   BIT(28)
#define EDX1_TM	   BIT(29)
#define EDX1_PBE   BIT(31)

/* CPUID.4:EAX (deterministic cache parameters) */
#define EAX4_TYPE	   0x1fu       /* 0: no more caches */
#define EAX4_SHARING_SHIFT 14	       /* [25:14] IDs sharing it - 1 */
#define EAX4_CORES_SHIFT   26	       /* [31:26] cores in package - 1 */
#define EAX4_TOPOLOGY	   0xffffc000u /* both fields */

/* CPUID.6:EAX */
#define EAX6_ARAT BIT(2)

/* CPUID.(EAX=7,ECX=0):EBX */
#define EBX7_FSGSBASE	     BIT(0)
#define EBX7_TSC_ADJUST	     BIT(1)
#define EBX7_BMI1	     BIT(3)
#define EBX7_HLE	     BIT(4)
#define EBX7_AVX2	     BIT(5)
#define EBX7_FDP_EXCPTN_ONLY BIT(6)
#define EBX7_SMEP	     BIT(7)
#define EBX7_BMI2	     BIT(8)
#define EBX7_ERMS	     BIT(9)
#define EBX7_INVPCID	     BIT(10)
#define EBX7_RTM	     BIT(11)
#define EBX7_FCS_FDS_ZERO    BIT(13)
#define EBX7_RDSEED	     BIT(18)
#define EBX7_ADX	     BIT(19)
#define EBX7_SMAP	     BIT(20)
#define EBX7_CLFLUSHOPT	     BIT(23)
#define EBX7_CLWB	     BIT(24)
#define EBX7_SHA	     BIT(29)

/* CPUID.(EAX=7,ECX=0):ECX */
#define ECX7_UMIP	     BIT(2)
#define ECX7_PKU	     BIT(3)
#define ECX7_WAITPKG	     BIT(5)
#define ECX7_GFNI	     BIT(8)
#define ECX7_VAES	     BIT(9)
#define ECX7_VPCLMULQDQ	     BIT(10)
#define ECX7_TME_EN	     BIT(13)
#define ECX7_LA57	     BIT(16)
#define ECX7_RDPID	     BIT(22)
#define ECX7_BUS_LOCK_DETECT BIT(24)
#define ECX7_CLDEMOTE	     BIT(25)
#define ECX7_MOVDIRI	     BIT(27)
#define ECX7_MOVDIR64B	     BIT(28)

/* CPUID.(EAX=7,ECX=0):EDX */
#define EDX7_FSRM	       BIT(4)
#define EDX7_SERIALIZE	       BIT(14)
#define EDX7_ARCH_CAPABILITIES BIT(29)
#define EDX7_CORE_CAPABILITIES BIT(30)

/* CPUID.0BH and 1FH (extended topology): ECX[15:8] level type */
#define TOPO_LEVEL_SMT	1u
#define TOPO_LEVEL_CORE 2u

/* CPUID.(EAX=0DH,ECX=1):EAX */
#define EAXD1_XSAVEOPT BIT(0)
#define EAXD1_XSAVEC   BIT(1)
#define EAXD1_XGETBV1  BIT(2)
/* CPUID.(EAX=0DH,ECX=n):ECX, n > 1 */
#define ECXDN_ALIGN64 BIT(1)

/* CPUID.80000001H:ECX */
#define ECX81_LAHF_SAHF	   BIT(0)
#define ECX81_CMP_LEGACY   BIT(1)
#define ECX81_SVM	   BIT(2)
#define ECX81_ABM	   BIT(5)
#define ECX81_SSE4A	   BIT(6)
#define ECX81_MISALIGN_SSE BIT(7)
#define ECX81_PREFETCHW	   BIT(8)
#define ECX81_OSVW	   BIT(9)
#define ECX81_NODEID_MSR   BIT(19)
#define ECX81_TOPOEXT	   BIT(22)

/* CPUID.80000001H:EDX: bits 0-17 and 23-24 are leaf 1's on AMD */
#define EDX81_SYSCALL  BIT(11)
#define EDX81_NX       BIT(20)
#define EDX81_MMXEXT   BIT(22)
#define EDX81_PAGE1GB  BIT(26)
#define EDX81_RDTSCP   BIT(27)
#define EDX81_LM       BIT(29)
#define EDX81_3DNOWEXT BIT(30)
#define EDX81_3DNOW    BIT(31)

/* CPUID.80000007H:EDX */
#define EDX87_INVARIANT_TSC BIT(8)

/* CPUID.80000008H */
#define EAX88_PHYS_BITS	    0xffu   /* [7:0] MAXPHYADDR */
#define EAX88_ADDR_SIZES    0xffffu /* [15:8] linear-address width too */
#define ECX88_NC	    0xffu   /* [7:0] cores in package - 1 */
#define ECX88_APIC_ID_SHIFT 12	    /* [15:12] APIC ID bits for cores */

/* CPUID.8000001DH:EAX (AMD cache topology, as leaf 4) */
#define EAX8D_SHARING 0x03ffc000u /* [25:14] logical processors - 1 */

#endif
