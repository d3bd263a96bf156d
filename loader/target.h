/* SPDX-License-Identifier: MIT */
/*
 * What a loader is given and what it hands back. A loader puts an image
 * into a guest's RAM and says how the guest's CPU is to start; it knows
 * nothing of struct guest, vCPUs or paging, which are the core's (hv/guest.c
 * applies the entry state).
 */
#ifndef LOADER_TARGET_H
#define LOADER_TARGET_H

#include "lib/log.h"
#include "mm/guest_mem.h"

struct load_target {
	const char *name;      /* the guest's, for messages */
	struct guest_mem *ram; /* its RAM, ram->size bytes from 0 */
	const char *cmdline;   /* multiboot: the kernel's command line */
	unsigned nr_vcpus;     /* the firmware tables name this many CPUs */
};

/*
 * How the guest starts: 32-bit protected mode, paging off, flat segments,
 * at @eip (what a multiboot loader leaves, Multiboot 0.6.96 section 3.2,
 * and what Linux's 32-bit boot protocol asks). The registers that carry
 * boot information are given; every other GPR is zero.
 */
struct boot_entry {
	u32 eip;
	u32 eax, ebx, esi;
};

/* A loader's lines read as the guest's own ("braid: guest NAME: ..."). */
#define load_info(t, fmt, ...) \
	kprintf("braid: guest %s: " fmt "\n", (t)->name, ##__VA_ARGS__)
#define load_err(t, fmt, ...) \
	kprintf("braid: guest %s: error: " fmt "\n", (t)->name, ##__VA_ARGS__)

#endif
