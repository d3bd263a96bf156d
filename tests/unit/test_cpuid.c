// SPDX-License-Identifier: MIT
/*
 * hv/cpuid_policy.c: what a guest sees of CPUID, fed with recorded dumps
 * of real CPUs (tests/unit/cpuid/, one leaf per line, sources in each
 * file's header).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/cpuid.h"
#include "hv/cpuid_policy.h"
#include "include/braid/abi.h"
#include "tests/unit/unit.h"

#define MAX_ENTRIES 256

struct dump {
	const char *file;
	unsigned n;
	struct entry {
		u32 leaf, sub;
		struct cpuid_regs r;
	} e[MAX_ENTRIES];
};

static struct dump dumps[] = {
	{ .file = "alder-lake-i9-12900k.txt" },
	{ .file = "ice-lake-xeon-d-1718t.txt" },
	{ .file = "ryzen-9-5950x.txt" },
};

static void load(struct dump *d)
{
	char path[512], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/cpuid/%s", UNIT_DIR, d->file);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		struct entry *e = &d->e[d->n];

		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_true(d->n < MAX_ENTRIES);
		assert_int_equal(sscanf(line, "%x %x %x %x %x %x", &e->leaf,
					&e->sub, &e->r.eax, &e->r.ebx,
					&e->r.ecx, &e->r.edx),
				 6);
		d->n++;
	}
	fclose(f);
	assert_true(d->n > 40);
}

/* A CPU answers leaves it does not list with zeros, as the dumps do. */
static struct cpuid_regs dump_read(void *ctx, u32 leaf, u32 sub)
{
	const struct dump *d = ctx;

	for (unsigned i = 0; i < d->n; i++)
		if (d->e[i].leaf == leaf && d->e[i].sub == sub)
			return d->e[i].r;
	return (struct cpuid_regs){ 0 };
}

static struct cpuid_host host_of(struct dump *d)
{
	return (struct cpuid_host){ dump_read, d };
}

/* As braid boots on that CPU: AMD's layout for "AuthenticAMD"; XSAVE with
 * x87, SSE and AVX (arch/x86_64/cpu_state.c). */
static struct cpuid_guest guest_on(struct dump *d)
{
	struct cpuid_regs v = dump_read(d, 0, 0);

	return (struct cpuid_guest){
		.amd = v.ebx == 0x68747541, /* "Auth" */
		.apic_enabled = true,
		.osxsave = true,
		.xcr0 = XCR0_X87 | XCR0_SSE | XCR0_AVX,
		.xcr0_offered = dump_read(d, 0xd, 0).eax & 7,
		.apic_id = 0,
		.nr_vcpus = 1,
		.tsc_hz = 3000000000ull,
		.abi_id = BRAID_VENDOR_VMX,
	};
}

static struct dump *cur;
static struct cpuid_host h;
static struct cpuid_guest g;

static struct cpuid_regs ask(u32 leaf, u32 sub)
{
	return cpuid_policy(&h, &g, leaf, sub);
}

static struct cpuid_regs raw(u32 leaf, u32 sub)
{
	return dump_read(cur, leaf, sub);
}

static int setup(void **state)
{
	static unsigned next;

	(void)state;
	cur = &dumps[next++ % ARRAY_SIZE(dumps)];
	if (!cur->n)
		load(cur);
	h = host_of(cur);
	g = guest_on(cur);
	return 0;
}

