/* SPDX-License-Identifier: MIT */
#ifndef HV_LOADER_H
#define HV_LOADER_H

#include "boot/bootinfo.h"
#include "hv/guest.h"

/* Load a multiboot (v1) kernel into the guest's RAM, build its multiboot
 * information (its own memory, its command line, @extra as its one module
 * if given) and set its vCPU to the multiboot entry state. Logs and
 * returns an error for anything that cannot be booted. */
int load_multiboot(struct guest *g, const u8 *image, u64 size,
		   const struct boot_module *extra);

#endif
