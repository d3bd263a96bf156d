/* SPDX-License-Identifier: MIT */
/*
 * The trace box: where braid tells an observer outside the machine
 * (tools/tlbplugin, which reads guest RAM through QEMU's memory backend
 * file) which hardware state each physical CPU runs a guest with. One
 * page-aligned structure in braid's memory; braid fills in a CPU's slot
 * before every VMRUN, the plugin reads the VMCB it names when it sees that
 * CPU execute VMRUN. It holds nothing secret: a guest never sees it.
 *
 * The plugin finds the box by scanning RAM for a word that equals
 * TRACEBOX_MAGIC xor the word's own physical address, so an image that
 * merely contains the constant is not mistaken for it.
 */
#ifndef BRAID_TRACEBOX_H
#define BRAID_TRACEBOX_H

#include <stdint.h>

#define TRACEBOX_MAGIC	 0x786f626563617274ull /* "tracebox" */
#define TRACEBOX_VERSION 1u
#define TRACEBOX_CPUS	 16u
#define TRACEBOX_NAME	 24u

/* paging, as the guest's paging= option names it */
enum tracebox_paging {
	TRACEBOX_NESTED = 1,
	TRACEBOX_SHADOW = 2,
	TRACEBOX_COMPOUND = 3,
};

struct tracebox_cpu {
	uint64_t vmcb;	/* physical address of the VMCB VMRUN gets */
	uint64_t hsave; /* the CPU's VM_HSAVE_PA area */
	/* The guest's RAM is guest-physical [0, guest_mem); tables above it
	 * are braid's (the compound window). */
	uint64_t guest_mem;
	uint32_t paging;
	uint32_t seq; /* bumped on every change of guest */
	char guest[TRACEBOX_NAME];
};

struct tracebox {
	uint64_t magic; /* TRACEBOX_MAGIC ^ the box's physical address */
	uint32_t version;
	uint32_t ncpus;
	struct tracebox_cpu cpu[TRACEBOX_CPUS];
} __attribute__((aligned(4096)));

#endif
