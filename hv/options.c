// SPDX-License-Identifier: MIT
/* Command-line parsing: words separated by spaces, "key=value" options. */
#define LOG_TAG "boot"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/vendor.h"
#include "lib/log.h"
#include "hv/options.h"
#include "hv/sched.h"
#include "lib/printf.h"
#include "lib/string.h"

struct word {
	const char *key; /* the whole word */
	size_t keylen;	 /* up to '=' or the end */
	const char *val; /* after '=', or NULL */
	size_t vallen;
};

/* Split the next word off *p; false at the end of the line. */
static bool next_word(const char **p, struct word *w)
{
	const char *s = *p, *eq;
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return false;
	for (n = 0; s[n] && s[n] != ' ' && s[n] != '\t'; n++)
		;
	eq = memchr(s, '=', n);
	w->key = s;
	w->keylen = eq ? (size_t)(eq - s) : n;
	w->val = eq ? eq + 1 : NULL;
	w->vallen = eq ? n - w->keylen - 1 : 0;
	*p = s + n;
	return true;
}

static bool is(const struct word *w, const char *key)
{
	return strlen(key) == w->keylen && !strncmp(w->key, key, w->keylen);
}

static bool val_is(const struct word *w, const char *v)
{
	return w->val && strlen(v) == w->vallen &&
	       !strncmp(w->val, v, w->vallen);
}

int parse_size(const char *s, size_t n, u64 *out)
{
	u64 v = 0, mult = 1;
	size_t i;

	for (i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		if (v > (~0ull - 9) / 10)
			return -ERANGE;
		v = v * 10 + (s[i] - '0');
	}
	if (i == 0)
		return -EINVAL;
	if (i + 1 == n) {
		switch (s[i]) {
		case 'K':
		case 'k': mult = KiB(1); break;
		case 'M':
		case 'm': mult = MiB(1); break;
		case 'G':
		case 'g': mult = GiB(1); break;
		default: return -EINVAL;
		}
	} else if (i != n) {
		return -EINVAL;
	}
	if (v > ~0ull / mult)
		return -ERANGE;
	*out = v * mult;
	return 0;
}

/* console=: a bad value is reported and the default kept. */
static void set_console(const struct word *w, struct console_option *c)
{
	if (w->val && !parse_console_option(w->val, w->vallen, c))
		return;
	pr_err("console=%.*s is not a console (com1-com4, io:PORT or "
	       "mmio:ADDR[,1|,4], then [,BAUD|,keep]; or none): ignored",
	       (int)w->vallen, w->val ? w->val : "");
}

/* cpus=N: 1 to MAX_CPUS; a bad value is reported and all are used. */
static void set_cpus(const struct word *w, unsigned *cpus)
{
	u64 n = 0;
	size_t i;

	for (i = 0; w->val && i < w->vallen && i < 3; i++) {
		if (w->val[i] < '0' || w->val[i] > '9')
			break;
		n = n * 10 + (w->val[i] - '0');
	}
	if (w->val && i && i == w->vallen && n >= 1 && n <= MAX_CPUS) {
		*cpus = (unsigned)n;
		return;
	}
	*cpus = 0;
	pr_err("cpus=%.*s is not a CPU count (1 to %u): all CPUs are used",
	       (int)w->vallen, w->val ? w->val : "", MAX_CPUS);
}

/* guest_cpus=LIST: a bad list is reported, and guests use every CPU. */
static void set_guest_cpus(const struct word *w, u64 *mask)
{
	if (w->val && !parse_cpu_list(w->val, w->vallen, mask) && *mask)
		return;
	*mask = 0;
	pr_err("guest_cpus=%.*s is not a CPU list such as 1-3 or 0,2: guests "
	       "use every CPU",
	       (int)w->vallen, w->val ? w->val : "");
}

/* slice=MS: a bad value is reported and the default kept. */
static void set_slice(const struct word *w, unsigned *ms)
{
	u64 n;

	if (w->val && !parse_size(w->val, w->vallen, &n) && n >= 1 &&
	    n <= 1000) {
		*ms = (unsigned)n;
		return;
	}
	pr_err("slice=%.*s is not a number of milliseconds from 1 to 1000: "
	       "the default, %u, is used",
	       (int)w->vallen, w->val ? w->val : "", SCHED_SLICE_MS_DEFAULT);
}

