// SPDX-License-Identifier: MIT
/*
 * Data breakpoints on the stores braid carries out for a guest (a trapped
 * page-table write, an emulated MMIO access): the CPU never sees those
 * accesses, so braid checks them against the guest's DR0-DR3 and DR7 and
 * raises the #DB trap the CPU would have raised after the instruction
 * (SDM Vol. 3A 18.2.4, 18.3.1.2). The guest's DR0-DR3 are in the CPU
 * while braid handles its exit (arch/x86_64/cpu_state.h); DR7 is in the
 * VMCS/VMCB.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_state.h"
#include "arch/x86_64/vendor.h"
#include "hv/watch.h"

#define DR7_ENABLE_MASK 0xffull /* L0 G0 ... L3 G3 */
#define DR7_RW_WRITE	1
#define DR7_RW_ACCESS	3

/* DR7's LENn encodes 1, 2, 8 or 4 bytes (SDM Table 18-2). */
static u64 bp_len(u64 dr7, unsigned n)
{
	static const u8 len[4] = { 1, 2, 8, 4 };

	return len[(dr7 >> (18 + 4 * n)) & 3];
}

void watch_store(struct vcpu *v, u64 gva, unsigned size)
{
	u64 dr7 = vendor->get_dr7(v);

	if (!(dr7 & DR7_ENABLE_MASK))
		return;
	for (unsigned n = 0; n < 4; n++) {
		unsigned rw = (dr7 >> (16 + 4 * n)) & 3;
		u64 len = bp_len(dr7, n), at = cpu_state_dr(n) & ~(len - 1);

		if (!(dr7 & (3ull << (2 * n))))
			continue;
		if (rw != DR7_RW_WRITE && rw != DR7_RW_ACCESS)
			continue;
		if (gva < at + len && at < gva + size)
			v->watch_hits |= BIT(n);
	}
}

void watch_raise(struct vcpu *v, u64 dr6)
{
	v->watch_hits = 0;
	vendor->debug_trap(v, dr6);
}
