/* SPDX-License-Identifier: MIT */
/*
 * The boot report: one line per topic (CPU, virtualization, console, TSC,
 * memory, ACPI, CPUs, machine checks), noted by each part of braid as it
 * comes up and printed together once the machine is set up, so that the
 * first screen on a new machine says what braid found and uses.
 */
#ifndef LIB_REPORT_H
#define LIB_REPORT_H

/* Note the line for @topic ("cpu", "tsc", ...); a second note on the same
 * topic replaces the first. */
void report_note(const char *topic, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Print every note, in the order topics were first noted. */
void report_print(void);

#endif
