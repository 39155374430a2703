# src/uapi: the Linux iommufd ioctl ABI entry point (uiommu_ioctl).
LIB_SRCS += src/uapi/ioctl.c
