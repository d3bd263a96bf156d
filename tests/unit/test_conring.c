// SPDX-License-Identifier: MIT
/* lib/conring.c: the console ring, its lock and its whole lines. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/conring.h"
#include "tests/unit/unit.h"

/* The "UART": what full() and drain() took out of the ring, in order. */
static char *sent;
static size_t nr_sent, cap_sent;
static size_t nr_echoed;
static struct conring ring;

static void take_all(struct conring *r)
{
	while (conring_queued(r)) {
		assert_true(nr_sent < cap_sent);
		sent[nr_sent++] = conring_pop(r);
	}
}

static void echo(const char *s, size_t n, bool raw)
{
	(void)s;
	(void)raw;
	nr_echoed += n;
}

static const struct conring_ops ops = { take_all, echo };

static int setup(void **state)
{
	(void)state;
	cap_sent = 64 << 20;
	sent = malloc(cap_sent);
	nr_sent = nr_echoed = 0;
	conring_init(&ring, &ops);
	return sent ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(sent);
	sent = NULL;
	return 0;
}

static void drain(void)
{
	assert_true(conring_lock(&ring, 0));
	take_all(&ring);
	conring_unlock(&ring);
}

static void test_line_waits_for_newline(void **state)
{
	(void)state;
	assert_true(conring_write(&ring, 1, "braid: st", 9));
	drain();
	assert_int_equal(nr_sent, 0); /* still CPU 1's own */
	assert_true(conring_write(&ring, 2, "[g] x\n", 6));
	assert_true(conring_write(&ring, 1, "ats {}\n", 7));
	drain();
	assert_int_equal(nr_sent, 24);
	assert_memory_equal(sent, "[g] x\r\nbraid: stats {}\r\n", 24);
	assert_int_equal(nr_echoed, 22); /* without the '\r's */
}

static const char tag_a, tag_b; /* two guests */

static void test_raw_goes_in_at_once(void **state)
{
	(void)state;
	assert_int_equal(conring_write_raw(&ring, 0, &tag_a, false, "/ # ", 4),
			 CONRING_WROTE);
	drain();
	assert_int_equal(nr_sent, 4);
	assert_memory_equal(sent, "/ # ", 4);
	/* It goes on with its own line while nothing else came. */
	assert_int_equal(conring_write_raw(&ring, 0, &tag_a, true, "ls", 2),
			 CONRING_WROTE);
	drain();
	assert_int_equal(nr_sent, 6);
}

/* A raw fragment is ended by the next whole line, and its writer is told
 * when it goes on: it must start a line anew (and be checked as such). */
static void test_raw_fragment_ended_by_others(void **state)
{
	(void)state;
	assert_int_equal(conring_write_raw(&ring, 0, &tag_a, false, "braid", 5),
			 CONRING_WROTE);
	assert_true(conring_write(&ring, 1, "[g] x\n", 6));
	assert_int_equal(conring_write_raw(&ring, 0, &tag_a, true, ":", 1),
			 CONRING_BROKEN);
	/* Another guest's raw bytes end it too. */
	assert_int_equal(conring_write_raw(&ring, 0, &tag_a, false, "ab", 2),
			 CONRING_WROTE);
	assert_int_equal(conring_write_raw(&ring, 1, &tag_b, false, "cd\n", 3),
			 CONRING_WROTE);
	assert_int_equal(conring_write_raw(&ring, 0, &tag_a, true, "x", 1),
			 CONRING_BROKEN);
	drain();
	assert_int_equal(nr_sent, 22);
	assert_memory_equal(sent, "braid\r\n[g] x\r\nab\r\ncd\r\n", 22);
}

static void test_flush_line_commits_partial(void **state)
{
	(void)state;
	assert_true(conring_write(&ring, 3, "no newline", 10));
	assert_true(conring_flush_line(&ring, 3));
	drain();
	assert_int_equal(nr_sent, 10);
	assert_true(conring_flush_line(&ring, 3)); /* nothing left */
	drain();
	assert_int_equal(nr_sent, 10);
}

