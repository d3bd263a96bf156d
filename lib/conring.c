// SPDX-License-Identifier: MIT
/* The console ring and its per-CPU line buffers (lib/conring.h). */
#include "lib/atomic.h"
#include "lib/conring.h"
#include "lib/string.h"

void conring_init(struct conring *r, const struct conring_ops *ops)
{
	memset(r, 0, sizeof(*r));
	r->lock = (struct spinlock)SPINLOCK_INIT("console");
	spin_register(&r->lock);
	r->owner = -1;
	r->ops = ops;
}

bool conring_lock(struct conring *r, unsigned cpu)
{
	/* Only this CPU can have stored its own number here, so a stale
	 * value read from another CPU's tenure cannot match. */
	if (atomic_load_relaxed(&r->owner) == (int)cpu)
		return false;
	spin_lock(&r->lock);
	atomic_store_relaxed(&r->owner, (int)cpu);
	return true;
}

bool conring_trylock(struct conring *r, unsigned cpu)
{
	if (!spin_trylock(&r->lock))
		return false;
	atomic_store_relaxed(&r->owner, (int)cpu);
	return true;
}

void conring_unlock(struct conring *r)
{
	atomic_store_relaxed(&r->owner, -1);
	spin_unlock(&r->lock);
}

static void push(struct conring *r, char c)
{
	if (r->discard)
		return;
	if (r->head - r->tail == CONRING_SIZE)
		r->ops->full(r);
	if (r->discard) /* full() gave up on the UART */
		return;
	r->ring[r->head % CONRING_SIZE] = c;
	atomic_store_relaxed(&r->head, r->head + 1); /* conring_busy() */
}

/* End a raw fragment left open by another writer. */
static void end_partial(struct conring *r)
{
	if (!r->partial)
		return;
	r->ops->echo("\n", 1, true);
	push(r, '\r');
	push(r, '\n');
	r->partial = false;
}

/* Into the ring, and to the echo; the lock is held. @tag: the raw writer,
 * NULL for a whole line. */
static void commit(struct conring *r, const char *s, size_t n, bool raw,
		   const void *tag)
{
	if (!n)
		return;
	if (!raw || r->partial_tag != tag)
		end_partial(r);
	r->ops->echo(s, n, raw);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			push(r, '\r');
		push(r, s[i]);
	}
	if (raw) {
		r->partial = s[n - 1] != '\n';
		r->partial_tag = tag;
	}
}

/* Append to @l; at '\n' or when @l is full, commit it. */
static void collect(struct conring *r, struct conring_line *l, const char *s,
		    size_t n)
{
	for (; n; n--, s++) {
		l->buf[l->len++] = *s;
		if (*s == '\n' || l->len == CONRING_LINE) {
			commit(r, l->buf, l->len, false, NULL);
			l->len = 0;
		}
	}
}

bool conring_write(struct conring *r, unsigned cpu, const char *s, size_t n)
{
	if (cpu >= CONRING_CPUS || !conring_lock(r, cpu))
		return false;
	collect(r, &r->line[cpu], s, n);
	conring_unlock(r);
	return true;
}

enum conring_raw conring_write_raw(struct conring *r, unsigned cpu,
				   const void *tag, bool continuing,
				   const char *s, size_t n)
{
	enum conring_raw ret = CONRING_WROTE;

	if (!conring_lock(r, cpu))
		return CONRING_BUSY;
	if (continuing && !(r->partial && r->partial_tag == tag))
		ret = CONRING_BROKEN;
	else
		commit(r, s, n, true, tag);
	conring_unlock(r);
	return ret;
}

bool conring_flush_line(struct conring *r, unsigned cpu)
{
	struct conring_line *l;

	if (cpu >= CONRING_CPUS || !conring_lock(r, cpu))
		return false;
	l = &r->line[cpu];
	commit(r, l->buf, l->len, false, NULL);
	l->len = 0;
	conring_unlock(r);
	return true;
}

u32 conring_queued(const struct conring *r)
{
	return r->head - r->tail;
}

char conring_pop(struct conring *r)
{
	char c = r->ring[r->tail % CONRING_SIZE];

	atomic_store_relaxed(&r->tail, r->tail + 1);
	return c;
}

void conring_discard(struct conring *r)
{
	atomic_store_relaxed(&r->discard, true);
	atomic_store_relaxed(&r->tail, r->head);
}

bool conring_busy(const struct conring *r)
{
	return !atomic_load_relaxed(&r->discard) &&
	       atomic_load_relaxed(&r->head) != atomic_load_relaxed(&r->tail);
}
