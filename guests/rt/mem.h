/* SPDX-License-Identifier: MIT */
/*
 * Physical page allocator: a bump pointer over the free RAM above the
 * kernel image and the loader's info. Pages are never freed.
 *
 *   0x100000  guest image (.text .rodata .data .bss)
 *             loader structures (info block, cmdline, mmap), if above
 *   mem_base  first page handed out by page_alloc()
 *   mem_top   end of that RAM range, at most 1 GiB (identity-mapped)
 */
#ifndef GUEST_MEM_H
#define GUEST_MEM_H

#include "types.h"

void mem_init(void);
/* A zeroed 4 KiB page; va == pa. Ends the guest (FAIL) if RAM runs out. */
void *page_alloc(void);
u64 mem_free_bytes(void);
void mem_print(void);

extern char _image_start[], _image_end[];

#endif
