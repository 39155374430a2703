/* SPDX-License-Identifier: MIT */
/*
 * The VFIO device-cdev layer (internal): what an open of
 * /dev/vfio/devices/vfioN is, and the ioctls and region accesses on it.
 *
 * A host (struct vfio_host) holds the emulated devices of one platform
 * instance: one DMA engine per platform device (src/dev), and which open
 * file, if any, has the device bound.  A file (struct vfio_file) is one
 * open of a device node; it has no access until VFIO_DEVICE_BIND_IOMMUFD
 * binds it to an iommufd context, and releasing it unbinds.  The numbers
 * a caller sees are the Linux ABI's (<uiommu/linux/vfio.h>); every
 * function returns 0 (or a byte count) or -errno, as the kernel's handler
 * would before the syscall layer turns it into -1/errno.
 *
 * Iommufd descriptors are the caller's business: BIND hands the fd number
 * to a resolver, which finds its context and keeps it alive while bound
 * (as a bound Linux device holds a reference on its iommufd).
 */
#ifndef UIOMMU_UAPI_VFIO_H
#define UIOMMU_UAPI_VFIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct uiommu_ctx;
struct uiommu_platform;
struct vfio_host;
struct vfio_file;

struct vfio_resolver {
	/*
	 * The context of iommufd descriptor @fd, with a reference *@ref that
	 * keeps it alive until put.  0; -EBADF if @fd is not open; -EBADFD if
	 * it is not an iommufd.
	 */
	int (*get)(void *opaque, int fd, struct uiommu_ctx **ctx, void **ref);
	void (*put)(void *opaque, void *ref);
	void *opaque;
};

/* Region offsets in the device fd, as vfio-pci lays them out. */
#define VFIO_REGION_SHIFT 40
#define VFIO_REGION_OFFSET(index) ((uint64_t)(index) << VFIO_REGION_SHIFT)

/* The devices of @p (which must outlive the host).  -ENOMEM. */
int uiommu_vfio_host_create(struct uiommu_platform *p,
			    struct vfio_host **out);
/* Every file must have been released.  NULL is a no-op. */
void uiommu_vfio_host_destroy(struct vfio_host *h);

/* Open device node @index.  -ENOENT no such device; -ENOMEM. */
int uiommu_vfio_open(struct vfio_host *h, uint32_t index,
		     struct vfio_file **out);
/* The last close: unbinds (detach everywhere, unbind in the core). */
void uiommu_vfio_release(struct vfio_file *f);

/* A VFIO device ioctl; @r resolves BIND's iommufd (may be NULL: -EBADF). */
int uiommu_vfio_ioctl(struct vfio_file *f, unsigned long cmd, void *arg,
		      const struct vfio_resolver *r);

/* pread/pwrite at device-fd offset @off: the count, or -errno. */
ssize_t uiommu_vfio_read(struct vfio_file *f, void *buf, size_t count,
			 uint64_t off);
ssize_t uiommu_vfio_write(struct vfio_file *f, const void *buf, size_t count,
			  uint64_t off);

#endif
