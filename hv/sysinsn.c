// SPDX-License-Identifier: MIT
/*
 * Encodings (SDM Vol. 2): MOV CRn,r 0F 22 /r; MOV r,CRn 0F 20 /r (the
 * ModRM mod field is ignored, reg = CR, rm = GPR); CLTS 0F 06; SMSW 0F 01
 * /4; LMSW 0F 01 /6; INVLPG m 0F 01 /7 (mod != 11). Prefixes: legacy ones
 * and, in 64-bit mode, REX (R extends reg, B extends rm).
 */
#include "hv/gva.h"
#include "hv/log.h"
#include "hv/sysinsn.h"

struct sys_dec {
	const u8 *b;
	unsigned n, i;
	u8 rex;
	bool addr16;
};

static bool is_legacy_prefix(u8 c)
{
	return c == 0x66 || c == 0x67 || c == 0xf0 || c == 0xf2 || c == 0xf3 ||
	       c == 0x26 || c == 0x2e || c == 0x36 || c == 0x3e || c == 0x64 ||
	       c == 0x65;
}

/* Length of a ModRM memory operand after the ModRM byte (SDM tables
 * 2-2 and 2-3), 32/64-bit addressing; d->i is at the opcode byte. */
static unsigned mem_operand_len(const struct sys_dec *d, u8 modrm)
{
	unsigned mod = modrm >> 6, rm = modrm & 7, len = 0;

	if (rm == 4) { /* SIB */
		if (d->i + 2 >= d->n)
			return ~0u;
		len = 1;
		if (mod == 0 && (d->b[d->i + 2] & 7) == 5)
			return len + 4;
	}
	if (mod == 1)
		return len + 1;
	if (mod == 2 || (mod == 0 && rm == 5))
		return len + 4;
	return len;
}

static int fill(struct vmexit *e, struct sys_dec *d, u8 op, u8 modrm)
{
	unsigned reg = ((modrm >> 3) & 7) | (d->rex & 4 ? 8 : 0);
	unsigned rm = (modrm & 7) | (d->rex & 1 ? 8 : 0);
	bool mem = (modrm >> 6) != 3;

	if (op == 0x20 || op == 0x22) {
		e->cr.type = op == 0x22 ? CR_MOV_TO : CR_MOV_FROM;
		e->cr.cr = reg;
		e->cr.gpr = rm;
		e->cr.decoded = true;
		return 0;
	}
	if (op == 0x01 && ((modrm >> 3) & 7) == 7 && mem) {
		unsigned ml = mem_operand_len(d, modrm);

		if (ml == ~0u || d->addr16)
			return -ENOTSUP;
		e->insn_len = d->i + 2 + ml; /* opcode, ModRM, operand */
		e->invlpg.decoded = true;
		e->invlpg.gva = 0; /* braid flushes the whole TLB anyway */
		return 1;
	}
	if (op == 0x01 && ((modrm >> 3) & 7) == 6 && !mem) {
		e->cr.type = CR_LMSW;
		e->cr.cr = 0;
		e->cr.gpr = rm;
		e->cr.decoded = true;
		return 2; /* operand comes from a register */
	}
	if (op == 0x01 && ((modrm >> 3) & 7) == 4 && !mem) {
		e->cr.type = CR_MOV_FROM; /* SMSW r: low bits of CR0 */
		e->cr.cr = 0;
		e->cr.gpr = rm;
		e->cr.decoded = true;
		return 0;
	}
	return -ENOTSUP;
}

int sysinsn_decode(struct guest *g, struct vmexit *e)
{
	struct vcpu *v = &g->vcpu;
	u64 rip = vendor->get(v, VREG_RIP);
	bool lm = vendor->get(v, VREG_CS_MODE) == 64;
	u8 buf[15];
	struct sys_dec d = { buf, sizeof(buf), 0, 0, false };
	u32 pf;
	int r;

	if (gva_read(g, rip, buf, sizeof(buf), PFERR_I, &pf) &&
	    gva_read(g, rip, buf, 8, PFERR_I, &pf)) {
		guest_stop(g, "cannot fetch the intercepted instruction");
		return -ENOTSUP;
	}
	for (; d.i < d.n && is_legacy_prefix(buf[d.i]); d.i++)
		d.addr16 |= buf[d.i] == 0x67 && !lm;
	if (lm && d.i < d.n && (buf[d.i] & 0xf0) == 0x40)
		d.rex = buf[d.i++];
	if (d.i + 2 >= d.n || buf[d.i] != 0x0f)
		goto bad;
	d.i++;
	if (buf[d.i] == 0x06) { /* CLTS */
		e->cr.type = CR_CLTS;
		e->cr.decoded = true;
		e->insn_len = d.i + 1;
		return 0;
	}
	r = fill(e, &d, buf[d.i], buf[d.i + 1]);
	d.i++;
	if (r < 0)
		goto bad;
	if (r != 1)
		e->insn_len = d.i + 1;
	if (r == 2)
		e->cr.lmsw = (u16)v->regs.gpr[e->cr.gpr];
	return 0;
bad:
	guest_stop(
		g,
		"cannot decode the intercepted instruction %02x %02x %02x %02x",
		buf[0], buf[1], buf[2], buf[3]);
	return -ENOTSUP;
}
