// SPDX-License-Identifier: MIT
/*
 * End-to-end tests of the uiommu command and the preload shim: run the
 * built binaries (the uiommu command, the programs of tests/progs) as a
 * user would and check exit statuses and output.
 *
 * The programs under tests/progs/ do the detailed checking from inside;
 * these tests only judge their verdict (exit status and last line).
 */
#include "harness.h"
#include "t_run.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uiommu/platform.h>

/* `uiommu run -- PROG` must pass and say "PROG: N checks passed". */
static void run_prog_under_shim(const char *prog)
{
	char rel[64];
	const char *argv[] = { build_path(0, "uiommu"), "run", "--", NULL,
			       NULL };
	static struct run_result r;
	const char *line;
	char want[80];
	unsigned int n = 0;

	snprintf(rel, sizeof(rel), "tests/progs/%s", prog);
	argv[3] = build_path(1, rel);
	run_cmd(argv, NULL, &r);
	ASSERT_STATUS(&r, 0);
	line = last_line(r.out);
	snprintf(want, sizeof(want), "%s: %%u checks passed", prog);
	if (sscanf(line, want, &n) != 1 || n == 0)
		FAIL("last line \"%s\", want \"%s: N checks passed\"", line,
		     prog);
}

TEST(run, linux_uapi_prog_under_shim)
{
	run_prog_under_shim("linux_uapi_prog");
}

TEST(run, shim_prog_under_shim)
{
	run_prog_under_shim("shim_prog");
}

/* Without the shim /dev/iommu does not exist here: nothing is faked. */
TEST(run, linux_uapi_prog_without_shim_exits_3)
{
	const char *argv[] = { build_path(0, "tests/progs/linux_uapi_prog"),
			       NULL };
	const char *env[] = { "LD_PRELOAD", NULL };
	static struct run_result r;

	if (!access("/dev/iommu", F_OK))
		SKIP("this machine has a real /dev/iommu");
	run_cmd(argv, env, &r);
	ASSERT_STATUS(&r, 3);
	ASSERT_NONNULL(strstr(r.out, "/dev/iommu"));
}

TEST(run, missing_preload_exits_1)
{
	const char *argv[] = { build_path(0, "uiommu"), "run", "--",
			       "/bin/true", NULL };
	const char *env[] = {
		"UIOMMU_PRELOAD=/nonexistent/libuiommu-preload.so", NULL,
	};
	static struct run_result r;

	run_cmd(argv, env, &r);
	ASSERT_STATUS(&r, 1);
	ASSERT_NONNULL(strstr(r.err, "uiommu run: "));
	ASSERT_NONNULL(strstr(r.err, "/nonexistent/libuiommu-preload.so"));
	ASSERT_EQ(r.out[0], '\0');
}

TEST(run, missing_program_exits_127)
{
	const char *argv[] = { build_path(0, "uiommu"), "run", "--",
			       "/nonexistent/prog", NULL };
	static struct run_result r;

	run_cmd(argv, NULL, &r);
	ASSERT_STATUS(&r, 127);
	ASSERT_NONNULL(strstr(r.err, "uiommu run: /nonexistent/prog"));
}

TEST(run, no_program_is_a_usage_error)
{
	const char *argv[] = { build_path(0, "uiommu"), "run", "--", NULL };
	static struct run_result r;

	run_cmd(argv, NULL, &r);
	ASSERT_STATUS(&r, 2);
	ASSERT_NONNULL(strstr(r.err, "usage: uiommu run"));
}

/*
 * The shim goes in front of an existing LD_PRELOAD, and --platform reaches
 * the program as an absolute UIOMMU_PLATFORM.
 */
