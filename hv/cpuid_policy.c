// SPDX-License-Identifier: MIT
/*
 * The CPUID a guest sees (bit positions: SDM Vol. 2A, CPUID; APM Vol. 3,
 * appendix E), an allow-list: of every leaf braid offers, only the bits
 * listed here pass from the host (and only where the host has them);
 * every other bit, and every other leaf, reads as 0. A deny-list would
 * hand a guest each new feature a newer CPU adds, whether braid
 * virtualizes it or not, and the guest would then reach for the MSRs
 * behind it (TME, OSVW, bus-lock detection, ...) that braid does not
 * emulate. What is listed: instruction sets that run on state braid
 * switches, the features hv/ emulates (MTRR, PAT, TSC_ADJUST, TSC-deadline,
 * RDTSCP, XSAVE with x87/SSE/AVX), and descriptions (caches, address
 * widths, brand string). Hidden in every mode so that nested, shadow and
 * compound paging present one CPU: paging features shadow paging does not
 * emulate (SMEP, SMAP, PKU, LA57); INVPCID only where the vendor code
 * makes it work in every mode (vendor_ops.guest_invpcid).
 *
 * Topology is braid's own, matching the MP table (dm/mptable.c): one
 * package of nr_vcpus cores with one thread each, the vCPU's APIC ID in
 * every leaf that names it (1, 0xB, 0x1F, 0x8000001E).
 */
#include "hv/cpuid_policy.h"
#include "arch/x86_64/cpuid.h"
#include "include/braid/abi.h"

/* The highest extended leaves braid fills (CPUID_BASIC_MAX: basic). */
#define EXT_MAX		 0x80000008u
#define EXT_MAX_TOPOEXT	 0x8000001eu
#define LEAF_TSC_CRYSTAL 0x15u
#define LEAF_FREQ	 0x16u

/* CPUID.1:ECX: instruction sets on SSE state and integer registers, and
 * PCID: CR3's process-context IDs, which every mode keeps (hv/mmu.c:
 * shadow and compound paging tag braid's roots with the guest's PCID,
 * and flush at a CR3 load unless it may keep the TLB). INVPCID is
 * offered apart (leaf 7), where the vendor code supports it; a CPU with
 * PCID and no INVPCID is one the SDM allows, and kernels flush a PCID by
 * CR3 loads there. */
#define ECX1_ALLOWED                                                         \
	(ECX1_SSE3 | ECX1_PCLMULQDQ | ECX1_SSSE3 | ECX1_CX16 | ECX1_SSE4_1 | \
	 ECX1_SSE4_2 | ECX1_MOVBE | ECX1_POPCNT | ECX1_AES | ECX1_RDRAND |   \
	 ECX1_PCID)
/* ... and those on AVX state, where braid switches it. */
#define ECX1_AVX_ALLOWED (ECX1_AVX | ECX1_FMA | ECX1_F16C)
/* CPUID.1:EDX: the base architecture braid virtualizes (the MSRs of
 * MSR, SEP, MTRR, PAT: hv/msr.c); no MCE/MCA banks, debug store, thermal
 * or ACPI MSRs, no serial number. APIC follows IA32_APIC_BASE.EN. */
#define EDX1_ALLOWED                                                         \
	(EDX1_FPU | EDX1_VME | EDX1_DE | EDX1_PSE | EDX1_TSC | EDX1_MSR |    \
	 EDX1_PAE | EDX1_CX8 | EDX1_APIC | EDX1_SEP | EDX1_MTRR | EDX1_PGE | \
	 EDX1_CMOV | EDX1_PAT | EDX1_PSE36 | EDX1_CLFSH | EDX1_MMX |         \
	 EDX1_FXSR | EDX1_SSE | EDX1_SSE2 | EDX1_SS)
/* CPUID.7.0:EBX: instructions, TSC_ADJUST (hv/msr.c), TSX (no MSR of
 * its own is offered: ARCH_CAPABILITIES is hidden), x87 behaviours. */
