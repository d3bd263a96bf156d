// SPDX-License-Identifier: MIT
/*
 * Guest modules to running guests and back to results (hv/dispatch.h).
 *
 * One lock, `lock`, guards the list of modules, the count of running
 * guests and the tally, for moments only: creating and loading a guest
 * (which zeroes its RAM) and printing its results happen outside it, on
 * the launch's own buffers. One CPU at a time admits guests (`admitting`),
 * so that the free memory a waiting guest needs is judged by one CPU; a
 * CPU that frees memory meanwhile asks it to look again (`again`). The
 * lock is taken on the boot CPU at start and on whichever CPU sees a guest
 * end; never in an exit path.
 */
#define LOG_TAG "boot"
#include "arch/x86_64/cpu_state.h"
#include "arch/x86_64/nmi.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/vendor.h"
#include "hv/classify.h"
#include "hv/dispatch.h"
#include "hv/guest.h"
#include "hv/hostcons.h"
#include "hv/options.h"
#include "hv/run.h"
#include "hv/sched.h"
#include "hv/stats.h"
#include "lib/atomic.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "lib/phys.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "loader/linux.h"
#include "loader/multiboot.h"
#include "mm/frame.h"

/* ENDING: its memory is being given back (or, at a restart, taken
 * again): check_others_memory() leaves it alone. */
enum launch_state {
	LAUNCH_PENDING,
	LAUNCH_RUNNING,
	LAUNCH_ENDING,
	LAUNCH_DONE
};

/* One guest module and what became of it. */
struct launch {
	unsigned index; /* among guest modules: names unnamed guests */
	const struct boot_module *m, *extra;
	enum launch_state state;
	bool told_waiting;	 /* "waits for memory" said once */
	struct guest_config cfg; /* 4 KiB: not on a stack */
	u8 cmos[RTC_CMOS_SIZE];	 /* kept across a restart */
	char cmdline[GUEST_NAME_MAX + GUEST_CMDLINE_MAX +
		     32]; /* the loader's */
	struct guest g;
};

static struct launch launches[BOOT_MAX_MODULES];
static unsigned nr_launches, next_pending, running;
static bool admitting, again;
static u64 boot_free; /* bytes free for guests when the first started */
static struct dispatch_options opts;
static struct tally *tally;
static struct spinlock lock = SPINLOCK_INIT("dispatch");

/*
 * Linux learns the TSC rate from CPUID leaf 0x15 only on Intel CPUs
 * (braid offers it, hv/cpuid.c); elsewhere it times the PIT, and its
 * checks reject a PIT whose every read is a VM exit as slow as an
 * emulator's. braid knows the rate, so it says so on the command line
 * (Documentation/admin-guide/kernel-parameters.txt, tsc_early_khz=)
 * unless the user already did.
 */
static const char *linux_cmdline(const struct guest *g, char *buf, size_t n)
{
	const char *user = g->cfg.dashdash ? g->cfg.cmdline : "";

	if (vendor == &vmx_ops || strstr(user, "tsc_early_khz="))
		return user;
	snprintf(buf, n, "%s%stsc_early_khz=%llu", user, *user ? " " : "",
		 (unsigned long long)(tsc_hz() / 1000));
	return buf;
}

/* A Linux bzImage gets @extra as its initrd and only the words after
 * "--"; anything else is loaded as a multiboot kernel. */
static int load_guest(struct launch *l)
{
	struct guest *g = &l->g;
	const struct boot_module *m = l->m, *extra = l->extra;
	char *cmdline = l->cmdline;
	const u8 *image = pa_to_va(m->start);
	u64 size = m->end - m->start;
	struct load_target t = { g->cfg.name, &g->ram, g->cfg.cmdline,
				 g->nr_cpus };
	struct boot_entry entry;
	int err;

	if (linux_is_bzimage(image, size)) {
		err = load_linux(&t, image, size, extra,
				 linux_cmdline(g, cmdline, sizeof(l->cmdline)),
				 &entry);
	} else {
		/* As GRUB and QEMU do, the kernel's name comes first (its
		 * argv[0], which many kernels skip), then its arguments. */
		snprintf(cmdline, sizeof(l->cmdline), "%s%s%s", g->cfg.name,
			 g->cfg.cmdline[0] ? " " : "", g->cfg.cmdline);
		t.cmdline = cmdline;
		err = load_multiboot(&t, image, size, extra, &entry);
	}
	/* A toy kernel that never ends is a bug; Linux runs as long as its
	 * user wants, unless told otherwise. */
	if (!g->cfg.cpu_time_set && !linux_is_bzimage(image, size))
		g->cfg.cpu_time = GUEST_TIME_DEFAULT;
	if (!err)
		guest_reset(g, &entry);
	return err;
}

