// SPDX-License-Identifier: MIT
/* Running one instruction on the host CPU (native.h). */
#define _GNU_SOURCE
#include <asm/ldt.h>
#include <asm/prctl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/decoder/native.h"

/*
 * Arena layout (below 2 GiB):
 *   DATA    test memory, NATIVE_DATA_SIZE bytes
 *   CODE64  the instruction, then a jump back to native_exit64
 *   CODE32  32-bit stub: load segments, registers and flags, the
 *           instruction, save registers and flags, far jump to TRAMP64
 *   CODE16  the same in 16-bit code; the base of the LDT code segment
 *   TRAMP64 64-bit code jumping back to native_back64
 *   STATE   the 32-bit register block the stubs load and save
 *   STACK   a stack for the stubs' pushfd/popfd (top at OFF_STACK_TOP)
 */
#define ARENA_SIZE    0x10000u
#define OFF_DATA      0x0000u
#define OFF_CODE64    0x4100u
#define OFF_CODE32    0x5000u
#define OFF_CODE16    0x6000u
#define OFF_TRAMP64   0x7000u
#define OFF_FARPTR    0x7100u
#define OFF_STATE     0x7800u
#define OFF_STACK_TOP 0xc000u

#define USER32_CS 0x23
#define USER_DS	  0x2b
#define USER_CS	  0x33

/* LDT entries (when we have an LDT): selector = index << 3 | TI | RPL 3. */
enum { LDT_DS, LDT_ES, LDT_SS, LDT_GS, LDT_CODE16, NR_LDT };
#define LDT_SEL(i) ((u16)((i) << 3 | 7))

static u8 *arena;
static bool have[3]; /* 64, 32, 16 */
static bool have_ldt;
static u64 gs_base;
static u16 sel[NR_LDT]; /* selectors for DS, ES, SS, GS, CODE16 */
static u32 base32[NR_LDT];
static u64 insn_off[3]; /* offset of the instruction in each stub */

static unsigned mode_idx(unsigned mode)
{
	return mode == 64 ? 0 : mode == 32 ? 1 : 2;
}

/* The 64-bit side, in assembly. struct native_state: gpr[16], rflags. */
void native_enter64(struct native_state *st, const void *code);
void native_exit64(void);
void native_enter32(const void *farptr);
void native_back64(void);
void native_fix_segments(void);