static void check_hidden(void)
{
	/* VMX, SMX, MONITOR, PDCM, DTES64, EST, TM2, xTPR, SDBG
	 * (IA32_DEBUG_INTERFACE), DCA; MCE, MCA, HTT, DS, ACPI, TM. */
	assert_int_equal(ask(1, 0).ecx & (0x0004cdfcu), 0);
	/* PCID where the host has it. */
	assert_int_equal(ask(1, 0).ecx & BIT(17), raw(1, 0).ecx & BIT(17));
	/* x2APIC and TSC-deadline: the virtual local APIC's, always. */
	assert_int_equal(ask(1, 0).ecx & (BIT(21) | BIT(24)),
			 BIT(21) | BIT(24));
	assert_int_equal(ask(1, 0).edx & 0xb0604080u, 0);
	/* TME, bus-lock detection, PKU, LA57, WAITPKG, RDPID, KeyLocker,
	 * CET, ENQCMD, SGX-LC, PKS, AVX-512 (VBMI, VBMI2, VNNI, BITALG,
	 * VPOPCNTDQ), PREFETCHWT1, UMIP. */
	assert_int_equal(ask(7, 0).ecx & 0xe1c178ffu, 0);
	/* SGX, SMEP, INVPCID, RDT, MPX, SMAP, PT, AVX-512 F/DQ/IFMA/PF/ER/
	 * CD/BW/VL. */
	assert_int_equal(ask(7, 0).ebx & 0xde33d484u, 0);
	/* Speculation-control, ARCH_CAPABILITIES, CORE_CAPABILITIES, AMX,
	 * hybrid, arch LBR, CET-IBT, AVX512_FP16 and the rest. */
	assert_int_equal(ask(7, 0).edx & ~(u32)(EDX7_FSRM | EDX7_SERIALIZE), 0);
	/* SVM, OSVW, IBS, SKINIT, WDT, LWP, NodeId, counter extensions,
	 * MWAITX; FFXSR. */
	assert_int_equal(ask(0x80000001, 0).ecx & 0x3188b604u, 0);
	assert_int_equal(ask(0x80000001, 0).edx & BIT(25), 0);
	assert_int_equal(ask(0x80000008, 0).ebx, 0);
	/* PMU, MONITOR/MWAIT, AVX-512 and PKRU state, SVM, SEV. */
	for (u32 sub = 3; sub < 20; sub++)
		assert_int_equal(ask(0xd, sub).eax | ask(0xd, sub).ebx, 0);
	assert_int_equal(ask(0xa, 0).eax | ask(0xa, 0).ecx | ask(0xa, 0).edx,
			 0);
	assert_int_equal(ask(5, 0).eax | ask(5, 0).edx, 0);
	assert_int_equal(ask(0x8000000a, 0).edx | ask(0x8000001f, 0).eax, 0);
	/* The CPU has every one of these: the test is not vacuous. */
	assert_true(raw(1, 0).edx & (EDX1_MCE | EDX1_MCA));
	assert_true(raw(0xa, 0).eax || raw(0x8000000a, 0).edx);
}

static void test_hidden(void **state)
{
	(void)state;
	check_hidden();
	/* The hosts have what is hidden: OSVW (Zen 3), TME (Alder Lake),
	 * AVX-512F (Ice Lake). */
	if (g.amd)
		assert_true(raw(0x80000001, 0).ecx & ECX81_OSVW);
	else
		assert_true((raw(7, 0).ebx & BIT(16)) ||
			    (raw(7, 0).ecx & ECX7_TME_EN));
}

/* INVPCID: hidden unless the vendor code supports it, then exactly the
 * host's bit, nothing else of leaf 7 changing. */
static void test_invpcid(void **state)
{
	struct cpuid_regs off, on;

	(void)state;
	off = ask(7, 0);
	assert_int_equal(off.ebx & EBX7_INVPCID, 0);
	g.invpcid = true;
	on = ask(7, 0);
	assert_int_equal(on.ebx & EBX7_INVPCID, raw(7, 0).ebx & EBX7_INVPCID);
	assert_int_equal(on.ebx & ~EBX7_INVPCID, off.ebx);
	assert_int_equal(on.ecx, off.ecx);
	assert_int_equal(on.edx, off.edx);
	assert_true(raw(7, 0).ebx & EBX7_INVPCID); /* every host has it */
}

static void test_max_leaves(void **state)
{
	u32 ext = g.amd ? 0x8000001e : 0x80000008;

	(void)state;
	assert_int_equal(ask(0, 0).eax, 0x1f);
	assert_int_equal(ask(0, 0).ebx, raw(0, 0).ebx); /* vendor */
	assert_int_equal(ask(0x80000000, 0).eax, ext);
	for (u32 leaf = 0x17; leaf < 0x1f; leaf++) /* hybrid, AMX, ... */
		assert_int_equal(ask(leaf, 0).eax | ask(leaf, 1).ebx, 0);
	assert_int_equal(ask(0x20, 0).ebx, 0);
	assert_int_equal(ask(0x40000002, 0).eax, 0);
	assert_int_equal(ask(0x80000021, 0).eax, 0);
	assert_int_equal(ask(BRAID_CPUID_BASE, 0).eax, BRAID_CPUID_INFO);
	assert_int_equal(ask(BRAID_CPUID_BASE, 0).ebx, BRAID_CPUID_SIG_EBX);
}

