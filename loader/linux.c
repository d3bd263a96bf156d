// SPDX-License-Identifier: MIT
/*
 * A Linux bzImage loader, after Linux Documentation/arch/x86/boot.rst
 * ("The Linux/x86 Boot Protocol") and zero-page.rst. braid uses the 32-bit
 * boot protocol: the real-mode setup code is never run; braid fills in the
 * boot_params ("zero page") itself, loads the protected-mode kernel and
 * enters it in flat 32-bit protected mode with ESI = the zero page.
 *
 * Guest-physical layout:
 *
 *   0x00000000 +------------------------+
 *              | zeros                  |  RAM
 *   0x00010000 +------------------------+
 *              | boot_params (4 KiB)    |  RAM; ESI points here
 *   0x00011000 +------------------------+
 *              | zeros                  |  RAM
 *   0x00020000 +------------------------+
 *              | kernel command line    |  RAM; hdr.cmd_line_ptr
 *              +------------------------+
 *              | zeros                  |  RAM
 *   0x0009fc00 +------------------------+
 *              | "EBDA"                 |  reserved
 *   0x000a0000 +------------------------+
 *              | VGA and option ROMs    |  not in the e820 map
 *   0x000f0000 +------------------------+
 *              | MP and ACPI tables     |  reserved, the "BIOS ROM"
 *              | (loader/fwtables.h)    |
 *   0x00100000 +------------------------+
 *              | free                   |  RAM
 *   load       +------------------------+  pref_address, or code32_start
 *              | protected-mode kernel, |  RAM; init_size bytes, in which
 *              | then its decompression |  the kernel decompresses itself
 *   load+need  +------------------------+
 *              | free                   |  RAM
 *   initrd     +------------------------+  page aligned, as high as it goes
 *              | initrd                 |  RAM; hdr.ramdisk_image
 *              +------------------------+  <= mem, initrd_addr_max+1, 4 GiB
 *              | free                   |  RAM
 *   mem        +------------------------+
 *              | nothing (braid's own)  |  never in the e820 map
 *
 * The e820 map lists the RAM hv/guest.c's memory map lists; of the hole
 * below 1 MiB, it lists the "EBDA" and the "BIOS ROM" (which holds the MP
 * and ACPI tables) as reserved. screen_info stays zero, so Linux finds no VGA
 * console and uses whatever console= the command line names.
 */
#include "loader/linux.h"
#include "lib/log.h"
#include "loader/fwtables.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "lib/phys.h"

#define HDR_OFFSET	0x1f1 /* boot.rst: the setup header's offset */
#define HDR_JUMP	0x200 /* a short jump over the header: EB xx */
#define HDR_MAX_END	0x290 /* zero-page.rst: edd_mbr_sig_buffer follows */
#define BOOT_FLAG	0xaa55
#define HDRS_MAGIC	0x53726448 /* "HdrS" */
#define LOADED_HIGH	BIT(0)	   /* loadflags: the kernel loads at 1 MiB */
#define LOADER_UNKNOWN	0xff	   /* type_of_loader: no assigned id */
#define E820_RAM	1
#define E820_RESERVED	2
#define LOW_RAM_END	0x9fc00
#define HIGH_RAM	0x100000
#define OLD_INIT_FACTOR 4 /* see kernel_need() */
#define PROTO(maj, min) ((maj) << 8 | (min))
#define PROTO_ARGS(v)	(unsigned)((v) >> 8), (unsigned)((v)&0xff)

/* boot.rst, "The real-mode kernel header": offsets in the zero page. */
struct setup_header {
	u8 setup_sects;
	u16 root_flags;
	u32 syssize;
	u16 ram_size, vid_mode, root_dev, boot_flag, jump;
	u32 header;
	u16 version;
	u32 realmode_swtch;
	u16 start_sys_seg, kernel_version;
	u8 type_of_loader, loadflags;
	u16 setup_move_size;
	u32 code32_start, ramdisk_image, ramdisk_size, bootsect_kludge;
	u16 heap_end_ptr;
	u8 ext_loader_ver, ext_loader_type;
	u32 cmd_line_ptr, initrd_addr_max, kernel_alignment;
	u8 relocatable_kernel, min_alignment;
	u16 xloadflags;
	u32 cmdline_size, hardware_subarch;
	u64 hardware_subarch_data;
	u32 payload_offset, payload_length;
	u64 setup_data, pref_address;
	u32 init_size, handover_offset, kernel_info_offset;
} __attribute__((packed));