TEST(run, sets_ld_preload_and_platform)
{
	const char *argv[] = {
		build_path(0, "uiommu"), "run", "--platform",
		build_path(1, "uiommu"), "--", "/bin/sh", "-c",
		"echo \"P=$LD_PRELOAD\"; echo \"U=$UIOMMU_PLATFORM\"", NULL,
	};
	/* ld.so warns about the missing library and carries on. */
	const char *env[] = { "LD_PRELOAD=/nonexistent/libx.so", NULL };
	static struct run_result r;
	char *p, *u, *end;

	run_cmd(argv, env, &r);
	ASSERT_STATUS(&r, 0);
	p = strstr(r.out, "P=");
	u = strstr(r.out, "U=");
	ASSERT_NONNULL(p);
	ASSERT_NONNULL(u);
	end = strchr(p, '\n');
	ASSERT_NONNULL(end);
	*end = '\0';
	ASSERT_NONNULL(strstr(p, "/libuiommu-preload.so:/nonexistent/libx.so"));
	ASSERT_EQ(u[2], '/');
	end = strchr(u, '\n');
	ASSERT_NONNULL(end);
	*end = '\0';
	ASSERT_EQ(strcmp(end - strlen("/uiommu"), "/uiommu"), 0);
}

TEST(run, unknown_command_exits_2)
{
	const char *argv[] = { build_path(0, "uiommu"), "bogus", NULL };
	static struct run_result r;

	run_cmd(argv, NULL, &r);
	ASSERT_STATUS(&r, 2);
	ASSERT_NONNULL(strstr(r.err, "bogus"));
}

TEST(run, help_lists_subcommands)
{
	const char *argv[] = { build_path(0, "uiommu"), "--help", NULL };
	static struct run_result r;

	run_cmd(argv, NULL, &r);
	ASSERT_STATUS(&r, 0);
	ASSERT_NONNULL(strstr(r.out, "\n  run "));
	ASSERT_NONNULL(strstr(r.out, "\n  demo "));
	ASSERT_NONNULL(strstr(r.out, "\n  version "));
}

/* "uiommu help run" and "uiommu run --help" print the same usage. */
TEST(run, help_for_a_command)
{
	const char *a1[] = { build_path(0, "uiommu"), "help", "run", NULL };
	const char *a2[] = { build_path(0, "uiommu"), "run", "--help", NULL };
	static struct run_result r1, r2;

	run_cmd(a1, NULL, &r1);
	run_cmd(a2, NULL, &r2);
	ASSERT_STATUS(&r1, 0);
	ASSERT_STATUS(&r2, 0);
	ASSERT_NONNULL(strstr(r1.out, "usage: uiommu run [--platform FILE]"));
	ASSERT_EQ(strcmp(r1.out, r2.out), 0);
}

TEST(run, version)
{
	const char *argv[] = { build_path(0, "uiommu"), "version", NULL };
	static struct run_result r;

	run_cmd(argv, NULL, &r);
	ASSERT_STATUS(&r, 0);
	ASSERT_EQ(strncmp(r.out, "uiommu ", 7), 0);
}

/* The main job: `uiommu demo` runs every step as narrated and says so. */
TEST(run, demo_behaves_as_narrated)
{
	static struct run_result r;
	const char *argv[] = { build_path(0, "uiommu"), "demo", NULL };

	run_cmd(argv, NULL, &r);
	ASSERT_STATUS(&r, 0);
	ASSERT_NONNULL(strstr(r.out, "All steps behaved as Linux iommufd does."));
	ASSERT_NULL(strstr(r.out, "[BAD]"));
	/* The picture shows the reserved MSI window and the file area. */
	ASSERT_NONNULL(strstr(r.out, "00000000fee00000-00000000feefffff"));
	ASSERT_NONNULL(strstr(r.out, "area RW file"));
	/* The VMM part: nested DMA, a fault per stage, the forwarded
	 * invalidation, both MSI paths, blocked after detach. */
	ASSERT_NONNULL(strstr(r.out, "now reads \"hello from guest page 8\""));
	ASSERT_NONNULL(strstr(r.out, "FAULT_STAGE 1, FAULT_ADDR 0x10040000"));
	ASSERT_NONNULL(strstr(r.out, "FAULT_STAGE 2, FAULT_ADDR 0x10030000"));
	ASSERT_NONNULL(strstr(r.out, "entry_num written back: 1 handled"));
	ASSERT_NONNULL(strstr(r.out, "MSI_ADDR 0x8000040"));
	ASSERT_NONNULL(strstr(r.out, "FAULT_REASON blocked"));
}

