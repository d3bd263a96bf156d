/* SPDX-License-Identifier: MIT */
/*
 * Shared by the Linux guest workloads (guests/linux/<name>.c): argument
 * parsing, a seeded PRNG, the monotonic clock and the result line.
 *
 * Every workload takes "key=value" arguments; a bare number is the scale.
 * "scale" multiplies the default size or iteration count, so tests can
 * shrink a run for slow emulation or grow it for benchmarks without
 * knowing each workload's own knobs. Every workload prints exactly one
 * line
 *
 *   BRAID-RESULT <name> ok=<0|1> key=value ...
 *
 * and exits 0 only if ok=1, so /init can count results from exit statuses
 * while the line itself stays machine-readable on the console.
 */
#ifndef BRAID_LINUX_WL_H
#define BRAID_LINUX_WL_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Each workload's timed part is also a measurement window for
 * tools/tlbplugin: a NOP on any CPU. */
#include <braid/marker.h>

#define WL_PAGE	      4096ul
#define WL_PAGE_WORDS (WL_PAGE / sizeof(uint64_t))

struct wl_param {
	const char *key;
	double val;
	int seen;
};

/*
 * Fill in params[] (terminated by a NULL key) from argv. A malformed or
 * unknown argument is a failed run, not a silently ignored one: a typo in
 * braid.scale must not turn into a quietly different benchmark.
 */
static inline int wl_parse(const char *name, int argc, char **argv,
			   struct wl_param *params)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char *eq = strchr(arg, '=');
		const char *val = eq ? eq + 1 : arg;
		size_t klen = eq ? (size_t)(eq - arg) : 5;
		const char *key = eq ? arg : "scale";
		struct wl_param *p;
		char *end;
		double v;

		for (p = params; p->key; p++) {
			if (strlen(p->key) == klen &&
			    !strncmp(p->key, key, klen))
				break;
		}
		errno = 0;
		v = strtod(val, &end);
		if (!p->key || end == val || *end || errno || v < 0) {
			printf("BRAID-RESULT %s ok=0 error=bad-argument arg=%s\n",
			       name, arg);
			return -1;
		}
		p->val = v;
		p->seen = 1;
	}
	return 0;
}

/* The value of a parameter that params[] declares. */
static inline double wl_get(const struct wl_param *params, const char *key)
{
	for (; params->key; params++) {
		if (!strcmp(params->key, key))
			return params->val;
	}
	abort(); /* a workload asked for a parameter it never declared */
}

/* A count scaled by "scale", never below one. */
static inline uint64_t wl_scaled(double base, double scale)
{
	double v = base * scale;

	return v < 1 ? 1 : (uint64_t)v;
}

static inline uint64_t wl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * splitmix64: tiny, seedable and good enough to scatter page touches; the
 * fixed seeds make every run touch the same pages in the same order, so
 * runs under different paging modes are comparable.
 */
static inline uint64_t wl_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The word a page's first slot must hold: catches aliased frames. */
static inline uint64_t wl_tag(uint64_t salt, uint64_t page)
{
	uint64_t s = salt ^ (page * 0x9e3779b97f4a7c15ull);

	return wl_rand(&s);
}

#endif /* BRAID_LINUX_WL_H */