#define HDR_AT(field) \
	(HDR_OFFSET + __builtin_offsetof(struct setup_header, field))
_Static_assert(HDR_AT(syssize) == 0x1f4, "boot.rst header");
_Static_assert(HDR_AT(boot_flag) == 0x1fe, "boot.rst header");
_Static_assert(HDR_AT(header) == 0x202, "boot.rst header");
_Static_assert(HDR_AT(type_of_loader) == 0x210, "boot.rst header");
_Static_assert(HDR_AT(code32_start) == 0x214, "boot.rst header");
_Static_assert(HDR_AT(cmd_line_ptr) == 0x228, "boot.rst header");
_Static_assert(HDR_AT(kernel_alignment) == 0x230, "boot.rst header");
_Static_assert(HDR_AT(cmdline_size) == 0x238, "boot.rst header");
_Static_assert(HDR_AT(setup_data) == 0x250, "boot.rst header");
_Static_assert(HDR_AT(pref_address) == 0x258, "boot.rst header");
_Static_assert(HDR_AT(init_size) == 0x260, "boot.rst header");
_Static_assert(HDR_AT(kernel_info_offset) + 4 == 0x26c, "boot.rst header");

/* zero-page.rst: struct boot_e820_entry. */
struct boot_e820_entry {
	u64 addr, size;
	u32 type;
} __attribute__((packed));
_Static_assert(sizeof(struct boot_e820_entry) == 20, "zero-page.rst");

/* zero-page.rst: the fields braid sets; the rest stays zero. */
struct boot_params {
	u8 pad0[0x0c0];
	u32 ext_ramdisk_image, ext_ramdisk_size, ext_cmd_line_ptr;
	u8 pad1[0x1e8 - 0x0cc];
	u8 e820_entries;
	u8 pad2[HDR_OFFSET - 0x1e9];
	struct setup_header hdr;
	u8 pad3[0x2d0 - 0x26c];
	struct boot_e820_entry e820_table[128];
	u8 pad4[LINUX_ZERO_PAGE_SIZE - 0xcd0];
} __attribute__((packed));
#define BP_AT(field) __builtin_offsetof(struct boot_params, field)
_Static_assert(BP_AT(ext_ramdisk_image) == 0x0c0, "zero-page.rst");
_Static_assert(BP_AT(ext_cmd_line_ptr) == 0x0c8, "zero-page.rst");
_Static_assert(BP_AT(e820_entries) == 0x1e8, "zero-page.rst");
_Static_assert(BP_AT(hdr) == HDR_OFFSET, "zero-page.rst");
_Static_assert(BP_AT(e820_table) == 0x2d0, "zero-page.rst");
_Static_assert(sizeof(struct boot_params) == LINUX_ZERO_PAGE_SIZE,
	       "zero-page.rst");

static u16 get16(const u8 *p)
{
	return p[0] | p[1] << 8;
}

static u32 get32(const u8 *p)
{
	return get16(p) | (u32)get16(p + 2) << 16;
}

bool linux_is_bzimage(const u8 *image, u64 size)
{
	return size >= HDR_AT(header) + 4 &&
	       get16(image + HDR_AT(boot_flag)) == BOOT_FLAG &&
	       get32(image + HDR_AT(header)) == HDRS_MAGIC;
}

/* The header as this kernel defines it: fields past its end (an older
 * protocol) read as zero. */
static void read_header(const u8 *image, u32 end, struct setup_header *h)
{
	memset(h, 0, sizeof(*h));
	memcpy(h, image + HDR_OFFSET,
	       MIN(end, HDR_OFFSET + sizeof(*h)) - HDR_OFFSET);
}

/* boot.rst: the boot flag, the "HdrS" signature, and a short jump at
 * 0x200 whose target ends the header. */
static int check_magic(const u8 *image, u64 size, struct linux_kernel *k,
		       char *why, size_t len)
{
	if (size < HDR_AT(header) + 4)
		snprintf(why, len,
			 "not a Linux bzImage: %llu bytes is too short for a "
			 "setup header",
			 (unsigned long long)size);
	else if (get16(image + HDR_AT(boot_flag)) != BOOT_FLAG)
		snprintf(why, len,
			 "not a Linux bzImage: no 0xAA55 boot flag at 0x1fe");
	else if (get32(image + HDR_AT(header)) != HDRS_MAGIC)
		snprintf(why, len,
			 "not a Linux bzImage: no \"HdrS\" signature at 0x202");
	else
		k->hdr_end =
			MIN(HDR_JUMP + 2 + image[HDR_JUMP + 1], HDR_MAX_END);
	if (!k->hdr_end)
		return -ENOEXEC;
	if (k->hdr_end > size) {
		snprintf(why, len,
			 "truncated bzImage: %llu bytes, shorter than its "
			 "setup header",
			 (unsigned long long)size);
		return -ENOEXEC;
	}
	return 0;
}