/* ---- uiommu platform --------------------------------------------------- */

/* A temporary platform file holding @text; its path in @path. */
static void platform_tmp(char path[64], const char *text)
{
	size_t len = strlen(text);
	int fd;

	snprintf(path, 64, "/tmp/uiommu-e2e-XXXXXX");
	fd = mkstemp(path);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(write(fd, text, len), (ssize_t)len);
	close(fd);
}

/* Without FILE: the default platform, as a file that parses back to it. */
TEST(run, platform_prints_the_default)
{
	const char *argv[] = { build_path(0, "uiommu"), "platform", NULL };
	static struct uiommu_platform_desc want, got;
	static struct run_result r;
	char err[256];

	run_cmd(argv, NULL, &r);
	ASSERT_STATUS(&r, 0);
	ASSERT_EQ(r.err[0], '\0');
	uiommu_platform_default(&want);
	ASSERT_OK(uiommu_platform_parse(r.out, &got, err, sizeof(err)));
	ASSERT_MEMEQ(&want, &got, sizeof(want));
}

/* With FILE: checked, then printed back in canonical form. */
TEST(run, platform_prints_a_file_canonically)
{
	static const char file[] =
		"[device d]\r\niommu=a\r\nrid=0x28\r\n"
		"[iommu a]\r\nmodel=VTD # no newline at the end";
	static struct uiommu_platform_desc p;
	static char want[65536];
	static struct run_result r;
	const char *argv[] = { build_path(0, "uiommu"), "platform", NULL,
			       NULL };
	char path[64], err[256];

	platform_tmp(path, file);
	argv[2] = path;
	run_cmd(argv, NULL, &r);
	unlink(path);
	ASSERT_STATUS(&r, 0);
	ASSERT_OK(uiommu_platform_parse(file, &p, err, sizeof(err)));
	ASSERT_GT(uiommu_platform_format(&p, want, sizeof(want)), 0);
	ASSERT_EQ(strcmp(r.out, want), 0);
	ASSERT_NONNULL(strstr(r.out, "\nrid = 00:05.0\n"));
}

TEST(run, platform_reports_the_line_and_field)
{
	static struct run_result r;
	const char *argv[] = { build_path(0, "uiommu"), "platform", NULL,
			       NULL };
	char path[64], want[256];

	platform_tmp(path, "[iommu a]\nmodel = vtd\n[device d]\n"
			   "iommu = a\nrid = 00:3g.0\n");
	argv[2] = path;
	run_cmd(argv, NULL, &r);
	unlink(path);
	ASSERT_STATUS(&r, 1);
	snprintf(want, sizeof(want),
		 "uiommu platform: %s: line 5: field 'rid': expected BB:DD.F or a number, got '00:3g.0'\n",
		 path);
	ASSERT_EQ(strcmp(r.err, want), 0);
	ASSERT_EQ(r.out[0], '\0');
}

TEST(run, platform_missing_file_and_usage)
{
	const char *missing[] = { build_path(0, "uiommu"), "platform",
				  "/nonexistent/x.platform", NULL };
	const char *two[] = { build_path(0, "uiommu"), "platform", "a", "b",
			      NULL };
	const char *help[] = { build_path(0, "uiommu"), "--help", NULL };
	static struct run_result r;

	run_cmd(missing, NULL, &r);
	ASSERT_STATUS(&r, 1);
	ASSERT_NONNULL(strstr(r.err,
			      "uiommu platform: /nonexistent/x.platform: "));
	run_cmd(two, NULL, &r);
	ASSERT_STATUS(&r, 2);
	ASSERT_NONNULL(strstr(r.err, "usage: uiommu platform [FILE]"));
	run_cmd(help, NULL, &r);
	ASSERT_STATUS(&r, 0);
	ASSERT_NONNULL(strstr(r.out, "\n  platform "));
}
