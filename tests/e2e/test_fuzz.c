// SPDX-License-Identifier: MIT
/*
 * The fuzz targets (fuzz/), built with gcc and the replay/random driver,
 * run a few thousand inputs each: no input may crash them.  `make fuzz`
 * runs the same targets under libFuzzer for longer.
 */
#include "t_run.h"

/* Run a fuzz target's gcc build for @runs inputs, after replaying @seed. */
static int run_fuzz(const char *target, const char *seed, const char *runs)
{
	static struct run_result r;
	const char *argv[] = { build_path(0, target), "-n", runs, seed, NULL };

	run_cmd(argv, NULL, &r);
	if (r.status)
		fprintf(stderr, "  stdout:\n%s\n  stderr:\n%s\n", r.out, r.err);
	return r.status;
}

TEST(fuzz, ioctl_sequences)
{
	ASSERT_EQ(run_fuzz("fuzz/fuzz_ioctl", NULL, "3000"), 0);
}

/* libFuzzer's find: IOVA_RANGES copying out to a NULL array, which must
 * give EFAULT (a clang build once lost the copy's recovery point). */
TEST(fuzz, ioctl_ranges_to_null)
{
	ASSERT_EQ(run_fuzz("fuzz/fuzz_ioctl",
			   "fuzz/corpus/ioctl_ranges_to_null.bin", "0"), 0);
}

TEST(fuzz, platform_text)
{
	ASSERT_EQ(run_fuzz("fuzz/fuzz_platform", "fuzz/corpus/platform_min.txt",
			   "5000"), 0);
}
