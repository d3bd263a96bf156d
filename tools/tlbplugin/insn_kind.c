// SPDX-License-Identifier: MIT
/* Recognizing the instructions of insn_kind.h. */
#include "include/braid/marker.h"
#include "tools/tlbplugin/insn_kind.h"

/* Legacy prefixes (SDM Vol. 2A 2.1.1) and, in 64-bit mode, one REX. */
static size_t skip_prefixes(const uint8_t *b, size_t n, uint8_t *rex)
{
	size_t i = 0;

	*rex = 0;
	while (i < n &&
	       (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf2 || b[i] == 0xf3 ||
		b[i] == 0x2e || b[i] == 0x36 || b[i] == 0x3e || b[i] == 0x26 ||
		b[i] == 0x64 || b[i] == 0x65 || b[i] == 0xf0))
		i++;
	if (i < n && (b[i] & 0xf0) == 0x40)
		*rex = b[i++];
	return i;
}

static enum insn_kind mark(const uint8_t *b, size_t n, unsigned *op,
			   unsigned *window)
{
	uint32_t disp;

	if (n != 7 || b[0] != 0x0f || b[1] != 0x1f || b[2] != 0x80)
		return INSN_OTHER;
	disp = b[3] | b[4] << 8 | b[5] << 16 | (uint32_t)b[6] << 24;
	if ((disp & 0xffff0000u) != BRAID_MARK_MAGIC)
		return INSN_OTHER;
	*op = disp >> 8 & 0xff;
	*window = disp & 0xff;
	return INSN_MARK;
}

enum insn_kind insn_kind(const uint8_t *b, size_t n, unsigned *op,
			 unsigned *window)
{
	uint8_t rex, modrm;
	size_t i;

	if (mark(b, n, op, window) == INSN_MARK)
		return INSN_MARK;
	i = skip_prefixes(b, n, &rex);
	if (i + 3 > n || b[i] != 0x0f)
		return INSN_OTHER;
	modrm = b[i + 2];
	if (b[i + 1] == 0x01 && modrm == 0xd8)
		return INSN_VMRUN;
	if (b[i + 1] == 0x01 && modrm == 0xdf)
		return INSN_INVLPGA;
	/* REX.R would name CR11, which does not exist. */
	if (b[i + 1] == 0x22 && (modrm >> 3 & 7) == 3 && !(rex & 4))
		return INSN_MOV_TO_CR3;
	if (b[i + 1] == 0x01 && (modrm >> 6) != 3 && (modrm >> 3 & 7) == 7)
		return INSN_INVLPG;
	return INSN_OTHER;
}
