// SPDX-License-Identifier: MIT
/*
 * Fuzz target: platform-file text.  Whatever parses must validate, format
 * and parse back to the same description; whatever does not must say why
 * with a message that names a line.
 */
#include <uiommu/platform.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct uiommu_platform_desc a, b;
	static char text[UIOMMU_PLATFORM_TEXT_MAX];
	char err[256], *in = malloc(size + 1);
	int rc;

	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	rc = uiommu_platform_parse(in, &a, err, sizeof(err));
	free(in);
	if (rc) {
		if (strncmp(err, "line ", 5))
			abort();
		return 0;
	}
	if (uiommu_platform_validate(&a, err, sizeof(err)) ||
	    uiommu_platform_format(&a, text, sizeof(text)) <= 0 ||
	    uiommu_platform_parse(text, &b, err, sizeof(err)) ||
	    memcmp(&a, &b, sizeof(a)))
		abort();
	return 0;
}
