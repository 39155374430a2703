/* SPDX-License-Identifier: MIT */
/*
 * What the stand-alone VFIO test programs share on top of prog.h: the DMA
 * engine's registers (its "datasheet", docs/vfio.md) reached with
 * pread/pwrite on the device fd, and thin wrappers of the VFIO ioctls.
 */
#ifndef UIOMMU_TESTS_VFIO_PROG_H
#define UIOMMU_TESTS_VFIO_PROG_H

#include <poll.h>

#include <linux/vfio.h>

#include "prog.h"

#define PAGE 4096ul

/* The DMA engine's BAR0 registers (docs/vfio.md). */
enum {
	REG_ID = 0x000,
	REG_CTRL = 0x008,
	REG_STATUS = 0x00c,
	REG_SRC = 0x010,
	REG_DST = 0x018,
	REG_LEN = 0x020,
	REG_PASID = 0x028,
	REG_FAULT_REASON = 0x02c,
	REG_FAULT_ADDR = 0x030,
	REG_FAULT_STAGE = 0x038,
	REG_MSI_ADDR = 0x040,
	REG_COMPLETIONS = 0x050,
	REG_MSI_COUNT = 0x058,
};
#define ENGINE_ID 0x55444d41u
#define CTRL_GO 1u
#define CTRL_MSI_EN 2u
#define STATUS_DONE 1u
#define STATUS_FAULT 2u
#define STATUS_MSI_FAULT 0x100u
#define FAULT_NOT_PRESENT 1u
#define FAULT_PERMISSION 2u
#define FAULT_ADDRESS_SIZE 3u
#define FAULT_BLOCKED 4u

static __u64 bar0;		/* BAR0's offset in the device fd */

static inline __u64 rd(int dev, __u32 reg, size_t size)
{
	__u64 v64 = 0;
	__u32 v32 = 0;

	if (size == 4) {
		if (pread(dev, &v32, 4, bar0 + reg) != 4)
			return ~0ull;
		return v32;
	}
	if (pread(dev, &v64, 8, bar0 + reg) != 8)
		return ~0ull;
	return v64;
}

static inline int wr(int dev, __u32 reg, size_t size, __u64 v)
{
	__u32 v32 = (__u32)v;
	const void *p = size == 4 ? (const void *)&v32 : (const void *)&v;

	return pwrite(dev, p, size, bar0 + reg) == (ssize_t)size ? 0 : errno;
}

/* Program a transfer and start it; returns STATUS. */
static inline __u32 dma(int dev, __u64 src, __u64 dst, __u64 len, __u32 ctrl)
{
	if (wr(dev, REG_SRC, 8, src) || wr(dev, REG_DST, 8, dst) ||
	    wr(dev, REG_LEN, 8, len) || wr(dev, REG_CTRL, 4, ctrl | CTRL_GO))
		return ~0u;
	return (__u32)rd(dev, REG_STATUS, 4);
}

/* The eventfd's count, without blocking (the engine is synchronous). */
static inline __u64 ev_count(int efd)
{
	struct pollfd p = { efd, POLLIN, 0 };
	__u64 v = 0;

	if (poll(&p, 1, 0) != 1 || read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static inline int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static inline int vbind(int dev, int iommufd, __u32 flags, __u32 *devid)
{
	struct vfio_device_bind_iommufd b = {
		.argsz = sizeof(b), .flags = flags, .iommufd = iommufd,
	};
	int err = xioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b);

	if (devid)
		*devid = b.out_devid;
	return err;
}

/* BAR0's offset in the device fd (sets bar0); an errno. */
static inline int find_bar0(int dev)
{
	struct vfio_region_info r = { .argsz = sizeof(r),
				      .index = VFIO_PCI_BAR0_REGION_INDEX };
	int err = xioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &r);

	if (!err)
		bar0 = r.offset;
	return err;
}

static inline int vattach(int dev, __u32 pt_id)
{
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at),
						    .pt_id = pt_id };

	return xioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
}

static inline int vdetach(int dev)
{
	struct vfio_device_detach_iommufd_pt d = { .argsz = sizeof(d) };

	return xioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d);
}

static inline int set_msi(int dev, int efd)
{
	struct {
		struct vfio_irq_set s;
		__s32 fd;
	} req = { { .argsz = sizeof(req),
		    .flags = VFIO_IRQ_SET_DATA_EVENTFD |
			     VFIO_IRQ_SET_ACTION_TRIGGER,
		    .index = VFIO_PCI_MSI_IRQ_INDEX, .count = 1 }, efd };

	return xioctl(dev, VFIO_DEVICE_SET_IRQS, &req);
}

static inline int ioas_map(int fd, __u32 ioas, void *va, __u64 len,
			   __u64 iova, __u32 prot)
{
	struct iommu_ioas_map m = {
		.size = sizeof(m),
		.flags = IOMMU_IOAS_MAP_FIXED_IOVA | prot,
		.ioas_id = ioas, .user_va = (uintptr_t)va,
		.length = len, .iova = iova,
	};

	return xioctl(fd, IOMMU_IOAS_MAP, &m);
}

static inline int ioas_unmap(int fd, __u32 ioas, __u64 iova, __u64 len)
{
	struct iommu_ioas_unmap u = { .size = sizeof(u), .ioas_id = ioas,
				      .iova = iova, .length = len };

	return xioctl(fd, IOMMU_IOAS_UNMAP, &u);
}

#endif
