/* SPDX-License-Identifier: MIT */
/* Basic types shared by every part of braid, hosted or freestanding. */
#ifndef LIB_TYPES_H
#define LIB_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
typedef u64 phys_t; /* a host-physical address */
typedef u64 gpa_t;  /* a guest-physical address */

/* The structure of type @type whose member @member @p points at. */
#define container_of(p, type, member) \
	((type *)((char *)(p)-offsetof(type, member)))
#define BIT(n)		 (1ull << (n))
#define KiB(x)		 ((u64)(x) << 10)
#define MiB(x)		 ((u64)(x) << 20)
#define GiB(x)		 ((u64)(x) << 30)
#define PAGE_SIZE	 4096ull
#define PAGE_SHIFT	 12
#define ALIGN_DOWN(x, a) ((x) & ~((u64)(a)-1))
#define ALIGN_UP(x, a)	 ALIGN_DOWN((x) + (a)-1, (a))
#define IS_ALIGNED(x, a) (((x) & ((u64)(a)-1)) == 0)
#define ARRAY_SIZE(a)	 (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)	 ((a) < (b) ? (a) : (b))
#define MAX(a, b)	 ((a) > (b) ? (a) : (b))

/* Error codes, returned negated, as in the Linux kernel. */
#define ENOENT	2
#define EIO	5
#define EAGAIN	11
#define E2BIG	7
#define ENOEXEC 8
#define ENOMEM	12
#define EFAULT	14
#define EBUSY	16
#define ENODEV	19
#define EEXIST	17
#define EINVAL	22
#define ERANGE	34
#define ENOSYS	38
#define ENOTSUP 95

#endif
