/* SPDX-License-Identifier: MIT */
/* Fixed-width types and small helpers for the freestanding guest runtime. */
#ifndef GUEST_TYPES_H
#define GUEST_TYPES_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long u64; /* LP64: printf's %lx prints a u64 */
typedef long s64;

#define BIT(n)		 (1UL << (n))
#define ARRAY_SIZE(a)	 (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)	 (((x) + (a)-1) & ~((u64)(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((u64)(a)-1))

#define KiB	  1024UL
#define MiB	  (1024UL * KiB)
#define GiB	  (1024UL * MiB)
#define PAGE_SIZE 4096UL

#define __noreturn     __attribute__((noreturn))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define __aligned(n)   __attribute__((aligned(n)))
#define __packed       __attribute__((packed))

void *memset(void *s, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
size_t strlen(const char *s);
int memcmp(const void *a, const void *b, size_t n);

#endif
