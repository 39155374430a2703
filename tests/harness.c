// SPDX-License-Identifier: MIT
/*
 * Test runner for tests/harness.h.
 *
 * Each test (and each fixture variant of a TEST_F) runs in its own forked
 * child: exit 0 is a pass, 77 a skip, anything else (including a signal or a
 * sanitizer report) a failure.  The child exits through exit(), not _exit(),
 * on success so LeakSanitizer checks every test for leaks.
 *
 * Usage: uiommu-tests [-f SUBSTRING] [-n] [-l]
 *   -f  run only tests whose full name contains SUBSTRING (repeatable)
 *   -n  do not fork (for gdb); stops at the first failure
 *   -l  list test names
 */

#include "harness.h"

#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define T_EXIT_SKIP 77
#define T_TIMEOUT_S 600

static struct t_case *t_cases, **t_cases_tail = &t_cases;
static jmp_buf t_jmp;
static char t_build[PATH_MAX];
int t_failures;

void t_register(struct t_case *c)
{
	*t_cases_tail = c;
	t_cases_tail = &c->next;
}

void t_variant_register(struct t_variant **head, struct t_variant *v)
{
	while (*head)
		head = &(*head)->next;
	*head = v;
}

void t_fail_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "  %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	t_failures++;
}

_Noreturn void t_abort_test(void)
{
	longjmp(t_jmp, 1);
}

_Noreturn void t_skip(const char *file, int line, const char *reason)
{
	fprintf(stderr, "  %s:%d: skipped: %s\n", file, line, reason);
	fflush(NULL);
	exit(T_EXIT_SKIP);
}

const char *t_build_dir(void)
{
	return t_build;
}

/* Runs one test in the current process; returns the exit status to use. */
static int t_run_here(const struct t_case *c, const struct t_variant *v)
{
	/* volatile: they are read after longjmp() back into this frame. */
	void *volatile self = NULL;
	const void *volatile vdata = v ? v->data : NULL;
	volatile int setup_done = 0;

	t_failures = 0;
	if (c->self_size) {
		self = calloc(1, c->self_size);
		if (!self) {
			fprintf(stderr, "  out of memory for fixture\n");
			return 1;
		}
	}
	if (!setjmp(t_jmp)) {
		if (c->setup)
			c->setup(self, vdata);
		setup_done = 1;
		c->fn(self, vdata);
	}
	/* Teardown runs once, even when an ASSERT in it jumps back here. */
	if (setup_done && c->teardown) {
		setup_done = 0;
		if (!setjmp(t_jmp))
			c->teardown(self, vdata);
	}
	free(self);
	return t_failures ? 1 : 0;
}

static int t_run_forked(const struct t_case *c, const struct t_variant *v)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		alarm(T_TIMEOUT_S);
		exit(t_run_here(c, v));
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		return 1;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	fprintf(stderr, "  killed by signal %d\n", WTERMSIG(status));
	return 1;
}

static int t_matches(const char *full, char **filters, int nfilters)
{
	if (!nfilters)
		return 1;
	for (int i = 0; i < nfilters; i++)
		if (strstr(full, filters[i]))
			return 1;
	return 0;
}

static void t_set_build_dir(const char *argv0)
{
	const char *env = getenv("UIOMMU_BUILD_DIR");
	char tmp[PATH_MAX];

	if (env) {
		snprintf(t_build, sizeof(t_build), "%s", env);
		return;
	}
	/* The runner lives in BUILD/tests/, so BUILD is two levels up. */
	snprintf(tmp, sizeof(tmp), "%s", argv0);
	snprintf(t_build, sizeof(t_build), "%s", dirname(dirname(tmp)));
}

int main(int argc, char **argv)
{
	unsigned passed = 0, failed = 0, skipped = 0;
	char *filters[64];
	int nfilters = 0, nofork = 0, list = 0, opt;

	while ((opt = getopt(argc, argv, "f:nl")) != -1) {
		if (opt == 'f' && nfilters < 64)
			filters[nfilters++] = optarg;
		else if (opt == 'n')
			nofork = 1;
		else if (opt == 'l')
			list = 1;
		else {
			fprintf(stderr, "usage: %s [-f SUBSTRING] [-n] [-l]\n",
				argv[0]);
			return 2;
		}
	}
	t_set_build_dir(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (struct t_case *c = t_cases; c; c = c->next) {
		struct t_variant *v = c->variants ? *c->variants : NULL;

		do {
			char full[256];
			int rc;

			snprintf(full, sizeof(full), "%s%s%s.%s", c->fixture,
				 v ? "." : "", v ? v->name : "", c->name);
			if (!t_matches(full, filters, nfilters))
				goto next;
			if (list) {
				printf("%s\n", full);
				goto next;
			}
			rc = nofork ? t_run_here(c, v) : t_run_forked(c, v);
			if (rc == 0) {
				passed++;
				printf("ok   %s\n", full);
			} else if (rc == T_EXIT_SKIP) {
				skipped++;
				printf("skip %s\n", full);
			} else {
				failed++;
				printf("FAIL %s\n", full);
				if (nofork)
					goto out;
			}
next:
			v = v ? v->next : NULL;
		} while (v);
	}
out:
	if (!list)
		printf("%u passed, %u failed, %u skipped\n", passed, failed,
		       skipped);
	return failed ? 1 : 0;
}
