/* SPDX-License-Identifier: MIT */
/*
 * A measurement window (include/braid/marker.h): what one guest did
 * between its begin and end markers, as the TLB models and the VMRUN /
 * #VMEXIT boundary saw it, and its report, one JSON line.
 */
#ifndef TOOLS_TLBPLUGIN_WINDOW_H
#define TOOLS_TLBPLUGIN_WINDOW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "include/braid/tracebox.h"
#include "tools/tlbsim/tlb.h"

#define MAX_MODELS    4
#define MAX_SPACES    16
#define MAX_EXITCODES 32

/* One TLB model's counts; [0] instruction side, [1] data side. */
struct counts {
	uint64_t access[2], miss[2];
	uint64_t refs[2];	 /* first-dimension entries the walks read */
	uint64_t nested_refs[2]; /* nested-dimension entries (2-D walks) */
	uint64_t miss_by_size[TLB_NR_SIZES];
	/* Misses by how many of the walk's first-dimension tables were
	 * braid's: 0 nested (the guest's own tables), the walk's depth
	 * shadow, in between a compound walk that switched to the guest's
	 * tables below that many levels. */
	uint64_t miss_by_braid_levels[5];
};

/* An address space: the top table the walks started from. */
struct space {
	uint64_t root;
	uint64_t miss[MAX_MODELS];
};

struct exit_count {
	uint64_t code, n;
	uint64_t host_insns; /* braid's instructions after these exits */
};

struct window {
	char guest[TRACEBOX_NAME];
	const char *paging;
	unsigned id;
	bool open;
	uint64_t insns, host_insns, exits;
	uint64_t cr3_loads, invlpgs, flushes, unwalkable, root_scans;
	struct exit_count exit[MAX_EXITCODES];
	unsigned nexit;
	struct counts c[MAX_MODELS];
	struct space space[MAX_SPACES];
	unsigned nspace;
	uint64_t other_space_miss[MAX_MODELS];
};

/* The open window of @guest, or NULL. */
struct window *window_find_open(const char *guest);
/* Open window @id for @guest (a new one each time). */
struct window *window_open(const char *guest, const char *paging, unsigned id);
struct exit_count *window_exit(struct window *w, uint64_t code);
struct space *window_space(struct window *w, uint64_t root);
/* Close @w and write its line to @out; @ended: by its end marker (else
 * by a new window's begin, or QEMU ending: "ended":false). */
void window_close(struct window *w, FILE *out, const char *const *model_names,
		  unsigned nmodels, bool ended);

/* Close every window still open (QEMU is ending). */
void window_close_all(FILE *out, const char *const *model_names,
		      unsigned nmodels);

#endif