/* Parse the guest's options; a module line the boot information could
 * not hold whole is an error, not a silently shorter command line. */
static int guest_options(const struct launch *l, struct guest_config *cfg,
			 char *why, size_t len)
{
	int err = parse_guest_options(l->m->cmdline, l->index, cfg, why, len);

	if (l->m->truncated || (l->extra && l->extra->truncated)) {
		snprintf(why, len,
			 "a module command line is longer than %d bytes",
			 BOOT_MODLINE_MAX - 1);
		return -E2BIG;
	}
	return err;
}

/* The CPUs braid runs guests on, as a mask. */
static u64 cpus_online(void)
{
	unsigned n = sched_nr_cpus();

	return n >= 64 ? ~0ull : BIT(n) - 1;
}

/* The CPUs a guest may use: its cpus= (or braid's guest_cpus=) within
 * those braid runs on. */
static int check_cpus(struct guest_config *cfg, char *why, size_t len)
{
	unsigned n = sched_nr_cpus();
	u64 online = cpus_online();

	if (!cfg->cpus)
		cfg->cpus = opts.guest_cpus;
	if (!cfg->cpus || (cfg->cpus & ~online) == 0)
		return 0;
	snprintf(why, len,
		 "cpus= names a CPU braid does not run on (it has %u: "
		 "0%s%u)",
		 n, n > 1 ? "-" : "", n > 1 ? n - 1 : 0);
	return -EINVAL;
}

/* Hand a created, loaded guest's vCPUs to the scheduler (its APs wait
 * for a SIPI, halted). */
static void launch_guest(struct guest *g)
{
	guest_start(g);
	g->live = g->nr_cpus;
	for (unsigned i = 0; i < g->nr_cpus; i++) {
		struct vcpu *v = &g->cpus[i].vcpu;

		v->sched.allowed = g->cfg.cpus;
		v->sched.weight = g->cfg.weight;
		/* Created on this CPU, it may run on any: nothing of it
		 * stays here (a VMCS is active on one CPU only, SDM
		 * 24.11.1). */
		vendor->vcpu_put(v);
		cpu_state_put(v);
		v->cpu = ~0u;
		sched_add(v);
	}
}

/* A guest that never ran ends: counted failed. */
static void count_failed(struct launch *l)
{
	spin_lock(&lock);
	tally->guests++;
	tally->failed++;
	tally->last_code = 1;
	l->state = LAUNCH_DONE;
	spin_unlock(&lock);
}

/* Its memory is short while other guests run: it waits for one of them
 * to end (said once). True if so. */
static bool must_wait(struct launch *l, int err, const char *why)
{
	if (err != -ENOMEM || !atomic_load_relaxed(&running) ||
	    l->cfg.mem >= boot_free)
		return false; /* nothing to wait for, or it can never fit */
	if (!l->told_waiting)
		kprintf("braid: guest %s: waiting for memory (%s) until another "
			"guest ends\n",
			l->cfg.name, why);
	l->told_waiting = true;
	return true;
}

/* Start the guest of @l: 0, -EAGAIN (wait for memory), or it failed and
 * is counted so. Only the admitting CPU calls it, without the lock. */
static int start(struct launch *l)
{
	struct guest_config *cfg = &l->cfg;
	struct guest *g = &l->g;
	char why[160];
	int err;

	if (guest_options(l, cfg, why, sizeof(why)) ||
	    check_cpus(cfg, why, sizeof(why))) {
		kprintf("braid: guest %s: error: %s\n", cfg->name, why);
		kprintf("braid: guest %s: not started\n", cfg->name);
		count_failed(l);
		return -EINVAL;
	}
	err = guest_create(g, cfg, why, sizeof(why));
	if (must_wait(l, err, why))
		return -EAGAIN;
	if (err) {
		kprintf("braid: guest %s: error: %s\n", cfg->name, why);
		kprintf("braid: guest %s: not started\n", cfg->name);
		count_failed(l);
		return err;
	}
	guest_info(g, "starting: %s paging, %llu MiB",
		   paging_mode_name(cfg->paging),
		   (unsigned long long)(cfg->mem >> 20));
	if (load_guest(l)) {
		guest_info(g, "not started");
		guest_destroy(g);
		count_failed(l);
		return -EINVAL;
	}
	spin_lock(&lock);
	l->state = LAUNCH_RUNNING;
	running++;
	spin_unlock(&lock);
	launch_guest(g);
	return 0;
}

