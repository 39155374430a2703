// SPDX-License-Identifier: MIT
/*
 * vfio_dma_prog: an ordinary Linux VFIO-cdev + iommufd user driving a DMA
 * engine.
 *
 * Written only against the Linux uAPI (<linux/iommufd.h>, <linux/vfio.h>,
 * open, ioctl, pread/pwrite, eventfd) and the device's register map (its
 * "datasheet", docs/vfio.md), so that running it under `uiommu run` shows
 * an unmodified VFIO program working on uiommu's emulated devices.  It
 * binds the device to an iommufd, maps buffers in an IOAS, attaches, and
 * checks that the engine's DMA goes through the IOMMU: copies land, DMA
 * outside the mapping faults and writes nothing, an unmapped range faults
 * at once (no stale IOTLB entry), a detached device is blocked, and the
 * completion MSI reaches the eventfd only through the doorbell.
 *
 * Usage: vfio_dma_prog [DEVICE-NODE]   (default /dev/vfio/devices/vfio0)
 * Prints one line per check and "vfio_dma_prog: N checks passed" last.
 * Exit: 0 all passed, 1 a check failed, 3 a node could not be opened.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>

#include "vfio_prog.h"

#define NPG 4
#define SRC_IOVA 0x100000ull
#define DST_IOVA 0x200000ull
#define HOLE_IOVA 0x400000ull	/* never mapped */

static void check_bind(int dev, int iommufd, __u32 *devid)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC), closed, err;

	err = xioctl(dev, VFIO_DEVICE_GET_INFO, &info);
	check(err == EINVAL, "GET_INFO before BIND: %s (want EINVAL)",
	      ename(err));
	closed = dup(null);
	close(closed);
	err = vbind(dev, closed, 0, NULL);
	check(err == EBADF, "BIND to a closed fd: %s (want EBADF)", ename(err));
	err = vbind(dev, null, 0, NULL);
	check(err == EBADFD, "BIND to /dev/null: %s (want EBADFD)",
	      ename(err));
	err = vbind(dev, iommufd, 0x80, NULL);
	check(err == EINVAL, "BIND with an unknown flag: %s (want EINVAL)",
	      ename(err));
	err = vbind(dev, -1, 0, NULL);
	check(err == EINVAL, "BIND to fd -1: %s (want EINVAL)", ename(err));
	err = vbind(dev, iommufd, 0, devid);
	check(!err && *devid, "BIND: %s, devid %u", ename(err), *devid);
	err = vbind(dev, iommufd, 0, NULL);
	check(err == EINVAL, "second BIND: %s (want EINVAL)", ename(err));
	close(null);
}

static void check_info(int dev)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_region_info r = { .argsz = sizeof(r),
				      .index = VFIO_PCI_BAR0_REGION_INDEX };
	struct vfio_irq_info irq = { .argsz = sizeof(irq),
				     .index = VFIO_PCI_MSI_IRQ_INDEX };
	int err;

	err = xioctl(dev, VFIO_DEVICE_GET_INFO, &info);
	check(!err && (info.flags & VFIO_DEVICE_FLAGS_PCI) &&
	      info.num_regions == VFIO_PCI_NUM_REGIONS &&
	      info.num_irqs == VFIO_PCI_NUM_IRQS,
	      "GET_INFO: %s, flags %#x, %u regions, %u irqs", ename(err),
	      info.flags, info.num_regions, info.num_irqs);
	err = xioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &r);
	check(!err && r.size == 4096 &&
	      (r.flags & VFIO_REGION_INFO_FLAG_READ) &&
	      (r.flags & VFIO_REGION_INFO_FLAG_WRITE),
	      "BAR0: %s, size %llu, flags %#x", ename(err),
	      (unsigned long long)r.size, r.flags);
	bar0 = r.offset;
	err = xioctl(dev, VFIO_DEVICE_GET_IRQ_INFO, &irq);
	check(!err && irq.count == 1 && (irq.flags & VFIO_IRQ_INFO_EVENTFD),
	      "MSI irq info: %s, count %u", ename(err), irq.count);
	check(rd(dev, REG_ID, 4) == ENGINE_ID, "ID register reads %#llx",
	      (unsigned long long)rd(dev, REG_ID, 4));
	check(pread(dev, &err, 2, bar0) < 0 && errno == EINVAL,
	      "a 2-byte register read is EINVAL");
}

