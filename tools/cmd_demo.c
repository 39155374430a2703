// SPDX-License-Identifier: MIT
/*
 * uiommu demo: placeholder until the real walkthrough lands (the lead owns
 * this file and will replace it).
 */
#include <stdio.h>

#include "cmds.h"

int cmd_demo(int argc, char **argv)
{
	printf("uiommu demo: not written yet\n");
	return 0;
}
