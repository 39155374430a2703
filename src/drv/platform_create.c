// SPDX-License-Identifier: MIT
/*
 * uiommu_platform_create() / uiommu_platform_destroy(): a platform
 * instance whose IOMMUs are the emulated hardware models.
 *
 * This file owns only the public entry points: the description is checked
 * (uiommu_platform_validate, src/platform), then the core builds the
 * platform (devices, groups) with one driver instance per IOMMU from
 * uiommu_hw_factory (src/drv).
 */
#include "core/device.h"
#include "drv/drv.h"

#include <errno.h>

UIOMMU_API int uiommu_platform_create(const struct uiommu_platform_desc *desc,
				      struct uiommu_platform **out)
{
	char err[160];
	int rc;

	if (!desc || !out)
		return -EINVAL;
	rc = uiommu_platform_validate(desc, err, sizeof(err));
	if (rc)
		return rc;
	return platform_create_with(desc, &uiommu_hw_factory, out);
}

UIOMMU_API void uiommu_platform_destroy(struct uiommu_platform *p)
{
	platform_destroy(p);
}