static void check_dma(int dev, int iommufd, __u32 ioas, int efd,
		      unsigned char *src, unsigned char *dst)
{
	__u64 msis;
	__u32 st;

	st = dma(dev, SRC_IOVA + 8, DST_IOVA, 3 * PAGE, CTRL_MSI_EN);
	check(st == STATUS_DONE && !memcmp(dst, src + 8, 3 * PAGE),
	      "DMA of 3 pages: status %#x, bytes %s", st,
	      memcmp(dst, src + 8, 3 * PAGE) ? "differ" : "copied");
	check(ev_count(efd) == 1 && rd(dev, REG_MSI_COUNT, 8) == 1,
	      "completion MSI reached the eventfd");
	memset(dst, 0, NPG * PAGE);
	/* Half in the destination mapping, half beyond it. */
	st = dma(dev, SRC_IOVA, DST_IOVA + 3 * PAGE, 2 * PAGE, CTRL_MSI_EN);
	check(st == STATUS_FAULT &&
	      rd(dev, REG_FAULT_REASON, 4) == FAULT_NOT_PRESENT &&
	      rd(dev, REG_FAULT_ADDR, 8) == DST_IOVA + NPG * PAGE,
	      "DMA past the mapping faults: status %#x, reason %llu, "
	      "addr %#llx", st,
	      (unsigned long long)rd(dev, REG_FAULT_REASON, 4),
	      (unsigned long long)rd(dev, REG_FAULT_ADDR, 8));
	check(all_zero(dst, NPG * PAGE), "a faulting DMA wrote nothing");
	check(ev_count(efd) == 1, "a faulting DMA still interrupts");
	/* The source is read-only to the device. */
	st = dma(dev, DST_IOVA, SRC_IOVA, 64, 0);
	check(st == STATUS_FAULT &&
	      rd(dev, REG_FAULT_REASON, 4) == FAULT_PERMISSION,
	      "DMA into a read-only mapping: status %#x, reason %llu", st,
	      (unsigned long long)rd(dev, REG_FAULT_REASON, 4));
	/* An MSI aimed where nothing is mapped is a fault, not an IRQ. */
	msis = rd(dev, REG_MSI_COUNT, 8);
	if (!wr(dev, REG_MSI_ADDR, 8, HOLE_IOVA)) {
		st = dma(dev, SRC_IOVA, DST_IOVA, 64, CTRL_MSI_EN);
		check(st == (STATUS_DONE | STATUS_MSI_FAULT) &&
		      ev_count(efd) == 0 && rd(dev, REG_MSI_COUNT, 8) == msis,
		      "MSI to an unmapped IOVA: status %#x, no interrupt", st);
	}
	/* After UNMAP the same DMA faults: no stale IOTLB entry. */
	st = dma(dev, SRC_IOVA, DST_IOVA, PAGE, 0);
	memset(dst, 0, NPG * PAGE);
	check(!ioas_unmap(iommufd, ioas, DST_IOVA, NPG * PAGE), "IOAS_UNMAP");
	st = dma(dev, SRC_IOVA, DST_IOVA, PAGE, 0);
	check(st == STATUS_FAULT &&
	      rd(dev, REG_FAULT_REASON, 4) == FAULT_NOT_PRESENT &&
	      all_zero(dst, NPG * PAGE),
	      "DMA after UNMAP faults and writes nothing: status %#x", st);
}

