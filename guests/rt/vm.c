// SPDX-License-Identifier: MIT
#include "vm.h"
#include "mem.h"
#include "x86.h"

#define TABLE_FLAGS (PTE_P | PTE_W | PTE_U)
#define PML4_LEVEL  4

static unsigned int index_at(u64 va, int level)
{
	return (va >> (12 + 9 * (level - 1))) & 511;
}

static pte_t *table_at(pte_t e)
{
	return (pte_t *)(e & PTE_ADDR);
}

pte_t *vm_entry(pte_t *root, u64 va, enum pg_level level, bool alloc)
{
	pte_t *table = root;
	int l;

	for (l = PML4_LEVEL; l > (int)level; l--) {
		pte_t *e = &table[index_at(va, l)];

		if (!(*e & PTE_P)) {
			if (!alloc)
				return NULL;
			*e = (u64)page_alloc() | TABLE_FLAGS;
		} else if (*e & PTE_PS) {
			return NULL; /* a 1G/2M page covers va */
		}
		table = table_at(*e);
	}
	return &table[index_at(va, level)];
}

int vm_map(pte_t *root, u64 va, u64 pa, enum pg_level level, u64 flags)
{
	pte_t *e = vm_entry(root, va, level, true);

	if (!e)
		return -1;
	if (level != PG_4K)
		flags |= PTE_PS;
	*e = (pa & PTE_ADDR) | flags;
	return 0;
}

void vm_unmap(pte_t *root, u64 va, enum pg_level level)
{
	pte_t *e = vm_entry(root, va, level, false);

	if (e)
		*e = 0;
}

pte_t *vm_create(void)
{
	pte_t *root = page_alloc();
	u64 pa;

	for (pa = 0; pa < 1 * GiB; pa += level_size(PG_2M))
		vm_map(root, pa, pa, PG_2M, PTE_P | PTE_W | PTE_U);
	return root;
}

pte_t *vm_current(void)
{
	return (pte_t *)(read_cr3() & PTE_ADDR);
}

void vm_switch(pte_t *root)
{
	write_cr3((u64)root);
}

const char *level_name(enum pg_level l)
{
	static const char *const n[] = { "?", "4K", "2M", "1G" };

	return n[l];
}