#define EBX7_ALLOWED                                                    \
	(EBX7_FSGSBASE | EBX7_TSC_ADJUST | EBX7_BMI1 | EBX7_HLE |       \
	 EBX7_FDP_EXCPTN_ONLY | EBX7_BMI2 | EBX7_ERMS | EBX7_RTM |      \
	 EBX7_FCS_FDS_ZERO | EBX7_RDSEED | EBX7_ADX | EBX7_CLFLUSHOPT | \
	 EBX7_CLWB | EBX7_SHA)
/* CPUID.7.0:ECX, EDX: instructions that need no MSR or new state. */
#define ECX7_ALLOWED	 (ECX7_GFNI | ECX7_CLDEMOTE | ECX7_MOVDIRI | ECX7_MOVDIR64B)
#define ECX7_AVX_ALLOWED (ECX7_VAES | ECX7_VPCLMULQDQ)
#define EDX7_ALLOWED	 (EDX7_FSRM | EDX7_SERIALIZE)
/* CPUID.80000001H: instructions; on AMD, EDX repeats leaf 1's bits 0-17
 * and 23-24 (APM Vol. 3, E.4.2), which follow leaf 1's list. No FFXSR
 * (EFER.FFXSR is not offered), OSVW, IBS, SKINIT, NodeId MSR, LWP,
 * counter extensions or SVM. */
#define ECX81_ALLOWED                                                     \
	(ECX81_LAHF_SAHF | ECX81_ABM | ECX81_SSE4A | ECX81_MISALIGN_SSE | \
	 ECX81_PREFETCHW)
#define EDX81_LEAF1_BITS 0x0183ffffu
#define EDX81_ALLOWED                                                   \
	((EDX1_ALLOWED & EDX81_LEAF1_BITS) | EDX81_SYSCALL | EDX81_NX | \
	 EDX81_MMXEXT | EDX81_PAGE1GB | EDX81_RDTSCP | EDX81_LM |       \
	 EDX81_3DNOWEXT | EDX81_3DNOW)
/* CPUID.(0xD,1):EAX: no XSAVES (IA32_XSS is not emulated). */
#define EAXD1_ALLOWED (EAXD1_XSAVEOPT | EAXD1_XSAVEC | EAXD1_XGETBV1)
#define XSAVE_LEGACY  (512u + 64u) /* legacy region and header */

static const struct cpuid_regs none;

static struct cpuid_regs host(const struct cpuid_host *h, u32 leaf, u32 sub)
{
	return h->read(h->ctx, leaf, sub);
}

/* Bits to number @n IDs: the x2APIC ID shift of a level (SDM Vol. 3A
 * 10.12.8.1 "Hierarchical Mapping of Shared Resources"). */
static u32 id_bits(u32 n)
{
	u32 b = 0;

	while ((1u << b) < n)
		b++;
	return b;
}

static bool has_avx(const struct cpuid_guest *g)
{
	return g->xcr0_offered & XCR0_AVX;
}

static struct cpuid_regs leaf1(const struct cpuid_host *h,
			       const struct cpuid_guest *g)
{
	struct cpuid_regs r = host(h, 1, 0);
	u32 ecx = r.ecx & ECX1_ALLOWED;
	u32 edx = r.edx & EDX1_ALLOWED;
	u32 ids = g->nr_vcpus > 1 ? 1u << id_bits(g->nr_vcpus) : 1;

	if (g->xcr0_offered)
		ecx |= (r.ecx & ECX1_XSAVE) | (g->osxsave ? ECX1_OSXSAVE : 0);
	if (has_avx(g))
		ecx |= r.ecx & ECX1_AVX_ALLOWED;
	/* The virtual local APIC offers TSC-deadline mode and x2APIC mode
	 * whatever the host has: its timer runs on the TSC the guest reads
	 * (dm/vlapic.c), its registers are braid's (dm/vlapic_x2apic.c). */
	r.ecx = ecx | ECX1_HYPERVISOR | ECX1_TSC_DEADLINE | ECX1_X2APIC;
	/* SDM Vol. 3A 11.4.3: APIC follows IA32_APIC_BASE.EN. */
	if (!g->apic_enabled)
		edx &= ~(u32)EDX1_APIC;
	r.edx = edx | (g->nr_vcpus > 1 ? EDX1_HTT : 0);
	r.ebx = (r.ebx & EBX1_BRAND_CLFLUSH) | ids << EBX1_LOGICAL_SHIFT |
		g->apic_id << EBX1_APIC_ID_SHIFT;
	return r;
}

