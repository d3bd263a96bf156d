// SPDX-License-Identifier: MIT
/*
 * braid-exit CODE: end the guest with CODE as its result by writing it to
 * the isa-debug-exit port 0xf4. QEMU's -device isa-debug-exit exits with
 * status (CODE << 1) | 1; braid takes the value as the guest's result,
 * 0 meaning pass (include/braid/abi.h). If neither is listening the write
 * is simply dropped, so this returns (status 1) and /init falls back to a
 * reboot.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/io.h>

#define DEBUG_EXIT_PORT 0xf4

int main(int argc, char **argv)
{
	unsigned long code;
	char *end;

	if (argc != 2) {
		fprintf(stderr, "usage: braid-exit CODE\n");
		return 2;
	}
	code = strtoul(argv[1], &end, 0);
	if (*end || end == argv[1]) {
		fprintf(stderr, "braid-exit: bad code '%s'\n", argv[1]);
		return 2;
	}
	/* ioperm opens just this port; iopl(3) is the wider fallback. */
	if (ioperm(DEBUG_EXIT_PORT, 4, 1) && iopl(3)) {
		perror("braid-exit: ioperm");
		return 1;
	}
	outl((unsigned int)code, DEBUG_EXIT_PORT);
	/* Still here: no debug-exit device took the write. */
	fprintf(stderr, "braid-exit: port 0x%x did not end the guest\n",
		DEBUG_EXIT_PORT);
	return 1;
}
