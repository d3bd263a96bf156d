/* SPDX-License-Identifier: MIT */
/*
 * Booting Linux bzImages as guests through the 32-bit boot protocol
 * (Linux Documentation/arch/x86/boot.rst, "The Linux/x86 Boot Protocol").
 *
 * load_linux() is a thin wrapper around pure functions on buffers, which
 * the unit tests call directly: linux_parse() checks the setup header,
 * linux_place() fits the kernel, its initrd and its command line into the
 * guest's RAM, linux_boot_params() fills in the "zero page".
 */
#ifndef LOADER_LINUX_H
#define LOADER_LINUX_H

#include "boot/bootinfo.h"
#include "loader/target.h"

/* Guest-physical addresses of what braid puts below 1 MiB. */
#define LINUX_BOOT_PARAMS_GPA 0x10000
#define LINUX_CMDLINE_GPA     0x20000
#define LINUX_ZERO_PAGE_SIZE  4096
#define LINUX_MEM_MAX	      0xfec00000ull /* RAM ends below the APICs */

/* What braid needs to know about a kernel, from its setup header. */
struct linux_kernel {
	u16 version;	  /* boot protocol: 0x020f is 2.15 */
	u32 hdr_end;	  /* the setup header is image[0x1f1, hdr_end) */
	u64 setup_size;	  /* bytes of real-mode code before the kernel */
	u64 kernel_size;  /* bytes of protected-mode kernel in the file */
	u64 load;	  /* guest-physical load address, the 32-bit entry */
	u64 need;	  /* bytes it needs from there while booting */
	u64 end;	  /* first byte after everything it may touch */
	u64 initrd_limit; /* the initrd must end at or below this */
	u32 cmdline_max;  /* longest command line, without the NUL */
};

/* Where the initrd goes (size 0: there is none). */
struct linux_initrd {
	u64 gpa, size;
};

/* Does @image start like a bzImage (boot flag and "HdrS" present)? */
bool linux_is_bzimage(const u8 *image, u64 size);

/* Check the setup header and work out where the kernel loads. On error,
 * @why (of @len bytes) says what is wrong; returns -errno. */
int linux_parse(const u8 *image, u64 size, struct linux_kernel *k, char *why,
		size_t len);

/* Fit the kernel, an initrd of @initrd_size bytes and a command line of
 * @cmdline_len bytes into @mem bytes of guest RAM; fills @rd. On error,
 * @why says what does not fit; returns -E2BIG. */
int linux_place(const struct linux_kernel *k, u64 mem, u64 initrd_size,
		u64 cmdline_len, struct linux_initrd *rd, char *why,
		size_t len);

/* Fill the LINUX_ZERO_PAGE_SIZE bytes at @zp with the boot parameters. */
void linux_boot_params(u8 *zp, const u8 *image, const struct linux_kernel *k,
		       const struct linux_initrd *rd, u64 mem);

/* Load a bzImage, @initrd (may be NULL) and @cmdline into the guest's RAM
 * and fill *out with the 32-bit boot protocol's entry state. Logs one
 * line naming the problem and returns -errno for anything it cannot boot. */
int load_linux(const struct load_target *t, const u8 *image, u64 size,
	       const struct boot_module *initrd, const char *cmdline,
	       struct boot_entry *out);

#endif