/* May the next guest start now? Under the lock. */
static bool may_start(void)
{
	return next_pending < nr_launches && !(opts.serial && running);
}

/*
 * Start what may start now, unless another CPU is at it (it is told to
 * look again); when nothing is left to start or run, let the CPUs go.
 */
static void admit(void)
{
	spin_lock(&lock);
	if (admitting) {
		again = true;
		spin_unlock(&lock);
		return;
	}
	admitting = true;
	while (may_start()) {
		struct launch *l = &launches[next_pending];
		int err;

		again = false;
		spin_unlock(&lock);
		err = start(l);
		spin_lock(&lock);
		if (err == -EAGAIN && !again)
			break; /* the next guest to end admits it */
		if (err != -EAGAIN)
			next_pending++;
	}
	admitting = false;
	if (next_pending == nr_launches && !running)
		sched_stop();
	spin_unlock(&lock);
}

static void set_state(struct launch *l, enum launch_state st)
{
	spin_lock(&lock);
	l->state = st;
	spin_unlock(&lock);
}

/*
 * After a reset (on_reset=restart): the machine again, as at power-on,
 * with its image loaded afresh, RAM zeroed and every device reset, but
 * the CMOS memory kept, as a PC's battery keeps it. 0, or the guest is
 * left stopped. Its memory is given back and taken again at once: a
 * waiting guest may take it first, and then this one is stopped.
 */
static int restart_guest(struct launch *l)
{
	struct guest *g = &l->g;
	char why[160] = "its image did not load again";

	l->cfg = g->cfg;
	memcpy(l->cmos, g->plat.rtc.cmos, sizeof(l->cmos));
	set_state(l, LAUNCH_ENDING);
	guest_destroy(g);
	if (guest_create(g, &l->cfg, why, sizeof(why)) || load_guest(l)) {
		guest_info(g, "not started again: %s", why);
		g->state = GUEST_STOPPED;
		return -ENOMEM;
	}
	set_state(l, LAUNCH_RUNNING);
	memcpy(g->plat.rtc.cmos + RTC_NVRAM_FIRST, l->cmos + RTC_NVRAM_FIRST,
	       sizeof(l->cmos) - RTC_NVRAM_FIRST);
	launch_guest(g);
	return 0;
}

/*
 * A guest's end gives its memory back: every other running guest's RAM
 * must still be taken in the frame allocator. A chunk found free would
 * be handed to the next allocation and zeroed under a running guest: a
 * breach of isolation, and a bug of braid's, said loudly.
 */
/* @g's EPT/NPT still sends each chunk of its RAM where its RAM is, on
 * tables the frame allocator still holds taken (nested paging only: the
 * other modes change their tables while running, under their own lock). */
static void check_nested(const struct guest *g, const struct launch *ended)
{
	const struct guest_mem *m = &g->ram;
	phys_t t = pt_first_free_table(&g->nested);
	struct pt_mapping pm;

	if (t)
		panic("guest %s's %s table at 0x%llx is free after guest %s "
		      "ended",
		      g->cfg.name, vendor->nested_name, (unsigned long long)t,
		      ended->g.cfg.name);
	for (u64 c = 0; c < m->nr_chunks; c++)
		if (pt_translate(&g->nested, c * GUEST_CHUNK, &pm) ||
		    pm.pa != m->chunks[c])
			panic("guest %s's %s no longer maps its RAM at "
			      "0x%llx after guest %s ended",
			      g->cfg.name, vendor->nested_name,
			      (unsigned long long)(c * GUEST_CHUNK),
			      ended->g.cfg.name);
}

static void check_others_memory(const struct launch *ended)
{
	/* Under the lock no running guest's memory is being given back:
	 * a guest is ENDING (under the lock) before it frees any. */
	spin_lock(&lock);
	for (unsigned i = 0; i < nr_launches; i++) {
		const struct launch *l = &launches[i];
		const struct guest_mem *m = &l->g.ram;

		if (l == ended || l->state != LAUNCH_RUNNING || !m->chunks)
			continue;
		for (u64 c = 0; c < m->nr_chunks; c++) {
			phys_t f = frame_first_free(m->chunks[c],
						    GUEST_CHUNK / PAGE_SIZE);

			if (f)
				panic("guest %s's RAM at 0x%llx is free after "
				      "guest %s ended",
				      l->g.cfg.name, (unsigned long long)f,
				      ended->g.cfg.name);
		}
		if (l->g.cfg.paging == PAGING_NESTED && l->g.nested.root)
			check_nested(&l->g, ended);
	}
	spin_unlock(&lock);
}

