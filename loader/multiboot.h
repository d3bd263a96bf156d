/* SPDX-License-Identifier: MIT */
#ifndef LOADER_MULTIBOOT_H
#define LOADER_MULTIBOOT_H

#include "boot/bootinfo.h"
#include "loader/target.h"

/* Load a multiboot (v1) kernel into the guest's RAM, build its multiboot
 * information (its own memory, its command line, @extra as its one module
 * if given) and fill *out with the multiboot entry state. Logs and
 * returns an error for anything that cannot be booted. */
int load_multiboot(const struct load_target *t, const u8 *image, u64 size,
		   const struct boot_module *extra, struct boot_entry *out);

#endif
