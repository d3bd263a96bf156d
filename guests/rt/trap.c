// SPDX-License-Identifier: MIT
#include "trap.h"
#include "printf.h"
#include "report.h"
#include "segments.h"
#include "x86.h"

/* IDT gate descriptor, SDM Vol. 3A 6.14.1 (Figure 6-8). */
struct idt_gate {
	u16 offset_lo;
	u16 selector;
	u8 ist;
	u8 type_attr; /* P | DPL | type */
	u16 offset_mid;
	u32 offset_hi;
	u32 reserved;
} __packed;

#define GATE_INTR 0x8e /* present, 64-bit interrupt gate: clears IF */
#define GATE_DPL3 0x60

struct jmpbuf {
	u64 rip, rsp, rbx, rbp, r12, r13, r14, r15;
};

/* One active catch_fault(); they may nest. */
struct catcher {
	struct jmpbuf jb;
	struct fault *out;
	struct catcher *outer;
};

int rt_setjmp(struct jmpbuf *jb) __attribute__((returns_twice));
__noreturn void rt_longjmp(struct jmpbuf *jb, int v);
__noreturn void enter_user(u64 (*fn)(u64), u64 arg, u64 user_rsp);
void load_kernel_segments(void);
void trap_dispatch(struct trap_frame *tf);

extern const u64 isr_table[NR_EXCEPTIONS];
extern const u64 isr_user_return;
extern const u64 isr_irq_table[256 - NR_EXCEPTIONS];

static struct idt_gate idt[256] __aligned(16);
static struct catcher *catcher;
bool trap_catch_df;
static struct jmpbuf *user_jb;
static u64 user_result;
static u8 user_stack[8192] __aligned(16);
static irq_handler_t irq_handlers[256];
static irq_handler_t nmi_handler;

static const char *const names[NR_EXCEPTIONS] = {
	"#DE",	 "#DB",	  "NMI",   "#BP",   "#OF", "#BR", "#UD",   "#NM",
	"#DF",	 "CSO",	  "#TS",   "#NP",   "#SS", "#GP", "#PF",   "vec15",
	"#MF",	 "#AC",	  "#MC",   "#XM",   "#VE", "#CP", "vec22", "vec23",
	"vec24", "vec25", "vec26", "vec27", "#HV", "#VC", "#SX",   "vec31",
};

const char *exception_name(int vector)
{
	return vector >= 0 && vector < NR_EXCEPTIONS ? names[vector] : "int";
}

static void set_gate(int vec, u64 handler, u8 attr, u8 ist)
{
	idt[vec] = (struct idt_gate){
		.offset_lo = handler & 0xffff,
		.selector = SEL_KCODE,
		.ist = ist,
		.type_attr = attr,
		.offset_mid = (handler >> 16) & 0xffff,
		.offset_hi = handler >> 32,
	};
}

void trap_load_idt(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed idtr = { sizeof(idt) - 1, (u64)idt };

	asm volatile("lidt %0" : : "m"(idtr));
}

void trap_init(void)
{
	int v;

	for (v = 0; v < NR_EXCEPTIONS; v++)
		set_gate(v, isr_table[v], GATE_INTR, v == X86_DF ? 1 : 0);
	/*
	 * DPL 0: INT n from ring 3 raises #GP (SDM Vol. 3A 6.12.1.1). An
	 * interrupt gate clears RFLAGS.IF, so handlers do not nest.
	 */
	for (v = NR_EXCEPTIONS; v < 256; v++)
		set_gate(v, isr_irq_table[v - NR_EXCEPTIONS], GATE_INTR, 0);
	/* DPL 3 so that INT from ring 3 is allowed (SDM Vol. 3A 6.12.1.1). */
	set_gate(USER_RETURN_VECTOR, isr_user_return, GATE_INTR | GATE_DPL3, 0);
	trap_load_idt();
}

static void dump_frame(const struct trap_frame *tf)
{
	printf("unexpected %s %lu (%s) error=%#lx cr2=%#lx\n",
	       tf->vector < NR_EXCEPTIONS ? "exception" : "interrupt",
	       tf->vector, exception_name((int)tf->vector), tf->error_code,
	       read_cr2());
	printf("  rip=%016lx cs=%04lx rflags=%08lx rsp=%016lx ss=%04lx\n",
	       tf->rip, tf->cs, tf->rflags, tf->rsp, tf->ss);
	printf("  rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx\n", tf->rax,
	       tf->rbx, tf->rcx, tf->rdx);
	printf("  rsi=%016lx rdi=%016lx rbp=%016lx cr3=%016lx\n", tf->rsi,
	       tf->rdi, tf->rbp, read_cr3());
}