/* Its result, its counters, and its memory back. */
static void finish(struct launch *l)
{
	struct guest *g = &l->g;
	bool ok = g->state == GUEST_EXITED && g->result == BRAID_RESULT_PASS;
	u32 code = g->state == GUEST_EXITED ? g->result : 1;

	if (g->state == GUEST_EXITED)
		guest_info(g, "exited with result %u (%s)", g->result,
			   ok ? "pass" : "fail");
	classify_dump(g);
	stats_print(g);
	set_state(l, LAUNCH_ENDING);
	guest_destroy(g);
	check_others_memory(l);
	spin_lock(&lock);
	tally->guests++;
	tally->last_code = code;
	ok ? tally->passed++ : tally->failed++;
	l->state = LAUNCH_DONE;
	running--;
	spin_unlock(&lock);
}

/* The scheduler's word that @v's guest no longer runs (on the CPU that
 * ran it last, which still holds its state and now owns the guest). */
static void guest_done(struct vcpu *v)
{
	struct launch *l = container_of(v->guest, struct launch, g);

	/* Every vCPU left its CPU (put: no VMCS of the guest is active
	 * anywhere); the dump reads the bootstrap vCPU's state here. */
	vendor->vcpu_arrive(guest_bsp(v->guest), ARRIVE_SWITCH);
	if (v->guest->state != GUEST_RESET || restart_guest(l))
		finish(l);
	admit();
	nmi_report();
	if (opts.serial)
		hostcons_flush(); /* between guests: nothing is timed */
}

static void ap_loop(void *unused)
{
	(void)unused;
	sched_cpu_loop(guest_done);
}

/* The guest modules, in order; a "+" module belongs to the one before. */
static void collect(const struct boot_info *bi)
{
	unsigned index = 0;

	for (unsigned i = 0; i < bi->nr_modules; i++) {
		const struct boot_module *m = &bi->modules[i];
		const struct boot_module *extra = NULL;

		if (m->cmdline[0] == '+') {
			pr_warn("module %u (\"%s\") follows no guest; ignored",
				i, m->cmdline);
			continue;
		}
		if (i + 1 < bi->nr_modules &&
		    bi->modules[i + 1].cmdline[0] == '+')
			extra = &bi->modules[++i];
		launches[nr_launches++] = (struct launch){ .index = index++,
							   .m = m,
							   .extra = extra };
	}
}

/* guest_cpus= must name CPUs braid runs on; say where guests go. */
static void check_guest_cpus(void)
{
	unsigned n = sched_nr_cpus();
	char list[64];

	if (!opts.guest_cpus)
		return;
	sched_format_cpus(opts.guest_cpus, list, sizeof(list));
	if (opts.guest_cpus & ~cpus_online()) {
		pr_err("guest_cpus=%s names a CPU braid does not run on (it has "
		       "%u): guests use every CPU",
		       list, n);
		opts.guest_cpus = 0;
		return;
	}
	pr_info("guests without cpus= run on CPUs %s (guest_cpus=)", list);
}

void dispatch_run(const struct boot_info *bi, const struct dispatch_options *o,
		  struct tally *t)
{
	unsigned n = smp_nr_online();

	opts = *o;
	tally = t;
	spin_register(&lock);
	boot_free = frame_free_count() * PAGE_SIZE;
	sched_init(n, o->slice_ms);
	check_guest_cpus();
	for (unsigned cpu = 1; cpu < n; cpu++)
		if (smp_call(cpu, ap_loop, NULL)) {
			pr_warn("cpu %u did not take its scheduler loop: "
				"it runs no guest",
				cpu);
			sched_cpu_gone(cpu);
		}
	collect(bi);
	admit();
	sched_cpu_loop(guest_done);
	/* Every guest is done; the other CPUs leave their loops. */
	for (unsigned cpu = 1; cpu < n; cpu++)
		while (!smp_cpu_idle(cpu))
			asm volatile("pause");
}
