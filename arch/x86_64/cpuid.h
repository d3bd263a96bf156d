/* SPDX-License-Identifier: MIT */
/*
 * CPUID feature bits braid reads or hides, by the manuals' names (Intel SDM
 * Vol. 2A, "CPUID"; AMD APM Vol. 3, appendix E). The policy of which a
 * guest sees is hv/cpuid.c's.
 */
#ifndef ARCH_CPUID_H
#define ARCH_CPUID_H

#include "lib/types.h"

/* CPUID.1:ECX */
#define ECX1_DTES64	  BIT(2)
#define ECX1_MONITOR	  BIT(3)
#define ECX1_DS_CPL	  BIT(4)
#define ECX1_VMX	  BIT(5)
#define ECX1_SMX	  BIT(6)
#define ECX1_EST	  BIT(7)
#define ECX1_TM2	  BIT(8)
#define ECX1_XTPR	  BIT(14)
#define ECX1_PDCM	  BIT(15)
#define ECX1_PCID	  BIT(17)
#define ECX1_X2APIC	  BIT(21)
#define ECX1_TSC_DEADLINE BIT(24)
#define ECX1_XSAVE	  BIT(26)
#define ECX1_OSXSAVE	  BIT(27)
#define ECX1_AVX	  BIT(28)
#define ECX1_HYPERVISOR	  BIT(31)

/* CPUID.1:EDX */
#define EDX1_VME  BIT(1)
#define EDX1_DE	  BIT(2)
#define EDX1_PSE  BIT(3)
#define EDX1_TSC  BIT(4)
#define EDX1_PAE  BIT(6)
#define EDX1_APIC BIT(9)
#define EDX1_MCE  BIT(7)
#define EDX1_PGE  BIT(13)
#define EDX1_MCA  BIT(14)
#define EDX1_DS	  BIT(21)
#define EDX1_ACPI BIT(22)
#define EDX1_FXSR BIT(24)
#define EDX1_SSE  BIT(25)
#define EDX1_HTT  BIT(28)
#define EDX1_TM	  BIT(29)
#define EDX1_PBE  BIT(31)

/* CPUID.6:EAX */
#define EAX6_ARAT BIT(2)

/* CPUID.(EAX=7,ECX=0):EBX */
#define EBX7_FSGSBASE BIT(0)
#define EBX7_SMEP     BIT(7)
#define EBX7_SMAP     BIT(20)

/* CPUID.(EAX=7,ECX=0):ECX */
#define ECX7_UMIP    BIT(2)
#define ECX7_PKU     BIT(3)
#define ECX7_WAITPKG BIT(5)
#define ECX7_LA57    BIT(16)
#define ECX7_RDPID   BIT(22)

/* CPUID.80000001H:ECX */
#define ECX81_SVM BIT(2)

/* CPUID.80000001H:EDX */
#define EDX81_RDTSCP  BIT(27)
#define EDX81_NX      BIT(20)
#define EDX81_PAGE1GB BIT(26)

/* CPUID.80000008H:EAX[7:0]: physical-address width (MAXPHYADDR) */
#define EAX88_PHYS_BITS 0xffu

#endif