/* Leaves 0xB and 0x1F: @threads at the core level, the x2APIC ID. */
static void check_x2apic_leaf(u32 leaf, u32 cores, u32 id)
{
	struct cpuid_regs smt = ask(leaf, 0), core = ask(leaf, 1);

	assert_int_equal(smt.eax, 0);
	assert_int_equal(smt.ebx, 1);
	assert_int_equal(smt.ecx, TOPO_LEVEL_SMT << 8);
	assert_int_equal(core.ebx, cores);
	assert_int_equal(1u << core.eax >= cores, true);
	assert_int_equal(core.ecx, 1 | TOPO_LEVEL_CORE << 8);
	assert_int_equal(ask(leaf, 2).ebx, 0);
	assert_int_equal(ask(leaf, 2).ecx, 2); /* level type 0: the end */
	assert_int_equal(smt.edx, id);
	assert_int_equal(ask(leaf, 2).edx, id);
}

/* Leaf 4 (Intel): the host's caches, each its own, @cores in the package. */
static void check_caches(u32 cores)
{
	u32 sub = 0;

	for (; raw(4, sub).eax & EAX4_TYPE; sub++) {
		struct cpuid_regs r = ask(4, sub), c = raw(4, sub);

		assert_int_equal(r.eax >> EAX4_CORES_SHIFT, cores - 1);
		assert_int_equal((r.eax >> EAX4_SHARING_SHIFT) & 0xfff, 0);
		assert_int_equal(r.eax & 0x3fff, c.eax & 0x3fff);
		assert_int_equal(r.ebx, c.ebx);
		assert_int_equal(r.ecx, c.ecx);
	}
	assert_int_equal(ask(4, sub).eax, 0);
	assert_true(sub >= 3 || g.amd);
}

/* AMD's 0x8000001D/0x8000001E: caches private, one thread, one node. */
static void check_amd_topology(u32 id)
{
	struct cpuid_regs r = ask(0x8000001e, 0);

	assert_true(ask(0x80000001, 0).ecx & ECX81_TOPOEXT);
	assert_int_equal(r.eax, id);
	assert_int_equal(r.ebx, id);
	assert_int_equal(r.ecx, 0);
	for (u32 sub = 0; raw(0x8000001d, sub).eax; sub++) {
		assert_int_equal(ask(0x8000001d, sub).eax & EAX8D_SHARING, 0);
		assert_int_equal(ask(0x8000001d, sub).ecx,
				 raw(0x8000001d, sub).ecx);
	}
}

static void check_topology(u32 ids, u32 id)
{
	struct cpuid_regs r1 = ask(1, 0);

	assert_int_equal(r1.ebx >> EBX1_APIC_ID_SHIFT, id);
	assert_int_equal((r1.ebx >> EBX1_LOGICAL_SHIFT) & 0xff, ids);
	assert_int_equal(!!(r1.edx & EDX1_HTT), g.nr_vcpus > 1);
	assert_int_equal(r1.ebx & 0xffff, raw(1, 0).ebx & 0xffff);
	check_x2apic_leaf(0xb, g.nr_vcpus, id);
	check_x2apic_leaf(0x1f, g.nr_vcpus, id);
	assert_int_equal(ask(0x80000008, 0).ecx & ECX88_NC, g.nr_vcpus - 1);
	assert_int_equal(!!(ask(0x80000001, 0).ecx & ECX81_CMP_LEGACY),
			 g.amd && g.nr_vcpus > 1);
	if (g.amd)
		check_amd_topology(id);
	else
		check_caches(ids);
}

static void test_one_cpu(void **state)
{
	(void)state;
	check_topology(1, 0);
	/* The host's own topology said otherwise. */
	assert_true((raw(1, 0).ebx >> 16 & 0xff) > 1);
	assert_true(raw(0xb, 1).ebx > 1);
}