/* Leaf 4 (Intel): the host's caches, each private to one thread, in a
 * package of nr_vcpus cores. */
static struct cpuid_regs cache_leaf(const struct cpuid_host *h,
				    const struct cpuid_guest *g, u32 sub)
{
	struct cpuid_regs r = host(h, 4, sub);
	u32 cores = (1u << id_bits(g->nr_vcpus)) - 1;

	if (g->amd || !(r.eax & EAX4_TYPE))
		return none;
	r.eax = (r.eax & ~EAX4_TOPOLOGY) | cores << EAX4_CORES_SHIFT;
	return r;
}

static struct cpuid_regs leaf7(const struct cpuid_host *h,
			       const struct cpuid_guest *g, u32 sub)
{
	struct cpuid_regs r = host(h, 7, 0);
	u32 ecx = r.ecx & ECX7_ALLOWED;

	if (sub != 0)
		return none;
	if (has_avx(g))
		ecx |= r.ecx & ECX7_AVX_ALLOWED;
	r.eax = 0; /* no further sub-leaves */
	r.ebx &= EBX7_ALLOWED | (has_avx(g) ? EBX7_AVX2 : 0) |
		 (g->invpcid ? EBX7_INVPCID : 0);
	r.ecx = ecx;
	r.edx &= EDX7_ALLOWED;
	return r;
}

/* Leaves 0xB and 0x1F: level 0 the thread (one), level 1 the core
 * (nr_vcpus in the package), then the invalid level; EDX the x2APIC ID
 * at every sub-leaf (SDM Vol. 2A, CPUID, leaf 0BH). */
static struct cpuid_regs topology_leaf(const struct cpuid_guest *g, u32 sub)
{
	struct cpuid_regs r = { .ecx = sub & 0xff, .edx = g->apic_id };

	if (sub == 0) {
		r.ebx = 1;
		r.ecx |= TOPO_LEVEL_SMT << 8;
	} else if (sub == 1) {
		r.eax = id_bits(g->nr_vcpus);
		r.ebx = g->nr_vcpus;
		r.ecx |= TOPO_LEVEL_CORE << 8;
	}
	return r;
}

/* Bytes of a standard-format XSAVE area holding @xcr0's components: up to
 * the end of the highest (SDM Vol. 1 13.4). */
static u32 xsave_size(const struct cpuid_host *h, u64 xcr0)
{
	u32 size = XSAVE_LEGACY;

	for (u32 i = 2; i < 64 && (xcr0 >> i); i++) {
		struct cpuid_regs c = host(h, 0xd, i);

		if (xcr0 & BIT(i))
			size = MAX(size, c.ebx + c.eax);
	}
	return size;
}

/* ... and of the compacted format: components packed in order, those
 * that ask for it 64-byte aligned (SDM Vol. 1 13.4.3). */
static u32 xsavec_size(const struct cpuid_host *h, u64 xcr0)
{
	u32 size = XSAVE_LEGACY;

	for (u32 i = 2; i < 64 && (xcr0 >> i); i++) {
		struct cpuid_regs c = host(h, 0xd, i);

		if (!(xcr0 & BIT(i)))
			continue;
		if (c.ecx & ECXDN_ALIGN64)
			size = (size + 63) & ~63u;
		size += c.eax;
	}
	return size;
}

