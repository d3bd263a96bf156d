/* SPDX-License-Identifier: MIT */
/*
 * Exceptions, interrupts, expected faults, and running code at CPL 3.
 *
 * Every one of the 32 exception vectors has a handler. A fault raised
 * inside catch_fault() is recorded (vector, error code, CR2, RIP) and
 * execution resumes in catch_fault(), which returns true. Any other
 * exception is fatal: it is dumped, counted as a FAIL, and the guest ends.
 *
 * Vectors 32-255 (except USER_RETURN_VECTOR) call the C handler set with
 * irq_set_handler(); one without a handler is fatal the same way.
 */
#ifndef GUEST_TRAP_H
#define GUEST_TRAP_H

#include "types.h"

/* Layout pushed by isr.S; the CPU part is SDM Vol. 3A 6.14.2, Figure 6-9. */
struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};

struct fault {
	int vector; /* -1: no fault */
	u64 error_code;
	u64 cr2; /* only meaningful for #PF */
	u64 rip;
	u64 cs;	    /* RPL tells which ring faulted */
	u64 rflags; /* as pushed: RF says the CPU took it for a fault */
};

/* #PF error code bits, SDM Vol. 3A 4.7 (Figure 4-12). */
#define PFEC_P	  BIT(0) /* 0: not present, 1: protection */
#define PFEC_W	  BIT(1) /* write access */
#define PFEC_U	  BIT(2) /* access at CPL 3 */
#define PFEC_RSVD BIT(3) /* reserved bit set in a paging entry */
#define PFEC_I	  BIT(4) /* instruction fetch */

#define NR_EXCEPTIONS 32 /* vectors 0-31 (SDM Vol. 3A 6.2) */

void trap_init(void);
/* Load the IDT trap_init() built: every CPU shares it (APs call this). */
void trap_load_idt(void);
const char *exception_name(int vector);

/*
 * Handler for an interrupt vector (32-255). It runs on the current stack
 * (TSS.RSP0 if ring 3 was interrupted) with RFLAGS.IF=0, as the interrupt
 * gate leaves it; returning resumes the interrupted code with IRETQ. It
 * must do its own EOI. fn == NULL removes the handler. Returns -1 for
 * vectors 0-31 and USER_RETURN_VECTOR, 0 otherwise.
 */
typedef void (*irq_handler_t)(struct trap_frame *tf);
int irq_set_handler(u8 vector, irq_handler_t fn);

/*
 * Handler for NMIs (vector 2), e.g. NMI IPIs between CPUs. Without one an
 * NMI is an unexpected exception like any other. NMIs stay blocked until
 * the IRETQ that ends the handler (SDM Vol. 3A 6.7.1); no EOI is needed.
 */
void nmi_set_handler(irq_handler_t fn);

/* Run fn(arg). True if it raised an exception; *f then says which. A
 * double fault is fatal unless trap_catch_df is set. The BSP's only:
 * there is one catcher, so APs must not fault on purpose. */
extern bool trap_catch_df;
bool catch_fault(void (*fn)(void *), void *arg, struct fault *f);

/* Run fn(arg) at CPL 3 on the runtime's user stack; returns fn's result. */
u64 user_call(u64 (*fn)(u64), u64 arg);

enum access { ACC_READ, ACC_WRITE, ACC_EXEC };

/*
 * One 8-byte access to va at CPL 0 or 3. ACC_READ stores the value read in
 * *val, ACC_WRITE writes *val, ACC_EXEC calls va (which must hold a RET).
 * True if it faulted; *f describes the fault (f->vector == -1 otherwise).
 */
bool try_access(enum access acc, int cpl, u64 va, u64 *val, struct fault *f);
const char *access_name(enum access acc);

#endif
