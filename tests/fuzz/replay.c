// SPDX-License-Identifier: MIT
/*
 * A plain main() for a fuzz target: run every file of the directories
 * given through LLVMFuzzerTestOneInput(), as libFuzzer would, but built
 * with gcc and no fuzzing engine, so that `make unit` replays the corpus
 * on any machine. Prints a cmocka-style summary line, which tools/test.sh
 * counts; a failed invariant or sanitizer report aborts before it, and the
 * Makefile then reports the target as failed.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"

#define REPLAY_MAX (1u << 20)

static u8 buf[REPLAY_MAX];

/* Run one file; its name is printed first so that a crash names it. */
static void run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		perror(path);
		exit(1);
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	fprintf(stderr, "replay: %s\n", path);
	LLVMFuzzerTestOneInput(buf, n);
}

/* Every regular file in @dir (a missing directory holds none). */
static unsigned run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];
	unsigned count = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		run_file(path);
		count++;
	}
	closedir(d);
	return count;
}

int main(int argc, char **argv)
{
	unsigned count = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: %s NAME DIR...\n", argv[0]);
		return 2;
	}
	printf("[==========] Running 1 test(s).\n");
	printf("[ RUN      ] fuzz_%s\n", argv[1]);
	fflush(stdout);
	for (int i = 2; i < argc; i++)
		count += run_dir(argv[i]);
	if (!count) {
		printf("[  FAILED  ] 1 test(s), listed below:\n");
		printf("[  FAILED  ] fuzz_%s: no corpus\n", argv[1]);
		return 1;
	}
	printf("[       OK ] fuzz_%s: %u inputs\n", argv[1], count);
	printf("[  PASSED  ] 1 test(s).\n");
	return 0;
}
