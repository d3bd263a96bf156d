// SPDX-License-Identifier: MIT
/* A guest's RAM in 2 MiB host chunks (mm/guest_mem.h). */
#include "lib/phys.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/guest_mem.h"

void guest_mem_free(struct guest_mem *m)
{
	for (u64 i = 0; m->chunks && i < m->nr_chunks; i++)
		if (m->chunks[i])
			frame_free_contig(m->chunks[i],
					  GUEST_CHUNK / PAGE_SIZE);
	if (m->chunks)
		frame_free_contig(va_to_pa(m->chunks),
				  ALIGN_UP(m->nr_chunks * 8, PAGE_SIZE) /
					  PAGE_SIZE);
	m->chunks = NULL;
	m->nr_chunks = 0;
}

int guest_mem_alloc(struct guest_mem *m, u64 size)
{
	u64 n = size / GUEST_CHUNK;
	phys_t arr = frame_alloc_contig(ALIGN_UP(n * 8, PAGE_SIZE) / PAGE_SIZE,
					PAGE_SIZE);

	m->size = size;
	if (!arr)
		return -ENOMEM;
	m->chunks = pa_to_va(arr);
	m->nr_chunks = n;
	for (u64 i = 0; i < n; i++) {
		m->chunks[i] = frame_alloc_contig(GUEST_CHUNK / PAGE_SIZE,
						  GUEST_CHUNK);
		if (!m->chunks[i]) {
			guest_mem_free(m);
			return -ENOMEM;
		}
	}
	return 0;
}

void *guest_mem_ptr(const struct guest_mem *m, gpa_t gpa, u64 len)
{
	u64 i = gpa / GUEST_CHUNK, off = gpa % GUEST_CHUNK;

	if (i >= m->nr_chunks || len > GUEST_CHUNK - off)
		return NULL;
	return (u8 *)pa_to_va(m->chunks[i]) + off;
}

phys_t guest_mem_hpa(const struct guest_mem *m, u64 gfn)
{
	u64 gpa = gfn << PAGE_SHIFT;

	if (gfn >= m->size >> PAGE_SHIFT)
		return 0;
	return m->chunks[gpa / GUEST_CHUNK] + gpa % GUEST_CHUNK;
}

static int copy(const struct guest_mem *m, gpa_t gpa, void *buf, u64 len,
		bool to_guest)
{
	u8 *p = buf;

	if (gpa + len < gpa || gpa + len > m->size)
		return -EFAULT;
	while (len) {
		u64 n = MIN(len, GUEST_CHUNK - gpa % GUEST_CHUNK);
		u8 *h = guest_mem_ptr(m, gpa, n);

		if (to_guest)
			memcpy(h, p, n);
		else
			memcpy(p, h, n);
		gpa += n;
		p += n;
		len -= n;
	}
	return 0;
}

int guest_mem_write(const struct guest_mem *m, gpa_t gpa, const void *src,
		    u64 len)
{
	return copy(m, gpa, (void *)src, len, true);
}

int guest_mem_read(const struct guest_mem *m, gpa_t gpa, void *dst, u64 len)
{
	return copy(m, gpa, dst, len, false);
}
