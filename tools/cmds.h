/* SPDX-License-Identifier: MIT */
/*
 * The uiommu command's subcommands: one cmd_<name>() per tools/cmd_<name>.c,
 * listed with their help in the table in tools/main.c.
 *
 * Each takes the subcommand's own argv (argv[0] is the subcommand name) and
 * returns the process exit status: 0 success, 1 failure, 2 usage error.
 * Messages go to stderr prefixed with "uiommu <name>:".
 */
#ifndef UIOMMU_TOOLS_CMDS_H
#define UIOMMU_TOOLS_CMDS_H

int cmd_run(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_platform(int argc, char **argv);

#endif