void parse_braid_options(const char *line, struct braid_options *o)
{
	struct word w;

	o->exit = EXIT_ACTION_HALT;
	o->console = (struct console_option){ .source = CONSOLE_AUTO };
	o->cpus = 0;
	o->guest_cpus = 0;
	o->serial = false;
	o->slice_ms = SCHED_SLICE_MS_DEFAULT;
	while (next_word(&line, &w)) {
		if (is(&w, "exit") && val_is(&w, "halt"))
			o->exit = EXIT_ACTION_HALT;
		else if (is(&w, "exit") && val_is(&w, "reboot"))
			o->exit = EXIT_ACTION_REBOOT;
		else if (is(&w, "exit") && val_is(&w, "qemu"))
			o->exit = EXIT_ACTION_QEMU;
		else if (is(&w, "exit") && val_is(&w, "bochs"))
			o->exit = EXIT_ACTION_BOCHS;
		else if (is(&w, "console"))
			set_console(&w, &o->console);
		else if (is(&w, "cpus"))
			set_cpus(&w, &o->cpus);
		else if (is(&w, "guest_cpus"))
			set_guest_cpus(&w, &o->guest_cpus);
		else if (is(&w, "sched") &&
			 (val_is(&w, "parallel") || val_is(&w, "serial")))
			o->serial = val_is(&w, "serial");
		else if (is(&w, "slice"))
			set_slice(&w, &o->slice_ms);
		else if (w.key[0] != '/') /* GRUB may pass the image path */
			pr_warn("unknown option \"%.*s\" ignored (known: "
				"exit=halt|reboot|qemu|bochs, console=, cpus=, "
				"guest_cpus=, sched=parallel|serial, slice=)",
				(int)(line - w.key), w.key);
	}
}

static int set_name(struct guest_config *cfg, const struct word *w)
{
	if (!w->vallen || w->vallen >= GUEST_NAME_MAX)
		return -EINVAL;
	for (size_t i = 0; i < w->vallen; i++) {
		char c = w->val[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		      c == '.'))
			return -EINVAL;
	}
	memcpy(cfg->name, w->val, w->vallen);
	cfg->name[w->vallen] = '\0';
	return 0;
}

static int set_mem(struct guest_config *cfg, const struct word *w)
{
	u64 m;

	if (!w->val || parse_size(w->val, w->vallen, &m) || m < GUEST_MEM_MIN ||
	    m > GUEST_MEM_MAX)
		return -EINVAL;
	cfg->mem = ALIGN_UP(m, GUEST_CHUNK);
	return 0;
}

static int set_paging(struct guest_config *cfg, const struct word *w)
{
	if (val_is(w, "nested"))
		cfg->paging = PAGING_NESTED;
	else if (val_is(w, "shadow"))
		cfg->paging = PAGING_SHADOW;
	else if (val_is(w, "compound"))
		cfg->paging = PAGING_COMPOUND;
	else
		return -EINVAL;
	return 0;
}

/*
 * The default table pool: 2% of the guest's pages, as KVM sizes its
 * shadow MMU (KVM_PERMILLE_MMU_PAGES), and never below the old fixed 512:
 * a large guest running many processes no longer empties a small pool
 * again and again (each reclaim drops every shadow table). Rounded up to
 * whole 2 MiB (512 pages), so that the compound window stays mapped with
 * 2 MiB EPT/NPT pages (docs/design.md, "The hidden window").
 */
static u32 shadow_pool_for(u64 mem)
{
	u64 n = ALIGN_UP(mem / PAGE_SIZE / 50, 512);

	return n < SHADOW_POOL_DEFAULT ? SHADOW_POOL_DEFAULT
	       : n > 65536	       ? 65536
				       : (u32)n;
}

static int set_pool(struct guest_config *cfg, const struct word *w)
{
	u64 n;

	if (!w->val || parse_size(w->val, w->vallen, &n) ||
	    n < SHADOW_POOL_MIN || n > 65536)
		return -EINVAL;
	cfg->shadow_pool = n;
	return 0;
}

