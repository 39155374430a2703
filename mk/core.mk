# src/core: contexts, the object table, IOAS, pages and pinning, accesses.
LIB_SRCS += src/core/ctx.c src/core/obj.c src/core/ioas.c src/core/pages.c \
	src/core/access.c src/core/iova.c src/core/api.c \
	src/core/device.c src/core/hwpt.c src/core/device_api.c \
	src/core/viommu.c
