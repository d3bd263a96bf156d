// SPDX-License-Identifier: MIT
/* A loader's world for host tests (see fake_guest.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "tests/unit/fake_guest.h"

u8 *fake_ram;
char fake_log[4096];

void kprintf(const char *fmt, ...)
{
	size_t n = strlen(fake_log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fake_log + n, sizeof(fake_log) - n, fmt, ap);
	va_end(ap);
}

void *guest_mem_ptr(const struct guest_mem *m, gpa_t gpa, u64 len)
{
	if (gpa + len > m->size || len > GUEST_CHUNK - gpa % GUEST_CHUNK)
		return NULL;
	return fake_ram + gpa;
}

int guest_mem_write(const struct guest_mem *m, gpa_t gpa, const void *src,
		    u64 len)
{
	if (gpa + len < gpa || gpa + len > m->size)
		return -EFAULT;
	memcpy(fake_ram + gpa, src, len);
	return 0;
}