/* Leaf 0xD for the components braid offers (SDM Vol. 2A, CPUID, leaf 0DH):
 * sub-leaf 0 the offered set and the sizes for the guest's XCR0 and for
 * all of it; 1 the XSAVE variants braid allows; n component n, if
 * offered. */
static struct cpuid_regs xsave_leaf(const struct cpuid_host *h,
				    const struct cpuid_guest *g, u32 sub)
{
	u64 offered = g->xcr0_offered, xcr0 = g->xcr0 & offered;
	struct cpuid_regs r = host(h, 0xd, sub);

	if (sub == 0 && offered)
		return (struct cpuid_regs){ r.eax & (u32)offered,
					    xsave_size(h, xcr0),
					    xsave_size(h, offered), 0 };
	/* EBX, the compacted size, where the CPU reports one (XSAVEC). */
	if (sub == 1 && offered)
		return (struct cpuid_regs){
			r.eax & EAXD1_ALLOWED,
			r.eax & EAXD1_XSAVEC ? xsavec_size(h, xcr0) : 0, 0, 0
		};
	if (sub < 2 || sub > 63 || !(offered & BIT(sub)))
		return none;
	return (struct cpuid_regs){ r.eax, r.ebx, r.ecx & ECXDN_ALIGN64, 0 };
}

/* The TSC frequency leaves, so that a guest need not time the PIT: 0x15
 * as a 1:1 ratio to a "crystal" running at the TSC rate (the local APIC
 * timer braid emulates runs at that rate too), 0x16 in MHz. A TSC above
 * 4.29 GHz does not fit ECX: the crystal is then an integer fraction of
 * it, and Linux's APIC timer ticks come early (time stays right: it
 * keeps time by the TSC). */
static struct cpuid_regs tsc_leaf(const struct cpuid_guest *g, u32 leaf)
{
	u32 mhz = (u32)((g->tsc_hz + 500000) / 1000000); /* nearest */
	u32 ratio = (u32)((g->tsc_hz >> 32) + 1);

	if (leaf == LEAF_FREQ)
		return (struct cpuid_regs){ mhz, mhz, mhz, 0 };
	return (struct cpuid_regs){ 1, ratio, (u32)(g->tsc_hz / ratio), 0 };
}

/* braid's own leaves (include/braid/abi.h). */
static struct cpuid_regs braid_leaf(const struct cpuid_guest *g, u32 leaf)
{
	if (leaf == BRAID_CPUID_BASE)
		return (struct cpuid_regs){ BRAID_CPUID_INFO,
					    BRAID_CPUID_SIG_EBX,
					    BRAID_CPUID_SIG_ECX,
					    BRAID_CPUID_SIG_EDX };
	if (leaf == BRAID_CPUID_INFO)
		return (struct cpuid_regs){ BRAID_ABI_VERSION, g->abi_id, 0,
					    0 };
	return none;
}

static struct cpuid_regs basic_leaf(const struct cpuid_host *h,
				    const struct cpuid_guest *g, u32 leaf,
				    u32 sub)
{
	switch (leaf) {
	case 1: return leaf1(h, g);
	case 0xb:
	case 0x1f: return topology_leaf(g, sub);
	case LEAF_TSC_CRYSTAL:
	case LEAF_FREQ: return tsc_leaf(g, leaf);
	/* Only ARAT: braid's APIC timer is virtual and always runs. */
	case 6: return (struct cpuid_regs){ .eax = EAX6_ARAT };
	}
	if (leaf > host(h, 0, 0).eax)
		return none;
	switch (leaf) {
	case 2: return host(h, 2, 0); /* cache descriptors */
	case 4: return cache_leaf(h, g, sub);
	case 7: return leaf7(h, g, sub);
	case 0xd: return xsave_leaf(h, g, sub);
	default: return none; /* MONITOR, PMU, RDT, SGX, PT, ... */
	}
}

