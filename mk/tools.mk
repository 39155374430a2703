# tools/: the uiommu command; src/uapi/preload.c: the LD_PRELOAD shim.
PRELOAD_SRCS += src/uapi/preload.c
TOOL_SRCS += tools/main.c tools/cmd_run.c tools/cmd_demo.c tools/demo_vmm.c \
	tools/cmd_version.c \
	tools/cmd_platform.c

# The version the tool reports is the Makefile's.
$(O)/obj/tools/cmd_version.o: CPPFLAGS += -DUIOMMU_VERSION='"$(VERSION)"'

# tests/progs/ are written against the Linux uAPI: make
# #include <linux/iommufd.h> find uiommu's declaration of it.
$(O)/tests/progs/%: CPPFLAGS += -Iinclude/uiommu
