// SPDX-License-Identifier: MIT
/* The boot report's lines (lib/report.h): a small fixed table, since it is
 * filled before any allocator runs. */
#include "lib/log.h"
#include "lib/printf.h"
#include "lib/report.h"
#include "lib/string.h"

#define TOPICS	 16
#define LINE_MAX 200

static struct {
	const char *topic;
	char line[LINE_MAX];
} notes[TOPICS];

void report_note(const char *topic, const char *fmt, ...)
{
	va_list ap;
	unsigned i;

	for (i = 0; i < TOPICS && notes[i].topic; i++)
		if (!strcmp(notes[i].topic, topic))
			break;
	if (i == TOPICS)
		return; /* more topics than braid has: a bug, not worth a panic */
	notes[i].topic = topic;
	va_start(ap, fmt);
	vsnprintf(notes[i].line, LINE_MAX, fmt, ap);
	va_end(ap);
}

/* The order a reader wants, whatever order the notes came in. */
static const char *const order[] = { "cpu",  "virtualization", "memory",
				     "acpi", "cpus",	       "console",
				     "tsc",  "machine checks", "reset" };

static int rank(const char *topic)
{
	for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (!strcmp(order[i], topic))
			return (int)i;
	return (int)(sizeof(order) / sizeof(order[0]));
}

void report_print(void)
{
	kprintf("braid: report: ---- what braid found on this machine ----\n");
	for (int r = 0; r <= rank(""); r++)
		for (unsigned i = 0; i < TOPICS && notes[i].topic; i++)
			if (rank(notes[i].topic) == r)
				kprintf("braid: report: %-14s %s\n",
					notes[i].topic, notes[i].line);
	kprintf("braid: report: ---- end of report ----\n");
}