__asm__(".text\n"
	".globl native_enter64\n"
	"native_enter64:\n"
	"	push %rbx\n"
	"	push %rbp\n"
	"	push %r12\n"
	"	push %r13\n"
	"	push %r14\n"
	"	push %r15\n"
	"	mov %rsp, n_saved_rsp(%rip)\n"
	"	mov %rdi, n_state(%rip)\n"
	"	mov %rsi, n_code(%rip)\n"
	"	pushq 128(%rdi)\n"
	"	popfq\n"
	"	mov 0(%rdi), %rax\n"
	"	mov 8(%rdi), %rcx\n"
	"	mov 16(%rdi), %rdx\n"
	"	mov 24(%rdi), %rbx\n"
	"	mov 40(%rdi), %rbp\n"
	"	mov 48(%rdi), %rsi\n"
	"	mov 64(%rdi), %r8\n"
	"	mov 72(%rdi), %r9\n"
	"	mov 80(%rdi), %r10\n"
	"	mov 88(%rdi), %r11\n"
	"	mov 96(%rdi), %r12\n"
	"	mov 104(%rdi), %r13\n"
	"	mov 112(%rdi), %r14\n"
	"	mov 120(%rdi), %r15\n"
	"	mov 32(%rdi), %rsp\n"
	"	mov 56(%rdi), %rdi\n"
	"	jmp *n_code(%rip)\n"
	".globl native_exit64\n"
	"native_exit64:\n"
	"	mov %rdi, n_tmp(%rip)\n"
	"	mov n_state(%rip), %rdi\n"
	"	mov %rax, 0(%rdi)\n"
	"	mov %rcx, 8(%rdi)\n"
	"	mov %rdx, 16(%rdi)\n"
	"	mov %rbx, 24(%rdi)\n"
	"	mov %rsp, 32(%rdi)\n"
	"	mov %rbp, 40(%rdi)\n"
	"	mov %rsi, 48(%rdi)\n"
	"	mov %r8, 64(%rdi)\n"
	"	mov %r9, 72(%rdi)\n"
	"	mov %r10, 80(%rdi)\n"
	"	mov %r11, 88(%rdi)\n"
	"	mov %r12, 96(%rdi)\n"
	"	mov %r13, 104(%rdi)\n"
	"	mov %r14, 112(%rdi)\n"
	"	mov %r15, 120(%rdi)\n"
	"	mov n_tmp(%rip), %rax\n"
	"	mov %rax, 56(%rdi)\n"
	"	mov n_saved_rsp(%rip), %rsp\n"
	"	pushfq\n"
	"	popq 128(%rdi)\n"
	"	cld\n"
	"	jmp native_return\n"
	/* Into 32-bit code: rdi points at a m16:32 far pointer. */
	".globl native_enter32\n"
	"native_enter32:\n"
	"	push %rbx\n"
	"	push %rbp\n"
	"	push %r12\n"
	"	push %r13\n"
	"	push %r14\n"
	"	push %r15\n"
	"	mov %rsp, n_saved_rsp(%rip)\n"
	"	mov %ds, %eax\n"
	"	mov %eax, n_saved_ds(%rip)\n"
	"	mov %es, %eax\n"
	"	mov %eax, n_saved_es(%rip)\n"
	"	ljmpl *(%rdi)\n"
	".globl native_back64\n"
	"native_back64:\n"
	"	mov n_saved_rsp(%rip), %rsp\n"
	"	call native_fix_segments\n"
	"	cld\n"
	"native_return:\n"
	"	pop %r15\n"
	"	pop %r14\n"
	"	pop %r13\n"
	"	pop %r12\n"
	"	pop %rbp\n"
	"	pop %rbx\n"
	"	ret\n"
	".data\n"
	".balign 8\n"
	"n_saved_rsp: .quad 0\n"
	"n_state: .quad 0\n"
	"n_code: .quad 0\n"
	"n_tmp: .quad 0\n"
	"n_saved_ds: .long 0\n"
	"n_saved_es: .long 0\n"
	".text\n"
	/* DS, ES as they were, SS as the kernel sets it. */
	".globl native_fix_segments\n"
	"native_fix_segments:\n"
	"	mov n_saved_ds(%rip), %eax\n"
	"	mov %eax, %ds\n"
	"	mov n_saved_es(%rip), %eax\n"
	"	mov %eax, %es\n"
	"	mov $0x2b, %eax\n"
	"	mov %eax, %ss\n"
	"	ret\n");

/* --- Faults ---------------------------------------------------------- */

static sigjmp_buf fault_jmp;
static volatile sig_atomic_t in_native;

static void on_fault(int sig)
{
	if (!in_native) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	in_native = 0;
	siglongjmp(fault_jmp, sig);
}

static bool install_handlers(void)
{
	static u8 altstack[65536];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	struct sigaction sa;

	if (sigaltstack(&ss, NULL))
		return false;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	return !sigaction(SIGSEGV, &sa, NULL) &&
	       !sigaction(SIGBUS, &sa, NULL) && !sigaction(SIGILL, &sa, NULL) &&
	       !sigaction(SIGFPE, &sa, NULL);
}

/* --- 32- and 16-bit stubs --------------------------------------------- */

struct emit {
	u8 *p;
	bool c16; /* 16-bit code: 32-bit operands and addresses need 66/67 */
};

static void emit_b(struct emit *e, u8 b)
{
	*e->p++ = b;
}

static void emit_32(struct emit *e, u32 v)
{
	memcpy(e->p, &v, 4);
	e->p += 4;
}

static void emit_op32(struct emit *e)
{
	if (e->c16)
		emit_b(e, 0x66);
}

static u32 a32(u32 off)
{
	return (u32)(uintptr_t)(arena + off);
}

/* The offset of arena + off in DS. */
static u32 ds_off(u32 off)
{
	return a32(off) - base32[LDT_DS];
}

/* mov r32, imm32 */
static void emit_mov_imm(struct emit *e, unsigned reg, u32 imm)
{
	emit_op32(e);
	emit_b(e, (u8)(0xb8 + reg));
	emit_32(e, imm);
}

/* mov sreg, ax (8E /sreg) */
static void emit_mov_sreg(struct emit *e, unsigned sreg, u16 selector)
{
	emit_mov_imm(e, 0, selector);
	emit_b(e, 0x8e);
	emit_b(e, (u8)(0xc0 | sreg << 3));
}

/* opcode /reg with a ds:[disp32] operand, 32-bit operand size. */
static void emit_ds_mem(struct emit *e, u8 opcode, unsigned reg, u32 off)
{
	emit_op32(e);
	if (e->c16)
		emit_b(e, 0x67);
	emit_b(e, opcode);
	emit_b(e, (u8)(reg << 3 | 5));
	emit_32(e, ds_off(off));
}