static int set_count(const struct word *w, u64 min, u64 max, u64 *out)
{
	u64 n;

	if (!w->val || parse_size(w->val, w->vallen, &n) || n < min || n > max)
		return -EINVAL;
	*out = n;
	return 0;
}

/*
 * A CPU list: numbers and ranges separated by commas, "0", "1-3", "0,2-3"
 * (braid's CPU numbers: 0 is the boot CPU, the others in the order
 * braid started them). Into a mask of CPUs 0-63.
 */
int parse_cpu_list(const char *s, size_t n, u64 *mask)
{
	size_t i = 0;

	*mask = 0;
	if (!n)
		return -EINVAL;
	while (i < n) {
		u64 lo = 0, hi;
		size_t start = i;

		while (i < n && s[i] >= '0' && s[i] <= '9' && lo < 64)
			lo = lo * 10 + (u64)(s[i++] - '0');
		if (i == start || lo >= 64)
			return -EINVAL;
		hi = lo;
		if (i < n && s[i] == '-') {
			start = ++i;
			for (hi = 0;
			     i < n && s[i] >= '0' && s[i] <= '9' && hi < 64;)
				hi = hi * 10 + (u64)(s[i++] - '0');
			if (i == start || hi >= 64 || hi < lo)
				return -EINVAL;
		}
		for (u64 c = lo; c <= hi; c++)
			*mask |= BIT(c);
		if (i < n && (s[i] != ',' || ++i == n))
			return -EINVAL;
	}
	return 0;
}

/* -E2BIG if @s does not fit: a cut command line must not boot. */
static int set_cmdline(struct guest_config *cfg, const char *s)
{
	while (*s == ' ')
		s++;
	if (strlen(s) >= sizeof(cfg->cmdline))
		return -E2BIG;
	memcpy(cfg->cmdline, s, strlen(s) + 1);
	return 0;
}

