# src/dev: emulated devices (the DMA engine behind /dev/vfio/devices/vfioN),
# and src/uapi/vfio.c, the VFIO device-cdev ioctl layer that exposes them
# (listed here rather than in mk/uapi.mk so the VFIO work lives in one
# fragment).  Tests: tests/unit/test_vfio*.c, tests/unit/test_dmaengine*.c,
# tests/e2e/test_vfio_e2e.c (picked up by mk/tests.mk).
LIB_SRCS += src/dev/dmaengine.c src/uapi/vfio.c
