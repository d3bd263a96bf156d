// SPDX-License-Identifier: MIT
/*
 * INS and OUTS (SDM Vol. 2A INS/INSB/INSW/INSD, Vol. 2B OUTS), with or
 * without REP: every port exits, so braid moves each element between the
 * port (hv/io.c) and guest memory itself, through the guest's own
 * translation (hv/gva.c). OUTS reads seg:rSI (DS unless overridden), INS
 * writes ES:rDI; the index steps by the element size, down if RFLAGS.DF;
 * with REP, rCX counts the elements left. The address size (16, 32 or 64
 * bits) selects SI/ESI/RSI, DI/EDI/RDI and CX/ECX/RCX.
 *
 * REP, the address size and OUTS's segment come from the instruction's
 * own prefixes. The exit reports them too, but not on every CPU (VMX
 * without IA32_VMX_BASIC[54]) and not always right: QEMU's TCG puts SVM's
 * address-size bits one place up (docs/emulators.md).
 *
 * A long REP runs in bursts: after STRING_IO_BURST elements RIP stays on
 * the instruction with the registers updated, as when the CPU takes an
 * interrupt between iterations, and the guest goes on with it at the next
 * entry. A fault on an element stops there, the registers telling how far
 * it got, and is raised with RIP on the instruction, as the CPU does for
 * a fault in the middle of a REP string instruction.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/vendor.h"
#include "hv/event.h"
#include "hv/exit.h"
#include "hv/gva.h"
#include "hv/guest_insn.h"
#include "hv/mmu.h"
#include "insn/decode.h"
#include "insn/x86_flags.h"
#include "lib/string.h"

#define STRING_IO_BURST 1024

/* REP, the address size and OUTS's segment, from the prefixes. */
static int decode(struct vcpu *v, struct x86_prefixes *p)
{
	enum cpu_mode mode = (enum cpu_mode)vendor->get(v, VREG_CS_MODE);
	u8 buf[X86_MAX_LEN];
	unsigned len;

	if (guest_fetch(v, vendor->get(v, VREG_RIP), buf, &len))
		return -EFAULT;
	return x86_decode_prefixes(buf, len, mode, p);
}

/* A write to a 16- or 32-bit index or count register: 32 bits clear the
 * upper half (SDM Vol. 1 3.4.1.1), 16 bits leave it alone. */
static void set_reg(u64 *r, u64 val, unsigned asize)
{
	if (asize == 8)
		*r = val;
	else if (asize == 4)
		*r = (u32)val;
	else
		*r = (*r & ~0xffffull) | (u16)val;
}

/* Where the element at @lin lands, as the guest's access: 0, or the
 * fault raised in the guest (-EFAULT), or -ENOENT for memory where braid
 * has no RAM (the guest is stopped, naming it). Checked before the port
 * is touched, so that an INS that faults consumes nothing. */
static int translate(struct vcpu *v, const struct vmexit *e, u64 lin,
		     struct gva_span *s)
{
	struct guest *g = v->guest;
	u32 access = guest_access_user(v) | (e->io.in ? PFERR_W : 0), pf = 0;
	int err = gva_translate(v, lin, e->io.size, access, s, &pf);

	if (err == -EFAULT)
		guest_raise_pf(v, s->fault_gva, pf);
	if (err == -ENOENT)
		guest_stop(g,
			   "%s on port 0x%x with memory at 0x%llx where it has "
			   "no RAM",
			   e->io.in ? "INS" : "OUTS", e->io.port,
			   (unsigned long long)lin);
	return err;
}

/* One element: 0, or the error that ends the instruction here. */
static int one_element(struct vcpu *v, const struct vmexit *e, u64 lin)
{
	struct guest *g = v->guest;
	struct gva_span s;
	u32 val = 0;
	u8 *p = (u8 *)&val;
	int err = translate(v, e, lin, &s);

	if (err)
		return err;
	if (e->io.in)
		io_port(g, e->io.port, true, e->io.size, &val);
	for (unsigned i = 0; i < s.nr; p += s.len[i++]) {
		void *mem = guest_ptr(g, s.gpa[i], s.len[i]);

		if (!e->io.in) {
			memcpy(p, mem, s.len[i]);
			continue;
		}
		memcpy(mem, p, s.len[i]);
		mmu_guest_wrote(v, s.gpa[i], s.len[i]);
	}
	if (!e->io.in)
		io_port(g, e->io.port, false, e->io.size, &val);
	return 0;
}

void handle_string_io(struct vcpu *v, const struct vmexit *e)
{
	struct guest *g = v->guest;
	u64 *gpr = v->regs.gpr;
	unsigned idx = e->io.in ? RDI : RSI;
	struct x86_prefixes op;
	u64 amask, base, step, left;

	if (decode(v, &op)) {
		guest_stop(g,
			   "string I/O on port 0x%x: its instruction cannot "
			   "be read",
			   e->io.port);
		return;
	}
	amask = op.addrsize == 8 ? ~0ull : (1ull << (8 * op.addrsize)) - 1;
	/* INS always writes ES:rDI; OUTS reads DS:rSI unless overridden. */
	base = guest_seg_base(v, e->io.in      ? X86_SEG_ES
				 : op.seg >= 0 ? (enum x86_seg)op.seg
					       : X86_SEG_DS);
	step = vendor->get(v, VREG_RFLAGS) & X86_FL_DF ? -(u64)e->io.size
						       : e->io.size;
	left = op.rep ? gpr[RCX] & amask : 1;
	for (unsigned n = 0; left && n < STRING_IO_BURST; n++) {
		u64 off = gpr[idx] & amask;
		u64 lin = base + off;

		if (op.addrsize != 8)
			lin = (u32)lin; /* outside 64-bit mode */
		if (one_element(v, e, lin) || g->state != GUEST_RUNNING)
			return;
		set_reg(&gpr[idx], off + step, op.addrsize);
		left--;
		if (op.rep)
			set_reg(&gpr[RCX], left, op.addrsize);
	}
	if (!left)
		vcpu_skip_insn(v, e->insn_len);
}
