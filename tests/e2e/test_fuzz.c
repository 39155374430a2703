// SPDX-License-Identifier: MIT
/*
 * The fuzz targets (fuzz/), built with gcc and the replay/random driver,
 * run a few thousand inputs each: no input may crash them.  `make fuzz`
 * runs the same targets under libFuzzer for longer.
 */
#include "harness.h"

#include <limits.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int run_fuzz(const char *target, const char *seed, const char *runs)
{
	char path[PATH_MAX];
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/fuzz/%s", t_build_dir(), target);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		if (seed)
			execl(path, path, "-n", runs, seed, (char *)NULL);
		else
			execl(path, path, "-n", runs, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(fuzz, ioctl_sequences)
{
	ASSERT_EQ(run_fuzz("fuzz_ioctl", NULL, "3000"), 0);
}

TEST(fuzz, platform_text)
{
	ASSERT_EQ(run_fuzz("fuzz_platform", "fuzz/corpus/platform_min.txt",
			   "5000"), 0);
}
