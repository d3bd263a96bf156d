// SPDX-License-Identifier: MIT
/* See fake_phys.h. The pa_to_va() and va_to_pa() of every host test
 * binary (the hypervisor's are inline, in lib/phys.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "lib/phys.h"
#include "tests/unit/fake_phys.h"

#define GUARD_SIZE MiB(1)

static u8 *arena;

static u8 *get_arena(void)
{
	void *p;

	if (arena)
		return arena;
	p = mmap(NULL, FAKE_PHYS_SIZE + GUARD_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		perror("fake_phys: mmap");
		abort();
	}
	if (mprotect((u8 *)p + FAKE_PHYS_SIZE, GUARD_SIZE, PROT_NONE)) {
		perror("fake_phys: mprotect");
		abort();
	}
	arena = p;
	return arena;
}

void *pa_to_va(phys_t pa)
{
	if (pa >= FAKE_PHYS_SIZE) {
		fprintf(stderr,
			"fake_phys: pa_to_va(%#llx) is outside fake RAM "
			"[0, %#llx)\n",
			(unsigned long long)pa,
			(unsigned long long)FAKE_PHYS_SIZE);
		abort();
	}
	return get_arena() + pa;
}

phys_t va_to_pa(const void *va)
{
	const u8 *p = va, *a = get_arena();

	if (p < a || p >= a + FAKE_PHYS_SIZE) {
		fprintf(stderr, "fake_phys: va_to_pa(%p) is outside fake RAM\n",
			va);
		abort();
	}
	return (phys_t)(p - a);
}

void *fake_phys_ptr(phys_t pa)
{
	return get_arena() + pa;
}

void fake_phys_clear(phys_t pa, u64 len)
{
	memset(get_arena() + pa, 0, len);
}

void fake_phys_fill(phys_t pa, u64 len, u8 byte)
{
	memset(get_arena() + pa, byte, len);
}
