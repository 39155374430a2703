// SPDX-License-Identifier: MIT
/*
 * uiommu platform: check a platform file and print it back in canonical
 * form, or print the built-in default platform as a file to start from
 * (uiommu platform > my.platform).  The format is docs/platform.md; this
 * file only owns the command's arguments, messages and exit status.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uiommu/platform.h>

#include "cmds.h"

/* A platform with every limit filled formats to under 48 KiB. */
#define PLATFORM_TEXT_MAX (64 * 1024)

static int platform_usage(void)
{
	fprintf(stderr, "usage: uiommu platform [FILE]\n");
	return 2;
}

static int print_platform(const struct uiommu_platform_desc *p)
{
	char *buf = malloc(PLATFORM_TEXT_MAX);
	int n = buf ? uiommu_platform_format(p, buf, PLATFORM_TEXT_MAX) :
		      -ENOMEM;

	if (n < 0) {
		fprintf(stderr, "uiommu platform: cannot format: %s\n",
			strerror(-n));
		free(buf);
		return 1;
	}
	fwrite(buf, 1, n, stdout);
	free(buf);
	/* A full disk or a closed pipe must not look like success. */
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "uiommu platform: writing the output: %s\n",
			strerror(errno));
		return 1;
	}
	return 0;
}

int cmd_platform(int argc, char **argv)
{
	/* Static: the description is too big to be polite on the stack. */
	static struct uiommu_platform_desc p;
	char err[512];
	int rc;

	if (argc > 2)
		return platform_usage();
	if (argc == 1) {
		uiommu_platform_default(&p);
		return print_platform(&p);
	}
	if (argv[1][0] == '-' && argv[1][1]) {
		fprintf(stderr, "uiommu platform: unknown option '%s'\n",
			argv[1]);
		return platform_usage();
	}
	rc = uiommu_platform_load(argv[1], &p, err, sizeof(err));
	if (!rc)
		rc = uiommu_platform_validate(&p, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "uiommu platform: %s: %s\n", argv[1], err);
		return 1;
	}
	return print_platform(&p);
}
