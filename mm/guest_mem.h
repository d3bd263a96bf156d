/* SPDX-License-Identifier: MIT */
/*
 * A guest's RAM: guest-physical [0, size) backed by 2 MiB host chunks
 * that need not be contiguous (firmware memory maps are fragmented). The
 * nested table maps each chunk with one large page where the CPU allows
 * (hv/mmu.c); braid itself reaches guest RAM only through these helpers,
 * which refuse any address outside it.
 */
#ifndef MM_GUEST_MEM_H
#define MM_GUEST_MEM_H

#include "lib/types.h"

#define GUEST_CHUNK   MiB(2)
#define GUEST_MEM_MAX GiB(64) /* the most RAM braid gives a guest (mem=) */

struct guest_mem {
	u64 size;	/* bytes, a multiple of GUEST_CHUNK */
	phys_t *chunks; /* host address of each chunk */
	u64 nr_chunks;
};

/* Allocate @size bytes (a multiple of GUEST_CHUNK). 0 or -ENOMEM, with
 * what was allocated freed. */
int guest_mem_alloc(struct guest_mem *m, u64 size);
void guest_mem_free(struct guest_mem *m);

/* Host pointer to [gpa, gpa+len) if it lies in one chunk, else NULL. */
void *guest_mem_ptr(const struct guest_mem *m, gpa_t gpa, u64 len);
/* Host-physical address of guest frame @gfn, or 0 outside the RAM. */
phys_t guest_mem_hpa(const struct guest_mem *m, u64 gfn);
/* Copy to/from guest RAM; -EFAULT if any byte lies outside it. */
int guest_mem_write(const struct guest_mem *m, gpa_t gpa, const void *src,
		    u64 len);
int guest_mem_read(const struct guest_mem *m, gpa_t gpa, void *dst, u64 len);

#endif
