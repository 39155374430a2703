# src/hw: the emulated IOMMU translation engine (VT-d, SMMUv3, AMD-Vi models:
# configuration, IOTLB, invalidation, faults, DMA API).  Tests:
# tests/unit/test_hw_*.c (picked up by mk/tests.mk).
LIB_SRCS += src/hw/engine.c src/hw/iotlb.c src/hw/inval.c src/hw/dma.c