/* Build the stub for mode (32 or 16) around insn; returns the offset of
 * the instruction in the stub. */
static u64 build_stub(unsigned mode, const u8 *insn, size_t len)
{
	static const u8 load_order[8] = { 0, 1, 2, 3, 5, 6, 7, 4 };
	u32 start = mode == 16 ? OFF_CODE16 : OFF_CODE32;
	struct emit e = { arena + start, mode == 16 };
	u8 *tramp = arena + OFF_TRAMP64;
	u64 back = (u64)(uintptr_t)native_back64;
	u32 esp = a32(OFF_STACK_TOP) - base32[LDT_SS];
	u64 at;

	emit_mov_sreg(&e, X86_SEG_DS, sel[LDT_DS]);
	emit_mov_sreg(&e, X86_SEG_ES, sel[LDT_ES]);
	emit_mov_sreg(&e, X86_SEG_GS, sel[LDT_GS]);
	emit_mov_sreg(&e, X86_SEG_SS, sel[LDT_SS]);
	emit_mov_imm(&e, 4, esp);
	emit_ds_mem(&e, 0xff, 6, OFF_STATE + 32); /* push dword [eflags] */
	emit_op32(&e);
	emit_b(&e, 0x9d); /* popfd */
	for (unsigned i = 0; i < 8; i++)
		emit_ds_mem(&e, 0x8b, load_order[i],
			    OFF_STATE + 4 * load_order[i]);
	at = (u64)(e.p - (arena + start));
	if (len)
		memcpy(e.p, insn, len);
	e.p += len;
	for (unsigned r = 0; r < 8; r++)
		emit_ds_mem(&e, 0x89, r, OFF_STATE + 4 * r);
	emit_mov_imm(&e, 4, esp);
	emit_op32(&e);
	emit_b(&e, 0x9c);			  /* pushfd */
	emit_ds_mem(&e, 0x8f, 0, OFF_STATE + 32); /* pop dword [eflags] */
	emit_op32(&e);				  /* ljmp USER_CS:TRAMP64 */
	emit_b(&e, 0xea);
	emit_32(&e, a32(OFF_TRAMP64));
	emit_b(&e, USER_CS);
	emit_b(&e, 0);
	/* TRAMP64: jmp [rip + 0]; .quad native_back64 */
	memcpy(tramp, "\xff\x25\x00\x00\x00\x00", 6);
	memcpy(tramp + 6, &back, 8);
	return at;
}

/* Back to this thread's GS base after 32/16-bit code loaded GS. */
static void restore_gs(void)
{
	syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)gs_base);
}

/* --- Public ------------------------------------------------------------ */

u8 *native_data(void)
{
	return arena + OFF_DATA;
}

bool native_have(unsigned mode)
{
	return have[mode_idx(mode)];
}

bool native_have_ldt(void)
{
	return have_ldt;
}

u64 native_insn_addr(unsigned mode)
{
	if (mode == 64)
		return (u64)(uintptr_t)arena + OFF_CODE64;
	if (mode == 32)
		return (u64)a32(OFF_CODE32) + insn_off[1];
	return insn_off[2]; /* IP, in the CODE16 segment */
}

void native_seg_bases(unsigned mode, u64 base[X86_NR_SEGS])
{
	unsigned long fs = 0;

	memset(base, 0, sizeof(u64) * X86_NR_SEGS);
	if (mode == 64) {
		syscall(SYS_arch_prctl, ARCH_GET_FS, &fs);
		base[X86_SEG_FS] = fs;
		base[X86_SEG_GS] = gs_base;
		return;
	}
	base[X86_SEG_DS] = base32[LDT_DS];
	base[X86_SEG_ES] = base32[LDT_ES];
	base[X86_SEG_SS] = base32[LDT_SS];
	base[X86_SEG_GS] = base32[LDT_GS];
	if (mode == 16)
		base[X86_SEG_CS] = base32[LDT_CODE16];
}

int native_run(unsigned mode, const u8 *insn, size_t len,
	       struct native_state *st)
{
	static struct native_state tmp;
	u32 *regs = (u32 *)(arena + OFF_STATE);
	int sig;