static void test_holder_cannot_reenter(void **state)
{
	(void)state;
	assert_true(conring_lock(&ring, 5));
	/* A machine check on CPU 5 inside the console must not wait for
	 * itself; another CPU's trylock finds the lock taken. */
	assert_false(conring_write(&ring, 5, "x\n", 2));
	assert_false(conring_trylock(&ring, 6));
	conring_unlock(&ring);
	assert_true(conring_write(&ring, 5, "x\n", 2));
	assert_false(conring_write(&ring, CONRING_CPUS, "x\n", 2));
}

static void test_long_line_in_pieces(void **state)
{
	static char big[CONRING_LINE + 10];

	(void)state;
	memset(big, 'a', sizeof(big));
	assert_true(conring_write(&ring, 0, big, sizeof(big)));
	drain();
	assert_int_equal(nr_sent, CONRING_LINE);
}

static void test_full_ring_calls_full(void **state)
{
	char line[100];

	(void)state;
	memset(line, 'b', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	for (int i = 0; i < 1000; i++) /* 100 KB through a 32 KB ring */
		assert_true(conring_write(&ring, 0, line, sizeof(line)));
	drain();
	assert_int_equal(nr_sent, 1000 * 101);
}

/* --- several CPUs at once ---------------------------------------------- */

#define RACE_CPUS  4
#define RACE_LINES 3000

/* CPU @cpu prints its lines in several pieces each, as a caller that
 * builds a line over several kprintf calls does; every so often one CPU
 * also drains, as the exit loop does. */
static void *race_cpu(void *arg)
{
	unsigned cpu = (unsigned)(uintptr_t)arg;
	char line[128];

	for (int i = 0; i < RACE_LINES; i++) {
		int n = snprintf(line, sizeof(line),
				 "cpu %u line %d: the quick brown fox %d\n",
				 cpu, i, i * 7);

		for (int at = 0, step = 1 + (i + cpu) % 9; at < n; at += step)
			conring_write(&ring, cpu, line + at,
				      at + step <= n ? step : n - at);
		if (i % 50 == 0 && conring_trylock(&ring, cpu)) {
			take_all(&ring);
			conring_unlock(&ring);
		}
	}
	return NULL;
}

/* Every line sent is one of a CPU's, whole, and each CPU's come in the
 * order it printed them, all of them. */
static void check_lines(void)
{
	int next[RACE_CPUS] = { 0 };
	char *p = sent, *end = sent + nr_sent;

	while (p < end) {
		char *nl = memchr(p, '\n', end - p), want[128];
		unsigned cpu;
		int i, len;

		assert_non_null(nl);
		assert_int_equal(sscanf(p, "cpu %u line %d", &cpu, &i), 2);
		assert_true(cpu < RACE_CPUS);
		assert_int_equal(i, next[cpu]);
		len = snprintf(want, sizeof(want),
			       "cpu %u line %d: the quick brown fox %d\r\n",
			       cpu, i, i * 7);
		assert_int_equal(nl + 1 - p, len);
		assert_memory_equal(p, want, len);
		next[cpu]++;
		p = nl + 1;
	}
	for (int c = 0; c < RACE_CPUS; c++)
		assert_int_equal(next[c], RACE_LINES);
}

static void test_concurrent_lines_stay_whole(void **state)
{
	pthread_t t[RACE_CPUS];

	(void)state;
	for (unsigned c = 0; c < RACE_CPUS; c++)
		assert_int_equal(pthread_create(&t[c], NULL, race_cpu,
						(void *)(uintptr_t)c),
				 0);
	for (unsigned c = 0; c < RACE_CPUS; c++)
		assert_int_equal(pthread_join(t[c], NULL), 0);
	drain();
	check_lines();
	assert_false(spin_is_locked(&ring.lock));
}

#define TR(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TR(test_line_waits_for_newline),
		TR(test_raw_goes_in_at_once),
		TR(test_raw_fragment_ended_by_others),
		TR(test_flush_line_commits_partial),
		TR(test_holder_cannot_reenter),
		TR(test_long_line_in_pieces),
		TR(test_full_ring_calls_full),
		TR(test_concurrent_lines_stay_whole),
	};

	return cmocka_run_group_tests_name("conring", tests, NULL, NULL);
}
