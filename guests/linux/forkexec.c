// SPDX-License-Identifier: MIT
/*
 * forkexec: many short-lived processes. Each iteration forks, the child
 * dirties one page of a buffer it shares copy-on-write with the parent and
 * re-executes this program as a tiny child that exits with a code derived
 * from its index; the parent reaps it and checks the code. This is the
 * workload where address spaces are born and die constantly, so page
 * tables are built and torn down far more often than they are used.
 *
 *   forkexec [scale=S] [n=ITERATIONS] [buf=KIB]
 *
 * Checks: every child exits normally with its expected code, and the
 * parent's buffer is untouched by its children's writes (copy-on-write).
 */
#define _GNU_SOURCE
#include "wl.h"

#include <limits.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_ARG "child="

static int child_code(uint64_t i)
{
	return (int)((i * 37 + 11) % 101) + 1;
}

/* The re-executed child: exits with the code its parent expects. */
static int run_child(const char *arg)
{
	char *end;
	unsigned long long i = strtoull(arg, &end, 10);

	return *end ? 127 : child_code(i);
}

int main(int argc, char **argv)
{
	struct wl_param params[] = { { "scale", 1, 0 },
				     { "n", 400, 0 },
				     { "buf", 1024, 0 },
				     { NULL, 0, 0 } };
	uint64_t n, pages, failed = 0, sum = 0, t0, t1;
	char self[PATH_MAX];
	uint64_t *buf;
	ssize_t len;

	if (argc == 2 && !strncmp(argv[1], CHILD_ARG, strlen(CHILD_ARG)))
		return run_child(argv[1] + strlen(CHILD_ARG));
	if (wl_parse("forkexec", argc, argv, params))
		return 1;
	n = wl_scaled(wl_get(params, "n"), wl_get(params, "scale"));
	pages = wl_scaled(wl_get(params, "buf") / 4, 1);

	/* Exec the very file we run from, even if argv[0] is a bare name. */
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len > 0)
		self[len] = 0;
	else
		snprintf(self, sizeof(self), "%s",
			 strchr(argv[0], '/') ? argv[0] : "/bin/forkexec");

	/* A dirty buffer makes every fork copy real page tables. */
	buf = mmap(NULL, pages * WL_PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		printf("BRAID-RESULT forkexec ok=0 error=mmap\n");
		return 1;
	}
	for (uint64_t p = 0; p < pages; p++)
		buf[p * WL_PAGE_WORDS] = wl_tag(1, p);

	fflush(stdout);
	BRAID_MARK(BRAID_MARK_BEGIN, BRAID_WINDOW_FORKEXEC);
	t0 = wl_now_ns();
	for (uint64_t i = 0; i < n; i++) {
		char arg[32];
		int status;
		pid_t pid;

		snprintf(arg, sizeof(arg), CHILD_ARG "%llu",
			 (unsigned long long)i);
		pid = fork();
		if (pid < 0) {
			failed++;
			continue;
		}
		if (pid == 0) {
			char *cargv[] = { "forkexec", arg, NULL };
			char *cenv[] = { NULL };

			/* Copy-on-write: the parent must not see this. */
			buf[(i % pages) * WL_PAGE_WORDS] = ~0ull;
			execve(self, cargv, cenv);
			_exit(126);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != child_code(i))
			failed++;
		else
			sum += (uint64_t)WEXITSTATUS(status);
	}
	t1 = wl_now_ns();
	BRAID_MARK(BRAID_MARK_END, BRAID_WINDOW_FORKEXEC);

	for (uint64_t p = 0; p < pages; p++) {
		if (buf[p * WL_PAGE_WORDS] != wl_tag(1, p))
			failed++;
	}
	printf("BRAID-RESULT forkexec ok=%d procs=%llu failed=%llu "
	       "codesum=%llu ns=%llu\n",
	       failed == 0, (unsigned long long)n, (unsigned long long)failed,
	       (unsigned long long)sum, (unsigned long long)(t1 - t0));
	return failed != 0;
}
