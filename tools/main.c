// SPDX-License-Identifier: MIT
/*
 * uiommu: the command-line tool's entry point.
 *
 * Owns the subcommand table and everything generic about it: dispatch,
 * "uiommu --help", "uiommu help CMD", "uiommu CMD --help" and the
 * unknown-command error.  The subcommands live in tools/cmd_<name>.c.
 */
#include <stdio.h>
#include <string.h>

#include "cmds.h"

struct tool_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;  /* one line, for the command list */
	const char *usage; /* synopsis and options, for "help CMD" */
};

static const struct tool_cmd tool_cmds[] = {
	{
		"run", cmd_run,
		"run a program with /dev/iommu provided by uiommu",
		"usage: uiommu run [--platform FILE] -- PROGRAM [ARGS...]\n"
		"\n"
		"Runs PROGRAM with libuiommu-preload.so prepended to\n"
		"LD_PRELOAD, so that its open(\"/dev/iommu\") and ioctls on\n"
		"that descriptor are served by uiommu inside the program's\n"
		"own process.\n"
		"\n"
		"  --platform FILE  platform description, passed to the shim\n"
		"                   as UIOMMU_PLATFORM (absolute path)\n"
		"\n"
		"The shim is found through $UIOMMU_PRELOAD, else next to this\n"
		"executable, else in ../lib relative to it.\n",
	},
	{
		"demo", cmd_demo,
		"walk through uiommu's main features",
		"usage: uiommu demo\n",
	},
	{
		"platform", cmd_platform,
		"check a platform file, or print the default platform",
		"usage: uiommu platform [FILE]\n"
		"\n"
		"With FILE: parses and checks the platform file, then prints\n"
		"it in canonical form (exit 0), or prints the first error as\n"
		"'FILE: line N: field 'KEY': ...' (exit 1).\n"
		"\n"
		"Without FILE: prints the built-in default platform, a file to\n"
		"start from:  uiommu platform > my.platform\n"
		"\n"
		"The format is described in docs/platform.md.\n",
	},
	{
		"version", cmd_version,
		"print the version",
		"usage: uiommu version\n",
	},
};

#define N_CMDS (sizeof(tool_cmds) / sizeof(tool_cmds[0]))

static const struct tool_cmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < N_CMDS; i++)
		if (!strcmp(tool_cmds[i].name, name))
			return &tool_cmds[i];
	return NULL;
}

static void print_usage(FILE *out)
{
	fprintf(out, "usage: uiommu <command> [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < N_CMDS; i++)
		fprintf(out, "  %-9s %s\n", tool_cmds[i].name,
			tool_cmds[i].help);
	fprintf(out, "  %-9s %s\n", "help", "show help for a command");
	fprintf(out,
		"\nSee 'uiommu help <command>' for a command's options.\n");
}

static void print_cmd_help(const struct tool_cmd *c)
{
	printf("uiommu %s: %s\n\n%s", c->name, c->help, c->usage);
}

static int is_help_flag(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

static int unknown_cmd(const char *name)
{
	fprintf(stderr,
		"uiommu: '%s' is not a uiommu command; see 'uiommu --help'\n",
		name);
	return 2;
}

/* "uiommu help [CMD]" */
static int do_help(int argc, char **argv)
{
	const struct tool_cmd *c;

	if (argc < 2) {
		print_usage(stdout);
		return 0;
	}
	c = find_cmd(argv[1]);
	if (!c)
		return unknown_cmd(argv[1]);
	print_cmd_help(c);
	return 0;
}

int main(int argc, char **argv)
{
	const struct tool_cmd *c;

	if (argc < 2) {
		print_usage(stderr);
		return 2;
	}
	if (is_help_flag(argv[1]) || !strcmp(argv[1], "help"))
		return do_help(argc - 1, argv + 1);
	if (!strcmp(argv[1], "--version"))
		return cmd_version(argc - 1, argv + 1);
	c = find_cmd(argv[1]);
	if (!c)
		return unknown_cmd(argv[1]);
	if (argc > 2 && is_help_flag(argv[2])) {
		print_cmd_help(c);
		return 0;
	}
	return c->fn(argc - 1, argv + 1);
}
