/* SPDX-License-Identifier: MIT */
/*
 * Measurement windows for tools/tlbplugin. A guest brackets the work it
 * wants measured with two markers; the plugin, which sees every
 * instruction QEMU translates, counts TLB misses and exits only between
 * them. A marker is a NOP (0F 1F /0, "nopl disp32(%rax)") whose
 * displacement says what it is, so it does nothing on any CPU, bare or
 * under braid, and costs one instruction:
 *
 *   disp32 = BRAID_MARK_MAGIC | op << 8 | window
 *
 * Shared by the guests and the plugin, so the two can never disagree.
 */
#ifndef BRAID_MARKER_H
#define BRAID_MARKER_H

#define BRAID_MARK_MAGIC 0x42520000u /* "RB" in the top half */
#define BRAID_MARK_BEGIN 1u
#define BRAID_MARK_END	 2u

/* Window numbers: the toy guests' whole run, then one per Linux workload
 * (guests/linux: the order of LINUX_WORKLOADS). */
#define BRAID_WINDOW_GUEST     0u
#define BRAID_WINDOW_FORKEXEC  1u
#define BRAID_WINDOW_MMAPCHURN 2u
#define BRAID_WINDOW_BIGWS     3u
#define BRAID_WINDOW_MIXWS     4u
#define BRAID_WINDOW_MTCHURN   5u
/* From here on, a guest's own (guests/tlbstride.c). */
#define BRAID_WINDOW_USER 16u

#define BRAID_MARK_DISP(op, window) (BRAID_MARK_MAGIC | (op) << 8 | (window))

#ifndef __ASSEMBLY__
#define BRAID_MARK(op, window)                                  \
	__asm__ volatile("nopl %c0(%%rax)"                      \
			 :                                      \
			 : "i"(BRAID_MARK_DISP((op), (window))) \
			 : "memory")
#endif

#endif
