// SPDX-License-Identifier: MIT
/*
 * Host exceptions and interrupts that reach the common entry: an NMI, a
 * machine check, a stray interrupt, an instruction allowed to fault; any
 * other exception is a braid bug: print the CPU state and panic.
 */
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/mce.h"
#include "arch/x86_64/nmi.h"
#include "lib/panic.h"

/* Matches the push order in trap_entry.S, lowest address first. */
struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};

struct extable_entry {
	u64 insn, fixup;
};
extern const struct extable_entry __extable_start[], __extable_end[];

void host_exception(struct trap_frame *f);

/* True if the event was handled and the interrupted code goes on. */
static bool host_event(struct trap_frame *f)
{
	if (f->vector == HOST_CALL_VECTOR) {
		/* Only wakes the CPU: the mailbox says what to do
		 * (arch/x86_64/smp_call.c). */
		host_apic_eoi();
		return true;
	}
	if (f->vector >= 32) {
		host_stray_irq((u8)f->vector);
		return true;
	}
	if (f->vector == VEC_NMI) {
		host_nmi();
		return true;
	}
	if (f->vector == VEC_MC)
		return mce_handle("in braid");
	return false;
}

void host_exception(struct trap_frame *f)
{
	if (host_event(f))
		return;
	for (const struct extable_entry *e = __extable_start; e < __extable_end;
	     e++) {
		if (e->insn == f->rip && f->vector == 13) {
			f->rip = e->fixup;
			return;
		}
	}
	panic("host exception %llu (error 0x%llx) at rip 0x%llx rsp 0x%llx cr2 0x%llx "
	      "rax 0x%llx rbx 0x%llx rcx 0x%llx rdx 0x%llx rsi 0x%llx rdi 0x%llx",
	      (unsigned long long)f->vector, (unsigned long long)f->error,
	      (unsigned long long)f->rip, (unsigned long long)f->rsp,
	      (unsigned long long)read_cr2(), (unsigned long long)f->rax,
	      (unsigned long long)f->rbx, (unsigned long long)f->rcx,
	      (unsigned long long)f->rdx, (unsigned long long)f->rsi,
	      (unsigned long long)f->rdi);
}
