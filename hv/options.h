/* SPDX-License-Identifier: MIT */
/*
 * Command lines. braid's own (from GRUB's multiboot2 line):
 *   exit=halt|reboot|qemu|bochs   what to do when every guest is done
 *   console=...                   where braid's output goes
 *                                 (hv/console_option.h)
 *   cpus=N                        use at most N CPUs, the boot CPU
 *                                 included (default: all)
 *   sched=parallel|serial         guests all at once (default) or one
 *                                 after another
 *   slice=MS                      the scheduler's base slice (default 10)
 * A guest module's:
 *   name=NAME  mem=SIZE[K|M|G]  paging=nested|shadow|compound
 *   shadow_pool=PAGES (shadow/compound table pages, default 2% of the
 *               guest's pages, at least 512)
 *   large=on|off (shadow/compound trees map a guest large page with
 *               2 MiB leaves where they can; default on)
 *   cp_writes=N cp_window=US cp_quiet=US cp_start=shadow|nested
 *   (mm/compound.h)
 *   timeout=SECONDS (stop the guest after that long: a guest that never
 *               ends must not keep the next ones from running)
 *   trace=EXITS (print the classification every EXITS exits)
 *   cpus=LIST (the CPUs it may run on: "1", "0-2", "0,3"; default any)
 *   weight=N (1-100: its share of a busy CPU against others; default 1)
 *   [-- ARGS]
 * ARGS (or, without "--", the whole line) becomes the guest kernel's own
 * command line; a Linux bzImage gets only ARGS (nothing without "--"). A module whose line starts with "+" is not a guest but the
 * module handed to the guest listed before it.
 */
#ifndef HV_OPTIONS_H
#define HV_OPTIONS_H

#include "hv/console_option.h"
#include "hv/guest.h"

enum exit_action {
	EXIT_ACTION_HALT,
	EXIT_ACTION_REBOOT,
	EXIT_ACTION_QEMU,
	EXIT_ACTION_BOCHS
};

struct braid_options {
	enum exit_action exit;
	struct console_option console;
	unsigned cpus;	   /* cpus=: at most this many CPUs; 0: all */
	u64 guest_cpus;	   /* guest_cpus=: where guests without a cpus= of
			    * their own may run; 0: every CPU */
	bool serial;	   /* sched=serial: one guest at a time */
	unsigned slice_ms; /* slice=: the scheduler's base slice */
};

/* Parse braid's line; unknown options are reported and ignored. */
void parse_braid_options(const char *line, struct braid_options *o);
/* Parse a guest's line into @cfg; on error, @err gets a message naming the
 * offending option and -EINVAL (-E2BIG: the command line does not fit in
 * cfg->cmdline) is returned. @index names unnamed guests. */
int parse_guest_options(const char *line, unsigned index,
			struct guest_config *cfg, char *err, size_t errlen);
/* Parse a CPU list ("0", "1-3", "0,2") into a mask of CPUs 0-63. */
int parse_cpu_list(const char *s, size_t n, u64 *mask);
/* Parse "64M"-style sizes. */
int parse_size(const char *s, size_t n, u64 *out);

#endif