/* The same rules for the vCPU issue 16 will add: its APIC ID everywhere,
 * four cores in the package. */
static void test_four_cpus(void **state)
{
	(void)state;
	g.apic_id = 3;
	g.nr_vcpus = 4;
	check_topology(4, 3);
	assert_int_equal(ask(0xb, 1).eax, 2);
	assert_int_equal(ask(0x80000008, 0).ecx >> ECX88_APIC_ID_SHIFT & 0xf,
			 2);
}

static void test_xsave(void **state)
{
	struct cpuid_regs d0;

	(void)state;
	assert_int_equal(g.xcr0_offered, XCR0_X87 | XCR0_SSE | XCR0_AVX);
	d0 = ask(0xd, 0);
	assert_int_equal(d0.eax, g.xcr0_offered);
	assert_int_equal(d0.edx, 0);
	assert_int_equal(d0.ecx, 576 + 256); /* legacy, header, AVX */
	assert_int_equal(d0.ebx, 576 + 256);
	assert_int_equal(ask(0xd, 2).eax, 256);
	assert_int_equal(ask(0xd, 2).ebx, 576);
	assert_int_equal(ask(0xd, 1).eax & BIT(3), 0); /* no XSAVES */
	assert_true(raw(0xd, 1).eax & BIT(3));
	assert_int_equal(ask(0xd, 1).ebx, 576 + 256); /* compacted */
	g.xcr0 = XCR0_X87 | XCR0_SSE;
	assert_int_equal(ask(0xd, 0).ebx, 576);
	assert_int_equal(ask(0xd, 0).ecx, 576 + 256);
	assert_int_equal(ask(0xd, 1).ebx, 576);
}

/* Where braid cannot switch AVX state, nothing that needs it shows. */
static void test_no_avx(void **state)
{
	(void)state;
	g.xcr0_offered = XCR0_X87 | XCR0_SSE;
	g.xcr0 = XCR0_X87;
	assert_int_equal(ask(1, 0).ecx & (ECX1_AVX | ECX1_FMA | ECX1_F16C), 0);
	assert_int_equal(ask(7, 0).ebx & EBX7_AVX2, 0);
	assert_int_equal(ask(7, 0).ecx & (ECX7_VAES | ECX7_VPCLMULQDQ), 0);
	assert_true(ask(1, 0).ecx & ECX1_XSAVE);
	assert_int_equal(ask(0xd, 0).eax, 3);
	assert_int_equal(ask(0xd, 0).ecx, 576);
	assert_int_equal(ask(0xd, 2).eax, 0);
	g.xcr0_offered = 0; /* no XSAVE at all */
	assert_int_equal(ask(1, 0).ecx & (ECX1_XSAVE | ECX1_OSXSAVE), 0);
	assert_int_equal(ask(0xd, 0).eax | ask(0xd, 1).eax, 0);
}

/* Each bit braid offers shows exactly where the host has it. */
static void check_follows(u32 leaf, int reg, u32 bits)
{
	struct cpuid_regs a = ask(leaf, 0), b = raw(leaf, 0);
	u32 ga[4] = { a.eax, a.ebx, a.ecx, a.edx };
	u32 hb[4] = { b.eax, b.ebx, b.ecx, b.edx };

	assert_int_equal(ga[reg] & bits, hb[reg] & bits);
}

static void test_offered(void **state)
{
	(void)state;
	check_follows(1, 2,
		      ECX1_SSE3 | ECX1_PCLMULQDQ | ECX1_SSSE3 | ECX1_FMA |
			      ECX1_CX16 | ECX1_SSE4_1 | ECX1_SSE4_2 |
			      ECX1_MOVBE | ECX1_POPCNT | ECX1_AES | ECX1_XSAVE |
			      ECX1_AVX | ECX1_F16C | ECX1_RDRAND);
	assert_int_equal(ask(1, 0).edx, raw(1, 0).edx & 0x0f8bbb7fu);
	check_follows(7, 1,
		      EBX7_FSGSBASE | EBX7_TSC_ADJUST | EBX7_BMI1 | EBX7_AVX2 |
			      EBX7_BMI2 | EBX7_ERMS | EBX7_RDSEED | EBX7_ADX |
			      EBX7_CLFLUSHOPT | EBX7_CLWB | EBX7_SHA);
	check_follows(0x80000001, 3,
		      EDX81_SYSCALL | EDX81_NX | EDX81_PAGE1GB | EDX81_RDTSCP |
			      EDX81_LM);
	check_follows(0x80000001, 2, ECX81_LAHF_SAHF | ECX81_ABM);
	check_follows(0x80000007, 3, EDX87_INVARIANT_TSC);
	assert_true(ask(0x80000001, 0).edx & EDX81_LM);
	assert_true(ask(7, 0).ebx & EBX7_AVX2);
	assert_int_equal(ask(0x80000008, 0).eax & 0xff,
			 raw(0x80000008, 0).eax & 0xff);
	for (u32 leaf = 0x80000002; leaf <= 0x80000004; leaf++) /* brand */
		assert_int_equal(ask(leaf, 0).ebx, raw(leaf, 0).ebx);
}

