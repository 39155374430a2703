/* SPDX-License-Identifier: MIT */
/*
 * src/drv: the IOMMU drivers of the emulated models (Intel VT-d, Arm
 * SMMUv3, AMD-Vi) behind the core's driver interface (core/driver.h).
 *
 * This header owns the one thing the rest of the library needs from them:
 * the factory that creates a driver instance for a platform's IOMMU
 * description.  uiommu_platform_create() (platform_create.c) passes it to
 * the core; tests may pass it to platform_create_with() directly.
 * docs/drivers.md describes what each model implements.
 */
#ifndef UIOMMU_DRV_H
#define UIOMMU_DRV_H

#include "core/driver.h"

extern const struct drv_factory uiommu_hw_factory;

#endif