/* Version and flags: can braid boot this at all? */
static int check_header(const struct setup_header *h,
			const struct linux_kernel *k, char *why, size_t len)
{
	if (h->version < PROTO(2, 6)) {
		snprintf(why, len,
			 "Linux boot protocol %u.%02u is too old: braid needs "
			 "2.06 or later",
			 PROTO_ARGS(h->version));
		return -ENOTSUP;
	}
	if (k->hdr_end < HDR_AT(cmdline_size) + 4) {
		snprintf(why, len,
			 "corrupt bzImage header: it ends at 0x%x, before the "
			 "fields of protocol 2.06",
			 k->hdr_end);
		return -ENOEXEC;
	}
	if (!(h->loadflags & LOADED_HIGH)) {
		snprintf(why, len,
			 "a zImage (loaded below 1 MiB): braid boots only "
			 "bzImages");
		return -ENOTSUP;
	}
	return 0;
}

/* The file: setup sectors, then syssize paragraphs of protected-mode
 * kernel (boot.rst, "Loading the rest of the kernel"). syssize counts
 * whole 16-byte paragraphs, so the last may be partial: a file up to 15
 * bytes short of it is whole (memtest86+ is 8 short; GRUB and QEMU load
 * what the file holds). */
static int check_size(u64 size, const struct setup_header *h,
		      struct linux_kernel *k, char *why, size_t len)
{
	k->setup_size = ((u64)(h->setup_sects ?: 4) + 1) * 512;
	k->kernel_size = (u64)h->syssize * 16;
	if (!k->kernel_size) {
		snprintf(why, len, "corrupt bzImage header: syssize is 0");
		return -ENOEXEC;
	}
	if (size >= k->setup_size && size < k->setup_size + k->kernel_size &&
	    k->setup_size + k->kernel_size - size < 16)
		k->kernel_size = size - k->setup_size;
	if (size < k->setup_size + k->kernel_size) {
		snprintf(why, len,
			 "truncated bzImage: its header says %llu bytes, the "
			 "file has %llu",
			 (unsigned long long)(k->setup_size + k->kernel_size),
			 (unsigned long long)size);
		return -ENOEXEC;
	}
	return 0;
}

/* boot.rst, init_size (2.10+): what the kernel needs from its load
 * address before it reads the memory map. Older headers do not say; take
 * OLD_INIT_FACTOR times the compressed size, which covers the gzip and
 * bzip2 kernels of that era. */
static u64 kernel_need(const struct setup_header *h, u64 kernel_size)
{
	if (h->version < PROTO(2, 10))
		return kernel_size * OLD_INIT_FACTOR;
	return MAX((u64)h->init_size, kernel_size);
}

/* A relocatable kernel (2.10+) goes at pref_address, aligned to
 * kernel_alignment; 64-bit kernels decompress there even when loaded
 * lower. Any other runs at code32_start, normally 1 MiB, but moves itself
 * to pref_address if it has one (boot.rst, pref_address). */
static int place_kernel(const struct setup_header *h, struct linux_kernel *k,
			char *why, size_t len)
{
	u32 align = h->kernel_alignment;

	k->need = kernel_need(h, k->kernel_size);
	if (h->pref_address > GUEST_MEM_MAX) { /* and no overflow below */
		snprintf(why, len,
			 "corrupt bzImage header: pref_address 0x%llx is "
			 "beyond any guest's RAM",
			 (unsigned long long)h->pref_address);
		return -ENOEXEC;
	}
	if (h->relocatable_kernel && h->version >= PROTO(2, 10)) {
		if (!align || (align & (align - 1))) {
			snprintf(why, len,
				 "corrupt bzImage header: kernel_alignment "
				 "0x%x is not a power of two",
				 align);
			return -ENOEXEC;
		}
		k->load = ALIGN_UP(MAX(h->pref_address, (u64)HIGH_RAM), align);
		k->end = k->load + k->need;
		return 0;
	}
	k->load = h->code32_start;
	if (k->load < HIGH_RAM) {
		snprintf(why, len,
			 "corrupt bzImage header: code32_start 0x%llx is "
			 "below 1 MiB",
			 (unsigned long long)k->load);
		return -ENOEXEC;
	}
	k->end = MAX(k->load, h->pref_address) + k->need;
	return 0;
}

