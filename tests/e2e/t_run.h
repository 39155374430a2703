/* SPDX-License-Identifier: MIT */
/*
 * Helpers for end-to-end tests: run a built program in a child with
 * environment edits, capture its stdout and stderr without deadlocking on
 * full pipes, and judge its exit status and last line.
 */
#ifndef UIOMMU_T_RUN_H
#define UIOMMU_T_RUN_H

#include "harness.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

struct run_result {
	int status;      /* exit status; 128 + signal if killed */
	char out[65536]; /* stdout, NUL-terminated (truncated if longer) */
	char err[16384]; /* stderr, likewise */
};

/* In the child: apply "NAME=VALUE" (set) or "NAME" (unset) edits, exec. */
static inline _Noreturn void run_child(const char *const argv[],
				const char *const env[], int out, int err)
{
	for (int i = 0; env && env[i]; i++) {
		const char *eq = strchr(env[i], '=');
		char name[256];

		snprintf(name, sizeof(name), "%.*s",
			 (int)(eq ? eq - env[i] : (ptrdiff_t)strlen(env[i])),
			 env[i]);
		if (eq)
			setenv(name, eq + 1, 1);
		else
			unsetenv(name);
	}
	if (dup2(out, 1) < 0 || dup2(err, 2) < 0)
		_exit(126);
	/* exec does not write to argv; its prototype predates const. */
	execv(argv[0], (char *const *)argv);
	dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Read both pipes to EOF without letting either fill up and block. */
static inline void run_drain(int out, int err, struct run_result *r)
{
	struct pollfd p[2] = { { out, POLLIN, 0 }, { err, POLLIN, 0 } };
	char *buf[2] = { r->out, r->err };
	size_t cap[2] = { sizeof(r->out) - 1, sizeof(r->err) - 1 };
	size_t len[2] = { 0, 0 };
	int open_fds = 2;

	while (open_fds && poll(p, 2, -1) >= 0) {
		for (int i = 0; i < 2; i++) {
			char scratch[4096];
			ssize_t n;

			if (p[i].fd < 0 || !p[i].revents)
				continue;
			n = read(p[i].fd, scratch, sizeof(scratch));
			if (n <= 0) {
				p[i].fd = -1;
				open_fds--;
				continue;
			}
			if ((size_t)n > cap[i] - len[i])
				n = cap[i] - len[i];
			memcpy(buf[i] + len[i], scratch, n);
			len[i] += n;
		}
	}
	r->out[len[0]] = '\0';
	r->err[len[1]] = '\0';
}

/* Run @argv (a path, not searched) with @env edits; fills @r. */
static inline void run_cmd(const char *const argv[], const char *const env[],
		    struct run_result *r)
{
	int out[2], err[2], status;
	pid_t pid;

	ASSERT_OK(pipe(out));
	ASSERT_OK(pipe(err));
	fflush(NULL);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		close(out[0]);
		close(err[0]);
		run_child(argv, env, out[1], err[1]);
	}
	close(out[1]);
	close(err[1]);
	run_drain(out[0], err[0], r);
	close(out[0]);
	close(err[0]);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) :
		    128 + WTERMSIG(status);
}

/* Wrong status: show what the program said, for the failing test's log. */
#define ASSERT_STATUS(r, want)                                              \
	do {                                                                \
		if ((r)->status != (want))                                  \
			fprintf(stderr, "  stdout:\n%s\n  stderr:\n%s\n",     \
				(r)->out, (r)->err);                        \
		ASSERT_EQ((r)->status, (want));                             \
	} while (0)

/* Path of a file in the build directory, in a static buffer per slot. */
static inline char *build_path(int slot, const char *rel)
{
	static char paths[4][PATH_MAX];

	snprintf(paths[slot], PATH_MAX, "%s/%s", t_build_dir(), rel);
	return paths[slot];
}

/* The last non-empty line of @s (modified in place). */
static inline const char *last_line(char *s)
{
	size_t n = strlen(s);
	char *nl;

	while (n && s[n - 1] == '\n')
		s[--n] = '\0';
	nl = strrchr(s, '\n');
	return nl ? nl + 1 : s;
}

#endif
