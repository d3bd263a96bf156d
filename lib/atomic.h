/* SPDX-License-Identifier: MIT */
/*
 * The atomic operations braid uses, as thin wrappers over GCC's __atomic
 * builtins, so that every access to a word other CPUs touch without a lock
 * is visible by name. On x86_64 (SDM Vol. 3A 9.2, "Memory ordering") loads
 * are not reordered with other loads, nor stores with other stores, so
 * acquire loads and release stores compile to plain MOVs; what they add is
 * that the compiler may not move other accesses across them. The
 * read-modify-write forms are LOCK-prefixed instructions (or XCHG, locked
 * by itself: SDM Vol. 3A 9.1.2.1) and are full barriers.
 */
#ifndef LIB_ATOMIC_H
#define LIB_ATOMIC_H

/* A load that later loads and stores cannot move above. */
#define atomic_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
/* A load with no ordering, but whole and not cached in a register. */
#define atomic_load_relaxed(p) __atomic_load_n((p), __ATOMIC_RELAXED)
/* A store that earlier loads and stores cannot move below. */
#define atomic_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define atomic_store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
/* Store @v, return what was there (XCHG). */
#define atomic_xchg(p, v) __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
/* If *@p is *@expected, store @v and return true; else copy *@p into
 * *@expected and return false (LOCK CMPXCHG). */
#define atomic_cmpxchg(p, expected, v)                           \
	__atomic_compare_exchange_n((p), (expected), (v), false, \
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
/* Add, or, and: return the old value (LOCK XADD, LOCK OR/AND or a
 * CMPXCHG loop where the old value is used). */
#define atomic_fetch_add(p, v) __atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST)
#define atomic_fetch_sub(p, v) __atomic_fetch_sub((p), (v), __ATOMIC_SEQ_CST)
#define atomic_fetch_or(p, v)  __atomic_fetch_or((p), (v), __ATOMIC_SEQ_CST)
#define atomic_fetch_and(p, v) __atomic_fetch_and((p), (v), __ATOMIC_SEQ_CST)
/* A counter bumped from many CPUs whose exact order does not matter. */
#define atomic_inc_relaxed(p) \
	((void)__atomic_fetch_add((p), 1, __ATOMIC_RELAXED))

#endif