int linux_parse(const u8 *image, u64 size, struct linux_kernel *k, char *why,
		size_t len)
{
	struct setup_header h;
	int err;

	memset(k, 0, sizeof(*k));
	err = check_magic(image, size, k, why, len);
	if (err)
		return err;
	read_header(image, k->hdr_end, &h);
	k->version = h.version;
	err = check_header(&h, k, why, len);
	if (!err)
		err = check_size(size, &h, k, why, len);
	if (!err)
		err = place_kernel(&h, k, why, len);
	if (err)
		return err;
	/* initrd_addr_max is the highest byte; hold the initrd below 4 GiB
	 * so ramdisk_image alone says where it is. */
	k->initrd_limit = MIN((u64)h.initrd_addr_max + 1, GiB(4));
	k->cmdline_max = h.cmdline_size;
	return 0;
}

static unsigned long long mib_up(u64 bytes)
{
	return (bytes + MiB(1) - 1) >> 20;
}

/* The smallest mem= that holds everything below @end. */
static unsigned long long mem_hint(u64 end)
{
	return ALIGN_UP(end, GUEST_CHUNK) >> 20;
}

/* As high as it goes, page aligned, between the kernel and the limit. */
static int place_initrd(const struct linux_kernel *k, u64 mem, u64 size,
			struct linux_initrd *rd, char *why, size_t len)
{
	u64 limit = MIN(mem, k->initrd_limit);

	rd->size = size;
	rd->gpa = 0;
	if (!size)
		return 0;
	if (size <= limit && ALIGN_DOWN(limit - size, PAGE_SIZE) >= k->end) {
		rd->gpa = ALIGN_DOWN(limit - size, PAGE_SIZE);
		return 0;
	}
	if (limit == mem &&
	    ALIGN_UP(k->end, PAGE_SIZE) + size <= k->initrd_limit)
		snprintf(why, len,
			 "initrd (%llu MiB) does not fit between the kernel's "
			 "end at 0x%llx and the end of RAM at 0x%llx: use "
			 "mem=%lluM or more",
			 mib_up(size), (unsigned long long)k->end,
			 (unsigned long long)mem,
			 mem_hint(ALIGN_UP(k->end, PAGE_SIZE) + size));
	else
		snprintf(why, len,
			 "initrd (%llu MiB) does not fit between the kernel's "
			 "end at 0x%llx and its initrd_addr_max limit 0x%llx",
			 mib_up(size), (unsigned long long)k->end,
			 (unsigned long long)k->initrd_limit);
	return -E2BIG;
}

int linux_place(const struct linux_kernel *k, u64 mem, u64 initrd_size,
		u64 cmdline_len, struct linux_initrd *rd, char *why, size_t len)
{
	/* Guest RAM is one range from 0: it must stop below the I/O and
	 * local APICs, which the e820 map and MP table put at 0xFEC00000
	 * and 0xFEE00000 (braid does not yet split RAM around them). */
	if (mem > LINUX_MEM_MAX) {
		snprintf(why, len,
			 "guest RAM (%llu MiB) would cover the APICs at "
			 "0xFEC00000: use mem=%lluM or less",
			 (unsigned long long)(mem >> 20),
			 (unsigned long long)(LINUX_MEM_MAX >> 20));
		return -E2BIG;
	}
	if (cmdline_len > k->cmdline_max) {
		snprintf(why, len,
			 "kernel command line is %llu bytes; this kernel "
			 "accepts at most %u",
			 (unsigned long long)cmdline_len, k->cmdline_max);
		return -E2BIG;
	}
	if (k->end > mem) {
		snprintf(why, len,
			 "kernel needs %llu MiB at 0x%llx; guest has %llu MiB: "
			 "use mem=%lluM or more",
			 mib_up(k->end - k->load), (unsigned long long)k->load,
			 (unsigned long long)(mem >> 20),
			 mem_hint(ALIGN_UP(k->end, PAGE_SIZE) + initrd_size));
		return -E2BIG;
	}
	return place_initrd(k, mem, initrd_size, rd, why, len);
}

/* The guest's memory map, as hv/guest.c lays it out; nothing above RAM. */
static u8 build_e820(struct boot_e820_entry *t, u64 mem)
{
	const struct boot_e820_entry map[] = {
		{ 0, LOW_RAM_END, E820_RAM },
		{ LOW_RAM_END, 0xa0000 - LOW_RAM_END, E820_RESERVED },
		{ FW_AREA_GPA, HIGH_RAM - FW_AREA_GPA, E820_RESERVED },
		{ HIGH_RAM, mem - HIGH_RAM, E820_RAM },
	};

	memcpy(t, map, sizeof(map));
	return ARRAY_SIZE(map);
}