/* Bits that follow the guest's own state, and braid's own bits. */
static void test_guest_state(void **state)
{
	(void)state;
	assert_true(ask(1, 0).ecx & ECX1_HYPERVISOR);
	assert_true(ask(1, 0).ecx & ECX1_TSC_DEADLINE);
	assert_true(ask(1, 0).ecx & ECX1_OSXSAVE);
	assert_true(ask(1, 0).edx & EDX1_APIC);
	assert_int_equal(ask(6, 0).eax, EAX6_ARAT);
	assert_int_equal(ask(0x16, 0).eax, 3000);
	assert_int_equal((u64)ask(0x15, 0).ecx * ask(0x15, 0).ebx /
				 ask(0x15, 0).eax,
			 3000000000ull);
	g.osxsave = false;
	g.apic_enabled = false;
	assert_int_equal(ask(1, 0).ecx & ECX1_OSXSAVE, 0);
	assert_int_equal(ask(1, 0).edx & EDX1_APIC, 0);
	assert_int_equal(ask(0x80000001, 0).edx & EDX1_APIC, 0);
	/* 5 GHz: the crystal is half the TSC, ECX fits. */
	g.tsc_hz = 5000000000ull;
	assert_int_equal(ask(0x15, 0).ebx, 2);
	assert_int_equal(ask(0x15, 0).ecx, 2500000000u);
}

/* Leaves that cpuid_policy_reads_state() leaves out answer the same
 * whatever the vCPU's APIC, CR4.OSXSAVE and XCR0: hv/cpuid.c does not
 * gather those for them. */
static void test_state_free_leaves(void **state)
{
	static const u32 leaves[] = { 0,	  1,	      2,
				      4,	  6,	      7,
				      0xb,	  0xd,	      0x15,
				      0x1f,	  0x80000000, 0x80000001,
				      0x80000007, 0x80000008, 0x8000001d,
				      0x8000001e };
	struct cpuid_guest other = g;
	unsigned differ = 0;

	(void)state;
	other.apic_enabled = other.osxsave = false;
	other.xcr0 = XCR0_X87;
	for (unsigned i = 0; i < ARRAY_SIZE(leaves); i++) {
		for (u32 sub = 0; sub < 4; sub++) {
			struct cpuid_regs a = ask(leaves[i], sub);
			struct cpuid_regs b =
				cpuid_policy(&h, &other, leaves[i], sub);
			bool same = !memcmp(&a, &b, sizeof(a));

			if (!cpuid_policy_reads_state(leaves[i]))
				assert_true(same);
			differ += !same;
		}
	}
	assert_true(differ > 0); /* leaves 1 and 0xD do differ */
}

#define ON_EACH_CPU(fn)                                                       \
	cmocka_unit_test_setup(fn, setup), cmocka_unit_test_setup(fn, setup), \
		cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		ON_EACH_CPU(test_hidden),
		ON_EACH_CPU(test_invpcid),
		ON_EACH_CPU(test_max_leaves),
		ON_EACH_CPU(test_one_cpu),
		ON_EACH_CPU(test_four_cpus),
		ON_EACH_CPU(test_xsave),
		ON_EACH_CPU(test_no_avx),
		ON_EACH_CPU(test_offered),
		ON_EACH_CPU(test_guest_state),
		ON_EACH_CPU(test_state_free_leaves),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
