/* SPDX-License-Identifier: MIT */
/*
 * The console ring: the bytes braid has printed and the UART has not yet
 * sent, shared by every CPU, behind one lock (docs/architecture.md,
 * "Locking").
 *
 * Lines stay whole. A CPU's text collects in its own line buffer and
 * enters the ring only at '\n', so two CPUs printing at once never
 * interleave within a line, even when one builds its line over several
 * kprintf calls (the stats line, the classification dump). A guest's raw
 * console (console=raw) is the exception: its bytes are the guest's own
 * and go in as they come, so the ring may end in a raw fragment (a shell
 * prompt). Anything else that comes first ends that fragment's line, and
 * its writer is told, when it goes on, that it now stands at the start of
 * a line (where braid must check that it does not forge one of braid's,
 * hv/console.c).
 *
 *   CPU 0: "braid: st" "ats {..}\n" --> line[0] --\
 *   CPU 1: "[hello] PASS: ..\n"       --> line[1] ---+--> ring --> UART
 *   raw guest bytes ----------------------------------/
 *
 * What enters the ring is also handed, as it enters, to ops->echo (the
 * screen, the 0xE9 port); the UART's '\r' before each '\n' is added in the
 * ring only.
 */
#ifndef LIB_CONRING_H
#define LIB_CONRING_H

#include "lib/spinlock.h"
#include "lib/types.h"

#define CONRING_SIZE 32768 /* a power of two */
#define CONRING_CPUS 64	   /* line buffers: one per CPU */
#define CONRING_LINE 4096  /* a longer line goes in in pieces */

struct conring;

struct conring_ops {
	/* The ring is full: make room (send to the UART, waiting for it) or
	 * call conring_discard(). Runs with the lock held. */
	void (*full)(struct conring *r);
	/* Bytes entering the ring; @raw: a guest's raw console. Runs with
	 * the lock held. */
	void (*echo)(const char *s, size_t n, bool raw);
};

struct conring_line {
	u32 len;
	char buf[CONRING_LINE];
};

struct conring {
	struct spinlock lock;
	int owner;	/* the CPU holding lock, -1 for none */
	bool discard;	/* no UART: nothing is kept */
	u32 head, tail; /* free-running: head - tail bytes queued */
	/* The ring ends in a raw fragment of @partial_tag's (no '\n' yet). */
	bool partial;
	const void *partial_tag;
	const struct conring_ops *ops;
	char ring[CONRING_SIZE];
	struct conring_line line[CONRING_CPUS];
};

void conring_init(struct conring *r, const struct conring_ops *ops);

/* Text printed on CPU @cpu, committed line by line. False, and nothing
 * done, if @cpu already holds the lock (a machine check that interrupted
 * the console code): the caller must get the text out another way. */
bool conring_write(struct conring *r, unsigned cpu, const char *s, size_t n);
enum conring_raw {
	CONRING_WROTE,	/* committed */
	CONRING_BROKEN, /* not written: @tag's fragment was ended by others */
	CONRING_BUSY,	/* not written: this CPU holds the lock (see above) */
};

/* A guest's raw console bytes (@tag: which guest), committed as they are.
 * @continuing: they continue @tag's own fragment; if something else ended
 * it meanwhile, nothing is written and the caller starts a line anew. */
enum conring_raw conring_write_raw(struct conring *r, unsigned cpu,
				   const void *tag, bool continuing,
				   const char *s, size_t n);
/* Commit what CPU @cpu has of a line (at the end of the run). */
bool conring_flush_line(struct conring *r, unsigned cpu);

/* The lock, which also names its holder for conring_write()'s check. */
bool conring_lock(struct conring *r, unsigned cpu);
bool conring_trylock(struct conring *r, unsigned cpu);
void conring_unlock(struct conring *r);

/* With the lock held: bytes queued, the next one out, drop all queued
 * and what comes later (a dead UART). */
u32 conring_queued(const struct conring *r);
char conring_pop(struct conring *r);
void conring_discard(struct conring *r);
/* Without the lock: are bytes queued? (A hint.) */
bool conring_busy(const struct conring *r);

#endif
