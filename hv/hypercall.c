// SPDX-License-Identifier: MIT
/*
 * braid's hypercalls (ABI: include/braid/abi.h). Arguments that name guest
 * memory are guest-physical and are checked against the caller's own RAM,
 * so a hypercall can never reach another guest or the hypervisor.
 */
#include "hv/console.h"
#include "hv/classify.h"
#include "hv/exit.h"
#include "hv/mmu.h"
#include "lib/string.h"

#define HC_PRINT_MAX 4096

static s64 hc_print(struct guest *g, gpa_t gpa, u64 len)
{
	char buf[256];
	u64 done = 0;

	if (len > HC_PRINT_MAX)
		return HC_ERR_INVAL;
	while (done < len) {
		u64 n = MIN(sizeof(buf), len - done);

		if (guest_read(g, gpa + done, buf, n))
			return HC_ERR_INVAL;
		guest_console_put(g, buf, n);
		done += n;
	}
	guest_console_flush(g);
	return (s64)len;
}

static s64 hc_stats(struct vcpu *v, gpa_t gpa, u64 size)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);
	struct braid_stats s;

	memset(&s, 0, sizeof(s));
	s.exits_total = gc->stats.exits_total;
	memcpy(s.exits, gc->stats.exits, sizeof(s.exits));
	s.hv_tsc = gc->stats.hv_tsc;
	s.mem_bytes = g->cfg.mem;
	size = MIN(size, sizeof(s));
	if (guest_write(g, gpa, &s, size))
		return HC_ERR_INVAL;
	return (s64)size;
}

void handle_hypercall(struct vcpu *v, const struct vmexit *e)
{
	struct guest *g = v->guest;
	u64 *gpr = v->regs.gpr;
	s64 ret;

	/* Only the guest kernel may call: a guest's user program must not
	 * be able to end its guest or print as it. */
	if (vendor->get(v, VREG_CPL) != 0) {
		ret = HC_ERR_PERM;
	} else {
		switch (gpr[RAX]) {
		case HC_VERSION: ret = BRAID_ABI_VERSION; break;
		case HC_PRINT: ret = hc_print(g, gpr[RBX], gpr[RCX]); break;
		case HC_STATS:
			mmu_lock(v); /* it reads the shared tree */
			ret = hc_stats(v, gpr[RBX], gpr[RCX]);
			mmu_unlock(v);
			break;
		case HC_CLASSIFY:
			mmu_lock(v);
			classify_dump(g);
			mmu_unlock(v);
			ret = 0;
			break;
		case HC_EXIT: guest_exit(g, (u32)gpr[RBX]); return;
		default: ret = HC_ERR_NOSYS;
		}
	}
	gpr[RAX] = (u64)ret;
	vcpu_skip_insn(v, e->insn_len ? e->insn_len : 3);
}