int parse_guest_options(const char *line, unsigned index,
			struct guest_config *cfg, char *err, size_t errlen)
{
	static const char *const hint[] = {
		"a name of letters, digits, '-', '_' or '.' (at most 31)",
		"a size from 2M to 64G, e.g. mem=64M",
		"nested, shadow or compound",
		"a number of pages from 32 to 65536",
		"a positive count (of writes or of VM exits)",
		"shadow or nested",
		"lines or raw",
		"a number of lines (0: no limit)",
		"on or off",
		"microseconds of the guest's running time, at least 1",
		"a number of seconds from 1 to 1000000",
		"a number of seconds from 0 (no limit) to 1000000",
		"stop or restart",
		"float or stop",
		"check or cpu, in a braid built with ENTRY_CHECK=1",
		"a CPU list such as 0, 1-3 or 0,2 (CPUs 0-63)",
		"a weight from 1 to 100",
		"a count of vCPUs from 1 to 8",
	};
	const char *p = line;
	struct word w;
	u64 n;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->name, sizeof(cfg->name), "guest%u", index);
	cfg->mem = GUEST_MEM_DEFAULT;
	cfg->paging = PAGING_NESTED;
	cfg->shadow_pool = 0; /* sized from mem= below */
	cfg->dump_lines = CLASSIFY_LINES_DEFAULT;
	cfg->weight = 1;
	cfg->vcpus = 1;
	cfg->knobs = (struct compound_knobs){ .writes = CP_WRITES_DEFAULT,
					      .window = CP_WINDOW_DEFAULT,
					      .quiet = CP_QUIET_DEFAULT };
	while (next_word(&p, &w)) {
		int bad = -1;

		if (is(&w, "--")) {
			cfg->dashdash = true;
			break;
		}
		if (is(&w, "name"))
			bad = set_name(cfg, &w) ? 0 : -1;
		else if (is(&w, "mem"))
			bad = set_mem(cfg, &w) ? 1 : -1;
		else if (is(&w, "paging"))
			bad = set_paging(cfg, &w) ? 2 : -1;
		else if (is(&w, "shadow_pool"))
			bad = set_pool(cfg, &w) ? 3 : -1;
		else if (is(&w, "cp_writes"))
			bad = set_count(&w, 1, 65535, &n)
				      ? 4
				      : (cfg->knobs.writes = n, -1);
		else if (is(&w, "cp_window"))
			bad = set_count(&w, 1, ~0u, &cfg->knobs.window) ? 9
									: -1;
		else if (is(&w, "cp_quiet"))
			bad = set_count(&w, 1, ~0u, &cfg->knobs.quiet) ? 9 : -1;
		else if (is(&w, "cp_start") &&
			 (val_is(&w, "nested") || val_is(&w, "shadow")))
			cfg->knobs.start_nested = val_is(&w, "nested");
		else if (is(&w, "cp_start"))
			bad = 5;
		else if (is(&w, "console") &&
			 (val_is(&w, "lines") || val_is(&w, "raw")))
			cfg->raw_console = val_is(&w, "raw");
		else if (is(&w, "console"))
			bad = 6;
		else if (is(&w, "dump_lines"))
			bad = set_count(&w, 0, ~0u, &n)
				      ? 7
				      : (cfg->dump_lines = n, -1);
		else if (is(&w, "large") &&
			 (val_is(&w, "on") || val_is(&w, "off")))
			cfg->no_large = val_is(&w, "off");
		else if (is(&w, "large"))
			bad = 8;
		else if (is(&w, "cp_twin") &&
			 (val_is(&w, "on") || val_is(&w, "off")))
			cfg->knobs.no_twin = val_is(&w, "off");
		else if (is(&w, "cp_twin"))
			bad = 8;
		else if (is(&w, "time"))
			bad = set_count(&w, 0, 1000000, &cfg->cpu_time)
				      ? 11
				      : (cfg->cpu_time_set = true, -1);
		else if (is(&w, "timeout"))
			bad = set_count(&w, 1, 1000000, &cfg->timeout) ? 10
								       : -1;
		else if (is(&w, "trace"))
			bad = set_count(&w, 1, ~0u, &cfg->trace) ? 4 : -1;
		else if (is(&w, "on_reset") &&
			 (val_is(&w, "stop") || val_is(&w, "restart")))
			cfg->restart_on_reset = val_is(&w, "restart");
		else if (is(&w, "on_reset"))
			bad = 12;
		else if (is(&w, "unbacked") &&
			 (val_is(&w, "float") || val_is(&w, "stop")))
			cfg->stop_unbacked = val_is(&w, "stop");
		else if (is(&w, "unbacked"))
			bad = 13;
		else if (is(&w, "entry_fault") && ENTRY_CHECK &&
			 (val_is(&w, "check") || val_is(&w, "cpu")))
			cfg->entry_fault = val_is(&w, "cpu")
						   ? ENTRY_FAULT_CPU
						   : ENTRY_FAULT_CHECK;
		else if (is(&w, "entry_fault"))
			bad = 14;
		else if (is(&w, "cpus"))
			bad = !w.val || parse_cpu_list(w.val, w.vallen,
						       &cfg->cpus)
				      ? 15
				      : -1;
		else if (is(&w, "weight"))
			bad = set_count(&w, 1, 100, &n) ? 16
							: (cfg->weight = n, -1);
		else if (is(&w, "vcpus"))
			bad = set_count(&w, 1, GUEST_VCPUS_MAX, &n)
				      ? 17
				      : (cfg->vcpus = n, -1);
		else if (w.val) {
			snprintf(
				err, errlen,
				"unknown option \"%.*s\" (known: name=, mem=, paging=, shadow_pool=, large=, cp_writes=, cp_window=, cp_quiet=, cp_start=, cp_twin=, console=, time=, timeout=, trace=, dump_lines=, on_reset=, unbacked=, entry_fault=, cpus=, weight=, vcpus=, --)",
				(int)(p - w.key), w.key);
			return -EINVAL;
		}
		if (bad >= 0) {
			snprintf(err, errlen,
				 "bad value in \"%.*s\": expected %s",
				 (int)(p - w.key), w.key, hint[bad]);
			return -EINVAL;
		}
	}
	if (!cfg->shadow_pool)
		cfg->shadow_pool = shadow_pool_for(cfg->mem);
	if (set_cmdline(cfg, cfg->dashdash ? p : line)) {
		snprintf(err, errlen,
			 "guest command line is longer than %d bytes",
			 GUEST_CMDLINE_MAX - 1);
		return -E2BIG;
	}
	return 0;
}