void linux_boot_params(u8 *zp, const u8 *image, const struct linux_kernel *k,
		       const struct linux_initrd *rd, u64 mem)
{
	struct boot_params *bp = (struct boot_params *)zp;

	/* boot.rst, "Details of header fields": zero the page, then copy the
	 * header as the kernel defines it, then set the loader's fields. */
	memset(zp, 0, LINUX_ZERO_PAGE_SIZE);
	memcpy(zp + HDR_OFFSET, image + HDR_OFFSET, k->hdr_end - HDR_OFFSET);
	bp->hdr.type_of_loader = LOADER_UNKNOWN;
	bp->hdr.code32_start = (u32)k->load;
	bp->hdr.cmd_line_ptr = LINUX_CMDLINE_GPA;
	bp->ext_cmd_line_ptr = 0;
	bp->hdr.ramdisk_image = (u32)rd->gpa;
	bp->hdr.ramdisk_size = (u32)rd->size;
	bp->ext_ramdisk_image = (u32)(rd->gpa >> 32);
	bp->ext_ramdisk_size = (u32)(rd->size >> 32);
	bp->hdr.setup_data = 0; /* no linked setup_data */
	bp->e820_entries = build_e820(bp->e820_table, mem);
}

/* Everything into guest RAM: zero page, command line, firmware tables,
 * kernel, initrd. */
static int write_guest(const struct load_target *t, const u8 *image,
		       const struct linux_kernel *k,
		       const struct boot_module *initrd,
		       const struct linux_initrd *rd, const char *cmdline)
{
	u8 *zp = guest_mem_ptr(t->ram, LINUX_BOOT_PARAMS_GPA,
			       LINUX_ZERO_PAGE_SIZE);
	int err;

	if (!zp)
		return -EFAULT;
	linux_boot_params(zp, image, k, rd, t->ram->size);
	err = guest_mem_write(t->ram, LINUX_CMDLINE_GPA, cmdline, strlen(cmdline) + 1)
		      ?: fw_tables_write(t, t->nr_vcpus)
		      ?: guest_mem_write(t->ram, k->load, image + k->setup_size,
				     k->kernel_size);
	if (!err && rd->size)
		err = guest_mem_write(t->ram, rd->gpa, pa_to_va(initrd->start),
				      rd->size);
	return err;
}

static void log_loaded(const struct load_target *t,
		       const struct linux_kernel *k,
		       const struct linux_initrd *rd)
{
	char initrd[64] = "no initrd";

	if (rd->size)
		snprintf(initrd, sizeof(initrd), "initrd %llu MiB at 0x%llx",
			 mib_up(rd->size), (unsigned long long)rd->gpa);
	load_info(t,
		  "Linux bzImage, boot protocol %u.%02u, kernel %llu MiB at "
		  "0x%llx (needs %llu MiB), %s",
		  PROTO_ARGS(k->version), mib_up(k->kernel_size),
		  (unsigned long long)k->load, mib_up(k->end - k->load),
		  initrd);
}

int load_linux(const struct load_target *t, const u8 *image, u64 size,
	       const struct boot_module *initrd, const char *cmdline,
	       struct boot_entry *out)
{
	u64 rd_size = initrd ? initrd->end - initrd->start : 0;
	struct linux_kernel k;
	struct linux_initrd rd;
	char why[200];
	int err;

	err = linux_parse(image, size, &k, why, sizeof(why));
	if (!err)
		err = linux_place(&k, t->ram->size, rd_size, strlen(cmdline),
				  &rd, why, sizeof(why));
	if (err) {
		load_err(t, "%s", why);
		return err;
	}
	err = write_guest(t, image, &k, initrd, &rd, cmdline);
	if (err) {
		load_err(t, "Linux kernel does not fit in its RAM");
		return err;
	}
	log_loaded(t, &k, &rd);
	/* boot.rst, "32-bit Boot Protocol": ESI = boot_params; EBP, EDI and
	 * EBX zero. braid's flat segments are not the __BOOT_CS/__BOOT_DS
	 * selectors the document names; the kernel loads its own GDT
	 * before it reloads any segment register. */
	*out = (struct boot_entry){ .eip = (u32)k.load,
				    .esi = LINUX_BOOT_PARAMS_GPA };
	return 0;
}
