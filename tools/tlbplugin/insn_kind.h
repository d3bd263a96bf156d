/* SPDX-License-Identifier: MIT */
/*
 * The instructions the TLB plugin must notice, told apart by their bytes
 * when QEMU translates them (the plugin cannot read registers, so it
 * watches for the instructions that change translation state):
 *   VMRUN          0F 01 D8 (APM Vol. 3): the boundary into guest mode
 *   MOV to CR3     0F 22 /3 (SDM Vol. 2B "MOV—Move to/from Control
 *                  Registers"): a CR3 load, which flushes the TLB's
 *                  non-global entries without PCID (SDM Vol. 3A 4.10.4.1)
 *   INVLPG         0F 01 /7, memory operand
 *   INVLPGA        0F 01 DF (APM Vol. 3): braid flushing one page of one
 *                  ASID, the address in rAX
 *   a braid marker 0F 1F 80 disp32 (include/braid/marker.h)
 */
#ifndef TOOLS_TLBPLUGIN_INSN_KIND_H
#define TOOLS_TLBPLUGIN_INSN_KIND_H

#include <stddef.h>
#include <stdint.h>

enum insn_kind {
	INSN_OTHER,
	INSN_VMRUN,
	INSN_MOV_TO_CR3,
	INSN_INVLPG,
	INSN_INVLPGA,
	INSN_MARK,
};

/* The kind of the @n-byte instruction @b; for a marker, its operation and
 * window in *@op and *@window. */
enum insn_kind insn_kind(const uint8_t *b, size_t n, unsigned *op,
			 unsigned *window);

#endif
