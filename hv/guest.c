// SPDX-License-Identifier: MIT
/*
 * Guest lifetime and guest RAM. RAM is backed by 2 MiB host chunks that
 * need not be contiguous (firmware memory maps are fragmented); the nested
 * table maps each chunk with one large page where the CPU allows.
 *
 * Guest-physical layout (what the guest's memory map says):
 *
 *   0x00000000 +-----------------+
 *              | low RAM         |  available
 *   0x0009fc00 +-----------------+
 *              | "EBDA/ROM" hole |  reserved (backed, but not RAM to the guest)
 *   0x00100000 +-----------------+
 *              | RAM             |  available, up to mem=
 *   mem        +-----------------+
 *              | nothing         |  any access stops the guest
 */
#include <stdarg.h>

#include "arch/x86_64/vendor.h"
#include "hv/guest.h"
#include "hv/log.h"
#include "hv/mmu.h"
#include "hv/vplat.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "mm/phys.h"

const char *paging_mode_name(enum paging_mode m)
{
	static const char *const names[] = { "nested", "shadow", "compound" };

	return names[m];
}

static void free_ram(struct guest *g)
{
	for (u64 i = 0; g->chunks && i < g->nr_chunks; i++)
		if (g->chunks[i])
			frame_free_contig(g->chunks[i],
					  GUEST_CHUNK / PAGE_SIZE);
	if (g->chunks)
		frame_free_contig(va_to_pa(g->chunks),
				  ALIGN_UP(g->nr_chunks * 8, PAGE_SIZE) /
					  PAGE_SIZE);
	g->chunks = NULL;
}

static int alloc_ram(struct guest *g)
{
	u64 n = g->cfg.mem / GUEST_CHUNK;
	phys_t arr = frame_alloc_contig(ALIGN_UP(n * 8, PAGE_SIZE) / PAGE_SIZE,
					PAGE_SIZE);

	if (!arr)
		return -ENOMEM;
	g->chunks = pa_to_va(arr);
	g->nr_chunks = n;
	for (u64 i = 0; i < n; i++) {
		g->chunks[i] = frame_alloc_contig(GUEST_CHUNK / PAGE_SIZE,
						  GUEST_CHUNK);
		if (!g->chunks[i])
			return -ENOMEM;
	}
	return 0;
}

int guest_create(struct guest *g, const struct guest_config *cfg)
{
	static unsigned next_id;
	u64 free_mib = frame_free_count() * PAGE_SIZE >> 20;
	int err;

	memset(g, 0, sizeof(*g));
	g->cfg = *cfg;
	g->id = next_id++;
	vuart_reset(&g->uart);
	vplat_reset(g);
	err = alloc_ram(g);
	if (err) {
		guest_err(
			g,
			"not enough memory: needs %llu MiB (mem=), only %llu MiB free",
			(unsigned long long)(cfg->mem >> 20),
			(unsigned long long)free_mib);
		free_ram(g);
		return err;
	}
	err = mmu_create(g);
	if (!err)
		err = vendor->vcpu_create(&g->vcpu, (enum vcpu_mmu)cfg->paging,
					  g->nested.root);
	if (err) {
		guest_err(g, "not enough memory for its page tables and vCPU");
		guest_destroy(g);
		return err;
	}
	g->vcpu.guest = g;
	return 0;
}

void guest_destroy(struct guest *g)
{
	if (g->vcpu.arch)
		vendor->vcpu_destroy(&g->vcpu);
	mmu_destroy(g);
	free_ram(g);
}

void *guest_ptr(struct guest *g, gpa_t gpa, u64 len)
{
	u64 i = gpa / GUEST_CHUNK, off = gpa % GUEST_CHUNK;

	if (i >= g->nr_chunks || len > GUEST_CHUNK - off)
		return NULL;
	return (u8 *)pa_to_va(g->chunks[i]) + off;
}

static int guest_copy(struct guest *g, gpa_t gpa, void *buf, u64 len,
		      bool to_guest)
{
	u8 *p = buf;

	if (gpa + len < gpa || gpa + len > g->cfg.mem)
		return -EFAULT;
	while (len) {
		u64 n = MIN(len, GUEST_CHUNK - gpa % GUEST_CHUNK);
		u8 *h = guest_ptr(g, gpa, n);

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

int guest_write(struct guest *g, gpa_t gpa, const void *src, u64 len)
{
	return guest_copy(g, gpa, (void *)src, len, true);
}

int guest_read(struct guest *g, gpa_t gpa, void *dst, u64 len)
{
	return guest_copy(g, gpa, dst, len, false);
}

void guest_exit(struct guest *g, u32 result)
{
	guest_console_flush(g);
	g->state = GUEST_EXITED;
	g->result = result;
}

void guest_stop(struct guest *g, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	guest_console_flush(g);
	guest_info(g, "stopped: %s at rip 0x%llx", why,
		   (unsigned long long)vendor->get(&g->vcpu, VREG_RIP));
	vendor->dump(&g->vcpu);
	g->state = GUEST_STOPPED;
}
