# src/drv: the IOMMU drivers of the emulated models (VT-d, SMMUv3, AMD-Vi)
# behind the core's driver interface, and uiommu_platform_create().
# docs/drivers.md.  Tests: tests/unit/test_drv_*.c (picked up by
# mk/tests.mk).
LIB_SRCS += src/drv/drv.c src/drv/domain.c src/drv/vtd.c src/drv/smmu.c \
	src/drv/amd.c src/drv/platform_create.c