static __noreturn void trap_fatal(const struct trap_frame *tf)
{
	static bool dying;

	if (dying)
		guest_exit(1);
	dying = true;
	dump_frame(tf);
	if (tf->vector < NR_EXCEPTIONS)
		report(false, "no unexpected exception (got %s at rip %#lx)",
		       exception_name((int)tf->vector), tf->rip);
	else
		report(false,
		       "no unexpected interrupt (got vector %#lx at rip %#lx)",
		       tf->vector, tf->rip);
	report_summary();
}

static __noreturn void resume_catcher(const struct trap_frame *tf)
{
	struct catcher *c = catcher;

	*c->out = (struct fault){
		.vector = (int)tf->vector,
		.error_code = tf->error_code,
		.cr2 = read_cr2(),
		.rip = tf->rip,
		.cs = tf->cs,
		.rflags = tf->rflags,
	};
	rt_longjmp(&c->jb, 1);
}

/*
 * Called by isr_common for every exception, interrupt and the ring-3
 * return. An interrupt without a handler is fatal even inside
 * catch_fault(): it is not something the code under test raised.
 */
void trap_dispatch(struct trap_frame *tf)
{
	if (tf->vector == USER_RETURN_VECTOR && (tf->cs & 3) == RPL3 &&
	    user_jb) {
		user_result = tf->rax;
		rt_longjmp(user_jb, 1);
	}
	if (tf->vector >= NR_EXCEPTIONS && tf->vector < 256 &&
	    irq_handlers[tf->vector]) {
		irq_handlers[tf->vector](tf);
		return;
	}
	if (tf->vector == X86_NMI && nmi_handler) {
		nmi_handler(tf);
		return;
	}
	if (tf->vector >= NR_EXCEPTIONS && tf->vector != USER_RETURN_VECTOR)
		trap_fatal(tf);
	if (catcher && (tf->vector != X86_DF || trap_catch_df))
		resume_catcher(tf);
	trap_fatal(tf);
}

int irq_set_handler(u8 vector, irq_handler_t fn)
{
	if (vector < NR_EXCEPTIONS || vector == USER_RETURN_VECTOR)
		return -1;
	irq_handlers[vector] = fn;
	return 0;
}

void nmi_set_handler(irq_handler_t fn)
{
	nmi_handler = fn;
}

bool catch_fault(void (*fn)(void *), void *arg, struct fault *f)
{
	struct catcher c = { .out = f, .outer = catcher };

	if (rt_setjmp(&c.jb)) {
		/* The fault may have come from ring 3, abandoning user_call. */
		load_kernel_segments();
		user_jb = NULL;
		catcher = c.outer;
		return true;
	}
	catcher = &c;
	fn(arg);
	catcher = c.outer;
	f->vector = -1;
	return false;
}

u64 user_call(u64 (*fn)(u64), u64 arg)
{
	struct jmpbuf jb;

	if (rt_setjmp(&jb)) {
		load_kernel_segments();
		user_jb = NULL;
		return user_result;
	}
	user_jb = &jb;
	enter_user(fn, arg, (u64)user_stack + sizeof(user_stack));
}

struct access_req {
	enum access acc;
	int cpl;
	u64 va;
	u64 val;
};

/* Runs at CPL 0 or 3: must not print or touch ports. */
static void do_access(struct access_req *r)
{
	switch (r->acc) {
	case ACC_READ: r->val = *(volatile u64 *)r->va; break;
	case ACC_WRITE: *(volatile u64 *)r->va = r->val; break;
	case ACC_EXEC: ((void (*)(void))r->va)(); break;
	}
}

static u64 user_access(u64 arg)
{
	do_access((struct access_req *)arg);
	return 0;
}

static void access_fn(void *arg)
{
	struct access_req *r = arg;

	if (r->cpl == 3)
		user_call(user_access, (u64)r);
	else
		do_access(r);
}

bool try_access(enum access acc, int cpl, u64 va, u64 *val, struct fault *f)
{
	struct access_req r = { .acc = acc, .cpl = cpl, .va = va };
	bool faulted;

	if (val)
		r.val = *val;
	faulted = catch_fault(access_fn, &r, f);
	if (!faulted && val)
		*val = r.val;
	return faulted;
}

const char *access_name(enum access acc)
{
	static const char *const n[] = { "read", "write", "exec" };

	return n[acc];
}
