// SPDX-License-Identifier: MIT
/* uiommu version: print the version the tool was built as. */
#include <stdio.h>

#include "cmds.h"

/* mk/tools.mk passes the Makefile's VERSION. */
#ifndef UIOMMU_VERSION
#define UIOMMU_VERSION "unknown"
#endif

int cmd_version(int argc, char **argv)
{
	if (argc > 1) {
		fprintf(stderr, "uiommu version: takes no arguments\n");
		return 2;
	}
	printf("uiommu %s\n", UIOMMU_VERSION);
	return 0;
}