/* AMD's topology leaves exist where the host has them (TopologyExtensions,
 * CPUID.80000001H:ECX[22]). */
static bool topoext(const struct cpuid_host *h, const struct cpuid_guest *g)
{
	return g->amd && host(h, 0x80000000, 0).eax >= EXT_MAX_TOPOEXT &&
	       (host(h, 0x80000001, 0).ecx & ECX81_TOPOEXT);
}

static struct cpuid_regs ext1(const struct cpuid_host *h,
			      const struct cpuid_guest *g)
{
	struct cpuid_regs r = host(h, 0x80000001, 0);

	r.ecx &= ECX81_ALLOWED | ECX81_TOPOEXT;
	if (g->amd && g->nr_vcpus > 1) /* HTT counts cores (APM E.5.1) */
		r.ecx |= ECX81_CMP_LEGACY;
	r.edx &= EDX81_ALLOWED;
	if (!g->apic_enabled)
		r.edx &= ~(u32)EDX1_APIC;
	return r;
}

/* 0x80000008: address widths; no feature bits of EBX (IBPB, SSBD and
 * the like are MSRs); ECX the core count of the package (APM E.4.7). */
static struct cpuid_regs ext8(const struct cpuid_host *h,
			      const struct cpuid_guest *g)
{
	u32 bits = g->nr_vcpus > 1 ? id_bits(g->nr_vcpus) : 0;

	return (struct cpuid_regs){
		.eax = host(h, 0x80000008, 0).eax & EAX88_ADDR_SIZES,
		.ecx = ((g->nr_vcpus - 1) & ECX88_NC) |
		       bits << ECX88_APIC_ID_SHIFT,
	};
}

/* 0x8000001D: the host's caches, each private to one core; 0x8000001E:
 * the core is the APIC ID, one thread, node 0 of one (APM E.4.15). */
static struct cpuid_regs amd_topology(const struct cpuid_host *h,
				      const struct cpuid_guest *g, u32 leaf,
				      u32 sub)
{
	struct cpuid_regs r;

	if (leaf == 0x8000001e)
		return (struct cpuid_regs){ g->apic_id, g->apic_id & 0xff, 0,
					    0 };
	r = host(h, 0x8000001d, sub);
	r.eax &= ~EAX8D_SHARING;
	return r;
}

static struct cpuid_regs ext_leaf(const struct cpuid_host *h,
				  const struct cpuid_guest *g, u32 leaf,
				  u32 sub)
{
	bool topo = topoext(h, g);
	struct cpuid_regs r;

	switch (leaf) {
	case 0x80000000:
		r = host(h, leaf, 0);
		r.eax = topo ? EXT_MAX_TOPOEXT : EXT_MAX;
		return r;
	case 0x80000001:
		r = ext1(h, g);
		r.ecx &= topo ? ~0u : ~(u32)ECX81_TOPOEXT;
		return r;
	case 0x80000002 ... 0x80000006: /* brand string, caches, TLBs */
		return host(h, leaf, 0);
	case 0x80000007: /* the TSC runs at one rate: the host's */
		return (struct cpuid_regs){ .edx = host(h, leaf, 0).edx &
						   EDX87_INVARIANT_TSC };
	case 0x80000008: return ext8(h, g);
	case 0x8000001d:
	case 0x8000001e: return topo ? amd_topology(h, g, leaf, sub) : none;
	default: return none; /* SVM, SEV, IBS, LWP, ... */
	}
}

struct cpuid_regs cpuid_policy_leaf(const struct cpuid_host *h,
				    const struct cpuid_guest *g, u32 leaf,
				    u32 sub)
{
	if (leaf <= CPUID_BASIC_MAX)
		return basic_leaf(h, g, leaf, sub);
	if (leaf >= 0x80000000)
		return ext_leaf(h, g, leaf, sub);
	return braid_leaf(g, leaf);
}