	tmp = *st;
	if (mode == 64) {
		u8 *code = arena + OFF_CODE64;
		u64 back = (u64)(uintptr_t)native_exit64;

		memcpy(code, insn, len);
		memcpy(code + len, "\xff\x25\x00\x00\x00\x00", 6);
		memcpy(code + len + 6, &back, 8);
	} else {
		u8 *far = arena + OFF_FARPTR;
		u32 off = mode == 16 ? 0 : a32(OFF_CODE32);
		u16 cs = mode == 16 ? sel[LDT_CODE16] : USER32_CS;

		build_stub(mode, insn, len);
		for (unsigned i = 0; i < 8; i++)
			regs[i] = (u32)st->gpr[i];
		regs[8] = (u32)st->rflags;
		memcpy(far, &off, 4);
		memcpy(far + 4, &cs, 2);
	}
	sig = sigsetjmp(fault_jmp, 1);
	if (sig) {
		if (mode != 64) {
			native_fix_segments();
			restore_gs();
		}
		return sig;
	}
	in_native = 1;
	if (mode == 64) {
		native_enter64(&tmp, arena + OFF_CODE64);
	} else {
		native_enter32(arena + OFF_FARPTR);
		restore_gs();
		for (unsigned i = 0; i < 8; i++)
			tmp.gpr[i] = regs[i];
		tmp.rflags = regs[8];
	}
	in_native = 0;
	*st = tmp;
	return 0;
}

/* LDT data segments with distinct bases, and a 16-bit code segment. */
static bool setup_ldt(void)
{
	u32 d = a32(OFF_DATA);

	base32[LDT_DS] = d - 0x8000; /* 16-bit offsets reach the data */
	base32[LDT_ES] = d - 0x4000;
	base32[LDT_SS] = d - 0x6000;
	base32[LDT_GS] = d + 0x1000; /* offsets wrap at 4 GiB to reach it */
	base32[LDT_CODE16] = a32(OFF_CODE16);
	for (unsigned i = 0; i < NR_LDT; i++) {
		struct user_desc u;

		memset(&u, 0, sizeof(u));
		u.entry_number = i;
		u.base_addr = base32[i];
		if (i == LDT_CODE16) {
			u.limit = 0xffff;
			u.contents = MODIFY_LDT_CONTENTS_CODE;
		} else {
			u.limit = 0xfffff;
			u.limit_in_pages = 1;
			u.seg_32bit = 1;
			u.contents = MODIFY_LDT_CONTENTS_DATA;
		}
		u.useable = 1;
		if (syscall(SYS_modify_ldt, 1, &u, sizeof(u)))
			return false;
		sel[i] = LDT_SEL(i);
	}
	return true;
}

static void flat_segments(void)
{
	for (unsigned i = 0; i < NR_LDT; i++) {
		sel[i] = USER_DS;
		base32[i] = 0;
	}
}

bool native_init(void)
{
	struct native_state st;
	void *p;

	/* cmocka installs its own fault handlers around each test, which
	 * would run on the guest-controlled stack: take them back. */
	if (arena)
		return install_handlers();
	/* At a fixed address if we can, so that a seed reproduces a run. */
	p = mmap((void *)0x50000000ul, ARENA_SIZE,
		 PROT_READ | PROT_WRITE | PROT_EXEC,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		p = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (p == MAP_FAILED)
		return false;
	arena = p;
	if (!install_handlers())
		return false;
	/* A GS base below the arena, so that GS-relative 32-bit addresses
	 * reach it in 64-bit mode. */
	gs_base = ((u64)(uintptr_t)arena - 0x1234000) & ~0xfffull;
	restore_gs();
	have[0] = true;

	have_ldt = setup_ldt();
	if (!have_ldt)
		flat_segments();
	insn_off[1] = build_stub(32, NULL, 0);
	insn_off[2] = build_stub(16, NULL, 0);
	/* Does 32-bit (16-bit) code run here? mov eax, 0x12345678 */
	for (unsigned m = 32; m >= 16; m -= 16) {
		static const u8 mov32[] = { 0xb8, 0x78, 0x56, 0x34, 0x12 };
		static const u8 mov16[] = {
			0x66, 0xb8, 0x78, 0x56, 0x34, 0x12
		};

		if (m == 16 && !have_ldt)
			break;
		memset(&st, 0, sizeof(st));
		st.rflags = 0x202;
		have[mode_idx(m)] =
			native_run(m, m == 32 ? mov32 : mov16,
				   m == 32 ? sizeof(mov32) : sizeof(mov16),
				   &st) == 0 &&
			st.gpr[0] == 0x12345678;
	}
	return true;
}