static void check_detach(int dev, int iommufd, __u32 ioas, void *dst)
{
	struct vfio_device_detach_iommufd_pt d = { .argsz = sizeof(d) };
	int err;
	__u32 st;

	check(!ioas_map(iommufd, ioas, dst, NPG * PAGE, DST_IOVA,
			IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE),
	      "map the destination again");
	st = dma(dev, SRC_IOVA, DST_IOVA, PAGE, 0);
	check(st == STATUS_DONE, "DMA after remapping: status %#x", st);
	err = xioctl(dev, VFIO_DEVICE_DETACH_IOMMUFD_PT, &d);
	check(!err, "DETACH: %s", ename(err));
	st = dma(dev, SRC_IOVA, DST_IOVA, PAGE, 0);
	check(st == STATUS_FAULT &&
	      rd(dev, REG_FAULT_REASON, 4) == FAULT_BLOCKED,
	      "a detached device is blocked: status %#x, reason %llu", st,
	      (unsigned long long)rd(dev, REG_FAULT_REASON, 4));
}

static int run(const char *node, int iommufd, int dev)
{
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at) };
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	unsigned char *src, *dst;
	__u32 devid = 0;
	int efd, err;

	check_bind(dev, iommufd, &devid);
	check_info(dev);
	src = mmap(NULL, NPG * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	dst = mmap(NULL, NPG * PAGE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (src == MAP_FAILED || dst == MAP_FAILED || efd < 0) {
		check(0, "buffers and eventfd");
		return 1;
	}
	for (size_t i = 0; i < NPG * PAGE; i++)
		src[i] = (unsigned char)(i * 13 + 7);
	err = xioctl(iommufd, IOMMU_IOAS_ALLOC, &a);
	check(!err, "IOAS_ALLOC: %s", ename(err));
	check(!ioas_map(iommufd, a.out_ioas_id, src, NPG * PAGE, SRC_IOVA,
			IOMMU_IOAS_MAP_READABLE) &&
	      !ioas_map(iommufd, a.out_ioas_id, dst, NPG * PAGE, DST_IOVA,
			IOMMU_IOAS_MAP_READABLE | IOMMU_IOAS_MAP_WRITEABLE),
	      "IOAS_MAP source (read-only) and destination");
	at.pt_id = a.out_ioas_id;
	err = xioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at);
	check(!err && at.pt_id != a.out_ioas_id,
	      "ATTACH to the IOAS: %s, pt_id %u (the auto HWPT)", ename(err),
	      at.pt_id);
	err = set_msi(dev, efd);
	check(!err, "SET_IRQS MSI eventfd: %s, MSI_ADDR %#llx", ename(err),
	      (unsigned long long)rd(dev, REG_MSI_ADDR, 8));
	check_dma(dev, iommufd, a.out_ioas_id, efd, src, dst);
	check_detach(dev, iommufd, a.out_ioas_id, dst);
	close(efd);
	check(pread(iommufd, &err, 4, 0) < 0 && errno == EINVAL,
	      "pread on the iommufd: EINVAL");
	/* A dup shares the open file: closing the original keeps it bound. */
	err = dup(dev);
	close(dev);
	dev = err;
	check(dev >= 0 && rd(dev, REG_ID, 4) == ENGINE_ID,
	      "registers readable through a dup after closing the original");
	/* Closing the last descriptor unbinds: a fresh open binds again. */
	close(dev);
	dev = open(node, O_RDWR | O_CLOEXEC);
	err = dev < 0 ? errno : vbind(dev, iommufd, 0, NULL);
	check(!err, "reopen and BIND after close: %s", ename(err));
	if (dev >= 0)
		close(dev);
	return 0;
}

int main(int argc, char **argv)
{
	const char *node = argc > 1 ? argv[1] : "/dev/vfio/devices/vfio0";
	int iommufd, dev;

	setvbuf(stdout, NULL, _IOLBF, 0);
	iommufd = open("/dev/iommu", O_RDWR | O_CLOEXEC);
	if (iommufd < 0) {
		printf("vfio_dma_prog: cannot open /dev/iommu: %s\n",
		       strerror(errno));
		return 3;
	}
	dev = open(node, O_RDWR | O_CLOEXEC);
	if (dev < 0) {
		printf("vfio_dma_prog: cannot open %s: %s\n", node,
		       strerror(errno));
		return 3;
	}
	if (run(node, iommufd, dev))
		return 1;
	close(iommufd);
	return verdict("vfio_dma_prog");
}
